"""Markdown inline scanning: links, images, reference definitions and bare URLs in one line.

Only what link extraction needs, not a renderer. Every pattern has bounded or possessive
quantifiers, so a 50 MB line is scanned in linear time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from crawler.extract.urls import BARE_URL_RE, trim_autolink

__all__ = ["Span", "scan_line", "iter_spans", "may_hold_bare_url", "is_heading", "is_rule", "heading_text",
           "plain_line", "resolve_references"]

_DEST = r"(?:<[^<>\n]{0,4000}>|(?:[^\s()]++|\([^\s()]{0,4000}+\)){1,2000}+)"
_TITLE = r"(?:\"[^\"\n]{0,500}\"|'[^'\n]{0,500}'|\([^()\n]{0,500}\))"
_INLINE_RE = re.compile(
    # [![alt](src "t")](href "t")  -- a linked image (badge)
    r"\[[ \t]{0,10}!\[(?P<lalt>[^\[\]\n]{0,1000})\]\([ \t]{0,10}(?P<lsrc>" + _DEST + r")(?:[ \t]{1,10}" + _TITLE
    + r")?[ \t]{0,10}\)[ \t]{0,10}\]\([ \t]{0,10}(?P<lhref>" + _DEST + r")(?:[ \t]{1,10}(?P<ltitle>" + _TITLE
    + r"))?[ \t]{0,10}\)"
    # [text](href "title") and ![alt](src "title")
    r"|(?P<bang>!?)\[(?P<text>[^\[\]\n]{0,1000})\]\([ \t]{0,10}(?P<dest>" + _DEST + r")(?:[ \t]{1,10}(?P<title>"
    + _TITLE + r"))?[ \t]{0,10}\)"
)
_REFDEF_RE = re.compile(r"^ {0,3}\[(?P<label>[^\[\]\n]{1,500})\]:[ \t]{0,10}(?P<dest><[^<>\n]{0,4000}>|\S{1,4000})"
                        r"(?:[ \t]{1,10}(?P<title>" + _TITLE + r"))?[ \t]*$")
_HEADING_RE = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+|$)(.*?)(?:[ \t]+#+)?[ \t]*$")
_RULE_RE = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:=[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_WS = re.compile(r"\s+")
_CANDIDATE = re.compile(r"(?:https?|ftp)://|www\.", re.IGNORECASE)   # where a bare URL may start
# <https://…> and <name@host> autolinks (web and mail schemes only: <o:p>, <st1:place> are the
# tags of pasted Word HTML, not links)
_AUTOLINK_RE = re.compile(r"<(?P<url>(?:https?|ftp)://[^<>\s]{1,4000}|mailto:[^<>\s]{1,500}"
                          r"|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,100}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,250}[A-Za-z0-9])?)>",
                          re.IGNORECASE)
# [text][label], [label][] and [label] uses of reference definitions (not [text](…) or [label]:)
_REF_USE_RE = re.compile(r"(?P<bang>!?)\[(?P<text>[^\[\]\n]{0,1000})\](?:\[(?P<label>[^\[\]\n]{0,500})\])?(?![(:\[])")


@dataclass
class Span:
    start: int
    end: int
    href: str
    via: str                 # "markdown" | "bare"
    attribute: str           # "md-link" | "md-image" | "md-ref" | "text"
    text: str = ""           # anchor text as written (for images: "")
    title: str | None = None
    alt: str | None = None
    media: bool = False


def resolve_references(text: str) -> str:
    r"""Markdown written out the way the link scanner reads it, before the HTML parser sees it:
    ``<https://…>`` autolinks become ``[url](url)`` (an HTML parser would take them for tags
    and drop them), and uses of reference definitions (``[text][label]``, ``[label][]``,
    ``[label]``, and their ``![alt]…`` images) become inline links to the defined URL, so each
    use is recorded with its own anchor text; the definition lines stay (recorded as
    ``md-ref``). Labels match case-insensitively with white space collapsed (CommonMark).

    Examples
    --------
    >>> resolve_references("see <https://a.org/x> and [the report][r].\n\n[R]: <https://b.org/r> 'Report'")
    'see [https://a.org/x](https://a.org/x) and [the report](https://b.org/r "Report").\n\n[R]: https://b.org/r \'Report\''
    >>> resolve_references("[undefined] stays, [x](y) too")
    '[undefined] stays, [x](y) too'
    """
    if "<" not in text and "]:" not in text:
        return text
    defs: dict[str, tuple[str, str | None]] = {}
    lines = text.split("\n")
    is_def = [False] * len(lines)
    for i, line in enumerate(lines):
        m = _REFDEF_RE.match(line) if "]:" in line and line.lstrip(" ").startswith("[") else None
        if m:
            is_def[i] = True
            dest, title = _inline_dest(_dest(m.group("dest"))), _title(m.group("title"))
            defs.setdefault(_label(m.group("label")), (dest, title))
            if m.group("dest").startswith("<"):   # <…> would be read as a tag too
                lines[i] = line[:m.start("dest")] + dest + line[m.end("dest"):]
        elif "<" in line:
            lines[i] = _AUTOLINK_RE.sub(_autolink, line)

    def use(m: re.Match) -> str:
        label = m.group("label")
        found = defs.get(_label(label if label else m.group("text")))
        if found is None:
            return m.group(0)
        dest, title = found
        quoted = f' "{title}"' if title and '"' not in title else ""
        return f"{m.group('bang')}[{m.group('text')}]({dest}{quoted})"

    if defs:
        lines = [line if is_def[i] or "[" not in line else _REF_USE_RE.sub(use, line)
                 for i, line in enumerate(lines)]
    return "\n".join(lines)


def _autolink(m: re.Match) -> str:
    url = m.group("url")
    if "://" not in url and not url.lower().startswith("mailto:"):
        url = f"mailto:{url}"
    return f"[{m.group('url')}]({_inline_dest(url)})"


def _inline_dest(url: str) -> str:
    """A URL usable as an inline link destination without angle brackets."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _label(label: str) -> str:
    return _WS.sub(" ", label.strip()).casefold()


