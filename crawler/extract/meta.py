"""Document metadata: title, publication date, languages/scripts, attribution lines.

Dates never come from the URLs a document LINKS to (what generic date extractors get wrong
on link-heavy mirror pages). Order: meta tags (``article:published_time``, JSON-LD
``datePublished``, ``<time datetime>``, ``DC.date`` ...) > a dateline near the start of the
text (``【大纪元2025年09月04日讯】``, ``【明慧网二零二零年三月二十五日】``, a line that is only
a date, ``2025年9月4日``, ``September 4, 2025``) > the document's own URL path
(``/2020/3/25/``, ``/gb/25/9/4/``) > the path of the original URL the document states.
Patterns and word lists are data files in ``crawler/data``; this module only matches.
"""
from __future__ import annotations

import datetime as _dt
import json
import re
from functools import lru_cache
from importlib import resources

from crawler.extract.urls import BARE_URL_RE, normalize_url, trim_autolink

__all__ = ["pick_title", "find_published", "date_from_text", "date_from_url", "detect_languages",
           "find_attributions", "zh_script"]

_WS = re.compile(r"\s+")


def _load(name: str) -> dict:
    return json.loads(resources.files("crawler").joinpath(f"data/{name}").read_text("utf-8"))


# ---------------------------------------------------------------- title
def pick_title(page, content_type: str) -> str | None:
    """Title: ``<title>``, og:title, then the first heading (Markdown ``#`` first for Markdown
    documents, else ``<h1>/<h2>``), else the first short line of text."""
    metas = dict(reversed(page.metas))
    cands = [page.title_tag, metas.get("og:title"), metas.get("twitter:title")]
    if content_type == "markdown":
        cands += [page.md_heading, page.heading]
    else:
        cands += [page.heading, page.md_heading]
    for c in cands:
        c = _WS.sub(" ", c or "").strip()
        if c:
            return c[:300]
    for line in page.text.split("\n")[:20]:
        line = line.strip()
        if 0 < len(line) <= 200 and not BARE_URL_RE.fullmatch(line):
            return line
    first = (page.first_line or "").strip()
    return first[:120] or None


# ---------------------------------------------------------------- dates
@lru_cache(maxsize=1)
def _dates() -> dict:
    return _load("dates.json")


def _iso(y: int, m: int, d: int) -> str | None:
    if y < 100:
        y += 2000 if y < 70 else 1900
    if not 1900 <= y <= 2100:
        return None
    try:
        return _dt.date(y, m, d).isoformat()
    except ValueError:
        return None


def _zh_num(s: str) -> int | None:
    """二十五 -> 25, 十 -> 10, 三 -> 3."""
    digits = _dates()["zh_digits"]
    if s.isdigit():
        return int(s)
    if "十" in s:
        a, _, b = s.partition("十")
        tens = digits.get(a, None) if a else 1
        ones = digits.get(b, None) if b else 0
        if tens is None or ones is None:
            return None
        return tens * 10 + ones
    if len(s) == 1 and s in digits:
        return digits[s]
    return None


def _zh_year(s: str) -> int | None:
    digits = _dates()["zh_digits"]
    if s.isdigit():
        return int(s)
    try:
        return int("".join(str(digits[c]) for c in s))
    except KeyError:
        return None


_ZD = "〇零○Ｏ一二三四五六七八九"
_ZN = "一二三四五六七八九十两兩"


def _month_re() -> str:
    names = sorted(_dates()["months"], key=len, reverse=True)
    return "|".join(names)


@lru_cache(maxsize=1)
def _date_patterns():
    mon = _month_re()
    return [
        ("cn", re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]")),
        ("cnz", re.compile(rf"([{_ZD}]{{4}})年([{_ZN}]{{1,3}})月([{_ZN}]{{1,3}})[日号號]")),
        ("iso", re.compile(r"(?<!\d)((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")),
        ("mdy", re.compile(rf"(?i)\b({mon})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d{{2}})\b")),
        ("dmy", re.compile(rf"(?i)\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({mon})\.?,?\s+((?:19|20)\d{{2}})\b")),
    ]


