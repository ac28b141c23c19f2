"""What a check knows beyond the workflow text: the run context and the repository around the file.

A workflow text alone cannot say whose repository it runs in (the owner's capitals
decide G005), what a local action (`uses: ./path`) does, or with which permissions
a reusable workflow's callers call it. RunContext carries what the caller of the
engine knows; the rest stays unknown, and unknown is not wrong.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from . import yamldoc
from .datafile import new_hash
from .records import record

ACTION_FILES = ("action.yml", "action.yaml")
WORKFLOW_SUFFIXES = (".yml", ".yaml")


@record(frozen=True)
class RunContext:
    """What the engine knows about the run, for every text of one batch.

    repository: "Owner/name", as GitHub spells it (None: unknown).
    profile: default | hardened.
    path: the checked file on disk, when the text is one; its checkout (the folder
          holding `.github/`) is read for local actions and same-repository callers.
    """

    repository: str | None = None
    profile: str = "default"
    path: Path | None = None

    @property
    def owner(self) -> str | None:
        return self.repository.split("/", 1)[0] if self.repository and "/" in self.repository else None

    def owner_has_capitals(self) -> bool | None:
        """True or False when the owner is known; None when it is not."""
        return None if self.owner is None else self.owner != self.owner.lower()

    @property
    def root(self) -> Path | None:
        return repository_root(self.path) if self.path is not None else None

    def local_action(self, uses: str) -> dict | None:
        """The parsed action.yml of `uses: ./path`, or None where it cannot be read."""
        root = self.root
        if root is None:
            return None
        return _action_at(root / uses)

    def callers(self) -> list[tuple[Path, dict]]:
        """(path, parsed workflow) of each workflow in the checkout that calls this file by `uses: ./...`."""
        root = self.root
        if root is None or self.path is None:
            return []
        target = self.path.resolve()
        found = []
        for path, doc in _workflows(root):
            jobs = doc.get("jobs") if isinstance(doc, dict) else None
            for job in (jobs or {}).values() if isinstance(jobs, dict) else ():
                uses = job.get("uses") if isinstance(job, dict) else None
                if isinstance(uses, str) and uses.startswith("./") and (root / uses.split("@")[0]).resolve() == target:
                    found.append((path, doc))
                    break
        return found

    def neighbours_digest(self, text: str, folders: dict | None = None) -> str:
        """Changes when a file this check may read changes: the workflows and local actions it names.

        folders: a memo the caller keeps for one batch, so a checkout's workflows are listed once,
        not once per file (200 files in one folder would be 40,000 stat calls)."""
        try:
            resolved = self.path.resolve() if self.path is not None else None
        except OSError:
            resolved = None
        root = _root_of(resolved) if resolved is not None else None
        if root is None:
            return ""
        folders = {} if folders is None else folders
        if root not in folders:
            folders[root] = _stats_digest(_workflow_files(root))
        digest = new_hash(f"{resolved}\0{folders[root]}".encode())
        locals_ = {root / local / name for local in re.findall(r"uses:\s*['\"]?(\./[^\s'\"@#]+)", text)
                   for name in ACTION_FILES}
        digest.update(_stats_digest(sorted(locals_)).encode())
        return digest.hexdigest()[:16]


def repository_root(path: Path) -> Path | None:
    """The checkout a workflow file belongs to: the folder holding its `.github/workflows/`."""
    try:
        return _root_of(path.resolve())
    except OSError:
        return None


def _root_of(resolved: Path) -> Path | None:
    if resolved.parent.name == "workflows" and resolved.parent.parent.name == ".github":
        return resolved.parent.parent.parent
    return None


def _parse(path: Path) -> dict | None:
    try:
        text, _ = yamldoc.decode(path.read_bytes())
    except OSError:
        return None
    if text is None:
        return None
    doc, _ = yamldoc.load(text)
    return doc.root if doc is not None and isinstance(doc.root, dict) else None


def _action_at(folder: Path) -> dict | None:
    for name in ACTION_FILES:
        if (folder / name).is_file():
            return _parse(folder / name)
    return None


def _workflow_files(root: Path) -> list[Path]:
    folder = root / ".github" / "workflows"
    try:
        return sorted(p for p in folder.iterdir() if p.suffix in WORKFLOW_SUFFIXES and p.is_file())
    except OSError:
        return []


def _workflows(root: Path) -> list[tuple[Path, dict]]:
    return [(p, doc) for p in _workflow_files(root) if (doc := _parse_cached(p, p.stat().st_mtime_ns)) is not None]


def _stats_digest(files) -> str:
    """Changes when any of files (in order) appears, disappears, or is written."""
    digest = new_hash()
    for file in files:
        try:
            stat = file.stat()
        except OSError:
            continue
        digest.update(f"{file}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


@lru_cache(maxsize=512)
def _parse_cached(path: Path, _mtime: int) -> dict | None:
    return _parse(path)


def origin_repository(directory: Path) -> str | None:
    """The "Owner/name" of the `origin` remote of the git checkout at or above directory, if on GitHub.

    Read from the checkout's config file (a worktree's `.git` file points to it), not by running git:
    no process to wait for."""
    config = _git_config(directory)
    if config is None:
        return None
    try:
        text = config.read_text("utf-8", "replace")
    except OSError:
        return None
    section = re.search(r'(?ms)^\s*\[remote\s+"origin"\]\s*$(.*?)(?=^\s*\[|\Z)', text)
    url = re.search(r"(?m)^\s*url\s*=\s*(\S+)", section.group(1)) if section else None
    match = re.search(r"github\.com[:/]([A-Za-z0-9-]+)/([A-Za-z0-9._-]+?)(?:\.git)?/?$", url.group(1)) if url else None
    return f"{match.group(1)}/{match.group(2)}" if match else None


def _git_config(directory: Path) -> Path | None:
    try:
        folder = directory.resolve()
    except OSError:
        return None
    for candidate in (folder, *folder.parents):
        dot_git = candidate / ".git"
        if dot_git.is_dir():
            return dot_git / "config"
        if dot_git.is_file():  # a worktree: "gitdir: <path>", whose commondir holds the shared config
            try:
                gitdir = Path(dot_git.read_text("utf-8").split("gitdir:", 1)[1].strip())
            except (OSError, IndexError):
                return None
            gitdir = gitdir if gitdir.is_absolute() else (candidate / gitdir)
            common = gitdir / "commondir"
            if common.is_file():
                try:
                    return (gitdir / common.read_text("utf-8").strip()).resolve() / "config"
                except OSError:
                    return None
            return gitdir / "config"
    return None
