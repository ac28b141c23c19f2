"""ghcr_check/datafile.py: the package's data, read with libyaml, means what a YAML 1.2
reader (ruamel.yaml, safe) reads in it. libyaml speaks YAML 1.1, where `on`, `no`,
`0755` or `1_000` mean something else: any such scalar in a data file fails here."""
from __future__ import annotations

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

    assert datafile._LOADER is yaml.CSafeLoader  # the C reader: the data's speed at start-up
