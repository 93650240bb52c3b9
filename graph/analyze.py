"""The analysis entry point: crawl records -> (provenance graph, provenance dict).

Writes nothing to disk (``reports/`` does). Same input, same output: every list is
sorted and the graph is built in sorted order.
"""
from __future__ import annotations

import gc
import logging
from contextlib import contextmanager
from pathlib import Path

import networkx as nx

from graph import promo
from graph import stories as stories_mod
from graph.build import add_clusters, add_mirrors, add_sources, build_graph, set_roles
from graph.mirrors import find_mirrors
from graph.records import load_records
from graph.roles import document_roles, entity_roles
from graph.sources import find_sources, publisher_entities
from graph.text import boilerplate_lines

__all__ = ["analyze", "analyze_records", "fallback_link_classes"]

log = logging.getLogger(__name__)


def fallback_link_classes(documents: list[dict], links: list[dict]) -> list[str]:
    """Plain link classes used only when ``graph.promo`` fails on odd input (degraded mode,
    logged as a warning): original / share / self
    from markers, media, navigation (same entity), content.

    Examples
    --------
    >>> fallback_link_classes([{"url": "https://a.org/1"}], [
    ...     {"source": "https://a.org/1", "target": "https://a.org/1"},
    ...     {"source": "https://a.org/1", "target": "https://a.org/2"},
    ...     {"source": "https://a.org/1", "target": "https://b.org/", "marker_kind": "original"}])
    ['self', 'navigation', 'original']
    """
    from graph.entities import entity_of

    out = []
    for link in links:
        src, target = link.get("source") or "", link.get("target") or ""
        if link.get("marker_kind") in ("original", "share"):
            out.append(link["marker_kind"])
        elif target and target.split("#")[0] == src.split("#")[0]:
            out.append("self")
        elif link.get("media"):
            out.append("media")
        elif target and entity_of(target) and entity_of(target) == entity_of(src):
            out.append("navigation")
        else:
            out.append("content")
    return out


#: collector thresholds while the analysis runs: it makes millions of long-lived objects
#: (records, verdicts, graph) and next to no reference cycles
GC_THRESHOLD = (100_000, 50, 100)


@contextmanager
def _long_lived():
    """Run a block with the cyclic garbage collector seldom scanning: objects alive when
    it starts (and whenever :func:`gc.freeze` is called inside it) are moved out of the
    collector's reach; the previous thresholds and collector state come back afterwards.
    A full collection scans every tracked object, so at millions of records a plain run
    spends a fifth of its time in the collector."""
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


def _step(name: str, fn, fallback, *args):
    try:
        return fn(*args)
    except Exception as exc:  # bad input never stops a run
        log.warning("%s failed (%s: %s); continuing without it", name, type(exc).__name__, exc)
        return fallback


def analyze_records(documents: list[dict], links: list[dict], manifest: dict | None = None,
                    progress: bool = False) -> tuple[nx.MultiDiGraph, dict]:
    """Analyze crawl records already in memory (see ``analyze``).

    Examples
    --------
    >>> docs = [{"url": "https://github.com/o/r/blob/master/gb/1/n1.md", "text": "", "attributions": []}]
    >>> links = [{"source": docs[0]["url"], "target": "https://www.ex.com/gb/1/n1.htm",
    ...           "href": "https://www.ex.com/gb/1/n1.htm", "marker": "原文地址", "marker_kind": "original"}]
    >>> G, p = analyze_records(docs, links)
    >>> [(m["mirror"], m["original"]) for m in p["mirrors"]]
    [('https://github.com/o/r/blob/master/gb/1/n1.md', 'https://www.ex.com/gb/1/n1.htm')]
    >>> [(e["entity"], e["role"]) for e in p["entities"]]
    [('ex.com', 'original'), ('github.com/o', 'mirror')]
    """
    with _long_lived():
        return _analyze(documents, links, progress)


def _analyze(documents: list[dict], links: list[dict], progress: bool) -> tuple[nx.MultiDiGraph, dict]:
    from tqdm import tqdm

    steps = ["link classes", "mirrors", "sources", "promotional clusters", "stories", "roles", "graph"]
    bar = tqdm(total=len(steps), desc="analyze", unit="step", disable=not progress)

    def done(name):
        bar.set_postfix_str(name)
        bar.update(1)
        gc.freeze()     # what each step keeps lives to the end: out of the collector's way

    classes = _step("link classes", promo.link_classes, None, documents, links)
    if not classes or len(classes) != len(links):
        classes = fallback_link_classes(documents, links)
    done("link classes")
    boiler = boilerplate_lines(documents)
    found = find_mirrors(documents, links, publisher_entities(), boiler)
    mirrors = found["mirrors"]
    done("mirrors")
    sources = find_sources(documents, mirrors, found["publishers"])
    done("sources")
    clusters = _step("promotional clusters", promo.promotional_clusters, [], documents, links, classes)
    done("promotional clusters")
    stories = _step("stories", stories_mod.find_stories, [], documents)
    done("stories")
    G = build_graph(documents, links, classes)
    add_mirrors(G, mirrors)
    add_sources(G, sources)
    add_clusters(G, clusters)
    doc_roles = document_roles(documents, links, classes, mirrors)
    entity_names = sorted({name for node, name in G.nodes(data="name") if node.startswith("entity:")})
    entities = entity_roles(entity_names, documents, doc_roles, mirrors, found["host_pairs"], clusters)
    done("roles")
    set_roles(G, doc_roles, entities)
    done("graph")
    bar.close()
    provenance = {
        "mirrors": mirrors,
        "mirror_rules": found["mirror_rules"],
        "mirror_hosts": found["host_pairs"],
        "sources": sources,
        "promotional_clusters": sorted(clusters, key=lambda c: str(c["id"])),
        "stories": sorted(stories, key=lambda s: str(s["id"])),
        "entities": entities,
        "documents": [{"url": u, **doc_roles[u]} for u in sorted(doc_roles)],
    }
    return G, provenance


def analyze(out_dir: str | Path, progress: bool = False) -> tuple[nx.MultiDiGraph, dict]:
    """Analyze the crawl records of ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path
        A folder with ``documents.jsonl``, ``links.jsonl``, ``manifest.json``.
    progress : bool
        Show a tqdm progress bar on stderr.

    Returns
    -------
    G : networkx.MultiDiGraph
        The provenance graph (SPEC "Graph").
    provenance : dict
        The SPEC ``provenance.json`` content (``mirrors``, ``mirror_rules``, ``sources``,
        ``promotional_clusters``, ``stories``, ``entities``) plus ``mirror_hosts`` (host
        pairs) and ``documents`` (each document's role with evidence); lists sorted.

    Raises
    ------
    crawler.errors.OutputError
        When ``out_dir`` holds no crawl records.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> _ = open(os.path.join(d, "documents.jsonl"), "w").write('{"url": "https://a.org/"}\\n')
    >>> G, p = analyze(d)
    >>> G.nodes["https://a.org/"]["kind"], p["mirrors"]
    ('document', [])
    """
    documents, links, manifest = load_records(out_dir)
    return analyze_records(documents, links, manifest, progress=progress)
