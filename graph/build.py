"""The provenance graph (SPEC "Graph"): a ``networkx.MultiDiGraph`` whose nodes are
documents, URLs, hosts, entities, sources and clusters. There is at most one edge of a kind
between two nodes (so a mirror that links to its original has a ``links_to`` and a
``mirror_of`` edge), and its key is its kind: ``G.edges[u, v, "mirror_of"]``. The graph
files give each edge the id :func:`edge_key` (unique in the whole graph and the same in
every run, as GraphML and Gephi need), and :func:`graph.query.read_graph` keys the edges
it reads by kind again. Every attribute value is a scalar (lists and dicts as JSON
strings, None omitted), so the graph round-trips through GraphML. Nodes and edges are
inserted in sorted order.
"""
from __future__ import annotations

import hashlib
import json
import weakref
from collections import Counter

import networkx as nx

from graph.adjacency import FrozenPred, freeze_pred
from graph.entities import entity_of, host_of
from graph.records import reader
from graph.verdicts import PackedSignals, ReadOnlyDict, evidence_payload, to_json as _js, unpack

__all__ = ["SharedAttrs", "SharedKeys", "SharedNodeAttrs", "SharedSucc", "build_graph", "link_edges", "graph_of", "edge_key", "add_url", "add_mirrors", "add_sources", "add_clusters", "set_roles", "CLASS_PRIORITY"]

#: the role of a document without a verdict (``role``, ``role_evidence`` of its node)
UNKNOWN_ROLE = {"role": "unknown", "evidence": []}

#: tie-break when one link target is reached by links of several classes
CLASS_PRIORITY = ("original", "self", "share", "promotional", "media", "navigation", "content")


