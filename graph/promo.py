"""Link classes and promotional clusters.

Every link occurrence gets one ``link_class`` (SPEC): ``self``, ``original``, ``share``,
``media``, ``promotional``, ``navigation`` or ``content``, with the evidence behind it.
Promotional links are then grouped into cross-promotion networks.

How a verdict is made (general signals, no site names in code; the keyword, shortener,
share-service and tracking-parameter tables are data in ``graph/data/promo.json``):

1. **Per link**: the document itself (``self``), a stated original (``original``, from the
   crawler's ``marker_kind``), share/QR links and embedded share URLs (``share``),
   resources that are not navigation (``media``: ``src`` of img/script/..., stylesheets).
   An ``<a>`` wrapping an image banner is a link, not media.
2. **Per link signals**: tracking tags (``utm_*``, ``?t=0``, value-less parameters such as
   ``?dfh``), circumvention / app-download / subscribe keywords in anchor text, title, alt
   or URL (multilingual, matched after Traditional -> Simplified folding), URL shorteners.
3. **Per block** (the links of one page block; sibling list items are one block): link
   density (anchor text vs the prose around the links, from ``context``), image-banner
   blocks (many ``<a><img></a>``), and **recurrence across the pages of one site**: a
   block is a template block when its links (targets or anchor texts) recur in link-dense
   blocks of other pages of the same entity, or when the same block position keeps the
   same *shape* (link count, image share) on other pages although its items change
   (rotating "hot news" / "editor's picks" bars).
4. **Decision**: a link-dense block is promotional when a good share of its links carry
   promotional signals (or, for recurring and banner blocks, point to other entities than
   the page's own site and its stated original); otherwise it is navigation.
   Outside such blocks a link is promotional only on its own strong signals; everything
   else is content (article text links, glossary links, citations).
5. **Clusters**: entities that co-occur in promotional blocks (the page's entity and the
   targets' entities) form a weighted co-occurrence graph; Louvain communities
   (``networkx.community.louvain_communities(seed=0)``) are the cross-promotion networks.
"""
from __future__ import annotations

import json
import math
import re
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from urllib.parse import unquote, urlsplit

import networkx as nx

from graph.entities import entity_of, host_of, run_cache
from graph.records import reader
from graph.text import normalize_text

__all__ = [
    "LINK_CLASSES",
    "promo_table",
    "tracking_tags",
    "promo_keywords",
    "is_shortener",
    "is_share_service",
    "link_signals",
    "classify_links",
    "link_classes",
    "promotional_clusters",
]

LINK_CLASSES = ("content", "navigation", "promotional", "original", "media", "share", "self")

#: Share of link text in a block above which the block counts as link-dense.
DENSE = 0.7
#: Share of links with a strong promotional signal that makes a link-dense block promotional.
STRONG_SHARE = 0.3
#: Share of links with any promotional signal (strong, or pointing away from the page's own
#: site) that makes a recurring or banner block promotional.
ANY_SHARE = 0.5
#: Minimum number of image links (and their share) for a banner block.
BANNER_MIN, BANNER_SHARE = 3, 0.6
#: Tags whose sibling blocks are one list (each item is its own DOM block).
_LIST_TAGS = frozenset({"li", "dd", "dt", "option"})
_SEG = re.compile(r"^(?P<parent>.*?)(?P<tag>[A-Za-z][\w-]*)\[(?P<idx>\d+)\]$")
_SEP = re.compile(r"[\s|│¦·•,，、/\\\-–—_:：;；()（）\[\]【】<>《》\"'“”‘’*#>]+")


@lru_cache(maxsize=1)
def promo_table() -> dict:
    """The promotional-signal tables (``graph/data/promo.json``) as a dict.

    Examples
    --------
    >>> "git.io" in promo_table()["shorteners"]
    True
    """
    table = json.loads(resources.files("graph").joinpath("data/promo.json").read_text("utf-8"))
    for cat in table["keywords"].values():
        cat["anchor"] = sorted({normalize_text(k) for k in cat["anchor"]})
        cat["url"] = sorted({k.lower() for k in cat["url"]})
    table["_shorteners"] = frozenset(h.lower() for h in table["shorteners"])
    table["_share"] = tuple(s.lower() for s in table["share_services"])
    return table


# --------------------------------------------------------------------------- link signals


