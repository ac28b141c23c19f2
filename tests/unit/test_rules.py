"""Every rule: a stable entry in the registry, a failing example that raises exactly it,
and a passing example that raises nothing, in both renderings (tags and pinned)."""
from __future__ import annotations

import re

import pytest
from support import ROOT

from ghcr_check import engine
from ghcr_check.catalog import load_catalog
from ghcr_check import rules
from ghcr_check.rules import registry
from macros.snippets import SnippetLibrary, render

LIBRARY = SnippetLibrary(ROOT / "snippets", ROOT)
CATALOG = load_catalog()
PREFIXES = {layer.name: layer.letter for layer in rules.layers()}
ENGINE_LAYERS = set(rules.layer_names("document", "batch"))  # the layers whose rules have examples


def test_registry_entries_are_well_formed():
    for rule_id, rule in registry().items():
        assert re.fullmatch(r"[A-Z]\d{3}", rule_id)
        assert rule.severity in ("error", "warning", "info")
        assert rule.id.startswith(PREFIXES[rule.layer]), rule_id
        for text in (rule.message, rule.fix, rule.summary):
            assert text.strip() and "\n" not in text, rule_id


def test_every_rule_says_why_it_matters():
    from macros.site_rules import registry as with_site_rules

    assert [r.id for r in with_site_rules().values() if not r.why.strip()] == []


def test_every_engine_rule_has_examples_or_says_why_not():
    for rule in registry().values():
        if rule.layer not in ENGINE_LAYERS or rule.no_examples:
            continue
        for kind in ("fail", "pass"):
            assert LIBRARY.get(f"rules/{rule.id}/{kind}") is not None, f"snippets/rules/{rule.id}/{kind}.yml is missing"


def _examples():
    for snippet in LIBRARY:
        match = re.fullmatch(r"rules/([A-Z]\d{3})/(fail|pass)", snippet.id)
        if match:
            yield snippet, match.group(1), match.group(2)


def _profile(rule_id: str) -> str:
    fail = LIBRARY.get(f"rules/{rule_id}/fail")
    return fail.profile if fail is not None else "default"


def _renderings(snippet, rule_id: str) -> tuple:
    """As the site checks them: the hardened profile looks at the pinned rendering only."""
    return ("pinned",) if _profile(rule_id) == "hardened" else snippet.renderings


def _texts(profile: str) -> dict[str, str]:
    texts = {}
    for snippet, rule_id, kind in _examples():
        if _profile(rule_id) != profile:
            continue
        for rendering in _renderings(snippet, rule_id):
            texts[f"{snippet.id}:{rendering}"] = render(snippet, CATALOG, rendering)[0]
    return texts


@pytest.fixture(scope="module")
def results():
    """All examples, checked in one batch per profile, as the site build does."""
    found = {}
    for profile in ("default", "hardened"):
        texts = _texts(profile)
        if texts:
            found.update(engine.check_batch(texts, profile=profile))
    return found


@pytest.mark.parametrize("snippet,rule_id,kind", list(_examples()), ids=lambda v: getattr(v, "id", str(v)))
def test_example_raises_exactly_its_rule(snippet, rule_id, kind, results):
    for rendering in _renderings(snippet, rule_id):
        raised = sorted({f.rule for f in results[f"{snippet.id}:{rendering}"]})
        if kind == "fail":
            assert raised == [rule_id], f"{snippet.id} ({rendering}) raised {raised}"
        else:
            assert raised == [], f"{snippet.id} ({rendering}) raised {raised}"


def test_failing_examples_declare_their_rule():
    for snippet, rule_id, kind in _examples():
        if kind == "fail":
            assert snippet.expected_rules == (rule_id,), snippet.id


def test_a_file_that_is_not_utf8_is_y005():
    found = engine.check_document(b"name: caf\xe9\non: push\n")
    assert [(f.rule, f.line) for f in found] == [("Y005", 1)]


def test_binary_data_is_y005():
    assert [f.rule for f in engine.check_document(b"\x7fELF\x00\x00\x01")] == ["Y005"]


def test_a_file_over_one_mebibyte_is_y006():
    big = b"name: x\n" + b"# padding\n" * 120_000
    assert [f.rule for f in engine.check_document(big)] == ["Y006"]


def test_a_bug_in_one_layer_is_x001_and_the_others_still_run(monkeypatch):
    from ghcr_check import checks

    def broken(workflow, catalog):
        raise RuntimeError("boom")

    monkeypatch.setitem(checks.LAYERS, "schema", broken)
    text = LIBRARY.get("rules/G003/fail")
    found = engine.check_document(render(text, CATALOG, "tags")[0], layers=("yaml", "schema", "ghcr"))
    assert {f.rule for f in found} == {"X001", "G003"}
    assert "RuntimeError: boom" in next(f.message for f in found if f.rule == "X001")


def test_a_pull_request_may_push_to_a_registry_on_the_runner_but_not_to_ghcr():
    def workflow(tag: str) -> str:
        return f"""name: CI
on: pull_request
permissions: {{}}
jobs:
  build:
    runs-on: ubuntu-latest
    services:
      registry:
        image: registry:2
        ports: ["5000:5000"]
    steps:
      - uses: docker/setup-buildx-action@v4
      - uses: docker/build-push-action@v7
        with:
          push: true
          tags: {tag}
"""
    for local in ("localhost:5000/app:ci", "127.0.0.1:5000/app:ci"):
        found = engine.check_document(workflow(local), layers=("ghcr",))
        assert "G006" not in {f.rule for f in found}, local
    found = engine.check_document(workflow("ghcr.io/octo-org/app:ci"), layers=("ghcr",))
    assert "G006" in {f.rule for f in found}
