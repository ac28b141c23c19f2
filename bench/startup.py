"""ghcr-check's start-up: one workflow and 200 workflows, against zizmor alone on the same files.

    .venv/bin/python bench/startup.py [--rounds 7] [--count 200] [--project PATH]

zizmor is the floor: ghcr-check runs it (and actionlint, and its own layers) on every
file, so a reader who already runs zizmor pays the difference. Each round writes fresh
file contents (a new comment line per file), so the check cache, which ghcr-check
keeps between runs, never answers; every time is a whole process, start-up included.
ghcr-check runs as a reader has it after `pip install`: the snapshot laid out in a fresh
virtual environment as its wheel installs it, byte-compiled (common.installed).
Rounds interleave the four commands. Goal: ghcr-check <= 2x zizmor alone, for 1 file
and for 200 files. The last line is a JSON object with the figures.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from corpus import Corpus  # noqa: E402

GOAL = 2.0
ZIZMOR_ARGUMENTS = ["--offline", "--no-config", "--format=json"]  # as ghcr-check runs it, minus the persona


def main() -> None:
    args = common.corpus_arguments(__doc__, 7, ("ghcr-check", "zizmor"))

    corpus = Corpus().generate(args.count)
    sets = {"1": dict(list(corpus.items())[:1]), str(args.count): corpus}
    with common.workspace("startup") as work:
        engine = common.snapshot(work / "project", args.project)
        bin_folder = common.installed(engine, work / "venv")
        env = {**common.snapshot_env(engine, GHCR_CHECK_CACHE=str(work / "cache")), "PYTHONPATH": ""}  # a real cache
        folders = {size: work / size / ".github" / "workflows" for size in sets}
        for folder in folders.values():
            folder.mkdir(parents=True)
        modes = [f"{tool} {size}" for size in sets for tool in ("ghcr-check", "zizmor")]
        times: dict[str, list[float]] = {mode: [] for mode in modes}
        stamp = 0

        def run(mode: str) -> float:
            nonlocal stamp
            tool, size = mode.split()
            stamp += 1  # fresh contents: neither the cache nor the disk has seen them
            files = []
            for name, text in sets[size].items():
                path = folders[size] / name
                path.write_text(f"# round {stamp}\n{text}", "utf-8")
                files.append(str(path))
            command = ([str(bin_folder / "ghcr-check"), "--format", "json", *files] if tool == "ghcr-check"
                       else [str(common.BIN / "zizmor"), *ZIZMOR_ARGUMENTS, *files])
            seconds, result = common.timed(command, cwd=work, env=env, timeout=600)
            if result.returncode not in ((0, 1) if tool == "ghcr-check" else (0, 3, 11, 12, 13, 14)):
                common.fail(f"{mode} failed (exit {result.returncode}):\n" + "\n".join(result.stderr.splitlines()[-10:]))
            return seconds

        for mode in modes:  # one untimed run each: disk cache, .pyc files
            run(mode)
        for index, mode in common.interleaved(modes, args.rounds):
            times[mode].append(run(mode))
            print(f"  round {index + 1} {mode:<16} {times[mode][-1]:6.3f} s", flush=True)

    medians = {mode: common.median(values) for mode, values in times.items()}
    ratios = {size: common.ratio(medians[f"ghcr-check {size}"], medians[f"zizmor {size}"]) for size in sets}
    print()
    for size in sets:
        noun = "workflow" if size == "1" else "workflows"
        verdict = "met" if ratios[size] <= GOAL else "NOT met"
        print(f"{size} {noun}: ghcr-check {medians[f'ghcr-check {size}']:.3f} s, zizmor {medians[f'zizmor {size}']:.3f} s,"
              f" ratio {ratios[size]:.2f} (goal <= {GOAL}: {verdict})")
    common.report({"ratio_1": ratios["1"], f"ratio_{args.count}": ratios[str(args.count)],
                   "seconds": {mode: round(s, 3) for mode, s in medians.items()}, "rounds": args.rounds,
                   "goal": GOAL, "met": all(r <= GOAL for r in ratios.values()), "machine": common.machine()})


if __name__ == "__main__":
    main()
