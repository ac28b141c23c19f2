"""The OCI image reference grammar (distribution/reference), applied to partly-known strings.

A reference may hold opaque pieces (expressions); they stand in as a lowercase
placeholder, so only what is written literally can be wrong.
"""
from __future__ import annotations

import re

from .records import record
from .workflow import Piece

_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
DOMAIN_RE = re.compile(rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*(?::[0-9]+)?")
PATH_COMPONENT_RE = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
TAG_RE = re.compile(r"[\w][\w.-]{0,127}", re.ASCII)
DIGEST_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}")
PLACEHOLDER = "x"
MAX_NAME = 255


@record
class ParsedRef:
    text: str  # with placeholders
    domain: str | None
    path: str
    tag: str | None
    digest: str | None
    name_end: int  # offset where the name (domain/path) ends


@record
class RefProblem:
    why: str
    fix: str


def flatten(pieces: list[Piece]) -> tuple[str, list[tuple[int, int, Piece]]]:
    """The reference with placeholders, and the span each opaque piece took."""
    out, spans, at = [], [], 0
    for piece in pieces:
        text = piece.text if piece.literal else PLACEHOLDER
        if not piece.literal:
            spans.append((at, at + len(text), piece))
        out.append(text)
        at += len(text)
    return "".join(out), spans


def split_domain(name: str) -> tuple[str | None, str]:
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        return first, rest
    return None, name


def parse(text: str) -> ParsedRef:
    name, digest = text, None
    if "@" in text:
        name, _, digest = text.partition("@")
    tag = None
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1:]
    domain, path = split_domain(name)
    return ParsedRef(text, domain, path, tag, digest, len(name))


def registry(pieces: list[Piece]) -> str | None:
    """The registry host a reference points at, where it is written literally."""
    text, spans = flatten(pieces)
    domain, _ = split_domain(text[: parse(text).name_end])
    if domain is None:
        if spans and spans[0][0] == 0:
            return None  # starts with an expression: unknown
        return "docker.io"
    if any(start < len(domain) for start, _, _ in spans):
        return None
    return domain.lower()


def check(pieces: list[Piece]) -> RefProblem | None:
    text, spans = flatten(pieces)
    ref = parse(text)
    digest_at = text.find("@")
    if digest_at != -1 and any(end > digest_at for _, end, _ in spans):
        ref.digest = None  # the digest comes from an expression: nothing written to check
    if ref.domain is not None and not DOMAIN_RE.fullmatch(ref.domain):
        return RefProblem(f"'{ref.domain}' is not a valid registry host", "write the registry host, such as ghcr.io")
    components = ref.path.split("/") if ref.path else [""]
    for component in components:
        if component == "":
            return RefProblem("the repository path has an empty component", "remove the doubled or trailing '/'")
        if not PATH_COMPONENT_RE.fullmatch(component):
            if PATH_COMPONENT_RE.fullmatch(component.lower()):
                lowered = _lower_literals(pieces)
                return RefProblem("repository name must be lowercase", f"write '{lowered}'")
            return RefProblem(
                f"'{component}' is not a valid path component",
                "use lowercase letters, digits and single '.', '_' or '-' between them",
            )
    if len(ref.path) + (len(ref.domain) + 1 if ref.domain else 0) > MAX_NAME:
        return RefProblem(f"the name is longer than {MAX_NAME} characters", "shorten the repository path")
    if ref.tag is not None and not TAG_RE.fullmatch(ref.tag):
        return RefProblem(
            f"tag '{ref.tag}' is invalid",
            "a tag has 1 to 128 of A-Z a-z 0-9 _ . - and does not start with '.' or '-'",
        )
    if ref.digest is not None and not DIGEST_RE.fullmatch(ref.digest):
        return RefProblem(f"digest '{ref.digest}' is invalid", "write the digest as sha256:<64 hex digits>")
    return None


def mixed_case_in_name(pieces: list[Piece]) -> Piece | None:
    """An opaque piece that can carry capitals and lands in the repository path."""
    text, spans = flatten(pieces)
    name_end = parse(text).name_end
    for start, _, piece in spans:
        if piece.mixed_case and start < name_end:
            return piece
    return None


def _lower_literals(pieces: list[Piece]) -> str:
    text = []
    for piece in pieces:
        if piece.literal:
            text.append(piece.text)
        else:
            text.append("${{ " + piece.text + " }}" if not piece.text.startswith("$") else piece.text)
    joined = "".join(text)
    ref = parse(joined)
    return joined[: ref.name_end].lower() + joined[ref.name_end:]


def display(pieces: list[Piece]) -> str:
    return "".join(
        p.text if p.literal else (p.text if p.text.startswith(("$", "`")) else "${{ " + p.text + " }}") for p in pieces
    )
