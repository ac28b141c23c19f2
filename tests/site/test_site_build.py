"""The site build: every snippet on its page and as a raw file, and failures that stop it."""
from __future__ import annotations

import html
import re
from pathlib import Path

from support import ROOT, build_site

from ghcr_check.catalog import load_catalog
from macros.sitebuild import SiteBuild
from macros.snippets import TAGS


def _site_build() -> SiteBuild:
    build = SiteBuild(ROOT, validate=False)  # the renderings only: nothing here reads findings
    build.prepare()
    return build


def test_every_rendering_is_a_raw_file_with_the_checked_bytes(built_site: Path):
    build = _site_build()
    for (snippet_id, rendering), text in build.texts.items():
        raw = built_site / build.library.get(snippet_id).raw_name(rendering)
        assert raw.read_bytes() == text.encode("utf-8"), snippet_id


def test_every_snippet_appears_on_a_page_as_checked(built_site: Path):
    build = _site_build()
    pages = {p: p.read_text("utf-8") for p in built_site.rglob("*.html")}
    shown = {}
    for page, content in pages.items():
        for attrs in re.findall(r'<div class="highlight"([^>]*)>', content):
            snippet = re.search(r'data-snippet="([^"]+)"', attrs)
            copy = re.search(r'data-copy="([^"]*)"', attrs)
            rendering = re.search(r'data-rendering="([^"]+)"', attrs)
            if snippet and copy and "data-excerpt" not in attrs:
                shown.setdefault((html.unescape(snippet[1]), rendering[1]), set()).add(html.unescape(copy[1]))
    for snippet in build.library:
        if snippet.id.startswith(("rules/", "builder/")):
            continue  # shown on generated pages checked elsewhere
        for rendering in snippet.renderings:
            assert (snippet.id, rendering) in shown, f"{snippet.id} ({rendering}) is on no page"
            assert shown[(snippet.id, rendering)] == {build.texts[(snippet.id, rendering)]}


