"""ghcr_check/imageref.py: the OCI reference grammar on strings partly known at check time."""
from __future__ import annotations

import pytest

from ghcr_check import imageref
from ghcr_check.workflow import Piece


def lit(text: str) -> Piece:
    return Piece(text)


def opaque(source: str, mixed_case: bool = False) -> Piece:
    return Piece(source, literal=False, mixed_case=mixed_case, source=source)


@pytest.mark.parametrize("text,domain,path,tag,digest", [
    ("ghcr.io/octo-org/app:1.2.3", "ghcr.io", "octo-org/app", "1.2.3", None),
    ("localhost:5000/app", "localhost:5000", "app", None, None),
    ("octo/app", None, "octo/app", None, None),
    ("ghcr.io/o/app@sha256:" + "a" * 64, "ghcr.io", "o/app", None, "sha256:" + "a" * 64),
    ("ghcr.io/o/app:v1@sha256:" + "b" * 64, "ghcr.io", "o/app", "v1", "sha256:" + "b" * 64),
])
def test_parse(text, domain, path, tag, digest):
    ref = imageref.parse(text)
    assert (ref.domain, ref.path, ref.tag, ref.digest) == (domain, path, tag, digest)


@pytest.mark.parametrize("pieces,registry", [
    ([lit("ghcr.io/octo/app:1")], "ghcr.io"),
    ([lit("GHCR.IO/octo/app")], "ghcr.io"),
    ([lit("octo/app")], "docker.io"),  # no host: Docker Hub
    ([opaque("env.REGISTRY"), lit("/octo/app")], None),  # starts with an expression: unknown
    ([lit("ghcr.io/"), opaque("github.repository")], "ghcr.io"),
])
def test_registry(pieces, registry):
    assert imageref.registry(pieces) == registry


@pytest.mark.parametrize("pieces,why", [
    ([lit("ghcr.io/octo/app:1.0")], None),
    ([lit("ghcr.io/"), opaque("github.repository"), lit(":latest")], None),  # unknown parts are not wrong
    ([lit("ghcr.io/Octo/app")], "repository name must be lowercase"),
    ([lit("ghcr.io/octo//app")], "the repository path has an empty component"),
    ([lit("ghcr.io/octo/app:+1")], "tag '+1' is invalid"),
    ([lit("ghcr.io/octo/app@sha256:xyz")], "digest 'sha256:xyz' is invalid"),
    ([lit("ghcr.io/octo/" + "a" * 300)], "the name is longer than 255 characters"),
    ([lit("ghcr.io/octo/app!")], "'app!' is not a valid path component"),
])
def test_check(pieces, why):
    problem = imageref.check(pieces)
    assert (problem.why if problem else None) == why


def test_the_lowercase_fix_keeps_expressions_and_the_tag():
    problem = imageref.check([lit("ghcr.io/Octo/App:"), opaque("github.sha")])
    assert problem.fix == "write 'ghcr.io/octo/app:${{ github.sha }}'"


def test_a_mixed_case_value_in_the_name_is_found_but_not_in_the_tag():
    owner = opaque("github.repository_owner", mixed_case=True)
    assert imageref.mixed_case_in_name([lit("ghcr.io/"), owner, lit("/app")]) is owner
    assert imageref.mixed_case_in_name([lit("ghcr.io/octo/app:"), owner]) is None


def test_display_writes_expressions_back():
    pieces = [lit("ghcr.io/"), opaque("github.repository"), lit(":"), opaque("$TAG")]
    assert imageref.display(pieces) == "ghcr.io/${{ github.repository }}:$TAG"
