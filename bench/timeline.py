"""A timeline of the analysis's processes: when each step ended, in which process, and how
long it took (the ``DEBUG`` lines of ``graph.analyze``).

    python bench/timeline.py bench/data/work100000/linkprov        # default processes
    python bench/timeline.py bench/data/work100000/linkprov 1      # all in one process

Each line: when the step ended, its process, the step's time, and the process's resident
memory after it and at its peak so far (Linux; from /proc).

``bench/steps.py`` times each step alone; this shows how the forked steps (mirrors; stories
and the sources named in text) overlap with the link classes and the graph in the main
process, and what waits for what.
"""
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.analyze import analyze  # noqa: E402


def main(out: str, workers: int | None = None, stream=None) -> None:
    """Analyze ``out``, writing the timeline to ``stream`` (default stdout; forked steps
    write to it too, each line flushed)."""
    stream = stream or sys.stdout
    logger = logging.getLogger("graph.analyze")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(relativeCreated)10.0f ms  %(processName)-18s %(message)s"))
    old = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        print(f"{'ended at':>13}  {'process':<18} step: its time", file=stream, flush=True)
        analyze(out, workers=workers)
    finally:
        logger.removeHandler(handler)
        logger.level, logger.propagate = old


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "output", int(sys.argv[2]) if len(sys.argv) > 2 else None)
