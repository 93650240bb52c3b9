"""Typed items: one ``DocumentItem`` per document, one ``LinkItem`` per link occurrence.

These are the records of ``documents.jsonl`` and ``links.jsonl`` (see ../shared/SPEC.md).
The graph side reads them back from JSONL as plain dicts with these keys.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field


@dataclass
class DocumentItem:
    url: str                      # the document's URL (WARC target URI, mount URL, stated URL, else
                                  # file:///INPUT: the input name below, so no machine folder shows)
    input: str                    # the input file it came from: the seed path as given when relative (``seeds``),
                                  # else its last part(s) (``/tmp/x/seeds`` -> ``seeds``), joined with the relative
                                  # path; never a machine-specific absolute path (see crawler.store.display_names)
    content_type: str             # "html" | "xhtml" | "markdown" | "text"
    url_source: str               # "warc" | "mount" | "canonical" | "og:url" | "share" | "qr" | "file" | "http"
    title: str | None = None
    published: str | None = None  # ISO date YYYY-MM-DD
    published_source: str | None = None   # "meta" | "dateline" | "url" | "text" ...
    published_evidence: str | None = None  # the text the date was read from
    language: list[str] = field(default_factory=list)  # BCP 47 tags with script: "zh-Hans", "zh-Hant", "en", ...
    encoding: str | None = None
    encoding_source: str | None = None    # "declared" | "bom" | "detected" | "utf-8"
    links: int = 0                # number of LinkItems of this document
    depth: int = 0                # link hops from the seeds
    record: str | None = None     # WARC-Record-ID when read from a WARC
    size: int = 0                 # bytes of the raw body
    sha1: str = ""                # of the raw body
    attributions: list[dict] = field(default_factory=list)
    # each: {"kind": "original"|"reprint"|"reference"|"image_credit"|"source",
    #        "marker": "原文地址"|"本文转自"|..., "text": the line, "name": named party or None,
    #        "url": a URL stated on the line or None}
    text: str = ""                # visible text, one block per line (for near-duplicates, sources, stories)
    flags: list[str] = field(default_factory=list)   # warnings about the URL's host: "idn", "homograph"


@dataclass
class LinkItem:
    source: str                   # the document URL
    target: str | None            # absolute, normalized, fragment dropped; None when not a graph target
    href: str                     # as written (after HTML entity decoding)
    scheme_kind: str = "url"      # "url" | "fragment" | "javascript" | "mailto" | "data" | "tel" | "other"
    via: str = "attribute"        # "attribute" | "markdown" | "bare" | "embedded" (URL in a share/QR parameter)
    tag: str | None = None        # element name ("a", "img", "ok", ...) or "text" for Markdown / bare links
    attribute: str | None = None  # "href", "src", "content", "data-url", ... ; for via=embedded "href?text" etc.
    anchor_text: str = ""
    title: str | None = None
    alt: str | None = None        # alt of the link's own img, or of an img inside the link
    rel: str | None = None
    media: bool = False           # the link is or wraps an image / media element
    block: str = ""               # stable id of the enclosing block (DOM path of block element, or Markdown block)
    position: int = 0             # 0-based order of the link in the document
    context: str = ""             # up to 60 characters of text before the link in its block
    marker: str | None = None     # attribution marker right before the link ("原文地址", "浏览原文", "Source:", "分享", ...)
    marker_kind: str | None = None  # "original" | "share" | "source" | ...
    flags: list[str] = field(default_factory=list)   # warnings about the target's host: "idn", "homograph"
    # internal, never written to links.jsonl: which reading of ``source`` the link came from
    # (when one URL is read twice, the crawl keeps the document and links of one reading)
    document_key: str = field(default="", repr=False, metadata={"internal": True})


@dataclass
class InputItem:
    """The outcome of reading one input (or one WARC record) that gave no DocumentItem.

    Feeds ``manifest.json``; inputs that gave documents are counted from DocumentItems.
    """

    input: str                    # as DocumentItem.input
    status: str = "skipped"       # "skipped"
    reason: str = "error"         # short stable code: empty, binary, too_large, error, ...
    detail: str = ""              # what happened / how to fix it
    url: str | None = None        # the URL requested, when there was one
    record: str | None = None     # WARC-Record-ID for a record of a WARC input


def reading_key(depth: int, input_: str, record: str | None) -> str:
    """Which reading of a URL wins when it is read twice: lowest depth, then input, then
    WARC record (the key documents and links are sorted and deduplicated by).

    >>> reading_key(1, "seeds/a.txt", None)
    '000001\\tseeds/a.txt\\t'
    """
    return f"{depth:06d}\t{input_}\t{record or ''}"


@dataclass
class DocumentRecords:
    """One document, ready to write (made by :func:`crawler.batch.parse_served`, in a worker
    process or in the crawl process): the JSON lines and the keys they are sorted by."""

    url: str
    key: str                      # reading_key of this reading
    input: str
    content_type: str
    document: bytes               # its documents.jsonl line (UTF-8, as written: crawler.sortio.dumpb)
    links: list[bytes] = field(default_factory=list)   # its links.jsonl lines, by (position, line)
    follow: list[str] = field(default_factory=list)  # link targets to request at depth + 1


@dataclass
class DocumentBatch:
    """The documents of one read or of a batch of seeds, passed through Scrapy as one item
    (Scrapy's cost per item is paid once per batch, not per document or link)."""

    documents: list[DocumentRecords] = field(default_factory=list)


_RECORD_FIELDS: dict[type, tuple[str, ...]] = {}


def record_of(item) -> dict:
    """The JSON record of an item (internal fields left out).

    >>> sorted(record_of(InputItem(input="a.bin", reason="binary")))
    ['detail', 'input', 'reason', 'record', 'status', 'url']
    """
    names = _RECORD_FIELDS.get(type(item))
    if names is None:
        names = _RECORD_FIELDS[type(item)] = tuple(f.name for f in dataclasses.fields(item)
                                                   if not f.metadata.get("internal"))
    return {name: getattr(item, name) for name in names}
