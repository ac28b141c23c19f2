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
from ghcr_check.rules import project as project_data  # noqa: E402
from macros import render, sitebuild  # noqa: E402
from macros.tag_preview import place as place_tag_preview  # noqa: E402

BUILD_ATTRIBUTE = "course_build"


def _page_uri(env) -> str:
    """The page's path under docs/: MkDocs gives page.file.src_uri, Zensical page.path."""
    file = getattr(env.page, "file", None)
    return file.src_uri if file is not None else str(env.page.path).replace("\\", "/")


def _zensical(env) -> bool:
    return type(env).__module__.split(".")[0] == "zensical"


class CourseCheckFailed(RuntimeError):
    """A placement failed where no hook stops the build at the end (Zensical runs no MkDocs hooks)."""


def _stopping(env, build: sitebuild.SiteBuild, place) -> str:
    """The macro's Markdown; under Zensical, an exception instead when the placement failed a
    check, which `on_error_fail: true` turns into a stopped build."""
    before = len(build.failures)
    markdown = place()
    if _zensical(env) and len(build.failures) > before:
        raise CourseCheckFailed("; ".join(failure.line() for failure in build.failures[before:]))
    return markdown


def _site_build(env) -> sitebuild.SiteBuild:
    """MkDocs calls define_env once per build, on the plugin instance it keeps for that build
    (each `mkdocs serve` rebuild too). Zensical calls it for every page, on a fresh
    environment: there the process keeps one build, or every page would check every snippet."""
    project, docs_dir = Path(env.project_dir), Path(env.conf["docs_dir"]).name
    if _zensical(env):
        return sitebuild.shared_build(project, docs_dir)
    sitebuild.refresh_data(project)  # under mkdocs serve: an edited rule or catalog counts
    return sitebuild.SiteBuild(project, docs_dir)


def define_env(env):
    build = _site_build(env)
    setattr(env, BUILD_ATTRIBUTE, build)

    @env.macro
    def workflow(snippet_id, highlight=(), annotate=None, renderings=None, excerpt=None):
        """Place a checked snippet: tabs (tags, pinned), highlights, annotations, download, check note."""
        return _stopping(env, build, lambda: build.place(snippet_id, _page_uri(env), highlight, annotate,
                                                         renderings, excerpt))

    @env.macro
    def exercise(snippet_id, question, answer):
        """A "find the bug" exercise whose broken workflow must raise exactly the rule it expects."""
        return _stopping(env, build, lambda: build.place_exercise(snippet_id, _page_uri(env), question, answer))

    @env.macro
    def tag_preview(snippet_id, events=None, context=None):
        """A table under a snippet: each event, and the image references it pushes (computed, not written)."""
        return _stopping(env, build, lambda: place_tag_preview(build, snippet_id, _page_uri(env), events, context))

    @env.macro
    def profiles():
        """The --profile choices, each with the one description the registry gives it."""
        return render.profiles_markdown()

    @env.macro
    def fact(fact_id):
        """A version- or date-dependent statement from macros/data/facts.yml; its source goes to the page's foot."""
        return _stopping(env, build, lambda: build.place_fact(fact_id, _page_uri(env)))

    @env.macro
    def error(fact_id):
        """An error text from macros/data/facts.yml, with the tool (and version) that prints it."""
        return _stopping(env, build, lambda: build.place_fact(fact_id, _page_uri(env), as_error=True))

    @env.macro
    def ghcr_check_example(args, files=None, status=None):
        """`ghcr-check ARGS` run on files (path -> snippet ID or text), with its real output."""
        return _stopping(env, build, lambda: build.place_command_example(_page_uri(env), args, files, status))

    @env.macro
    def catalog_table():
        return render.catalog_markdown(load_catalog())

    env.variables["catalog_as_of"] = load_catalog().as_of
    # where ghcr-check is installed from, and the release pages name (one source: ghcr_check/data/project.yml)
    env.variables["project"] = project_data()
    env.variables["ghcr_check_version"] = __version__


def on_pre_page_macros(env):
    getattr(env, BUILD_ATTRIBUTE).scan_page(_page_uri(env), env.markdown)


def on_post_page_macros(env):
    """A page's sources at its foot, from the facts it placed."""
    env.markdown += getattr(env, BUILD_ATTRIBUTE).sources(_page_uri(env))
