"""The analysis entry point: crawl records -> (provenance graph, provenance dict).

Writes nothing to disk (``reports/`` does). Same input, same output: every list is
sorted and the graph is built in sorted order.
"""
from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import pickle
import time
from contextlib import contextmanager
from pathlib import Path

import networkx as nx

from graph import promo
from graph import stories as stories_mod
from graph.adjacency import freeze_pred
from graph.build import add_clusters, add_mirrors, add_sources, graph_of, link_edges, set_roles
from graph.entities import clear_run_caches
from graph.memory import give_back, taken
from graph.mirrors import find_mirrors
from graph.records import load_documents, load_links, load_records
from graph.roles import class_counts, document_roles, entity_roles
from graph.sources import find_sources, publisher_entities, source_mentions
from graph.text import fold

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


def _memory_mb() -> str:
    """This process's resident memory now and at its peak (``VmRSS``, ``VmHWM``), as
    ``", RSS N MB (peak N MB)"``; empty where /proc is not there."""
    try:
        with open("/proc/self/status", "rb") as fh:
            fields = dict(line.split(b":", 1) for line in fh if line.startswith((b"VmRSS", b"VmHWM")))
        return ", RSS %d MB (peak %d MB)" % tuple(int(fields[k].split()[0]) // 1024 for k in (b"VmRSS", b"VmHWM"))
    except (OSError, KeyError, ValueError):
        return ""


class _Lap:
    """Logs (``DEBUG``, logger ``graph.analyze``) how long each step took in this process and
    its memory after it, each call timing the step since the previous one:
    ``python bench/timeline.py OUT`` shows them as a timeline of the analysis's processes."""

    def __init__(self):
        self.t = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s: %.1f s%s", name, now - self.t, _memory_mb())
        self.t = now


def _drop_texts(documents: list[dict]) -> None:
    """Remove the documents' texts once the steps that read them (stories, the sources named
    in text, mirrors) are done: the graph and the later steps never read them, and they are
    nearly half of the documents' memory (14 of 32 MB at 10k pages, tracemalloc)."""
    for doc in documents:
        doc.pop("text", None)
    give_back()


def _keep_urls(documents: list[dict]) -> None:
    """Reduce each document to its URL once the graph holds what it shows of them and every
    step that reads more has its result: the steps left (sources, roles) read only the URLs,
    and a forked step that failed has run again by then (on records read anew)."""
    documents[:] = [{"url": doc["url"]} for doc in documents]
    give_back()


def _step(name: str, fn, fallback, *args):
    try:
        return fn(*args)
    except Exception as exc:  # bad input never stops a run
        log.warning("%s failed (%s: %s); continuing without it", name, type(exc).__name__, exc)
        return fallback


#: fewer documents than this: the analysis runs in one process (a fork costs more than it saves)
FORK_MIN_DOCUMENTS = 1000


class _Forked:
    """``fn(*args)`` computed in a forked child process while the caller goes on;
    :meth:`result` waits for it. The child sees the caller's data as it was at the fork
    (nothing is copied or pickled on the way in) and sends back only the result. Without
    ``fork``, or when the child fails (an error, killed, out of memory), the call runs in this
    process instead: the same function on the same data gives the same result (``again()``
    gives that data anew when this process has released it meanwhile)."""

    def __init__(self, name: str, fn, *args, fork: bool = True, again=None, strings: list | None = None):
        self.name, self.fn, self.args = name, fn, args
        self.again = again      # gives the arguments anew, if this process has released them
        # strings both processes hold (the documents' URLs): the result holds these objects,
        # not copies (the worker sends each as its index: 27 MB at 100k pages)
        self.strings = strings if fork else None
        self.proc = self.pipe = None
        self.value, self.done = None, False
        if not fork:    # in this process, now (steps keep their order)
            self.value, self.done = fn(*args), True
            self.args = ()      # done: it holds nothing of the caller's
        elif "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            recv, send = os.pipe()
            try:
                self.proc = ctx.Process(target=_forked_child, args=(send, fn, args, self.strings), daemon=True,
                                        name="linkprov-" + name.replace(" ", "-"))
                self.proc.start()
                self.pipe = open(recv, "rb", buffering=_PIPE_BUFFER)
            except OSError as exc:
                log.warning("%s: cannot start a worker process (%s); computing it in this process", name, exc)
                self.proc = None
                os.close(recv)
            os.close(send)

    def close(self) -> None:
        """Stop the worker if its result was not taken (the analysis failed on the way):
        nothing is left running, or blocked on a pipe nobody reads."""
        if self.proc is not None:
            self.proc.terminate()
            self.proc.join()
            self.pipe.close()
            self.proc = None

    def result(self):
        if self.done:
            return self.value
        if self.proc is not None:
            try:
                ok, value = _Unpickler(self.pipe, self.strings).load()   # (as it comes: no copy of the pickle)
                if ok:
                    return value
                log.warning("%s failed in its worker process (%s); computing it in this process", self.name, value)
            except Exception as exc:  # EOFError: the child died (killed, out of memory)
                log.warning("%s: worker process ended without a result (%s: %s); computing it in this process",
                            self.name, type(exc).__name__, exc)
            finally:
                self.pipe.close()
                self.proc.join()
                self.proc = None
                self.strings = None
        return self.fn(*(self.again() if self.again is not None else self.args))


#: bytes read from or written to a forked step's pipe at a time
_PIPE_BUFFER = 1 << 16


class _Pickler(pickle.Pickler):
    """Pickles each of ``strings`` (which the reading process holds too) as its index."""

    def __init__(self, file, strings: list | None):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.index = {s: i for i, s in enumerate(strings)} if strings else None

    def persistent_id(self, obj):
        return self.index.get(obj) if type(obj) is str and self.index is not None else None


class _Unpickler(pickle.Unpickler):
    """Reads what :class:`_Pickler` wrote with the same ``strings``."""

    def __init__(self, file, strings: list | None):
        super().__init__(file)
        self.strings = strings

    def persistent_load(self, pid):
        if self.strings is None or type(pid) is not int:
            raise pickle.UnpicklingError(f"unknown reference {pid!r}")
        return self.strings[pid]


#: True in a forked step's process: the records it sees are its own copy, which it may release
#: as it reads them (the caller's stay as they are)
_IN_WORKER = False


def _forked_child(fd: int, fn, args, strings: list | None = None) -> None:
    """Run ``fn(*args)`` and write ``(True, result)``, or ``(False, error)``, to the pipe ``fd``
    as one pickle, written as it is made (a result of hundreds of MB is never also held as a
    pickle's bytes, here or in the parent, which reads it as it comes), each of ``strings``
    as its index. A result that does not pickle leaves a broken pickle: the parent computes
    the step itself."""
    global _IN_WORKER
    _IN_WORKER = True
    try:
        out = (True, fn(*args))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which runs fn itself
        out = (False, f"{type(exc).__name__}: {exc}")
    try:
        with open(fd, "wb", buffering=_PIPE_BUFFER) as pipe:
            _Pickler(pipe, strings).dump(out)
    except BrokenPipeError:     # the parent stopped reading: it failed, or computes the step itself
        pass
    except Exception as exc:  # noqa: BLE001 - e.g. a result that does not pickle
        log.warning("cannot send the result back: %s: %s", type(exc).__name__, exc)


def _mirrors(documents: list[dict], links: list[dict], owned: bool = False) -> dict:
    """The mirror step. The documents' texts are released as they are read when the records
    are this process's own (``owned``: the analysis's, with no text step after it; or a
    worker's copy), the link records too in a worker (in this process the link classes
    read them next)."""
    lap = _Lap()
    found = find_mirrors(documents, links, publisher_entities(),   # boilerplate: near_duplicates finds it
                         release_texts=owned or _IN_WORKER, release_links=_IN_WORKER)
    lap("mirrors")
    # only what the analysis reads goes back (from a forked step, through a pipe): not the
    # near-duplicate pairs or the rule objects, which hold every pair they were learned from
    return {k: found[k] for k in ("mirrors", "mirror_rules", "host_pairs", "publishers")}


def _clusters(documents: list[dict], links: list[dict], classes: list[str]) -> list[dict]:
    lap = _Lap()
    clusters = _step("promotional clusters", promo.promotional_clusters, [], documents, links, classes)
    lap("promotional clusters")
    return clusters


def _document_steps(documents: list[dict]) -> tuple[list, list]:
    """The steps that read only the documents: stories, and the sources the documents
    name (``find_sources`` adds those of the mirrors later). The folded texts are freed as
    the stories normalize them; in a worker, the texts too, once the sources are read from
    them (stories read only their folded form), and the heap the steps leave goes back."""
    lap = _Lap()
    folded = [fold(d.get("text")) for d in documents]    # both steps fold each text: once
    lap("folded texts")
    mentions = source_mentions(documents, folded)
    lap("source mentions")
    if _IN_WORKER:
        _drop_texts(documents)
    stories = _step("stories", stories_mod.find_stories, [], documents, taken(folded))
    give_back()
    lap("stories")
    return stories, mentions


def analyze_records(documents: list[dict], links: list[dict], manifest: dict | None = None,
                    progress: bool = False, workers: int | None = None) -> tuple[nx.MultiDiGraph, dict]:
    """Analyze crawl records already in memory (see ``analyze``).

    With ``workers`` > 1 (default: the number of cores, from FORK_MIN_DOCUMENTS documents on)
    the mirror step, and the steps that read only the documents (stories, the sources named
    in text), are computed in two forked processes while this one classifies links, and the
    promotional clusters in a third while this one builds the graph; the sources are put
    together at the end. The result is the same in every case.

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
        return _analyze(documents, links, progress, _forks(documents, workers))


def _urls(documents: list[dict]) -> list[str]:
    """The documents' URLs, the strings a forked step's result shares with this process."""
    return [d["url"] for d in documents]


def _start_document_steps(documents: list[dict], fork: bool, again=None) -> "_Forked":
    return _Forked("stories", _document_steps, documents, fork=fork, strings=_urls(documents) if fork else None,
                   again=again)


#: the default forks only when this many times the size of ``links.jsonl`` is free memory
#: (``MemAvailable``): measured peaks (PSS) of the forked analysis are 2.1x the file at 100k
#: pages and 3.0x at 10k (libraries included), against 1.1x and 2.0x in one process (session 17;
#: 3.9x and 3.6-5.1x forked before the link records were held as columns)
FORK_MEMORY_FACTOR = 4


def _available_bytes() -> int | None:
    """The memory the system can give without swapping (Linux ``MemAvailable``), or None."""
    try:
        with open("/proc/meminfo", "rb") as fh:
            for line in fh:
                if line.startswith(b"MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _forks(documents: list[dict], workers: int | None, records_bytes: int | None = None) -> bool:
    """Whether steps go to forked processes: ``workers`` > 1. Default: the number of cores,
    from ``FORK_MIN_DOCUMENTS`` documents on, unless the free memory is short of
    ``FORK_MEMORY_FACTOR`` times ``records_bytes`` (the size of ``links.jsonl``): then one
    process, which gives the same result in less memory (logged; ``workers`` forces it)."""
    if workers is not None:
        return workers > 1
    if len(documents) < FORK_MIN_DOCUMENTS or (os.cpu_count() or 1) < 2:
        return False
    free = _available_bytes() if records_bytes else None
    if free is not None and free < FORK_MEMORY_FACTOR * records_bytes:
        log.info("%d MB free, the analysis in forked processes needs about %d MB: it runs in one process "
                 "(the same result, in about half the memory and up to twice the time; workers=N / "
                 "`linkprov report -j N` forks anyway)", free >> 20, FORK_MEMORY_FACTOR * records_bytes >> 20)
        return False
    return True


def _analyze(documents: list[dict], links: list[dict], progress: bool, fork: bool,
             reload=None, told: _Forked | None = None) -> tuple[nx.MultiDiGraph, dict]:
    """The analysis. With ``reload`` (a function giving the records anew), ``links`` belongs
    to the analysis: it is emptied once the link edges are aggregated, so the link records
    (most of the memory read) are freed before the graph is built. ``told``: the document
    steps, if already started (by ``analyze``, before the links were read)."""
    from tqdm import tqdm

    steps = ["link classes", "mirrors", "sources", "promotional clusters", "stories", "roles", "graph"]
    bar = tqdm(total=len(steps), desc="analyze", unit="step", disable=not progress)

    def done(name):
        bar.set_postfix_str(name)
        bar.update(1)
        gc.freeze()     # what each step keeps lives to the end: out of the collector's way

    lap = _Lap()
    urls = _urls(documents) if fork else None
    # independent steps go to forked processes first (they read the records as they are now)
    side = _Forked("mirrors", _mirrors, documents, links, reload is not None, fork=fork, strings=urls,
                   again=None if reload is None else lambda: reload()[:2])
    if told is None:
        told = _start_document_steps(documents, fork)
    if reload is not None:
        # the records are ours and the steps that read the texts have run, or have their own
        # copy (forked: the heap the texts leave here takes the link classes and the graph)
        _drop_texts(documents)
    grouped = None
    try:
        classes = _step("link classes", promo.link_classes, None, documents, links)
        if not classes or len(classes) != len(links):
            classes = fallback_link_classes(documents, links)
        lap("link classes")
        done("link classes")
        # clusters read the link classes' verdicts: in a forked process beside the graph
        grouped = _Forked("promotional clusters", _clusters, documents, links, classes, fork=fork, strings=urls,
                          again=None if reload is None else lambda: (*reload()[:2], classes))
        promo.release()     # the clusters have them (computed, or forked): this process is done with them
        clear_run_caches("graph.promo", "graph.text")   # (per link and text: the steps left here never ask)
        edges = link_edges(documents, links, classes)
        counts = class_counts(links, classes)
        if not fork:
            classes = None      # (read again only by a forked step's fallback)
        if reload is not None:
            links.clear()       # the records are ours: freed before the graph takes their place
            give_back()
        lap("link edges")
        G = graph_of(documents, edges)
        del edges
        clear_run_caches()      # (entity_of of every URL: the steps left ask for a few)
        give_back()        # (the link edges' dicts, freed)
        lap("graph")
        clusters = grouped.result()
        classes = None      # (its fallback has run, if it had to)
        lap("waited for promotional clusters")
        done("promotional clusters")
        found = side.result()
        mirrors = found["mirrors"]
        lap("waited for mirrors")
        done("mirrors")
        stories, mentions = told.result()
        if reload is not None:      # every step that reads more of them is done (or has its result)
            _keep_urls(documents)
        lap("waited for stories")
        done("stories")
        sources = find_sources(documents, mirrors, found["publishers"], mentions=mentions)
        del mentions
        lap("sources")
        done("sources")
        add_mirrors(G, mirrors)
        add_sources(G, sources)
        add_clusters(G, clusters)
        give_back()     # (what the steps so far freed: the roles' verdicts need not add to it)
        lap("verdicts in the graph")
        doc_roles = document_roles(documents, mirrors, counts)
        del counts
        entity_names = sorted({name for node, name in G.nodes(data="name") if node.startswith("entity:")})
        entities = entity_roles(entity_names, documents, doc_roles, mirrors, found["host_pairs"], clusters)
        done("roles")
        set_roles(G, doc_roles, entities)
        freeze_pred(G)      # (the in-edges the verdicts added, compacted as the graph's)
        give_back()        # what the last steps freed: the heap is as large as the result
        lap("roles")
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
            "documents": [doc_roles[u] for u in sorted(doc_roles)],
        }
        return G, provenance
    finally:      # a step that raised: no worker is left behind
        side.close()
        told.close()
        if grouped is not None:
            grouped.close()
        clear_run_caches()      # the per-URL caches of this run (graph.entities.run_cache)


def analyze(out_dir: str | Path, progress: bool = False,
            workers: int | None = None) -> tuple[nx.MultiDiGraph, dict]:
    """Analyze the crawl records of ``out_dir``.

    The documents are read first and the steps that need only them (stories, the sources
    named in text) start in a forked process while the links are read. The records read
    here belong to the analysis: the link records, most of the memory read, are freed once
    their edges are aggregated, before the graph is built (a step that has to run again in
    this process reads them again). ``analyze_records`` leaves the caller's lists as they
    are. Each step's time is logged (``DEBUG``, per process; ``bench/timeline.py``).

    Parameters
    ----------
    out_dir : str or Path
        A folder with ``documents.jsonl``, ``links.jsonl``, ``manifest.json``.
    progress : bool
        Show a tqdm progress bar on stderr.
    workers : int or None
        Processes to use: with 2 or more, the mirror step, the document steps and the
        promotional clusters are computed in forked processes beside link classes and the
        graph (same result, less time, more memory). Default: the number of cores from
        ``FORK_MIN_DOCUMENTS`` documents on, else 1; one process when the free memory is
        less than ``FORK_MEMORY_FACTOR`` times the size of ``links.jsonl``.

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
    lap = _Lap()
    documents, manifest = load_documents(out_dir)
    lap("load documents")

    def reload():
        return load_records(out_dir)

    with _long_lived():     # the records loaded here are the analysis's own: it frees them early
        links_path = Path(out_dir) / "links.jsonl"
        fork = _forks(documents, workers, links_path.stat().st_size if links_path.is_file() else None)
        # they need no links: begin while those are read (again: this process drops the texts)
        told = _start_document_steps(documents, fork, again=lambda: (load_documents(out_dir)[0],))
        try:
            links = load_links(out_dir, manifest)
        except BaseException:
            told.close()
            raise
        lap("load links")
        return _analyze(documents, links, progress, fork, reload=reload, told=told)
