"""Tag preview: metadata-action's evaluation, the workflow walk, the command line, the macro.

The metadata-action cases are our own transcription of inputs and expected outputs
from docker/metadata-action's tests (__tests__/meta.test.ts, named by their case id)
and README tables; where a case mixed in a rule outside the previewed subset
(type=match, type=pep440) the note says what was dropped and why the output is
unchanged.
"""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import markdown
import pytest

from ghcr_check.preview import metadata as mt
from ghcr_check import preview as pv
from macros import tag_preview
from macros.sitebuild import SiteBuild

UTC = dt.timezone.utc
CLOCK = dt.datetime(2020, 1, 10, 0, 30, tzinfo=UTC)  # the clock metadata-action's tests freeze
SHA_DEV = "860c1904a1ce19322e91ac35af1ab07466440c37"
SHA_MASTER = "266574110acf203503badf966df2ea24b5d732d7"
SHA_PR = "a9c8c5828b91be19d9728548b24759e352367ef1"
GHCR_CHECK = Path(sys.executable).parent / "ghcr-check"


def run_ctx(event, ref, sha, base_ref=""):
    return mt.MetaContext(event, ref, sha, "master", base_ref, CLOCK)


# The fixtures of metadata-action's tests: event, ref, commit (default branch master).
RUNS = {
    "push_dev": run_ctx("push", "refs/heads/dev", SHA_DEV),
    "push_master": run_ctx("push", "refs/heads/master", SHA_MASTER),
    "dispatch_master": run_ctx("workflow_dispatch", "refs/heads/master", SHA_DEV),
    "tag_v1.1.1": run_ctx("push", "refs/tags/v1.1.1", SHA_DEV, "master"),
    "tag_beta": run_ctx("push", "refs/tags/v2.0.8-beta.67", SHA_DEV),
    "tag_sometag": run_ctx("push", "refs/tags/sometag", SHA_DEV),
    "tag_release1": run_ctx("push", "refs/tags/release1", SHA_DEV),
    "tag_rc_date": run_ctx("push", "refs/tags/20200110-RC2", SHA_DEV),
    "pr_15": run_ctx("pull_request", "refs/pull/15/merge", SHA_PR, "master"),
    "schedule": run_ctx("schedule", "refs/heads/master", SHA_DEV),
    "empty": run_ctx("", "", ""),
}
TWO = ["org/app", "ghcr.io/user/app"]


def both(*tags):
    return [f"org/app:{t}" for t in tags] + [f"ghcr.io/user/app:{t}" for t in tags]


