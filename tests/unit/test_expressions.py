"""The expression parser and the expressions layer (rules E001-E008)."""
from __future__ import annotations

import re

import pytest
from support import ROOT

from ghcr_check import checks, engine
from ghcr_check.catalog import load_catalog
from ghcr_check.checks import expressions as layer
from ghcr_check.expressions import (MAX_DEPTH, MAX_LENGTH, bare_context, dump, find_expressions, first_unclosed, parse,
                                split_expressions)
from ghcr_check.rules import registry
from macros.snippets import PINNED, RENDERINGS, SnippetLibrary, parse_snippet, render

CATALOG = load_catalog()
LIBRARY = SnippetLibrary(ROOT / "snippets", ROOT)
DOCUMENT_LAYERS = ("yaml", *checks.LAYERS)  # every layer that runs in-process, one text at a time
E_RULES = sorted(r for r in registry() if r.startswith("E"))


# -- the parser ----------------------------------------------------------------

VALID = [
    ("github.actor", "github.actor"),
    ("github['sha']", "github.sha"),
    ("github.event.issue.labels.*.name", "github.event.issue.labels.*.name"),
    ("x[*].y", "x.*.y"),
    ("matrix[inputs.key]", "matrix[inputs.key]"),
    ("null", "none"),
    ("true && !false", "(true && !false)"),
    ("711", "711.0"),
    ("-9.2", "-9.2"),
    ("0xff", "255.0"),
    ("-2.99e-2", "-0.0299"),
    (".5", "0.5"),
    ("'It''s open source!'", '"It\'s open source!"'),
    ("''", "''"),
    ("'}}'", "'}}'"),
    ("a || b && c", "(a || (b && c))"),
    ("a == b && c != d", "((a == b) && (c != d))"),
    ("a < b == c >= d", "((a < b) == (c >= d))"),
    ("!(a || b)", "!(a || b)"),
    ("contains(fromJSON('[\"push\", \"pull_request\"]'), github.event_name)",
     "contains(fromJSON('[\"push\", \"pull_request\"]'), github.event_name)"),
    ("format('{0}-{1}', github.ref_name, github.sha,)", "format('{0}-{1}', github.ref_name, github.sha)"),
    ("fromJSON(needs.a.outputs.m).include", "fromJSON(needs.a.outputs.m).include"),
    ("(github).ref", "github.ref"),
    ("strategy.fail-fast", "strategy.fail-fast"),
    ("github.event.null.true", "github.event.null.true"),
    ("case(github.ref == 'refs/heads/main', 'production', 'development')",
     "case((github.ref == 'refs/heads/main'), 'production', 'development')"),
    ("  success()\n  && github.ref\n", "(success() && github.ref)"),
]


@pytest.mark.parametrize("text, expected", VALID)
def test_valid_expressions_parse(text, expected):
    parsed = parse(text)
    assert parsed.ok, parsed.problem
    assert dump(parsed.tree) == expected


INVALID = [
    ("", "empty"),
    ("   ", "empty"),
    ("github.actor == \"x\"", "double quotes"),
    ("a = b", "'=' alone"),
    ("a & b", "'&' alone"),
    ("a | b", "'|' alone"),
    ("'unterminated", "not closed"),
    ("'it''s", "not closed"),
    ("((a)", "ends early"),
    ("a)", "closes nothing"),
    ("a b", "unexpected 'b'"),
    ("github..x", "two dots"),
    ("'x'.length", "no properties"),
    ("1 - 2", "is not a number"),
    ("1abc", "is not a number"),
    ("github.event.0", "unexpected number"),
    ("f(,a)", "unexpected ','"),
    ("f(a b)", "',' or ')'"),
    ("a[", "ends early"),
    ("a[1", "ends early"),
    ("a.", "ends early"),
    ("a$b", "unexpected 'a$b'"),
    ("!", "ends early"),
    ("a &&", "ends early"),
    ("#x", "unexpected"),
]


