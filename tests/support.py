"""What several test modules share: the project root and a real site build.

A module of its own (not conftest.py), so that test files import it by a name no
other directory's conftest.py can shadow.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = [sys.executable, "-m", "mkdocs"]
# A page's workflow placement: <!--[[ workflow("id", options...) ]]--> -> (id, options)
WORKFLOW_PLACEMENT = re.compile(r"<!--\[\[\s*workflow\(\s*\"([^\"]+)\"(.*?)\]\]-->", re.DOTALL)


def how_to_page(name: str) -> str:
    return (ROOT / "docs" / "how-to" / f"{name}.md").read_text("utf-8")


def build_site(project: Path, site_dir: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` of project into site_dir, as a reader or CI would run it."""
    return subprocess.run(
        [*MKDOCS, "build", "--strict", "--site-dir", str(site_dir)],
        cwd=project, capture_output=True, text=True, timeout=900,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
    )
