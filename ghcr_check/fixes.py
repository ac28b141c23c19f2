"""`ghcr-check --fix`: the repairs that are certain, made with ruamel.yaml round-trip so
comments, key order and quoting survive.

Fixed rules: Z004 (persist-credentials: false on actions/checkout), G003 (packages: write
on the job that pushes, where a permissions: block already exists), G005 and G004's
capitals (the image name lowercased as written, or in a step as the course does), A002
and A010 (the catalog's current major), Z003 (a catalogued action pinned to its commit
SHA, the version as a comment).

A file is edited only if ruamel.yaml writes it back unchanged when nothing is edited, so
no fix reformats lines it does not mean to touch; `apply` then keeps only the fixes
after which the file has no finding it did not have before. ruamel.yaml is imported
here only, so a plain check never loads it.
"""
from __future__ import annotations

import io
import re
from typing import Callable

from .catalog import Catalog, load_catalog, parse_uses
from .expressions import find_expressions
from .records import record
from .rules import Finding

FIXABLE = ("A002", "A010", "G003", "G004", "G005", "Z003", "Z004")
_CAPITALS = "repository name must be lowercase"  # the one G004 problem whose fix is certain
_STYLES = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 4, 0), (2, 4, 0), (3, 5, 3))
_JOB = re.compile(r"job '([^']+)'")
_LOWERCASE_VARIABLES = {"github.repository": "${GITHUB_REPOSITORY,,}",
                        "github.repository_owner": "${GITHUB_REPOSITORY_OWNER,,}"}
PACKAGES_COMMENT = "GITHUB_TOKEN may push this repository's packages"
LOWERCASE_STEP = "Name the image in lowercase"


class CannotEdit(Exception):
    """ruamel.yaml cannot write this file back as it is: fixing it would reformat it."""


@record
class Outcome:
    text: str
    fixed: list[Finding]  # the findings the kept fixes repair
    skipped: str = ""  # why the file was left alone, when it was


def _yaml(style):
    from ruamel.yaml import YAML  # lazily: only --fix needs it

    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 1 << 16  # never fold a long line
    mapping, sequence, offset = style
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _dump(yaml, data) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _load(text: str):
    """(yaml, data) for a style that writes text back exactly; CannotEdit if none does."""
    for style in _STYLES:
        yaml = _yaml(style)
        try:
            data = yaml.load(text)
            if _dump(yaml, data) == text:
                return yaml, data
        except Exception:  # noqa: BLE001 - any reader error means: do not edit
            raise CannotEdit("ruamel.yaml cannot read it") from None
    raise CannotEdit("its layout would change when written back")


# -- finding the nodes a finding is about -----------------------------------------

def _jobs(data) -> dict:
    jobs = data.get("jobs") if hasattr(data, "get") else None
    return jobs if hasattr(jobs, "items") else {}


def _steps_with_lines(data):
    """(job id, job, steps, index, step, first line, last line) for every step, lines 1-based."""
    found = []
    for job_id, job in _jobs(data).items():
        steps = job.get("steps") if hasattr(job, "get") else None
        if not isinstance(steps, list):
            continue
        starts = [steps.lc.item(i)[0] + 1 for i in range(len(steps))]
        for index, step in enumerate(steps):
            end = starts[index + 1] - 1 if index + 1 < len(starts) else 1 << 30
            found.append((job_id, job, steps, index, step, starts[index], end))
    return found


def _step_at(spans, line: int):
    """The step a line belongs to, from the positions as read (inserted steps have none)."""
    for job_id, job, steps, _, step, first, last in spans:
        if first <= line <= last and hasattr(step, "get"):
            index = next(i for i, s in enumerate(steps) if s is step)
            return job_id, job, steps, index, step
    return None


def _set_comment(mapping, key, comment: str, column: int) -> None:
    """The end-of-line comment of key, one space after the value at column (0-based) ends;
    what the old comment token carried after its line (blank lines, comments) stays."""
    from ruamel.yaml.tokens import CommentToken

    tokens = mapping.ca.items.get(key)
    token = tokens[2] if tokens and len(tokens) > 2 else None
    if isinstance(token, CommentToken):
        rest = token.value.partition("\n")
        token.value = f"# {comment}" + (rest[1] + rest[2] if rest[1] else "\n")
        token.start_mark.column = column  # ruamel writes the comment where the old one started
    else:
        mapping.yaml_add_eol_comment(f"# {comment}", key, column=column)


def _key_column(mapping) -> int:
    first = next(iter(mapping))
    return mapping.lc.key(first)[1]


def _value_end(mapping, key, value: str) -> int:
    """The column one space after key's value, if it is written on the key's line."""
    line, column = mapping.lc.value(key)
    return column + len(value) + 1


