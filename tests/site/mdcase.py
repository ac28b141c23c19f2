"""MdCase (after pymdown-extensions' tests/util.py): Markdown in, HTML out, with the
course's extensions, no site build. For tests of macros/render.py's output."""
from __future__ import annotations

import textwrap

import markdown

EXTENSIONS = ["admonition", "attr_list", "def_list", "md_in_html", "tables", "pymdownx.details",
              "pymdownx.highlight", "pymdownx.superfences", "pymdownx.tabbed"]
CONFIGS = {"pymdownx.tabbed": {"alternate_style": True}}


class MdCase:
    """Subclass, then call self.html(markdown) or self.check_markdown(source, expected_html)."""

    extensions = EXTENSIONS
    extension_configs = CONFIGS

    def html(self, source: str) -> str:
        return markdown.markdown(source, extensions=self.extensions, extension_configs=self.extension_configs)

    def check_markdown(self, source: str, expected: str, dedent: bool = True):
        if dedent:
            source, expected = textwrap.dedent(source), textwrap.dedent(expected)
        assert self.html(source) == expected.strip()