def edge_key(u: str, v: str, kind: str) -> str:
    """The id of the ``kind`` edge ``u -> v`` in the graph files: ``KIND:`` and 16 hex digits
    of the SHA-1 of ``u`` and ``v``; unique in the graph (GraphML/Gephi edge ids must be) and
    stable across runs. (In memory the edge's key is its kind.)

    Examples
    --------
    >>> edge_key("https://a.org/1", "https://b.org/x", "links_to")
    'links_to:ab0afc6e88932d48'
    """
    digest = hashlib.sha1(f"{u}\n{v}".encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{kind}:{digest}"


class SharedAttrs(ReadOnlyDict):
    """The one attribute dict of all ``links_to`` edges whose attributes are equal (a quarter
    of the graph's memory at 10k pages, where 334,508 edges hold 78,423 distinct dicts), and
    of all ``on_host`` and ``part_of`` edges (``{"kind": KIND}``), of the ``mirror_of``
    edges of a rule's verdicts (:func:`add_mirrors`) and of the ``cites`` edges of one
    sentence (:func:`add_sources`). It
    reads as a plain ``dict``; a change, which would reach every edge sharing it, raises
    :class:`~crawler.errors.GraphError`: ``G = G.copy()`` gives every edge a plain dict of
    its own.

    Examples
    --------
    >>> G = build_graph([{"url": "https://a.org/1"}, {"url": "https://a.org/2"}],
    ...     [{"source": "https://a.org/1", "target": "https://b.org/"},
    ...      {"source": "https://a.org/2", "target": "https://b.org/"}], ["content", "content"])
    >>> e1 = G.edges["https://a.org/1", "https://b.org/", "links_to"]
    >>> e2 = G.edges["https://a.org/2", "https://b.org/", "links_to"]
    >>> e1 is e2, e1 == {"kind": "links_to", "link_class": "content", "count": 1, "classes": '{"content": 1}'}
    (True, True)
    >>> e1["count"] = 2
    Traceback (most recent call last):
    ...
    crawler.errors.GraphError: this edge shares its attribute dict with every edge of equal attributes (to save memory): G = G.copy() gives each edge its own dict to change
    >>> H = G.copy()
    >>> H.edges["https://a.org/1", "https://b.org/", "links_to"]["count"] = 2
    """

    __slots__ = ()
    _refusal = ("this edge shares its attribute dict with every edge of equal attributes "
                "(to save memory): G = G.copy() gives each edge its own dict to change")


class SharedKeys(ReadOnlyDict):
    """The one key dict (``G._succ[u][v]``, kind -> attributes) of all node pairs that hold
    only a ``links_to`` edge of equal attributes, or only an ``on_host`` or only a
    ``part_of`` edge (one or two per URL node): a dict of one item per pair would be 184
    bytes of the 313 an edge cost (``python bench/edgecost.py``). The graph's own functions
    (:func:`add_mirrors` ...) give a pair a key dict of its own before they add an edge to
    it; ``G.add_edge`` on such a pair raises :class:`~crawler.errors.GraphError`, and
    ``G = G.copy()`` gives every pair a plain dict.

    Examples
    --------
    >>> G = build_graph([{"url": "https://a.org/1"}, {"url": "https://a.org/2"}],
    ...     [{"source": "https://a.org/1", "target": "https://b.org/"},
    ...      {"source": "https://a.org/2", "target": "https://b.org/"}], ["content", "content"])
    >>> G._succ["https://a.org/1"]["https://b.org/"] is G._succ["https://a.org/2"]["https://b.org/"]
    True
    >>> G.add_edge("https://a.org/1", "https://b.org/", key="cites")
    Traceback (most recent call last):
    ...
    crawler.errors.GraphError: these two nodes share their dict of edges with every pair of nodes linked alike (to save memory): G = G.copy() gives each pair its own dict to change
    >>> add_mirrors(G, [{"mirror": "https://a.org/1", "original": "https://b.org/", "confidence": 0.5}])
    >>> sorted(G["https://a.org/1"]["https://b.org/"]), sorted(G["https://a.org/2"]["https://b.org/"])
    (['links_to', 'mirror_of'], ['links_to'])
    """

    __slots__ = ()
    _refusal = ("these two nodes share their dict of edges with every pair of nodes linked alike "
                "(to save memory): G = G.copy() gives each pair its own dict to change")


class SharedNodeAttrs(ReadOnlyDict):
    """The one attribute dict of all ``url`` nodes whose attributes are equal (``kind``,
    ``host``, ``entity``, ``flags``: 12 distinct dicts among 29,776 URL nodes at 10k pages).
    It reads as a plain ``dict``; a change raises :class:`~crawler.errors.GraphError`:
    ``G = G.copy()`` gives every node a plain dict of its own (:func:`add_url` does so for
    the node it adds to).

    Examples
    --------
    >>> G = graph_of([], {})
    >>> add_url(G, "https://b.org/1"); add_url(G, "https://b.org/2")
    >>> G.nodes["https://b.org/1"] is G.nodes["https://b.org/2"]
    True
    >>> G.nodes["https://b.org/1"]["x"] = 1
    Traceback (most recent call last):
    ...
    crawler.errors.GraphError: this URL node shares its attribute dict with every URL node of equal attributes (to save memory): G = G.copy() gives each node its own dict to change
    """

    __slots__ = ()
    _refusal = ("this URL node shares its attribute dict with every URL node of equal attributes "
                "(to save memory): G = G.copy() gives each node its own dict to change")


class SharedSucc(ReadOnlyDict):
    """The one dict of out-edges (``G._succ[url]``) of all ``url`` nodes that have only their
    ``on_host`` edge, or it and the ``part_of`` edge to their entity (22,055 of 29,776 URL
    nodes at 10k pages, whose 184-byte dicts held 7,650 distinct contents). The graph's own
    adders (:func:`add_mirrors`, :func:`add_clusters` ...) give a node a dict of its own before
    they add an edge from it; ``G.add_edge`` from such a node raises
    :class:`~crawler.errors.GraphError`, and ``G = G.copy()`` gives every node a plain dict.

    Examples
    --------
    >>> G = graph_of([], {})
    >>> add_url(G, "https://b.org/1"); add_url(G, "https://b.org/2")
    >>> G._succ["https://b.org/1"] is G._succ["https://b.org/2"], list(G["https://b.org/1"])
    (True, ['host:b.org'])
    >>> add_clusters(G, [{"id": "c", "links": ["https://b.org/1"]}])
    >>> sorted(G["https://b.org/1"]), sorted(G["https://b.org/2"])
    (['cluster:c', 'host:b.org'], ['host:b.org'])
    """

    __slots__ = ()
    _refusal = ("this URL node shares its dict of out-edges with every URL node linked alike to "
                "its host (to save memory): G = G.copy() gives each node its own dict to change")


#: graph -> what its URL nodes share: ``"str"`` host and entity names, ``"node"`` attribute
#: dicts, ``"succ"`` out-edge dicts (weak: gone with the graph)
_MEMO: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _memo(G) -> dict:
    memo = _MEMO.get(G)
    if memo is None:
        memo = _MEMO[G] = {"str": {}, "node": {}, "succ": {}}
    return memo


def _own_succ(G, u: str) -> dict:
    """``G._succ[u]``, made a plain dict of ``u``'s own if it was a :class:`SharedSucc`."""
    succ = G._succ[u]
    if type(succ) is SharedSucc:
        succ = G._succ[u] = dict(succ)
    return succ


def _edge(G, u: str, v: str, kind: str, **attrs) -> None:
    """``G.add_edge(u, v, key=kind, kind=kind, **attrs)``, on a key dict of the pair's own."""
    keydict = (_own_succ(G, u) if u in G._succ else {}).get(v)
    if type(keydict) is SharedKeys:
        G._succ[u][v] = G._pred[v][u] = dict(keydict)
    G.add_edge(u, v, key=kind, kind=kind, **attrs)


#: kind -> the key dict of the node pairs holding only a ``kind`` edge without attributes
_BARE: dict[str, SharedKeys] = {}


def _bare_edge(G, u: str, v: str, kind: str) -> None:
    """``_edge(G, u, v, kind)`` for an edge without attributes (``on_host``, ``part_of``):
    on a pair holding no edge yet, the one shared key dict of such pairs (both nodes in ``G``)."""
    succ = G._succ[u]
    if v in succ:
        if kind not in succ[v]:
            _edge(G, u, v, kind)
        return
    keys = _bare(kind)
    _own_succ(G, u)[v] = G._pred[v][u] = keys
    _clear_cache(G)


def _bare(kind: str) -> "SharedKeys":
    keys = _BARE.get(kind)
    if keys is None:
        keys = _BARE[kind] = SharedKeys({kind: SharedAttrs(kind=kind)})
    return keys


def _clear_cache(G) -> None:
    """What ``G.add_edge`` does after it writes into the adjacency (networkx >= 3.3 caches
    per graph), for the adders here that write into it themselves."""
    clear = getattr(nx, "_clear_cache", None)
    if clear is not None:
        clear(G)


def _scalars(attrs: dict) -> dict:
    out = {}
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, dict, set)):
            value = _js(sorted(value) if isinstance(value, set) else value)
        out[key] = value
    return out


