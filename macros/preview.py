"""Tag preview: which image references a workflow pushes for an event.

Given a workflow, an event (`push:refs/heads/main`, `push:refs/tags/v1.2.3`,
`pull_request:42`, `schedule`, `workflow_dispatch:refs/heads/main`) and a sample
context (repository, default branch, commit, date), it works out what GitHub and
the actions would do: whether `on:` starts the workflow, which jobs and steps
their `if:` lets run, what `$GITHUB_ENV` and `$GITHUB_OUTPUT` hold, what
docker/metadata-action outputs (macros.metadata_tags), and what each
docker/build-push-action step pushes.

It evaluates a subset and says so: anything outside it (a secret, a matrix value,
a shell computation, `type=match`, ...) makes the preview "not previewed: <why>",
never a guess. A step that pushes with an empty tag list is a G011 finding.

Front ends: `ghcr-check --preview EVENT [--context KEY=VALUE]` (cli.py) and the
page macro `tag_preview(snippet_id, events=None, context=None)` (place() below).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from . import expressions, imageref, yamldoc
from .expressions import STEP_OUTPUT_RE, find_expressions, split_expressions
from .metadata_tags import MetaContext, MetadataError, NotPreviewed, compute
from .rules import Finding, finding
from .workflow import Job, Piece, Step, Workflow
from .yamldoc import value_position

BUILD_PUSH = "docker/build-push-action"
METADATA = "docker/metadata-action"
# Actions that can push, whose pushes this module does not evaluate.
OTHER_PUSHING_ACTIONS = ("docker/bake-action", "redhat-actions/push-to-registry", "docker/github-builder")
# Shell commands that push image references. Of scripts, the preview reads only `echo NAME=value >>
# $GITHUB_ENV / $GITHUB_OUTPUT` and imagetools create fed with metadata-action's tags (imagetools_refs).
IMAGETOOLS_CREATE = r"\bbuildx\s+imagetools\s+create\b"
SHELL_PUSH_COMMANDS = (
    r"\bdocker\s+(?:image\s+)?push\b",
    r"\bdocker\s+(?:buildx\s+)?build\b[^\n]*\s--push\b",
    IMAGETOOLS_CREATE,
    r"\b(?:podman|buildah)\s+(?:manifest\s+)?push\b",
    r"\bskopeo\s+copy\b",
    r"\bcrane\s+(?:push|copy|tag|append)\b",
    r"\boras\s+push\b",
)
# build-push-action outputs: that keep the image on the runner or in a file.
LOCAL_OUTPUT_TYPES = ("docker", "local", "tar", "oci", "cacheonly")
STATUS_FUNCTIONS = {"success": True, "always": True, "failure": False, "cancelled": False}
PR_TYPES_RUN_BY_DEFAULT = ("opened", "synchronize", "reopened")
BOOLEAN_INPUTS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


# -- events and the sample context -------------------------------------------------------


class UsageError(ValueError):
    """A bad --preview EVENT or --context KEY=VALUE: the message says what to write."""


@dataclass(frozen=True)
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
        where = f"tag `{ref[len('refs/tags/'):]}`" if ref.startswith("refs/tags/") else f"`{_short_ref(ref)}`"
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


@dataclass(frozen=True)
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


# -- GitHub's expression language (parsed by macros.expressions, evaluated here) ------------


@dataclass(frozen=True)
class ContextPath:
    """`github.event.pull_request.number`, not yet looked up."""

    parts: tuple[str, ...]


def _to_number(value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return 0.0
        try:
            return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
        except ValueError:
            return float("nan")
    return float("nan")


def truthy(value) -> bool:
    if isinstance(value, float):
        return value == value and value != 0
    return value not in (None, False, "")


def to_text(value) -> str:
    """A value as `${{ }}` puts it into a string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    raise NotPreviewed("an expression gives an object or array where a string is needed")


def _equal(a, b) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    if type(a) is type(b) and not isinstance(a, (str, float, bool)) and a is not None:
        return a is b
    return _to_number(a) == _to_number(b)


