"""ghcr-check: checks GitHub Actions workflows that publish container images to ghcr.io.

The engine (engine.py) runs the layers (yamldoc, checks/) over workflow texts; rules,
the action catalog and the expression facts are data (data/). The command line is
cli.py; the tag preview is preview/. Nothing here imports MkDocs or the course.
"""


def __getattr__(name: str):
    # importlib.metadata costs a tenth of the command's start-up: only for those who ask
    if name == "__version__":
        from importlib import metadata

        try:
            return metadata.version("ghcr-check")
        except metadata.PackageNotFoundError:  # run from a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module 'ghcr_check' has no attribute {name!r}")
