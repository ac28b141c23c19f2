"""The package's own data files (data/*.yml), read with libyaml.

The files are plain YAML (no tags, no YAML 1.1-only scalars); tests/unit/test_datafile.py
checks that libyaml reads each exactly as a YAML 1.2 reader does. ruamel.yaml stays out of
the checker's start-up: only --fix (fixes.py) and the course's own edits load it.
"""
from __future__ import annotations

from pathlib import Path

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# The package is always files on disk (a wheel installs it so, and pyproject lists the data):
# a path, not importlib.resources, which alone would add a fifth to the command's start-up.
_ROOT = Path(__file__).resolve().parent / "data"


def root() -> Path:
    return _ROOT


def read_text(name: str) -> str:
    return root().joinpath(name).read_text("utf-8")


def load(name: str):
    return yaml.load(read_text(name), Loader=_LOADER)


def load_text(text: str):
    return yaml.load(text, Loader=_LOADER)
