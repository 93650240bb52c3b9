"""Pictures (PNG, matplotlib Agg): the provenance map, one picture per seed document, and
the link classes per entity.

Figures are made with :class:`matplotlib.figure.Figure` on the Agg canvas (no pyplot
state, nothing to leak), in a fixed column layout (no random placement), and saved
without a date in the metadata, so the same graph gives the same PNG bytes.
Each picture aggregates what does not fit ("+N others") and labels only what it draws
in a slot of its own, so labels never pile up, at 5 entities or at 500.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import textwrap
import traceback
from collections import Counter, defaultdict

import matplotlib
import networkx as nx

matplotlib.use("Agg", force=False)
from matplotlib import rc_context  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import FancyArrowPatch, Patch, Rectangle  # noqa: E402

from graph.entities import entity_of  # noqa: E402
from graph.query import display_width, shorten  # noqa: E402
from reports.fonts import font_family  # noqa: E402

__all__ = ["provenance_map", "document_picture", "document_pictures", "DocContext", "link_classes", "seed_documents", "doc_picture_name",
           "map_data", "link_class_counts", "LINK_CLASSES", "png_bytes"]

LINK_CLASSES = ("content", "original", "navigation", "promotional", "media", "share", "self")
CLASS_COLORS = {"content": "#4C72B0", "original": "#55A868", "navigation": "#8C8C8C",
                "promotional": "#C44E52", "media": "#DD8452", "share": "#8172B3", "self": "#CCB974",
                "other": "#DDDDDD"}
ROLE_COLORS = {"original": "#55A868", "mirror": "#4C72B0", "promoter": "#C44E52", "unknown": "#B0B0B0"}
CLUSTER_COLORS = ("#E24A33", "#988ED5", "#FBC15E", "#8EBA42", "#FFB5B8", "#348ABD", "#777777",
                  "#D55E00", "#CC79A7", "#009E73")
LOCAL = "(local files)"
DPI = 100


# ----------------------------------------------------------------------------- helpers

def png_bytes(fig: Figure) -> bytes:
    """PNG bytes of ``fig`` without date/software metadata (stable across runs)."""
    buf = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None}, facecolor="white")
    fig.clear()
    return buf.getvalue()


def _rc():
    # no hinting: faster text (the slowest part of a picture) and no visible loss at 100 dpi
    return rc_context({"font.family": font_family(), "axes.unicode_minus": False, "svg.hashsalt": "linkprov",
                       "text.hinting": "no_hinting"})


def _short(s, width: int) -> str:
    """Cut ``s`` to ``width`` display columns (CJK count double) with an ellipsis."""
    return shorten(str(s), width)


def _wrap(s: str, width: int, lines: int) -> str:
    """Wrap ``s`` to at most ``lines`` lines of ``width`` display columns."""
    s = " ".join(str(s).split())
    chunks, cur, w = [], [], 0
    for word in textwrap.wrap(s, width=10 ** 6) or [""]:
        for c in word:
            cw = display_width(c)
            if w + cw > width and cur:
                chunks.append("".join(cur)); cur, w = [], 0
            cur.append(c); w += cw
    if cur:
        chunks.append("".join(cur))
    if len(chunks) > lines:
        chunks = chunks[:lines]
        chunks[-1] = _short(chunks[-1] + "……", width)
    return "\n".join(c.strip() for c in chunks)


def _entity(url: str) -> str:
    return entity_of(url) or LOCAL


def _weight(d: dict) -> int:
    for k in ("count", "weight", "occurrences"):
        v = d.get(k)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0:
            return int(v)
    return 1


def _cid(c) -> str:
    return str(c).split(":", 1)[1] if str(c).startswith("cluster:") else str(c)


def _clusters(G, provenance) -> dict:
    """cluster id -> {"label", "links": set(URL)} from provenance, completed with member_of edges."""
    out = {}
    for c in provenance.get("promotional_clusters") or []:
        cid = _cid(c.get("id", ""))
        out[cid] = {"label": c.get("label") or cid, "links": set(c.get("links") or [])}
    for u, v, k, d in G.edges(keys=True, data=True):
        if (d.get("kind") or k) == "member_of":
            cid = _cid(v)
            out.setdefault(cid, {"label": G.nodes[v].get("label") or cid, "links": set()})["links"].add(u)
    return out


def _cluster_colors(clusters: dict) -> dict:
    order = sorted(clusters, key=lambda c: (-len(clusters[c]["links"]), c))
    return {c: CLUSTER_COLORS[i] if i < len(CLUSTER_COLORS) else "#999999" for i, c in enumerate(order)}


def _links_to(G):
    for u, v, k, d in G.edges(keys=True, data=True):
        if (d.get("kind") or k) == "links_to":
            yield u, v, d


# ----------------------------------------------------------------------------- provenance map

def map_data(G, provenance: dict) -> dict:
    """What the provenance map draws, as plain data.

    Returns ``{"docs": {entity: n}, "mirrored": {original_entity: n}, "mirror_flows":
    {(mirror_entity, original_entity): n}, "promo_flows": {(page_entity, target_entity,
    cluster): n}, "promoted": {entity: n}, "clusters": {id: label}}``.
    """
    docs = Counter()
    for n, d in G.nodes(data=True):
        if d.get("kind") == "document":
            docs[_entity(n)] += 1
    mirror_flows, mirrored = Counter(), defaultdict(set)
    pairs = {(m["mirror"], m["original"]) for m in provenance.get("mirrors") or [] if m.get("mirror") and m.get("original")}
    if not pairs:
        pairs = {(u, v) for u, v, k, d in G.edges(keys=True, data=True) if (d.get("kind") or k) == "mirror_of"}
    for m, o in sorted(pairs):
        mirror_flows[(_entity(m), _entity(o))] += 1
        mirrored[_entity(o)].add(o)
    clusters = _clusters(G, provenance)
    member = {}
    for cid in sorted(clusters):
        for url in clusters[cid]["links"]:
            member.setdefault(url, cid)
    promo_flows, promoted = Counter(), defaultdict(set)
    for u, v, d in _links_to(G):
        if v in member and G.nodes[u].get("kind") == "document":
            promo_flows[(_entity(u), _entity(v), member[v])] += _weight(d)
            promoted[_entity(v)].add(v)
    return {"docs": dict(docs), "mirrored": {e: len(s) for e, s in mirrored.items()},
            "mirror_flows": dict(mirror_flows), "promo_flows": dict(promo_flows),
            "promoted": {e: len(s) for e, s in promoted.items()},
            "clusters": {c: clusters[c]["label"] for c in clusters}}


def _top(weights: dict, k: int):
    """Top ``k`` keys by weight (ties by name); the rest is merged into one "+N others" row."""
    order = sorted(weights, key=lambda e: (-weights[e], e))
    if len(order) <= k:
        return order, []
    return order[: k - 1], order[k - 1:]


def provenance_map(G, provenance: dict, *, max_rows: int = 14) -> bytes:
    """The provenance map as PNG bytes.

    Three columns: in the middle the entities whose documents were read (circle area = their
    documents), on the left the originals their mirrors copy (grey arrows, mirror -> original,
    width = mirrored documents), on the right the entities promoted from their pages (arrows in
    the colour of the promotional cluster, width = links). Each column shows its top
    ``max_rows`` entities; the rest is merged into "+N others".
    """
    data = map_data(G, provenance)
    role = {n.split(":", 1)[1]: d.get("role") for n, d in G.nodes(data=True)
            if d.get("kind") == "entity" and ":" in n}
    for e in provenance.get("entities") or []:
        role.setdefault(e.get("entity"), e.get("role"))

    mid_w = Counter(data["docs"])
    for (m, o), n in data["mirror_flows"].items():
        mid_w[m] += 0  # mirrors without crawled documents (rule-predicted) still get a row
    for (m, t, c), n in data["promo_flows"].items():
        mid_w[m] += 0
    left_w = Counter(data["mirrored"])
    right_w = Counter(data["promoted"])
    cols = {}
    for name, w in (("mid", mid_w), ("left", left_w), ("right", right_w)):
        keep, rest = _top(dict(w), max_rows)
        cols[name] = (keep, rest)

    def slot(col, e):
        keep, rest = cols[col]
        return e if e in keep else ("+others" if e in set(rest) else None)

    def agg(flows, a, b):
        out = Counter()
        for key, n in flows.items():
            out[(slot(a, key[0]), slot(b, key[1])) + tuple(key[2:])] += n
        return out

    mflows = agg(data["mirror_flows"], "mid", "left")
    pflows = agg(data["promo_flows"], "mid", "right")
    ccolor = _cluster_colors({c: {"links": [1] * sum(n for k, n in data["promo_flows"].items() if k[2] == c)}
                              for c in data["clusters"]})
    # order the side columns by the mean row of the entities read that point to them (weighted):
    # fewer crossing arrows; ties by weight, then name
    mid_row = {e: i for i, e in enumerate(cols["mid"][0] + ["+others"])}
    for col, flows in (("left", mflows), ("right", pflows)):
        keep, rest = cols[col]
        acc = defaultdict(lambda: [0.0, 0])
        for key, n in flows.items():
            if key[0] in mid_row and key[1] in keep:
                acc[key[1]][0] += mid_row[key[0]] * n
                acc[key[1]][1] += n
        w = left_w if col == "left" else right_w
        cols[col] = (sorted(keep, key=lambda e: (acc[e][0] / acc[e][1] if acc[e][1] else len(mid_row), -w[e], e)), rest)
    rows = max(len(cols[c][0]) + (1 if cols[c][1] else 0) for c in cols) or 1
    height = max(4.5, 0.62 * rows + 2.4)
    with _rc():
        fig = Figure(figsize=(13, height))
        ax = fig.add_axes((0.0, 0.75 / height, 1.0, 1 - 1.75 / height))
        ax.set_xlim(-1.55, 1.55)
        ax.set_ylim(-0.5 - 0.1, rows - 0.5 + 0.25)
        ax.axis("off")
        xs = {"left": -0.78, "mid": 0.0, "right": 0.78}
        pos, maxw = {}, max([1] + list(mid_w.values()) + list(left_w.values()) + list(right_w.values()))

        def size(n):
            return 60 + 900 * (max(n, 1) / maxw) ** 0.5

        for col, w in (("mid", mid_w), ("left", left_w), ("right", right_w)):
            keep, rest = cols[col]
            names = keep + (["+others"] if rest else [])
            top = rows - 1 - (rows - len(names)) / 2
            for i, e in enumerate(names):
                y = top - i
                pos[(col, e)] = (xs[col], y)
                n = sum(w[r] for r in rest) if e == "+others" else w[e]
                if col == "mid":
                    label = f"+{len(rest)} others" if e == "+others" else _short(e, 30)
                    detail = f"{n} documents" if n != 1 else "1 document"
                    color = ROLE_COLORS.get(role.get(e) or "unknown", ROLE_COLORS["unknown"])
                elif col == "left":
                    label = f"+{len(rest)} others" if e == "+others" else _short(e, 30)
                    detail = f"{n} mirrored"
                    color = ROLE_COLORS["original"]
                else:
                    label = f"+{len(rest)} others" if e == "+others" else _short(e, 30)
                    detail = f"{n} promoted links" if n != 1 else "1 promoted link"
                    cs = Counter()
                    for (m, t, c), k in data["promo_flows"].items():
                        if slot("right", t) == e:
                            cs[c] += k
                    c0 = sorted(cs, key=lambda c: (-cs[c], c))[0] if cs else None
                    color = ccolor.get(c0, "#999999")
                if e == "+others":
                    color = "#DDDDDD"
                shown_max = max([1] + [w[k] for k in keep])
                ax.scatter([xs[col]], [y], s=size(min(n, shown_max)), c=[color], edgecolors="#333333", linewidths=0.8, zorder=3)
                ha = {"left": "right", "mid": "center", "right": "left"}[col]
                dx = {"left": -0.06, "mid": 0.0, "right": 0.06}[col]
                dy = -0.36 if col == "mid" else 0.0
                ax.text(xs[col] + dx, y + dy, f"{label}  ({detail})" if col != "mid" else f"{label} ({detail})",
                        ha=ha, va="center", fontsize=9, zorder=5,
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))
        maxf = max([1] + list(mflows.values()) + list(pflows.values()))

        def arrow(a, b, n, color, style):
            if a not in pos or b not in pos:
                return
            (x1, y1), (x2, y2) = pos[a], pos[b]
            ax.add_patch(FancyArrowPatch((x1, y1), (x2, y2), arrowstyle="-|>", mutation_scale=12,
                                         lw=0.8 + 3.2 * (n / maxf) ** 0.5, color=color, alpha=0.75,
                                         linestyle=style, shrinkA=14, shrinkB=14, zorder=2,
                                         connectionstyle="arc3,rad=0.0"))

        for (m, o), n in sorted(mflows.items(), key=str):
            arrow(("mid", m), ("left", o), n, "#444444", "-")
        for (m, t, c), n in sorted(pflows.items(), key=str):
            arrow(("mid", m), ("right", t), n, ccolor.get(c, "#999999"), "--")
        for col, title in (("left", "originals (mirrored)"), ("mid", "entities read"), ("right", "promoted")):
            ax.text(xs[col], rows - 0.5 + 0.2, title, ha="center", va="bottom", fontsize=11, weight="bold")
        if not mid_w:
            ax.text(0, rows / 2 - 0.5, "no documents", ha="center", va="center", fontsize=14, color="#777777")
        nc = len(data["clusters"])
        mirror_urls = {m.get("mirror") for m in provenance.get("mirrors") or [] if m.get("mirror")}
        n_read = sum(1 for u in mirror_urls if u in G and G.nodes[u].get("kind") == "document")
        n_predicted = len(mirror_urls) - n_read
        fig.suptitle("Provenance map: who mirrors whom, and what their pages promote", fontsize=14,
                     weight="bold", y=0.985)
        def n_(k, word):
            return f"{k:,} {word}" + ("" if k == 1 else ("es" if word.endswith("s") else "s"))
        fig.text(0.5, 1 - 0.5 / height, f"{n_(sum(data['docs'].values()), 'document')} of "
                 f"{n_(len(data['docs']), 'entity').replace('entitys', 'entities')} · "
                 f"{n_(n_read, 'mirror')} read"
                 + (f" (+ {n_(n_predicted, 'linked URL')} a mirror rule predicts)" if n_predicted else "")
                 + f" → {n_(len(data['mirrored']), 'original entity').replace('entitys', 'entities')} · "
                 f"{n_(nc, 'promotional cluster')}", ha="center", va="top", fontsize=10, color="#444444")
        handles = [Patch(fc=ROLE_COLORS[r], ec="#333333", label=f"role: {r}") for r in ("mirror", "original", "unknown")]
        handles.append(Line2D([], [], color="#444444", lw=2, label="mirror → original"))
        shown = sorted({c for (_, _, c) in pflows}, key=lambda c: (-sum(n for k, n in pflows.items() if k[2] == c), c))
        for c in shown[:8]:
            handles.append(Line2D([], [], color=ccolor.get(c, "#999999"), lw=2, ls="--",
                                  label="promotes: " + _short(data["clusters"].get(c) or c, 28)))
        if len(shown) > 8:
            handles.append(Line2D([], [], color="#999999", lw=2, ls="--", label=f"+{len(shown) - 8} more clusters"))
        fig.legend(handles=handles, loc="lower center", ncol=min(4, len(handles)), fontsize=8.5, frameon=False,
                   bbox_to_anchor=(0.5, 0.0))
        fig.text(0.99, 0.005, "circle area ~ documents (read / mirrored / promoted)", ha="right", va="bottom",
                 fontsize=7.5, color="#666666")
        return png_bytes(fig)


# ----------------------------------------------------------------------------- per document

def seed_documents(G) -> list[str]:
    """Document nodes read from the seeds (``depth`` 0; every document if depths are unknown), sorted."""
    docs = [(n, d) for n, d in G.nodes(data=True) if d.get("kind") == "document"]
    if any("depth" in d for _, d in docs):
        return sorted(n for n, d in docs if str(d.get("depth", 0)) in ("0", "0.0"))
    return sorted(n for n, _ in docs)


def doc_picture_name(url: str) -> str:
    """``doc_<first 10 hex of sha1(url)>.png``.

    Examples
    --------
    >>> doc_picture_name("https://example.com/a")
    'doc_c4ed1c218d.png'
    """
    return f"doc_{hashlib.sha1(url.encode('utf-8')).hexdigest()[:10]}.png"


class DocContext:
    """What every document picture of one graph shares, computed once (clusters, their colours,
    the mirror verdicts, the stories and the sources by document), so drawing N pictures costs
    N times the document's own edges, not N times the whole graph."""

    def __init__(self, G, provenance: dict):
        self.G, self.provenance = G, provenance
        self.clusters = _clusters(G, provenance)
        self.member = {}
        for cid in sorted(self.clusters):
            for u in self.clusters[cid]["links"]:
                self.member.setdefault(u, cid)
        self.pages = {_cid(c.get("id", "")): c.get("pages") for c in provenance.get("promotional_clusters") or []}
        self.ccolor = _cluster_colors(self.clusters)
        self.by_mirror, self.mirrored_by = {}, defaultdict(set)
        for m in provenance.get("mirrors") or []:
            if m.get("mirror") and m.get("original"):
                prev = self.by_mirror.get(m["mirror"])
                if prev is None or (m.get("confidence") or 0) > (prev.get("confidence") or 0):
                    self.by_mirror[m["mirror"]] = m
                self.mirrored_by[m["original"]].add(m["mirror"])
        self.stories = defaultdict(list)
        for s in provenance.get("stories") or []:
            for u in s.get("documents") or []:
                self.stories[u].append(s)
        self.source_kind = {s.get("name"): s.get("kind") for s in provenance.get("sources") or []}