def tracking_tags(url: str | None) -> list[str]:
    """Tracking tags in the query of ``url``: known tracker parameters (``utm_*``,
    ``fbclid``...), known ``name=value`` tags (``t=0``), and short value-less parameters
    (``?dfh``). Sorted.

    Examples
    --------
    >>> tracking_tags("https://a.org/x.md?dfh")
    ['dfh']
    >>> tracking_tags("https://a.org/x?utm_source=tw&id=3&t=0")
    ['t=0', 'utm_source']
    >>> tracking_tags("https://a.org/search?q=vpn")
    []
    """
    if not url or "?" not in url:
        return []
    try:
        query = urlsplit(url).query
    except ValueError:
        return []
    table = promo_table()["tracking"]
    params, prefixes, pairs = set(table["params"]), tuple(table["prefixes"]), set(table["pairs"])
    tags = set()
    for part in query.split("&"):
        if not part:
            continue
        name, eq, value = part.partition("=")
        low = name.lower()
        if not eq:
            if re.fullmatch(r"[a-z][a-z0-9_]*", low) and len(low) <= table["valueless_max_length"]:
                tags.add(low)
        elif low in params or low.startswith(prefixes):
            tags.add(low)
        elif f"{low}={value.lower()}" in pairs:
            tags.add(f"{low}={value.lower()}")
    return sorted(tags)


def _url_text(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.lower()
    return unquote(f"{parts.netloc}{parts.path}?{parts.query}").lower()


def promo_keywords(anchor: str = "", title: str | None = None, alt: str | None = None,
                   url: str | None = None) -> list[tuple[str, str]]:
    """Promotional keywords found in a link's texts or URL, as sorted
    ``(category, keyword)`` pairs (categories: circumvention, app, download, subscribe).

    URL keywords with ``/`` or ``.`` match as substrings; bare words match whole URL tokens.

    Examples
    --------
    >>> promo_keywords("下載翻牆軟件")
    [('circumvention', '翻墙'), ('circumvention', '翻墙软件')]
    >>> promo_keywords("新闻", url="https://play.google.com/store/apps/details?id=x")
    [('app', 'play.google.com/store')]
    >>> promo_keywords("Proxy war in Ukraine", url="https://news.org/proxy-war")
    []
    """
    text = normalize_text(" ".join(t for t in (anchor, title, alt) if t))
    found = set()
    utext = _url_text(url) if url else ""
    tokens = set(re.split(r"[^a-z0-9]+", utext)) if utext else set()
    for cat, table in promo_table()["keywords"].items():
        for kw in table["anchor"]:
            if kw and kw in text:
                if kw.isascii() and not re.search(rf"(?<![a-z0-9]){re.escape(kw)}(?![a-z0-9])", text):
                    continue
                found.add((cat, kw))
        if utext:
            for kw in table["url"]:
                if ("/" in kw or "." in kw or "-" in kw) and kw in utext:
                    found.add((cat, kw))
                elif kw in tokens:
                    found.add((cat, kw))
    return sorted(found)


def is_shortener(url: str | None) -> bool:
    """True when ``url`` is on a URL-shortener host (data table).

    Examples
    --------
    >>> is_shortener("https://git.io/ogatea2"), is_shortener("https://github.com/x")
    (True, False)
    """
    host = host_of(url or "") or ""
    if host.startswith("www."):
        host = host[4:]
    return host in promo_table()["_shorteners"]


@run_cache     # called per link; template links repeat their targets
def is_share_service(url: str | None) -> bool:
    """True when ``url`` is a share or QR-code service link (data table).

    Examples
    --------
    >>> is_share_service("https://quickchart.io/qr?size=256&text=https://a.org/x")
    True
    >>> is_share_service("https://www.facebook.com/sharer/sharer.php?u=https://a.org")
    True
    """
    if not url:
        return False
    low = url.lower()
    try:
        parts = urlsplit(low)
    except ValueError:
        return False
    host = parts.netloc
    if host.startswith("www."):
        host = host[4:]
    flat = f"{host}{parts.path}" + (f"?{parts.query}" if parts.query else "")
    return flat.startswith(promo_table()["_share"])


#: the fields of a link record that :func:`link_signals` reads
_SIGNAL_FIELDS = ("target", "href", "anchor_text", "title", "alt")


def link_signals(link: dict) -> list[dict]:
    """Strong promotional signals of one link record, as sorted ``{"signal","detail"}``.

    Signals: ``tracking`` (tracking tags in the URL), ``keyword:CATEGORY`` (circumvention,
    app, download, subscribe keywords in anchor text / title / alt / URL), ``shortener``.

    Examples
    --------
    >>> link_signals({"target": "https://git.io/x", "href": "https://git.io/x",
    ...               "anchor_text": "网门安卓版"})
    [{'signal': 'keyword:app', 'detail': '安卓'}, {'signal': 'keyword:app', 'detail': '安卓版'}, {'signal': 'shortener', 'detail': 'git.io'}]
    """
    url = link.get("target") or link.get("href") or ""
    out = []
    for tag in tracking_tags(link.get("href") or url):
        out.append({"signal": "tracking", "detail": f"?{tag}"})
    for cat, kw in promo_keywords(link.get("anchor_text") or "", link.get("title"), link.get("alt"), url):
        out.append({"signal": f"keyword:{cat}", "detail": kw})
    if is_shortener(url):
        out.append({"signal": "shortener", "detail": host_of(url)})
    return sorted(out, key=lambda e: (e["signal"], e["detail"]))


# --------------------------------------------------------------------------- per-link kinds


def _strip_fragment(url: str | None) -> str:
    return (url or "").split("#", 1)[0].rstrip("/")


@run_cache
def _path_ext(url: str | None) -> str:
    try:
        path = urlsplit(url or "").path
    except ValueError:
        return ""
    last = path.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1].lower() if "." in last else ""


