"""The rule registry: every finding the engine reports comes from a rule here.

Rules are data (data/rules/*.yml); code refers to them by ID and passes the values
that fill the message and fix.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from . import datafile

SEVERITIES = ("error", "warning", "info")  # info: true, but nothing to fix in the workflow
_PLACEHOLDER = re.compile(r"(?<!\{)\{([a-z_]+)\}(?!\})")


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    layer: str
    severity: str
    summary: str
    message: str
    fix: str
    no_examples: str = ""  # why the rule has no example files, for the few that cannot have them
    silent: str = ""  # when the rule stays silent (or below its severity), and why: unknown is not wrong


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    fix: str
    line: int = 1  # 1-based, in the checked text
    column: int = 1
    path: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def at(self, path: str) -> "Finding":
        return replace(self, path=path)

    def moved(self, line_offset: int) -> "Finding":
        return replace(self, line=self.line + line_offset)

    def sort_key(self):
        return (self.path, self.line, self.column, self.rule, self.message)


def _fill(template: str, params: dict) -> str:
    def sub(match):
        key = match.group(1)
        if key not in params:
            raise KeyError(f"rule template needs '{key}'")
        return " ".join(str(params[key]).splitlines())  # a value from the file may hold line breaks

    return _PLACEHOLDER.sub(sub, template)


def load_rules(files) -> dict[str, Rule]:
    """Rules from YAML texts given as (file name, text) pairs; a bad or duplicate entry is an error."""
    rules: dict[str, Rule] = {}
    for name, text in files:
        for entry in datafile.load_text(text) or []:
            optional = ("no_examples", "silent")
            rule = Rule(**{k: str(entry[k]) for k in Rule.__dataclass_fields__ if k in entry or k not in optional})
            if rule.severity not in SEVERITIES or rule.id in rules:
                raise ValueError(f"{name}: bad or duplicate rule {rule.id}")
            rules[rule.id] = rule
    return dict(sorted(rules.items()))


@lru_cache(maxsize=1)
def registry() -> dict[str, Rule]:
    """Every rule of the checker, from data/rules/*.yml (one file per layer), in ID order."""
    folder = datafile.root().joinpath("rules")
    files = sorted((item.name, item.read_text("utf-8")) for item in folder.iterdir() if item.name.endswith(".yml"))
    return load_rules(files)


def finding(rule_id: str, position: tuple[int, int] = (1, 1), *, rules: dict[str, Rule] | None = None,
            **params) -> Finding:
    """A finding of rule_id at (line, column), its message and fix filled from params."""
    rule = (rules or registry())[rule_id]
    severity = params.pop("severity", rule.severity)
    line, column = position
    return Finding(
        rule=rule.id,
        severity=severity,
        message=_fill(rule.message, params),
        fix=_fill(rule.fix, params),
        line=line,
        column=column,
    )
