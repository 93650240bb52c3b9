"""parse_document end to end on the bundled seeds and real corpus pages."""
from __future__ import annotations

import pytest

from crawler.errors import SkipInput
from crawler.extract import parse_document, self_url
from crawler.extract.meta import date_from_text, date_from_url, detect_languages, find_attributions, zh_script

HTML_SEED = "seeds/003_61bc192e7a20e0a8.txt"
TEXT_SEED = "seeds/000_23c6093b9ebcdf99.txt"
QR_SELF = "https://github.com/1992513/djy/blob/master/gb/25/9/4/n14587530.md"


@pytest.fixture(scope="module")
def html_seed(project_root):
    path = project_root / HTML_SEED
    return parse_document(path.read_bytes(), path.as_uri(), url_source="file")


@pytest.fixture(scope="module")
def text_seed(project_root):
    path = project_root / TEXT_SEED
    return parse_document(path.read_bytes(), path.as_uri(), url_source="file")


def test_html_seed_document(html_seed):
    d = html_seed
    assert (d.url, d.url_source, d.content_type) == (QR_SELF, "qr", "html")
    assert (d.published, d.published_source, d.published_evidence) == ("2025-09-04", "dateline", "【大纪元2025年09月04日讯】")
    assert d.language == ["zh-Hans"]
    assert d.title == "多国峰会商讨乌克兰安全保障 美国态度成关键"
    assert len(d.links) >= 90
    assert {l["source"] for l in d.links} == {QR_SELF}


def test_html_seed_original_link(html_seed):
    rec = next(l for l in html_seed.links if l["target"] == "https://www.epochtimes.com/gb/25/9/4/n14587530.htm")
    assert (rec["anchor_text"], rec["marker"], rec["marker_kind"], rec["tag"], rec["attribute"]) == (
        "多国峰会商讨乌克兰安全保障 美国态度成关键", "浏览原文", "original", "a", "href")


def test_html_seed_tracking_links_kept(html_seed):
    dfh = sorted({l["target"] for l in html_seed.links if (l["target"] or "").endswith("?dfh")})
    assert "https://github.com/1992513/djy/blob/master/gb/16/1/21/n4622075.md?dfh" in dfh
    assert "https://github.com/1992513/www/blob/master/README.md?dfh" in dfh
    assert len(dfh) == 23
    sidebar = {l["block"] for l in html_seed.links if (l["target"] or "").endswith("?dfh") and l["tag"] == "a"}
    assert len(sidebar) == 2   # 编辑推荐 list + the side bar column, each one block


@pytest.mark.parametrize("kind, name", [
    ("image_credit", "LUDOVIC MARIN/AFP via Getty Images"),
    ("reference", "路透社"),
    ("reprint", "大纪元"),
])
def test_html_seed_attributions(html_seed, kind, name):
    assert (kind, name) in {(a["kind"], a["name"]) for a in html_seed.attributions}


def test_html_seed_qr_embedded(html_seed):
    emb = [l for l in html_seed.links if l["via"] == "embedded"]
    assert [(l["tag"], l["attribute"], l["target"], l["marker_kind"]) for l in emb] == [
        ("img", "src?text", QR_SELF, "share")]


def test_text_seed(text_seed):
    d = text_seed
    assert (d.content_type, d.published, d.published_source) == ("text", "2025-09-08", "dateline")
    assert set(d.language) == {"zh-Hant", "en"}
    assert d.url.startswith("file://") and d.url_source == "file"
    assert d.title.startswith("法國總統馬克龍")


def test_authoritative_url_is_kept(project_root):
    d = parse_document((project_root / HTML_SEED).read_bytes(), "https://mirror.example.org/a.html", url_source="mount")
    assert (d.url, d.url_source) == ("https://mirror.example.org/a.html", "mount")


