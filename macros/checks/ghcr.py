"""Layer 4: what GHCR needs that no general workflow checker knows.

A job that pushes to ghcr.io must log in to ghcr.io first, have `packages: write`,
and name images in lowercase; every image reference must follow the OCI grammar.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .. import imageref
from ..expressions import find_expressions
from ..rules import Finding, finding
from ..workflow import Job, Piece, Step, Workflow
from ..yamldoc import position, value_position

GHCR = "ghcr.io"
BUILD_PUSH = "docker/build-push-action"
METADATA = "docker/metadata-action"
LOGIN = "docker/login-action"
TOKEN_SOURCES = {"secrets.GITHUB_TOKEN", "github.token"}
_DOCKER_LOGIN_GHCR = re.compile(r"\bdocker\s+login\b[^\n]*\bghcr\.io\b", re.IGNORECASE)


@dataclass
class ImageUse:
    pieces: list[Piece]
    pos: tuple[int, int]
    where: str  # tags | images | cache | outputs | container | service
    job: Job
    step: Step | None = None
    lowercased_by_action: bool = False

    @property
    def registry(self) -> str | None:
        return imageref.registry(self.pieces)

    @property
    def text(self) -> str:
        return imageref.display(self.pieces)


def _split_raw(text: str, commas: bool) -> list[tuple[int, str]]:
    """(offset, item) for each newline- (and comma-) separated item, outside expressions."""
    protected = [(e.start, e.end) for e in find_expressions(text)]
    items, start, i = [], 0, 0
    while i <= len(text):
        inside = next((end for s, end in protected if s <= i < end), None)
        if inside is not None:
            i = inside
            continue
        if i == len(text) or text[i] == "\n" or (commas and text[i] == ","):
            raw = text[start:i]
            if raw.strip():
                items.append((start + len(raw) - len(raw.lstrip()), raw.strip()))
            start = i + 1
        i += 1
    return items


def _list_items(container, key, commas: bool):
    """(raw item, approximate position) for a list input given as a YAML list or a string."""
    value = container.get(key)
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str):
                for _, raw in _split_raw(item, commas):
                    yield raw, position(value, index=index)
    elif isinstance(value, str):
        line, col = value_position(container, key)
        block = "\n" in value.rstrip("\n")
        for offset, raw in _split_raw(value, commas):
            newlines = value.count("\n", 0, offset)
            yield raw, ((line + 1 + newlines, 1) if block else (line, col))


def _attribute(raw: str, name: str) -> str | None:
    for part in raw.split(","):
        key, sep, val = part.partition("=")
        if sep and key.strip() == name:
            return val.strip()
    return None


def image_uses(workflow: Workflow) -> list[ImageUse]:
    uses: list[ImageUse] = []

    def add(raw, approx, where, job, step=None, lowered=False):
        pieces = workflow.resolve(raw, job, step)
        needle = raw.split("${{")[0] or raw[:20]
        pos = workflow.locate(needle, approx) if needle.strip() else approx
        uses.append(ImageUse(pieces, pos, where, job, step, lowered))

    for job in workflow.jobs:
        container = job.node.get("container")
        if isinstance(container, str):
            add(container, value_position(job.node, "container"), "container", job)
        elif isinstance(container, dict) and isinstance(container.get("image"), str):
            add(container["image"], value_position(container, "image"), "container", job)
        services = job.node.get("services")
        if isinstance(services, dict):
            for service in services.values():
                if isinstance(service, dict) and isinstance(service.get("image"), str):
                    add(service["image"], value_position(service, "image"), "service", job)
        for step in job.steps:
            if step.is_action(BUILD_PUSH):
                for raw, approx in _list_items(step.with_, "tags", commas=True):
                    add(raw, approx, "tags", job, step)
                for key in ("cache-from", "cache-to"):
                    for raw, approx in _list_items(step.with_, key, commas=False):
                        ref = _attribute(raw, "ref")
                        if ref and (_attribute(raw, "type") or "registry") == "registry":
                            add(ref, approx, "cache", job, step)
                for raw, approx in _list_items(step.with_, "outputs", commas=False):
                    name = _attribute(raw, "name")
                    if name:
                        for one in name.strip('"').split(","):
                            add(one, approx, "outputs", job, step)
            elif step.is_action(METADATA):
                for raw, approx in _list_items(step.with_, "images", commas=False):
                    name = _attribute(raw, "name") if "name=" in raw else raw
                    if name:
                        add(name, approx, "images", job, step, lowered=True)
    return uses


def _pushes(step: Step) -> bool:
    """Could this build-push step push? A literal false says no; an expression may."""
    value = step.with_.get("push")
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        return text not in ("false", "")
    outputs = str(step.with_.get("outputs") or "")
    return "push=true" in outputs.replace(" ", "")


def push_targets(job: Job, uses: list[ImageUse]) -> list[tuple[Step, ImageUse]]:
    """(pushing step, image it pushes) for every build-push step in job that may push."""
    by_step: dict[int, list[ImageUse]] = {}
    for use in uses:
        if use.job is job and use.step is not None:
            by_step.setdefault(use.step.index, []).append(use)
    targets = []
    for step in job.steps:
        if not step.is_action(BUILD_PUSH) or not _pushes(step):
            continue
        for use in by_step.get(step.index, []):
            if use.where not in ("tags", "outputs"):
                continue
            meta = _metadata_source(use, job)
            if meta is not None:
                targets += [(step, image) for image in by_step.get(meta.index, []) if image.where == "images"]
            else:
                targets.append((step, use))
    return targets


def _metadata_source(use: ImageUse, job: Job) -> Step | None:
    """The metadata-action step whose tags output this tags item is."""
    if len(use.pieces) != 1 or use.pieces[0].literal:
        return None
    match = re.fullmatch(r"steps\.([\w-]+)\.outputs\.(tags|json)", use.pieces[0].source)
    step = job.step_by_id(match.group(1)) if match else None
    return step if step is not None and step.is_action(METADATA) else None


def _login_registry(step: Step, workflow: Workflow) -> str | None:
    """'ghcr.io', 'docker.io' (no registry given) or another host, for a login step."""
    if step.is_action(LOGIN):
        registry = step.with_.get("registry")
        if registry is None or not str(registry).strip():
            return "docker.io"
        pieces = workflow.resolve(str(registry), step.job, step)
        text = "".join(p.text for p in pieces if p.literal) if all(p.literal for p in pieces) else None
        return text.strip().lower() if text else None
    if step.run and _DOCKER_LOGIN_GHCR.search(step.run):
        return GHCR
    return None


def _uses_job_token(step: Step, workflow: Workflow) -> bool:
    if not step.is_action(LOGIN):
        return True
    pieces = workflow.resolve(str(step.with_.get("password", "")), step.job, step)
    return any(not p.literal and p.source in TOKEN_SOURCES for p in pieces)


def _permission_finding(job: Job, first_push: Step) -> Finding | None:
    granted, where = job.effective_permissions()
    if granted is not None and granted.get("packages") == "write":
        return None
    pos = job.permissions_position()
    if granted is None:
        return finding(
            "G003", pos, job=job.id,
            why="no permissions: block grants packages: write (new repositories give GITHUB_TOKEN read-only access)",
            fix="add to the job: permissions: {contents: read, packages: write}",
        )
    owner = "its" if where == "job" else "the workflow's"
    level = granted.get("packages", "none")
    return finding(
        "G003", pos, job=job.id,
        why=f"{owner} permissions: give packages: {level} (scopes a permissions: block leaves out are none)",
        fix="add 'packages: write' to the job's permissions:",
    )


def check(workflow: Workflow, catalog) -> list[Finding]:
    findings: list[Finding] = []
    uses = image_uses(workflow)
    for use in uses:
        pieces = use.pieces
        if all(not p.literal for p in pieces) and len(pieces) == 1:
            continue  # a single expression: nothing written to check
        checked = [Piece(p.text.lower()) if p.literal else p for p in pieces] if use.lowercased_by_action else pieces
        problem = imageref.check(checked)
        if problem:
            findings.append(finding("G004", use.pos, ref=use.text, why=problem.why, fix=problem.fix))
            continue
        if not use.lowercased_by_action and use.registry == GHCR:
            piece = imageref.mixed_case_in_name(pieces)
            if piece is not None:
                findings.append(finding("G005", use.pos, ref=use.text, source=piece.source))

    for job in workflow.jobs:
        targets = [(s, u) for s, u in push_targets(job, uses) if u.registry == GHCR]
        if not targets:
            continue
        first_push = min(targets, key=lambda t: t[0].index)[0]
        logins = [(s, _login_registry(s, workflow)) for s in job.steps[: first_push.index]]
        ghcr_logins = [s for s, registry in logins if registry == GHCR]
        if not ghcr_logins:
            hub = [s for s, registry in logins if registry == "docker.io" and "registry" not in s.with_]
            if hub:
                findings.append(finding("G002", hub[0].key_position("uses"), job=job.id))
            else:
                findings.append(finding("G001", first_push.key_position("uses"), job=job.id))
        if not ghcr_logins or any(_uses_job_token(s, workflow) for s in ghcr_logins):
            problem = _permission_finding(job, first_push)
            if problem:
                findings.append(problem)
    return findings
