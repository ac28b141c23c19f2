"""ghcr_check/early.py: zizmor's head start is taken over by the batch it was started for, and
stopped unread for any other; the command's findings are the same either way."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT

from ghcr_check import early, engine
from ghcr_check.checks import external

WORKFLOW = ("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions: {contents: read}\n    steps:\n"
            "      - run: echo hi\n")


@pytest.fixture
def workflow(tmp_path) -> str:
    path = tmp_path / ".github" / "workflows" / "publish.yml"
    path.parent.mkdir(parents=True)
    path.write_text(WORKFLOW)
    return str(path)


@pytest.fixture
def fake_zizmor(monkeypatch, tmp_path):
    """A zizmor that reports nothing after a while; the processes it was started as."""
    script = tmp_path / "zizmor"
    script.write_text("#!/bin/sh\nsleep 0.3\necho '[]'\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    real = external.find_binary
    monkeypatch.setattr(external, "find_binary", lambda tool: str(script) if tool.layer == "zizmor" else real(tool))
    started = []
    popen = subprocess.Popen

    class Recorded(popen):
        def __init__(self, args, *rest, **kwargs):
            super().__init__(args, *rest, **kwargs)
            if Path(args[0]).name == "zizmor":
                started.append(self)

    monkeypatch.setattr(external.subprocess, "Popen", Recorded)
    yield started
    external.cancel_ahead()


@pytest.mark.parametrize("argv", [
    ["{w}"], ["--format", "json", "{w}"], ["--format=sarif", "{w}", "{w}"], ["--ignore", "Z", "{w}"],
    ["--context", "repository=o/r", "{w}"],
])
def test_a_plain_command_line_gets_a_head_start(argv, workflow):
    files, profile = early.plain_files([a.format(w=workflow) for a in argv])
    assert set(files) == {workflow} and profile == "default"


def test_the_profile_given_is_the_one_started(workflow):
    assert early.plain_files(["--profile", "hardened", workflow]) == ([workflow], "hardened")
    assert early.plain_files(["--profile=hardened", workflow]) == ([workflow], "hardened")


@pytest.mark.parametrize("argv", [
    ["--config", "x.toml", "{w}"], ["--fix", "{w}"], ["--diff", "{w}"], ["--preview", "push:refs/heads/main", "{w}"],
    ["-", "{w}"], ["{d}"], ["{d}/missing.yml"], ["--format"], ["--explain", "G001"], ["--version"], [],
])
def test_anything_else_does_not(argv, workflow):
    folder = str(Path(workflow).parent)
    assert early.plain_files([a.format(w=workflow, d=folder) for a in argv]) is None


def test_the_batch_of_the_same_texts_takes_the_head_start_over(fake_zizmor, workflow):
    early.start([workflow])
    assert len(fake_zizmor) == 1 and "zizmor" in external._ahead
    engine.check_batch({workflow: WORKFLOW}, cache=engine.ResultCache(None))
    assert len(fake_zizmor) == 1 and fake_zizmor[0].returncode == 0  # read, not stopped
    assert external._ahead == {} and external._workspaces == {}


@pytest.mark.parametrize("differs", ["profile", "text", "cached"])
def test_a_head_start_for_another_batch_is_stopped_unread(fake_zizmor, workflow, differs, tmp_path):
    early.start([workflow])
    run = fake_zizmor[0]
    cache = engine.ResultCache(tmp_path / "cache")
    if differs == "cached":
        engine.check_batch({workflow: WORKFLOW}, cache=cache, profile="default")  # takes it over
        early.start([workflow])
        run = fake_zizmor[1]
        engine.check_batch({workflow: WORKFLOW}, cache=cache)  # nothing to run: the head start stays
        early.cancel()
    else:
        text = WORKFLOW.replace("hi", "ho") if differs == "text" else WORKFLOW
        engine.check_batch({workflow: text}, cache=cache, profile="hardened" if differs == "profile" else "default")
        assert len(fake_zizmor) == 2  # the batch's own run
    assert run.returncode not in (None, 0)  # killed
    assert external._ahead == {} and external._workspaces == {}


def test_a_file_that_does_not_decode_gets_no_head_start(fake_zizmor, tmp_path):
    path = tmp_path / "bad.yml"
    path.write_bytes(b"on: push\n\xff\n")
    early.start([str(path)])
    assert fake_zizmor == []


def test_the_command_leaves_no_process_or_folder_behind(workflow, tmp_path):
    """Run twice: the second run finds the file in the cache and stops its head start unread."""
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp"), "GHCR_CHECK_CACHE": str(tmp_path / "cache")}
    (tmp_path / "tmp").mkdir()
    outputs = []
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "ghcr_check", "--format", "json", workflow], capture_output=True,
                                text=True, cwd=ROOT, env=env, timeout=120)
        assert result.returncode in (0, 1), result.stderr
        outputs.append(json.loads(result.stdout))
    assert outputs[0] == outputs[1]
    assert list((tmp_path / "tmp").iterdir()) == []
