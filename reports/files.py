"""Machine-readable outputs: provenance.json, graph.graphml, graph.gexf, nodes.csv, edges.csv.

Every file is written whole or not at all (:func:`write_atomic`) and byte-deterministic:
nodes, edges and attributes are sorted, strings are cleaned of characters XML cannot hold,
and nothing carries a date or an absolute temporary path.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path

import networkx as nx

from crawler.sortio import commit, temp_path
from graph.build import edge_key
from graph.query import FORMAT, SCHEMA, read_graph

__all__ = ["write_atomic", "provenance_bytes", "export_graph", "graphml_bytes", "gexf_bytes",
           "nodes_csv_bytes", "edges_csv_bytes", "read_graph", "FORMAT", "SCHEMA"]


# XML 1.0 forbids C0 controls other than tab/newline/CR, lone surrogates and U+FFFE/U+FFFF.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def write_atomic(path, data) -> Path:
    """Write ``data`` (bytes or str, UTF-8) to ``path`` whole or not at all.

    The bytes go to the crawler's temporary sibling (:func:`crawler.sortio.temp_path`), which
    then replaces ``path`` (:func:`crawler.sortio.commit`, ``os.replace``), so a reader never
    sees half a file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> write_atomic(d / "a.txt", "名字").read_text("utf-8")
    '名字'
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    tmp = temp_path(path)
    try:
        tmp.write_bytes(data)
        commit([(tmp, path)])
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def provenance_bytes(provenance: dict) -> bytes:
    """provenance.json: keys sorted, ``ensure_ascii=False``, indent 2, one final newline.

    Examples
    --------
    >>> provenance_bytes({"mirrors": [], "entities": [{"entity": "例.com"}]}).decode()[:15]
    '{\\n  "entities":'
    """
    return (json.dumps(provenance, sort_keys=True, ensure_ascii=False, indent=2, default=str) + "\n").encode("utf-8")


def _clean(value):
    """A GraphML/GEXF-safe scalar, or None to drop the attribute."""
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


def _clean_attrs(attrs: dict) -> dict:
    out = {}
    for k in sorted(attrs, key=str):
        v = _clean(attrs[k])
        if v is not None:
            out[_XML_BAD.sub("", str(k))] = v
    return out


def _unify_types(items):
    """One type per attribute name, over nodes and edges together (GraphML and GEXF declare one
    per attribute): int+float -> float, anything else mixed -> str."""
    types: dict[str, set] = {}
    for d in items:
        for k, v in d.items():
            types.setdefault(k, set()).add(type(v))
    for d in items:
        for k, v in list(d.items()):
            ts = types[k]
            if len(ts) > 1:
                if ts <= {int, float}:
                    d[k] = float(v)
                else:
                    d[k] = str(v).lower() if isinstance(v, bool) else str(v)


def export_graph(G, *, version: str | None = None) -> nx.MultiDiGraph:
    """A sorted copy of ``G`` with only typed scalar attributes, ready for GraphML/GEXF.

    Node ids become strings; every edge has a ``kind`` (its key when it had none) and the key
    :func:`graph.build.edge_key` gives it (``~2``, ``~3`` ... after a repeated one), so edge ids
    are unique and stable, as Gephi needs; ``None`` and non-finite values are dropped; lists
    and dicts become JSON strings; characters XML cannot hold are removed; one attribute name
    has one type (ints mixed with floats become floats, anything else mixed becomes str).
    The graph attributes carry ``format``, ``schema`` and ``version`` so readers can tell
    an output of an older linkprov.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph(); G.add_edge("b", "a", key=0, kind="links_to", n=None)
    0
    >>> H = export_graph(G, version="0"); list(H.edges(keys=True, data=True))
    [('b', 'a', 'links_to:202d3d561c2b6120', {'kind': 'links_to'})]
    """
    H = nx.MultiDiGraph()
    gattrs = _clean_attrs({k: v for k, v in G.graph.items() if k not in ("node_default", "edge_default")})
    gattrs.update(format=FORMAT, schema=SCHEMA)
    if version is not None:
        gattrs["version"] = version
    H.graph.update(sorted(gattrs.items()))
    node_ids = {n: _XML_BAD.sub("", str(n)) for n in G.nodes}
    nodes = sorted((node_ids[n], _clean_attrs(d)) for n, d in G.nodes(data=True))
    edges = []
    for u, v, k, d in G.edges(keys=True, data=True):
        d = _clean_attrs(d)
        d.setdefault("kind", _XML_BAD.sub("", str(k)))
        edges.append((node_ids[u], node_ids[v], str(d["kind"]), _XML_BAD.sub("", str(k)), d))
    edges.sort(key=lambda e: (e[:4], json.dumps(e[4], sort_keys=True, ensure_ascii=False)))
    _unify_types([d for _, d in nodes] + [e[4] for e in edges])
    H.add_nodes_from(nodes)
    seen: dict[str, int] = {}
    for u, v, kind, _, d in edges:
        key = edge_key(u, v, kind)
        seen[key] = n = seen.get(key, 0) + 1
        H.add_edge(u, v, key=key if n == 1 else f"{key}~{n}", **d)
    return H


