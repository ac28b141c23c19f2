"""ghcr_check/catalog.py: the action catalog, how it classifies a ref, and `uses:` parsing."""
from __future__ import annotations

import pytest

from ghcr_check.catalog import SHA_RE, load_catalog, parse_uses

CATALOG = load_catalog()
LOGIN = CATALOG.get("docker/login-action")


def test_every_entry_is_complete():
    for entry in CATALOG:
        assert SHA_RE.match(entry.sha), entry.action
        assert entry.newest_tag.startswith(entry.current_major + "."), entry.action
        assert entry.tag_ref in (entry.current_major, entry.newest_tag)
        assert entry.pinned() == f"{entry.sha} # {entry.newest_tag}"
        assert entry.as_of <= CATALOG.as_of


def test_lookup_ignores_case():
    assert CATALOG.get("Docker/Login-Action") is LOGIN
    assert CATALOG.get("docker/no-such-action") is None


def test_the_digest_is_stable_and_short():
    assert load_catalog().digest == CATALOG.digest and len(CATALOG.digest) == 16


@pytest.mark.parametrize("ref,kind,exists", [
    (LOGIN.current_major, "major", True),
    (LOGIN.newest_tag, "release", True),
    (LOGIN.sha, "sha", True),
    ("0" * 40, "sha", None),  # a commit the catalog does not know: unknown, not wrong
    ("4907a6d", "short-sha", None),
    ("main", "other", None),
    ("v99", "major", False),
    ("v1.0.0", "release", True),  # an older major the catalog lists
])
def test_classify(ref, kind, exists):
    info = CATALOG.classify(LOGIN, ref)
    assert (info.kind, info.exists) == (kind, exists)


def test_a_newer_release_of_the_current_major_is_unknown_not_wrong():
    major = LOGIN.current_major_number
    info = CATALOG.classify(LOGIN, f"v{major}.999.0")
    assert info.exists is None and info.why == "newer than catalog"


def test_a_major_without_a_moving_tag_does_not_exist():
    entry = next(e for e in CATALOG if not e.moving_major_tag)
    info = CATALOG.classify(entry, entry.current_major)
    assert info.exists is False and entry.newest_tag in info.why


def test_a_ref_is_classified_once_per_entry_and_an_entry_changed_is_classified_again():
    from ghcr_check.records import replace

    first = CATALOG.classify(LOGIN, "v99")
    assert CATALOG.classify(LOGIN, "v99") is first  # a batch asks for it again and again
    newer = replace(LOGIN, current_major="v99", newest_tag="v99.0.0")  # an entry the catalog never held
    assert (first.exists, CATALOG.classify(newer, "v99").exists) == (False, True)


@pytest.mark.parametrize("value,kind,action,ref", [
    ("actions/checkout@v7", "action", "actions/checkout", "v7"),
    ("github/codeql-action/init@v4", "action", "github/codeql-action/init", "v4"),
    ("actions/checkout", "action", "actions/checkout", ""),
    ("./.github/actions/build", "local", "", ""),
    ("docker://alpine:3.20", "docker", "", ""),
    ("checkout@v7", "invalid", "checkout", "v7"),
    ("actions//checkout@v7", "invalid", "actions//checkout", "v7"),
])
def test_parse_uses(value, kind, action, ref):
    uses = parse_uses(value)
    assert (uses.kind, uses.action, uses.ref) == (kind, action, ref)
