"""graph.build: the links_to edges written straight into the adjacency give the graph
that networkx's own ``add_edge`` gives."""
import json

import networkx as nx
import pytest

from graph import build
from graph.build import graph_of, link_edges

_A, _B, _C = "https://a.org/1", "https://a.org/2", "https://b.org/x"


def _plain(G, u, targets, order, made):
    """The oracle: one ``G.add_edge`` per pair, as graph_of once did it."""
    for v in order:
        link_class, count, classes, anchors, _ = targets[v]
        attrs = {"link_class": link_class, "count": count, "classes": classes}
        if anchors is not None:
            attrs["anchor_texts"] = anchors
        build._edge(G, u, v, "links_to", **attrs)


def _shape(G):
    """Everything a writer or a query reads, in insertion order."""
    return (list(G.nodes(data=True)), list(G.edges(keys=True, data=True)),
            list(G.in_edges(keys=True, data=True)), {n: list(G.pred[n]) for n in G},
            nx.to_dict_of_dicts(G))


@pytest.mark.parametrize("docs, links, classes", [
    ([{"url": _A}], [{"source": _A, "target": _C, "anchor_text": "x"}], ["content"]),
    # a page linking to itself (a self-loop) and to another document
    ([{"url": _A}, {"url": _B}], [{"source": _A, "target": _A}, {"source": _A, "target": _B, "anchor_text": "b"},
                                  {"source": _B, "target": _A, "anchor_text": "a"}], ["self", "navigation", "navigation"]),
    # several links to one target, and two documents to one target
    ([{"url": _A}, {"url": _B}], [{"source": _A, "target": _C, "anchor_text": "x"}, {"source": _A, "target": _C},
                                  {"source": _B, "target": _C, "anchor_text": "y", "flags": ["idn"]}],
     ["content", "promotional", "content"]),
])
def test_graph_of_equals_the_add_edge_graph(docs, links, classes, monkeypatch):
    edges = link_edges(docs, links, classes)
    G = graph_of(docs, edges)
    monkeypatch.setattr(build, "_add_links_to", _plain)
    monkeypatch.setattr(build, "_bare_edge", build._edge)
    H = graph_of(docs, edges)
    assert _shape(G) == _shape(H)
    assert G.number_of_edges() == H.number_of_edges() > 0


def test_graph_of_equals_the_add_edge_graph_on_the_corpus(corpus_records, monkeypatch):
    from graph import promo
    documents, links, _ = corpus_records
    edges = link_edges(documents, links, promo.link_classes(documents, links))
    G = graph_of(documents, edges)
    monkeypatch.setattr(build, "_add_links_to", _plain)
    monkeypatch.setattr(build, "_bare_edge", build._edge)
    H = graph_of(documents, edges)
    assert _shape(G) == _shape(H)
    assert sum(1 for *_, k in G.edges(data="kind") if k == "links_to") == sum(map(len, edges.values())) > 100


def test_links_to_edges_share_the_key_dict_of_succ_and_pred():
    G = graph_of([{"url": _A}], {_A: {_C: ("content", 1, '{"content": 1}', None, None)}})
    assert G._succ[_A][_C] is G._pred[_C][_A]     # as add_edge stores it
    H = G.copy()
    H.remove_edge(_A, _C)       # networkx's own removal sees the edge from both sides
    assert not H.has_edge(_A, _C) and _A not in H.pred[_C]


@pytest.mark.parametrize("links, classes, expected", [
    # one link: its class, its anchor
    ([{"target": _C, "anchor_text": " x "}], ["content"], ("content", 1, '{"content": 1}', '["x"]', None)),
    # no anchor: alt, then title; none at all: None
    ([{"target": _C, "alt": "logo"}], ["media"], ("media", 1, '{"media": 1}', '["logo"]', None)),
    ([{"target": _C, "title": "t"}], ["content"], ("content", 1, '{"content": 1}', '["t"]', None)),
    ([{"target": _C}], ["content"], ("content", 1, '{"content": 1}', None, None)),
    # flags of the URL kept as a tuple
    ([{"target": _C, "flags": ["idn", "homograph"]}], ["content"],
     ("content", 1, '{"content": 1}', None, ("idn", "homograph"))),
    # several links: the most common class, ties by CLASS_PRIORITY; distinct anchors sorted
    ([{"target": _C, "anchor_text": "b"}, {"target": _C, "anchor_text": "a"}, {"target": _C, "anchor_text": "b"}],
     ["content", "promotional", "content"], ("content", 3, '{"content": 2, "promotional": 1}', '["a", "b"]', None)),
    ([{"target": _C}, {"target": _C, "flags": ["idn"]}], ["content", "promotional"],
     ("promotional", 2, '{"content": 1, "promotional": 1}', None, ("idn",))),
    # at most 20 anchors
    ([{"target": _C, "anchor_text": f"{i:02d}"} for i in range(25)], ["content"] * 25,
     ("content", 25, '{"content": 25}', json.dumps([f"{i:02d}" for i in range(20)]), None)),
])
def test_link_edges_values(links, classes, expected):
    links = [{"source": _A, **link} for link in links]
    assert link_edges([{"url": _A}], links, classes) == {_A: {_C: expected}}


