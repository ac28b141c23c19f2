"""What the external-tool layers (zizmor, actionlint) share: finding the binaries, one
process per tool per batch, crash isolation, and their rules' data.

A batch is written into a temporary directory as `.github/workflows/NNNN.yml`
(zizmor audits only files under that path) and the tool runs once on all those
paths, apart from texts its Tool says it must read alone. The engine starts every
tool before its own layers run and collects the outputs after them, so the tools
run side by side with each other and with this process. Only when a tool crashes is the batch split, to pin the crash on a file.
"""
from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from importlib import util
from pathlib import Path

from .. import datafile
from ..records import field, record


WORKFLOW_DIR = ".github/workflows"
TIMEOUT_SECONDS = 120.0  # per run over a whole batch; 200 workflows take about a second of CPU
PROJECT_DISTRIBUTION = "ghcr-check"  # its pyproject pins each tool's version


@record(frozen=True)
class Tool:
    """An external checker, as the batch runner needs to know it."""

    layer: str  # the layer name in checks.BATCH_LAYERS, and the key of its rules
    executable: str
    arguments: Callable[[str], list[str]]  # profile -> options before the file paths
    accepted_exit_codes: frozenset  # anything else means the tool failed
    env: dict = field(default_factory=dict)
    packaged_binary: tuple[str, str] | None = None  # (module, path inside it): skips a wrapper script
    # what the tool says on a run over one file it cannot read as a workflow at all: that
    # file is skipped, as the tool skips others it cannot read, and the other layers say why
    unreadable_file: tuple[str, ...] = ()
    # a pattern for texts the tool must read in a process of their own, because it is not
    # reliable when they share a run with others (see actionlint.py for what was measured)
    alone: str | None = None


@record
class ToolOutput:
    """One run of a tool over some of the batch's files."""

    paths: list  # the files (relative to the workspace) this run covered
    stdout: str = ""
    stderr: str = ""
    exit_code: int | None = None
    problem: str = ""  # why there is no usable output: not installed, timed out, crashed


@record
class Workspace:
    """Where the texts of one batch were written: relative path -> name in the batch."""

    root: Path
    names: dict[str, str]

    @property
    def paths(self) -> list[str]:
        return list(self.names)


TOOLS: dict[str, Tool] = {}
_run_numbers = itertools.count()  # names the output files of reruns


def register(tool: Tool) -> Tool:
    TOOLS[tool.layer] = tool
    return tool


def find_binary(tool: Tool) -> str | None:
    """The tool's binary: the packaged one, the one next to this interpreter, then PATH."""
    if tool.packaged_binary:
        module, inner = tool.packaged_binary
        try:
            spec = util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        if spec and spec.origin:
            candidate = Path(spec.origin).parent / inner
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    beside = Path(sys.executable).parent / tool.executable
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(tool.executable)


@lru_cache(maxsize=None)
def requirement(package: str) -> str:
    """How the project pins a tool (e.g. 'zizmor==1.32.0'), for install hints."""
    from importlib import metadata  # only when a tool failed: it is slow to import

    try:
        for spec in metadata.requires(PROJECT_DISTRIBUTION) or ():
            name = spec.split(";")[0].strip()
            if name.lower().startswith(package.lower()) and name[len(package):len(package) + 1] in "=<>~!":
                return name
    except metadata.PackageNotFoundError:
        pass
    return package


def _names(texts: dict[str, str]) -> dict[str, str]:
    """Each text's path in a batch's workspace -> its name."""
    return {f"{WORKFLOW_DIR}/{index:04d}.yml": name for index, name in enumerate(texts)}


def _write(texts: dict[str, str], root: Path) -> Workspace:
    (root / WORKFLOW_DIR).mkdir(parents=True)
    names = _names(texts)
    for relative, name in names.items():
        # bytes as given: the tools' line numbers must be ours
        (root / relative).write_bytes(texts[name].encode("utf-8", "surrogatepass"))
    return Workspace(root, names)


