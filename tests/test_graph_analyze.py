import gc
import json
import logging
import os

import pytest

from graph.analyze import analyze, analyze_records
from graph.records import load_documents
from reports.files import export_graph, graphml_bytes, provenance_bytes
from graph.text import boilerplate_lines

_DOCS = [{"url": "https://github.com/o/r/blob/master/gb/1/n1.md", "text": "", "attributions": []}]
_LINKS = [{"source": _DOCS[0]["url"], "target": "https://www.ex.com/gb/1/n1.htm",
           "href": "https://www.ex.com/gb/1/n1.htm", "marker": "原文地址", "marker_kind": "original"}]


@pytest.mark.parametrize("enabled", [True, False])
def test_analysis_restores_the_collector(enabled):
    before = gc.get_threshold()
    (gc.enable if enabled else gc.disable)()
    try:
        G, p = analyze_records(_DOCS, _LINKS)
        assert (gc.get_threshold(), gc.isenabled(), gc.get_freeze_count()) == (before, enabled, 0)
        assert [m["original"] for m in p["mirrors"]] == ["https://www.ex.com/gb/1/n1.htm"]
    finally:
        gc.enable()


def test_analysis_restores_the_collector_after_an_error():
    before = gc.get_threshold()
    with pytest.raises(AttributeError):
        analyze_records([{"url": 1}], [])
    assert (gc.get_threshold(), gc.get_freeze_count()) == (before, 0)


@pytest.mark.parametrize("titles, min_docs, expected", [
    (["a", "b", "c", "d"], 3, {"home | news"}),    # four titles
    (["a", "a", "b", "b"], 3, set()),              # two titles: copies of two articles
    (["a", "a", "a", "a"], 1, {"home | news", "story"}),   # one title is enough for min_docs=1
    (["a", "a", "a", "a"], 2, set()),
    (["a", "b", "a", "b"], 2, {"home | news"}),
])
def test_boilerplate_counts_distinct_titles(titles, min_docs, expected):
    docs = [{"url": f"https://a.org/{i}", "title": t, "text": "Home | News\nstory" + ("" if min_docs == 1 else f" {i}")}
            for i, t in enumerate(titles)]
    assert boilerplate_lines(docs, min_docs=min_docs) == expected


# ------------------------------------------------------------------ forked steps
def _bytes(result) -> tuple[bytes, bytes]:
    G, p = result
    return provenance_bytes(p), graphml_bytes(export_graph(G))


@pytest.fixture(scope="module")
def one_process(corpus_records):
    documents, links, manifest = corpus_records
    return _bytes(analyze_records(documents, links, manifest, workers=1))


def test_forked_steps_give_the_one_process_result(corpus_records, one_process):
    documents, links, manifest = corpus_records
    assert _bytes(analyze_records(documents, links, manifest, workers=2)) == one_process
    assert json.loads(one_process[0])["mirrors"]      # the corpus has mirrors: a real comparison


@pytest.mark.parametrize("how", ["exit", "raise"])
def test_a_failed_worker_loses_nothing(corpus_records, one_process, monkeypatch, caplog, how):
    """A worker that dies (killed, out of memory) or raises: the step runs in this process."""
    import graph.analyze as analyze_mod

    parent, real = os.getpid(), analyze_mod.find_mirrors

    def dying(*args, **kwargs):
        if os.getpid() != parent:
            if how == "exit":
                os._exit(9)
            raise MemoryError("worker out of memory")
        return real(*args, **kwargs)

    monkeypatch.setattr(analyze_mod, "find_mirrors", dying)
    documents, links, manifest = corpus_records
    with caplog.at_level(logging.WARNING, logger="graph.analyze"):
        assert _bytes(analyze_records(documents, links, manifest, workers=2)) == one_process
    assert "computing it in this process" in caplog.text


