"""The tag_preview() macro: a table of what each event pushes, under a placed snippet."""
from __future__ import annotations

from ghcr_check.preview import (SampleContext, UsageError, findings, parse_context, parse_event,
                                 preview_markdown, preview_workflow)

from .site_rules import finding
from .sitebuild import Failure


def place(build, snippet_id: str, page_uri: str, events=None, context=None) -> str:
    """The Markdown for tag_preview() on a page; problems become build failures, never exceptions.

    events: None (the default events), or a list of EVENT strings as on the command line;
    context: None, or KEY=VALUE strings (or a dict) as --context takes them.
    """
    build.prepare()
    page = f"{build.docs_dir}/{page_uri}"
    snippet = build.library.get(snippet_id)
    if snippet is None:
        build.failures.append(Failure(page, None, finding(
            "D006", snippet=snippet_id, fix=f"add snippets/{snippet_id}.yml, or fix the id in tag_preview()")))
        return f'\n!!! failure "Missing snippet {snippet_id}"\n'

    def refuse(what: str, problem: UsageError) -> None:
        build.failures.append(Failure(page, snippet, finding(
            "D010", snippet=snippet.id, problem=f"{what}: {problem}")))

    try:
        pairs = [f"{k}={v}" for k, v in context.items()] if isinstance(context, dict) else list(context or [])
        ctx = parse_context(pairs)
    except UsageError as problem:
        refuse("context", problem)
        ctx = SampleContext()
    text = build.texts[(snippet.id, "tags")]
    chosen = None if events is None else []
    for raw in [] if events is None else [events] if isinstance(events, str) else list(events):
        try:
            chosen.append(parse_event(raw))
        except UsageError as problem:
            refuse("event", problem)
    previews = preview_workflow(text, chosen, ctx)
    if not snippet.is_counter_example:  # a counter-example may fail on purpose; its own checks judge it
        for problem in findings(previews):
            build.failures.append(Failure(page, snippet, problem.moved(snippet.offset)))
    return preview_markdown(previews, ctx)
