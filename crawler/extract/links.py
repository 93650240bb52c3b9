"""Every link of a document, with its block, context and attribution marker — plus the
visible text and page facts (title tag, meta tags, headings) gathered in the same walk.

Parser: selectolax's Lexbor backend. It is an HTML5 parser written in C (fast: a few ms
per page), it repairs broken markup the way browsers do (20,000 unclosed ``<p>`` become
siblings, not a 20,000-deep tree) and keeps unknown elements such as ``<ok href=..>``
with their attributes. The walk over the tree is iterative (first-child / next-sibling /
parent pointers), so no depth of nesting can exhaust the Python stack; DOM paths stop
growing beyond ``MAX_PATH_DEPTH``.

Link kinds found (SPEC "A link is ..."):

1. URL-bearing attributes on ANY element (``href``, ``src``, ``srcset``, ``action``, ...,
   ``data-*`` values that look like URLs, ``content`` of ``og:url``/``twitter:url``/refresh);
2. Markdown links, images, linked images and reference definitions in text;
3. bare URLs in text, cut as GitHub's autolinker cuts them;
4. URLs embedded in the query of share / QR links (``via="embedded"``).

Text inside an element that carries ``href`` is not scanned for bare URLs again, and a
Markdown span is never re-read as a bare URL, so one link is recorded once.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from selectolax.lexbor import LexborHTMLParser

from crawler.extract.markdown import (heading_text, is_heading, is_rule, iter_spans, may_hold_bare_url, plain_line,
                                      resolve_references, scan_line)
from crawler.extract.urls import embedded_urls, normalize_url, scheme_kind, url_flags

__all__ = ["Page", "extract_links", "iter_links", "find_marker", "MAX_TEXT"]

MAX_TEXT = 200_000          # characters of visible text kept (links are never capped: they stream)
MAX_PATH_DEPTH = 40         # DOM path components kept in block ids
CONTEXT = 60                # characters of context before a link
_TAIL = 240                 # characters of block text kept for context

BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dialog div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre "
    "section summary table tbody thead tfoot td th tr ul li html head noscript".split())
# list items / rows are not blocks of their own for block ids: a bar of <li> links is one block
_NOT_ID_BLOCKS = frozenset({"li", "dt", "dd", "tr", "tbody", "thead", "tfoot"})
_SKIP_TEXT = frozenset({"script", "style", "template", "noscript", "textarea", "title", "head", "svg",
                        "math", "iframe", "object"})
_MEDIA_TAGS = frozenset({"img", "picture", "video", "audio", "source", "track", "embed", "object",
                         "iframe", "svg", "image", "input"})
_URL_ATTRS = ("href", "src", "srcset", "action", "formaction", "poster", "cite", "data", "background",
              "longdesc", "lowsrc", "dynsrc", "manifest", "codebase", "icon", "profile", "xlink:href",
              "imagesrcset", "ping", "archive", "classid", "usemap")
_META_URL_KEYS = frozenset({"og:url", "twitter:url", "og:image", "og:image:url", "og:image:secure_url",
                            "og:video", "og:video:url", "og:audio", "twitter:image", "twitter:image:src",
                            "twitter:player", "msapplication-tileimage", "url", "original-source",
                            "syndication-source", "citation_pdf_url", "citation_abstract_html_url"})
_URLISH = re.compile(r"^\s*(?:(?:https?:)?//[^\s/]+\.[^\s]+|www\.[^\s.]+\.[^\s]+)\s*$", re.I)
_REFRESH = re.compile(r"^\s*\d*\s*[;,]?\s*url\s*=\s*['\"]?([^'\"]+)", re.I)
_TRAIL_PUNCT = re.compile(r"[\s:：,，;；>»|/\-–—=]+$")
_TRAIL_PAREN = re.compile(r"[（(][^（()）]{0,40}[）)]$")


def _collapse(s: str) -> str:
    # str.split() and re's \s are the same Unicode whitespace (tested over every code point)
    return " ".join(s.split())


@lru_cache(maxsize=1)
def _markers() -> list[tuple[str, str, str]]:
    data = json.loads(resources.files("crawler").joinpath("data/markers.json").read_text("utf-8"))
    out = [(m["marker"].lower(), m["marker"], m["kind"]) for m in data["markers"]]
    return sorted(out, key=lambda t: (-len(t[0]), t[0]))


@lru_cache(maxsize=1)
def _markers_by_last() -> dict[str, list[tuple[str, str, str]]]:
    """:func:`_markers` by the last character of their key (a context can only end with a
    marker that ends with its own last character), longest first as in :func:`_markers`."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for m in _markers():
        out.setdefault(m[0][-1], []).append(m)
    return out