def add_url(G: nx.MultiDiGraph, url: str, kind: str = "url", **attrs) -> None:
    """Add a document or URL node with its host and entity nodes and the ``on_host`` /
    ``part_of`` edges (url -> host -> entity; also url -> entity on shared platforms,
    where one host serves many entities). An existing ``document`` node stays one.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> add_url(G, "https://github.com/a/r/blob/master/x.md")
    >>> sorted(G.edges(data="kind"))  # doctest: +NORMALIZE_WHITESPACE
    [('host:github.com', 'entity:github.com/a', 'part_of'),
     ('https://github.com/a/r/blob/master/x.md', 'entity:github.com/a', 'part_of'),
     ('https://github.com/a/r/blob/master/x.md', 'host:github.com', 'on_host')]
    """
    memo = _memo(G)
    same = memo["str"].setdefault     # one string object per host, entity, language ... value
    host, ent = host_of(url), entity_of(url)
    host, ent = host and same(host, host), ent and same(ent, ent)
    new = url not in G._node
    if not new and G._node[url].get("kind") == "document":
        kind = "document"
    values = _scalars({"kind": kind, "host": host, "entity": ent, **attrs})
    for key in _REPEATED:
        value = values.get(key)
        if type(value) is str:
            values[key] = same(value, value)
    if new and kind == "url":
        _add_url_node(G, url, values, host, ent, memo)
        return
    if type(G._node.get(url)) is SharedNodeAttrs:
        G._node[url] = dict(G._node[url])
    G.add_node(url, **values)
    hnode, direct = _places(G, host, ent)
    if hnode is not None:
        _bare_edge(G, url, hnode, "on_host")
    if direct is not None:
        _bare_edge(G, url, direct, "part_of")


