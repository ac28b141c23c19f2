"""Does `on:` start the workflow for an event? Trigger filters and GitHub's glob patterns."""
from __future__ import annotations

import re

from .events import Event, SampleContext

PR_TYPES_RUN_BY_DEFAULT = ("opened", "synchronize", "reopened")

def triggers(root) -> dict[str, dict] | None:
    """on: as {event: its filters}; None where on: is missing or unreadable."""
    on = root.get("on", root.get(True)) if isinstance(root, dict) else None
    if isinstance(on, str):
        return {on: {}}
    if isinstance(on, list):
        return {str(item): {} for item in on if isinstance(item, str)}
    if isinstance(on, dict):
        return {str(k): (v if isinstance(v, dict) else {}) for k, v in on.items()}
    return None


def _glob(pattern: str) -> re.Pattern:
    """A filter pattern of on: (*, **, ?, +, [], \\ escapes) as a regular expression."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif ch == "*":
            out.append("[^/]*")
            i += 1
        elif ch in "?+" and out:
            out.append(ch)  # zero-or-one / one-or-more of the character before
            i += 1
        elif ch == "[" and "]" in pattern[i + 1:]:
            end = pattern.index("]", i + 1)
            out.append(pattern[i: end + 1])
            i = end + 1
        else:
            out.append(re.escape(ch))
            i += 1
    try:
        return re.compile("".join(out) + r"\Z")
    except re.error:
        return re.compile(re.escape(pattern) + r"\Z")


def _patterns(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return []


def matches_filter(name: str, patterns: list[str]) -> bool:
    """GitHub's rule: patterns apply in order; a later `!pattern` excludes what an earlier one matched."""
    matched = False
    for pattern in patterns:
        if pattern.startswith("!"):
            if _glob(pattern[1:]).match(name):
                matched = False
        elif _glob(pattern).match(name):
            matched = True
    return matched


def _filter_text(key: str, patterns: list[str]) -> str:
    return f"`{key}: [{', '.join(patterns)}]`"


def runs_for(on: dict[str, dict], event: Event, ctx: SampleContext) -> tuple[bool, str, list[str]]:
    """(runs, why not, assumptions) for this event."""
    if event.name not in on:
        return False, f"`on:` has no `{event.name}` trigger", []
    filters = on[event.name] or {}
    notes = []
    if event.name in ("push", "pull_request"):
        if event.name == "push":
            ref = event.ref
            kind = "tags" if ref.startswith("refs/tags/") else "branches"
            name = ref.split("/", 2)[2]
        else:
            kind, name = "branches", ctx.base_ref
            types = _patterns(filters.get("types"))
            if types and not set(types) & set(PR_TYPES_RUN_BY_DEFAULT):
                return False, f"`types: [{', '.join(types)}]` leaves out opened and synchronize", []
        other = "branches" if kind == "tags" else "tags"
        if kind in filters or f"{kind}-ignore" in filters:
            if kind in filters:
                patterns = _patterns(filters[kind])
                if not matches_filter(name, patterns):
                    return False, f"{_filter_text(kind, patterns)} does not match `{name}`", []
            else:
                patterns = _patterns(filters[f"{kind}-ignore"])
                if matches_filter(name, [p.lstrip("!") for p in patterns]):
                    return False, f"{_filter_text(kind + '-ignore', patterns)} matches `{name}`", []
        elif event.name == "push" and (other in filters or f"{other}-ignore" in filters):
            pushed = "a tag push" if kind == "tags" else "a branch push"
            return False, f"`on: push:` lists {other} only, so {pushed} does not start it", []
        if ("paths" in filters or "paths-ignore" in filters) and kind != "tags":
            notes.append("assuming the change touches a file that the `paths` filter lets through")
    return True, "", notes