@pytest.mark.parametrize("links, expected", [
    ([{"via": "attribute", "tag": "link", "rel": "canonical", "target": "https://a.org/c", "href": "/c",
       "marker_kind": None, "attribute": "href"}], ("https://a.org/c", "canonical")),
    ([{"via": "bare", "tag": "text", "rel": None, "target": "https://a.org/o", "href": "https://a.org/o",
       "marker_kind": "original", "marker": "原文地址", "attribute": "text"}], None),
    ([{"via": "bare", "tag": "text", "rel": None, "target": "https://a.org/s", "href": "https://a.org/s",
       "marker_kind": "share", "marker": "分享本文章", "attribute": "text"}], ("https://a.org/s", "share")),
])
def test_self_url(links, expected):
    got = self_url(links)
    assert (got[:2] if got else None) == expected


CORPUS_PAGES = [
    ("pages/87/402912.md", "2020-03-25",
     "http://www.minghui.org/mh/articles/2020/3/25/病毒疫情-谁在导演这些“反常”之举--402912.html",
     "http://www.minghui.org/mh/glossary.html#37"),
    ("pages/nf4778/n11924247.md", "2020-03-08", "https://www.epochtimes.com/gb/20/3/8/n11924247.htm",
     "https://www.epochtimes.com/gb/tag/%E7%A5%9E%E9%9F%B5.html"),
    ("pages/91/423295.md", "2021-04-12", None, None),
]


@pytest.mark.parametrize("rel, published, original, ok_href", CORPUS_PAGES)
def test_corpus_page(corpus_dir, rel, published, original, ok_href):
    path = corpus_dir / rel
    if not path.is_file():
        pytest.skip(f"{rel} not in this corpus")
    url = "https://github.com/gfw-breaker/mh-news/blob/master/" + rel
    d = parse_document(path.read_bytes(), url, url_source="mount")
    assert (d.url, d.content_type, d.published, d.published_source) == (url, "markdown", published, "dateline")
    orig = [l for l in d.links if l["marker"] == "原文地址"]
    assert len(orig) == 1 and orig[0]["via"] == "bare" and orig[0]["marker_kind"] == "original"
    if original:
        assert orig[0]["href"] == original
    if ok_href:
        assert ok_href in {l["href"] for l in d.links if l["tag"] == "ok"}
    assert any(l["via"] == "markdown" for l in d.links)
    assert d.title and d.language[0] == "zh-Hans"
    assert any(a["kind"] == "original" and a["url"] == orig[0]["target"] for a in d.attributions)


def test_whole_corpus_parses(corpus_dir):
    pages = sorted(corpus_dir.rglob("*.md"))
    assert pages
    for p in pages:
        d = parse_document(p.read_bytes(), "https://github.com/gfw-breaker/mh-news/blob/master/"
                           + p.relative_to(corpus_dir).as_posix(), url_source="mount")
        assert d.published, p
        assert any(l["marker_kind"] == "original" for l in d.links), p


def test_same_input_same_output(project_root):
    body = (project_root / HTML_SEED).read_bytes()
    assert parse_document(body, "file:///s") == parse_document(body, "file:///s")


@pytest.mark.parametrize("body, reason", [(b"", "empty"), (b"\x89PNG\r\n\x1a\n", "binary"),
                                          (b"WARC/1.0\r\nWARC-Type: warcinfo\r\n", "warc")])
def test_parse_document_skips(body, reason):
    with pytest.raises(SkipInput) as e:
        parse_document(body, "file:///x")
    assert e.value.reason == reason


@pytest.mark.parametrize("codec", ["gbk", "big5"])
def test_parse_document_legacy_chinese(codec):
    title = "多国峰会商讨乌克兰安全保障" if codec == "gbk" else "多國峰會商討烏克蘭安全保障"
    html = f"<html><head><title>{title}</title></head><body><p>{title}。{title}</p></body></html>"
    d = parse_document(html.encode(codec), "file:///x.html")
    assert d.title == title
    assert d.language == (["zh-Hans"] if codec == "gbk" else ["zh-Hant"])


