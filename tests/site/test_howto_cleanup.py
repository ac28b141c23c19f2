"""The clean-up workflow on the "delete old versions" page, run against a fake GHCR.

The page promises that the script deletes only untagged versions that no tagged
image lists, and only once they are older than KEEP_DAYS. These tests run the
script exactly as the page shows it (taken from the rendered snippet), with `gh`
and `docker` replaced by small fakes that serve a package's versions and manifests
from a JSON file and record every DELETE.
"""
from __future__ import annotations

import json
import os
import subprocess
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ruamel.yaml import YAML

from support import ROOT

from ghcr_check.catalog import load_catalog
from macros.snippets import TAGS, SnippetLibrary, render

SNIPPET = "how-to/delete-untagged-orphans"
STEP = "Delete untagged versions no tagged image lists"

# Fakes for the two CLIs the script calls; they read $FAKE_GHCR (the package) and log to $FAKE_LOG.
FAKE_GH = textwrap.dedent('''\
    #!/usr/bin/env python3
    import json, os, subprocess, sys
    state = json.load(open(os.environ["FAKE_GHCR"]))
    log = open(os.environ["FAKE_LOG"], "a")
    args = sys.argv[1:]
    assert args[0] == "api", args
    args = args[1:]
    method, jq, paginate, path = "GET", None, False, None
    while args:
        arg = args.pop(0)
        if arg == "--method": method = args.pop(0)
        elif arg == "--jq": jq = args.pop(0)
        elif arg == "--paginate": paginate = True
        elif arg == "--silent": pass
        else: path = arg
    log.write(f"{method} {path}\\n")
    if method == "DELETE":
        base, _, version = path.rpartition("/")
        if base != state["versions_path"]:
            sys.exit(f"gh: HTTP 404: Package not found ({path})")
        state.setdefault("deleted", []).append(int(version))
        json.dump(state, open(os.environ["FAKE_GHCR"], "w"))
        sys.exit(0)
    if path.startswith("/users/") and path.count("/") == 2:
        body = {"login": path.split("/")[2], "type": state["owner_type"]}
    elif path.split("?")[0] == state["versions_path"]:
        assert paginate, "the versions list must be paginated"
        body = state["versions"]
    else:
        sys.exit(f"gh: HTTP 404: Not Found ({path})")
    out = subprocess.run(["jq", "-r", jq or "."], input=json.dumps(body), capture_output=True, text=True, check=True)
    sys.stdout.write(out.stdout)
    ''')

FAKE_DOCKER = textwrap.dedent('''\
    #!/usr/bin/env python3
    import json, os, sys
    state = json.load(open(os.environ["FAKE_GHCR"]))
    args = sys.argv[1:]
    assert args[:4] == ["buildx", "imagetools", "inspect", "--raw"], args
    name, _, digest = args[4].partition("@")
    if name != state["image"] or digest not in state["manifests"]:
        sys.exit(f"ERROR: {args[4]}: not found")
    print(json.dumps(state["manifests"][digest]))
    ''')


def _digest(n: int) -> str:
    return "sha256:" + f"{n:064x}"


def _when(days_ago: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _index(*children: int) -> dict:
    return {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": _digest(c),
                           "size": 500} for c in children]}


def _manifest() -> dict:
    return {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "layers": []}


def _package(owner_type: str = "Organization") -> dict:
    """A package as GHCR lists it: every manifest is a version; only some carry tags."""
    owner_path = "orgs" if owner_type == "Organization" else "users"
    versions = [
        # latest: a two-platform index (10) with its platform and attestation manifests (11-14), all old
        (10, ["latest"], 40), (11, [], 40), (12, [], 40), (13, [], 40), (14, [], 40),
        # the attestation pushed next to it, stored under the referrers fallback tag
        (20, ["sha256-" + "a" * 64], 39), (21, [], 39),
        # a build whose tag moved on: its index and children are unused and old
        (30, [], 60), (31, [], 60), (32, [], 60),
        # an untagged manifest pushed an hour ago: maybe a build still in progress
        (40, [], 1 / 24),
        # a single-manifest image, tagged
        (50, ["v1.0.0"], 90),
    ]
    manifests = {_digest(10): _index(11, 12, 13, 14), _digest(20): _index(21), _digest(30): _index(31, 32),
                 _digest(50): _manifest()}
    return {
        "owner_type": owner_type,
        "image": "ghcr.io/octo-org/app",
        "versions_path": f"/{owner_path}/octo-org/packages/container/app/versions",
        "versions": [{"id": vid, "name": _digest(vid), "created_at": _when(age),
                      "metadata": {"package_type": "container", "container": {"tags": tags}}}
                     for vid, tags, age in versions],
        "manifests": manifests,
    }


