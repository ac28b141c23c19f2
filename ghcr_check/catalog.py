"""The action catalog: versions, commit SHAs, inputs and outputs of every action we know.

It is read from data/catalog.yml; nothing else in the project names a version.
"""
from __future__ import annotations

import re
from functools import lru_cache

from . import datafile
from .records import record

SHA_RE = re.compile(r"^[0-9a-f]{40}$")
SHORT_SHA_RE = re.compile(r"^[0-9a-f]{7,39}$")
VERSION_RE = re.compile(r"^v(\d+)(?:\.(\d+))?(?:\.(\d+))?$")


def _version_tuple(tag: str) -> tuple[int, int, int] | None:
    match = VERSION_RE.match(tag)
    if not match:
        return None
    return tuple(int(part or 0) for part in match.groups())  # type: ignore[return-value]


@record(frozen=True)
class ActionInput:
    name: str
    required: bool
    default: str | None


@record(frozen=True)
class CatalogAction:
    action: str  # owner/repo[/path]
    current_major: str
    newest_tag: str
    sha: str
    tag_date: str
    as_of: str
    moving_major_tag: bool
    runtime: str
    description: str
    older_majors: dict
    inputs: dict  # name -> ActionInput
    outputs: tuple

    @property
    def tag_ref(self) -> str:
        """The readable ref snippets use: the moving major, or the full version where none exists."""
        return self.current_major if self.moving_major_tag else self.newest_tag

    def pinned(self) -> str:
        return f"{self.sha} # {self.newest_tag}"

    def major_of(self, ref: str) -> int | None:
        version = _version_tuple(ref)
        return version[0] if version else None

    @property
    def current_major_number(self) -> int:
        return int(self.current_major.lstrip("v"))

    def known_majors(self) -> dict[str, str | None]:
        majors = dict(self.older_majors)
        majors[self.current_major] = self.runtime
        return majors


@record(frozen=True)
class RefInfo:
    """What the catalog can tell about `uses: action@ref`."""

    kind: str  # major | release | sha | short-sha | other
    exists: bool | None  # None: cannot be told from the catalog
    major: int | None
    version: str | None  # the tag the ref stands for, where known
    why: str = ""


@record(frozen=True)
class Release:
    """One tag of an action's repository and the commit it points to (data/releases/*.tsv)."""

    tag: str
    commit: str
    date: str

    @property
    def version(self) -> tuple[int, int, int] | None:
        return _version_tuple(self.tag)


class Catalog:
    def __init__(self, actions: list[CatalogAction], digest: str, releases: dict | None = None):
        self.actions = {a.action.lower(): a for a in actions}
        self.digest = digest  # part of every cache key: findings depend on it
        self.releases: dict[str, tuple[Release, ...]] = releases or {}  # owner/repo (lowercase) -> tags
        self._classified: dict[tuple[int, str], tuple[CatalogAction, RefInfo]] = {}

    def releases_of(self, entry: CatalogAction) -> tuple[Release, ...]:
        return self.releases.get("/".join(entry.action.lower().split("/")[:2]), ())

    def release_for_commit(self, entry: CatalogAction, sha: str) -> str | None:
        """The most precise version tag (v4.1.0 before v4) pointing at sha, if any."""
        tags = [r for r in self.releases_of(entry) if r.commit == sha.lower() and r.version]
        return max(tags, key=lambda r: (r.tag.count("."), r.version)).tag if tags else None

    def commit_of(self, entry: CatalogAction, tag: str) -> str | None:
        return next((r.commit for r in self.releases_of(entry) if r.tag == tag), None)

    def newest_known(self, entry: CatalogAction) -> tuple[int, int, int] | None:
        """The newest version the catalog and the release lists know of."""
        versions = [r.version for r in self.releases_of(entry) if r.version] + [_version_tuple(entry.newest_tag)]
        versions = [v for v in versions if v]
        return max(versions) if versions else None

    def __iter__(self):
        return iter(self.actions.values())

    def get(self, action: str) -> CatalogAction | None:
        return self.actions.get(action.lower())

    @property
    def as_of(self) -> str:
        return max(a.as_of for a in self)

    def classify(self, entry: CatalogAction, ref: str) -> RefInfo:
        """What ref is for entry; worked out once per entry and ref (a batch asks again and again)."""
        known = self._classified.get((id(entry), ref))
        if known is None or known[0] is not entry:
            known = self._classified[(id(entry), ref)] = (entry, self._classify(entry, ref))
        return known[1]

    def _classify(self, entry: CatalogAction, ref: str) -> RefInfo:
        if SHA_RE.match(ref):
            if ref == entry.sha:
                return RefInfo("sha", True, entry.current_major_number, entry.newest_tag)
            tag = self.release_for_commit(entry, ref)
            if tag:
                return RefInfo("sha", True, _version_tuple(tag)[0], tag)
            return RefInfo("sha", None, None, None)
        if SHORT_SHA_RE.match(ref) and not VERSION_RE.match(ref):
            return RefInfo("short-sha", None, None, None)
        version = _version_tuple(ref)
        if version is None:
            return RefInfo("other", None, None, None)
        major = version[0]
        releases = self.releases_of(entry)
        if any(r.tag == ref for r in releases):
            return RefInfo("major" if ref == f"v{major}" else "release", True, major, ref)
        newest_known = self.newest_known(entry)
        if releases and newest_known and version > newest_known and major <= newest_known[0] + 1:
            return RefInfo("major" if ref == f"v{major}" else "release", None, major, ref, "newer than catalog")
        in_major = [r for r in releases if r.version and r.version[0] == major and r.tag != f"v{major}"]
        if in_major and ref != f"v{major}":
            highest = max(in_major, key=lambda r: r.version)
            if version < highest.version:  # a gap in a complete list: no such tag
                return RefInfo("release", False, major, None,
                               f"the action has no {ref} tag (its v{major} releases go up to {highest.tag})")
            return RefInfo("release", None, major, ref, "newer than catalog")  # a later release of an old major
        majors = entry.known_majors()
        tag = f"v{major}"
        is_major_only = ref == tag
        if tag not in majors:
            newest = _version_tuple(entry.newest_tag)
            if newest and major > newest[0]:
                return RefInfo("major" if is_major_only else "release", False, major, None,
                               f"the newest major is {entry.current_major} (as of {entry.as_of})")
            return RefInfo("major" if is_major_only else "release", False, major, None,
                           f"the action has no v{major} release")
        if is_major_only:
            if major == entry.current_major_number and not entry.moving_major_tag:
                return RefInfo("major", False, major, None,
                               f"there is no moving {tag} tag, only full versions such as {entry.newest_tag}")
            return RefInfo("major", True, major, tag)
        newest = _version_tuple(entry.newest_tag)
        if major == entry.current_major_number and newest and version > newest:
            return RefInfo("release", None, major, ref, "newer than catalog")
        return RefInfo("release", True, major, ref)


