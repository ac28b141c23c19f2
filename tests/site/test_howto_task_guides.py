"""The task guides added for what readers need next keep their promises.

Each starts with what the reader needs and ends with how to check it worked, then
where to go next; each places whole workflows that pass every check in both
renderings, hardened where the guide teaches it, with what a pushing workflow pushes
right under it. Some guides hand data from one place to another that no single-file
check follows, so they get their own tests: the Dockerfile mounts the secret ids the
workflow passes, the promotion script takes its inputs only from the environment,
the scan gates the push, and the file one job uploads is the one the next job loads.
"""
from __future__ import annotations

import re

import pytest
from ruamel.yaml import YAML

from support import ROOT, WORKFLOW_PLACEMENT, how_to_page

from ghcr_check import engine
from ghcr_check.catalog import load_catalog
from macros.snippets import PINNED, RENDERINGS, SnippetLibrary, render

# page -> (main workflow, does it push?)
GUIDES = {
    "build-secrets": ("how-to/build-secrets", True),
    "monorepo": ("how-to/monorepo-services", True),
    "releases-and-promotion": ("how-to/release-publish", True),
    "first-publish": ("how-to/first-publish", True),
    "scan-before-push": ("how-to/scan-before-push", True),
    "pull-where-images-run": (None, False),
    "pass-image-between-jobs": ("how-to/pass-image-artifact", False),
}
_FENCE = re.compile(r"^ *```.*?^ *```", re.DOTALL | re.MULTILINE)
_TAG_PREVIEW = re.compile(r"<!--\[\[\s*tag_preview\(\s*\"([^\"]+)\"")


def _library() -> SnippetLibrary:
    return SnippetLibrary(ROOT / "snippets", ROOT)


def _headings(text: str) -> list[str]:
    return [line[3:].strip() for line in _FENCE.sub("", text).splitlines() if line.startswith("## ")]


def _section(text: str, heading: str) -> str:
    outside = _FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    start = outside.index(f"\n## {heading}\n")
    end = outside.find("\n## ", start + 1)
    return text[start: end if end >= 0 else len(text)]


def _workflow(snippet_id: str):
    text, _ = render(_library().get(snippet_id), load_catalog(), "tags")
    return YAML(typ="safe").load(text)


def _step(job: dict, name: str) -> dict:
    return next(s for s in job["steps"] if s.get("name") == name)


