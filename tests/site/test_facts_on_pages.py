"""Facts as data on the site: placed from macros/data/facts.yml, sourced at each page's
foot, and a build that fails when the catalog moves an action past a fact's version."""
from __future__ import annotations

import html
import re
from pathlib import Path

from support import ROOT, build_site

from macros.facts import load_facts

FAST = {"GHCR_COURSE_CHECKS": "off"}  # the workflow checks are other tests' concern
PLACEMENT = re.compile(r"<!--\[\[\s*(fact|error)\(\s*\"([^\"]+)\"\s*\)\s*\]\]-->")


def _placements() -> dict[str, set[str]]:
    """fact id -> the pages that place it."""
    placed: dict[str, set[str]] = {}
    for page in (ROOT / "docs").rglob("*.md"):
        for _, fact_id in PLACEMENT.findall(page.read_text("utf-8")):
            placed.setdefault(fact_id, set()).add(page.relative_to(ROOT / "docs").as_posix())
    return placed


def test_bumping_an_actions_major_fails_the_build_on_the_facts_verified_against_the_old_one(
        project_copy: Path, tmp_path: Path):
    catalog = project_copy / "ghcr_check/data/catalog.yml"
    text = catalog.read_text("utf-8")
    catalog.write_text(text.replace("- action: actions/checkout\n  current_major: v7\n",
                                    "- action: actions/checkout\n  current_major: v8\n", 1))
    result = build_site(project_copy, tmp_path / "site", FAST)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    stale = [fact for fact in load_facts(ROOT / "macros/data/facts.yml")[0].values()
             if fact.depends_on == "actions/checkout"]
    assert stale
    for fact in stale:
        assert re.search(rf"macros/data/facts\.yml:{fact.line}:1: D012 fact '{re.escape(fact.id)}' was verified "
                         r"against actions/checkout v7, but the catalog now names actions/checkout v8 — re-read "
                         rf"{re.escape(fact.source)} at actions/checkout v8", out), out
    assert "Traceback" not in out
    assert not (tmp_path / "site" / "index.html").exists(), "nothing is published from a failing build"


def test_re_verifying_the_fact_lets_the_build_pass_again(project_copy: Path, tmp_path: Path):
    catalog = project_copy / "ghcr_check/data/catalog.yml"
    catalog.write_text(catalog.read_text("utf-8").replace(
        "- action: actions/checkout\n  current_major: v7\n", "- action: actions/checkout\n  current_major: v8\n", 1))
    facts = project_copy / "macros/data/facts.yml"
    facts.write_text(facts.read_text("utf-8").replace("actions/checkout@v7.0.1", "actions/checkout@v8.0.0"))
    result = build_site(project_copy, tmp_path / "site", FAST)
    assert " D012 " not in result.stdout + result.stderr


def test_an_unknown_fact_fails_the_build_with_a_suggestion(project_copy: Path, tmp_path: Path):
    page = project_copy / "docs/tutorial/first-workflow.md"
    page.write_text(page.read_text("utf-8") + '\nAlso: <!--[[ fact("sha-pinning-polcy") ]]-->\n')
    result = build_site(project_copy, tmp_path / "site", FAST)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert ("docs/tutorial/first-workflow.md:1:1: D011 no fact 'sha-pinning-polcy' in macros/data/facts.yml "
            "— did you mean 'sha-pinning-policy'?") in out, out


def test_a_troubleshooting_entry_without_its_sourced_error_fails_the_build(project_copy: Path, tmp_path: Path):
    page = project_copy / "docs/troubleshooting/builds.md"
    page.write_text(page.read_text("utf-8") + "\n### Something new\n\n```text\nError: something\n```\n")
    result = build_site(project_copy, tmp_path / "site", FAST)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert re.search(r"docs/troubleshooting/builds\.md:\d+:1: D014 the entry 'Something new' places no "
                     r"error\(\"id\"\)", out), out


def test_every_fact_is_placed_and_every_placement_is_known():
    facts, problems = load_facts(ROOT / "macros/data/facts.yml")
    assert problems == []
    placed = _placements()
    assert set(placed) <= set(facts), set(placed) - set(facts)
    assert set(facts) - set(placed) == set(), "facts no page places: place them or remove them"


def test_pages_show_each_fact_once_from_data_and_list_its_source_at_the_foot(built_site: Path):
    facts, _ = load_facts(ROOT / "macros/data/facts.yml")
    for fact_id, pages in _placements().items():
        fact = facts[fact_id]
        for page in pages:
            built = (built_site / page.removesuffix(".md").removesuffix("index") / "index.html")
            if page.endswith("index.md"):
                built = built_site / page.removesuffix("index.md") / "index.html"
            content = built.read_text("utf-8")
            assert 'id="sources"' in content, page
            foot = content[content.index('id="sources"'):]
            assert f'id="fn:{fact_id}"' in foot and html.escape(fact.source, quote=True) in foot, (page, fact_id)


def test_every_troubleshooting_error_names_the_tool_that_prints_it(built_site: Path):
    for page in (built_site / "troubleshooting").rglob("index.html"):
        text = page.read_text("utf-8")
        entries = re.split(r"<h3 ", text)[1:]
        for entry in entries:
            assert "Printed by " in entry and "footnote-ref" in entry, (page, entry[:120])