def _origin_chain(G, url: str, provenance: dict, ctx: DocContext | None = None) -> list[tuple[str, float | None, list]]:
    """``[(original, confidence, signals)]`` following mirror -> original from ``url``."""
    by_mirror = ctx.by_mirror if ctx else {m["mirror"]: m for m in provenance.get("mirrors") or [] if m.get("mirror")}
    chain, seen, cur = [], {url}, url
    while True:
        nxt, conf, sig = None, None, []
        if cur in by_mirror:
            m = by_mirror[cur]
            nxt, conf = m["original"], m.get("confidence")
            sig = sorted({e.get("signal") for e in m.get("evidence") or [] if isinstance(e, dict) and e.get("signal")})
        elif cur in G:
            outs = sorted(((d.get("confidence") or 0, v, d.get("signals") or "[]")
                           for _, v, d in G.out_edges(cur, data=True) if d.get("kind") == "mirror_of"), reverse=True)
            if outs:
                conf, nxt, raw = outs[0]
                try:
                    sig = sorted({e.get("signal") if isinstance(e, dict) else str(e) for e in json.loads(raw)} - {None})
                except (ValueError, TypeError):
                    sig = []
        if nxt is None or nxt in seen:
            return chain
        chain.append((nxt, conf, sig))
        seen.add(nxt)
        cur = nxt


