"""Events a preview imagines (`push:refs/tags/v1.2.3`, `pull_request:42`, ...) and the sample run's context."""
from __future__ import annotations

import datetime as dt
import re

from ..records import record


class UsageError(ValueError):
    """A bad --preview EVENT or --context KEY=VALUE: the message says what to write."""


@record(frozen=True)
class Event:
    name: str  # push, pull_request, schedule, workflow_dispatch
    ref: str = ""  # filled in for schedule and pull_request from the context
    number: int | None = None

    def __str__(self) -> str:
        if self.name == "pull_request":
            return f"pull_request:{self.number}"
        if self.name == "schedule" or not self.ref:
            return self.name
        return f"{self.name}:{self.ref}"

    def run_ref(self, ctx: "SampleContext") -> str:
        """GITHUB_REF for this event."""
        if self.name == "pull_request":
            return f"refs/pull/{self.number}/merge"
        if self.name == "schedule" or not self.ref:
            return f"refs/heads/{ctx.default_branch}"
        return self.ref

    def label(self, ctx: "SampleContext") -> str:
        """How a page names the event."""
        ref = self.run_ref(ctx)
        if self.name == "pull_request":
            return f"Pull request #{self.number}"
        if self.name == "schedule":
            return f"Schedule (runs on `{ctx.default_branch}`)"
        where = f"tag `{ref[len('refs/tags/'):]}`" if ref.startswith("refs/tags/") else f"`{short_ref(ref)}`"
        if self.name == "workflow_dispatch":
            return f"Manual run (`workflow_dispatch`) on {where}"
        return f"Push of {where}" if ref.startswith("refs/tags/") else f"Push to {where}"


EVENT_FORMS = "push:<ref> (push:refs/heads/main, push:refs/tags/v1.2.3), pull_request:<number>, schedule, workflow_dispatch:<ref>"
_REF_RE = re.compile(r"refs/(heads|tags)/[^\s~^:?*\[\\]+")


def parse_event(text: str) -> Event:
    raw = str(text).strip()
    name, sep, arg = raw.partition(":")
    if name == "push":
        if not _REF_RE.fullmatch(arg):
            hint = f" (write push:refs/heads/{arg} or push:refs/tags/{arg})" if arg and not arg.startswith("refs/") else ""
            raise UsageError(f"'{raw}' is not an event: push needs a full ref{hint}; events are {EVENT_FORMS}")
        return Event("push", arg)
    if name == "pull_request":
        if not arg.isdigit() or int(arg) == 0:
            raise UsageError(f"'{raw}' is not an event: pull_request needs a number, as in pull_request:42")
        return Event("pull_request", number=int(arg))
    if name == "schedule":
        if sep:
            raise UsageError(f"'{raw}' is not an event: write schedule alone (it runs on the default branch)")
        return Event("schedule")
    if name == "workflow_dispatch":
        if sep and not _REF_RE.fullmatch(arg):
            raise UsageError(f"'{raw}' is not an event: workflow_dispatch needs a full ref, as in "
                             "workflow_dispatch:refs/heads/main")
        return Event("workflow_dispatch", arg)
    raise UsageError(f"'{raw}' is not an event the preview knows; events are {EVENT_FORMS}")


@record(frozen=True)
class SampleContext:
    """The run the preview imagines. The owner has capitals on purpose: GitHub keeps them."""

    repository: str = "Octo-Org/Hello-World"
    default_branch: str = "main"
    sha: str = "5f3c8e1a9b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e"
    date: dt.datetime = dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.timezone.utc)
    base_ref: str = "main"
    variables: tuple[tuple[str, str], ...] = ()  # (NAME, value) for vars.NAME, which only the reader knows

    def variable(self, name: str) -> str | None:
        return next((value for key, value in self.variables if key.casefold() == name.casefold()), None)

    @property
    def owner(self) -> str:
        return self.repository.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.repository.split("/", 1)[1]


CONTEXT_KEYS = {
    "sha": "the commit, 40 hex digits",
    "default_branch": "the repository's default branch, e.g. main",
    "repository": "owner/name, e.g. Octo-Org/Hello-World",
    "date": "ISO 8601, e.g. 2026-11-27T02:30:00Z (for schedule and {{date}} patterns)",
    "base_ref": "the pull request's base branch, e.g. main",
    "vars.NAME": "a configuration variable the workflow reads, e.g. vars.DOCKERHUB_USERNAME=octocat",
}


def parse_context(pairs: list[str] | None, base: SampleContext | None = None) -> SampleContext:
    values = dict((base or SampleContext()).__dict__)
    for pair in pairs or []:
        key, sep, value = str(pair).partition("=")
        key, value = key.strip(), value.strip()
        if sep and re.fullmatch(r"vars\.[A-Za-z_][A-Za-z0-9_]*", key):
            values["variables"] = tuple(v for v in values["variables"] if v[0] != key[5:]) + ((key[5:], value),)
            continue
        if not sep or key not in CONTEXT_KEYS:
            known = ", ".join(f"{k} ({v})" for k, v in CONTEXT_KEYS.items())
            raise UsageError(f"'{pair}' is not KEY=VALUE with a known key; keys: {known}")
        if key == "sha":
            if not re.fullmatch(r"[0-9a-fA-F]{40}|[0-9a-fA-F]{64}", value):
                raise UsageError(f"sha={value}: a commit SHA is 40 hex digits")
            value = value.lower()
        elif key == "repository":
            if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+", value):
                raise UsageError(f"repository={value}: write owner/name, e.g. Octo-Org/Hello-World")
        elif key in ("default_branch", "base_ref"):
            if not value or not re.fullmatch(r"[^\s~^:?*\[\\]+", value) or value.startswith("refs/"):
                raise UsageError(f"{key}={value}: write a branch name, e.g. main")
        elif key == "date":
            try:
                parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
            except ValueError:
                raise UsageError(f"date={value}: write an ISO 8601 date, e.g. 2026-11-27T02:30:00Z") from None
            value = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
        values[key] = value
    return SampleContext(**values)




def short_ref(ref: str) -> str:
    """refs/tags/v1.2.3 -> v1.2.3"""
    return ref.split("/", 2)[2] if ref.count("/") >= 2 else ref
