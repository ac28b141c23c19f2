"""How findings are written out: text, json, github (workflow commands) and sarif.

Every format names each finding's rule page (rules.url), so a reader can go from a
line of output to the rule's explanation, failing and passing example.
"""
from __future__ import annotations

import json
from pathlib import Path

from . import rules
from .rules import Finding

FORMATS = ("text", "json", "github", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_FINDING_KEYS = ("path", "line", "column", "rule", "severity", "message", "fix")


def text(findings: list[Finding]) -> str:
    lines = [f"{f.path}:{f.line}:{f.column}: {f.severity} {f.rule} {f.message} (fix: {f.fix})\n" for f in findings]
    seen = sorted({f.rule for f in findings})
    lines += [f"{rule_id}: {rules.url(rule_id)}\n" for rule_id in seen]  # once per rule, not per line
    return "".join(lines)


def summary(findings: list[Finding], files: int, suppressed: int = 0) -> str:
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    infos = len(findings) - errors - warnings
    noun = "file" if files == 1 else "files"
    notes = f", {infos} info" if infos else ""
    tail = f" ({suppressed} suppressed)" if suppressed else ""
    return (f"{files} {noun} checked: {errors} error{'s' * (errors != 1)}, "
            f"{warnings} warning{'s' * (warnings != 1)}{notes}{tail}\n")


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


GITHUB_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}
SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def github(findings: list[Finding]) -> str:
    return "".join(
        f"::{GITHUB_COMMANDS[f.severity]} file={_escape_property(f.path)},line={f.line},col={f.column},"
        f"title={_escape_property(f.rule)}::{_escape_data(f'{f.message} (fix: {f.fix}) {rules.url(f.rule)}')}\n"
        for f in findings
    )


def finding_objects(findings: list[Finding]) -> list[dict]:
    return [{**{key: getattr(f, key) for key in _FINDING_KEYS}, "url": rules.url(f.rule)} for f in findings]


def json_list(findings: list[Finding]) -> str:
    return json.dumps(finding_objects(findings), indent=2) + "\n"


def json_with_previews(findings: list[Finding], previews: dict[str, list]) -> str:
    objects = [p.as_json(path) for path, found in previews.items() for p in found]
    return json.dumps({"findings": finding_objects(findings), "previews": objects}, indent=2) + "\n"


def _artifact_uri(path: str) -> str:
    """A relative path stays relative (code scanning resolves it against the checkout);
    an absolute one becomes a file: URI."""
    if path == "-":
        return "stdin"
    candidate = Path(path)
    if candidate.is_absolute():
        return candidate.as_uri()
    return candidate.as_posix()


def _sarif_rule(rule_id: str) -> dict:
    rule = rules.registry().get(rule_id) or rules.Rule(rule_id, rule_id, "other", "warning", rule_id, "", "")
    page = rules.url(rule.id)
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.summary},
        "help": {
            "text": f"{rule.summary} Fix: {rule.fix} More: {page}",
            "markdown": f"{rule.summary}\n\n**Fix:** {rule.fix}\n\n[{rule.id} {rule.name}]({page})",
        },
        **({"helpUri": page} if page.startswith(("https://", "http://")) else {}),  # only once the site has a home
        "defaultConfiguration": {"level": SARIF_LEVELS.get(rule.severity, "warning")},
        # code scanning files results tagged "security" under security alerts
        "properties": {"tags": ["security", rule.layer] if rule.layer == "zizmor" else [rule.layer]},
    }


def sarif(findings: list[Finding]) -> str:
    """One SARIF 2.1.0 run: the rules reported (with help and page) and a result per finding."""
    from . import __version__  # reads the installed metadata: only this format needs it
    used = sorted({f.rule for f in findings})
    index = {rule_id: number for number, rule_id in enumerate(used)}
    results = []
    for f in findings:
        results.append({
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": SARIF_LEVELS[f.severity],
            "message": {"text": f"{f.message} (fix: {f.fix})"},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": _artifact_uri(f.path)},
                    "region": {"startLine": f.line, "startColumn": f.column},
                },
            }],
        })
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ghcr-check",
                "version": __version__,
                "informationUri": rules.project()["repository"],
                "rules": [_sarif_rule(rule_id) for rule_id in used],
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(document, indent=2) + "\n"
