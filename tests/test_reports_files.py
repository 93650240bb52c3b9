"""Graph files and provenance.json: GraphML round trip, typed scalars, determinism, atomic writes."""
import json
import math
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from fixtures.reports.sample import D1, O1, make_graph, make_manifest, make_provenance
from graph.build import edge_key
from graph.query import read_graph
from reports import files
from reports.run import write_reports


def _roundtrip(tmp_path, H):
    path = files.write_atomic(tmp_path / "graph.graphml", files.graphml_bytes(H))
    return nx.read_graphml(path, edge_key_type=str, force_multigraph=True), read_graph(path)


def _by_kind(edge):
    return edge[0], edge[1], edge[2]["kind"]


def test_graphml_roundtrip_equal(tmp_path):
    G = make_graph()
    H = files.export_graph(G, version="0.1.0")
    assert sorted(H.nodes(data=True)) == sorted(G.nodes(data=True))   # the fixture is already typed scalars
    assert sorted(H.edges(data=True), key=_by_kind) == sorted(G.edges(data=True), key=_by_kind)
    assert {(u, v, k) for u, v, k in H.edges(keys=True)} == {(u, v, edge_key(u, v, k)) for u, v, k in G.edges(keys=True)}
    raw, R = _roundtrip(tmp_path, H)
    assert R.graph == H.graph and dict(R.nodes(data=True)) == dict(G.nodes(data=True))
    assert nx.to_dict_of_dicts(R) == nx.to_dict_of_dicts(G)   # keyed by kind again, as the analysis keys them
    assert sorted(raw.edges(keys=True, data=True), key=str) == sorted(H.edges(keys=True, data=True), key=str)
    assert dict(raw.nodes(data=True)) == dict(H.nodes(data=True))
    conf = R.edges[D1, O1, "mirror_of"]["confidence"]
    assert type(conf) is float and conf == 0.97


@pytest.mark.parametrize("value, expected", [
    ("a\x00b\x0bc\ud800d\ufffe", "abcd"),        # characters XML cannot hold are dropped
    ("tab\tnew\nline", "tab\tnew\nline"),
    (True, True),
    (7, 7),
    (2.5, 2.5),
    (["b", "中"], '["b", "中"]'),                # lists and dicts become JSON strings
    ({"b": 1, "a": 2}, '{"a": 2, "b": 1}'),
    (None, None),                               # dropped
    (math.nan, None),
])
def test_export_scalar_types_roundtrip(tmp_path, value, expected):
    G = nx.MultiDiGraph()
    G.add_node("https://a.example/\x01x", kind="document", v=value)
    G.add_edge("https://a.example/\x01x", "u", key=0, kind="links_to", v=value)
    H = files.export_graph(G)
    assert "https://a.example/x" in H
    assert H.nodes["https://a.example/x"].get("v") == expected
    _, R = _roundtrip(tmp_path, H)
    got = R.nodes["https://a.example/x"].get("v")
    assert got == expected and type(got) is type(expected)
    assert R.edges["https://a.example/x", "u", "links_to"].get("v") == expected


GML = "{http://graphml.graphdrawing.org/xmlns}"
GEXF = "{http://www.gexf.net/1.2draft}"


