"""Time bounds that were once test assertions, measured here as figures beside their goals.

    .venv/bin/python bench/guards.py [--rounds 3]

  nasty expressions   the slowest parse of tests/unit/test_expressions.py's hostile
                      inputs (deep nesting, 20,000 quotes, ...); goal < 1 s each
  expressions layer   the layer on every course snippet, per file; goal < 20 ms
  tools side by side  two stand-in tools that each sleep 1 s, run by one check_batch;
                      goal < 1.9 s (one after the other would take 2 s)

The tests keep what is not a matter of speed: every input ends without an exception,
and the two tools' processes overlap. The last line is a JSON object with the figures.
"""
from __future__ import annotations

import argparse
import stat
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

sys.path[:0] = [str(common.ROOT), str(common.ROOT / "tests"), str(common.ROOT / "tests" / "unit")]

GOALS = {"nasty_expression_max_s": 1.0, "expressions_layer_ms_per_file": 20.0, "tools_side_by_side_s": 1.9}


def nasty_expressions() -> float:
    from ghcr_check.expressions import parse
    from test_expressions import NASTY

    slowest = 0.0
    for text in NASTY:
        started = time.perf_counter()
        parse(text)
        slowest = max(slowest, time.perf_counter() - started)
    return slowest


def expressions_layer() -> float:
    from ghcr_check import yamldoc
    from ghcr_check.catalog import load_catalog
    from ghcr_check.checks import expressions as layer
    from ghcr_check.workflow import Workflow
    from macros.snippets import SnippetLibrary, render

    catalog = load_catalog()
    workflows = []
    for snippet in SnippetLibrary(common.ROOT / "snippets", common.ROOT):
        doc, _ = yamldoc.load(render(snippet, catalog, "tags")[0])
        if doc is not None:
            workflows.append(Workflow(doc))
    started = time.perf_counter()
    for workflow in workflows:
        layer.check(workflow, catalog)
    return (time.perf_counter() - started) / max(1, len(workflows)) * 1000


def tools_side_by_side() -> float:
    from ghcr_check import engine
    from ghcr_check.checks import external

    with tempfile.TemporaryDirectory() as folder:
        fakes = {}
        for layer in ("zizmor", "actionlint"):
            path = Path(folder) / layer
            path.write_text("#!/bin/sh\nsleep 1; echo '[]'\n")
            path.chmod(path.stat().st_mode | stat.S_IEXEC)
            fakes[layer] = str(path)
        real = external.find_binary
        external.find_binary = lambda tool: fakes.get(tool.layer) or real(tool)
        try:
            texts = {f"w{i}": f"name: w{i}\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                              f"      - run: echo {i}\n" for i in range(4)}
            started = time.perf_counter()
            engine.check_batch(texts, cache=engine.ResultCache(None))
            return time.perf_counter() - started
        finally:
            external.find_binary = real


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.rounds < 1:
        common.fail("--rounds must be at least 1")
    measures = {"nasty_expression_max_s": nasty_expressions, "expressions_layer_ms_per_file": expressions_layer,
                "tools_side_by_side_s": tools_side_by_side}
    figures = {}
    for name, measure in measures.items():
        figures[name] = round(common.median([measure() for _ in range(args.rounds)]), 4)
        verdict = "met" if figures[name] < GOALS[name] else "NOT met"
        print(f"  {name:<32} {figures[name]:8.4f}  (goal < {GOALS[name]}: {verdict})", flush=True)
    common.report({**figures, "goals": GOALS, "machine": common.machine()})


if __name__ == "__main__":
    main()
