"""How much the course's checks add to a full `mkdocs build --strict`.

    .venv/bin/python bench/build.py [--rounds 5] [--project PATH]

Three kinds of build of the same snapshot of the project, in interleaved rounds:

  cold  checks on, an empty check cache (a fresh clone, or CI)
  warm  checks on, the cache filled by an earlier build (an author's next build)
  off   GHCR_COURSE_CHECKS=off: snippets are rendered and placed, nothing is checked.
        This setting exists for this comparison only; never publish a site built so.

It prints the median seconds of each and the ratios cold/off and warm/off (goals:
cold <= 1.3, warm <= 1.05). The last line is a JSON object with the figures.

The snapshot (bench/common.py) keeps edits made in the tree during the run out of
the measurement; one untimed build first fills the warm cache and Python's bytecode.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

MODES = ["cold", "warm", "off"]
GOALS = {"cold_vs_off": 1.3, "warm_vs_off": 1.05}


def build(project: Path, site: Path, mode: str, cache: Path) -> tuple[float, bool, str]:
    extra = {"GHCR_CHECK_CACHE": str(cache)}
    if mode == "off":
        extra["GHCR_COURSE_CHECKS"] = "off"
    seconds, result = common.timed([common.PYTHON, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                                   cwd=project, env=common.snapshot_env(project, **extra), timeout=1800)
    output = result.stdout + result.stderr
    summary = next((line for line in reversed(output.splitlines()) if "ghcr-course:" in line), "")
    return seconds, result.returncode == 0, re.sub(r"^.*?(ghcr-course:)", r"\1", summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the three builds (default 5)")
    parser.add_argument("--project", type=Path, default=common.ROOT, help="the tree to measure (default: this one)")
    args = parser.parse_args()
    if args.rounds < 1:
        common.fail("--rounds must be at least 1")
    if not (args.project / "mkdocs.yml").is_file():
        common.fail(f"{args.project}: no mkdocs.yml here; give the root of a copy of the course")

    with common.workspace("build") as work:
        project = common.snapshot(work / "project", args.project)
        warm_cache = work / "cache-warm"
        print(f"Snapshot in {project}; priming the warm cache (not timed)...", flush=True)
        _, primed, summary = build(project, work / "site-prime", "warm", warm_cache)
        print(f"  {summary or 'no summary line'}")
        times: dict[str, list[float]] = {mode: [] for mode in MODES}
        failed: set[str] = set() if primed else {"warm"}
        for index, mode in common.interleaved(MODES, args.rounds):
            cache = work / f"cache-cold-{index}" if mode == "cold" else warm_cache
            seconds, ok, _ = build(project, work / f"site-{mode}-{index}", mode, cache)
            times[mode].append(seconds)
            if not ok:
                failed.add(mode)
            print(f"  round {index + 1} {mode:<4} {seconds:7.2f} s{'' if ok else '  (build failed)'}", flush=True)

    medians = {mode: common.median(values) for mode, values in times.items()}
    ratios = {"cold_vs_off": common.ratio(medians["cold"], medians["off"]),
              "warm_vs_off": common.ratio(medians["warm"], medians["off"])}
    print()
    print(f"Median of {args.rounds} rounds: " + ", ".join(f"{m} {medians[m]:.2f} s" for m in MODES))
    for key, goal in GOALS.items():
        print(f"  {key.replace('_vs_', '/')}: {ratios[key]:.3f}  (goal <= {goal}: {'met' if ratios[key] <= goal else 'NOT met'})")
    if failed:
        print(f"  Warning: the {', '.join(sorted(failed))} builds failed; a failing checked build stops before "
              "writing pages, so these figures flatter the checks.")
    common.report({**ratios, "cold_s": round(medians["cold"], 3), "warm_s": round(medians["warm"], 3),
                   "off_s": round(medians["off"], 3), "rounds": args.rounds, "goals": GOALS,
                   "met": {k: ratios[k] <= g for k, g in GOALS.items()}, "builds_failed": sorted(failed),
                   "machine": common.machine()})


if __name__ == "__main__":
    main()
