"""graph.build: the links_to edges written straight into the adjacency give the graph
that networkx's own ``add_edge`` gives."""
import json

import networkx as nx
import pytest

from graph import build
from graph.build import graph_of, link_edges

_A, _B, _C = "https://a.org/1", "https://a.org/2", "https://b.org/x"


def _plain(G, u, targets, order, made, later):
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


@pytest.fixture
def url_graph():
    """Two documents linking to URLs of one host (b.org) and of a shared platform (github.com/a)."""
    docs = [{"url": _A}, {"url": _B}]
    targets = ["https://b.org/1", "https://b.org/2", "https://github.com/a/1", "https://github.com/a/2"]
    links = [{"source": d, "target": t} for d in (_A, _B) for t in targets]
    return graph_of(docs, link_edges(docs, links, ["content"] * len(links)))


def test_url_nodes_alike_share_their_attribute_and_out_edge_dicts(url_graph):
    G = url_graph
    b1, b2, g1, g2 = "https://b.org/1", "https://b.org/2", "https://github.com/a/1", "https://github.com/a/2"
    assert G.nodes[b1] is G.nodes[b2] and type(G.nodes[b1]) is build.SharedNodeAttrs
    assert G.nodes[g1] is G.nodes[g2] is not G.nodes[b1]
    assert G.nodes[b1] == {"kind": "url", "host": "b.org", "entity": "b.org"}
    assert G._succ[b1] is G._succ[b2] and type(G._succ[b1]) is build.SharedSucc
    assert G._succ[g1] is G._succ[g2] is not G._succ[b1]
    assert {n: sorted(G[n]) for n in (b1, g1)} == {b1: ["host:b.org"], g1: ["entity:github.com/a", "host:github.com"]}
    assert sorted(G.predecessors("host:github.com")) == [g1, g2]
    assert sorted(G.predecessors("entity:github.com/a")) == ["host:github.com", g1, g2]
    # documents keep dicts of their own
    assert type(G.nodes[_A]) is dict and type(G._succ[_A]) is dict


@pytest.mark.parametrize("edit", [
    lambda G: G.nodes["https://b.org/1"].update(x=1),
    lambda G: G.nodes["https://b.org/1"].__setitem__("x", 1),
    lambda G: G.add_node("https://b.org/1", x=1),
    lambda G: G.add_edge("https://b.org/1", "https://c.org/"),
    lambda G: G.remove_node("host:b.org"),
])
def test_a_change_to_a_shared_url_dict_is_refused_and_a_copy_allows_it(url_graph, edit):
    from crawler.errors import GraphError

    with pytest.raises(GraphError, match=r"G = G\.copy\(\)"):
        edit(url_graph)
    assert url_graph.nodes["https://b.org/2"] == {"kind": "url", "host": "b.org", "entity": "b.org"}
    assert list(url_graph["https://b.org/2"]) == ["host:b.org"]
    H = url_graph.copy()
    edit(H)
    assert type(H.nodes["https://b.org/2"]) is dict and "x" not in H.nodes["https://b.org/2"]


@pytest.mark.parametrize("add, edge", [
    (lambda G: build.add_mirrors(G, [{"mirror": "https://b.org/1", "original": "https://b.org/2", "confidence": 1.0}]),
     ("https://b.org/1", "https://b.org/2", "mirror_of")),
    (lambda G: build.add_clusters(G, [{"id": "c", "links": ["https://b.org/1"]}]),
     ("https://b.org/1", "cluster:c", "member_of")),
    (lambda G: build.add_url(G, "https://b.org/1", flags=["idn"]), None),
])
def test_the_graph_adders_give_a_shared_url_node_dicts_of_its_own(url_graph, add, edge):
    G = url_graph
    before = {(u, v, k) for u, v, k in G.edges(keys=True)}
    add(G)
    after = {(u, v, k) for u, v, k in G.edges(keys=True)}
    assert after - before == ({edge} if edge else set()) and before <= after
    assert list(G["https://b.org/2"]) == ["host:b.org"] and type(G._succ["https://b.org/2"]) is build.SharedSucc
    assert G.nodes["https://b.org/2"] == {"kind": "url", "host": "b.org", "entity": "b.org"}
    if edge is None:
        assert G.nodes["https://b.org/1"]["flags"] == '["idn"]' and type(G.nodes["https://b.org/1"]) is dict


