"""Every page in a real browser: no console errors, nothing fetched from elsewhere, and
every workflow copies and downloads as the bytes the build checked."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser_helpers import site_pages

COPY_BUTTON = "button.md-code__button[data-md-type='copy']"
SNIPPET_BLOCK = ".highlight[data-snippet]"
PARALLEL_PAGES = 4  # pages loading at once: the sweep is bound by waiting, not by work
# Guides copied in full besides the sample of one page per section: the task guides of issue 14.
ALSO_COPIED = ["how-to/cost-and-limits/", "how-to/bake/", "how-to/build-summary/", "how-to/sbom-attestations/",
               "how-to/login-extras/", "how-to/reproducible-builds/"]

# For each workflow block: the raw file it should link to, and whether it does.
RAW_LINKS = """(root) => Array.from(document.querySelectorAll('.highlight[data-snippet]')).map((block) => {
    const id = block.getAttribute('data-snippet');
    const rendering = block.getAttribute('data-rendering');
    const raw = new URL(`snippets/${id}${rendering === 'pinned' ? '.pinned' : ''}.yml`, root).href;
    const scope = block.closest('.tabbed-block, .admonition, details') || block.parentElement;
    const links = Array.from(scope.querySelectorAll('a[download]')).map((a) => a.href);
    return {id, rendering, raw, linked: links.includes(raw), excerpt: block.hasAttribute('data-excerpt'),
            copy: block.getAttribute('data-copy')};
})"""


def test_every_page_loads_cleanly_and_links_each_workflow_to_its_raw_file(context, site_server, site_dir, watch):
    pages = site_pages(site_dir)
    assert len(pages) > 10, pages
    blocks, problems = 0, []
    tabs = [context.new_page() for _ in range(PARALLEL_PAGES)]
    for start in range(0, len(pages), len(tabs)):
        batch = list(zip(tabs, pages[start: start + len(tabs)]))
        responses = [tab.goto(f"{site_server}/{path}", wait_until="commit") for tab, path in batch]
        for (tab, path), response in zip(batch, responses):
            tab.wait_for_load_state("load")
            assert response is not None and response.ok, f"/{path}: HTTP {response.status if response else '?'}"
            expect(tab.locator("h1").first).to_be_visible()
            for block in tab.evaluate(RAW_LINKS, f"{site_server}/"):
                blocks += 1
                where = f"/{path}: {block['id']} ({block['rendering']})"
                if not block["linked"]:
                    problems.append(f"{where} does not link its raw file {block['raw']}")
                raw_file = site_dir / block["raw"][len(site_server) + 1:]
                if not raw_file.is_file():
                    problems.append(f"{where}: no raw file {raw_file}")
                elif not block["excerpt"] and block["copy"] != raw_file.read_text("utf-8"):
                    problems.append(f"{where}: the copy text differs from the raw file")
        assert not watch.problems(), "\n".join(watch.problems())
    assert blocks > 10, "the site shows hardly any workflows: the block markup may have changed"
    assert not problems, "\n".join(problems)


def _pages_with_workflows(site_dir: Path, count: int) -> list[str]:
    """A few pages that show workflows, from different sections of the site."""
    chosen, sections = [], set()
    for path in site_pages(site_dir):
        text = (site_dir / path / "index.html").read_text("utf-8")
        section = path.split("/")[0]
        if 'data-snippet="' in text and section not in sections and section != "builder":
            chosen.append(path)
            sections.add(section)
    return chosen[:count]


def test_copy_buttons_copy_the_raw_files_bytes(page, site_server, site_dir):
    pages = _pages_with_workflows(site_dir, 5)
    assert len(pages) >= 3, f"expected workflows on several sections' pages, found {pages}"
    pages += [p for p in ALSO_COPIED if p not in pages]
    copied = 0
    for path in pages:
        page.goto(f"{site_server}/{path}")
        blocks = page.locator(SNIPPET_BLOCK)
        seen = set()
        for index in range(blocks.count()):
            block = blocks.nth(index)
            rendering = block.get_attribute("data-rendering")
            if rendering in seen:
                continue  # one block of each rendering per page
            seen.add(rendering)
            tab = block.locator("xpath=ancestor::div[contains(@class,'tabbed-set')]")
            if tab.count():
                label = "Pinned by SHA" if rendering == "pinned" else "Tags"
                tab.first.locator(".tabbed-labels label", has_text=label).first.click()
            expect(block).to_be_visible()
            page.evaluate("navigator.clipboard.writeText('')")
            block.hover()
            block.locator(COPY_BUTTON).click()
            clipboard = page.evaluate("navigator.clipboard.readText()")
            snippet = block.get_attribute("data-snippet")
            raw = site_dir / "snippets" / f"{snippet}{'.pinned' if rendering == 'pinned' else ''}.yml"
            expected = block.get_attribute("data-copy") if block.get_attribute("data-excerpt") \
                else raw.read_text("utf-8")
            # Material trims trailing whitespace when it copies: the file's final newline, exactly
            assert expected.endswith("\n") and not expected.endswith("\n\n")
            assert clipboard + "\n" == expected, f"/{path}: {snippet} ({rendering})"
            copied += 1
    assert copied >= len(pages)


@pytest.mark.parametrize("snippet", ["tutorial/publish-minimal"])
def test_a_download_link_gives_the_raw_bytes(page, site_server, site_dir, snippet):
    page.goto(f"{site_server}/tutorial/first-workflow/")
    link = page.locator(f'a[download][href$="snippets/{snippet}.yml"]').first
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    assert Path(download.value.path()).read_bytes() == (site_dir / "snippets" / f"{snippet}.yml").read_bytes()
    assert download.value.suggested_filename == link.get_attribute("download")
    assert re.fullmatch(r"[\w.-]+\.yml", download.value.suggested_filename)
