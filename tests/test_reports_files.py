"""Graph files and provenance.json: GraphML round trip, typed scalars, determinism, atomic writes."""
import json
import math

import networkx as nx
import pytest

from fixtures.reports.sample import D1, O1, make_graph, make_manifest, make_provenance
from graph.query import read_graph
from reports import files
from reports.run import write_reports


def _roundtrip(tmp_path, H):
    path = files.write_atomic(tmp_path / "graph.graphml", files.graphml_bytes(H))
    return nx.read_graphml(path, edge_key_type=str, force_multigraph=True), read_graph(path)


def test_graphml_roundtrip_equal(tmp_path):
    G = make_graph()
    H = files.export_graph(G, version="0.1.0")
    assert sorted(H.nodes(data=True)) == sorted(G.nodes(data=True))   # the fixture is already typed scalars
    assert sorted(H.edges(keys=True, data=True), key=str) == sorted(G.edges(keys=True, data=True), key=str)
    raw, R = _roundtrip(tmp_path, H)
    assert nx.utils.graphs_equal(R, H)
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
    G.add_edge("https://a.example/\x01x", "u", key="links_to", kind="links_to", v=value)
    H = files.export_graph(G)
    assert "https://a.example/x" in H
    assert H.nodes["https://a.example/x"].get("v") == expected
    _, R = _roundtrip(tmp_path, H)
    got = R.nodes["https://a.example/x"].get("v")
    assert got == expected and type(got) is type(expected)
    assert R.edges["https://a.example/x", "u", "links_to"].get("v") == expected


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