def _places(G, host: str | None, ent: str | None) -> tuple[str | None, str | None]:
    """The host and entity nodes of a URL of ``host`` and ``ent`` (added if missing, with the
    ``part_of`` edge host -> entity): ``(host node, entity node the URL is part_of directly)``,
    the latter on shared platforms only (where one host serves many entities); None where
    there is none."""
    name = _memo(G)["str"].setdefault     # (one string per node name: edges hold it as their key)
    hnode = name(n := f"host:{host}", n) if host else None
    enode = name(n := f"entity:{ent}", n) if ent else None
    if hnode is not None and hnode not in G._node:
        G.add_node(hnode, kind="host", name=host)
    if enode is not None and enode not in G._node:
        G.add_node(enode, kind="entity", name=ent)
    if hnode is None or enode is None:
        return hnode, None
    _bare_edge(G, hnode, enode, "part_of")
    return hnode, (enode if "/" in ent else None)


#: node attributes whose values repeat across nodes (one string object per value)
_REPEATED = ("content_type", "url_source", "language", "published", "flags")


def _add_url_node(G, url: str, values: dict, host: str | None, ent: str | None, memo: dict) -> None:
    """A new ``url`` node (see :func:`add_url`): its attribute dict and its dict of out-edges
    (``on_host``, ``part_of``) are those every URL node of equal ones shares
    (:class:`SharedNodeAttrs`, :class:`SharedSucc`)."""
    key = tuple(values.items())
    attrs = memo["node"].get(key)
    if attrs is None:
        attrs = memo["node"][key] = SharedNodeAttrs(values)
    G._node[url] = attrs
    G._succ[url] = {}       # (its place in the adjacency, as add_node gives it)
    G._pred[url] = {}
    hnode, direct = _places(G, host, ent)
    if hnode is None:
        _clear_cache(G)
        return
    succ = memo["succ"].get((hnode, direct))
    if succ is None:
        out = {hnode: _bare("on_host")}
        if direct is not None:
            out[direct] = _bare("part_of")
        succ = memo["succ"][(hnode, direct)] = SharedSucc(out)
    G._succ[url] = succ
    for v, keys in succ.items():
        G._pred[v][url] = keys
    _clear_cache(G)


def _shown(anchor_text: str | None, alt: str | None, title: str | None) -> str:
    """The text a link shows (anchor, else image alt, else title), at most 200 characters."""
    return (anchor_text or alt or title or "").strip()[:200]


def _pick_class(counter: dict) -> str:
    best = max(counter.values())
    return next(c for c in CLASS_PRIORITY + tuple(sorted(counter)) if counter.get(c) == best)