def test_edge_ids_unique_and_stable(tmp_path):
    """Gephi drops an edge whose id repeats: every edge id is unique, and the same in every run."""
    G = make_graph()
    G.add_edge("x", "y", key="links_to", link_class="content")       # a foreign graph: key = kind, no kind
    G.add_edge("x", "y", key="second", kind="links_to")              # a second links_to x -> y
    write_reports(tmp_path, G, make_provenance(), manifest=make_manifest())
    gml = ET.parse(tmp_path / "graph.graphml").getroot()
    ids = [e.get("id") for e in gml.iter(GML + "edge")]
    assert len(ids) == G.number_of_edges() and len(set(ids)) == len(ids) and None not in ids
    assert edge_key(D1, O1, "mirror_of") in ids and edge_key(D1, O1, "links_to") in ids
    assert {i for i in ids if i.startswith(edge_key("x", "y", "links_to"))} == {
        edge_key("x", "y", "links_to"), edge_key("x", "y", "links_to") + "~2"}
    gexf = ET.parse(tmp_path / "graph.gexf").getroot()
    gids = [e.get("id") for e in gexf.iter(GEXF + "edge")]
    assert sorted(gids) == sorted(ids)
    R = read_graph(tmp_path / "graph.graphml")
    assert {d["kind"] for *_, d in R.edges(data=True)} == {"links_to", "mirror_of", "cites", "member_of",
                                                          "on_host", "part_of"}
    # keyed by kind again, except where two edges of one kind join the same nodes (their ids stay)
    assert sorted(R[D1][O1]) == ["links_to", "mirror_of"]
    assert sorted(R["x"]["y"]) == [edge_key("x", "y", "links_to"), edge_key("x", "y", "links_to") + "~2"]


def test_attribute_types_declared_once(tmp_path):
    """One GraphML <key> id per declaration, one type per attribute name (nodes and edges alike)."""
    G = make_graph()
    G.add_node("z", kind="url", count="many")        # "count" is an int on edges: both become str
    write_reports(tmp_path, G, make_provenance(), manifest=make_manifest())
    keys = list(ET.parse(tmp_path / "graph.graphml").getroot().iter(GML + "key"))
    assert len({k.get("id") for k in keys}) == len(keys)
    types = {}
    for k in keys:
        types.setdefault(k.get("attr.name"), set()).add(k.get("attr.type"))
    assert all(len(t) == 1 for t in types.values()), types
    assert types["count"] == {"string"} and types["kind"] == {"string"} and types["confidence"] == {"double"}
    gtypes = {}
    for a in ET.parse(tmp_path / "graph.gexf").getroot().iter(GEXF + "attribute"):
        gtypes.setdefault(a.get("title"), set()).add(a.get("type"))
    assert all(len(t) == 1 for t in gtypes.values()), gtypes


def test_mixed_types_unified(tmp_path):
    G = nx.MultiDiGraph()
    G.add_node("a", kind="url", n=1)
    G.add_node("b", kind="url", n=2.5)
    G.add_node("c", kind="url", tag=3)
    G.add_node("d", kind="url", tag="x")
    H = files.export_graph(G)
    assert [H.nodes[n]["n"] for n in "ab"] == [1.0, 2.5] and [H.nodes[n]["tag"] for n in "cd"] == ["3", "x"]
    _, R = _roundtrip(tmp_path, H)
    assert nx.utils.graphs_equal(R, H)


def test_outputs_byte_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    names = write_reports(a, make_graph(), make_provenance(), manifest=make_manifest())
    G2 = nx.MultiDiGraph()   # same graph, inserted in reverse order
    G = make_graph()
    G2.add_nodes_from(reversed(list(G.nodes(data=True))))
    G2.add_edges_from(reversed(list(G.edges(keys=True, data=True))))
    assert write_reports(b, G2, make_provenance(), manifest=make_manifest()) == names
    assert {"provenance.json", "graph.graphml", "graph.gexf", "nodes.csv", "edges.csv", "report.html",
            "provenance_map.png", "link_classes.png"} <= set(names)
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert not [p.name for p in a.iterdir() if p.name.startswith(".")]   # no temp files left
    assert str(tmp_path).encode() not in (a / "report.html").read_bytes()


