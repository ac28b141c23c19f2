"""Layer 4: what GHCR needs that no general workflow checker knows.

A job that pushes to ghcr.io must log in to ghcr.io first, have `packages: write`,
and name images in lowercase; attestations and signatures need their own grants;
every image reference, wherever it is built, must follow the OCI grammar.
"""
from __future__ import annotations

import difflib
import re

from .. import datafile, imageref
from ..catalog import _version_tuple
from ..expressions import find_expressions
from ..preview.inputs import MetadataError, csv_fields, parse_images
from ..records import record
from ..rules import Finding, finding
from ..workflow import Job, Piece, Step, Workflow, iter_strings, parse_permissions, shell_commands, shield
from ..yamldoc import position, value_position
from .forkpr import ForkPullRequest, both

GHCR = "ghcr.io"
RETIRED_REGISTRY = "docker.pkg.github.com"
BUILD_PUSH = "docker/build-push-action"
METADATA = "docker/metadata-action"
LOGIN = "docker/login-action"
SETUP_DOCKER = "docker/setup-docker-action"
ATTEST = ("actions/attest", "actions/attest-build-provenance")
DELETE_VERSIONS = "actions/delete-package-versions"
TOKEN_SOURCES = {"secrets.GITHUB_TOKEN", "github.token"}
OWN_REPOSITORY_SOURCES = {"github.repository", "github.repository_owner", "$GITHUB_REPOSITORY",
                          "$GITHUB_REPOSITORY_OWNER"}
PR_EVENTS = ("pull_request", "pull_request_target")
# hosts a hurried login means as ghcr.io (G017)
LOOKALIKE_HOSTS = ("ghcr.com", "ghcr.github.com", "ghcr.io.com", "gcr.io", "www.ghcr.io", "github.io")
_DOCKER_LOGIN_GHCR = re.compile(r"\bdocker\s+login\b[^\n]*\bghcr\.io\b", re.IGNORECASE)


@record
class ImageUse:
    pieces: list[Piece]
    pos: tuple[int, int]
    where: str  # tags | images | cache | outputs | container | service | run
    job: Job
    step: Step | None = None
    lowercased_by_action: bool = False
    pushes: bool = False  # a run: command that pushes this reference
    signs: bool = False  # a run: `cosign sign` of this reference
    definition: dict | None = None  # the container: or services: entry naming the image

    def pulls_with_job_token(self) -> bool:
        """The runner logs in for a job image only with credentials:; without, it pulls anonymously."""
        credentials = (self.definition or {}).get("credentials")
        password = str(credentials.get("password", "")) if isinstance(credentials, dict) else ""
        return any(source in password for source in TOKEN_SOURCES)

    @property
    def registry(self) -> str | None:
        return imageref.registry(self.pieces)

    @property
    def text(self) -> str:
        return imageref.display(self.pieces)

    def owned_by_this_repository(self) -> bool:
        text, spans = imageref.flatten(self.pieces)
        name_end = imageref.parse(text).name_end
        return any(start < name_end and piece.source in OWN_REPOSITORY_SOURCES for start, _, piece in spans)


# -- finding image references ------------------------------------------------

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


def _fields(raw: str) -> list[str]:
    """One CSV record as docker's actions read it (quotes protect commas), expressions kept whole."""
    shielded, restore = shield(raw)
    try:
        return [restore(f).strip() for f in csv_fields(shielded)]
    except MetadataError:
        return [restore(f).strip() for f in shielded.split(",")]


def _attribute(raw: str, name: str) -> str | None:
    """The value of `name=` in a CSV line of attributes (cache-to, outputs); None if absent or computed."""
    for part in _fields(raw):
        key, sep, val = part.partition("=")
        if sep and key.strip().lower() == name:
            return val.strip()
    return None


