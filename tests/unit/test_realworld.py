"""Unknown is not wrong: the shapes real workflows take, each written small.

Every case here is a correct workflow in a form real repositories use, which the
checks once called wrong (no error allowed), or a real mistake they once missed.
"""
from __future__ import annotations

import textwrap

import pytest

from ghcr_check import engine
from ghcr_check.catalog import load_catalog
from ghcr_check.checks import schema
from ghcr_check.context import RunContext

OWN_LAYERS = ("yaml", "schema", "actions", "expressions", "ghcr")
CATALOG = load_catalog()
LOGIN = ("      - uses: docker/login-action@v4\n"
         "        with: {registry: ghcr.io, username: \"${{ github.actor }}\", password: \"${{ secrets.GITHUB_TOKEN }}\"}\n")


def workflow(steps: str, on: str = "on: push\n", job: str = "", permissions: str = "{contents: read, packages: write}",
             extra_jobs: str = "") -> str:
    grant = f"    permissions: {permissions}\n" if permissions else ""
    return (f"{on}jobs:\n  publish:\n    runs-on: ubuntu-latest\n{grant}{job}    steps:\n"
            f"{textwrap.indent(textwrap.dedent(steps), '      ')}{extra_jobs}")


def found(text: str, context: RunContext | None = None) -> list[tuple[str, str]]:
    return [(f.rule, f.severity) for f in engine.check_document(text, OWN_LAYERS, CATALOG, context)]


def errors(text: str, context: RunContext | None = None) -> list[str]:
    return [rule for rule, severity in found(text, context) if severity == "error"]


def push(tags: str, extra: str = "") -> str:
    return f"- uses: docker/build-push-action@v7\n  with:\n    push: true\n    tags: {tags}\n{extra}"


# -- image names, as the actions read them -------------------------------------------

@pytest.mark.parametrize("images", [
    "octo/app,ghcr.io/octo/app",  # one CSV line of names
    "|\n      ghcr.io/octo/app,enable=${{ github.ref == 'refs/heads/main' }}",  # enable= without name=
    "|\n      name=ghcr.io/octo/app,enable=true\n      name=docker.io/octo/app,enable=false",
    "'\"ghcr.io/octo/app\"'",  # a quoted CSV field
])
def test_metadata_images_in_the_actions_grammar_are_not_broken_references(images):
    steps = LOGIN[6:].replace("\n        ", "\n  ") + (
        f"- id: meta\n  uses: docker/metadata-action@v6\n  with:\n    images: {images}\n"
        + push("${{ steps.meta.outputs.tags }}"))
    assert errors(workflow(steps)) == []


def test_a_broken_name_inside_the_csv_is_still_found():
    steps = ("- id: meta\n  uses: docker/metadata-action@v6\n  with:\n"
             "    images: ghcr.io/octo/app,ghcr.io/octo//other\n")
    assert "G004" in errors(workflow(steps))


def test_a_ref_inside_a_format_call_is_not_an_image_reference():
    cache = ("    cache-to: ${{ github.event_name == 'push' && format('type=registry,mode=max,ref={0}/cache:{1}', "
             "'ghcr.io/octo/app', github.ref_name) || '' }}\n")
    steps = LOGIN[6:].replace("\n        ", "\n  ") + push("ghcr.io/octo/app:latest", cache)
    assert errors(workflow(steps)) == []


# -- values scripts write --------------------------------------------------------------

@pytest.mark.parametrize("script", [
    'echo "VERSION=${GITHUB_REF#refs/tags/v}" >> "$GITHUB_ENV"',
    "echo VERSION=$(git describe --tags) >> $GITHUB_ENV",
    'echo "VERSION=${GITHUB_REF##*/}" >> "$GITHUB_ENV"',
])
def test_a_shell_expansion_written_to_github_env_is_unknown_not_wrong(script):
    steps = f"- run: {script}\n" + LOGIN[6:].replace("\n        ", "\n  ") + push("ghcr.io/octo/app:${{ env.VERSION }}")
    assert errors(workflow(steps)) == []


