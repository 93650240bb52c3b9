"""Questions to a finished output folder: ``load(out)`` and the helpers of ``linkprov shell``.

``load`` reads ``graph.graphml`` and ``provenance.json`` (no re-analysis). The helpers take
a URL (a trailing ``#fragment``, surrounding blanks, the case of scheme and host, a default
port, a trailing slash, ``http``/``https`` and ``www.`` are tolerated) and return plain data:
``str``, :class:`Record` (a dict) or :class:`Table` (a list of dicts), which print readably
and turn into pandas DataFrames with ``to_dataframe()`` when pandas is installed.

Examples
--------
>>> from graph import load                                   # doctest: +SKIP
>>> p = load("output")                                       # doctest: +SKIP
>>> p.origin("https://github.com/1992513/djy/blob/master/gb/25/9/4/n14587530.md#1")  # doctest: +SKIP
'https://www.epochtimes.com/gb/25/9/4/n14587530.htm'
"""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import networkx as nx

from crawler.errors import LinkprovError, OutputError
from graph.entities import entity_of

__all__ = ["load", "read_graph", "Provenance", "Record", "Table", "normalize", "FORMAT", "SCHEMA", "HELPERS"]

FORMAT = "linkprov"
SCHEMA = 1          # of graph.graphml / provenance.json; bumped on incompatible changes
HELPERS = ("origin", "mirrors", "sources", "cluster", "links", "backlinks", "entity", "story")


# ----------------------------------------------------------------------------- printable data

def _cell(v, width=70) -> str:
    """One value as text for a table cell: evidence lists as their signal names, URLs
    percent-decoded (``%E7%BE%8E`` -> ``美``), cut to ``width`` display columns.

    Examples
    --------
    >>> _cell([{"signal": "url_rule", "detail": "..."}, {"signal": "original_link", "detail": "..."}])
    'url_rule, original_link'
    >>> _cell("http://www.minghui.org/mh/%E7%BE%8E%E5%9B%BD.html")
    'http://www.minghui.org/mh/美国.html'
    """
    if isinstance(v, (list, tuple)):
        if v and all(isinstance(x, dict) and x.get("signal") for x in v):
            v = ", ".join(dict.fromkeys(str(x["signal"]) for x in v))
        else:
            v = ", ".join(_cell(x, 10 ** 6) for x in v)
    elif isinstance(v, dict):
        v = json.dumps(v, ensure_ascii=False, sort_keys=True)
    elif isinstance(v, float):
        v = f"{v:.2f}"
    elif isinstance(v, str) and "%" in v and v.startswith(("http://", "https://")):
        v = unquote(v)
    return shorten("" if v is None else str(v), width)


def shorten(s: str, width: int) -> str:
    """``s`` with white space folded, cut to ``width`` display columns (CJK characters count
    two) with an ellipsis.

    Examples
    --------
    >>> shorten("多国峰会商讨乌克兰安全保障", 10)
    '多国峰会…'
    >>> shorten("short  text", 20)
    'short text'
    """
    s = " ".join(s.split())
    if display_width(s) <= width:
        return s
    out, w = [], 0
    for c in s:
        w += display_width(c)
        if w > width - 1:
            break
        out.append(c)
    return "".join(out) + "…"


# identifying columns first, evidence last
_FIRST = ["id", "name", "entity", "mirror", "original", "source", "target", "link_class", "label", "role", "kind",
          "confidence", "support", "documents", "pages", "earliest", "links", "entities"]


