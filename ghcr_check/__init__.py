"""ghcr-check: checks GitHub Actions workflows that publish container images to ghcr.io.

The engine (engine.py) runs the layers (yamldoc, checks/) over workflow texts; rules,
the action catalog and the expression facts are data (data/). The command line is
cli.py; the tag preview is preview/. Nothing here imports MkDocs or the course.
"""
from importlib import metadata

try:
    __version__ = metadata.version("ghcr-check")
except metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