def test_a_lowercased_command_substitution_is_not_a_capital_owner():
    steps = ("- run: echo IMAGE=$(echo ghcr.io/${{ github.repository }} | tr '[:upper:]' '[:lower:]') >> \"$GITHUB_ENV\"\n"
             + LOGIN[6:].replace("\n        ", "\n  ") + push("${{ env.IMAGE }}:latest"))
    assert found(workflow(steps), RunContext(repository="Octo-Org/App")) == []


def test_messages_show_the_whole_expansion_not_a_fragment():
    steps = ('- run: echo "IMAGE=ghcr.io/Octo/app:${GITHUB_REF#refs/tags/}" >> "$GITHUB_ENV"\n'
             + LOGIN[6:].replace("\n        ", "\n  ") + push("${{ env.IMAGE }}"))
    (message,) = [f.message for f in engine.check_document(workflow(steps), OWN_LAYERS, CATALOG) if f.rule == "G004"]
    assert "${GITHUB_REF#refs/tags/}" in message and "${GITHUB_REF#refs'" not in message


# -- the owner's capitals ---------------------------------------------------------------

def test_g005_is_an_error_only_when_the_owner_is_known_to_have_capitals():
    steps = LOGIN[6:].replace("\n        ", "\n  ") + push("ghcr.io/${{ github.repository_owner }}/app:latest")
    text = workflow(steps)
    assert found(text) == [("G005", "warning")]
    assert found(text, RunContext(repository="Octo-Org/app")) == [("G005", "error")]
    assert found(text, RunContext(repository="octo-org/app")) == []


def test_check_batch_takes_the_repository_as_run_context():
    steps = LOGIN[6:].replace("\n        ", "\n  ") + push("ghcr.io/${{ github.repository }}:latest")
    result = engine.check_batch({"w": workflow(steps)}, OWN_LAYERS, cache=engine.ResultCache(None),
                                context={"repository": "Octo-Org/app"})
    assert [(f.rule, f.severity) for f in result["w"]] == [("G005", "error")]
    with pytest.raises(ValueError, match="unknown run context keys: owner"):
        engine.check_batch({"w": "on: push\n"}, OWN_LAYERS, cache=engine.ResultCache(None), context={"owner": "x"})


# -- permissions -------------------------------------------------------------------------

def test_no_permissions_block_is_a_warning_that_says_why_and_an_error_when_hardened():
    text = workflow(LOGIN[6:].replace("\n        ", "\n  ") + push("ghcr.io/octo/app:latest"), permissions="")
    (problem,) = engine.check_document(text, OWN_LAYERS, CATALOG)
    assert (problem.rule, problem.severity) == ("G003", "warning") and "default token" in problem.message
    assert found(text, RunContext(profile="hardened")) == [("G003", "error")]


def test_a_permissions_block_without_packages_write_is_still_an_error():
    text = workflow(LOGIN[6:].replace("\n        ", "\n  ") + push("ghcr.io/octo/app:latest"), permissions="{contents: read}")
    assert found(text) == [("G003", "error")]


def _checkout(tmp_path, files: dict[str, str]):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return tmp_path


REUSABLE = workflow(LOGIN[6:].replace("\n        ", "\n  ") + push("ghcr.io/octo/app:latest"),
                    on="on:\n  workflow_call:\n", permissions="")


def _caller(permissions: str) -> str:
    grant = f"    permissions: {permissions}\n" if permissions else ""
    return f"on: push\njobs:\n  call:\n{grant}    uses: ./.github/workflows/publish.yml\n"


@pytest.mark.parametrize("caller,expected", [
    (None, []),  # no caller at hand: the caller's grant is unknown
    (_caller("{contents: read, packages: write}"), []),
    (_caller("{contents: read}"), [("G003", "error")]),
    (_caller(""), [("G003", "warning")]),
])
def test_a_reusable_workflow_takes_its_same_repository_callers_permissions(tmp_path, caller, expected):
    files = {".github/workflows/publish.yml": REUSABLE}
    if caller:
        files[".github/workflows/release.yml"] = caller
    root = _checkout(tmp_path, files)
    path = root / ".github/workflows/publish.yml"
    result = engine.check_batch({str(path): REUSABLE}, OWN_LAYERS, cache=engine.ResultCache(None))
    assert [(f.rule, f.severity) for f in result[str(path)]] == expected


