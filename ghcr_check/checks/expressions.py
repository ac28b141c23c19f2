"""Layer: every expression, each `${{ }}` in any value and every `if:`, checked against GitHub's contexts.

What GitHub's expression language offers (functions, context properties, where each
context may be used) is data: data/expressions.yml. Names of steps are A006's
(actions layer); this layer does not report them again.
"""
from __future__ import annotations

import difflib
import re
from functools import lru_cache

from .. import datafile
from ..catalog import Catalog
from ..expressions import OPEN, Parsed, find_expressions, first_unclosed, parse
from ..records import record, replace
from ..rules import Finding, finding
from ..workflow import Job, Workflow
from ..yamldoc import position, value_position

FROM_WORKFLOW = "workflow"  # a context whose names this workflow declares (see data/expressions.yml)
JOB = "jobs.<job_id>."
# Step keys GitHub evaluates expressions in (the rest, like uses: and id:, it does not).
STEP_KEYS = ("continue-on-error", "env", "if", "name", "run", "timeout-minutes", "with", "working-directory")
JOB_KEYS = ("concurrency", "continue-on-error", "env", "if", "name", "runs-on", "strategy", "timeout-minutes")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@record(frozen=True)
class Function:
    name: str
    usage: str
    fewest: int
    most: int | None
    odd: bool


@record(frozen=True)
class Facts:
    functions: dict  # lowercase name -> Function
    special: frozenset  # lowercase names of functions limited by the availability table
    contexts: dict  # lowercase name -> (name, property tree)
    entries: dict  # context -> property tree of one entry (steps.<id>, needs.<job>, jobs.<job>)
    availability: dict  # table key -> (contexts, functions), lowercase
    fixes: tuple  # (name, key or None, fix)


@lru_cache(maxsize=1)
def facts() -> Facts:
    data = datafile.load("expressions.yml")
    functions = {}
    for name, spec in data["functions"].items():
        fewest, most = spec["args"]
        functions[name.lower()] = Function(name, spec["usage"], fewest, most, bool(spec.get("odd")))
    return Facts(
        functions=functions,
        special=frozenset(n.lower() for n in data["special_functions"]),
        contexts={name.lower(): (name, tree) for name, tree in data["contexts"].items()},
        entries=data["entries"],
        availability={key: (frozenset(c.lower() for c in contexts), frozenset(f.lower() for f in funcs))
                      for key, (contexts, funcs) in data["availability"].items()},
        fixes=tuple((f["name"].lower(), f.get("key"), f["fix"]) for f in data["unavailable_fixes"]),
    )


# -- where a value sits ----------------------------------------------------------


def table_key(path: tuple) -> str | None:
    """The availability table's key for a value at path (keys and list indexes from the root)."""
    if not path:
        return None
    head, size = path[0], len(path)
    if head in ("run-name", "concurrency", "env"):
        return head
    if head == "on":
        if size == 5 and path[1] == "workflow_call" and path[2] == "inputs" and path[4] == "default":
            return "on.workflow_call.inputs.<inputs_id>.default"
        if size == 5 and path[1] == "workflow_call" and path[2] == "outputs" and path[4] == "value":
            return "on.workflow_call.outputs.<output_id>.value"
        return None
    if head != "jobs" or size < 3:
        return None
    key, rest = path[2], path[3:]
    if key in JOB_KEYS:
        return JOB + key
    if key == "container":
        sub = {"credentials": "container.credentials", "env": "container.env.<env_id>", "image": "container.image"}
        return JOB + (sub.get(rest[0], "container") if rest else "container")
    if key == "defaults":
        return JOB + "defaults.run" if rest and rest[0] == "run" else None
    if key == "environment":
        return JOB + ("environment.url" if rest and rest[0] == "url" else "environment")
    if key in ("outputs", "secrets", "with") and rest:
        return JOB + {"outputs": "outputs.<output_id>", "secrets": "secrets.<secrets_id>", "with": "with.<with_id>"}[key]
    if key == "services":
        sub = {"credentials": "services.<service_id>.credentials", "env": "services.<service_id>.env.<env_id>"}
        return JOB + (sub.get(rest[1], "services") if len(rest) > 1 else "services")
    if key == "steps" and len(rest) >= 2 and rest[1] in STEP_KEYS:
        return JOB + "steps." + rest[1]
    return None


