"""The site search finds the troubleshooting entry for an error a reader pastes."""
from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from browser_helpers import site_pages

# An entry: a `###` heading, then the error text in a plain code block (docs/troubleshooting/).
ENTRY = re.compile(r'<h3 id="(?P<anchor>[^"]+)">.*?</h3>\s*<div class="(?:language-text )?highlight">'
                   r"<pre><span></span><code>(?P<code>.*?)</code></pre>", re.S)


SHOWN = 5  # pages a reader looks at; each lists its matching sections (some behind "more on this page")


def troubleshooting_entries(site_dir: Path) -> list[tuple[str, str, str]]:
    """(page, anchor, the error line of the error text) for every troubleshooting entry."""
    entries = []
    for path in site_pages(site_dir):
        if not path.startswith("troubleshooting/"):
            continue
        text = (site_dir / path / "index.html").read_text("utf-8")
        for match in ENTRY.finditer(text):
            code = html.unescape(re.sub(r"<[^>]+>", "", match["code"]))
            lines = [line.strip() for line in code.splitlines() if line.strip()]
            # what a reader pastes: the line that says error, where the log has one (BuildKit prints progress first)
            first = next((line for line in lines if "error" in line.lower()), lines[0] if lines else "")
            if first:
                entries.append((path, match["anchor"], first))
    return entries


def _listed(page) -> list[str]:
    """Every section link of the first SHOWN pages of results."""
    hrefs = page.locator(".md-search-result__list > .md-search-result__item").evaluate_all(
        f"items => items.slice(0, {SHOWN}).flatMap(item => "
        "[...item.querySelectorAll('a.md-search-result__link')].map(a => a.href))")
    return [f"{urlsplit(h).path.lstrip('/')}#{urlsplit(h).fragment}" for h in hrefs]


@pytest.fixture(scope="module")
def entries(site_dir):
    found = troubleshooting_entries(site_dir)
    assert len(found) >= 3, "expected troubleshooting entries (### heading, then the error text) in the built site"
    return found


def test_pasting_a_real_error_finds_its_troubleshooting_entry(page, site_server, entries):
    """Each entry's error text, pasted into the search box, lists that entry among the first results."""
    page.goto(f"{site_server}/")
    box = page.locator("input.md-search__input")
    box.click()
    box.press_sequentially("denied", delay=20)  # the first query also waits for the index to load
    expect(page.locator(".md-search-result__list a.md-search-result__link").first).to_be_visible(timeout=30_000)
    missed = []
    for path, anchor, error in entries:
        # as a reader pastes it: the whole text at once, then a key (the search reacts to keys)
        box.fill(error)
        box.press("End")
        wanted = f"{path}#{anchor}"
        for _ in range(12):  # results follow the last key; give them up to 3 s
            page.wait_for_timeout(250)
            listed = _listed(page)
            if wanted in listed:
                break
        else:
            meta = page.locator(".md-search-result__meta").text_content()
            missed.append(f"{error!r} ({wanted}) -> {meta}; first results: {listed[:3]}")
    assert not missed, (f"{len(missed)} of {len(entries)} troubleshooting entries are not among the first {SHOWN} "
                        "results when their error text is pasted:\n" + "\n".join(missed))