# -- local actions -----------------------------------------------------------------------

LOCAL = workflow("- uses: actions/checkout@v7\n- uses: ./.github/actions/login\n"
                 "- run: docker buildx imagetools create -t ghcr.io/octo/app:latest ghcr.io/octo/app:amd64\n")


def _action(registry: str) -> str:
    return ("runs:\n  using: composite\n  steps:\n    - uses: docker/login-action@v4\n"
            f"      with: {{registry: {registry}, username: x, password: y}}\n")


def test_a_login_in_a_local_action_that_is_not_at_hand_is_unknown_not_missing():
    assert errors(LOCAL) == []


@pytest.mark.parametrize("registry,expected", [("ghcr.io", []), ("quay.io", ["G001"])])
def test_a_local_action_is_read_from_the_checkout(tmp_path, registry, expected):
    root = _checkout(tmp_path, {".github/workflows/publish.yml": LOCAL,
                                ".github/actions/login/action.yml": _action(registry)})
    path = str(root / ".github/workflows/publish.yml")
    result = engine.check_batch({path: LOCAL}, OWN_LAYERS, cache=engine.ResultCache(None))
    assert [f.rule for f in result[path] if f.severity == "error"] == expected


def test_the_cache_notices_a_changed_local_action(tmp_path):
    root = _checkout(tmp_path, {".github/workflows/publish.yml": LOCAL,
                                ".github/actions/login/action.yml": _action("ghcr.io")})
    path = str(root / ".github/workflows/publish.yml")
    cache = engine.ResultCache(tmp_path / "cache")
    assert engine.check_batch({path: LOCAL}, OWN_LAYERS, cache=cache)[path] == []
    (root / ".github/actions/login/action.yml").write_text(_action("quay.io") + "# changed\n", "utf-8")
    assert [f.rule for f in engine.check_batch({path: LOCAL}, OWN_LAYERS, cache=cache)[path]] == ["G001"]


# -- fork pull requests ------------------------------------------------------------------

PR = "on: [push, pull_request]\n"


@pytest.mark.parametrize("text", [
    # gated through an env value computed from the event
    workflow(LOGIN[6:].replace("\n        ", "\n  ") + "- if: ${{ fromJSON(env.PUBLISH) }}\n" + push("ghcr.io/octo/app:x")
             .replace("- uses", "  uses"), on=PR, job="    env:\n      PUBLISH: ${{ toJSON(github.event_name != 'pull_request') }}\n"),
    # a workflow_call input, empty when a pull request starts the workflow
    workflow(LOGIN[6:].replace("\n        ", "\n  ") + push("ghcr.io/octo/app:x"),
             on="on:\n  workflow_call:\n    inputs:\n      release: {type: string, required: true}\n  pull_request:\n",
             job="    if: ${{ inputs.release != '' }}\n"),
    # a secret's presence, carried through a job output and an env value
    "on: [push, pull_request]\njobs:\n  gate:\n    runs-on: ubuntu-latest\n    outputs:\n"
    "      ok: ${{ steps.s.outputs.ok }}\n    steps:\n"
    "      - id: s\n        run: echo \"ok=${{ secrets.ROBOT_TOKEN != '' }}\" >> \"$GITHUB_OUTPUT\"\n"
    "  publish:\n    needs: gate\n    runs-on: ubuntu-latest\n    permissions: {contents: read, packages: write}\n"
    "    env:\n      CAN_PUSH: ${{ needs.gate.outputs.ok == 'true' }}\n    steps:\n" + LOGIN
    + "      - if: env.CAN_PUSH == 'true'\n        uses: docker/build-push-action@v7\n"
      "        with: {push: true, tags: 'ghcr.io/octo/app:x'}\n",
    # the fork's head repository is never this one
    workflow(LOGIN[6:].replace("\n        ", "\n  ") + push("ghcr.io/octo/app:x"), on=PR,
             job="    if: github.event_name == 'push' || github.event.pull_request.head.repo.full_name == github.repository\n"),
    # a push: input that evaluates to false on pull requests
    workflow(LOGIN[6:].replace("\n        ", "\n  ")
             + "- uses: docker/build-push-action@v7\n  with:\n    push: ${{ github.event_name != 'pull_request' }}\n"
               "    tags: ghcr.io/octo/app:x\n", on=PR),
])
def test_a_push_gated_off_for_fork_pull_requests_is_not_g006(text):
    assert [r for r in errors(text, RunContext(repository="octo/app")) if r == "G006"] == []
    assert "G006" not in [rule for rule, _ in found(text, RunContext(repository="octo/app"))]