# -- the fixes ------------------------------------------------------------------------

def _fix_checkout(data, spans, found: Finding, catalog: Catalog) -> bool:
    located = _step_at(spans, found.line)
    if located is None:
        return False
    step = located[4]
    uses = parse_uses(str(step.get("uses", "")))
    if uses.action.lower() != "actions/checkout":
        return False
    if "with" not in step or step["with"] is None:
        from ruamel.yaml.comments import CommentedMap

        keys = list(step)
        step.insert(keys.index("uses") + 1, "with", CommentedMap())
    with_ = step["with"]
    if not hasattr(with_, "insert"):
        return False
    with_["persist-credentials"] = False
    return True


def _permissions_map(node):
    value = node.get("permissions") if hasattr(node, "get") else None
    return value if hasattr(value, "items") else None


def _fix_packages(data, spans, found: Finding, catalog: Catalog) -> bool:
    match = _JOB.search(found.message)
    job = _jobs(data).get(match.group(1)) if match else None
    if not hasattr(job, "get"):
        return False
    job_permissions = _permissions_map(job)
    if job_permissions is not None:
        if job_permissions.get("packages") != "write":
            had = "packages" in job_permissions
            job_permissions["packages"] = "write"
            if not had:  # a new line, in the block's own column
                column = _key_column(job_permissions) + len("packages: write") + 1
                job_permissions.yaml_add_eol_comment(f"# {PACKAGES_COMMENT}", "packages", column=column)
        return True
    if "permissions" in job:
        return False  # read-all or an expression: what else it grants is not certain
    workflow_permissions = _permissions_map(data)
    if workflow_permissions is None:
        return False  # no permissions: anywhere, so what the job also needs is unknown
    from ruamel.yaml.comments import CommentedMap

    column = 2 * _key_column(job) - _key_column(_jobs(data))  # one indent deeper than the job's keys
    block = CommentedMap()  # the workflow's grants, now the job's own, plus packages: write
    for key, value in workflow_permissions.items():
        if key == "packages":
            continue
        block[key] = value
        token = (workflow_permissions.ca.items.get(key) or [None, None, None])[2]
        if token is not None and token.value.startswith("#"):
            block.yaml_add_eol_comment(token.value.partition("\n")[0], key, column=column + len(f"{key}: {value}") + 1)
    block["packages"] = "write"
    block.yaml_add_eol_comment(f"# {PACKAGES_COMMENT}", "packages", column=column + len("packages: write") + 1)
    keys = list(job)
    where = keys.index("runs-on") + 1 if "runs-on" in keys else len(keys)
    job.insert(where, "permissions", block)
    return True


def _lowercase_command(name: str) -> str | None:
    """The run: line that writes IMAGE in lowercase, or None if name holds other expressions."""
    out, last = [], 0
    for expression in find_expressions(name):
        out.append(name[last:expression.start].lower())
        shell = _LOWERCASE_VARIABLES.get(expression.inner.strip())
        if shell is None:
            return None
        out.append(shell)
        last = expression.end
    out.append(name[last:].lower())
    return f'echo "IMAGE={"".join(out)}" >> "$GITHUB_ENV"'


def _image_name(value: str, line_text: str) -> str | None:
    """The ghcr.io/... name (without tag or digest) written on this line."""
    match = re.search(r"ghcr\.io/(?:[^\s,:@$\"']|\$\{\{[^}]*\}\})+", line_text)
    return match.group(0) if match else None


def _fix_lowercase(data, spans, found: Finding, catalog: Catalog, lines: list[str]) -> bool:
    located = _step_at(spans, found.line)
    if located is None:
        return False
    job_id, job, steps, index, step = located
    if "ubuntu" not in str(job.get("runs-on", "")).lower():
        return False  # ${VAR,,} is bash; other runners' default shell is not
    with_ = step.get("with")
    if not hasattr(with_, "items") or "uses" not in step:
        return False  # run: scripts and job images keep their own ways of naming
    line_text = lines[found.line - 1]
    for key, value in with_.items():
        if not isinstance(value, str):
            continue
        name = _image_name(line_text, line_text)
        if name is not None and name not in value and "${{ env.IMAGE }}" in value:
            return True  # an earlier finding on this value renamed it already
        if name is None or name not in value:
            continue
        if not find_expressions(name):  # all written out: lowercase it where it stands
            with_[key] = type(value)(value.replace(name, name.lower()))
            return True
        command = _lowercase_command(name)
        writes = [s for s in steps if hasattr(s, "get") and "IMAGE=" in str(s.get("run", ""))]
        if command is None or any(command not in str(s.get("run")) for s in writes):
            return False  # IMAGE already means something else in this job
        first = min(i for i, s in enumerate(steps) if hasattr(s, "get") and name in str(s))
        with_[key] = type(value)(value.replace(name, "${{ env.IMAGE }}"))  # keeps the scalar's style
        if not writes:
            from ruamel.yaml.comments import CommentedMap

            steps.insert(first, CommentedMap([("name", LOWERCASE_STEP), ("run", command)]))
        return True
    return False


