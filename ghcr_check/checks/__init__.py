"""The check layers after YAML parsing, in the order the registry gives them.

LAYERS run on one parsed workflow at a time; BATCH_LAYERS wrap external tools and
run once over many texts (one process per batch): each is `start(texts, profile)`,
which starts the tool and returns a function that waits for it and gives the
findings. Which layers exist and in what order is data/registry.yml's; this file
only maps each name to its code. zizmor runs before actionlint there, so actionlint
reports that repeat a zizmor finding are dropped by merge.
"""
import importlib

from .. import rules

# The yaml layer is yamldoc.load, which runs before any of these. Each module is
# imported on the first call: the command starts the external tools before it has
# loaded the in-process layers, and a run with some layers loads only those.
_CODE = {
    "schema": "schema:check",
    "actions": "actions:check",
    "expressions": "expressions:check",
    "ghcr": "ghcr:check",
    "zizmor": "zizmor:start",
    "actionlint": "actionlint:start",
}
_RUN_BY_ENGINE = ("yaml",)


def _lazy(target: str):
    module, function = target.split(":")

    def load():
        return importlib.import_module(f"{__name__}.{module}")

    def run(*args, **kwargs):
        return getattr(load(), function)(*args, **kwargs)

    run.__qualname__ = run.__name__ = f"{module}.{function}"
    return run


def _runners(kind: str) -> dict:
    names = [name for name in rules.layer_names(kind) if name not in _RUN_BY_ENGINE]
    missing = [name for name in names if name not in _CODE]
    if missing:
        raise rules.RegistryError(f"registry.yml: layer {', '.join(missing)} has no code in ghcr_check/checks")
    return {name: _lazy(_CODE[name]) for name in names}


LAYERS = _runners("document")
BATCH_LAYERS: dict = _runners("batch")
_orphans = set(_CODE) - set(LAYERS) - set(BATCH_LAYERS)
if _orphans:
    raise rules.RegistryError(f"ghcr_check/checks: no layer in registry.yml for {', '.join(sorted(_orphans))}")


def _same_problem(ours_rule: str, theirs_rule: str) -> bool:
    if ours_rule == theirs_rule:
        return True
    from . import external

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
