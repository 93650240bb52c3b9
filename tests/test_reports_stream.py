"""Streamed graph files and parallel pictures: the same bytes as networkx's in-memory writers
(the oracle below is the export the reports used before streaming), whole files or none."""
import io
import json
import logging
import math
import pickle
import re

import networkx as nx
import pytest

from fixtures.reports.sample import make_graph, make_manifest, make_provenance
from graph.build import edge_key
from graph.query import FORMAT, SCHEMA
from reports import files, graphio, pictures
from reports.run import write_reports

# ----------------------------------------------------------------------------- the oracle

_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _oracle_clean(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        if isinstance(value, (set, frozenset)):
            value = sorted(value, key=str)
        value = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    elif not isinstance(value, str):
        value = str(value)
    return _BAD.sub("", value)


def _oracle_attrs(attrs):
    out = {}
    for k in sorted(attrs, key=str):
        v = _oracle_clean(attrs[k])
        if v is not None:
            out[_BAD.sub("", str(k))] = v
    return out


def _oracle_export(G, version):
    """A whole sorted, typed copy of G, as reports.files.export_graph made it before streaming."""
    H = nx.MultiDiGraph()
    g = _oracle_attrs({k: v for k, v in G.graph.items() if k not in ("node_default", "edge_default")})
    g.update(format=FORMAT, schema=SCHEMA, version=version)
    H.graph.update(sorted(g.items()))
    ids = {n: _BAD.sub("", str(n)) for n in G.nodes}
    nodes = sorted((ids[n], _oracle_attrs(d)) for n, d in G.nodes(data=True))
    edges = []
    for u, v, k, d in G.edges(keys=True, data=True):
        d = _oracle_attrs(d)
        d.setdefault("kind", _BAD.sub("", str(k)))
        edges.append((ids[u], ids[v], str(d["kind"]), _BAD.sub("", str(k)), d))
    edges.sort(key=lambda e: (e[:4], json.dumps(e[4], sort_keys=True, ensure_ascii=False)))
    items = [d for _, d in nodes] + [e[4] for e in edges]
    types = {}
    for d in items:
        for k, v in d.items():
            types.setdefault(k, set()).add(type(v))
    for d in items:
        for k, v in list(d.items()):
            if len(types[k]) > 1:
                d[k] = float(v) if types[k] <= {int, float} else (str(v).lower() if isinstance(v, bool) else str(v))
    H.add_nodes_from(nodes)
    seen = {}
    for u, v, kind, _, d in edges:
        key = edge_key(u, v, kind)
        seen[key] = n = seen.get(key, 0) + 1
        H.add_edge(u, v, key=key if n == 1 else f"{key}~{n}", **d)
    return H


def _oracle_files(G, version="9"):
    H = _oracle_export(G, version)
    buf = io.BytesIO()
    nx.write_graphml(H, buf, encoding="utf-8", prettyprint=True, named_key_ids=False)
    graphml = buf.getvalue()
    K = nx.MultiDiGraph()
    K.graph.update(H.graph)
    for n, d in H.nodes(data=True):
        K.add_node(n, **{**d, "label": graphio.short_label(n, d)})
    for u, v, k, d in H.edges(keys=True, data=True):
        K.add_edge(u, v, key=k, **d, id=str(k), label=str(d.get("kind", k)))
    buf = io.BytesIO()
    nx.write_gexf(K, buf, encoding="utf-8", prettyprint=True, version="1.2draft")
    gexf = re.sub(rb' lastmodifieddate="[^"]*"', b"", buf.getvalue(), count=1)

    def cell(v):
        return "" if v is None else (("true" if v else "false") if isinstance(v, bool) else v)

    def csv_bytes(header, rows):
        import csv
        s = io.StringIO()
        w = csv.writer(s, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
        return s.getvalue().encode("utf-8")

    names = sorted({k for _, d in H.nodes(data=True) for k in d} - {"kind"})
    header = ["id", "kind", "label"] + [n for n in names if n != "label"]
    nodes = csv_bytes(header, [[n, d.get("kind", ""), graphio.short_label(n, d)] + [cell(d.get(k)) for k in header[3:]]
                               for n, d in H.nodes(data=True)])
    names = sorted({k for *_, d in H.edges(keys=True, data=True) for k in d} - {"kind"})
    edges = csv_bytes(["source", "target", "kind"] + names,
                      [[u, v, d.get("kind", k)] + [cell(d.get(n)) for n in names] for u, v, k, d in H.edges(keys=True, data=True)])
    return {"graph.graphml": graphml, "graph.gexf": gexf, "nodes.csv": nodes, "edges.csv": edges}


# ----------------------------------------------------------------------------- graphs


def _sample():
    return make_graph()


def _mixed_types():
    G = nx.MultiDiGraph(name="mixed", id="g1", tags=["a", "b"])
    G.add_node("a", kind="url", n=1, flag=True)
    G.add_node("b", kind="url", n=2.5, flag="yes")
    G.add_node("c", kind="url", tag=3, score=float("nan"), extra=None)
    G.add_node("d", kind="cluster", tag="x", label="Cluster \x01D")
    G.add_edge("a", "b", kind="links_to", count=2, n=7)
    G.add_edge("a", "b", kind="links_to", count=3.5)            # a second links_to a -> b: id ~2
    G.add_edge("b", "a", key="mirror_of", confidence=0.5)       # no kind: the key is the kind
    G.add_edge("c", "d", key=7, kind="member_of", weight=2, type="x")
    return G


def _odd_ids():
    G = nx.MultiDiGraph()
    G.add_node(3, kind="url")
    G.add_node("https://例子.cn/\x0bpath?q=<&>\"'", kind="document", title="标题 <b>&amp;</b>\n\tline", depth=0)
    G.add_node("host:例子.cn", kind="host", set_attr={"b", "a"}, d={"z": 1, "a": [1, 2]})
    G.add_edge(3, "host:例子.cn", kind="on_host")
    G.add_edge("https://例子.cn/\x0bpath?q=<&>\"'", 3, kind="links_to", anchor_texts=["a\ud800", "b"], ok=False)
    G.add_edge("https://例子.cn/\x0bpath?q=<&>\"'", 3, key="z", kind="links_to", anchor_texts="x")
    return G


def _empty():
    return nx.MultiDiGraph()


def _nodes_only():
    G = nx.MultiDiGraph()
    G.add_node("b", kind="url")
    G.add_node("a")
    return G


def _gexf_special():
    """Attribute names networkx's GEXF writer treats specially: written through networkx."""
    G = nx.MultiDiGraph()
    G.add_node("a", kind="url", start="2025-09-01")
    G.add_edge("a", "b", kind="links_to", key_="k")
    return G


def _node_key():
    """A node attribute named ``key`` (networkx's GEXF writer names the *edge* key ``networkx_key``)."""
    G = nx.MultiDiGraph()
    G.add_node("a", kind="url", key="x")
    G.add_edge("a", "b", kind="links_to")
    return G


def _repeated():
    """Edges whose attributes recur (remembered from their second sighting on) beside edges
    whose attributes occur once."""
    G = nx.MultiDiGraph()
    for i in range(6):
        G.add_edge(f"d{i}", "t", kind="links_to", link_class="promo", count=1)
        G.add_edge(f"d{i}", f"u{i}", kind="links_to", link_class="content", count=i)
    return G


GRAPHS = {"repeated": _repeated, "sample": _sample, "mixed_types": _mixed_types, "odd_ids": _odd_ids, "empty": _empty,
          "nodes_only": _nodes_only, "gexf_special": _gexf_special, "node_key": _node_key}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_streamed_files_equal_in_memory_oracle(tmp_path, name):
    G = GRAPHS[name]()
    expected = _oracle_files(G)
    assert files.write_graph_files(tmp_path, G, version="9") == sorted(expected)
    for fname, data in expected.items():
        assert (tmp_path / fname).read_bytes() == data, fname
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(expected)   # no temporary file left


def test_memo_keys_handed_on_from_their_second_sighting():
    X = graphio.GraphExport(_repeated(), version="9")
    got = [(u, v, memo is not None) for u, v, _, _, memo in X._shared_edges()]
    assert got == [(f"d{i}", t, t == "t" and i > 0) for i in range(6) for t in ("t", f"u{i}")]


@pytest.mark.parametrize("sighted_max", [1, 2, 3])
def test_streamed_files_equal_oracle_whatever_is_remembered(tmp_path, monkeypatch, sighted_max):
    monkeypatch.setattr(graphio, "_SIGHTED_MAX", sighted_max)
    G = _repeated()
    expected = _oracle_files(G)
    files.write_graph_files(tmp_path, G, version="9")
    assert {name: (tmp_path / name).read_bytes() for name in expected} == expected


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_bytes_functions_equal_oracle(name):
    G = GRAPHS[name]()
    expected = _oracle_files(G)
    H = files.export_graph(G, version="9")
    assert sorted(H.nodes(data=True)) == sorted(_oracle_export(G, "9").nodes(data=True))
    got = {"graph.graphml": files.graphml_bytes(H), "graph.gexf": files.gexf_bytes(H),
           "nodes.csv": files.nodes_csv_bytes(H), "edges.csv": files.edges_csv_bytes(H)}
    assert got == expected


def test_reversed_insertion_same_bytes(tmp_path):
    G = _mixed_types()
    R = nx.MultiDiGraph()
    R.graph.update(G.graph)
    R.add_nodes_from(reversed(list(G.nodes(data=True))))
    R.add_edges_from(reversed(list(G.edges(keys=True, data=True))))
    for sub, graph in (("a", G), ("b", R)):
        (tmp_path / sub).mkdir()
        files.write_graph_files(tmp_path / sub, graph, version="1")
    for name in files.GRAPH_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


@pytest.mark.parametrize("value, expected_type", [
    (None, None), (True, bool), (3, int), (2.5, float), (math.inf, None), ("x", str), ([1], str),
    ({"a": 1}, str), ({1, 2}, str), (b"raw", str), (object, str),
])
def test_clean_type_is_type_of_clean_value(value, expected_type):
    v = graphio.clean_value(value)
    assert (None if v is None else type(v)) is expected_type
    assert graphio._clean_type(value) is expected_type


def test_export_view_does_not_copy_or_change_graph():
    G = _mixed_types()
    before = (dict(G.graph), sorted(G.nodes(data=True), key=str), sorted(G.edges(keys=True, data=True), key=str))
    X = graphio.GraphExport(G, version="1")
    assert (X.number_of_nodes, X.number_of_edges) == (4, 4)
    assert X.types["n"] is float and X.types["flag"] is str and X.types["tag"] is str
    assert [e[2] for e in X.edges()][:2] == [edge_key("a", "b", "links_to"), edge_key("a", "b", "links_to") + "~2"]
    assert (dict(G.graph), sorted(G.nodes(data=True), key=str), sorted(G.edges(keys=True, data=True), key=str)) == before


def test_failed_stream_leaves_old_files(tmp_path, monkeypatch):
    files.write_graph_files(tmp_path, _sample(), version="1")
    old = {n: (tmp_path / n).read_bytes() for n in files.GRAPH_FILES}

    def boom(self, *args):
        raise RuntimeError("disk full")
    monkeypatch.setattr(graphio.EdgesCSVSink, "edge", boom)
    with pytest.raises(RuntimeError):
        files.write_graph_files(tmp_path, _mixed_types(), version="2")
    assert {n: (tmp_path / n).read_bytes() for n in files.GRAPH_FILES} == old
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files.GRAPH_FILES)


# ----------------------------------------------------------------------------- pictures in processes


@pytest.fixture
def forked_pictures(monkeypatch):
    """Picture processes forked from this one, so that what a test patches here reaches them
    (the real ones start from a fork server and are sent each picture's piece)."""
    from multiprocessing import get_context
    monkeypatch.setattr(pictures, "_picture_processes", lambda: get_context("fork"))


@pytest.mark.parametrize("workers", [0, 2])
def test_document_pictures_same_bytes_in_processes(workers):
    G, P = make_graph(), make_provenance()
    urls = pictures.seed_documents(G)
    got = list(pictures.document_pictures(G, P, urls, workers=workers))
    assert [u for u, _, _ in got] == urls
    assert [png for _, png, _ in got] == [pictures.document_picture(G, P, u) for u in urls]
    assert all(err is None for _, _, err in got)


def _chain_graph():
    """A mirror chain in the graph only (m -> o -> p), a copy of o known from the verdicts,
    and a source whose kind only the provenance knows."""
    G = nx.MultiDiGraph()
    for u in ("https://m.org/a", "https://o.org/a"):
        G.add_node(u, kind="document", title=u[8:13], published="2025-09-04")
    G.add_edge("https://m.org/a", "https://o.org/a", key="mirror_of", kind="mirror_of", confidence=0.9,
               signals='[{"signal": "url_rule"}]')
    G.add_edge("https://o.org/a", "https://p.org/a", key="mirror_of", kind="mirror_of", confidence=0.7,
               signals='[{"signal": "original_link"}]')
    G.add_node("source:Reuters", kind="source", name="Reuters")
    G.add_edge("https://o.org/a", "source:Reuters", key="cites", kind="cites", evidence="据路透社报道")
    G.add_edge("https://o.org/a", "https://q.org/", key="links_to", kind="links_to", link_class="content", count=2)
    P = {"sources": [{"name": "Reuters", "kind": "wire"}],
         "mirrors": [{"mirror": "https://x.org/a", "original": "https://o.org/a", "confidence": 0.8, "evidence": []}]}
    return G, P


@pytest.mark.parametrize("url", ["https://m.org/a", "https://o.org/a"])
def test_a_documents_piece_draws_chains_copies_and_source_kinds(url):
    G, P = _chain_graph()
    P = {**P, "mirrors": P["mirrors"] if url == "https://o.org/a" else []}   # o: copies, no chain
    G2 = G.copy()
    if url == "https://o.org/a":
        G2.remove_edge("https://o.org/a", "https://p.org/a", "mirror_of")
    H, small = pickle.loads(pickle.dumps(pictures.doc_piece(G2, pictures.DocContext(G2, P), url)))
    assert pictures.document_picture(H, {}, url, context=small) == pictures.document_picture(G2, P, url)


def test_picture_processes_do_not_share_the_graph():
    assert pictures._picture_processes().get_start_method() in ("forkserver", "spawn")


@pytest.mark.parametrize("url", sorted(set(pictures.seed_documents(make_graph())) | {"https://not.in/graph"}))
def test_a_documents_piece_draws_its_picture(url):
    """The piece a picture process is sent draws the same bytes as the whole graph, and holds
    only the document's neighbourhood."""
    G, P = make_graph(), make_provenance()
    ctx = pictures.DocContext(G, P)
    H, small = pickle.loads(pickle.dumps(pictures.doc_piece(G, ctx, url)))
    assert pictures.document_picture(H, {}, url, context=small) == pictures.document_picture(G, P, url)
    assert H.number_of_nodes() < G.number_of_nodes()


def test_document_picture_failure_reported_not_raised(monkeypatch, forked_pictures):
    G, P = make_graph(), make_provenance()
    urls = pictures.seed_documents(G)
    real = pictures.document_picture

    def flaky(G_, P_, url, **kw):
        if url == urls[0]:
            raise ValueError("bad glyph")
        return real(G_, P_, url, **kw)
    monkeypatch.setattr(pictures, "document_picture", flaky)
    got = list(pictures.document_pictures(G, P, urls, workers=2))
    assert got[0][1] is None and "ValueError: bad glyph" in got[0][2]
    assert all(png is not None and err is None for _, png, err in got[1:])


def test_write_reports_workers_same_outputs(tmp_path, monkeypatch, caplog, forked_pictures):
    a, b = tmp_path / "a", tmp_path / "b"
    names = write_reports(a, make_graph(), make_provenance(), manifest=make_manifest(), workers=1)
    assert write_reports(b, make_graph(), make_provenance(), manifest=make_manifest(), workers=2) == names
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    monkeypatch.setattr(pictures, "document_picture", lambda *a, **k: 1 / 0)
    with caplog.at_level(logging.ERROR, logger="linkprov.reports"):
        names2 = write_reports(b, make_graph(), make_provenance(), manifest=make_manifest(), workers=2)
    assert not [n for n in names2 if n.startswith("doc_")] and not list(b.glob("doc_*.png"))
    assert "could not draw the picture of" in caplog.text and "ZeroDivisionError" in caplog.text


def test_document_pictures_start_before_they_are_read_and_stop_when_closed(tmp_path, monkeypatch, forked_pictures):
    """The processes draw while the caller does other work; closing the iterator early
    stops them and restores the shared job."""
    import os
    import time
    G, P = make_graph(), make_provenance()
    urls = pictures.seed_documents(G) * 8
    real = pictures.document_picture

    def marked(G_, P_, url, **kw):
        (tmp_path / f"drawn-{os.getpid()}").touch()
        return real(G_, P_, url, **kw)
    monkeypatch.setattr(pictures, "document_picture", marked)
    drawing = pictures.document_pictures(G, P, urls, workers=2)
    assert pictures._JOB is not None
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob("drawn-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    drawers = {p.name for p in tmp_path.glob("drawn-*")}
    assert drawers and f"drawn-{os.getpid()}" not in drawers     # drawn elsewhere, before any was read
    assert next(drawing) == (urls[0], real(G, P, urls[0]), None)
    drawing.close()
    assert pictures._JOB is None


def test_write_reports_stops_the_picture_processes_when_a_file_fails(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(files, "write_graph_files", boom)
    with pytest.raises(OSError, match="disk full"):
        write_reports(tmp_path, make_graph(), make_provenance(), manifest=make_manifest(), workers=2)
    assert pictures._JOB is None
    assert not list(tmp_path.glob("doc_*.png"))