@pytest.mark.parametrize("text, expected", INVALID)
def test_invalid_expressions_say_what_and_how_to_fix(text, expected):
    parsed = parse(text)
    assert not parsed.ok
    assert expected in f"{parsed.problem} ({parsed.fix})"
    assert parsed.fix and "\n" not in parsed.problem + parsed.fix
    assert 0 <= parsed.offset <= len(text)


def test_references_and_calls_are_collected_in_order():
    parsed = parse("contains(github.event.issue.labels.*.name, 'bug') && matrix[inputs.k].x == env['A B']")
    assert [r.path for r in parsed.references] == [
        ("github", "event", "issue", "labels", "*", "name"), ("matrix",), ("inputs", "k"), ("env", "A B")]
    assert [r.partial for r in parsed.references] == [False, True, False, False]
    assert [c.name for c in parsed.calls] == ["contains"]
    text = parsed.text
    assert [text[r.start: r.end] for r in parsed.references] == [
        "github.event.issue.labels.*.name", "matrix", "inputs.k", "env['A B']"]


def test_each_text_is_parsed_once():
    assert parse("github.ref_name == 'main'") is parse("github.ref_name == 'main'")


NASTY = [
    "(" * 10_000 + "a" + ")" * 10_000,
    "!" * 10_000 + "a",
    "a" + ".b" * 5_000,
    "a" + "[0]" * 5_000,
    " == ".join(["a"] * 5_000),  # long but flat: no nesting limit applies
    "f(" * 5_000,
    "'" + "x" * 20_000,
    "'" * 20_001,
    "x" * (MAX_LENGTH + 1),
    "\x00\udcff\u202e${{}}\n\t'",
    "0x" + "f" * 5_000,
]


@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
def test_nasty_inputs_end_without_an_exception(text):
    parsed = parse(text)  # how quickly: bench/guards.py
    assert parsed.ok or parsed.problem