def _match_date(kind: str, m: re.Match) -> str | None:
    months = _dates()["months"]
    if kind == "cn" or kind == "iso":
        return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if kind == "cnz":
        y, mo, d = _zh_year(m.group(1)), _zh_num(m.group(2)), _zh_num(m.group(3))
        return _iso(y, mo, d) if None not in (y, mo, d) else None
    if kind == "mdy":
        return _iso(int(m.group(3)), months[m.group(1).lower()], int(m.group(2)))
    if kind == "dmy":
        return _iso(int(m.group(3)), months[m.group(2).lower()], int(m.group(1)))
    return None


def _first_date(s: str) -> tuple[str, str] | None:
    """The earliest date written in ``s``: (iso, matched text)."""
    best = None
    for kind, rx in _date_patterns():
        for m in rx.finditer(s):
            iso = _match_date(kind, m)
            if iso:
                if best is None or m.start() < best[0]:
                    best = (m.start(), iso, m.group(0))
                break
    return (best[1], best[2]) if best else None


_BRACKET = re.compile(r"[【\[〔［]([^【】\[\]〔〕［］\n]{0,60})[】\]〕］]")
_DATE_LINE_MAX = 40


def date_from_text(text: str, window: int = 600, title: str | None = None) -> tuple[str, str] | None:
    """A dateline near the start of ``text``: ``(iso_date, evidence)``.

    Bracketed datelines (``【明慧网二零二零年三月二十五日】``) first, then a line that is only a
    date, then the first date written in the window. The window is the first ``window``
    characters and the ``window`` characters after the title, wherever it sits.

    >>> date_from_text("【明慧网二零二零年三月二十五日】中共病毒")
    ('2020-03-25', '【明慧网二零二零年三月二十五日】')
    >>> date_from_text("Title\\n\\n2025-09-08\\n\\nbody")
    ('2025-09-08', '2025-09-08')
    """
    parts = [text[:window]]
    if title:
        at = text.find(title[:60])
        if at > 0:
            parts.append(text[at:at + window])
    for part in parts:
        for m in _BRACKET.finditer(part):
            d = _first_date(m.group(1))
            if d:
                return d[0], m.group(0)
    for part in parts:
        for line in part.split("\n"):
            s = line.strip()
            if 0 < len(s) <= _DATE_LINE_MAX:
                d = _first_date(s)
                if d and len(d[1]) >= len(s) - 12:   # the line is (about) just a date
                    return d[0], s
    for part in parts:
        d = _first_date(part)
        if d:
            return d
    return None


_URL_YMD = re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})(?=/|$|[._-])")
_URL_YMD_DASH = re.compile(r"/((?:19|20)\d{2})-(\d{2})-(\d{2})(?!\d)")
_URL_COMPACT = re.compile(r"(?<![\d])((?:19|20)\d{2})(\d{2})(\d{2})(?![\d])")
_URL_YY = re.compile(r"/[A-Za-z][A-Za-z_-]{0,20}/(\d{2})/(\d{1,2})/(\d{1,2})/")


def date_from_url(url: str | None) -> tuple[str, str] | None:
    """A date written in a URL's path: ``/2020/3/25/``, ``/2020-03-25``, ``/20200325``, and
    two-digit years after a section (``/gb/25/9/4/`` = 2025-09-04).

    >>> date_from_url("https://www.epochtimes.com/gb/25/9/4/n14587530.htm")
    ('2025-09-04', '/gb/25/9/4/')
    """
    if not url:
        return None
    path = url.split("?", 1)[0].split("#", 1)[0]
    if "://" in path:
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    from urllib.parse import unquote
    path = unquote(path)
    for rx in (_URL_YMD, _URL_YMD_DASH, _URL_YY, _URL_COMPACT):
        m = rx.search(path)
        if m:
            iso = _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if iso:
                return iso, m.group(0)
    return None


def _date_from_value(v: str) -> str | None:
    d = _first_date(v or "")
    if d:
        return d[0]
    m = re.match(r"\s*((?:19|20)\d{2})(\d{2})(\d{2})", v or "")
    return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


_JSONLD_DATE = re.compile(r'"(?:datePublished|dateCreated|uploadDate)"\s*:\s*"([^"]{6,40})"')


