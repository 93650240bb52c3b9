"""The graph files, streamed: graph.graphml, graph.gexf, nodes.csv and edges.csv written in one
pass over ``G``, without copying the graph and without holding a whole document in memory.

:class:`GraphExport` is a sorted, typed *view* of ``G`` (what :func:`reports.files.export_graph`
materializes as a graph): one pass over ``G`` learns the type of every attribute name and the
order names first appear in; then :meth:`GraphExport.nodes` and :meth:`GraphExport.edges`
yield cleaned attribute dicts one at a time, in the sorted order. :func:`write_graph_files`
feeds them to one writer per format. The writers emit exactly the bytes
``networkx.write_graphml`` / ``networkx.write_gexf`` give for the exported graph (lxml's
incremental writer for GraphML, as networkx uses; ElementTree per element for GEXF), so
outputs are the same as when the whole graph was copied and serialized in memory.

Memory is ``G`` plus one entry per node (its cleaned id and place in the order) plus the
out-edges of one node at a time; edges are sorted per source node, not globally.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
import xml.etree.ElementTree as ET
from collections import defaultdict

import networkx as nx
from networkx.readwrite.gexf import GEXF, GEXFWriter
from networkx.readwrite.graphml import GraphML

from graph.build import edge_key
from graph.query import FORMAT, SCHEMA

__all__ = ["GraphExport", "write_graph_files", "GraphMLSink", "GEXFSink", "NodesCSVSink", "EdgesCSVSink",
           "clean_value", "clean_attrs", "short_label"]

# XML 1.0 forbids C0 controls other than tab/newline/CR, lone surrogates and U+FFFE/U+FFFF.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_value(value):
    """A GraphML/GEXF-safe scalar, or None to drop the attribute.

    Examples
    --------
    >>> clean_value(["b", "中"]), clean_value(float("nan")), clean_value("a\\x00b")
    ('["b", "中"]', None, 'ab')
    """
    t = type(value)
    if t is str:
        return _XML_BAD.sub("", value) if _XML_BAD.search(value) else value
    if t is int or t is bool:
        return value
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
    return _XML_BAD.sub("", value)


def _clean_type(value):
    """``type(clean_value(value))`` (None when dropped), without encoding containers."""
    t = type(value)
    if t is str or t is int or t is bool:
        return t
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        return str
    v = clean_value(value)
    return None if v is None else type(v)


_NAMES: dict = {}


def _name(k) -> str:
    try:
        return _NAMES[k]
    except (KeyError, TypeError):
        name = _XML_BAD.sub("", str(k))
        try:
            if len(_NAMES) < 10_000:
                _NAMES[k] = name
        except TypeError:
            pass
        return name


def clean_attrs(attrs: dict) -> dict:
    """Attributes with cleaned names and values, sorted by name; dropped when None or not finite.

    Examples
    --------
    >>> clean_attrs({"b": 1, "a": None, "c\\x01": [1]})
    {'b': 1, 'c': '[1]'}
    """
    return dict(_cleaned(attrs, clean_value))


def _attr_types(attrs: dict) -> dict:
    """``{name: type}`` of :func:`clean_attrs` (same names, same order), values not encoded."""
    return dict(_cleaned(attrs, _clean_type))


def _cleaned(attrs: dict, fn):
    """``(clean name, fn(value))`` sorted by name, where ``fn`` does not drop the value."""
    try:
        names = sorted(attrs)   # the same order as key=str when every name is a str
        if not all(type(k) is str for k in names):
            names = sorted(attrs, key=str)
    except TypeError:
        names = sorted(attrs, key=str)
    for k in names:
        v = fn(attrs[k])
        if v is not None:
            yield _name(k), v


_SIMPLE = frozenset({str, int, bool})
_MEMO_MAX = 200_000     # distinct attribute dicts remembered per export (graphs repeat a few shapes)
_SIGHTED_MAX = 1 << 20  # hashes of attribute dicts met once, kept to know a second sighting


def _memo_key(attrs: dict):
    """A hashable key for ``attrs`` whose cleaned form depends on nothing else, or None.

    Only dicts of str, int and bool values get one; the types are part of the key (``True``
    and ``1`` are equal in Python but not in a file), floats get none (``-0.0 == 0.0``, NaN).
    """
    types = tuple(map(type, attrs.values()))
    if not _SIMPLE.issuperset(types):
        return None
    return tuple(attrs.items()), types


def _memoized(cache: dict, memo, make):
    """``make()``, kept in ``cache`` under ``memo`` (a :func:`_memo_key`; None: not kept) for
    the next equal attribute dict; at most ``_MEMO_MAX`` kept."""
    if memo is None:
        return make()
    made = cache.get(memo)
    if made is None:
        made = make()
        if len(cache) < _MEMO_MAX:
            cache[memo] = made
    return made


def short_label(n: str, d: dict) -> str:
    """The label of a node in GEXF and nodes.csv: a document's title, a cluster's label, the
    name of a host / entity / source / cluster, else the id."""
    if d.get("kind") == "document" and d.get("title"):
        return str(d["title"])
    if d.get("kind") == "cluster" and d.get("label"):
        return str(d["label"])
    return n.split(":", 1)[1] if d.get("kind") in ("host", "entity", "source", "cluster") and ":" in n else n


class GraphExport:
    """A sorted, typed view of ``G`` for the graph files (nothing of ``G`` is copied).

    Node ids become strings cleaned of characters XML cannot hold; nodes are sorted by id,
    edges by (source, target, kind, key); every edge has a ``kind`` (its key when it had none)
    and the id :func:`graph.build.edge_key` gives it (``~2``, ``~3`` ... after a repeated one);
    one attribute name has one type over nodes and edges (ints mixed with floats become floats,
    anything else mixed becomes str). The graph attributes carry ``format``, ``schema`` and
    ``version``.

    Attributes
    ----------
    graph : dict
        The cleaned graph attributes, sorted by name.
    node_names, edge_names : list of str
        Attribute names in the order they first appear in :meth:`nodes` / :meth:`edges`.
    types : dict
        Attribute name -> the one Python type its values have in the files.

    Examples
    --------
    >>> G = nx.MultiDiGraph(); G.add_edge("b", "a", key=0, kind="links_to", n=None)
    0
    >>> X = GraphExport(G, version="0")
    >>> list(X.edges())
    [('b', 'a', 'links_to:202d3d561c2b6120', {'kind': 'links_to'})]
    >>> X.node_names, X.edge_names, X.number_of_nodes
    ([], ['kind'], 2)
    """

    def __init__(self, G, *, version: str | None = None):
        self.G = G
        gattrs = clean_attrs({k: v for k, v in G.graph.items() if k not in ("node_default", "edge_default")})
        gattrs.update(format=FORMAT, schema=SCHEMA)
        if version is not None:
            gattrs["version"] = version
        self.graph = dict(sorted(gattrs.items()))
        self._ids = {n: _XML_BAD.sub("", str(n)) for n in G}
        self._order = sorted(self._ids, key=self._ids.__getitem__)
        self.number_of_nodes = len(self._order)
        types: dict[str, set] = defaultdict(set)
        node_names: dict[str, None] = {}
        edge_names: dict[str, None] = {}
        nodes = G.nodes
        for n in self._order:
            for k, t in _attr_types(nodes[n]).items():
                types[k].add(t)
                node_names.setdefault(k)
        n_edges = 0
        seen_shapes = set()   # (names, value types) already counted: the types depend on nothing else
        for u, v, k, d, kind, kc in self._edge_rows():
            n_edges += 1
            shape = _memo_key(d)
            if shape is not None:
                shape = (tuple(d), shape[1])
                if shape in seen_shapes:
                    continue
                seen_shapes.add(shape)
            ts = _attr_types(d)
            if "kind" not in ts:
                ts["kind"] = str
            for name, t in ts.items():
                types[name].add(t)
                edge_names.setdefault(name)
        self.number_of_edges = n_edges
        self.node_names, self.edge_names = list(node_names), list(edge_names)
        self.types = {}
        self._convert = {}
        for name, ts in types.items():
            if len(ts) == 1:
                self.types[name] = next(iter(ts))
            elif ts <= {int, float}:
                self.types[name] = self._convert[name] = float
            else:
                self.types[name] = self._convert[name] = str

    def _unify(self, d: dict) -> dict:
        conv = self._convert
        if conv:
            for k, v in d.items():
                t = conv.get(k)
                if t is float:
                    d[k] = float(v)
                elif t is str:
                    d[k] = str(v).lower() if isinstance(v, bool) else str(v)
        return d

    def nodes(self):
        """``(id, attrs)`` of every node, sorted by id; attrs cleaned and typed."""
        ids, nodes = self._ids, self.G.nodes
        for n in self._order:
            yield ids[n], self._unify(clean_attrs(nodes[n]))

    def _groups(self):
        """Nodes with the same cleaned id, in id order (one node each unless ids collide)."""
        ids, order = self._ids, self._order
        i = 0
        while i < len(order):
            j = i + 1
            while j < len(order) and ids[order[j]] == ids[order[i]]:
                j += 1
            yield order[i:j]
            i = j

    def _edge_rows(self):
        """``(u, v, key, raw attrs, kind, clean key)`` of every edge in export order."""
        G, ids = self.G, self._ids
        if G.is_directed():
            groups = ((G.out_edges(u, keys=True, data=True) for u in us) for us in self._groups())
        else:   # an undirected graph: each edge once, sorted as a whole
            groups = [[G.edges(keys=True, data=True)]]
        for group in groups:
            rows = []
            for edges in group:
                for u, v, k, d in edges:
                    kc = _XML_BAD.sub("", str(k))
                    kind = clean_value(d.get("kind"))
                    rows.append((ids[u], ids[v], kc if kind is None else str(kind), kc, u, v, k, d))
            rows.sort(key=lambda r: r[:4])
            i = 0
            while i < len(rows):
                j = i + 1
                while j < len(rows) and rows[j][:4] == rows[i][:4]:
                    j += 1
                if j - i > 1:   # same ids, kind and key: in the order of their attributes as JSON
                    rows[i:j] = sorted(rows[i:j], key=lambda r: json.dumps(
                        self._edge_attrs(r), sort_keys=True, ensure_ascii=False))
                i = j
            for r in rows:
                yield r[4], r[5], r[6], r[7], r[2], r[3]

    @staticmethod
    def _edge_attrs(row) -> dict:
        d = clean_attrs(row[7])
        d.setdefault("kind", row[3])
        return d

    def edges(self):
        """``(source id, target id, edge id, attrs)`` of every edge, sorted; attrs cleaned and typed."""
        for su, sv, key, d, _ in self._shared_edges():
            yield su, sv, key, dict(d)

    def _clean_edge(self, raw: dict, kc: str) -> dict:
        d = clean_attrs(raw)
        d.setdefault("kind", kc)
        return self._unify(d)

    def _shared_edges(self):
        """:meth:`edges` with ``(..., attrs, memo)``: equal attributes come as one dict object
        (not to be changed; it always holds ``kind``) from their second sighting on, with
        ``memo``, a hashable key of their content by which a writer can reuse what it made of
        them (:func:`_memoized`); None the first time, and for attributes that have no such
        key (floats, containers)."""
        ids = self._ids
        seen: dict[str, int] = {}
        last = None
        cleaned: dict = {}
        sighted: set[int] = set()        # hashes of the memo keys met once so far
        for u, v, k, raw, kind, kc in self._edge_rows():
            su, sv = ids[u], ids[v]
            if (su, sv, kind) != last:   # repeated keys are adjacent: count them per run
                seen.clear()
                last = (su, sv, kind)
            memo = _memo_key(raw)
            if memo is not None and "kind" not in raw:
                memo = (memo, kc)        # the key stands in for the kind
            if memo is not None and memo not in cleaned:
                # a memo key is handed on from its second sighting: most attribute dicts of a
                # large graph occur once (8 in 10 at 10k pages), and remembering what the
                # writers made of each was most of the memory of writing the graph files
                h = hash(memo)
                if h not in sighted:
                    if len(sighted) >= _SIGHTED_MAX:
                        sighted.clear()
                    sighted.add(h)
                    memo = None
            d = _memoized(cleaned, memo, lambda: self._clean_edge(raw, kc))
            key = edge_key(su, sv, kind)
            seen[key] = n = seen.get(key, 0) + 1
            yield su, sv, (key if n == 1 else f"{key}~{n}"), d, memo


# ----------------------------------------------------------------------------- writers

# (character, entity) in the order they are replaced ("&" first): character data and attribute
# values as libxml2 (lxml) writes them, and attribute values as ElementTree writes them
_TEXT_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))
_ATTR_ESCAPES = _TEXT_ESCAPES[:3] + (('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#9;"))
_ET_ATTR_ESCAPES = _ATTR_ESCAPES[:-1] + (("\t", "&#09;"),)
_SPECIAL = re.compile('[&<>"\r\n\t]')


def _escape(s: str, table=_ATTR_ESCAPES) -> str:
    """``s`` with the characters of ``table`` replaced by their entities.

    Examples
    --------
    >>> _escape('a&b<"c"'), _escape('a&b<"c"', _TEXT_ESCAPES), _escape(chr(9)), _escape(chr(9), _ET_ATTR_ESCAPES)
    ('a&amp;b&lt;&quot;c&quot;', 'a&amp;b&lt;"c"', '&#9;', '&#09;')
    """
    if _SPECIAL.search(s) is None:
        return s
    for ch, entity in table:
        if ch in s:
            s = s.replace(ch, entity)
    return s


def _escape_text(s: str) -> str:
    return _escape(s, _TEXT_ESCAPES)


def _escape_attr(s: str) -> str:
    return _escape(s, _ATTR_ESCAPES)


def _escape_et_attr(s: str) -> str:
    return _escape(s, _ET_ATTR_ESCAPES)


class _TextSink:
    """A writer of one XML file that joins strings and encodes them in blocks (faster than
    an element tree per node or edge, which is what dominated writing a large graph)."""

    _PARTS = 4096   # strings joined and written at a time

    def __init__(self, fh):
        self._fh, self._buf = fh, []
        self._escaped_ids: dict = {}       # node id -> escaped (edges name each node many times)

    def _node_id(self, n: str, escape) -> str:
        """``escape(n)``, once per node id."""
        s = self._escaped_ids.get(n)
        if s is None:
            s = self._escaped_ids[n] = escape(n)
        return s

    def _put(self, s: str):
        self._buf.append(s)
        if len(self._buf) >= self._PARTS:
            self._flush()

    def _flush(self):
        if self._buf:
            self._fh.write("".join(self._buf).encode("utf-8"))
            self._buf.clear()


class GraphMLSink(_TextSink):
    """GraphML as ``nx.write_graphml(H, fh, prettyprint=True, named_key_ids=False)`` writes the
    exported graph ``H``: key ids ``d0``, ``d1`` ... in the order attributes first appear
    (graph, nodes, edges), edge ids the unique edge keys. The head and tail are written by lxml
    (as networkx does); nodes and edges as strings, escaped as libxml2 escapes them."""

    _BODY = "__linkprov_body__"

    def __init__(self, fh, X: GraphExport):
        from lxml import etree
        super().__init__(fh)
        E = etree.Element
        xml_type = _types(GraphML)
        keys, self._open = [], {}
        graphid = X.graph.get("id")
        graphdata = {k: v for k, v in X.graph.items() if k != "id"}
        gkeys = {}
        for scope, names in (("graph", list(graphdata)), ("node", X.node_names), ("edge", X.edge_names)):
            for name in names:
                t = type(graphdata[name]) if scope == "graph" else X.types[name]
                kid = f"d{len(keys)}"
                if scope == "graph":
                    gkeys[name] = kid
                else:
                    self._open[(scope, name)] = f'  <data key="{kid}">'
                keys.append(E("key", **{"id": kid, "for": scope, "attr.name": name, "attr.type": xml_type[t]}))
        buf = io.BytesIO()
        with etree.xmlfile(buf, encoding="utf-8") as xf:
            xf.write_declaration()
            with xf.element("graphml", {"xmlns": GraphML.NS_GRAPHML, "xmlns:xsi": GraphML.NS_XSI,
                                        "xsi:schemaLocation": GraphML.SCHEMALOCATION}):
                for key in reversed(keys):
                    xf.write(key, pretty_print=True)
                kw = {"edgedefault": "directed" if X.G.is_directed() else "undirected"}
                if graphid is not None:
                    kw["id"] = str(graphid)
                with xf.element("graph", **kw):
                    for k, v in graphdata.items():
                        el = E("data", key=gkeys[k])
                        el.text = str(v)
                        xf.write(el, pretty_print=True)
                    xf.write(E(self._BODY), pretty_print=True)
        head, tail = buf.getvalue().split(f"<{self._BODY}/>\n".encode(), 1)
        fh.write(head)
        self._tail = tail
        self._bodies: dict = {}    # memo -> the body of an edge with those attributes

    def _body(self, scope: str, d: dict) -> str:
        """What follows an element's start tag: its data elements and end tag."""
        if not d:
            return "/>\n"
        parts = [">\n"]
        opening = self._open
        for k, v in d.items():
            parts += (opening[(scope, k)], _escape_text(str(v)), "</data>\n")
        parts.append("</node>\n" if scope == "node" else "</edge>\n")
        return "".join(parts)

    def node(self, n, d):
        self._put(f'<node id="{_escape_attr(n)}"' + self._body("node", d))

    def edge(self, u, v, key, d, memo=None):
        body = _memoized(self._bodies, memo, lambda: self._body("edge", d))
        self._put(f'<edge source="{self._node_id(u, _escape_attr)}" target="{self._node_id(v, _escape_attr)}" '
                  f'id="{_escape_attr(key)}"' + body)

    def close(self):
        self._flush()
        self._fh.write(self._tail)