def _fixed_class(link: dict, doc_url: str, self_urls: set[str]) -> tuple[str, str] | None:
    """Classes decided by the link alone: (class, reason) or None."""
    get = link.get
    scheme = get("scheme_kind") or "url"
    if scheme == "fragment":
        return "self", "fragment-only link to the document itself"
    marker_kind = get("marker_kind")
    if marker_kind == "original":
        # a marker right before a circumvention/app link ("本文转自X（需用翻墙软件...）")
        # belongs to the text, not to that link
        if not any(cat in ("circumvention", "app", "download") for cat, _ in
                   promo_keywords(get("anchor_text") or "", get("title"), get("alt"))):
            return "original", f"stated original (marker {get('marker')!r})"
    if marker_kind == "share":
        return "share", f"share link (marker {get('marker')!r})"
    if get("via") == "embedded":
        return "share", "URL embedded in a share/QR link"
    target = get("target")
    if is_share_service(target or get("href")):
        return "share", "share / QR-code service"
    if scheme == "data":
        return "media", "data: URL"
    if scheme == "javascript":
        return "navigation", "javascript: link"
    if scheme in ("mailto", "tel", "other"):
        return "content", f"{scheme}: link"
    rel = (get("rel") or "").lower().strip()
    tag = (get("tag") or "").lower()
    own = _strip_fragment(target) in self_urls
    if rel in ("canonical", "og:url"):
        if not target or own:
            return "self", f"{rel} of the document"
        return "original", f"{rel} names another URL as this document's own"
    attr = (get("attribute") or "").lower()
    if tag == "meta" and attr == "content" and own:
        return "self", "meta URL of the document"
    if target and own:
        return "self", "points to the document itself"
    table = promo_table()
    if tag == "link":
        if rel in table["media_rel"]:
            return "media", f"<link rel={rel}>"
        return "navigation", f"<link rel={rel or '?'}>"
    if tag != "meta":
        ext = _path_ext(target)
        if ext in table["media_extensions"]:
            return "media", f"link to a media file (.{ext})"
    if tag in table["non_navigation_tags"] or (attr in table["media_attributes"] and tag not in ("a", "area")):
        return "media", f"<{tag} {attr}> resource"
    return None


# --------------------------------------------------------------------------- blocks


@run_cache     # block ids repeat on every page of a template
def _block_key(block: str) -> tuple[str, str]:
    """(group key, path key) of a block id: sibling list items share one group key."""
    block = block or ""
    last = block.rsplit("/", 1)
    m = _SEG.match(last[-1])
    if m and m.group("tag").lower() in _LIST_TAGS:
        head = (last[0] + "/") if len(last) == 2 else ""
        key = f"{head}{m.group('tag')}[*]"
    else:
        key = block
    # path key: indices of list-like segments dropped, for comparing positions across pages
    return key, key


@run_cache     # anchor texts repeat (template links)
def _chars(text: str) -> int:
    """Characters of ``text`` that are not separators (white space, punctuation)."""
    return len(_SEP.sub("", text))


def _gap(context: str, previous_anchor: str) -> int:
    """Characters of prose between the previous link of the block and this one."""
    ctx = context or ""
    if previous_anchor and previous_anchor in ctx:
        ctx = ctx[ctx.rindex(previous_anchor) + len(previous_anchor):]
    return _chars.__wrapped__(ctx)     # contexts seldom repeat: not cached


