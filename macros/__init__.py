"""MkDocs front end of the course: the macros pages call, wired to one site build.

Kept thin on purpose: the checker (ghcr_check) and the site build (sitebuild.py)
know nothing of MkDocs, so a move to another generator replaces only this file and
mkdocs_hooks.py.

The site build lives on the macros plugin instance (`env.course_build`), whose life
MkDocs owns: each build, and each `mkdocs serve` rebuild, starts a new one, and the
hooks find it through the plugin. Imports are absolute, so this file also loads as
a lone module (Zensical loads `macros/__init__.py` that way).
"""
import sys
from pathlib import Path

_PROJECT = str(Path(__file__).resolve().parents[1])
if _PROJECT not in sys.path:  # loaded as a lone file: make the project's packages importable
    sys.path.insert(0, _PROJECT)

from ghcr_check.catalog import load_catalog  # noqa: E402
from ghcr_check import __version__  # noqa: E402
from ghcr_check.rules import project  # noqa: E402
from macros import command_output, render, sitebuild  # noqa: E402
from macros.tag_preview import place as place_tag_preview  # noqa: E402

BUILD_ATTRIBUTE = "course_build"


def define_env(env):
    docs_dir = Path(env.conf["docs_dir"]).name
    build = sitebuild.SiteBuild(Path(env.project_dir), docs_dir)
    setattr(env, BUILD_ATTRIBUTE, build)

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
        return place_tag_preview(build, snippet_id, env.page.file.src_uri, events, context)

    @env.macro
    def profiles():
        """The --profile choices, each with the one description the registry gives it."""
        return render.profiles_markdown()

    @env.macro
    def ghcr_check_example(args, files=None, status=None):
        """`ghcr-check ARGS` run on files (path -> snippet ID or text), with its real output."""
        return command_output.run_example(build.library, args, files, status)

    @env.macro
    def catalog_table():
        return render.catalog_markdown(load_catalog())

    env.variables["catalog_as_of"] = load_catalog().as_of
    # where ghcr-check is installed from, and the release pages name (one source: ghcr_check/data/project.yml)
    env.variables["project"] = project()
    env.variables["ghcr_check_version"] = __version__


def on_pre_page_macros(env):
    getattr(env, BUILD_ATTRIBUTE).scan_page(env.page.file.src_uri, env.markdown)
