"""The zizmor and actionlint layers: every Z/L rule's examples (tags and SHA-pinned),
the profile logic, one process per tool per batch, tools that are missing, crash or
hang, and findings the external tools share with our own layers."""
from __future__ import annotations

import re
import stat
import subprocess
import time
from pathlib import Path

import pytest
from support import ROOT

from ghcr_check import checks, cli, engine
from ghcr_check.catalog import load_catalog
from ghcr_check.checks import actionlint, external, zizmor
from ghcr_check.rules import Finding, registry
from macros.snippets import PINNED, TAGS, SnippetLibrary, render

LIBRARY = SnippetLibrary(ROOT / "snippets", ROOT)
CATALOG = load_catalog()
EXTERNAL_LAYERS = ("zizmor", "actionlint")
NO_CACHE = engine.ResultCache(None)
EXAMPLE_RULES = sorted(r.id for r in registry().values() if r.layer in EXTERNAL_LAYERS and not r.no_examples)

PUBLISH = """name: Publish image
on:
  push:
    branches: [main]
permissions: {}
jobs:
  publish:
    name: Build and push
    runs-on: ubuntu-latest
    permissions:
      contents: read # actions/checkout reads the repository
      packages: write # GITHUB_TOKEN may push this repository's packages
    steps:
      - uses: actions/checkout@v7
        with:
          persist-credentials: false
      - name: Name the image in lowercase
        run: echo "IMAGE=ghcr.io/${GITHUB_REPOSITORY,,}" >> "$GITHUB_ENV"
      - uses: docker/setup-buildx-action@v4
      - uses: docker/login-action@v4
        with:
          registry: ghcr.io
          username: ${{ github.actor }}
          password: ${{ secrets.GITHUB_TOKEN }}
      - uses: docker/build-push-action@v7
        with:
          context: .
          push: true
          tags: ${{ env.IMAGE }}:latest
"""


def check(texts: dict[str, str], profile: str = "default", layers: tuple = engine.ALL_LAYERS) -> dict[str, list[Finding]]:
    return engine.check_batch(texts, layers, cache=NO_CACHE, profile=profile)


def rules_of(findings: list[Finding]) -> list[str]:
    return sorted({f.rule for f in findings})


# -- every rule's examples ---------------------------------------------------------


def _example_texts() -> dict[tuple[str, str, str], str]:
    texts = {}
    for rule_id in EXAMPLE_RULES:
        for kind in ("fail", "pass"):
            snippet = LIBRARY.get(f"rules/{rule_id}/{kind}")
            assert snippet is not None, f"snippets/rules/{rule_id}/{kind}.yml is missing"
            for rendering in (TAGS, PINNED):  # counter-examples keep their own refs; the rest pin the catalog's SHAs
                texts[(rule_id, kind, rendering)] = render(snippet, CATALOG, rendering)[0]
    return texts


@pytest.fixture(scope="module")
def example_results():
    """Every Z/L example in one batch per profile, as the site build checks them."""
    texts = _example_texts()
    named = {"\0".join(key): text for key, text in texts.items()}
    default = check(named)
    # as the site does: the hardened profile means SHA-pinned, so it checks the pinned rendering
    hardened = check({k: t for k, t in named.items() if k.endswith(PINNED)
                      and LIBRARY.get(f"rules/{k.split(chr(0))[0]}/fail").profile == "hardened"},
                     profile="hardened")
    return {key: (default["\0".join(key)], hardened.get("\0".join(key), [])) for key in texts}


def test_every_external_rule_has_examples_or_says_why_not():
    for rule in registry().values():
        if rule.layer in EXTERNAL_LAYERS and not rule.no_examples:
            assert LIBRARY.get(f"rules/{rule.id}/fail") and LIBRARY.get(f"rules/{rule.id}/pass"), rule.id
            assert LIBRARY.get(f"rules/{rule.id}/fail").expected_rules == (rule.id,)


