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
import textwrap
import unicodedata
from collections import Counter, defaultdict

import matplotlib

matplotlib.use("Agg", force=False)
from matplotlib import rc_context  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import FancyArrowPatch, Patch  # noqa: E402

from graph.entities import entity_of  # noqa: E402
from reports.fonts import font_family  # noqa: E402

__all__ = ["provenance_map", "document_picture", "link_classes", "seed_documents", "doc_picture_name",
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
    return rc_context({"font.family": font_family(), "axes.unicode_minus": False, "svg.hashsalt": "linkprov"})


def _dispwidth(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _short(s: str, width: int) -> str:
    """Cut ``s`` to ``width`` display columns (CJK count double) with an ellipsis."""
    s = " ".join(str(s).split())
    if _dispwidth(s) <= width:
        return s
    out, w = [], 0
    for c in s:
        w += _dispwidth(c)
        if w > width - 1:
            break
        out.append(c)
    return "".join(out) + "…"


def _wrap(s: str, width: int, lines: int) -> str:
    """Wrap ``s`` to at most ``lines`` lines of ``width`` display columns."""
    s = " ".join(str(s).split())
    chunks, cur, w = [], [], 0
    for word in textwrap.wrap(s, width=10 ** 6) or [""]:
        for c in word:
            cw = _dispwidth(c)
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
        nm, nc = len(provenance.get("mirrors") or []), len(data["clusters"])
        fig.suptitle("Provenance map: who mirrors whom, and what their pages promote", fontsize=14,
                     weight="bold", y=0.985)
        fig.text(0.5, 1 - 0.5 / height, f"{sum(data['docs'].values())} documents of {len(data['docs'])} entities · "
                 f"{nm} mirrored documents → {len(data['mirrored'])} original entities · "
                 f"{nc} promotional clusters", ha="center", va="top", fontsize=10, color="#444444")
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


def _origin_chain(G, url: str, provenance: dict) -> list[tuple[str, float | None]]:
    by_mirror = {m["mirror"]: m for m in provenance.get("mirrors") or [] if m.get("mirror")}
    chain, seen, cur = [], {url}, url
    while True:
        nxt = None
        if cur in by_mirror:
            nxt, conf = by_mirror[cur]["original"], by_mirror[cur].get("confidence")
        elif cur in G:
            outs = sorted(((d.get("confidence") or 0, v) for _, v, k, d in G.out_edges(cur, keys=True, data=True)
                           if (d.get("kind") or k) == "mirror_of"), reverse=True)
            if outs:
                conf, nxt = outs[0]
        if nxt is None or nxt in seen:
            return chain
        chain.append((nxt, conf))
        seen.add(nxt)
        cur = nxt


def document_picture(G, provenance: dict, url: str) -> bytes:
    """One seed document as a star: the document in the middle, its original (mirror chain) or
    its mirrors on the left, the sources it names top right, its promotional clusters bottom
    right, its link classes along the bottom."""
    d = G.nodes[url] if url in G else {}
    chain = _origin_chain(G, url, provenance)
    mirrors_of_me = sorted({m["mirror"] for m in provenance.get("mirrors") or [] if m.get("original") == url})
    cites = []
    for _, v, k, e in G.out_edges(url, keys=True, data=True) if url in G else []:
        if (e.get("kind") or k) == "cites":
            cites.append((v.split(":", 1)[1] if ":" in v and G.nodes[v].get("kind") in ("source", "entity") else v,
                          e.get("evidence") or ""))
    cites.sort()
    clusters = _clusters(G, provenance)
    member = {}
    for cid in sorted(clusters):
        for u in clusters[cid]["links"]:
            member.setdefault(u, cid)
    ccolor = _cluster_colors(clusters)
    classes, promo = Counter(), Counter()
    for u, v, e in _links_to(G) if url in G else []:
        if u != url:
            continue
        classes[e.get("link_class") or "other"] += _weight(e)
        if v in member:
            promo[member[v]] += _weight(e)
    stories = [s for s in provenance.get("stories") or [] if url in (s.get("documents") or [])]

    with _rc():
        fig = Figure(figsize=(12, 6.6))
        ax = fig.add_axes((0, 0.08, 1, 0.80))
        ax.set_xlim(-1.6, 1.6)
        ax.set_ylim(-1.1, 1.1)
        ax.axis("off")
        title = d.get("title") or url
        fig.suptitle(_short(title, 90), fontsize=13, weight="bold", y=0.975)
        sub = [_short(url, 110)]
        meta = [x for x in (d.get("published"), _entity(url), d.get("role") and f"role: {d.get('role')}") if x]
        sub.append(" · ".join(str(m) for m in meta))
        fig.text(0.5, 0.915, "\n".join(sub), ha="center", va="top", fontsize=9, color="#444444")

        widths = {}

        def box(x, y, text, fc, ec="#333333", size=9, ha="center", lw=1):
            widths[(x, y)] = max(_dispwidth(line) for line in text.split("\n")) * size * 0.3 + 8
            ax.text(x, y, text, ha=ha, va="center", fontsize=size, zorder=4,
                    bbox=dict(boxstyle="round,pad=0.4", fc=fc, ec=ec, lw=lw))

        def _box_half(p):
            return widths.get(p, 40)

        def arrow(a, b, color="#444444", style="-", label=None):
            # a, b: box centres; the centre box is cut at its edge, a satellite box at its frame
            def end(p, other):
                return (p[0] + (0.34 if other[0] > p[0] else -0.34), p[1]) if p == (0, 0) else p
            ax.annotate("", xy=end(b, a), xytext=end(a, b),
                        arrowprops=dict(arrowstyle="-|>", mutation_scale=14, lw=1.4, color=color, linestyle=style,
                                        shrinkA=0 if a == (0, 0) else _box_half(a),
                                        shrinkB=0 if b == (0, 0) else _box_half(b)), zorder=2)
            if label:
                ax.text((a[0] + b[0]) / 2, (a[1] + b[1]) / 2 + 0.06, label, ha="center", va="bottom",
                        fontsize=8, color=color, zorder=5,
                        bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.9))

        role_c = ROLE_COLORS.get(d.get("role") or "unknown", ROLE_COLORS["unknown"])
        box(0, 0, _wrap(title, 26, 3) + "\n" + _short(_entity(url), 28), "#F4F4F4", ec=role_c, size=10)

        def column(x, y0, y1, items, heading):
            ax.text(x, y1 + 0.14, heading, ha="center", va="bottom", fontsize=10, weight="bold")
            shown = items[:4] + ([(f"+{len(items) - 4} more", None, "#EEEEEE", None)] if len(items) > 4 else [])
            n = len(shown)
            ys = [y1 - (y1 - y0) * (i + 0.5) / n for i in range(n)] if n else []
            for (text, _, fc, lab), y in zip(shown, ys):
                box(x, y, text, fc)
            return list(zip(shown, ys))

        # left: where it comes from (or who copies it)
        if chain:
            items = [(_wrap(o, 30, 3), o, ROLE_COLORS["original"], f"mirror of ({c:.2f})" if isinstance(c, (int, float)) else "mirror of")
                     for o, c in chain]
            placed = column(-1.12, -0.9, 0.9, items, "original")
            prev = (0, 0)
            for (text, o, fc, lab), y in placed:
                if o is not None:
                    arrow(prev, (-1.12, y), label=lab)
                    prev = (-1.12, y)
        elif mirrors_of_me:
            items = [(_wrap(m, 30, 3), m, ROLE_COLORS["mirror"], None) for m in mirrors_of_me]
            for (text, m, fc, lab), y in column(-1.12, -0.9, 0.9, items, "mirrored by"):
                if m is not None:
                    arrow((-1.12, y), (0, 0))
        else:
            ax.text(-1.12, 0, "no mirror relation found", ha="center", va="center", fontsize=9, color="#777777")
        # right top: sources named in text
        src = [(_wrap(name, 24, 1) + ("\n" + _wrap("“" + ev + "”", 30, 2) if ev else ""), name, "#FFF5D6", None)
               for name, ev in cites]
        if src:
            for (text, name, fc, lab), y in column(1.12, 0.12, 0.9, src, "sources named"):
                if name is not None:
                    arrow((0, 0), (1.12, y), color="#B8860B", label="cites")
        else:
            ax.text(1.12, 0.5, "no source named", ha="center", va="center", fontsize=9, color="#777777")
        # right bottom: promotional clusters
        prs = [(_wrap(clusters[c]["label"], 26, 2) + f"\n{n} link" + ("s" if n != 1 else ""), c, "white", None)
               for c, n in sorted(promo.items(), key=lambda x: (-x[1], x[0]))]
        if prs:
            ax.text(1.12, -0.08, "promotional clusters", ha="center", va="bottom", fontsize=10, weight="bold")
            n = min(len(prs), 4)
            for i, (text, c, fc, lab) in enumerate(prs[:4]):
                y = -0.2 - 0.7 * (i + 0.5) / n
                box(1.12, y, text, "white", ec=ccolor.get(c, "#999999"), lw=2)
                arrow((0, 0), (1.12, y), color=ccolor.get(c, "#999999"), style="--")
        else:
            ax.text(1.12, -0.55, "no promotional links", ha="center", va="center", fontsize=9, color="#777777")
        # bottom: link classes and story
        total = sum(classes.values())
        parts = [f"{c} {classes[c]}" for c in (*LINK_CLASSES, "other") if classes.get(c)]
        line = f"{total} links: " + " · ".join(parts) if total else "no links"
        if stories:
            s = stories[0]
            line += f"     story {s.get('id')}: {len(s.get('documents') or [])} documents, earliest {_short(s.get('earliest') or '?', 60)}"
        fig.text(0.5, 0.035, line, ha="center", va="center", fontsize=9, color="#333333")
        return png_bytes(fig)


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