def attribution_markers(kinds=("original", "source")) -> list[str]:
    """The attribution markers of ``kinds`` from ``crawler/data/markers.json``, longest first.

    >>> "原文地址" in attribution_markers(("original",))
    True
    """
    return [marker for _, marker, kind in _markers() if kind in kinds]


@lru_cache(maxsize=32768)   # template links repeat their context on every page of a site
def find_marker(context: str) -> tuple[str, str] | None:
    """The attribution marker that ends ``context`` (``(marker, kind)``), or None.

    >>> find_marker("原文地址（需翻墙访问）：")
    ('原文地址', 'original')
    >>> find_marker("下载翻墙软件浏览原文："), find_marker("trivia")
    (('浏览原文', 'original'), None)
    """
    c = context
    for _ in range(3):
        c2 = _TRAIL_PAREN.sub("", _TRAIL_PUNCT.sub("", c))
        if c2 == c:
            break
        c = c2
    low = c[-40:].lower()
    for key, marker, kind in _markers_by_last().get(low[-1:], ()):
        if low.endswith(key):
            before = low[:-len(key)][-1:] if len(low) > len(key) else ""
            if key[0].isascii() and key[0].isalpha() and before.isascii() and before.isalnum():
                continue
            return marker, kind
    return None


@dataclass
class Page:
    """What one walk over a document yields."""
    links: list[dict] = field(default_factory=list)
    text: str = ""
    title_tag: str | None = None
    metas: list[tuple[str, str]] = field(default_factory=list)   # (name/property lower-case, content)
    heading: str | None = None          # first h1/h2 element text
    md_heading: str | None = None       # first Markdown heading line
    first_line: str | None = None
    times: list[str] = field(default_factory=list)               # <time datetime>, itemprop dates
    jsonld: list[str] = field(default_factory=list)
    base: str | None = None


class _Frame:
    __slots__ = ("tag", "path", "depth", "counts", "block", "md", "dirty", "anchor", "in_link", "skip", "bid")

    def __init__(self, tag, path, depth, block, anchor, in_link, skip):
        self.tag = tag
        self.path = path
        self.depth = depth
        self.counts: dict[str, int] = {}
        self.block = block          # the frame whose path is this node's block (self for blocks)
        self.md = 0
        self.bid = None             # block id, once asked for (cleared when md moves on)
        self.dirty = False
        self.anchor = anchor        # list of link dicts collecting anchor text, or None
        self.in_link = in_link
        self.skip = skip


