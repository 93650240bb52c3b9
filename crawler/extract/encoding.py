"""Bytes -> text, with the encoding and how it was found.

Order: byte-order mark; declared charset (from transport headers, then ``<meta charset>``,
``http-equiv`` or the XML declaration in the first 4 KB); strict UTF-8; detection.
Detection decodes with each CJK candidate (GB18030, Big5-HKSCS, ...) and keeps the one whose
text is mostly *common* characters (a frequency table in ``crawler/data``) — GBK bytes read
as Big5 (and the reverse) give rare characters, kana or errors, which is how the classic
GBK/Big5 confusion is avoided; for single-byte text charset-normalizer chooses among a
restricted candidate list. Declared GB2312/GBK are read as GB18030, Big5 as Big5-HKSCS.
"""
from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from crawler.errors import SkipInput

__all__ = ["Decoded", "decode", "check_binary", "codec_name"]

_META_RE = re.compile(rb"""<meta[^>]{0,500}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{1,40})""", re.I)
_XML_RE = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:\-]{1,40})["']""", re.I)
_BOMS = [(codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")]
_SAMPLE = 256 * 1024      # bytes scored per candidate
_MAX_ERROR_SHARE = 0.02   # replacement characters tolerated in a lenient decode


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str         # Python codec name, e.g. "utf-8", "gb18030", "big5hkscs"
    source: str           # "bom" | "declared" | "utf-8" | "detected"


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads(resources.files("crawler").joinpath("data/encodings.json").read_text("utf-8"))


@lru_cache(maxsize=1)
def _common() -> frozenset:
    chars = json.loads(resources.files("crawler").joinpath("data/common_hanzi.json").read_text("utf-8"))["chars"]
    out = set(chars)
    try:
        import opencc
        out |= set(opencc.OpenCC("s2t").convert(chars))
        out |= set(opencc.OpenCC("s2tw").convert(chars))
    except Exception:  # pragma: no cover - opencc is a dependency
        pass
    return frozenset(out)


def codec_name(name: str | None) -> str | None:
    """Python codec for a declared charset name (aliases from data), or None if unknown.

    >>> codec_name("GB2312"), codec_name("big5"), codec_name("ISO-8859-1"), codec_name("nope")
    ('gb18030', 'big5hkscs', 'cp1252', None)
    """
    if not name:
        return None
    key = name.strip().strip("\"'").lower()
    key = _data()["aliases"].get(key, key)
    try:
        return codecs.lookup(key).name
    except LookupError:
        return None


def check_binary(body: bytes) -> None:
    """Raise ``SkipInput("binary")`` for known binary formats or NUL bytes."""
    head = body[:16].hex()
    for magic, what in _data()["binary_magic"]:
        if head.startswith(magic):
            raise SkipInput("binary", f"{what} (magic bytes {magic}): not a text document; "
                                      "remove it from the seeds or pass a WARC/HTML file")
    if head.startswith("52494646") and body[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        raise SkipInput("binary", "RIFF media file: not a text document")
    if b"\x00" in body[:8192]:
        raise SkipInput("binary", "NUL bytes in the first 8 KB: not a text document")


def _score(text: str) -> float:
    """How plausible decoded text is: common CJK characters up, oddities down."""
    common = _common()
    score = 0.0
    for ch in text:
        o = ord(ch)
        if o < 0x80:
            continue
        if ch in common:
            score += 2.0
        elif 0x4E00 <= o <= 0x9FFF:
            score += 0.2
        elif ch == "\ufffd" or 0x80 <= o <= 0x9F or 0xE000 <= o <= 0xF8FF:
            score -= 6.0
        elif 0x3040 <= o <= 0x30FF or 0xAC00 <= o <= 0xD7AF:
            score += 0.5        # kana / hangul: plausible only in bulk
        elif 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF or 0x2010 <= o <= 0x2027:
            score += 1.0        # CJK / full-width punctuation, quotes
        elif 0x00C0 <= o <= 0x024F or 0x0400 <= o <= 0x04FF:
            score += 0.3
        else:
            score -= 1.0        # CJK extensions, compatibility forms, symbols
    return score


def _try(body: bytes, codec: str, strict: bool = True) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        if strict:
            return None
    try:
        text = body.decode(codec, errors="replace")
    except LookupError:
        return None
    if text.count("\ufffd") > max(2, _MAX_ERROR_SHARE * len(text)):
        return None
    return text


def _declared_in_doc(body: bytes) -> str | None:
    head = body[:4096]
    m = _XML_RE.search(head) or _META_RE.search(head)
    return m.group(1).decode("ascii", "replace") if m else None


def _detect(body: bytes) -> tuple[str, str] | None:
    sample = body[:_SAMPLE]
    best = None
    utf8 = _try(sample, "utf-8", strict=False)
    if utf8 is not None and utf8.count("\ufffd") <= max(1, 0.002 * len(utf8)):
        best = (_score(utf8) + 6.0 * utf8.count("\ufffd"), "utf-8")
    for strict in (True, False):
        for codec in _data()["cjk_candidates"]:
            text = _try(sample, codec, strict=strict)
            if text is None and strict and len(sample) < len(body):
                # the sample may cut a multi-byte character: retry a byte shorter
                text = _try(sample[:-1], codec) or _try(sample[:-2], codec)
            if text is None:
                continue
            s = _score(text)
            if best is None or s > best[0]:
                best = (s, codec)
        if best is not None:
            break
    if best is not None and best[0] > 0:
        return best[1], ""
    latin = _try(sample, "cp1252")
    if latin is not None and all(ord(c) < 0x80 or "\u00c0" <= c <= "\u00ff" or c in "\u2018\u2019\u201c\u201d\u2013\u2014\u00a0\u00b0\u00a9\u00ae\u20ac\u2026"
                                 for c in latin):
        return "cp1252", ""
    try:
        from charset_normalizer import from_bytes
        res = from_bytes(sample, cp_isolation=_data()["single_byte_candidates"]).best()
        if res is not None:
            return codecs.lookup(res.encoding).name, ""
    except Exception:
        pass
    return None


def decode(body: bytes, declared: str | None = None) -> Decoded:
    """Decode ``body`` to text.

    Parameters
    ----------
    body : bytes
        Raw document bytes.
    declared : str or None
        Charset from HTTP/WARC headers; tried first (after a BOM).

    Raises
    ------
    SkipInput
        ``empty`` (nothing but white space), ``binary`` (magic bytes or NUL bytes),
        ``undecodable`` (no candidate decodes with few enough errors).

    Examples
    --------
    >>> d = decode("多国峰会".encode("gbk"), "gb2312"); d.text, d.encoding, d.source
    ('多国峰会', 'gb18030', 'declared')
    """
    if not body.strip():
        raise SkipInput("empty", "the input has no content (empty or only white space)")
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = body[len(bom):].decode(codec, errors="replace")
            if not text.strip():
                raise SkipInput("empty", "the input has only a byte-order mark")
            return Decoded(text, codecs.lookup(codec).name, "bom")
    check_binary(body)
    for name in (declared, _declared_in_doc(body)):
        codec = codec_name(name)
        if codec is None or codec.startswith(("utf_16", "utf_32", "utf-16", "utf-32")):
            continue  # an ASCII-compatible body cannot be UTF-16 (WHATWG)
        text = _try(body, codec, strict=True)
        if text is not None:
            return Decoded(text, codec, "declared")
    try:
        return Decoded(body.decode("utf-8"), "utf-8", "utf-8")
    except UnicodeDecodeError:
        pass
    found = _detect(body)
    if found is not None:
        text = _try(body, found[0], strict=False)
        if text is not None:
            return Decoded(text, found[0], "detected")
    # mostly UTF-8 with a few broken bytes (a truncated or spliced file)
    text = body.decode("utf-8", errors="replace")
    if text.count("\ufffd") <= max(2, _MAX_ERROR_SHARE * len(text)):
        return Decoded(text, "utf-8", "detected")
    raise SkipInput("undecodable", "no charset decodes this input with few errors; "
                                   "pass its charset (HTTP/WARC header) or convert it to UTF-8")