def test_an_ungated_push_on_pull_requests_is_an_error_and_an_undecidable_one_a_warning():
    plain = workflow(LOGIN[6:].replace("\n        ", "\n  ") + push("ghcr.io/octo/app:x"), on=PR)
    assert ("G006", "error") in found(plain)
    gated = workflow(LOGIN[6:].replace("\n        ", "\n  ") + push("ghcr.io/octo/app:x"), on=PR,
                     job="    if: vars.PUBLISH == 'yes'\n")
    (g006,) = [f for f in engine.check_document(gated, OWN_LAYERS, CATALOG) if f.rule == "G006"]
    assert g006.severity == "warning" and "vars.PUBLISH" in g006.message


def test_a_push_to_a_service_registry_is_not_a_ghcr_push():
    text = workflow(push("localhost:5000/octo/base:latest"), on=PR,
                    job="    services:\n      registry:\n        image: registry:2\n        ports: ['5000:5000']\n")
    assert found(text) == []


@pytest.mark.parametrize("action", ["depot/build-push-action@v1", "useblacksmith/build-push-action@v2"])
def test_build_actions_that_take_build_push_inputs_push_too(action):
    steps = f"- uses: {action}\n  with:\n    push: true\n    tags: ghcr.io/octo/app:latest\n"
    assert errors(workflow(steps)) == ["G001"]


# -- logins that only look like GHCR ----------------------------------------------------

@pytest.mark.parametrize("registry,rule,severity", [
    ("ghcr.com", "G017", "error"), ("docker.pkg.github.com", "G016", "error"), ("https://ghcr.io", "G017", "warning")])
def test_a_login_to_a_lookalike_host_is_reported_on_its_registry_line(registry, rule, severity):
    login = LOGIN.replace("registry: ghcr.io", f"registry: {registry}")[6:].replace("\n        ", "\n  ")
    text = workflow(login + push("ghcr.io/octo/app:latest"))
    problems = engine.check_document(text, OWN_LAYERS, CATALOG)
    assert [(f.rule, f.severity) for f in problems] == [(rule, severity)]  # and no G001 beside it
    (line,) = [n for n, t in enumerate(text.splitlines(), 1) if f"registry: {registry}" in t]
    assert problems[0].line == line and "registry: ghcr.io" in problems[0].fix


# -- cosign --------------------------------------------------------------------------------

@pytest.mark.parametrize("script", [
    'echo "${TAGS}" | xargs -I {} cosign sign --yes {}@${DIGEST}',
    "echo ghcr.io/octo/app@${DIGEST} | xargs cosign sign --yes",
])
def test_cosign_through_a_pipeline_needs_id_token_write(script):
    steps = (LOGIN[6:].replace("\n        ", "\n  ") + push("ghcr.io/octo/app:latest").replace("- uses", "- id: b\n  uses")
             + f"- env: {{TAGS: 'ghcr.io/octo/app:latest', DIGEST: '${{{{ steps.b.outputs.digest }}}}'}}\n  run: {script}\n")
    assert errors(workflow(steps)) == ["G009"]
    assert errors(workflow(steps, permissions="{contents: read, packages: write, id-token: write}")) == []


