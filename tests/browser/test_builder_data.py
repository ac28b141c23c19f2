"""The builder's data, without a browser: the variants, the proven places, the page's form.

(Kept next to the browser tests of the same page; nothing here starts a browser.)
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from macros import builder
from ghcr_check.yamldoc import load

ROOT = Path(__file__).resolve().parents[2]
MARKS = {"image": "ghcr.io/your-org/your-image", "name": "your-image"}

WORKFLOW = """\
name: Publish image
on:
  push:
    branches: [main]
permissions: {}
env:
  IMAGE: ghcr.io/your-org/your-image
jobs:
  publish:
    name: Publish
    runs-on: ubuntu-latest
    permissions:
      contents: read # checkout
      packages: write # push
    steps:
      - uses: docker/login-action@v4
        with:
          registry: ghcr.io
          username: ${{ github.actor }}
          password: ${{ secrets.GITHUB_TOKEN }}
      - uses: docker/build-push-action@v7
        with:
          push: true
          tags: TAGS
"""


def places_and_problems(text: str):
    doc, _ = load(text)
    keys, problems = builder.find_places(doc, MARKS)
    return keys, problems or builder.prove(doc, keys, MARKS)


def test_a_name_the_checks_read_as_an_image_is_a_proven_place():
    keys, problems = places_and_problems(WORKFLOW.replace("TAGS", "${{ env.IMAGE }}:latest"))
    assert problems == []
    assert [(key, place.line, place.column, place.part) for key, place in keys] == [("IMAGE", 7, 10, "image")]


def test_a_name_no_check_reads_is_refused():
    # the env value is never used as an image: the page must not write there
    _, problems = places_and_problems(WORKFLOW.replace("TAGS", "ghcr.io/acme/app:latest"))
    assert len(problems) == 1 and "raises no G004" in problems[0]


def test_a_placeholder_outside_env_is_refused():
    _, problems = places_and_problems(WORKFLOW.replace("TAGS", "ghcr.io/your-org/your-image:latest"))
    assert any("appears outside env:" in p for p in problems)


def test_a_quoted_value_is_refused():
    text = WORKFLOW.replace("TAGS", "${{ env.IMAGE }}:latest").replace(
        "IMAGE: ghcr.io/your-org/your-image", "IMAGE: 'ghcr.io/your-org/your-image'")
    _, problems = places_and_problems(text)
    assert any("plain, one-line scalar" in p for p in problems)


def test_the_composition_covers_every_combination_once():
    composition = builder.load_composition(ROOT)
    composed = composition.compose()
    expected = 1
    for option in composition.OPTIONS:
        expected *= len(option["values"])
    assert len(composed) == expected
    key = composition.variant_key({o["name"]: o["values"][-1] for o in composition.OPTIONS})
    assert key == "push-main+tags-v+pr__amd64-arm64__gha__meta__prov__attest__sign__hub"
    with pytest.raises(ValueError, match="pick one of"):
        composition.variant_key({o["name"]: "nonsense" for o in composition.OPTIONS})


def test_the_page_form_offers_exactly_the_composed_options():
    composition = builder.load_composition(ROOT)
    page = (ROOT / "docs" / builder.PAGE).read_text("utf-8")
    assert builder.form_problems(page, composition.OPTIONS) == []
    broken = page.replace('<option value="gha">', '<option value="registry">')
    assert builder.form_problems(broken, composition.OPTIONS) == [
        "control 'cache' offers ['no-cache', 'registry'], the composition ['gha', 'no-cache']"]
    assert "no control named 'hub'" in builder.form_problems(page.replace('name="hub"', 'name="dockerhub"'),
                                                             composition.OPTIONS)[0]


def test_the_built_index_lists_every_variant_with_its_files(built_site):
    index = json.loads((built_site / builder.INDEX_PATH).read_text("utf-8"))
    composition = builder.load_composition(ROOT)
    assert set(index["variants"]) == set(composition.compose())
    assert index["grammar"]["component"] == builder.imageref.PATH_COMPONENT_RE.pattern
    for key, entry in index["variants"].items():
        base = built_site / "builder"
        tags, pinned = (base / entry["tags"]).resolve(), (base / entry["pinned"]).resolve()
        assert tags.name == f"{key}.yml" and pinned.name == f"{key}.pinned.yml"
        assert tags.is_file() and pinned.is_file()
        lines = tags.read_text("utf-8").split("\n")
        for line, column, part in entry["places"]:
            assert lines[line - 1][column - 1:].startswith(MARKS[part])
        assert json.loads((base / entry["preview"]).read_text("utf-8"))


def test_a_form_that_drifts_from_the_composition_stops_the_build(project_copy, tmp_path):
    page = project_copy / "docs" / builder.PAGE
    page.write_text(page.read_text("utf-8").replace('name="sign"', 'name="cosign"'))
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                            cwd=project_copy, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "docs/builder.md: the form does not match snippets/builder/compose.py" in out
    assert "no control named 'sign'" in out and "control 'cosign' is not an option" in out
    assert "Traceback" not in out