def _metadata_images(step: Step):
    """(image name, position) for each entry of metadata-action's images:, in the action's grammar
    (one CSV line of names, or one image a line with name= and enable= attributes)."""
    value = step.with_.get("images")
    if isinstance(value, list):
        value = "\n".join(str(v) for v in value)
    if not isinstance(value, str):
        return []
    line, col = value_position(step.with_, "images")
    block = "\n" in value.rstrip("\n")
    shielded, restore = shield(value)
    found = []
    for number, text in enumerate(shielded.splitlines()):
        entry = text.strip()
        if not entry or entry.startswith("#"):
            continue
        try:
            images = parse_images([entry])
        except MetadataError:
            continue  # the action stops with its own error; the preview says which
        for image in images:
            found.append((restore(image.name), (line + 1 + number, 1) if block else (line, col)))
    return found


XARGS_ITEM = "$XARGS_ITEM"  # what xargs feeds a command: unknown before the run
_XARGS_OPTIONS_WITH_VALUE = {"-I", "-i", "-n", "-L", "-P", "-d", "-E", "-s", "-a", "--max-args", "--max-procs",
                             "--delimiter", "--arg-file", "--replace"}


def _unwrap(words: list[str]) -> tuple[list[str], str | None]:
    """The command xargs (or sudo, env) runs, and the text xargs replaces in it ('' when it appends)."""
    fed = None
    while words and words[0] in ("xargs", "sudo", "env", "command"):
        head, words = words[0], words[1:]
        if head == "xargs":
            fed = ""
            while words and words[0].startswith("-"):
                option = words.pop(0)
                if option in ("-I", "--replace") and words:
                    fed = words.pop(0)
                elif option.startswith("-I") and len(option) > 2:
                    fed = option[2:]
                elif option in _XARGS_OPTIONS_WITH_VALUE and words:
                    words.pop(0)
        while head == "env" and words and "=" in words[0]:
            words = words[1:]
    return words, fed


def _run_image_words(words: list[str]) -> list[tuple[str, str]]:
    """(word, what the command does with it) for the image references in one shell command."""
    def tagged(args):
        found = []
        for i, word in enumerate(args):
            if word in ("-t", "--tag") and i + 1 < len(args):
                found.append(args[i + 1])
            elif word.startswith("--tag="):
                found.append(word.split("=", 1)[1])
        return found

    def last_positional(args):
        plain = [w for w in args if not w.startswith("-")]
        return plain[-1:] if plain else []

    words, fed = _unwrap(words)
    if words[:1] == ["cosign"] and words[1:2] == ["sign"]:
        args = [w.replace(fed, XARGS_ITEM) for w in words[2:]] if fed else words[2:]
        signed = last_positional([w for w in args if w != "--yes" and w != "-y"])
        return [(w, "sign") for w in (signed or ([XARGS_ITEM] if fed is not None else []))]
    if words[:1] != ["docker"]:
        return []
    rest = words[1:]
    if rest[:1] == ["image"]:
        rest = rest[1:]
    if rest[:1] == ["push"]:
        return [(w, "push") for w in last_positional(rest[1:])]
    if rest[:1] == ["pull"]:
        return [(w, "ref") for w in last_positional(rest[1:])]
    if rest[:1] == ["tag"]:
        return [(w, "ref") for w in [x for x in rest[1:] if not x.startswith("-")][:2]]
    if rest[:3] == ["buildx", "imagetools", "create"]:
        return [(w, "push") for w in tagged(rest[3:])]
    if rest[:1] == ["build"] or rest[:2] == ["buildx", "build"]:
        pushes = "--push" in rest
        return [(w, "push" if pushes else "ref") for w in tagged(rest)]
    return []


def image_uses(workflow: Workflow) -> list[ImageUse]:
    uses: list[ImageUse] = []

    def add(raw, approx, where, job, step=None, lowered=False, pieces=None, does="ref", definition=None):
        pieces = pieces if pieces is not None else workflow.resolve(raw, job, step)
        needle = raw.split("${{")[0] or raw[:20]
        pos = workflow.locate(needle, approx) if needle.strip() else approx
        uses.append(ImageUse(pieces, pos, where, job, step, lowered, does == "push", does == "sign", definition))

    for job in workflow.jobs:
        container = job.node.get("container")
        if isinstance(container, str):
            add(container, value_position(job.node, "container"), "container", job)
        elif isinstance(container, dict) and isinstance(container.get("image"), str):
            add(container["image"], value_position(container, "image"), "container", job, definition=container)
        services = job.node.get("services")
        if isinstance(services, dict):
            for service in services.values():
                if isinstance(service, dict) and isinstance(service.get("image"), str):
                    add(service["image"], value_position(service, "image"), "service", job, definition=service)
        for step in job.steps:
            if step.acts_as(BUILD_PUSH):
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
                        for one in name.split(","):
                            add(one.strip(), approx, "outputs", job, step)
            elif step.is_action(METADATA):
                for name, approx in _metadata_images(step):
                    add(name, approx, "images", job, step, lowered=True)
            elif step.run:
                start = step.value_position("run")
                for words in shell_commands(step.run):
                    for word, does in _run_image_words(words):
                        add(word, start, "run", job, step, pieces=workflow.resolve_word(word, job, step), does=does)
    return uses


