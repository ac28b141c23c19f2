"""The build-side how-to guides keep their promises.

Each guide starts with what the reader needs and ends with how to check it worked,
with a pull command, then where to go next; each shows a whole workflow in both renderings that passes every
check, and its counter-examples raise what they say. Two guides pass data between
jobs or files, which no single-file check can follow, so they get their own tests:
the native-runner workflow hands every platform's digest to the merge job, and the
reusable workflow's caller grants, passes and reads what the called workflow declares.
"""
from __future__ import annotations

import re

import pytest
from ruamel.yaml import YAML

from support import ROOT, WORKFLOW_PLACEMENT, how_to_page

from ghcr_check import engine
from ghcr_check.catalog import load_catalog
from macros.snippets import RENDERINGS, SnippetLibrary, render

GUIDES = {
    "tags-and-labels": "how-to/tags-and-labels",
    "multi-platform": "how-to/multi-platform",
    "native-runners": "how-to/native-runners",
    "build-cache": "how-to/build-cache-gha",
    "pull-requests": "how-to/pull-requests",
    "test-before-push": "how-to/test-before-push",
    "link-package-to-repository": "how-to/link-package-to-repository",
    "provenance-and-sbom": "how-to/provenance-and-sbom",
    "ghcr-and-docker-hub": "how-to/ghcr-and-docker-hub",
    "reusable-workflow": "how-to/reusable-workflow-called",
}
_FENCE = re.compile(r"^ *```.*?^ *```", re.DOTALL | re.MULTILINE)
_PERMISSION_LEVEL = {"none": 0, "read": 1, "write": 2}


