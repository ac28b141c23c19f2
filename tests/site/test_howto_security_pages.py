"""The security, distribution and maintenance how-to guides keep their promises.

Each guide starts with what the reader needs and ends with how to check it worked,
then where to go next;
each shows at least one whole, correct workflow in both renderings; the commands
that verify a signature or an attestation name the workflow file the guide ships;
and the Dependabot configuration shown as plain YAML passes the same kind of checks
as the workflows: its schema, and zizmor's pedantic persona.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from support import ROOT, WORKFLOW_PLACEMENT, how_to_page

from macros.snippets import SnippetLibrary

GUIDES = {
    "attestations": "how-to/attest-image",
    "sign-with-cosign": "how-to/sign-image",
    "pull-in-workflows": "how-to/pull-in-private",
    "visibility-and-access": "how-to/access-pull-private",
    "delete-old-versions": "how-to/delete-untagged-orphans",
    "pin-and-update-actions": "how-to/pin-publish",
    "personal-access-tokens": "how-to/pat-push-other-owner",
}
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _library() -> SnippetLibrary:
    return SnippetLibrary(ROOT / "snippets", ROOT)


def _headings(text: str) -> list[str]:
    # headings outside code fences only
    return [line[3:].strip() for line in _FENCE.sub("", text).splitlines() if line.startswith("## ")]


@pytest.mark.parametrize("name", sorted(GUIDES))
def test_a_guide_starts_with_what_you_need_and_ends_with_the_check(name):
    headings = _headings(how_to_page(name))
    assert headings[0].startswith("Before you start"), headings
    assert headings[-2:] == ["Check that it worked", "Next"], headings


@pytest.mark.parametrize("name", sorted(GUIDES))
def test_a_guide_shows_its_main_workflow_whole_in_both_renderings(name):
    placements = {snippet: options for snippet, options in WORKFLOW_PLACEMENT.findall(how_to_page(name))}
    main = GUIDES[name]
    assert main in placements, f"{name}.md does not place {main}"
    assert "renderings=" not in placements[main] and "excerpt=" not in placements[main]
    snippet = _library().get(main)
    assert snippet is not None and not snippet.is_counter_example
    assert snippet.profile == "hardened", f"{main} is a security guide's workflow: check it hardened"


@pytest.mark.parametrize("name", sorted(GUIDES))
def test_every_placed_snippet_exists_and_counter_examples_say_why(name):
    library = _library()
    for snippet_id, _ in WORKFLOW_PLACEMENT.findall(how_to_page(name)):
        snippet = library.get(snippet_id)
        assert snippet is not None, f"{name}.md places missing snippet {snippet_id}"
        if snippet.is_counter_example:
            assert snippet.meta.get("why"), f"{snippet_id} must say what the reader should notice"


def _workflow_file_and_branch(snippet_id: str) -> tuple[str, str]:
    snippet = _library().get(snippet_id)
    branches = YAML(typ="safe").load(snippet.body)["on"]["push"]["branches"]
    return snippet.file_name, branches[0]


def test_cosign_verify_names_the_workflow_that_signs():
    file, branch = _workflow_file_and_branch("how-to/sign-image")
    page = how_to_page("sign-with-cosign")
    identity = re.search(r"--certificate-identity (\S+)", page)[1]
    assert identity.endswith(f"/{file}@refs/heads/{branch}"), identity
    regexp = re.search(r"--certificate-identity-regexp '([^']+)'", page)[1]
    assert re.fullmatch(regexp, identity), "the looser pattern must still accept the exact identity"
    assert re.fullmatch(regexp, identity.replace("github.com", "github.com.evil.example")) is None
    assert page.count("--certificate-oidc-issuer https://token.actions.githubusercontent.com") == 2


def test_gh_attestation_verify_names_the_workflow_that_attests():
    file, _ = _workflow_file_and_branch("how-to/attest-image")
    page = how_to_page("attestations")
    signer = re.search(r"--signer-workflow (\S+)", page)[1]
    assert signer.endswith(f"/{file}"), signer


def _dependabot_config() -> tuple[str, dict]:
    blocks = [body for lang, body in _FENCE.findall(how_to_page("pin-and-update-actions"))
              if lang == "yaml" and "package-ecosystem" in body]
    assert len(blocks) == 1, "the guide shows one .github/dependabot.yml"
    return blocks[0], YAML(typ="safe").load(blocks[0])


def test_the_dependabot_config_matches_its_schema():
    from importlib import resources

    import jsonschema

    _, config = _dependabot_config()
    schema = json.loads((resources.files("check_jsonschema.builtin_schemas.vendor") / "dependabot.json").read_text("utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [e.message for e in validator.iter_errors(config)]
    assert not errors, errors
    update = config["updates"][0]
    assert update["package-ecosystem"] == "github-actions"
    assert update["cooldown"]["default-days"] >= 7


def test_the_dependabot_config_passes_zizmor_pedantic(tmp_path):
    text, _ = _dependabot_config()
    target = tmp_path / ".github" / "dependabot.yml"
    target.parent.mkdir()
    target.write_text(text, "utf-8")
    zizmor = Path(sys.executable).with_name("zizmor")
    result = subprocess.run(
        [str(zizmor), "--offline", "--no-config", "--persona=pedantic", "--format=json", str(target)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "ZIZMOR_OFFLINE": "true"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout or "[]") == []