# -- who pushes, who logs in ---------------------------------------------------

def _pushes(step: Step) -> bool:
    """Could this build-push step push? A literal false says no; an expression may."""
    value = step.with_.get("push")
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "")
    outputs = str(step.with_.get("outputs") or "")
    return "push=true" in outputs.replace(" ", "")


def push_targets(job: Job, uses: list[ImageUse]) -> list[tuple[Step, ImageUse]]:
    """(pushing step, image it pushes) for every step of job that may push."""
    by_step: dict[int, list[ImageUse]] = {}
    for use in uses:
        if use.job is job and use.step is not None:
            by_step.setdefault(use.step.index, []).append(use)
    targets = []
    for step in job.steps:
        for use in by_step.get(step.index, []):
            if use.pushes:
                targets.append((step, use))
        if not step.acts_as(BUILD_PUSH) or not _pushes(step):
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


UNKNOWN_LOGIN = "?"  # a login whose registry cannot be known (a local action not at hand, an input)


def _host(registry: str) -> str:
    """The host docker logs in to for a registry: value: docker drops a scheme and a path."""
    text = registry.strip().lower()
    text = re.sub(r"^[a-z]+://", "", text)
    return text.split("/", 1)[0]


def lookalike(registry: str) -> str | None:
    """Why registry is probably meant as ghcr.io but is not written so; None if it is not such a host."""
    text = registry.strip().lower()
    host = _host(text)
    if host == GHCR:
        return None if text == GHCR else "docker logs in to ghcr.io all the same, but write the host alone"
    if host == RETIRED_REGISTRY:
        return "docker.pkg.github.com is GitHub's retired Docker registry; images and logins are on ghcr.io now"
    if host in LOOKALIKE_HOSTS or difflib.SequenceMatcher(None, host, GHCR).ratio() >= 0.75:
        return f"'{host}' is not GitHub's container registry, whose host is ghcr.io"
    return None


def _registry_of(value, step: Step, workflow: Workflow) -> str:
    """'docker.io' for no registry (login-action's default), the host when written out, else UNKNOWN_LOGIN."""
    if value is None or not str(value).strip():
        return "docker.io"
    pieces = workflow.resolve(str(value), step.job, step)
    if all(p.literal for p in pieces):
        return _host("".join(p.text for p in pieces))
    return UNKNOWN_LOGIN


def _auth_entries(step: Step) -> list[dict] | None:
    """The entries of login-action's `registry-auth` (a YAML list in a string), or None without one."""
    raw = step.with_.get("registry-auth")
    if raw is None:
        return None
    try:
        entries = datafile.load_text(str(raw)) if isinstance(raw, str) else raw
    except datafile.pyyaml().YAMLError:  # a value we cannot read is unknown, not wrong
        return []
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def _logins(step: Step, workflow: Workflow) -> list[tuple[str, object]]:
    """(registry, password value) for each registry a step logs in to.

    A docker/login-action step logs in to its `registry` (Docker Hub when none is
    given), or to every entry of `registry-auth`; a local composite action to what its
    action.yml logs in to (UNKNOWN_LOGIN when it is not at hand); `docker login ghcr.io`
    in a script logs in to ghcr.io with a password this check cannot see.
    """
    if step.is_action(LOGIN):
        entries = _auth_entries(step)
        if entries is not None:
            if not entries:
                return [(UNKNOWN_LOGIN, None)]
            return [(_registry_of(e.get("registry"), step, workflow), e.get("password")) for e in entries]
        return [(_registry_of(step.with_.get("registry"), step, workflow), step.with_.get("password"))]
    if step.uses is not None and step.uses.kind == "local":
        registry = _local_action_login(step, workflow)
        return [(registry, None)] if registry else []
    if step.run and _DOCKER_LOGIN_GHCR.search(step.run):
        return [(GHCR, None)]
    return []


