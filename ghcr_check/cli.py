"""ghcr-check: the course's checks, run on your own workflow files.

    ghcr-check [--format text|json|github] [--profile PROFILE]
               [--preview EVENT]... [--context KEY=VALUE]... PATH...

--preview shows which image references each workflow pushes for EVENT
(push:<ref>, pull_request:<number>, schedule, workflow_dispatch:<ref>), for a
sample run that --context adjusts. With --format json the output is then
{"findings": [...], "previews": [{"path", "event", "push", "refs", "why"}, ...]}.

Exit status: 0 no errors, 1 errors found, 2 usage error or unreadable input.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from . import engine, rules
from .context import origin_repository
from .rules import Finding

WORKFLOW_SUFFIXES = (".yml", ".yaml")
FORMATS = ("text", "json", "github")


def profile_help() -> str:
    """--profile's help: each profile's one description (data/registry.yml)."""
    return "; ".join(f"{p.name}: {p.description}" for p in rules.profiles().values()) + " (default: default)"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors exit 2 with one line, as argparse does, minus the noise
        self.print_usage(sys.stderr)
        print(f"ghcr-check: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ghcr-check",
        description="Check GitHub Actions workflows that publish to ghcr.io: YAML, workflow syntax, "
        "actions and their inputs, and what GHCR needs.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="workflow files, directories (every *.yml/*.yaml below), or - for standard input")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--profile", choices=rules.profile_names(), default="default", help=profile_help())
    parser.add_argument("--preview", action="append", default=[], metavar="EVENT",
                        help="also show the image references pushed for EVENT: push:<ref> (push:refs/tags/v1.2.3), "
                        "pull_request:<number>, schedule or workflow_dispatch:<ref>; repeat for more events")
    parser.add_argument("--context", action="append", default=[], metavar="KEY=VALUE",
                        help="what the checks cannot read from the files: repository (Owner/name, as GitHub spells "
                        "it; default: the origin remote of the git checkout ghcr-check runs in), and for --preview's "
                        "sample run sha, default_branch, date (ISO 8601), base_ref, or vars.NAME; preview defaults: "
                        "repository Octo-Org/Hello-World, default_branch main, base_ref main")
    return parser


def collect(paths: list[str]) -> tuple[dict[str, bytes], list[str]]:
    """(display path -> bytes) for every input, and a line for each unreadable one."""
    found: dict[str, bytes] = {}
    problems: list[str] = []
    for raw in paths:
        if raw == "-":
            found["-"] = sys.stdin.buffer.read(engine.yamldoc.MAX_BYTES + 1)
            continue
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix in WORKFLOW_SUFFIXES and p.is_file())
            if not files:
                problems.append(f"{raw}: no *.yml or *.yaml files below this directory")
            for file in files:
                _read(file, found, problems)
        elif path.exists():
            _read(path, found, problems)
        else:
            problems.append(f"{raw}: no such file or directory")
    return found, problems


def _read(path: Path, found: dict, problems: list) -> None:
    try:
        with path.open("rb") as handle:
            found[str(path)] = handle.read(engine.yamldoc.MAX_BYTES + 1)  # enough to tell it is too large
    except OSError as err:
        problems.append(f"{path}: cannot read: {err.strerror or err}")


def format_text(findings: list[Finding]) -> str:
    return "".join(
        f"{f.path}:{f.line}:{f.column}: {f.severity} {f.rule} {f.message} (fix: {f.fix})\n" for f in findings
    )


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


GITHUB_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def format_github(findings: list[Finding]) -> str:
    return "".join(
        f"::{GITHUB_COMMANDS[f.severity]} file={_escape_property(f.path)},line={f.line},col={f.column},"
        f"title={_escape_property(f.rule)}::{_escape_data(f'{f.message} (fix: {f.fix})')}\n"
        for f in findings
    )


def _finding_objects(findings: list[Finding]) -> list[dict]:
    keys = ("path", "line", "column", "rule", "severity", "message", "fix")
    return [{k: asdict(f)[k] for k in keys} for f in findings]


def format_json(findings: list[Finding]) -> str:
    return json.dumps(_finding_objects(findings), indent=2) + "\n"


def format_json_with_previews(findings: list[Finding], previews: dict[str, list]) -> str:
    objects = [p.as_json(path) for path, found in previews.items() for p in found]
    return json.dumps({"findings": _finding_objects(findings), "previews": objects}, indent=2) + "\n"


def _preview_options(parser, args):
    """(events, sample context) from --preview and --context; a bad one is a usage error."""
    preview_only = [p for p in args.context if not p.startswith("repository=")]
    if preview_only and not args.preview:
        parser.error(f"--context {preview_only[0].split('=')[0]} only applies with --preview EVENT "
                     "(the checks take repository=Owner/name)")
    if not args.preview:
        return [], None
    from . import preview  # only for --preview: the preview's modules are a third of the start-up

    try:
        return [preview.parse_event(e) for e in args.preview], preview.parse_context(args.context)
    except preview.UsageError as problem:
        parser.error(str(problem))


def _check_context(pairs: list[str]) -> dict:
    """The engine's run context: repository from --context, else from the checkout's origin remote."""
    given = [p.split("=", 1)[1] for p in pairs if p.startswith("repository=")]
    repository = given[-1] if given else origin_repository(Path.cwd())
    return {"repository": repository} if repository else {}


def summary(findings: list[Finding], files: int) -> str:
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    infos = len(findings) - errors - warnings
    noun = "file" if files == 1 else "files"
    notes = f", {infos} info" if infos else ""
    return (f"{files} {noun} checked: {errors} error{'s' * (errors != 1)}, "
            f"{warnings} warning{'s' * (warnings != 1)}{notes}\n")


def run(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    events, sample = _preview_options(parser, args)
    inputs, problems = collect(args.paths)
    texts, findings = {}, []
    for name, data in inputs.items():
        doc_text, unreadable = engine.yamldoc.decode(data)
        if doc_text is None:
            findings += [f.at(name) for f in unreadable]
        else:
            texts[name] = doc_text
    results = engine.check_batch(texts, profile=args.profile, context=_check_context(args.context))
    for name, found in results.items():
        findings += [f.at(name) for f in found]
    previews = {}
    if events:
        from . import preview
    for name in inputs if events else ():  # previews come even for files with findings
        previews[name] = preview.preview_workflow(texts[name], events, sample) if name in texts else \
            [preview.preview_event(None, event, sample) for event in events]
        findings += [f.at(name) for f in preview.findings(previews[name]) if f.at(name) not in findings]
    findings.sort(key=Finding.sort_key)
    out = sys.stdout
    if args.format == "json":
        out.write(format_json_with_previews(findings, previews) if events else format_json(findings))
    elif args.format == "github":
        out.write(format_github(findings))
        if previews:
            out.write("".join(preview.preview_text(name, found, sample) for name, found in previews.items()))
    else:
        out.write(format_text(findings))
        if previews:
            out.write("".join(preview.preview_text(name, found, sample) for name, found in previews.items()))
        out.write(summary(findings, len(inputs)))
    for line in problems:
        print(f"ghcr-check: {line}", file=sys.stderr)
    if problems:
        return 2
    return 1 if any(f.severity == "error" for f in findings) else 0


def main() -> None:
    try:
        code = run()
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        code = 1
    sys.exit(code)