def graphml_bytes(H) -> bytes:
    """GraphML of an exported graph: edge ids are the (unique) edge keys; attribute key ids
    are ``d0``, ``d1`` ... (unique even when nodes and edges share an attribute name).

    Read it back with :func:`read_graph` (``nx.read_graphml(path, edge_key_type=str,
    force_multigraph=True)``).
    """
    buf = io.BytesIO()
    nx.write_graphml(H, buf, encoding="utf-8", prettyprint=True, named_key_ids=False)
    return buf.getvalue()


def gexf_bytes(H) -> bytes:
    """GEXF 1.2 of an exported graph (Gephi's own format): edge ids are the edge keys (unique,
    as in the GraphML), the edge kind is the edge label, so Gephi keeps parallel edges of
    different kinds; nodes are labelled by title / name."""
    K = nx.MultiDiGraph()
    K.graph.update(H.graph)
    for n, d in H.nodes(data=True):
        K.add_node(n, **{**d, "label": _short_label(n, d)})
    for u, v, k, d in H.edges(keys=True, data=True):
        K.add_edge(u, v, key=k, **d, id=str(k), label=str(d.get("kind", k)))
    buf = io.BytesIO()
    nx.write_gexf(K, buf, encoding="utf-8", prettyprint=True, version="1.2draft")
    # networkx stamps today's date into <meta>: drop it so the bytes stay the same.
    return re.sub(rb' lastmodifieddate="[^"]*"', b"", buf.getvalue(), count=1)


def _short_label(n: str, d: dict) -> str:
    if d.get("kind") == "document" and d.get("title"):
        return str(d["title"])
    if d.get("kind") == "cluster" and d.get("label"):
        return str(d["label"])
    return n.split(":", 1)[1] if d.get("kind") in ("host", "entity", "source", "cluster") and ":" in n else n


def _csv(header, rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def nodes_csv_bytes(H) -> bytes:
    """nodes.csv: ``id,kind,label`` then every other node attribute (sorted), one row a node."""
    names = sorted({k for _, d in H.nodes(data=True) for k in d} - {"kind"})
    header = ["id", "kind", "label"] + [n for n in names if n != "label"]
    rows = [[n, d.get("kind", ""), _short_label(n, d)] + [_cell(d.get(k)) for k in header[3:]]
            for n, d in H.nodes(data=True)]
    return _csv(header, rows)


def edges_csv_bytes(H) -> bytes:
    """edges.csv: ``source,target,kind`` then every other edge attribute (sorted), one row an edge."""
    names = sorted({k for *_, d in H.edges(keys=True, data=True) for k in d} - {"kind"})
    header = ["source", "target", "kind"] + names
    rows = [[u, v, d.get("kind", k)] + [_cell(d.get(n)) for n in names] for u, v, k, d in H.edges(keys=True, data=True)]
    return _csv(header, rows)


def _cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return v
