"""Does a step run, and push, when a fork opens a pull request? True, False or None (unknown).

Every `if:`, env value, job and step output on the way is evaluated with the one
expression evaluator (expressions/evaluate.py, which the tag preview uses too), under
what a fork pull request is known to give: its event name, empty secrets (GitHub passes
no secrets to runs from forks, except a read-only GITHUB_TOKEN), no inputs, a
`refs/pull/<n>/merge` ref, and a head repository that is not this one. What it does
not know (vars, matrix values, an action's outputs, a shell computation) stays unknown.
"""
from __future__ import annotations

import re

from ..expressions.evaluate import Unknown, evaluate_condition, evaluate_template, truthy
from ..workflow import Job, Step, Workflow

# Keys a pull_request payload never has: in a fork's run they are null.
ABSENT_FROM_PR_PAYLOAD = {"release", "inputs", "head_commit", "commits", "workflow_run", "schedule", "ref",
                          "pusher", "forced", "created", "deleted", "compare", "issue", "comment"}
FORK_REPOSITORY = "\x00a fork's repository"  # equal to no name written in a workflow
_OUTPUT_WRITE = re.compile(
    r"""^\s*echo\s+(?P<q>["']?)(?P<name>[A-Za-z_][A-Za-z0-9_-]*)=(?P<value>.*?)(?P=q)\s*>>\s*"""
    r"""["']?\$\{?(?P<file>GITHUB_ENV|GITHUB_OUTPUT)\}?["']?\s*$"""
)
_BRANCHING = re.compile(r"(?m)^\s*(?:if|elif|else|case|for|while|until|select)\b|&&|\|\|")
_SHELL = re.compile(r"\$[A-Za-z_{(]|`")


def both(*values):
    """Three-valued AND: False wins, then None."""
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