def _dest(d: str) -> str:
    d = d.strip()
    if d.startswith("<") and d.endswith(">"):
        d = d[1:-1]
    return d


def _title(t: str | None) -> str | None:
    return t[1:-1] if t else None


def is_heading(line: str) -> bool:
    return len(line) < 2000 and bool(_HEADING_RE.match(line))


def heading_text(line: str) -> str:
    m = _HEADING_RE.match(line)
    return plain_line(m.group(2)) if m else ""


def is_rule(line: str) -> bool:
    return len(line) < 2000 and bool(_RULE_RE.match(line))


def scan_line(line: str, markdown: bool = True) -> list[Span]:
    """Links of one line, in order: Markdown links/images (if ``markdown``), and bare URLs
    in the gaps between them (the list of :func:`iter_spans`).

    >>> [(s.via, s.href) for s in scan_line("see [a](http://x.org/a) or http://y.org/b).")]
    [('markdown', 'http://x.org/a'), ('bare', 'http://y.org/b')]
    """
    return list(iter_spans(line, markdown))


def may_hold_bare_url(text: str) -> bool:
    """Whether ``text`` can hold a bare URL at all (``://`` or ``www.``): the cheap test
    before looking for one.

    >>> may_hold_bare_url("see WWW.example.org"), may_hold_bare_url("no link here")
    (True, False)
    """
    return "://" in text or "www." in text.lower()


def iter_spans(line: str, markdown: bool = True):
    """Stream the spans of :func:`scan_line` in order, in memory bounded by one span (a
    50 MB line with millions of URLs is never held as a list)."""
    if markdown and line.lstrip(" ").startswith("["):
        m = _REFDEF_RE.match(line)
        if m:   # a reference definition: the whole line is the one link
            yield Span(m.start("dest"), m.end(), _dest(m.group("dest")), "markdown", "md-ref",
                       text=m.group("label"), title=_title(m.group("title")))
            return
    md = _md_spans(line) if markdown and "[" in line else iter(())
    bare = _bare_spans(line) if may_hold_bare_url(line) else iter(())
    cur = next(md, None)
    covered_to = -1
    for b in bare:
        while cur is not None and cur.start <= b.start:
            yield cur
            covered_to = max(covered_to, cur.end)
            cur = next(md, None)
        if b.start < covered_to:     # inside a Markdown link: not a bare URL of its own
            continue
        yield b
    while cur is not None:
        yield cur
        cur = next(md, None)


def _md_spans(line: str):
    for m in _INLINE_RE.finditer(line):
        if m.group("lhref") is not None:
            alt = m.group("lalt")
            yield Span(m.start(), m.end(), _dest(m.group("lhref")), "markdown", "md-link",
                       text="", title=_title(m.group("ltitle")), alt=alt, media=True)
            yield Span(m.start(), m.end(), _dest(m.group("lsrc")), "markdown", "md-image",
                       text="", alt=alt, media=True)
        elif m.group("bang"):
            yield Span(m.start(), m.end(), _dest(m.group("dest")), "markdown", "md-image",
                       alt=m.group("text"), title=_title(m.group("title")), media=True)
        else:
            yield Span(m.start(), m.end(), _dest(m.group("dest")), "markdown", "md-link",
                       text=m.group("text"), title=_title(m.group("title")))


def _bare_spans(line: str):
    for m in _bare_matches(line):
        url = trim_autolink(m.group(0))
        if len(url) < 8 and not url.lower().startswith("www."):
            continue
        if url.lower().startswith("www.") and "." not in url[4:]:
            continue
        if "://" in url and not re.match(r"[A-Za-z]+://[^/?#\s]*[\w\-]", url):
            continue
        yield Span(m.start(), m.start() + len(url), url, "bare", "text", text=url)


def _bare_matches(line: str):
    """``BARE_URL_RE`` matches, tried only where a scheme or ``www.`` occurs (linear on huge lines)."""
    end = -1
    for c in _CANDIDATE.finditer(line):
        st = c.start()
        if st < end:
            continue
        m = BARE_URL_RE.match(line, st)
        if m:
            end = m.end()
            yield m


def plain_line(line: str, spans: list[Span] | None = None) -> str:
    """The visible text of a Markdown line: links -> their text, images -> alt, heading marks
    dropped, white space collapsed."""
    if spans is None:
        spans = scan_line(line) if "[" in line else []
    if spans:
        parts, last = [], 0
        for s in spans:
            if s.start < last:
                continue
            parts.append(line[last:s.start])
            parts.append(s.alt or "" if s.attribute == "md-image" or (s.media and not s.text) else s.text)
            last = s.end
        parts.append(line[last:])
        line = "".join(parts)
    m = _HEADING_RE.match(line) if len(line) < 2000 else None
    if m:
        line = m.group(2)
    return _WS.sub(" ", line).strip()
