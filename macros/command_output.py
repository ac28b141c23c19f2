"""Command examples on the pages, with the output ghcr-check really prints: each is run
while the site builds, in a scratch folder holding the files the example names."""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from ghcr_check.catalog import load_catalog

from .snippets import TAGS, SnippetLibrary, render

_COMMAND = [sys.executable, "-c", "from ghcr_check.cli import main; main()"]


def run_example(library: SnippetLibrary, args: str, files: dict[str, str] | None = None) -> tuple[str, int]:
    """(a console block: `$ ghcr-check ARGS` and what it printed, stdout then stderr; the exit status)."""
    with tempfile.TemporaryDirectory(prefix="ghcr-check-example-") as folder:
        root = Path(folder)
        for name, source in (files or {}).items():
            snippet = library.get(source)
            text = render(snippet, load_catalog(), TAGS)[0] if snippet is not None else source
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text, "utf-8")
        project = str(Path(__file__).resolve().parent.parent)
        result = subprocess.run([*_COMMAND, *shlex.split(args)], cwd=root, capture_output=True, text=True,
                                timeout=300, env={**os.environ, "PYTHONPATH": project, "COLUMNS": "100"})
    output = (result.stdout + result.stderr).rstrip("\n")
    return f"```console\n$ ghcr-check {args}\n{output}\n```", result.returncode
