"""The how-to guides for costs, Bake, build summaries, SBOM attestations, login extras
and reproducible builds keep their promises.

Each guide says what the reader needs, shows whole workflows that pass every check in
both renderings (hardened ones judged on the pinned rendering, as the site does), tells
how to check it worked with a pull, and ends with where to go next. The facts a reader
acts on agree with what the workflows and the catalog say: the predicate type the
verify command asks for is the one the SBOM format gets, the login-action inputs exist
in the catalog's version, the cache is written only where the guide says.
"""
from __future__ import annotations

import re

import pytest
from ruamel.yaml import YAML

from support import ROOT, WORKFLOW_PLACEMENT, how_to_page

from ghcr_check import engine
from ghcr_check.catalog import load_catalog
from macros.snippets import RENDERINGS, SnippetLibrary, render

# page -> its main workflow
GUIDES = {
    "cost-and-limits": "how-to/cost-private-storage",
    "bake": "how-to/bake",
    "build-summary": "how-to/build-summary",
    "sbom-attestations": "how-to/sbom-attestation",
    "login-extras": "how-to/login-registry-auth",
    "reproducible-builds": "how-to/reproducible-builds",
}
# the sections build-cache.md gained, with the workflows they place
CACHE_SNIPPETS = ("how-to/build-cache-inline", "how-to/build-cache-pull-requests")
_FENCE = re.compile(r"^ *```.*?^ *```", re.DOTALL | re.MULTILINE)


def _library() -> SnippetLibrary:
    return SnippetLibrary(ROOT / "snippets", ROOT)


def _sections(text: str) -> dict[str, str]:
    outside = _FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    starts = [m.start() for m in re.finditer(r"^## ", outside, re.MULTILINE)]
    return {text[s:].split("\n", 1)[0][3:].strip(): text[s:e] for s, e in zip(starts, starts[1:] + [len(text)])}


def _workflow(snippet_id: str) -> dict:
    text, _ = render(_library().get(snippet_id), load_catalog(), "pinned")
    return YAML(typ="safe").load(text)


def _step(workflow: dict, name: str) -> dict:
    return next(step for job in workflow["jobs"].values() for step in job.get("steps", []) if step.get("name") == name)


@pytest.mark.parametrize("name", sorted(GUIDES))
def test_a_guide_says_what_you_need_how_to_check_and_where_to_go_next(name):
    sections = _sections(how_to_page(name))
    headings = list(sections)
    assert headings[0] == "Before you start", headings
    assert re.search(r"secret|permission", sections["Before you start"], re.IGNORECASE)
    assert headings[-2:] == ["Check that it worked", "Next"], headings
    assert "docker pull " in sections["Check that it worked"]
    links = re.findall(r"\]\(([^)#]+\.md)", sections["Next"])
    assert len(links) >= 2 and all((ROOT / "docs" / "how-to" / link).resolve().is_file() for link in links), links


@pytest.mark.parametrize("name", sorted(GUIDES))
def test_a_guide_shows_its_main_workflow_whole_hardened_and_annotated(name):
    placements = dict(WORKFLOW_PLACEMENT.findall(how_to_page(name)))
    options = placements[GUIDES[name]]
    assert "annotate=" in options and "renderings=" not in options and "excerpt=" not in options
    snippet = _library().get(GUIDES[name])
    assert not snippet.is_counter_example and snippet.profile == "hardened"


def _placed_snippets() -> list[str]:
    ids = [s for name in GUIDES for s, _ in WORKFLOW_PLACEMENT.findall(how_to_page(name))]
    return sorted(set(ids) | set(CACHE_SNIPPETS))


