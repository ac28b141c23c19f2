"""A reproducible corpus of varied publishing workflows, for bench/check.py.

Each workflow is assembled from parts a real one has: triggers, workflow- or job-level
permissions, one to three jobs, checkout, QEMU and Buildx, a login, metadata-action,
build-push with or without platforms and caches, attestations, signing, matrices,
containers and services, `run:` steps with expressions. Refs are tags, SHAs or old
majors. About one in five carries a mistake the course's checks know (a login with
no registry, a missing `packages: write`, an owner with capitals, a typo in an input
or an expression, a script injection), and a few are not valid YAML at all.
"""
from __future__ import annotations

import random
import textwrap

from ghcr_check.catalog import load_catalog

TRIGGERS = [
    "on:\n  push:\n    branches: [main]\n",
    "on:\n  push:\n    branches: [main]\n    tags: ['v*']\n  pull_request:\n    branches: [main]\n",
    "on:\n  release:\n    types: [published]\n",
    "on:\n  workflow_dispatch:\n  schedule:\n    - cron: '17 3 * * 1'\n",
    "on: [push, pull_request]\n",
    "on:\n  push:\n    paths: ['Dockerfile', 'src/**']\n",
]
MISTAKES = ["no-registry", "no-packages-write", "capitals", "input-typo", "expression-typo", "node20-major", "injection"]