# (case, run, images, tags, flavor, expected tags output)
METADATA_CASES = [
    ("null02", "empty", ["user/app"], ["type=sha", "type=raw,{{branch}}"], [], []),
    ("push01", "push_dev", ["user/app"], [], [], ["user/app:dev"]),
    ("push02", "push_master", ["user/app"], ["type=edge"], [], ["user/app:edge"]),
    ("push03", "push_master", ["user/app"], [], [], ["user/app:master"]),
    ("push04", "dispatch_master", ["user/app"], ["type=edge"], [], ["user/app:edge"]),
    ("push05", "push_dev", TWO, [], [], both("dev")),
    ("push06", "push_master", TWO, ["type=edge"], [], both("edge")),
    ("push07", "push_dev", TWO, ["type=ref,event=branch", "type=sha"], [],
     ["org/app:dev", "org/app:sha-860c190", "ghcr.io/user/app:dev", "ghcr.io/user/app:sha-860c190"]),
    ("push08", "push_master", TWO, ["type=edge", "type=sha"], [],
     ["org/app:edge", "org/app:sha-2665741", "ghcr.io/user/app:edge", "ghcr.io/user/app:sha-2665741"]),
    ("push09", "push_dev", TWO, ["type=edge,branch=dev", "type=sha"], [],
     ["org/app:edge", "org/app:sha-860c190", "ghcr.io/user/app:edge", "ghcr.io/user/app:sha-860c190"]),
    ("push10", "push_master", TWO, ["type=edge,branch=dev", "type=sha"], [], both("sha-2665741")),
    ("push13", "push_master", ["user/app"], ["type=ref,priority=2000,event=branch", "type=edge"], [],
     ["user/app:master", "user/app:edge"]),
    # push14 without its type=pep440 line, which yields the same 1.2.3 (deduplicated)
    ("push14", "push_master", ["user/app"], ["type=semver,pattern={{version}},value=v1.2.3", "type=edge"], [],
     ["user/app:1.2.3", "user/app:edge", "user/app:latest"]),
    ("push16", "push_master", ["user/app"], ["type=match,enable=false,pattern=v(.*),group=1,value=v1.2.3", "type=edge"],
     [], ["user/app:edge"]),
    ("push17", "push_master", ["user/app"], [
        "type=raw,value=mytag-{{branch}}",
        "type=raw,value=mytag-{{date 'YYYYMMDD'}}",
        "type=raw,value=mytag-cd-{{commit_date 'YYYYMMDD'}}",
        "type=raw,value=mytag-{{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}",
        "type=raw,value=mytag-tag-{{tag}}",
        "type=raw,value=mytag-baseref-{{base_ref}}",
        "type=raw,value=mytag-defbranch,enable={{is_default_branch}}",
    ], [], ["user/app:mytag-master", "user/app:mytag-20200110", "user/app:mytag-cd-20200110",
            "user/app:mytag-20200110-093000", "user/app:mytag-tag-", "user/app:mytag-baseref-",
            "user/app:mytag-defbranch"]),
    ("push18", "push_dev", TWO, ["type=ref,event=branch", "type=sha,format=long"], [],
     [f"org/app:dev", f"org/app:sha-{SHA_DEV}", "ghcr.io/user/app:dev", f"ghcr.io/user/app:sha-{SHA_DEV}"]),
    ("push19", "push_dev", TWO, ["type=edge,branch=master", "type=ref,event=branch,enable=false",
                                 "type=sha,format=long", "type=raw,value=defbranch,enable={{is_default_branch}}"],
     [], both(f"sha-{SHA_DEV}")),
    ("push20", "push_dev", ["org/app", "ghcr.io/user/app,enable=false"],
     ["type=edge,branch=master", "type=ref,event=branch,enable=false", "type=sha,format=long"], [],
     [f"org/app:sha-{SHA_DEV}"]),
    ("push21", "push_master", [], ["type=raw,value=mytag-{{branch}}", "type=raw,value=mytag-tag-{{tag}}",
                                   "type=raw,value=mytag-defbranch,enable={{is_default_branch}}"], [],
     ["mytag-master", "mytag-tag-", "mytag-defbranch"]),
    ("tag01", "tag_release1", ["user/app"], [], [], ["user/app:release1", "user/app:latest"]),
    ("tag02", "tag_rc_date", ["user/app"], [], [], ["user/app:20200110-RC2", "user/app:latest"]),
    ("tag11", "tag_v1.1.1", TWO, ["type=semver,pattern={{version}}", "type=semver,pattern={{major}}.{{minor}}",
                                  "type=semver,pattern={{major}}"], [], both("1.1.1", "1.1", "1", "latest")),
    ("tag12", "tag_v1.1.1", TWO, ["type=semver,pattern={{version}}",
                                  "type=semver,pattern={{major}}.{{minor}}.{{patch}}"], [], both("1.1.1", "latest")),
    ("tag13", "tag_beta", TWO, ["type=semver,pattern={{major}}.{{minor}}", "type=semver,pattern={{major}}"], [],
     both("2.0.8-beta.67")),
    ("tag14", "tag_sometag", ["ghcr.io/user/app"], ["type=ref,event=tag", "type=semver,pattern={{version}}",
                                                    "type=semver,pattern={{major}}.{{minor}}",
                                                    "type=semver,pattern={{major}}"], ["latest=false"],
     ["ghcr.io/user/app:sometag"]),
    ("tag16", "tag_v1.1.1", TWO, ["type=raw,priority=2000,foo", "type=ref,event=tag", "type=edge"], [],
     both("foo", "v1.1.1")),
    ("tag20", "tag_v1.1.1", TWO, ["type=raw,{{tag}}-{{sha}}-foo", "type=raw,{{base_ref}}-foo",
                                  "type=raw,defbranch-foo,enable={{is_default_branch}}"], [],
     both("v1.1.1-860c190-foo", "master-foo")),
    ("tag21", "tag_v1.1.1", TWO, ["type=semver,pattern={{version}}",
                                  "type=semver,pattern={{major}}.{{minor}}.{{patch}}"],
     ["suffix=-dev,onlatest=true"], both("1.1.1-dev", "latest-dev")),
    ("tag22", "tag_v1.1.1", TWO, ["type=semver,pattern={{version}}",
                                  "type=semver,pattern={{major}}.{{minor}}.{{patch}}"],
     ["prefix=foo-,onlatest=true", "suffix=-dev,onlatest=true"], both("foo-1.1.1-dev", "foo-latest-dev")),
    ("tag31", "tag_beta", TWO, ["type=semver,pattern={{raw}}"], [], both("v2.0.8-beta.67")),
    ("latest05", "tag_v1.1.1", TWO, [], [], both("v1.1.1", "latest")),
    ("latest07", "tag_v1.1.1", TWO, ["type=ref,event=tag"], ["latest=false"], both("v1.1.1")),
    ("latest08", "tag_v1.1.1", ["org/app", "ghcr.io/MyUSER/MyApp"], ["type=ref,event=tag"], ["latest=false"],
     ["org/app:v1.1.1", "ghcr.io/myuser/myapp:v1.1.1"]),
    ("pr01", "pr_15", ["user/app"], [], [], ["user/app:pr-15"]),
    ("pr02", "pr_15", TWO, [], [], both("pr-15")),
    ("pr03", "pr_15", TWO, ["type=ref,event=pr", "type=sha"], [], both("pr-15", "sha-a9c8c58")),
    ("pr04", "pr_15", TWO, ["type=sha,priority=2000", "type=ref,event=pr"], [], both("sha-a9c8c58", "pr-15")),
    ("pr05", "pr_15", TWO, ["type=ref,event=pr"], ["prefix=glo-", "suffix=-bal"], both("pr-15-bal")),
    ("pr06", "pr_15", TWO, ["type=ref,event=pr,prefix="], ["prefix=glo-", "suffix=-bal"], both("15-bal")),
    # pr09 ran on pull_request_target; the same rules on pull_request give the same tags
    ("pr09", "pr_15", ["org/app"], ["type=ref,event=tag", "type=ref,event=pr", "type=ref,event=branch", "type=sha",
                                    "type=sha,format=long"], [],
     ["org/app:pr-15", "org/app:sha-a9c8c58", f"org/app:sha-{SHA_PR}"]),
    ("pr11", "pr_15", ["org/app"], ["type=raw,value=mytag-{{base_ref}}",
                                    "type=raw,mytag-defbranch,enable={{is_default_branch}}"], [],
     ["org/app:mytag-master"]),
    ("schedule01", "schedule", ["user/app"], [], [], ["user/app:nightly", "user/app:master"]),
    ("schedule02", "schedule", ["user/app"], ["type=schedule,pattern={{date 'YYYYMMDD'}}",
                                              "type=schedule,pattern=source-date-{{commit_date 'YYYY-MM-DD'}}"], [],
     ["user/app:20200110", "user/app:source-date-2020-01-10"]),
    ("schedule03", "schedule", ["user/app"], ["type=schedule,pattern={{date 'YYYYMMDD-HHmmss'}}"], [],
     ["user/app:20200110-003000"]),
    ("schedule04", "schedule", TWO, [], [], both("nightly", "master")),
    ("schedule05", "schedule", TWO, ["type=schedule", "type=sha"], [], both("nightly", "sha-860c190")),
    ("schedule06", "schedule", TWO, ["type=schedule", "type=sha,priority=2000",
                                     "type=raw,value=defbranch,enable={{is_default_branch}}"], [],
     both("sha-860c190", "nightly", "defbranch")),
    ("schedule07", "schedule", TWO, ["type=schedule"], ["prefix=glo-", "suffix=-bal"], both("glo-nightly-bal")),
    ("schedule08", "schedule", ["user/app"], [
        "type=schedule,pattern={{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}",
        "type=schedule,pattern=src-{{commit_date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}"], [],
     ["user/app:20200110-093000", "user/app:src-20200110-093000"]),
    ("raw01", "push_dev", ["user/app"], ["type=ref,event=branch", "type=raw,my", "type=raw,custom", "type=raw,tags"], [],
     ["user/app:dev", "user/app:my", "user/app:custom", "user/app:tags"]),
    ("raw03", "tag_release1", ["user/app"], ["type=ref,event=tag", "type=raw,my", "type=raw,custom", "type=raw,tags"],
     [], ["user/app:release1", "user/app:my", "user/app:custom", "user/app:tags", "user/app:latest"]),
    ("raw05", "tag_v1.1.1", TWO, ["type=semver,pattern={{version}}", "type=semver,pattern={{major}}.{{minor}}",
                                  "type=semver,pattern={{major}}", "type=raw,my", "type=raw,custom", "type=raw,tags"],
     [], both("1.1.1", "1.1", "1", "my", "custom", "tags", "latest")),
    ("raw06", "tag_v1.1.1", TWO, ["type=raw,my", "type=raw,custom", "type=raw,tags"], [], both("my", "custom", "tags")),
    ("raw07", "push_dev", ["user/app"], ["type=ref,priority=90,event=branch", "type=raw,my", "type=raw,custom",
                                         "type=raw,tags"], ["latest=true"],
     ["user/app:my", "user/app:custom", "user/app:tags", "user/app:dev", "user/app:latest"]),
    # raw09 without its type=match line, which matches nothing on a branch push
    ("raw09", "push_dev", ["user/app"], ["type=raw,my,prefix=foo-,suffix=-bar", "type=raw,custom", "type=raw,tags"],
     ["latest=false", "prefix=glo-", "suffix=-bal"],
     ["user/app:foo-my-bar", "user/app:glo-custom-bal", "user/app:glo-tags-bal"]),
    ("raw10", "push_dev", ["user/app"], ["type=raw,foo", "type=raw,bar,enable=false", "type=raw,baz,enable=true"],
     ["latest=false"], ["user/app:foo", "user/app:baz"]),
    # README "Basic" table: the default rules
    ("readme-basic-branch", "push_dev", ["name/app"], [], [], ["name/app:dev"]),
    ("readme-basic-prerelease", "tag_beta", ["name/app"], [], [], ["name/app:v2.0.8-beta.67", "name/app:latest"]),
    # README "Semver" table
    ("readme-semver-release", "tag_v1.1.1", ["name/app"],
     ["type=ref,event=branch", "type=ref,event=pr", "type=semver,pattern={{version}}",
      "type=semver,pattern={{major}}.{{minor}}"], [], ["name/app:1.1.1", "name/app:1.1", "name/app:latest"]),
    ("readme-semver-prerelease", "tag_beta", ["name/app"],
     ["type=ref,event=branch", "type=ref,event=pr", "type=semver,pattern={{version}}",
      "type=semver,pattern={{major}}.{{minor}}"], [], ["name/app:2.0.8-beta.67"]),
    ("readme-images-csv", "push_dev", ["name/app,ghcr.io/name/app"], [], [], ["name/app:dev", "ghcr.io/name/app:dev"]),
]