@pytest.mark.parametrize("rule_id", EXAMPLE_RULES)
@pytest.mark.parametrize("rendering", [TAGS, PINNED])
def test_failing_example_raises_exactly_its_rule(rule_id, rendering, example_results):
    default, hardened = example_results[(rule_id, "fail", rendering)]
    profile = LIBRARY.get(f"rules/{rule_id}/fail").profile
    if profile == "hardened" and rendering == TAGS:
        assert rule_id not in rules_of(default), "a hardened-only rule must stay quiet in the default profile"
        return  # the site shows (and checks) a hardened counter-example pinned
    if profile == "hardened":
        assert rule_id not in rules_of(default), "a hardened-only rule must stay quiet in the default profile"
        assert rules_of(default + hardened) == [rule_id]
        assert {f.severity for f in hardened} == {"error"}
    else:
        assert rules_of(default) == [rule_id], [(f.rule, f.line, f.message) for f in default]


@pytest.mark.parametrize("rule_id", EXAMPLE_RULES)
@pytest.mark.parametrize("rendering", [TAGS, PINNED])
def test_passing_example_raises_nothing(rule_id, rendering, example_results):
    default, hardened = example_results[(rule_id, "pass", rendering)]
    assert default == [], [(f.rule, f.line, f.message) for f in default]
    assert hardened == [], [(f.rule, f.line, f.message) for f in hardened]


def test_hardened_passing_examples_say_so():
    for rule_id in EXAMPLE_RULES:
        if LIBRARY.get(f"rules/{rule_id}/fail").profile == "hardened":
            assert LIBRARY.get(f"rules/{rule_id}/pass").profile == "hardened", rule_id


# Rules whose examples cannot be site snippets: another layer reports the same line first.
SHADOWED = [
    ("L003", PUBLISH.replace('run: echo "IMAGE=ghcr.io/${GITHUB_REPOSITORY,,}" >> "$GITHUB_ENV"',
                             'run: echo "Publishing ${{ github.event.head_commit.message }}"'), "Z001"),
    ("L009", PUBLISH.replace("packages: write #", "packages: writ #"), "S001"),
    ("L013", PUBLISH.replace("    steps:\n", "    container:\n      image: ghcr.io/octo-org/tools:1.4\n"
                             "      credentials:\n        username: octocat\n        password: hunter2\n    steps:\n", 1),
     "Z015"),
]


@pytest.mark.parametrize("rule_id,text,first", SHADOWED, ids=[s[0] for s in SHADOWED])
def test_rules_shadowed_by_another_layer_fire_alone_and_are_dropped_together(rule_id, text, first):
    alone = check({"w": text}, layers=("yaml", "actionlint"))["w"]
    assert rules_of(alone) == [rule_id]
    together = check({"w": text})["w"]
    assert first in rules_of(together) and rule_id not in rules_of(together)
    fixed = check({"w": PUBLISH}, layers=("yaml", "actionlint"))["w"]
    assert fixed == []


# -- profile logic -------------------------------------------------------------------


HIGH_HIGH = {"severity": "High", "confidence": "High"}