def find_published(page, url: str | None, original_urls: list[str], title: str | None):
    """``(iso, source, evidence)`` or ``(None, None, None)``; sources: meta, dateline, url, original_url."""
    keys = _dates()["meta_keys"]
    metas = {}
    for k, v in page.metas:
        metas.setdefault(k, v)
    for k in keys:
        if k in metas and _date_from_value(metas[k]):
            return _date_from_value(metas[k]), "meta", f"{k} {metas[k]}"
    for js in page.jsonld:
        m = _JSONLD_DATE.search(js)
        if m and _date_from_value(m.group(1)):
            return _date_from_value(m.group(1)), "meta", f"datePublished {m.group(1)}"
    for t in page.times:
        if _date_from_value(t):
            return _date_from_value(t), "meta", f"time {t}"
    d = date_from_text(page.text, title=title)
    if d:
        return d[0], "dateline", d[1]
    d = date_from_url(url)
    if d:
        return d[0], "url", d[1]
    for o in original_urls:
        d = date_from_url(o)
        if d:
            return d[0], "original_url", d[1]
    return None, None, None


# ---------------------------------------------------------------- languages
@lru_cache(maxsize=1)
def _lang_data() -> dict:
    d = _load("languages.json")
    d["sets"] = {k: frozenset(v) for k, v in d["stopwords"].items()}
    return d


@lru_cache(maxsize=2)
def _cc(config: str):
    import opencc
    for name in (config, config + ".json"):
        try:
            return opencc.OpenCC(name)
        except Exception:
            continue
    return None


#: the code points of Han characters (those ``_script_classes`` converts one by one)
_HAN_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xF900, 0xFAFF))
_KANA_RANGES = ((0x3040, 0x30FF),)
_HANGUL_RANGES = ((0xAC00, 0xD7AF), (0x1100, 0x11FF))
_CYR_RANGES = ((0x0400, 0x04FF),)


def _class(*ranges: tuple[int, int]) -> re.Pattern:
    return re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in ranges) + "]")


