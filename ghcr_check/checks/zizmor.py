"""Security layer: zizmor's audits as rules Z001..., one zizmor process per batch.

zizmor runs offline with no configuration: `--persona=regular` for the default
profile, `--persona=pedantic` for the hardened one. Each audit maps to a rule in
data/rules/zizmor.yml (its `audit:` key); audits not listed there become Z099.

How a finding's severity is decided:

| Profile | zizmor says | We report |
|---|---|---|
| both | unpinned-uses on a catalogued action at a tag the catalog knows | nothing, in the profiles Z003's `accept_catalogued_tags` lists (default only) |
| hardened | anything else | error |
| default | an audit whose rule says `profile: hardened` | nothing |
| default | unpinned-uses on any other catalogued ref | nothing: the actions layer judges it (A001, A008, ...) |
| default | unpinned-uses on an action outside the catalog | warning |
| default | confidence low | warning |
| default | severity high, confidence high or medium | error |
| default | anything else (medium, low, informational severity) | warning |

Medium severity stays a warning by default: those audits (excessive permissions,
inherited secrets, archived actions) flag risk a publishing workflow may accept
knowingly; the hardened profile makes them errors. Catalogued tags are accepted in
the hardened profile too because every snippet is also published SHA-pinned from
the same catalog; the hardened profile demands SHAs.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache

from ..catalog import load_catalog, parse_uses
from ..records import replace
from ..rules import Finding, finding
from . import external

LAYER = "zizmor"
FAILURE_RULE = "Z000"  # zizmor did not run or gave no usable output
OTHER_RULE = "Z099"  # an audit with no rule of its own yet
ERROR_CONFIDENCE = ("High", "Medium")  # with severity High: an error in the default profile


def _arguments(profile: str) -> list[str]:
    persona = "pedantic" if profile == "hardened" else "regular"
    return ["--offline", "--no-config", "--format=json", f"--persona={persona}"]


TOOL = external.register(external.Tool(
    layer=LAYER,
    executable="zizmor",
    arguments=_arguments,
    # 0 clean, 3 nothing to audit (every file failed zizmor's own parsing), 11-14 findings by highest severity
    accepted_exit_codes=frozenset({0, 3, 11, 12, 13, 14}),
    env={"ZIZMOR_OFFLINE": "true"},  # zizmor rejects "1"
    # e.g. a malformed uses: or a float where GitHub wants an integer; schema and actionlint report it
    unreadable_file=("as workflow",),
))


@lru_cache(maxsize=1)
def rule_for_audit() -> dict[str, str]:
    return {str(e["audit"]): str(e["id"]) for e in external.rule_entries("zizmor.yml") if e.get("audit")}


@lru_cache(maxsize=1)
def hardened_only() -> frozenset:
    """Audits whose rule says `profile: hardened`: the default profile drops them."""
    return frozenset(str(e["audit"]) for e in external.rule_entries("zizmor.yml")
                     if e.get("audit") and e.get("profile") == "hardened")


def _primary(item: dict) -> dict | None:
    locations = item.get("locations") or []
    return next((loc for loc in locations if loc.get("symbolic", {}).get("kind") == "Primary"),
                locations[0] if locations else None)


def _path(location: dict) -> str:
    key = location.get("symbolic", {}).get("key") or {}
    local = key.get("Local") if isinstance(key, dict) else None
    return (local or {}).get("verbatim_path", "")


def _uses_value(feature: str) -> str:
    value = feature.strip()
    if value.startswith(("- ", "uses:")):
        value = value.removeprefix("- ").removeprefix("uses:").strip()
    return value.split("#", 1)[0].strip().strip("'\"")


@lru_cache(maxsize=1)
def tag_accepting_profiles() -> frozenset:
    """Profiles in which a catalogued action at a known tag raises no unpinned-uses (Z003's data)."""
    entry = next((e for e in external.rule_entries("zizmor.yml") if e.get("audit") == "unpinned-uses"), {})
    return frozenset(entry.get("accept_catalogued_tags") or ())


def _catalogued(feature: str) -> tuple[bool, bool]:
    """(the action is in the catalog, its ref is a tag the catalog knows)."""
    uses = parse_uses(_uses_value(feature))
    catalog = load_catalog()
    entry = catalog.get(uses.action) if uses.kind == "action" else None
    if entry is None or not uses.ref:
        return entry is not None, False
    info = catalog.classify(entry, uses.ref)
    return True, info.kind in ("major", "release") and info.exists is not False


def _severity(audit: str, determinations: dict, feature: str, profile: str) -> str | None:
    """The reported severity under profile, or None to drop the finding (see the table above)."""
    if audit == "unpinned-uses":
        catalogued, at_known_tag = _catalogued(feature)
        if at_known_tag and profile in tag_accepting_profiles():
            return None
        if profile != "hardened":
            return None if catalogued else "warning"
    if profile == "hardened":
        return "error"
    if audit in hardened_only():
        return None
    confidence, severity = determinations.get("confidence"), determinations.get("severity")
    if confidence == "Low":
        return "warning"
    if severity == "High" and confidence in ERROR_CONFIDENCE:
        return "error"
    return "warning"


def _finding(item: dict, location: dict, lines: list[str], profile: str) -> Finding | None:
    audit = str(item.get("ident", "unknown"))
    concrete = location.get("concrete") or {}
    feature = str(concrete.get("feature", ""))
    severity = _severity(audit, item.get("determinations") or {}, feature, profile)
    if severity is None:
        return None
    span = concrete.get("location") or {}
    start, end = span.get("start_point") or {}, span.get("end_point") or {}
    line = int(start.get("row", 0)) + 1
    # the last line zizmor flagged: merge drops another tool's report of the same problem inside it
    last = max(line, int(end.get("row", start.get("row", 0))) + (0 if int(end.get("column", 1)) == 0 else 1))
    column = external.char_column(lines, line, int(start.get("column", 0)) + 1)
    annotation = location.get("symbolic", {}).get("annotation") or item.get("desc") or audit
    code = external.one_line(feature.splitlines()[0] if feature.strip() else feature, 80)
    uses = parse_uses(_uses_value(feature))
    found = finding(
        rule_for_audit().get(audit, OTHER_RULE), (line, column), severity=severity,
        audit=audit, detail=external.one_line(annotation), code=code,
        action=uses.action if uses.kind == "action" else code,
    )
    return replace(found, extra={"last_line": last}) if last > line else found


def _failure(problem: str) -> Finding:
    return finding(FAILURE_RULE, error=problem, install=external.requirement("zizmor"))


def start(texts: dict[str, str], profile: str = "default") -> Callable[[], dict[str, list[Finding]]]:
    """Start zizmor over the batch; the function returned waits for it and gives the findings by name."""
    lines = {name: text.splitlines() for name, text in texts.items()}

    def parse(stdout: str, names: dict[str, str]) -> list:
        items = (json.loads(stdout) if stdout.strip() else None) or []
        if not isinstance(items, list):
            raise ValueError("not a list of findings")
        pairs = []
        for item in items:
            if not isinstance(item, dict) or item.get("ignored"):
                continue  # a `# zizmor: ignore[...]` comment in the file is the author's decision
            location = _primary(item)
            name = names.get(_path(location)) if location else None
            if name is None:
                continue
            try:
                pairs.append((name, _finding(item, location, lines[name], profile)))
            except (TypeError, ValueError, AttributeError) as error:  # a finding shape this version does not know
                pairs.append((name, _failure(f"unreadable finding {item.get('ident')!r}: {error}"[:200])))
        return pairs

    findings = external.start(LAYER, texts, profile, _failure, parse)
    rule_for_audit(), hardened_only(), tag_accepting_profiles()  # read while zizmor runs, not after
    return findings