def display_width(s: str) -> int:
    """Columns ``s`` takes in a terminal or a label: East Asian wide characters count two.

    Examples
    --------
    >>> display_width("ab中文")
    6
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _ljust(s: str, w: int) -> str:
    return s + " " * (w - display_width(s))


def _to_dataframe(rows):
    try:
        import pandas as pd
    except ImportError:
        raise LinkprovError("to_dataframe() needs pandas: `pip install pandas` (or use the rows as plain "
                            "dicts)") from None
    return pd.DataFrame(list(rows))


class _Printable:
    """Shared by :class:`Table` and :class:`Record`: ``__str__`` = ``__repr__``, IPython pretty
    printing, ``show()`` and ``to_dataframe()`` (from :meth:`_rows`)."""

    def __str__(self):
        return self.__repr__()

    def _repr_pretty_(self, p, cycle):
        p.text(repr(self))

    def show(self):
        """Print it readably."""
        print(repr(self))

    def to_dataframe(self):
        """A pandas DataFrame, one row per item (needs pandas)."""
        return _to_dataframe(self._rows())


class Table(_Printable, list):
    """A list of dicts that prints as a table (the first ``MAX_PRINT`` rows; it holds all).

    Examples
    --------
    >>> t = Table([{"url": "https://a.example/", "n": 2}])
    >>> print(t)
    url                 n
    https://a.example/  2
    >>> t[0]["n"]
    2
    """

    def __repr__(self):
        if not self:
            return "(none)"
        cols = []
        for row in self:
            for k in row:
                if k not in cols:
                    cols.append(k)
        first = {c: i for i, c in enumerate(cols)}
        cols.sort(key=lambda c: (_FIRST.index(c) if c in _FIRST else len(_FIRST), first[c]))
        shown = self[:self.MAX_PRINT]
        cells = [[_cell(r.get(c)) for c in cols] for r in shown]
        widths = [max(display_width(c), *(display_width(r[i]) for r in cells)) for i, c in enumerate(cols)]
        lines = ["  ".join(_ljust(c, w) for c, w in zip(cols, widths)).rstrip()]
        lines += ["  ".join(_ljust(x, w) for x, w in zip(r, widths)).rstrip() for r in cells]
        if len(self) > len(shown):
            lines.append(f"… {len(self) - len(shown)} more rows ({len(self)} in all: index it, loop over it, "
                         f"or .to_dataframe())")
        return "\n".join(lines)

    MAX_PRINT = 40

    def _rows(self):
        return self


class Record(_Printable, dict):
    """A dict that prints one ``key: value`` per line.

    Examples
    --------
    >>> print(Record(entity="epochtimes.com", role="original"))
    entity: epochtimes.com
    role:   original
    """

    def __repr__(self):
        if not self:
            return "(none)"
        w = max(len(str(k)) for k in self) + 1
        lines = []
        for k, v in self.items():
            head = (str(k) + ":").ljust(w)
            if isinstance(v, (list, tuple)) and v and all(isinstance(x, dict) and x.get("signal") for x in v):
                lines.append(head.rstrip())    # evidence: one item a line, with its detail
                lines += [f"  - {_cell(x['signal'], 30)}: {_cell(x.get('detail', ''), 160)}" for x in v[:20]]
                if len(v) > 20:
                    lines.append(f"  … {len(v) - 20} more")
            else:
                lines.append(f"{head} {_cell(v, 200)}")
        return "\n".join(lines)

    def _rows(self):
        return [self]


# ----------------------------------------------------------------------------- URLs

def normalize(url: str) -> str:
    """The form URLs have in the graph: no fragment, lower-case scheme and host, no default port.

    Examples
    --------
    >>> normalize(" HTTPS://WWW.Example.com:443/a/b.md#1 ")
    'https://www.example.com/a/b.md'
    >>> normalize("entity:epochtimes.com")
    'entity:epochtimes.com'
    """
    s = str(url).strip()
    try:
        parts = urlsplit(s)
    except ValueError:
        return s
    if parts.scheme.lower() not in ("http", "https", "ftp", "file") or (not parts.netloc and parts.scheme != "file"):
        return s.split("#", 1)[0] if parts.scheme.lower() in ("http", "https") else s
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port and (parts.scheme.lower(), parts.port) not in (("http", 80), ("https", 443)) else None
    netloc = host + (f":{port}" if port else "")
    if parts.username:
        netloc = parts.username + "@" + netloc
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or ("/" if host else ""), parts.query, ""))


def _variants(u: str):
    yield u
    try:
        parts = urlsplit(u)
    except ValueError:
        return
    if parts.scheme not in ("http", "https"):
        return
    paths = [parts.path]
    paths.append(parts.path[:-1] if parts.path.endswith("/") and len(parts.path) > 1 else parts.path + "/")
    if parts.path in ("", "/"):
        paths = ["/", ""]
    host = parts.netloc
    hosts = [host, host[4:] if host.startswith("www.") else "www." + host]
    for scheme in (parts.scheme, "https" if parts.scheme == "http" else "http"):
        for h in hosts:
            for p in paths:
                yield urlunsplit((scheme, h, p, parts.query, ""))


def _rule_regex(pattern: str):
    """``https://x/{path}.md`` -> a regex with a named group per ``{name}``."""
    out, pos = [], 0
    for m in re.finditer(r"\{(\w+)\}", pattern):
        out.append(re.escape(pattern[pos:m.start()]))
        out.append(f"(?P<{m.group(1)}>.+?)")
        pos = m.end()
    out.append(re.escape(pattern[pos:]))
    return re.compile("".join(out) + r"\Z")


