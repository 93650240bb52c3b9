"""Pure extraction functions: bytes -> text -> document metadata and links with context.

The single entry point used by the spider is :func:`parse_document`. Everything here is
pure (no I/O, no network) and unit-tested on fixture bytes.

(STUB written by the lead so the spider can be built in parallel; the extraction helper
replaces the body with the real implementation and keeps the signature.)
"""
from __future__ import annotations

from dataclasses import dataclass, field

from crawler.errors import SkipInput


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

    Raises
    ------
    SkipInput
        With reason ``empty``, ``binary``, ``undecodable``, ``warc`` (it is an archive,
        not a document) ...
    """
    if not body.strip():
        raise SkipInput("empty", "the input has no content")
    if b"\x00" in body[:4096]:
        raise SkipInput("binary", "NUL bytes: not a text document")
    text = body.decode("utf-8", errors="replace")
    return ParsedDocument(url=url or "file:///unknown", url_source=url_source, content_type="html",
                          encoding="utf-8", encoding_source="utf-8", title=None, published=None,
                          published_source=None, published_evidence=None, language=[],
                          attributions=[], text=text, links=[])