def _langs(value) -> str:
    if isinstance(value, str) and value.startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value or "")


def _day(value):
    from datetime import date
    try:
        return date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return None


def _display_url(u: str) -> str:
    from urllib.parse import unquote
    try:
        return unquote(u)
    except Exception:  # pragma: no cover - unquote is lenient
        return u


# layout of the document picture, in inches (figure coordinates, y grows downwards)
_W, _PAD, _GAP = 12.0, 0.3, 0.25
_LINE = 0.2          # one text line at 9 pt
_COLW = 0.071        # inches per display column at 9 pt (CJK counts 2)
_MAX_ROWS = 5        # rows per panel before "+N more"
_MAX_STORY = 6


def document_picture(G, provenance: dict, url: str, *, context: DocContext | None = None) -> bytes:
    """One seed document as a card a reader can check at a glance.

    The header names the document (title, URL, date, languages, entity, role); three panels
    below say where it comes from (its original, following the mirror chain, with the
    confidence and signals of each verdict, or the mirrors of it that were read), which
    sources its text names (one row each: name, kind and the naming words), and which
    promotional clusters its links join; the story panel lists the other documents about
    the same event (date, days from the earliest, languages, entity, title); a bar at the
    bottom shows how its links are classed. Every panel has fixed-height rows and truncated
    text (``+N more`` beyond the rows shown), so nothing overlaps at any count; an empty panel
    is one line saying what was looked for. Pass ``context`` (a :class:`DocContext`) when
    drawing many documents of one graph.
    """
    with _rc():
        return png_bytes(_document_figure(G, provenance, url, context))