@pytest.mark.parametrize("audit,determinations,feature,profile,expected", [
    ("template-injection", HIGH_HIGH, "echo ${{ x }}", "default", "error"),
    ("dangerous-triggers", {"severity": "High", "confidence": "Medium"}, "pull_request_target", "default", "error"),
    ("github-env", {"severity": "High", "confidence": "Low"}, "run: ...", "default", "warning"),
    ("excessive-permissions", {"severity": "Medium", "confidence": "Medium"}, "publish:", "default", "warning"),
    ("secrets-inherit", {"severity": "Medium", "confidence": "High"}, "x", "default", "warning"),
    ("superfluous-actions", {"severity": "Informational", "confidence": "High"}, "x", "default", "warning"),
    ("some-future-audit", HIGH_HIGH, "x", "default", "error"),
    ("anonymous-definition", {"severity": "Low", "confidence": "High"}, "x", "default", None),  # hardened-only rule
    ("self-repository", {"severity": "Low", "confidence": "High"}, "./local", "default", None),
    ("self-repository", {"severity": "Low", "confidence": "High"}, "./local", "hardened", "error"),
    ("artipacked", {"severity": "Medium", "confidence": "Low"}, "uses: actions/checkout@v7", "hardened", "error"),
    # unpinned-uses: the catalog vouches for its actions' tags in both profiles
    ("unpinned-uses", HIGH_HIGH, "actions/checkout@v7", "default", None),
    ("unpinned-uses", HIGH_HIGH, "actions/checkout@v7", "hardened", "error"),  # hardened wants SHAs
    ("unpinned-uses", HIGH_HIGH, "uses: docker/login-action@v4.0.0", "hardened", "error"),
    ("unpinned-uses", HIGH_HIGH, "actions/checkout@v4", "hardened", "error"),
    ("unpinned-uses", HIGH_HIGH, "actions/checkout@main", "default", None),  # the actions layer says A008
    ("unpinned-uses", HIGH_HIGH, "actions/checkout@main", "hardened", "error"),
    ("unpinned-uses", HIGH_HIGH, "sigstore/cosign-installer@v4", "hardened", "error"),  # no moving v4 tag
    ("unpinned-uses", HIGH_HIGH, "hadolint/hadolint-action@v3.1.0", "default", "warning"),
    ("unpinned-uses", HIGH_HIGH, "hadolint/hadolint-action@v3.1.0", "hardened", "error"),
])
def test_zizmor_severity_by_profile(audit, determinations, feature, profile, expected):
    assert zizmor._severity(audit, determinations, feature, profile) == expected


def test_the_hardened_profile_runs_the_pedantic_persona():
    assert "--persona=pedantic" in zizmor.TOOL.arguments("hardened")
    assert "--persona=regular" in zizmor.TOOL.arguments("default")
    text = PUBLISH.replace("      packages: write # GITHUB_TOKEN may push this repository's packages\n",
                           "      packages: write\n")
    assert check({"w": text})["w"] == []
    assert rules_of(check({"w": text}, profile="hardened")["w"]) == ["Z003", "Z006", "Z008"]


def test_actionlint_kinds_map_to_rules_and_node20_is_one_finding_of_one_severity():
    assert actionlint.rule_for("expression", '"github.event.issue.title" is potentially untrusted. avoid') == "L003"
    assert actionlint.rule_for("expression", 'property "x" is not defined in object type {}') == "L002"
    assert actionlint.rule_for("runner-label", "label x is unknown") == "L005"
    assert actionlint.rule_for("some-new-kind", "anything") == actionlint.OTHER_RULE
    assert actionlint.rule_for("action", 'runtime "node20" is deprecated in GitHub Actions; removal') == "L018"
    old = PUBLISH.replace("actions/checkout@v7", "actions/checkout@v4")
    assert check({"w": old}, layers=("yaml", "actionlint"))["w"] == []  # catalogued: A010 says it, with what to update to
    assert [(f.rule, f.severity) for f in check({"w": old})["w"]] == [("A010", "info")]
    # an action outside the catalog: actionlint's notice is kept, with A010's severity
    outside = PUBLISH.replace("      - uses: actions/checkout@v7\n", "      - uses: actions/setup-go@v5\n      - uses: actions/checkout@v7\n")
    found = [(f.rule, f.severity) for f in check({"w": outside})["w"] if f.rule.startswith(("A", "L"))]
    assert found == [("L018", "info")]


def test_positions_are_characters_not_bytes():
    text = PUBLISH.replace('run: echo "IMAGE=ghcr.io/${GITHUB_REPOSITORY,,}" >> "$GITHUB_ENV"',
                           'run: echo "Prêt à publier ${{ github.event.head_commit.message }}"')
    line_number, line = next((n, t) for n, t in enumerate(text.splitlines(), 1) if "Prêt" in t)
    found = [f for f in check({"w": text}, layers=("yaml", "zizmor"))["w"] if f.rule == "Z001"]
    assert [(f.line, f.column) for f in found] == [(line_number, line.index("github.event") + 1)]
    reported = [f for f in check({"w": text}, layers=("yaml", "actionlint"))["w"] if f.rule == "L003"]
    assert [(f.line, f.column) for f in reported] == [(line_number, line.index("github.event") + 1)]


