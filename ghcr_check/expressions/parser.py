"""GitHub's expressions: finding `${{ }}` in strings, and parsing what is inside.

parse() turns one expression into a tree, its context references and its function
calls, or a syntax problem with a fix; it never raises, and each text is parsed
once per run. What the names mean is the expressions layer's business
(checks/expressions.py), not the parser's.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..records import record

OPEN, CLOSE = "${{", "}}"
STEP_OUTPUT_RE = re.compile(r"\bsteps\.([A-Za-z_][\w-]*)\.outputs\.([A-Za-z_][\w-]*)")
STEP_REF_RE = re.compile(r"\bsteps\.([A-Za-z_][\w-]*)\b")


@record(frozen=True)
class Expression:
    start: int  # offset of "${{" in the string
    end: int  # offset just after "}}"
    inner: str  # text between the delimiters, stripped


@lru_cache(maxsize=8192)  # the same values are scanned by several layers, in both renderings
def find_expressions(text: str) -> tuple[Expression, ...]:
    """Every `${{ ... }}` in text; string literals may hold '}}'."""
    if OPEN not in text:
        return ()
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
    return tuple(found)


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


# -- the expression language ------------------------------------------------
# GitHub's grammar, loosest binding first:
#   or := and ('||' and)* ; and := eq ('&&' eq)* ; eq := cmp (('=='|'!=') cmp)*
#   cmp := unary (('<'|'<='|'>'|'>=') unary)* ; unary := '!' unary | postfix
#   postfix := primary ('.' NAME | '.*' | '[' expr ']' | '[*]')*   (after a context, call or group)
#   primary := literal | NAME | NAME '(' args ')' | '(' expr ')'

MAX_LENGTH = 21_000  # GitHub refuses longer expressions
MAX_DEPTH = 50  # GitHub's nesting limit
_BOUNDARY = set("()[],.!<>=&|")
_NUMBER_RE = re.compile(
    r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+|0[oO][0-7]+|Infinity)"
)
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_KEYWORDS = {"true": ("bool", True), "false": ("bool", False), "null": ("null", None),
             "NaN": ("number", float("nan")), "Infinity": ("number", float("inf"))}


@record(frozen=True)
class Token:
    kind: str  # an operator's own text, or NAME, NUMBER, STRING, BOOL, NULL, END
    text: str  # as written
    start: int
    end: int
    value: object = None


# Syntax tree. Offsets are into the expression text (what is between ${{ and }}).
@record(frozen=True)
class Literal:
    kind: str  # null | bool | number | string
    value: object
    start: int
    end: int


@record(frozen=True)
class ContextRef:
    name: str
    start: int
    end: int


@record(frozen=True)
class Member:
    """`target.name`, `target['name']`, or an object filter (`.*`, `[*]`: name '*')."""
    target: object
    name: str
    start: int
    end: int


@record(frozen=True)
class Index:
    """`target[expr]` with a computed index."""
    target: object
    index: object
    start: int
    end: int


@record(frozen=True)
class Call:
    name: str  # as written; GitHub compares function names without case
    args: tuple
    start: int
    end: int


@record(frozen=True)
class Not:
    operand: object
    start: int
    end: int


@record(frozen=True)
class Binary:
    op: str
    left: object
    right: object
    start: int
    end: int


@record(frozen=True)
class Group:
    inner: object
    start: int
    end: int


@record(frozen=True)
class Reference:
    """A context property path: ('github', 'actor'); '*' for a filter.

    The path stops before a computed index (`matrix[inputs.key]`); `partial` says so.
    """
    path: tuple
    start: int
    end: int
    partial: bool = False


@record(frozen=True)
class Parsed:
    text: str
    tree: object = None
    problem: str | None = None  # the syntax error, if any
    fix: str | None = None
    offset: int = 0  # where the problem is, in text
    references: tuple = ()
    calls: tuple = ()

    @property
    def ok(self) -> bool:
        return self.problem is None


class _SyntaxProblem(Exception):
    def __init__(self, problem: str, fix: str, offset: int):
        super().__init__(problem)
        self.problem, self.fix, self.offset = problem, fix, offset


def _show(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def tokenize(text: str) -> list[Token]:
    """Tokens of an expression, ending with END; raises _SyntaxProblem on a bad one."""
    tokens: list[Token] = []
    n, i = len(text), 0

    def add(kind, start, end, value=None):
        tokens.append(Token(kind, text[start:end], start, end, value))

    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()[],*":
            add(c, i, i + 1)
            i += 1
        elif c in "!<>" or c == "=" and text.startswith("==", i):
            two = text[i: i + 2]
            width = 2 if two in ("!=", "<=", ">=", "==") else 1
            add(text[i: i + width], i, i + width)
            i += width
        elif c in "&|":
            if text.startswith(c * 2, i):
                add(c * 2, i, i + 2)
                i += 2
            else:
                raise _SyntaxProblem(f"'{c}' alone is not an operator", f"write '{c * 2}'", i)
        elif c == "=":
            raise _SyntaxProblem("'=' alone is not an operator", "compare with '=='", i)
        elif c == "'":
            i = _string(text, i, add)
        elif c == '"':
            raise _SyntaxProblem("double quotes do not make a string in an expression",
                                 "quote text with single quotes: 'text' (write '' for a quote inside)", i)
        elif c == "." and tokens and tokens[-1].kind in ("NAME", "]", ")", "*"):
            add(".", i, i + 1)
            i += 1
        elif c == "." and tokens and tokens[-1].kind in (".", "STRING", "NUMBER", "BOOL", "NULL"):
            problem = ("two dots in a row", "put a property name between the dots") if tokens[-1].kind == "." \
                else (f"a literal ({_show(tokens[-1].text)}) has no properties", "remove the '.' and what follows it")
            raise _SyntaxProblem(*problem, i)
        elif c in ".+-" or c.isdigit():
            end = i + 1
            while end < n and (text[end] == "." or not (text[end] in _BOUNDARY or text[end].isspace())):
                end += 1
            word = text[i:end]
            if not _NUMBER_RE.fullmatch(word) and word.lstrip("+-") != "NaN":
                raise _SyntaxProblem(f"'{_show(word)}' is not a number",
                                     "write a number such as 3, -1.5, 2e3 or 0xff; quote text as 'text'", i)
            add("NUMBER", i, end, _number(word))
            i = end
        else:
            end = i + 1
            while end < n and not (text[end] in _BOUNDARY or text[end].isspace()):
                end += 1
            word = text[i:end]
            if not _NAME_RE.fullmatch(word):
                bad = next((ch for ch in word if not (ch.isalnum() or ch in "_-")), word[0])
                raise _SyntaxProblem(f"unexpected '{_show(word)}'",
                                     f"remove '{bad}', or quote text as 'text'" if bad != word[0] or not word[0].isalpha()
                                     else "names start with a letter or '_'; quote text as 'text'", i)
            after_dot = bool(tokens) and tokens[-1].kind == "."
            if word in _KEYWORDS and not after_dot:
                kind, value = _KEYWORDS[word]
                add("NUMBER" if kind == "number" else kind.upper(), i, end, value)
            else:
                add("NAME", i, end, word)
            i = end
    tokens.append(Token("END", "", n, n))
    return tokens


def _string(text: str, start: int, add) -> int:
    i = start + 1
    while True:
        close = text.find("'", i)
        if close == -1:
            raise _SyntaxProblem(f"the string that starts at position {start + 1} is not closed",
                                 "end it with ' (write '' for a quote inside it)", start)
        if text.startswith("''", close):
            i = close + 2
            continue
        add("STRING", start, close + 1, text[start + 1: close].replace("''", "'"))
        return close + 1


def _number(word: str) -> float:
    sign = -1.0 if word.startswith("-") else 1.0
    body = word.lstrip("+-")
    try:
        if body[:2] in ("0x", "0X"):
            return sign * int(body[2:], 16)
        if body[:2] in ("0o", "0O"):
            return sign * int(body[2:], 8)
        return sign * float(body.replace("Infinity", "inf"))
    except OverflowError:  # a hex literal beyond a double: JSON numbers are doubles
        return sign * float("inf")


_DESCRIBE = {"STRING": "string", "NUMBER": "number", "BOOL": "boolean", "NULL": "literal"}


class _Parser:
    def __init__(self, text: str, tokens: list[Token]):
        self.text, self.tokens, self.at, self.depth = text, tokens, 0, 0

    # helpers
    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        if token.kind != "END":
            self.at += 1
        return token

    def accept(self, *kinds: str) -> Token | None:
        return self.take() if self.peek().kind in kinds else None

    def deeper(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _SyntaxProblem(f"the expression nests deeper than {MAX_DEPTH} levels",
                                 "split it into simpler expressions (a step output or env: variable)", self.peek().start)

    def unexpected(self, token: Token, wanted: str):
        if token.kind == "END":
            before = self.tokens[self.at - 1].text if self.at else ""
            raise _SyntaxProblem(f"the expression ends early{f' after {before!r}' if before else ''}",
                                 f"complete it with {wanted}", token.start)
        shown = f"'{_show(token.text)}'"
        if token.kind in _DESCRIBE:
            shown = f"{_DESCRIBE[token.kind]} {shown}"
        raise _SyntaxProblem(f"unexpected {shown} at position {token.start + 1}", f"expected {wanted} there", token.start)

    # grammar
    def parse(self):
        if self.peek().kind == "END":
            raise _SyntaxProblem("the expression is empty", "write an expression between ${{ and }}, or remove them", 0)
        tree = self.expression()
        token = self.peek()
        if token.kind != "END":
            if token.kind == ")":
                raise _SyntaxProblem(f"')' at position {token.start + 1} closes nothing",
                                     "remove it, or add the '(' it should close", token.start)
            self.unexpected(token, "an operator (==, !=, <, >, &&, ||) or the end of the expression")
        return tree

    def expression(self):
        self.deeper()
        try:
            return self.binary(0)
        finally:
            self.depth -= 1

    _LEVELS = (("||",), ("&&",), ("==", "!="), ("<", "<=", ">", ">="))

    def binary(self, level: int):
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek().kind in self._LEVELS[level]:
            op = self.take().kind
            right = self.binary(level + 1)
            left = Binary(op, left, right, left.start, right.end)
        return left

    def unary(self):
        bang = self.accept("!")
        if bang is None:
            return self.postfix()
        self.deeper()
        try:
            operand = self.unary()
        finally:
            self.depth -= 1
        return Not(operand, bang.start, operand.end)

    def postfix(self):
        node = self.primary()
        if not isinstance(node, (ContextRef, Call, Group)):
            return node
        entered = 0
        try:
            while self.peek().kind in (".", "["):
                self.deeper()
                entered += 1
                if self.take().kind == ".":
                    name = self.accept("NAME", "*")
                    if name is None:
                        self.unexpected(self.peek(), "a property name or '*' after '.'")
                    node = Member(node, name.text if name.kind == "NAME" else "*", node.start, name.end)
                    continue
                star = self.accept("*")
                index = None if star else self.expression()
                close = self.accept("]")
                if close is None:
                    self.unexpected(self.peek(), "']'")
                if star:
                    node = Member(node, "*", node.start, close.end)
                elif isinstance(index, Literal) and index.kind == "string":
                    node = Member(node, index.value, node.start, close.end)
                else:
                    node = Index(node, index, node.start, close.end)
        finally:
            self.depth -= entered
        return node

    def primary(self):
        token = self.take()
        if token.kind in ("NUMBER", "STRING", "BOOL", "NULL"):
            kind = "string" if token.kind == "STRING" else token.kind.lower()
            return Literal(kind, token.value, token.start, token.end)
        if token.kind == "(":
            inner = self.expression()
            close = self.accept(")")
            if close is None:
                self.unexpected(self.peek(), f"')' to close the '(' at position {token.start + 1}")
            return Group(inner, token.start, close.end)
        if token.kind == "NAME":
            if self.accept("(") is None:
                return ContextRef(token.text, token.start, token.end)
            args = []
            while True:  # GitHub accepts a trailing comma: f(a, b,)
                close = self.accept(")")
                if close is not None:
                    return Call(token.text, tuple(args), token.start, close.end)
                args.append(self.expression())
                if self.peek().kind != ")" and self.accept(",") is None:
                    self.unexpected(self.peek(), f"',' or ')' in the call to {token.text}()")
        self.unexpected(token, "a value: a context (github.ref), a literal ('text', 1, true, null), a call or '('")


def _children(node) -> tuple:
    if isinstance(node, (Member, Group, Not)):
        return (node.target if isinstance(node, Member) else node.inner if isinstance(node, Group) else node.operand,)
    if isinstance(node, Index):
        return (node.target, node.index)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


def _chain(node):
    """(Reference, computed indexes) when node is a property chain from a context, else None."""
    links = []
    while isinstance(node, (Member, Index)):
        links.append(node)
        node = node.target
    if not isinstance(node, ContextRef):
        return None
    links.reverse()
    names, end, partial = [node.name], node.end, False
    for link in links:
        if isinstance(link, Index):
            partial = True  # what follows a computed index is unknown here
            break
        names.append(link.name)
        end = link.end
    computed = [link.index for link in links if isinstance(link, Index)]
    return Reference(tuple(names), node.start, end, partial), computed


def _collect(tree) -> tuple[tuple, tuple]:
    """Every context reference and function call in tree, in source order (iterative: chains of == can be long)."""
    references, calls = [], []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (Member, Index, ContextRef)):
            found = _chain(node)
            if found is not None:
                references.append(found[0])
                stack.extend(found[1])
                continue
        if isinstance(node, Call):
            calls.append(node)
        stack.extend(_children(node))
    references.sort(key=lambda r: r.start)
    calls.sort(key=lambda c: c.start)
    return tuple(references), tuple(calls)


@lru_cache(maxsize=8192)
def parse(text: str) -> Parsed:
    """The expression between ${{ and }} (or a whole `if:` value) as a tree, or its syntax problem.

    Cached: the same text is parsed once per run, however many layers or files ask.
    """
    if len(text) > MAX_LENGTH:
        return Parsed(text, problem=f"the expression is {len(text)} characters long; GitHub's limit is {MAX_LENGTH}",
                      fix="compute the value in a step and pass it as an output or env: variable")
    try:
        tree = _Parser(text, tokenize(text)).parse()
    except _SyntaxProblem as problem:
        return Parsed(text, problem=problem.problem, fix=problem.fix, offset=problem.offset)
    except RecursionError:
        return Parsed(text, problem="the expression nests too deeply", fix="split it into simpler expressions")
    references, calls = _collect(tree)
    return Parsed(text, tree, references=references, calls=calls)


def dump(node) -> str:
    """A compact, unambiguous rendering of a tree (for tests and debugging)."""
    if isinstance(node, Literal):
        return repr(node.value) if node.kind == "string" else str(node.value).lower() if node.kind != "number" else repr(node.value)
    if isinstance(node, ContextRef):
        return node.name
    if isinstance(node, Member):
        return f"{dump(node.target)}.{node.name}"
    if isinstance(node, Index):
        return f"{dump(node.target)}[{dump(node.index)}]"
    if isinstance(node, Call):
        return f"{node.name}({', '.join(dump(a) for a in node.args)})"
    if isinstance(node, Not):
        return f"!{dump(node.operand)}"
    if isinstance(node, Binary):
        return f"({dump(node.left)} {node.op} {dump(node.right)})"
    if isinstance(node, Group):
        return dump(node.inner)
    return "?"


def first_unclosed(text: str) -> int | None:
    """Offset of the first `${{` that no `}}` closes (GitHub rejects the whole value), if any."""
    spans = [(e.start, e.end) for e in find_expressions(text)]
    at = text.find(OPEN)
    while at != -1:
        if not any(start <= at < end for start, end in spans):
            return at
        at = text.find(OPEN, at + len(OPEN))
    return None