# ----------------------------------------------------------------------------- the loaded output

class Provenance:
    """A finished output: the graph ``G``, the verdicts ``provenance`` and the query helpers.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The provenance graph (SPEC "Graph").
    provenance : dict
        The verdicts (SPEC "provenance.json").

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("https://m.example/a.md", kind="document")
    >>> G.add_edge("https://m.example/a.md", "https://o.example/a.htm", key="mirror_of:1", kind="mirror_of")
    'mirror_of:1'
    >>> p = Provenance(G, {"mirrors": [{"mirror": "https://m.example/a.md", "original": "https://o.example/a.htm",
    ...                                 "confidence": 0.9, "evidence": []}]})
    >>> p.origin("https://m.example/a.md#top")
    'https://o.example/a.htm'
    >>> p.mirrors("https://o.example/a.htm")[0]["mirror"]
    'https://m.example/a.md'
    """

    def __init__(self, G, provenance: dict, out: str | None = None):
        self.G = G
        self.provenance = provenance
        self.out = out
        P = provenance
        self._mirror = {}
        for m in P.get("mirrors") or []:
            if m.get("mirror") and m.get("original"):
                prev = self._mirror.get(m["mirror"])
                if prev is None or (m.get("confidence") or 0) > (prev.get("confidence") or 0):
                    self._mirror[m["mirror"]] = m
        self._rules = [(_rule_regex(r["mirror"]), r) for r in P.get("mirror_rules") or []
                       if r.get("mirror") and r.get("original")]
        self._known = set(G.nodes) | set(self._mirror) | {m["original"] for m in self._mirror.values()}

    def __repr__(self):
        P = self.provenance
        n_docs = sum(1 for _, d in self.G.nodes(data=True) if d.get("kind") == "document")
        return (f"<Provenance{' of ' + str(self.out) if self.out else ''}: {n_docs} documents, "
                f"{len(P.get('mirrors') or [])} mirrors, {len(P.get('sources') or [])} sources, "
                f"{len(P.get('promotional_clusters') or [])} promotional clusters, {len(P.get('stories') or [])} stories>")

    def helpers(self) -> dict:
        """The helpers by name, plus ``G``, ``p`` and ``provenance``: the namespace of ``linkprov shell``."""
        ns = {name: getattr(self, name) for name in HELPERS}
        ns.update(G=self.G, p=self, provenance=self.provenance)
        return ns

    # -- URL resolution
    def _resolve(self, url: str) -> str:
        u = normalize(url)
        for v in _variants(u):
            if v in self._known:
                return v
        return u

    def _original_of(self, u: str):
        if u in self._mirror:
            return self._mirror[u]["original"]
        if u in self.G:
            outs = sorted(((d.get("confidence") or 0, v) for _, v, k, d in self.G.out_edges(u, keys=True, data=True)
                           if (d.get("kind") or k) == "mirror_of"), key=lambda x: (-x[0], x[1]))
            if outs:
                return outs[0][1]
        for rx, rule in self._rules:
            m = rx.match(u)
            if m:
                try:
                    return rule["original"].format(**m.groupdict())
                except (KeyError, IndexError, ValueError):
                    continue
        return None

    # -- helpers
    def origin(self, url: str) -> str:
        """The original behind ``url``, following mirror chains (mirror of a mirror ...) and,
        for URLs the crawl did not see, the learned mirror rules; ``url`` itself (normalized)
        when it mirrors nothing.

        Examples
        --------
        >>> p = Provenance(nx.MultiDiGraph(), {"mirror_rules": [{"mirror": "https://m.example/{path}.md",
        ...     "original": "https://o.example/{path}.htm", "support": 3, "confidence": 0.9}]})
        >>> p.origin("https://m.example/x/1.md")
        'https://o.example/x/1.htm'
        """
        u = self._resolve(url)
        seen = {u}
        while True:
            nxt = self._original_of(u)
            if nxt is None:
                return u
            nxt = self._resolve(nxt)
            if nxt in seen:
                return u
            seen.add(nxt)
            u = nxt

    def mirrors(self, url: str | None = None) -> Table:
        """Every mirror verdict, or those of the original behind ``url`` (all copies of it)."""
        rows = self.provenance.get("mirrors") or []
        if url is not None:
            o = self.origin(url)
            rows = [m for m in rows if self._resolve(m.get("original", "")) == o or self.origin(m.get("mirror", "")) == o]
        return Table(Record(m) for m in rows)

    def sources(self, url: str | None = None) -> Table:
        """Every source named in text, or those named by ``url`` (or by its original)."""
        rows = self.provenance.get("sources") or []
        if url is not None:
            keys = {self._resolve(url), self.origin(url)}
            rows = [s for s in rows if keys & {self._resolve(d) for d in s.get("documents") or []}]
        return Table(Record(s) for s in rows)

    def cluster(self, url: str) -> Table:
        """The promotional clusters ``url`` belongs to (a promoted link), or, for a document, the
        clusters its links promote; ``cluster("c1")`` / ``cluster("cluster:c1")`` names one cluster."""
        rows = self.provenance.get("promotional_clusters") or []
        cid = str(url).split(":", 1)[1] if str(url).startswith("cluster:") else str(url)
        named = [c for c in rows if str(c.get("id")) == cid]
        if named:
            return Table(Record(c) for c in named)
        u = self._resolve(url)
        hit = [c for c in rows if u in {self._resolve(x) for x in c.get("links") or []}]
        if not hit and u in self.G:
            targets = {v for _, v, k, d in self.G.out_edges(u, keys=True, data=True) if (d.get("kind") or k) == "links_to"}
            hit = [c for c in rows if targets & set(c.get("links") or [])]
        return Table(Record(c) for c in hit)

    def _edges(self, u, out: bool) -> Table:
        if u not in self.G:
            return Table()
        it = self.G.out_edges(u, keys=True, data=True) if out else self.G.in_edges(u, keys=True, data=True)
        rows = []
        for a, b, k, d in it:
            if (d.get("kind") or k) != "links_to":
                continue
            row = Record({"target" if out else "source": b if out else a})
            row.update((x, y) for x, y in sorted(d.items()) if x != "kind")
            rows.append(row)
        rows.sort(key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False, default=str))
        return Table(rows)

    def links(self, url: str) -> Table:
        """The links of document ``url``: ``target``, ``link_class`` and the edge's other attributes."""
        return self._edges(self._resolve(url), True)

    def backlinks(self, url: str) -> Table:
        """The documents that link to ``url``: ``source``, ``link_class`` ..."""
        return self._edges(self._resolve(url), False)

    def entity(self, url: str) -> Record:
        """Who controls ``url`` (an entity name also works): ``entity``, ``role``, ``documents``, ``evidence``."""
        s = str(url).strip()
        name = s[len("entity:"):] if s.startswith("entity:") else None
        if name is None:
            name = entity_of(self._resolve(s)) if "://" in s else s.lower()
        if name is None:
            return Record()
        rec = Record(entity=name)
        for e in self.provenance.get("entities") or []:
            if e.get("entity") == name:
                rec.update(e)
                break
        node = self.G.nodes.get(f"entity:{name}")
        if node:
            for k, v in sorted(node.items()):
                if k != "kind" and not (k == "role_evidence" and "evidence" in rec):
                    rec.setdefault(k, v)
        return rec

    def story(self, url: str) -> Record | None:
        """The story (same event across documents) ``url`` or its original belongs to, else None."""
        keys = {self._resolve(url), self.origin(url)}
        keys |= {self._resolve(m.get("mirror", "")) for m in self.mirrors(url)}
        for s in self.provenance.get("stories") or []:
            if keys & {self._resolve(d) for d in s.get("documents") or []}:
                return Record(s)
        return None


