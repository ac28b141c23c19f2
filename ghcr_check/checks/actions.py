"""Layer 3: every `uses:` against the catalog (refs, inputs, outputs), tag- and SHA-pinned alike.

Actions outside the catalog are not checked here: no error, nothing to compare with.
"""
from __future__ import annotations

import difflib
import re

from ..catalog import Catalog
from ..expressions import STEP_OUTPUT_RE, STEP_REF_RE, find_expressions
from ..records import replace
from ..rules import Finding, finding
from ..workflow import Job, Step, Workflow, iter_strings
from ..yamldoc import position


def _ref_findings(step: Step, catalog: Catalog) -> list[Finding]:
    uses = step.uses
    entry = catalog.get(uses.action)
    pos = step.value_position("uses")
    name = entry.action
    if not uses.ref:
        return [finding("A001", pos, action=name, ref="", why="a ref is required after '@'", suggest=entry.tag_ref)]
    info = catalog.classify(entry, uses.ref)
    if info.kind == "sha":
        comment = _pin_comment(step, uses.ref)
        problem = _comment_problem(entry, catalog, uses.ref, info, comment) if comment else None
        if problem:
            return [finding("A011", pos, action=name, ref=uses.ref[:12], **problem)]
        if info.exists is None:
            if comment and _comment_may_be_newer(entry, catalog, comment):
                return []  # a release after the catalog's lists: the catalog is older, not the pin wrong
            if not catalog.releases_of(entry):
                return []  # no release list for this action (data/releases/): nothing to look the SHA up in
            return [finding("A007", pos, action=name, ref=uses.ref, sha=entry.sha, tag=entry.newest_tag)]
    if info.kind in ("short-sha", "other"):
        return [finding("A008", pos, action=name, ref=uses.ref, suggest=entry.tag_ref)]
    if info.exists is False:
        return [finding("A001", pos, action=name, ref=uses.ref, why=info.why, suggest=entry.tag_ref)]
    if info.exists is None:
        newest = catalog.newest_known(entry)
        known = "v" + ".".join(map(str, newest)) if newest else entry.newest_tag
        return [finding("A009", pos, action=name, ref=uses.ref, newest=known, as_of=entry.as_of)]
    if info.major is not None and info.major < entry.current_major_number:
        # node20 is the sharper reason to update, where the newer major left it
        if entry.older_majors.get(f"v{info.major}") == "node20" and entry.runtime != "node20":
            return [finding("A010", pos, action=name, ref=uses.ref, current=entry.tag_ref, runtime=entry.runtime)]
        return [finding("A002", pos, action=name, ref=uses.ref, current=entry.tag_ref, as_of=entry.as_of)]
    return []


_PIN_COMMENT = re.compile(r"#\s*(?:tag[:=]?\s*)?v?(\d+(?:\.\d+){0,2})(?![\w.-])")


def _pin_comment(step: Step, sha: str) -> str | None:
    """The version a `uses: owner/repo@<sha> # v1.2.3` line names in its comment, as a tag (v1.2.3)."""
    line, _ = step.value_position("uses")
    lines = step.job.workflow.doc.text.splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    at = text.find(sha)
    match = _PIN_COMMENT.search(text, at + len(sha)) if at != -1 else None
    return f"v{match.group(1)}" if match else None


def _comment_problem(entry, catalog: Catalog, sha: str, info, comment: str) -> dict | None:
    """Why a pin's comment names another release than its commit, or None."""
    claimed_commit = catalog.commit_of(entry, comment)
    is_major = comment.count(".") == 0
    if is_major:  # a moving tag: the commit must be one of that major's releases
        if info.exists and info.major != int(comment[1:]):
            return {"why": f"the commit is {info.version}, not a {comment} release",
                    "fix": f"write the comment '# {info.version}', or pin a {comment} release's commit"}
        return None
    if claimed_commit is None or claimed_commit == sha.lower():
        return None
    actual = info.version if info.exists else "no release the catalog knows"
    return {"why": f"the comment says {comment}, whose commit is {claimed_commit[:12]}, but the commit is {actual}",
            "fix": f"pin {entry.action}@{claimed_commit} # {comment}, or correct the comment"}


def _comment_may_be_newer(entry, catalog: Catalog, comment: str) -> bool:
    """A comment naming a moving major tag, or a version newer than the catalog's lists."""
    version = tuple(int(p) for p in comment[1:].split(".")) + (0,) * (2 - comment.count("."))
    newest = catalog.newest_known(entry)
    return comment.count(".") == 0 or newest is None or version > newest \
        or catalog.classify(entry, comment).exists is None


