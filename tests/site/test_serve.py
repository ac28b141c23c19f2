"""Authoring under `mkdocs serve`: edits to snippets and data rebuild, and a failing check
shows in the served page itself, while `mkdocs build` still stops (macros/mkdocs_hooks.py)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError
from support import ROOT

from ghcr_check import rules
from macros import mkdocs_hooks as hooks
from macros.sitebuild import Failure, SiteBuild, refresh_data
from macros.site_rules import finding


def _config(build: SiteBuild) -> SimpleNamespace:
    return SimpleNamespace(plugins={"macros": SimpleNamespace(course_build=build)},
                           config_file_path=str(ROOT / "mkdocs.yml"))


def _page(uri: str) -> SimpleNamespace:
    return SimpleNamespace(file=SimpleNamespace(src_uri=uri), content="<p>The page.</p>")


@pytest.fixture
def broken_build(monkeypatch) -> SiteBuild:
    monkeypatch.setitem(hooks._mode, "command", "build")
    build = SiteBuild(ROOT, validate=False)
    build.failures.append(Failure("docs/tutorial/first-workflow.md", None, finding("D004", (12, 1))))
    build.library.problems.append(("snippets/broken.yml", finding("D007", problem="bad header", fix="write it right")))
    return build


def test_serve_watches_snippets_and_the_data():
    watched = []
    server = SimpleNamespace(watch=watched.append)
    assert hooks.on_serve(server, _config(None), None) is server
    assert watched == [str(ROOT / folder) for folder in ("snippets", "ghcr_check/data", "macros/data")]


def test_under_serve_a_failure_shows_at_the_top_of_its_page(broken_build):
    hooks.on_startup(command="serve", dirty=False)
    config = _config(broken_build)
    assert hooks.on_env("env", config, None) == "env"  # nothing stops
    page = _page("tutorial/first-workflow.md")
    hooks.on_page_context({}, page, config, None)
    top, _, rest = page.content.partition("</div>\n")
    assert top.startswith('<div class="admonition failure ghcr-problems">') and rest == "<p>The page.</p>"
    assert "2 problems: mkdocs build would stop here" in top
    assert "<code>D004</code> a workflow code block that no check has seen" in top
    assert "docs/tutorial/first-workflow.md, line 12, column 1" in top and "Fix: move it to snippets/" in top
    assert "<code>D007</code> bad header" in top  # site-wide: on every page


def test_another_page_shows_only_the_site_wide_problems(broken_build):
    hooks.on_startup(command="serve", dirty=False)
    page = _page("index.md")
    hooks.on_page_context({}, page, _config(broken_build), None)
    assert "1 problem: mkdocs build" in page.content and "D007" in page.content and "D004" not in page.content


def test_mkdocs_build_still_stops_and_pages_stay_clean(broken_build):
    hooks.on_startup(command="build", dirty=False)
    config = _config(broken_build)
    page = _page("tutorial/first-workflow.md")
    hooks.on_page_context({}, page, config, None)
    assert page.content == "<p>The page.</p>"
    with pytest.raises(PluginError, match="2 problems in the course's workflows; nothing was published"):
        hooks.on_env("env", config, None)


def test_an_edited_data_file_is_read_afresh_on_the_next_build():
    refresh_data(ROOT)
    rules.registry()
    assert refresh_data(ROOT) is False and rules.registry.cache_info().currsize == 1
    path = ROOT / "ghcr_check" / "data" / "rules" / "ghcr.yml"
    before = path.stat()
    try:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
        assert refresh_data(ROOT) is True
        assert rules.registry.cache_info().currsize == 0
    finally:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        refresh_data(ROOT)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


def _wait_for(url: str, wanted: str, process, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "mkdocs serve stopped"
        text = _get(url)
        if wanted in text:
            return text
        time.sleep(1)
    raise AssertionError(f"{url} did not show {wanted!r} within {seconds} s")


@pytest.mark.slow
def test_mkdocs_serve_rebuilds_on_a_snippet_edit_and_shows_the_failure(project_copy: Path, tmp_path: Path):
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"],
                               cwd=project_copy, stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    url = f"http://127.0.0.1:{port}/tutorial/first-workflow/"
    try:
        first = _wait_for(url, "Your first workflow", process, 600)
        assert "ghcr-problems" not in first
        snippet = project_copy / "snippets" / "tutorial" / "publish-minimal.yml"
        snippet.write_text(snippet.read_text("utf-8").replace("runs-on: ubuntu-latest",
                                                              "runs-on: ubuntu-latest\n    timeout-minutes: soon", 1))
        page = _wait_for(url, "ghcr-problems", process, 600)
        assert "mkdocs build would stop here" in page and "timeout-minutes" in page
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()