def _fences(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", text, re.DOTALL | re.MULTILINE)


@pytest.mark.parametrize("name", sorted(GUIDES))
def test_a_guide_starts_with_what_you_need_and_ends_with_the_check_then_next(name):
    text = how_to_page(name)
    headings = _headings(text)
    assert headings[0] == "Before you start", headings
    assert re.search(r"secret|permission|token", _section(text, "Before you start"), re.IGNORECASE)
    assert headings[-2:] == ["Check that it worked", "Next"], headings
    assert re.search(r"\]\([^)]+\.md(#[^)]*)?\)", _section(text, "Next")), f"{name}.md: Next links nowhere"


@pytest.mark.parametrize("name", sorted(n for n, (main, _) in GUIDES.items() if main))
def test_a_guide_shows_its_main_workflow_whole_annotated_and_hardened(name):
    main, pushes = GUIDES[name]
    text = how_to_page(name)
    placements = dict(WORKFLOW_PLACEMENT.findall(text))
    assert main in placements, f"{name}.md does not place {main}"
    assert "renderings=" not in placements[main] and "excerpt=" not in placements[main]
    assert "annotate=" in placements[main]
    snippet = _library().get(main)
    assert snippet is not None and not snippet.is_counter_example
    assert snippet.profile == "hardened"
    previews = _TAG_PREVIEW.findall(text)
    if pushes and name != "releases-and-promotion":  # the preview does not simulate release events
        assert main in previews, f"{name}.md: show what {main} pushes under it"


@pytest.mark.parametrize("name", sorted(n for n, (main, _) in GUIDES.items() if main))
def test_placed_workflows_pass_every_check_in_both_renderings(name):
    library = _library()
    catalog = load_catalog()
    for snippet_id, _ in WORKFLOW_PLACEMENT.findall(how_to_page(name)):
        snippet = library.get(snippet_id)
        assert snippet is not None and not snippet.is_counter_example, snippet_id
        texts = {r: render(snippet, catalog, r)[0] for r in snippet.renderings}
        cache = engine.ResultCache(None)
        found = engine.check_batch(texts, cache=cache)
        strict = engine.check_batch({PINNED: texts[PINNED]}, cache=cache, profile=snippet.profile)
        for rendering in RENDERINGS:
            problems = found[rendering] + strict.get(rendering, [])
            assert not problems, (snippet_id, rendering, [(f.rule, f.line, f.message) for f in problems])


def test_the_dockerfile_mounts_every_secret_the_workflow_passes_and_nothing_goes_in_build_args():
    text = how_to_page("build-secrets")
    mounted = set()
    for dockerfile in _fences(text, "dockerfile"):
        assert dockerfile.startswith("# syntax=docker/dockerfile:1\n")
        mounted |= set(re.findall(r"--mount=type=secret,id=([\w-]+)", dockerfile))
    step = _step(_workflow("how-to/build-secrets")["jobs"]["publish"], "Build and push")
    passed = {line.split("=", 1)[0] for key in ("secrets", "secret-envs")
              for line in step["with"][key].splitlines() if line.strip()}
    assert passed == mounted == {"npm_token", "netrc"}
    for line in step["with"]["secret-envs"].splitlines():
        assert line.split("=", 1)[1] in step["env"], "secret-envs names a variable the step must set"
    assert "build-args" not in step["with"]


def test_the_promotion_takes_its_inputs_from_the_environment_and_copies_without_building():
    job = _workflow("how-to/promote-image")["jobs"]["promote"]
    step = _step(job, "Copy the image's index to the new tag")
    assert "${{" not in step["run"], "inputs in run: would be script injection"
    assert set(step["env"]) == {"SOURCE", "TARGET"}
    assert "docker buildx imagetools create" in step["run"]
    assert not any("build-push-action" in s.get("uses", "") for s in job["steps"])
    assert job["permissions"] == {"packages": "write"}


def test_the_scan_fails_the_job_before_the_login_and_the_push():
    steps = _workflow("how-to/scan-before-push")["jobs"]["publish"]["steps"]
    names = [s.get("name") for s in steps]
    scan = _step({"steps": steps}, "Scan the image")
    assert scan["uses"].startswith("aquasecurity/trivy-action@")
    assert str(scan["with"]["exit-code"]) == "1"
    loaded = _step({"steps": steps}, "Build for the runner and load the image")["with"]["tags"]
    assert scan["with"]["image-ref"] == loaded
    assert names.index("Scan the image") < names.index("Log in to ghcr.io") < names.index("Push the scanned build")


def test_trivy_is_pinned_to_a_full_version_and_its_sha():
    entry = load_catalog().get("aquasecurity/trivy-action")
    assert not entry.moving_major_tag and entry.tag_ref == entry.newest_tag
    text, _ = render(_library().get("how-to/scan-before-push"), load_catalog(), PINNED)
    assert f"aquasecurity/trivy-action@{entry.sha} # {entry.newest_tag}" in text


def test_the_file_the_build_job_uploads_is_the_one_the_test_jobs_load():
    jobs = _workflow("how-to/pass-image-artifact")["jobs"]
    build, test = jobs["build"], jobs["test"]
    export = _step(build, "Build and export the image to a file")["with"]
    upload = _step(build, "Upload the image file")["with"]
    download = _step(test, "Download the image file")["with"]
    dest = export["outputs"].split("dest=", 1)[1]
    assert export["outputs"].startswith("type=docker,")
    assert upload["path"] == dest
    assert download["name"] == upload["name"], "name the artifact: build records are artifacts too"
    load = _step(test, "Load it into Docker")["run"]
    assert dest.replace("${{ runner.temp }}", "$RUNNER_TEMP") in load
    assert download["path"] == "${{ runner.temp }}"
    assert export["tags"] in _step(test, "Run the tests inside it")["run"]
    assert test["needs"] == "build"


def test_several_images_get_one_name_and_one_context_per_service():
    job = _workflow("how-to/monorepo-services")["jobs"]["image"]
    meta = _step(job, "Compute tags and labels")["with"]
    build = _step(job, "Build and push")["with"]
    assert meta["images"].endswith("/${{ matrix.service }}")
    assert "${{ matrix.service }}" in build["context"] and build["file"].startswith(build["context"])
    git = _workflow("how-to/monorepo-git-context")["jobs"]["api"]
    assert not any("actions/checkout" in s.get("uses", "") for s in git["steps"])


def test_the_first_publish_says_visibility_is_a_click_not_an_api_call():
    text = how_to_page("first-publish")
    assert "## Make it public" in text
    assert re.search(r"No API", text)
    assert "cannot be made private again" in text


def test_the_pull_guide_asks_for_a_read_only_classic_token():
    text = how_to_page("pull-where-images-run")
    before = _section(text, "Before you start")
    assert "`read:packages`" in before and "classic" in before
    assert "write:packages" not in text
    assert "imagePullSecrets" in text and "--password-stdin" in text
