"""Snippets: the one source of every workflow the course shows.

A snippet is a workflow file under snippets/ whose `uses:` lines name an action
without a version; the catalog supplies it, as a readable tag or a pinned SHA.
Header lines at the top (`#| key: value`) describe the snippet and are not shown.

    #| title: Publish on every push to main
    #| expect: G003          (a counter-example: must raise these rules, no other)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ghcr_check import rules
from ghcr_check.catalog import Catalog, parse_uses
from ghcr_check.rules import Finding

from .site_rules import finding

HEADER_PREFIX = "#|"
HEADER_KEYS = {
    "title": "what the workflow does, shown above it",
    "file": "the file name readers save it as (default: <id>.yml)",
    "expect": "rule IDs a counter-example must raise (and no other)",
    "why": "for a counter-example: what the reader should notice",
    "profile": "'hardened': also checked with the hardened profile ("
               + rules.profiles()["hardened"].description + ")",
}
PROFILES = rules.profile_names()
TAGS, PINNED = "tags", "pinned"
RENDERINGS = (TAGS, PINNED)
_USES_LINE = re.compile(
    r"""^(?P<lead>\s*(?:-\s+)?uses:\s+)(?P<q>['"]?)(?P<name>[^\s'"@#]+)(?P<ref>@[^\s'"#]+)?(?P=q)(?P<tail>\s*(?:#.*)?)$"""
)
_RULE_ID = re.compile(r"^[A-Z]\d{3}$")


@dataclass
class Snippet:
    id: str
    path: str  # relative to the project, e.g. snippets/publish-minimal.yml
    source: str
    meta: dict = field(default_factory=dict)
    body: str = ""
    offset: int = 0  # header lines above the body
    problems: list[Finding] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.meta.get("title", self.id)

    @property
    def file_name(self) -> str:
        return self.meta.get("file") or f"{self.id.rsplit('/', 1)[-1]}.yml"

    @property
    def expected_rules(self) -> tuple[str, ...]:
        return tuple(self.meta.get("expect", ()))

    @property
    def is_counter_example(self) -> bool:
        return bool(self.expected_rules)

    @property
    def profile(self) -> str:
        return self.meta.get("profile", "default")

    @property
    def renderings(self) -> tuple[str, ...]:
        # a counter-example shows what people write, one way: pinned where the point is hardening
        if self.is_counter_example:
            return (PINNED,) if self.profile == "hardened" else (TAGS,)
        return RENDERINGS

    def raw_name(self, rendering: str) -> str:
        """Where the raw file is served, relative to the site root."""
        return f"snippets/{self.id}.yml" if rendering == TAGS else f"snippets/{self.id}.pinned.yml"

    def source_line(self, line: int) -> int:
        return line + self.offset


def parse_snippet(snippet_id: str, path: str, source: str) -> Snippet:
    lines = source.splitlines(keepends=True)
    meta: dict = {}
    problems: list[Finding] = []
    count = 0
    for number, line in enumerate(lines, 1):
        if not line.startswith(HEADER_PREFIX):
            break
        count = number
        key, sep, value = line[len(HEADER_PREFIX):].strip().partition(":")
        key, value = key.strip(), value.strip()
        if not sep or key not in HEADER_KEYS:
            problems.append(finding("D007", (number, 1), problem=f"header line '{line.strip()}' is not a known '#| key: value'",
                                    fix="known keys: " + ", ".join(HEADER_KEYS)))
            continue
        if key == "profile" and value not in PROFILES:
            problems.append(finding("D007", (number, 1), problem=f"unknown profile '{value}'",
                                    fix="write '#| profile: hardened' or leave the line out"))
            continue
        if key == "expect":
            ids = tuple(re.split(r"[\s,]+", value)) if value else ()
            bad = [i for i in ids if not _RULE_ID.match(i)]
            if bad or not ids:
                problems.append(finding("D007", (number, 1), problem=f"'expect' needs rule IDs, got '{value}'",
                                        fix="write rule IDs such as '#| expect: G003, A002'"))
                continue
            meta[key] = ids
        else:
            meta[key] = value
    body = "".join(lines[count:])
    return Snippet(snippet_id, path, source, meta, body, count, problems)


def render(snippet: Snippet, catalog: Catalog, rendering: str) -> tuple[str, list[Finding]]:
    """The workflow text readers get, and the site rules it breaks (positions in the source file)."""
    out, problems = [], []
    for number, line in enumerate(snippet.body.splitlines(keepends=True), 1):
        newline = "\n" if line.endswith("\n") else ""
        match = _USES_LINE.match(line.rstrip("\n"))
        if not match:
            out.append(line)
            continue
        uses = parse_uses(match["name"] + (match["ref"] or ""))
        at = (snippet.source_line(number), match.start("name") + 1)
        if uses.kind != "action" or "$" in match["name"]:
            out.append(line)  # local, docker:// and expressions are not versioned by the catalog
            continue
        if match["tail"].strip():
            problems.append(finding("D003", (snippet.source_line(number), match.start("tail") + 1)))
        if match["ref"]:
            if not snippet.is_counter_example:
                problems.append(finding("D001", at, action=uses.action, ref=match["ref"][1:]))
            out.append(line)
            continue
        entry = catalog.get(uses.action)
        if entry is None:
            problems.append(finding("D002", at, action=uses.action))
            out.append(line)
            continue
        ref = entry.tag_ref if rendering == TAGS else entry.pinned()
        out.append(f"{match['lead']}{match['q']}{match['name']}@{ref.split(' #')[0]}{match['q']}"
                   f"{' #' + ref.split(' #', 1)[1] if ' #' in ref else ''}{newline}")
    return "".join(out), problems


class SnippetLibrary:
    """Every snippet under a directory, by id (its path without .yml).

    Besides YAML files, a Python file in snippets/ may compose snippets: its
    compose() returns {name: workflow text}, and each becomes <folder>/<name>.
    """

    def __init__(self, root: Path, project: Path | None = None):
        self.root = root
        self.project = project or root.parent
        self._snippets: dict[str, Snippet] | None = None
        self.problems: list[tuple[str, Finding]] = []  # (file, problem) for files that could not be read

    @property
    def snippets(self) -> dict[str, Snippet]:
        if self._snippets is None:
            found = {}
            for path in sorted(self.root.rglob("*.yml")):
                snippet_id = path.relative_to(self.root).with_suffix("").as_posix()
                relative = path.relative_to(self.project).as_posix()
                try:
                    text = path.read_bytes().decode("utf-8")
                except (OSError, UnicodeDecodeError) as err:
                    self.problems.append((relative, finding("Y005", why=str(err)[:120])))
                    continue
                found[snippet_id] = parse_snippet(snippet_id, relative, text)
            for path in sorted(self.root.rglob("*.py")):
                found.update(self._compose(path))
            self._snippets = found
        return self._snippets

    def _compose(self, path: Path) -> dict[str, Snippet]:
        import importlib.util

        relative = path.relative_to(self.project).as_posix()
        folder = path.parent.relative_to(self.root).as_posix()
        try:
            spec = importlib.util.spec_from_file_location(f"snippet_composition_{path.stem}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            composed = module.compose()
        except Exception as error:  # noqa: BLE001 - an author's bug becomes a build error, not a traceback
            self.problems.append((relative, finding("D009", path=relative, error=f"{type(error).__name__}: {error}"[:200])))
            return {}
        prefix = "" if folder == "." else f"{folder}/"
        return {f"{prefix}{name}": parse_snippet(f"{prefix}{name}", relative, text) for name, text in composed.items()}

    def get(self, snippet_id: str) -> Snippet | None:
        return self.snippets.get(snippet_id)

    def __iter__(self):
        return iter(self.snippets.values())


def _indent(line: str) -> int:
    stripped = line.lstrip(" ")
    extra = len(stripped) - len(stripped[1:].lstrip(" ")) if stripped.startswith("- ") else 0
    return len(line) - len(stripped) + extra


def _span(lines: list[str], start: int) -> tuple[int, int]:
    """(start, last) 1-based: the line of a key or item and everything nested under it."""
    base = len(lines[start - 1]) - len(lines[start - 1].lstrip(" "))
    is_item = lines[start - 1].lstrip().startswith("- ")
    last = start
    for number in range(start + 1, len(lines) + 1):
        line = lines[number - 1]
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent < base or (indent == base and (not is_item or line.lstrip().startswith("- "))):
            break
        if indent == base and is_item and not line.lstrip().startswith("- "):
            break
        last = number
    return start, last


@lru_cache(maxsize=256)
def _parsed(text: str):
    """The document a page's targets are looked up in, parsed once however many targets it has."""
    from ghcr_check.yamldoc import load

    doc, _ = load(text)
    return doc.root if doc is not None else None


def locate_target(text: str, target) -> tuple[int, int] | None:
    """Lines (first, last) a page's target names: a line number, a key path, or steps.<id>."""
    lines = text.splitlines()
    if isinstance(target, int):
        return (target, target) if 1 <= target <= len(lines) else None
    node = _parsed(text)
    if node is None:
        return None  # a broken counter-example has no key paths
    # dots separate keys; a step name with dots goes in brackets: steps[Log in to ghcr.io]
    parts = [p.strip("[]") for p in re.findall(r"\[[^\]]*\]|[^.\[\]]+", str(target))]
    if parts[0] == "steps" and len(parts) >= 2:
        jobs = node.get("jobs") or {}
        parts = next((["jobs", j, *parts] for j, job in jobs.items()
                      if isinstance(job, dict) and _find_step(job.get("steps"), parts[1]) is not None), parts)
    line = None
    current = node
    for part in parts:
        if isinstance(current, dict) and part in current:
            line = current.lc.key(part)[0] + 1
            current = current[part]
        elif isinstance(current, list):
            index = int(part) if part.isdigit() else _find_step(current, part)
            if index is None or index >= len(current):
                return None
            line = current.lc.item(index)[0] + 1
            current = current[index]
        else:
            return None
    if line is None:
        return None
    block_scalar = lines[line - 1].rstrip().endswith(("|", ">", "|-", ">-", "|+", ">+"))
    return _span(lines, line) if isinstance(current, (dict, list)) or block_scalar else (line, line)


def _find_step(steps, key: str) -> int | None:
    if not isinstance(steps, list):
        return None
    for index, step in enumerate(steps):
        if isinstance(step, dict) and (str(step.get("id")) == key or str(step.get("name")) == key):
            return index
    return None
