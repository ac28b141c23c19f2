"""What a preview says for one event: does the workflow run, does it push, which references."""
from __future__ import annotations

from ..records import field, record
from ..rules import Finding
from .events import Event


@record
class Preview:
    event: Event
    runs: bool | None = None  # None: not previewed
    push: bool | None = None
    refs: list[str] = field(default_factory=list)
    why: str = ""  # why it does not run, or why it is not previewed
    built: bool = False  # some build-push step ran
    notes: list[str] = field(default_factory=list)
    invalid: dict[str, str] = field(default_factory=dict)  # ref -> what is wrong with it
    findings: list[Finding] = field(default_factory=list)
    empty_push: bool = False  # a step pushes with no tags
    digest_push: bool = False  # a step pushes an untagged image by digest

    @property
    def previewed(self) -> bool:
        return self.runs is not None

    def as_json(self, path: str | None = None) -> dict:
        out = {"event": str(self.event), "push": self.push, "refs": list(self.refs)}
        if path is not None:
            out = {"path": path, **out}
        out["why"] = self.summary(plain=True) if not (self.push and self.refs) else None
        if self.notes:
            out["notes"] = list(self.notes)
        if self.invalid:
            out["invalid"] = dict(self.invalid)
        return out

    def summary(self, plain: bool = False) -> str:
        """One phrase for what happens when there are no references to list (Markdown unless plain)."""
        why = self.why.replace("`", "") if plain else self.why
        if not self.previewed:
            return f"not previewed: {why}"
        if not self.runs:
            return f"does not run: {why}"
        if self.empty_push:
            return "pushes with no tags: the push fails (G011)"
        if self.digest_push:
            return "pushes untagged images by digest only"
        if self.built:
            return "build only, not pushed"
        return "nothing is built or pushed"