# -- processes ----------------------------------------------------------------------


def _varied(count: int) -> dict[str, str]:
    variants = [
        PUBLISH,
        PUBLISH.replace("persist-credentials: false", "fetch-depth: 0"),
        PUBLISH.replace("runs-on: ubuntu-latest", "runs-on: ubuntu-lates"),
        PUBLISH.replace('run: echo "IMAGE', 'run: echo "${{ github.event.head_commit.message }}" && echo "IMAGE'),
        PUBLISH.replace("  push:\n", "  pull_request_target:\n"),
    ]
    return {f"w{i}": variants[i % len(variants)].replace("name: Publish image", f"name: Publish image {i}")
            for i in range(count)}


@pytest.fixture
def launches(monkeypatch):
    """Every process external.py starts, as (tool, start, end) times."""
    started = []
    real = subprocess.Popen

    class Counting(real):
        def __init__(self, args, *rest, **kwargs):
            super().__init__(args, *rest, **kwargs)
            self.record = [Path(args[0]).name, time.monotonic(), None]
            started.append(self.record)

        def wait(self, timeout=None):
            code = super().wait(timeout)
            self.record[2] = self.record[2] or time.monotonic()
            return code

    monkeypatch.setattr(external.subprocess, "Popen", Counting)
    return started


def test_one_process_per_tool_per_batch(launches):
    results = check(_varied(20))
    assert sorted(name for name, _, _ in launches) == ["actionlint", "zizmor"]
    assert rules_of(results["w2"]) == ["L005"]
    assert "Z004" in rules_of(results["w1"]) and "Z002" in rules_of(results["w4"])


def test_cached_texts_are_not_sent_to_the_tools(launches, tmp_path):
    cache = engine.ResultCache(tmp_path / "cache")
    texts = _varied(6)
    first = engine.check_batch(texts, cache=cache)
    launches.clear()
    assert engine.check_batch(texts, cache=cache) == first
    assert launches == []


def _fake_tool(folder: Path, name: str, script: str) -> str:
    path = folder / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def _use_binaries(monkeypatch, binaries: dict[str, str | None]):
    real = external.find_binary
    monkeypatch.setattr(external, "find_binary", lambda tool: binaries[tool.layer] if tool.layer in binaries else real(tool))


def _use_binary(monkeypatch, layer: str, binary: str | None):
    _use_binaries(monkeypatch, {layer: binary})


def test_the_tools_run_side_by_side(monkeypatch, launches, tmp_path):
    _use_binaries(monkeypatch, {layer: _fake_tool(tmp_path, layer, "sleep 1; echo '[]'\n") for layer in EXTERNAL_LAYERS})
    check(_varied(4))  # the wall time this saves: bench/guards.py
    (_, start_a, end_a), (_, start_b, end_b) = launches
    assert start_b < end_a and start_a < end_b


def test_a_tool_that_has_ended_is_read_while_the_other_still_runs(monkeypatch, launches, tmp_path):
    """Its report is parsed during the wait for the slower tool, not after it (bench/startup.py)."""
    _use_binaries(monkeypatch, {"zizmor": _fake_tool(tmp_path, "zizmor", "sleep 1; echo '[]'\n"),
                                "actionlint": _fake_tool(tmp_path, "actionlint", "echo '[]'\n")})
    real = engine.check_document
    monkeypatch.setattr(engine, "check_document", lambda *args: time.sleep(0.5) or real(*args))  # actionlint ends
    check(_varied(1))
    ends = {name: end for name, _, end in launches}
    assert ends["actionlint"] < ends["zizmor"]