def test_provenance_json_format(tmp_path):
    write_reports(tmp_path, make_graph(), make_provenance(), manifest=make_manifest())
    text = (tmp_path / "provenance.json").read_text("utf-8")
    assert text == json.dumps(make_provenance(), sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    assert "翻墙软件与首页推广" in text


@pytest.mark.parametrize("chunk", [1, 7, 1 << 20])
@pytest.mark.parametrize("provenance", [
    {},
    {"mirrors": [], "entities": [{"entity": "例.com", "documents": 2}]},
    {"stories": [{"id": "s1", "evidence": [{"detail": "法國總統 \U0001F600 \u2028 \x00 \"q\""}], "score": -0.0}]},
    {"sources": [{"name": "Reuters", "when": object}]},     # default=str, as provenance_bytes
])
def test_write_provenance_streams_the_same_bytes(tmp_path, monkeypatch, chunk, provenance):
    monkeypatch.setattr(files, "_CHUNK", chunk)
    path = files.write_provenance(tmp_path / "provenance.json", provenance)
    assert path.read_bytes() == files.provenance_bytes(provenance)
    assert path.read_bytes() == (json.dumps(provenance, sort_keys=True, ensure_ascii=False, indent=2,
                                            default=str) + "\n").encode("utf-8")


def test_write_provenance_whole_or_not_at_all(tmp_path, monkeypatch):
    target = files.write_atomic(tmp_path / "provenance.json", "old")
    monkeypatch.setattr(files, "_CHUNK", 1)

    class Bad:      # fails half-way through the encoding, after pieces were written
        def __str__(self):
            raise ValueError("bad value")
    with pytest.raises(ValueError):
        files.write_provenance(target, {"a": list(range(100)), "b": Bad()})
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["provenance.json"]


def test_gexf_and_csv(tmp_path):
    write_reports(tmp_path, make_graph(), make_provenance(), manifest=make_manifest())
    K = nx.read_gexf(tmp_path / "graph.gexf")
    assert K.number_of_edges() == make_graph().number_of_edges()
    assert b"lastmodifieddate" not in (tmp_path / "graph.gexf").read_bytes()
    nodes = (tmp_path / "nodes.csv").read_text("utf-8").splitlines()
    edges = (tmp_path / "edges.csv").read_text("utf-8").splitlines()
    assert nodes[0].startswith("id,kind,label,") and len(nodes) == 1 + make_graph().number_of_nodes()
    assert edges[0].startswith("source,target,kind,") and len(edges) == 1 + make_graph().number_of_edges()


def test_stale_document_pictures_removed(tmp_path):
    (tmp_path / "doc_0000000000.png").write_bytes(b"old")
    names = write_reports(tmp_path, make_graph(), make_provenance(), manifest=make_manifest())
    assert not (tmp_path / "doc_0000000000.png").exists()
    assert len([n for n in names if n.startswith("doc_")]) == 3


def test_write_atomic_keeps_old_file_on_failure(tmp_path, monkeypatch):
    target = files.write_atomic(tmp_path / "x.json", "old")

    def boom(pairs):
        raise OSError("disk full")
    monkeypatch.setattr(files, "commit", boom)
    with pytest.raises(OSError):
        files.write_atomic(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_document_pictures_capped_with_note(tmp_path):
    names = write_reports(tmp_path, make_graph(), make_provenance(), manifest=make_manifest(), max_pictures=1)
    assert len([n for n in names if n.startswith("doc_")]) == 1
    html = (tmp_path / "report.html").read_text("utf-8")
    assert ("3 seed documents, sorted by URL; pictures for 1 of them (at most 1 pictures per run, the first by URL). "
            "The 2 without one say “no picture”") in html
    assert html.count('<span class="muted">no picture</span>') == 2


@pytest.mark.parametrize("limit, shown, note", [
    (100, 3, None),                                              # small tables whole
    (2, 2, "1 more row in <code>provenance.json (documents) and documents.jsonl</code>"),
    (1, 1, "2 more rows in <code>provenance.json (documents) and documents.jsonl</code>"),
])
def test_report_tables_capped_with_pointer_to_data(tmp_path, monkeypatch, limit, shown, note):
    from reports import html as report_html
    monkeypatch.setattr(report_html, "MAX_ROWS", limit)
    write_reports(tmp_path, make_graph(), make_provenance(), manifest=make_manifest(), max_pictures=0)
    page = (tmp_path / "report.html").read_text("utf-8")
    documents = page.split('<h2 id="documents">', 1)[1].split("<h2", 1)[0]
    assert documents.count("<tr><td>") == shown
    if note:
        assert note in documents
    else:
        assert "more row" not in documents


def test_capped_tables_name_their_key_in_provenance_json(tmp_path, monkeypatch):
    from reports import html as report_html
    monkeypatch.setattr(report_html, "MAX_ROWS", 1)
    prov = make_provenance()
    write_reports(tmp_path, make_graph(), prov, manifest=make_manifest(), max_pictures=0)
    page = (tmp_path / "report.html").read_text("utf-8")
    named = {}
    for section, key in (("mirrors", "mirrors"), ("sources", "sources"), ("stories", "stories"),
                         ("entities", "entities"), ("clusters", "promotional_clusters")):
        part = page.split(f'<h2 id="{section}">', 1)[1].split("<h2", 1)[0]
        named[key] = f"in <code>provenance.json ({key})</code>" in part
    expected = {key: len(prov.get(key) or []) > 1 for key in named}
    expected["mirrors"] = len(prov["mirrors"]) > 1     # read mirrors and rule-predicted ones share the key
    assert named == expected and any(named.values())


@pytest.mark.parametrize("limit", [1, 2, 1000])
def test_rows_left_out_of_the_report_are_never_made(tmp_path, monkeypatch, limit):
    """Each table renders the evidence of the rows it shows and of no other (at 100k pages,
    making every row to show a thousand cost 300 MB)."""
    from reports import html as report_html
    monkeypatch.setattr(report_html, "MAX_ROWS", limit)
    made = []
    real = report_html._evidence
    monkeypatch.setattr(report_html, "_evidence", lambda ev: made.append(id(ev)) or real(ev))
    prov, G = make_provenance(), make_graph()
    write_reports(tmp_path, G, prov, manifest=make_manifest(), max_pictures=0)
    read = {n for n, d in G.nodes(data=True) if d.get("kind") == "document"}
    in_read = [m for m in prov["mirrors"] if m["mirror"] in read]
    tables = {"mirrors": min(limit, len(in_read)) + min(limit, len(prov["mirrors"]) - len(in_read))}
    tables.update({k: min(limit, len(prov[k])) for k in ("sources", "promotional_clusters", "stories", "entities")})
    got = {k: sum(made.count(id(x["evidence"])) for x in prov[k]) for k in tables}
    assert got == tables and sum(tables.values()) > len(tables)
    if limit == 1:
        assert sum(len(prov[k]) for k in tables) > sum(tables.values())    # rows were left out


@pytest.mark.parametrize("n, shown_urls, shown_items, note_urls, note_items", [
    (5, 5, 5, None, None),
    (120, 112, 20, "8 more in provenance.json", "100 more in provenance.json"),
    (5000, 112, 20, "4,888 more in provenance.json", "4,980 more in provenance.json"),
])
def test_a_cell_lists_at_most_its_share_of_urls_and_evidence(n, shown_urls, shown_items, note_urls, note_items):
    """A source named by every document: its cell shows 12 URLs, 100 more folded, 20 evidence
    items, and says how many more provenance.json has (at 100k pages one cell was 72 MB)."""
    from reports import html as report_html
    docs = [f"https://m.org/{i:05d}" for i in range(n)]
    prov = {"sources": [{"name": "Reuters", "kind": "publisher", "entity": "reuters.com", "documents": docs,
                         "evidence": [{"document": d, "signal": "text", "detail": "据路透社报道"} for d in docs]}]}
    page = report_html.render_html(nx.MultiDiGraph(), prov, {}, {}, [])
    cell = page.split('<h2 id="sources">', 1)[1].split("<h2", 1)[0]
    assert cell.count('<a href="https://m.org/') == shown_urls + shown_items
    assert cell.count("<li><b>text</b>") == shown_items
    for note in (note_urls, note_items):
        assert (note in cell) if note else ("more in provenance.json" not in cell)
