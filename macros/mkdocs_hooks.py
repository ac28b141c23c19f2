"""MkDocs hooks of the course (loaded through `hooks:` in mkdocs.yml).

on_files serves each snippet rendering as a raw file, the pages made from data (the
rule reference) and the builder's index; on_env, which runs after every page is
rendered and before anything is written, stops the build if anything failed.
The site build they act on is the one the macros plugin started for this build.
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

from macros import BUILD_ATTRIBUTE, builder  # noqa: E402
from macros.sitebuild import SiteBuild  # noqa: E402

log = logging.getLogger("mkdocs.plugins.ghcr_course")


def _build(config) -> SiteBuild:
    build = getattr(config.plugins.get("macros"), BUILD_ATTRIBUTE, None)
    if build is None:
        raise PluginError("the course's site build has not started: list the macros plugin in mkdocs.yml "
                          "(module_name: macros) before these hooks run")
    return build


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
    for line in problems:
        log.error(line)
    if problems:
        raise PluginError(f"{len(problems)} problems in the course's workflows; nothing was published. {summary}")
    return env


def on_post_build(config):
    _, summary = _build(config).report()
    log.info(summary)