def test_github_expressions_survive_verbatim(built_site: Path):
    raw = (built_site / "snippets/tutorial/publish-minimal.yml").read_text("utf-8")
    assert "password: ${{ secrets.GITHUB_TOKEN }}" in raw
    page = (built_site / "tutorial/first-workflow/index.html").read_text("utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "${{ secrets.GITHUB_TOKEN }}" in text
    assert "${{ github.actor }}" in text


def test_both_renderings_come_from_the_catalog(built_site: Path):
    catalog = load_catalog()
    tags = (built_site / "snippets/tutorial/publish-minimal.yml").read_text("utf-8")
    pinned = (built_site / "snippets/tutorial/publish-minimal.pinned.yml").read_text("utf-8")
    checkout = catalog.get("actions/checkout")
    assert f"uses: actions/checkout@{checkout.current_major}\n" in tags
    assert f"uses: actions/checkout@{checkout.sha} # {checkout.newest_tag}\n" in pinned
    assert tags.count("\n") == pinned.count("\n")


def test_a_snippet_without_packages_write_fails_the_build(project_copy: Path, tmp_path: Path):
    snippet = project_copy / "snippets/tutorial/publish-minimal.yml"
    text = snippet.read_text("utf-8")
    snippet.write_text(text.replace("      packages: write # GITHUB_TOKEN may push this repository's packages\n", ""))
    result = build_site(project_copy, tmp_path / "site")
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert re.search(r"docs/tutorial/first-workflow\.md: snippet tutorial/publish-minimal "
                     r"\(snippets/tutorial/publish-minimal\.yml:\d+:\d+\): G003 ", out), out
    assert "Traceback" not in out
    assert not (tmp_path / "site" / "index.html").exists(), "nothing is published from a failing build"


def test_a_login_without_registry_fails_the_build(project_copy: Path, tmp_path: Path):
    snippet = project_copy / "snippets/tutorial/publish-minimal.yml"
    snippet.write_text(snippet.read_text("utf-8").replace("          registry: ghcr.io\n", ""))
    result = build_site(project_copy, tmp_path / "site")
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "snippet tutorial/publish-minimal (snippets/tutorial/publish-minimal.yml:" in out
    assert " G002 " in out and "Traceback" not in out


def test_a_workflow_fence_written_into_a_page_fails_the_build(project_copy: Path, tmp_path: Path):
    page = project_copy / "docs/tutorial/first-workflow.md"
    page.write_text(page.read_text("utf-8") + "\n```yaml\njobs:\n  x:\n    runs-on: ubuntu-latest\n```\n")
    result = build_site(project_copy, tmp_path / "site")
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert re.search(r"docs/tutorial/first-workflow\.md:\d+:1: D004 ", out), out


def test_an_opted_out_fence_says_why_and_passes(project_copy: Path, tmp_path: Path):
    page = project_copy / "docs/tutorial/first-workflow.md"
    page.write_text(page.read_text("utf-8")
                    + "\n<!-- unchecked: shows a fragment on purpose -->\n```yaml\nsteps:\n  - run: echo\n```\n")
    assert build_site(project_copy, tmp_path / "site").returncode == 0


def test_a_counter_example_that_stops_failing_fails_the_build(project_copy: Path, tmp_path: Path):
    snippet = project_copy / "snippets/found/no-packages-write.yml"
    snippet.write_text(snippet.read_text("utf-8").replace("      contents: read\n", "      contents: read\n      packages: write\n", 1))
    result = build_site(project_copy, tmp_path / "site")
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "D005 counter-example 'found/no-packages-write' expects G003 but the checks raised nothing" in out


def test_a_hard_coded_version_in_a_snippet_fails_the_build(project_copy: Path, tmp_path: Path):
    snippet = project_copy / "snippets/tutorial/publish-minimal.yml"
    snippet.write_text(snippet.read_text("utf-8").replace("uses: actions/checkout\n", "uses: actions/checkout@v7\n"))
    out = build_site(project_copy, tmp_path / "site")
    assert out.returncode != 0 and " D001 the snippet hard-codes actions/checkout@v7" in out.stdout + out.stderr


def test_the_build_log_ends_with_what_was_checked(built_site: Path, tmp_path: Path):
    result = build_site(ROOT, tmp_path / "site")
    lines = [l for l in (result.stdout + result.stderr).splitlines() if "ghcr-course:" in l]
    assert lines and re.search(r"checked \d+ snippets \(\d+ renderings.*\) with layers yaml, schema, actions, expressions, ghcr, zizmor, actionlint in \d+\.\d+ s", lines[-1])


def test_counter_examples_render_tags_only():
    build = _site_build()
    seed = build.library.get("found/seed-workflow")
    assert seed.renderings == (TAGS,)


def test_rule_pages_link_back_to_the_pages_that_teach_them():
    build = SiteBuild(ROOT, validate=False)
    teaching, titles = build.teaching_pages()
    # explanation/github-token.md places the G003 counter-example; the rule's own page is not a teacher
    assert "explanation/github-token.md" in teaching["G003"]
    assert not any(page.startswith("reference/rules/") for pages in teaching.values() for page in pages)
    assert titles["troubleshooting/push-denied.md"] == "The push is refused"  # the heading, not front matter
    page = build.generated_pages()["reference/rules/G003.md"]
    assert "## Why it matters" in page and "[GITHUB_TOKEN and permissions](../../explanation/github-token.md)" in page


def test_a_command_example_that_exits_otherwise_than_the_page_says_is_a_build_failure():
    build = _site_build()
    markdown = build.place_command_example("reference/x.md", "--version", status=1)
    assert markdown.startswith("```console\n$ ghcr-check --version\nghcr-check ")
    (failure,) = build.failures
    assert failure.page == "docs/reference/x.md" and failure.finding.rule == "D015"
    assert "ghcr-check --version exited 0, not 1" in failure.line()
    assert build.place_command_example("reference/x.md", "--version", status=0) and len(build.failures) == 1
