"""ghcr_check/workflow.py: jobs, steps, permissions, and strings resolved through env and $GITHUB_ENV."""
from __future__ import annotations

import textwrap

from ghcr_check import yamldoc
from ghcr_check.workflow import ALL_SCOPES, Workflow, parse_permissions, resolve_shell, shell_commands

TEXT = textwrap.dedent("""\
    on: push
    permissions:
      contents: read
    env:
      REGISTRY: ghcr.io
    jobs:
      build:
        runs-on: ubuntu-latest
        permissions:
          packages: write
        env:
          IMAGE: ${{ env.REGISTRY }}/${{ github.repository_owner }}/app
        steps:
          - id: name
            run: echo "LOWER=${GITHUB_REPOSITORY,,}" >> "$GITHUB_ENV"
          - uses: docker/login-action
            with:
              registry: ghcr.io
          - run: docker push "$IMAGE" && echo done
      other:
        runs-on: ubuntu-latest
        steps: []
      broken: not a job
    """)


def workflow(text: str = TEXT) -> Workflow:
    doc, findings = yamldoc.load(text)
    assert findings == []
    return Workflow(doc)


def test_jobs_and_steps_are_read_in_order_and_non_jobs_skipped():
    wf = workflow()
    assert [job.id for job in wf.jobs] == ["build", "other"]
    build = wf.jobs[0]
    assert [step.index for step in build.steps] == [0, 1, 2]
    assert build.step_by_id("name") is build.steps[0]
    assert build.steps[1].is_action("docker/login-action")
    assert build.steps[1].with_ == {"registry": "ghcr.io"}


def test_positions_are_one_based():
    wf = workflow()
    assert wf.jobs[0].position == (7, 3)
    assert wf.jobs[0].permissions_position() == (9, 5)
    assert wf.locate("docker push", (1, 1)) == (19, 14)
    assert wf.locate("nowhere", (3, 2)) == (3, 2)


def test_permissions_job_block_wins_and_leaves_the_rest_none():
    build, other = workflow().jobs
    granted, where = build.effective_permissions()
    assert where == "job" and granted["packages"] == "write" and granted["contents"] == "none"
    granted, where = other.effective_permissions()
    assert where == "workflow" and granted["contents"] == "read" and granted["packages"] == "none"


def test_no_permissions_block_is_the_repository_default():
    wf = workflow("on: push\njobs:\n  a:\n    runs-on: x\n    steps: []\n")
    assert wf.jobs[0].effective_permissions() == (None, "default")


def test_parse_permissions_shorthands():
    assert set(parse_permissions("write-all").values()) == {"write"}
    assert set(parse_permissions("read-all").values()) == {"read"}
    assert set(parse_permissions({}).values()) == {"none"}
    assert set(parse_permissions(None)) == set(ALL_SCOPES)


def test_env_resolves_through_scopes_and_keeps_owner_capitals_opaque():
    wf = workflow()
    build = wf.jobs[0]
    pieces = wf.resolve("${{ env.IMAGE }}:1", build, build.steps[2])
    assert [p.text for p in pieces if p.literal] == ["ghcr.io/", "/app:1"]
    owner = next(p for p in pieces if not p.literal)
    assert owner.mixed_case and owner.source == "github.repository_owner"


def test_github_env_writes_reach_later_steps_lowercased():
    wf = workflow()
    build = wf.jobs[0]
    assert build.github_env_before(2) == {"LOWER": "${GITHUB_REPOSITORY,,}"}
    pieces = wf.resolve_word("$LOWER", build, build.steps[2])
    assert len(pieces) == 1 and not pieces[0].literal and not pieces[0].mixed_case


def test_shell_words():
    assert shell_commands('docker push "$IMAGE" && echo "${{ a || b }}"') == [
        ["docker", "push", "$IMAGE"], ["echo", "${{ a || b }}"]]
    assert shell_commands("echo 'unbalanced") == []
    upper, = [p for p in resolve_shell("$GITHUB_REPOSITORY") if not p.literal]
    lower, = [p for p in resolve_shell("${GITHUB_REPOSITORY,,}") if not p.literal]
    assert upper.mixed_case and not lower.mixed_case
