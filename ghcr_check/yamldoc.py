"""Layer 1: read a workflow as YAML 1.2, safely, keeping line and column of every node.

Any input gives a Document or findings, never an exception: bytes that are not
UTF-8, binary data, huge files, alias bombs and deep nesting are all findings.

libyaml's event parser reads the text (20 to 50 times faster than ruamel.yaml's
round-trip loader, which the snippets still use to keep comments); the documents
are built here, iteratively, with YAML 1.2 core-schema scalars and positions.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .datafile import pyyaml
from .records import record
from .rules import Finding, finding

# yaml (and datetime, for plain()) load on first use: the command starts the external tools
# before it reads any workflow, and reads none at all when the cache has every answer.

MAX_BYTES = 1 << 20
MAX_NODES = 200_000  # after alias expansion; real workflows have a few hundred
MAX_DEPTH = 64

# the parser's problem text -> what to do about it
_SYNTAX_FIXES = (
    ("(a tab)", "indent with spaces; YAML does not allow tabs there"),
    ("mapping values are not allowed", "put the value on one line or quote it; check the indentation above"),
    ("could not find expected ':'", "add ': ' after the key, or quote the text"),
    ("expected <block end>", "align this line with its siblings"),
    ("flow", "close the bracket or brace that was opened"),
    ("quoted scalar", "close the quote"),
    ("found undefined alias", "define the anchor (&name) before the alias (*name)"),
    ("found character", "quote the value that holds this character"),
)


@record
class Document:
    text: str
    root: dict

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


def _syntax_finding(err: yaml.MarkedYAMLError, text: str) -> Finding:
    mark = err.problem_mark or err.context_mark
    pos = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = " ".join(str(err.problem or err.context or "cannot parse").split())
    lines = text.splitlines()
    at = lines[pos[0] - 1][pos[1] - 1: pos[1]] if pos[0] <= len(lines) else ""
    if at == "\t":
        problem += " (a tab)"
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
    yaml = pyyaml()
    try:
        docs = compose(text)
    except _Stop as stop:
        return None, [stop.finding]
    except yaml.MarkedYAMLError as err:
        if "nesting depth" in str(err.problem):  # libyaml's own limit, deeper than ours
            return None, [finding("Y008", limit=MAX_DEPTH)]
        return None, [_syntax_finding(err, text)]
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as err:
        problem = " ".join(str(err).split())[:200] or type(err).__name__
        return None, [finding("Y001", problem=problem, fix="correct the YAML")]
    if len(docs) > 1:
        return None, [finding("Y009", (_document_starts(text), 1), count=len(docs))]
    root = docs[0] if docs else None
    if root is None:
        return None, [finding("Y004")]
    if not isinstance(root, dict):
        kind = "a list" if isinstance(root, list) else f"a single value ({type(root).__name__})"
        return None, [finding("Y003", (1, 1), kind=kind)]
    if not _has_aliases(text):
        return Document(text=text, root=root), []  # no alias: the size limit bounds the nodes, compose() the depth
    size, depth, cycle = _expanded_size(root)
    if size > MAX_NODES:
        return None, [finding("Y007", limit=MAX_NODES, cycle=" (an alias refers to itself)" if cycle else "")]
    if depth > MAX_DEPTH:
        return None, [finding("Y008", limit=MAX_DEPTH)]
    return Document(text=text, root=root), []


class Positions:
    """Where a mapping's keys and values, or a sequence's items, start (0-based, like ruamel's `lc`)."""

    __slots__ = ("line", "col", "keys", "values", "items")

    def __init__(self, mark):
        self.line, self.col = mark.line, mark.column
        self.keys: dict = {}
        self.values: dict = {}
        self.items: list = []

    def key(self, key):
        return self.keys[key]

    def value(self, key):
        return self.values[key]

    def item(self, index):
        return self.items[index]


class Mapping(dict):
    __slots__ = ("lc",)


class Sequence(list):
    __slots__ = ("lc",)


class _Stop(Exception):
    """A finding that ends reading the document (duplicate key, too deep)."""

    def __init__(self, found: Finding):
        super().__init__(found.message)
        self.finding = found


@lru_cache(maxsize=1)
def event_loader():
    """libyaml's parser (the pure-Python one only where PyYAML was built without it)."""
    yaml = pyyaml()
    return yaml.CLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader


_CORE_INT = re.compile(r"[-+]?[0-9]+")
_CORE_OCT = re.compile(r"0o[0-7]+")
_CORE_HEX = re.compile(r"0x[0-9a-fA-F]+")
_CORE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_CORE_INF = re.compile(r"[-+]?\.(inf|Inf|INF)")
_CORE_NAN = re.compile(r"\.(nan|NaN|NAN)")


# What a plain scalar that is not a string starts with (null, bool, number, .inf, .nan)
_NOT_STRING_START = frozenset("~nNtTfF0123456789+-.")


def core_scalar(value: str):
    """A plain scalar by the YAML 1.2 core schema: `on`, `yes` and `off` stay strings."""
    first = value[:1]
    if first and first not in _NOT_STRING_START:  # most keys and values: no pattern can match
        return value
    if value in ("", "~", "null", "Null", "NULL"):
        return None
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
    if first in "nNtTfF":  # `name`, `tags`, `false-ish`: no number starts with a letter
        return value
    if _CORE_INT.fullmatch(value):
        return int(value)
    if _CORE_OCT.fullmatch(value):
        return int(value[2:], 8)
    if _CORE_HEX.fullmatch(value):
        return int(value[2:], 16)
    if _CORE_FLOAT.fullmatch(value):
        return float(value)
    if _CORE_INF.fullmatch(value):
        return float("-inf") if value.startswith("-") else float("inf")
    if _CORE_NAN.fullmatch(value):
        return float("nan")
    return value


def _scalar(event):
    if not event.style and event.tag is None and event.implicit[0]:  # plain: libyaml's style is '' or None
        return core_scalar(event.value)
    tag = event.tag or ""
    if tag.endswith(":int") and _CORE_INT.fullmatch(event.value):
        return int(event.value)
    if tag.endswith(":bool") and event.value.lower() in ("true", "false"):
        return event.value.lower() == "true"
    if tag.endswith(":null"):
        return None
    return event.value


def _has_aliases(text: str) -> bool:
    """Could the document hold an alias? A cheap over-estimate: an '&' (an alias needs
    an anchor; one that names none stops compose()) and a '*' anywhere."""
    return "&" in text and "*" in text


def compose(text: str) -> list:
    """The documents in text, built from libyaml's events without recursion.

    Mappings and sequences carry positions (`.lc`); aliases share the anchored
    object (nothing is copied, so alias bombs stay small until counted);
    duplicate keys and excessive depth stop the reading with a finding.
    One flat loop, names bound locally: it runs for every node of every workflow.
    """
    docs: list = []
    anchors: dict = {}
    stack: list = []  # [container, pending key or _NO_KEY, anchor]
    frame = None  # stack[-1]
    yaml = pyyaml()
    parser = event_loader()(text)
    next_event = parser.get_event
    scalar_event, mapping_start, sequence_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    mapping_end, sequence_end, alias_event = yaml.MappingEndEvent, yaml.SequenceEndEvent, yaml.AliasEvent
    document_start, stream_end = yaml.DocumentStartEvent, yaml.StreamEndEvent
    no_key = _NO_KEY
    try:
        while True:
            event = next_event()
            kind = type(event)
            opened = None
            if kind is scalar_event:
                if not event.style and event.tag is None and event.implicit[0]:
                    value = core_scalar(event.value)
                else:
                    value = _scalar(event)
                if event.anchor:
                    anchors[event.anchor] = value
            elif kind is mapping_start or kind is sequence_start:
                if len(stack) >= MAX_DEPTH:
                    mark = event.start_mark
                    raise _Stop(finding("Y008", (mark.line + 1, mark.column + 1), limit=MAX_DEPTH))
                value = opened = Mapping() if kind is mapping_start else Sequence()
                opened.lc = Positions(event.start_mark)
            elif kind is mapping_end or kind is sequence_end:
                container, _, anchor = stack.pop()
                frame = stack[-1] if stack else None
                if anchor:
                    anchors[anchor] = container  # only now: an alias inside its own anchor is undefined
                continue
            elif kind is alias_event:
                if event.anchor not in anchors:
                    mark = event.start_mark
                    raise _Stop(finding("Y001", (mark.line + 1, mark.column + 1),
                                        problem=f"found undefined alias '{event.anchor}'",
                                        fix="define the anchor (&name) before the alias (*name), outside itself"))
                value = anchors[event.anchor]
            elif kind is document_start:
                anchors = {}
                continue
            elif kind is stream_end or event is None:
                break
            else:
                continue
            # the node goes into the container being read, as an item, a key or a value
            mark = event.start_mark
            if frame is None:
                docs.append(value)
            else:
                container = frame[0]
                if type(container) is Sequence:
                    container.lc.items.append((mark.line, mark.column))
                    container.append(value)
                elif frame[1] is no_key:
                    if isinstance(value, (dict, list)):
                        raise _Stop(finding("Y001", (mark.line + 1, mark.column + 1),
                                            problem="a mapping or list used as a key", fix="use a plain key"))
                    if value in container:
                        raise _Stop(finding("Y002", (mark.line + 1, mark.column + 1), key=value))
                    frame[1] = value
                    container.lc.keys[value] = (mark.line, mark.column)
                else:
                    key = frame[1]
                    container.lc.values[key] = (mark.line, mark.column)
                    container[key] = value
                    frame[1] = no_key
            if opened is not None:
                frame = [opened, no_key, event.anchor]
                stack.append(frame)
    finally:
        parser.dispose()
    return docs


_NO_KEY = object()


def _document_starts(text: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if number > 1 and line.startswith("---"):
            return number
    return 1


_PLAIN = frozenset((str, int, float, bool, type(None)))


def plain(node):
    """The document as JSON-like Python data (for the schema), aliases shared, not copied."""
    import datetime

    memo: dict[int, object] = {}

    def convert(value):
        if type(value) in _PLAIN:  # most nodes: nothing to convert
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


__all__ = ["Document", "Mapping", "Sequence", "load", "plain", "position", "value_position"]
