"""Time each analysis step alone, one after the other, in one process.

    python bench/steps.py bench/data/work100000/linkprov

The forked analysis (``graph.analyze``) runs the mirror and story steps beside the others;
this gives each step's own time (run it on an idle machine), to tell a step that grows
faster than the pages from steps that overlap less well.
"""
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph import analyze as A  # noqa: E402
from graph import promo  # noqa: E402
from graph.build import graph_of, link_edges  # noqa: E402
from graph.records import load_records  # noqa: E402
from graph.sources import find_sources  # noqa: E402


def main(out: str) -> None:
    last = [time.perf_counter()]

    def mark(name: str) -> None:
        now = time.perf_counter()
        print(f"{now - last[0]:8.1f} s  {name}", flush=True)
        last[0] = now

    with A._long_lived():       # as graph.analyze reads them: outside it, the collector's
        docs, links, _ = load_records(out)      # full passes took 60% of the 100k load
        mark(f"load ({len(docs)} documents, {len(links)} links)")
        classes = promo.link_classes(docs, links)
        mark("link classes")
        promo.promotional_clusters(docs, links, classes)
        mark("promotional clusters")
        gc.freeze()
        found = A._mirrors(docs, links)
        mark("mirrors")
        _, mentions = A._document_steps(docs)
        mark("stories and source mentions")
        find_sources(docs, found["mirrors"], found["publishers"], mentions=mentions)
        mark("sources")
        edges = link_edges(docs, links, classes)
        mark("link edges")
        graph_of(docs, edges)
        mark("graph")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "output")
