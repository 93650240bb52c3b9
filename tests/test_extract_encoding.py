"""Bytes -> text (crawler.extract.encoding) and content sniffing (crawler.extract.sniff)."""
from __future__ import annotations

import gzip

import pytest

from crawler.errors import SkipInput
from crawler.extract.encoding import decode
from crawler.extract.sniff import is_warc, sniff

GBK_TITLE = "多国峰会商讨乌克兰安全保障 美国态度成关键"
BIG5_TITLE = "法國總統馬克龍於9月4日在巴黎宣布，將有26個國家"


@pytest.mark.parametrize("text, codec, declared, encoding, source", [
    (GBK_TITLE, "gbk", None, "gb18030", "detected"),
    (GBK_TITLE, "gbk", "gb2312", "gb18030", "declared"),
    (GBK_TITLE, "gbk", "GBK", "gb18030", "declared"),
    ("中文标题", "gbk", None, "gb18030", "detected"),
    (BIG5_TITLE, "big5", None, "big5hkscs", "detected"),
    (BIG5_TITLE, "big5", "big5", "big5hkscs", "declared"),
    ("中文標題", "big5", None, "big5hkscs", "detected"),
    ("香港特區政府", "big5hkscs", None, "big5hkscs", "detected"),
    (BIG5_TITLE, "utf-8", None, "utf-8", "utf-8"),
    (GBK_TITLE, "utf-8", "gbk", "utf-8", "utf-8"),   # a wrong declaration that fails strictly is dropped
    ("Café émigré naïve résumé", "cp1252", None, "cp1252", "detected"),
    ("日本語のテキストです", "shift_jis", None, "shift_jis", "detected"),
])
def test_decode_chinese_and_others(text, codec, declared, encoding, source):
    d = decode(text.encode(codec), declared)
    assert (d.encoding, d.source) == (encoding, source)
    assert d.text == text


@pytest.mark.parametrize("html, codec", [
    ('<html><head><meta charset="gb2312"><title>{}</title></head></html>', "gbk"),
    ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5"><title>{}</title>', "big5"),
    ('<?xml version="1.0" encoding="GBK"?><html><title>{}</title></html>', "gbk"),
])
def test_decode_in_document_declaration(html, codec):
    title = GBK_TITLE if codec == "gbk" else BIG5_TITLE
    d = decode(html.format(title).encode(codec))
    assert d.source == "declared"
    assert title in d.text


def test_decode_wrong_declaration_falls_back():
    d = decode(("<meta charset=utf-8>" + GBK_TITLE * 3).encode("gbk"))
    assert (d.encoding, d.source) == ("gb18030", "detected")
    assert GBK_TITLE in d.text


@pytest.mark.parametrize("body, encoding, source", [
    ("\ufeff中文".encode("utf-8"), "utf-8", "bom"),
    ("\ufeff中文".encode("utf-16-le"), "utf-16-le", "bom"),
    ("你好世界，这是测试".encode() + b"\xff" + "继续中文内容很多很多".encode(), "utf-8", "detected"),
])
def test_decode_bom_and_invalid_utf8(body, encoding, source):
    d = decode(body)
    assert (d.encoding, d.source) == (encoding, source)
    assert "中" in d.text or "你好" in d.text


@pytest.mark.parametrize("body, reason", [
    (b"", "empty"), (b"  \r\n\t ", "empty"), (b"\xef\xbb\xbf", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"), (b"\xff\xd8\xff\xe0JFIF", "binary"), (b"%PDF-1.7\n", "binary"),
    (b"PK\x03\x04zip", "binary"), (gzip.compress(b"hello"), "binary"), (b"text\x00with nul", "binary"),
    (bytes(range(0x80, 0x100)) * 40, "undecodable"),
])
def test_decode_skips(body, reason):
    with pytest.raises(SkipInput) as e:
        decode(body)
    assert e.value.reason == reason
    assert e.value.detail


@pytest.mark.parametrize("text, kind", [
    ("<!DOCTYPE html><html><body>x</body></html>", "html"),
    ("  <html><head></head></html>", "html"),
    ('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', "xhtml"),
    ('<table><tr><td><a href="/a">a</a> | <a href="/b">b</a></td></tr></table>', "html"),
    ("### Title\n---\n\n#### [home](https://a.org/) | [b](https://b.org/)\n\n<div><p>raw</p></div>", "markdown"),
    ("# Heading\n\nSome text with a [link](http://a.org).", "markdown"),
    ("Just prose.\n\n2025-09-08\n\nMore prose.", "text"),
    ("a < b and c > d", "text"),
])
def test_sniff(text, kind):
    assert sniff(text) == kind


def test_sniff_seeds(project_root):
    assert sniff((project_root / "seeds/003_61bc192e7a20e0a8.txt").read_text("utf-8")) == "html"
    assert sniff((project_root / "seeds/000_23c6093b9ebcdf99.txt").read_text("utf-8")) == "text"


@pytest.mark.parametrize("head, expected", [
    (b"WARC/1.0\r\nWARC-Type: warcinfo\r\n", True),
    (b"WARC/1.1\r\n", True),
    (gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n"), True),
    (gzip.compress(b"<html>"), False),
    (b"<html>", False),
    (b"", False),
])
def test_is_warc(head, expected):
    assert is_warc(head) is expected