class _Run:
    """One started process of a tool over some paths; its output goes to files, not
    pipes, so no tool stalls on a full pipe while we wait for another."""

    def __init__(self, tool: Tool, binary: str, profile: str, workspace: Workspace, paths: list, tag: str):
        self.tool, self.paths = tool, paths
        self.out_path = workspace.root / f"{tool.layer}.{tag}.stdout"
        self.err_path = workspace.root / f"{tool.layer}.{tag}.stderr"
        self.process: subprocess.Popen | None = None
        self.problem = ""
        with self.out_path.open("wb") as out, self.err_path.open("wb") as err:
            try:
                self.process = subprocess.Popen(
                    [binary, *tool.arguments(profile), *paths],
                    cwd=workspace.root, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                    env={**os.environ, "NO_COLOR": "1", **tool.env},
                )
            except OSError as error:
                self.problem = f"{tool.executable} could not start: {error.strerror or error}"

    def finish(self, deadline: float) -> ToolOutput:
        if self.process is None:
            return ToolOutput(self.paths, problem=self.problem)
        try:
            self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return ToolOutput(self.paths, problem=f"{self.tool.executable} took longer than "
                                                  f"{TIMEOUT_SECONDS:.0f} s and was stopped")
        output = ToolOutput(self.paths, self.out_path.read_text("utf-8", "replace"),
                            self.err_path.read_text("utf-8", "replace"), self.process.returncode)
        if output.exit_code not in self.tool.accepted_exit_codes:
            if len(self.paths) == 1 and any(marker in output.stderr for marker in self.tool.unreadable_file):
                return ToolOutput(self.paths, "", output.stderr, output.exit_code)
            said = _last_words(output.stderr)
            output.problem = f"{self.tool.executable} exited with status {output.exit_code}: {said}"
        return output


_OUR_FILE_NAMES = re.compile(r"(?:file://)?\.github/workflows/\d{4}\.yml")


def _last_words(stderr: str) -> str:
    """The line of a tool's error output that says what went wrong, as far as one can tell."""
    # the numbered files are ours, not the reader's: name them as the finding's own file
    lines = [_OUR_FILE_NAMES.sub("this file", line.strip()) for line in stderr.splitlines() if line.strip()]
    for marker in ("panic:", "error:", "Error:", "fatal:"):
        found = next((line for line in lines if line.startswith(marker)), None)
        if found:
            return one_line(found, 160)
    return one_line(lines[-1], 160) if lines else "no message"


def _isolate(tool: Tool, binary: str, profile: str, workspace: Workspace, failed: ToolOutput,
             deadline: float) -> list[ToolOutput]:
    """Rerun a crashed tool on halves of its files until each crash is pinned to one
    file, so one file the tool cannot handle does not hide the findings for the rest.
    Extra processes happen only here, after a crash."""
    if len(failed.paths) <= 1 or "took longer" in failed.problem:
        return [failed]
    middle = len(failed.paths) // 2
    halves = [failed.paths[:middle], failed.paths[middle:]]
    runs = [_Run(tool, binary, profile, workspace, half, f"part{next(_run_numbers)}") for half in halves]
    results = []
    for run in runs:
        output = run.finish(deadline)
        results += _isolate(tool, binary, profile, workspace, output, deadline) if output.problem else [output]
    return results


# a batch's texts, in order -> [its Workspace, the tools still reading it]; the files' names
# in a workspace are their places in the batch, so texts alike are one workspace whatever
# the batch calls them
_workspaces: dict[tuple, list] = {}
_workspaces_lock = threading.Lock()


def _open_workspace(texts: dict[str, str]) -> tuple[Workspace, tuple]:
    """The batch written once for all the tools that read it (writing a file costs more than
    reading it), and the key that closes it."""
    key = tuple(texts.values())
    with _workspaces_lock:
        entry = _workspaces.get(key)
        if entry is None:
            folder = Path(tempfile.mkdtemp(prefix="ghcr-check-"))
            try:
                entry = _workspaces[key] = [_write(texts, folder), 0]
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
        entry[1] += 1
        return entry[0], key