@pytest.mark.parametrize("case,run,images,tags,flavor,expected", METADATA_CASES, ids=[c[0] for c in METADATA_CASES])
def test_metadata_action_cases(case, run, images, tags, flavor, expected):
    result = mt.compute("\n".join(images), "\n".join(tags), "\n".join(flavor), RUNS[run])
    assert result.tags == expected


@pytest.mark.parametrize("ref,pattern,expected", [
    # README, type=semver table
    ("refs/tags/v1.2.3", "{{raw}}", "v1.2.3"),
    ("refs/tags/v1.2.3", "{{version}}", "1.2.3"),
    ("refs/tags/v1.2.3", "{{major}}.{{minor}}", "1.2"),
    ("refs/tags/v1.2.3", "v{{major}}", "v1"),
    ("refs/tags/v1.2.3", "{{minor}}", "2"),
    ("refs/tags/v1.2.3", "{{patch}}", "3"),
    ("refs/tags/v2.0.8-beta.67", "{{raw}}", "v2.0.8-beta.67"),
    ("refs/tags/v2.0.8-beta.67", "{{version}}", "2.0.8-beta.67"),
    ("refs/tags/v2.0.8-beta.67", "{{major}}.{{minor}}", "2.0.8-beta.67"),
    # major version zero: the action still writes 0 for {{major}} (the README leaves it to enable=)
    ("refs/tags/v0.1.2", "{{major}}", "0"),
    ("refs/tags/v1.2.3+build.7", "{{version}}", "1.2.3"),  # build metadata is not part of version
])
def test_semver_patterns(ref, pattern, expected):
    ctx = mt.MetaContext("push", ref, SHA_DEV, "master", date=CLOCK)
    result = mt.compute("name/app", f"type=semver,pattern={pattern}", "latest=false", ctx)
    assert result.tags == [f"name/app:{mt.sanitize_tag(expected)}"]


@pytest.mark.parametrize("rules,ref,expected", [
    # match= keeps the regular expression's first group of the version text
    ("type=semver,pattern={{version}},value=app/v1.2.3,match=app/(.*)", "refs/heads/master", ["1.2.3"]),
    ("type=semver,pattern={{major}},match=^release-(.*)$", "refs/tags/release-2.4.0", ["2"]),
    # value= gives semver its text on any ref
    ("type=semver,pattern={{major}}.{{minor}},value=3.1.4", "refs/heads/master", ["3.1"]),
    # type=raw is the default type, and a bare field is the value
    ("nightly", "refs/heads/master", ["nightly"]),
    ("type=raw,edge,enable={{is_not_default_branch}}", "refs/heads/feature", ["edge"]),
    ("type=raw,edge,enable={{is_not_default_branch}}", "refs/heads/master", []),
    # a quoted field keeps its comma
    ('type=raw,"value=a,b"', "refs/heads/master", ["a-b"]),
])
def test_more_tag_grammar(rules, ref, expected):
    ctx = mt.MetaContext("push", ref, SHA_DEV, "master", date=CLOCK)
    result = mt.compute("name/app", rules, "latest=false", ctx)
    assert result.tags == [f"name/app:{tag}" for tag in expected]


def test_a_semver_match_without_a_group_stops_the_action():
    ctx = mt.MetaContext("push", "refs/tags/v1.2.3", SHA_DEV, "master", date=CLOCK)
    with pytest.raises(mt.MetadataError, match="first group"):
        mt.compute("name/app", "type=semver,pattern={{version}},match=v\\d", None, ctx)


@pytest.mark.parametrize("event,ref,expected", [
    # README, type=ref table (with the default rules: branch, tag and pr)
    ("pull_request", "refs/pull/2/merge", "pr-2"),
    ("push", "refs/heads/master", "master"),
    ("push", "refs/heads/my/branch", "my-branch"),
    ("push", "refs/tags/v1.2.3", "v1.2.3"),
    ("push", "refs/tags/v2.0.8-beta.67", "v2.0.8-beta.67"),
    ("workflow_dispatch", "refs/heads/master", "master"),
])
def test_ref_rules(event, ref, expected):
    ctx = mt.MetaContext(event, ref, SHA_DEV, "master", date=CLOCK)
    assert mt.compute("name/app", None, "latest=false", ctx).tags == [f"name/app:{expected}"]


