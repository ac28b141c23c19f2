"""The `ghcr-check` command, also `python -m ghcr_check`: cli.main in a process that lives
for one run."""
import gc
import sys


def main() -> None:
    # Before anything else loads: the collector would walk everything the imports allocate,
    # over and over, to free next to nothing in a process this short (bench/startup.py).
    gc.set_threshold(50_000, 20, 100)
    from . import early

    early.start(sys.argv[1:])  # zizmor's head start, before the checker loads (see early.py)
    try:
        from .cli import main as run
    except BaseException:  # Ctrl-C while loading: leave no zizmor or folder behind
        early.cancel()
        raise
    run()  # cli.main stops a head start no batch took over, then leaves with os._exit


if __name__ == "__main__":
    main()