def _close_workspace(key: tuple) -> None:
    with _workspaces_lock:
        entry = _workspaces[key]
        entry[1] -= 1
        if entry[1] == 0:
            del _workspaces[key]
            shutil.rmtree(entry[0].root, ignore_errors=True)


class Started:
    """One tool started over a whole batch: one process, and one more for each text the tool
    must read alone. They run while the caller does other work; outputs() waits for them
    (and, only if one crashed, runs the tool again on parts of its files).
    The caller's thread starts every tool before waiting for any: a tool thread waiting for
    the GIL between its writes started the tools half a second late."""

    def __init__(self, layer: str, texts: dict[str, str], profile: str):
        self.tool, self.profile = TOOLS[layer], profile
        self.names = _names(texts)
        self.binary = find_binary(self.tool)
        self.key: tuple | None = None
        if self.binary is None:
            return
        self.workspace, self.key = _open_workspace(texts)
        alone = re.compile(self.tool.alone, re.MULTILINE) if self.tool.alone else None
        single = {path for path, name in self.names.items() if alone and alone.search(texts[name])}
        shared = [path for path in self.names if path not in single]
        groups = ([shared] if shared else []) + [[path] for path in self.names if path in single]
        try:
            self.runs = [_Run(self.tool, self.binary, profile, self.workspace, paths, f"part{next(_run_numbers)}")
                         for paths in groups]
        except BaseException:
            _close_workspace(self.key)
            raise

    def cancel(self) -> None:
        """Stop the tool's processes unread and remove the batch's files, if no other tool reads them."""
        if self.key is None:
            return
        for run in self.runs:
            if run.process is not None and run.process.poll() is None:
                run.process.kill()
                run.process.wait()
        _close_workspace(self.key)
        self.key = None

    def ended(self) -> bool:
        """Every process of the tool has exited (or none could start): outputs() will not wait."""
        return self.key is None or all(run.process is None or run.process.poll() is not None for run in self.runs)

    def outputs(self) -> tuple[list[ToolOutput], dict[str, str]]:
        """The tool's outputs over the batch, and the batch's relative path -> name."""
        if self.key is None:
            return [ToolOutput(list(self.names), problem=f"{self.tool.executable} is not installed")], self.names
        try:
            return self._outputs(), self.names
        finally:
            _close_workspace(self.key)

    def _outputs(self) -> list[ToolOutput]:
        return [output for run in self.runs for output in self._finish(run)]

    def _finish(self, run: _Run) -> list[ToolOutput]:
        tool, binary, profile, workspace = self.tool, self.binary, self.profile, self.workspace
        output = run.finish(time.monotonic() + TIMEOUT_SECONDS)
        skipped = []
        # A run that stopped at a file the tool names as unreadable runs again without it: one
        # more run, where halving would take two per halving to find the same file.
        while output.problem and run.process is not None and (blamed := _blamed(tool, output)):
            skipped.append(ToolOutput([blamed], "", output.stderr, output.exit_code))
            rest = [path for path in output.paths if path != blamed]
            if not rest:
                return skipped
            run = _Run(tool, binary, profile, workspace, rest, f"part{next(_run_numbers)}")
            output = run.finish(time.monotonic() + TIMEOUT_SECONDS)
        if output.problem and run.process is not None:
            return skipped + _isolate(tool, binary, profile, workspace, output, time.monotonic() + TIMEOUT_SECONDS)
        return skipped + [output]


def _blamed(tool: Tool, output: ToolOutput) -> str | None:
    """The one file of a failed run that the tool says it cannot read as a workflow, if it names one."""
    if len(output.paths) < 2 or not any(marker in output.stderr for marker in tool.unreadable_file):
        return None
    named = {match.group(0).removeprefix("file://") for match in _OUR_FILE_NAMES.finditer(output.stderr)}
    named &= set(output.paths)
    return named.pop() if len(named) == 1 else None


_ahead: dict[str, Started] = {}  # layer -> its tool, started before the batch was known (begin)