def _types(cls) -> dict:
    w = cls.__new__(cls)
    w.construct_types()
    return w.xml_type


# GEXF attribute names networkx turns into XML attributes or structure, or renames (a node's "key"
# becomes "networkx_key"), beyond id, label, weight and type, which GEXFSink writes itself: a graph
# using them is written through networkx in memory.
_GEXF_NODE_SPECIAL = {"id", "key", "pid", "start", "end", "parents", "spells", "slices", "viz"}
_GEXF_EDGE_SPECIAL = {"id", "key", "networkx_key", "start", "end", "spells", "slices", "viz"}


def gexf_streamable(X: GraphExport) -> bool:
    """Whether :class:`GEXFSink` gives networkx's bytes for ``X`` (no GEXF-special attribute names)."""
    return (not _GEXF_NODE_SPECIAL & set(X.node_names) and not _GEXF_EDGE_SPECIAL & set(X.edge_names)
            and X.graph.get("mode") != "dynamic" and X.G.is_directed())


class GEXFSink(_TextSink):
    """GEXF 1.2 as ``nx.write_gexf(K, fh, prettyprint=True, version="1.2draft")`` writes the
    exported graph with node labels (:func:`short_label`) and edge labels (the kind), minus the
    date networkx stamps into ``<meta>``. Use only when :func:`gexf_streamable` is true.
    The head is laid out by ElementTree and networkx's indenter; nodes and edges are written
    as strings, escaped and indented as ElementTree and that indenter write them."""

    _SEP = "\n      "     # between elements at level 3
    _ATT = "\n          "  # an attvalue at level 5

    def __init__(self, fh, X: GraphExport):
        super().__init__(fh)
        xml_type = _types(GEXF)
        w = GEXFWriter.__new__(GEXFWriter)
        w.set_version("1.2draft")
        root = ET.Element("gexf", {"xmlns": w.NS_GEXF, "xmlns:xsi": w.NS_XSI,
                                   "xsi:schemaLocation": w.SCHEMALOCATION, "version": w.VERSION})
        meta = ET.SubElement(root, "meta")
        ET.SubElement(meta, "creator").text = f"NetworkX {nx.__version__}"
        graph = ET.SubElement(root, "graph", defaultedgetype="directed", mode="static",
                              name=X.graph.get("name", ""))
        node_names = [k for k in X.node_names if k != "label"]
        edge_names = [k for k in X.edge_names if k not in ("label", "weight", "type")]
        if X.number_of_edges:   # networkx appends the edge key after the first edge's attributes
            first = next(iter(X.edges()))[3]
            at = len([k for k in first if k not in ("label", "weight", "type")])
            edge_names.insert(at, "networkx_key")
        self._att = {}
        elements = []
        for cls, names in (("node", node_names), ("edge", edge_names)):
            if not names:
                continue
            attrs = ET.Element("attributes", {"mode": "static", "class": cls})
            for name in names:
                aid = str(len(self._att))
                self._att[(cls, name)] = f'{self._ATT}<attvalue for="{aid}" value="'
                t = str if name == "networkx_key" else X.types[name]
                ET.SubElement(attrs, "attribute", {"id": aid, "title": name, "type": xml_type[t]})
            elements.insert(0, attrs)
        for el in elements:
            graph.append(el)
        nodes, edges = ET.SubElement(graph, "nodes"), ET.SubElement(graph, "edges")
        if X.number_of_nodes:
            ET.SubElement(nodes, "__nodes__")
        if X.number_of_edges:
            ET.SubElement(edges, "__edges__")
        w.indent(root)
        head = ET.tostring(root, encoding="unicode")
        self._parts = re.split(r"<__nodes__ />|<__edges__ />", head)
        fh.write(b"<?xml version='1.0' encoding='utf-8'?>\n")
        fh.write(self._parts[0].encode("utf-8"))
        self._stage, self._first = 0, True
        self._made: dict = {}      # memo -> (label, extra, attvalues) of an edge with those attributes

    def _attvalues(self, cls: str, data: dict) -> list[str]:
        parts = []
        att = self._att
        for k, v in data.items():
            s = ("true" if v else "false") if isinstance(v, bool) else str(v)
            parts += (att[(cls, k)], _escape_et_attr(s), '" />')
        return parts

    def _element(self, start: str, tag: str, cls: str, data: dict):
        parts = [start if self._first else self._SEP + start]
        self._first = False
        if data:
            parts.append(">\n        <attvalues>")
            parts += self._attvalues(cls, data)
            parts.append(f"\n        </attvalues>\n      </{tag}>")
        else:
            parts.append(" />")
        self._put("".join(parts))

    def node(self, n, d):
        data = dict(d)
        data.pop("label", None)
        self._element(f'<node id="{_escape_et_attr(n)}" label="{_escape_et_attr(short_label(n, d))}"',
                      "node", "node", data)

    def edge(self, u, v, key, d, memo=None):
        if self._stage == 0:
            self._next_part()
        label, extra, attvalues = _memoized(self._made, memo, lambda: self._edge_parts(key, d))
        start = (f'<edge source="{self._node_id(u, _escape_et_attr)}" target="{self._node_id(v, _escape_et_attr)}" '
                 f'id="{_escape_et_attr(str(key))}" label="{label}"{extra}')
        # every edge has attributes (its key at least): networkx writes the key last
        self._put(("" if self._first else self._SEP) + start + ">\n        <attvalues>" + attvalues
                  + self._att[("edge", "networkx_key")] + _escape_et_attr(str(key))
                  + '" />\n        </attvalues>\n      </edge>')
        self._first = False

    def _edge_parts(self, key, d: dict) -> tuple[str, str, str]:
        """What an edge's element takes from its attributes: the escaped label (its kind),
        the weight and type attributes, and the attvalues before the key's."""
        data = dict(d)
        label = _escape_et_attr(str(d.get("kind", key)))
        extra = "".join(f' {name}="{_escape_et_attr(str(data.pop(name)))}"' for name in ("weight", "type")
                        if name in data)
        data.pop("label", None)
        data.pop("key", None)
        return label, extra, "".join(self._attvalues("edge", data))

    def _next_part(self):
        self._flush()
        self._stage += 1
        self._first = True
        if len(self._parts) > self._stage:
            self._fh.write(self._parts[self._stage].encode("utf-8"))

    def close(self):
        while self._stage < len(self._parts) - 1:
            self._next_part()
        self._flush()


