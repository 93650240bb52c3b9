"""Machine-readable outputs: provenance.json, graph.graphml, graph.gexf, nodes.csv, edges.csv.

Every file is written whole or not at all (:func:`open_atomic`, :func:`write_atomic`) and
byte-deterministic: nodes, edges and attributes are sorted, strings are cleaned of characters
XML cannot hold, and nothing carries a date or an absolute temporary path. The four graph files
are streamed from ``G`` in one pass (:func:`write_graph_files`, :mod:`reports.graphio`);
:func:`export_graph` and the ``*_bytes`` functions give the same bytes in memory, for small
graphs and tests.
"""
from __future__ import annotations

import io
import json
import logging
import re
from contextlib import ExitStack, contextmanager
from pathlib import Path

import networkx as nx

from crawler.sortio import commit, temp_path
from graph.query import FORMAT, SCHEMA, read_graph
from reports.graphio import (EdgesCSVSink, GEXFSink, GraphExport, GraphMLSink, NodesCSVSink, gexf_streamable,
                             short_label, write_graph_files as _feed)

__all__ = ["write_atomic", "open_atomic", "provenance_bytes", "write_provenance", "export_graph", "write_graph_files", "GRAPH_FILES",
           "graphml_bytes", "gexf_bytes", "nodes_csv_bytes", "edges_csv_bytes", "read_graph", "FORMAT", "SCHEMA"]

log = logging.getLogger("linkprov.reports")
GRAPH_FILES = ("graph.graphml", "graph.gexf", "nodes.csv", "edges.csv")


@contextmanager
def open_atomic(path):
    """A binary file to write ``path`` through, whole or not at all.

    The bytes go to the crawler's temporary sibling (:func:`crawler.sortio.temp_path`), which
    replaces ``path`` (:func:`crawler.sortio.commit`, ``os.replace``) when the block ends
    without an error; on an error the temporary file is removed and ``path`` is left as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with open_atomic(d / "a.txt") as fh:
    ...     _ = fh.write(b"abc")
    >>> (d / "a.txt").read_bytes(), sorted(p.name for p in d.iterdir())
    (b'abc', ['a.txt'])
    """
    path = Path(path)
    tmp = temp_path(path)
    try:
        with open(tmp, "wb", buffering=1 << 20) as fh:
            yield fh
        commit([(tmp, path)])
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open_atomic(path) as fh:
        fh.write(data)
    return Path(path)


def _provenance_encoder() -> json.JSONEncoder:
    return json.JSONEncoder(sort_keys=True, ensure_ascii=False, indent=2, default=str)


def provenance_bytes(provenance: dict) -> bytes:
    """provenance.json: keys sorted, ``ensure_ascii=False``, indent 2, one final newline.

    Examples
    --------
    >>> provenance_bytes({"mirrors": [], "entities": [{"entity": "例.com"}]}).decode()[:15]
    '{\\n  "entities":'
    """
    return (_provenance_encoder().encode(provenance) + "\n").encode("utf-8")


#: characters of JSON text encoded and written at a time by :func:`write_provenance`
_CHUNK = 1 << 20


def write_provenance(path, provenance: dict) -> Path:
    """Write provenance.json to ``path`` (whole or not at all): the bytes of
    :func:`provenance_bytes`, encoded and written a piece at a time, so neither the JSON text
    nor its bytes are held whole (at 100k pages they are larger than the provenance itself).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "provenance.json"
    >>> write_provenance(p, {"mirrors": [], "entities": [{"entity": "例.com"}]}).read_bytes() == \\
    ...     provenance_bytes({"mirrors": [], "entities": [{"entity": "例.com"}]})
    True
    """
    with open_atomic(path) as fh:
        parts, size = [], 0
        for part in _provenance_encoder().iterencode(provenance):
            parts.append(part)
            size += len(part)
            if size >= _CHUNK:
                fh.write("".join(parts).encode("utf-8"))
                parts, size = [], 0
        parts.append("\n")
        fh.write("".join(parts).encode("utf-8"))
    return Path(path)


