"""ghcr-check as readers run it: formats, exit codes, stdin, directories, and hostile input."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT

from ghcr_check.catalog import load_catalog
from macros.snippets import SnippetLibrary, render

GHCR_CHECK = [sys.executable, "-m", "ghcr_check"]  # what the console script runs (pyproject.toml)
LIBRARY = SnippetLibrary(ROOT / "snippets", ROOT)


def run(*args, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*GHCR_CHECK, *map(str, args)], input=stdin, capture_output=True, timeout=120,
                          cwd=cwd or ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})


def example(snippet_id: str, rendering: str = "tags") -> str:
    return render(LIBRARY.get(snippet_id), load_catalog(), rendering)[0]


@pytest.fixture
def workflows(tmp_path: Path) -> Path:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "good.yml").write_text(example("tutorial/publish-minimal", "pinned"))
    (folder / "bad.yaml").write_text(example("rules/G003/fail"))
    (folder / "notes.txt").write_text("not a workflow")
    return folder


def test_the_console_script_is_installed():
    script = Path(sys.executable).parent / "ghcr-check"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "--profile" in result.stdout


def test_a_clean_file_exits_0(workflows: Path):
    result = run(workflows / "good.yml")
    assert result.returncode == 0, result.stdout
    assert result.stdout.decode().strip().endswith("1 file checked: 0 errors, 0 warnings")


def test_text_format_names_file_line_rule_and_fix(workflows: Path):
    result = run(workflows / "bad.yaml")
    assert result.returncode == 1
    first = result.stdout.decode().splitlines()[0]
    assert first.startswith(f"{workflows / 'bad.yaml'}:")
    assert ": error G003 job 'publish' pushes to ghcr.io but" in first and "(fix: " in first


def test_a_directory_checks_every_yml_and_yaml_below(workflows: Path):
    result = run(workflows.parent.parent)
    out = result.stdout.decode()
    assert "2 files checked" in out and "notes.txt" not in out
    assert result.returncode == 1


def test_json_format(workflows: Path):
    result = run("--format", "json", workflows / "bad.yaml")
    findings = json.loads(result.stdout)
    assert result.returncode == 1
    assert findings and set(findings[0]) == {"path", "line", "column", "rule", "severity", "message", "fix", "url"}
    g003 = next(f for f in findings if f["rule"] == "G003")
    assert g003["severity"] == "error" and g003["line"] >= 1 and g003["column"] >= 1


def test_github_format_writes_annotations(workflows: Path):
    out = run("--format", "github", workflows / "bad.yaml").stdout.decode()
    assert out.startswith(f"::error file={workflows / 'bad.yaml'},line=")
    assert "title=G003::" in out


def test_stdin():
    result = run("-", stdin=example("rules/G003/fail").encode())
    assert result.returncode == 1
    assert result.stdout.decode().startswith("-:") and " G003 " in result.stdout.decode()


def test_warnings_and_infos_alone_exit_0():
    result = run("-", stdin=example("rules/G005/fail").encode())
    assert result.returncode == 0 and " warning G005 " in result.stdout.decode()
    result = run("-", stdin=example("rules/A002/fail").encode())
    out = result.stdout.decode()
    assert result.returncode == 0 and " info A002 " in out and out.endswith("0 errors, 0 warnings, 1 info\n")
    annotations = run("--format", "github", "-", stdin=example("rules/A002/fail").encode()).stdout.decode()
    assert annotations.startswith("::notice file=-,")  # GitHub's annotation for an info


def test_usage_errors_exit_2():
    assert run().returncode == 2
    assert run("--format", "xml", "x.yml").returncode == 2


def test_an_unreadable_path_exits_2_and_the_rest_is_still_checked(workflows: Path, tmp_path: Path):
    result = run(tmp_path / "missing.yml", workflows / "bad.yaml")
    assert result.returncode == 2
    assert "no such file or directory" in result.stderr.decode()
    assert " G003 " in result.stdout.decode()


HOSTILE = {
    "empty": (b"", "Y004"),
    "not yaml": (b"on: [push\njobs: {", "Y001"),
    "a list": (b"- on: push\n", "Y003"),
    "a scalar": (b"just words\n", "Y003"),
    "binary": (bytes(range(256)) * 4, "Y005"),
    "latin-1": ("name: café\n".encode("latin-1"), "Y005"),
    "over 1 MiB": (b"# x\n" * 300_000, "Y006"),
    "billion laughs": (
        b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + b"".join(f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n".encode() for p, c in zip("abcdefgh", "bcdefghi")),
        "Y007",
    ),
    "deep nesting": (b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n", "Y008"),
    "deep mapping": ("".join("  " * i + f"k{i}:\n" for i in range(300)).encode() + b"  " * 300 + b"v: 1\n", "Y008"),
    "two documents": (b"on: push\n---\non: push\n", "Y009"),
    "duplicate key": (b"on: push\non: pull_request\n", "Y002"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_is_a_finding_not_a_crash(name: str, tmp_path: Path):
    data, rule = HOSTILE[name]
    bad = tmp_path / "bad.yml"
    bad.write_bytes(data)
    good = tmp_path / "good.yml"
    good.write_text(example("tutorial/publish-minimal", "pinned"))
    result = run("--format", "json", bad, good)  # run()'s timeout stops a hang
    assert b"Traceback" not in result.stderr, result.stderr
    findings = json.loads(result.stdout)
    assert [f["rule"] for f in findings if f["path"] == str(bad)] == [rule]
    assert not [f for f in findings if f["path"] == str(good)], "the other file is still checked, and clean"
    assert result.returncode == 1


CAPITALS = example("rules/G005/fail")


def test_context_repository_decides_whether_an_owner_with_capitals_is_an_error(tmp_path):
    path = tmp_path / "publish.yml"
    path.write_text(CAPITALS)
    unknown = run(path, cwd=tmp_path)
    assert unknown.returncode == 0 and b"warning G005" in unknown.stdout
    known = run("--context", "repository=Octo-Org/hello", path, cwd=tmp_path)
    assert known.returncode == 1 and b"error G005" in known.stdout and b"'Octo-Org/hello' has capitals" in known.stdout
    lowercase = run("--context", "repository=octo-org/hello", path, cwd=tmp_path)
    assert lowercase.returncode == 0 and b"G005" not in lowercase.stdout


def test_inside_a_git_checkout_the_origin_remote_names_the_repository(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", "git@github.com:Octo-Org/hello.git"],
                   check=True)
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "publish.yml").write_text(CAPITALS)
    result = run(".github/workflows/publish.yml", cwd=tmp_path)
    assert result.returncode == 1 and b"error G005" in result.stdout


def test_context_keys_only_the_preview_reads_still_need_preview(tmp_path):
    path = tmp_path / "publish.yml"
    path.write_text(CAPITALS)
    result = run("--context", "default_branch=trunk", path, cwd=tmp_path)
    assert result.returncode == 2 and b"only applies with --preview" in result.stderr