@pytest.mark.parametrize("workers", [1, 2])
def test_analysis_of_a_folder_frees_its_records_and_gives_the_same(corpus_out, one_process, workers,
                                                                    monkeypatch):
    """``analyze(out)`` owns the records it reads: it empties the link list before building
    the graph (the records are most of the memory), with the same result; it drops the
    documents' texts once the steps that read them have run (in one process) or have started
    (forked: the children read their own copy), and keeps only their URLs once the steps that
    read more are done."""
    import graph.analyze as analyze_mod

    read, at_graph, texts, at_roles = [], [], [], []
    real_load, real_graph, real_roles = analyze_mod.load_links, analyze_mod.graph_of, analyze_mod.document_roles

    def document_roles(documents, *args):
        at_roles.append({k for d in documents for k in d})
        return real_roles(documents, *args)

    def load(out, manifest=None):
        links = real_load(out, manifest)
        read.append(links)
        return links

    def graph_of(documents, edges):
        at_graph.append(len(read[0]))
        texts.append(sum("text" in d for d in documents))
        return real_graph(documents, edges)

    monkeypatch.setattr(analyze_mod, "load_links", load)
    monkeypatch.setattr(analyze_mod, "graph_of", graph_of)
    monkeypatch.setattr(analyze_mod, "document_roles", document_roles)
    assert _bytes(analyze(corpus_out, workers=workers)) == one_process
    assert at_graph == [0] and read[0] == []     # the link list was emptied before the graph
    documents = load_documents(corpus_out)[0]
    assert sum("text" in d for d in documents) > 0
    assert texts == [0]
    # once every step that reads more has run, only the documents' URLs are kept
    assert at_roles == [{"url"}]


@pytest.mark.parametrize("how", ["exit", "raise"])
def test_a_failed_worker_after_the_records_were_freed_reads_them_again(corpus_out, one_process, monkeypatch,
                                                                        caplog, how):
    import graph.analyze as analyze_mod

    parent, real = os.getpid(), analyze_mod.find_mirrors
    calls = []

    def dying(documents, links, *args, **kwargs):
        if os.getpid() != parent:
            if how == "exit":
                os._exit(9)
            raise MemoryError("worker out of memory")
        calls.append(len(links))
        return real(documents, links, *args, **kwargs)

    monkeypatch.setattr(analyze_mod, "find_mirrors", dying)
    with caplog.at_level(logging.WARNING, logger="graph.analyze"):
        assert _bytes(analyze(corpus_out, workers=2)) == one_process
    assert "computing it in this process" in caplog.text
    assert calls and calls[0] > 0        # the step in this process had the links, read again


@pytest.mark.parametrize("how", ["exit", "raise"])
def test_a_failed_document_step_worker_started_before_the_links_loses_nothing(corpus_out, one_process,
                                                                               monkeypatch, caplog, how):
    """``analyze(out)`` starts the document steps (stories, source mentions) before it reads
    the links; their worker failing means they run in this process, same result."""
    import graph.analyze as analyze_mod

    parent, real = os.getpid(), analyze_mod.source_mentions
    calls = []

    def dying(documents, folded=None):
        if os.getpid() != parent:
            if how == "exit":
                os._exit(9)
            raise MemoryError("worker out of memory")
        calls.append(len(documents))
        return real(documents, folded)

    monkeypatch.setattr(analyze_mod, "source_mentions", dying)
    with caplog.at_level(logging.WARNING, logger="graph.analyze"):
        assert _bytes(analyze(corpus_out, workers=2)) == one_process
    assert "stories" in caplog.text and "computing it in this process" in caplog.text
    assert calls and calls[0] > 0


@pytest.mark.parametrize("records", ["given", "read"])
def test_a_killed_cluster_worker_loses_nothing(corpus_records, corpus_out, one_process, monkeypatch, caplog,
                                               records):
    """The promotional clusters run in a worker forked after the link classes; killed, they
    run in this process: on the caller's records, or on records read again (``analyze(out)``
    has freed its own by then)."""
    import graph.promo as promo_mod

    parent, real = os.getpid(), promo_mod.promotional_clusters
    calls = []

    def dying(documents, links, *args, **kwargs):
        if os.getpid() != parent:
            os._exit(9)
        calls.append(len(links))
        return real(documents, links, *args, **kwargs)

    monkeypatch.setattr(promo_mod, "promotional_clusters", dying)
    with caplog.at_level(logging.WARNING, logger="graph.analyze"):
        if records == "given":
            result = analyze_records(*corpus_records, workers=2)
        else:
            result = analyze(corpus_out, workers=2)
    assert _bytes(result) == one_process
    assert "promotional clusters: worker process ended" in caplog.text
    assert calls and calls[0] > 0
    assert json.loads(one_process[0])["promotional_clusters"]      # a real comparison