def test_a_missing_tool_is_a_finding_not_a_traceback(monkeypatch):
    _use_binary(monkeypatch, "zizmor", None)
    results = check(_varied(3))
    for name, found in results.items():
        missing = [f for f in found if f.rule == "Z000"]
        assert len(missing) == 1 and "zizmor is not installed" in missing[0].message
        assert "zizmor==" in missing[0].fix  # the project's pin, from its metadata
    assert "L005" in rules_of(results["w2"]), "actionlint still ran"


def test_the_command_line_reports_a_missing_tool(monkeypatch, tmp_path, capsys):
    _use_binary(monkeypatch, "actionlint", None)
    workflow = tmp_path / "publish.yml"
    workflow.write_text(PUBLISH)
    monkeypatch.setenv("GHCR_CHECK_CACHE", "off")
    assert cli.run([str(workflow)]) == 1
    out = capsys.readouterr()
    assert re.search(r"publish\.yml:1:1: error L000 the actionlint checks did not run: actionlint is not installed", out.out)
    assert "Traceback" not in out.out + out.err


def test_a_crash_on_one_file_is_pinned_on_that_file(monkeypatch, tmp_path, launches):
    # crashes when the batch holds the file that says CRASH, like a tool bug would
    script = ('for f in "$@"; do case "$f" in *.yml) grep -q CRASH "$f" && '
              '{ echo "panic: assignment to entry in nil map" >&2; exit 2; };; esac; done\necho "[]"\n')
    _use_binary(monkeypatch, "actionlint", _fake_tool(tmp_path, "actionlint", script))
    texts = _varied(8)
    texts["w5"] = texts["w5"].replace("name: Publish image 5", "name: CRASH")
    results = check(texts, layers=("yaml", "actionlint"))
    assert {name for name, found in results.items() if found} == {"w5"}
    assert [f.message for f in results["w5"]] == [
        "the actionlint checks did not run: actionlint exited with status 2: panic: assignment to entry in nil map"]
    assert len(launches) <= 1 + 2 * 3, "bisection: at most two runs per halving"


def test_a_real_actionlint_crash_does_not_hide_the_other_files():
    # actionlint 1.17.0 panics on a batch with a local reusable workflow called @ref
    caller = LIBRARY.get("rules/L017/fail")
    texts = _varied(5)
    texts["caller"] = render(caller, CATALOG, TAGS)[0]
    together = check(texts, layers=("yaml", "actionlint"))
    alone = {name: check({name: text}, layers=("yaml", "actionlint"))[name] for name, text in texts.items()}
    assert together == alone
    assert rules_of(together["caller"]) == ["L017"]


def test_actionlint_reads_each_local_call_alone(launches):
    """actionlint 1.17.0 is not reliable on a batch holding local calls (`uses: ./...`): under
    load it sometimes neither panicked nor reported L017. Each such text gets its own run."""
    local = {kind: render(LIBRARY.get(f"rules/L017/{kind}"), CATALOG, TAGS)[0] for kind in ("fail", "pass")}
    texts = {**_varied(4), **local}
    results = check(texts, layers=("yaml", "actionlint"))
    assert [name for name, _, _ in launches] == ["actionlint"] * 3  # the other four together, each local call alone
    assert rules_of(results["fail"]) == ["L017"] and results["pass"] == []
    assert results == {name: check({name: text}, layers=("yaml", "actionlint"))[name] for name, text in texts.items()}


def test_a_file_zizmor_cannot_read_is_skipped_and_the_others_are_audited():
    caller = LIBRARY.get("rules/L017/fail")  # zizmor cannot load a local reusable workflow with a ref
    texts = {"caller": render(caller, CATALOG, TAGS)[0], **_varied(5)}
    results = check(texts, layers=("yaml", "zizmor"))
    assert results["caller"] == []
    assert "Z004" in rules_of(results["w1"])


def test_a_file_zizmor_names_as_unreadable_costs_one_more_run_not_a_bisection(launches):
    caller = LIBRARY.get("rules/L017/fail")
    texts = {**_varied(15), "caller": render(caller, CATALOG, TAGS)[0]}
    results = check(texts, layers=("yaml", "zizmor"))
    assert [name for name, _, _ in launches] == ["zizmor", "zizmor"]
    assert results["caller"] == [] and "Z004" in rules_of(results["w1"])