def _login_registries(step: Step, workflow: Workflow) -> list[str]:
    return [registry for registry, _ in _logins(step, workflow)]
def _local_action_login(step: Step, workflow: Workflow) -> str | None:
    """What a local composite action logs in to, read from its action.yml in the checkout."""
    action = workflow.context.local_action(step.uses.raw)
    if action is None:
        return UNKNOWN_LOGIN  # not at hand: it may well log in
    runs = action.get("runs") if isinstance(action, dict) else None
    steps = runs.get("steps") if isinstance(runs, dict) else None
    found = set()
    for node in steps if isinstance(steps, list) else ():
        if not isinstance(node, dict):
            continue
        uses = str(node.get("uses") or "")
        if uses.lower().startswith(LOGIN + "@"):
            registry = (node.get("with") or {}).get("registry") if isinstance(node.get("with"), dict) else None
            if registry is None or not str(registry).strip():
                found.add("docker.io")
            elif "${{" in str(registry):
                found.add(UNKNOWN_LOGIN)  # from the action's inputs
            else:
                found.add(_host(str(registry)))
        elif uses.startswith("./"):
            found.add(UNKNOWN_LOGIN)  # an action inside an action: not followed
        elif isinstance(node.get("run"), str) and re.search(r"\b(docker|podman|buildah|oras|helm)\b[^\n]*\blogin\b",
                                                            node["run"]):
            found.add(GHCR if "ghcr.io" in node["run"] else UNKNOWN_LOGIN)
    for answer in (GHCR, UNKNOWN_LOGIN):
        if answer in found:
            return answer
    return next(iter(found), None)


def _ghcr_logins(job: Job, before: int, workflow: Workflow) -> list[Step]:
    return [s for s in job.steps[:before] if GHCR in _login_registries(s, workflow)]


def _password_source(step: Step, workflow: Workflow) -> str | None:
    """The expression the ghcr.io login's password comes from ('secrets.GITHUB_TOKEN', 'secrets.MY_PAT')."""
    if not step.is_action(LOGIN):
        return None
    password = next((pw for registry, pw in _logins(step, workflow) if registry == GHCR), None)
    pieces = workflow.resolve(str(password or ""), step.job, step)
    opaque = [p.source for p in pieces if not p.literal]
    return opaque[0] if len(opaque) == 1 else None


def _granted(job: Job, scope: str, level: str) -> bool:
    granted, _ = job.effective_permissions()
    if granted is None:
        return False
    order = {"none": 0, "read": 1, "write": 2}
    return order.get(granted.get(scope, "none"), 0) >= order[level]


def _missing(job: Job, needs: dict[str, str]) -> list[str]:
    return [f"{scope}: {level}" for scope, level in needs.items() if not _granted(job, scope, level)]


def _is_true(value) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


# Which attest releases write a storage record with push-to-registry, and for whom
# (actions/attest src/attest.ts read at v3.1.0, v3.2.0 and v4.2.2): v3.1.0 tries it for
# every owner; from v3.2.0 only when the repository's owner is an organisation.
# actions/attest-build-provenance v4 runs actions/attest v4. Its moving v3 tag is v3.0.0.
_RECORD_FOR_EVERY_OWNER = ((3, 1, 0), (3, 2, 0))  # [from, to)
_RECORD_FOR_ORGANISATIONS = {"actions/attest": (3, 2, 0), "actions/attest-build-provenance": (4, 0, 0)}
_MOVING_MAJOR = {("actions/attest", 3): (3, 0, 0)}


