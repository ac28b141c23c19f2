"""The package's own data files (data/*.yml), read with libyaml.

The files are plain YAML (no tags, no YAML 1.1-only scalars); tests/unit/test_datafile.py
checks that libyaml reads each exactly as a YAML 1.2 reader does. ruamel.yaml stays out of
the checker's start-up: only --fix (fixes.py) and the course's own edits load it.
"""
from __future__ import annotations

import json
import os
import re
import sys
from functools import lru_cache
from pathlib import Path

try:  # hashlib loads OpenSSL as it is imported, 3 ms of a one-file run; hashlib.blake2b
    from _blake2 import blake2b  # is this same built-in BLAKE2, which loads in a tenth of that
except ImportError:  # an interpreter without it
    from hashlib import blake2b


def new_hash(data: bytes = b""):
    """A hash object (update, hexdigest) for the package's fingerprints and cache keys."""
    return blake2b(data, digest_size=32)


# The package is always files on disk (a wheel installs it so, and pyproject lists the data):
# a path, not importlib.resources, which alone would add a fifth to the command's start-up.
_ROOT = Path(__file__).resolve().parent / "data"


def root() -> Path:
    return _ROOT


def read_text(name: str) -> str:
    return root().joinpath(name).read_text("utf-8")


def load(name: str):
    """A data file of the package, parsed (see load_data)."""
    return load_data(read_text(name))


# PyYAML's pure-Python reader compiles, as PyYAML is imported, a class of every printable
# character up to U+10FFFF: 6 to 8 ms, as long as all other YAML work of a one-file check,
# for a pattern libyaml's parser never uses. Written as the characters it leaves out, the
# same class compiles fifteen times faster; found in `re`'s cache under the original's key,
# it is what PyYAML gets. tests/unit/test_datafile.py checks both match the same characters.
PYYAML_NON_PRINTABLE = "[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]"
SAME_CLASS = "[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uD800-\uDFFF\uFFFE\uFFFF]"


def pyyaml():
    """The yaml module, imported; the package imports PyYAML through here only."""
    if "yaml" not in sys.modules:
        cache = getattr(re, "_cache", None)
        if isinstance(cache, dict):  # re's private cache; without it, PyYAML compiles its own
            cache.setdefault((str, PYYAML_NON_PRINTABLE, 0), re.compile(SAME_CLASS))
    import yaml

    return yaml


@lru_cache(maxsize=1)
def loader():
    """libyaml's safe loader; yaml itself loads only when a text is to be parsed."""
    yaml = pyyaml()
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_text(text: str):
    """Any YAML text, parsed by libyaml; nothing kept."""
    return pyyaml().load(text, Loader=loader())


def cache_root() -> Path | None:
    """Where ghcr-check keeps what it worked out: GHCR_CHECK_CACHE (a folder, or `off` for
    nowhere), else $XDG_CACHE_HOME/ghcr-check, else ~/.cache/ghcr-check."""
    setting = os.environ.get("GHCR_CHECK_CACHE")
    if setting == "off":
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ghcr-check"


def load_data(text: str):
    """The package's data text, parsed: as YAML the first time, then from a JSON copy in the
    cache, keyed by the text (reading JSON costs a tenth of reading the YAML, at every start)."""
    root = cache_root()
    if root is None:
        return load_text(text)
    path = root / "data" / f"{new_hash(text.encode('utf-8')).hexdigest()[:32]}.json"
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        pass
    data = load_text(text)
    try:
        dumped = json.dumps(data)
    except (TypeError, ValueError):  # a value JSON cannot hold (a date)
        return data
    if json.loads(dumped) != data:  # or not as it is (a number as a key)
        return data
    write_atomically(path, dumped)
    return data


def write_atomically(path: Path, text: str) -> None:
    """Write a cache file whole or not at all (never half-written, for a reader running beside);
    a cache that cannot be written is only slower."""
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        try:  # the folder is there but for the first file in it: ask the disk once, not twice
            handle = open(temporary, "w", encoding="utf-8")
        except FileNotFoundError:
            os.makedirs(os.path.dirname(temporary), exist_ok=True)
            handle = open(temporary, "w", encoding="utf-8")
        with handle:
            handle.write(text)
        os.replace(temporary, path)
    except OSError:
        pass
