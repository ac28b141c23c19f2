"""How long an author waits, with `mkdocs serve`, between saving a page and seeing it.

    .venv/bin/python bench/serve.py [--rounds 7] [--page tutorial/first-workflow.md]

Two `mkdocs serve` processes run on two snapshots of the project: one with the
checks on (its check cache filled by its own first build, as an author's would be),
one with GHCR_COURSE_CHECKS=off. Each round appends a line to the page in one
snapshot, then asks that server for the page until the line is in it; then the same
on the other. The time runs from the write to the first response that has the line:
file-change detection, MkDocs' short wait for more changes, the full rebuild, and
the request. Rounds alternate which server goes first.

It prints the medians and the ratio with/without checks (goal <= 1.2). The last line
is a JSON object with the figures.
"""
from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

MODES = ["on", "off"]
GOAL = 1.2
STARTUP_TIMEOUT = 600  # a cold first build with every check
REBUILD_TIMEOUT = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=REBUILD_TIMEOUT) as response:
            return response.read().decode("utf-8", "replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


class Server:
    """One `mkdocs serve` of one snapshot, and the page it is watched through."""

    def __init__(self, work: Path, source: Path, mode: str, page: str):
        self.mode = mode
        self.project = common.snapshot(work / f"project-{mode}", source)
        self.page_file = self.project / "docs" / page
        if not self.page_file.is_file():
            common.fail(f"docs/{page}: no such page")
        self.port = free_port()
        route = page.removesuffix(".md").removesuffix("index").rstrip("/")
        self.url = f"http://127.0.0.1:{self.port}/{route + '/' if route else ''}"
        self.log_path = work / f"serve-{mode}.log"
        extra = {"GHCR_CHECK_CACHE": str(work / f"cache-{mode}")}
        if mode == "off":
            extra["GHCR_COURSE_CHECKS"] = "off"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [common.PYTHON, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{self.port}"],
            cwd=self.project, env=common.snapshot_env(self.project, **extra),
            stdout=self.log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                common.fail(f"mkdocs serve ({self.mode}) exited:\n{self.tail()}")
            if fetch(self.url) is not None:
                return
            time.sleep(0.2)
        self.stop()
        common.fail(f"mkdocs serve ({self.mode}) did not serve {self.url} within {STARTUP_TIMEOUT} s:\n{self.tail()}")

    def edit_and_wait(self) -> float | None:
        """Seconds from saving the page to serving the edit; None if it never showed."""
        marker = f"bench-marker-{uuid.uuid4().hex}"
        with self.page_file.open("a", encoding="utf-8") as handle:
            started = time.perf_counter()
            handle.write(f"\n\n{marker}\n")
        deadline = started + REBUILD_TIMEOUT
        while time.perf_counter() < deadline:
            body = fetch(self.url)  # waits while a rebuild is running
            if body is not None and marker in body:
                return time.perf_counter() - started
            time.sleep(0.02)
        return None

    def tail(self, lines: int = 15) -> str:
        if not self.log.closed:
            self.log.flush()
        return "\n".join(self.log_path.read_text("utf-8", "replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="edits per server (default 7)")
    parser.add_argument("--page", default="tutorial/first-workflow.md", help="page to edit, relative to docs/")
    parser.add_argument("--project", type=Path, default=common.ROOT, help="the tree to measure (default: this one)")
    args = parser.parse_args()
    if args.rounds < 1:
        common.fail("--rounds must be at least 1")

    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    with common.workspace("serve") as work:
        servers: dict[str, Server] = {}
        try:
            for mode in MODES:
                servers[mode] = Server(work, args.project, mode, args.page)
            for mode, server in servers.items():
                print(f"Waiting for the first build of the '{mode}' server...", flush=True)
                server.wait_ready()
                if server.edit_and_wait() is None:  # warm-up edit, not counted
                    common.fail(f"the '{mode}' server never served an edit; does the build fail?\n{server.tail()}")
            for index, mode in common.interleaved(MODES, args.rounds):
                seconds = servers[mode].edit_and_wait()
                if seconds is None:
                    common.fail(f"the '{mode}' server did not serve edit {index + 1} within {REBUILD_TIMEOUT} s:\n"
                                f"{servers[mode].tail()}")
                times[mode].append(seconds)
                print(f"  round {index + 1} checks {mode:<3} {seconds:6.2f} s", flush=True)
        finally:
            for server in servers.values():
                server.stop()

    medians = {mode: common.median(values) for mode, values in times.items()}
    serve_ratio = common.ratio(medians["on"], medians["off"])
    print()
    print(f"Median of {args.rounds} edits of docs/{args.page}: checks on {medians['on']:.2f} s, "
          f"off {medians['off']:.2f} s")
    print(f"  on/off: {serve_ratio:.3f}  (goal <= {GOAL}: {'met' if serve_ratio <= GOAL else 'NOT met'})")
    common.report({"serve_on_vs_off": serve_ratio, "on_s": round(medians["on"], 3), "off_s": round(medians["off"], 3),
                   "rounds": args.rounds, "page": args.page, "goal": GOAL, "met": serve_ratio <= GOAL,
                   "machine": common.machine()})


if __name__ == "__main__":
    main()
