"""Helpers the browser tests share (fixtures live in conftest.py)."""
from __future__ import annotations

from pathlib import Path


def site_pages(site_dir: Path) -> list[str]:
    """Every page of the built site, as a path under the root ('' for the home page)."""
    pages = []
    for path in sorted(site_dir.rglob("index.html")):
        relative = path.parent.relative_to(site_dir).as_posix()
        pages.append("" if relative == "." else f"{relative}/")
    return pages