# ----------------------------------------------------------------------------- reading

def read_graph(path) -> nx.MultiDiGraph:
    """Read a ``graph.graphml`` written by linkprov back into the graph it was written from:
    each edge is keyed by its ``kind``, as in the analysis (``G.edges[u, v, "mirror_of"]``),
    unless two edges of one kind join the same nodes (a graph not written by linkprov):
    those keep their GraphML ids (:func:`graph.build.edge_key`).

    Examples
    --------
    >>> import io, networkx as nx
    >>> G = nx.MultiDiGraph(); G.add_edge("a", "b", key="links_to:1", kind="links_to")
    'links_to:1'
    >>> _ = G.add_edge("a", "b", key="x:1", kind="mirror_of"); _ = G.add_edge("a", "c", key="x:2")
    >>> buf = io.BytesIO(); nx.write_graphml(G, buf); _ = buf.seek(0)
    >>> sorted(read_graph(buf).edges(keys=True))
    [('a', 'b', 'links_to'), ('a', 'b', 'mirror_of'), ('a', 'c', 'x:2')]
    """
    G = nx.read_graphml(path, node_type=str, edge_key_type=str, force_multigraph=True)
    for k in ("node_default", "edge_default"):
        if not G.graph.get(k):
            G.graph.pop(k, None)
    for nbrs in G._succ.values():
        for keydict in nbrs.values():       # (the one dict of the pair in _succ and _pred)
            items = list(keydict.values())
            kinds = [d.get("kind") for d in items]
            if None not in kinds and len(set(kinds)) == len(kinds):
                keydict.clear()
                keydict.update(zip(kinds, items))
    return G