def link_edges(documents: list[dict], links: list[dict], classes: list[str]) -> dict[str, dict[str, tuple]]:
    """The ``links_to`` edges of a crawl, aggregated from its link records: one per
    (document, target), holding no reference to the records (the analysis releases them
    before it builds the graph).

    Parameters
    ----------
    documents, links : list of dict
        Crawl records; links without a ``target`` (fragments, ``mailto:``...) or from a
        URL that is no document are left out.
    classes : list of str
        One ``link_class`` per link, in the order of ``links``.

    Returns
    -------
    dict of dict
        ``document -> target -> (link_class, count, classes, anchor_texts, flags)`` (a
        dict of dicts, as networkx's adjacency; no (document, target) tuple per pair: 180
        MB at 100k pages): the most common class of the pair's links (ties by
        ``CLASS_PRIORITY``), their number, ``{class: count}`` and up to 20 distinct anchor
        texts (JSON strings; None without anchors), the URL flags of its links (a tuple,
        or None). Equal values are one shared tuple.

    Examples
    --------
    >>> docs = [{"url": "https://a.org/1"}]
    >>> links = [{"source": "https://a.org/1", "target": "https://b.org/x", "anchor_text": "x"},
    ...          {"source": "https://a.org/1", "target": "https://b.org/x", "anchor_text": "X"},
    ...          {"source": "https://a.org/1", "target": None, "anchor_text": "top"}]
    >>> link_edges(docs, links, ["content", "promotional", "self"])
    {'https://a.org/1': {'https://b.org/x': ('promotional', 2, '{"content": 1, "promotional": 1}', '["X", "x"]', None)}}
    """
    # one string per URL, which the graph's node key, edges and in-edges share (3.8M edges at
    # 100k pages held 372k copies of their targets, 29 MB): a document's own, else the first
    urls = {d["url"]: d["url"] for d in documents}
    one = dict(urls).setdefault
    # What a link gives its edge is its key (class, anchor, flags): one tuple per distinct key,
    # as template links repeat them. A pair holds its link's key, or the list of its links'
    # keys when reached again, until the end turns each into the edge's value. No link index
    # is kept (an int object per link: 100 MB at 100k pages).
    class_json: dict = {}       # sorted (class, count) items -> (link_class, classes JSON)
    anchor_json: dict = {}      # sorted anchor texts -> JSON
    share = {}.setdefault
    single: dict = {}           # key -> the value of a one-link pair
    adj: dict[str, dict[str, tuple | list]] = {}
    source, target_of, flags_of, anchor_text, alt, title = (
        reader(links, f) for f in ("source", "target", "flags", "anchor_text", "alt", "title"))
    for i, cls in zip(range(len(links)), classes):
        src, target = urls.get(source(i)), target_of(i)
        if not src or not target:
            continue
        target = one(target, target)
        flags = flags_of(i)
        key = (cls, _shown(anchor_text(i), alt(i), title(i)), tuple(flags) if flags else None)
        key = share(key, key)
        targets = adj.get(src)
        if targets is None:
            targets = adj[src] = {}
        _gather(targets, target, key)
    for targets in adj.values():        # each key, or key list, becomes the edge's value
        for target, keys in targets.items():
            if type(keys) is list:
                flags = None
                for key in keys:        # the last link with flags gives them, in file order
                    if key[2] is not None:
                        flags = key[2]
                value = _edge_value([k[0] for k in keys], {k[1] for k in keys}, flags, class_json, anchor_json)
                targets[target] = share(value, value)
            else:               # one link (most pairs): one value per distinct key
                value = single.get(keys)
                if value is None:
                    value = _edge_value([keys[0]], (keys[1],), keys[2], class_json, anchor_json)
                    value = single[keys] = share(value, value)
                targets[target] = value
    return adj


def _gather(d: dict, k, item) -> None:
    """``d[k] = item``, or the list of ``k``'s items once it is given again (most keys get
    one: no list object for them)."""
    seen = d.get(k)
    if seen is None:
        d[k] = item
    elif type(seen) is list:
        seen.append(item)
    else:
        d[k] = [seen, item]


def _edge_value(classes: list[str], texts, flags, class_json: dict, anchor_json: dict) -> tuple:
    """The :func:`link_edges` value of a pair reached by links of ``classes`` showing
    ``texts``; ``class_json`` and ``anchor_json`` memoize the JSON encodings."""
    counts = tuple(sorted(Counter(classes).items()))
    picked = class_json.get(counts)
    if picked is None:
        picked = class_json[counts] = (_pick_class(dict(counts)), _js(dict(counts)))
    anchors = tuple(sorted(t for t in texts if t)[:20])
    js = None
    if anchors:
        js = anchor_json.get(anchors)
        if js is None:
            js = anchor_json[anchors] = _js(list(anchors))
    return (picked[0], len(classes), picked[1], js, flags)


