"""The repository publishes itself with the course's own workflows, and they pass its strictest checks."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path

from support import ROOT
from ruamel.yaml import YAML

from ghcr_check import engine
from ghcr_check.catalog import load_catalog
from macros.snippets import PINNED, SnippetLibrary, render

WORKFLOWS = ROOT / ".github" / "workflows"
HOWTO = ROOT / "docs" / "about" / "this-site.md"
BIN = Path(sys.executable).parent


def _sync_script():
    """scripts/sync-workflows as a module (it has no .py suffix: it is a command)."""
    loader = SourceFileLoader("sync_workflows", str(ROOT / "scripts" / "sync-workflows"))
    module = module_from_spec(spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


def _workflow_texts() -> dict[str, str]:
    return {p.relative_to(ROOT).as_posix(): p.read_text("utf-8") for p in sorted(WORKFLOWS.glob("*.yml"))}


def test_the_repository_runs_ci_pages_image_and_catalog_refresh_workflows():
    assert set(_workflow_texts()) == {".github/workflows/ci.yml", ".github/workflows/pages.yml",
                                      ".github/workflows/image.yml", ".github/workflows/refresh-catalog.yml"}


def test_repository_workflows_pass_the_hardened_profile_with_no_finding():
    results = engine.check_batch(_workflow_texts(), profile="hardened", cache=engine.ResultCache(None))
    found = [f"{name}:{f.line}:{f.column}: {f.rule} {f.message}" for name, findings in results.items() for f in findings]
    assert found == [], "\n".join(found)


def test_zizmor_pedantic_and_actionlint_find_nothing_in_github_dir():
    """The external tools, run as a reader would run them; dependabot.yml included for zizmor."""
    files = [str(p) for p in sorted(WORKFLOWS.glob("*.yml"))]
    zizmor = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--no-config", "--persona=pedantic",
         ".github/dependabot.yml", *[os.path.relpath(f, ROOT) for f in files]],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, "ZIZMOR_OFFLINE": "true"},
    )
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr
    assert "No findings" in zizmor.stdout
    actionlint = subprocess.run([str(BIN / "actionlint"), "-shellcheck=", "-pyflakes=", *files],
                                capture_output=True, text=True, timeout=120)
    assert actionlint.returncode == 0, actionlint.stdout + actionlint.stderr


def test_each_workflow_is_its_snippets_pinned_rendering_byte_for_byte():
    sync = _sync_script()
    library = SnippetLibrary(ROOT / "snippets", ROOT)
    catalog = load_catalog()
    covered = set()
    for snippet_id in sync.REPOSITORY_WORKFLOWS:
        snippet = library.get(snippet_id)
        assert snippet is not None, snippet_id
        assert snippet.profile == "hardened", f"{snippet.path} must say '#| profile: hardened'"
        text, problems = render(snippet, catalog, PINNED)
        assert problems == [], problems
        target = ROOT / snippet.meta["file"]
        assert target.read_text("utf-8") == text, f"{target.relative_to(ROOT)} differs from {snippet.path}: run scripts/sync-workflows"
        covered.add(target)
    assert covered == set(WORKFLOWS.glob("*.yml")), "every repository workflow comes from a snippet"


def test_sync_workflows_check_passes_and_rewrites_a_stale_file(tmp_path):
    ok = subprocess.run([sys.executable, str(ROOT / "scripts" / "sync-workflows"), "--check"],
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # in a copy, a stale file is reported by --check and rewritten without it
    copy = tmp_path / "project"
    for part in ("ghcr_check", "macros", "snippets", "scripts", ".github"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
    image = copy / ".github" / "workflows" / "image.yml"
    image.write_text(image.read_text("utf-8").replace("# v", "# old v", 1), "utf-8")
    script = str(copy / "scripts" / "sync-workflows")
    stale = subprocess.run([sys.executable, script, "--check"], capture_output=True, text=True, timeout=120)
    assert stale.returncode == 1 and ".github/workflows/image.yml: out of date" in stale.stdout
    fixed = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=120)
    assert fixed.returncode == 0 and "image.yml: written" in fixed.stdout
    assert image.read_text("utf-8") == (WORKFLOWS / "image.yml").read_text("utf-8")


def test_sync_workflows_rejects_unknown_arguments_without_a_traceback():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "sync-workflows"), "--frobnicate"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "usage: scripts/sync-workflows [--check]" in result.stderr and "Traceback" not in result.stderr


def test_image_workflow_publishes_as_the_course_teaches():
    workflow = YAML(typ="safe").load((WORKFLOWS / "image.yml").read_text("utf-8"))
    assert workflow["permissions"] == {}
    job = workflow["jobs"]["image"]
    steps = {s["uses"].split("@")[0]: s for s in job["steps"] if "uses" in s}
    assert steps["actions/checkout"]["with"]["persist-credentials"] is False
    assert "docker/metadata-action" in steps and "docker/setup-qemu-action" in steps
    build = steps["docker/build-push-action"]["with"]
    assert build["push"] == "${{ github.event_name != 'pull_request' }}", "pull requests build without pushing"
    assert set(build["platforms"].split(",")) == {"linux/amd64", "linux/arm64"}
    assert steps["actions/attest"]["with"]["push-to-registry"] is True
    text = (WORKFLOWS / "image.yml").read_text("utf-8")
    for line in text.splitlines():
        if "uses:" in line:
            assert re.search(r"@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), f"not pinned with a version comment: {line}"
    permission_lines = re.findall(r"^ {6}[a-z-]+: (?:read|write).*$", text, re.MULTILINE)
    assert permission_lines and all(" # " in line for line in permission_lines), "every permission says why"


def test_dependabot_keeps_the_actions_current():
    config = YAML(typ="safe").load((ROOT / ".github" / "dependabot.yml").read_text("utf-8"))
    assert config["version"] == 2
    ecosystems = {u["package-ecosystem"]: u for u in config["updates"]}
    actions = ecosystems["github-actions"]
    assert actions["directory"] == "/" and actions["schedule"]["interval"]
    assert "docker" in ecosystems, "the Dockerfile's base images are kept current too"


def _dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", text)
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip() if " " in line.strip() else "")
            for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_dockerfile_builds_the_checked_site_then_serves_it_as_non_root():
    instructions = _dockerfile_instructions((ROOT / "Dockerfile").read_text("utf-8"))
    stages = [i for i, (op, _) in enumerate(instructions) if op == "FROM"]
    assert len(stages) >= 2, "multi-stage: build the site, then serve it"
    first = " ".join(arg for op, arg in instructions[stages[0]:stages[1]] if op == "RUN")
    assert "pip install" in first and "mkdocs build --strict" in first
    for index in stages:
        image = [w for w in instructions[index][1].split() if not w.startswith("--")][0]
        assert ":" in image.rsplit("/", 1)[-1] or "@sha256:" in image, f"base image without a tag: {image}"
        assert not image.endswith(":latest"), image
    final = instructions[stages[-1]:]
    assert any(op == "COPY" and arg.startswith("--from=") for op, arg in final), "the last stage takes only the built site"
    users = [arg for op, arg in final if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "the image ends as a non-root user"


def test_the_howto_page_shows_the_repositorys_own_files():
    page = HOWTO.read_text("utf-8")
    for snippet_id in _sync_script().REPOSITORY_WORKFLOWS:
        assert f'workflow("{snippet_id}"' in page, snippet_id
    # the Dockerfile and dependabot.yml are not workflows: the page quotes them, so they must match
    for title, path in (("Dockerfile", "Dockerfile"), (".github/dependabot.yml", ".github/dependabot.yml")):
        match = re.search(rf'^```\w+ title="{re.escape(title)}"\n(.*?)^```$', page, re.DOTALL | re.MULTILINE)
        assert match, f"no block titled {title} on {HOWTO.name}"
        assert match[1] == (ROOT / path).read_text("utf-8"), f"{HOWTO.name} quotes an outdated {path}"