def _parse(text: str) -> list[CatalogAction]:
    data = datafile.load_data(text)
    actions = []
    for entry in data["actions"]:
        inputs = {
            name: ActionInput(name, bool((spec or {}).get("required")), (spec or {}).get("default"))
            for name, spec in (entry.get("inputs") or {}).items()
        }
        actions.append(
            CatalogAction(
                action=entry["action"],
                current_major=entry["current_major"],
                newest_tag=entry["newest_tag"],
                sha=entry["sha"],
                tag_date=str(entry["tag_date"]),
                as_of=str(entry["as_of"]),
                moving_major_tag=bool(entry["moving_major_tag"]),
                runtime=entry["runtime"],
                description=entry.get("description", ""),
                older_majors=dict(entry.get("older_majors") or {}),
                inputs=inputs,
                outputs=tuple(entry.get("outputs") or ()),
            )
        )
    return actions


def parse_releases(text: str) -> tuple[Release, ...]:
    """One data/releases/<owner>__<repo>.tsv: a header `tag commit date`, then one tag a line."""
    lines = [line.split("\t") for line in text.splitlines() if line.strip()]
    if not lines or lines[0] != ["tag", "commit", "date"]:
        raise ValueError("a releases file starts with the header: tag<TAB>commit<TAB>date")
    return tuple(Release(tag, commit.lower(), date) for tag, commit, date in lines[1:])


@lru_cache(maxsize=1)
def _sources() -> tuple[str, tuple[tuple[str, str], ...]]:
    """catalog.yml's text and each data/releases/<owner>__<repo>.tsv as (file name, text),
    read once for both the digest and the catalog."""
    folder = datafile.root().joinpath("releases")
    releases = tuple((item.name, item.read_text("utf-8")) for item in sorted(folder.iterdir(), key=lambda i: i.name)
                     if item.name.endswith(".tsv"))
    return datafile.read_text("catalog.yml"), releases


def load_releases() -> dict[str, tuple[Release, ...]]:
    """owner/repo -> its tags, from data/releases/ (the file name is owner__repo.tsv)."""
    return {name[:-4].replace("__", "/", 1).lower(): parse_releases(text) for name, text in _sources()[1]}


@lru_cache(maxsize=1)
def catalog_digest() -> str:
    """The catalog's fingerprint with its release lists, part of every cache key; found without parsing."""
    catalog_text, releases = _sources()
    return datafile.new_hash((catalog_text + "".join(name + text for name, text in releases)).encode()).hexdigest()[:16]


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    return Catalog(_parse(_sources()[0]), catalog_digest(), load_releases())


@lru_cache(maxsize=1)
def equivalents() -> dict[str, frozenset]:
    """Action -> the actions that take its inputs and do the same (data/equivalents.yml), lowercase."""
    data = datafile.load("equivalents.yml") or {}
    return {name.lower(): frozenset(str(e["action"]).lower() for e in entries) for name, entries in data.items()}


@record(frozen=True)
class Uses:
    """A parsed `uses:` value."""

    raw: str
    kind: str  # action | local | docker | invalid
    action: str = ""  # owner/repo[/path]
    ref: str = ""


def parse_uses(value: str) -> Uses:
    value = str(value).strip()
    if value.startswith("./") or value.startswith("../"):
        return Uses(value, "local")
    if value.startswith("docker://"):
        return Uses(value, "docker")
    name, sep, ref = value.partition("@")
    parts = name.split("/")
    if len(parts) < 2 or not all(parts):
        return Uses(value, "invalid", name, ref)
    return Uses(value, "action", name, ref if sep else "")
