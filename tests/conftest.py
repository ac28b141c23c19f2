"""Shared fixtures: the project root, a fresh check cache, and the built site."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from support import ROOT, build_site


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Tests never read or fill the user's cache."""
    os.environ["GHCR_CHECK_CACHE"] = str(tmp_path_factory.mktemp("ghcr-check-cache"))
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The course, built once per test session."""
    site = tmp_path_factory.mktemp("site")
    result = build_site(ROOT, site)
    assert result.returncode == 0, result.stdout + result.stderr
    return site


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A copy of the project to break on purpose."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", "site", ".git", ".cache", "__pycache__",
                                                             "test-output", "*.egg-info", ".pytest_cache"))
    return copy


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite tests/golden/*.out from what the checks report now, instead of comparing")


@pytest.fixture(scope="session")
def update_goldens(request) -> bool:
    return request.config.getoption("--update-goldens")


SLOW_FIXTURES = {"built_site", "project_copy"}  # a whole site build, or a copy of the project to build


def pytest_collection_modifyitems(config, items):
    """Browser tests are `browser` and `slow`; a test that builds the site is `slow`."""
    for item in items:
        if "tests/browser/" in item.nodeid or item.nodeid.startswith("browser/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)
        elif SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