def _attest_version(step: Step, catalog) -> tuple[int, int, int] | None:
    """The release a `uses:` of attest runs, as far as the ref and the catalog tell."""
    uses = step.uses
    entry = catalog.get(uses.action) if uses else None
    if entry is None:
        return None
    ref = uses.ref or entry.newest_tag
    info = catalog.classify(entry, ref)
    if info.version and info.version == entry.current_major:
        return _version_tuple(entry.newest_tag)
    if info.kind == "major" and info.major is not None:
        return _MOVING_MAJOR.get((entry.action.lower(), info.major), (info.major, 99, 0))
    if info.version:
        return _version_tuple(info.version)
    return None


def _storage_record_owners(step: Step, catalog) -> str | None:
    """'every' or 'organisation' where this attest step's storage record can fail; None where it cannot."""
    version = _attest_version(step, catalog)
    if version is None:
        return None
    action = step.uses.action.lower()
    if action == "actions/attest" and _RECORD_FOR_EVERY_OWNER[0] <= version < _RECORD_FOR_EVERY_OWNER[1]:
        return "every"
    if version >= _RECORD_FOR_ORGANISATIONS.get(action, (999,)):
        return "organisation"
    return None


def _attest_major(step: Step, catalog) -> int | None:
    uses = step.uses
    entry = catalog.get(uses.action) if uses else None
    if entry is None:
        return None
    if not uses.ref:
        return entry.current_major_number
    return catalog.classify(entry, uses.ref).major


# -- the rules -------------------------------------------------------------------

# Where each capital-carrying source takes its letters from: the owner, the whole repository, its name.
_CAPITALS_FROM = {
    "github.repository_owner": "owner", "$GITHUB_REPOSITORY_OWNER": "owner",
    "github.event.repository.owner.login": "owner",
    "github.repository": "repository", "$GITHUB_REPOSITORY": "repository",
    "github.event.repository.full_name": "repository", "github.event.repository.name": "name",
}


def _capitals(source: str, context) -> bool | None:
    """Does source hold capitals in this run? None where the run context does not say (an actor, no context)."""
    part = _CAPITALS_FROM.get(source)
    if part is None or not context.repository or "/" not in context.repository:
        return None
    owner, name = context.repository.split("/", 1)
    text = {"owner": owner, "repository": context.repository, "name": name}[part]
    return text != text.lower()


def _reference_findings(uses: list[ImageUse], workflow: Workflow) -> list[Finding]:
    findings = []
    for use in uses:
        pieces = use.pieces
        if any(not p.literal and p.source.startswith("$(") for p in pieces):
            continue  # a command substitution: its output is unknown
        if len(pieces) == 1 and not pieces[0].literal:
            continue  # a single expression: nothing written to check
        checked = [Piece(p.text.lower()) if p.literal else p for p in pieces] if use.lowercased_by_action else pieces
        problem = imageref.check(checked)
        if problem:
            findings.append(finding("G004", use.pos, ref=use.text, why=problem.why, fix=problem.fix))
            continue
        if not use.lowercased_by_action and use.registry == GHCR:
            piece = imageref.mixed_case_in_name(pieces)
            if piece is None:
                continue
            capitals = _capitals(piece.source, workflow.context)
            if capitals is False:
                continue  # this repository's names are lowercase: the push works
            if capitals:
                why = f"'{workflow.context.repository}' has capitals, so the push fails (repository name must be lowercase)"
            else:
                why = ("an owner with capitals makes the push fail (repository name must be lowercase); "
                       "whether this one has them is not known here (ghcr-check --context repository=Owner/name)")
            findings.append(finding("G005", use.pos, ref=use.text, source=piece.source, why=why,
                                    severity="error" if capitals else "warning"))
    return findings


def _default_token_severity(job: Job) -> str:
    return "error" if job.workflow.context.profile == "hardened" else "warning"


