"""Markdown for a snippet on a page: content tabs, highlighted code, annotations, download, check note.

Only Markdown extensions are assumed here (superfences, tabbed, attr_list, admonition),
not MkDocs itself, so another site generator can use the same output.
"""
from __future__ import annotations

import html
import posixpath
import re
import textwrap
from dataclasses import dataclass

from ghcr_check import rules as registry
from ghcr_check.rules import Finding
from .snippets import PINNED, TAGS, Snippet

TAB_LABELS = {TAGS: "Tags", PINNED: "Pinned by SHA"}
LAYER_NAMES = {layer.name: layer.checked_as for layer in registry.layers()}  # a check note's words
LAYER_TITLES = {layer.name: layer.title for layer in registry.layers()}  # rule pages' and the index's


@dataclass
class Placement:
    """How a page shows a snippet."""

    highlight: list  # of (first, last) line ranges, 1-based in the whole text
    annotations: list  # of (line, text)
    renderings: tuple
    excerpt: tuple | None = None  # (first, last): show only these lines


def attribute(value: str) -> str:
    """A value safe inside a fence's { ... } attribute list, newlines kept as entities."""
    escaped = html.escape(value, quote=True)
    return escaped.replace("{", "&#123;").replace("}", "&#125;").replace("\n", "&#10;").replace("\t", "&#9;")


def _has_comment(line: str) -> bool:
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return True
    return False


def annotate(text: str, annotations: list) -> str:
    """Material's markers: `# (n)!` where a line has no comment, `(n)` inside an existing one."""
    lines = text.split("\n")
    for number, (line_no, _) in enumerate(annotations, 1):
        line = lines[line_no - 1]
        lines[line_no - 1] = f"{line} ({number})" if _has_comment(line) else f"{line}  # ({number})!"
    return "\n".join(lines)


def excerpt_text(text: str, first: int, last: int) -> str:
    return textwrap.dedent("\n".join(text.split("\n")[first - 1: last])) + "\n"


def _fence(snippet: Snippet, text: str, rendering: str, placement: Placement) -> str:
    title = snippet.file_name
    shift = 0
    if placement.excerpt:
        first, last = placement.excerpt
        title = f"{snippet.file_name}, lines {first}–{last}"
        text, shift = excerpt_text(text, first, last), first - 1
    attrs = [".yaml", f'title="{attribute(title)}"']
    spans = [(a - shift, b - shift) for a, b in placement.highlight if a - shift >= 1]
    if spans:
        attrs.append(f'hl_lines="{" ".join(f"{a}-{b}" if a != b else str(a) for a, b in spans)}"')
    attrs.append(f'data-copy="{attribute(text)}"')
    attrs.append(f'data-snippet="{attribute(snippet.id)}"')
    attrs.append(f'data-rendering="{rendering}"')
    if placement.excerpt:
        attrs.append(f'data-excerpt="{placement.excerpt[0]}-{placement.excerpt[1]}"')
    notes = [(line - shift, note) for line, note in placement.annotations if line - shift >= 1]
    shown = annotate(text, notes).rstrip("\n")
    fence = "```" if "```" not in shown else "````"
    out = f"{fence} {{ {' '.join(attrs)} }}\n{shown}\n{fence}\n"
    if notes:
        out += "\n" + "".join(
            f"{n}.  {textwrap.indent(note.strip(), '    ').lstrip()}\n" for n, (_, note) in enumerate(notes, 1)
        )
    return out


def _download(snippet: Snippet, rendering: str, page_uri: str) -> str:
    target = posixpath.relpath(snippet.raw_name(rendering), posixpath.dirname(page_uri) or ".")
    label = snippet.file_name if rendering == TAGS else f"{snippet.file_name} (pinned)"
    name = snippet.file_name.rsplit("/", 1)[-1]
    return f'[:material-download: Download {html.escape(label)}]({target}){{ download="{attribute(name)}" }}'


def _check_note(layers: tuple, as_of: str) -> str:
    names = ", ".join(LAYER_NAMES.get(layer, layer) for layer in layers)
    return f":material-check-decagram: Checked when this page was built: {names} (catalog as of {as_of}). No findings."


