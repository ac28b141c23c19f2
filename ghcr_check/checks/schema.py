"""Layer 2: GitHub's workflow syntax, as the SchemaStore schema (shipped by check-jsonschema) states it."""
from __future__ import annotations

import difflib
import json
import re
from functools import lru_cache
from importlib import util
from pathlib import Path

from ..rules import Finding, finding
from ..workflow import Workflow
from ..yamldoc import plain, position, value_position

SCHEMA_DISTRIBUTION = "check-jsonschema"
SCHEMA_PACKAGE = "check_jsonschema"
SCHEMA_FILE = "builtin_schemas/vendor/github-workflows.json"  # in SCHEMA_PACKAGE


def schema_path() -> Path:
    """The schema file, found without importing check_jsonschema (that would load its CLI)
    and without importlib.metadata (slow to import): find_spec locates a package, runs nothing."""
    spec = util.find_spec(SCHEMA_PACKAGE)
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0]) / SCHEMA_FILE
    from importlib import metadata

    return Path(str(metadata.distribution(SCHEMA_DISTRIBUTION).locate_file(f"{SCHEMA_PACKAGE}/{SCHEMA_FILE}")))


@lru_cache(maxsize=1)
def _schema() -> dict:
    return patch_deviations(json.loads(schema_path().read_text("utf-8")))


# Where the SchemaStore schema is stricter than GitHub. The one place the schema is changed:
# each entry is (what GitHub accepts, where GitHub's own parser says so, the change). The source
# for all three is GitHub's workflow parser, actions/languageservices,
# workflow-parser/src/workflow-v1.0.json (read 2026-11-30).
SCHEMA_DEVIATIONS = (
    ("a single string for branches:, tags:, paths: and their -ignore filters (`branches: main`)",
     "event-branches and its siblings are one-of non-empty-string, sequence-of-non-empty-string",
     "definitions.globs also takes a non-empty string"),
    ("strategy: without matrix: (`strategy: {fail-fast: false}`)",
     "strategy is a mapping whose properties (matrix, fail-fast, max-parallel) are all optional",
     "definitions.normalJob.properties.strategy.required loses 'matrix'"),
    ("an env: key with no value (`PASSWORD:`), which the runner sets to the empty string",
     "workflow-env, job-env and step-env are mappings of loose string values; a null scalar reads as ''",
     "definitions.env values also take null"),
    ("a workflow_call secret declared by name alone (`secrets: {registry_token: }`)",
     "workflow-call-secret-definition is one-of null, workflow-call-secret-mapping-definition",
     "each on.workflow_call.secrets entry also takes null"),
)


def patch_deviations(schema: dict) -> dict:
    """The schema with SCHEMA_DEVIATIONS applied (a KeyError here means the schema changed shape)."""
    definitions = schema["definitions"]
    globs = definitions["globs"]
    definitions["globs"] = {"oneOf": [{"type": "string", "minLength": 1}, globs]}
    strategy = definitions["normalJob"]["properties"]["strategy"]
    strategy["required"] = [key for key in strategy.get("required", []) if key != "matrix"]
    if not strategy["required"]:
        del strategy["required"]
    values = definitions["env"]["oneOf"][0]["additionalProperties"]
    values["oneOf"] = [*values["oneOf"], {"type": "null"}]
    call = next(branch for branch in schema["properties"]["on"]["oneOf"] if "workflow_call" in branch.get("properties", {}))
    secrets = call["properties"]["workflow_call"]["oneOf"][1]["properties"]["secrets"]["patternProperties"]
    for pattern, definition in secrets.items():
        secrets[pattern] = {"oneOf": [{"type": "null"}, definition]}
    return schema


@lru_cache(maxsize=1)
def validator():
    """The reference validator: slow, but its errors explain themselves."""
    from jsonschema import FormatChecker  # only where a file is invalid: it costs a tenth of a second
    from jsonschema.validators import validator_for

    cls = validator_for(_schema())
    return cls(_schema(), format_checker=FormatChecker())


