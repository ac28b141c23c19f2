"""The course as a reader meets it: pages that render, errors that search finds, exercises that hold.

- every page in the nav (and every page in docs/) is built, with a title;
- every troubleshooting error text is in the search index, on its own page's entries;
- every troubleshooting entry says which rule catches it, or that none can;
- every "find the bug" exercise raises exactly its stated rule, and its page folds the answer away;
- every tutorial lesson ends with what the reader now has;
- the path: every tutorial and how-to page ends with where to go next, no two nav
  entries share a title, the how-tos are grouped and all listed on their index, link
  texts say where they go, and every glossary term is linked from a page that uses it.
"""
from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
from support import ROOT

from ghcr_check.catalog import load_catalog
from ghcr_check.engine import check_document
from macros.facts import load_facts
from macros.snippets import TAGS, SnippetLibrary, render

DOCS = ROOT / "docs"
TROUBLESHOOTING = DOCS / "troubleshooting"
EXERCISE_CALL = re.compile(r"""<!--\[\[\s*exercise\(\s*["']([^"']+)["']""")
# an entry's error text is placed from macros/data/facts.yml, with the tool that prints it
ERROR_PLACEMENT = re.compile(r"<!--\[\[\s*error\(\s*\"([^\"]+)\"\s*\)\s*\]\]-->")
ENTRY_HEADING = re.compile(r"^### (.+)$", re.MULTILINE)
TAG = re.compile(r"<[^>]+>")
MIN_ERROR_ENTRIES = 30
ERRORS = {fact.id: fact for fact in load_facts(ROOT / "macros" / "data" / "facts.yml")[0].values() if fact.kind == "error"}
MIN_EXERCISES = 8
EXERCISE_SECTIONS = ("tutorial", "explanation", "troubleshooting")


