"""MkDocs hooks of the course (loaded through `hooks:` in mkdocs.yml).

on_files serves each snippet rendering as a raw file, the pages made from data (the
rule reference) and the builder's index; on_env, which runs after every page's
Markdown is converted and before any page is written, stops the build if anything
failed. Under `mkdocs serve` nothing stops: each page shows its problems (and the
site-wide ones) in an admonition at its top, and snippets/ and the data folders are
watched, so an edit there rebuilds. The site build they act on is the one the macros
plugin started for this build.
"""
import logging
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

# MkDocs loads hooks by path before any plugin: the project's own packages must be importable.
_PROJECT = str(Path(__file__).resolve().parents[1])
if _PROJECT not in sys.path:
    sys.path.insert(0, _PROJECT)

from macros import BUILD_ATTRIBUTE, builder, render  # noqa: E402
from macros.sitebuild import SiteBuild  # noqa: E402

log = logging.getLogger("mkdocs.plugins.ghcr_course")
# What `mkdocs serve` watches besides docs/ and mkdocs.yml: the sources of the pages' workflows,
# the checker's data (rules, catalog, facts) and the site's own rules.
WATCHED = ("snippets", "ghcr_check/data", "macros/data")
_mode = {"command": "build"}


def _build(config) -> SiteBuild:
    build = getattr(config.plugins.get("macros"), BUILD_ATTRIBUTE, None)
    if build is None:
        raise PluginError("the course's site build has not started: list the macros plugin in mkdocs.yml "
                          "(module_name: macros) before these hooks run")
    return build


def serving() -> bool:
    return _mode["command"] == "serve"


def on_startup(command, dirty):
    _mode["command"] = command


def on_serve(server, config, builder):
    project = Path(config.config_file_path).parent
    for folder in WATCHED:
        if (project / folder).is_dir():
            server.watch(str(project / folder))
    return server


def on_files(files, config):
    build = _build(config)
    for path, text in build.raw_files().items():
        files.append(File.generated(config, path, content=text.encode("utf-8")))
    for path, markdown in build.generated_pages().items():
        files.append(File.generated(config, path, content=markdown))
    try:  # the workflow builder's variant index (macros/builder.py)
        for path, content in builder.generated_files(build, Path(config["docs_dir"])).items():
            files.append(File.generated(config, path, content=content))
    except builder.BuilderError as error:
        raise PluginError(str(error)) from None
    return files


def on_env(env, config, files):
    problems, summary = _build(config).report()
    if serving():
        # The pages show them. Info, not a warning: strict mode would stop the server on a warning,
        # and a server that stopped shows nothing.
        for line in problems:
            log.info(f"problem (shown on its page): {line}")
        return env
    for line in problems:
        log.error(line)
    if problems:
        raise PluginError(f"{len(problems)} problems in the course's workflows; nothing was published. {summary}")
    return env


def on_page_context(context, page, config, nav):
    if serving():
        failures = _build(config).failures_for(page.file.src_uri)
        if failures:
            page.content = render.problems_admonition(failures) + (page.content or "")
    return context


def on_post_build(config):
    _, summary = _build(config).report()
    log.info(summary)
