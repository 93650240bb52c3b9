"""report.html: one self-contained page a researcher can read, check and cite.

A summary first (inputs read and skipped, mirrors, originals, sources, clusters, stories),
then the pictures (embedded as base64), then one table per verdict with its evidence, the
seed documents with their pictures (files beside the report) and the skipped inputs with
their reasons. Everything from the data is escaped; only http(s) URLs become links.
"""
from __future__ import annotations

import base64
import json
from html import escape

__all__ = ["render_html", "summary", "link_class_summary", "WHY"]

CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans",system-ui,sans-serif;margin:2em auto;max-width:1250px;
color:#222;line-height:1.45;padding:0 1em}
h1{margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.3em .5em;vertical-align:top;text-align:left;word-break:break-word}
th{background:#f3f3f3}tr:nth-child(even) td{background:#fafafa}
.summary td:first-child{width:16em}.summary td.n{font-weight:bold;font-size:1.1em}
.num{text-align:right;white-space:nowrap}ul.ev{margin:0;padding-left:1.1em}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}figcaption{color:#555;font-size:.9em}
.muted{color:#777}code{font-size:.92em}details summary{cursor:pointer;color:#345}
nav a{margin-right:1em}p.why{background:#f6f8fa;border-left:4px solid #9ab;padding:.4em .8em;margin:.4em 0 .8em}
details.table>summary{margin:.3em 0}
"""

#: one sentence per verdict type: the rule behind it (shown above its table)
WHY = {
    "mirrors": "A document is a mirror when independent signals say it copies another: a stated original "
               "(canonical / og:url elsewhere, an \"original\" marker such as 原文地址 or \"Source:\" followed by a "
               "URL), a learned URL rule, near-duplicate text, or its host mirroring the other host. The confidence "
               "combines the strongest signal of each family (noisy-OR); each row lists the signals found.",
    "rules": "URL rules are learned from the mirror pairs with a stated original, by aligning path segments: "
             "a rule that \"predicts\" maps any URL of its mirror pattern to its original, also for links "
             "never crawled; {*} marks parts that differ between examples (evidence only, no prediction).",
    "hosts": "An entity mirrors another when several of its documents mirror documents of the other "
             "(host pairs, Bharat–Broder).",
    "sources": "A source is a publisher, wire, agency or image credit named in the text (a multilingual alias "
               "table), with the sentence that names it; a stated original also names its publisher.",
    "classes": "Every link gets one class: self, original (after an original marker), share, media (images, "
               "scripts), promotional (link-dense blocks that recur across a site's pages or carry "
               "circumvention / download / shortener / tracking signals), navigation (other link-dense "
               "blocks), else content.",
    "clusters": "Promotional clusters are the entities that co-occur in promotional blocks, grouped into "
                "communities of their co-occurrence graph (Louvain); the evidence counts the signals behind them.",
    "stories": "Documents belong to one story when their texts are near-duplicates, or when they share rare "
               "salient terms (names, in either Chinese script or Latin words) and were published close "
               "together; the earliest is the first by publication date.",
    "entities": "Roles, in order of precedence: mirror (it republishes others' text), original (others mirror "
                "it), promoter (its links are mostly promotional, or it belongs to a promotional cluster), "
                "else unknown.",
}



def _e(x) -> str:
    return escape("" if x is None else str(x), quote=True)


def _url(u) -> str:
    """A link for http(s) URLs, escaped text for anything else."""
    s = "" if u is None else str(u)
    if s.lower().startswith(("http://", "https://")):
        return f'<a href="{_e(s)}" rel="noopener noreferrer">{_e(s)}</a>'
    return f"<code>{_e(s)}</code>"


#: evidence items one cell of the report lists at most, and URLs beyond the first few (in a
#: <details>): a source named by every document had 100,000 of each in one cell at 100k pages
#: (72 of the page's 75 MB); provenance.json has them all
MAX_CELL_ITEMS = 20
MAX_CELL_URLS = 100


def _evidence(ev, limit: int | None = None) -> str:
    """Evidence items as a list, the first ``limit`` (default :data:`MAX_CELL_ITEMS`) of them
    and a line saying how many more ``provenance.json`` has.

    Examples
    --------
    >>> _evidence([{"signal": "s", "detail": str(i)} for i in range(3)], limit=2)
    '<ul class="ev"><li><b>s</b> 0</li><li><b>s</b> 1</li><li class="muted">1 more in provenance.json</li></ul>'
    """
    if not ev:
        return '<span class="muted">—</span>'
    ev = ev if isinstance(ev, list) else [ev]
    limit = MAX_CELL_ITEMS if limit is None else limit
    items = []
    for x in ev[:limit]:
        if isinstance(x, dict):
            head = x.get("signal") or x.get("kind") or ""
            rest = {k: v for k, v in sorted(x.items()) if k not in ("signal", "kind")}
            parts = []
            for k, v in rest.items():
                val = _url(v) if isinstance(v, str) and v.startswith(("http://", "https://")) else _e(
                    v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True))
                parts.append(val if k in ("detail", "text") else f"<span class='muted'>{_e(k)}:</span> {val}")
            items.append(f"<li><b>{_e(head)}</b> {' · '.join(parts)}</li>" if head else f"<li>{' · '.join(parts)}</li>")
        else:
            items.append(f"<li>{_e(x)}</li>")
    if len(ev) > limit:
        items.append(f'<li class="muted">{len(ev) - limit:,} more in provenance.json</li>')
    return f'<ul class="ev">{"".join(items)}</ul>'


def _urls(urls, limit=12, more: int | None = None) -> str:
    """The first ``limit`` URLs, then up to ``more`` (default :data:`MAX_CELL_URLS`) in a
    <details>, then how many more ``provenance.json`` has.

    Examples
    --------
    >>> _urls(["a", "b", "c", "d"], limit=1, more=2)  # doctest: +NORMALIZE_WHITESPACE
    '<code>a</code><details><summary>3 more</summary><code>b</code><br><code>c</code><br><span
    class="muted">1 more in provenance.json</span></details>'
    """
    urls = list(urls or [])
    more = MAX_CELL_URLS if more is None else more
    head = "<br>".join(_url(u) for u in urls[:limit])
    if len(urls) > limit:
        rest = [_url(u) for u in urls[limit:limit + more]]
        if len(urls) > limit + more:
            rest.append(f'<span class="muted">{len(urls) - limit - more:,} more in provenance.json</span>')
        head += f"<details><summary>{len(urls) - limit:,} more</summary>{'<br>'.join(rest)}</details>"
    return head or '<span class="muted">—</span>'


#: rows a table of the report shows at most; the rest are named in the data files beside it,
#: so the page stays readable in a browser at any crawl size (at 100k documents it was 300 MB)
MAX_ROWS = 1000


def _table(header, rows, empty="none found", fold: int = 25, rest: str = "the data files beside this page",
           limit: int | None = None, make=None) -> str:
    """An HTML table; longer than ``fold`` rows, the rows after the first ``fold`` are folded
    into a <details> (the table stays one table, with its header, when opened); longer than
    ``limit`` (default :data:`MAX_ROWS`), the rows beyond it are left out with a line saying how
    many and that ``rest`` (a data file beside the report) has them all. With ``make``, ``rows``
    are items and ``make(item)`` is the row of each item shown: the rows left out are never
    made (at 100k pages, 166,000 mirror rows with their evidence took 300 MB to leave out).

    Examples
    --------
    >>> html = _table(["a"], [["1"], ["2"], ["3"]], fold=1, limit=2, rest="x.json")
    >>> html.count("<tr>"), "1 more row in" in html
    (4, True)
    """
    if not rows:
        return f'<p class="muted">{_e(empty)}</p>'
    limit = MAX_ROWS if limit is None else limit
    left = max(0, len(rows) - limit)
    rows = rows[:limit] if make is None else [make(x) for x in rows[:limit]]
    th = "".join(f"<th>{_e(h)}</th>" for h in header)

    def body(rs):
        return "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rs)
    html = f"<table><thead><tr>{th}</tr></thead><tbody>{body(rows[:fold])}</tbody></table>"
    if len(rows) > fold:
        html += (f'<details class="table"><summary>{len(rows) - fold} more rows</summary>'
                 f"<table><thead><tr>{th}</tr></thead><tbody>{body(rows[fold:])}</tbody></table></details>")
    if left:
        html += (f'<p class="muted">{left:,} more row{"s" if left > 1 else ""} in <code>{_e(rest)}</code> '
                 f"(the report shows the first {limit:,})</p>")
    return html


def _why(key) -> str:
    return f'<p class="why">{_e(WHY[key])}</p>'


def link_class_summary(G) -> list[dict]:
    """Per link class: occurrences, distinct targets, the top target entities and example
    anchor texts, from the ``links_to`` edges of ``G``.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("https://a.org/", "https://b.org/x", key=0, kind="links_to", link_class="promotional",
    ...            count=2, anchor_texts='["翻墙"]')
    0
    >>> link_class_summary(G)
    [{'link_class': 'promotional', 'occurrences': 2, 'targets': 1, 'entities': ['b.org (2)'], 'anchors': ['翻墙']}]
    """
    from collections import Counter, defaultdict
    from graph.entities import entity_of
    occ, targets, ents, anchors = Counter(), defaultdict(set), defaultdict(Counter), defaultdict(Counter)
    for u, v, d in G.edges(data=True):
        if d.get("kind") != "links_to":
            continue
        c = d.get("link_class") or "other"
        n = d.get("count") if isinstance(d.get("count"), int) and d.get("count") > 0 else 1
        occ[c] += n
        targets[c].add(v)
        ents[c][entity_of(v) or "(local files)"] += n
        try:
            texts = json.loads(d.get("anchor_texts") or "[]")
        except (TypeError, ValueError):
            texts = []
        for t in texts if isinstance(texts, list) else []:
            anchors[c][str(t)] += 1
    top = lambda cnt, k: sorted(cnt.items(), key=lambda x: (-x[1], x[0]))[:k]  # noqa: E731
    return [{"link_class": c, "occurrences": occ[c], "targets": len(targets[c]),
             "entities": [f"{e} ({n})" for e, n in top(ents[c], 5)], "anchors": [a for a, _ in top(anchors[c], 5)]}
            for c in sorted(occ, key=lambda c: (-occ[c], c))]


def _num(x) -> str:
    if isinstance(x, float):
        return f'<span class="num">{x:.2f}</span>'
    return f'<span class="num">{_e(x)}</span>'


def summary(G, provenance: dict, manifest: dict | None) -> list[tuple[str, int]]:
    """The counts shown at the top of the report, as ``[(label, n)]``."""
    inputs = (manifest or {}).get("inputs") or []
    docs = sum(1 for _, d in G.nodes(data=True) if d.get("kind") == "document")
    mirrors = provenance.get("mirrors") or []
    read = {n for n, d in G.nodes(data=True) if d.get("kind") == "document"}
    return [
        ("inputs read", sum(1 for i in inputs if i.get("status") == "processed")),
        ("inputs skipped", sum(1 for i in inputs if i.get("status") == "skipped")),
        ("documents", docs),
        ("documents read that mirror an original", len({m.get("mirror") for m in mirrors if m.get("mirror") in read})),
        ("links predicted to be mirrors (rules)", len({m.get("mirror") for m in mirrors if m.get("mirror") not in read})),
        ("originals", len({m.get("original") for m in mirrors})),
        ("mirror rules learned", len(provenance.get("mirror_rules") or [])),
        ("sources named", len(provenance.get("sources") or [])),
        ("promotional clusters", len(provenance.get("promotional_clusters") or [])),
        ("stories", len(provenance.get("stories") or [])),
        ("entities", len(provenance.get("entities") or [])),
    ]


def render_html(G, provenance: dict, manifest: dict | None, pictures: dict[str, bytes],
                documents: list[tuple[str, str]], *, version: str = "", max_pictures: int | None = None) -> str:
    """The report as a string.

    Parameters
    ----------
    pictures : dict
        ``{"provenance_map.png": bytes, "link_classes.png": bytes}``: embedded as base64.
    documents : list of (url, picture file name)
        The seed documents; their pictures are linked as files beside the report ("" = none).
    max_pictures : int, optional
        The cap on document pictures, named in the note when documents go without one.
    """
    P = provenance
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>linkprov report</title><style>{CSS}</style></head><body>",
           f'<h1>linkprov report</h1><p class="muted">provenance of the documents read, written by linkprov {_e(version)}. '
           'Data files beside this page: <code>provenance.json</code>, <code>graph.graphml</code>, '
           '<code>graph.gexf</code>, <code>nodes.csv</code>, <code>edges.csv</code>.</p>',
           '<nav><a href="#pictures">pictures</a><a href="#mirrors">mirrors</a><a href="#rules">mirror rules</a>'
           '<a href="#hosts">mirror hosts</a><a href="#sources">sources</a><a href="#classes">link classes</a>'
           '<a href="#clusters">promotional clusters</a><a href="#stories">stories</a>'
           '<a href="#entities">entities</a><a href="#documents">documents</a><a href="#skipped">skipped inputs</a></nav>',
           '<h2 id="summary">Summary</h2><table class="summary"><tbody>']
    for label, n in summary(G, P, manifest):
        out.append(f'<tr><td>{_e(label)}</td><td class="n">{_e(n)}</td></tr>')
    out.append("</tbody></table>")

    out.append('<h2 id="pictures">Pictures</h2>')
    captions = {"provenance_map.png": "Provenance map: entities read (middle, circle area = documents), the originals "
                "their mirrors copy (left, grey arrows), the entities their pages promote (right, coloured by "
                "promotional cluster).",
                "link_classes.png": "Link classes per entity: how the links on each entity's pages are classed, and "
                "how each entity is linked to."}
    for name in sorted(pictures, key=lambda n: (n != "provenance_map.png", n)):
        b64 = base64.b64encode(pictures[name]).decode("ascii")
        out.append(f'<figure><img src="data:image/png;base64,{b64}" alt="{_e(name)}">'
                   f"<figcaption>{_e(captions.get(name, name))} (<code>{_e(name)}</code>)</figcaption></figure>")

    out.append('<h2 id="mirrors">Mirrors and their originals</h2>' + _why("mirrors"))
    read = {n for n, d in G.nodes(data=True) if d.get("kind") == "document"}
    for title, keep, empty in (("Documents read that mirror an original", True, "no document read mirrors another"),
                               ("Links that learned rules predict to be mirrors (not read)", False,
                                "no rule predicts a mirror among the links")):
        rows = [m for m in P.get("mirrors") or [] if (m.get("mirror") in read) == keep]
        out.append(f"<h3>{_e(title)} ({len(rows)})</h3>")
        out.append(_table(["mirror", "original", "confidence", "evidence (signals)"], rows, empty,
                          rest="provenance.json (mirrors)", make=lambda m: [
                              _url(m.get("mirror")), _url(m.get("original")), _num(m.get("confidence")),
                              _evidence(m.get("evidence"))]))

    out.append('<h2 id="rules">Mirror rules learned</h2>' + _why("rules"))
    def rule_row(r):
        ex = "".join(f"<li>{_url(x.get('mirror'))} → {_url(x.get('original'))}</li>"
                     for x in r.get("examples") or [] if isinstance(x, dict))
        pred = r.get("predicts")
        return [f"<code>{_e(r.get('mirror'))}</code>", f"<code>{_e(r.get('original'))}</code>",
                _num(r.get("support")), _num(r.get("confidence")),
                _e("yes" if pred else "no" if pred is not None else "—"),
                (f'<ul class="ev">{ex}</ul>' if ex else '<span class="muted">—</span>')
                + (f'<p class="muted">{_e(r["note"])}</p>' if r.get("note") else "")]
    out.append(_table(["mirror URL pattern", "original URL pattern", "support", "confidence", "predicts",
                       "examples / note"], P.get("mirror_rules") or [], "no rule learned",
                      rest="provenance.json (mirror_rules)", make=rule_row))

    out.append('<h2 id="hosts">Mirror hosts</h2>' + _why("hosts"))
    rows = [h for h in P.get("mirror_hosts") or [] if isinstance(h, dict)]
    out.append(_table(["mirror entity", "original entity", "mirrored documents"], rows, "no host pair",
                      rest="provenance.json (mirror_hosts)",
                      make=lambda h: [_e(h.get("mirror")), _e(h.get("original")), _num(h.get("documents"))]))

    out.append('<h2 id="sources">Sources named in the text</h2>' + _why("sources"))
    out.append(_table(["name", "kind", "entity", "documents", "evidence (the naming sentence)"],
                      P.get("sources") or [], "no source named", rest="provenance.json (sources)",
                      make=lambda s: [_e(s.get("name")), _e(s.get("kind")), _e(s.get("entity") or "—"),
                                      _urls(s.get("documents")), _evidence(s.get("evidence"))]))

    out.append('<h2 id="classes">Link classes</h2>' + _why("classes"))
    rows = [[_e(r["link_class"]), _num(r["occurrences"]), _num(r["targets"]), "<br>".join(_e(x) for x in r["entities"]),
             "<br>".join(_e(x) for x in r["anchors"]) or '<span class="muted">—</span>'] for r in link_class_summary(G)]
    out.append(_table(["class", "links", "distinct targets", "top target entities", "frequent anchor texts"], rows,
                      "no links"))

    out.append('<h2 id="clusters">Promotional clusters</h2>' + _why("clusters"))
    out.append(_table(["id", "label", "entities", "pages", "links", "evidence"], P.get("promotional_clusters") or [],
                      "no promotional cluster", rest="provenance.json (promotional_clusters)",
                      make=lambda c: [_e(c.get("id")), _e(c.get("label")),
                                      "<br>".join(_e(x) for x in c.get("entities") or []), _num(c.get("pages")),
                                      _urls(c.get("links"), 8), _evidence(c.get("evidence"))]))

    out.append('<h2 id="stories">Stories (the same event in several documents)</h2>' + _why("stories"))
    out.append(_table(["id", "earliest", "documents", "evidence"], P.get("stories") or [], "no story",
                      rest="provenance.json (stories)",
                      make=lambda s: [_e(s.get("id")), _url(s.get("earliest")), _urls(s.get("documents")),
                                      _evidence(s.get("evidence"))]))

    out.append('<h2 id="entities">Entities and their roles</h2>' + _why("entities"))
    out.append(_table(["entity", "role", "documents", "evidence"], P.get("entities") or [], "no entity",
                      rest="provenance.json (entities)",
                      make=lambda x: [_e(x.get("entity")), _e(x.get("role")), _num(x.get("documents")),
                                      _evidence(x.get("evidence"))]))

    out.append('<h2 id="documents">Seed documents</h2>')
    missing = sum(1 for _, pic in documents if not pic)
    if documents:
        note = (f"{len(documents)} seed documents, sorted by URL; each has a picture (its original, the sources "
                f"it names, the promotional clusters it joins, its story, its link classes).")
        if missing:
            cap = (f" (at most {max_pictures} pictures per run, the first by URL)" if max_pictures and
                   len(documents) > max_pictures else "")
            note = (f"{len(documents)} seed documents, sorted by URL; pictures for {len(documents) - missing} of them"
                    f"{cap}. The {missing} without one say “no picture”: their verdicts are in the tables above "
                    f"and in <code>provenance.json</code>.")
        out.append(f'<p class="muted">{note}</p>')
    roles = {r.get("url"): r for r in P.get("documents") or [] if isinstance(r, dict)}
    def document_row(item):
        url, pic = item
        d = G.nodes[url] if url in G else {}
        lang = d.get("language")
        if isinstance(lang, str) and lang.startswith("["):
            try:
                lang = ", ".join(json.loads(lang))
            except ValueError:
                pass
        r = roles.get(url) or {}
        return [_e(d.get("title") or "—"), _url(url), _e(d.get("published") or "—"), _e(lang or "—"),
                _e(r.get("role") or d.get("role") or "—"), _evidence(r.get("evidence")),
                f'<details><summary>picture</summary><img loading="lazy" src="{_e(pic)}" alt="{_e(pic)}" '
                f'style="max-width:100%"></details>' if pic else '<span class="muted">no picture</span>']
    out.append(_table(["title", "URL", "published", "language", "role", "why this role", "picture"], documents,
                      "no seed document", rest="provenance.json (documents) and documents.jsonl",
                      limit=max(MAX_ROWS, max_pictures or 0), make=document_row))   # every pictured document keeps its row
    seeds = {x for x, _ in documents}
    others = [r for u, r in sorted(roles.items()) if u not in seeds]
    if others:
        out.append("<h3>Other documents read (beyond the seeds)</h3>")
        out.append(_table(["URL", "role", "why this role"], others, rest="provenance.json (documents)",
                          make=lambda r: [_url(r.get("url")), _e(r.get("role")), _evidence(r.get("evidence"))]))

    out.append('<h2 id="skipped">Skipped inputs</h2>')
    rows = [i for i in (manifest or {}).get("inputs") or [] if i.get("status") == "skipped"]
    out.append(_table(["input", "reason", "detail"], rows, "every input was read", rest="manifest.json",
                      make=lambda i: [f"<code>{_e(i.get('input'))}</code>", _e(i.get("reason")),
                                      _e(i.get("detail") or "")]))
    out.append("</body></html>\n")
    return "\n".join(out)