class _Walker:
    def __init__(self, base: str | None, markdown: bool, source: str):
        self.base = base
        self.markdown = markdown
        self.source = source
        self.page = Page(base=base)
        self.tails: dict[str, str] = {}
        self.lines: list[str] = []
        self.cur: list[str] = []
        self.text_len = 0
        self.seen_text_nodes = 0
        self.count = 0                      # links emitted so far (the next position)
        self.pending: list[dict] = []       # emitted, not yet final (inside an open link element)

    # -- blocks, context, text ------------------------------------------------------------
    def block_id(self, frame: _Frame) -> str:
        b = frame.block
        bid = b.bid
        if bid is None:
            bid = b.bid = f"{b.path}/md[{b.md}]" if self.markdown else b.path
        return bid

    def md_boundary(self, frame: _Frame) -> None:
        b = frame.block
        if b.dirty:
            b.md += 1
            b.bid = None
            b.dirty = False

    def add_context(self, frame: _Frame, s: str) -> None:
        if not s:
            return
        if len(s) > _TAIL:
            s = s[-_TAIL:]
        bid = self.block_id(frame)
        t = self.tails.get(bid, "") + s
        self.tails[bid] = t[-_TAIL:]
        if not s.isspace():
            frame.block.dirty = True

    def context(self, frame: _Frame, extra: str = "") -> str:
        t = self.tails.get(self.block_id(frame), "") + extra
        return _collapse(t[-(_TAIL + len(extra)):] if len(extra) > _TAIL else t)[-CONTEXT:]

    def flush_line(self) -> None:
        if self.cur:
            line = _collapse("".join(self.cur))
            self.cur = []
            if line and self.text_len < MAX_TEXT:
                self.lines.append(line)
                self.text_len += len(line) + 1
                if self.page.first_line is None:
                    self.page.first_line = line

    def add_text(self, s: str) -> None:
        if self.text_len < MAX_TEXT and s:
            room = MAX_TEXT - self.text_len + 1000
            self.cur.append(s if len(s) <= room else s[:room])

    # -- links -----------------------------------------------------------------------------
    def emit(self, frame: _Frame, href: str, *, via: str, tag: str, attribute: str, anchor_text: str = "",
             title=None, alt=None, rel=None, media=False, context=None, marker=None) -> dict | None:
        href = href.strip()
        if not href:
            return None
        kind = scheme_kind(href)
        if kind == "url" and via == "bare" and href[:4].lower() == "www.":
            target = normalize_url("http://" + href)
        else:
            target = normalize_url(href, self.base) if kind == "url" else None
        if context is None:
            context = self.context(frame)
        if marker is None:
            marker = find_marker(context) if context else None
        rec = {"source": self.source, "target": target, "href": href, "scheme_kind": kind, "via": via,
               "tag": tag, "attribute": attribute, "anchor_text": _collapse(anchor_text)[:500],
               "title": title, "alt": alt, "rel": rel, "media": bool(media), "block": self.block_id(frame),
               "position": self.count, "context": context,
               "marker": marker[0] if marker else None, "marker_kind": marker[1] if marker else None,
               "flags": url_flags(target)}
        self.count += 1
        self.pending.append(rec)
        if target and ("?" in href or "%3F" in href.upper()):
            for param, url in embedded_urls(href):
                inner = normalize_url(url)
                self.pending.append({**rec, "target": inner, "href": url, "scheme_kind": scheme_kind(url),
                                     "via": "embedded", "attribute": f"{attribute}?{param}", "position": self.count,
                                     "flags": url_flags(inner)})
                self.count += 1
        return rec

    def bare_links(self, frame, text: str):
        """Emit the bare URLs of one run of text (cut where GitHub's autolinker cuts them),
        keeping the block's context and text up to date."""
        pos = 0
        for sp in iter_spans(text, markdown=False) if may_hold_bare_url(text) else ():
            self.add_context(frame, text[pos:sp.start])
            self.emit(frame, sp.href, via="bare", tag="text", attribute="text", anchor_text=sp.text)
            self.add_context(frame, text[sp.start:sp.end])
            pos = sp.end
            yield from self.drain()
        self.add_context(frame, text[pos:])
        self.add_text(text)

    def drain(self):
        """Yield the pending links, final now (anchor text collapsed)."""
        pending, self.pending = self.pending, []
        for rec in pending:
            if rec["anchor_text"]:
                rec["anchor_text"] = _collapse(rec["anchor_text"])[:500]
            yield rec

    def scan_text(self, frame: _Frame, text: str):
        """A text node: Markdown lines (markdown mode) or prose; bare URLs everywhere.

        A generator: yields links as they become final (outside link elements)."""
        in_link = frame.in_link
        if not self.markdown:
            if in_link:
                self.add_context(frame, text)
                self.add_text(text)
                return
            yield from self.bare_links(frame, text)
            return
        pieces = text.split("\n")
        for i, line in enumerate(pieces):
            if i > 0:
                self.add_context(frame, "\n")
                self.flush_line()
                if 0 < i < len(pieces) - 1 and not line.strip():
                    self.md_boundary(frame)
                    continue
            if not line:
                continue
            starts_line = i > 0 or self.at_line_start
            heading = starts_line and is_heading(line)
            if heading:
                self.md_boundary(frame)
                if self.page.md_heading is None:
                    h = heading_text(line)
                    if h:
                        self.page.md_heading = h
            elif starts_line and is_rule(line):
                self.md_boundary(frame)
                continue
            giant = len(line) > 100_000
            # a giant line's spans stream (a 50 MB line may hold millions of links)
            spans = () if in_link else (iter_spans(line) if giant else scan_line(line, markdown=True))
            pos = 0
            if heading:   # the '#' marks are syntax, not context
                pos = len(line) - len(line.lstrip(" ").lstrip("#").lstrip(" \t"))
                spans = [sp for sp in spans if sp.start >= pos]
            for sp in spans:
                if sp.start < pos:   # the image part of a linked image: same span
                    ctx = self.context(frame)
                else:
                    self.add_context(frame, line[pos:sp.start])
                    ctx = self.context(frame)
                self.emit(frame, sp.href, via=sp.via, tag="text", attribute=sp.attribute,
                          anchor_text=sp.text, title=sp.title, alt=sp.alt, media=sp.media, context=ctx)
                if sp.start >= pos:
                    shown = (sp.alt or "") if sp.attribute == "md-image" or (sp.media and not sp.text) else sp.text
                    self.add_context(frame, shown)
                    pos = sp.end
                if not in_link and len(self.pending) >= 1000:
                    yield from self.drain()
            if not in_link and self.pending:
                yield from self.drain()
            self.add_context(frame, line[pos:])
            if self.text_len < MAX_TEXT:
                if giant:   # a giant line: keep its start as text, skip Markdown clean-up
                    self.add_text(line[:MAX_TEXT])
                else:
                    self.add_text(plain_line(line, spans) if spans else (heading_text(line) if heading else line))
            if heading:
                self.flush_line()
                self.md_boundary(frame)   # the heading is a block of its own
        self.at_line_start = text.endswith("\n")

    at_line_start = True

    # -- elements --------------------------------------------------------------------------
    def element_links(self, node, frame: _Frame, tag: str, attrs: dict) -> None:
        rel = attrs.get("rel")
        title = attrs.get("title")
        alt = attrs.get("alt")
        media = tag in _MEDIA_TAGS
        collect = []
        for name, value in attrs.items():
            if value is None or not isinstance(value, str):
                continue
            lname = name.lower()
            if lname in _URL_ATTRS:
                if lname in ("srcset", "imagesrcset"):
                    urls = [c.strip().split()[0] for c in re.split(r",\s+", value.strip()) if c.strip()]
                elif lname in ("ping", "archive"):
                    urls = value.split()
                else:
                    urls = [value]
                for u in urls:
                    is_media = media or lname in ("src", "srcset", "poster", "background", "lowsrc", "dynsrc")
                    anchor = ""
                    rec = self.emit(frame, u, via="attribute", tag=tag, attribute=lname, anchor_text=anchor,
                                    title=title, alt=alt, rel=rel, media=is_media)
                    if rec is not None and lname == "href":
                        collect.append(rec)
            elif lname.startswith("data-") and _URLISH.match(value):
                self.emit(frame, value, via="attribute", tag=tag, attribute=lname, title=title, alt=alt,
                          rel=rel, media=media)
            elif lname == "content" and tag == "meta":
                key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
                equiv = (attrs.get("http-equiv") or "").lower()
                if equiv == "refresh":
                    m = _REFRESH.match(value)
                    if m:
                        self.emit(frame, m.group(1), via="attribute", tag=tag, attribute="content", rel="refresh")
                elif key in _META_URL_KEYS and (_URLISH.match(value) or value.startswith("/")):
                    self.emit(frame, value, via="attribute", tag=tag, attribute="content", rel=key)
        if collect:
            frame.anchor = collect
        if media and frame.in_link is not None:
            for rec in frame.in_link:
                rec["media"] = True
                if rec["alt"] is None and alt:
                    rec["alt"] = alt

    def text_node(self, node, parent: _Frame) -> Iterator[dict] | None:
        """A text node: a generator of the links it completes, or None when it can hold none
        (most text nodes: taken here, without a generator per node)."""
        if parent.skip:
            return None
        text = node.text_content or ""
        if not text:
            return None
        if parent.in_link:
            for rec in parent.in_link:
                if len(rec["anchor_text"]) < 2000:
                    rec["anchor_text"] += text
        if not self.markdown and (parent.in_link or not may_hold_bare_url(text)):
            self.add_context(parent, text)     # what scan_text does with text that holds no URL
            self.add_text(text)
            return None
        return self.scan_text(parent, text)

    def enter(self, node, parent: _Frame) -> _Frame | None:
        tag = node.tag
        if not isinstance(tag, str) or tag.startswith(("_", "!", "-")):
            return None
        tag = tag.lower()
        i = parent.counts.get(tag, 0)
        parent.counts[tag] = i + 1
        depth = parent.depth + 1
        if tag == "html" and parent.tag == "#root":
            path = ""
        elif depth > MAX_PATH_DEPTH:
            path = parent.path
        else:
            path = f"{parent.path}/{tag}[{i}]" if parent.path else f"{tag}[{i}]"
        skip = parent.skip or tag in _SKIP_TEXT
        is_block = tag in BLOCK_TAGS and tag not in _NOT_ID_BLOCKS and depth <= MAX_PATH_DEPTH
        frame = _Frame(tag, path, depth, None, None, parent.in_link, skip)
        if tag in BLOCK_TAGS or tag == "br":
            self.flush_line()
        if is_block:
            if self.markdown:
                self.md_boundary(parent)
            frame.block = frame
        else:
            frame.block = parent.block
        attrs = node.attributes
        if tag == "title" and self.page.title_tag is None:
            self.page.title_tag = _collapse(node.text(deep=True) or "") or None
        elif tag == "meta":
            key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or attrs.get("http-equiv") or "")
            if key and attrs.get("content"):
                self.page.metas.append((key.lower(), attrs.get("content")))
        elif tag == "time" and attrs.get("datetime"):
            self.page.times.append(attrs["datetime"])
        elif tag == "script" and "ld+json" in (attrs.get("type") or "").lower():
            self.page.jsonld.append((node.text(deep=True) or "")[:200_000])
        elif tag in ("h1", "h2") and self.page.heading is None:
            self.page.heading = _collapse(node.text(deep=True, separator=" ") or "") or None
        if attrs.get("itemprop") in ("datePublished", "dateCreated") and (attrs.get("content") or attrs.get("datetime")):
            self.page.times.insert(0, attrs.get("content") or attrs.get("datetime"))
        if attrs:
            self.element_links(node, frame, tag, attrs)
        if frame.anchor:
            frame.in_link = list(parent.in_link or ()) + frame.anchor
        if tag in ("br", "hr"):
            self.add_context(frame, "\n")
        return frame

    def leave(self, frame: _Frame) -> None:
        if frame.tag in BLOCK_TAGS:
            self.flush_line()
            if self.markdown and frame.block is frame:
                self.at_line_start = True

    def walk(self, root):
        """Walk the tree; yield each link once it is final (its link element is closed)."""
        top = _Frame("#root", "", 0, None, None, None, False)
        top.block = top
        stack: list[_Frame] = [top]
        node = root
        root_id = root.mem_id
        while node is not None:
            if self.pending and not stack[-1].in_link:
                yield from self.drain()
            if node.tag == "-text":
                links = self.text_node(node, stack[-1])
                if links is not None:
                    yield from links
                frame = None
            else:
                frame = self.enter(node, stack[-1])
            if frame is not None and node.child is not None:
                stack.append(frame)
                node = node.child
                continue
            if frame is not None:
                self.leave(frame)
            # climb until a next sibling exists
            while node is not None:
                if node.mem_id == root_id:
                    node = None
                    break
                nxt = node.next
                if nxt is not None:
                    node = nxt
                    break
                node = node.parent
                if len(stack) > 1:
                    self.leave(stack.pop())
        while len(stack) > 1:
            self.leave(stack.pop())
        yield from self.drain()
        self.flush_line()
        self.page.text = "\n".join(self.lines)[:MAX_TEXT]