_HAN = _class(*_HAN_RANGES)
_KANA = _class(*_KANA_RANGES)
_HANGUL = _class(*_HANGUL_RANGES)
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+(?:'[A-Za-z]+)?")
_CYR = _class(*_CYR_RANGES)
_KANA_HANGUL_CYR = _class(*_KANA_RANGES, *_HANGUL_RANGES, *_CYR_RANGES)


def zh_script(text: str) -> tuple[str, int, int]:
    """``("zh-Hans"|"zh-Hant", traditional_count, simplified_count)``: characters OpenCC's
    t2s changes are Traditional-only, those s2t changes are Simplified-only.

    >>> zh_script("法國總統馬克龍")[0], zh_script("法国总统马克龙")[0]
    ('zh-Hant', 'zh-Hans')
    """
    if not _HAN.search(text):
        return "zh-Hans", 0, 0
    return _script_counts(text)


def _script_counts(text: str) -> tuple[str, int, int]:
    """:func:`zh_script` of a text known to hold Han characters."""
    classes = _script_classes()
    if classes is None:
        return "zh-Hans", 0, 0
    trad, simp = len(classes[0].findall(text)), len(classes[1].findall(text))
    return ("zh-Hant" if trad > simp else "zh-Hans"), trad, simp


@lru_cache(maxsize=1)
def _script_classes() -> tuple[re.Pattern, re.Pattern] | None:
    """Character classes of the Han characters OpenCC's t2s changes (Traditional-only) and
    of those its s2t changes (Simplified-only), each character converted on its own, once
    per process (28k characters, ~0.15 s); None without OpenCC's configurations."""
    t2s, s2t = _cc("t2s"), _cc("s2t")
    if t2s is None or s2t is None:
        return None
    chars = [chr(i) for lo, hi in _HAN_RANGES for i in range(lo, hi + 1)]
    out = []
    for cc in (t2s, s2t):
        converted = cc.convert("\n".join(chars)).split("\n")
        if len(converted) != len(chars):      # not lined up: one character at a time
            converted = [cc.convert(c) for c in chars]
        changed = "".join(c for c, x in zip(chars, converted) if x != c)
        out.append(re.compile(f"[{changed}]" if changed else "(?!)"))
    return out[0], out[1]


def detect_languages(text: str) -> list[str]:
    """BCP 47 tags of the languages with a real share of ``text``, largest share first.

    >>> detect_languages("法國總統馬克龍於9月4日在巴黎宣布將有26個以歐洲國家為主的國家")
    ['zh-Hant']
    """
    text = BARE_URL_RE.sub(" ", text[:200_000])
    han = len(_HAN.findall(text))
    kana = hangul = cyr = 0
    if _KANA_HANGUL_CYR.search(text):   # most texts have none: one scan instead of three
        kana = len(_KANA.findall(text))
        hangul = len(_HANGUL.findall(text))
        cyr = len(_CYR.findall(text))
    words = _LATIN_WORD.findall(text)
    latin_letters = sum(len(w) for w in words)
    units = han + kana + hangul + latin_letters / 3 + cyr / 3
    if units <= 0:
        return []
    data = _lang_data()
    shares: dict[str, float] = {}
    if kana >= 10 and kana >= 0.1 * (han + kana):
        shares["ja"] = (han + kana) / units
    elif han >= 10:
        shares[_script_counts(text)[0]] = han / units
    if hangul >= 10:
        shares["ko"] = hangul / units
    if len(words) >= data["min_words"] and (latin_letters / 3) / units >= data["min_share"]:
        low = [w.lower() for w in words]
        best, best_n = "und-Latn", 0
        for lang in sorted(data["sets"]):
            n = sum(1 for w in low if w in data["sets"][lang])
            if n > best_n and n >= 0.05 * len(low):
                best, best_n = lang, n
        share = (latin_letters / 3) / units
        if best != "und-Latn" or share >= 0.25:   # unidentified Latin text must dominate
            shares[best] = share
    if cyr >= 60 and (cyr / 3) / units >= data["min_share"]:
        shares["und-Cyrl"] = (cyr / 3) / units
    if not shares and han:
        shares[_script_counts(text)[0]] = 1.0
    return [k for k, _ in sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))]


# ---------------------------------------------------------------- attributions
@lru_cache(maxsize=1)
def _attr_patterns() -> list[tuple[str, re.Pattern, str | None]]:
    return [(p["kind"], re.compile(p["pattern"]), p.get("marker")) for p in _load("attributions.json")["patterns"]]


_NAME_STRIP = " \t\u3000:：,，。;；.!！?？\"'“”「」『』《》()（）[]【】-–—|"


def find_attributions(text: str, max_lines: int = 20000) -> list[dict]:
    """Attribution lines of a document's text, in text order.

    Each: ``{"kind", "marker", "text", "name", "url"}`` (see ``DocumentItem.attributions``).

    >>> [(a["kind"], a["name"]) for a in find_attributions("合影。(LUDOVIC MARIN/AFP via Getty Images)\\n（本文参考了路透社的报导）")]
    [('image_credit', 'LUDOVIC MARIN/AFP via Getty Images'), ('reference', '路透社')]
    """
    out = []
    for line in text.split("\n")[:max_lines]:
        if len(line) > 3000:
            line = line[:3000]
        for kind, rx, marker in _attr_patterns():
            m = rx.search(line)
            if not m:
                continue
            g = m.groupdict()
            name = (g.get("name") or "").strip(_NAME_STRIP) or None
            url = g.get("url")
            if url:
                url = trim_autolink(url)
                if url.lower().startswith("www."):
                    url = "http://" + url
                url = normalize_url(url) or url
            if name and BARE_URL_RE.match(name):
                if not url:
                    url = normalize_url(trim_autolink(name)) or name
                name = None
            if kind == "image_credit" and (not name or sum(ch.isalpha() for ch in name) < 2):
                continue
            if kind in ("source", "reprint", "reference") and not (name or url):
                continue
            out.append({"kind": kind, "marker": marker or g.get("marker") or kind, "text": line.strip()[:300],
                        "name": name[:120] if name else None, "url": url})
            break
    return out