def _caller_findings(job: Job) -> list[Finding] | None:
    """G003 for a reusable workflow, from its same-repository callers; None when none are known."""
    callers = job.workflow.context.callers()
    if not callers:
        return None
    root = job.workflow.context.root
    findings = []
    for path, doc in callers:
        for caller_id, caller in (doc.get("jobs") or {}).items():
            uses = caller.get("uses") if isinstance(caller, dict) else None
            if not isinstance(uses, str) or not uses.startswith("./"):
                continue
            if (root / uses.split("@")[0]).resolve() != workflow_path(job):
                continue
            block = caller.get("permissions", doc.get("permissions"))
            name = f"{path.name}, job '{caller_id}'"
            if block is None:
                findings.append(finding(
                    "G003", job.permissions_position(), job=job.id, severity=_default_token_severity(job),
                    why=f"its caller ({name}) grants no permissions: block, so the run has the repository's default "
                        "token permissions, read-only in new repositories",
                    fix=f"add to job '{caller_id}' in {path.name}: permissions: {{contents: read, packages: write}}"))
            elif parse_permissions(block).get("packages") != "write":
                findings.append(finding(
                    "G003", job.permissions_position(), job=job.id,
                    why=f"its caller ({name}) grants packages: {parse_permissions(block).get('packages')}, "
                        "and a called workflow gets no more than its caller",
                    fix=f"add 'packages: write' to the permissions: of job '{caller_id}' in {path.name}"))
    return findings


def workflow_path(job: Job):
    return job.workflow.context.path.resolve()


def _permission_finding(job: Job) -> list[Finding]:
    granted, where = job.effective_permissions()
    if granted is not None and granted.get("packages") == "write":
        return []
    pos = job.permissions_position()
    if granted is None:
        if _triggers(job.workflow) == {"workflow_call"}:
            return _caller_findings(job) or []  # the caller's grant applies; unknown callers: nothing to say
        return [finding(
            "G003", pos, job=job.id, severity=_default_token_severity(job),
            why="it has no permissions: block, so it runs with the repository's default token permissions, "
                "which are read-only in new repositories and many organisations",
            fix="add to the job: permissions: {contents: read, packages: write}",
        )]
    owner = "its" if where == "job" else "the workflow's"
    return [finding(
        "G003", pos, job=job.id,
        why=f"{owner} permissions: give packages: {granted.get('packages', 'none')} (scopes a permissions: block leaves out are none)",
        fix="add 'packages: write' to the job's permissions:",
    )]


def _push_findings(job: Job, uses: list[ImageUse], workflow: Workflow) -> list[Finding]:
    targets = [(s, u) for s, u in push_targets(job, uses) if u.registry == GHCR]
    if not targets:
        return []
    findings = []
    first_push = min(targets, key=lambda t: t[0].index)[0]
    logins = [(s, _login_registries(s, workflow)) for s in job.steps[: first_push.index]]
    ghcr_logins = [s for s, registries in logins if GHCR in registries]
    if not ghcr_logins and any(UNKNOWN_LOGIN in registries for _, registries in logins):
        return findings  # a login we cannot read may be the one: unknown is not wrong
    if not ghcr_logins and any(lookalike(r) for _, registries in logins for r in registries if r != UNKNOWN_LOGIN):
        return findings  # G017 on the registry: line says what was meant
    if not ghcr_logins:
        hub = [s for s, registries in logins if "docker.io" in registries and s.is_action(LOGIN)
               and "registry" not in s.with_ and "registry-auth" not in s.with_]
        if hub:
            findings.append(finding("G002", hub[0].key_position("uses"), job=job.id))
        else:
            findings.append(finding("G001", first_push.key_position("uses" if first_push.uses else "run"), job=job.id))
    sources = [_password_source(s, workflow) for s in ghcr_logins]
    if not ghcr_logins or any(src in TOKEN_SOURCES or src is None for src in sources):
        findings += _permission_finding(job)
    personal = [(s, src) for s, src in zip(ghcr_logins, sources)
                if src and src.startswith("secrets.") and src not in TOKEN_SOURCES]
    if personal and all(use.owned_by_this_repository() for _, use in targets):
        step, source = personal[0]
        findings.append(finding("G015", step.value_position("with"), source=source))
    return findings


def _triggers(workflow: Workflow) -> set[str]:
    on = workflow.root.get("on")
    if isinstance(on, str):
        return {on}
    if isinstance(on, list):
        return {str(e) for e in on}
    if isinstance(on, dict):
        return {str(e) for e in on}
    return set()