def _compare(op: str, a, b) -> bool:
    if op == "==":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    if isinstance(a, str) and isinstance(b, str):
        x, y = a.casefold(), b.casefold()
    else:
        x, y = _to_number(a), _to_number(b)
        if x != x or y != y:
            return False
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def _format(template: str, args: list) -> str:
    out, i = [], 0
    while i < len(template):
        ch = template[i]
        if template.startswith("{{", i) or template.startswith("}}", i):
            out.append(ch)
            i += 2
        elif ch == "{":
            end = template.find("}", i)
            index = template[i + 1: end] if end != -1 else ""
            if not index.isdigit() or int(index) >= len(args):
                raise NotPreviewed(f"format('{template}', ...) has a placeholder without an argument")
            out.append(to_text(args[int(index)]))
            i = end + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class Evaluator:
    """Evaluates a tree from expressions.parse(); `lookup(parts)` supplies context values."""

    def __init__(self, lookup):
        self.lookup = lookup

    def value(self, node):
        result = self.eval(node)
        return self.lookup(result.parts) if isinstance(result, ContextPath) else result

    def eval(self, node):
        if isinstance(node, expressions.Literal):
            return node.value
        if isinstance(node, expressions.ContextRef):
            return ContextPath((node.name,))
        if isinstance(node, expressions.Group):
            return self.eval(node.inner)
        if isinstance(node, (expressions.Member, expressions.Index)):
            if isinstance(node, expressions.Member) and node.name == "*":
                raise NotPreviewed("object filters (.* or [*]) are not previewed")
            key = node.name if isinstance(node, expressions.Member) else to_text(self.value(node.index))
            target = self.eval(node.target)
            if isinstance(target, ContextPath):
                return ContextPath(target.parts + (key,))
            if isinstance(target, dict):
                return next((v for k, v in target.items() if k.casefold() == key.casefold()), None)
            if isinstance(target, list) and key.isdigit():
                return target[int(key)] if int(key) < len(target) else None
            return None
        if isinstance(node, expressions.Not):
            return not truthy(self.value(node.operand))
        if isinstance(node, expressions.Binary):
            left = self.value(node.left)
            if node.op == "&&":
                return self.value(node.right) if truthy(left) else left
            if node.op == "||":
                return left if truthy(left) else self.value(node.right)
            return _compare(node.op, left, self.value(node.right))
        if isinstance(node, expressions.Call):
            return self.call(node.name.lower(), node.args)
        raise NotPreviewed("an expression the preview cannot read")

    def call(self, name: str, args: tuple):
        if name in STATUS_FUNCTIONS:
            return STATUS_FUNCTIONS[name]  # the preview imagines every step succeeding
        values = [self.value(a) for a in args]
        if name in ("startswith", "endswith") and len(values) == 2:
            a, b = to_text(values[0]).casefold(), to_text(values[1]).casefold()
            return a.startswith(b) if name == "startswith" else a.endswith(b)
        if name == "contains" and len(values) == 2:
            haystack, needle = values
            if isinstance(haystack, list):
                return any(_equal(item, needle) for item in haystack)
            return to_text(needle).casefold() in to_text(haystack).casefold()
        if name == "format" and values:
            return _format(to_text(values[0]), values[1:])
        if name == "join" and values:
            items = values[0] if isinstance(values[0], list) else [values[0]]
            sep = to_text(values[1]) if len(values) > 1 else ","
            return sep.join(to_text(item) for item in items)
        raise NotPreviewed(f"the function {name}() is not previewed")


def evaluate_expression(text: str, lookup):
    """The value of one expression (the text between `${{` and `}}`)."""
    parsed = expressions.parse(text.strip())
    if not parsed.ok:
        raise NotPreviewed(f"the expression '{text.strip()}' does not parse: {parsed.problem}")
    return Evaluator(lookup).value(parsed.tree)


def evaluate_template(text: str, lookup) -> str:
    """A string with `${{ }}` parts replaced, as GitHub does before a step sees it."""
    return "".join(part if kind == "lit" else to_text(evaluate_expression(part, lookup))
                   for kind, part in split_expressions(str(text)))


def evaluate_condition(value, lookup) -> bool:
    """An `if:`: a bare expression, or one wrapped in `${{ }}`."""
    if isinstance(value, bool):
        return value
    if value is None:
        return True
    text = str(value).strip()
    found = find_expressions(text)
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(text):
        text = found[0].inner
    elif found:
        return truthy(evaluate_template(text, lookup))
    return truthy(evaluate_expression(text, lookup))


# -- does the workflow run? -------------------------------------------------------------


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


# -- one event's pass over the workflow ---------------------------------------------------


@dataclass
class Preview:
    event: Event
    runs: bool | None = None  # None: not previewed
    push: bool | None = None
    refs: list[str] = field(default_factory=list)
    why: str = ""  # why it does not run, or why it is not previewed
    built: bool = False  # some build-push step ran
    notes: list[str] = field(default_factory=list)
    invalid: dict[str, str] = field(default_factory=dict)  # ref -> what is wrong with it
    findings: list[Finding] = field(default_factory=list)
    empty_push: bool = False  # a step pushes with no tags
    digest_push: bool = False  # a step pushes an untagged image by digest

    @property
    def previewed(self) -> bool:
        return self.runs is not None

    def as_json(self, path: str | None = None) -> dict:
        out = {"event": str(self.event), "push": self.push, "refs": list(self.refs)}
        if path is not None:
            out = {"path": path, **out}
        out["why"] = self.summary(plain=True) if not (self.push and self.refs) else None
        if self.notes:
            out["notes"] = list(self.notes)
        if self.invalid:
            out["invalid"] = dict(self.invalid)
        return out

    def summary(self, plain: bool = False) -> str:
        """One phrase for what happens when there are no references to list (Markdown unless plain)."""
        why = self.why.replace("`", "") if plain else self.why
        if not self.previewed:
            return f"not previewed: {why}"
        if not self.runs:
            return f"does not run: {why}"
        if self.empty_push:
            return "pushes with no tags: the push fails (G011)"
        if self.digest_push:
            return "pushes untagged images by digest only"
        if self.built:
            return "build only, not pushed"
        return "nothing is built or pushed"