@record
class Place:
    """One string value: where it is, and what its expressions can see."""

    path: tuple
    key: str | None  # availability table key
    job: Job | None
    anchor: tuple[int, int]  # position of the value

    @property
    def where(self) -> str:
        return self.key.replace("<job_id>", self.job.id) if self.key and self.job else (self.key or "")


def _values(root):
    """(path, parent, key, text) for every string value in the document (iterative: documents can be deep)."""
    stack = [((), root)]
    seen = set()
    while stack:
        path, node = stack.pop()
        if id(node) in seen:  # an alias: its values were checked where the anchor is
            continue
        seen.add(id(node))
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            if isinstance(value, str):
                yield path + (key,), node, key, value
            elif isinstance(value, (dict, list)):
                stack.append((path + (key,), value))


# -- what each job declares ----------------------------------------------------


class Scope:
    """What the workflow declares that expressions can name; GitHub compares names without case."""

    def __init__(self, workflow: Workflow):
        self.jobs = {job.id: job for job in workflow.jobs}
        self.lower_jobs = {job_id.lower(): job_id for job_id in self.jobs}
        on = workflow.root.get("on")
        self.inputs = _declared_inputs(on)  # lowercase -> name; None: cannot tell
        self.event_inputs = _dispatch_inputs(on)

    def needs_of(self, job: Job) -> dict:
        value = job.node.get("needs")
        names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        return {str(n).lower(): str(n) for n in names if isinstance(n, (str, int))}

    def outputs_of(self, job_id: str) -> dict | None:
        """lowercase -> name of a job's outputs; None when they cannot be known here."""
        job = self.jobs.get(self.lower_jobs.get(job_id.lower(), ""))
        if job is None or "uses" in job.node:  # a reusable workflow's outputs are declared elsewhere
            return None
        outputs = job.node.get("outputs", {})
        return {str(k).lower(): str(k) for k in outputs} if isinstance(outputs, dict) else None

    def matrix_of(self, job: Job) -> dict | None:
        """lowercase -> key of a job's matrix; {} without a matrix; None when it comes from an expression."""
        strategy = job.node.get("strategy")
        if strategy is None:
            return {}
        if not isinstance(strategy, dict):
            return None
        matrix = strategy.get("matrix")
        if matrix is None:
            return {}
        if not isinstance(matrix, dict):
            return None
        keys = {str(k).lower(): str(k) for k in matrix if k not in ("include", "exclude")}
        include = matrix.get("include")
        if include is not None and not isinstance(include, list):
            return None
        for entry in include or []:
            if not isinstance(entry, dict):
                return None  # an entry from an expression can hold any key
            keys.update({str(k).lower(): str(k) for k in entry})
        return keys


def _declared_inputs(on) -> dict | None:
    """Inputs of workflow_dispatch and workflow_call together: either trigger may start the run."""
    if isinstance(on, (str, list)):
        return {}  # no trigger written as a mapping declares inputs
    if not isinstance(on, dict):
        return None
    names: dict = {}
    for event in ("workflow_dispatch", "workflow_call"):
        trigger = on.get(event)
        inputs = trigger.get("inputs") if isinstance(trigger, dict) else None
        if inputs is not None and not isinstance(inputs, dict):
            return None
        names.update({str(k).lower(): str(k) for k in inputs or {}})
    return names


def _dispatch_inputs(on) -> dict | None:
    """Names github.event.inputs can hold, when only workflow_dispatch declares them (a reusable
    workflow sees its caller's event, which can hold anything)."""
    if not isinstance(on, dict) or "workflow_call" in on:
        return None
    trigger = on.get("workflow_dispatch")
    inputs = trigger.get("inputs") if isinstance(trigger, dict) else None
    return {str(k).lower(): str(k) for k in inputs} if isinstance(inputs, dict) else None


