"""Each rule's failing and passing example, for `ghcr-check --explain`.

They are the course's own files (snippets/rules/<ID>/fail.yml and pass.yml): the wheel
ships them as ghcr_check/rule_examples (setup.py copies them at build time); a source
checkout reads them where they are. Their `uses:` carry no ref, so the catalog's
current one is filled in, as the course's pages do.
"""
from __future__ import annotations

import re
from pathlib import Path

from .catalog import load_catalog, parse_uses
from .records import record

PACKAGED = Path(__file__).parent / "rule_examples"
SOURCE = Path(__file__).parent.parent / "snippets" / "rules"
_USES = re.compile(r"""^(?P<lead>\s*(?:-\s+)?uses:\s+)(?P<q>['"]?)(?P<name>[^\s'"@#]+)(?P=q)(?P<tail>\s*(?:#.*)?)$""")


@record
class Example:
    title: str
    why: str
    text: str


def folder() -> Path | None:
    for candidate in (PACKAGED, SOURCE):
        if candidate.is_dir():
            return candidate
    return None


def _with_refs(body: str) -> str:
    catalog = load_catalog()
    out = []
    for line in body.splitlines(keepends=True):
        match = _USES.match(line.rstrip("\n"))
        entry = catalog.get(parse_uses(match["name"]).action) if match else None
        if entry is None or "$" in match["name"]:
            out.append(line)
            continue
        out.append(f"{match['lead']}{match['q']}{match['name']}@{entry.tag_ref}{match['q']}{match['tail']}"
                   + ("\n" if line.endswith("\n") else ""))
    return "".join(out)


def load(rule_id: str, kind: str) -> Example | None:
    """The rule's fail or pass example, or None where it has none."""
    base = folder()
    path = base / rule_id / f"{kind}.yml" if base else None
    if path is None or not path.is_file():
        return None
    meta, body = {}, []
    for line in path.read_text("utf-8").splitlines(keepends=True):
        if line.startswith("#|") and not body:
            key, _, value = line[2:].partition(":")
            meta[key.strip()] = value.strip()
        else:
            body.append(line)
    return Example(meta.get("title", ""), meta.get("why", ""), _with_refs("".join(body)))
