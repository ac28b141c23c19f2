"""Facts as data: each version- or date-dependent statement the course makes, once.

macros/data/facts.yml holds every such statement with its source, what it was checked
against and the catalogued action it depends on. Pages place a statement with
`fact("id")` and an error text with `error("id")`; the sources of a page are listed at
its foot. A fact verified against an older major than the catalog's current one is
stale: the build fails until someone re-reads the source and records the new version.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

FACTS_FILE = Path(__file__).parent / "data" / "facts.yml"
REQUIRED = ("id", "statement", "source", "verified_against", "depends_on")
OPTIONAL = ("printed_by", "text", "kind")
KINDS = ("fact", "error")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_VERSION = re.compile(r"@v(\d+)(?:\.\d+)*\b")


@dataclass(frozen=True)
class Fact:
    id: str
    statement: str
    source: str
    verified_against: str
    depends_on: str | None
    line: int
    kind: str = "fact"
    text: str = ""  # an error fact: the message exactly as the tool prints it
    printed_by: str = ""  # an error fact: the tool and version that print it

    def verified_major(self) -> str | None:
        """The major of depends_on that verified_against names ("actions/checkout@v7.0.1" -> "v7")."""
        if not self.depends_on:
            return None
        match = re.search(re.escape(self.depends_on) + _VERSION.pattern, self.verified_against)
        return f"v{match[1]}" if match else None

    def source_markdown(self) -> str:
        where = self.source
        if where.startswith(("http://", "https://")):
            label = re.sub(r"^https?://", "", where).rstrip("/")
            if len(label) > 80:
                label = label[:77] + "…"
            where = f"[{label}]({self.source})"
        else:  # a path in this repository
            where = f"`{where}` in this repository"
        return f"{where}. Checked against: {self.verified_against}."


@dataclass(frozen=True)
class Problem:
    line: int
    rule: str  # a D rule of macros/data/rules/site.yml
    params: dict


def _entry_lines(text: str) -> list[int]:
    """1-based line of each top-level list entry, in order."""
    return [i for i, line in enumerate(text.splitlines(), 1) if line.startswith("- ")]


def parse_facts(text: str) -> tuple[dict[str, Fact], list[Problem]]:
    """The facts in a facts.yml text, and a problem for each entry that cannot be one."""
    try:
        entries = yaml.safe_load(text) or []
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return {}, [Problem(mark.line + 1 if mark else 1, "D013", {"fact": "?", "problem": f"not YAML: {error}".splitlines()[0]})]
    if not isinstance(entries, list):
        return {}, [Problem(1, "D013", {"fact": "?", "problem": "the file must be a list of facts"})]
    lines = _entry_lines(text) + [1] * len(entries)
    facts: dict[str, Fact] = {}
    problems: list[Problem] = []
    for entry, line in zip(entries, lines):
        def bad(problem, fact_id="?"):
            problems.append(Problem(line, "D013", {"fact": fact_id, "problem": problem}))
        if not isinstance(entry, dict):
            bad("an entry must be a mapping")
            continue
        fact_id = str(entry.get("id", "?"))
        missing = [key for key in REQUIRED if key not in entry]
        unknown = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL))
        if missing or unknown:
            bad(f"missing {', '.join(missing)}" if missing else f"unknown key {', '.join(unknown)}", fact_id)
            continue
        if not _ID.match(fact_id) or fact_id in facts:
            bad("ids are lowercase words joined by dashes, each used once", fact_id)
            continue
        kind = entry.get("kind", "error" if "text" in entry else "fact")
        if kind not in KINDS or (kind == "error") != bool(entry.get("text")) or (kind == "error") != bool(entry.get("printed_by")):
            bad("an error fact has kind: error, text (the message) and printed_by (tool and version); a fact has neither", fact_id)
            continue
        facts[fact_id] = Fact(
            id=fact_id, statement=str(entry["statement"]).strip(), source=str(entry["source"]),
            verified_against=str(entry["verified_against"]), depends_on=entry["depends_on"] or None,
            line=line, kind=kind, text=str(entry.get("text", "")).rstrip("\n"),
            printed_by=str(entry.get("printed_by", "")),
        )
    return facts, problems


def stale_facts(facts: dict[str, Fact], catalog) -> list[Problem]:
    """A problem for each fact whose action the catalog knows at another major than the fact was verified at."""
    problems = []
    for fact in facts.values():
        if fact.depends_on is None:
            continue
        entry = catalog.get(fact.depends_on)
        if entry is None:
            problems.append(Problem(fact.line, "D013", {
                "fact": fact.id, "problem": f"depends_on names {fact.depends_on}, which is not in the catalog"}))
            continue
        verified = fact.verified_major()
        if verified is None:
            problems.append(Problem(fact.line, "D013", {
                "fact": fact.id, "problem": f"verified_against must name {fact.depends_on}@<version> it was read at"}))
        elif verified != entry.current_major:
            problems.append(Problem(fact.line, "D012", {
                "fact": fact.id, "action": fact.depends_on, "verified": verified, "major": entry.current_major,
                "source": fact.source}))
    return problems


def load_facts(path: Path = FACTS_FILE, catalog=None) -> tuple[dict[str, Fact], list[Problem]]:
    facts, problems = parse_facts(path.read_text("utf-8"))
    if catalog is not None:
        problems += stale_facts(facts, catalog)
    return facts, problems


# -- on pages ----------------------------------------------------------------------

def fact_markdown(fact: Fact) -> str:
    """The statement, with a footnote that the page's sources list resolves."""
    return f"{fact.statement}[^{fact.id}]"


def error_markdown(fact: Fact) -> str:
    """An error exactly as printed, then who prints it and where that was read."""
    fence = "````" if "```" in fact.text else "```"
    return (f"{fence}text\n{fact.text}\n{fence}\n\n"
            f"Printed by {fact.printed_by}.[^{fact.id}]\n")


def sources_markdown(placed: list[Fact]) -> str:
    """The page's foot: one footnote per fact it placed, in the order first placed."""
    if not placed:
        return ""
    unique = list({fact.id: fact for fact in placed}.values())
    notes = "\n".join(f"[^{fact.id}]: {fact.source_markdown()}" for fact in unique)
    return f"\n\n## Sources\n\nThe version-dependent statements on this page, and where each was read:\n\n{notes}\n"
