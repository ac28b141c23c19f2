"""The workflow builder's variants: every combination of its fixed options, from parts.

Each variant becomes the snippet builder/<key>, rendered (tags, pinned) and checked
with every other snippet when the site builds; the builder page only picks one.

The key names every choice, in a fixed order, e.g.
    push-main+tags-v+pr__amd64-arm64__gha__meta__prov__attest__sign__hub
and `OPTIONS` below is the one place that says which choices exist: the page's form,
its script (through builder/variants.json) and the build-time checks all follow it.

The reader's image name goes in one place only, the workflow's `env: IMAGE:` line
(and its last path component in `HUB_IMAGE:`); everything else reads the variable.
macros/builder.py finds those places in each rendering and proves the checks read
them as image references before the page may substitute there.
"""
from __future__ import annotations

import itertools

IMAGE_PLACEHOLDER = "ghcr.io/your-org/your-image"
NAME_PLACEHOLDER = IMAGE_PLACEHOLDER.rsplit("/", 1)[1]
WORKFLOW_FILE = ".github/workflows/publish-image.yml"

# name: the form control; values: what the key can hold for it (first is the default);
# segment: controls sharing a segment join with "+", and empty values drop out.
OPTIONS = [
    {"name": "publish", "segment": 0, "values": ["push-main", "tags-v", "push-main+tags-v"]},
    {"name": "pr", "segment": 0, "values": ["", "pr"]},
    {"name": "platforms", "segment": 1, "values": ["amd64", "amd64-arm64"]},
    {"name": "cache", "segment": 2, "values": ["no-cache", "gha"]},
    {"name": "tags", "segment": 3, "values": ["latest", "meta"]},
    {"name": "provenance", "segment": 4, "values": ["no-prov", "prov"]},
    {"name": "attest", "segment": 5, "values": ["no-attest", "attest"]},
    {"name": "sign", "segment": 6, "values": ["no-sign", "sign"]},
    {"name": "hub", "segment": 7, "values": ["ghcr-only", "hub"]},
]


# Options whose choice changes nothing zizmor or actionlint can find, nor where the image
# name is read: they add build-push-action inputs no other line reads, or a step with no
# inputs and no id. The tools, and macros/builder.py's proof of the image name's places,
# take one variant per combination of the other options (96, not 768) as the stand-in
# for the rest (stand_ins() below); a stand-in anything is found in speaks for no one, and
# each of its variants is checked itself. Our own layers read every variant.
# tests/site/test_stand_ins.py proves every verdict and every proven place unchanged.
TOOL_INERT = ("platforms", "cache", "provenance")


def variant_key(choice: dict) -> str:
    segments: dict[int, list[str]] = {}
    for option in OPTIONS:
        value = choice[option["name"]]
        if value not in option["values"]:
            raise ValueError(f"option {option['name']!r} has no value {value!r}: pick one of {option['values']}")
        segments.setdefault(option["segment"], [])
        if value:
            segments[option["segment"]].append(value)
    return "__".join("+".join(parts) for _, parts in sorted(segments.items()))


def all_choices():
    names = [o["name"] for o in OPTIONS]
    for values in itertools.product(*(o["values"] for o in OPTIONS)):
        yield dict(zip(names, values))


# -- parts ---------------------------------------------------------------------
# Parts are lists of lines, indented relative to where they go; `_indent` places them.

NOT_A_PULL_REQUEST = "github.event_name != 'pull_request'"


def _indent(lines: list[str], by: int) -> list[str]:
    return [(" " * by + line) if line else "" for line in lines]


def _on(choice: dict) -> list[str]:
    publish = choice["publish"].split("+")
    lines = ["on:", "  push:"]
    if "push-main" in publish:
        lines.append("    branches: [main] # your default branch")
    if "tags-v" in publish:
        lines.append('    tags: ["v*"] # version tags such as v1.2.3')
    if choice["pr"]:
        lines += ["  pull_request:", "    branches: [main] # pull requests build the image but never push it"]
    return lines


