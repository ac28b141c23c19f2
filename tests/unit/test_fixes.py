"""--fix: each repair leaves no finding of its rule, no new finding, and changes only the
lines it means to change; comments, order and quoting survive."""
from __future__ import annotations

import difflib

import pytest
from support import ROOT

from ghcr_check import engine, fixes
from ghcr_check.catalog import load_catalog
from macros.snippets import SnippetLibrary, render

LIBRARY = SnippetLibrary(ROOT / "snippets", ROOT)
CATALOG = load_catalog()


def example(snippet_id: str, rendering: str = "tags") -> str:
    return render(LIBRARY.get(snippet_id), CATALOG, rendering)[0]


def check(text: str, profile: str = "default") -> list:
    return engine.check_batch({"w.yml": text}, profile=profile)["w.yml"]


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def fix(text: str, profile: str = "default") -> fixes.Outcome:
    return fixes.apply(text, check(text, profile), lambda edited: check(edited, profile))


def assert_clean_fix(before: str, outcome: fixes.Outcome, rule: str, profile: str = "default"):
    after_findings = check(outcome.text, profile)
    assert rule not in {f.rule for f in after_findings}, after_findings
    signature = lambda f: (f.rule, f.message)  # noqa: E731
    assert {signature(f) for f in after_findings} <= {signature(f) for f in check(before, profile)}
    assert rule in {f.rule for f in outcome.fixed}


PERMISSIONS_BLOCK = """\
name: Publish image

on:
  push:
    branches: [main]

permissions:
  contents: read # actions/checkout reads the repository

jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/login-action@{login}
        with:
          registry: ghcr.io
          username: ${{{{ github.actor }}}}
          password: ${{{{ secrets.GITHUB_TOKEN }}}}
      - uses: docker/build-push-action@{build}
        with:
          context: .
          push: true
          tags: ghcr.io/octo-org/app:latest
""".format(login=CATALOG.get("docker/login-action").tag_ref, build=CATALOG.get("docker/build-push-action").tag_ref)


def test_persist_credentials_false_is_added_under_with():
    before = example("rules/Z004/fail")
    outcome = fix(before)
    assert_clean_fix(before, outcome, "Z004")
    removed, added = changed_lines(before, outcome.text)
    assert removed == [] and [line.strip() for line in added] == ["with:", "persist-credentials: false"]


def test_packages_write_is_added_to_the_jobs_permissions_with_its_reason():
    before = example("rules/G003/fail")
    outcome = fix(before)
    assert_clean_fix(before, outcome, "G003")
    assert changed_lines(before, outcome.text) == (
        [], ["      packages: write # GITHUB_TOKEN may push this repository's packages"])


def test_packages_write_on_the_job_keeps_the_workflows_grants():
    outcome = fix(PERMISSIONS_BLOCK)
    assert_clean_fix(PERMISSIONS_BLOCK, outcome, "G003")
    assert changed_lines(PERMISSIONS_BLOCK, outcome.text) == ([], [
        "    permissions:",
        "      contents: read # actions/checkout reads the repository",
        "      packages: write # GITHUB_TOKEN may push this repository's packages",
    ])


def test_no_permissions_anywhere_is_left_alone():
    text = PERMISSIONS_BLOCK.replace("permissions:\n  contents: read # actions/checkout reads the repository\n\n", "")
    assert "G003" in {f.rule for f in check(text)}
    outcome = fix(text)
    assert "G003" not in {f.rule for f in outcome.fixed}


def test_the_image_name_is_lowercased_in_a_step_as_the_course_does():
    before = example("rules/G005/fail").replace(
        '      - name: Name the image in lowercase\n        run: echo "IMAGE=ghcr.io/${GITHUB_REPOSITORY,,}" >> "$GITHUB_ENV"\n', "")
    assert "IMAGE" not in before
    outcome = fix(before)
    assert_clean_fix(before, outcome, "G005")
    removed, added = changed_lines(before, outcome.text)
    assert removed == ["          tags: ghcr.io/${{ github.repository_owner }}/hello-ghcr:latest"]
    assert added == [
        "      - name: Name the image in lowercase",
        '        run: echo "IMAGE=ghcr.io/${GITHUB_REPOSITORY_OWNER,,}/hello-ghcr" >> "$GITHUB_ENV"',
        "          tags: ${{ env.IMAGE }}:latest",
    ]