# -- checking one expression --------------------------------------------------


@record(frozen=True)
class Problem:
    rule: str
    needle: str  # text to point at, inside the expression
    values: tuple  # (name, value) pairs for the rule's message and fix


def _suggest(name: str, known, what: str) -> str:
    """'did you mean ...?' or the list of what is known."""
    by_lower = {str(k).lower(): str(k) for k in known}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    if close:
        return f"did you mean '{by_lower[close[0]]}'?"
    names = sorted(by_lower.values())
    if not names:
        return f"there are no {what}"
    shown = ", ".join(names[:16]) + (", ..." if len(names) > 16 else "")
    return f"{what}: {shown}"


def _walk_tree(tree, names) -> tuple[int, list] | None:
    """(index of the first unknown name, the names known there), or None when every name fits."""
    node = tree
    for i, name in enumerate(names):
        if name == "*" or not isinstance(node, dict):
            return None  # a filter, an open object or a scalar: nothing more to check
        match = next((k for k in node if str(k).lower() == name.lower()), None)
        if match is None:
            return i, list(node)
        node = node[match]
    return None


def _check_calls(parsed: Parsed, place: Place, info: Facts) -> list[Problem]:
    problems = []
    for call in parsed.calls:
        lowered, count = call.name.lower(), len(call.args)
        spec = info.functions.get(lowered)
        needle = call.name + "("
        if spec is None:
            fix = (f"{call.name} is a context: read a property, e.g. {call.name}.<name>" if lowered in info.contexts
                   else _suggest(call.name, [f.name for f in info.functions.values()], "functions"))
            problems.append(Problem("E007", needle, (("problem", f"there is no function {call.name}()"), ("fix", fix))))
            continue
        wrong = count < spec.fewest or (spec.most is not None and count > spec.most) or (spec.odd and count % 2 == 0)
        if wrong:
            if spec.fewest == spec.most:
                wanted = f"{spec.fewest} argument{'s' if spec.fewest != 1 else ''}"
            elif spec.odd:
                wanted = f"an odd number of arguments, at least {spec.fewest}"
            elif spec.most is None:
                wanted = f"at least {spec.fewest} arguments"
            else:
                wanted = f"{spec.fewest} to {spec.most} arguments"
            problems.append(Problem("E007", needle, (
                ("problem", f"{spec.name}() takes {wanted}, not {count}"), ("fix", f"call it as {spec.usage}"))))
            continue
        if place.key and lowered in info.special and lowered not in info.availability[place.key][1]:
            problems.append(Problem("E008", needle, (
                ("what", f"{spec.name}()"), ("where", place.where), ("fix", _unavailable_fix(lowered, place, info)))))
    return problems


def _unavailable_fix(name: str, place: Place, info: Facts) -> str:
    for fix_name, key, fix in info.fixes:
        if fix_name == name and (key is None or key == place.key):
            return fix
    contexts = sorted(info.availability[place.key][0])
    return f"contexts available in {place.where}: {', '.join(contexts)}"


