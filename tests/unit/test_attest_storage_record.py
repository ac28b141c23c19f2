"""G008 fires only for attest releases whose storage record can fail, and says for whom.

actions/attest v3.1.0 tried the record for every owner; from v3.2.0 it writes one only
in an organisation's repository and skips it for a personal account (src/attest.ts).
"""
from __future__ import annotations

import pytest
from support import ROOT

from ghcr_check import engine
from ghcr_check.catalog import load_catalog
from macros.snippets import TAGS, SnippetLibrary, render

LAYERS = ("yaml", "schema", "actions", "expressions", "ghcr")


def _attest_workflow(uses: str, extra_with: str = "", permission: str = "") -> str:
    snippet = SnippetLibrary(ROOT / "snippets", ROOT).get("rules/G008/fail")
    text, _ = render(snippet, load_catalog(), TAGS)
    text = text.replace("uses: actions/attest@v4", f"uses: {uses}")
    if extra_with:
        text = text.replace("          push-to-registry: true\n", f"          push-to-registry: true\n{extra_with}")
    if permission:
        text = text.replace("      attestations: write", f"      attestations: write\n{permission}")
    return text


def _g008(text: str) -> list[str]:
    found = engine.check_batch({"w.yml": text}, LAYERS, cache=engine.ResultCache(None))["w.yml"]
    return [f.message + " | " + f.fix for f in found if f.rule == "G008"]


@pytest.mark.parametrize("uses", ["actions/attest@v4", "actions/attest@v4.2.2", "actions/attest@v3.2.0",
                                  "actions/attest-build-provenance@v4"])
def test_releases_that_skip_personal_accounts_warn_about_organisations_only(uses):
    (message,) = _g008(_attest_workflow(uses))
    assert "in an organisation's repository" in message and "personal account" in message
    assert "create-storage-record" not in message, "a personal account needs no setting"


def test_v3_1_tries_the_record_for_every_owner():
    (message,) = _g008(_attest_workflow("actions/attest@v3.1.0"))
    assert "for every owner" in message and "v3.2.0 or later" in message


@pytest.mark.parametrize("uses", ["actions/attest@v3", "actions/attest@v3.0.0", "actions/attest@v2.4.0",
                                  "actions/attest-build-provenance@v3"])
def test_releases_without_storage_records_never_warn(uses):
    assert _g008(_attest_workflow(uses)) == []


def test_granted_or_switched_off_records_do_not_warn():
    assert _g008(_attest_workflow("actions/attest@v4", permission="      artifact-metadata: write")) == []
    assert _g008(_attest_workflow("actions/attest@v4", extra_with="          create-storage-record: false\n")) == []
