"""The course's own rules (D: snippets and pages), which only the site build enforces.

They live with the site (data/rules/site.yml) and are made with the checker's rule
machinery, so a D finding prints like any other.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ghcr_check import rules

RULES_FILE = Path(__file__).parent / "data" / "rules" / "site.yml"


@lru_cache(maxsize=1)
def registry() -> dict[str, rules.Rule]:
    """The checker's rules and the site's, in ID order."""
    site = rules.load_rules([(RULES_FILE.name, RULES_FILE.read_text("utf-8"))])
    clash = set(site) & set(rules.registry())
    if clash:
        raise ValueError(f"{RULES_FILE}: rule IDs taken by the checker: {', '.join(sorted(clash))}")
    return dict(sorted({**rules.registry(), **site}.items()))


def finding(rule_id: str, position: tuple[int, int] = (1, 1), **params) -> rules.Finding:
    return rules.finding(rule_id, position, rules=registry(), **params)