def test_an_image_variable_that_means_something_else_is_not_overwritten():
    before = example("rules/G005/fail")  # IMAGE already holds ghcr.io/<repository>
    outcome = fix(before)
    assert outcome.text == before and not outcome.fixed


@pytest.mark.parametrize("rule", ["A002", "A010"])
def test_an_older_major_becomes_the_catalogs_current_one(rule):
    before = example(f"rules/{rule}/fail")
    outcome = fix(before)
    assert_clean_fix(before, outcome, rule)
    removed, added = changed_lines(before, outcome.text)
    current = CATALOG.get("actions/checkout").tag_ref
    assert len(removed) == 1 and added == [removed[0].split("@")[0] + f"@{current}"]


def test_a_tag_is_pinned_to_its_sha_with_the_version_as_comment():
    before = example("rules/Z004/pass")
    outcome = fix(before, "hardened")
    assert_clean_fix(before, outcome, "Z003", "hardened")
    removed, added = changed_lines(before, outcome.text)
    checkout = CATALOG.get("actions/checkout")
    assert f"      - uses: actions/checkout@{checkout.sha} # {checkout.newest_tag}" in added
    assert len(removed) == len(added) == 4 and all("uses:" in line for line in removed + added)


def test_an_old_major_with_a_comment_and_quotes_is_upgraded_and_keeps_both():
    before = PERMISSIONS_BLOCK.replace("permissions:\n  contents", "permissions:\n  packages: write # push\n  contents")
    login = CATALOG.get("docker/login-action")
    older = sorted(login.older_majors)[-1]
    before = before.replace(f"- uses: docker/login-action@{login.tag_ref}", f'- uses: "docker/login-action@{older}" # pinned long ago')
    outcome = fix(before)
    assert changed_lines(before, outcome.text) == (
        [f'      - uses: "docker/login-action@{older}" # pinned long ago'],
        [f'      - uses: "docker/login-action@{login.tag_ref}" # pinned long ago'])


def test_a_file_ruamel_would_reformat_is_not_edited():
    before = example("rules/Z004/fail").replace("on:\n  push:\n    branches", "on:\n      push:\n          branches")
    assert "Z004" in {f.rule for f in check(before)}  # mixed indentation: no one style writes it back
    findings = check(before)
    outcome = fixes.apply(before, findings, check)
    assert outcome.text == before and outcome.skipped



def test_capitals_written_in_the_name_are_lowercased_where_they_stand():
    before = PERMISSIONS_BLOCK.replace("permissions:\n  contents", "permissions:\n  packages: write # push\n  contents")
    before = before.replace("tags: ghcr.io/octo-org/app:latest", "tags: ghcr.io/Octo-Org/App:Latest")
    outcome = fix(before)
    assert_clean_fix(before, outcome, "G004")
    assert changed_lines(before, outcome.text) == (
        ["          tags: ghcr.io/Octo-Org/App:Latest"], ["          tags: ghcr.io/octo-org/app:Latest"])


def test_capitals_next_to_the_owner_expression_go_into_the_lowercase_step():
    before = PERMISSIONS_BLOCK.replace("permissions:\n  contents", "permissions:\n  packages: write # push\n  contents")
    before = before.replace("tags: ghcr.io/octo-org/app:latest", "tags: 'ghcr.io/${{ github.repository_owner }}/App:latest'")
    outcome = fix(before)
    assert_clean_fix(before, outcome, "G004")
    assert changed_lines(before, outcome.text)[1] == [
        "      - name: Name the image in lowercase",
        '        run: echo "IMAGE=ghcr.io/${GITHUB_REPOSITORY_OWNER,,}/app" >> "$GITHUB_ENV"',
        "          tags: '${{ env.IMAGE }}:latest'",
    ]


def test_pinning_replaces_a_version_comment_and_keeps_the_lines_after_it():
    before = example("rules/Z004/pass").replace(
        "uses: docker/setup-buildx-action@", "uses: docker/setup-buildx-action@", 1)
    buildx = CATALOG.get("docker/setup-buildx-action")
    before = before.replace(f"      - uses: docker/setup-buildx-action@{buildx.tag_ref}\n",
                            f"      - uses: docker/setup-buildx-action@{buildx.tag_ref}   # {buildx.tag_ref}\n\n      # log in\n")
    outcome = fix(before, "hardened")
    assert_clean_fix(before, outcome, "Z003", "hardened")
    assert f"      - uses: docker/setup-buildx-action@{buildx.sha} # {buildx.newest_tag}\n\n      # log in\n" in outcome.text