def _pull_request_findings(job: Job, uses: list[ImageUse], workflow: Workflow) -> list[Finding]:
    """G006: a push to ghcr.io that a fork's pull request reaches, decided by evaluating every gate."""
    events = [e for e in PR_EVENTS if e in _triggers(workflow)]
    if not events:
        return []
    fork = ForkPullRequest(workflow, events[0])
    findings = []
    seen = set()
    for step, use in push_targets(job, uses):
        if step.index in seen or use.registry not in (GHCR, None):
            continue
        seen.add(step.index)
        fork.undecided = ""
        reached = fork.step_runs(step)
        if reached is not False and step.acts_as(BUILD_PUSH):
            reached = both(reached, fork.input_true(step, "push") if "push" in step.with_ else None)
        if reached is False:
            continue
        certain = reached is True and use.registry == GHCR
        unknown = "" if certain else (
            f"; whether it pushes there depends on '{fork.undecided}', which is not known before the run"
            if fork.undecided else "; whether the image goes to ghcr.io is not known before the run")
        findings.append(finding("G006", step.key_position("uses" if step.uses else "run"), job=job.id,
                                event=events[0], verb="pushes" if certain else "may push", unknown=unknown,
                                severity="error" if certain else "warning"))
    return findings


def _attest_findings(job: Job, workflow: Workflow, catalog) -> list[Finding]:
    findings = []
    for step in job.steps:
        if not any(step.is_action(name) for name in ATTEST):
            continue
        action = step.uses.action
        missing = _missing(job, {"id-token": "write", "attestations": "write"})
        if missing:
            findings.append(finding("G007", step.key_position("uses"), action=action, job=job.id,
                                    missing=" and ".join(missing)))
        if not _is_true(step.with_.get("push-to-registry")):
            continue
        subject = workflow.resolve(str(step.with_.get("subject-name", "")), job, step)
        on_ghcr = imageref.registry(subject) in (GHCR, None)
        if on_ghcr and not _ghcr_logins(job, step.index, workflow):
            findings.append(finding("G014", step.key_position("uses"), action=action, job=job.id))
        record = step.with_.get("create-storage-record", True)
        if record is False or str(record).strip().lower() == "false" or _granted(job, "artifact-metadata", "write"):
            continue
        owners = _storage_record_owners(step, catalog)
        if owners == "organisation":
            findings.append(finding("G008", step.key_position("uses"), action=action, job=job.id,
                                    where="in an organisation's repository (for a personal account it writes none)",
                                    fix="add 'artifact-metadata: write' to the job's permissions; a personal account's "
                                        "repository needs nothing"))
        elif owners == "every":
            findings.append(finding("G008", step.key_position("uses"), action=action, job=job.id,
                                    where="for every owner (v3.1.x; from v3.2.0 only for organisations)",
                                    fix="use actions/attest v3.2.0 or later, and add 'artifact-metadata: write' "
                                        "in an organisation's repository"))
    return findings


def _cosign_findings(job: Job, uses: list[ImageUse], workflow: Workflow) -> list[Finding]:
    signs = [u for u in uses if u.job is job and u.signs]
    findings = []
    for use in signs:
        words = next((w for w in shell_commands(use.step.run or "") if w[:2] == ["cosign", "sign"]), [])
        if any(w == "--key" or w.startswith("--key=") for w in words):
            continue  # signing with a key: no OIDC token involved
        needs = {"id-token": "write"}
        if use.registry in (GHCR, None) and (use.registry == GHCR or _ghcr_logins(job, use.step.index, workflow)):
            needs["packages"] = "write"
        missing = _missing(job, needs)
        if missing:
            findings.append(finding("G009", use.step.key_position("run"), job=job.id, missing=" and ".join(missing)))
    return findings


def _build_step_findings(job: Job) -> list[Finding]:
    findings = []
    for step in job.steps:
        if not step.acts_as(BUILD_PUSH):
            continue
        platforms = step.with_.get("platforms")
        # docker/setup-docker-action can switch the runner's Docker to the containerd image
        # store, which loads multi-platform images: then the load may well work.
        containerd = any(s.is_action(SETUP_DOCKER) for s in job.steps[:step.index])
        if (_is_true(step.with_.get("load")) and isinstance(platforms, str) and "${{" not in platforms
                and not containerd):
            listed = [p.strip() for p in re.split(r"[,\n]", platforms) if p.strip()]
            if len(listed) > 1:
                findings.append(finding("G010", step.value_position("with"), platforms=", ".join(listed)))
        outputs = str(step.with_.get("outputs") or "")
        if _pushes(step) and not str(step.with_.get("tags") or "").strip() and "name=" not in outputs:
            findings.append(finding(
                "G011", step.key_position("uses"), why="",
                fix="add tags: (such as ${{ steps.meta.outputs.tags }} from docker/metadata-action), "
                    "or push by digest with outputs: type=image,name=<image>,push-by-digest=true,push=true",
            ))
    return findings


