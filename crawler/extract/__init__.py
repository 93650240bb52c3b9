"""Pure extraction functions: bytes -> text -> document metadata and links with context.

The single entry point used by the spider is :func:`parse_document`. Everything here is
pure (no I/O, no network) and unit-tested on fixture bytes. The steps live in small modules:

- :mod:`.encoding`  bytes -> str (BOM, declared charset, UTF-8, GB18030/Big5-aware detection)
- :mod:`.sniff`     content type from the content (html / xhtml / markdown / text), ``is_warc``
- :mod:`.urls`      ``normalize_url``, ``scheme_kind``, ``embedded_urls``
- :mod:`.markdown`  Markdown links, images and bare URLs in a line
- :mod:`.links`     the document walk: links with block, context, marker; visible text
- :mod:`.meta`      title, publication date, languages, attribution lines
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from crawler.errors import SkipInput
from crawler.extract.encoding import decode
from crawler.extract.links import Page, extract_links, find_marker, iter_links
from crawler.extract.meta import (date_from_text, date_from_url, detect_languages, find_attributions,
                                  find_published, pick_title)
from crawler.extract.sniff import is_warc, sniff
from crawler.extract.urls import embedded_urls, normalize_url, scheme_kind, service_kind, url_flags

__all__ = ["ParsedDocument", "LinkStream", "parse_document", "self_url", "SkipInput", "decode", "sniff",
           "is_warc", "normalize_url", "scheme_kind", "embedded_urls", "url_flags", "extract_links",
           "iter_links", "find_marker", "detect_languages", "find_attributions", "date_from_text",
           "date_from_url"]

_AUTHORITATIVE = {"warc", "mount", "http"}
_UNKNOWN_URL = "file:///unknown"
LINK_CACHE = 20_000       # a document with more links re-reads them when iterated (memory stays bounded)
_KEEP_MARKED = 10_000     # marked links kept for attribution lines and dates


class LinkStream(Sequence):
    """The links of one document: iterable any number of times, with a known ``len``.

    Up to ``LINK_CACHE`` links are held in a list; beyond that each iteration walks the
    document again (:func:`crawler.extract.links.iter_links`), so a page with a million
    links is streamed, never held. Indexing materializes the links (meant for tests).
    """

    def __init__(self, count: int, cached: list[dict] | None, text: str = "", content_type: str = "text",
                 base: str | None = None):
        self._count = count
        self._cached = cached
        self._args = (text, content_type, base)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[dict]:
        if self._cached is not None:
            return iter(self._cached)
        text, ctype, base = self._args
        return iter_links(text, ctype, base, source=base)

    def __getitem__(self, index):
        return (self._cached if self._cached is not None else list(self))[index]

    def __eq__(self, other) -> bool:
        if isinstance(other, (LinkStream, list)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __repr__(self) -> str:
        return f"LinkStream({self._count} links{'' if self._cached is not None else ', streamed'})"


@dataclass
class ParsedDocument:
    url: str                 # final document URL (given url unless inferred from content)
    url_source: str          # as DocumentItem.url_source
    content_type: str
    encoding: str | None
    encoding_source: str | None
    title: str | None
    published: str | None
    published_source: str | None
    published_evidence: str | None
    language: list[str]
    attributions: list[dict]
    text: str
    links: Sequence[dict] = field(default_factory=list)   # LinkItem fields as dicts, in document order
    self_url_evidence: str | None = None              # the link the stated URL was read from
    flags: list[str] = field(default_factory=list)    # of the document URL's host: "idn", "homograph"


def _http(u: str | None) -> bool:
    return bool(u) and u.startswith(("http://", "https://"))


def self_url(links: Iterable[dict]) -> tuple[str, str, str] | None:
    """The URL a document states for itself: ``(url, url_source, evidence)`` or None.

    Order: ``<link rel=canonical>``, ``og:url``, a QR code's embedded URL, a share link's
    embedded URL (or a link marked as a share link, e.g. after 分享本文章). A link marked as
    the original (原文地址 ...) is never the document's own URL.
    """
    finder = _SelfUrl()
    for rec in links:
        finder.add(rec)
    return finder.result()


class _SelfUrl:
    """:func:`self_url` one link at a time (so that links can stream)."""

    def __init__(self):
        self.canonical = self.og = self.qr = self.share = None
        self.container = None

    def result(self):
        return self.canonical or self.og or self.qr or self.share

    def add(self, rec: dict) -> None:
        canonical, og, qr, share, container = self.canonical, self.og, self.qr, self.share, self.container
        t = rec.get("target")
        if rec["via"] != "embedded":
            container = self.container = rec
        if not _http(t) or rec.get("marker_kind") == "original":
            return
        rel = (rec.get("rel") or "").lower()
        if canonical is None and rec["tag"] == "link" and "canonical" in rel.split():
            canonical = (t, "canonical", f"link rel=canonical {rec['href']}")
        elif og is None and rec["tag"] == "meta" and rel == "og:url":
            og = (t, "og:url", f"meta og:url {rec['href']}")
        elif rec["via"] == "embedded" and container is not None and container.get("marker_kind") != "original":
            kind = service_kind(container.get("href"))
            if kind is None and container.get("marker_kind") == "share":
                kind = "qr" if container.get("media") else "share"
            if kind == "qr" and qr is None:
                qr = (t, "qr", f"{container['tag']} {container['attribute']} {container['href']}")
            elif kind == "share" and share is None:
                share = (t, "share", f"{container['tag']} {container['attribute']} {container['href']}")
        elif (share is None and rec["via"] != "embedded" and rec.get("marker_kind") == "share"
              and service_kind(rec.get("href")) is None and not embedded_urls(rec.get("href"))):
            share = (t, "share", f"{rec['marker']} {rec['href']}")
        self.canonical, self.og, self.qr, self.share = canonical, og, qr, share


def parse_document(body: bytes, url: str | None = None, *, url_source: str = "file",
                   declared_charset: str | None = None,
                   content_type_hint: str | None = None) -> ParsedDocument:
    """Parse raw bytes of one document.

    Parameters
    ----------
    body : bytes
        The raw document.
    url : str or None
        The URL the document is known to live at. With ``url_source`` ``"warc"``,
        ``"mount"`` or ``"http"`` it is authoritative; with ``"file"`` (a bare seed file)
        a URL the document states for itself (canonical, og:url, share/QR link) wins.
    declared_charset : str or None
        A charset from transport headers (HTTP/WARC), tried first.
    content_type_hint : str or None
        A transport content type; used only when the content itself looks like plain text.

    Raises
    ------
    SkipInput
        With reason ``empty``, ``binary``, ``undecodable``, ``warc`` (it is an archive,
        not a document).

    Examples
    --------
    >>> d = parse_document('<p>原文地址：<a href="https://a.org/x">A</a></p>'.encode(), "file:///s.html")
    >>> d.content_type, d.links[0]["target"], d.links[0]["marker_kind"]
    ('html', 'https://a.org/x', 'original')
    """
    if is_warc(body[:4096]):
        raise SkipInput("warc", "a WARC archive, not a document: pass it as a seed so its records are read")
    dec = decode(body, declared_charset)
    text = dec.text
    ctype = sniff(text)
    if ctype == "text" and content_type_hint:
        h = content_type_hint.lower()
        if "xhtml" in h:
            ctype = "xhtml"
        elif "html" in h:
            ctype = "html"
        elif "markdown" in h:
            ctype = "markdown"
    doc_url = url or _UNKNOWN_URL
    page, links = _read(text, ctype, doc_url, url_source not in _AUTHORITATIVE)
    evidence = None
    if url_source not in _AUTHORITATIVE:
        found = links.found_self
        if found and found[0] != doc_url:
            doc_url, url_source, evidence = found
            page, links = _read(text, ctype, doc_url, False)
    title = pick_title(page, ctype)
    attributions = find_attributions(page.text)
    _link_attribution_urls(attributions, links.marked)
    originals = [a["url"] for a in attributions if a["kind"] == "original" and a.get("url")]
    originals += [l["target"] for l in links.marked if l.get("marker_kind") == "original"]
    published, pub_source, pub_evidence = find_published(page, doc_url, originals, title)
    stream = LinkStream(links.count, links.cached, text if links.cached is None else "", ctype, doc_url)
    return ParsedDocument(url=doc_url, url_source=url_source, content_type=ctype, encoding=dec.encoding,
                          encoding_source=dec.source, title=title, published=published,
                          published_source=pub_source, published_evidence=pub_evidence,
                          language=detect_languages(page.text), attributions=attributions, text=page.text,
                          links=stream, self_url_evidence=evidence, flags=url_flags(doc_url))


@dataclass
class _Summary:
    """What one streamed pass over the links keeps: bounded whatever their number."""
    count: int = 0
    cached: list[dict] | None = field(default_factory=list)
    marked: list[dict] = field(default_factory=list)     # links with a marker and a target
    found_self: tuple[str, str, str] | None = None


def _read(text: str, ctype: str, doc_url: str, find_self: bool) -> tuple[Page, _Summary]:
    page = Page()
    summary = _Summary()
    finder = _SelfUrl() if find_self else None
    for rec in iter_links(text, ctype, doc_url, source=doc_url, page=page):
        summary.count += 1
        if summary.cached is not None:
            summary.cached.append(rec)
            if len(summary.cached) > LINK_CACHE:
                summary.cached = None
        if finder is not None:
            finder.add(rec)
        if rec.get("marker") and rec.get("target") and len(summary.marked) < _KEEP_MARKED:
            summary.marked.append(rec)
    if finder is not None:
        summary.found_self = finder.result()
    return page, summary


def _link_attribution_urls(attributions: list[dict], links: Iterable[dict]) -> None:
    """An attribution line whose URL sits in a link (``浏览原文：<a href=..>``) gets that URL."""
    by_marker: dict[str, list[dict]] = {}
    for l in links:
        if l.get("marker") and l.get("target") and l["via"] != "embedded":
            by_marker.setdefault(l["marker"], []).append(l)
    used: set[int] = set()
    for a in attributions:
        if a.get("url"):
            continue
        for l in by_marker.get(a["marker"], []):
            if l["position"] not in used:
                used.add(l["position"])
                a["url"] = l["target"]
                if not a.get("name") and l.get("anchor_text") and a["kind"] != "original":
                    a["name"] = l["anchor_text"]
                break