@dataclass(slots=True)      # one per page block: 10% of the links at 100k pages
class _Block:
    doc: str
    key: str
    entity: str
    idx: array = field(default_factory=lambda: array("q"))    # link indices: 8 bytes each, no int objects
    anchor_chars: int = 0
    prose_chars: int = 0
    media: int = 0
    recurring: str = ""     # why it counts as a template block ("" if not)

    @property
    def n(self) -> int:
        return len(self.idx)

    @property
    def density(self) -> float:
        total = self.anchor_chars + self.prose_chars
        return self.anchor_chars / total if total else 1.0

    @property
    def dense(self) -> bool:
        return self.n >= 2 and self.density >= DENSE

    @property
    def banner(self) -> bool:
        return self.media >= BANNER_MIN and self.media >= BANNER_SHARE * self.n


def _home_entities(documents: list[dict], links: list[dict]) -> dict[str, frozenset[str]]:
    """Per document: its own entity plus the entities of its stated originals."""
    home: dict[str, set[str]] = defaultdict(set)
    for doc in documents:
        url = doc.get("url") or ""
        ent = entity_of(url)
        if ent:
            home[url].add(ent)
        for att in doc.get("attributions") or []:
            if att.get("kind") in ("original", "reprint") and att.get("url"):
                e = entity_of(att["url"])
                if e:
                    home[url].add(e)
    marker_kind, target, source = (reader(links, f) for f in ("marker_kind", "target", "source"))
    for i in range(len(links)):
        if marker_kind(i) == "original" and target(i):
            e = entity_of(target(i))
            if e:
                home[source(i) or ""].add(e)
    share = {}.setdefault       # most pages have the same few home sets: one frozenset each
    return {url: share(frozenset(ents), frozenset(ents)) for url, ents in home.items()}


def _norm_anchor(anchor_text: str | None, title: str | None, alt: str | None) -> str:
    return normalize_text(anchor_text or title or alt or "")


def _recurrence(blocks: list[_Block], links: list[dict], min_pages: int) -> None:
    """Mark template blocks: sequence recurrence and position/shape recurrence per entity."""
    target, anchor, title, alt = (reader(links, f) for f in ("target", "anchor_text", "title", "alt"))
    by_entity: dict[str, list[_Block]] = defaultdict(list)
    for b in blocks:
        by_entity[b.entity].append(b)
    for ent, group in by_entity.items():
        pages = {b.doc for b in group}
        if len(pages) < 2:
            continue
        need = max(2, min_pages if len(pages) >= min_pages else 2)
        dense = [b for b in group if b.dense]
        why = f"links recur in link blocks of {need}+ pages of {ent}"
        # (a) sequence recurrence: the block's targets / anchor texts recur in link-dense
        # blocks of other pages (a containment measure, computed with an inverted index).
        # An item is a ("t", target) or ("a", anchor) key, one object per distinct key (template
        # links repeat them on every page), a block's items one flat tuple (t0, a0, t1, a1, ...):
        # 16 bytes a link, where a pair of tuples per link took 176 (450 MB at 100k pages).
        item_pages: dict[tuple[str, str], set[str]] = defaultdict(set)
        key_of = {}.setdefault
        items = [tuple(key_of(k, k) for i in b.idx
                       for k in (("t", _strip_fragment(target(i))), ("a", _norm_anchor(anchor(i), title(i), alt(i)))))
                 for b in dense]
        del key_of
        for b, its in zip(dense, items):
            for k in its:
                if k[1] or k[0] == "t":
                    pages_of = item_pages[k]
                    if len(pages_of) < need:       # whether it reaches `need` pages is all that counts
                        pages_of.add(b.doc)
        for b, its in zip(dense, items):
            hits = 0
            for j in range(0, len(its), 2):
                if len(item_pages.get(its[j], ())) >= need or len(item_pages.get(its[j + 1], ())) >= need:
                    hits += 1
            if hits >= max(2, math.ceil(0.5 * b.n)):
                b.recurring = why           # one string for the entity's blocks
        # (b) position and shape recurrence (rotating bars): same block position,
        # link-dense, similar link count and image share on many pages.
        by_key: dict[str, list[_Block]] = defaultdict(list)
        for b in dense:
            by_key[b.key].append(b)
        share_need = max(need, math.ceil(0.2 * len(pages)))
        for key, same in by_key.items():
            if len({b.doc for b in same}) < share_need:
                continue
            # pages per block shape (link count, image links): few shapes, many pages, so the
            # pages of alike shape are gathered once per shape, not once per block
            shapes: dict[tuple[int, int], set[str]] = defaultdict(set)
            for o in same:
                shapes[(o.n, o.media)].add(o.doc)
            alike_of: dict[tuple[int, int], set[str]] = {}
            for b in same:
                if b.recurring:
                    continue
                shape = (b.n, b.media)
                if shape not in alike_of:
                    alike_of[shape] = set().union(*(
                        docs for (n, m), docs in shapes.items()
                        if 0.5 <= n / b.n <= 2.0 and abs(m / n - b.media / b.n) <= 0.3))
                alike = len(alike_of[shape]) - (b.doc in alike_of[shape])
                if alike + 1 >= share_need:
                    b.recurring = f"block {key} keeps its shape on {alike + 1} pages of {ent}"


