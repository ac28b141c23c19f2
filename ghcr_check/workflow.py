"""A workflow as the checks see it: jobs, steps, env, permissions, and what strings resolve to.

Strings are resolved symbolically: `${{ env.X }}` and `$GITHUB_ENV` writes are followed,
other expressions stay opaque pieces that remember whether they can carry capitals.
"""
from __future__ import annotations

import re
import shlex
from functools import cached_property, lru_cache

from .catalog import Uses, equivalents, parse_uses
from .context import RunContext
from .expressions import bare_context, find_expressions, split_expressions
from .records import field, record
from .yamldoc import Document, position, value_position

# Contexts whose values keep the owner's or repository's capitals.
MIXED_CASE_CONTEXTS = {
    "github.repository_owner",
    "github.repository",
    "github.actor",
    "github.triggering_actor",
    "github.event.repository.name",
    "github.event.repository.full_name",
    "github.event.repository.owner.login",
}
MIXED_CASE_SHELL = {"GITHUB_REPOSITORY_OWNER", "GITHUB_REPOSITORY", "GITHUB_ACTOR", "GITHUB_TRIGGERING_ACTOR"}
ALL_SCOPES = (
    "actions", "artifact-metadata", "attestations", "checks", "contents", "deployments",
    "discussions", "id-token", "issues", "models", "packages", "pages", "pull-requests",
    "repository-projects", "security-events", "statuses",
)
_GITHUB_ENV_WRITE = re.compile(
    r"""echo\s+(["']?)([A-Za-z_][A-Za-z0-9_]*)=(.*?)\1\s*>>\s*["']?\$\{?GITHUB_ENV\}?["']?"""
)
# A shell expansion: $(command) (one level of nested parentheses), `command`, ${...}, $NAME;
# an unclosed $( runs to the end.
_SHELL_EXPANSION = re.compile(
    r"\$\((?:[^()]|\([^()]*\))*\)|\$\(.*$|`[^`]*`|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>[^}]*)\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)", re.DOTALL)
_TOKEN = re.compile("\x00(\\d+)\x00")


@record(frozen=True)
class Piece:
    """Part of a resolved string: literal text, or an opaque value."""

    text: str  # literal text, or the source of the opaque value
    literal: bool = True
    mixed_case: bool = False  # an opaque value that can hold capitals (an owner name)
    source: str = ""  # e.g. "github.repository_owner" or "steps.meta.outputs.tags"


@record
class Step:
    index: int
    node: dict
    job: "Job"

    @property
    def id(self) -> str | None:
        value = self.node.get("id")
        return str(value) if value is not None else None

    @cached_property
    def uses(self) -> Uses | None:
        value = self.node.get("uses")
        return parse_uses(value) if isinstance(value, str) else None

    @property
    def with_(self) -> dict:
        value = self.node.get("with")
        return value if isinstance(value, dict) else {}

    @property
    def run(self) -> str | None:
        value = self.node.get("run")
        return value if isinstance(value, str) else None

    @property
    def env(self) -> dict:
        value = self.node.get("env")
        return value if isinstance(value, dict) else {}

    def is_action(self, name: str) -> bool:
        uses = self.uses
        return bool(uses and uses.kind == "action" and uses.action.lower() == name)

    def acts_as(self, name: str) -> bool:
        """This action, or one that takes its inputs and does the same (data/equivalents.yml)."""
        uses = self.uses
        return self.is_action(name) or bool(
            uses and uses.kind == "action" and uses.action.lower() in equivalents().get(name, ()))

    @property
    def position(self) -> tuple[int, int]:
        return position(self.job.steps_node, index=self.index)

    def key_position(self, key: str) -> tuple[int, int]:
        return position(self.node, key=key) if key in self.node else self.position

    def value_position(self, key: str) -> tuple[int, int]:
        return value_position(self.node, key) if key in self.node else self.position

    def label(self) -> str:
        return str(self.node.get("name") or self.id or (self.uses.raw if self.uses else f"step {self.index + 1}"))