def _sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) for each '## ' section, headings inside code fences ignored."""
    outside = _FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)  # same offsets
    starts = [m.start() for m in re.finditer(r"^## ", outside, re.MULTILINE)]
    return [(text[s:].split("\n", 1)[0][3:].strip(), text[s:e])
            for s, e in zip(starts, starts[1:] + [len(text)])]


def _library() -> SnippetLibrary:
    return SnippetLibrary(ROOT / "snippets", ROOT)


def _placed(name: str) -> dict[str, str]:
    return dict(WORKFLOW_PLACEMENT.findall(how_to_page(name)))


def _workflow(snippet_id: str, rendering: str = "pinned"):
    text, _ = render(_library().get(snippet_id), load_catalog(), rendering)
    return YAML(typ="safe").load(text)


def _strings(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


@pytest.mark.parametrize("name", sorted(GUIDES))
def test_a_guide_starts_with_what_you_need_and_ends_with_a_check_and_a_pull(name):
    sections = _sections(how_to_page(name))
    assert sections[-1][0] == "Next", [h for h, _ in sections]
    first, last = sections[0], sections[-2]
    assert first[0] == "Before you start", [h for h, _ in sections]
    assert re.search(r"secret|permission|packages: write", first[1], re.IGNORECASE), \
        f"{name}.md: 'Before you start' must say which secrets and permissions are needed"
    assert last[0] == "Check that it worked", [h for h, _ in sections]
    assert "docker pull " in last[1], f"{name}.md: the check must end with a pull command"
    assert "package page" in last[1], f"{name}.md: the check must say what the package page shows"


@pytest.mark.parametrize("name", sorted(GUIDES))
def test_a_guide_shows_its_main_workflow_whole_and_annotated(name):
    placements = _placed(name)
    main = GUIDES[name]
    assert main in placements, f"{name}.md does not place {main}"
    options = placements[main]
    assert "renderings=" not in options and "excerpt=" not in options, "both renderings, whole"
    assert "annotate=" in options, f"{name}.md: annotate the main workflow in place"
    snippet = _library().get(main)
    assert snippet is not None and not snippet.is_counter_example
    assert snippet.profile == "hardened"


@pytest.mark.parametrize("name", sorted(GUIDES))
def test_placed_workflows_pass_every_check_and_counter_examples_raise_what_they_expect(name):
    library = _library()
    catalog = load_catalog()
    for snippet_id in _placed(name):
        snippet = library.get(snippet_id)
        assert snippet is not None, f"{name}.md places missing snippet {snippet_id}"
        texts = {}
        for rendering in snippet.renderings:
            text, problems = render(snippet, catalog, rendering)
            assert not problems, (snippet_id, rendering, problems)
            texts[rendering] = text
        cache = engine.ResultCache(None)
        found = engine.check_batch(texts, cache=cache)
        if snippet.is_counter_example:
            assert snippet.meta.get("why"), f"{snippet_id} must say what the reader should notice"
            rules = {f.rule for f in found[snippet.renderings[0]]}
            assert rules and rules <= set(snippet.expected_rules), (snippet_id, sorted(rules))
            continue
        # the hardened profile means SHA-pinned: it judges the pinned rendering, as the site does
        strict = engine.check_batch({"pinned": texts["pinned"]}, cache=cache, profile=snippet.profile)
        for rendering in RENDERINGS:
            problems = found[rendering] + strict.get(rendering, [])
            assert not problems, (snippet_id, rendering, [(f.rule, f.line, f.message) for f in problems])


def test_native_runners_hand_every_platform_digest_to_the_merge_job():
    workflow = _workflow("how-to/native-runners")
    build, merge = workflow["jobs"]["build"], workflow["jobs"]["merge"]
    arches = [entry["arch"] for entry in build["strategy"]["matrix"]["include"]]
    runners = {entry["arch"]: entry["runner"] for entry in build["strategy"]["matrix"]["include"]}
    assert runners == {"amd64": "ubuntu-24.04", "arm64": "ubuntu-24.04-arm"}, "native runners, no emulation"
    # each leg writes its own key, so GitHub's merge of matrix outputs keeps them all
    assert build["outputs"] == {f"digest-{a}": f"${{{{ steps.digest.outputs.{a} }}}}" for a in arches}
    hand_over = next(s for s in build["steps"] if s.get("id") == "digest")
    assert hand_over["env"]["ARCH"] == "${{ matrix.arch }}"
    assert '"${ARCH}=${DIGEST}" >> "$GITHUB_OUTPUT"' in hand_over["run"]
    push = next(s for s in build["steps"] if s.get("id") == "build")
    assert "push-by-digest=true" in push["with"]["outputs"] and "tags" not in push["with"]
    assert merge["needs"] == "build"
    create = next(s for s in merge["steps"] if "imagetools create" in s.get("run", ""))
    for arch in arches:
        variable = next(k for k, v in create["env"].items() if v == f"${{{{ needs.build.outputs.digest-{arch} }}}}")
        assert f'"${{IMAGE}}@${{{variable}}}"' in create["run"], f"the index must list the {arch} image"


def test_the_reusable_workflow_caller_grants_passes_and_reads_what_the_called_one_declares():
    library = _library()
    called_snippet = library.get("how-to/reusable-workflow-called")
    called, caller = _workflow("how-to/reusable-workflow-called"), _workflow("how-to/reusable-workflow-caller")
    call = next(job for job in caller["jobs"].values() if "uses" in job)
    assert call["uses"] == "$/" + called_snippet.file_name, "the caller calls the file the guide ships"
    declared = called["on"]["workflow_call"]
    # GitHub refuses to start a run whose called jobs ask for more than the caller grants
    granted = call.get("permissions") or {}
    for job_id, job in called["jobs"].items():
        for scope, level in (job.get("permissions") or {}).items():
            have = granted.get(scope, "none")
            assert _PERMISSION_LEVEL[have] >= _PERMISSION_LEVEL[level], (job_id, scope, level, have)
    assert set(call.get("with") or {}) <= set(declared["inputs"]), "the caller passes only declared inputs"
    assert not (call.get("secrets")), "GITHUB_TOKEN needs no passing"
    call_id = next(job_id for job_id, job in caller["jobs"].items() if job is call)
    read = [o for text in _strings(caller["jobs"]) for o in re.findall(rf"needs\.{call_id}\.outputs\.([\w-]+)", text)]
    assert read, "the caller uses what the called workflow returns"
    assert set(read) <= set(declared["outputs"]), f"the caller reads undeclared outputs: {read}"
    for output in declared["outputs"].values():
        job_id, name = re.fullmatch(r"\$\{\{ jobs\.([\w-]+)\.outputs\.([\w-]+) \}\}", output["value"]).groups()
        assert name in called["jobs"][job_id]["outputs"], f"{output['value']} is not an output of job {job_id}"
