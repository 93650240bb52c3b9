"""graph.adjacency.freeze_pred: a graph whose in-edges are frozen reads and changes exactly as
the same graph with networkx's own dicts."""
import copy
import pickle

import networkx as nx
import pytest

from graph import adjacency
from graph.adjacency import FrozenPred, freeze_pred
from graph.build import build_graph

EDGES = [("a", "hub", "links_to"), ("b", "hub", "links_to"), ("c", "hub", "links_to"),
         ("a", "b", "links_to"), ("a", "b", "mirror_of"), ("b", "c", "links_to"),
         ("c", "c", "links_to"), ("hub", "a", "cites")]


def _graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    G.add_node("lonely")
    for u, v, k in EDGES:
        G.add_edge(u, v, key=k, kind=k)
    return G


@pytest.fixture(params=[adjacency.APPEND_MAX, 0], ids=["append", "thaw"])
def pair(request, monkeypatch):
    """(plain graph, the same graph frozen); a new predecessor appended to the tuple, or
    (``APPEND_MAX`` 0) turning it into a dict"""
    monkeypatch.setattr(adjacency, "APPEND_MAX", request.param)
    H = _graph()
    freeze_pred(H)
    return _graph(), H


def test_frozen_holds_tuples(pair):
    _, H = pair
    assert {v: type(p).__name__ for v, p in H._pred.items()} == {
        "lonely": "dict", "a": "FrozenPred", "b": "FrozenPred", "c": "FrozenPred", "hub": "FrozenPred"}
    assert H._pred["hub"]._us == ("a", "b", "c") and H._pred["a"]._us == "hub"


READS = [
    lambda G: list(G.in_edges(keys=True, data=True)),
    lambda G: list(G.in_edges("hub", data="kind")),
    lambda G: list(G.predecessors("hub")),
    lambda G: dict(G.in_degree()),
    lambda G: G.in_degree("b"),
    lambda G: {v: dict(p) for v, p in G.pred.items()},
    lambda G: G.pred["b"]["a"]["mirror_of"],
    lambda G: ("a" in G.pred["hub"], "hub" in G.pred["hub"], "lonely" in G.pred["hub"], 7 in G.pred["c"]),
    lambda G: [len(G._pred[v]) for v in G],
    lambda G: G._pred["c"] == {"b": G._succ["b"]["c"], "c": G._succ["c"]["c"]},
    lambda G: repr(G._pred["hub"]),
    lambda G: G._pred["hub"].copy(),
    lambda G: G._pred["hub"].get("zz", "none"),
    lambda G: sorted(nx.reverse_view(G).edges(keys=True)),
    lambda G: sorted(G.reverse().edges(keys=True)),
    lambda G: sorted(nx.ancestors(G, "hub")),
    lambda G: sorted(G.to_undirected().edges(keys=True)),
    lambda G: sorted(G.subgraph(["a", "b", "hub"]).in_edges(keys=True)),
    lambda G: sorted(G.copy().in_edges(keys=True)),
    lambda G: nx.pagerank(G),
]


@pytest.mark.parametrize("read", READS)
def test_reads_as_plain(pair, read):
    G, H = pair
    assert read(H) == read(G)


def _add_new(G):
    G.add_edge("d", "hub", key="links_to")


def _add_existing_pair(G):
    G.add_edge("a", "hub", key="cites")


def _remove_edge(G):
    G.remove_edge("b", "hub", key="links_to")


def _remove_one_of_two(G):
    G.remove_edge("a", "b", key="mirror_of")


def _remove_node(G):
    G.remove_node("b")


def _remove_self_loop_node(G):
    G.remove_node("c")


def _clear_edges(G):
    G.clear_edges()


def _relabel(G):
    nx.relabel_nodes(G, {"hub": "HUB"}, copy=False)


def _refreeze(G):
    G.add_edge("d", "hub", key="links_to")
    freeze_pred(G)
    G.remove_edge("a", "hub", key="links_to")
    freeze_pred(G)


CHANGES = [_add_new, _add_existing_pair, _remove_edge, _remove_one_of_two, _remove_node,
           _remove_self_loop_node, _clear_edges, _relabel, _refreeze]


def _state(G):
    return (list(G.nodes), list(G.edges(keys=True, data=True)),
            {v: list(p.items()) for v, p in G._pred.items()},
            {v: list(G.predecessors(v)) for v in G})


@pytest.mark.parametrize("change", CHANGES)
def test_changes_as_plain(pair, change):
    G, H = pair
    change(G)
    change(H)
    assert _state(H) == _state(G)


def test_new_predecessor_appended_or_thawed_then_compacted(pair):
    _, H = pair
    H.add_edge("d", "hub", key="links_to")
    H.add_edge("d", "hub", key="cites")      # (an existing pair: nothing to add)
    H.add_edge("hub", "lonely", key="cites")      # (no predecessor yet: a dict as networkx makes)
    thawed = adjacency.APPEND_MAX == 0
    assert type(H._pred["hub"]._us) is (dict if thawed else tuple)
    assert type(H._pred["lonely"]) is dict
    freeze_pred(H)
    assert H._pred["hub"]._us == ("a", "b", "c", "d") and H._pred["lonely"]._us == "hub"


def test_missing_predecessor_raises(pair):
    _, H = pair
    with pytest.raises(KeyError):
        H._pred["hub"]["lonely"]
    with pytest.raises(KeyError):
        del H._pred["hub"]["lonely"]


@pytest.mark.parametrize("clone", [lambda G: pickle.loads(pickle.dumps(G, protocol=pickle.HIGHEST_PROTOCOL)),
                                   copy.deepcopy])
def test_pickle_and_deepcopy_keep_the_graph(pair, clone):
    G, H = pair
    K = clone(H)
    assert _state(K) == _state(G)
    assert type(K._pred["hub"]) is FrozenPred and K._pred["hub"]._succ is K._succ


def test_built_graph_is_frozen():
    G = build_graph([{"url": "https://a.org/1"}, {"url": "https://a.org/2"}],
                    [{"source": "https://a.org/1", "target": "https://b.org/"},
                     {"source": "https://a.org/2", "target": "https://b.org/"}], ["content", "content"])
    pred = G._pred["https://b.org/"]
    assert type(pred) is FrozenPred and pred._us == ("https://a.org/1", "https://a.org/2")
    assert list(G.in_edges("https://b.org/", keys=True)) == [
        ("https://a.org/1", "https://b.org/", "links_to"), ("https://a.org/2", "https://b.org/", "links_to")]
