"""Each rule's failing example against its golden output (tests/golden/<ID>.out), as
actionlint's testdata/examples do: one `line:col RULE message` line per finding, so a
changed message, line or column shows up in review. `pytest --update-goldens` rewrites them.

The example is checked as the site checks it: the default profile on the tags rendering,
or the hardened profile on the pinned rendering for hardened examples. Positions are in
the rendered workflow, the file a reader downloads.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from support import ROOT

from ghcr_check import engine
from ghcr_check.catalog import load_catalog
from macros.snippets import PINNED, TAGS, SnippetLibrary, render

GOLDEN = ROOT / "tests" / "golden"
LIBRARY = SnippetLibrary(ROOT / "snippets", ROOT)
EXAMPLES = sorted(s.id.split("/")[1] for s in LIBRARY if s.id.startswith("rules/") and s.id.endswith("/fail"))


def _how(rule_id: str) -> tuple[str, str]:
    snippet = LIBRARY.get(f"rules/{rule_id}/fail")
    return ("hardened", PINNED) if snippet.profile == "hardened" else ("default", TAGS)


def golden_lines(findings) -> str:
    return "".join(f"{f.line}:{f.column} {f.rule} {f.message}\n" for f in findings)


@pytest.fixture(scope="module")
def reports() -> dict[str, str]:
    catalog = load_catalog()
    out = {}
    for profile in ("default", "hardened"):
        texts = {}
        for rule_id in EXAMPLES:
            wanted, rendering = _how(rule_id)
            if wanted == profile:
                texts[rule_id] = render(LIBRARY.get(f"rules/{rule_id}/fail"), catalog, rendering)[0]
        for rule_id, found in engine.check_batch(texts, profile=profile).items():
            out[rule_id] = golden_lines(found)
    return out


@pytest.mark.parametrize("rule_id", EXAMPLES)
def test_failing_example_matches_its_golden_output(rule_id, reports, update_goldens):
    path = GOLDEN / f"{rule_id}.out"
    if update_goldens:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(reports[rule_id], "utf-8")
        return
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run pytest tests/unit/test_golden.py --update-goldens"
    assert reports[rule_id] == path.read_text("utf-8"), f"run pytest --update-goldens if {rule_id}'s new output is right"


def test_every_golden_file_has_its_example():
    stale = sorted(p.name for p in GOLDEN.glob("*.out") if p.stem not in EXAMPLES)
    assert stale == [], f"golden files without snippets/rules/<ID>/fail.yml: {stale}"
