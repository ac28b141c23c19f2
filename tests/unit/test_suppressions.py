"""`# ghcr-check: ignore[RULE] reason`: on its line, or alone on the line above; X002 for
no reason, X003 for one that silences nothing."""
from __future__ import annotations

from ghcr_check import suppressions
from ghcr_check.rules import Finding

TEXT = """\
jobs:
  a:
    # ghcr-check: ignore[G005] the owner is all lowercase
    tags: one
    other: two # ghcr-check: ignore[G004, Z004] - known, tracked in #12
    third: x  # ghcr-check: ignore[A002]
    run: |
      # ghcr-check: ignore[G999] made up
"""


def found(rule, line):
    return Finding(rule=rule, severity="error", message="m", fix="f", line=line)


def test_parse_reads_rules_reason_and_placement():
    marks = suppressions.parse(TEXT)
    assert [(m.line, m.rules, m.reason, m.whole_line) for m in marks] == [
        (3, ("G005",), "the owner is all lowercase", True),
        (5, ("G004", "Z004"), "known, tracked in #12", False),
        (6, ("A002",), "", False),
        (8, ("G999",), "made up", True),
    ]


def test_a_comment_alone_covers_the_line_below_and_a_trailing_one_only_its_own():
    kept, silenced = suppressions.apply(TEXT, [found("G005", 4), found("G004", 5), found("Z004", 6), found("A002", 6)])
    assert [(f.rule, f.line) for f in silenced] == [("G005", 4), ("G004", 5), ("A002", 6)]
    rules = [(f.rule, f.line) for f in kept]
    assert ("Z004", 6) in rules  # the comment on line 5 does not reach line 6


def test_no_reason_unused_and_unknown_rules_are_findings():
    kept, _ = suppressions.apply(TEXT, [found("G005", 4), found("G004", 5), found("A002", 6)])
    messages = {(f.rule, f.line): f.message for f in kept}
    assert "gives no reason" in messages[("X002", 6)]
    assert "Z004 is not reported on this line" in messages[("X003", 5)]
    assert "names no rule" in messages[("X003", 8)]
    assert all(f.severity == "warning" for f in kept if f.rule.startswith("X"))


def test_text_without_the_marker_is_untouched():
    findings = [found("G005", 1)]
    assert suppressions.apply("jobs: {}\n", findings) == (findings, [])
