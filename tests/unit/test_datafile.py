"""ghcr_check/datafile.py: the package's data, read with libyaml, means what a YAML 1.2
reader (ruamel.yaml, safe) reads in it. libyaml speaks YAML 1.1, where `on`, `no`,
`0755` or `1_000` mean something else: any such scalar in a data file fails here."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from support import ROOT

from ghcr_check import datafile

DATA_FILES = sorted([*Path(str(datafile.root())).rglob("*.yml"), *(ROOT / "macros" / "data").rglob("*.yml")])


def _yaml12(text: str):
    reader = YAML(typ="safe", pure=True)
    reader.version = (1, 2)
    return reader.load(text)


def test_there_are_data_files():
    names = {p.name for p in DATA_FILES}
    assert {"catalog.yml", "expressions.yml", "registry.yml", "ghcr.yml", "site.yml"} <= names


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_libyaml_reads_each_data_file_as_yaml_1_2_does(path: Path):
    text = path.read_text("utf-8")
    assert datafile.load_text(text) == _yaml12(text)


def test_a_yaml_1_1_scalar_would_be_caught():
    """The comparison above can fail: libyaml reads `on` as true, YAML 1.2 as the string."""
    text = "on: push\nmode: 0755\n"
    assert datafile.load_text(text) != _yaml12(text)


def test_the_packaged_files_are_read_by_name():
    assert datafile.load("registry.yml")["layers"][0]["name"] == "yaml"
    assert datafile.read_text("registry.yml") == (Path(str(datafile.root())) / "registry.yml").read_text("utf-8")


def test_libyaml_is_what_reads_them():
    import yaml

    assert datafile.loader() is yaml.CSafeLoader  # the C reader: the data's speed at start-up


def test_package_data_is_kept_as_json_and_read_back_without_yaml(monkeypatch, tmp_path):
    monkeypatch.setenv("GHCR_CHECK_CACHE", str(tmp_path))
    text = datafile.read_text("registry.yml")
    first = datafile.load_data(text)
    assert [p.suffix for p in (tmp_path / "data").iterdir()] == [".json"]

    def no_yaml(_text):
        raise AssertionError("parsed the YAML again")

    monkeypatch.setattr(datafile, "load_text", no_yaml)
    assert datafile.load_data(text) == first


def test_data_json_cannot_hold_is_not_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("GHCR_CHECK_CACHE", str(tmp_path))
    import datetime

    assert datafile.load_data("as_of: 2026-11-30\n1: one\n") == {"as_of": datetime.date(2026, 11, 30), 1: "one"}
    assert not (tmp_path / "data").exists()


def test_nothing_is_kept_with_the_cache_off(monkeypatch, tmp_path):
    monkeypatch.setenv("GHCR_CHECK_CACHE", "off")
    monkeypatch.chdir(tmp_path)
    assert datafile.load_data("a: 1\n") == {"a": 1}
    assert list(tmp_path.iterdir()) == []


def test_the_class_put_in_for_pyyamls_unused_pattern_matches_the_same_characters():
    import re

    theirs, ours = re.compile(datafile.PYYAML_NON_PRINTABLE), re.compile(datafile.SAME_CLASS)
    differ = [hex(c) for c in range(0x110000) if bool(theirs.match(chr(c))) != bool(ours.match(chr(c)))]
    assert differ == []


def test_pyyaml_gets_the_quick_class_when_the_package_imports_it_first():
    """If PyYAML's pattern or `re`'s cache change, this fails: look again at datafile.pyyaml.
    PyYAML's pure-Python reader, the one that uses the class, still stops at the same character."""
    probe = ("from ghcr_check import datafile\n"
             "yaml = datafile.pyyaml()\n"
             "print(yaml.reader.Reader.NON_PRINTABLE.pattern == datafile.SAME_CLASS)\n"
             "try:\n"
             "    yaml.load('on: push\\nname: a\\x07b\\n', Loader=yaml.SafeLoader)\n"
             "except yaml.reader.ReaderError as error:\n"
             "    print(error.position, error.character)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120,
                            check=True)
    assert result.stdout.split() == ["True", "16", "7"]  # position, code point


def test_new_hash_is_hashlibs_blake2b_of_32_bytes():
    import hashlib

    assert datafile.new_hash(b"ghcr").hexdigest() == hashlib.blake2b(b"ghcr", digest_size=32).hexdigest()
    grown = datafile.new_hash()
    grown.update(b"gh")
    grown.update(b"cr")
    assert grown.hexdigest() == datafile.new_hash(b"ghcr").hexdigest()