def test_link_edges_share_equal_values():
    docs = [{"url": _A}, {"url": _B}]
    links = [{"source": u, "target": _C, "anchor_text": "x"} for u in (_A, _B)] + [
        {"source": _A, "target": _B, "anchor_text": "x"}, {"source": _B, "target": _A, "anchor_text": "x"},
        {"source": _B, "target": _A, "anchor_text": "x"}]
    edges = link_edges(docs, links, ["content"] * 5)
    assert edges[_A][_C] is edges[_B][_C] is edges[_A][_B]
    assert edges[_B][_A] == ("content", 2, '{"content": 2}', '["x"]', None)


@pytest.fixture
def shared_graph():
    """Three links_to edges: two of equal attributes, one of its own."""
    docs = [{"url": _A}, {"url": _B}]
    links = [{"source": _A, "target": _C}, {"source": _B, "target": _C},
             {"source": _A, "target": _B, "anchor_text": "next"}]
    return graph_of(docs, link_edges(docs, links, ["content", "content", "navigation"]))


def _links_to(G):
    return {(u, v): d for u, v, d in G.edges(data=True) if d["kind"] == "links_to"}


def test_equal_links_to_edges_share_one_read_only_dict(shared_graph):
    from crawler.errors import GraphError, LinkprovError

    e = _links_to(shared_graph)
    assert e[(_A, _C)] is e[(_B, _C)] and e[(_A, _B)] is not e[(_A, _C)]
    assert e[(_A, _C)] == {"kind": "links_to", "link_class": "content", "count": 1, "classes": '{"content": 1}'}
    edits = [lambda d: d.__setitem__("count", 2), lambda d: d.update(count=2), lambda d: d.pop("count"),
             lambda d: d.setdefault("w", 1), lambda d: d.clear(), lambda d: d.popitem(),
             lambda d: d.__delitem__("count"), lambda d: d.__ior__({"w": 1})]
    for edit in edits:
        with pytest.raises(GraphError, match=r"G = G\.copy\(\)") as info:
            edit(e[(_A, _C)])
        assert isinstance(info.value, (LinkprovError, TypeError))
    assert e[(_A, _C)]["count"] == 1 and len(e[(_A, _C)]) == 4


def test_a_copy_gives_every_edge_its_own_dict(shared_graph):
    H = shared_graph.copy()
    assert {type(H._succ[u][v]) for u, v in H.edges()} == {dict}
    e = _links_to(H)
    assert type(e[(_A, _C)]) is dict and e[(_A, _C)] is not e[(_B, _C)]
    e[(_A, _C)]["count"] = 2
    assert (e[(_B, _C)]["count"], _links_to(shared_graph)[(_A, _C)]["count"]) == (1, 1)


def test_shared_dicts_pickle_as_they_are(shared_graph):
    import pickle

    G = pickle.loads(pickle.dumps(shared_graph, protocol=pickle.HIGHEST_PROTOCOL))
    e = _links_to(G)
    assert _shape(G) == _shape(shared_graph)
    assert e[(_A, _C)] is e[(_B, _C)] and type(e[(_A, _C)]) is build.SharedAttrs
    assert G._succ[_A][_C] is G._succ[_B][_C] is G._pred[_C][_B] and type(G._succ[_A][_C]) is build.SharedKeys