def _concurrency(choice: dict) -> list[str]:
    cancel = ("${{ github.event_name == 'pull_request' }} # a newer commit replaces a pull request's build"
              if choice["pr"] else "false # let every publish finish")
    return ["concurrency:", "  group: ${{ github.workflow }}-${{ github.ref }}", f"  cancel-in-progress: {cancel}"]


def _env(choice: dict) -> list[str]:
    lines = ["env:", "  # The image on ghcr.io, in lowercase: ghcr.io/OWNER/NAME", f"  IMAGE: {IMAGE_PLACEHOLDER}"]
    if choice["hub"] == "hub":
        lines += ["  # The same image on Docker Hub, under your repository variable DOCKERHUB_USERNAME",
                  f"  HUB_IMAGE: docker.io/${{{{ vars.DOCKERHUB_USERNAME }}}}/{NAME_PLACEHOLDER}"]
    return lines


def _permissions(choice: dict) -> list[str]:
    attest, sign = choice["attest"] == "attest", choice["sign"] == "sign"
    pushed = "the image" + (", its signature" if sign else "") + (" and its attestation" if attest else "")
    lines = ["permissions:", "  contents: read # actions/checkout reads the repository",
             f"  packages: write # push {pushed} to ghcr.io"]
    if attest or sign:
        users = " and ".join(u for u, on in (("the attestation", attest), ("keyless signing", sign)) if on)
        lines.append(f"  id-token: write # an OIDC token for {users}")
    if attest:
        lines += ["  attestations: write # store the attestation with the repository",
                  "  artifact-metadata: write # record where the attested image is stored"]
    return lines


def _gate(choice: dict, why: str = "") -> list[str]:
    """The `if:` that keeps a step out of pull requests, where nothing is pushed."""
    if not choice["pr"]:
        return []
    return [f"if: {NOT_A_PULL_REQUEST}" + (f" # {why}" if why else "")]


def _step(name: str, *body: str | list[str]) -> list[str]:
    """A step: `- name:` first, then its keys (strings, or lists of lines from a part)."""
    lines = [f"- name: {name}"]
    for part in body:
        lines += _indent(part if isinstance(part, list) else [part], 2)
    return lines


def _with(*inputs: str | list[str]) -> list[str]:
    lines = ["with:"]
    for item in inputs:
        lines += _indent(item if isinstance(item, list) else [item], 2)
    return lines


def _steps(choice: dict) -> list[list[str]]:
    hub = choice["hub"] == "hub"
    steps = [_step("Check out the repository", "uses: actions/checkout", _with("persist-credentials: false"))]
    if choice["platforms"] == "amd64-arm64":
        steps.append(_step("Set up QEMU # runs the arm64 half of the build on the amd64 runner",
                           "uses: docker/setup-qemu-action"))
    steps.append(_step("Set up Docker Buildx", "uses: docker/setup-buildx-action"))
    steps.append(_step("Log in to ghcr.io", _gate(choice, "pull requests from forks get a read-only token"),
                       "uses: docker/login-action",
                       _with("registry: ghcr.io", "username: ${{ github.actor }}",
                             "password: ${{ secrets.GITHUB_TOKEN }}")))
    if hub:
        steps.append(_step("Log in to Docker Hub", _gate(choice), "uses: docker/login-action",
                           _with("registry: docker.io", "username: ${{ vars.DOCKERHUB_USERNAME }}",
                                 "password: ${{ secrets.DOCKERHUB_TOKEN }} # a Docker Hub access token")))
    if choice["tags"] == "meta":
        steps.append(_metadata_step(choice))
    steps.append(_build_step(choice))
    if choice["attest"] == "attest":
        steps.append(_step("Attest where and how the image was built", _gate(choice), "uses: actions/attest",
                           _with("subject-name: ${{ env.IMAGE }}",
                                 "subject-digest: ${{ steps.build.outputs.digest }}",
                                 "push-to-registry: true")))
    if choice["sign"] == "sign":
        steps.append(_step("Install cosign", _gate(choice), "uses: sigstore/cosign-installer"))
        # The names come from env:, never from ${{ }} inside the script: nothing to inject.
        script = ["run: |", '  cosign sign --yes "${IMAGE}@${DIGEST}"']
        if hub:
            script.append('  cosign sign --yes "${HUB_IMAGE}@${DIGEST}"')
        steps.append(_step("Sign the image, keyless", _gate(choice),
                           ["env:", "  DIGEST: ${{ steps.build.outputs.digest }}"], script))
    return steps


