"""ghcr_check/engine.py: the engine digest that expires the check cache, and how the tools start."""
from __future__ import annotations

import os
import tempfile

import pytest

from ghcr_check import datafile, engine
from ghcr_check.checks import external

WORKFLOW = ("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions: {contents: read}\n    steps:\n"
            "      - run: echo {n}\n")


def _fresh_digest() -> str:
    engine.engine_digest.cache_clear()
    return engine.engine_digest()


def _memo_files(root) -> list:
    return sorted((root / "engine").iterdir()) if (root / "engine").is_dir() else []


def test_the_digest_is_the_same_with_and_without_its_memo(monkeypatch, tmp_path):
    monkeypatch.setenv("GHCR_CHECK_CACHE", "off")
    without = _fresh_digest()
    monkeypatch.setenv("GHCR_CHECK_CACHE", str(tmp_path))
    assert _fresh_digest() == without  # worked out, then kept
    assert [p.read_text("ascii") for p in _memo_files(tmp_path)] == [without]
    assert _fresh_digest() == without  # read back
    engine.engine_digest.cache_clear()


def test_the_memo_is_read_only_while_the_files_are_as_they_were(monkeypatch, tmp_path):
    monkeypatch.setenv("GHCR_CHECK_CACHE", str(tmp_path))
    real = _fresh_digest()
    (memo,) = _memo_files(tmp_path)
    memo.write_text("0123456789abcdef", "ascii")  # planted: proves the memo is what answers
    assert _fresh_digest() == "0123456789abcdef"
    files = engine._engine_files()
    name, size, mtime, path = files[0]
    monkeypatch.setattr(engine, "_engine_files", lambda: [(name, size, mtime + 1, path), *files[1:]])
    assert _fresh_digest() == real  # a file written since: the contents are hashed again
    engine.engine_digest.cache_clear()


def test_both_tools_read_one_copy_of_the_batch_and_it_is_removed(monkeypatch):
    made = []
    real = tempfile.mkdtemp
    monkeypatch.setattr(external.tempfile, "mkdtemp", lambda *a, **k: made.append(real(*a, **k)) or made[-1])
    texts = {f"w{n}": WORKFLOW.replace("{n}", str(n)) for n in range(5)}
    engine.check_batch(texts, ("yaml", "zizmor", "actionlint"), cache=engine.ResultCache(None))
    assert len(made) == 1
    assert not any(os.path.exists(folder) for folder in made)
    assert external._workspaces == {}


def test_the_cache_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GHCR_CHECK_CACHE", "off")
    assert datafile.cache_root() is None and engine.default_cache().directory is None
    monkeypatch.setenv("GHCR_CHECK_CACHE", str(tmp_path))
    assert engine.default_cache().directory == tmp_path
    monkeypatch.delenv("GHCR_CHECK_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert datafile.cache_root() == tmp_path / "xdg" / "ghcr-check"


@pytest.mark.parametrize("when", ["start", "finish"])
def test_a_tool_layer_that_raises_is_an_x001_finding_for_each_of_its_texts(monkeypatch, when):
    from ghcr_check import checks

    def fails(texts, profile):
        def findings():
            raise ValueError("cannot read")
        if when == "start":
            raise RuntimeError("cannot start")
        return findings

    monkeypatch.setitem(checks.BATCH_LAYERS, "zizmor", fails)
    texts = {f"w{n}": WORKFLOW.replace("{n}", str(n)) for n in range(2)}
    results = engine.check_batch(texts, ("yaml", "zizmor"), cache=engine.ResultCache(None))
    said = "RuntimeError: cannot start" if when == "start" else "ValueError: cannot read"
    for found in results.values():
        assert [f.rule for f in found] == ["X001"] and said in found[0].message, found
