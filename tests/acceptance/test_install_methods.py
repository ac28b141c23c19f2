"""Installing ghcr-check the ways the README says, into fresh environments, and running
its pre-commit hooks with pre-commit itself. Each installs packages from the index, so
these are marked slow (a few minutes in all)."""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from support import ROOT

from ghcr_check import __version__
from ghcr_check.catalog import load_catalog
from ghcr_check.rules import project
from macros.snippets import SnippetLibrary, render

pytestmark = pytest.mark.slow
LIBRARY = SnippetLibrary(ROOT / "snippets", ROOT)


def sh(*args, cwd=None, env=None, check=True, timeout=900) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env={**os.environ, **(env or {})},
                            capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} exited {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def readme_command(start: str) -> list[str]:
    """The README's install command that begins with start, as a reader copies it."""
    line = next(line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith(start))
    return shlex.split(line.split("  #")[0])


def from_clone(command: list[str], clone: Path, commit: str) -> list[str]:
    """The same command, installing from the local clone instead of the hosted repository."""
    spec = f"git+{project()['repository']}@v{__version__}"
    assert spec in command, f"the README installs {command}, not {spec}"
    return [f"git+file://{clone}@{commit}" if part == spec else part for part in command]


def example(snippet_id: str) -> str:
    return render(LIBRARY.get(snippet_id), load_catalog(), "pinned")[0]


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> tuple[Path, str]:
    """A git clone of the project at its current commit: what `git+<repository URL>` fetches."""
    target = tmp_path_factory.mktemp("clone") / "ghcr-check"
    sh("git", "clone", "--quiet", ROOT, target)
    return target, sh("git", "rev-parse", "HEAD", cwd=target).stdout.strip()


@pytest.fixture(scope="module")
def tools(tmp_path_factory) -> Path:
    """A throwaway virtual environment holding pipx, uv and pre-commit from the index."""
    folder = tmp_path_factory.mktemp("tools")
    venv.create(folder, with_pip=True)
    sh(folder / "bin" / "python", "-m", "pip", "install", "--quiet", "pipx", "uv", "pre-commit")
    return folder / "bin"


def assert_works(binary: Path, home: Path):
    version = sh(binary, "--version").stdout
    assert version.startswith("ghcr-check ") and "zizmor" in version and "actionlint" in version
    workflow = home / "publish.yml"
    workflow.write_text(example("rules/G003/fail"))
    result = sh(binary, workflow, check=False)
    assert result.returncode == 1 and " error G003 " in result.stdout
    assert "Failing example" in sh(binary, "--explain", "G003").stdout  # the examples ship in the wheel
    env_python = next(binary.parent.glob("python")) if (binary.parent / "python").exists() else None
    if env_python is None:  # pipx and uv link the command; the environment is behind the link
        env_python = Path(os.path.realpath(binary)).parent / "python"
    lean = sh(env_python, "-c", "import importlib.util as u; print(u.find_spec('mkdocs') is None)").stdout.strip()
    assert lean == "True", "the command's environment must not hold MkDocs"


def test_pipx_install_from_the_repository(clone, tools, tmp_path):
    command = from_clone(readme_command("pipx install "), *clone)
    env = {"PIPX_HOME": str(tmp_path / "pipx"), "PIPX_BIN_DIR": str(tmp_path / "bin"),
           "PIPX_MAN_DIR": str(tmp_path / "man")}
    sh(tools / command[0], *command[1:], env=env)
    assert_works(tmp_path / "bin" / "ghcr-check", tmp_path)


def test_uv_tool_install_from_the_repository(clone, tools, tmp_path):
    command = from_clone(readme_command("uv tool install "), *clone)
    env = {"UV_TOOL_DIR": str(tmp_path / "uv-tools"), "UV_TOOL_BIN_DIR": str(tmp_path / "bin"),
           "UV_CACHE_DIR": str(tmp_path / "uv-cache"), "UV_PYTHON": sys.executable}
    sh(tools / command[0], *command[1:], env=env)
    assert_works(tmp_path / "bin" / "ghcr-check", tmp_path)


def test_the_pre_commit_hooks_run_on_a_repository(clone, tools, tmp_path):
    repository, commit = clone
    project_dir = tmp_path / "project"
    (project_dir / ".github" / "workflows").mkdir(parents=True)
    sh("git", "init", "--quiet", project_dir)
    readme = (ROOT / "README.md").read_text()
    config = readme.split("```yaml\n", 1)[1].split("```", 1)[0]  # the README's hook configuration
    assert f"repo: {project()['repository']}\n" in config and f"rev: v{__version__}\n" in config
    config = config.replace(project()["repository"], str(repository)).replace(f"v{__version__}", commit)
    config = config.replace("- id: ghcr-check  # or ghcr-check-hardened", "- id: ghcr-check\n      - id: ghcr-check-hardened")
    (project_dir / ".pre-commit-config.yaml").write_text(config)
    workflow = project_dir / ".github" / "workflows" / "publish.yml"
    workflow.write_text(example("rules/G003/fail"))
    sh("git", "add", "-A", cwd=project_dir)
    env = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache"), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    failing = sh(tools / "pre-commit", "run", "--all-files", cwd=project_dir, env=env, check=False)
    assert failing.returncode == 1 and " error G003 " in failing.stdout, failing.stdout
    workflow.write_text(example("rules/Z004/pass"))  # a workflow the hardened profile passes
    sh("git", "add", "-A", cwd=project_dir)
    passing = sh(tools / "pre-commit", "run", "--all-files", cwd=project_dir, env=env, check=False)
    assert passing.returncode == 0, passing.stdout
    assert passing.stdout.count("Passed") == 2