def build_graph(documents: list[dict], links: list[dict], classes: list[str]) -> nx.MultiDiGraph:
    """Documents, URLs, hosts and entities with ``links_to``, ``on_host`` and ``part_of``.

    Parameters
    ----------
    documents, links : list of dict
        Crawl records; links without a ``target`` (fragments, ``mailto:``...) are left out.
    classes : list of str
        One ``link_class`` per link, in the order of ``links``.

    Returns
    -------
    networkx.MultiDiGraph
        One ``links_to`` edge per (document, target) with ``link_class`` (the most common
        class of its occurrences; ties by ``CLASS_PRIORITY``), ``count``, ``classes`` and
        ``anchor_texts`` (JSON); see :func:`link_edges` and :func:`graph_of`.

    Examples
    --------
    >>> docs = [{"url": "https://a.org/1", "title": "One"}]
    >>> links = [{"source": "https://a.org/1", "target": "https://b.org/x", "anchor_text": "x"},
    ...          {"source": "https://a.org/1", "target": "https://b.org/x", "anchor_text": "X"},
    ...          {"source": "https://a.org/1", "target": None, "anchor_text": "top"}]
    >>> G = build_graph(docs, links, ["content", "promotional", "self"])
    >>> e = G.edges["https://a.org/1", "https://b.org/x", "links_to"]
    >>> e["link_class"], e["count"], e["anchor_texts"]
    ('promotional', 2, '["X", "x"]')
    >>> sorted(k for _, k in G.nodes(data="kind"))
    ['document', 'entity', 'entity', 'host', 'host', 'url']
    """
    return graph_of(documents, link_edges(documents, links, classes))


def graph_of(documents: list[dict], edges: dict[str, dict[str, tuple]]) -> nx.MultiDiGraph:
    """The graph of :func:`build_graph` from documents and their :func:`link_edges`
    (``document -> target -> value``).

    Examples
    --------
    >>> G = graph_of([{"url": "https://a.org/1"}],
    ...              {"https://a.org/1": {"https://b.org/x": ("content", 1, '{"content": 1}', None, ("idn",))}})
    >>> G.nodes["https://b.org/x"]["flags"], G.number_of_edges("https://a.org/1", "https://b.org/x")
    ('["idn"]', 1)
    """
    G = nx.MultiDiGraph()
    unknown_evidence = _js(UNKNOWN_ROLE["evidence"])
    for doc in sorted(documents, key=lambda d: d["url"]):
        attrs = {k: doc.get(k) for k in ("title", "published", "content_type", "url_source", "depth")}
        attrs["flags"] = doc.get("flags") or None      # "homograph", "idn": a warning about the host
        attrs["language"] = doc.get("language") or None
        # the role until set_roles sets it: the dict has its final size now (grown at the
        # end, 100k dicts at once left 40 MB of their smaller tables free)
        attrs["role"], attrs["role_evidence"] = UNKNOWN_ROLE["role"], unknown_evidence
        G.add_node(doc["url"], kind="document")
        add_url(G, doc["url"], "document", **attrs)
    made: dict[int, SharedKeys] = {}      # id of an edge value (alive in edges) -> its key dict
    later: dict = {}        # target -> the documents linking to it (a list, or the one URL)
    for u in sorted(edges):     # (the URL nodes in the order of their first (document, target))
        targets = edges[u]
        order = sorted(targets)
        for v in order:
            if v not in G:
                add_url(G, v, flags=targets[v][4])
        _add_links_to(G, u, targets, order, made, later)
    _add_preds(G, later)
    del later
    freeze_pred(G)      # (the in-edges as tuples: the graph's largest part as dicts)
    _clear_cache(G)
    return G


def _add_links_to(G: nx.MultiDiGraph, u: str, targets: dict[str, tuple], order: list[str],
                  made: dict[int, "SharedKeys"], later: dict) -> None:
    """The ``links_to`` edge from document ``u`` to each of ``order`` (its ``targets``, sorted;
    all in ``G``), as ``G.add_edge(u, v, key="links_to", kind="links_to", ...)`` adds it.

    Written into the adjacency (``G._succ``; the in-edge of a new pair goes to ``later``,
    target -> its predecessors, which :func:`_add_preds` writes into ``G._pred``: the
    3.8M in-edges at 100k pages as lists, not dicts, until they are frozen); the caller
    clears networkx's cache once at the end: ``add_edge`` checks and clears per call, a
    third of the graph step's time at millions of edges. Equal edge values (one tuple in
    ``edges``) give one :class:`SharedAttrs` and, on pairs that hold no other edge, one
    :class:`SharedKeys` (``made``: id of a value -> its key dict, for the whole graph)."""
    succ, pred = G._succ, G._pred
    for v in order:
        value = targets[v]
        keys = made.get(id(value))
        if keys is None:
            link_class, count, classes, anchors, _ = value
            attrs = {"kind": "links_to", "link_class": link_class, "count": count, "classes": classes}
            if anchors is not None:
                attrs["anchor_texts"] = anchors
            keys = made[id(value)] = SharedKeys(links_to=SharedAttrs(attrs))
        keydict = succ[u].get(v)
        if keydict is None:         # (u -> v holds no edge yet: the common case)
            succ[u][v] = keys
            _gather(later, v, u)
        else:                       # the pairs are distinct: links_to is not in it
            succ[u][v] = pred[v][u] = {**keydict, "links_to": keys["links_to"]}


