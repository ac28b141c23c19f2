"""The registry (ghcr_check/rules.py, data/registry.yml): layers, profiles and rules are
read once and refused, with the file and entry named, when they break the format."""
from __future__ import annotations

import pytest
from support import ROOT

from ghcr_check import checks, cli, datafile, engine, rules
from ghcr_check.rules import RegistryError, load_rules, parse_registry

GOOD = """\
- id: G901
  name: test-rule
  layer: ghcr
  severity: error
  summary: A test rule.
  message: "job '{job}' does {what}"
  fix: "fix {what}"
  params: [job, what]
"""


def _load(text: str):
    return load_rules([("test.yml", text)])


def test_a_well_formed_rule_loads_with_its_params():
    rule = _load(GOOD)["G901"]
    assert rule.params == ("job", "what")
    assert rules.finding("G901", rules={"G901": rule}, job="b", what="x").message == "job 'b' does x"


@pytest.mark.parametrize("change,error", [
    (lambda t: t + "  colour: red\n", "test.yml: rule G901: unknown key colour"),
    (lambda t: t.replace("layer: ghcr", "layer: ghrc"), "test.yml: rule G901: unknown layer 'ghrc'"),
    (lambda t: t.replace("id: G901", "id: A901"), "test.yml: rule A901: a ghcr rule's ID is G and three digits"),
    (lambda t: t.replace("params: [job, what]", "params: [job]"),
     "test.yml: rule G901: message or fix uses {what} but params: does not declare it"),
    (lambda t: t.replace("params: [job, what]", "params: [job, what, who]"),
     "test.yml: rule G901: params: declares who, which neither message nor fix uses"),
    (lambda t: t.replace("severity: error", "severity: fatal"), "severity 'fatal' is not one of error, warning"),
    (lambda t: t.replace("  summary: A test rule.\n", ""), "test.yml: rule G901: missing summary"),
    (lambda t: t + t, "test.yml: rule G901 is defined twice"),
    (lambda t: t + "  audit: x\n", "unknown key audit"),  # a zizmor rule's key, not a ghcr rule's
])
def test_a_broken_rule_is_a_clear_error(change, error):
    with pytest.raises(RegistryError) as raised:
        _load(change(GOOD))
    assert error in str(raised.value)


def test_a_layer_keeps_its_own_keys():
    text = GOOD.replace("G901", "Z901").replace("layer: ghcr", "layer: zizmor") + "  audit: x\n"
    assert _load(text)["Z901"].extra == {"audit": "x"}


REGISTRY = datafile.read_text("registry.yml")


@pytest.mark.parametrize("change,error", [
    (lambda t: t.replace("    letter: S\n", "    letter: Y\n"), "layer schema: name, letter or order already taken by layer yaml"),
    (lambda t: t.replace("    kind: batch\n", "    kind: external\n", 1), "layer zizmor: kind 'external' is not one of"),
    (lambda t: t.replace("    layers: [ghcr]\n", "    layers: [ghcr, gcr]\n"), "unknown layer gcr"),
    (lambda t: t.replace("    layers: [ghcr]\n", "    layers: []\n"), "every layer belongs to exactly one group"),
    (lambda t: t.replace("  - name: hardened\n", "  - name: hardened\n    persona: pedantic\n"),
     "profile hardened: unknown key persona"),
    (lambda t: t.replace("rule_path:", "rules_path:"), "unknown key rules_path"),
])
def test_a_broken_registry_is_a_clear_error(change, error):
    changed = change(REGISTRY)
    assert changed != REGISTRY
    with pytest.raises(RegistryError) as raised:
        parse_registry(changed)
    assert error in str(raised.value)


def test_the_engine_runs_the_registry_layers_in_its_order():
    assert engine.ALL_LAYERS == rules.layer_names("document", "batch")
    assert (*checks.LAYERS, *checks.BATCH_LAYERS) == engine.ALL_LAYERS[1:]  # yaml is yamldoc.load, first
    assert list(checks.BATCH_LAYERS) == ["zizmor", "actionlint"]  # zizmor first: merge drops actionlint's repeats


def test_an_unknown_layer_name_is_an_error_not_skipped():
    with pytest.raises(ValueError, match="unknown layer 'ghrc'"):
        engine.check_document("on: push\n", layers=("yaml", "ghrc"))
    with pytest.raises(ValueError, match="unknown profile 'strict'"):
        engine.check_batch({"w": "on: push\n"}, profile="strict")


def test_each_profile_is_described_once_and_the_same_everywhere():
    from macros import render, snippets

    page = (ROOT / "docs" / "reference" / "ghcr-check.md").read_text("utf-8")
    assert "<!--[[ profiles() ]]-->" in page  # the page prints the registry's descriptions
    help_text = " ".join(cli.build_parser().format_help().split())
    for profile in rules.profiles().values():
        assert " ".join(profile.description.split()) in help_text
        assert profile.description[1:] in render.profiles_markdown()
    assert rules.profiles()["hardened"].description in snippets.HEADER_KEYS["profile"]
    assert cli.build_parser().parse_args(["--profile", "hardened", "x"]).profile == "hardened"


def test_the_hardened_description_is_true_to_the_code():
    """Our own rules keep their severity under hardened: their warnings stay warnings."""
    warning_rule = next(r for r in rules.registry().values() if r.layer == "actions" and r.severity == "warning")
    assert "keep their severity" in rules.profiles()["hardened"].description
    assert warning_rule.severity == "warning"


def test_rule_urls_come_from_one_place():
    assert rules.url("G003") == rules.meta().rule_path.format(id="G003")
    assert rules.url("G003").endswith("reference/rules/G003/")