def _input_findings(step: Step, catalog: Catalog) -> list[Finding]:
    entry = catalog.get(step.uses.action)
    info = catalog.classify(entry, step.uses.ref) if step.uses.ref else None
    # Inputs are known for the current major only; older majors had other inputs.
    if info is None or info.major != entry.current_major_number:
        return []
    findings = []
    given = {str(k).lower(): k for k in step.with_}
    known = {name.lower(): spec for name, spec in entry.inputs.items()}
    for lowered, key in given.items():
        if lowered in known:
            continue
        close = difflib.get_close_matches(lowered, list(known), n=1, cutoff=0.6)
        fix = f"did you mean '{close[0]}'?" if close else f"inputs of {entry.action}: {', '.join(entry.inputs)}"
        findings.append(finding("A003", position(step.with_, key=key), action=entry.action, input=key, fix=fix))
    for lowered, spec in known.items():
        if spec.required and spec.default is None and lowered not in given:
            findings.append(finding("A004", step.key_position("uses"), action=entry.action, input=spec.name))
    return findings


def _step_ref_findings(job: Job, workflow: Workflow, catalog: Catalog) -> list[Finding]:
    findings = []
    ids = {s.id: s for s in job.steps if s.id}
    scopes = [(s.index, s.node) for s in job.steps]
    if isinstance(job.node.get("outputs"), dict):  # the only job-level key that sees steps
        scopes.append((len(job.steps), job.node["outputs"]))
    for index, node in scopes:
        for parent, key, text in iter_strings(node):
            implicit = key == "if" and "${{" not in text
            spans = [text] if implicit else [e.inner for e in find_expressions(text)]
            for inner in spans:
                for match in STEP_REF_RE.finditer(inner):
                    step_id = match.group(1)
                    start = position(parent, key=key) if isinstance(parent, dict) else position(parent, index=key)
                    pos = workflow.locate(f"steps.{step_id}", start)
                    target = ids.get(step_id)
                    if target is None:
                        close = difflib.get_close_matches(step_id, list(ids), n=1)
                        fix = f"did you mean '{close[0]}'?" if close else "give the step an id: or fix the name"
                        missing = finding("A006", pos, problem=f"job '{job.id}' has no step with id '{step_id}'", fix=fix)
                        if start[0] < pos[0]:  # the value starts above: a tool reporting its start means this
                            missing = replace(missing, extra={"first_line": start[0]})
                        findings.append(missing)
                        continue
                    if target.index >= index:
                        findings.append(finding(
                            "A006", pos,
                            problem=f"step '{step_id}' runs after this point, so its results are not there yet",
                            fix=f"move this after step '{step_id}', or refer to an earlier step",
                        ))
                        continue
                out = STEP_OUTPUT_RE.finditer(inner)
                for match in out:
                    step_id, output = match.groups()
                    target = ids.get(step_id)
                    uses = target.uses if target else None
                    entry = catalog.get(uses.action) if uses and uses.kind == "action" else None
                    # property names in expressions ignore case: outputs.DIGEST is outputs.digest
                    if entry is None or output.lower() in (o.lower() for o in entry.outputs):
                        continue
                    info = catalog.classify(entry, uses.ref) if uses.ref else None
                    if info is None or info.major != entry.current_major_number:
                        continue
                    start = position(parent, key=key) if isinstance(parent, dict) else position(parent, index=key)
                    pos = workflow.locate(f"steps.{step_id}.outputs.{output}", start)
                    close = difflib.get_close_matches(output, list(entry.outputs), n=1)
                    fix = f"did you mean '{close[0]}'?" if close else f"outputs of {entry.action}: {', '.join(entry.outputs) or 'none'}"
                    findings.append(finding("A005", pos, step=step_id, action=entry.action, output=output, fix=fix))
    return findings


def check(workflow: Workflow, catalog: Catalog) -> list[Finding]:
    findings: list[Finding] = []
    for job in workflow.jobs:
        for step in job.steps:
            uses = step.uses
            if uses is None or uses.kind != "action" or catalog.get(uses.action) is None:
                continue
            findings += _ref_findings(step, catalog)
            findings += _input_findings(step, catalog)
        findings += _step_ref_findings(job, workflow, catalog)
    return findings