def write_graph_files(out, G, *, version: str | None = None) -> list[str]:
    """Write graph.graphml, graph.gexf, nodes.csv and edges.csv of ``G`` into ``out`` in one
    streamed pass (each file whole or not at all); return their names.

    The bytes are those of ``graphml_bytes(export_graph(G))`` etc., but neither a copy of ``G``
    nor a whole document is held in memory.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> G = nx.MultiDiGraph(); G.add_edge("https://a.org/", "https://b.org/", kind="links_to")
    0
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> write_graph_files(d, G, version="0")
    ['edges.csv', 'graph.gexf', 'graph.graphml', 'nodes.csv']
    >>> (d / "edges.csv").read_text().splitlines()
    ['source,target,kind', 'https://a.org/,https://b.org/,links_to']
    """
    out = Path(out)
    X = GraphExport(G, version=version)
    streamed = gexf_streamable(X)
    with ExitStack() as stack:
        fh = {name: stack.enter_context(open_atomic(out / name)) for name in GRAPH_FILES
              if streamed or name != "graph.gexf"}
        _feed(X, [GraphMLSink(fh["graph.graphml"], X), NodesCSVSink(fh["nodes.csv"], X),
                  EdgesCSVSink(fh["edges.csv"], X)] + ([GEXFSink(fh["graph.gexf"], X)] if streamed else []))
    if not streamed:
        log.info("graph.gexf written in memory: the graph has attributes GEXF treats specially")
        write_atomic(out / "graph.gexf", _gexf_in_memory(X))
    return sorted(GRAPH_FILES)


def export_graph(G, *, version: str | None = None) -> nx.MultiDiGraph:
    """A sorted copy of ``G`` with only typed scalar attributes, ready for GraphML/GEXF: what
    :func:`write_graph_files` streams (see :class:`reports.graphio.GraphExport`).

    Node ids become strings; every edge has a ``kind`` (its key when it had none) and the key
    :func:`graph.build.edge_key` gives it (``~2``, ``~3`` ... after a repeated one), so edge ids
    are unique and stable, as Gephi needs; ``None`` and non-finite values are dropped; lists
    and dicts become JSON strings; characters XML cannot hold are removed; one attribute name
    has one type (ints mixed with floats become floats, anything else mixed becomes str).
    The graph attributes carry ``format``, ``schema`` and ``version`` so readers can tell
    an output of an older linkprov.

    Examples
    --------
    >>> G = nx.MultiDiGraph(); G.add_edge("b", "a", key=0, kind="links_to", n=None)
    0
    >>> H = export_graph(G, version="0"); list(H.edges(keys=True, data=True))
    [('b', 'a', 'links_to:202d3d561c2b6120', {'kind': 'links_to'})]
    """
    return _materialize(GraphExport(G, version=version))


def _materialize(X: GraphExport) -> nx.MultiDiGraph:
    H = nx.MultiDiGraph()
    H.graph.update(X.graph)
    H.add_nodes_from(X.nodes())
    for u, v, k, d in X.edges():
        H.add_edge(u, v, key=k, **d)
    return H


def _stream_bytes(H, sink) -> bytes:
    buf = io.BytesIO()
    X = GraphExport(H, version=H.graph.get("version"))
    _feed(X, [sink(buf, X)])
    return buf.getvalue()


def graphml_bytes(H) -> bytes:
    """GraphML of an exported graph: edge ids are the (unique) edge keys; attribute key ids
    are ``d0``, ``d1`` ... (unique even when nodes and edges share an attribute name).

    Read it back with :func:`read_graph` (``nx.read_graphml(path, edge_key_type=str,
    force_multigraph=True)``).
    """
    return _stream_bytes(H, GraphMLSink)


def gexf_bytes(H) -> bytes:
    """GEXF 1.2 of an exported graph (Gephi's own format): edge ids are the edge keys (unique,
    as in the GraphML), the edge kind is the edge label, so Gephi keeps parallel edges of
    different kinds; nodes are labelled by title / name."""
    X = GraphExport(H, version=H.graph.get("version"))
    if not gexf_streamable(X):
        return _gexf_in_memory(X)
    return _stream_bytes(H, GEXFSink)


def _gexf_in_memory(X: GraphExport) -> bytes:
    """networkx's own GEXF writer on a labelled copy (for graphs :class:`GEXFSink` cannot stream)."""
    K = nx.MultiDiGraph()
    K.graph.update(X.graph)
    for n, d in X.nodes():
        K.add_node(n, **{**d, "label": short_label(n, d)})
    for u, v, k, d in X.edges():
        K.add_edge(u, v, key=k, **{**d, "id": str(k), "label": str(d.get("kind", k))})
    buf = io.BytesIO()
    nx.write_gexf(K, buf, encoding="utf-8", prettyprint=True, version="1.2draft")
    # networkx stamps today's date into <meta>: drop it so the bytes stay the same.
    return re.sub(rb' lastmodifieddate="[^"]*"', b"", buf.getvalue(), count=1)


def nodes_csv_bytes(H) -> bytes:
    """nodes.csv: ``id,kind,label`` then every other node attribute (sorted), one row a node."""
    return _stream_bytes(H, NodesCSVSink)


def edges_csv_bytes(H) -> bytes:
    """edges.csv: ``source,target,kind`` then every other edge attribute (sorted), one row an edge."""
    return _stream_bytes(H, EdgesCSVSink)
