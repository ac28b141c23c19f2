"""check_batch in a process of its own, for a front end with other work for its own core.

    python -m ghcr_check.worker < request.json

The request: {"cache": a directory or null, "jobs": [{"texts": {name: text},
"layers": [...], "profile": "default", "stand_ins": {name: name}}, ...]}. For each job,
in order, as soon as it is done, one line of JSON on stdout: {"findings": {name:
[finding, ...]}, "texts": n, "cached": n, "seconds": s}. A job that cannot run gives
{"error": why} instead. A site build (macros/sitebuild.py) sends its renderings here
so that checking them does not take turns with rendering pages on one interpreter.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from . import engine
from .records import asdict
from .rules import Finding


def run(request: dict, out) -> None:
    directory = request.get("cache")
    cache = engine.ResultCache(Path(directory) if directory else None)
    for job in request.get("jobs", []):
        try:
            stats = engine.BatchStats()
            results = engine.check_batch(job["texts"], tuple(job.get("layers") or engine.ALL_LAYERS), cache=cache,
                                         stats=stats, profile=job.get("profile", "default"),
                                         stand_ins=job.get("stand_ins"))
            line = {"findings": {name: [asdict(f) for f in found] for name, found in results.items()},
                    "texts": stats.texts, "cached": stats.cached, "seconds": stats.seconds}
        except Exception as error:  # noqa: BLE001 - said to the front end, which fails the build with it
            line = {"error": f"{type(error).__name__}: {error}"[:300]}
        out.write(json.dumps(line) + "\n")
        out.flush()


class Worker:
    """A started worker process; results() gives each job's line as it arrives."""

    def __init__(self, jobs: list[dict], cache: engine.ResultCache):
        package_parent = str(Path(__file__).resolve().parents[1])  # this engine, not another installed one
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": package_parent + (os.pathsep + path if path else "")}
        self.process = subprocess.Popen([sys.executable, "-m", "ghcr_check.worker"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=env, text=True, encoding="utf-8",
                                        errors="surrogateescape")
        request = {"cache": str(cache.directory) if cache.directory else None, "jobs": jobs}
        self.jobs = len(jobs)
        try:
            self.process.stdin.write(json.dumps(request))
            self.process.stdin.close()
        except OSError:
            pass  # it died at once: results() says so

    def results(self):
        """Each job's (findings by name, stats), in order; RuntimeError when the worker failed."""
        for _ in range(self.jobs):
            line = self.process.stdout.readline()
            if not line:
                self.process.wait()
                raise RuntimeError(f"the check worker (python -m ghcr_check.worker) stopped with status "
                                   f"{self.process.returncode} before it was done")
            data = json.loads(line)
            if "error" in data:
                raise RuntimeError(f"the check worker failed: {data['error']}")
            findings = {name: [Finding(**f) for f in found] for name, found in data["findings"].items()}
            yield findings, engine.BatchStats(texts=data["texts"], cached=data["cached"], seconds=data["seconds"])
        self.process.wait()


def main() -> int:
    try:
        request = json.loads(sys.stdin.read())
    except ValueError as error:
        print(f"ghcr_check.worker: the request is not JSON ({error})", file=sys.stderr)
        return 2
    try:
        run(request, sys.stdout)
    except BrokenPipeError:  # the front end stopped waiting (its build failed before the end)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
    return 0


if __name__ == "__main__":
    sys.exit(main())