def _blocks(documents: list[dict], links: list[dict], fixed: list) -> list[_Block]:
    """The link blocks of every page (links that are not decided by themselves)."""
    doc_ent = {d.get("url"): entity_of(d.get("url") or "") or host_of(d.get("url") or "") or "" for d in documents}
    blocks: dict[tuple[str, str], _Block] = {}
    # the links in (source, position, file order): grouped by source first, each group sorted
    # alone (a sort key per link for all links at once was 100 MB at 100k pages)
    source, position, block, anchor_text, media_of, context = (
        reader(links, f) for f in ("source", "position", "block", "anchor_text", "media", "context"))
    by_source: dict[str, array] = defaultdict(lambda: array("q"))
    for i, f in enumerate(fixed):
        if f is None:
            by_source[source(i) or ""].append(i)
    order = (i for src in sorted(by_source)
             for i in sorted(by_source.pop(src), key=lambda i: (position(i) or 0, i)))
    prev_anchor: dict[tuple[str, str], str] = {}
    for i in order:
        src = source(i) or ""
        key = _block_key(block(i) or "")[0]
        bk = (src, key)
        b = blocks.get(bk)
        if b is None:
            ent = doc_ent.get(src) or entity_of(src) or host_of(src) or src
            b = blocks[bk] = _Block(doc=src, key=key, entity=ent)
        anchor = anchor_text(i) or ""
        b.idx.append(i)
        media = media_of(i)
        b.anchor_chars += max(2 if media else 1, _chars(anchor))
        b.prose_chars += _gap(context(i) or "", prev_anchor.get(bk, ""))
        b.media += bool(media)
        prev_anchor[bk] = anchor
    return [blocks[k] for k in sorted(blocks)]


# --------------------------------------------------------------------------- classification


def classify_links(documents: list[dict], links: list[dict], min_pages: int = 3) -> list[dict]:
    """Classify every link occurrence, with the evidence for each verdict.

    Parameters
    ----------
    documents : list of dict
        Records of ``documents.jsonl`` (``url``; ``attributions`` are used when present).
    links : list of dict
        Records of ``links.jsonl`` (LinkItem fields of ``crawler/items.py``).
    min_pages : int
        Pages of one entity on which a block must recur to be a template block (lowered to
        2 when the entity has fewer pages).

    Returns
    -------
    list of dict
        One per link, same order: ``{"class": LINK_CLASS, "evidence": [{"signal","detail"}],
        "block": group key, "template": bool}``.

    Examples
    --------
    >>> doc = {"url": "https://a.org/n/1"}
    >>> links = [
    ...     {"source": "https://a.org/n/1", "target": "https://a.org/n/1", "href": "#top", "scheme_kind": "fragment"},
    ...     {"source": "https://a.org/n/1", "target": "https://b.org/x.htm", "href": "https://b.org/x.htm",
    ...      "marker_kind": "original", "marker": "原文地址"},
    ...     {"source": "https://a.org/n/1", "target": "https://a.org/n/2", "href": "https://a.org/n/2?utm_source=x",
    ...      "anchor_text": "more", "block": "div[0]"},
    ...     {"source": "https://a.org/n/1", "target": "https://c.org/", "href": "https://c.org/",
    ...      "anchor_text": "a claim", "block": "p[3]", "context": "As the minister said in a long speech, "},
    ... ]
    >>> [r["class"] for r in classify_links([doc], links)]
    ['self', 'original', 'promotional', 'content']
    """
    return _classify(documents, links, min_pages, _verdict_dict)