class _JobState:
    def __init__(self):
        self.env_file: dict[str, str] = {}  # written to $GITHUB_ENV by steps that ran
        self.env_unknown: dict[str, str] = {}  # name -> why its value is unknown
        self.env_opaque: str | None = None  # why any name may have been written
        self.outputs: dict[str, dict[str, str]] = {}  # step id -> outputs
        self.outputs_unknown: dict[str, str] = {}  # step id -> why its outputs are unknown
        self.outcome: dict[str, str] = {}  # step id -> success | skipped
        self.last_meta_tags: list[str] | None = None  # what DOCKER_METADATA_OUTPUT_* hold now


_GITHUB_FILE_WRITE = re.compile(
    r"""^\s*echo\s+(?P<q>["']?)(?P<name>[A-Za-z_][A-Za-z0-9_-]*)=(?P<value>.*?)(?P=q)\s*>>\s*"""
    r"""["']?\$\{?(?P<file>GITHUB_ENV|GITHUB_OUTPUT)\}?["']?\s*$"""
)
_SHELL_REF = re.compile(r"\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>,,|\^\^|,|\^)?\}|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)")


class _Pass:
    """What one event does to one workflow."""

    def __init__(self, workflow: Workflow, event: Event, ctx: SampleContext):
        self.workflow, self.event, self.ctx = workflow, event, ctx
        self.ref = event.run_ref(ctx)
        self.preview = Preview(event)
        self.meta_steps: set[str] = set()  # ids of metadata-action steps whose outputs are known

    # -- context values -------------------------------------------------------

    def github(self) -> dict:
        ctx, ref = self.ctx, self.ref
        is_tag, is_pr = ref.startswith("refs/tags/"), ref.startswith("refs/pull/")
        ref_name = ref.split("/", 2)[2]
        event_payload = {"repository": {"default_branch": ctx.default_branch, "name": ctx.name,
                                        "full_name": ctx.repository, "owner": {"login": ctx.owner}}}
        if is_pr:
            event_payload["number"] = float(self.event.number)
            event_payload["pull_request"] = {"number": float(self.event.number), "base": {"ref": ctx.base_ref}}
        if self.event.name == "workflow_dispatch":
            event_payload["inputs"] = self.dispatch_inputs()
        return {
            "event_name": self.event.name, "ref": ref, "ref_name": ref_name,
            "ref_type": "tag" if is_tag else "branch", "sha": ctx.sha,
            "repository": ctx.repository, "repository_owner": ctx.owner,
            "base_ref": ctx.base_ref if is_pr else "", "head_ref": None if is_pr else "",
            "server_url": "https://github.com", "api_url": "https://api.github.com",
            "event": event_payload,
        }

    def dispatch_inputs(self) -> dict:
        on = triggers(self.workflow.root) or {}
        declared = (on.get("workflow_dispatch") or {}).get("inputs") or {}
        inputs = {}
        for name, spec in declared.items() if isinstance(declared, dict) else ():
            default = spec.get("default") if isinstance(spec, dict) else None
            inputs[str(name)] = default if isinstance(default, (str, bool)) or default is None else str(default)
        return inputs

    def lookup(self, parts: tuple[str, ...], job: Job | None, step: Step | None, state: _JobState | None,
               env_level: int = 0):
        head = parts[0].lower()
        if head == "github":
            value: object = self.github()
            for depth, part in enumerate(parts[1:]):
                if not isinstance(value, dict):
                    return None
                key = next((k for k in value if k.casefold() == part.casefold()), None)
                if key is None:
                    if depth == 0:  # github.run_number, github.actor, ...: real, but not in the sample
                        raise NotPreviewed(f"github.{'.'.join(parts[1:])} is not part of the sample context")
                    return None
                value = value[key]
            if value is None and ".".join(parts[1:]).lower() == "head_ref":
                raise NotPreviewed("github.head_ref (the pull request's branch) is not part of the sample context")
            return value
        if head == "env" and len(parts) == 2:
            return self.env_value(parts[1], job, step, state, env_level)
        if head == "inputs" and len(parts) == 2:
            if self.event.name != "workflow_dispatch":
                return None
            inputs = self.dispatch_inputs()
            key = next((k for k in inputs if k.casefold() == parts[1].casefold()), None)
            if key is None or inputs[key] is None:
                raise NotPreviewed(f"inputs.{parts[1]} has no default to preview with")
            return inputs[key]
        if head == "steps" and len(parts) >= 3 and state is not None:
            return self.step_value(parts, state)
        if head == "vars" and len(parts) == 2 and self.ctx.variable(parts[1]) is not None:
            return self.ctx.variable(parts[1])
        if head == "vars":
            raise NotPreviewed(f"{'.'.join(parts)} comes from the repository's settings; "
                               f"give the preview a sample value with {'.'.join(parts)}=VALUE in its context")
        if head == "secrets":
            raise NotPreviewed(f"{'.'.join(parts)} comes from the repository's secrets")
        if head in ("matrix", "strategy"):
            raise NotPreviewed(f"{'.'.join(parts)} differs for each matrix job")
        raise NotPreviewed(f"{'.'.join(parts)} is not part of the sample context")

    def step_value(self, parts: tuple[str, ...], state: _JobState):
        step_id = parts[1]
        if parts[2] in ("outcome", "conclusion") and len(parts) == 3:
            return state.outcome.get(step_id, "")
        if parts[2] != "outputs" or len(parts) != 4:
            raise NotPreviewed(f"{'.'.join(parts)} is not previewed")
        if step_id in state.outputs_unknown:
            raise NotPreviewed(state.outputs_unknown[step_id])
        outputs = state.outputs.get(step_id)
        if outputs is None:
            return "" if state.outcome.get(step_id) == "skipped" else None
        name = parts[3]
        if name not in outputs:
            raise NotPreviewed(f"steps.{step_id}.outputs.{name} is not previewed")
        return outputs[name]

    def env_value(self, name: str, job: Job | None, step: Step | None, state: _JobState | None, level: int = 0):
        """env.NAME as a step sees it: step env:, then $GITHUB_ENV, then job env:, then workflow env:."""
        scopes = [("step", step.env if step else {}), ("file", state.env_file if state else {}),
                  ("job", job.env if job else {}), ("workflow", self.workflow.env)]
        for index in range(level, len(scopes)):
            kind, scope = scopes[index]
            if kind == "file" and state is not None:
                if name in state.env_unknown:
                    raise NotPreviewed(state.env_unknown[name])
                if name not in scope and state.env_opaque:
                    raise NotPreviewed(state.env_opaque.replace("{name}", name))
            if name in scope and scope[name] is not None:
                raw = scope[name]
                if kind == "file":
                    return raw
                if isinstance(raw, bool):
                    return "true" if raw else "false"
                return evaluate_template(str(raw), lambda p: self.lookup(p, job, step, state, index + 1))
        return None

    def template(self, value, job, step, state) -> str:
        return evaluate_template(str(value), lambda p: self.lookup(p, job, step, state))

    def condition(self, value, job, step, state) -> bool:
        return evaluate_condition(value, lambda p: self.lookup(p, job, step, state))

    # -- the pass -------------------------------------------------------------

    def run(self) -> Preview:
        preview = self.preview
        on = triggers(self.workflow.root)
        if on is None:
            preview.why = "the workflow has no readable `on:`"
            return preview
        runs, why, notes = runs_for(on, self.event, self.ctx)
        preview.notes += notes
        if not runs:
            preview.runs, preview.push, preview.why = False, False, why
            return preview
        try:
            self.jobs()
        except NotPreviewed as problem:
            preview.runs, preview.push, preview.refs, preview.why = None, None, [], str(problem)
            preview.findings, preview.empty_push, preview.built, preview.digest_push = [], False, False, False
            preview.notes = [n for n in preview.notes if n.startswith("assuming")]
            return preview
        preview.runs = True
        preview.refs = list(dict.fromkeys(preview.refs))
        preview.push = bool(preview.refs) or preview.empty_push or preview.digest_push
        preview.notes = list(dict.fromkeys(preview.notes))
        for ref in preview.refs:
            problem = imageref.check([Piece(ref)])
            if problem:
                preview.invalid[ref] = problem.why
        return preview

    def jobs(self) -> None:
        status: dict[str, str] = {}  # job id -> ran | skipped | unknown: why
        for job in self.workflow.jobs:
            state = self.job_status(job, status)
            status[job.id] = state
            if state == "skipped":
                continue
            if state.startswith("unknown"):
                if self.may_push(job):
                    raise NotPreviewed(state.split(": ", 1)[1])
                continue
            if "uses" in job.node:
                raise NotPreviewed(f"job '{job.id}' calls the reusable workflow {job.node['uses']}, "
                                   "which the preview does not read")
            self.steps(job)

    def job_status(self, job: Job, status: dict[str, str]) -> str:
        needs = job.node.get("needs")
        needs = [needs] if isinstance(needs, str) else [str(n) for n in needs] if isinstance(needs, list) else []
        condition = job.node.get("if")
        uses_status = isinstance(condition, str) and re.search(r"\b(always|failure|cancelled)\s*\(", condition)
        if not uses_status:
            for need in needs:
                if status.get(need) == "skipped":
                    return "skipped"
                if status.get(need, "").startswith("unknown"):
                    return f"unknown: {status[need].split(': ', 1)[1]}"
        try:
            return "ran" if self.condition(condition, job, None, None) else "skipped"
        except NotPreviewed as problem:
            return f"unknown: job '{job.id}' has an if: the preview cannot decide ({problem})"

    def may_push(self, job: Job) -> bool:
        for step in job.steps:
            if step.is_action(BUILD_PUSH):
                value = step.with_.get("push")
                if not (value is False or (isinstance(value, str) and value.strip().lower() == "false")):
                    return True
            elif any(step.is_action(a) for a in OTHER_PUSHING_ACTIONS) or _shell_push(step):
                return True
        return "uses" in job.node

    def steps(self, job: Job) -> None:
        state = _JobState()
        for step in job.steps:
            try:
                ran = self.condition(step.node.get("if"), job, step, state)
            except NotPreviewed as problem:
                why = f"{_named(step)} has an if: the preview cannot decide ({problem})"
                if self.step_may_push(step):
                    raise NotPreviewed(why) from None
                self.forget(step, state, why)
                continue
            if step.id:
                state.outcome[step.id] = "success" if ran else "skipped"
            if not ran:
                continue
            if step.run is not None:
                self.run_script(job, step, state)
            elif step.is_action(METADATA):
                self.metadata(job, step, state)
            elif step.is_action(BUILD_PUSH):
                self.build_push(job, step, state)
            elif any(step.is_action(a) for a in OTHER_PUSHING_ACTIONS):
                raise NotPreviewed(f"{_named(step)} uses {step.uses.action}, whose pushes are not previewed")

    def step_may_push(self, step: Step) -> bool:
        return (step.is_action(BUILD_PUSH) or any(step.is_action(a) for a in OTHER_PUSHING_ACTIONS)
                or _shell_push(step))

    def forget(self, step: Step, state: _JobState, why: str) -> None:
        """A step we cannot tell ran: whatever it writes is unknown from here on."""
        if step.id:
            state.outputs_unknown[step.id] = why
            state.outcome.pop(step.id, None)
        for line in (step.run or "").splitlines():
            match = _GITHUB_FILE_WRITE.match(line)
            if match and match.group("file") == "GITHUB_ENV":
                state.env_unknown[match.group("name")] = why
            elif "GITHUB_ENV" in line:
                state.env_opaque = f"env.{{name}} may be set by {_named(step)}, and {why}"
        if step.is_action(METADATA):
            for name in ("DOCKER_METADATA_OUTPUT_TAGS", "DOCKER_METADATA_OUTPUT_VERSION"):
                state.env_unknown[name] = why
            state.last_meta_tags = None

    # -- steps ------------------------------------------------------------------

    def run_script(self, job: Job, step: Step, state: _JobState) -> None:
        if _shell_push(step):
            refs = self.imagetools_refs(step, state)
            if refs is None:
                raise NotPreviewed(f"{_named(step)} pushes from its run: script, which the preview does not evaluate")
            self.preview.built = True
            if refs:
                self.preview.refs += refs
            else:
                self.preview.empty_push = True
                self.preview.findings.append(finding(
                    "G011", step.value_position("run"), why=f" for {self.event} (no tag rule matches)",
                    fix=_empty_tags_fix(self.event, self.ref)))
        written: dict[str, str] = {}
        outputs: dict[str, str] = {}
        # a write under an if, a loop or && may not happen: its value is unknown, not assumed
        branching = re.search(r"(?m)^\s*(?:if|elif|else|case|for|while|until|select)\b|&&|\|\|", step.run)
        for line in step.run.splitlines():
            if "GITHUB_ENV" not in line and "GITHUB_OUTPUT" not in line:
                continue
            match = _GITHUB_FILE_WRITE.match(line)
            if not match:
                if "GITHUB_ENV" in line:
                    state.env_opaque = (f"env.{{name}} may be set by {_named(step)}, whose "
                                        "$GITHUB_ENV write the preview does not read")
                if "GITHUB_OUTPUT" in line and step.id:
                    state.outputs_unknown[step.id] = (f"{_named(step)} writes $GITHUB_OUTPUT in a way "
                                                      "the preview does not read")
                continue
            name, target = match.group("name"), match.group("file")
            try:
                if branching:
                    raise NotPreviewed("inside shell logic the preview does not follow")
                value = self.shell_word(match.group("value"), match.group("q"), job, step, state)
            except NotPreviewed as problem:
                why = f"{_named(step)} writes {name} {problem}" if branching else \
                    f"{_named(step)} writes {name} from {problem}"
                if target == "GITHUB_ENV":
                    state.env_unknown[name] = why
                elif step.id:
                    state.outputs_unknown[step.id] = why
                continue
            (written if target == "GITHUB_ENV" else outputs)[name] = value
        state.env_file.update(written)
        for name in written:
            state.env_unknown.pop(name, None)
        if step.id and outputs and step.id not in state.outputs_unknown:
            state.outputs[step.id] = outputs

    def imagetools_refs(self, step: Step, state: _JobState) -> list[str] | None:
        """The tags of `docker buildx imagetools create`, where a script passes metadata-action's tags
        to it through one variable (env: TAGS: ${{ steps.meta.outputs.tags }}, or
        $DOCKER_METADATA_OUTPUT_TAGS / _JSON) as --tag arguments; None for any other script."""
        script = step.run or ""
        pushes = [pattern for pattern in SHELL_PUSH_COMMANDS if re.search(pattern, script)]
        if pushes != [IMAGETOOLS_CREATE] or not re.search(r"(?:--tag\b|\s-t\b|-t\s)", script):
            return None
        sources: list[list[str]] = []
        for name, raw in step.env.items():
            match = re.fullmatch(r"\$\{\{\s*steps\.([\w-]+)\.outputs\.tags\s*\}\}", str(raw).strip())
            if match and re.search(rf"\${{?{re.escape(str(name))}\b", script):
                tags = state.outputs.get(match.group(1), {}).get("tags")
                if tags is None or match.group(1) not in self.meta_steps:
                    return None
                sources.append([t for t in tags.split("\n") if t])
        for name in ("DOCKER_METADATA_OUTPUT_TAGS", "DOCKER_METADATA_OUTPUT_JSON"):
            if re.search(rf"\${{?{name}\b", script):
                if state.last_meta_tags is None:
                    return None
                sources.append(list(state.last_meta_tags))
        return sources[0] if len(sources) == 1 else None

    def shell_word(self, text: str, quote: str, job: Job, step: Step, state: _JobState) -> str:
        """An echo argument: `${{ }}` first (GitHub), then $VAR and ${VAR,,} (bash)."""
        text = self.template(text, job, step, state)
        if quote == "'":
            return text
        if re.search(r"\$\(|`|\$\{[^}]*[^A-Za-z0-9_,^}]", text.replace("${{", "")):
            raise NotPreviewed(f"'{text}', a shell computation")

        def variable(match: re.Match) -> str:
            name = match.group("braced") or match.group("bare")
            value = self.shell_variable(name, job, step, state)
            op = match.group("op") or ""
            if op == ",,":
                return value.lower()
            if op == "^^":
                return value.upper()
            if op == ",":
                return value[:1].lower() + value[1:]
            if op == "^":
                return value[:1].upper() + value[1:]
            return value

        return _SHELL_REF.sub(variable, text)

    def shell_variable(self, name: str, job: Job, step: Step, state: _JobState) -> str:
        defaults = {
            "GITHUB_REPOSITORY": self.ctx.repository, "GITHUB_REPOSITORY_OWNER": self.ctx.owner,
            "GITHUB_SHA": self.ctx.sha, "GITHUB_REF": self.ref, "GITHUB_REF_NAME": self.ref.split("/", 2)[2],
            "GITHUB_REF_TYPE": "tag" if self.ref.startswith("refs/tags/") else "branch",
            "GITHUB_EVENT_NAME": self.event.name, "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_BASE_REF": self.ctx.base_ref if self.event.name == "pull_request" else "",
        }
        value = self.env_value(name, job, step, state)
        if value is not None:
            return to_text(value)
        if name in defaults:
            return defaults[name]
        raise NotPreviewed(f"${name}, which the preview does not know")

    def metadata(self, job: Job, step: Step, state: _JobState) -> None:
        """Compute the step's outputs now, with the env it runs with; report problems when used."""
        try:
            inputs = {key: (self.template(step.with_[key], job, step, state) if step.with_.get(key) is not None else None)
                      for key in ("images", "tags", "flavor", "sep-tags")}
            length = self.env_value("DOCKER_METADATA_SHORT_SHA_LENGTH", job, step, state)
            if length not in (None, "") and not str(length).strip().isdigit():
                raise MetadataError(f"DOCKER_METADATA_SHORT_SHA_LENGTH is not a valid number: {length}")
            meta_ctx = MetaContext(
                event_name=self.event.name, ref=self.ref, sha=self.ctx.sha,
                default_branch=self.ctx.default_branch,
                base_ref=None if self.ref.startswith("refs/tags/") else self.ctx.base_ref,
                date=self.ctx.date, commit_date=self.ctx.date,
                short_sha_length=int(length) if length not in (None, "") else 7,
            )
            result = compute(inputs["images"], inputs["tags"], inputs["flavor"], meta_ctx)
        except (NotPreviewed, MetadataError) as problem:
            prefix = "docker/metadata-action stops with an error: " if isinstance(problem, MetadataError) else ""
            why = f"{_named(step)}: {prefix}{problem}"
            if step.id:
                state.outputs_unknown[step.id] = why
            for name in ("DOCKER_METADATA_OUTPUT_TAGS", "DOCKER_METADATA_OUTPUT_VERSION"):
                state.env_unknown[name] = why
            state.last_meta_tags = None
            return
        separator = inputs["sep-tags"] if inputs["sep-tags"] else "\n"
        outputs = {"tags": separator.join(result.tags), "version": result.version.main or "",
                   "tag-names": separator.join(dict.fromkeys(t.split(":")[-1] for t in result.tags))}
        if step.id:
            state.outputs[step.id] = outputs
            self.meta_steps.add(step.id)
        state.env_file["DOCKER_METADATA_OUTPUT_TAGS"] = outputs["tags"]
        state.env_file["DOCKER_METADATA_OUTPUT_VERSION"] = outputs["version"]
        state.last_meta_tags = list(result.tags)

    def build_push(self, job: Job, step: Step, state: _JobState) -> None:
        output = _output_kind(step.with_.get("outputs")) if "outputs" in step.with_ else "none"
        if output is None:
            raise NotPreviewed(f"{_named(step)} sets outputs: the preview does not evaluate "
                               "(it reads type=docker/local/tar/oci and push-by-digest)")
        if output == "digest":
            self.preview.built = self.preview.digest_push = True
            self.preview.notes.append(f"{_named(step)} also pushes an untagged image by digest")
            return
        push_value = step.with_.get("push", False)
        if isinstance(push_value, bool):
            push = push_value
        else:
            text = self.template(push_value, job, step, state).strip()
            if text not in BOOLEAN_INPUTS:
                raise NotPreviewed(f"{_named(step)} gets push: '{text}', which build-push-action rejects "
                                   "(it takes true or false)")
            push = BOOLEAN_INPUTS[text]
        self.preview.built = True
        if push and output == "local":
            raise NotPreviewed(f"{_named(step)} sets both push: true and a local outputs:")
        if not push:
            return
        tags_value = step.with_.get("tags")
        if isinstance(tags_value, list):
            tags_value = "\n".join(str(item) for item in tags_value)
        text = self.template(tags_value, job, step, state) if tags_value is not None else ""
        refs = [item.strip() for item in re.split(r"[\n,]", text) if item.strip()]
        if refs:
            self.preview.refs += refs
            return
        self.preview.empty_push = True
        if tags_value is None:
            return  # no tags: at all is the static G011, reported by the ghcr layer
        from_meta = [m.group(1) for m in STEP_OUTPUT_RE.finditer(str(tags_value)) if m.group(1) in self.meta_steps]
        reason = "no tag rule matches" if from_meta else "tags: comes out empty"
        fix = _empty_tags_fix(self.event, self.ref) if from_meta else "give tags: a value for this event, or do not push on it"
        self.preview.findings.append(finding(
            "G011", value_position(step.with_, "tags"), why=f" for {self.event} ({reason})", fix=fix))


