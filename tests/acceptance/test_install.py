"""The checker as people install it: the wheel alone, in a fresh environment, without MkDocs."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT

from ghcr_check.catalog import load_catalog
from macros.snippets import SnippetLibrary, render


@pytest.mark.slow
def test_the_wheel_installs_alone_and_checks_without_mkdocs(tmp_path: Path):
    source = tmp_path / "source"  # setuptools builds in the source tree: never in the project's
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "docs", "snippets", "tests", "site", "build",
                                                                "__pycache__", "*.egg-info"))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check",
                    "--wheel-dir", str(wheels), str(source)], check=True, timeout=600, cwd=tmp_path)
    wheel = next(wheels.glob("ghcr_check-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    # the checker's dependencies come from the package index, as for any user
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
                   check=True, timeout=900)
    workflow = tmp_path / "publish.yml"
    snippet = SnippetLibrary(ROOT / "snippets", ROOT).get("rules/G003/fail")
    workflow.write_text(render(snippet, load_catalog(), "tags")[0])
    result = subprocess.run([str(venv / "bin" / "ghcr-check", ), str(workflow)], capture_output=True, text=True,
                            timeout=300, cwd=tmp_path, env={"PATH": f"{venv / 'bin'}:/usr/bin:/bin",
                                                            "GHCR_CHECK_CACHE": "off", "HOME": str(tmp_path)})
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{workflow}:" in result.stdout and " error G003 " in result.stdout
    assert result.stdout.endswith("1 file checked: 1 error, 0 warnings\n"), result.stdout
    # (ruamel.yaml is there: check-jsonschema depends on it; the checker never imports it, see test_imports)
    for module in ("mkdocs", "material", "macros", "pymdownx"):
        probe = subprocess.run([str(python), "-c", f"import {module}"], capture_output=True, text=True, cwd=tmp_path)
        assert probe.returncode != 0 and "ModuleNotFoundError" in probe.stderr, module