@pytest.mark.parametrize("pattern,expected", [
    ("{{ raw }}.{{ version }}", False), ("{{ version }},{{raw }.", False),
    ("{{ raw }}", True), ("{{ raw}}", True), ("{{raw}}", True),
])
def test_is_raw_statement(pattern, expected):  # meta.test.ts, isRawStatement
    assert mt.is_raw_statement(pattern) is expected


@pytest.mark.parametrize("text,valid", [
    ("v1.2.3", True), ("1.2.3", True), ("v1.2.3-rc.1", True), ("1.0.0-alpha+001", True),
    ("v1.2", False), ("1.2.3.4", False), ("01.2.3", False), ("1.2.3-01", False), ("V1.2.3", False),
    ("release-1", False), ("sometag", False),
])
def test_semver_grammar(text, valid):
    assert (mt.parse_semver(text) is not None) is valid


@pytest.mark.parametrize("tags,flavor,error", [
    (["type=ref"], [], "Missing event attribute"),
    (["type=ref,event=push"], [], "Invalid event"),
    (["type=semver"], [], "Missing pattern attribute"),
    (["type=sha,format=medium"], [], "Invalid format"),
    (["type=bogus"], [], "Unknown tag type attribute: bogus"),
    (["type=raw,value=x,enable=yes"], [], "Invalid value for enable attribute: yes"),
    (["type=sha"], ["latest=sometimes"], "Invalid latest flavor entry"),
    (["type=sha"], ["colour=blue"], "Unknown flavor entry"),
])
def test_inputs_the_action_refuses(tags, flavor, error):
    with pytest.raises(mt.MetadataError, match=error):
        mt.compute("name/app", "\n".join(tags), "\n".join(flavor), RUNS["push_dev"])


@pytest.mark.parametrize("tags", [
    "type=match,pattern=v(.*),group=1",
    "type=pep440,pattern={{version}}",
    "type=raw,value={{#if x}}y{{/if}}",
    "type=raw,value={{date YYYYMMDD}}",  # unquoted: Handlebars reads a path, not a format
    "type=raw,value={{date 'Qo'}}",
])
def test_outside_the_subset_is_not_previewed(tags):
    with pytest.raises(mt.NotPreviewed):
        mt.compute("name/app", tags, None, RUNS["tag_v1.1.1"])


def test_comment_lines_are_skipped_and_hash_inside_a_value_is_kept():  # metadata-action v6.0.0
    tags = "# the branch\ntype=ref,event=branch\n  # sha next\ntype=raw,value=a#b"
    assert mt.compute("name/app", tags, None, RUNS["push_dev"]).tags == ["name/app:dev", "name/app:a-b"]


# -- whole workflows --------------------------------------------------------------------

PUBLISH = """\
name: Publish
on:
  push:
    branches: [main]
    tags: ["v*"]
  pull_request:
    branches: [main]
  schedule:
    - cron: "30 4 * * *"
  workflow_dispatch:
jobs:
  publish:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      packages: write
    steps:
      - uses: actions/checkout@v7
        with:
          persist-credentials: false
      - id: meta
        uses: docker/metadata-action@v6
        with:
          images: ghcr.io/${{ github.repository }}
          tags: |
            type=schedule,pattern=nightly-{{date 'YYYYMMDD'}}
            type=ref,event=branch
            type=ref,event=pr
            type=semver,pattern={{version}}
            type=semver,pattern={{major}}.{{minor}}
            type=semver,pattern={{major}},enable=${{ !startsWith(github.ref, 'refs/tags/v0.') }}
            type=sha
      - if: github.event_name != 'pull_request'
        uses: docker/login-action@v4
        with:
          registry: ghcr.io
          username: ${{ github.actor }}
          password: ${{ secrets.GITHUB_TOKEN }}
      - uses: docker/build-push-action@v7
        with:
          push: ${{ github.event_name != 'pull_request' }}
          tags: ${{ steps.meta.outputs.tags }}
"""


def workflow(on: str, steps: str, job_extra: str = "", top: str = "") -> str:
    """A one-job workflow around the given steps (YAML fragments at their own indentation)."""
    return (f"name: T\non:\n{textwrap.indent(textwrap.dedent(on), '  ')}{textwrap.dedent(top)}"
            f"jobs:\n  publish:\n    runs-on: ubuntu-latest\n{textwrap.indent(textwrap.dedent(job_extra), '    ')}"
            f"    steps:\n{textwrap.indent(textwrap.dedent(steps), '      ')}")


def meta_then_push(tags: str, push: str = "true", images: str = "ghcr.io/${{ github.repository }}",
                   flavor: str | None = None) -> str:
    flavor_line = f"\n    flavor: {flavor}" if flavor else ""
    return (f"- id: meta\n  uses: docker/metadata-action@v6\n  with:\n    images: {images}{flavor_line}\n"
            f"    tags: |\n{textwrap.indent(textwrap.dedent(tags).strip(), '      ')}\n"
            f"- uses: docker/build-push-action@v7\n  with:\n    push: {push}\n"
            "    tags: ${{ steps.meta.outputs.tags }}\n")


LOWERCASE_ENV = workflow("push:\n  branches: [main]\n", """\
    - run: echo "IMAGE=ghcr.io/${GITHUB_REPOSITORY,,}" >> "$GITHUB_ENV"
    - uses: docker/build-push-action@v7
      with:
        push: true
        tags: ${{ env.IMAGE }}:latest,${{ env.IMAGE }}:${{ github.sha }}
    """)
CAPITALS = workflow("push:\n  branches: [main]\n", """\
    - uses: docker/build-push-action@v7
      with:
        push: true
        tags: ghcr.io/${{ github.repository }}:latest
    """)
SEMVER_ON_EVERY_TAG = workflow("push:\n  tags: ['*']\n", meta_then_push("type=semver,pattern={{version}}"))
PR_PUSHES = workflow("pull_request:\n", meta_then_push("type=ref,event=pr\ntype=sha,format=long"))
ALWAYS_LATEST = workflow("push:\n", meta_then_push("type=ref,event=branch", flavor="latest=true"))
PREFIXED = workflow("push:\n", meta_then_push("type=ref,event=branch\ntype=sha,prefix=\ntype=raw,value=stable",
                                             flavor="prefix=app-"))