def _named(step: Step) -> str:
    """How messages name a step: by its name or id, else by its place."""
    if step.node.get("name") or step.id:
        return f"step '{step.label()}'"
    return f"step {step.index + 1} of job '{step.job.id}'"


def _empty_tags_fix(event: Event, ref: str) -> str:
    """What to change when metadata-action has no rule for this event."""
    if ref.startswith("refs/tags/"):
        return ("add a rule for such tags (type=ref,event=tag), or start the workflow for version tags only: "
                "on: push: tags: ['v*.*.*']")
    if event.name == "pull_request":
        return "do not push pull requests: push: ${{ github.event_name != 'pull_request' }}, or add type=ref,event=pr"
    if event.name == "schedule":
        return "add type=schedule (or type=sha), or do not push on schedule"
    return "add a rule for branches (type=ref,event=branch or type=sha), or limit on: push: branches: to what you publish"


def _output_kind(value) -> str | None:
    """build-push-action outputs: 'local' (nothing pushed), 'digest' (push-by-digest), None (not read)."""
    if not isinstance(value, str):
        return None
    kinds = set()
    for line in (l.strip() for l in value.splitlines()):
        if not line:
            continue
        attrs = dict((k.strip(), v.strip().strip('"')) for k, _, v in (f.partition("=") for f in line.split(",")))
        kind = attrs.get("type", "")
        pushes = attrs.get("push") == "true" or kind == "registry"
        if kind in LOCAL_OUTPUT_TYPES or (kind == "image" and not pushes):
            kinds.add("local")
        elif kind in ("image", "registry") and pushes and attrs.get("push-by-digest") == "true":
            kinds.add("digest")
        else:
            return None
    return kinds.pop() if len(kinds) == 1 else None