def _check_reference(path: tuple, place: Place, scope: Scope, info: Facts) -> list[Problem]:
    name = str(path[0])
    lowered = name.lower()
    if lowered not in info.contexts:
        fix = (f"{name} is a function: call it as {info.functions[lowered].usage}" if lowered in info.functions
               else _suggest(name, [n for n, _ in info.contexts.values()], "contexts"))
        return [Problem("E003", name, (("context", name), ("fix", fix)))]
    if place.key and lowered not in info.availability[place.key][0]:
        return [Problem("E008", name, (("what", f"the {lowered} context"), ("where", place.where),
                                       ("fix", _unavailable_fix(lowered, place, info))))]
    tree = info.contexts[lowered][1]
    if tree != FROM_WORKFLOW:
        problems = _tree_problems(path, tree, 1)
        if not problems and lowered == "github" and [str(p).lower() for p in path[1:3]] == ["event", "inputs"] \
                and len(path) > 3 and path[3] != "*":
            return _named_problems(scope.event_inputs, path[2:], "workflow_dispatch inputs",
                                   "declare it under on.workflow_dispatch.inputs", owner="github.event.inputs")
        return problems
    if len(path) < 2 or path[1] == "*":
        return []
    if lowered == "steps":  # which steps exist is A006's; what a step has is ours
        return _tree_problems(path, info.entries["steps"], 2)
    if lowered == "inputs":
        return _named_problems(scope.inputs, path, "declared inputs",
                               "declare it under on.workflow_dispatch.inputs or on.workflow_call.inputs")
    if lowered == "jobs":
        known = {k.lower(): k for k in scope.jobs}
        problems = _named_problems(known, path, "jobs", "name a job of this workflow")
        return problems or _entry_problems("jobs", path, scope, info)
    if place.job is None:
        return []  # needs and matrix belong to a job; availability covers the rest
    if lowered == "needs":
        return _needs_problems(path, place.job, scope, info)
    if lowered == "matrix":
        return _matrix_problems(path, place.job, scope)
    return []


def _tree_problems(path: tuple, tree, start: int) -> list[Problem]:
    """path[start:] walked through a property tree; path[:start] names its owner."""
    found = _walk_tree(tree, [str(p) for p in path[start:]])
    if found is None:
        return []
    index, known = found
    at = start + index
    owner, bad = ".".join(str(p) for p in path[:at]), str(path[at])
    return [Problem("E004", _needle(path, at), (
        ("owner", owner), ("name", bad), ("fix", _suggest(bad, known, f"properties of {owner}"))))]


def _named_problems(known: dict | None, path: tuple, what: str, how_to_declare: str,
                    owner: str | None = None) -> list[Problem]:
    """path[1] must be a name the workflow declares (an input, a job)."""
    if known is None:
        return []
    name = str(path[1])
    if name.lower() in known:
        return []
    fix = _suggest(name, known.values(), what) if known else how_to_declare
    if known and not fix.startswith("did you mean"):
        fix = f"{how_to_declare} ({fix})"
    return [Problem("E004", name, (("owner", owner or str(path[0])), ("name", name), ("fix", fix)))]


def _entry_problems(context: str, path: tuple, scope: Scope, info: Facts) -> list[Problem]:
    """needs.<job>.x / jobs.<job>.x: x is result or outputs; outputs.<name> must be declared."""
    if len(path) < 3:
        return []
    job_id = str(path[1])
    owner = f"{path[0]}.{job_id}"
    problems = _tree_problems(path, info.entries[context], 2)
    if problems or str(path[2]).lower() != "outputs" or len(path) < 4 or path[3] == "*":
        return problems
    declared = scope.outputs_of(job_id)
    output = str(path[3])
    if declared is None or output.lower() in declared:
        return []
    fix = (_suggest(output, declared.values(), f"outputs of job '{job_id}'") if declared
           else f"declare it under jobs.{job_id}.outputs")
    if context == "jobs":
        return [Problem("E004", _needle(path, 3), (("owner", f"{owner}.outputs"), ("name", output), ("fix", fix)))]
    return [Problem("E005", _needle(path, 3), (
        ("problem", f"job '{job_id}' declares no output '{output}'"), ("fix", fix)))]


def _needs_problems(path: tuple, job: Job, scope: Scope, info: Facts) -> list[Problem]:
    other = str(path[1])
    needs = scope.needs_of(job)
    if other.lower() not in needs:
        close = difflib.get_close_matches(other.lower(), list(needs), n=1, cutoff=0.6)
        fix = (f"did you mean needs.{needs[close[0]]}?" if close
               else f"add '{other}' to needs: of job '{job.id}'")
        return [Problem("E005", _needle(path, 1), (
            ("problem", f"job '{job.id}' reads needs.{other}, but '{other}' is not in its needs:"), ("fix", fix)))]
    return _entry_problems("needs", path, scope, info)