def snippet_markdown(snippet: Snippet, texts: dict, page_uri: str, placement: Placement,
                     layers: tuple, as_of: str, findings: list[Finding] | None = None) -> str:
    if snippet.is_counter_example:
        return _counter_example(snippet, texts[snippet.renderings[0]], page_uri, placement, findings or [])
    blocks = []
    for rendering in placement.renderings:
        body = _fence(snippet, texts[rendering], rendering, placement)
        download = _download(snippet, rendering, page_uri)
        if placement.excerpt:
            download = download.replace(":material-download: Download ", ":material-download: Download the whole ", 1)
            note = ":material-check-decagram: An excerpt of a workflow checked when this page was built."
        else:
            note = _check_note(layers, as_of)
            if snippet.profile == "hardened" and rendering == PINNED:
                note += " The hardened profile finds nothing either."
        body += f"\n{download} · {note}\n{{ .ghcr-check }}\n"
        blocks.append(body if len(placement.renderings) == 1
                      else f'=== "{TAB_LABELS[rendering]}"\n\n{textwrap.indent(body, "    ")}')
    title = ""
    if snippet.meta.get("title") and not placement.excerpt:
        title = f"{_md_inline(snippet.title)}\n{{ .ghcr-snippet__title }}\n\n"
    return "\n" + title + "\n".join(blocks) + "\n"


def _counter_example(snippet: Snippet, text: str, page_uri: str, placement: Placement, findings: list[Finding]) -> str:
    if not placement.highlight:  # point at what the checks found
        placement = Placement(sorted({(f.line, f.line) for f in findings}), placement.annotations,
                              placement.renderings, placement.excerpt)
    rendering = snippet.renderings[0]
    body = _fence(snippet, text, rendering, placement)
    rows = "".join(
        f"- `{f.rule}` line {f.line}: {_md_inline(f.message)}\n" for f in findings
    )
    why = f"{snippet.meta['why']}\n\n" if snippet.meta.get("why") else ""
    inner = (f"{why}{body}\n{_download(snippet, rendering, page_uri)}\n\n"
             f"The checks find, as expected:\n\n{rows}")
    title = f"Counter-example: {snippet.title} (do not copy)"
    return f'\n!!! failure "{html.escape(title)}"\n\n{textwrap.indent(inner, "    ")}\n'


def _md_inline(text: str) -> str:
    """A message as inline Markdown: code-like parts in backticks, nothing else interpreted."""
    parts = re.split(r"('[^']*')", text)
    out = []
    for part in parts:
        if part.startswith("'") and part.endswith("'") and len(part) > 1:
            inner = part[1:-1].replace("`", "")
            out.append(f"`{inner}`")
        else:
            out.append(re.sub(r"([\\`*_\[\]<>|])", r"\\\1", part))
    return "".join(out)


def catalog_markdown(catalog) -> str:
    """The catalog as a reference table: what snippets use, and when it was last read."""
    rows = ["| Action | Current major | Newest tag | Commit SHA of that tag | Runtime | As of |",
            "|---|---|---|---|---|---|"]
    for entry in catalog:
        major = entry.current_major if entry.moving_major_tag else f"{entry.current_major} (no moving tag)"
        rows.append(f"| `{entry.action}` | `{major}` | `{entry.newest_tag}` | `{entry.sha}` | {entry.runtime} | {entry.as_of} |")
    return "\n".join(rows) + "\n"


def exercise_markdown(snippet: Snippet, text: str, page_uri: str, question: str, answer: str, rule: str) -> str:
    """A question admonition with the broken workflow; the answer, naming the rule, folded."""
    rendering = snippet.renderings[0]
    fence = _fence(snippet, text, rendering, Placement([], [], (rendering,)))
    answer_block = (f"{answer.strip()}\n\nThe checks report this as **`{rule}`**, and the build of this page "
                    f"proves that this workflow raises exactly that rule.\n")
    inner = (f"{question.strip()}\n\n{fence}\n{_download(snippet, rendering, page_uri)}\n\n"
             f'??? success "Answer"\n\n{textwrap.indent(answer_block, "    ")}')
    return f'\n!!! question "Find the bug: {html.escape(snippet.title)}"\n\n{textwrap.indent(inner, "    ")}\n'


def _template(text: str) -> str:
    return registry.template(text)


def _page_link(page: str, titles: dict, from_uri: str) -> str:
    target = posixpath.relpath(page, posixpath.dirname(from_uri))
    title = re.sub(r"([\\\[\]])", r"\\\1", titles.get(page, page))
    return f"[{title}]({target})"


_BATCH_LAYERS = {layer.name: layer.title for layer in registry.layers("batch")}


def _imported_rule_silence(rule) -> str:
    """What every imported rule (zizmor, actionlint) has in common, where its entry says nothing more."""
    if rule.layer not in _BATCH_LAYERS:
        return ""
    tool = rule.layer
    return (f"whenever {tool} does not report it, and on a line where one of ghcr-check's own rules already "
            f"reports the same problem (the rule's `duplicates:` in ghcr_check/data/rules/{tool}.yml): one "
            f"problem, one finding. A file that is not valid YAML gets no {tool} finding: the YAML rules say why.")


