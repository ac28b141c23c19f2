"""The check layers after YAML parsing, in the order the engine runs them.

LAYERS run on one parsed workflow at a time; BATCH_LAYERS wrap external tools and
run once over many texts (one process per batch).
"""
from . import actions, ghcr, schema

LAYERS = {
    "schema": schema.check,
    "actions": actions.check,
    "ghcr": ghcr.check,
}

BATCH_LAYERS: dict = {}


def merge(ours: list, theirs: list) -> list:
    """Our findings plus an external tool's, without reporting one problem twice."""
    seen = {(f.line, f.rule) for f in ours}
    return ours + [f for f in theirs if (f.line, f.rule) not in seen]
