"""What one ``links_to`` edge costs in memory, in the graph layouts linkprov could use: the
budget behind the 1 GB target at 100k pages (3.76M edges there).

    python bench/edgecost.py                 # 376,000 edges (a 10k-page crawl's count)
    python bench/edgecost.py --edges 100000

Edges are written into the adjacency as ``graph.build`` writes them (one attribute dict
shared by all edges, as :class:`graph.build.SharedAttrs` shares equal ones), so the figures
are the cost of the adjacency alone, measured with tracemalloc:

- ``multidigraph``: ``nx.MultiDiGraph`` keyed by :func:`graph.build.edge_key` (what
  linkprov built until session 15: a key string and a key dict per edge);
- ``multidigraph_kind_keys``: the same keyed by the edge kind (unique per node pair, since
  there is at most one edge of a kind between two nodes): no key string;
- ``multidigraph_shared_keys``: keyed by kind, and node pairs of equal edges sharing one
  read-only key dict (as they share the attribute dict): as small as a ``DiGraph``, but
  every change of an edge has to replace its key dict first;
- ``digraph``: ``nx.DiGraph`` (no key dict): the adjacency's floor;
- ``linkprov``: what ``graph.build`` writes now (``_add_links_to``: keyed by kind, a
  :class:`graph.build.SharedKeys` per distinct edge value; the in-edges as tuples,
  :class:`graph.adjacency.FrozenPred`).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import networkx as nx  # noqa: E402

from graph import build  # noqa: E402
from graph.build import SharedAttrs, edge_key  # noqa: E402

LAYOUTS = ("multidigraph", "multidigraph_kind_keys", "multidigraph_shared_keys", "digraph", "linkprov")


def _pairs(edges: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    docs = [f"https://site{i % 50}.example/a/{i}.html" for i in range(max(1, edges // 37))]
    targets = docs + [f"https://t{j % 300}.example/p/{j}" for j in range(max(1, edges // 6))]
    pairs: set[tuple[str, str]] = set()
    while len(pairs) < edges:
        pairs.add((rng.choice(docs), rng.choice(targets)))
    return sorted(pairs)


def bytes_per_edge(edges: int = 376_000, seed: int = 0) -> dict[str, float]:
    """Bytes an edge adds to the adjacency in each of ``LAYOUTS`` (nodes exist beforehand).

    Examples
    --------
    >>> cost = bytes_per_edge(2000)
    >>> cost["multidigraph"] > cost["multidigraph_kind_keys"] > 2 * cost["multidigraph_shared_keys"] > 0
    True
    """
    pairs = _pairs(edges, seed)
    nodes = sorted({n for pair in pairs for n in pair})
    attrs = SharedAttrs(kind="links_to", link_class="content", count=1, classes='{"content": 1}')
    shared = {"links_to": attrs}
    value = ("content", 1, '{"content": 1}', None, None)     # graph.build.link_edges's value
    edge_values: dict = {}      # graph.build.link_edges's document -> target -> value
    for u, v in pairs:
        edge_values.setdefault(u, {})[v] = value
    out = {}
    for layout in LAYOUTS:
        G = nx.DiGraph() if layout == "digraph" else nx.MultiDiGraph()
        G.add_nodes_from(nodes, kind="url")
        succ, pred = G._succ, G._pred
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        if layout == "linkprov":
            made: dict = {}
            later: dict = {}
            for u in sorted(edge_values):
                build._add_links_to(G, u, edge_values[u], sorted(edge_values[u]), made, later)
            build._add_preds(G, later)
            del later
        elif layout == "digraph":
            for u, v in pairs:
                succ[u][v] = pred[v][u] = attrs
        elif layout == "multidigraph_shared_keys":
            for u, v in pairs:
                succ[u][v] = pred[v][u] = shared
        else:
            for u, v in pairs:
                key = edge_key(u, v, "links_to") if layout == "multidigraph" else "links_to"
                succ[u][v] = pred[v][u] = {key: attrs}
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        out[layout] = round((after - before) / edges, 1)
        del G, succ, pred
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--edges", type=int, default=376_000)
    args = ap.parse_args(argv)
    cost = bytes_per_edge(args.edges)
    print(json.dumps({"edges": args.edges, "bytes_per_edge": cost,
                      "mb_at_3759638_edges": {k: round(v * 3_759_638 / 2**20) for k, v in cost.items()}},
                     indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