def test_a_hanging_tool_is_stopped(monkeypatch, tmp_path):
    _use_binary(monkeypatch, "zizmor", _fake_tool(tmp_path, "zizmor", "sleep 30\n"))
    monkeypatch.setattr(external, "TIMEOUT_SECONDS", 0.5)
    started = time.monotonic()
    results = check(_varied(3), layers=("yaml", "zizmor"))
    assert time.monotonic() - started < 10
    for found in results.values():
        assert [f.rule for f in found] == ["Z000"] and "took longer than" in found[0].message


def test_output_that_is_not_json_is_a_finding(monkeypatch, tmp_path):
    _use_binary(monkeypatch, "zizmor", _fake_tool(tmp_path, "zizmor", "echo 'Good job!'\n"))
    results = check(_varied(2), layers=("yaml", "zizmor"))
    for found in results.values():
        assert [f.rule for f in found] == ["Z000"] and "could not be read" in found[0].message


# -- de-duplication with our layers ----------------------------------------------------


def test_actionlint_reports_our_rules_already_made_are_dropped():
    for rule_id, theirs in (("A003", "L004"), ("A004", "L004"), ("A005", "L002"), ("A006", "L002"), ("S001", "L001")):
        text = render(LIBRARY.get(f"rules/{rule_id}/fail"), CATALOG, TAGS)[0]
        alone = check({"w": text}, layers=("yaml", "actionlint"))["w"]
        ours = [f for f in check({"w": text}, layers=("yaml", *checks.LAYERS))["w"] if f.rule == rule_id]
        assert theirs in rules_of(alone), rule_id
        assert {f.line for f in ours} & {f.line for f in alone if f.rule == theirs}, rule_id
        assert rules_of(check({"w": text})["w"]) == [rule_id]


def test_a_finding_over_several_lines_covers_a_duplicate_inside_it():
    text = SHADOWED[2][1]
    zizmor_found = [f for f in check({"w": text}, layers=("yaml", "zizmor"))["w"] if f.rule == "Z015"]
    lint_found = [f for f in check({"w": text}, layers=("yaml", "actionlint"))["w"] if f.rule == "L013"]
    assert zizmor_found[0].line < lint_found[0].line <= zizmor_found[0].extra["last_line"]


def test_merge_keeps_other_problems_on_the_same_line():
    ours = [Finding("A003", "error", "m", "f", line=7)]
    theirs = [Finding("L004", "error", "m", "f", line=7), Finding("L005", "warning", "m", "f", line=7),
              Finding("L004", "error", "m", "f", line=8)]
    assert [(f.rule, f.line) for f in checks.merge(ours, theirs)] == [("A003", 7), ("L005", 7), ("L004", 8)]
    assert checks.merge([Finding("E004", "error", "m", "f", line=3)], [Finding("L002", "error", "m", "f", line=3)]) \
        == [Finding("E004", "error", "m", "f", line=3)]


# -- the rules' data -------------------------------------------------------------------


def test_every_audit_and_kind_has_one_rule():
    audits = [e["audit"] for e in external.rule_entries("zizmor.yml") if e.get("audit")]
    assert len(audits) == len(set(audits))
    general = [e["kind"] for e in external.rule_entries("actionlint.yml") if e.get("kind") and not e.get("match")]
    assert len(general) == len(set(general))
    for entry in external.rule_entries("zizmor.yml") + external.rule_entries("actionlint.yml"):
        for rule_id in entry.get("duplicates") or ():
            assert rule_id.endswith("*") or rule_id in registry(), (entry["id"], rule_id)
        if entry["id"] not in (zizmor.FAILURE_RULE, actionlint.FAILURE_RULE):
            assert entry.get("docs", "").startswith("https://"), entry["id"]
            assert entry.get("profile") in ("default", "hardened"), entry["id"]