def test_shared_url_dicts_pickle_as_they_are(url_graph):
    import pickle

    G = pickle.loads(pickle.dumps(url_graph, protocol=pickle.HIGHEST_PROTOCOL))
    assert G.nodes["https://b.org/1"] is G.nodes["https://b.org/2"] and type(G.nodes["https://b.org/1"]) is build.SharedNodeAttrs
    assert G._succ["https://b.org/1"] is G._succ["https://b.org/2"] and type(G._succ["https://b.org/1"]) is build.SharedSucc
    assert sorted(G.edges(keys=True)) == sorted(url_graph.edges(keys=True))


def test_url_node_order_is_the_order_of_insertion():
    """The adjacency lists nodes in the order of the node dict, as add_node gives it."""
    G = graph_of([{"url": _A}], {_A: {"https://c.org/1": ("content", 1, '{"content": 1}', None, None)}})
    assert list(G._succ) == list(G._node) == list(G._pred)
    assert list(G._node) == [_A, "host:a.org", "entity:a.org", "https://c.org/1", "host:c.org", "entity:c.org"]


def test_mirror_verdicts_of_equal_evidence_share_their_edge_dicts(url_graph):
    from crawler.errors import GraphError
    from graph.verdicts import Verdict

    G = url_graph
    rule = {"signal": "url_rule", "detail": "https://b.org/{id} -> https://o.org/{id} (support 2)", "weight": 1.0}
    mirrors = [{"mirror": f"https://b.org/{i}", "original": f"https://o.org/{i}", "confidence": 0.9, "evidence": [rule]}
               for i in (1, 2)]
    mirrors.append({"mirror": _A, "original": "https://o.org/3", "confidence": 0.9,
                    "evidence": [dict(rule)]})        # equal evidence in another object: shared all the same
    mirrors.append({"mirror": _A, "original": "https://o.org/4", "confidence": 0.5, "evidence": [rule]})
    verdict = Verdict.of({"mirror": "https://b.org/5", "original": "https://o.org/5", "confidence": 0.7,
                                "evidence": [rule, {"signal": "near_duplicate", "detail": "Jaccard 0.90"}]})
    build.add_mirrors(G, mirrors + [verdict])
    e1, e2, e3, e4, e5 = (G.edges[m["mirror"], m["original"], "mirror_of"] for m in mirrors + [verdict])
    assert e1 is e2 is e3 and e4 is not e1 and e4["confidence"] == 0.5
    assert e1 == {"kind": "mirror_of", "confidence": 0.9, "signals": build._js([rule])}
    assert e5["signals"] is verdict.payload         # the verdict's own text, not a copy
    packed = Verdict.of({**verdict, "mirror": "https://b.org/6", "original": "https://o.org/6"}, packed=True)
    build.add_mirrors(G, [packed])
    e6 = G.edges["https://b.org/6", "https://o.org/6", "mirror_of"]
    assert e6.payload is packed.payload and e6 == {**e5, "signals": packed.evidence_text}  # packed, shared
    assert G._succ["https://b.org/1"]["https://o.org/1"] is G._succ["https://b.org/2"]["https://o.org/2"]
    with pytest.raises(GraphError, match=r"G = G\.copy\(\)"):
        e1["confidence"] = 1.0
    build.add_mirrors(G, [{"mirror": "https://b.org/1", "original": "https://b.org/2", "confidence": 0.5,
                           "evidence": [rule]}])
    assert sorted(G["https://b.org/1"]) == ["host:b.org", "https://b.org/2", "https://o.org/1"]
    assert G.edges["https://b.org/1", "https://b.org/2", "mirror_of"]["confidence"] == 0.5
