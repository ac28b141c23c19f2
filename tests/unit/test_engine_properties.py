"""Property: whatever a workflow looks like, the engine answers with findings, never a traceback.

Start from the course's valid snippets, break them the ways people and editors
do (keys deleted, duplicated, renamed, values of the wrong type, stray or broken
`${{ }}`), and check every finding: a known rule, a position inside the text,
and no internal error (X001: a layer crashed).
"""
from __future__ import annotations

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from support import ROOT

from ghcr_check import checks, engine
from ghcr_check.catalog import load_catalog
from ghcr_check.rules import registry
from macros.snippets import RENDERINGS, SnippetLibrary, render

CATALOG = load_catalog()
DOCUMENT_LAYERS = ("yaml", *checks.LAYERS)
RULES = set(registry())
# Valid snippets (no `#| expect:`), in both renderings: the seeds to mutate.
SEEDS = sorted({render(s, CATALOG, r)[0] for s in SnippetLibrary(ROOT / "snippets", ROOT)
                if not s.is_counter_example for r in RENDERINGS})
SETTINGS = dict(deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def within(text: str, line: int, column: int) -> bool:
    """A 1-based position on a line of text, or just past its last line break (where YAML's end-of-text errors point)."""
    lines = text.splitlines()
    if line == len(lines) + 1 and column == 1:
        return not text or text.splitlines(keepends=True)[-1] != lines[-1]
    return 1 <= line <= len(lines) and 1 <= column <= len(lines[line - 1]) + 1


def assert_sound(text: str) -> None:
    """The engine's contract on one text."""
    findings = engine.check_document(text, DOCUMENT_LAYERS, CATALOG)
    for found in findings:
        assert found.rule in RULES, found
        assert found.rule != "X001", f"a layer crashed: {found.message}"
        assert within(text, found.line, found.column), found
        assert len(found.message.splitlines()) == 1 and len(found.fix.splitlines()) == 1, found


# -- expression text ----------------------------------------------------------------

EXPRESSION_PARTS = [
    "github", "github.actor", "github.actorr", "secrets.GITHUB_TOKEN", "secret.X", "env.IMAGE", "vars.A",
    "matrix.os", "needs.build.outputs.tags", "needs.nope.result", "steps.meta.outputs.tags", "steps.x.outcom",
    "inputs.tag", "jobs.a.outputs.b", "runner.os", "job.status", "strategy.job-index", ".", "*", "[", "]",
    "['x']", "[0]", "(", ")", ",", "!", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "=", "&", "|",
    "'", "''", "'text'", '"dq"', "null", "true", "false", "NaN", "-1.5e3", "0xff", "0o7", "1abc",
    "contains(", "startsWith(", "format(", "join(", "toJSON(", "fromJSON(", "hashFiles(", "success()",
    "always()", "case(", "toLower(", "${{", "}}", "{", "}", " ", "\n", "\t", "#", "$", "\\",
]
token_soup = st.lists(st.one_of(st.sampled_from(EXPRESSION_PARTS), st.text(max_size=4)), max_size=12).map(" ".join)
# Well-formed expressions too, so the checks past the parser (contexts, functions, availability) get exercised.
CONTEXT_PATHS = ["github.ref", "github.actorr", "github.event.x", "secrets.TOKEN", "secret.TOKEN", "env.IMAGE",
                 "vars.A", "matrix.os", "matrix['node']", "needs.build.outputs.tags", "needs.publish.result",
                 "needs.*.result", "steps.meta.outputs.tags", "steps.build.outcom", "inputs.tag", "jobs.publish.result",
                 "runner.oss", "job.status", "strategy.job-index", "gihub.sha", "github['event']['x']"]
LITERALS = ["null", "true", "1", "-2.5", "0xff", "'text'", "'it''s'"]
FUNCTIONS = ["contains", "startsWith", "endsWith", "format", "join", "toJSON", "fromJSON", "hashFiles", "case",
             "success", "always", "cancelled", "failure", "toLower", "github"]
well_formed = st.recursive(
    st.sampled_from(CONTEXT_PATHS + LITERALS),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["==", "!=", "<", ">=", "&&", "||"]), inner).map(" ".join),
        inner.map(lambda e: f"!({e})"),
        st.tuples(st.sampled_from(FUNCTIONS), st.lists(inner, max_size=4)).map(lambda c: f"{c[0]}({', '.join(c[1])})"),
        st.tuples(inner, st.sampled_from([".x", ".*", "['y']", "[0]"])).map(lambda p: f"({p[0]}){p[1]}"),
    ),
    max_leaves=8,
)
expression_text = st.one_of(token_soup, well_formed)


