"""One event's pass over a workflow: which jobs and steps run, what they write, what they push."""
from __future__ import annotations

import re

from .. import imageref, yamldoc
from ..expressions import STEP_OUTPUT_RE
from ..expressions.evaluate import evaluate_condition, evaluate_template, to_text
from ..rules import Finding, finding
from ..workflow import Job, Piece, Step, Workflow
from ..yamldoc import value_position
from .events import Event, SampleContext
from .metadata import MetaContext, MetadataError, NotPreviewed, compute
from .model import Preview
from .triggers import runs_for, triggers

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
BOOLEAN_INPUTS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}





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
            if step.acts_as(BUILD_PUSH):
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
            elif step.acts_as(BUILD_PUSH):
                self.build_push(job, step, state)
            elif any(step.is_action(a) for a in OTHER_PUSHING_ACTIONS):
                raise NotPreviewed(f"{_named(step)} uses {step.uses.action}, whose pushes are not previewed")

    def step_may_push(self, step: Step) -> bool:
        return (step.acts_as(BUILD_PUSH) or any(step.is_action(a) for a in OTHER_PUSHING_ACTIONS)
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
        push_value = True if output == "tags" else step.with_.get("push", False)
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
    """build-push-action outputs: 'local' (nothing pushed), 'digest' (push-by-digest), 'tags' (pushed
    to the names in tags:), None (not read)."""
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
        elif kind in ("image", "registry") and pushes and "name" not in attrs:
            kinds.add("tags")  # pushes to the names in tags:, as push: true does
        else:
            return None
    return kinds.pop() if len(kinds) == 1 else None


def _shell_push(step: Step) -> bool:
    script = step.run or ""
    return any(re.search(pattern, script) for pattern in SHELL_PUSH_COMMANDS)


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


