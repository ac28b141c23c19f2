"""macros/snippets.py: what a page's highlight, annotation and excerpt targets name."""
from __future__ import annotations

import textwrap

import pytest

from macros.snippets import locate_target

TEXT = textwrap.dedent("""\
    on: push
    jobs:
      publish:
        runs-on: ubuntu-latest
        permissions:
          contents: read
          packages: write
        steps:
          - uses: actions/checkout
          - name: Log in to ghcr.io
            uses: docker/login-action
          - id: build
            run: |
              docker build .
              docker push x
    """)


@pytest.mark.parametrize("target,lines", [
    (3, (3, 3)),  # a line number
    ("on", (1, 1)),
    ("jobs.publish.permissions", (5, 7)),  # a mapping: its key line to its last line
    ("jobs.publish.permissions.packages", (7, 7)),
    ("steps.build", (12, 15)),  # a step by id, in whichever job has it
    ("steps[Log in to ghcr.io]", (10, 11)),  # by name, in brackets
    ("jobs.publish.steps.0", (9, 9)),  # by index
    ("steps.build.run", (13, 15)),  # a block scalar spans its lines
])
def test_targets(target, lines):
    assert locate_target(TEXT, target) == lines


@pytest.mark.parametrize("target", [0, 99, "jobs.nope", "steps.nope", "jobs.publish.steps.9", "on.push.branches"])
def test_a_target_that_names_nothing_is_none(target):
    assert locate_target(TEXT, target) is None


def test_a_broken_workflow_has_line_numbers_only():
    broken = "on: [push\njobs:\n"
    assert locate_target(broken, 1) == (1, 1)
    assert locate_target(broken, "jobs") is None
