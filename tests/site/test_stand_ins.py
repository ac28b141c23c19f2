"""zizmor, actionlint and the builder's proof read one text for several; nothing changes.

The site build lets a snippet's tags rendering stand in, for the external tools, for
its pinned rendering, and one builder variant for those that differ from it only in
options the tools cannot see (snippets/builder/compose.py, TOOL_INERT); that variant's
proof of the image name's places stands for theirs too. These tests prove it on every
snippet: the renderings differ only where claimed, the tools' findings for every
rendering are those they give when they read each one, and every variant's proven
places are those its own proof gives.
"""
from __future__ import annotations

import importlib.util
import re

import pytest
from support import ROOT

from ghcr_check import engine
from macros import builder
from macros.sitebuild import SiteBuild
from macros.snippets import PINNED, TAGS, _USES_LINE

TOOL_LAYERS = ("yaml", "zizmor", "actionlint")  # yaml: tools speak only for files that parse
NO_CACHE = engine.ResultCache(None)


@pytest.fixture(scope="module")
def build() -> SiteBuild:
    site = SiteBuild(ROOT)
    site.validate = False  # only the renderings; the tests run the checks themselves
    site.prepare()
    return site


def _batch(build: SiteBuild) -> dict[str, str]:
    return {f"{sid}\0{rendering}": text for (sid, rendering), text in build.texts.items()}


def test_pinned_renderings_differ_from_tags_only_in_uses_refs(build):
    compared = 0
    for snippet in build.library:
        if snippet.renderings != (TAGS, PINNED):
            continue
        tags, pinned = build.texts[(snippet.id, TAGS)].splitlines(), build.texts[(snippet.id, PINNED)].splitlines()
        assert len(tags) == len(pinned), snippet.id
        for number, (a, b) in enumerate(zip(tags, pinned), 1):
            if a == b:
                continue
            ours, theirs = _USES_LINE.match(a), _USES_LINE.match(b)
            assert ours and theirs, f"{snippet.id}:{number}: the renderings differ outside a uses: line"
            assert (ours["lead"], ours["q"], ours["name"]) == (theirs["lead"], theirs["q"], theirs["name"]), \
                f"{snippet.id}:{number}: the pinned rendering names another action"
            assert re.fullmatch(r"@[0-9a-f]{40}", theirs["ref"]), f"{snippet.id}:{number}: pinned to no SHA"
        compared += 1
    assert compared > 100


def test_a_builder_variant_stands_in_only_for_variants_differing_in_inert_options():
    spec = importlib.util.spec_from_file_location("composition", ROOT / "snippets/builder/compose.py")
    composition = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(composition)
    choices = {composition.variant_key(c): c for c in composition.all_choices()}
    stand_ins = composition.stand_ins()
    assert set(stand_ins) == set(choices)
    for key, rep in stand_ins.items():
        differ = {name for name, value in choices[key].items() if choices[rep][name] != value}
        assert differ <= set(composition.TOOL_INERT), key
        assert stand_ins[rep] == rep  # a representative stands for itself, never through another


def test_every_rendering_has_a_stand_in_or_is_read_by_the_tools(build):
    stand_ins = build.stand_ins()
    batch = _batch(build)
    assert set(stand_ins) < set(batch)
    assert all(rep in batch and rep not in stand_ins for rep in stand_ins.values())
    read = set(batch) - set(stand_ins)
    assert len(read) < len(batch) / 3  # the point: the tools read far fewer texts


@pytest.mark.slow
def test_stand_ins_leave_the_tools_findings_of_every_rendering_unchanged(build):
    batch = _batch(build)
    every = engine.check_batch(batch, TOOL_LAYERS, cache=NO_CACHE)
    shared = engine.check_batch(batch, TOOL_LAYERS, cache=NO_CACHE, stand_ins=build.stand_ins())
    assert shared == every
    assert sum(map(len, every.values())) > 20  # counter-examples keep the comparison honest


# -- what a stand-in does when the tools do find something -----------------------

CLEAN = """on: push
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo hello
"""
BROKEN = CLEAN.replace("echo hello", "echo ${{ github.event.issue.title }}")  # template injection


def test_a_clean_stand_in_speaks_for_the_texts_it_stands_for():
    found = engine.check_batch({"a": CLEAN, "b": CLEAN + "# same\n"}, TOOL_LAYERS, cache=NO_CACHE,
                               stand_ins={"b": "a"})
    assert found == {"a": [], "b": []}


def test_a_stand_in_the_tools_find_anything_in_makes_them_read_each_text_itself():
    alone = engine.check_batch({"b": BROKEN}, TOOL_LAYERS, cache=NO_CACHE)["b"]
    assert alone  # zizmor's template-injection, actionlint's untrusted input
    found = engine.check_batch({"a": BROKEN.replace("issue.title", "issue.body"), "b": BROKEN}, TOOL_LAYERS,
                               cache=NO_CACHE, stand_ins={"b": "a"})
    assert found["b"] == alone


def test_a_stand_in_that_does_not_parse_speaks_for_no_one():
    broken_yaml = "on: push\njobs: [\n"
    alone = engine.check_batch({"b": BROKEN}, TOOL_LAYERS, cache=NO_CACHE)["b"]
    found = engine.check_batch({"a": broken_yaml, "b": BROKEN}, TOOL_LAYERS, cache=NO_CACHE, stand_ins={"b": "a"})
    assert found["b"] == alone
    assert [f.rule for f in found["a"]] == ["Y001"]


# -- the builder's proven places -----------------------------------------------------


@pytest.mark.slow
def test_stand_ins_leave_every_builder_variants_proven_places_unchanged(monkeypatch):
    monkeypatch.setenv("GHCR_CHECK_CACHE", "off")  # every proof is worked out, none read
    site = SiteBuild(ROOT, validate=False)
    site.prepare()  # renderings only; nothing is checked in the background
    site.validate = True
    composition = builder.load_composition(ROOT)
    calls = []
    prove = builder.prove
    monkeypatch.setattr(builder, "prove", lambda *a: calls.append(1) or prove(*a))
    shared, _ = builder.build_index(site, composition)
    proofs_shared = len(calls)
    for snippet in site.library:
        snippet.stand_in = ""
    every, _ = builder.build_index(site, composition)
    assert shared == every
    assert len(calls) - proofs_shared == len(every["variants"]) > proofs_shared


def test_a_variant_whose_stand_in_was_proven_for_the_same_env_keys_is_not_proven_again():
    marks = {"image": "ghcr.io/your-org/your-image", "name": "your-image"}
    unread = ("on: push\nenv:\n  IMAGE: ghcr.io/your-org/your-image\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
              "    steps:\n      - run: echo hi\n")
    cache = builder._TextCache(None)
    _, problems = builder.variant_places(unread, marks, True, cache)
    assert problems and "raises no G004" in problems[0]  # proven on itself, and refused
    _, trusted = builder.variant_places(unread, marks, True, builder._TextCache(None), [["IMAGE", "image"]])
    assert trusted == []  # its stand-in's proof stands for it: which is why the slow test above exists
    _, other_keys = builder.variant_places(unread, marks, True, builder._TextCache(None), [["HUB", "name"]])
    assert other_keys == problems