def _shell_push(step: Step) -> bool:
    script = step.run or ""
    return any(re.search(pattern, script) for pattern in SHELL_PUSH_COMMANDS)


def _short_ref(ref: str) -> str:
    return ref.split("/", 2)[2] if ref.count("/") >= 2 else ref


# -- entry points -----------------------------------------------------------------------


def load(text: str) -> Workflow | None:
    doc, _ = yamldoc.load(text)
    return Workflow(doc) if doc is not None else None


def preview_event(workflow: Workflow | None, event: Event, ctx: SampleContext | None = None) -> Preview:
    ctx = ctx or SampleContext()
    if workflow is None:
        return Preview(event, why="the file is not a readable workflow (see the findings)")
    one = _Pass(workflow, event, ctx)
    try:
        return one.run()
    except RecursionError:
        return Preview(event, why="an env: value refers to itself")


def preview_workflow(text: str, events: list[Event] | None = None, ctx: SampleContext | None = None) -> list[Preview]:
    """One preview per event, in the order given; the default events where none are given.

    The text is read once, for the events and the previews alike.
    """
    ctx = ctx or SampleContext()
    workflow = load(text)
    if events is None:
        events = default_events(workflow, ctx)
    return [preview_event(workflow, event, ctx) for event in events]


def default_events(text_or_workflow, ctx: SampleContext | None = None) -> list[Event]:
    """Push to the default branch, a release tag, a pre-release tag, a pull request, and
    schedule and workflow_dispatch where the workflow has them."""
    ctx = ctx or SampleContext()
    workflow = load(text_or_workflow) if isinstance(text_or_workflow, str) else text_or_workflow
    events = [Event("push", f"refs/heads/{ctx.default_branch}"), Event("push", "refs/tags/v1.2.3"),
              Event("push", "refs/tags/v2.0.0-rc.1"), Event("pull_request", number=42)]
    on = triggers(workflow.root) if workflow is not None else None
    if on and "schedule" in on:
        events.append(Event("schedule"))
    if on and "workflow_dispatch" in on:
        events.append(Event("workflow_dispatch", f"refs/heads/{ctx.default_branch}"))
    return events


