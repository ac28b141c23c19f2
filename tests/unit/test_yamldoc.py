"""Layer 1 reads YAML 1.2 as ruamel.yaml does, only faster, and positions match."""
from __future__ import annotations

import pytest
from support import ROOT
from ruamel.yaml import YAML

from ghcr_check.catalog import load_catalog
from macros.snippets import SnippetLibrary, render
from ghcr_check.yamldoc import load, plain

LIBRARY = SnippetLibrary(ROOT / "snippets", ROOT)


def _ruamel(text: str):
    return YAML(typ="rt").load(text)


def _positions(node, path=()):
    """Every key's and item's 0-based (line, column), by path."""
    out = {}
    if isinstance(node, dict):
        for key, value in node.items():
            out[path + (key, "k")] = tuple(node.lc.key(key))
            out.update(_positions(value, path + (key,)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out[path + (index, "i")] = tuple(node.lc.item(index))
            out.update(_positions(value, path + (index,)))
    return out


@pytest.mark.parametrize("snippet_id", [s.id for s in LIBRARY if not s.is_counter_example])
def test_same_data_and_positions_as_ruamel(snippet_id: str):
    text = render(LIBRARY.get(snippet_id), load_catalog(), "pinned")[0]
    doc, findings = load(text)
    assert not findings
    reference = _ruamel(text)
    assert plain(doc.root) == plain(reference)
    assert _positions(doc.root) == _positions(reference)


@pytest.mark.parametrize("text,expected", [
    ("on: push", {"on": "push"}),  # YAML 1.1 would read True
    ("a: yes\nb: off\nc: y", {"a": "yes", "b": "off", "c": "y"}),
    ("a: true\nb: False\nc: ~\nd: null", {"a": True, "b": False, "c": None, "d": None}),
    ("a: 010\nb: 0o10\nc: 0x1f\nd: 1_000", {"a": 10, "b": 8, "c": 31, "d": "1_000"}),
    ("a: 1:30\nb: 2024-01-01\nc: 1.5e3", {"a": "1:30", "b": "2024-01-01", "c": 1500.0}),
    ("a: '1'\nb: \"true\"\nc: !!str 12", {"a": "1", "b": "true", "c": "12"}),
])
def test_scalars_follow_the_yaml_1_2_core_schema(text: str, expected: dict):
    doc, findings = load(text + "\n")
    assert not findings and plain(doc.root) == expected


def test_aliases_share_instead_of_copying():
    doc, _ = load("a: &x {k: v}\nb: *x\n")
    assert doc.root["a"] is doc.root["b"]


def test_an_alias_inside_its_own_anchor_is_undefined():
    _, findings = load("a: &x [1, *x]\n")
    assert [(f.rule, f.line) for f in findings] == [("Y001", 1)]
    assert "undefined alias" in findings[0].message


@pytest.mark.slow  # every snippet through both validators
def test_the_fast_schema_verdict_matches_the_explaining_validator():
    from ghcr_check.checks import schema

    fast, slow = schema.fast_validator(), schema.validator()
    assert fast is not None, "jsonschema-rs is a dependency: the fast path must be there"
    for snippet in LIBRARY:
        for rendering in snippet.renderings:
            doc, _ = load(render(snippet, load_catalog(), rendering)[0])
            if doc is not None:
                data = plain(doc.root)
                assert fast.is_valid(data) == slow.is_valid(data), snippet.id
