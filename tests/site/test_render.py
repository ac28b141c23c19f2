"""macros/render.py: the Markdown of placed snippets, exercises, rule pages and the rules
index, converted to HTML with the course's extensions (MdCase), without a site build."""
from __future__ import annotations

import re

from mdcase import MdCase
from support import ROOT

from ghcr_check import rules
from ghcr_check.catalog import load_catalog
from ghcr_check.rules import Finding, Rule
from macros import render
from macros.snippets import PINNED, TAGS, SnippetLibrary
from macros.snippets import render as render_snippet

LIBRARY = SnippetLibrary(ROOT / "snippets", ROOT)
CATALOG = load_catalog()
RULE = Rule(id="G901", name="test-rule", layer="ghcr", severity="error", summary="A | summary.",
            message="job '{job}' fails", fix="add {what}", params=("job", "what"), why="Because it breaks.")


def _texts(snippet_id):
    snippet = LIBRARY.get(snippet_id)
    return snippet, {r: render_snippet(snippet, CATALOG, r)[0] for r in snippet.renderings}


class TestSnippet(MdCase):
    def test_a_workflow_shows_both_renderings_as_tabs_with_downloads(self):
        snippet, texts = _texts("tutorial/publish-minimal")
        placement = render.Placement([(1, 1)], [], (TAGS, PINNED))
        html = self.html(render.snippet_markdown(snippet, texts, "tutorial/first-workflow.md", placement,
                                                 ("yaml", "ghcr"), "2026-01-01"))
        assert html.count('class="tabbed-block"') == 2 and "Pinned by SHA" in html
        assert 'download="publish.yml" href="../snippets/tutorial/publish-minimal.pinned.yml"' in html
        assert "Checked when this page was built: YAML 1.2, GHCR rules (catalog as of 2026-01-01)" in html
        assert 'class="hll"' in html  # the highlighted line

    def test_a_counter_example_is_a_failure_admonition_listing_the_findings(self):
        snippet, texts = _texts("rules/G003/fail")
        found = [Finding("G003", "error", "job 'publish' lacks packages: write", "add it", line=9)]
        html = self.html(render.snippet_markdown(snippet, texts, "reference/rules/G003.md",
                                                 render.Placement([], [], snippet.renderings), (), "x", found))
        assert 'class="admonition failure"' in html and "(do not copy)" in html
        assert "<code>G003</code> line 9: job <code>publish</code> lacks packages: write" in html

    def test_annotations_use_material_markers_and_respect_comments(self):
        text = "a: 1\nb: 2 # note\n"
        assert render.annotate(text, [(1, "x"), (2, "y")]) == "a: 1  # (1)!\nb: 2 # note (2)\n"

    def test_attribute_values_cannot_break_out_of_the_fence(self):
        assert render.attribute('a "b" {c}\nd') == "a &quot;b&quot; &#123;c&#125;&#10;d"


class TestRulePages(MdCase):
    def test_a_rule_page_says_why_where_it_is_taught_and_what_it_prints(self):
        page = render.rule_page_markdown(RULE, False, ("how-to/x.md",), {"how-to/x.md": "Do [x]"})
        html = self.html(page)
        assert "<h2" in html and "Why it matters" in html and "Because it breaks." in html
        assert '<a href="../../how-to/x.md">Do [x]</a>' in html
        assert "<code>job '&lt;job&gt;' fails</code>" in html
        assert "When it stays silent" not in html

    def test_silent_is_shown_when_a_rule_has_it(self):
        quiet = Rule(**{**RULE.__dict__, "silent": "When the owner is unknown."})
        assert "When it stays silent</h2>\n<p>When the owner is unknown.</p>" in self.html(
            render.rule_page_markdown(quiet, False))

    def test_the_index_puts_ghcr_rules_first_and_imported_ones_last(self):
        html = self.html(render.rules_index_markdown(list(rules.registry().values())))
        groups = re.findall(r"<h2>(.*?)</h2>", html)
        assert groups == [title for title, _ in rules.meta().index if title != "The checker and the course's build"] \
            + ["The checker and the course's build"]
        assert groups[0] == "What GHCR needs"
        assert html.index(">G001<") < html.index(">A001<") < html.index(">Z001<")

    def test_a_pipe_in_a_summary_stays_in_its_cell(self):
        html = self.html(render.rules_index_markdown([RULE]))
        assert "<td>A | summary.</td>" in html

    def test_profiles_are_a_definition_list_of_the_registry_descriptions(self):
        html = self.html(render.profiles_markdown())
        assert re.findall(r"<dt><code>(\w+)</code></dt>", html) == list(rules.profile_names())


class TestCatalogTable(MdCase):
    def test_one_row_per_action(self):
        html = self.html(render.catalog_markdown(CATALOG))
        assert html.count("<tr>") == len(list(CATALOG)) + 1
