"""Finding `${{ }}` expressions in strings, and the context references inside them."""
from __future__ import annotations

import re
from dataclasses import dataclass

OPEN, CLOSE = "${{", "}}"
STEP_OUTPUT_RE = re.compile(r"\bsteps\.([A-Za-z_][\w-]*)\.outputs\.([A-Za-z_][\w-]*)")
STEP_REF_RE = re.compile(r"\bsteps\.([A-Za-z_][\w-]*)\b")


@dataclass(frozen=True)
class Expression:
    start: int  # offset of "${{" in the string
    end: int  # offset just after "}}"
    inner: str  # text between the delimiters, stripped


def find_expressions(text: str) -> list[Expression]:
    """Every `${{ ... }}` in text; string literals may hold '}}'."""
    found = []
    at = text.find(OPEN)
    while at != -1:
        i = at + len(OPEN)
        quoted = False
        while i < len(text):
            ch = text[i]
            if ch == "'":
                quoted = not quoted  # '' inside a literal toggles twice: harmless
            elif not quoted and text.startswith(CLOSE, i):
                found.append(Expression(at, i + len(CLOSE), text[at + len(OPEN): i].strip()))
                break
            i += 1
        else:
            break  # unterminated: the schema or actionlint reports it
        at = text.find(OPEN, i + len(CLOSE))
    return found


def split_expressions(text: str) -> list[tuple[str, str]]:
    """text as ('lit', s) and ('expr', inner) pieces, in order."""
    pieces: list[tuple[str, str]] = []
    last = 0
    for expr in find_expressions(text):
        if expr.start > last:
            pieces.append(("lit", text[last: expr.start]))
        pieces.append(("expr", expr.inner))
        last = expr.end
    if last < len(text):
        pieces.append(("lit", text[last:]))
    return pieces


def bare_context(inner: str) -> str | None:
    """'env.IMAGE' for `env.IMAGE` or `env['IMAGE']`: an expression that is one property access."""
    inner = inner.strip()
    match = re.fullmatch(r"([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[\s*'[^']*'\s*\])*)", inner)
    if not match:
        return None
    return re.sub(r"\[\s*'([^']*)'\s*\]", r".\1", inner)
