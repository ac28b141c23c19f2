"""What every benchmark shares: a frozen copy of the project, the machine, medians, the report.

The benchmarks are scripts, not tests: they print figures for people and end with
one JSON line for tools. None of them is timed by pytest.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BIN = Path(sys.executable).parent
# Left out of a snapshot: nothing in them is read by a build.
_NOT_COPIED = (".git", ".venv", "site", ".cache", "__pycache__", "test-output", "*.egg-info",
               ".pytest_cache", ".hypothesis", "bench", "tests")


def snapshot(dest: Path, source: Path = ROOT) -> Path:
    """A copy of the project to measure, so edits made meanwhile in the tree do not count."""
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(*_NOT_COPIED))
    return dest


def installed(project: Path, dest: Path) -> Path:
    """The checker of the snapshot at project laid out as `pip install` of its wheel lays it out,
    in a fresh virtual environment at dest; returns its bin folder.

    The package goes into site-packages, byte-compiled (pip compiles at install); the console
    script is pip's; the dependencies are the project's own, reached through a .pth file, and
    zizmor and actionlint sit beside the interpreter as their wheels put them. What the editable
    install of `make install` adds to every start (its import finder) is not there: a reader
    who installs the checker does not have it."""
    subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(dest)], check=True, timeout=120)
    site = next((dest / "lib").glob("python3.*/site-packages"))
    shutil.copytree(project / "ghcr_check", site / "ghcr_check", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(site / "ghcr_check")], check=True, timeout=300)
    ours = next(Path(p) for p in sys.path if p.endswith("site-packages") and Path(p, "yaml").is_dir())
    (site / "project-dependencies.pth").write_text(f"{ours}\n")
    bin_folder = dest / "bin"
    for tool in ("zizmor", "actionlint"):
        (bin_folder / tool).symlink_to((BIN / tool).resolve())
    module, function = _console_script(project, "ghcr-check").split(":")
    script = bin_folder / "ghcr-check"
    script.write_text(f"#!{bin_folder / 'python'}\n# -*- coding: utf-8 -*-\nimport re\nimport sys\n"
                      f"from {module} import {function}\nif __name__ == '__main__':\n"
                      "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
                      f"    sys.exit({function}())\n")
    script.chmod(0o755)
    return bin_folder


def _console_script(project: Path, name: str) -> str:
    """The `module:function` the project's pyproject.toml names for a command, as pip reads it."""
    import tomllib

    return tomllib.loads((project / "pyproject.toml").read_text("utf-8"))["project"]["scripts"][name]


def snapshot_env(project: Path, **extra: str) -> dict[str, str]:
    """Environment for a process that must import the snapshot's engine, not the working tree's."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(project)}
    env.pop("GHCR_COURSE_CHECKS", None)
    env.update(extra)
    return env


@contextmanager
def workspace(prefix: str):
    """A temporary directory that is removed afterwards, even on Ctrl-C."""
    path = Path(tempfile.mkdtemp(prefix=f"ghcr-bench-{prefix}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def timed(command: list[str], **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    """Wall-clock seconds of one process, and its result."""
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    return time.perf_counter() - started, result


def interleaved(modes: list[str], rounds: int):
    """(round, mode) pairs, each round in a rotated order, so drift and warm-up hit every mode alike."""
    for index in range(rounds):
        shift = index % len(modes)
        for mode in modes[shift:] + modes[:shift]:
            yield index, mode


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> dict:
    """Enough to tell two sets of figures apart: CPU, cores, memory, OS, Python."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    try:
        load = round(os.getloadavg()[0], 1)  # other work on the machine makes every figure noisier
    except OSError:
        load = None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory, "load_1min": load,
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version()}


def corpus_arguments(doc: str, rounds: int, tools: tuple[str, ...]):
    """--rounds, --count and --project of the benchmarks that run commands on a generated corpus,
    checked, and the commands they need present."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=rounds, help=f"interleaved rounds (default {rounds})")
    parser.add_argument("--count", type=int, default=200, help="workflows to generate (default 200)")
    parser.add_argument("--project", type=Path, default=ROOT, help="the engine to measure (default: this tree)")
    args = parser.parse_args()
    if args.rounds < 1 or args.count < 1:
        fail("--rounds and --count must be at least 1")
    for tool in tools:
        if not (BIN / tool).exists():
            fail(f"{BIN / tool} is missing: run `make install` first")
    return args


def ratio(a: float, b: float) -> float:
    return round(a / b, 3) if b else float("nan")


def report(summary: dict) -> None:
    """The last line of every benchmark: one JSON object."""
    print(json.dumps(summary, sort_keys=False))


def fail(message: str) -> None:
    """A clear message and exit status 2, never a traceback."""
    print(f"{Path(sys.argv[0]).name}: {message}", file=sys.stderr)
    sys.exit(2)