def load(out="output") -> Provenance:
    """Load the reports of output folder ``out`` (``graph.graphml`` + ``provenance.json``).

    Raises
    ------
    crawler.errors.OutputError
        No reports in ``out`` (with the command that makes them), or reports of an older version.

    Examples
    --------
    >>> p = load("output")        # doctest: +SKIP
    >>> print(p.origin("https://github.com/1992513/djy/blob/master/gb/25/9/4/n14587530.md"))  # doctest: +SKIP
    https://www.epochtimes.com/gb/25/9/4/n14587530.htm
    """
    out = Path(out)
    gpath, ppath = out / "graph.graphml", out / "provenance.json"
    if not gpath.is_file() or not ppath.is_file():
        if (out / "manifest.json").is_file():
            raise OutputError(f"no reports in {out} yet: run `linkprov report {out}` first")
        raise OutputError(f"no crawl records in {out}: run `scrapy crawl seeds -a out={out}` first")
    try:
        G = read_graph(gpath)
        provenance = json.loads(ppath.read_text("utf-8"))
    except Exception as e:  # OSError, JSON/XML parse errors, NetworkXError
        raise OutputError(f"cannot read the reports in {out} ({e}): rebuild them with `linkprov report {out}`") from None
    if G.graph.get("format") != FORMAT or not isinstance(G.graph.get("schema"), int) or G.graph["schema"] < SCHEMA:
        raise OutputError(f"the reports in {out} were written by an older linkprov: rebuild them with "
                          f"`linkprov report {out}`")
    if G.graph["schema"] > SCHEMA:
        raise OutputError(f"the reports in {out} were written by a newer linkprov (schema {G.graph['schema']}); "
                          f"upgrade linkprov or rebuild them with `linkprov report {out}`")
    if not isinstance(provenance, dict):
        raise OutputError(f"{ppath} is not a provenance object: rebuild it with `linkprov report {out}`")
    return Provenance(G, provenance, out=str(out))
