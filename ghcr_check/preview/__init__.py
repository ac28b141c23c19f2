"""Tag preview: which image references a workflow pushes for an event.

Given a workflow, an event (`push:refs/heads/main`, `push:refs/tags/v1.2.3`,
`pull_request:42`, `schedule`, `workflow_dispatch:refs/heads/main`) and a sample
context (repository, default branch, commit, date), it works out what GitHub and
the actions would do: whether `on:` starts the workflow (triggers.py), which jobs
and steps their `if:` lets run, what `$GITHUB_ENV` and `$GITHUB_OUTPUT` hold and
what each docker/build-push-action step pushes (simulate.py), and what
docker/metadata-action outputs (metadata.py).

It evaluates a subset and says so: anything outside it (a secret, a matrix value,
a shell computation, `type=match`, ...) makes the preview "not previewed: <why>",
never a guess. A step that pushes with an empty tag list is a G011 finding.

Front ends: `ghcr-check --preview EVENT [--context KEY=VALUE]` (cli.py) and the
course's `tag_preview()` macro (macros/tag_preview.py).
"""
from .events import EVENT_FORMS, Event, SampleContext, UsageError, parse_context, parse_event
from .metadata import MetaContext, MetadataError, NotPreviewed, compute
from .model import Preview
from .output import preview_markdown, preview_text
from .simulate import check, default_events, findings, load, preview_event, preview_workflow, previews_json

__all__ = ["EVENT_FORMS", "Event", "MetaContext", "MetadataError", "NotPreviewed", "Preview", "SampleContext",
           "UsageError", "check", "compute", "default_events", "findings", "load", "parse_context", "parse_event",
           "preview_event", "preview_markdown", "preview_text", "preview_workflow", "previews_json"]
