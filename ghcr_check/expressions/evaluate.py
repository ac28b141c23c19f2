"""Evaluating GitHub's expression language: the parse tree from parser.py, values from a lookup.

The lookup answers context paths; what it cannot know it raises Unknown for, so callers
get a value or an explicit "unknown", never a guess.
"""
from __future__ import annotations

import json
import math

from ..records import record
from . import parser as syntax
from .parser import find_expressions, parse, split_expressions

# Status functions: the preview imagines every step succeeding.
STATUS_FUNCTIONS = {"success": True, "always": True, "failure": False, "cancelled": False}


class Unknown(Exception):
    """A value the evaluator cannot know (a secret, a function it does not model, ...); the message says why."""

@record(frozen=True)
class KnownTruth:
    """A value whose truth is known but not the value itself: `unknown || 'x'` is truthy whatever
    the unknown side holds. Usable as a condition; as text or in a comparison it is unknown."""

    truth: bool


def _known(value):
    if isinstance(value, KnownTruth):
        raise Unknown("a value is known only to be " + ("truthy" if value.truth else "falsy"))
    return value


@record(frozen=True)
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
    if isinstance(value, KnownTruth):
        return value.truth
    if isinstance(value, float):
        return value == value and value != 0
    return value not in (None, False, "")


def to_text(value) -> str:
    """A value as `${{ }}` puts it into a string."""
    value = _known(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    raise Unknown("an expression gives an object or array where a string is needed")


def _equal(a, b) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    if type(a) is type(b) and not isinstance(a, (str, float, bool)) and a is not None:
        return a is b
    return _to_number(a) == _to_number(b)


def _compare(op: str, a, b) -> bool:
    a, b = _known(a), _known(b)
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
                raise Unknown(f"format('{template}', ...) has a placeholder without an argument")
            out.append(to_text(args[int(index)]))
            i = end + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class Evaluator:
    """Evaluates a tree from parse(); `lookup(parts)` supplies context values."""

    def __init__(self, lookup):
        self.lookup = lookup

    def value(self, node):
        result = self.eval(node)
        return self.lookup(result.parts) if isinstance(result, ContextPath) else result

    def eval(self, node):
        if isinstance(node, syntax.Literal):
            return node.value
        if isinstance(node, syntax.ContextRef):
            return ContextPath((node.name,))
        if isinstance(node, syntax.Group):
            return self.eval(node.inner)
        if isinstance(node, (syntax.Member, syntax.Index)):
            if isinstance(node, syntax.Member) and node.name == "*":
                raise Unknown("object filters (.* or [*]) are not previewed")
            key = node.name if isinstance(node, syntax.Member) else to_text(self.value(node.index))
            target = self.eval(node.target)
            if isinstance(target, ContextPath):
                return ContextPath(target.parts + (key,))
            if isinstance(target, dict):
                return next((v for k, v in target.items() if k.casefold() == key.casefold()), None)
            if isinstance(target, list) and key.isdigit():
                return target[int(key)] if int(key) < len(target) else None
            return None
        if isinstance(node, syntax.Not):
            return not truthy(self.value(node.operand))
        if isinstance(node, syntax.Binary):
            if node.op in ("&&", "||"):
                try:
                    left = self.value(node.left)
                except Unknown:
                    # three values: `unknown && false` is falsy and `unknown || true` truthy, whatever the unknown is
                    right = self.value(node.right)
                    if truthy(right) == (node.op == "||"):
                        return KnownTruth(truthy(right))
                    raise
            else:
                left = self.value(node.left)
            if node.op == "&&":
                return self.value(node.right) if truthy(left) else left
            if node.op == "||":
                return left if truthy(left) else self.value(node.right)
            return _compare(node.op, left, self.value(node.right))
        if isinstance(node, syntax.Call):
            return self.call(node.name.lower(), node.args)
        raise Unknown("an expression the preview cannot read")

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
        if name == "fromjson" and len(values) == 1:
            try:
                return _from_json(json.loads(to_text(values[0])))
            except ValueError:
                raise Unknown(f"fromJSON('{to_text(values[0])}') is not JSON") from None
        if name == "tojson" and len(values) == 1:
            return json.dumps(_to_json(values[0]), indent=2)
        if name == "join" and values:
            items = values[0] if isinstance(values[0], list) else [values[0]]
            sep = to_text(values[1]) if len(values) > 1 else ","
            return sep.join(to_text(item) for item in items)
        raise Unknown(f"the function {name}() is not previewed")


def _from_json(value):
    """JSON as expression values: every number is a float."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return {k: _from_json(v) for k, v in value.items()}


def _to_json(value):
    value = _known(value)
    if isinstance(value, float) and value.is_integer() and not math.isinf(value):
        return int(value)
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    return value


def evaluate_expression(text: str, lookup):
    """The value of one expression (the text between `${{` and `}}`)."""
    parsed = parse(text.strip())
    if not parsed.ok:
        raise Unknown(f"the expression '{text.strip()}' does not parse: {parsed.problem}")
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