@pytest.mark.parametrize("text, expected", [
    ("【明慧网二零二零年三月二十五日】中共病毒", ("2020-03-25", "【明慧网二零二零年三月二十五日】")),
    ("【大纪元2025年09月04日讯】（记者）", ("2025-09-04", "【大纪元2025年09月04日讯】")),
    ("图说：2025年9月3日合影\n【大纪元2025年09月04日讯】", ("2025-09-04", "【大纪元2025年09月04日讯】")),
    ("Title\n\n2025-09-08\n\nBody", ("2025-09-08", "2025-09-08")),
    ("WASHINGTON — September 4, 2025 — text", ("2025-09-04", "September 4, 2025")),
    ("no date here", None),
])
def test_date_from_text(text, expected):
    assert date_from_text(text) == expected


@pytest.mark.parametrize("url, expected", [
    ("http://www.minghui.org/mh/articles/2020/3/25/x--402912.html", "2020-03-25"),
    ("https://github.com/1992513/djy/blob/master/gb/25/9/4/n14587530.md", "2025-09-04"),
    ("https://a.org/news/2021-12-31-title", "2021-12-31"),
    ("https://a.org/p/12345", None),
])
def test_date_from_url(url, expected):
    got = date_from_url(url)
    assert (got[0] if got else None) == expected


@pytest.mark.parametrize("text, expected", [
    ("法國總統馬克龍於9月4日在巴黎宣布將有26個以歐洲國家為主的國家", ["zh-Hant"]),
    ("法国总统马克龙于9月4日在巴黎宣布将有26个以欧洲国家为主的国家", ["zh-Hans"]),
    ("日本語のテキストです。これは日本語の文章で、ひらがなとカタカナを含みます。", ["ja"]),
    ("The leaders of the coalition met in Paris and agreed that the forces would not be deployed to "
     "the front lines but would serve a protective role for the country, which is what they wanted, "
     "and it was noted that the United States will finalize its contribution in the coming days.", ["en"]),
    ("", []),
    ("한국어 텍스트입니다 한국어 텍스트입니다 한국어", ["ko"]),
    ("Привет мир, это текст на русском языке. " * 4, ["und-Cyrl"]),
    ("日本語のテキストです。これは日本語の文章で、ひらがなとカタカナを含みます。 Привет", ["ja"]),
])
def test_detect_languages(text, expected):
    assert detect_languages(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("法國總統馬克龍", ("zh-Hant", 5, 0)),
    ("法国总统马克龙", ("zh-Hans", 0, 5)),
    ("法國总统", ("zh-Hans", 1, 2)),          # more Simplified-only characters
    ("國国", ("zh-Hans", 1, 1)),               # a tie reads as Simplified
    ("本文参考了路透社的报导", ("zh-Hans", 0, 3)),
    ("中文", ("zh-Hans", 0, 0)),               # characters both scripts share
    ("abc", ("zh-Hans", 0, 0)),
    ("", ("zh-Hans", 0, 0)),
])
def test_zh_script(text, expected):
    assert zh_script(text) == expected


@pytest.mark.parametrize("line, kind, name, url", [
    ("本文转自大纪元（国内需用翻墙软件才能访问）", "reprint", "大纪元", None),
    ("（本文参考了路透社的报导）", "reference", "路透社", None),
    ("合影。(LUDOVIC MARIN/AFP via Getty Images)", "image_credit", "LUDOVIC MARIN/AFP via Getty Images", None),
    ("观看演出。（唐明镜／大纪元）", "image_credit", "唐明镜／大纪元", None),
    ("原文地址（需翻墙访问）：https://www.epochtimes.com/gb/20/3/8/n11924247.htm", "original", None,
     "https://www.epochtimes.com/gb/20/3/8/n11924247.htm"),
    ("Originally published at The Daily Example", "original", "The Daily Example", None),
    ("Source: Reuters", "source", "Reuters", None),
    ("来源：新华社", "source", "新华社", None),
    ("Reuters contributed to this report.", "reference", "Reuters", None),
])
def test_attributions(line, kind, name, url):
    assert [(a["kind"], a["name"], a["url"]) for a in find_attributions(line)] == [(kind, name, url)]