EDGE = workflow("push:\n", meta_then_push("type=edge\ntype=raw,value=latest,enable={{is_default_branch}}"))
FILTERS = workflow("""\
    push:
      branches: ['release/**', '!release/old']
      tags-ignore: ['*-draft']
      paths-ignore: ['docs/**']
    """, meta_then_push("type=ref,event=branch\ntype=ref,event=tag"))
CONDITIONS = workflow("push:\n", """\
    - id: meta
      uses: docker/metadata-action@v6
      with:
        images: ghcr.io/octo-org/app
        tags: type=ref,event=branch
    - if: github.ref == 'refs/heads/main'
      uses: docker/build-push-action@v7
      with:
        push: true
        tags: ${{ steps.meta.outputs.tags }}
    - if: ${{ startsWith(github.ref, 'refs/tags/') }}
      uses: docker/build-push-action@v7
      with:
        push: true
        tags: ghcr.io/octo-org/app:${{ github.ref_name }}
    """)
JOB_IF = workflow("push:\n", """\
    - uses: docker/build-push-action@v7
      with:
        push: true
        tags: ghcr.io/octo-org/app:${{ github.ref_name }}
    """, job_extra="if: startsWith(github.ref, 'refs/tags/v')\n")
STEP_OUTPUT = workflow("push:\n  branches: [main]\n", """\
    - id: name
      run: echo "image=ghcr.io/${GITHUB_REPOSITORY_OWNER,,}/tool" >> "$GITHUB_OUTPUT"
    - uses: docker/build-push-action@v7
      with:
        push: true
        tags: ${{ steps.name.outputs.image }}:${{ github.sha }}
    """)
ENV_LEVELS = workflow("push:\n  branches: [main]\n", """\
    - run: echo "NAME=from-github-env" >> "$GITHUB_ENV"
    - uses: docker/build-push-action@v7
      env:
        NAME: from-step
      with:
        push: true
        tags: ghcr.io/octo-org/${{ env.NAME }}:1
    - uses: docker/build-push-action@v7
      with:
        push: true
        tags: ghcr.io/octo-org/${{ env.NAME }}:2,ghcr.io/octo-org/${{ env.FROM_JOB }}:3
    """, job_extra="env:\n  NAME: from-job\n  FROM_JOB: job-level\n", top="env:\n  NAME: from-workflow\n")
DISPATCH_INPUT = workflow("""\
    workflow_dispatch:
      inputs:
        channel:
          default: beta
    """, meta_then_push("type=raw,value=${{ inputs.channel }}\ntype=raw,value=${{ github.event.inputs.channel }}-2"))
SECRET_TAG = workflow("push:\n", """\
    - uses: docker/build-push-action@v7
      with:
        push: true
        tags: ghcr.io/octo-org/app:${{ secrets.TAG }}
    """)
MATRIX_TAG = workflow("push:\n", """\
    - uses: docker/build-push-action@v7
      with:
        push: true
        tags: ghcr.io/octo-org/app:${{ matrix.variant }}
    """, job_extra="strategy:\n  matrix:\n    variant: [slim, full]\n")
MATCH_RULE = workflow("push:\n", meta_then_push("type=match,pattern=v(\\d+),group=1"))
SHELL_PUSH = workflow("push:\n", "- run: docker push ghcr.io/octo-org/app:latest\n")
WRITE_IN_A_BRANCH = workflow("push:\n", """\
    - run: |
        if [ "$GITHUB_REF_TYPE" = tag ]; then
          echo "IMAGE=ghcr.io/octo-org/release" >> "$GITHUB_ENV"
        fi
    - uses: docker/build-push-action@v7
      with:
        push: true
        tags: ${{ env.IMAGE }}:latest
    """)
BASE_REF_ON_TAGS = workflow("push:\n", meta_then_push("type=raw,value=from-{{base_ref}}"))
PATHS = workflow("push:\n  branches: [main]\n  paths: ['src/**']\n", meta_then_push("type=ref,event=branch"))
BY_DIGEST_THEN_INDEX = """\
name: T
on:
  push:
    tags: ["v*"]
jobs:
  build:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        platform: [linux/amd64, linux/arm64]
    steps:
      - run: echo "IMAGE=ghcr.io/${GITHUB_REPOSITORY,,}" >> "$GITHUB_ENV"
      - name: Build and push by digest
        uses: docker/build-push-action@v7
        with:
          platforms: ${{ matrix.platform }}
          outputs: type=image,name=${{ env.IMAGE }},push-by-digest=true,name-canonical=true,push=true
  merge:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: echo "IMAGE=ghcr.io/${GITHUB_REPOSITORY,,}" >> "$GITHUB_ENV"
      - id: meta
        uses: docker/metadata-action@v6
        with:
          images: ${{ env.IMAGE }}
          tags: type=semver,pattern={{version}}
      - env:
          TAGS: ${{ steps.meta.outputs.tags }}
        run: |
          mapfile -t tags <<< "$TAGS"
          args=()
          for tag in "${tags[@]}"; do args+=(--tag "$tag"); done
          docker buildx imagetools create "${args[@]}" "${IMAGE}@sha256:aaaa" "${IMAGE}@sha256:bbbb"
"""
IMAGE_EXPORTER = workflow("push:\n  branches: [main]\n", """\
    - uses: docker/build-push-action@v7
      with:
        tags: ghcr.io/octo-org/app:latest
        outputs: type=image,push=true,rewrite-timestamp=true
    """)
NAMED_EXPORTER = IMAGE_EXPORTER.replace("type=image,push=true", "type=image,name=ghcr.io/octo-org/other,push=true")
REUSABLE = "name: T\non: push\njobs:\n  call:\n    uses: ./.github/workflows/publish.yml\n"
VARIABLE_IMAGE = workflow("push:\n", meta_then_push("type=ref,event=branch",
                                                   images="docker.io/${{ vars.HUB_USER }}/app"))