# -- schema deviations --------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "on:\n  push: {branches: main}\n  pull_request:\n    paths: src/**\njobs:\n  t:\n    runs-on: ubuntu-latest\n"
    "    steps:\n      - run: echo ok\n",
    "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    strategy:\n      fail-fast: false\n    steps:\n      - run: echo ok\n",
    "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"[$TOKEN]\"\n        env:\n"
    "          TOKEN:\n",
    "on:\n  workflow_call:\n    secrets:\n      registry_token:\njobs:\n  t:\n    runs-on: ubuntu-latest\n"
    "    steps:\n      - run: echo ok\n",
])
def test_what_github_accepts_and_the_schemastore_schema_refuses_passes(text):
    assert found(text) == []


def test_the_schema_still_refuses_what_github_refuses():
    assert [r for r, _ in found("on:\n  push: {branches: []}\njobs:\n  t:\n    runs-on: x\n    steps: [{run: a}]\n")] \
        == ["S001"]
    assert len(schema.SCHEMA_DEVIATIONS) == 4  # each is patched in patch_deviations, and tested above
    assert [r for r, _ in found("on:\n  workflow_call:\n    secrets:\n      t: {required: maybe}\njobs:\n"
                                "  t:\n    runs-on: x\n    steps: [{run: a}]\n")] == ["S001"]


# -- pins and releases ------------------------------------------------------------------------

def _pin(ref: str) -> str:
    return workflow(f"- uses: docker/login-action@{ref}\n  with: {{registry: ghcr.io, username: a, password: b}}\n")


def test_a_sha_that_is_a_release_commit_is_known():
    entry = CATALOG.get("docker/login-action")
    older = next(r for r in CATALOG.releases_of(entry) if r.tag == "v4.0.0")
    assert found(_pin(f"{older.commit} # v4.0.0")) == []
    assert [r for r, _ in found(_pin(f"{older.commit} # v4.1.0"))] == ["A011"]  # another release's commit


def test_a_pin_newer_than_the_catalog_is_at_most_an_info():
    unknown = "a" * 40
    assert found(_pin(f"{unknown} # v4.9.0")) == []  # a release after the catalog's lists
    assert found(_pin(f"{unknown}")) == [("A007", "warning")]
    assert found(_pin("v4.9.0")) == [("A009", "info")]


def test_a_sha_of_an_action_without_a_release_list_is_not_looked_up():
    from ghcr_check.catalog import Catalog

    entry = CATALOG.get("docker/login-action")
    bare = Catalog(list(CATALOG), CATALOG.digest, {})  # the same catalog without release lists
    text = _pin("b" * 40)
    assert [f.rule for f in engine.check_document(text, OWN_LAYERS, CATALOG)] == ["A007"]
    assert engine.check_document(text, OWN_LAYERS, bare) == []
    assert entry is not None


def test_the_origin_remote_is_read_from_a_checkout_or_a_worktree(tmp_path):
    from ghcr_check.context import origin_repository

    common = tmp_path / "repo" / ".git"
    (common / "worktrees" / "wt").mkdir(parents=True)
    (common / "config").write_text('[core]\n\tbare = false\n[remote "origin"]\n\turl = git@github.com:Octo-Org/hello.git\n'
                                   '\tfetch = +refs/heads/*:refs/remotes/origin/*\n[remote "fork"]\n\turl = x\n')
    (common / "worktrees" / "wt" / "commondir").write_text("../..\n")
    worktree = tmp_path / "wt"
    (worktree / "sub").mkdir(parents=True)
    (worktree / ".git").write_text(f"gitdir: {common / 'worktrees' / 'wt'}\n")
    assert origin_repository(tmp_path / "repo") == "Octo-Org/hello"
    assert origin_repository(worktree / "sub") == "Octo-Org/hello"
    assert origin_repository(tmp_path) is None
