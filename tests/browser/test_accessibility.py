"""Accessibility: axe-core (bundled with axe-playwright-python, never fetched) on every page.

Nothing is allowed: a serious or critical violation anywhere fails, the theme's own
included. The course's script names what Material leaves unnamed (its search dialog,
its code-annotation markers); the tests below check those names directly too, so a
page where the markers were never drawn cannot pass by accident.
"""
from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from browser_helpers import site_pages
from playwright.sync_api import expect

FAILING_IMPACTS = ("serious", "critical")
# Pages shown in a second state as well: the builder with several options on.
EXTRA_STATES = ["builder/?tags=meta&sign=sign&hub=hub&platforms=amd64-arm64"]
ANNOTATED_PAGE = "how-to/bake/"  # its workflows carry code annotations


def _target(node) -> str:
    return " ".join(str(part) for part in node.get("target", []))


def serious_violations(results: dict) -> list[str]:
    found = []
    for violation in results["violations"]:
        if violation.get("impact") not in FAILING_IMPACTS:
            continue
        for node in violation["nodes"]:
            summary = node.get("failureSummary", "").splitlines()
            found.append(f"{violation['id']} ({violation['impact']}) at {_target(node)}: "
                         f"{summary[-1].strip() if summary else violation['help']}")
    return found


def _open(page, url: str) -> None:
    page.goto(url)
    expect(page.locator("h1").first).to_be_visible()
    if "/builder/" in url:
        expect(page.locator("[data-ghcr-builder][data-builder-state=ready]")).to_have_count(1)
    # the theme draws annotation markers when it mounts the page; the course's script names them
    page.wait_for_function("() => !document.querySelector('a.md-annotation__index:not([aria-label])')")


def test_no_page_has_a_serious_or_critical_violation(page, site_server, site_dir):
    """One browser page, every page of the site in turn: axe is injected once per load."""
    axe = Axe()
    problems = []
    for path in site_pages(site_dir) + EXTRA_STATES:
        _open(page, f"{site_server}/{path}")
        results = axe.run(page, options={"resultTypes": ["violations"]}).response
        problems += [f"/{path}: {problem}" for problem in serious_violations(results)]
    assert not problems, "\n".join(problems)


def test_the_search_dialog_and_annotation_markers_have_names(page, site_server):
    _open(page, f"{site_server}/{ANNOTATED_PAGE}")
    expect(page.locator(".md-search[role=dialog]")).to_have_attribute("aria-label", "Search")
    markers = page.locator("a.md-annotation__index")
    assert markers.count() >= 3, "the page's annotated workflows should show their markers"
    names = markers.evaluate_all("els => els.map(el => el.getAttribute('aria-label'))")
    assert names[:3] == ["Annotation 1", "Annotation 2", "Annotation 3"], names


def test_markers_are_named_after_instant_navigation_too(page, site_server):
    """Material swaps pages without reloading them: markers drawn later are named as well."""
    _open(page, f"{site_server}/")
    page.evaluate("window.__same_document = true")
    page.locator(f'a[href$="{ANNOTATED_PAGE}"]').first.evaluate("el => el.click()")
    expect(page).to_have_url(f"{site_server}/{ANNOTATED_PAGE}")
    assert page.evaluate("window.__same_document === true"), "the theme navigated without reloading"
    expect(page.locator("a.md-annotation__index").first).to_have_attribute("aria-label", "Annotation 1")
    expect(page.locator("a.md-annotation__index:not([aria-label])")).to_have_count(0)


def test_a_tutorial_page_screenshot(page, site_server, screenshots):
    _open(page, f"{site_server}/tutorial/first-workflow/")
    page.screenshot(path=str(screenshots / "tutorial.png"), full_page=True)
    assert (screenshots / "tutorial.png").stat().st_size > 10_000