def _container_findings(job: Job, uses: list[ImageUse]) -> list[Finding]:
    granted, _ = job.effective_permissions()
    if granted is None or granted.get("packages", "none") != "none":
        return []
    findings = []
    for use in uses:
        if (use.job is job and use.where in ("container", "service") and use.registry == GHCR
                and use.pulls_with_job_token()):
            findings.append(finding("G012", use.pos, job=job.id, image=use.text))
    return findings


def _cleanup_findings(job: Job) -> list[Finding]:
    return [
        finding("G013", step.value_position("with"))
        for step in job.steps
        if step.is_action(DELETE_VERSIONS)
        and _is_true(step.with_.get("delete-only-untagged-versions"))
        and str(step.with_.get("package-type", "container")).strip() == "container"
    ]


def _lookalike_findings(job: Job, workflow: Workflow) -> list[Finding]:
    findings = []
    for step in job.steps:
        if not step.is_action(LOGIN) or not isinstance(step.with_.get("registry"), str):
            continue
        pieces = workflow.resolve(step.with_["registry"], job, step)
        if not all(p.literal for p in pieces):
            continue
        written = "".join(p.text for p in pieces).strip()
        why = lookalike(written)
        if why and _host(written) != RETIRED_REGISTRY:  # G016 reports the retired registry, on this line too
            works = _host(written) == GHCR
            findings.append(finding("G017", value_position(step.with_, "registry"), registry=written, why=why,
                                    severity="warning" if works else "error"))
    return findings


def _retired_registry_findings(workflow: Workflow) -> list[Finding]:
    findings = []
    login_registries = {id(s.with_) for j in workflow.jobs for s in j.steps if s.is_action(LOGIN)}
    for parent, key, text in iter_strings(workflow.root):
        if RETIRED_REGISTRY in text.lower():
            on_login = key == "registry" and id(parent) in login_registries
            fix = "write 'registry: ghcr.io'" if on_login else "use ghcr.io/OWNER/NAME instead"
            start = position(parent, key=key) if isinstance(parent, dict) else position(parent, index=key)
            word = next((w for w in re.split(r"[\s,'\"]+", text) if RETIRED_REGISTRY in w.lower()), RETIRED_REGISTRY)
            findings.append(finding("G016", workflow.locate(RETIRED_REGISTRY, start), ref=word, fix=fix))
    return findings


# docker/login-action (src/context.ts, getAuthList): registry-auth refuses every other input but logout.
_NOT_WITH_REGISTRY_AUTH = ("registry", "username", "password", "scope", "ecr")


def _login_input_findings(job: Job) -> list[Finding]:
    findings = []
    for step in job.steps:
        if not step.is_action(LOGIN) or "registry-auth" not in step.with_:
            continue
        others = [key for key in _NOT_WITH_REGISTRY_AUTH if str(step.with_.get(key) or "").strip()]
        if others:
            findings.append(finding("G018", step.value_position("with"), inputs=", ".join(others)))
    return findings


def check(workflow: Workflow, catalog) -> list[Finding]:
    uses = image_uses(workflow)
    findings = _reference_findings(uses, workflow) + _retired_registry_findings(workflow)
    for job in workflow.jobs:
        findings += _push_findings(job, uses, workflow)
        findings += _pull_request_findings(job, uses, workflow)
        findings += _attest_findings(job, workflow, catalog)
        findings += _cosign_findings(job, uses, workflow)
        findings += _build_step_findings(job)
        findings += _container_findings(job, uses)
        findings += _cleanup_findings(job)
        findings += _login_input_findings(job)
        findings += _lookalike_findings(job, workflow)
    return findings
