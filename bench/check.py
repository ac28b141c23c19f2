"""ghcr-check against the tools a reader might run instead, on the same 200 workflows.

    .venv/bin/python bench/check.py [--rounds 5] [--count 200] [--project PATH]

Three commands, each run once per round over the same files (bench/corpus.py
writes them under .github/workflows/ of a temporary directory), rounds interleaved:

  ghcr-check        every layer: YAML, schema, actions, expressions, GHCR,
                    zizmor and actionlint (GHCR_CHECK_CACHE=off: nothing cached)
  check-jsonschema  --builtin-schema vendor.github-workflows: the schema only
  actionlint        -shellcheck= -pyflakes=: actionlint alone

Each time is a whole process, start-up included, as a reader would see it. It
prints the medians and the ratios; goal: ghcr-check <= 1.0 x check-jsonschema.
The last line is a JSON object with the figures.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from corpus import Corpus  # noqa: E402

GOAL = 1.0


def commands(files: list[str], directory: Path) -> dict[str, list[str]]:
    return {
        "ghcr-check": [str(common.BIN / "ghcr-check"), "--format", "json", str(directory)],
        "check-jsonschema": [str(common.BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files],
        "actionlint": [str(common.BIN / "actionlint"), "-shellcheck=", "-pyflakes=", *files],
    }


def main() -> None:
    args = common.corpus_arguments(__doc__, 5, ("ghcr-check", "check-jsonschema", "actionlint"))

    with common.workspace("check") as work:
        directory = work / ".github" / "workflows"
        directory.mkdir(parents=True)
        for name, text in Corpus().generate(args.count).items():
            (directory / name).write_text(text, "utf-8")
        files = sorted(str(p) for p in directory.glob("*.yml"))
        runs = commands(files, directory)
        # ghcr-check imports the engine of a snapshot, so edits made meanwhile do not count
        engine = common.snapshot(work / "project", args.project)
        env = common.snapshot_env(engine, GHCR_CHECK_CACHE="off")
        times: dict[str, list[float]] = {tool: [] for tool in runs}
        for tool, command in runs.items():  # one untimed run each: disk cache, first-run work
            common.timed(command, cwd=work, env=env, timeout=600)
        exit_codes = {}
        for index, tool in common.interleaved(list(runs), args.rounds):
            seconds, result = common.timed(runs[tool], cwd=work, env=env, timeout=600)
            if result.returncode not in (0, 1):  # 1: findings, which the corpus has on purpose
                common.fail(f"{tool} failed (exit {result.returncode}):\n" + "\n".join(result.stderr.splitlines()[-10:]))
            exit_codes[tool] = result.returncode
            times[tool].append(seconds)
            print(f"  round {index + 1} {tool:<17} {seconds:6.3f} s", flush=True)

    medians = {tool: common.median(values) for tool, values in times.items()}
    vs_schema = common.ratio(medians["ghcr-check"], medians["check-jsonschema"])
    vs_actionlint = common.ratio(medians["ghcr-check"], medians["actionlint"])
    print()
    print(f"Median of {args.rounds} rounds over {args.count} workflows: "
          + ", ".join(f"{tool} {seconds:.3f} s" for tool, seconds in medians.items()))
    print(f"  ghcr-check / check-jsonschema: {vs_schema:.3f}  (goal <= {GOAL}: {'met' if vs_schema <= GOAL else 'NOT met'})")
    print(f"  ghcr-check / actionlint:       {vs_actionlint:.3f}")
    common.report({"ghcr_check_vs_check_jsonschema": vs_schema, "ghcr_check_vs_actionlint": vs_actionlint,
                   "seconds": {tool: round(s, 3) for tool, s in medians.items()}, "count": args.count,
                   "rounds": args.rounds, "goal": GOAL, "met": vs_schema <= GOAL, "machine": common.machine()})


if __name__ == "__main__":
    main()