# (id, workflow, event, expected refs, or the start of what is said instead)
WORKFLOW_CASES = [
    ("branch", PUBLISH, "push:refs/heads/main",
     ["ghcr.io/octo-org/hello-world:main", "ghcr.io/octo-org/hello-world:sha-5f3c8e1"]),
    ("release", PUBLISH, "push:refs/tags/v1.2.3",
     ["ghcr.io/octo-org/hello-world:1.2.3", "ghcr.io/octo-org/hello-world:1.2", "ghcr.io/octo-org/hello-world:1",
      "ghcr.io/octo-org/hello-world:sha-5f3c8e1", "ghcr.io/octo-org/hello-world:latest"]),
    ("pre-release: no latest, no major", PUBLISH, "push:refs/tags/v2.0.0-rc.1",
     ["ghcr.io/octo-org/hello-world:2.0.0-rc.1", "ghcr.io/octo-org/hello-world:sha-5f3c8e1"]),
    ("0.x: no major, by the enable expression", PUBLISH, "push:refs/tags/v0.3.1",
     ["ghcr.io/octo-org/hello-world:0.3.1", "ghcr.io/octo-org/hello-world:0.3",
      "ghcr.io/octo-org/hello-world:sha-5f3c8e1", "ghcr.io/octo-org/hello-world:latest"]),
    ("pull request builds only", PUBLISH, "pull_request:42", "build only, not pushed"),
    ("schedule with a date", PUBLISH, "schedule",
     ["ghcr.io/octo-org/hello-world:nightly-20261127", "ghcr.io/octo-org/hello-world:main",
      "ghcr.io/octo-org/hello-world:sha-5f3c8e1"]),
    ("manual run", PUBLISH, "workflow_dispatch:refs/heads/main",
     ["ghcr.io/octo-org/hello-world:main", "ghcr.io/octo-org/hello-world:sha-5f3c8e1"]),
    ("other branch", PUBLISH, "push:refs/heads/feature/x", "does not run: branches: [main]"),
    ("tag the filter leaves out", PUBLISH, "push:refs/tags/release-1", "does not run: tags: [v*]"),
    ("pull request pushes", PR_PUSHES, "pull_request:42",
     ["ghcr.io/octo-org/hello-world:pr-42", f"ghcr.io/octo-org/hello-world:sha-{pv.SampleContext().sha}"]),
    ("lowercase through $GITHUB_ENV", LOWERCASE_ENV, "push:refs/heads/main",
     ["ghcr.io/octo-org/hello-world:latest", f"ghcr.io/octo-org/hello-world:{pv.SampleContext().sha}"]),
    ("capitals kept", CAPITALS, "push:refs/heads/main", ["ghcr.io/Octo-Org/Hello-World:latest"]),
    ("flavor latest=true", ALWAYS_LATEST, "push:refs/heads/dev",
     ["ghcr.io/octo-org/hello-world:dev", "ghcr.io/octo-org/hello-world:latest"]),
    ("flavor prefix; a rule's own prefix wins", PREFIXED, "push:refs/heads/main",
     ["ghcr.io/octo-org/hello-world:app-main", "ghcr.io/octo-org/hello-world:app-stable",
      "ghcr.io/octo-org/hello-world:5f3c8e1"]),
    ("edge and latest on the default branch", EDGE, "push:refs/heads/main",
     ["ghcr.io/octo-org/hello-world:edge", "ghcr.io/octo-org/hello-world:latest"]),
    ("edge elsewhere: nothing to push", EDGE, "push:refs/heads/dev", "pushes with no tags"),
    ("release/** matches", FILTERS, "push:refs/heads/release/2.x", ["ghcr.io/octo-org/hello-world:release-2.x"]),
    ("!release/old excludes", FILTERS, "push:refs/heads/release/old", "does not run: branches: ["),
    ("tags-ignore", FILTERS, "push:refs/tags/v1-draft", "does not run: tags-ignore: [*-draft]"),
    ("tags-ignore lets others through", FILTERS, "push:refs/tags/v1", ["ghcr.io/octo-org/hello-world:v1",
                                                                       "ghcr.io/octo-org/hello-world:latest"]),
    ("step if: ref == main", CONDITIONS, "push:refs/heads/main", ["ghcr.io/octo-org/app:main"]),
    ("step if: startsWith tags", CONDITIONS, "push:refs/tags/v3.1.0", ["ghcr.io/octo-org/app:v3.1.0"]),
    ("step ifs: neither", CONDITIONS, "push:refs/heads/dev", "nothing is built or pushed"),
    ("job if true", JOB_IF, "push:refs/tags/v1.0.0", ["ghcr.io/octo-org/app:v1.0.0"]),
    ("job if false", JOB_IF, "push:refs/heads/main", "nothing is built or pushed"),
    ("$GITHUB_OUTPUT", STEP_OUTPUT, "push:refs/heads/main", [f"ghcr.io/octo-org/tool:{pv.SampleContext().sha}"]),
    ("env: step, then $GITHUB_ENV, then job", ENV_LEVELS, "push:refs/heads/main",
     ["ghcr.io/octo-org/from-step:1", "ghcr.io/octo-org/from-github-env:2", "ghcr.io/octo-org/job-level:3"]),
    ("workflow_dispatch input defaults", DISPATCH_INPUT, "workflow_dispatch:refs/heads/main",
     ["ghcr.io/octo-org/hello-world:beta", "ghcr.io/octo-org/hello-world:beta-2"]),
    ("secret", SECRET_TAG, "push:refs/heads/main", "not previewed: secrets.TAG"),
    ("matrix", MATRIX_TAG, "push:refs/heads/main", "not previewed: matrix.variant"),
    ("type=match", MATCH_RULE, "push:refs/tags/v1", "not previewed: step 'meta': type=match"),
    ("shell push", SHELL_PUSH, "push:refs/heads/main", "not previewed: step 1 of job 'publish' pushes from its run: script"),
    ("outputs: type=image,push=true pushes the tags", IMAGE_EXPORTER, "push:refs/heads/main",
     ["ghcr.io/octo-org/app:latest"]),
    ("outputs: with its own name= is not read", NAMED_EXPORTER, "push:refs/heads/main", "not previewed: step 1"),
    ("reusable workflow", REUSABLE, "push:refs/heads/main", "not previewed: job 'call' calls the reusable workflow"),
    ("vars without a sample", VARIABLE_IMAGE, "push:refs/heads/main", "not previewed: step 'meta': vars.HUB_USER"),
    ("a write inside shell logic is not assumed", WRITE_IN_A_BRANCH, "push:refs/tags/v1",
     "not previewed: step 1 of job 'publish' writes IMAGE inside shell logic"),
    ("{{base_ref}} on a tag push", BASE_REF_ON_TAGS, "push:refs/tags/v1", "not previewed: step 'meta': {{base_ref}}"),
    ("{{base_ref}} on a pull request", BASE_REF_ON_TAGS.replace("push:", "pull_request:", 1).replace(
        "push: true", "push: true  # on a PR, on purpose"), "pull_request:42", ["ghcr.io/octo-org/hello-world:from-main"]),
    ("by digest, then an index with metadata-action's tags", BY_DIGEST_THEN_INDEX, "push:refs/tags/v1.2.3",
     ["ghcr.io/octo-org/hello-world:1.2.3", "ghcr.io/octo-org/hello-world:latest"]),
    ("non-matching tag", SEMVER_ON_EVERY_TAG, "push:refs/tags/release-1", "pushes with no tags"),
    ("matching tag", SEMVER_ON_EVERY_TAG, "push:refs/tags/v1.2.3",
     ["ghcr.io/octo-org/hello-world:1.2.3", "ghcr.io/octo-org/hello-world:latest"]),
    ("no pull_request trigger", SEMVER_ON_EVERY_TAG, "pull_request:7", "does not run: on: has no pull_request"),
]


