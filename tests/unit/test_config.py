"""Settings in pyproject.toml or .github/ghcr-check.yml: found upward from the checked
file, validated with the file and line of a wrong key."""
from __future__ import annotations

from pathlib import Path

import pytest

from ghcr_check import config

PYPROJECT = """\
[project]
name = "demo"

[tool.ghcr-check]
profile = "hardened"
ignore = ["Z005"]
raise = ["A002"]
repository = "Octo-Org/hello-world"

[tool.ghcr-check.per-path-ignores]
".github/workflows/legacy-*.yml" = ["A0"]
"""


def repo(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    path = tmp_path / name
    path.write_text(text)
    return tmp_path / ".github" / "workflows"


def test_pyproject_settings_are_found_from_a_workflow(tmp_path):
    folder = repo(tmp_path, "pyproject.toml", PYPROJECT)
    settings = config.discover(str(folder / "publish.yml"))
    assert settings.path == tmp_path / "pyproject.toml" and settings.profile == "hardened"
    assert settings.context() == {"repository": "Octo-Org/hello-world"}
    assert settings.ignored("Z005", str(folder / "publish.yml")) and not settings.ignored("A002", str(folder / "x.yml"))
    assert settings.ignored("A002", str(folder / "legacy-build.yml"))
    assert settings.raised("A002") and not settings.raised("A001")


def test_yaml_settings_are_found_and_a_pyproject_without_the_table_is_skipped(tmp_path):
    folder = repo(tmp_path, ".github/ghcr-check.yml", "profile: default\nignore: [G015]\n")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    settings = config.discover(str(folder / "a.yml"))
    assert settings.path == tmp_path / ".github" / "ghcr-check.yml" and settings.ignore == ("G015",)
    assert settings.base == tmp_path


def test_no_settings_anywhere_is_the_default(tmp_path):
    assert config.discover(str(tmp_path / "a.yml")).path is None


@pytest.mark.parametrize("name,text,line,words", [
    ("pyproject.toml", PYPROJECT.replace('raise = ["A002"]', 'rasie = ["A002"]'), 7, "unknown key 'rasie'"),
    ("pyproject.toml", PYPROJECT.replace('"A0"', '"Q1"'), 11, "'Q1'"),
    ("pyproject.toml", PYPROJECT.replace('"hardened"', '"strict"'), 5, "profile must be one of"),
    (".github/ghcr-check.yml", "profile: default\n\nignores: [G015]\n", 3, "unknown key 'ignores'"),
    (".github/ghcr-check.yml", "per-path-ignores:\n  a.yml: [G015]\n  b.yml: [NOPE]\n", 3, "'NOPE'"),
    (".github/ghcr-check.yml", "repository: just-a-name\n", 1, "owner/name"),
])
def test_a_wrong_setting_names_the_file_and_line(tmp_path, name, text, line, words):
    folder = repo(tmp_path, name, text)
    with pytest.raises(config.ConfigError) as error:
        config.discover(str(folder / "a.yml"))
    assert str(error.value).startswith(f"{tmp_path / name}:{line}: ") and words in str(error.value)


def test_both_kinds_in_one_folder_is_an_error(tmp_path):
    repo(tmp_path, "pyproject.toml", PYPROJECT)
    (tmp_path / ".github" / "ghcr-check.yml").write_text("profile: default\n")
    with pytest.raises(config.ConfigError, match="keep one"):
        config.discover(str(tmp_path / ".github" / "workflows" / "a.yml"))
