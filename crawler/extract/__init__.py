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

from dataclasses import dataclass, field

from crawler.errors import SkipInput
from crawler.extract.encoding import decode
from crawler.extract.links import Page, extract_links, find_marker
from crawler.extract.meta import (date_from_text, date_from_url, detect_languages, find_attributions,
                                  find_published, pick_title)
from crawler.extract.sniff import is_warc, sniff
from crawler.extract.urls import embedded_urls, normalize_url, scheme_kind, service_kind

__all__ = ["ParsedDocument", "parse_document", "self_url", "SkipInput", "decode", "sniff", "is_warc",
           "normalize_url", "scheme_kind", "embedded_urls", "extract_links", "find_marker",
           "detect_languages", "find_attributions", "date_from_text", "date_from_url"]

_AUTHORITATIVE = {"warc", "mount", "http"}
_UNKNOWN_URL = "file:///unknown"


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
    links: list[dict] = field(default_factory=list)   # LinkItem fields as dicts, in document order
    self_url_evidence: str | None = None              # the link the stated URL was read from


def _http(u: str | None) -> bool:
    return bool(u) and u.startswith(("http://", "https://"))


def self_url(links: list[dict]) -> tuple[str, str, str] | None:
    """The URL a document states for itself: ``(url, url_source, evidence)`` or None.

    Order: ``<link rel=canonical>``, ``og:url``, a QR code's embedded URL, a share link's
    embedded URL (or a link marked as a share link, e.g. after 分享本文章). A link marked as
    the original (原文地址 ...) is never the document's own URL.
    """
    canonical = og = qr = share = None
    container = None
    for rec in links:
        t = rec.get("target")
        if rec["via"] != "embedded":
            container = rec
        if not _http(t) or rec.get("marker_kind") == "original":
            continue
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
    return canonical or og or qr or share


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
    page: Page = extract_links(text, ctype, doc_url, source=doc_url)
    evidence = None
    if url_source not in _AUTHORITATIVE:
        found = self_url(page.links)
        if found and found[0] != doc_url:
            doc_url, url_source, evidence = found
            page = extract_links(text, ctype, doc_url, source=doc_url)
    title = pick_title(page, ctype)
    attributions = find_attributions(page.text)
    _link_attribution_urls(attributions, page.links)
    originals = [a["url"] for a in attributions if a["kind"] == "original" and a.get("url")]
    originals += [l["target"] for l in page.links if l.get("marker_kind") == "original" and l.get("target")]
    published, pub_source, pub_evidence = find_published(page, doc_url, originals, title)
    return ParsedDocument(url=doc_url, url_source=url_source, content_type=ctype, encoding=dec.encoding,
                          encoding_source=dec.source, title=title, published=published,
                          published_source=pub_source, published_evidence=pub_evidence,
                          language=detect_languages(page.text), attributions=attributions, text=page.text,
                          links=page.links, self_url_evidence=evidence)


def _link_attribution_urls(attributions: list[dict], links: list[dict]) -> None:
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