def _add_preds(G: nx.MultiDiGraph, later: dict) -> None:
    """The in-edges :func:`_add_links_to` left in ``later`` (target -> its predecessors, a
    list or the one URL, in the order their edges were added), after those the target
    has: as a :class:`graph.adjacency.FrozenPred` where it has none."""
    succ, pred = G._succ, G._pred
    for v, us in later.items():
        members = (us,) if type(us) is str else us
        have = pred[v]
        if not have:
            pred[v] = FrozenPred.of(succ, v, members)
        else:
            for u in members:
                have[u] = succ[u][v]


def add_mirrors(G: nx.MultiDiGraph, mirrors: list[dict]) -> None:
    """``mirror_of`` edges (mirror -> original) with ``confidence`` and ``signals`` (JSON
    list of the evidence items: a :class:`graph.verdicts.Verdict`'s own text, which the
    edge shares). The verdicts of equal evidence and confidence (those of a learned
    rule, see ``graph.mirrors``) share one read-only attribute dict and, on pairs holding no
    other edge, one key dict (:class:`SharedAttrs`, :class:`SharedKeys`).

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> add_mirrors(G, [{"mirror": "https://m.org/a", "original": "https://o.com/a", "confidence": 0.9,
    ...                  "evidence": [{"signal": "original_link", "detail": "原文地址"}]}])
    >>> G.edges["https://m.org/a", "https://o.com/a", "mirror_of"]["confidence"]
    0.9
    """
    # (evidence text, confidence) -> key dict: the verdicts of a rule share it
    alone: dict[tuple[str, float], SharedKeys] = {}
    for m in sorted(mirrors, key=lambda m: (m["mirror"], m["original"])):
        for url in (m["mirror"], m["original"]):
            if url not in G:
                add_url(G, url)
        key = (evidence_payload(m), float(m["confidence"]))
        keys = alone.get(key)
        if keys is None:
            payload, confidence = key
            if type(payload) is bytes:      # (packed: the edge unpacks it when read)
                attrs = PackedSignals({"kind": "mirror_of", "confidence": confidence}, payload)
            else:
                attrs = SharedAttrs(kind="mirror_of", confidence=confidence, signals=payload)
            keys = alone[key] = SharedKeys(mirror_of=attrs)
        _shared_edge(G, m["mirror"], m["original"], keys)
    _clear_cache(G)


def _shared_edge(G, u: str, v: str, keys: "SharedKeys") -> None:
    """The edge of ``keys`` (one kind) from ``u`` to ``v``: the pair holds ``keys`` itself if
    it held no edge, else a key dict of its own with it added (:func:`_add_links_to` does the
    same inline, per edge of the graph step)."""
    succ = _own_succ(G, u)
    keydict = succ.get(v)
    if keydict is None:
        succ[v] = G._pred[v][u] = keys
    else:
        succ[v] = G._pred[v][u] = {**keydict, **keys}


