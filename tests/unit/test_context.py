"""ghcr_check/context.py: what a check knows beyond the text, and the cache key's view of it."""
from __future__ import annotations

from pathlib import Path

from ghcr_check import context, engine
from ghcr_check.context import RunContext

WORKFLOW = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo {n}\n"


def _checkout(tmp_path: Path, count: int) -> list[Path]:
    folder = tmp_path / "repo" / ".github" / "workflows"
    folder.mkdir(parents=True)
    paths = []
    for n in range(count):
        path = folder / f"w{n:03d}.yml"
        path.write_text(WORKFLOW.format(n=n), "utf-8")
        paths.append(path)
    return paths


def test_a_batch_lists_each_checkout_once(tmp_path, monkeypatch):
    """200 files in one folder once cost 40,000 stat calls: each file listed the whole folder."""
    paths = _checkout(tmp_path, 30)
    listed = []
    real = context._workflow_files
    monkeypatch.setattr(context, "_workflow_files", lambda root: listed.append(root) or real(root))
    cache = engine.ResultCache(tmp_path / "cache")
    engine.check_batch({str(p): p.read_text("utf-8") for p in paths}, ("yaml",), cache=cache)
    assert listed == [tmp_path / "repo"]


def test_the_digest_changes_with_a_sibling_workflow_and_a_named_local_action(tmp_path):
    first, second = _checkout(tmp_path, 2)
    text = first.read_text("utf-8") + "      - uses: ./.github/actions/login\n"
    here = RunContext(path=first)
    before = here.neighbours_digest(text)
    assert here.neighbours_digest(text) == before  # nothing changed
    second.write_text(WORKFLOW.format(n="changed"), "utf-8")
    after_sibling = here.neighbours_digest(text)
    assert after_sibling != before
    action = tmp_path / "repo" / ".github" / "actions" / "login" / "action.yml"
    action.parent.mkdir(parents=True)
    action.write_text("runs: {using: composite, steps: []}\n", "utf-8")
    assert here.neighbours_digest(text) != after_sibling
    (first.parent / "w999.yml").write_text(WORKFLOW.format(n=999), "utf-8")  # a new workflow may call this one
    assert here.neighbours_digest(text) != after_sibling


def test_a_text_not_on_disk_has_no_neighbours():
    assert RunContext().neighbours_digest("on: push\n") == ""