def _parse_html(text: str):
    tree = LexborHTMLParser(text)
    return tree


def extract_links(text: str, content_type: str, base: str | None, source: str | None = None) -> Page:
    """Walk a decoded document and return its links (as a list), visible text and page facts.

    For documents of any size use :func:`iter_links`, which streams the links.

    Parameters
    ----------
    text : str
        The decoded document.
    content_type : {"html", "xhtml", "markdown", "text"}
        From :func:`crawler.extract.sniff.sniff`.
    base : str or None
        The document URL; relative links are resolved against it (or ``<base href>``).
    source : str or None
        Written as ``source`` of every link (defaults to ``base``).

    Examples
    --------
    >>> p = extract_links('<p>原文地址：<a href="/a?x=1#f">A</a></p>', "html", "https://s.org/d/")
    >>> [(l["target"], l["href"], l["anchor_text"], l["block"], l["marker"]) for l in p.links]
    [('https://s.org/a?x=1', '/a?x=1#f', 'A', 'body[0]/p[0]', '原文地址')]
    """
    page = Page()
    page.links = list(iter_links(text, content_type, base, source, page=page))
    return page


def iter_links(text: str, content_type: str, base: str | None, source: str | None = None,
               page: Page | None = None) -> Iterator[dict]:
    """Stream the links of a decoded document in document order, one dict per link.

    Memory stays bounded by the document, not by its number of links: a link is yielded
    as soon as the element it sits in is closed. ``page`` (a :class:`Page`), when given,
    is filled with the visible text and page facts; it is complete once the iterator is
    exhausted (its ``links`` stay empty).

    Examples
    --------
    >>> page = Page()
    >>> it = iter_links("see http://a.org/1 and http://b.org/2", "text", "file:///x", page=page)
    >>> [l["target"] for l in it], page.text
    (['http://a.org/1', 'http://b.org/2'], 'see http://a.org/1 and http://b.org/2')
    """
    source = source if source is not None else (base or "")
    if content_type == "text":
        w = _Walker(base, True, source)
        if page is not None:
            w.page = page
            page.base = base
        top = _Frame("#root", "text", 0, None, None, None, False)
        top.block = top
        # plain text: blank-line blocks, bare URLs only (no Markdown link syntax)
        w.markdown = True
        yield from _scan_plain(w, top, text)
        w.flush_line()
        w.page.text = "\n".join(w.lines)[:MAX_TEXT]
        return
    if content_type == "markdown":
        text = resolve_references(text)
    tree = _parse_html(text)
    base_el = tree.css_first("base[href]")
    if base_el is not None:
        b = normalize_url(base_el.attributes.get("href") or "", base)
        if b:
            base = b
    w = _Walker(base, content_type == "markdown", source)
    if page is not None:
        w.page = page
    w.page.base = base
    root = tree.root
    if root is not None:
        yield from w.walk(root)


def _scan_plain(w: _Walker, frame: _Frame, text: str) -> Iterator[dict]:
    for i, line in enumerate(text.split("\n")):
        if i:
            w.add_context(frame, "\n")
            w.flush_line()
        if not line.strip():
            w.md_boundary(frame)
            continue
        yield from w.bare_links(frame, line)
    yield from w.drain()