def add_sources(G: nx.MultiDiGraph, sources: list[dict]) -> None:
    """``source:NAME`` nodes and ``cites`` edges (document -> source, and document ->
    entity for publishers with a known entity), ``evidence`` = the naming sentence. The
    edges of equal attributes (mirrors repeat their original's sentence) share one
    read-only attribute dict and, on pairs holding no other edge, one key dict
    (:class:`SharedAttrs`, :class:`SharedKeys`).

    Examples
    --------
    >>> G = graph_of([{"url": "https://a.org/1"}, {"url": "https://m.org/1"}], {})
    >>> add_sources(G, [{"name": "Reuters", "kind": "publisher", "entity": "reuters.com",
    ...     "documents": ["https://a.org/1", "https://m.org/1"],
    ...     "evidence": [{"document": u, "detail": "據路透社報導"} for u in ("https://a.org/1", "https://m.org/1")]}])
    >>> a, m = (G.edges[u, "source:Reuters", "cites"] for u in ("https://a.org/1", "https://m.org/1"))
    >>> a is m, a == {"kind": "cites", "evidence": "據路透社報導", "source_kind": "publisher"}
    (True, True)
    >>> sorted(G["https://m.org/1"])
    ['entity:reuters.com', 'host:m.org', 'source:Reuters']
    """
    # (evidence, source kind or None) -> key dict; one string per evidence text
    alone: dict[tuple, SharedKeys] = {}
    same = {}.setdefault

    def cite(doc: str, node: str, detail: str, source_kind: str | None) -> None:
        key = (same(detail, detail), source_kind)
        keys = alone.get(key)
        if keys is None:
            attrs = {"kind": "cites", "evidence": key[0]}
            if source_kind is not None:
                attrs["source_kind"] = source_kind
            keys = alone[key] = SharedKeys(cites=SharedAttrs(attrs))
        _shared_edge(G, doc, node, keys)

    for src in sorted(sources, key=lambda s: (s["name"], s["kind"])):
        node = f"source:{src['name']}"
        kinds = set(json.loads(G.nodes[node]["source_kinds"])) if node in G else set()
        kinds.add(src["kind"])
        G.add_node(node, **_scalars({"kind": "source", "name": src["name"], "source_kind": sorted(kinds)[0],
                                     "source_kinds": sorted(kinds), "entity": src.get("entity")}))
        first: dict[str, str] = {}
        for ev in src.get("evidence", []):
            if ev.get("document"):
                first.setdefault(ev["document"], ev["detail"])
        ent = f"entity:{src['entity']}" if src["kind"] == "publisher" and src.get("entity") else None
        for doc in src.get("documents", []):
            if doc not in G:
                continue
            detail = first.get(doc, "")
            if G.has_edge(doc, node, "cites"):
                continue
            cite(doc, node, detail, src["kind"])
            if ent is not None:
                if ent not in G:
                    G.add_node(ent, kind="entity", name=src["entity"])
                if not G.has_edge(doc, ent, "cites"):
                    cite(doc, ent, detail, None)
    _clear_cache(G)


def add_clusters(G: nx.MultiDiGraph, clusters: list[dict]) -> None:
    """``cluster:ID`` nodes and ``member_of`` edges from each link URL of the cluster."""
    for c in sorted(clusters, key=lambda c: str(c["id"])):
        node = f"cluster:{c['id']}"
        G.add_node(node, **_scalars({"kind": "cluster", "label": c.get("label"), "pages": c.get("pages"),
                                     "entities": c.get("entities")}))
        for url in sorted(c.get("links", [])):
            if url not in G:
                add_url(G, url)
            _edge(G, url, node, "member_of")


def set_roles(G: nx.MultiDiGraph, doc_roles: dict[str, dict], entities: list[dict]) -> None:
    """``role`` and ``role_evidence`` (JSON) on document and entity nodes; documents
    without a verdict get ``unknown``."""
    for node, attrs in G._node.items():     # (no sorted list of every node: 400,000 at 100k pages)
        if attrs.get("kind") == "document":     # (a document's dict is its own, never shared)
            r = doc_roles.get(node, UNKNOWN_ROLE)
            attrs["role"] = r["role"]
            attrs["role_evidence"] = unpack(evidence_payload(r))    # (a str payload is itself)
    for e in entities:
        node = f"entity:{e['entity']}"
        if node not in G:
            G.add_node(node, kind="entity", name=e["entity"])
        G.nodes[node]["role"] = e["role"]
        G.nodes[node]["role_evidence"] = _js(e["evidence"])
        G.nodes[node]["documents"] = int(e["documents"])
