"""scripts/refresh-catalog, run against local bare git repositories made here."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT

SCRIPT = ROOT / "scripts" / "refresh-catalog"
CATALOG = """\
# A catalog for the test. This comment must survive.
actions:
- action: octo/hello-action
  current_major: v1
  newest_tag: v1.0.0
  sha: 0000000000000000000000000000000000000000
  tag_date: '2026-01-01'
  moving_major_tag: true
  as_of: '2026-01-01'
  runtime: node20
  description: Says hello # kept as written
  older_majors:
    v0: null
  inputs:
    who:
      default: world
  outputs: []
- action: octo/other-action
  current_major: v3
  newest_tag: v3.1.0
  sha: 1111111111111111111111111111111111111111
  tag_date: '2025-01-01'
  moving_major_tag: false
  as_of: '2025-01-01'
  runtime: composite
  description: Left alone when its repository is up to date
  inputs: {}
  outputs: []
"""
ACTION_V1_0 = "name: Hello\nruns:\n  using: node20\n  main: index.js\ninputs:\n  who:\n    default: world\n"
ACTION_V1_1 = ("name: Hello\nruns:\n  using: node24\n  main: index.js\ninputs:\n  who:\n    default: world\n"
               "  loud:\n    required: true\n    default: false\noutputs:\n  greeting:\n    description: what was said\n")
ACTION_V2 = "name: Hello\nruns:\n  using: node24\n  main: index.js\ninputs:\n  who:\n    required: true\n"
OTHER_V3_1 = "name: Other\nruns:\n  using: composite\n  steps: []\n"


def _git(*args, cwd, date="2026-01-01T12:00:00Z"):
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
           "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "GIT_CONFIG_GLOBAL": os.devnull}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


class Remote:
    """A bare repository at <base>/<owner>/<repo>, and a work tree to make releases in."""

    def __init__(self, base: Path, name: str):
        self.bare = base / name
        self.bare.mkdir(parents=True)
        _git("init", "--quiet", "--bare", str(self.bare), cwd=base)
        self.work = base.parent / "work" / name
        self.work.mkdir(parents=True)
        _git("init", "--quiet", "-b", "main", cwd=self.work)

    def release(self, tag: str, action_yml: str, date: str, annotated: bool = True, move_major: bool = True) -> str:
        (self.work / "action.yml").write_text(action_yml)
        _git("add", "action.yml", cwd=self.work, date=date)
        _git("commit", "--quiet", "-m", tag, cwd=self.work, date=date)
        if annotated:
            _git("tag", "-a", "-m", tag, tag, cwd=self.work, date=date)
        else:
            _git("tag", tag, cwd=self.work, date=date)
        if move_major:
            _git("tag", "-f", tag.split(".")[0], cwd=self.work, date=date)
        _git("push", "--quiet", "--force", str(self.bare), "main", "--tags", cwd=self.work, date=date)
        return _git("rev-parse", "HEAD", cwd=self.work)


@pytest.fixture
def world(tmp_path):
    base = tmp_path / "git"
    project = tmp_path / "project"
    (project / "ghcr_check" / "data").mkdir(parents=True)
    (project / "ghcr_check" / "data" / "catalog.yml").write_text(CATALOG)
    hello = Remote(base, "octo/hello-action")
    other = Remote(base, "octo/other-action")
    return base, project, hello, other


def _refresh(project: Path, base: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, str(SCRIPT), "--root", str(project), "--today", "2026-12-01", *args]
    if env is None:
        command += ["--base", f"file://{base}"]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})})


def _catalog(project: Path) -> str:
    return (project / "ghcr_check" / "data" / "catalog.yml").read_text()


def test_a_new_release_updates_its_entry_and_keeps_everything_else(world):
    base, project, hello, other = world
    hello.release("v1.0.0", ACTION_V1_0, "2026-02-01T10:00:00Z")
    sha = hello.release("v1.1.0", ACTION_V1_1, "2026-03-05T10:00:00Z")
    other_sha = other.release("v3.1.0", OTHER_V3_1, "2025-01-01T10:00:00Z", move_major=False)
    before = _catalog(project).replace("1111111111111111111111111111111111111111", other_sha)
    (project / "ghcr_check/data/catalog.yml").write_text(before)

    result = _refresh(project, base)
    assert result.returncode == 0, result.stderr
    assert "octo/hello-action: v1.0.0 -> v1.1.0; runtime node20 -> node24; inputs changed; outputs changed" in result.stdout
    after = _catalog(project)
    expected = before.replace(
        "  newest_tag: v1.0.0\n  sha: 0000000000000000000000000000000000000000\n  tag_date: '2026-01-01'\n"
        "  moving_major_tag: true\n  as_of: '2026-01-01'\n  runtime: node20\n",
        f"  newest_tag: v1.1.0\n  sha: {sha}\n  tag_date: '2026-03-05'\n"
        "  moving_major_tag: true\n  as_of: '2026-12-01'\n  runtime: node24\n").replace(
        "    who:\n      default: world\n  outputs: []\n- action: octo/other",
        "    who:\n      default: world\n    loud:\n      default: 'false'\n      required: true\n"
        "  outputs:\n  - greeting\n- action: octo/other")
    assert after == expected, "only the new release's fields change; comments, quoting and order stay"


def test_the_releases_file_lists_every_tag_newest_first_in_the_shared_format(world):
    base, project, hello, other = world
    first = hello.release("v1.0.0", ACTION_V1_0, "2026-02-01T10:00:00Z", annotated=False)
    second = hello.release("v1.1.0", ACTION_V1_1, "2026-03-05T10:00:00Z")
    other.release("v3.1.0", OTHER_V3_1, "2025-01-01T10:00:00Z", move_major=False)
    assert _refresh(project, base).returncode == 0
    tsv = (project / "ghcr_check/data/releases/octo__hello-action.tsv").read_text()
    assert tsv == (f"tag\tcommit\tdate\nv1\t{second}\t2026-03-05\nv1.1.0\t{second}\t2026-03-05\n"
                   f"v1.0.0\t{first}\t2026-02-01\n")


def test_a_second_run_finds_everything_up_to_date(world):
    base, project, hello, other = world
    hello.release("v1.1.0", ACTION_V1_1, "2026-03-05T10:00:00Z")
    other.release("v3.1.0", OTHER_V3_1, "2025-01-01T10:00:00Z", move_major=False)
    assert _refresh(project, base).returncode == 0
    catalog = _catalog(project)
    again = _refresh(project, base)
    assert again.returncode == 0 and "octo/hello-action: up to date (v1.1.0)" in again.stdout
    assert _refresh(project, base, "--check").returncode == 0
    assert _catalog(project) == catalog


def test_check_changes_nothing_and_says_what_is_out_of_date(world):
    base, project, hello, other = world
    hello.release("v1.1.0", ACTION_V1_1, "2026-03-05T10:00:00Z")
    other.release("v3.1.0", OTHER_V3_1, "2025-01-01T10:00:00Z", move_major=False)
    result = _refresh(project, base, "--check")
    assert result.returncode == 1 and "octo/hello-action: v1.0.0 -> v1.1.0" in result.stdout
    assert _catalog(project) == CATALOG
    assert not (project / "ghcr_check/data/releases").exists()


def test_a_new_major_moves_the_old_one_to_older_majors_and_asks_for_the_facts(world):
    base, project, hello, other = world
    hello.release("v1.1.0", ACTION_V1_1, "2026-03-05T10:00:00Z")
    hello.release("v2.0.0", ACTION_V2, "2026-04-01T10:00:00Z")
    other.release("v3.1.0", OTHER_V3_1, "2025-01-01T10:00:00Z", move_major=False)
    result = _refresh(project, base)
    assert result.returncode == 0, result.stderr
    assert "new major v2: re-verify the facts that depend on it (macros/data/facts.yml)" in result.stdout
    after = _catalog(project)
    assert "  current_major: v2\n  newest_tag: v2.0.0\n" in after
    assert "  older_majors:\n    v0: null\n    v1: node20\n" in after


def test_no_moving_major_tag_is_recorded(world):
    base, project, hello, other = world
    hello.release("v1.1.0", ACTION_V1_1, "2026-03-05T10:00:00Z", move_major=False)
    other.release("v3.1.0", OTHER_V3_1, "2025-01-01T10:00:00Z", move_major=False)
    assert _refresh(project, base).returncode == 0
    assert "  moving_major_tag: false\n  as_of: '2026-12-01'\n  runtime: node24\n" in _catalog(project)


def test_the_base_comes_from_the_environment_too(world):
    base, project, hello, other = world
    hello.release("v1.1.0", ACTION_V1_1, "2026-03-05T10:00:00Z")
    other.release("v3.1.0", OTHER_V3_1, "2025-01-01T10:00:00Z", move_major=False)
    result = _refresh(project, base, env={"GHCR_CATALOG_GIT_BASE": f"file://{base}"})
    assert result.returncode == 0 and "v1.0.0 -> v1.1.0" in result.stdout


def test_an_unreachable_repository_is_one_clear_line_and_the_others_still_refresh(world):
    base, project, hello, other = world
    hello.release("v1.1.0", ACTION_V1_1, "2026-03-05T10:00:00Z")
    other.bare.rename(other.bare.with_name("gone"))
    result = _refresh(project, base)
    assert result.returncode == 1
    assert "octo/other-action: not refreshed: git ls-remote" in result.stderr
    assert "Traceback" not in result.stderr
    assert "newest_tag: v1.1.0" in _catalog(project)


def test_the_real_catalog_survives_a_round_trip_byte_for_byte():
    """A refresh rewrites only what changed: its YAML writes the catalog back in the catalog's style."""
    import io
    from importlib.machinery import SourceFileLoader
    from importlib.util import module_from_spec, spec_from_loader

    loader = SourceFileLoader("refresh_catalog", str(SCRIPT))
    module = module_from_spec(spec_from_loader(loader.name, loader))
    sys.modules[loader.name] = module  # its dataclasses look themselves up there
    try:
        loader.exec_module(module)
        yaml = module.catalog_yaml()
    finally:
        del sys.modules[loader.name]
    text = (ROOT / "ghcr_check/data/catalog.yml").read_text("utf-8")
    written = io.StringIO()
    yaml.dump(yaml.load(text), written)
    assert written.getvalue() == text