def test_pairs_linked_alike_share_one_read_only_key_dict(shared_graph):
    from crawler.errors import GraphError

    G = shared_graph
    succ = G._succ
    assert succ[_A][_C] is succ[_B][_C] is G._pred[_C][_A] and succ[_A][_B] is not succ[_A][_C]
    assert type(succ[_A][_C]) is build.SharedKeys and list(succ[_A][_C]) == ["links_to"]
    for edit in (lambda: G.add_edge(_A, _C, key="mirror_of"), lambda: G.add_edge(_A, _C),
                 lambda: G.remove_edge(_A, _C), lambda: G.remove_edge(_A, _C, key="links_to")):
        with pytest.raises(GraphError, match=r"G = G\.copy\(\)"):
            edit()
    assert list(succ[_B][_C]) == ["links_to"] and len(_links_to(G)) == 3 and G.number_of_edges() == 8


@pytest.mark.parametrize("add, kind", [
    (lambda G: build.add_mirrors(G, [{"mirror": _A, "original": _C, "confidence": 0.5}]), "mirror_of"),
    (lambda G: build._edge(G, _A, _C, "cites", evidence="x"), "cites"),
])
def test_an_edge_added_to_a_shared_pair_gets_a_key_dict_of_its_own(shared_graph, add, kind):
    G = shared_graph
    links_to = G.edges[_A, _C, "links_to"]
    add(G)
    assert sorted(G._succ[_A][_C]) == sorted(["links_to", kind]) and G._succ[_A][_C] is G._pred[_C][_A]
    assert G.edges[_A, _C, "links_to"] is links_to and G.edges[_A, _C, kind]["kind"] == kind
    assert list(G._succ[_B][_C]) == ["links_to"] and type(G._succ[_B][_C]) is build.SharedKeys
    assert {e for e in G.edges(keys=True) if e[2] not in ("on_host", "part_of")} == {
        (_A, _B, "links_to"), (_A, _C, "links_to"), (_A, _C, kind), (_B, _C, "links_to")}


def test_on_host_and_part_of_edges_share_one_key_dict_per_kind():
    from crawler.errors import GraphError
    u1, u2, u3 = "https://github.com/a/1", "https://github.com/a/2", "https://b.org/x"
    G = graph_of([{"url": u} for u in (u1, u2, u3)], {})
    host, ent = "host:github.com", "entity:github.com/a"
    assert G._succ[u1][host] is G._succ[u2][host] is G._succ[u3]["host:b.org"] is G._pred[host][u1]
    assert G._succ[u1][ent] is G._succ[u2][ent] is G._succ[host][ent]
    assert G.edges[u1, host, "on_host"] == {"kind": "on_host"} and G.edges[u1, ent, "part_of"] == {"kind": "part_of"}
    with pytest.raises(GraphError, match="G = G.copy()"):
        G.add_edge(u1, host, key="x")
    with pytest.raises(GraphError, match="G = G.copy()"):
        G.edges[u1, host, "on_host"]["weight"] = 1
    build._edge(G, u1, host, "cites", evidence="e")     # the graph's own adders copy first
    assert sorted(G[u1][host]) == ["cites", "on_host"] and sorted(G[u2][host]) == ["on_host"]
    H = G.copy()
    H.add_edge(u2, host, key="x")
    H.remove_edge(u2, host, key="on_host")
    assert sorted(H[u2][host]) == ["x"] and sorted(G[u2][host]) == ["on_host"]


def test_mirror_verdicts_sharing_their_only_evidence_item_share_its_json():
    rule = {"signal": "url_rule", "detail": "https://m.org/{id} -> https://o.com/{id} (support 2)", "weight": 0.667}
    other = {"signal": "original_link", "detail": "原文 -> https://o.com/3"}
    mirrors = [{"mirror": f"https://m.org/{i}", "original": f"https://o.com/{i}", "confidence": 0.667,
                "evidence": [rule]} for i in (1, 2)]
    mirrors.append({"mirror": "https://m.org/3", "original": "https://o.com/3", "confidence": 0.9,
                    "evidence": [dict(rule), other]})
    G = nx.MultiDiGraph()
    build.add_mirrors(G, mirrors)
    signals = [G.edges[m["mirror"], m["original"], "mirror_of"]["signals"] for m in mirrors]
    assert [json.loads(s) for s in signals] == [m["evidence"] for m in mirrors]
    assert signals[0] is signals[1]
