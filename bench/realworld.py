"""ghcr-check on a folder of real workflows: what each rule says, and how often.

    .venv/bin/python bench/realworld.py DIR [--profile default|hardened] [--show RULE]...

DIR holds one folder per repository, `<owner>__<repo>/.github/workflows/*.yml`, with
the repository's local actions (`.github/actions/...`) where they were fetched. Each
repository folder is checked as one batch through the engine API, with the repository
named `owner/repo` in the run context, so local actions and same-repository callers
resolve as they would in a checkout. Nothing is cached.

It prints, per rule: errors, warnings, infos, and the files with at least one finding; then
the totals of the project's own layers (every rule but Z and L) and A007 per file.
`--show RULE` also prints each finding of that rule. The last line is one JSON object.
"""
from __future__ import annotations

import argparse
import inspect
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ghcr_check import engine  # noqa: E402

EXTERNAL = ("Z", "L")  # zizmor and actionlint: not the project's own rules


def repositories(directory: Path) -> dict[Path, list[Path]]:
    """Repository folder -> its workflow files (only .github/workflows, not action files)."""
    found: dict[Path, list[Path]] = defaultdict(list)
    for path in sorted(directory.rglob("*")):
        if path.suffix in (".yml", ".yaml") and path.is_file() and path.parent.name == "workflows" \
                and path.parent.parent.name == ".github":
            found[path.parent.parent.parent].append(path)
    return found


def repository_name(folder: Path) -> str | None:
    owner, sep, name = folder.name.partition("__")
    return f"{owner}/{name}" if sep and owner and name else None


def run(directory: Path, profile: str) -> tuple[list, int, int, float]:
    """(findings as (path, finding), files, crashes, seconds)."""
    takes_context = "context" in inspect.signature(engine.check_batch).parameters
    results, files, crashes = [], 0, 0
    started = time.perf_counter()
    for folder, paths in repositories(directory).items():
        texts = {}
        for path in paths:
            text, _ = engine.yamldoc.decode(path.read_bytes())
            if text is not None:
                texts[str(path)] = text
        files += len(paths)
        options = {"cache": engine.ResultCache(None), "profile": profile}
        name = repository_name(folder)
        if takes_context and name:
            options["context"] = {"repository": name}
        try:
            found = engine.check_batch(texts, **options)
        except Exception as error:  # noqa: BLE001 - a crash is a result to report, not the end
            crashes += 1
            print(f"CRASH {folder}: {type(error).__name__}: {error}", file=sys.stderr)
            continue
        for path, items in found.items():
            results += [(path, f) for f in items]
    return results, files, crashes, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--profile", choices=engine.PROFILES, default="default")
    parser.add_argument("--show", action="append", default=[], metavar="RULE", help="print each finding of RULE")
    args = parser.parse_args()
    if not args.directory.is_dir():
        parser.error(f"{args.directory}: not a directory")
    results, files, crashes, seconds = run(args.directory, args.profile)

    errors, warnings, infos, per_file = Counter(), Counter(), Counter(), defaultdict(set)
    for path, f in results:
        {"error": errors, "warning": warnings}.get(f.severity, infos)[f.rule] += 1
        per_file[f.rule].add(path)
    print(f"{'rule':6} {'errors':>7} {'warnings':>9} {'infos':>6} {'files':>6}")
    for rule in sorted(per_file):
        print(f"{rule:6} {errors[rule]:7} {warnings[rule]:9} {infos[rule]:6} {len(per_file[rule]):6}")
    own = [f for _, f in results if not f.rule.startswith(EXTERNAL)]
    own_errors = sum(f.severity == "error" for f in own)
    own_warnings = sum(f.severity == "warning" for f in own)
    a007 = errors["A007"] + warnings["A007"] + infos["A007"]
    print(f"\n{files} files, {crashes} crashes, {seconds:.1f} s")
    print(f"own layers: {own_errors} errors, {own_warnings} warnings, {len(own) - own_errors - own_warnings} infos")
    print(f"A007: {a007} in {len(per_file['A007'])} files, {a007 / files if files else 0:.2f} per file")
    for rule in args.show:
        print(f"\n-- {rule}")
        for path, f in sorted(results, key=lambda item: (item[0], item[1].line)):
            if f.rule == rule:
                print(f"{path}:{f.line}: {f.severity} {f.message}")
    summary = {
        "files": files, "crashes": crashes, "seconds": round(seconds, 2),
        "own_errors": own_errors, "own_warnings": own_warnings, "own_infos": len(own) - own_errors - own_warnings,
        "a007_per_file": round(a007 / files, 3) if files else 0,
        "rules": {r: {"errors": errors[r], "warnings": warnings[r], "infos": infos[r], "files": len(per_file[r])}
                  for r in sorted(per_file)},
    }
    print(json.dumps(summary, sort_keys=True))


if __name__ == "__main__":
    main()