def _in_parent_only(parent, how):
    """A step that gives ``{"n": [1, 2]}`` in the parent, and in a forked worker ``how``."""
    def step(n):
        if os.getpid() != parent:
            if how == "exit":
                os._exit(9)
            if how == "raise":
                raise MemoryError("worker out of memory")
            if how == "unpicklable":
                return {"n": lambda: n}
        return {"n": list(range(1, n + 1))}
    return step


@pytest.mark.parametrize("how, warning", [
    ("give", None),
    ("exit", "worker process ended without a result (EOFError"),
    ("raise", "failed in its worker process (MemoryError: worker out of memory)"),
    ("unpicklable", "worker process ended without a result"),
])
def test_forked_step_gives_its_result_or_runs_here(caplog, how, warning):
    """A forked step's result comes back through its pipe as one pickle read as it comes;
    a worker that dies, raises or gives what does not pickle: the step runs in this process."""
    from graph.analyze import _Forked

    big = 300_000       # (a pickle larger than a pipe's buffer: written and read in parts)
    with caplog.at_level(logging.WARNING, logger="graph.analyze"):
        step = _Forked("test step", _in_parent_only(os.getpid(), how), big)
        assert step.result() == {"n": list(range(1, big + 1))}
    assert (warning in caplog.text) if warning else caplog.text == ""
    assert step.proc is None and step.pipe.closed


def _echo(urls):
    return {"mirrors": [{"mirror": u, "copy": u + "x"} for u in urls], "first": urls[0]}


def test_forked_step_result_shares_the_strings_both_processes_hold():
    """The documents' URLs in a forked step's result are this process's string objects (each
    sent as its index), not copies; other strings come as they are."""
    from graph.analyze import _Forked

    urls = [f"https://a.org/{i}" for i in range(1000)]
    got = _Forked("test step", _echo, urls, strings=urls).result()
    assert got == _echo(urls)
    assert all(m["mirror"] is u for m, u in zip(got["mirrors"], urls)) and got["first"] is urls[0]
    assert not any(m["copy"] is u for m, u in zip(got["mirrors"], urls))


@pytest.mark.parametrize("where", ["load_links", "graph_of"])
def test_a_failing_analysis_leaves_no_worker_behind(corpus_out, monkeypatch, where):
    """An error in this process (the links unreadable, the graph step raising) while the
    forked steps still run: they are stopped, not left running or blocked on their pipe."""
    import multiprocessing
    import time

    import graph.analyze as analyze_mod

    parent = os.getpid()

    def slow(real):
        def step(*args, **kwargs):
            if os.getpid() != parent:
                time.sleep(60)
            return real(*args, **kwargs)
        return step

    def boom(*args, **kwargs):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(analyze_mod, "source_mentions", slow(analyze_mod.source_mentions))
    monkeypatch.setattr(analyze_mod, "find_mirrors", slow(analyze_mod.find_mirrors))
    monkeypatch.setattr(analyze_mod.promo, "promotional_clusters", slow(analyze_mod.promo.promotional_clusters))
    monkeypatch.setattr(analyze_mod, where, boom)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="disk gone"):
        analyze(corpus_out, workers=2)
    assert multiprocessing.active_children() == []
    assert time.monotonic() - started < 30      # stopped, not waited for


# ------------------------------------------------------------------ one process when memory is short
_MB = 2**20


@pytest.mark.parametrize("documents, workers, records_mb, free_mb, cores, forks", [
    (5000, None, 100, 8000, 2, True),      # plenty of memory: the cores' processes
    (5000, None, 1500, 4000, 2, False),    # 100k pages' records (1.45 GB) on 4 GB free: one process
    (5000, None, 1500, 6000, 2, True),     # 4x the records free
    (5000, None, 1500, None, 2, True),     # no /proc/meminfo: as before
    (5000, None, None, 100, 2, True),      # no links.jsonl (records in memory): no estimate
    (500, None, 1, 8000, 2, False),        # few documents: a fork costs more than it saves
    (5000, None, 1, 8000, 1, False),       # one core
    (5000, 2, 1500, 100, 2, True),         # workers asked for: forks whatever the memory
    (5000, 1, 1, 8000, 2, False),
])
def test_default_forks_only_with_the_memory_for_it(monkeypatch, caplog, documents, workers, records_mb,
                                                   free_mb, cores, forks):
    import graph.analyze as analyze_mod

    monkeypatch.setattr(analyze_mod, "_available_bytes", lambda: None if free_mb is None else free_mb * _MB)
    monkeypatch.setattr(analyze_mod.os, "cpu_count", lambda: cores)
    docs = [{"url": f"https://a.org/{i}"} for i in range(documents)]
    with caplog.at_level(logging.INFO, logger="graph.analyze"):
        assert analyze_mod._forks(docs, workers, None if records_mb is None else records_mb * _MB) is forks
    assert ("runs in one process" in caplog.text) == (records_mb == 1500 and free_mb == 4000)