def _verdict_dict(cls: str, evidence: list, block: str, template: bool) -> dict:
    return {"class": cls, "evidence": evidence, "block": block, "template": template}


def _classify(documents: list[dict], links: list[dict], min_pages: int, make) -> list:
    """``classify_links`` with each verdict made by ``make(class, evidence, block, template)``."""
    self_urls: dict[str, set[str]] = defaultdict(set)
    for doc in documents:
        if doc.get("url"):
            self_urls[doc["url"]].add(_strip_fragment(doc["url"]))
    fixed = []
    share = {}.setdefault   # one (class, reason) tuple per distinct verdict: they repeat
    for link in links:
        src = link.get("source") or ""
        f = _fixed_class(link, src, self_urls.get(src) or {_strip_fragment(src)})
        fixed.append(f if f is None else share(f, f))
    del share
    home = _home_entities(documents, links)
    blocks = _blocks(documents, links, fixed)
    _recurrence(blocks, links, min_pages)
    none: list = []     # shared by the links without signals (never changed)
    memo: dict = {}     # template links repeat on every page: their signals once per distinct link
    signals = []
    read = [reader(links, f) for f in _SIGNAL_FIELDS]
    for i, f in enumerate(fixed):
        if f is not None:
            signals.append(none)
            continue
        key = tuple(r(i) for r in read)
        found = memo.get(key)
        if found is None:
            found = memo[key] = link_signals(dict(zip(_SIGNAL_FIELDS, key))) or none
        signals.append(found)
    del memo, read
    block, target = reader(links, "block"), reader(links, "target")

    result: list = [None] * len(links)
    for i, f in enumerate(fixed):
        if f is not None:
            result[i] = make(f[0], [{"signal": f[0], "detail": f[1]}], block(i) or "", False)

    for b in blocks:
        own = home.get(b.doc) or {b.entity}
        strong = [i for i in b.idx if signals[i]]
        away = {i for i in b.idx if (entity_of(target(i) or "") or "") not in own}
        any_promo = away.union(strong)
        template_like = b.dense and (b.n >= 3 or b.recurring or b.banner)
        block_ev: list[dict] = []
        promo_block = False
        if template_like:
            block_ev.append({"signal": "link_block", "detail": f"{b.n} links, link density {b.density:.2f}"})
            if b.recurring:
                block_ev.append({"signal": "template_block", "detail": b.recurring})
            if b.banner:
                block_ev.append({"signal": "banner_block", "detail": f"{b.media} image links of {b.n}"})
            if len(strong) >= STRONG_SHARE * b.n:
                promo_block = True
                block_ev.append({"signal": "promo_share", "detail": f"{len(strong)} of {b.n} links carry promotional signals"})
            elif (b.recurring or b.banner) and len(any_promo) >= ANY_SHARE * b.n:
                promo_block = True
                block_ev.append({"signal": "cross_entity", "detail": f"{len(any_promo)} of {b.n} links promote other entities or carry promotional signals"})
        for i in b.idx:
            ev = list(block_ev) + signals[i]
            cls = "content"
            if promo_block:
                cls = "promotional"
            elif signals[i]:
                cls = "promotional"
            elif template_like and b.recurring and i in away:
                cls = "promotional"
                ev.append({"signal": "cross_entity", "detail": f"template link to {entity_of(target(i) or '')}"})
            elif template_like:
                cls = "navigation"
            result[i] = make(cls, ev, b.key, bool(template_like))
    return result


def link_classes(documents: list[dict], links: list[dict]) -> list[str]:
    """One ``link_class`` per link occurrence, same order as ``links``.

    See :func:`classify_links` for the evidence behind each class.

    Examples
    --------
    >>> link_classes([{"url": "https://a.org/1"}],
    ...              [{"source": "https://a.org/1", "target": "https://a.org/i.png", "href": "i.png",
    ...                "tag": "img", "attribute": "src"},
    ...               {"source": "https://a.org/1", "target": "https://bit.ly/x", "href": "https://bit.ly/x",
    ...                "tag": "a", "attribute": "href", "anchor_text": "x"}])
    ['media', 'promotional']
    """
    return [v[0] for v in _classify_cached(documents, links)]


# --------------------------------------------------------------------------- clusters


