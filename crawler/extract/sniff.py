"""Document type from the CONTENT, never from the file name.

``sniff(text)`` returns ``"xhtml"``, ``"html"``, ``"markdown"`` or ``"text"``. A document
that opens as HTML (doctype, ``<html>``, ``<head>``, ``<body>``) is HTML; otherwise Markdown
signals (``#`` heading lines, ``[..](..)`` links, ``---`` / ``===`` rules, list items) are
weighed against HTML tags. Markdown with raw HTML inside is Markdown (GitHub renders it so);
a fragment of tags and anchors with no ``<html>`` is HTML.
"""
from __future__ import annotations

import re

__all__ = ["sniff", "is_warc"]

_HEAD = 65536
_XHTML_RE = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!DOCTYPE\s+html[^>]*XHTML[^>]*>\s*)?"
                       r"<html[^>]*xmlns\s*=\s*[\"']http://www\.w3\.org/1999/xhtml", re.I | re.S)
_XHTML_DOCTYPE = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?<!DOCTYPE\s+html[^>]*XHTML", re.I)
_HTML_START = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!DOCTYPE\s+html|html|head|body)\b",
                         re.I | re.S)
_MD_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.M)
_MD_LINK = re.compile(r"!?\[[^\[\]\n]{0,500}\]\([^()\s]{1,2000}(?:\s+\"[^\"\n]*\")?\)")
_MD_RULE = re.compile(r"^ {0,3}(?:-{3,}|={3,}|\*{3,}|_{3,})[ \t]*$", re.M)
_MD_LIST = re.compile(r"^ {0,3}(?:[-*+]|\d{1,3}\.)[ \t]+\S", re.M)
_MD_REFDEF = re.compile(r"^ {0,3}\[[^\]\n]{1,200}\]:[ \t]*\S", re.M)
_HTML_TAG = re.compile(r"</?(?:a|p|div|span|table|tr|td|th|img|br|hr|li|ul|ol|h[1-6]|strong|b|i|em|"
                       r"center|font|section|article|header|footer|nav|meta|link|script|style|iframe|"
                       r"form|input|blockquote|pre|code|figure)\b(?:[^>]{0,2000}>|[^>]{2000})", re.I)   # a long tag counts too


def sniff(text: str) -> str:
    """Content type of decoded ``text``.

    Examples
    --------
    >>> sniff("<!DOCTYPE html><html><body>x</body></html>")
    'html'
    >>> sniff('<table><tr><td><a href="/a">a</a> | <a href="/b">b</a></td></tr></table>')
    'html'
    >>> sniff("### Title\\n---\\n[home](https://a.org/) <div><p>raw html</p></div>")
    'markdown'
    >>> sniff("Just a line of prose.\\n\\nAnd another.")
    'text'
    """
    head = text[:_HEAD]
    if _XHTML_RE.match(head) or _XHTML_DOCTYPE.match(head):
        return "xhtml"
    if _HTML_START.match(head):
        return "html"
    md = (2 * len(_MD_HEADING.findall(head)) + 2 * min(len(_MD_LINK.findall(head)), 20)
          + len(_MD_RULE.findall(head)) + len(_MD_LIST.findall(head)) + 2 * len(_MD_REFDEF.findall(head)))
    tags = len(_HTML_TAG.findall(head))
    has_md_syntax = bool(_MD_HEADING.search(head) or _MD_LINK.search(head) or _MD_REFDEF.search(head))
    if has_md_syntax and md >= 3:
        return "markdown"
    if tags >= 2:
        return "html"
    if md >= 3:
        return "markdown"
    return "text"


def is_warc(first_bytes: bytes) -> bool:
    """True when the bytes open a WARC file (plain, or gzip-compressed per record).

    >>> is_warc(b"WARC/1.0\\r\\nWARC-Type: warcinfo\\r\\n"), is_warc(b"<html>")
    (True, False)
    """
    if not first_bytes:
        return False
    head = first_bytes.lstrip(b"\r\n")
    if head.startswith((b"WARC/1.0", b"WARC/1.1", b"WARC/0.1", b"WARC/0.18")):
        return True
    if first_bytes[:2] == b"\x1f\x8b":
        import zlib
        try:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out = d.decompress(first_bytes[:65536], 64)
        except Exception:
            return False
        return out.lstrip(b"\r\n").startswith(b"WARC/")
    return False
