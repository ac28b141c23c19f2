"""Suppressions written in the workflow: `# ghcr-check: ignore[G005] why it is safe here`.

A comment silences the named rules on its own line; a comment alone on its line also
silences them on the line below. A suppression without a reason is a finding (X002),
and so is one that silences nothing (X003), as the profile in use sees the file.
Comments are found line by line, so one inside a `run:` script works as well.
"""
from __future__ import annotations

import re

from .records import field, record
from .rules import Finding, finding, registry

MARKER = "ghcr-check:"
_COMMENT = re.compile(r"(?:^|(?<=\s))#\s*ghcr-check:\s*ignore\[(?P<ids>[^\]]*)\](?P<reason>.*)$")
_SEPARATORS = " \t-:—–"


@record
class Suppression:
    line: int
    column: int
    rules: tuple[str, ...]
    reason: str
    whole_line: bool  # the comment stands alone, so it also covers the line below
    used: set = field(default_factory=set)

    def covers(self, found: Finding) -> bool:
        return found.rule in self.rules and (found.line == self.line or (self.whole_line and found.line == self.line + 1))


def parse(text: str) -> list[Suppression]:
    found = []
    if MARKER not in text:
        return found
    for number, line in enumerate(text.splitlines(), 1):
        match = _COMMENT.search(line)
        if match is None:
            continue
        ids = tuple(part for part in re.split(r"[\s,]+", match["ids"].strip()) if part)
        found.append(Suppression(number, match.start() + 1, ids, match["reason"].strip(_SEPARATORS),
                                 not line[: match.start()].strip()))
    return found


def apply(text: str, findings: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    """(findings kept, with X002 and X003 added; findings suppressed)."""
    marks = parse(text)
    if not marks:
        return findings, []
    kept, silenced = [], []
    for found in findings:
        covering = [mark for mark in marks if mark.covers(found)]
        for mark in covering:
            mark.used.add(found.rule)
        (silenced if covering else kept).append(found)
    known = registry()
    for mark in marks:
        at = (mark.line, mark.column)
        if not mark.rules:
            kept.append(finding("X003", at, rule="[]", why="names no rule",
                                fix="name the rule IDs to ignore, e.g. # ghcr-check: ignore[G005] <why>"))
            continue
        if not mark.reason:
            kept.append(finding("X002", at, ids=",".join(mark.rules)))
        for rule_id in mark.rules:
            if rule_id not in known:
                kept.append(finding("X003", at, rule=rule_id, why="names no rule of ghcr-check",
                                    fix="use a rule ID from the output of ghcr-check, such as G005"))
            elif rule_id not in mark.used:
                where = "this line or the next" if mark.whole_line else "this line"
                kept.append(finding("X003", at, rule=rule_id, why=f"silences nothing: {rule_id} is not reported on {where}",
                                    fix=f"remove {rule_id} from the comment (ghcr-check no longer reports it here)"))
    return sorted(kept, key=Finding.sort_key), silenced
