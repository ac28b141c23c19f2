"""Which registries a login step logs in to: `registry`, Docker Hub by default, or each `registry-auth` entry.

docker/login-action's `registry-auth` (since v3.6.0) logs in to several registries in
one step. A job that logs in to ghcr.io that way is logged in: no G001 or G002.
"""
from __future__ import annotations

import pytest

from ghcr_check import engine

JOB = """\
name: t
on:
  push:
    branches: [main]
jobs:
  publish:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      packages: write
    steps:
      - uses: docker/login-action@v4
        with:
{login}
      - uses: docker/build-push-action@v7
        with:
          push: true
          tags: ghcr.io/octo-org/app:latest
"""
GHCR_ENTRY = """\
            - registry: ghcr.io
              username: ${{ github.actor }}
              password: ${{ secrets.GITHUB_TOKEN }}"""
HUB_ENTRY = """\
            - username: ${{ vars.DOCKERHUB_USERNAME }}
              password: ${{ secrets.DOCKERHUB_TOKEN }}"""


def _rules(login: str) -> list[str]:
    text = JOB.format(login=login)
    return sorted({f.rule for f in engine.check_document(text, ("schema", "ghcr"))})


def test_registry_auth_with_a_ghcr_entry_is_a_ghcr_login():
    assert _rules(f"          registry-auth: |\n{GHCR_ENTRY}\n{HUB_ENTRY}") == []


def test_registry_auth_without_a_ghcr_entry_is_no_ghcr_login():
    # G001, not G002: the step names its registries, it did not forget `registry:`
    assert _rules(f"          registry-auth: |\n{HUB_ENTRY}") == ["G001"]


def test_registry_auth_with_a_personal_token_for_the_own_repository_is_g015():
    entry = GHCR_ENTRY.replace("secrets.GITHUB_TOKEN", "secrets.GHCR_PAT").replace("octo-org", "x")
    text = JOB.format(login=f"          registry-auth: |\n{entry}").replace(
        "ghcr.io/octo-org/app", "ghcr.io/${{ github.repository_owner }}/app")
    assert "G015" in {f.rule for f in engine.check_document(text, ("schema", "ghcr"))}


@pytest.mark.parametrize("value", ["          registry-auth: '[unclosed'", "          registry-auth: plain words"])
def test_an_unreadable_registry_auth_is_unknown_not_a_crash(value):
    assert "X001" not in _rules(value)
