"""Property-based tests (hypothesis) of the pure extraction functions: URL normalization,
bare-URL and Markdown link scanning, encoding detection, block ids and link streaming.

Each property: never raises, same result for the same input, idempotent where that applies.
Example counts are modest (``max_examples``) to keep the suite fast; the long random run is
``python tests/fuzz.py`` (see its docstring).
"""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crawler.extract as extract
from crawler.errors import SkipInput
from crawler.extract import parse_document
from crawler.extract.encoding import decode
from crawler.extract.links import Page, extract_links, iter_links
from crawler.extract.markdown import iter_spans, scan_line
from crawler.extract.urls import host_flags, normalize_url, scheme_kind, url_flags

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# URL-ish text: pieces that matter to URL parsing glued together at random
_URL_PIECES = st.sampled_from([
    "http://", "https://", "HTTP://", "ftp://", "file:///", "//", "www.", "a.org", "Example.COM", "b", ":80",
    ":443", ":99999", ":x", "/", "../", "./", "..", "%", "%2e", "%2F", "%e4%b8%ad", "%zz", "?", "&", "=", "#",
    "中文", "pаypal", "xn--", "xn--pypal-4ve", "[::1]", "[", "]", "@", "user:pw@", " ", "\t", "\n", "\\",
    "\x00", "\x7f", "\u202e", "\ufffd", "javascript:", "mailto:", "data:", "(", ")", ".", ",", "<", ">", "\"", "'"])
urlish = st.one_of(st.lists(_URL_PIECES, max_size=12).map("".join), st.text(max_size=60))
bases = st.sampled_from([None, "https://a.org/b/c.html", "file:///seeds/x.txt", "http://[::1]:8080/d/",
                         "https://xn--bcher-kva.de/a?b=1", "not a url"])


@FAST
@given(urlish, bases)
def test_normalize_url_total_idempotent_deterministic(url, base):
    once = normalize_url(url, base)
    assert once is None or isinstance(once, str)
    assert once == normalize_url(url, base)
    if once is not None:
        assert normalize_url(once) == once                      # idempotent
        assert re.match(r"^(https?|ftp|ws|wss|file)://", once)   # absolute, known scheme
        assert "#" not in once and not re.search(r"[\s<>\"\x00-\x1f\x7f]", once)
        assert once.isascii()                                    # IDN -> punycode, the rest %-encoded


@FAST
@given(urlish)
def test_scheme_kind_and_flags_total(url):
    assert scheme_kind(url) in {"url", "fragment", "javascript", "mailto", "data", "tel", "other"}
    flags = url_flags(normalize_url(url))
    assert set(flags) <= {"idn", "homograph"} and flags == sorted(flags)


@FAST
@given(st.text(max_size=40))
def test_host_flags_total(host):
    assert set(host_flags(host)) <= {"idn", "homograph"}


# lines with Markdown and bare-URL syntax
_LINE_PIECES = st.sampled_from([
    "[", "]", "(", ")", "![", "](", "[![a](http://i.org/b.png)](http://l.org/)", "<", ">", " ", "\t",
    "http://a.org/x", "https://b.org/y?z=1", "www.c.org", "WWW.D.ORG/p", "ftp://e.org", "xhttp://f.org",
    "\"t\"", "'t'", "*", "_", "~", ".", ",", ";", ":", "&amp;", "中", "（", "）", "：", "#", "[r]: http://r.org",
    "javascript:x", "mailto:a@b"])
lines = st.one_of(st.lists(_LINE_PIECES, max_size=25).map("".join), st.text(max_size=80))


@FAST
@given(lines, st.booleans())
def test_scan_line_spans_are_ordered_and_inside_the_line(line, markdown):
    spans = scan_line(line, markdown)
    assert spans == list(iter_spans(line, markdown)) == scan_line(line, markdown)
    starts = [s.start for s in spans]
    assert starts == sorted(starts)
    for s in spans:
        assert 0 <= s.start <= s.end <= len(line)
        assert s.via in {"markdown", "bare"}
        if s.via == "bare":   # GitHub's autolinker: a bare URL ends at white space or '<'
            assert s.href and not re.search(r"[\s<]", s.href) and line[s.start:s.end] == s.href