_JOB = None   # (G, provenance, context) while document_pictures draws: for pictures drawn here


def _draw_one(url: str):
    G, provenance, ctx = _JOB
    return _draw_piece(url, (G, ctx), provenance)


def _draw_piece(url: str, piece: tuple, provenance: dict | None = None):
    """``(url, png or None, error or None)``: the picture of ``url`` from ``piece``, a
    ``(graph, DocContext)`` pair (the whole graph's, or :func:`doc_piece`'s)."""
    G, ctx = piece
    try:
        return url, document_picture(G, provenance or {}, url, context=ctx), None
    except Exception:  # a picture must never stop the others: the parent logs it
        return url, None, traceback.format_exc()


def doc_piece(G, ctx: DocContext, url: str) -> tuple:
    """What the picture of ``url`` reads of ``G`` and ``ctx``, as a small ``(graph,
    DocContext)`` pair that draws the same picture: the document's node and out-edges with
    their targets, the ``mirror_of`` edges of its origin chain, the nodes of its story, and
    the context's entries for these. This is what a picture process is sent (pickled): a
    process that shared the whole graph would keep every page of it that this process then
    touches (writing the graph files touches them all): 1 GB more at 100k pages.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("https://a.org/1", kind="document", title="A")
    >>> G.add_edge("https://a.org/1", "https://o.com/1", key="mirror_of", kind="mirror_of", confidence=0.9)
    'mirror_of'
    >>> G.add_edge("https://b.org/2", "https://a.org/1", key="links_to", kind="links_to")
    'links_to'
    >>> H, small = doc_piece(G, DocContext(G, {}), "https://a.org/1")
    >>> sorted(H), document_picture(H, {}, "https://a.org/1", context=small) == document_picture(G, {}, "https://a.org/1")
    (['https://a.org/1', 'https://o.com/1'], True)
    """
    H = nx.MultiDiGraph()

    def node(n):
        if n in G and n not in H:
            H.add_node(n, **G.nodes[n])

    node(url)
    out = []
    if url in G:
        for _, v, k, e in G.out_edges(url, keys=True, data=True):
            node(v)
            H.add_edge(url, v, key=k, **e)
            out.append(v)
    chain = [o for o, _, _ in _origin_chain(G, url, {}, ctx)]
    for cur in chain:       # (the document's own mirror_of edges are among its out-edges)
        if cur not in ctx.by_mirror and cur in G:
            for _, v, k, e in G.out_edges(cur, keys=True, data=True):
                if e.get("kind") == "mirror_of":
                    node(cur)
                    node(v)
                    H.add_edge(cur, v, key=k, **e)
    stories = ctx.stories.get(url) or []
    for u in (stories[0].get("documents") or []) if stories else ():
        node(u)
    small = object.__new__(DocContext)
    small.G, small.provenance = None, {}
    small.member = {v: ctx.member[v] for v in out if v in ctx.member}
    ids = set(small.member.values())
    small.clusters = {c: {k: x for k, x in ctx.clusters[c].items() if k != "links"} for c in ids if c in ctx.clusters}
    small.pages = {c: ctx.pages[c] for c in ids if c in ctx.pages}
    small.ccolor = {c: ctx.ccolor[c] for c in ids if c in ctx.ccolor}
    small.by_mirror = {n: ctx.by_mirror[n] for n in [url] + chain if n in ctx.by_mirror}
    small.mirrored_by = {url: ctx.mirrored_by[url]} if url in ctx.mirrored_by else {}
    small.stories = {url: stories[:1]} if stories else {}
    names = {v.split(":", 1)[1] for v in out if ":" in v} | set(out)
    small.source_kind = {n: ctx.source_kind[n] for n in names if n in ctx.source_kind}
    return H, small


