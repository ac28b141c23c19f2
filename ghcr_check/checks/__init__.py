"""The check layers after YAML parsing, in the order the engine runs them.

LAYERS run on one parsed workflow at a time; BATCH_LAYERS wrap external tools and
run once over many texts (one process per batch).
"""
from . import actionlint, actions, expressions, external, ghcr, schema, zizmor

LAYERS = {
    "schema": schema.check,
    "actions": actions.check,
    "expressions": expressions.check,
    "ghcr": ghcr.check,
}

# zizmor first: actionlint reports that repeat a zizmor finding are then dropped by merge
BATCH_LAYERS: dict = {
    "zizmor": zizmor.run,
    "actionlint": actionlint.run,
}


def _same_problem(ours_rule: str, theirs_rule: str) -> bool:
    if ours_rule == theirs_rule:
        return True
    for pattern in external.duplicates().get(theirs_rule, ()):
        if pattern == ours_rule or (pattern.endswith("*") and ours_rule.startswith(pattern[:-1])):
            return True
    return False


def merge(ours: list, theirs: list) -> list:
    """Our findings plus an external tool's, without reporting one problem twice.

    A finding of theirs is dropped when one of ours on its line has the same rule,
    or a rule its entry lists under `duplicates:` (data/rules/zizmor.yml,
    actionlint.yml), such as actionlint's unknown input (L004) next to our A003.
    A finding that spans lines (extra["last_line"], or a value starting at extra["first_line"])
    covers each of them: one missing step id is one finding, wherever a tool puts it in the value.
    """
    by_line: dict = {}
    for f in ours:
        extra = f.extra or {}
        for line in range(min(f.line, extra.get("first_line", f.line)), max(f.line, extra.get("last_line", f.line)) + 1):
            by_line.setdefault(line, set()).add(f.rule)
    return ours + [f for f in theirs if not any(_same_problem(r, f.rule) for r in by_line.get(f.line, ()))]