def _step() -> tuple[str, dict]:
    """The script and the environment of the clean-up step, as readers download it."""
    snippet = SnippetLibrary(ROOT / "snippets", ROOT).get(SNIPPET)
    assert snippet is not None, f"snippets/{SNIPPET}.yml is gone; update this test with the page"
    text, problems = render(snippet, load_catalog(), TAGS)
    assert not problems
    job = YAML(typ="safe").load(text)["jobs"]["clean"]
    step = next(s for s in job["steps"] if s.get("name") == STEP)
    env = {k: str(v) for k, v in {**job.get("env", {}), **step.get("env", {})}.items() if "${{" not in str(v)}
    return step["run"], env


def _run(tmp_path: Path, package: dict, **env) -> tuple[subprocess.CompletedProcess, dict, list[str]]:
    script, defaults = _step()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("gh", FAKE_GH), ("docker", FAKE_DOCKER)):
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    state, log = tmp_path / "ghcr.json", tmp_path / "calls.log"
    state.write_text(json.dumps(package))
    log.touch()
    work = tmp_path / "work"
    work.mkdir()
    result = subprocess.run(
        ["bash", "-e", "-c", script], cwd=work, capture_output=True, text=True, timeout=60,
        env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path),
             "GITHUB_REPOSITORY": "Octo-Org/App", "GITHUB_REPOSITORY_OWNER": "Octo-Org",
             "FAKE_GHCR": str(state), "FAKE_LOG": str(log), **defaults, **env},
    )
    return result, json.loads(state.read_text()), log.read_text().splitlines()


def test_the_page_ships_a_dry_run_that_keeps_a_week():
    _, env = _step()
    assert env["DRY_RUN"] == "true"
    assert env["KEEP_DAYS"] == "7"


def test_a_dry_run_lists_what_it_would_delete_and_deletes_nothing(tmp_path):
    result, state, calls = _run(tmp_path, _package())
    assert result.returncode == 0, result.stderr
    assert "deleted" not in state
    assert not [c for c in calls if c.startswith("DELETE")]
    listed = sorted(line.split("(version ")[1].split(",")[0] for line in result.stdout.splitlines())
    assert listed == ["30", "31", "32"], result.stdout


def test_only_old_unused_untagged_versions_are_deleted(tmp_path):
    result, state, _ = _run(tmp_path, _package(), DRY_RUN="false")
    assert result.returncode == 0, result.stderr
    # kept: tagged indexes and everything they list (platforms, attestations, referrers), and recent pushes
    assert sorted(state["deleted"]) == [30, 31, 32]


def test_a_personal_account_uses_the_users_endpoints(tmp_path):
    result, state, calls = _run(tmp_path, _package("User"), DRY_RUN="false")
    assert result.returncode == 0, result.stderr
    assert sorted(state["deleted"]) == [30, 31, 32]
    assert all("/orgs/" not in c for c in calls)


def test_keep_days_protects_recent_versions(tmp_path):
    result, state, _ = _run(tmp_path, _package(), DRY_RUN="false", KEEP_DAYS="0")
    assert result.returncode == 0, result.stderr
    assert sorted(state["deleted"]) == [30, 31, 32, 40]


def test_a_manifest_that_cannot_be_read_stops_the_run_before_any_delete(tmp_path):
    package = _package()
    del package["manifests"][_digest(10)]  # the registry fails to serve the latest index
    result, state, calls = _run(tmp_path, package, DRY_RUN="false")
    assert result.returncode != 0
    assert "deleted" not in state
    assert not [c for c in calls if c.startswith("DELETE")]


def test_a_tag_moved_since_the_last_run_frees_the_old_image(tmp_path):
    package = _package()
    for version in package["versions"]:
        if version["id"] == 10:
            version["metadata"]["container"]["tags"] = []  # latest now points elsewhere
    result, state, _ = _run(tmp_path, package, DRY_RUN="false")
    assert result.returncode == 0, result.stderr
    assert sorted(state["deleted"]) == [10, 11, 12, 13, 14, 30, 31, 32]