def _cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


class _CSVSink:
    def __init__(self, fh, header):
        self._text = io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=False)
        self._w = csv.writer(self._text, lineterminator="\n")
        self._w.writerow(header)

    def node(self, n, d):
        pass

    def edge(self, u, v, key, d, memo=None):
        pass

    def close(self):
        self._text.flush()
        self._text.detach()


class NodesCSVSink(_CSVSink):
    """nodes.csv: ``id,kind,label`` then every other node attribute (sorted), one row a node."""

    def __init__(self, fh, X: GraphExport):
        names = sorted(set(X.node_names) - {"kind"})
        self._cols = [n for n in names if n != "label"]
        super().__init__(fh, ["id", "kind", "label"] + self._cols)

    def node(self, n, d):
        self._w.writerow([n, d.get("kind", ""), short_label(n, d)] + [_cell(d.get(k)) for k in self._cols])


class EdgesCSVSink(_CSVSink):
    """edges.csv: ``source,target,kind`` then every other edge attribute (sorted), one row an edge."""

    def __init__(self, fh, X: GraphExport):
        self._cols = sorted(set(X.edge_names) - {"kind"})
        self._rows: dict = {}      # memo -> the row of an edge with those attributes, after source and target
        super().__init__(fh, ["source", "target", "kind"] + self._cols)

    def edge(self, u, v, key, d, memo=None):
        row = _memoized(self._rows, memo, lambda: [d.get("kind", key)] + [_cell(d.get(n)) for n in self._cols])
        self._w.writerow([u, v, *row])


def write_graph_files(X: GraphExport, sinks) -> None:
    """Feed every node, then every edge of ``X`` to each sink (``node``, ``edge``, ``close``),
    cleaning each node and edge once for all of them."""
    sinks = list(sinks)
    for n, d in X.nodes():
        for s in sinks:
            s.node(n, d)
    for u, v, k, d, memo in X._shared_edges():
        for s in sinks:
            s.edge(u, v, k, d, memo)
    for s in sinks:
        s.close()
