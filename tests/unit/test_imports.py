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


def test_checking_a_workflow_loads_neither_dataclasses_nor_inspect_nor_openssl():
    """The engine's value classes are records (ghcr_check/records.py): dataclasses compiled each
    class's methods at start-up and imported inspect, a sixth of a one-file run. hashlib loads
    OpenSSL as it is imported: the cache keys are the built-in BLAKE2's (datafile.new_hash)."""
    valid = "on: push\\njobs:\\n  a:\\n    runs-on: ubuntu-latest\\n    steps:\\n      - run: echo hi\\n"
    code = ("from ghcr_check import engine\n"
            f"found = engine.check_batch({{'w': '{valid}'}}, cache=engine.ResultCache(None))\n"
            "assert not [f for f in found['w'] if f.rule.startswith('S')], found  # jsonschema explains: it loads both")
    assert [m for m in _loaded_after(code) if m.split(".")[0] in ("dataclasses", "inspect", "hashlib", "_hashlib")] == []


def test_zizmors_head_start_loads_neither_the_arguments_nor_the_settings_nor_the_engine():
    """__main__ starts zizmor (ghcr_check/early.py) before any of these load: the gain bench/startup.py measures."""
    workflow = next(ROOT.glob("snippets/**/*.yml"))
    loaded = _loaded_after(f"from ghcr_check import early\nearly.start([{str(workflow)!r}])\n"
                           "from ghcr_check.checks import external\nassert external._ahead\nearly.cancel()")
    late = ("argparse", "ghcr_check.cli", "ghcr_check.config", "ghcr_check.engine", "ghcr_check.workflow", "yaml",
            "jsonschema_rs")
    assert [m for m in loaded if m.startswith(late)] == []


def test_the_tools_start_before_the_layers_load_and_no_thread_waits_for_them():
    """Both tools start from the caller's thread before any in-process layer loads: a tool thread
    waiting for the GIL between its writes once started the tools half a second late."""
    probe = (
        "import json, sys, threading\n"
        "from ghcr_check import engine\n"
        "from ghcr_check.checks import external\n"
        "seen, real = [], external.Started.__init__\n"
        "def init(self, layer, *args, **kwargs):\n"
        "    seen.append([layer, 'ghcr_check.checks.schema' in sys.modules, threading.active_count()])\n"
        "    real(self, layer, *args, **kwargs)\n"
        "external.Started.__init__ = init\n"
        "engine.check_batch({'w': 'on: push\\njobs: {}\\n'}, cache=engine.ResultCache(None))\n"
        "print(json.dumps([seen, threading.active_count()]))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120,
                            check=True)
    seen, threads_after = json.loads(result.stdout.splitlines()[-1])
    assert seen == [["zizmor", False, 1], ["actionlint", False, 1]]
    assert threads_after == 1


def test_the_ghcr_layer_loads_no_part_of_the_preview_but_its_input_grammar():
    loaded = _loaded_after("import ghcr_check.checks.ghcr")
    assert [m for m in loaded if m.startswith("ghcr_check.preview")] == ["ghcr_check.preview", "ghcr_check.preview.inputs"]


def test_every_name_the_preview_offers_resolves():
    from ghcr_check import preview

    for name in preview.__all__:
        assert getattr(preview, name) is not None, name
    assert set(preview.__all__) <= set(dir(preview))