def rule_page_markdown(rule, has_examples: bool, teaching: tuple = (), titles: dict | None = None) -> str:
    """The reference page of one rule; its examples are placed (and so checked) by the macros.

    teaching: the course pages (docs paths) that teach the rule, titles their headings.
    """
    uri = f"reference/rules/{rule.id}.md"
    lines = [
        f"# {rule.id} {rule.name}",
        "",
        f"**{LAYER_TITLES.get(rule.layer, rule.layer)}** · severity **{rule.severity}**",
        "",
        rule.summary,
        "",
    ]
    if rule.why:
        lines += ["## Why it matters", "", rule.why, ""]
    silent = rule.silent or _imported_rule_silence(rule)
    if silent:  # entries read as "for ...", "where ...": the page's sentence starts with a capital
        lines += ["## When it stays silent", "", silent[:1].upper() + silent[1:], ""]
    lines += [
        "## What ghcr-check says",
        "",
        "Message",
        f":   `{_template(rule.message)}`",
        "",
        "Fix",
        f":   `{_template(rule.fix)}`",
        "",
    ]
    if has_examples:
        lines += [
            "## Failing example",
            "",
            f'<!--[[ workflow("rules/{rule.id}/fail") ]]-->',
            "",
            "## Passing example",
            "",
            f'<!--[[ workflow("rules/{rule.id}/pass") ]]-->',
            "",
        ]
    elif rule.no_examples:
        lines += ["## Examples", "", f"None on this page: {rule.no_examples}.", ""]
    if teaching:
        lines += ["## Where the course teaches it", ""]
        lines += [f"- {_page_link(page, titles or {}, uri)}" for page in teaching]
        lines.append("")
    return "\n".join(lines)


def rules_index_markdown(rules) -> str:
    lines = [
        "# Check rules",
        "",
        "Every finding of `ghcr-check`, and of this site's build, comes from one of these rules. "
        "Each has a stable ID, a one-line message and a fix, and says why it matters; each page shows "
        "a failing and a passing example, both checked when the site was built, and the pages of the "
        "course that teach it.",
        "",
        "**Unknown is not wrong.** An error means the workflow is certainly wrong for its repository: the "
        "publish will fail, it is exploitable, or a line does something other than it says. What the "
        "checker cannot know (a shell expansion, an expression it cannot evaluate, a local action or a "
        "caller it cannot read, the repository's default token setting, the owner's capitals, a third-party "
        "action) is never an error: it stays silent, or says at most a warning of what it could not know. "
        "An info is true but asks nothing of the workflow (a newer major exists; the catalog is older than "
        "the tag). Each rule's page says when it stays silent and why.",
        "",
    ]
    by_layer: dict[str, list] = {}
    for rule in rules:
        by_layer.setdefault(rule.layer, []).append(rule)
    for group, layers in registry.meta().index:
        shown = [layer for layer in layers if layer in by_layer]
        if not shown:
            continue
        lines += [f"## {group}", ""]
        for layer in shown:
            lines += [f"### {LAYER_TITLES[layer]}", "", "| Rule | Name | Severity | What it finds |", "|---|---|---|---|"]
            for rule in by_layer[layer]:
                summary = rule.summary.replace("|", "\\|")
                lines.append(f"| [{rule.id}]({rule.id}.md) | `{rule.name}` | {rule.severity} | {summary} |")
            lines.append("")
    return "\n".join(lines)


def profiles_markdown() -> str:
    """The profiles as a definition list, from the registry's one description of each."""
    return "\n".join(f"`{p.name}`\n:   {p.description[0].upper()}{p.description[1:]}.\n"
                     for p in registry.profiles().values())


def problems_admonition(failures) -> str:
    """HTML for the top of a page served by `mkdocs serve` while checks fail: what failed,
    where, and the fix, one item per problem (a build stops instead)."""
    items = []
    for failure in failures:
        f = failure.finding
        where = failure.page if failure.snippet is None else f"snippet {failure.snippet.id} ({failure.snippet.path})"
        items.append(f"<li><code>{html.escape(f.rule)}</code> {html.escape(f.message)}<br>"
                     f"<small>{html.escape(where)}, line {f.line}, column {f.column}</small><br>"
                     f"Fix: {html.escape(f.fix)}</li>")
    count = len(failures)
    title = f"{count} problem{'s' * (count != 1)}: mkdocs build would stop here"
    return (f'<div class="admonition failure ghcr-problems"><p class="admonition-title">{html.escape(title)}</p>'
            f"<ul>{''.join(items)}</ul></div>\n")