def _picture_processes():
    """The start method of the picture processes: a fork server (Linux; it imports this
    module once and forks each process from itself) or fresh interpreters, never a fork of
    this process and its graph."""
    from multiprocessing import get_all_start_methods, get_context
    if "forkserver" in get_all_start_methods():
        ctx = get_context("forkserver")
        ctx.set_forkserver_preload(["reports.pictures"])
        return ctx
    return get_context("spawn")


def document_pictures(G, provenance: dict, urls, *, context: DocContext | None = None, workers: int | None = None):
    """An iterator of ``(url, png bytes or None, error text or None)`` for each of ``urls``, in order.

    The pictures are drawn in ``workers`` processes (default: one per core; 0 or 1: in this
    process, as the iterator is read), each sent only what its pictures read
    (:func:`doc_piece`); each picture is the same bytes as :func:`document_picture` gives.
    The processes start drawing when this is called, so the caller can do other work (the
    graph files) beside them; read the iterator to the end or ``close()`` it (either stops
    the processes and restores what it changed). Where no process can be started, or one
    dies, the rest is drawn in this process.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph(); G.add_node("https://a.org/", kind="document", title="A")
    >>> [(u, png[:4], err) for u, png, err in document_pictures(G, {}, ["https://a.org/"], workers=1)]
    [('https://a.org/', b'\x89PNG', None)]
    """
    global _JOB
    urls = list(urls)
    ctx = context or DocContext(G, provenance)
    workers = (os.cpu_count() or 1) if workers is None else int(workers)
    workers = min(workers, len(urls))
    prev, _JOB = _JOB, (G, provenance, ctx)
    pool = results = None
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor
        try:
            pool = ProcessPoolExecutor(workers, mp_context=_picture_processes())
            # every picture submitted now: the processes start and draw while the caller works
            results = pool.map(_draw_piece, urls, [doc_piece(G, ctx, u) for u in urls],
                               chunksize=max(1, min(8, len(urls) // (4 * workers))))
        except Exception as exc:  # noqa: BLE001 - no processes (or they could not start): draw here
            logging.getLogger("linkprov.reports").warning(
                "cannot start %d processes to draw pictures (%s): drawing them in this one", workers, exc)
            if pool is not None:
                pool.shutdown(cancel_futures=True)
            pool = results = None
    drawn = _drawn(urls, pool, results, prev)
    next(drawn)     # inside its try: from now on, closing it stops the processes and restores state
    return drawn


def _drawn(urls, pool, results, prev):
    """The results of :func:`document_pictures`, the pictures no process drew drawn here;
    ``close()`` (also before the end) cancels what the processes have not started."""
    global _JOB
    done = 0
    try:
        yield None
        if results is not None:
            try:
                for result in results:
                    yield result
                    done += 1
            except Exception as exc:  # noqa: BLE001 - e.g. a worker killed: draw the rest here
                logging.getLogger("linkprov.reports").warning(
                    "a picture process failed (%s: %s): the %d pictures left are drawn in this process",
                    type(exc).__name__, exc, len(urls) - done)
        for url in urls[done:]:
            yield _draw_one(url)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        _JOB = prev


def _document_figure(G, provenance: dict, url: str, context: DocContext | None = None) -> Figure:
    """The figure of :func:`document_picture` (not yet rendered)."""
    ctx = context or DocContext(G, provenance)
    d = G.nodes[url] if url in G else {}
    chain = _origin_chain(G, url, provenance, ctx)
    mirrors_of_me = sorted(ctx.mirrored_by.get(url, ()))
    cites, classes, promo = {}, Counter(), Counter()
    for _, v, e in G.out_edges(url, data=True) if url in G else []:
        kind = e.get("kind")
        if kind == "cites":
            vd = G.nodes[v]
            name = v.split(":", 1)[1] if ":" in v and vd.get("kind") in ("source", "entity") else v
            kind_of = e.get("source_kind") or vd.get("source_kind") or ctx.source_kind.get(name) or vd.get("kind")
            cites.setdefault((vd.get("kind") != "source", name), (kind_of, e.get("evidence") or ""))
        elif kind == "links_to":
            classes[e.get("link_class") or "other"] += _weight(e)
            if v in ctx.member:
                promo[ctx.member[v]] += _weight(e)
    # a publisher cited both as source:NAME and as entity:DOMAIN is one row (the source)
    named = {G.nodes[f"source:{name}"].get("entity") for (is_ent, name) in cites
             if not is_ent and f"source:{name}" in G}
    src_rows = [(name, k, ev) for (is_ent, name), (k, ev) in sorted(cites.items()) if not (is_ent and name in named)]
    title = d.get("title") or url
    ncol = int((_W - 2 * _PAD - 2 * _GAP) / 3 / _COLW)

    # ---- rows of each panel: (lines, colour or None)
    def more(rows, n):
        return rows[:n] + ([([f"+{len(rows) - n} more"], None)] if len(rows) > n else [])

    left_head, left = "where it comes from", []
    if chain:
        for i, (o, conf, sig) in enumerate(chain):
            c = f" · confidence {conf:.2f}" if isinstance(conf, (int, float)) else ""
            lines = [_short(("mirror of" if i == 0 else "which mirrors") + c, ncol)]
            lines += _wrap(_display_url(o), ncol, 2 if len(chain) < 3 else 1).split("\n")
            if sig:
                wrapped = textwrap.wrap("signals: " + ", ".join(sig), width=ncol) or [""]
                keep_n = 2 if len(chain) < 3 else 1
                lines += wrapped[:keep_n - 1] + [_short(" ".join(wrapped[keep_n - 1:]), ncol)]
            left.append((lines, ROLE_COLORS["original"]))
    elif mirrors_of_me:
        left_head = f"mirrored by {len(mirrors_of_me)}"
        left = [([_short(_display_url(m), ncol), _short(_entity(m), ncol)], ROLE_COLORS["mirror"])
                for m in mirrors_of_me]
    left = more(left, _MAX_ROWS)
    mid = more([([_short(f"{name} ({k})" if k else name, ncol)] + ([_short("“" + ev + "”", ncol)] if ev else []),
                 "#E0B000") for name, k, ev in src_rows], _MAX_ROWS)
    right = more([([_short(ctx.clusters[c]["label"], ncol),
                    _short(f"{n} link{'s' if n != 1 else ''} from this page"
                           + (f" · cluster on {ctx.pages[c]} page{'s' if ctx.pages[c] != 1 else ''}"
                              if ctx.pages.get(c) else ""), ncol)],
                   ctx.ccolor.get(c, "#999999")) for c, n in sorted(promo.items(), key=lambda x: (-x[1], x[0]))],
                 _MAX_ROWS)
    total = sum(classes.values())
    empty = {"left": "no original found, and no copy of it read",
             "mid": "no publisher, agency or credit named in its text",
             "right": (f"none of its {total} link{'s' if total != 1 else ''} joins a promotional cluster" if total else
                       "it has no links, so nothing it promotes")}
    # story rows
    stories = ctx.stories.get(url, [])
    story = stories[0] if stories else None
    sdocs = []
    if story:
        for u in story.get("documents") or []:
            sd = G.nodes[u] if u in G else {}
            sdocs.append((_day(sd.get("published")), u, sd))
        sdocs.sort(key=lambda x: (x[0] is None, x[0] or 0, x[1]))
    row_h = {key: max([len(lines) for lines, _ in rows] + [1]) * _LINE + 0.12
             for key, rows in (("left", left), ("mid", mid), ("right", right))}
    rows_h = max(len(rows) * row_h[key] for key, rows in (("left", left), ("mid", mid), ("right", right)))
    n_story = min(len(sdocs), _MAX_STORY) + (1 if len(sdocs) > _MAX_STORY else 0)
    head_h = 1.05
    top_h = 0.38 + (rows_h if rows_h else _LINE + 0.05)
    story_h = 0.35 + (max(n_story, 1) * (_LINE + 0.04))
    foot_h = 0.75 if total else 0.3
    H = head_h + top_h + _GAP + story_h + _GAP + foot_h

    with _rc():
        fig = Figure(figsize=(_W, H))   # no Axes: text and boxes placed in inches from the top left
        inch = fig.dpi_scale_trans
        role = d.get("role") or "unknown"

        def txt(x, y, s, size=9, **kw):
            if s:
                fig.text(x, H - y, s, fontsize=size, va="top", ha=kw.pop("ha", "left"), transform=inch, **kw)

        def rect(x, y, w, h, **kw):
            fig.add_artist(Rectangle((x, H - y - h), w, h, transform=inch, **kw))

        # header
        tw = int((_W - 2 * _PAD) / (_COLW * 13 / 9))
        txt(_PAD, 0.15, _short(title, tw), 13, weight="bold")
        txt(_PAD, 0.45, _short(_display_url(url), int((_W - 2 * _PAD) / _COLW)), 9, color="#444444")
        meta = [("published " + str(d["published"])) if d.get("published") else "no date found",
                ("language " + _langs(d.get("language"))) if d.get("language") else None,
                "entity " + _entity(url), "role: " + role,
                (d.get("content_type") or None)]
        txt(_PAD, 0.68, " · ".join(m for m in meta if m), 9, color="#444444")
        rect(_PAD, 0.93, _W - 2 * _PAD, 0.04, fc=ROLE_COLORS.get(role, ROLE_COLORS["unknown"]),
                               ec="none")
        # three panels
        pw = (_W - 2 * _PAD - 2 * _GAP) / 3
        y0 = head_h
        heads = ((left_head, left, "left"), ("sources named in its text", mid, "mid"),
                 ("promotional clusters its links join", right, "right"))
        for i, (head, rows, key) in enumerate(heads):
            x = _PAD + i * (pw + _GAP)
            rect(x, y0, pw, top_h, fc="#F7F7F7", ec="#DDDDDD", lw=0.8)
            txt(x + 0.1, y0 + 0.08, head, 10, weight="bold")
            if not rows:
                txt(x + 0.1, y0 + 0.38, _short(empty[key], ncol), 9, color="#777777", style="italic")
            for j, (lines, color) in enumerate(rows):
                y = y0 + 0.38 + j * row_h[key]
                if color:
                    rect(x + 0.06, y + 0.02, 0.05, len(lines) * _LINE - 0.06, fc=color, ec="none")
                txt(x + 0.18, y, lines[0], 9, weight="bold" if color else "normal", color="#222222" if color else "#777777")
                for k, line in enumerate(lines[1:], 1):
                    txt(x + 0.18, y + k * _LINE, line, 8.5, color="#444444")
        # story
        y0 = head_h + top_h + _GAP
        rect(_PAD, y0, _W - 2 * _PAD, story_h, fc="#F7F7F7", ec="#DDDDDD", lw=0.8)
        if story:
            first = sdocs[0][0] if sdocs and sdocs[0][0] else None
            head = (f"story: the same event in {len(sdocs)} documents read"
                    + (f" (earliest {first.isoformat()})" if first else ""))
        else:
            head = "story: no other document read reports the same event"
        txt(_PAD + 0.1, y0 + 0.08, head, 10, weight="bold")
        cols = (0.1, 1.15, 1.95, 3.05, 5.25)   # date, offset, languages, entity, title
        for j, (day, u, sd) in enumerate(sdocs[:_MAX_STORY]):
            y = y0 + 0.38 + j * (_LINE + 0.04)
            me = u == url
            kw = dict(weight="bold") if me else {}
            days = (day - first).days if day and first else 0
            off = f"+{days} day{'s' if days != 1 else ''}" if days else ("earliest" if day else "")
            cells = [day.isoformat() if day else "no date", off, _short(_langs(sd.get("language")) or "?", 14),
                     _short(_entity(u), 28),
                     _short(("this document: " if me else "") + (sd.get("title") or _display_url(u)),
                            int((_W - 2 * _PAD - cols[4]) / _COLW))]
            for cx, cell in zip(cols, cells):
                txt(_PAD + cx, y, cell, 9, **kw)
        if len(sdocs) > _MAX_STORY:
            txt(_PAD + 0.1, y0 + 0.38 + _MAX_STORY * (_LINE + 0.04), f"+{len(sdocs) - _MAX_STORY} more (see report.html)",
                9, color="#777777")
        # link classes
        y0 = head_h + top_h + _GAP + story_h + _GAP
        txt(_PAD, y0, f"{total} link{'s' if total != 1 else ''}, by class" if total else "no links in this document", 10, weight="bold")
        if total:
            x, bw = _PAD, _W - 2 * _PAD
            order = [c for c in (*LINK_CLASSES, "other") if classes.get(c)]
            for c in order:
                w = bw * classes[c] / total
                rect(x, y0 + 0.27, w, 0.16, fc=CLASS_COLORS[c], ec="white", lw=0.5)
                x += w
            slot = bw / max(len(order), 1)
            for i, c in enumerate(order):
                rect(_PAD + i * slot, y0 + 0.53, 0.14, 0.12, fc=CLASS_COLORS[c], ec="none")
                txt(_PAD + i * slot + 0.2, y0 + 0.5, _short(f"{c} {classes[c]}", int((slot - 0.25) / _COLW)), 9,
                    color="#333333")
        return fig


# ----------------------------------------------------------------------------- link classes

def link_class_counts(G, side: str = "target") -> dict:
    """``{entity: {link_class: occurrences}}`` of ``links_to`` edges, by the entity of the
    linking page (``side="source"``) or of the link target (``side="target"``)."""
    out = defaultdict(Counter)
    for u, v, d in _links_to(G):
        out[_entity(u if side == "source" else v)][d.get("link_class") or "other"] += _weight(d)
    return {e: dict(c) for e, c in out.items()}


def link_classes(G, *, top: int = 15) -> bytes:
    """Stacked horizontal bars: how the links of each entity's pages are classed (left) and how
    each entity is linked to (right), top ``top`` entities each, the rest as "+N others"."""
    panels = [("source", "links made by the pages of …"), ("target", "links pointing to …")]
    data = {side: link_class_counts(G, side) for side, _ in panels}
    n = max([1] + [min(len(v), top) for v in data.values()])
    with _rc():
        fig = Figure(figsize=(14, max(3.8, 0.36 * n + 2.2)))
        fig.suptitle("Link classes per entity", fontsize=14, weight="bold", y=0.985)
        classes = [c for c in (*LINK_CLASSES, "other") if any(c in v for d in data.values() for v in d.values())]
        for i, (side, title) in enumerate(panels):
            ax = fig.add_axes((0.2 + 0.5 * i, 0.22, 0.28, 0.66))
            counts = data[side]
            keep, rest = _top({e: sum(c.values()) for e, c in counts.items()}, top)
            rows = [(_short(e, 30), counts[e]) for e in keep]
            if rest:
                merged = Counter()
                for e in rest:
                    merged.update(counts[e])
                rows.append((f"+{len(rest)} others", dict(merged)))
            rows = rows[::-1]
            left = [0] * len(rows)
            for c in classes:
                vals = [r[1].get(c, 0) for r in rows]
                ax.barh(range(len(rows)), vals, left=left, color=CLASS_COLORS[c], label=c, edgecolor="white", lw=0.5)
                left = [a + b for a, b in zip(left, vals)]
            ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=9)
            # rows keep one height whatever their number: a single entity is a bar, not a wall
            ax.set_ylim(len(rows) - 0.5 - max(len(rows), 6), len(rows) - 0.5)
            for j, t in enumerate(left):
                ax.text(t, j, f" {t}", va="center", fontsize=8, color="#333333")
            ax.set_xlim(0, max(left + [1]) * 1.15)
            ax.set_title(title, fontsize=11, loc="left")
            ax.set_xlabel("links (occurrences)", fontsize=9)
            ax.spines[["top", "right"]].set_visible(False)
            if not rows:
                ax.text(0.5, 0.5, "no links", transform=ax.transAxes, ha="center", color="#777777")
        handles = [Patch(fc=CLASS_COLORS[c], label=c) for c in classes]
        if handles:
            fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=9, frameon=False,
                       bbox_to_anchor=(0.5, 0.0))
        return png_bytes(fig)