def _matrix_problems(path: tuple, job: Job, scope: Scope) -> list[Problem]:
    keys = scope.matrix_of(job)
    key = str(path[1])
    if keys is None or key.lower() in keys:
        return []
    if not keys:
        return [Problem("E006", _needle(path, 1), (
            ("problem", f"job '{job.id}' has no matrix, so matrix.{key} is always empty"),
            ("fix", f"define strategy.matrix.{key} in job '{job.id}', or read another context")))]
    return [Problem("E006", _needle(path, 1), (
        ("problem", f"the matrix of job '{job.id}' has no key '{key}'"),
        ("fix", _suggest(key, keys.values(), "matrix keys"))))]


def _needle(path: tuple, upto: int) -> str:
    """The text of path[0..upto] as written with dots (what the reader sees, most of the time)."""
    return ".".join(str(p) for p in path[: upto + 1])


def check_expression(parsed: Parsed, place: Place, scope: Scope, info: Facts) -> list[Problem]:
    if not parsed.ok:
        return [Problem("E001", parsed.text[parsed.offset: parsed.offset + 20].split("\n")[0].strip(), (
            ("expression", _short(parsed.text)), ("problem", parsed.problem), ("fix", parsed.fix)))]
    problems = _check_calls(parsed, place, info)
    for reference in parsed.references:
        found = _check_reference(reference.path, place, scope, info)
        # point at the reference as written (it may use ['name'] rather than dots)
        written = parsed.text[reference.start: reference.end].split("\n")[0]
        problems += [p if written.startswith(p.needle) else Problem(p.rule, written, p.values) for p in found]
    return problems


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


# -- the layer -----------------------------------------------------------------------


def _place(workflow: Workflow, scope: Scope, path: tuple, parent, key) -> Place:
    job = scope.jobs.get(str(path[1])) if len(path) > 2 and path[0] == "jobs" else None
    anchor = value_position(parent, key) if isinstance(parent, dict) else position(parent, index=key)
    return Place(path, table_key(path), job, anchor)


def _is_condition(key: str | None) -> bool:
    return key in (JOB + "if", JOB + "steps.if")


def check(workflow: Workflow, catalog: Catalog) -> list[Finding]:
    info = facts()
    scope = Scope(workflow)
    findings: dict = {}
    for path, parent, key, text in _values(workflow.root):
        if OPEN not in text and not (key == "if" and text.strip()):
            continue  # most values hold no expression: skip them cheaply
        place = _place(workflow, scope, path, parent, key)
        if _is_condition(place.key) and OPEN not in text:
            # an if: without ${{ }} is an expression all the same
            for problem in check_expression(parse(text), place, scope, info):
                _add(findings, workflow, problem, place.anchor)
            continue
        for expression in find_expressions(text):
            problems = check_expression(parse(expression.inner), place, scope, info)
            if not problems:
                continue
            start = workflow.locate(text[expression.start: expression.end].split("\n")[0], place.anchor)
            for problem in problems:
                _add(findings, workflow, problem, start, place.anchor[0])
        unclosed = first_unclosed(text)
        if unclosed is not None:
            shown = _short(text[unclosed:], 40)
            problem = Problem("E002", text[unclosed: unclosed + 40].split("\n")[0], (("start", shown),))
            _add(findings, workflow, problem, place.anchor)
    return list(findings.values())


def _one_line(value) -> str:
    """Names can come from ['...'] and hold line breaks or control characters: show them escaped."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(value))


def _add(findings: dict, workflow: Workflow, problem: Problem, start: tuple[int, int], first_line: int = 0) -> None:
    needle = problem.needle.splitlines()[0] if problem.needle.strip() else ""
    where = workflow.locate(needle, start) if needle else start
    found = finding(problem.rule, where, **{k: _one_line(v) for k, v in problem.values})
    if 0 < first_line < found.line:  # the value starts above: a tool reporting the value's start means this
        found = replace(found, extra={"first_line": first_line})
    findings.setdefault((found.rule, found.line, found.column, found.message), found)