@pytest.mark.parametrize("case,text,event,expected", WORKFLOW_CASES, ids=[c[0] for c in WORKFLOW_CASES])
def test_workflow_previews(case, text, event, expected):
    (result,) = pv.preview_workflow(text, [pv.parse_event(event)])
    if isinstance(expected, list):
        assert result.push is True and result.refs == expected, result.summary(plain=True)
    else:
        assert not result.refs
        assert result.summary(plain=True).startswith(expected), result.summary(plain=True)


def test_a_tag_no_rule_matches_is_a_g011_finding_for_that_event():
    release, version = pv.preview_workflow(SEMVER_ON_EVERY_TAG, [pv.parse_event("push:refs/tags/release-1"),
                                                                 pv.parse_event("push:refs/tags/v1.2.3")])
    assert release.push is True and release.refs == [] and release.empty_push
    (problem,) = release.findings
    assert problem.rule == "G011" and problem.severity == "error"
    assert problem.message == "this step pushes but has no tags for push:refs/tags/release-1 (no tag rule matches)"
    assert "type=ref,event=tag" in problem.fix and "v*.*.*" in problem.fix
    tags_line = SEMVER_ON_EVERY_TAG.splitlines()[problem.line - 1]
    assert "steps.meta.outputs.tags" in tags_line
    assert version.findings == []


def test_assumptions_and_digest_pushes_are_said():
    (paths,) = pv.preview_workflow(PATHS, [pv.parse_event("push:refs/heads/main")])
    assert paths.refs == ["ghcr.io/octo-org/hello-world:main"]
    assert paths.notes == ["assuming the change touches a file that the `paths` filter lets through"]
    (index,) = pv.preview_workflow(BY_DIGEST_THEN_INDEX, [pv.parse_event("push:refs/tags/v1.2.3")])
    assert index.notes == ["step 'Build and push by digest' also pushes an untagged image by digest"]
    (nothing,) = pv.preview_workflow(BY_DIGEST_THEN_INDEX, [pv.parse_event("push:refs/tags/vnext")])
    assert nothing.push is True and nothing.empty_push and [f.rule for f in nothing.findings] == ["G011"]


def test_default_events_follow_the_triggers():
    assert [str(e) for e in pv.default_events(PUBLISH)] == [
        "push:refs/heads/main", "push:refs/tags/v1.2.3", "push:refs/tags/v2.0.0-rc.1", "pull_request:42",
        "schedule", "workflow_dispatch:refs/heads/main"]
    assert [str(e) for e in pv.default_events(CAPITALS)] == [
        "push:refs/heads/main", "push:refs/tags/v1.2.3", "push:refs/tags/v2.0.0-rc.1", "pull_request:42"]
    assert str(pv.parse_event("workflow_dispatch")) == "workflow_dispatch"


def test_capitals_in_a_literal_reference_are_flagged():
    (result,) = pv.preview_workflow(CAPITALS, [pv.parse_event("push:refs/heads/main")])
    assert result.invalid == {"ghcr.io/Octo-Org/Hello-World:latest": "repository name must be lowercase"}


def test_vars_take_a_sample_value_from_the_context():
    ctx = pv.parse_context(["vars.HUB_USER=Octocat"])
    (result,) = pv.preview_workflow(VARIABLE_IMAGE, [pv.parse_event("push:refs/heads/main")], ctx)
    assert result.refs == ["docker.io/octocat/app:main"]  # metadata-action lowercases images


def test_the_context_changes_repository_commit_date_and_branches():
    ctx = pv.parse_context(["repository=Acme/Widget", "sha=" + "ab" * 20, "date=2027-01-02T03:04:05Z",
                            "default_branch=trunk"])
    schedule, branch = pv.preview_workflow(PUBLISH.replace("[main]", "[trunk]"),
                                           [pv.parse_event("schedule"), pv.parse_event("push:refs/heads/trunk")], ctx)
    assert schedule.refs == ["ghcr.io/acme/widget:nightly-20270102", "ghcr.io/acme/widget:trunk",
                             "ghcr.io/acme/widget:sha-abababa"]
    assert branch.refs == ["ghcr.io/acme/widget:trunk", "ghcr.io/acme/widget:sha-abababa"]


@pytest.mark.parametrize("text,message", [
    ("push:main", "push needs a full ref (write push:refs/heads/main"),
    ("pull_request:abc", "pull_request needs a number"),
    ("release:v1", "not an event the preview knows"),
    ("schedule:nightly", "write schedule alone"),
])
def test_bad_events_say_what_to_write(text, message):
    with pytest.raises(pv.UsageError, match=message.replace("(", r"\(")):
        pv.parse_event(text)


@pytest.mark.parametrize("pair,message", [
    ("sha=abc", "40 hex digits"),
    ("repository=nobody", "owner/name"),
    ("date=yesterday", "ISO 8601"),
    ("colour=blue", "known key"),
    ("default_branch=refs/heads/main", "branch name"),
])
def test_bad_context_says_what_to_write(pair, message):
    with pytest.raises(pv.UsageError, match=message):
        pv.parse_context([pair])


@pytest.mark.parametrize("expression,expected", [
    ("github.event_name != 'pull_request'", True),
    ("github.ref == 'REFS/HEADS/MAIN'", True),  # string comparison ignores case
    ("startsWith(github.ref, 'refs/tags/')", False),
    ("github.ref_name == 'main' && github.repository_owner == 'octo-org'", True),
    ("contains(fromJSON('[]'), 'x') || true", True),
    ("hashFiles('go.sum') == 'x'", None),  # hashFiles is outside the subset
    ("hashFiles('go.sum') == 'x' || true", True),  # true whatever the unknown side is
    ("hashFiles('go.sum') == 'x' && false", False),
    ("format('{0}/{1}', github.repository_owner, 'app') == 'Octo-Org/app'", True),
    ("!cancelled() && success()", True),
    ("github.event.pull_request.number == 42", False),  # null on a push, not 42
])
def test_conditions(expression, expected):
    text = workflow("push:\n", f'- if: "{expression}"\n  uses: docker/build-push-action@v7\n  with:\n    push: true\n'
                               "    tags: ghcr.io/octo-org/app:x\n")
    (result,) = pv.preview_workflow(text, [pv.parse_event("push:refs/heads/main")])
    if expected is None:
        assert not result.previewed
    else:
        assert bool(result.refs) is expected, result.summary(plain=True)


