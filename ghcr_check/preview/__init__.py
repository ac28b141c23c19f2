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
from importlib import import_module

# Each name is loaded from its module on first use: the ghcr layer imports metadata.py for
# every check, and must not load the whole preview with it.
_WHERE = {
    "events": ("EVENT_FORMS", "Event", "SampleContext", "UsageError", "parse_context", "parse_event"),
    "metadata": ("MetaContext", "MetadataError", "NotPreviewed", "compute"),
    "model": ("Preview",),
    "output": ("preview_markdown", "preview_text"),
    "simulate": ("check", "default_events", "findings", "load", "preview_event", "preview_workflow", "previews_json"),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}
__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