def previews_json(text: str, events: list[Event] | None = None, ctx: SampleContext | None = None) -> list[dict]:
    """What a page script needs (the builder's variants): the default events unless given, as JSON objects."""
    return [p.as_json() for p in preview_workflow(text, events or None, ctx)]


def findings(previews: list[Preview]) -> list[Finding]:
    out: list[Finding] = []
    for preview in previews:
        out += [f for f in preview.findings if f not in out]
    return out


def check(workflow: Workflow, catalog=None) -> list[Finding]:
    """A check layer (checks.LAYERS shape): G011 wherever a default event would push with no tags."""
    return findings([preview_event(workflow, event) for event in default_events(workflow)])


# -- output -----------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown_result(preview: Preview) -> str:
    if preview.push and preview.refs:
        cells = []
        for ref in preview.refs:
            bad = preview.invalid.get(ref)
            cells.append(f"`{ref}`" + (f" :material-alert: invalid: {_cell(bad)}" if bad else ""))
        result = "<br>".join(cells)
        if preview.empty_push:
            result += "<br>:material-close-octagon: another step pushes with no tags: it fails (`G011`)"
    elif preview.empty_push:
        result = ":material-close-octagon: pushes with no tags: the push fails (`G011`)"
    else:
        result = _cell(preview.summary())
    if preview.notes and preview.runs:
        result += "<br><small>" + _cell("; ".join(preview.notes)) + "</small>"
    return result


