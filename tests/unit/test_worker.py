"""The check worker: a process of its own gives each job's findings, as check_batch would."""
from __future__ import annotations

import io
import json

import pytest

from ghcr_check import engine, worker

BROKEN = """on: push
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo ${{ github.event.issue.title }}
"""
LAYERS = ["yaml", "schema", "expressions"]


def test_a_worker_process_gives_what_check_batch_gives(tmp_path):
    texts = {"broken": BROKEN, "not yaml": "on: [\n"}
    jobs = [{"texts": texts, "layers": LAYERS}, {"texts": {}, "layers": LAYERS, "profile": "hardened"}]
    results = list(worker.Worker(jobs, engine.ResultCache(tmp_path / "cache")).results())
    expected = engine.check_batch(texts, tuple(LAYERS), cache=engine.ResultCache(None))
    assert results[0][0] == expected and results[0][1].texts == 2
    assert results[1][0] == {}
    again = list(worker.Worker(jobs[:1], engine.ResultCache(tmp_path / "cache")).results())
    assert again[0][0] == expected and again[0][1].cached == 2  # it wrote the cache it was given


def test_a_job_that_fails_is_said_in_its_line():
    out = io.StringIO()
    worker.run({"cache": None, "jobs": [{"texts": "not a dict"}, {"texts": {"a": BROKEN}, "layers": LAYERS}]}, out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert "error" in lines[0] and "findings" in lines[1]  # one bad job does not stop the next


def test_a_worker_that_fails_raises_for_the_front_end():
    jobs = [{"texts": "not a dict"}]
    with pytest.raises(RuntimeError, match="the check worker failed"):
        list(worker.Worker(jobs, engine.ResultCache(None)).results())