# -- the command line ---------------------------------------------------------------------


def ghcr_check(*args, cwd: Path):
    return subprocess.run([str(GHCR_CHECK), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture
def files(tmp_path) -> Path:
    (tmp_path / "publish.yml").write_text(PUBLISH, "utf-8")
    (tmp_path / "every-tag.yml").write_text(SEMVER_ON_EVERY_TAG, "utf-8")
    (tmp_path / "broken.yml").write_text("on: [push\njobs: {", "utf-8")
    return tmp_path


def test_cli_json_has_findings_and_previews_in_order(files):
    result = ghcr_check("--format", "json", "--preview", "push:refs/tags/v1.2.3", "--preview", "pull_request:42",
                        "--context", "repository=Acme/Widget", "publish.yml", cwd=files)
    out = json.loads(result.stdout)
    assert set(out) == {"findings", "previews"}
    tag, pull = out["previews"]
    assert tag["event"] == "push:refs/tags/v1.2.3" and tag["push"] is True and tag["path"] == "publish.yml"
    assert tag["refs"] == ["ghcr.io/acme/widget:1.2.3", "ghcr.io/acme/widget:1.2", "ghcr.io/acme/widget:1",
                           "ghcr.io/acme/widget:sha-5f3c8e1", "ghcr.io/acme/widget:latest"]
    assert pull == {"path": "publish.yml", "event": "pull_request:42", "push": False, "refs": [],
                    "why": "build only, not pushed"}
    assert result.returncode == (1 if any(f["severity"] == "error" for f in out["findings"]) else 0)


def test_cli_reports_g011_for_the_event_and_exits_1(files):
    result = ghcr_check("--preview", "push:refs/tags/release-1", "every-tag.yml", cwd=files)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "G011 this step pushes but has no tags for push:refs/tags/release-1 (no tag rule matches)" in result.stdout
    assert "push:refs/tags/release-1  pushes with no tags: the push fails (G011)" in result.stdout


def test_cli_previews_even_a_file_that_does_not_parse(files):
    result = ghcr_check("--format", "json", "--preview", "push:refs/heads/main", "broken.yml", cwd=files)
    out = json.loads(result.stdout)
    assert result.returncode == 1 and out["findings"]
    assert out["previews"] == [{"path": "broken.yml", "event": "push:refs/heads/main", "push": None, "refs": [],
                                "why": "not previewed: the file is not a readable workflow (see the findings)"}]


@pytest.mark.parametrize("args,message", [
    (["--preview", "push:main"], "push needs a full ref"),
    (["--preview", "schedule", "--context", "sha=xyz"], "40 hex digits"),
    (["--context", "sha=" + "a" * 40], "--context sha only applies with --preview"),
])
def test_cli_usage_errors_exit_2_with_one_line(files, args, message):
    result = ghcr_check(*args, "publish.yml", cwd=files)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_cli_without_preview_keeps_its_json_list(files):
    result = ghcr_check("--format", "json", "publish.yml", cwd=files)
    assert isinstance(json.loads(result.stdout), list)


# -- the site macro -----------------------------------------------------------------------


@pytest.fixture
def site(tmp_path) -> SiteBuild:
    snippets = tmp_path / "snippets" / "how-to"
    snippets.mkdir(parents=True)
    publish = PUBLISH.replace("@v7", "").replace("@v6", "").replace("@v4", "")
    (snippets / "publish.yml").write_text("#| title: Publish\n" + publish, "utf-8")
    every_tag = SEMVER_ON_EVERY_TAG.replace("@v7", "").replace("@v6", "")
    (snippets / "every-tag.yml").write_text("#| title: Every tag\n" + every_tag, "utf-8")
    (snippets / "every-tag-broken.yml").write_text("#| title: Every tag\n#| expect: G011\n" + every_tag, "utf-8")
    return SiteBuild(tmp_path, validate=False)


def test_macro_renders_a_table_with_the_default_events(site):
    md = tag_preview.place(site, "how-to/publish", "how-to/page.md")
    page = markdown.markdown(md, extensions=["tables", "md_in_html", "attr_list"])
    assert '<div class="ghcr-tag-preview">' in page and "<table>" in page
    rows = [r for r in page.split("<tr>")[2:]]
    assert [r.split("</td>")[0].replace("<td>", "").strip() for r in rows] == [
        "Push to <code>main</code>", "Push of tag <code>v1.2.3</code>", "Push of tag <code>v2.0.0-rc.1</code>",
        "Pull request #42", "Schedule (runs on <code>main</code>)",
        "Manual run (<code>workflow_dispatch</code>) on <code>main</code>"]
    assert "<code>ghcr.io/octo-org/hello-world:1.2.3</code><br><code>ghcr.io/octo-org/hello-world:1.2</code>" in page
    assert "build only, not pushed" in page
    assert "Octo-Org/Hello-World" in page and site.failures == []


def test_macro_events_and_context(site):
    md = tag_preview.place(site, "how-to/publish", "how-to/page.md", events=["push:refs/tags/v0.1.0"],
                  context={"repository": "Acme/Widget"})
    assert "`ghcr.io/acme/widget:0.1.0`<br>`ghcr.io/acme/widget:0.1`<br>" in md and ":0`" not in md
    assert site.failures == []


def test_macro_turns_problems_into_build_failures(site):
    tag_preview.place(site, "how-to/publish", "how-to/page.md", events=["push:main"])
    tag_preview.place(site, "how-to/missing", "how-to/page.md")
    tag_preview.place(site, "how-to/every-tag", "how-to/page.md", events=["push:refs/tags/release-1"])
    tag_preview.place(site, "how-to/every-tag-broken", "how-to/page.md", events=["push:refs/tags/release-1"])
    lines = [f.line() for f in site.failures]
    assert len(lines) == 3, lines
    assert "push needs a full ref" in lines[0]
    assert lines[1].startswith("docs/how-to/page.md") and "D006" in lines[1]
    assert "G011" in lines[2] and "snippets/how-to/every-tag.yml" in lines[2]
    assert "every-tag.yml:19:17" in lines[2]  # the tags: line of the source file, header line counted