def preview_markdown(previews: list[Preview], ctx: SampleContext | None = None) -> str:
    """A table, event -> what it pushes, and a line saying what it was computed for."""
    ctx = ctx or SampleContext()
    rows = ["| Event | Image references pushed |", "|---|---|"]
    rows += [f"| {preview.event.label(ctx)} | {_markdown_result(preview)} |" for preview in previews]
    caption = (f":material-table-eye: Computed from this workflow when the page was built, for the repository "
               f"`{ctx.repository}` (default branch `{ctx.default_branch}`), commit `{ctx.sha[:7]}`, "
               f"on {ctx.date:%Y-%m-%d}. Pull requests target `{ctx.base_ref}`."
               + "".join(f" `vars.{name}` is `{value}`." for name, value in ctx.variables))
    return ('\n<div class="ghcr-tag-preview" markdown>\n\n' + "\n".join(rows) + "\n\n"
            + caption + "\n\n</div>\n")


def preview_text(path: str, previews: list[Preview], ctx: SampleContext | None = None) -> str:
    """The preview for a terminal: one block per file, one line per reference."""
    ctx = ctx or SampleContext()
    lines = [f"{path}: tag preview for {ctx.repository} (default branch {ctx.default_branch}, "
             f"commit {ctx.sha[:7]}, {ctx.date:%Y-%m-%dT%H:%M:%SZ})"]
    width = max((len(str(p.event)) for p in previews), default=0)
    for preview in previews:
        label = str(preview.event).ljust(width)
        if preview.push and preview.refs:
            for index, ref in enumerate(preview.refs):
                bad = preview.invalid.get(ref)
                shown = ref + (f"  (invalid: {bad})" if bad else "")
                lines.append(f"  {label if index == 0 else ' ' * width}  {shown}")
            if preview.empty_push:
                lines.append(f"  {' ' * width}  (another step pushes with no tags: it fails, G011)")
        else:
            lines.append(f"  {label}  {preview.summary(plain=True)}")
        for note in preview.notes if preview.runs else ():
            lines.append(f"  {' ' * width}  ({note.replace('`', '')})")
    return "\n".join(lines) + "\n"