class ForkPullRequest:
    """One workflow as a fork's pull request (event 'pull_request' or 'pull_request_target') runs it."""

    def __init__(self, workflow: Workflow, event: str):
        self.workflow, self.event = workflow, event
        self._jobs: dict[str, bool | None] = {}
        self.undecided: str = ""  # the last condition that could not be decided, for messages

    # -- values -------------------------------------------------------------------

    def lookup(self, parts: tuple[str, ...], job: Job | None, step: Step | None, depth: int = 0):
        head = parts[0].lower()
        path = ".".join(p.lower() for p in parts)
        if depth > 8:
            raise Unknown("a value refers to itself")
        if head == "github":
            return self._github(parts[1:])
        if head == "secrets" and len(parts) == 2:
            if parts[1].upper() == "GITHUB_TOKEN" or self.event != "pull_request":
                raise Unknown(f"{path} is set")
            return ""  # runs from forks get no secrets
        if head == "inputs":
            return None  # only workflow_call and workflow_dispatch give inputs
        if head == "env" and len(parts) == 2:
            return self._env(parts[1], job, step, depth)
        if head == "steps" and len(parts) == 4 and parts[2] == "outputs" and job is not None:
            target = job.step_by_id(parts[1])
            if target is None or (step is not None and target.index >= step.index):
                return None
            return self._output(target, parts[3], depth)
        if head == "needs" and len(parts) == 4 and parts[2] == "outputs" and job is not None:
            return self._job_output(parts[1], parts[3], depth)
        raise Unknown(f"{path} is not known before the run")

    def _github(self, rest: tuple[str, ...]):
        key = ".".join(p.lower() for p in rest)
        if key == "event_name":
            return self.event
        if key == "ref":
            return "refs/pull/1/merge"
        if key == "ref_name":
            return "1/merge"
        if key in ("repository", "repository_owner"):
            repository = self.workflow.context.repository
            if repository:
                return repository if key == "repository" else repository.split("/")[0]
        if key in ("event.pull_request.head.repo.full_name", "event.pull_request.head.repo.owner.login"):
            return FORK_REPOSITORY
        if key == "event.pull_request.head.repo.fork":
            return True
        if len(rest) >= 2 and rest[0].lower() == "event" and rest[1].lower() in ABSENT_FROM_PR_PAYLOAD:
            return None
        if key == "event.pull_request":
            return {"number": 1.0}
        raise Unknown(f"github.{'.'.join(rest)} differs from one pull request to the next")

    def _env(self, name: str, job: Job | None, step: Step | None, depth: int):
        if step is not None and name in step.env:
            return self._text(step.env[name], job, step, depth + 1)
        if job is not None:
            written = self._written_before(job, step.index if step else len(job.steps), "GITHUB_ENV", name, depth)
            if written is not _NOT_WRITTEN:
                return written
            if name in job.env:
                return self._text(job.env[name], job, None, depth + 1)
        if name in self.workflow.env:
            return self._text(self.workflow.env[name], None, None, depth + 1)
        return None

    def _text(self, raw, job, step, depth):
        if raw is None or isinstance(raw, bool):
            return "" if raw is None else ("true" if raw else "false")
        return evaluate_template(str(raw), lambda p: self.lookup(p, job, step, depth + 1))

    def _written_before(self, job: Job, before: int, file: str, name: str, depth: int):
        """The value the last earlier step wrote to file for name; _NOT_WRITTEN if none did."""
        value = _NOT_WRITTEN
        for step in job.steps[:before]:
            found = self._script_write(step, file, name, job, depth)
            if found is not _NOT_WRITTEN:
                value = found
        return value

    def _script_write(self, step: Step, file: str, name: str, job: Job, depth: int):
        script = step.run or ""
        if file not in script:
            return _NOT_WRITTEN
        value = _NOT_WRITTEN
        for line in script.splitlines():
            if file not in line:
                continue
            match = _OUTPUT_WRITE.match(line)
            if match is None:
                if name in line or not re.search(r"\b[A-Za-z_][A-Za-z0-9_-]*=", line):
                    value = _unknown(f"{step.label()} writes {name} in a way that is not read")
                continue
            if match.group("name") != name or match.group("file") != file:
                continue
            if _BRANCHING.search(script):
                value = _unknown(f"{step.label()} writes {name} inside shell logic")
                continue
            try:
                text = evaluate_template(match.group("value"), lambda p: self.lookup(p, job, step, depth + 1))
            except Unknown as why:
                value = _unknown(str(why))
                continue
            value = _unknown(f"{name} comes from a shell computation") if _SHELL.search(text) else text
        if isinstance(value, _Unknowable):
            raise Unknown(value.why)
        return value

    def _output(self, step: Step, name: str, depth: int):
        if step.run is None:
            raise Unknown(f"the outputs of {step.label()} are not known before the run")
        if self.step_runs(step) is False:
            return ""
        found = self._script_write(step, "GITHUB_OUTPUT", name, step.job, depth)
        return None if found is _NOT_WRITTEN else found

    def _job_output(self, job_id: str, name: str, depth: int):
        job = next((j for j in self.workflow.jobs if j.id == job_id), None)
        outputs = job.node.get("outputs") if job is not None else None
        if not isinstance(outputs, dict) or name not in outputs:
            raise Unknown(f"needs.{job_id}.outputs.{name} is not known")
        if self.job_runs(job) is False:
            return ""
        return self._text(outputs[name], job, None, depth + 1)

    # -- decisions ------------------------------------------------------------------

    def condition(self, value, job: Job, step: Step | None) -> bool | None:
        try:
            return evaluate_condition(value, lambda p: self.lookup(p, job, step))
        except (Unknown, RecursionError) as why:
            self.undecided = f"{str(value).strip()}" if not isinstance(why, RecursionError) else str(value)
            return None

    def job_runs(self, job: Job) -> bool | None:
        if job.id not in self._jobs:
            self._jobs[job.id] = None  # a cycle of needs: unknown
            condition = job.node.get("if")
            needs = job.node.get("needs")
            needs = [needs] if isinstance(needs, str) else [str(n) for n in needs] if isinstance(needs, list) else []
            status_function = isinstance(condition, str) and re.search(r"\b(always|failure|cancelled)\s*\(", condition)
            upstream = [] if status_function else [
                self.job_runs(j) for j in self.workflow.jobs if j.id in needs]
            self._jobs[job.id] = both(*upstream, self.condition(condition, job, None))
        return self._jobs[job.id]

    def step_runs(self, step: Step) -> bool | None:
        return both(self.job_runs(step.job), self.condition(step.node.get("if"), step.job, step))

    def input_true(self, step: Step, key: str) -> bool | None:
        """An action input that takes true/false, as the step would get it."""
        value = step.with_.get(key)
        if isinstance(value, bool) or value is None:
            return bool(value)
        try:
            text = evaluate_template(str(value), lambda p: self.lookup(p, step.job, step)).strip().lower()
        except Unknown:
            self.undecided = f"{key}: {str(value).strip()}"
            return None
        return text == "true" if text in ("true", "false", "") else truthy(text)


class _Unknowable:
    def __init__(self, why: str):
        self.why = why


def _unknown(why: str) -> _Unknowable:
    return _Unknowable(why)


_NOT_WRITTEN = object()