def begin(layer: str, texts: dict[str, str], profile: str) -> None:
    """Start the layer's tool now, over the texts a batch is expected to hold (ghcr_check/early.py).
    start() takes this run over if its batch turns out to hold the same texts, in the same
    order, under the same profile; otherwise the run is stopped unread (cancel_ahead)."""
    cancel_ahead(layer)
    _ahead[layer] = Started(layer, texts, profile)


def cancel_ahead(layer: str | None = None) -> None:
    """Stop the runs begun ahead that no batch took over (of one layer, or all)."""
    for name in [layer] if layer else list(_ahead):
        started = _ahead.pop(name, None)
        if started is not None:
            started.cancel()


def _taken_over(layer: str, texts: dict[str, str], profile: str) -> Started | None:
    ahead = _ahead.pop(layer, None)
    if ahead is None:
        return None
    if ahead.profile == profile and ahead.key == tuple(texts.values()):  # its workspace's key: its texts, in order
        ahead.names = _names(texts)  # the same files, named as this batch names them
        return ahead
    ahead.cancel()
    return None


def start(layer: str, texts: dict[str, str], profile: str, failure: Callable[[str], object],
          parse: Callable[[str, dict], list]) -> Callable[[], dict[str, list]]:
    """Start the layer's tool over texts (or take over the run begun ahead for them); the function
    returned waits for it and gives the findings per name (see findings_by_name for failure and parse)."""
    started = (_taken_over(layer, texts, profile) or Started(layer, texts, profile)) if texts else None

    def findings() -> dict[str, list]:
        if started is None:
            return {}
        outputs, names = started.outputs()
        return findings_by_name(outputs, names, texts, failure, parse)

    findings.ended = lambda: started is None or started.ended()
    return findings


def findings_by_name(outputs: list[ToolOutput], names: dict[str, str], texts: dict[str, str],
                     failure: Callable[[str], object], parse: Callable[[str, dict], list]) -> dict[str, list]:
    """Findings per name from a tool's outputs: parse(stdout, names) gives (name, finding)
    pairs; a run with a problem gives failure(problem) for every file it covered."""
    results: dict[str, list] = {name: [] for name in texts}
    for output in outputs:
        problem = output.problem
        pairs = []
        if not problem:
            try:
                pairs = parse(output.stdout, names)
            except ValueError as error:  # not the JSON report this version of the tool writes
                problem = f"its report could not be read ({one_line(str(error), 120)})"
        if problem:
            for path in output.paths:
                results[names[path]].append(failure(problem))
            continue
        for name, found in pairs:
            if name in results and found is not None and found not in results[name]:
                results[name].append(found)
    return results


# -- the rules' data ---------------------------------------------------------------


@lru_cache(maxsize=None)
def rule_entries(file_name: str) -> tuple[dict, ...]:
    """The entries of data/rules/<file_name> with every key, including those the
    registry ignores (audit, kind, match, ignore, duplicates, profile, docs)."""
    return tuple(datafile.load(f"rules/{file_name}") or ())


EXTERNAL_RULE_FILES = ("zizmor.yml", "actionlint.yml")


@lru_cache(maxsize=1)
def duplicates() -> dict[str, tuple[str, ...]]:
    """Rule ID -> the rules (or 'E*'-style prefixes) that, on the same line, report the same problem."""
    found = {}
    for file_name in EXTERNAL_RULE_FILES:
        for entry in rule_entries(file_name):
            if entry.get("duplicates"):
                found[str(entry["id"])] = tuple(str(d) for d in entry["duplicates"])
    return found


def one_line(text: str, limit: int = 160) -> str:
    """A tool's text squeezed onto one line, cut at limit characters."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def char_column(lines: list[str], line: int, byte_column: int) -> int:
    """1-based character column from a tool's 1-based byte column (both tools count bytes)."""
    if not 1 <= line <= len(lines) or byte_column <= 1:
        return max(byte_column, 1)
    prefix = lines[line - 1].encode("utf-8", "surrogatepass")[: byte_column - 1]
    return len(prefix.decode("utf-8", "ignore")) + 1
