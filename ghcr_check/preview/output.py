"""A preview as Markdown (the site) or text (the command line)."""
from __future__ import annotations

from .events import SampleContext
from .model import Preview

def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown_result(preview: Preview) -> str:
    if preview.push and preview.refs:
        cells = []
        for ref in preview.refs:
            bad = preview.invalid.get(ref)
            cells.append(f"`{ref}`" + (f" :material-alert: invalid: {_cell(bad)}" if bad else ""))
        result = "<br>".join(cells)
        if preview.empty_push:
            result += "<br>:material-close-octagon: another step pushes with no tags: it fails (`G011`)"
    elif preview.empty_push:
        result = ":material-close-octagon: pushes with no tags: the push fails (`G011`)"
    else:
        result = _cell(preview.summary())
    if preview.notes and preview.runs:
        result += "<br><small>" + _cell("; ".join(preview.notes)) + "</small>"
    return result


def preview_markdown(previews: list[Preview], ctx: SampleContext | None = None) -> str:
    """A table, event -> what it pushes, and a line saying what it was computed for."""
    ctx = ctx or SampleContext()
    rows = ["| Event | Image references pushed |", "|---|---|"]
    rows += [f"| {preview.event.label(ctx)} | {_markdown_result(preview)} |" for preview in previews]
    caption = (f":material-table-eye: Computed from this workflow when the page was built, for the repository "
               f"`{ctx.repository}` (default branch `{ctx.default_branch}`), commit `{ctx.sha[:7]}`, "
               f"on {ctx.date:%Y-%m-%d}. Pull requests target `{ctx.base_ref}`."
               + "".join(f" `vars.{name}` is `{value}`." for name, value in ctx.variables))
    return ('\n<div class="ghcr-tag-preview" markdown>\n\n' + "\n".join(rows) + "\n\n"
            + caption + "\n\n</div>\n")


def preview_text(path: str, previews: list[Preview], ctx: SampleContext | None = None) -> str:
    """The preview for a terminal: one block per file, one line per reference."""
    ctx = ctx or SampleContext()
    lines = [f"{path}: tag preview for {ctx.repository} (default branch {ctx.default_branch}, "
             f"commit {ctx.sha[:7]}, {ctx.date:%Y-%m-%dT%H:%M:%SZ})"]
    width = max((len(str(p.event)) for p in previews), default=0)
    for preview in previews:
        label = str(preview.event).ljust(width)
        if preview.push and preview.refs:
            for index, ref in enumerate(preview.refs):
                bad = preview.invalid.get(ref)
                shown = ref + (f"  (invalid: {bad})" if bad else "")
                lines.append(f"  {label if index == 0 else ' ' * width}  {shown}")
            if preview.empty_push:
                lines.append(f"  {' ' * width}  (another step pushes with no tags: it fails, G011)")
        else:
            lines.append(f"  {label}  {preview.summary(plain=True)}")
        for note in preview.notes if preview.runs else ():
            lines.append(f"  {' ' * width}  ({note.replace('`', '')})")
    return "\n".join(lines) + "\n"


