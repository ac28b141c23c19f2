"""MkDocs hooks of the course (loaded through `hooks:` in mkdocs.yml).

on_files serves each snippet rendering as a raw file, the pages made from data (the
rule reference) and the builder's index; on_env, which runs after every page is
rendered and before anything is written, stops the build if anything failed.
"""
import logging
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from macros import builder, sitebuild

log = logging.getLogger("mkdocs.plugins.ghcr_course")


def on_files(files, config):
    build = sitebuild.current()
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
    problems, summary = sitebuild.current().report()
    for line in problems:
        log.error(line)
    if problems:
        raise PluginError(f"{len(problems)} problems in the course's workflows; nothing was published. {summary}")
    return env


def on_post_build(config):
    _, summary = sitebuild.current().report()
    log.info(summary)
