"""The checker's command loads the checker only: no MkDocs, no course, no ruamel.yaml."""
from __future__ import annotations

import json
import subprocess
import sys

from support import ROOT

FOREIGN = ("mkdocs", "material", "macros", "ruamel", "pymdownx", "jinja2")


def _loaded_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nimport json; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120,
                            check=True)
    return json.loads(result.stdout.splitlines()[-1])


def _foreign(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0].startswith(FOREIGN)]


def test_importing_the_cli_loads_no_mkdocs_or_course_module():
    assert _foreign(_loaded_after("import ghcr_check.cli")) == []


def test_checking_a_workflow_loads_no_mkdocs_or_course_module():
    code = ("from ghcr_check import engine, preview\n"
            "engine.check_batch({'w': 'on: push\\njobs: {}\\n'}, layers=('yaml', 'schema', 'actions', 'expressions', 'ghcr'),"
            " cache=engine.ResultCache(None))\n"
            "preview.parse_event('push:refs/heads/main')")
    assert _foreign(_loaded_after(code)) == []


def test_the_command_starts_without_what_it_does_not_need_yet():
    """What bench/startup.py measured as start-up cost is not loaded before the external tools start:
    the preview (only for --preview), importlib.metadata and importlib.resources (slow to import),
    and the in-process layers (loaded once the tools run)."""
    loaded = _loaded_after("import ghcr_check.cli; ghcr_check.cli.build_parser()")
    late = ("ghcr_check.preview", "importlib.metadata", "importlib.resources", "ghcr_check.checks.schema",
            "ghcr_check.expressions", "ghcr_check.workflow", "jsonschema_rs")
    assert [m for m in loaded if m.startswith(late)] == []


def test_the_engine_loads_typing_before_its_tool_threads_start():
    # a tool thread importing typing while the main thread defines a dataclass fails at random
    assert "typing" in _loaded_after("import ghcr_check.engine")