@FAST
@given(st.binary(max_size=400), st.sampled_from([None, "utf-8", "gbk", "big5", "latin-1", "bogus", "utf-16"]))
def test_decode_total_and_deterministic(body, declared):
    try:
        first = decode(body, declared)
    except SkipInput as exc:       # binary / undecodable: a clear reason, never a crash
        assert exc.reason
        return
    assert isinstance(first.text, str) and first.encoding and first.source
    assert decode(body, declared) == first


@FAST
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200))
def test_decode_reads_utf8_back(text):
    body = text.encode("utf-8")
    try:
        got = decode(body)
    except SkipInput:
        return
    if got.source in ("utf-8", "bom"):
        assert got.text.lstrip("\ufeff") == text.lstrip("\ufeff")


# HTML built from a small grammar: nested blocks, links, text
_TAGS = ["div", "p", "ul", "li", "section", "span", "a", "table", "td", "b"]


@st.composite
def html_docs(draw, depth=0):
    parts = []
    for _ in range(draw(st.integers(0, 4 if depth < 3 else 0))):
        kind = draw(st.sampled_from(["text", "link", "el", "img"]))
        if kind == "text":
            parts.append(draw(st.sampled_from(["hello", "原文地址：", "see http://t.org/x ", "Source: ", " "])))
        elif kind == "link":
            parts.append(f'<a href="{draw(st.sampled_from(["/a", "http://o.org/p", "#top", "x.html?u=http://e.org/"]))}">'
                         f'{draw(st.sampled_from(["A", "", "中文"]))}</a>')
        elif kind == "img":
            parts.append('<img src="/i.png" alt="i">')
        else:
            tag = draw(st.sampled_from(_TAGS))
            parts.append(f"<{tag}>{draw(html_docs(depth + 1))}</{tag}>")
    return "".join(parts)


@FAST
@given(html_docs(), st.sampled_from(["html", "markdown"]))
def test_block_ids_stable_and_streaming_equals_list(html, ctype):
    base = "https://s.org/d/p.html"
    page = extract_links(html, ctype, base)
    again = extract_links(html, ctype, base)
    assert page.links == again.links and page.text == again.text
    streamed_page = Page()
    assert list(iter_links(html, ctype, base, page=streamed_page)) == page.links
    assert streamed_page.text == page.text
    assert [l["position"] for l in page.links] == list(range(len(page.links)))
    for l in page.links:
        assert re.fullmatch(r"(body\[\d+\](/[a-z0-9]+\[\d+\])*)?(/md\[\d+\])?|/md\[\d+\]|", l["block"]), l["block"]
    # the same page with other words gives the same block ids (ids are structural)
    reworded = extract_links(html.replace("hello", "bonjour tout le monde"), ctype, base)
    assert [l["block"] for l in reworded.links] == [l["block"] for l in page.links]


@FAST
@given(st.binary(max_size=600))
def test_parse_document_total_on_bytes(body):
    try:
        d = parse_document(body, "file:///seeds/x.txt")
    except SkipInput as exc:
        assert exc.reason in {"empty", "binary", "undecodable", "warc"}
        return
    links = list(d.links)
    assert len(links) == len(d.links)
    assert parse_document(body, "file:///seeds/x.txt") == d


@pytest.mark.parametrize("ctype, doc", [
    ("html", "<p>" + "".join(f'<a href="/p{i}">{i}</a> <b>x</b> ' for i in range(60)) + "</p>"),
    ("markdown", "# T\n\n" + "".join(f"* [{i}](https://e.org/{i}) http://b.org/{i}\n" for i in range(60))),
    ("text", "".join(f"line {i} http://e.org/{i}\n\n" for i in range(60))),
])
def test_streamed_link_stream_equals_cached(monkeypatch, ctype, doc):
    cached = parse_document(doc.encode(), "https://s.org/", url_source="mount")
    monkeypatch.setattr(extract, "LINK_CACHE", 10)      # force the re-reading path
    streamed = parse_document(doc.encode(), "https://s.org/", url_source="mount")
    assert streamed.links._cached is None and cached.links._cached is not None
    assert len(streamed.links) == len(cached.links) >= 60
    assert list(streamed.links) == list(streamed.links) == list(cached.links)
