"""Link extraction (crawler.extract.links / markdown): every link kind, blocks, context, markers."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler.extract import parse_document
from crawler.extract.links import extract_links, find_marker
from crawler.extract.markdown import scan_line

FIX = Path(__file__).parent / "fixtures" / "extract"


@pytest.fixture(scope="module")
def html_links():
    return parse_document((FIX / "page.html").read_bytes(), "file:///page.html").links


@pytest.fixture(scope="module")
def md_doc():
    return parse_document((FIX / "mirror.md").read_bytes(), "file:///mirror.md")


@pytest.mark.parametrize("tag, attribute, target", [
    ("link", "href", "https://news.example.org/world/2025/09/04/summit.html"),
    ("link", "href", "https://news.example.org/zh/summit.html"),
    ("link", "href", "https://news.example.org/world/amp/summit.html"),
    ("meta", "content", "https://news.example.org/world/2025/09/04/summit.html?utm_source=og"),
    ("meta", "content", "https://news.example.org/world/live.html"),
    ("script", "src", "https://news.example.org/js/app.js"),
    ("img", "src", "https://news.example.org/world/photo.jpg"),
    ("img", "srcset", "https://news.example.org/world/photo-600.jpg"),
    ("img", "srcset", "https://news.example.org/world/photo-1200.jpg"),
    ("text", "text", "https://other.example.com/story?id=7&t=0"),
    ("text", "text", "http://www.example.net/page"),
    ("text", "text", "https://wiki.example.org/Foo_(bar)"),
    ("blockquote", "cite", "https://quote.example.com/said"),
    ("div", "data-share-url", "https://news.example.org/world/2025/09/04/summit.html"),
    ("a", "href?u", "https://news.example.org/world/2025/09/04/summit.html"),
    ("form", "action", "https://news.example.org/search"),
    ("button", "formaction", "https://news.example.org/search2"),
    ("video", "poster", "https://news.example.org/world/poster.jpg"),
    ("source", "src", "https://news.example.org/world/clip.mp4"),
    ("table", "background", "https://news.example.org/world/bg.png"),
    ("ok", "href", "https://news.example.org/renamed"),
    ("a", "href", "https://news.example.org/world/a.html?utm_source=x&utm_medium=y"),
])
def test_html_link_kinds(html_links, tag, attribute, target):
    assert (tag, attribute, target) in {(l["tag"], l["attribute"], l["target"]) for l in html_links}


@pytest.mark.parametrize("href, scheme_kind", [
    ("mailto:tips@example.org", "mailto"), ("javascript:void(0)", "javascript"), ("#top", "fragment"),
])
def test_non_targets_recorded(html_links, href, scheme_kind):
    rec = next(l for l in html_links if l["href"] == href)
    assert (rec["scheme_kind"], rec["target"]) == (scheme_kind, None)


def test_link_fields(html_links):
    origin = next(l for l in html_links if l["target"] == "https://origin.example.com/2025/09/03/summit")
    assert (origin["anchor_text"], origin["title"], origin["marker"], origin["marker_kind"]) == (
        "Origin News", "the original", "Originally published at", "original")
    wrapped = next(l for l in html_links if l["href"] == "/a")
    assert (wrapped["alt"], wrapped["media"]) == ("A pic", True)
    nav = [l for l in html_links if l["tag"] == "a" and l["block"] == "body[0]/nav[0]"]
    assert [l["anchor_text"] for l in nav] == ["Home", "World", "Tips", "Menu", "Top"]
    assert [l["position"] for l in html_links] == list(range(len(html_links)))
    assert nav[2]["context"] == "Home | World |"


def test_markdown_links(md_doc):
    got = [(l["via"], l["attribute"], l["target"], l["anchor_text"], l["alt"], l["block"], l["marker"])
           for l in md_doc.links]
    assert got == [
        ("markdown", "md-link", "https://github.com/example/net/blob/master/README.md", "首页", None, "body[0]/md[1]", None),
        ("markdown", "md-link", "https://github.com/example/guides/wiki", "翻墙教程", None, "body[0]/md[1]", None),
        ("markdown", "md-link", "https://example.org/badge", "", "徽章", "body[0]/md[1]", None),
        ("markdown", "md-image", "https://img.example.org/b.svg", "", "徽章", "body[0]/md[1]", None),
        ("attribute", "href", "http://www.example.org/glossary.html", "迫害", None, "body[0]/div[0]/p[0]/md[0]", None),
        ("bare", "text", "https://bare.example.org/%E8%B7%AF%E5%BE%84/%E6%96%87%E7%AB%A0%EF%BC%88%E4%B8%80%EF%BC%89"
         ".html?a=1&b=2%E3%80%82", "https://bare.example.org/路径/文章（一）.html?a=1&b=2。", None,
         "body[0]/div[0]/p[1]/md[0]", None),
        ("bare", "text", "https://github.com/example/net/blob/master/pages/1/100.md",
         "https://github.com/example/net/blob/master/pages/1/100.md", None, "body[0]/md[2]", "分享本文章"),
        ("attribute", "href", "https://github.com/example/net/blob/master/pages/1/100.md", "", None, "body[0]/md[2]", None),
        ("attribute", "src", "https://github.com/example/net/blob/master/pages/1/100.md.png", "", None, "body[0]/md[2]", None),
        ("bare", "text", "http://www.example.org/mh/articles/2021/12/31/%E7%97%85%E6%AF%92%E2%80%9C%E5%8F%8D%E5%B8%B8"
         "%E2%80%9D%E4%B9%8B%E4%B8%BE--100.html", "http://www.example.org/mh/articles/2021/12/31/病毒“反常”之举--100.html",
         None, "body[0]/md[2]", "原文地址"),
        ("markdown", "md-link", "https://github.com/example/net/blob/master/README.md", "首页", None, "body[0]/md[3]", None),
        ("markdown", "md-link", "https://github.com/example/book/blob/master/README.md", "《书》", None, "body[0]/md[3]", None),
        ("markdown", "md-ref", "https://ref.example.org/x", "ref", None, "body[0]/md[4]", None),
    ]
    assert md_doc.links[1]["title"] == "教程"
    assert md_doc.links[-2]["href"] == "https://github.com/example/book/blob/master/README.md#第一章"


@pytest.mark.parametrize("line, hrefs", [
    ("原文地址（需翻墙访问）：http://www.minghui.org/a/病毒“反常”之举--1.html",
     ["http://www.minghui.org/a/病毒“反常”之举--1.html"]),
    ("see http://a.org/x).", ["http://a.org/x"]),
    ("(http://a.org/f(x))", ["http://a.org/f(x)"]),
    ("a http://a.org/x?q=1&amp; b", ["http://a.org/x?q=1"]),
    ("end http://a.org/x!? and www.b.org.", ["http://a.org/x", "www.b.org"]),
    ("glued xhttp://a.org/ no", []),
    ("[t](http://a.org/1) http://a.org/1", ["http://a.org/1", "http://a.org/1"]),
    ("[http://a.org/2](http://a.org/2)", ["http://a.org/2"]),
    ("[![i](http://a.org/i.png)](http://a.org/l)", ["http://a.org/l", "http://a.org/i.png"]),
])
def test_scan_line(line, hrefs):
    assert [s.href for s in scan_line(line)] == hrefs


@pytest.mark.parametrize("context, expected", [
    ("原文地址（需翻墙访问）：", ("原文地址", "original")),
    ("下载翻墙软件浏览原文：", ("浏览原文", "original")),
    ("本文转自", ("本文转自", "source")),
    ("手机上长按并复制下面二维码分享本文章：", ("分享本文章", "share")),
    ("Originally published at", ("Originally published at", "original")),
    ("Source:", ("Source", "source")),
    ("trivia", None),
    ("some text", None),
])
def test_find_marker(context, expected):
    assert find_marker(context) == expected


def test_no_double_recording():
    p = extract_links('<p><a href="http://a.org/x">http://a.org/x</a></p>', "html", "file:///x")
    assert [(l["via"], l["target"]) for l in p.links] == [("attribute", "http://a.org/x")]


def test_block_ids_stable_and_shared():
    html = "<div><ul>" + "".join(f'<li><a href="/p{i}">p{i}</a></li>' for i in range(5)) + "</ul></div>"
    a = extract_links(html, "html", "https://s.org/")
    b = extract_links(html, "html", "https://s.org/")
    assert [l["block"] for l in a.links] == [l["block"] for l in b.links] == ["body[0]/div[0]/ul[0]"] * 5


def test_base_href_and_resolution():
    p = extract_links('<head><base href="https://b.org/dir/"></head><a href="x?y=1">x</a>', "html", "file:///f")
    assert p.links[-1]["target"] == "https://b.org/dir/x?y=1"


def test_many_unclosed_paragraphs():
    body = b"<html><body>" + b"<p>para http://a.org/x " * 20000
    d = parse_document(body, "file:///p.html")
    assert len(d.links) == 20000
    assert len(d.text) <= 200_000


def test_deep_nesting_iterates():
    d = parse_document(b"<div>" * 20000 + b"<a href='http://a.org/'>x</a>", "file:///d.html")
    assert [l["target"] for l in d.links] == ["http://a.org/"]


def test_long_single_line():
    d = parse_document(b"# T\n" + b"abc [ ( http word " * 300_000 + b" http://end.org/x", "file:///big.md")
    assert [l["target"] for l in d.links] == ["http://end.org/x"]
    assert len(d.text) <= 200_000


@pytest.mark.slow
def test_fifty_megabyte_line():
    d = parse_document(b"abc def ghi jkl [ ( http " * 2_000_000 + b" http://end.org/x", "file:///big.md")
    assert [l["target"] for l in d.links] == ["http://end.org/x"]


_REFS = "\n\n[R1]: https://ref.example.org/one \"One\"\n[logo]: <https://ref.example.org/l.png>\n"


@pytest.mark.parametrize("line, expected", [
    # autolinks: the HTML parser would take <https://…> for a tag and drop it
    ("see <https://auto.example.org/a?b=1&c=2> now", [("md-link", "https://auto.example.org/a?b=1&c=2",
                                                      "https://auto.example.org/a?b=1&c=2")]),
    ("mail <me@example.org>", [("md-link", "mailto:me@example.org", "me@example.org")]),
    ("Word HTML <o:p></o:p> and <st1:place>x</st1:place>", []),
    # reference uses, each with its own anchor text; labels case-insensitive
    ("the [full report][r1] says", [("md-link", "https://ref.example.org/one", "full report")]),
    ("the [R1][] says", [("md-link", "https://ref.example.org/one", "R1")]),
    ("the [r1] says", [("md-link", "https://ref.example.org/one", "r1")]),
    ("![the logo][logo]", [("md-image", "https://ref.example.org/l.png", "")]),
    ("[undefined][nope] and [nope] stay text", []),
    ("[inline](https://in.example.org/) wins", [("md-link", "https://in.example.org/", "inline")]),
])
def test_markdown_autolinks_and_reference_uses(line, expected):
    page = extract_links(f"# T\n\n{line}{_REFS}", "markdown", "https://github.com/o/r/blob/master/x.md")
    got = [(l["attribute"], l["href"], l["anchor_text"]) for l in page.links if l["attribute"] != "md-ref"]
    assert got == expected
    # the definitions are recorded once each, angle brackets or not
    assert [(l["href"], l["anchor_text"]) for l in page.links if l["attribute"] == "md-ref"] == [
        ("https://ref.example.org/one", "R1"), ("https://ref.example.org/l.png", "logo")]


def test_white_space_of_str_split_is_that_of_re():
    """``_collapse`` (and graph.text's normalizers) collapse white space with ``str.split()``:
    the same characters as ``\\s`` of a Unicode pattern, checked over every code point."""
    from crawler.extract.links import _collapse
    every = "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i <= 0xDFFF)
    assert set(re.findall(r"\s", every)) == {c for c in every if c.isspace()}
    sample = "".join(sorted(set(re.findall(r"\s", every))))
    text = f"{sample}a{sample}b c\u3000d{sample}"
    assert _collapse(text) == re.sub(r"\s+", " ", text).strip() == "a b c d"