# -- mutations of the YAML data --------------------------------------------------------

def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.width = 4096
    return yaml


def _load(text: str):
    return _yaml().load(text)


def _dump(data) -> str:
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


def _slots(node, found=None) -> list:
    """(container, key or index) for every value in the document."""
    found = [] if found is None else found
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in list(items):
        found.append((node, key))
        _slots(value, found)
    return found


scalar = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6), st.text(max_size=20),
                   expression_text.map(lambda e: "${{ " + e + " }}"))
replacement = st.one_of(scalar, st.lists(scalar, max_size=3),
                        st.dictionaries(st.text(min_size=1, max_size=8), scalar, max_size=3))


@st.composite
def mutated_data(draw) -> str:
    data = _load(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        slots = _slots(data)
        if not slots:
            break
        parent, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(["delete", "retype", "rename", "expression", "duplicate-value"]))
        if action == "delete":
            del parent[key]
        elif action == "retype":
            parent[key] = draw(replacement)
        elif action == "rename" and isinstance(parent, dict):
            new_key = draw(st.one_of(st.text(min_size=1, max_size=12), st.sampled_from(
                ["if", "run", "uses", "with", "env", "steps", "needs", "strategy", "matrix", "outputs", "on", "jobs"])))
            value = parent.pop(key)
            parent[new_key] = value
        elif action == "expression":
            current = parent[key]
            inserted = "${{ " + draw(expression_text) + draw(st.sampled_from([" }}", "", "}", " }} ${{"]))
            parent[key] = (current if isinstance(current, str) else "") + inserted
        elif action == "duplicate-value" and isinstance(parent, list):
            parent.append(parent[key])
    return _dump(data)


@pytest.mark.slow  # hundreds of generated workflows: make test runs it, make test-fast does not
@settings(max_examples=250, **SETTINGS)
@given(mutated_data())
def test_mutated_workflows_get_findings_not_tracebacks(text):
    assert_sound(text)


# -- mutations of the text ---------------------------------------------------------------

_KEY_LINE = re.compile(r"^\s*(?:- )?[\w-]+:")


@st.composite
def mutated_text(draw) -> str:
    lines = draw(st.sampled_from(SEEDS)).splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["duplicate-key", "delete-line", "insert", "indent", "dedent", "expression"]))
        if action == "duplicate-key":
            keyed = [i for i, line in enumerate(lines) if _KEY_LINE.match(line)] or [at]
            at = draw(st.sampled_from(keyed))
            lines.insert(at, lines[at])  # the same key twice in one mapping (or a repeated item)
        elif action == "delete-line":
            del lines[at]
        elif action == "insert":
            column = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:column] + draw(st.text(max_size=6)) + lines[at][column:]
        elif action == "indent":
            lines[at] = "  " + lines[at]
        elif action == "dedent":
            lines[at] = lines[at][2:] if lines[at].startswith("  ") else lines[at]
        elif action == "expression":
            column = draw(st.integers(0, len(lines[at].rstrip("\n"))))
            lines[at] = lines[at][:column] + "${{ " + draw(expression_text) + " }}" + lines[at][column:]
    return "".join(lines)


@settings(max_examples=250, **SETTINGS)
@given(mutated_text())
def test_mutated_texts_get_findings_not_tracebacks(text):
    assert_sound(text)


@pytest.mark.slow  # hundreds of generated workflows: make test runs it, make test-fast does not
@settings(max_examples=250, **SETTINGS)
@given(st.sampled_from(SEEDS), expression_text, st.sampled_from(["if", "run", "name", "env", "with"]))
def test_random_expressions_in_any_key_get_findings_not_tracebacks(seed, expression, key):
    """A random expression written where readers put them: a step's if:, run:, name:, env: or with:."""
    data = _load(seed)
    jobs = data.get("jobs") or {}
    job = next(iter(jobs.values()), None)
    steps = job.get("steps") if isinstance(job, dict) else None
    if not isinstance(steps, list) or not steps or not isinstance(steps[-1], dict):
        return
    value = expression if key == "if" else "${{ " + expression + " }}"
    steps[-1][key] = {"X": value} if key in ("env", "with") else value
    assert_sound(_dump(data))


def test_there_are_seeds():
    assert len(SEEDS) >= 10