def _target_ref(entry, ref: str, upgrade: bool, pin: bool) -> tuple[str, str | None] | None:
    """(new ref, version comment) for an action at ref, or None if the change is not certain."""
    new = ref
    if upgrade:
        new = entry.tag_ref if ref.count(".") == 0 else entry.newest_tag
    if pin:
        if new not in (entry.current_major, entry.newest_tag) or (new == entry.current_major and not entry.moving_major_tag):
            return None  # the catalog knows the commit of its newest tag only
        return entry.sha, entry.newest_tag
    return new, None


def _fix_uses(data, spans, found: Finding, catalog: Catalog, upgrade: bool, pin: bool) -> bool:
    located = _step_at(spans, found.line)
    if located is None:
        return False
    step = located[4]
    uses = parse_uses(str(step.get("uses", "")))
    entry = catalog.get(uses.action) if uses.kind == "action" else None
    if entry is None or not uses.ref:
        return False
    target = _target_ref(entry, uses.ref, upgrade, pin)
    if target is None:
        return False
    ref, comment = target
    value = step["uses"]
    step["uses"] = type(value)(f"{uses.action}@{ref}")
    if comment:
        quotes = 2 if type(value) is not str else 0
        _set_comment(step, "uses", comment, _value_end(step, "uses", f"{uses.action}@{ref}") + quotes)
    return True


def _edit(text: str, findings: list[Finding], catalog: Catalog) -> tuple[str, list[Finding]]:
    """The text with every fix made, and the findings fixed (before any verification)."""
    yaml, data = _load(text)
    lines = text.splitlines()
    spans = _steps_with_lines(data)
    fixed = []
    by_line: dict[int, set] = {}
    for found in findings:
        by_line.setdefault(found.line, set()).add(found.rule)
    done_uses = set()
    for found in findings:
        if found.rule == "Z004":
            ok = _fix_checkout(data, spans, found, catalog)
        elif found.rule == "G003":
            ok = _fix_packages(data, spans, found, catalog)
        elif found.rule == "G005" or (found.rule == "G004" and _CAPITALS in found.message):
            ok = _fix_lowercase(data, spans, found, catalog, lines)
        elif found.rule in ("A002", "A010", "Z003"):
            rules_here = by_line[found.line]
            if found.line in done_uses:
                ok = True  # one edit of this uses: answers each of its findings
            else:
                ok = _fix_uses(data, spans, found, catalog, upgrade=bool(rules_here & {"A002", "A010"}),
                               pin="Z003" in rules_here)
                if ok:
                    done_uses.add(found.line)
        else:
            continue
        if ok:
            fixed.append(found)
    return (_dump(yaml, data) if fixed else text), fixed


def _signature(found: Finding) -> tuple:
    return found.rule, found.message  # lines move when a fix adds some


def apply(text: str, findings: list[Finding], check: Callable[[str], list[Finding]],
          catalog: Catalog | None = None) -> Outcome:
    """The text with the fixes that leave no new finding, and what they fixed."""
    catalog = catalog or load_catalog()
    candidates = [f for f in findings if f.rule in FIXABLE]
    if not candidates:
        return Outcome(text, [])
    try:
        edited, fixed = _edit(text, candidates, catalog)
    except CannotEdit as why:
        return Outcome(text, [], f"not edited: {why}")
    except Exception as error:  # noqa: BLE001 - a bug in a fix must leave the file as it was
        return Outcome(text, [], f"not edited: a fix failed ({type(error).__name__}: {error})"[:200])
    if not fixed:
        return Outcome(text, [])
    before = {_signature(f) for f in findings}
    if not {_signature(f) for f in check(edited)} - before:
        return Outcome(edited, fixed)
    # something new appeared: keep the fixes one by one, each only if it adds nothing
    current, kept = text, []
    for found in fixed:
        here = {_signature(f) for f in check(current)}
        line = _same_finding(found, check(current))
        if line is None:
            continue
        attempt, done = _edit(current, [line], catalog)
        if done and not {_signature(f) for f in check(attempt)} - here:
            current, kept = attempt, kept + [found]
    return Outcome(current, kept)


def _same_finding(found: Finding, findings: list[Finding]) -> Finding | None:
    return next((f for f in findings if _signature(f) == _signature(found)), None)