@lru_cache(maxsize=1)
def fast_validator():
    """The same schema in Rust, for the verdict only; None where the wheel is missing."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    return jsonschema_rs.validator_for(_schema(), validate_formats=True)


def _leaves(error) -> list:
    """The errors to report for one top-level error: all of them inside the best-fitting branch.

    For oneOf/anyOf, a branch whose type does not fit the value at all is the wrong
    reading; among the rest, the one that got furthest into the value is what the
    author meant. Every error in that branch is reported.
    """
    if not error.context:
        return [error]
    depth = len(error.absolute_path)
    branches: dict = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0] if sub.relative_schema_path else None, []).append(sub)

    def fit(errors):
        misfit = any(e.validator in ("type", "enum", "const") and len(e.absolute_path) == depth for e in errors)
        deepest = max(len(e.absolute_path) for e in errors)
        return (not misfit, deepest, -len(errors))

    best = max(branches.values(), key=fit)
    leaves = []
    for sub in best:
        leaves += _leaves(sub)
    return leaves


def _short(value, limit=60) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _node_at(root, path):
    """The deepest YAML node along path, and the last key or index reached."""
    node, last = root, None
    parent = None
    for part in path:
        if isinstance(node, dict) and part in node:
            parent, last, node = node, part, node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            parent, last, node = node, part, node[part]
        else:
            break
    return parent, last, node


def _location(root, path, extra_key=None):
    parent, last, node = _node_at(root, path)
    if extra_key is not None and isinstance(node, dict) and extra_key in node:
        return position(node, key=extra_key)
    if parent is None:
        return (1, 1)
    if isinstance(parent, dict):
        return value_position(parent, last) if not isinstance(node, (dict, list)) else position(parent, key=last)
    return position(parent, index=last)


def _path_text(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the top level"


def _explain(error, root) -> tuple[str, str, tuple[int, int]]:
    where = _path_text(error.absolute_path)
    kind = error.validator
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list((error.schema.get("properties") or {}).keys())
        patterns = list((error.schema.get("patternProperties") or {}).keys())
        extras = [k for k in error.instance if k not in allowed and not any(re.search(p, str(k)) for p in patterns)]
        key = str(extras[0]) if extras else "?"
        close = difflib.get_close_matches(key, allowed, n=1)
        fix = f"did you mean '{close[0]}'?" if close else f"remove '{key}'; allowed here: {', '.join(allowed[:12])}"
        return f"{where}: unexpected key '{key}'", fix, _location(root, error.absolute_path, key)
    if kind == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        name = missing[0] if missing else "?"
        return f"{where}: '{name}' is required", f"add '{name}:'", _location(root, error.absolute_path)
    if kind == "enum":
        options = ", ".join(str(o) for o in error.validator_value)
        value = str(error.instance)
        close = difflib.get_close_matches(value, [str(o) for o in error.validator_value], n=1)
        fix = f"did you mean '{close[0]}'?" if close else f"use one of: {options}"
        return f"{where}: {_short(error.instance)} is not one of {options}", fix, _location(root, error.absolute_path)
    if kind == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return (f"{where}: {_short(error.instance)} is not of type {expected}", f"write a {expected} here",
                _location(root, error.absolute_path))
    if kind in ("minItems", "minProperties"):
        return f"{where}: must not be empty", "add at least one entry", _location(root, error.absolute_path)
    if kind == "pattern" and "\\$\\{\\{" in str(error.validator_value):
        parent = error.parent.schema if error.parent is not None else {}
        branches = parent.get("oneOf") or parent.get("anyOf") or []
        types = sorted({str(b.get("type")) for b in branches if isinstance(b, dict) and b.get("type") not in (None, "string")})
        wanted = " or ".join([*(f"a {t}" for t in types), "a ${{ }} expression"]) if types else "a ${{ }} expression"
        return (f"{where}: {_short(error.instance)} is not valid here", f"write {wanted}",
                _location(root, error.absolute_path))
    if kind == "pattern":
        return (f"{where}: {_short(error.instance)} does not match {error.validator_value}",
                "check the spelling of this value", _location(root, error.absolute_path))
    message = " ".join(error.message.split())
    if len(message) > 160:
        message = message[:157] + "..."
    return f"{where}: {message}", "see GitHub's workflow syntax reference for this key", _location(root, error.absolute_path)


def check(workflow: Workflow, catalog) -> list[Finding]:
    data = plain(workflow.root)
    fast = fast_validator()
    if fast is not None and fast.is_valid(data):
        return []  # most files: the explaining validator need not run
    findings, seen = [], set()
    for error in validator().iter_errors(data):
        for leaf in _leaves(error):
            message, fix, pos = _explain(leaf, workflow.root)
            if (pos, message) in seen:
                continue
            seen.add((pos, message))
            findings.append(finding("S001", pos, message=message, fix=fix))
    return findings