def _top(counter: Counter, n: int) -> list[str]:
    return [k for k, _ in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


#: Louvain may split a small group off the network that promotes it (resolution limit on
#: small graphs). Two communities are merged when every member of the smaller one is tied
#: to the other one with at least this weight (the overlap coefficient: "appears in the
#: same promotional blocks whenever it appears at all").
MERGE_TIE = 0.5


def _merge_dense(G: nx.Graph, communities: list) -> list[set]:
    """Merge Louvain communities whose smaller side is wholly tied to the other (deterministic)."""
    coms = sorted((set(c) for c in communities), key=lambda c: sorted(c))

    def tied(small: set, big: set) -> bool:
        return all(any(G.has_edge(u, v) and G[u][v]["weight"] >= MERGE_TIE for v in big) for u in small)

    merged = True
    while merged:
        merged = False
        for a in range(len(coms)):
            for b in range(a + 1, len(coms)):
                small, big = sorted((coms[a], coms[b]), key=lambda c: (len(c), sorted(c)))
                if tied(small, big):
                    coms[a] |= coms.pop(b)
                    merged = True
                    break
            if merged:
                break
    return coms


_LAST: list = []   # [(documents, links, verdicts)]: the last classify_links call
#: the signals the clusters' evidence quotes with their detail (and every ``keyword:*``) ...
_QUOTED = ("tracking", "shortener")
#: ... and those it only counts
_COUNTED = ("template_block", "banner_block", "cross_entity", "promo_share")


def release() -> None:
    """Drop the verdicts kept from the last classification (see ``_classify_cached``): the
    analysis calls it once it has forked the step that reads them."""
    _LAST.clear()


def _cluster_reading(sig: str) -> str | None:
    """How the clusters read a signal: ``"quote"`` (signal and detail), ``"count"`` (the
    signal alone) or None (not at all)."""
    if sig in _QUOTED or sig.startswith("keyword:"):
        return "quote"
    return "count" if sig in _COUNTED else None


def _classify_cached(documents: list[dict], links: list[dict]) -> list[tuple]:
    """``classify_links`` as ``(class, block, evidence)`` tuples, the evidence kept only
    for the signals the clusters read (:func:`_cluster_reading`), as ``(signal, detail)`` pairs
    (detail ``""`` where the clusters only count the signal), reusing the previous result
    when called again on the same lists (``graph.analyze`` asks for link classes, then for
    clusters, over one pair of lists). Compact: it is held while the rest of the analysis
    runs, and equal pairs, evidence tuples and verdicts are one object each (template
    blocks give the same verdict on every page)."""
    if _LAST and _LAST[0][0] is documents and _LAST[0][1] is links and _LAST[0][3] == (len(documents), len(links)):
        return _LAST[0][2]
    share = {}.setdefault    # one object per distinct pair, evidence tuple and verdict
    reading: dict[str, str | None] = {}     # signal name -> _cluster_reading (a few distinct names)

    def compact(cls: str, evidence: list, block: str, template: bool) -> tuple:
        ev = ()
        for e in evidence:
            sig = e["signal"]
            how = reading.get(sig, ())
            if how == ():
                how = reading[sig] = _cluster_reading(sig)
            if how is not None:
                pair = (sig, e["detail"] if how == "quote" else "")
                ev += (share(pair, pair),)
        if ev:
            ev = share(ev, ev)
        verdict = (cls, block, ev)
        return share(verdict, verdict)

    verdicts = _classify(documents, links, 3, compact)
    _LAST[:] = [(documents, links, verdicts, (len(documents), len(links)))]
    return verdicts


def promotional_clusters(documents: list[dict], links: list[dict], classes: list[str] | None = None,
                         seed: int = 0) -> list[dict]:
    """Cross-promotion networks among the promotional links.

    Entities that appear together in a promotional link block (the page's entity and the
    entities its promotional links point at) are joined in a co-occurrence graph, weighted
    by the number of blocks; Louvain communities of that graph (edge weight: the overlap coefficient of the
    entities' block sets), with communities that are densely tied to each other merged
    (``MERGE_TIE``), are the clusters. Each
    promotional link belongs to the cluster of its target's entity.

    Parameters
    ----------
    documents, links : list of dict
        Crawl records.
    classes : list of str, optional
        ``link_classes(documents, links)``; computed when omitted.
    seed : int
        Louvain seed (deterministic).

    Returns
    -------
    list of dict
        SPEC ``promotional_clusters`` entries ``{"id", "label", "links", "entities",
        "pages", "evidence"}``, sorted by id. The id is the cluster's dominant entity.

    Examples
    --------
    >>> docs = [{"url": f"https://github.com/a/n/{i}.md"} for i in range(3)]
    >>> links = [{"source": d["url"], "target": t, "href": t, "anchor_text": a, "block": "h4[0]"}
    ...          for d in docs for t, a in [("https://github.com/b/", "首页"),
    ...                                        ("https://git.io/x", "安卓版"),
    ...                                        ("https://github.com/a/vpn", "翻墙软件")]]
    >>> [(c["id"], c["entities"], c["pages"]) for c in promotional_clusters(docs, links)]
    [('github.com/a', ['git.io', 'github.com/a', 'github.com/b'], 3)]
    """
    if classes is None:
        classes = link_classes(documents, links)
    verdicts = _classify_cached(documents, links)
    release()   # hold no reference to the records after the analysis
    doc_ent = {d.get("url"): entity_of(d.get("url") or "") or "" for d in documents}
    promo = [i for i, c in enumerate(classes) if c == "promotional"]
    if not promo:
        return []
    source, target, href, anchor_text, title, alt = (
        reader(links, f) for f in ("source", "target", "href", "anchor_text", "title", "alt"))
    blocks: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i in promo:
        src = source(i) or ""
        blocks[(src, verdicts[i][1])].append(i)

    def target_entity(i: int) -> str:
        src = source(i) or ""
        return entity_of(target(i) or "") or doc_ent.get(src) or entity_of(src) or src

    pairs: Counter = Counter()
    seen: Counter = Counter()
    for (src, _), idx in sorted(blocks.items()):
        ents = {target_entity(i) for i in idx}
        src_ent = doc_ent.get(src) or entity_of(src) or src
        ents.add(src_ent)
        seen.update(ents)
        ordered = sorted(ents)
        for a in range(len(ordered)):
            for b in range(a + 1, len(ordered)):
                pairs[(ordered[a], ordered[b])] += 1
    # weight = overlap coefficient: entities that appear together whenever the rarer of
    # them appears are tied with weight 1, whatever their absolute frequencies.
    G = nx.Graph()
    G.add_nodes_from(sorted(seen))
    for (a, b), n in sorted(pairs.items()):
        G.add_edge(a, b, weight=n / min(seen[a], seen[b]), blocks=n)
    communities = _merge_dense(G, nx.community.louvain_communities(G, weight="weight", seed=seed))
    member = {}
    for k, com in enumerate(sorted(communities, key=lambda c: sorted(c))):
        for e in com:
            member[e] = k

    per: dict[int, dict] = defaultdict(lambda: {"links": set(), "pages": set(), "ent": Counter(),
                                                "anchors": Counter(), "signals": Counter(), "blocks": set()})
    for i in promo:
        ent = target_entity(i)
        k = member[ent]
        c = per[k]
        c["links"].add(target(i) or href(i) or "")
        src = source(i) or ""
        c["pages"].add(src)
        c["ent"][ent] += 1
        c["blocks"].add((src, verdicts[i][1]))
        a = (anchor_text(i) or title(i) or alt(i) or "").strip()
        if a:
            c["anchors"][a] += 1
        c["signals"].update(verdicts[i][2])     # (signal, detail) pairs
    owners: Counter = Counter(doc_ent.get(src) or entity_of(src) or src for src in {s for s, _ in blocks})

    out = []
    for k, c in per.items():
        com = [e for e in member if member[e] == k]
        ents_all = sorted(com, key=lambda e: (-seen[e], -owners[e], -c["ent"][e], e))
        anchors = _top(c["anchors"], 3)
        label = ", ".join(ents_all[:3]) + (": " + " / ".join(anchors) if anchors else "")
        evidence = []
        for (sig, detail), n in sorted(c["signals"].items(), key=lambda kv: (-kv[1], kv[0])):
            if sig in ("template_block", "banner_block", "cross_entity", "promo_share"):
                evidence.append({"signal": sig, "detail": f"{n} promotional links"})
            else:
                evidence.append({"signal": sig, "detail": f"{detail} ({n} links)"})
        sub = G.subgraph([e for e in member if member[e] == k])
        for a, b, w in sorted(sub.edges(data="blocks"), key=lambda e: (-e[2], e[0], e[1]))[:10]:
            evidence.append({"signal": "co_occurrence", "detail": f"{a} + {b} in {w} promotional blocks"})
        evidence.append({"signal": "community", "detail": f"louvain (seed={seed}) over {G.number_of_nodes()} entities"})
        out.append({
            "id": ents_all[0],
            "label": label,
            "links": sorted(c["links"]),
            "entities": sorted(ents_all),
            "pages": len(c["pages"]),
            "evidence": evidence,
        })
    return sorted(out, key=lambda c: c["id"])
