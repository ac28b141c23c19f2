"""MkDocs front end of the course: the macros pages call, wired to the site build.

Kept thin on purpose: the engine and site build know nothing of MkDocs, so a move
to another generator (Zensical) only replaces this file and mkdocs_hooks.py.
"""
from pathlib import Path

from . import preview, render, sitebuild
from .catalog import load_catalog


def define_env(env):
    docs_dir = Path(env.conf["docs_dir"]).name
    build = sitebuild.start(Path(env.project_dir), docs_dir)

    @env.macro
    def workflow(snippet_id, highlight=(), annotate=None, renderings=None, excerpt=None):
        """Place a checked snippet: tabs (tags, pinned), highlights, annotations, download, check note."""
        return build.place(snippet_id, env.page.file.src_uri, highlight, annotate, renderings, excerpt)

    @env.macro
    def exercise(snippet_id, question, answer):
        """A "find the bug" exercise whose broken workflow must raise exactly the rule it expects."""
        return build.place_exercise(snippet_id, env.page.file.src_uri, question, answer)

    @env.macro
    def tag_preview(snippet_id, events=None, context=None):
        """A table under a snippet: each event, and the image references it pushes (computed, not written)."""
        return preview.place(build, snippet_id, env.page.file.src_uri, events, context)

    @env.macro
    def catalog_table():
        return render.catalog_markdown(load_catalog())

    env.variables["catalog_as_of"] = load_catalog().as_of


def on_pre_page_macros(env):
    sitebuild.current().scan_page(env.page.file.src_uri, env.markdown)