def _html_of(site: Path, page: str) -> Path:
    """Where MkDocs (directory URLs) writes docs/<page>."""
    stem = page[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        return site / f"{stem}.html"
    return site / stem / "index.html"


def _nav() -> list:
    from mkdocs.config import load_config

    return load_config(str(ROOT / "mkdocs.yml"))["nav"]


def _nav_entries(items=None, section: str = "") -> list[tuple[str, str, str]]:
    """(top-level section, title or '', page) for every page in the nav."""
    entries = []
    for item in _nav() if items is None else items:
        title, value = next(iter(item.items())) if isinstance(item, dict) else ("", item)
        if isinstance(value, list):
            entries += _nav_entries(value, section or title)
        elif isinstance(value, str) and value.endswith(".md"):
            entries.append((section or title, title, value))
    return entries


def _nav_pages() -> list[str]:
    from mkdocs.config import load_config

    config = load_config(str(ROOT / "mkdocs.yml"))
    pages = []

    def walk(items):
        for item in items:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            if isinstance(value, list):
                walk(value)
            elif isinstance(value, str) and value.endswith(".md"):
                pages.append(value)

    walk(config["nav"])
    return pages


def _words(text: str) -> str:
    """Text as the reader sees it: no tags, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(TAG.sub(" ", text)).split())


def _entries(page: Path) -> list[tuple[str, str]]:
    """(heading, section source) for each ### entry of a troubleshooting page."""
    source = page.read_text("utf-8")
    starts = list(ENTRY_HEADING.finditer(source))
    entries = []
    for i, match in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(source)
        section = source[match.end():end].split("\n## ", 1)[0]
        entries.append((match.group(1).strip(), section))
    return entries


def _troubleshooting_pages() -> list[Path]:
    return sorted(p for p in TROUBLESHOOTING.glob("*.md") if p.name != "index.md")


def _exercises() -> list[tuple[str, str]]:
    """(page relative to docs/, snippet id) for every exercise placed on a page."""
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        for snippet_id in EXERCISE_CALL.findall(page.read_text("utf-8")):
            found.append((page.relative_to(DOCS).as_posix(), snippet_id))
    return found


# -- pages --------------------------------------------------------------------

@pytest.mark.parametrize("page", _nav_pages())
def test_every_page_in_the_nav_is_built_with_a_title(built_site: Path, page: str):
    built = _html_of(built_site, page)
    assert built.is_file(), f"{page} is in the nav but {built} was not built"
    assert re.search(r"<h1[ >]", built.read_text("utf-8")), f"{built} has no <h1>"


def test_every_page_in_docs_is_built_with_a_title(built_site: Path):
    for source in sorted(DOCS.rglob("*.md")):
        built = _html_of(built_site, source.relative_to(DOCS).as_posix())
        assert built.is_file(), f"{source} was not built"
        assert re.search(r"<h1[ >]", built.read_text("utf-8")), f"{built} has no <h1>"


def test_every_tutorial_lesson_ends_with_what_the_reader_now_has():
    lessons = [p for p in sorted((DOCS / "tutorial").glob("*.md")) if p.name != "index.md"]
    assert len(lessons) >= 3
    index = (DOCS / "tutorial" / "index.md").read_text("utf-8")
    for lesson in lessons:
        headings = re.findall(r"^## (.+)$", lesson.read_text("utf-8"), re.MULTILINE)
        assert headings[-2:] == ["What you now have", "Next"], f"{lesson.name} must end with 'What you now have', then 'Next'"
        assert f"]({lesson.name})" in index, f"the tutorial index does not list {lesson.name}"


# -- the path ---------------------------------------------------------------------

MD_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")
VAGUE_LINK_TEXTS = {"here", "click here", "this page", "this guide", "the guide", "this", "link",
                    "read more", "more", "below", "above", "see", "docs", "documentation"}
GUIDE_GROUPS = ["Build", "Publish", "Secure", "Consume", "Maintain"]


def _path_pages() -> list[str]:
    return [page for section, _, page in _nav_entries() if section in ("Tutorial", "How-to guides")]


def _outside_fences(text: str) -> str:
    return re.sub(r"^ *```.*?^ *```", "", text, flags=re.DOTALL | re.MULTILINE)


@pytest.mark.parametrize("page", _path_pages())
def test_every_tutorial_and_how_to_page_ends_with_where_to_go_next(page: str):
    text = _outside_fences((DOCS / page).read_text("utf-8"))
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert headings and headings[-1] == "Next", f"{page} must end with a 'Next' section"
    last = text.rsplit("\n## Next\n", 1)[1]
    assert MD_LINK.search(last), f"{page}: 'Next' links nowhere"


def _nav_titles(items) -> list[str]:
    """Every title the nav shows: sections, and pages (an untitled page shows its own heading)."""
    titles = []
    for item in items:
        title, value = next(iter(item.items())) if isinstance(item, dict) else ("", item)
        if not title and isinstance(value, str):
            title = re.search(r"^# (.+)$", (DOCS / value).read_text("utf-8"), re.MULTILINE).group(1)
        titles.append(title)
        if isinstance(value, list):
            titles += _nav_titles(value)
    return titles


def test_no_two_nav_entries_share_a_title():
    titles = _nav_titles(_nav())
    assert len(set(titles)) == len(titles), sorted({t for t in titles if titles.count(t) > 1})


def test_how_tos_are_grouped_and_all_listed_on_their_index():
    groups = next(value for item in _nav() if isinstance(item, dict)
                  for key, value in item.items() if key == "How-to guides")
    assert next(iter(groups[0].values())) == "how-to/index.md"
    assert [next(iter(g)) for g in groups[1:]] == GUIDE_GROUPS
    index = (DOCS / "how-to" / "index.md").read_text("utf-8")
    for section, _, page in _nav_entries():
        if section == "How-to guides" and page != "how-to/index.md":
            assert f"]({page.split('/', 1)[1]})" in index, f"the how-to index does not list {page}"
    assert all(not page.startswith("about/") for s, _, page in _nav_entries() if s == "How-to guides")
    assert ("About this site", "How this site publishes itself", "about/this-site.md") in _nav_entries()


def test_link_texts_say_where_they_go():
    for source in sorted(DOCS.rglob("*.md")):
        for text, target in MD_LINK.findall(_outside_fences(source.read_text("utf-8"))):
            words = text.strip("`*_ ").lower()
            assert words not in VAGUE_LINK_TEXTS, f"{source.relative_to(DOCS)}: link text {text!r} -> {target}"


def test_every_glossary_term_is_linked_from_a_page_that_uses_it():
    glossary = (DOCS / "reference" / "glossary.md").read_text("utf-8")
    anchors = set(re.findall(r"^### .+ \{#([a-z-]+)\}$", glossary, re.MULTILINE))
    assert {"digest", "manifest", "index", "buildkit-and-buildx", "exporter", "provenance", "attestation",
            "signature", "sbom", "oidc", "slsa", "referrers", "storage-record", "github-env",
            "lowercase"} <= anchors
    linked = set()
    for source in sorted(DOCS.rglob("*.md")):
        for anchor in re.findall(r"glossary\.md#([\w-]+)\)", source.read_text("utf-8")):
            assert anchor in anchors, f"{source.relative_to(DOCS)} links to a missing glossary entry #{anchor}"
            if source.parent.name in ("tutorial", "how-to"):
                linked.add(anchor)
    assert anchors <= linked, f"no tutorial or how-to page links {sorted(anchors - linked)}"


# -- troubleshooting ------------------------------------------------------------

def test_troubleshooting_has_enough_entries_each_with_its_error_and_its_rule():
    entries = [(page, heading, section) for page in _troubleshooting_pages() for heading, section in _entries(page)]
    assert len(entries) >= MIN_ERROR_ENTRIES, f"{len(entries)} entries, want at least {MIN_ERROR_ENTRIES}"
    headings = [heading for _, heading, _ in entries]
    assert len(set(headings)) == len(headings), "two entries share a heading, so search cannot tell them apart"
    for page, heading, section in entries:
        where = f"{page.name}: '{heading}'"
        placed = ERROR_PLACEMENT.findall(section)
        assert placed, f"{where} places no error text from the facts"
        assert all(ERRORS.get(error_id) for error_id in placed), f"{where} places an unknown error {placed}"
        assert "**Cause.**" in section and "**Fix.**" in section, f"{where} lacks a cause or a fix"
        verdict = section.split("**Before the run:**", 1)
        assert len(verdict) == 2, f"{where} does not say whether a rule catches it before the run"
        assert re.search(r"\(\.\./reference/rules/[A-Z]\d{3}\.md\)|no rule", verdict[1]), \
            f"{where} names no rule and does not say that none can see it"


def test_every_troubleshooting_error_text_is_in_the_search_index(built_site: Path):
    index = json.loads((built_site / "search" / "search_index.json").read_text("utf-8"))
    text_by_page: dict[str, str] = defaultdict(str)
    for doc in index["docs"]:
        text_by_page[doc["location"].split("#", 1)[0]] += " " + doc.get("title", "") + " " + doc.get("text", "")
    checked = 0
    for page in _troubleshooting_pages():
        location = f"troubleshooting/{page.stem}/"
        indexed = _words(text_by_page.get(location, ""))
        assert indexed, f"the search index has no entry for {location}"
        for error_id in ERROR_PLACEMENT.findall(page.read_text("utf-8")):
            error = " ".join(ERRORS[error_id].text.split())
            assert error in indexed, f"{page.name}: search does not find {error!r}"
            checked += 1
    assert checked >= MIN_ERROR_ENTRIES


# -- exercises ------------------------------------------------------------------

def test_there_are_enough_exercises_on_different_rules_across_the_course():
    library = SnippetLibrary(ROOT / "snippets", ROOT)
    placed = _exercises()
    snippet_ids = {snippet_id for _, snippet_id in placed}
    assert len(snippet_ids) >= MIN_EXERCISES, f"{len(snippet_ids)} exercises, want at least {MIN_EXERCISES}"
    rules = [library.get(s).expected_rules for s in snippet_ids if library.get(s) is not None]
    assert all(len(r) == 1 for r in rules), "an exercise must expect exactly one rule"
    assert len({r[0] for r in rules}) == len(rules), "two exercises test the same rule"
    sections = {page.split("/", 1)[0] for page, _ in placed}
    for section in EXERCISE_SECTIONS:
        assert section in sections, f"no exercise in the {section} pages"


@pytest.mark.parametrize("page,snippet_id", _exercises())
def test_each_exercise_raises_exactly_its_rule(page: str, snippet_id: str):
    library = SnippetLibrary(ROOT / "snippets", ROOT)
    snippet = library.get(snippet_id)
    assert snippet is not None, f"{page} places exercise {snippet_id}, which has no snippet"
    assert len(snippet.expected_rules) == 1, f"{snippet_id} must expect exactly one rule"
    text, problems = render(snippet, load_catalog(), TAGS)
    assert not problems, problems
    raised = sorted({f.rule for f in check_document(text)})
    assert raised == list(snippet.expected_rules), f"{snippet_id} raises {raised}, expects {snippet.expected_rules}"


@pytest.mark.parametrize("page,snippet_id", _exercises())
def test_each_exercise_folds_its_answer_naming_the_rule(built_site: Path, page: str, snippet_id: str):
    rule = SnippetLibrary(ROOT / "snippets", ROOT).get(snippet_id).expected_rules[0]
    content = _html_of(built_site, page).read_text("utf-8")
    question = content.find(f'data-snippet="{html.escape(snippet_id)}"')
    assert question >= 0, f"{page} does not show the broken workflow of {snippet_id}"
    details = re.search(r"<details([^>]*)>(.*?)</details>", content[question:], re.DOTALL)
    assert details, f"{page}: no collapsed answer after {snippet_id}"
    assert " open" not in details.group(1), f"{page}: the answer to {snippet_id} is not collapsed"
    assert f"<code>{rule}</code>" in details.group(2), f"{page}: the answer to {snippet_id} does not name {rule}"