# -- the site: tag_preview(snippet_id, events=None, context=None) -----------------------------


def place(build, snippet_id: str, page_uri: str, events=None, context=None) -> str:
    """The Markdown for tag_preview() on a page; problems become build failures, never exceptions.

    events: None (the default events), or a list of EVENT strings as on the command line;
    context: None, or KEY=VALUE strings (or a dict) as --context takes them.
    """
    from .sitebuild import Failure  # only the site needs it; the command line does not load the site build

    build.prepare()
    page = f"{build.docs_dir}/{page_uri}"
    snippet = build.library.get(snippet_id)
    if snippet is None:
        build.failures.append(Failure(page, None, finding(
            "D006", snippet=snippet_id, fix=f"add snippets/{snippet_id}.yml, or fix the id in tag_preview()")))
        return f'\n!!! failure "Missing snippet {snippet_id}"\n'

    def refuse(what: str, problem: UsageError) -> None:
        build.failures.append(Failure(page, snippet, finding(
            "D010", snippet=snippet.id, problem=f"{what}: {problem}")))

    try:
        pairs = [f"{k}={v}" for k, v in context.items()] if isinstance(context, dict) else list(context or [])
        ctx = parse_context(pairs)
    except UsageError as problem:
        refuse("context", problem)
        ctx = SampleContext()
    text = build.texts[(snippet.id, "tags")]
    chosen = None if events is None else []
    for raw in [] if events is None else [events] if isinstance(events, str) else list(events):
        try:
            chosen.append(parse_event(raw))
        except UsageError as problem:
            refuse("event", problem)
    previews = preview_workflow(text, chosen, ctx)
    if not snippet.is_counter_example:  # a counter-example may fail on purpose; its own checks judge it
        for problem in findings(previews):
            build.failures.append(Failure(page, snippet, problem.moved(snippet.offset)))
    return preview_markdown(previews, ctx)
