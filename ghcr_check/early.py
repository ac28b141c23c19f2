"""zizmor's head start: the command starts it before the checker loads.

On one file, ghcr-check takes as long as zizmor's run plus whatever comes before that run
starts: the arguments, the settings, the engine and the cache keys. Most invocations need
none of them to know what zizmor will be asked: plain workflow files, perhaps a --profile.
For those, __main__ reads the files and starts zizmor first, through the same code the
engine uses (checks/external.py). The engine takes that run over only if its batch holds
the same texts in the same order under the same profile. For anything else (a
configuration that sets the profile, a file in the cache, a file that does not decode)
the run is stopped unread and the engine starts its own. So this can make a run faster,
never different. bench/startup.py measures the gain.
"""
from __future__ import annotations

import os

LAYER = "zizmor"  # the slowest tool to start; actionlint takes a tenth of its time
SUFFIXES = (".yml", ".yaml")
# options that leave zizmor's run as it is; any other option, and there is no head start
_WITH_VALUE = ("--format", "--ignore", "--context")


def plain_files(argv: list[str]) -> tuple[list[str], str] | None:
    """(the workflow files, the profile) of a command line that names only existing workflow
    files and options that do not change zizmor's run; None for any other command line."""
    files, profile = [], "default"
    arguments = iter(argv)
    for argument in arguments:
        option, equals, value = argument.partition("=")
        if option in (*_WITH_VALUE, "--profile"):
            value = value if equals else next(arguments, None)
            if value is None:
                return None
            profile = value if option == "--profile" else profile
        elif argument.startswith("-") or not argument.endswith(SUFFIXES) or not os.path.isfile(argument):
            return None
        else:
            files.append(argument)
    return (files, profile) if files else None


def start(argv: list[str]) -> None:
    """Start zizmor over the files of a plain command line (see plain_files); else nothing."""
    plan = plain_files(argv)
    if plan is None:
        return
    from . import yamldoc

    texts = {}
    for path in plan[0]:
        try:
            with open(path, "rb") as handle:
                text, _ = yamldoc.decode(handle.read(yamldoc.MAX_BYTES + 1))  # as the command reads it
        except OSError:
            return
        if text is None:
            return
        texts[path] = text
    from .checks import external, zizmor  # noqa: F401 - zizmor's module declares its tool

    external.begin(LAYER, texts, plan[1])


def cancel() -> None:
    """Stop a head start no batch took over; the command calls this before it exits."""
    import sys

    external = sys.modules.get("ghcr_check.checks.external")  # never loaded: nothing was started
    if external is not None:
        external.cancel_ahead()