@record
class Job:
    id: str
    node: dict
    workflow: "Workflow"
    steps: list[Step] = field(default_factory=list)

    @property
    def steps_node(self):
        return self.node.get("steps")

    @property
    def env(self) -> dict:
        value = self.node.get("env")
        return value if isinstance(value, dict) else {}

    @property
    def position(self) -> tuple[int, int]:
        return position(self.workflow.jobs_node, key=self.id)

    def step_by_id(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def effective_permissions(self) -> tuple[dict[str, str] | None, str]:
        """(scope -> level, where it comes from); None where no permissions: block applies."""
        if "permissions" in self.node:
            return parse_permissions(self.node["permissions"]), "job"
        if "permissions" in self.workflow.root:
            return parse_permissions(self.workflow.root["permissions"]), "workflow"
        return None, "default"

    def permissions_position(self) -> tuple[int, int]:
        if "permissions" in self.node:
            return position(self.node, key="permissions")
        if "permissions" in self.workflow.root:
            return position(self.workflow.root, key="permissions")
        return self.position

    def github_env_before(self, step_index: int) -> dict[str, str]:
        """NAME -> value text written to $GITHUB_ENV by run steps before step_index."""
        written: dict[str, str] = {}
        for step in self.steps[:step_index]:
            for match in _GITHUB_ENV_WRITE.finditer(step.run or ""):
                written[match.group(2)] = match.group(3)
        return written


def iter_strings(node):
    """(parent, key or index, text) for every string scalar below node."""
    stack = [node]
    while stack:
        current = stack.pop()
        items = current.items() if isinstance(current, dict) else enumerate(current) if isinstance(current, list) else ()
        for key, value in items:
            if isinstance(value, str):
                yield current, key, value
            elif isinstance(value, (dict, list)):
                stack.append(value)


def parse_permissions(value) -> dict[str, str]:
    if isinstance(value, str):
        level = {"read-all": "read", "write-all": "write"}.get(value.strip(), "none")
        return {scope: level for scope in ALL_SCOPES}
    if isinstance(value, dict):
        granted = {scope: "none" for scope in ALL_SCOPES}
        granted.update({str(k): str(v) for k, v in value.items()})
        return granted
    return {scope: "none" for scope in ALL_SCOPES}


class Workflow:
    def __init__(self, doc: Document, context: RunContext | None = None):
        self.doc = doc
        self.context = context or RunContext()
        self.root = doc.root
        jobs = self.root.get("jobs")
        self.jobs_node = jobs if isinstance(jobs, dict) else {}
        self.jobs: list[Job] = []
        for job_id, job_node in self.jobs_node.items():
            if not isinstance(job_node, dict):
                continue
            job = Job(str(job_id), job_node, self)
            steps = job_node.get("steps")
            if isinstance(steps, list):
                job.steps = [Step(i, s, job) for i, s in enumerate(steps) if isinstance(s, dict)]
            self.jobs.append(job)

    @property
    def env(self) -> dict:
        value = self.root.get("env")
        return value if isinstance(value, dict) else {}

    def locate(self, needle: str, start: tuple[int, int]) -> tuple[int, int]:
        """Where needle first appears at or after start (1-based); start if nowhere."""
        lines = self.doc.text.splitlines()
        line_no, col = start
        for number in range(line_no, min(len(lines), line_no + 400) + 1):
            found = lines[number - 1].find(needle, col - 1 if number == line_no else 0)
            if found != -1:
                return (number, found + 1)
        return start

    # -- resolving strings -------------------------------------------------

    def resolve(self, text: str, job: Job | None = None, step: Step | None = None, depth: int = 0) -> list[Piece]:
        pieces: list[Piece] = []
        for kind, part in split_expressions(str(text)):
            if kind == "lit":
                pieces.append(Piece(part))
                continue
            pieces.extend(self._resolve_expression(part, job, step, depth))
        return _merge(pieces)

    def shell_text(self, text: str, job: Job | None, step: Step | None, depth: int = 0) -> list[Piece]:
        """A value a script writes (echo NAME=value >> $GITHUB_ENV): `${{ }}` as GitHub fills it in,
        then the shell's expansions; what the shell computes is an opaque piece."""
        shielded, restore = shield(text)
        pieces: list[Piece] = []
        for piece in resolve_shell(shielded):
            if piece.literal:
                pieces.extend(self.resolve(restore(piece.text), job, step, depth))
            else:
                shown = restore(piece.text)
                source = piece.source if piece.source.startswith("$") and "\x00" not in piece.source else shown
                pieces.append(Piece(shown, literal=False, mixed_case=piece.mixed_case, source=source))
        return _merge(pieces)

    def resolve_word(self, word: str, job: Job, step: Step) -> list[Piece]:
        """A word of a run: script: `${{ }}` as in YAML, `$VAR` from env: and $GITHUB_ENV."""
        pieces: list[Piece] = []
        for piece in self.resolve(word, job, step):
            if not piece.literal:
                pieces.append(piece)
                continue
            for part in resolve_shell(piece.text):
                name = part.source[1:] if not part.literal else ""
                value = self._env_value(name, job, step) if name and not part.text.endswith(",,}") else None
                pieces.extend(value if value is not None else [part])
        return _merge(pieces)

    def _env_value(self, name: str, job: Job, step: Step, depth: int = 0) -> list[Piece] | None:
        for scope in (step.env, job.env, self.env):
            if name in scope and scope[name] is not None:
                return self.resolve(str(scope[name]), job, step, depth + 1)
        written = job.github_env_before(step.index)
        return self.shell_text(written[name], job, step, depth + 1) if name in written else None

    def _resolve_expression(self, inner: str, job, step, depth) -> list[Piece]:
        context = bare_context(inner)
        if context is None:
            return [Piece(inner, literal=False, source=inner)]
        if context in MIXED_CASE_CONTEXTS:
            return [Piece(inner, literal=False, mixed_case=True, source=context)]
        if context.startswith("env.") and depth < 8:
            name = context[4:]
            for scope in (step.env if step else {}, job.env if job else {}, self.env):
                if name in scope and scope[name] is not None:
                    return self.resolve(str(scope[name]), job, step, depth + 1)
            if job is not None:
                written = job.github_env_before(step.index if step else len(job.steps))
                if name in written:
                    return self.shell_text(written[name], job, step, depth + 1)
        return [Piece(inner, literal=False, source=context)]


def shell_commands(script: str) -> list[list[str]]:
    """Each simple command of a run: script as its words, `${{ }}` kept whole, quotes removed."""
    return [list(words) for words in _shell_commands(script)]


@lru_cache(maxsize=4096)
def _shell_commands(script: str) -> tuple[tuple[str, ...], ...]:
    """shell_commands, kept per script: the same steps recur across many workflows of a batch."""
    joined = re.sub(r"\\\n", " ", script)
    kept = {}
    for n, expr in enumerate(reversed(find_expressions(joined))):
        token = f"\x00{n}\x00"  # shields `||`, quotes and spaces inside expressions from the shell split
        kept[token] = joined[expr.start: expr.end]
        joined = joined[: expr.start] + token + joined[expr.end:]
    commands = []
    for line in re.split(r"\n|&&|\|\||;|\|", joined):
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            continue  # unbalanced quotes: not a command we can read
        for token, original in kept.items():
            words = [w.replace(token, original) for w in words]
        if words:
            commands.append(tuple(words))
    return tuple(commands)


def shield(text: str):
    """(text with each `${{ }}` replaced by a token free of quotes, commas and spaces, restore(part)),
    so a shell or CSV grammar can split text without cutting an expression."""
    kept: list[str] = []
    shielded, last = "", 0
    for expr in find_expressions(text):
        kept.append(text[expr.start: expr.end])
        shielded += text[last: expr.start] + f"\x00{len(kept) - 1}\x00"
        last = expr.end
    shielded += text[last:]
    return shielded, (lambda part: _TOKEN.sub(lambda m: kept[int(m.group(1))], part))


def resolve_shell(text: str) -> list[Piece]:
    """A shell word as pieces: `$NAME` and `${NAME}` name a variable ($GITHUB_REPOSITORY keeps capitals,
    ${NAME,,} is lowercase); any other expansion (`${NAME#prefix}`, `$(command)`) is an opaque value."""
    pieces: list[Piece] = []
    last = 0
    for match in _SHELL_EXPANSION.finditer(text):
        if match.start() > last:
            pieces.append(Piece(text[last: match.start()]))
        name = match.group("braced") or match.group("bare")
        op = match.group("op") or ""
        whole = match.group(0)
        if name and op in ("", ",,", "^^"):
            pieces.append(Piece(whole, literal=False, source="$" + name,
                                mixed_case=(name in MIXED_CASE_SHELL and op != ",,")))
        elif name:  # ${NAME#prefix}, ${NAME/a/b}, ...: part of the value, capitals and all
            pieces.append(Piece(whole, literal=False, source=whole,
                                mixed_case=name in MIXED_CASE_SHELL and not op.startswith(",")))
        else:  # a command's output: unknown, and nothing says it has capitals
            pieces.append(Piece(whole, literal=False, source=whole))
        last = match.end()
    if last < len(text):
        pieces.append(Piece(text[last:]))
    return _merge(pieces)


def _merge(pieces: list[Piece]) -> list[Piece]:
    merged: list[Piece] = []
    for piece in pieces:
        if piece.literal and merged and merged[-1].literal:
            merged[-1] = Piece(merged[-1].text + piece.text)
        elif piece.literal and not piece.text:
            continue
        else:
            merged.append(piece)
    return merged