def test_nesting_and_length_limits_are_githubs():
    assert parse("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH).ok is False
    assert parse("(" * (MAX_DEPTH - 1) + "a" + ")" * (MAX_DEPTH - 1)).ok
    assert "limit" in parse("a" * (MAX_LENGTH + 1)).problem
    long_flat = " || ".join(["github.ref"] * 1_000)
    assert len(long_flat) < MAX_LENGTH and parse(long_flat).ok


def test_string_helpers_other_layers_use_still_work():
    text = "ghcr.io/${{ env.OWNER }}:${{ 'a}}b' }}"
    assert [e.inner for e in find_expressions(text)] == ["env.OWNER", "'a}}b'"]
    assert split_expressions(text) == [("lit", "ghcr.io/"), ("expr", "env.OWNER"), ("lit", ":"), ("expr", "'a}}b'")]
    assert bare_context("env['IMAGE']") == "env.IMAGE"
    assert bare_context("format('x')") is None
    assert first_unclosed("a ${{ b }} c ${{ d") == 13
    assert first_unclosed("${{ '${{' }}") is None


# -- where a value sits -----------------------------------------------------------

TABLE_KEYS = [
    (("run-name",), "run-name"),
    (("env", "IMAGE"), "env"),
    (("concurrency", "group"), "concurrency"),
    (("on", "workflow_call", "inputs", "tag", "default"), "on.workflow_call.inputs.<inputs_id>.default"),
    (("on", "workflow_call", "outputs", "digest", "value"), "on.workflow_call.outputs.<output_id>.value"),
    (("on", "push", "branches", 0), None),
    (("jobs", "b", "if"), "jobs.<job_id>.if"),
    (("jobs", "b", "runs-on", 0), "jobs.<job_id>.runs-on"),
    (("jobs", "b", "strategy", "matrix", "os", 0), "jobs.<job_id>.strategy"),
    (("jobs", "b", "container"), "jobs.<job_id>.container"),
    (("jobs", "b", "container", "image"), "jobs.<job_id>.container.image"),
    (("jobs", "b", "container", "credentials", "password"), "jobs.<job_id>.container.credentials"),
    (("jobs", "b", "container", "env", "X"), "jobs.<job_id>.container.env.<env_id>"),
    (("jobs", "b", "container", "options"), "jobs.<job_id>.container"),
    (("jobs", "b", "services", "db", "image"), "jobs.<job_id>.services"),
    (("jobs", "b", "services", "db", "credentials", "username"), "jobs.<job_id>.services.<service_id>.credentials"),
    (("jobs", "b", "services", "db", "env", "X"), "jobs.<job_id>.services.<service_id>.env.<env_id>"),
    (("jobs", "b", "environment"), "jobs.<job_id>.environment"),
    (("jobs", "b", "environment", "name"), "jobs.<job_id>.environment"),
    (("jobs", "b", "environment", "url"), "jobs.<job_id>.environment.url"),
    (("jobs", "b", "defaults", "run", "shell"), "jobs.<job_id>.defaults.run"),
    (("jobs", "b", "outputs", "digest"), "jobs.<job_id>.outputs.<output_id>"),
    (("jobs", "b", "with", "tag"), "jobs.<job_id>.with.<with_id>"),
    (("jobs", "b", "secrets", "token"), "jobs.<job_id>.secrets.<secrets_id>"),
    (("jobs", "b", "secrets"), None),
    (("jobs", "b", "steps", 2, "if"), "jobs.<job_id>.steps.if"),
    (("jobs", "b", "steps", 2, "with", "tags"), "jobs.<job_id>.steps.with"),
    (("jobs", "b", "steps", 2, "env", "X"), "jobs.<job_id>.steps.env"),
    (("jobs", "b", "steps", 2, "uses"), None),
    (("jobs", "b", "steps", 2, "id"), None),
    (("jobs", "b", "needs", 0), None),
]


@pytest.mark.parametrize("path, key", TABLE_KEYS)
def test_values_map_to_the_availability_table(path, key):
    assert layer.table_key(path) == key


def test_expression_facts_are_consistent():
    info = layer.facts()
    reached = {key for _, key in TABLE_KEYS if key}
    assert set(info.availability) == reached | {"jobs.<job_id>.concurrency", "jobs.<job_id>.continue-on-error",
                                                "jobs.<job_id>.env", "jobs.<job_id>.name",
                                                "jobs.<job_id>.timeout-minutes", "jobs.<job_id>.services",
                                                *(f"jobs.<job_id>.steps.{k}" for k in layer.STEP_KEYS)}
    for contexts, functions in info.availability.values():
        assert contexts <= set(info.contexts)
        assert functions <= info.special
    assert info.special <= set(info.functions)
    for name, _, _ in info.fixes:
        assert name in info.contexts or name in info.functions


# -- the rules, case by case --------------------------------------------------------

HEAD = """\
name: Case
on:
  push:
    branches: [main]
  workflow_dispatch:
    inputs:
      tag:
        type: string
jobs:
"""
JOB = """\
  publish:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout
        with:
          persist-credentials: false
"""


def _workflow(body: str) -> str:
    """A workflow whose jobs are body; {job} stands for a plain job with a checkout step."""
    return HEAD + body.replace("{job}", JOB.rstrip("\n"))


def _step(line: str) -> str:
    return _workflow("{job}\n" + "\n".join("      " + l for l in line.splitlines()) + "\n")


CASES = {
    "E001": (
        [_step("- if: github.ref == \"refs/heads/main\"\n  run: echo main"),
         _step("- run: echo ${{ github.ref == }}"),
         _step("- run: echo ${{ (github.ref }}"),
         _step("- run: echo ${{ github.ref == 'a' 'b' }}"),
         _step("- run: echo ${{ }}"),
         _step("- run: echo ${{ github.sha = 'x' }}"),
         _step("- if: ${{ github.ref && }}\n  run: echo x")],
        [_step("- if: github.ref == 'refs/heads/main'\n  run: echo main"),
         _step("- run: echo ${{ github.ref == 'refs/heads/main' }}"),
         _step("- run: 'echo ${{ format(''{0}'', github.sha) }}'"),
         _step("- if: ${{ !cancelled() }}\n  run: echo x"),
         _step("- if: true\n  run: echo x")],
    ),
    "E002": (
        [_step("- run: echo ${{ github.sha }"),
         _step("- run: |\n    echo ${{ github.sha }}\n    echo ${{ github.ref"),
         _step("- with:\n    x: ${{ 'a}}'\n  uses: actions/checkout"),
         _step("- run: echo ${{ 'unterminated }}")],
        [_step("- run: echo ${{ github.sha }}"),
         _step("- run: echo '{{ not an expression }}' '${ x }'"),
         _step("- run: echo ${{ '${{' }}")],
    ),
    "E003": (
        [_step("- run: echo ${{ secret.TOKEN }}"),
         _step("- run: echo ${{ gihub.ref }}"),
         _step("- if: always\n  run: echo x"),
         _workflow("{job}\n    env:\n      A: ${{ environment.name }}\n")],
        [_step("- run: echo ${{ secrets.TOKEN }} ${{ GitHub.Ref }} ${{ vars.A }} ${{ runner.os }}"),
         _step("- if: always()\n  run: echo x")],
    ),
    "E004": (
        [_step("- run: echo ${{ github.actorr }}"),
         _step("- run: echo ${{ github['repositry'] }}"),
         _step("- run: echo ${{ runner.oss }}"),
         _step("- run: echo ${{ job.stat }}"),
         _step("- run: echo ${{ job.container.ip }}"),
         _step("- run: echo ${{ strategy.job_index }}"),
         _step("- run: echo ${{ inputs.tagg }}"),
         _step("- run: echo ${{ github.event.inputs.tagg }}"),
         _step("- id: s\n  run: echo x\n- run: echo ${{ steps.s.outcom }}"),
         _workflow("  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n"
                   "  b:\n    needs: a\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ needs.a.reslt }}\n"),
         HEAD.replace("  workflow_dispatch:", "  workflow_call:\n    outputs:\n      d:\n        value: ${{ jobs.publsh.outputs.d }}\n"
                      "  workflow_dispatch:") + JOB],
        [_step("- run: echo ${{ github.actor }} ${{ github.event.anything.at.all }} ${{ github.repositoryurl }}"),
         _step("- run: echo ${{ job.services.db.ports[5432] }} ${{ job.status }} ${{ strategy.job-index }}"),
         _step("- run: echo ${{ inputs.TAG }} ${{ github.event.inputs.tag }} ${{ github.event.inputs.*.x }}"),
         HEAD.replace("  workflow_dispatch:", "  workflow_call:\n  workflow_dispatch:") + JOB
         + "      - run: echo ${{ github.event.inputs.from-the-caller }}\n",
         _step("- id: s\n  run: echo x\n- run: echo ${{ steps.s.outcome }} ${{ steps.s.outputs.any }}"),
         _step("- run: echo ${{ toJSON(github) }} ${{ env.ANY }} ${{ secrets.ANY }} ${{ github.event.*.x }}"),
         HEAD.replace("  workflow_dispatch:", "  workflow_call:\n    outputs:\n      d:\n        value: ${{ jobs.publish.outputs.d }}\n"
                      "  workflow_dispatch:") + JOB + "    outputs:\n      d: x\n"],
    ),
    "E005": (
        [_workflow("  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n"
                   "  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ needs.a.result }}\n"),
         _workflow("  a:\n    runs-on: ubuntu-latest\n    outputs:\n      tags: x\n    steps:\n      - run: echo\n"
                   "  b:\n    needs: [a]\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ needs.a.outputs.tag }}\n"),
         _workflow("  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n"
                   "  b:\n    needs: a\n    if: needs.c.result == 'success'\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n")],
        [_workflow("  a:\n    runs-on: ubuntu-latest\n    outputs:\n      tags: x\n    steps:\n      - run: echo\n"
                   "  b:\n    needs: a\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ needs.a.outputs.tags }} ${{ needs.A.result }}\n"),
         _workflow("  a:\n    uses: ./.github/workflows/called.yml\n"
                   "  b:\n    needs: [a]\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ needs.a.outputs.whatever }}\n"),
         _workflow("  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n"
                   "  b:\n    needs: a\n    if: ${{ always() && needs.a.result == 'failure' }}\n    runs-on: ubuntu-latest\n"
                   "    steps:\n      - run: echo ${{ join(needs.*.result, ',') }}\n")],
    ),
    "E006": (
        [_step("- run: echo ${{ matrix.os }}"),
         _workflow("{job}\n    strategy:\n      matrix:\n        os: [a, b]\n")
         .replace("persist-credentials: false", "persist-credentials: false\n      - run: echo ${{ matrix.node }}")],
        [_workflow("{job}\n    strategy:\n      matrix:\n        os: [a, b]\n        include:\n          - extra: 1\n")
         .replace("persist-credentials: false", "persist-credentials: false\n      - run: echo ${{ matrix.OS }} ${{ matrix.extra }}"),
         _workflow("{job}\n    strategy:\n      matrix: ${{ fromJSON(inputs.tag) }}\n")
         .replace("persist-credentials: false", "persist-credentials: false\n      - run: echo ${{ matrix.anything }}"),
         _workflow("{job}\n    strategy:\n      matrix:\n        os: [a]\n        include: ${{ fromJSON(inputs.tag) }}\n")
         .replace("persist-credentials: false", "persist-credentials: false\n      - run: echo ${{ matrix.anything }}")],
    ),
    "E007": (
        [_step("- run: echo ${{ toLower(github.repository) }}"),
         _step("- run: echo ${{ contains('a') }}"),
         _step("- run: echo ${{ startsWith(github.ref, 'a', 'b') }}"),
         _step("- run: echo ${{ format() }}"),
         _step("- run: echo ${{ join(github.event.x, ',', 'y') }}"),
         _step("- run: echo ${{ case(true, 'a') }}"),
         _step("- if: success(1)\n  run: echo x"),
         _step("- run: echo ${{ github() }}")],
        [_step("- run: echo ${{ toJson(github) }} ${{ FROMJSON('1') }} ${{ format('{0}', 1) }} ${{ join(github.event.x) }}"),
         _step("- run: echo ${{ case(true, 'a', false, 'b', 'c') }} ${{ hashFiles('a', 'b', 'c') }}"),
         _step("- if: success() || failure() || cancelled() || always()\n  run: echo x")],
    ),
    "E008": (
        [_step("- if: secrets.TOKEN != ''\n  run: echo x"),
         _workflow("{job}\n").replace("jobs:\n", "env:\n  A: ${{ matrix.os }}\njobs:\n"),
         _workflow("{job}\n").replace("jobs:\n", "env:\n  A: ${{ steps.x.outputs.y }}\njobs:\n"),
         _workflow("{job}\n    if: env.A == 'x'\n"),
         _workflow("{job}\n    env:\n      H: ${{ hashFiles('x') }}\n"),
         _step("- run: echo ${{ success() }}"),
         _workflow("{job}\n").replace("jobs:\n", "run-name: ${{ secrets.A }}\njobs:\n"),
         _step("- run: echo ${{ jobs.publish.result }}")],
        [_step("- if: env.HAS_TOKEN == 'true'\n  run: echo x\n  env:\n    T: ${{ secrets.TOKEN }}"),
         _workflow("{job}\n").replace("jobs:\n", "env:\n  A: ${{ github.ref }} ${{ secrets.B }} ${{ inputs.tag }} ${{ vars.C }}\njobs:\n"),
         _workflow("{job}\n    if: github.ref == 'refs/heads/main' && vars.A == 'x'\n"),
         _step("- run: echo ${{ hashFiles('x') }}\n  if: hashFiles('y') != ''"),
         _workflow("{job}\n    env:\n      A: ${{ secrets.A }}\n    timeout-minutes: ${{ fromJSON(vars.T) }}\n")],
    ),
}


def _cases(kind: int) -> list:
    return [pytest.param(rule_id, text, id=f"{rule_id}-{number}")
            for rule_id, examples in CASES.items() for number, text in enumerate(examples[kind])]


def _renderings(text: str):
    snippet = parse_snippet("case", "case.yml", text)
    return [render(snippet, CATALOG, rendering)[0] for rendering in RENDERINGS]


@pytest.mark.parametrize("rule_id, text", _cases(0))
def test_failing_case_raises_its_rule(rule_id, text):
    for rendered in _renderings(text):  # tags, then pinned by SHA
        raised = {f.rule for f in engine.check_document(rendered, ("yaml", "expressions"), CATALOG)}
        assert raised == {rule_id}, rendered


@pytest.mark.parametrize("rule_id, text", _cases(1))
def test_passing_case_raises_nothing(rule_id, text):
    for rendered in _renderings(text):
        found = engine.check_document(rendered, ("yaml", "expressions"), CATALOG)
        assert found == [], [(f.rule, f.line, f.message) for f in found]


def test_every_expression_rule_has_cases():
    assert sorted(CASES) == E_RULES


# -- the rules' examples, through every in-process layer ----------------------------


@pytest.mark.parametrize("rule_id", E_RULES)
def test_example_files_fail_and_pass_in_both_renderings(rule_id):
    fail, passing = LIBRARY.get(f"rules/{rule_id}/fail"), LIBRARY.get(f"rules/{rule_id}/pass")
    assert fail.expected_rules == (rule_id,)
    for rendering in RENDERINGS:
        raised = {f.rule for f in engine.check_document(render(fail, CATALOG, rendering)[0], DOCUMENT_LAYERS, CATALOG)}
        assert raised == {rule_id}, rendering
        found = engine.check_document(render(passing, CATALOG, rendering)[0], DOCUMENT_LAYERS, CATALOG)
        assert found == [], (rendering, [(f.rule, f.line, f.message) for f in found])


def test_pinned_examples_really_are_pinned():
    text = render(LIBRARY.get("rules/E004/fail"), CATALOG, PINNED)[0]
    assert "actions/checkout@" + CATALOG.get("actions/checkout").sha in text


# -- where findings point, and what they say -------------------------------------------


def _only(text: str, layers=("yaml", "expressions")):
    found = engine.check_document(text, layers, CATALOG)
    assert len(found) == 1, [(f.rule, f.message) for f in found]
    return found[0]


def test_findings_point_at_the_offending_text():
    text = _step("- name: Show\n  run: |\n    echo start\n    echo ${{ github.sha }} ${{ github['actorr'] }}")
    found = _only(text)
    line = text.splitlines()[found.line - 1]
    assert line[found.column - 1:].startswith("github['actorr']")
    assert found.message == "github has no property 'actorr'"
    assert found.fix == "did you mean 'actor'?"


def test_implicit_if_findings_point_into_the_condition():
    text = _step("- if: github.ref == 'x' && secret.A\n  run: echo")
    found = _only(text)
    line = text.splitlines()[found.line - 1]
    assert found.rule == "E003" and line[found.column - 1:].startswith("secret.A")


def test_messages_fill_every_placeholder_and_stay_on_one_line():
    placeholder = re.compile(r"(?<!\{)\{[a-z_]+\}(?!\})")
    for rule_id, (failing, _) in CASES.items():
        for text in failing:
            for found in engine.check_document(text, ("yaml", "expressions"), CATALOG):
                assert not placeholder.search(found.message + found.fix), found
                assert "\n" not in found.message + found.fix
                assert found.fix.strip(), rule_id


def test_needs_fix_names_the_job_to_add():
    found = _only(CASES["E005"][0][0])
    assert found.fix == "add 'a' to needs: of job 'b'"


def test_secrets_in_a_step_condition_gets_the_env_fix():
    found = _only(CASES["E008"][0][0])
    assert "env" in found.fix and found.message == "the secrets context is not available in jobs.publish.steps.if"
