"""macros/__init__.py as Zensical uses it: loaded as a lone file, define_env called with an
environment of Zensical's (a page with .path, no .file), once per page, no hooks."""
from __future__ import annotations

import importlib.util
from types import SimpleNamespace

import pytest
from support import ROOT

pytestmark = pytest.mark.slow  # the first placement checks every snippet of the course


def _lone_module():
    """As Zensical's _load_module does: spec_from_file_location, not an import of the package."""
    spec = importlib.util.spec_from_file_location("macros", ROOT / "macros" / "__init__.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class ZensicalEnv:
    """The parts of zensical.extensions.macros.MacroEnv that define_env uses."""

    def __init__(self, page_path: str):
        self.conf = {"docs_dir": "docs"}
        self.project_dir = str(ROOT)
        self.page = SimpleNamespace(path=page_path, meta={})
        self.variables, self.macros = {}, {}

    def macro(self, function):
        self.macros[function.__name__] = function
        return function


ZensicalEnv.__module__ = "zensical.extensions.macros"


def test_the_lone_file_defines_the_macros_and_places_a_checked_workflow():
    module = _lone_module()
    env = ZensicalEnv("tutorial/first-workflow.md")
    module.define_env(env)
    assert {"workflow", "exercise", "tag_preview", "catalog_table", "profiles"} <= set(env.macros)
    markdown = env.macros["workflow"]("tutorial/publish-minimal")
    assert "publish-minimal" in markdown and "Checked when this page was built" in markdown


def test_every_page_shares_one_site_build():
    module = _lone_module()
    first, second = ZensicalEnv("index.md"), ZensicalEnv("builder.md")
    module.define_env(first)
    _lone_module().define_env(second)
    assert getattr(first, module.BUILD_ATTRIBUTE) is getattr(second, module.BUILD_ATTRIBUTE)


def test_a_failing_placement_raises_where_no_hook_would_stop_the_build():
    module = _lone_module()
    env = ZensicalEnv("tutorial/first-workflow.md")
    module.define_env(env)
    with pytest.raises(RuntimeError, match="D006 no snippet 'tutorial/no-such-snippet'"):
        env.macros["workflow"]("tutorial/no-such-snippet")
