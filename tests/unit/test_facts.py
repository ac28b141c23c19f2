"""macros/facts.py: the facts file's entries, and when a fact goes stale."""
from __future__ import annotations

from ghcr_check.catalog import load_catalog
from macros import facts

GOOD = """\
- id: checkout-thing
  statement: Something checkout does.
  source: https://example.invalid/checkout
  verified_against: actions/checkout@v7.0.1
  depends_on: actions/checkout
- id: err-something
  kind: error
  statement: What it means.
  text: "Error: something"
  printed_by: a tool v1.2.3
  source: https://example.invalid/tool
  verified_against: a tool v1.2.3
  depends_on: null
"""


class _Entry:
    def __init__(self, major):
        self.current_major = major


class _Catalog:
    def __init__(self, **majors):
        self.majors = majors

    def get(self, action):
        major = self.majors.get(action)
        return _Entry(major) if major else None


def test_the_project_facts_parse_and_are_current():
    found, problems = facts.load_facts(catalog=load_catalog())
    assert problems == []
    assert len(found) > 40


def test_each_entry_becomes_a_fact_with_its_line():
    found, problems = facts.parse_facts(GOOD)
    assert problems == []
    assert found["checkout-thing"].line == 1 and found["err-something"].line == 6
    assert found["checkout-thing"].verified_major() == "v7"
    assert found["err-something"].kind == "error" and found["err-something"].text == "Error: something"


def test_a_fact_verified_against_an_older_major_is_stale():
    found, _ = facts.parse_facts(GOOD)
    (problem,) = facts.stale_facts(found, _Catalog(**{"actions/checkout": "v8"}))
    assert problem.rule == "D012" and problem.line == 1
    assert problem.params["verified"] == "v7" and problem.params["major"] == "v8"
    assert facts.stale_facts(found, _Catalog(**{"actions/checkout": "v7"})) == []


def test_depends_on_must_be_catalogued_and_named_in_verified_against():
    text = GOOD.replace("verified_against: actions/checkout@v7.0.1", "verified_against: the README, 2026")
    found, _ = facts.parse_facts(text)
    (problem,) = facts.stale_facts(found, _Catalog(**{"actions/checkout": "v7"}))
    assert problem.rule == "D013" and "actions/checkout@<version>" in problem.params["problem"]
    (problem,) = facts.stale_facts(found, _Catalog())
    assert problem.rule == "D013" and "not in the catalog" in problem.params["problem"]


def test_bad_entries_are_problems_with_their_line_not_exceptions():
    cases = {
        "- id: x\n  statement: s\n": "missing source",
        GOOD + "- id: checkout-thing\n  statement: s\n  source: u\n  verified_against: v\n  depends_on: null\n": "used once",
        "- id: e\n  kind: error\n  statement: s\n  source: u\n  verified_against: v\n  depends_on: null\n": "printed_by",
        "- id: x\n  statement: s\n  source: u\n  verified_against: v\n  depends_on: null\n  colour: red\n": "unknown key colour",
        "- [unclosed\n": "not YAML",
        "just: a mapping\n": "must be a list",
    }
    for text, expected in cases.items():
        _, problems = facts.parse_facts(text)
        assert problems and problems[-1].rule == "D013", text
        assert expected in problems[-1].params["problem"], (expected, problems)


def test_sources_list_each_placed_fact_once_in_order():
    found, _ = facts.parse_facts(GOOD)
    foot = facts.sources_markdown([found["err-something"], found["checkout-thing"], found["err-something"]])
    assert foot.index("[^err-something]:") < foot.index("[^checkout-thing]:")
    assert foot.count("[^err-something]:") == 1
    assert "https://example.invalid/tool" in foot and "Checked against: a tool v1.2.3." in foot
    assert facts.sources_markdown([]) == ""


def test_an_error_is_shown_verbatim_with_the_tool_that_prints_it():
    found, _ = facts.parse_facts(GOOD)
    shown = facts.error_markdown(found["err-something"])
    assert shown.startswith("```text\nError: something\n```")
    assert "Printed by a tool v1.2.3.[^err-something]" in shown