def _metadata_step(choice: dict) -> list[str]:
    publish = choice["publish"].split("+")
    rules = []
    if "push-main" in publish:
        rules.append("type=ref,event=branch")
    if "tags-v" in publish:
        rules += ["type=semver,pattern={{version}}", "type=semver,pattern={{major}}.{{minor}}"]
    rules.append("type=sha")
    if publish == ["push-main"]:
        # without version tags nothing sets latest: give it to the default branch
        rules.append("type=raw,value=latest,enable={{is_default_branch}}")
    if choice["pr"]:
        rules.append("type=ref,event=pr")
    images = ["${{ env.IMAGE }}"] + (["${{ env.HUB_IMAGE }}"] if choice["hub"] == "hub" else [])
    return _step("Work out tags and labels", "id: meta", "uses: docker/metadata-action",
                 _with(["images: |", *_indent(images, 2)], ["tags: |", *_indent(rules, 2)]))


def _build_step(choice: dict) -> list[str]:
    platforms = "linux/amd64,linux/arm64" if choice["platforms"] == "amd64-arm64" else "linux/amd64"
    push = "${{ github.event_name != 'pull_request' }}" if choice["pr"] else "true"
    if choice["tags"] == "meta":
        tags = ["tags: ${{ steps.meta.outputs.tags }}", "labels: ${{ steps.meta.outputs.labels }}"]
    elif choice["hub"] == "hub":
        tags = ["tags: |", "  ${{ env.IMAGE }}:latest", "  ${{ env.HUB_IMAGE }}:latest"]
    else:
        tags = ["tags: ${{ env.IMAGE }}:latest"]
    if choice["tags"] == "latest" and "tags-v" in choice["publish"]:
        tags = ["# every version tag moves latest, pre-releases such as v2.0.0-rc.1 too", *tags]
    extra = []
    if choice["cache"] == "gha":
        extra += ["cache-from: type=gha", "cache-to: type=gha,mode=max # every layer, not only the final image's"]
    if choice["provenance"] == "prov":
        extra += ["provenance: mode=max # how the image was built, attached to it",
                  "sbom: true # what the image contains, attached to it"]
    else:
        extra.append("provenance: false # no attestation manifests next to the image")
    return _step("Build and push", "id: build", "uses: docker/build-push-action",
                 _with("context: .", f"platforms: {platforms}", f"push: {push}", tags, *[[e] for e in extra]))


def workflow(choice: dict) -> str:
    key = variant_key(choice)
    lines = [
        f"#| title: Build and publish an image to ghcr.io ({key})",
        f"#| file: {WORKFLOW_FILE}",
        "name: Publish image",
        "",
        *_on(choice),
        "",
        "permissions: {} # the job below asks for what it needs",
        "",
        *_concurrency(choice),
        "",
        *_env(choice),
        "",
        "jobs:",
        "  publish:",
        "    name: Build and publish",
        "    runs-on: ubuntu-latest",
        *_indent(_permissions(choice), 4),
        "    steps:",
    ]
    for number, step in enumerate(_steps(choice)):
        if number:
            lines.append("")
        lines += _indent(step, 6)
    return "\n".join(lines) + "\n"


def stand_ins() -> dict[str, str]:
    """Variant -> the variant whose external tools' verdict stands for it (see TOOL_INERT)."""
    defaults = {o["name"]: o["values"][0] for o in OPTIONS if o["name"] in TOOL_INERT}
    return {variant_key(choice): variant_key({**choice, **defaults}) for choice in all_choices()}


def compose() -> dict[str, str]:
    return {variant_key(choice): workflow(choice) for choice in all_choices()}