def test_every_placed_workflow_passes_every_check_in_both_renderings():
    library, catalog = _library(), load_catalog()
    cache = engine.ResultCache(None)
    for snippet_id in _placed_snippets():
        snippet = library.get(snippet_id)
        assert snippet is not None and not snippet.is_counter_example, snippet_id
        texts = {}
        for rendering in RENDERINGS:
            texts[rendering], problems = render(snippet, catalog, rendering)
            assert not problems, (snippet_id, rendering, problems)
        found = engine.check_batch(texts, cache=cache)
        strict = engine.check_batch({"pinned": texts["pinned"]}, cache=cache, profile=snippet.profile)
        for rendering in RENDERINGS:
            problems = found[rendering] + strict.get(rendering, [])
            assert not problems, (snippet_id, rendering, [(f.rule, f.line, f.message) for f in problems])


def test_build_cache_places_the_new_workflows():
    placed = dict(WORKFLOW_PLACEMENT.findall(how_to_page("build-cache")))
    assert set(CACHE_SNIPPETS) <= set(placed)


def test_the_cost_page_states_github_s_limits_and_quotas_with_their_source():
    page = how_to_page("cost-and-limits")
    assert "**10 GB for each layer.**" in page and "**10 minutes for an upload.**" in page
    assert "docs.github.com/en/billing/concepts/product-billing/github-packages" in page
    assert "working-with-the-container-registry#troubleshooting" in page
    assert re.search(r"read on \d{4}-\d{2}-\d{2}", page), "say when GitHub's figures were read"
    for row in ("| GitHub Free (personal or organisation) | 500 MB | 1 GB |", "| GitHub Enterprise Cloud | 50 GB | 100 GB |"):
        assert row in page


def test_the_sbom_verify_command_asks_for_the_predicate_type_the_format_gets():
    sbom = _step(_workflow("how-to/sbom-attestation"), "Write the SBOM of the pushed image")["with"]
    attest = _step(_workflow("how-to/sbom-attestation"), "Attest the SBOM")["with"]
    assert attest["sbom-path"] == sbom["output-file"], "attest the file the SBOM step wrote"
    assert sbom["format"] == "cyclonedx-json"
    page = how_to_page("sbom-attestations")
    asked = set(re.findall(r"--predicate-type (\S+)", page))
    assert asked == {"https://cyclonedx.org/bom"}, asked


def test_the_login_inputs_the_guide_uses_exist_in_the_catalog_s_login_action():
    entry = load_catalog().get("docker/login-action")
    assert {"registry-auth", "scope"} <= set(entry.inputs)
    newest = tuple(int(x) for x in entry.newest_tag.lstrip("v").split("."))
    assert newest >= (3, 7, 0), "scope arrived in v3.7.0, registry-auth in v3.6.0"
    page = how_to_page("login-extras")
    assert "`registry-auth` since v3.6.0" in page and "`scope`\nsince v3.7.0" in page
    login = _step(_workflow("how-to/login-registry-auth"), "Log in to ghcr.io and Docker Hub")["with"]
    assert set(login) == {"registry-auth"}, "registry-auth cannot be combined with other inputs"
    entries = YAML(typ="safe").load(login["registry-auth"])
    assert [e.get("registry") for e in entries] == ["ghcr.io", None]


def test_pull_requests_read_the_cache_and_only_pushes_write_it():
    step = _step(_workflow("how-to/build-cache-pull-requests"), "Build, and push from main")["with"]
    assert step["cache-from"] == "type=gha"
    assert step["cache-to"] == "${{ github.event_name != 'pull_request' && 'type=gha,mode=max' || '' }}"


def test_the_reproducible_build_fixes_every_timestamp_it_names():
    workflow = _workflow("how-to/reproducible-builds")
    epoch = _step(workflow, "Take the time of the last commit")["run"]
    assert "SOURCE_DATE_EPOCH=" in epoch and '>> "$GITHUB_ENV"' in epoch
    build = _step(workflow, "Build and push")["with"]
    assert "rewrite-timestamp=true" in build["outputs"] and "push=true" in build["outputs"]
    assert "push" not in build, "outputs: already pushes"
    labels = _step(workflow, "Compute tags and labels")["with"]["labels"]
    assert "org.opencontainers.image.created={{commit_date" in labels