def test_available_memory_is_read_on_linux():
    import graph.analyze as analyze_mod

    free = analyze_mod._available_bytes()
    if not os.path.isfile("/proc/meminfo"):
        assert free is None
    else:
        assert 0 < free <= os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def test_analysis_of_a_folder_weighs_its_links_file(corpus_out, one_process, monkeypatch, caplog):
    """``analyze(OUT)`` sizes the forked analysis by OUT's links.jsonl: with less free memory
    than it needs, one process, and the same result."""
    import graph.analyze as analyze_mod

    size = (corpus_out / "links.jsonl").stat().st_size
    monkeypatch.setattr(analyze_mod, "FORK_MIN_DOCUMENTS", 0)
    monkeypatch.setattr(analyze_mod.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(analyze_mod, "_available_bytes", lambda: analyze_mod.FORK_MEMORY_FACTOR * size - 1)
    with caplog.at_level(logging.INFO, logger="graph.analyze"):
        assert _bytes(analyze(corpus_out)) == one_process
    assert "runs in one process" in caplog.text


def test_document_roles_are_the_provenance_entries_sharing_equal_evidence():
    from graph.roles import class_counts, document_roles

    docs = [{"url": f"https://o.com/{i}"} for i in range(3)] + [{"url": "https://m.org/0"}]
    mirrors = [{"mirror": "https://m.org/0", "original": "https://o.com/0", "confidence": 0.9},
               {"mirror": "https://x.org/1", "original": "https://o.com/1", "confidence": 0.9},
               {"mirror": "https://x.org/2", "original": "https://o.com/2", "confidence": 0.9}]
    roles = document_roles(docs, mirrors, class_counts([], []))
    assert [(u, r["url"], r["role"]) for u, r in roles.items()] == [
        ("https://o.com/0", "https://o.com/0", "original"), ("https://o.com/1", "https://o.com/1", "original"),
        ("https://o.com/2", "https://o.com/2", "original"), ("https://m.org/0", "https://m.org/0", "mirror")]
    first, second = roles["https://o.com/1"], roles["https://o.com/2"]
    assert first["evidence"] == [{"signal": "original_of", "detail": "mirrored by 1 URL"}]
    assert first.payload is second.payload      # one string for equal evidence


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
def test_document_roles_mirror_of_several_originals(order):
    from graph.roles import class_counts, document_roles

    ms = [{"mirror": "https://m.org/a", "original": f"https://o{i}.com/a", "confidence": c}
          for i, c in ((1, 0.9), (2, 0.6), (3, 0.4))]      # the last is below MIN_CONFIDENCE
    roles = document_roles([{"url": "https://m.org/a"}, {"url": "https://o1.com/a"}],
                           [ms[i] for i in order], class_counts([], []))
    assert roles["https://m.org/a"]["evidence"] == [
        {"signal": "mirror_of", "detail": "mirrors https://o1.com/a (confidence 0.9)"},
        {"signal": "mirror_of", "detail": "mirrors https://o2.com/a (confidence 0.6)"}]
    assert roles["https://o1.com/a"]["role"] == "original"


def test_a_workers_document_steps_release_its_texts_with_the_same_result(corpus_out, monkeypatch):
    """In a forked worker (its own copy of the records) the document steps drop the texts once
    the sources are read from them, and hand the folded texts on to the stories: the same
    stories and source mentions as in the caller's process, where the records stay whole."""
    import graph.analyze as analyze_mod

    kept, released = load_documents(corpus_out)[0], load_documents(corpus_out)[0]
    expected = analyze_mod._document_steps(kept)
    assert expected[0] and expected[1] and all("text" in d for d in kept)    # stories and mentions
    monkeypatch.setattr(analyze_mod, "_IN_WORKER", True)
    assert analyze_mod._document_steps(released) == expected
    assert [d for d in released if "text" in d] == []
