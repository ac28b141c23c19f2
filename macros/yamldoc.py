"""Layer 1: read a workflow as YAML 1.2, safely, keeping line and column of every node.

Any input gives a Document or findings, never an exception: bytes that are not
UTF-8, binary data, huge files, alias bombs and deep nesting are all findings.
"""
from __future__ import annotations

import datetime
import warnings
from dataclasses import dataclass

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .rules import Finding, finding

MAX_BYTES = 1 << 20
MAX_NODES = 200_000  # after alias expansion; real workflows have a few hundred
MAX_DEPTH = 64

# ruamel's problem text -> what to do about it
_SYNTAX_FIXES = (
    ("'\\t'", "indent with spaces; YAML does not allow tabs there"),
    ("mapping values are not allowed", "put the value on one line or quote it; check the indentation above"),
    ("could not find expected ':'", "add ': ' after the key, or quote the text"),
    ("expected <block end>", "align this line with its siblings"),
    ("flow", "close the bracket or brace that was opened"),
    ("quoted scalar", "close the quote"),
    ("found undefined alias", "define the anchor (&name) before the alias (*name)"),
    ("found character", "quote the value that holds this character"),
)


@dataclass
class Document:
    text: str
    root: CommentedMap

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def position(node, key=None, index=None) -> tuple[int, int]:
    """1-based (line, column) of a key (key=...), an item (index=...) or the node itself."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return (1, 1)
    try:
        if key is not None:
            line, col = lc.key(key)
        elif index is not None:
            line, col = lc.item(index)
        else:
            line, col = lc.line, lc.col
    except (KeyError, IndexError, TypeError, AttributeError):
        line, col = lc.line, lc.col
    return (line + 1, col + 1)


def value_position(node, key) -> tuple[int, int]:
    lc = getattr(node, "lc", None)
    try:
        line, col = lc.value(key)
        return (line + 1, col + 1)
    except (KeyError, TypeError, AttributeError):
        return position(node, key=key)


def decode(data: bytes) -> tuple[str | None, list[Finding]]:
    if len(data) > MAX_BYTES:
        return None, [finding("Y006", size=len(data), limit=MAX_BYTES)]
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return None, [finding("Y005", (line, 1), why="it holds NUL bytes (binary data)")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        return None, [finding("Y005", (line, column), why=f"byte 0x{data[err.start]:02x} at offset {err.start}")]
    return text, []


def _syntax_finding(err: MarkedYAMLError) -> Finding:
    mark = err.problem_mark or err.context_mark
    pos = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = " ".join(str(err.problem or err.context or "cannot parse").split())
    fix = next((fix for needle, fix in _SYNTAX_FIXES if needle in problem), "correct the YAML at this position")
    return finding("Y001", pos, problem=problem, fix=fix)


def _expanded_size(root) -> tuple[int, int, bool]:
    """(nodes after alias expansion, depth, cycle found) without expanding anything."""
    sizes: dict[int, int] = {}
    depth_of: dict[int, int] = {}
    on_path: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            kids = _children(node)
            sizes[key] = min(MAX_NODES + 1, 1 + sum(sizes.get(id(k), 1) for k in kids))
            depth_of[key] = 1 + max((depth_of.get(id(k), 0) for k in kids), default=0)
            continue
        if key in sizes:
            continue
        if key in on_path:
            return MAX_NODES + 1, 0, True
        on_path.add(key)
        stack.append((node, True))
        for kid in _children(node):
            if isinstance(kid, (dict, list)) and id(kid) not in sizes:
                stack.append((kid, False))
    return sizes.get(id(root), 1), depth_of.get(id(root), 1), False


def _children(node):
    if isinstance(node, dict):
        return [*node.keys(), *node.values()]
    if isinstance(node, list):
        return list(node)
    return []


def load(data: bytes | str) -> tuple[Document | None, list[Finding]]:
    if isinstance(data, bytes):
        text, problems = decode(data)
        if text is None:
            return None, problems
    else:
        text = data
        if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
            return None, [finding("Y006", size=len(text.encode("utf-8", "surrogatepass")), limit=MAX_BYTES)]
    if not text.strip() or all(not l.strip() or l.lstrip().startswith("#") for l in text.splitlines()):
        return None, [finding("Y004")]
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            docs = list(yaml.load_all(text))
    except MarkedYAMLError as err:
        if type(err).__name__ == "DuplicateKeyError":
            key = str(err.problem).split('"')[1] if '"' in str(err.problem) else "?"
            mark = err.problem_mark
            return None, [finding("Y002", (mark.line + 1, mark.column + 1), key=key)]
        return None, [_syntax_finding(err)]
    except RecursionError:
        return None, [finding("Y008", limit=MAX_DEPTH)]
    except (YAMLError, ValueError, TypeError, OverflowError) as err:
        problem = " ".join(str(err).split())[:200] or type(err).__name__
        return None, [finding("Y001", problem=problem, fix="correct the YAML")]
    docs = [d for d in docs if d is not None] or docs
    if len(docs) > 1:
        second = _document_starts(text)
        return None, [finding("Y009", (second, 1), count=len(docs))]
    root = docs[0] if docs else None
    if root is None:
        return None, [finding("Y004")]
    if not isinstance(root, dict):
        kind = "a list" if isinstance(root, list) else f"a single value ({type(root).__name__})"
        return None, [finding("Y003", position(root), kind=kind)]
    size, depth, cycle = _expanded_size(root)
    if size > MAX_NODES:
        return None, [finding("Y007", limit=MAX_NODES, cycle=" (an alias refers to itself)" if cycle else "")]
    if depth > MAX_DEPTH:
        return None, [finding("Y008", limit=MAX_DEPTH)]
    return Document(text=text, root=root), []


def _document_starts(text: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if number > 1 and line.startswith("---"):
            return number
    return 1


def plain(node):
    """The document as JSON-like Python data (for the schema), aliases shared, not copied."""
    memo: dict[int, object] = {}

    def convert(value):
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, (int, float)):
            return float(value) if isinstance(value, float) else int(value)
        if isinstance(value, str):
            return str(value)
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.isoformat()
        key = id(value)
        if key in memo:
            return memo[key]
        if isinstance(value, dict):
            out: dict = {}
            memo[key] = out
            for k, v in value.items():
                out[str(k) if not isinstance(k, str) else str(k)] = convert(v)
            return out
        if isinstance(value, list):
            out_list: list = []
            memo[key] = out_list
            out_list.extend(convert(v) for v in value)
            return out_list
        return str(value)

    return convert(node)


__all__ = ["Document", "load", "plain", "position", "value_position", "CommentedMap", "CommentedSeq"]