class Corpus:
    def __init__(self, seed: int = 2026):
        self.rng = random.Random(seed)
        self.catalog = load_catalog()

    def ref(self, action: str, old: bool = False) -> str:
        entry = self.catalog.get(action)
        if old:
            older = [m for m in entry.older_majors if m != entry.current_major] or [entry.current_major]
            return f"{action}@{self.rng.choice(older)}"
        if self.rng.random() < 0.5:
            return f"{action}@{entry.sha} # {entry.newest_tag}"
        return f"{action}@{entry.tag_ref}"

    def step(self, name: str | None, uses: str | None = None, with_: dict | None = None, run: str | None = None,
             extra: str = "") -> str:
        lines = [f"- name: {name}" if name else None]
        if uses:
            lines.append(f"  uses: {uses}" if name else f"- uses: {uses}")
        if run:
            lines.append(f"  run: {run}" if (name or uses) else f"- run: {run}")
        lines = [line for line in lines if line]
        if with_:
            lines.append("  with:")
            lines += [f"    {k}: {v}" for k, v in with_.items()]
        if extra:
            lines.append(extra)
        return "\n".join(lines) + "\n"

    def publish_job(self, job_id: str, mistake: str | None, pr_gated: bool) -> str:
        rng = self.rng
        old = mistake == "node20-major"
        image = "ghcr.io/${{ github.repository_owner }}/app" if mistake == "capitals" else "ghcr.io/${{ env.OWNER }}/app"
        gate = "github.event_name != 'pull_request'"
        steps = [self.step("Check out", self.ref("actions/checkout", old), {"persist-credentials": "false"})]
        steps.append(self.step("Lowercase the owner", run='echo "OWNER=${GITHUB_REPOSITORY_OWNER,,}" >> "$GITHUB_ENV"'))
        multi = rng.random() < 0.5
        if multi:
            steps.append(self.step("Set up QEMU", self.ref("docker/setup-qemu-action")))
        steps.append(self.step("Set up Buildx", self.ref("docker/setup-buildx-action", old)))
        login = {"username": "${{ github.actor }}", "password": "${{ secrets.GITHUB_TOKEN }}"}
        if mistake != "no-registry":
            login = {"registry": "ghcr.io", **login}
        steps.append(self.step("Log in", self.ref("docker/login-action", old), login,
                               extra=f"  if: {gate}" if pr_gated else ""))
        use_meta = rng.random() < 0.6
        if use_meta:
            rules = rng.sample(["type=ref,event=branch", "type=ref,event=pr", "type=semver,pattern={{version}}",
                                "type=semver,pattern={{major}}.{{minor}}", "type=sha", "type=schedule"], k=rng.randint(2, 5))
            meta_with = {"images": "ghcr.io/${{ github.repository }}",
                         "tags": "|\n" + textwrap.indent("\n".join(rules), " " * 6)}
            steps.append(self.step("Metadata", self.ref("docker/metadata-action"), meta_with, extra="  id: meta"))
        build = {"context": ".", "push": f"${{{{ {gate} }}}}" if pr_gated else "true",
                 "tags": "${{ steps.meta.outputs.tags }}" if use_meta else f"{image}:latest"}
        if use_meta:
            build["labels"] = "${{ steps.meta.outputs.labels }}"
        if multi:
            build["platforms"] = "linux/amd64,linux/arm64"
        if rng.random() < 0.4:
            build["cache-from"], build["cache-to"] = "type=gha", "type=gha,mode=max"
        if mistake == "input-typo":
            build["plaforms"] = build.pop("platforms", "linux/amd64")
        steps.append(self.step("Build and push", self.ref("docker/build-push-action", old), build, extra="  id: build"))
        attest = rng.random() < 0.4
        if attest:
            steps.append(self.step("Attest", self.ref("actions/attest"),
                                   {"subject-name": "ghcr.io/${{ env.OWNER }}/app",
                                    "subject-digest": "${{ steps.build.outputs.digest }}", "push-to-registry": "true"},
                                   extra=f"  if: {gate}" if pr_gated else ""))
        actor = "${{ github.actorr }}" if mistake == "expression-typo" else "${{ github.actor }}"
        if mistake == "injection":
            steps.append(self.step("Summary", run='echo "${{ github.event.head_commit.message }}"'))
        else:  # values reach the shell through the environment, never pasted into the script
            steps.append(self.step("Summary", run='echo "pushed by $ACTOR, digest $DIGEST"',
                                   extra=f"  env:\n    ACTOR: {actor}\n    DIGEST: ${{{{ steps.build.outputs.digest }}}}"))
        permissions = ["contents: read"]
        if mistake != "no-packages-write":
            permissions.append("packages: write")
        if attest:
            permissions += ["id-token: write", "attestations: write", "artifact-metadata: write"]
        body = "".join(textwrap.indent(s, "      ") for s in steps)
        perms = "".join(f"      {p}\n" for p in permissions)
        return (f"  {job_id}:\n    name: Publish {job_id}\n    runs-on: ubuntu-latest\n"
                f"    permissions:\n{perms}    steps:\n{body}")

    def test_job(self, job_id: str) -> str:
        rng = self.rng
        matrix = rng.random() < 0.5
        lines = [f"  {job_id}:", "    runs-on: ubuntu-latest", "    permissions:", "      contents: read"]
        if matrix:
            lines += ["    strategy:", "      matrix:", "        python: ['3.11', '3.12', '3.13']"]
        if rng.random() < 0.3:
            lines += ["    services:", "      db:", "        image: postgres:17", "        ports: ['5432:5432']"]
        lines += ["    steps:", textwrap.indent(self.step(None, self.ref("actions/checkout"), {"persist-credentials": "false"}), "      ").rstrip()]
        run = "make test PYTHON=${{ matrix.python }}" if matrix else "make test"
        lines.append(textwrap.indent(self.step("Test", run=run), "      ").rstrip())
        return "\n".join(lines) + "\n"

    def workflow(self, index: int) -> str:
        rng = self.rng
        if index % 67 == 13:  # a few that are not YAML at all
            return "name: broken\non: [push\njobs:\n  x:\n    runs-on: ubuntu-latest\n"
        mistake = rng.choice(MISTAKES) if rng.random() < 0.2 else None
        trigger = rng.choice(TRIGGERS)
        pr_gated = "pull_request" in trigger
        jobs = []
        if rng.random() < 0.5:
            jobs.append(self.test_job("test"))
        jobs.append(self.publish_job("publish", mistake, pr_gated))
        if rng.random() < 0.25:
            jobs.append(self.publish_job("publish-extra", None, pr_gated))
        head = f"name: Workflow {index}\n{trigger}"
        if rng.random() < 0.5:
            head += "permissions: {}\n"
        if rng.random() < 0.5:
            head += "concurrency:\n  group: ${{ github.workflow }}-${{ github.ref }}\n  cancel-in-progress: true\n"
        return head + "jobs:\n" + "".join(jobs)

    def generate(self, count: int) -> dict[str, str]:
        return {f"{index:03d}.yml": self.workflow(index) for index in range(count)}
