"""Mirrors and their originals, from independent signals, each kept as evidence.

Signals (weights and families in ``graph/data/mirrors.json``):

(a) explicit statements: ``canonical`` / ``og:url`` links pointing elsewhere, links after
    an "original" marker (原文地址, 浏览原文, 本文转自, ...), attributions with a URL, and
    marker + URL on one line of the text ("Originally published at", "Source:");
(b) learned URL rules (``learn_rules``): templates mapping mirror URLs to original URLs,
    learned from the pairs of (a) by aligning path segments from the right (``{path}``)
    or a shared ID token (``{id}``), generalised over pairs (``{*}`` where pairs differ);
    applied to links never crawled to predict their originals;
(c) near-duplicate text: MinHash + LSH over normalized text without boilerplate lines;
(d) host pairs (Bharat–Broder): entity A mirrors entity B when several documents of A
    mirror documents of B.

Confidence = noisy-OR over signal families of the strongest weight in each family.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from urllib.parse import unquote, urlsplit

from crawler.extract.links import attribution_markers
from crawler.extract.urls import BARE_URL_RE, normalize_url, trim_autolink
from graph.entities import entity_of, run_cache
from graph.memory import give_back
from graph.records import column, reader
from graph.verdicts import Verdict, to_json
from graph.text import (  # noqa: F401 - normalize_text: for the doctests
    candidate_pairs, content_texts, fold, normalize_text, shingles, text_signatures,
)

__all__ = [
    "MirrorRule",
    "config",
    "explicit_pairs",
    "learn_rules",
    "apply_rules",
    "near_duplicates",
    "host_pairs",
    "combine",
    "find_mirrors",
]


@lru_cache(maxsize=1)
def config() -> dict:
    """The signal table ``graph/data/mirrors.json``."""
    return json.loads(resources.files("graph").joinpath("data/mirrors.json").read_text("utf-8"))


def _strip(url: str) -> str:
    """``url`` without query and fragment."""
    return url.split("#", 1)[0].split("?", 1)[0]


def _is_home(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    path = parts.path.rstrip("/").lower()
    return not parts.query and path in ("", "/index.html", "/index.htm", "/index.php")


@run_cache
def _bare(url: str) -> str:
    """``url`` without query and fragment, percent-escapes decoded (template links repeat
    their targets on every page: each is decoded once)."""
    return unquote(_strip(url))


def _same(a: str, b: str) -> bool:
    return _bare(a).rstrip("/") == _bare(b).rstrip("/")


def _ev(signal: str, detail: str, **extra) -> dict:
    item = {"signal": signal, "detail": detail}
    item.update({k: v for k, v in extra.items() if v is not None})
    return item


# ---------------------------------------------------------------- (a) explicit statements

@lru_cache(maxsize=1)
def _marker_re() -> re.Pattern:
    markers = set()
    for m in attribution_markers(("original", "source")):
        if m.isascii() and " " not in m:
            m += ":"  # in running text a bare English word ("source", "via") states nothing
        for v in (m, unicodedata.normalize("NFKC", m)):
            markers |= {v, v.replace(":", "："), v.replace("：", ":")}
    alt = "|".join(re.escape(m) for m in sorted(markers, key=lambda m: (-len(m), m)))
    return re.compile(alt, re.I)


def _statements(line: str) -> list[tuple[str, str]]:
    """(marker, URL) for each statement marker followed within 40 characters by a bare
    URL (ended as GitHub's autolinker ends it) on ``line``."""
    if not BARE_URL_RE.search(line):
        return []       # most lines: no URL, no statement (and no folding)
    out = []
    folded = fold(line)  # script folding keeps positions when lengths agree
    for m in _marker_re().finditer(folded if len(folded) == len(line) else line):
        u = BARE_URL_RE.search(line, m.end())
        if u and u.start() - m.end() <= 40:
            out.append((m.group(0), trim_autolink(u.group(0))))
    return out


def _link_index(links, sources: dict) -> dict[str, dict[str, str]]:
    """Per document of ``sources``: its links' href as written, and target, (each also bare)
    -> target."""
    index: dict[str, dict[str, str]] = defaultdict(dict)
    source, target_of, href = (reader(links, f) for f in ("source", "target", "href"))
    for i in range(len(links)):
        src = source(i)
        if src not in sources:
            continue
        target = target_of(i)
        if not target:
            continue
        per = index[src]
        for key in (href(i), target):
            if key:
                per.setdefault(key, target)
                per.setdefault(_bare(key), target)
    return index


def _resolve(index: dict[str, str], url: str) -> str | None:
    url = trim_autolink(url.strip())
    return index.get(url) or index.get(_bare(url)) or normalize_url(url)


def _is_meta(link: dict, name: str) -> bool:
    """Whether ``rel``, ``marker``, ``attribute`` or ``title`` is ``name`` or has it as a
    word (case-insensitive).

    Examples
    --------
    >>> [_is_meta(lk, "canonical") for lk in ({"rel": "Canonical"}, {"rel": "alternate canonical"},
    ...                                        {"title": "noncanonical"}, {"attribute": "href"})]
    [True, True, False, False]
    """
    for f in (link.get("rel"), link.get("marker"), link.get("attribute"), link.get("title")):
        if isinstance(f, str):
            low = f.lower()
            if name in low and (low == name or name in low.split()):   # a substring first: cheap
                return True
    return False


def _meta_said(link: dict) -> str | None:
    """``canonical`` (a ``<link>`` naming it), ``og:url`` or None."""
    if link.get("tag") == "link" and _is_meta(link, "canonical"):
        return "canonical"
    return "og:url" if _is_meta(link, "og:url") else None


def explicit_pairs(documents: list[dict], links: list[dict]) -> tuple[list[dict], list[dict]]:
    """Pairs stated by the documents themselves, and publishers stated without an article.

    Parameters
    ----------
    documents, links : list of dict
        Crawl records (``documents.jsonl``, ``links.jsonl``).

    Returns
    -------
    pairs : list of dict
        ``{"mirror", "original", "evidence": [{"signal", "detail"}]}``, one per
        (document, stated original URL); statements pointing at a home page are not pairs.
    publishers : list of dict
        ``{"document", "url", "entity", "evidence"}`` for statements pointing at a home
        page (本文转自<a href="https://www.epochtimes.com">大纪元</a>).

    Examples
    --------
    >>> docs = [{"url": "https://m.org/a", "text": "原文地址：https://o.com/a.htm", "attributions": []}]
    >>> links = [{"source": "https://m.org/a", "target": "https://o.com/a.htm",
    ...           "href": "https://o.com/a.htm", "marker": "原文地址", "marker_kind": "original"}]
    >>> pairs, publishers = explicit_pairs(docs, links)
    >>> [(p["mirror"], p["original"], sorted({e["signal"] for e in p["evidence"]})) for p in pairs]
    [('https://m.org/a', 'https://o.com/a.htm', ['original_link', 'statement'])]
    """
    kinds = config()["attribution_kinds"]
    urls = {d["url"] for d in documents}
    found: dict[tuple[str, str], list[dict]] = defaultdict(list)
    publishers: dict[tuple[str, str], list[dict]] = defaultdict(list)

    def add(doc_url: str, target: str | None, ev: dict) -> None:
        if not target or _same(target, doc_url) or not entity_of(target):
            return
        if _is_home(target):
            publishers[(doc_url, target)].append(ev)
        else:
            found[(doc_url, target)].append(ev)

    meta: dict[tuple, str | None] = {}     # the fields _is_meta reads -> canonical / og:url / None
    for link in links:
        src, target = link.get("source"), link.get("target")
        if src not in urls or not target:
            continue
        shown = link.get("href") or target
        key = (link.get("tag") == "link", link.get("rel"), link.get("marker"), link.get("attribute"), link.get("title"))
        try:
            said = meta[key]
        except KeyError:
            said = meta[key] = _meta_said(link)
        except TypeError:       # a field that does not hash (odd records)
            said = _meta_said(link)
        if said == "canonical":
            add(src, target, _ev("canonical", f'<link rel="canonical" href="{shown}">'))
        elif said == "og:url":
            add(src, target, _ev("og:url", f'<meta property="og:url" content="{shown}">'))
        elif link.get("marker_kind") == "original":
            context, marker = (link.get("context") or "").strip(), link.get("marker") or ""
            if marker and marker not in context:
                context = f"{marker} {context}".strip()
            text = f"{context} {link.get('anchor_text') or ''}".strip()
            add(src, target, _ev("original_link", f"{text} -> {shown}".strip()))
        elif link.get("marker_kind") == "source":
            add(src, target, _ev("source_link", f"{link.get('marker') or 'source'} -> {shown}"))
    # URLs stated in attributions and text lines, resolved through the links of their own
    # document (its href as written -> target): only the documents stating one are indexed
    stated: dict[str, list[tuple[str, dict]]] = {}
    for doc in documents:
        items = []
        for att in doc.get("attributions") or []:
            if not isinstance(att, dict) or not att.get("url") or att.get("kind") not in kinds:
                continue
            items.append((att["url"], _ev(kinds[att["kind"]], (att.get("text") or att["url"]).strip()[:300])))
        for line in (doc.get("text") or "").splitlines():
            for _marker, url in _statements(line):
                items.append((url, _ev("statement", line.strip()[:300])))
        if items:
            stated.setdefault(doc["url"], []).extend(items)
    index = _link_index(links, stated)
    for url, items in stated.items():
        per = index.get(url, {})
        for raw, ev in items:
            add(url, _resolve(per, raw), ev)
    pairs = [
        {"mirror": m, "original": o, "evidence": _dedup(evs)} for (m, o), evs in sorted(found.items())
    ]
    pubs = [
        {"document": d, "url": u, "entity": entity_of(u), "evidence": _dedup(evs)}
        for (d, u), evs in sorted(publishers.items())
    ]
    return pairs, pubs


def _dedup(evs: list[dict]) -> list[dict]:
    if len(evs) == 1:       # (most verdicts: one rule's item)
        return list(evs)
    seen = {to_json(e): e for e in evs}
    return [seen[k] for k in sorted(seen)]


# ---------------------------------------------------------------- (b) learned URL rules

_TOKEN = re.compile(r"[0-9A-Za-z]+")
_EXT = re.compile(r"^(.*?)(\.[0-9A-Za-z]{1,5})$")


def _split(url: str) -> tuple[str, str, list[str]]:
    parts = urlsplit(_strip(url))
    return parts.scheme.lower(), parts.netloc.lower(), unquote(parts.path).lstrip("/").split("/")


def _stem(seg: str) -> tuple[str, str]:
    m = _EXT.match(seg)
    return (m.group(1), m.group(2)) if m and m.group(1) else (seg, "")


@dataclass
class MirrorRule:
    """A URL template pair: ``mirror`` -> ``original`` with slots ``{path}`` (one or more
    path segments copied), ``{id}`` (one shared token) and ``{*}`` (varies, unpredictable).

    Examples
    --------
    >>> r = learn_rules([("https://github.com/o/r/blob/master/gb/25/9/4/n1.md",
    ...                   "https://www.example.com/gb/25/9/4/n1.htm")])[0]
    >>> r.mirror, r.original, r.support, r.predictive
    ('https://github.com/o/r/blob/master/{path}.md', 'https://www.example.com/{path}.htm', 1, True)
    >>> r.predict("https://github.com/o/r/blob/master/gb/25/2/25/n2.md?x#1")
    'https://www.example.com/gb/25/2/25/n2.htm'
    """

    mirror: str
    original: str
    support: int
    examples: list[tuple[str, str]] = field(default_factory=list)
    min_depth: int = 1
    max_depth: int = 1

    @property
    def confidence(self) -> float:
        """support / (support + 1): one example gives 0.5."""
        return round(self.support / (self.support + 1), 3)

    @property
    def predictive(self) -> bool:
        """True when every part of the original is fixed or copied from the mirror URL."""
        return "{*}" not in self.original

    def to_dict(self) -> dict:
        out = {
            "mirror": self.mirror,
            "original": self.original,
            "support": self.support,
            "confidence": self.confidence,
            "predicts": self.predictive,
            "examples": [{"mirror": m, "original": o} for m, o in self.examples[:3]],
        }
        if not self.predictive:
            out["note"] = "{*} marks parts that differ between examples: evidence for matching pairs, cannot predict a full URL"
        return out

    def _match(self, template: str, url: str) -> dict | None:
        m = _template_re(template).match(_scheme_free(url))
        if not m:
            return None
        values = m.groupdict()
        if "path" in values:
            depth = values["path"].count("/") + 1
            if not self.min_depth <= depth <= self.max_depth:
                return None
        return values

    def matches_mirror(self, url: str) -> dict | None:
        """The slot values when ``url`` (query and fragment ignored) fits the mirror side."""
        return self._match(self.mirror, url)

    def matches_pair(self, mirror: str, original: str) -> bool:
        """True when both URLs fit the rule with the same slot values."""
        a = self._match(self.mirror, mirror)
        b = self._match(self.original, original)
        return a is not None and b is not None and a == b

    def predict(self, url: str) -> str | None:
        """The original URL the rule predicts for mirror URL ``url``, or None."""
        if not self.predictive:
            return None
        values = self.matches_mirror(url)
        if values is None:
            return None
        out = self.original
        for key, value in values.items():
            out = out.replace("{%s}" % key, value)
        return normalize_url(out) or out


def _scheme_free(url: str) -> str:
    rest = _strip(url).split("://", 1)[-1]
    host, _, path = rest.partition("/")
    return f"{host.lower()}/{unquote(path)}"


@lru_cache(maxsize=4096)
def _template_re(template: str) -> re.Pattern:
    body = template.split("://", 1)[-1]
    parts = re.split(r"(\{path\}|\{id\}|\{\*\})", body)
    out = []
    for i, part in enumerate(parts):
        prev = parts[i - 2] if i >= 2 and parts[i - 1] == "" else None
        nxt = parts[i + 2] if i + 2 < len(parts) and parts[i + 1] == "" else None
        if part == "{path}":
            out.append(r"(?P<path>[^?#]+?)")
        elif part == "{id}":
            out.append(r"(?P<id>[0-9A-Za-z]+)" if "{*}" in (prev, nxt) else r"(?P<id>[^/?#]+?)")
        elif part == "{*}":
            if nxt == "{id}":
                out.append(r"(?:[^/]*[^0-9A-Za-z/])?")
            elif prev == "{id}":
                out.append(r"(?:[^0-9A-Za-z/][^/]*)?")
            else:
                out.append(r"[^/]*?")
        else:
            out.append(re.escape(part))
    return re.compile("".join(out) + r"/?$", re.I)


def _pair_template(mirror: str, original: str) -> tuple | None:
    ms, mh, msegs = _split(mirror)
    os_, oh, osegs = _split(original)
    if not mh or not oh:
        return None
    mstem, mext = _stem(msegs[-1])
    ostem, oext = _stem(osegs[-1])
    mt, ot = msegs[:-1] + [mstem], osegs[:-1] + [ostem]
    k = 0
    while k < min(len(mt), len(ot)) and mt[-1 - k] == ot[-1 - k] and mt[-1 - k]:
        k += 1
    if k >= 2:
        return (f"{ms}://{mh}", f"{os_}://{oh}", tuple(msegs[:-k]) + ("{path}" + mext,),
                tuple(osegs[:-k]) + ("{path}" + oext,), k)
    if k == 1:
        return (f"{ms}://{mh}", f"{os_}://{oh}", tuple(msegs[:-1]) + ("{id}" + mext,),
                tuple(osegs[:-1]) + ("{id}" + oext,), 1)
    min_len = config()["rule_id_min_length"]
    for mi in range(len(msegs) - 1, -1, -1):
        for tok in reversed(list(_TOKEN.finditer(msegs[mi]))):
            t = tok.group(0)
            if len(t) < min_len or not any(c.isdigit() for c in t):
                continue
            for oi in range(len(osegs) - 1, -1, -1):
                hits = [x for x in _TOKEN.finditer(osegs[oi]) if x.group(0) == t]
                if hits:
                    h = hits[-1]
                    mseg = msegs[mi][: tok.start()] + "{id}" + msegs[mi][tok.end():]
                    oseg = osegs[oi][: h.start()] + "{id}" + osegs[oi][h.end():]
                    return (f"{ms}://{mh}", f"{os_}://{oh}",
                            tuple(msegs[:mi]) + (mseg,) + tuple(msegs[mi + 1:]),
                            tuple(osegs[:oi]) + (oseg,) + tuple(osegs[oi + 1:]), 1)
    return None


def _common_prefix(values: list[str]) -> str:
    out = values[0]
    for v in values[1:]:
        while not v.startswith(out):
            out = out[:-1]
    return out


def _merge_segments(columns: list[tuple[str, ...]]) -> list[str]:
    merged = []
    for values in zip(*columns):
        if len(set(values)) == 1:
            merged.append(values[0])
            continue
        slot = next((s for s in ("{path}", "{id}") if s in values[0]), None)
        if slot is None:
            merged.append("{*}")
            continue
        pres = [v.split(slot, 1)[0] for v in values]
        posts = [v.split(slot, 1)[1] for v in values]
        pre = pres[0] if len(set(pres)) == 1 else "{*}" + _common_prefix([p[::-1] for p in pres])[::-1]
        post = posts[0] if len(set(posts)) == 1 else _common_prefix(posts) + "{*}"
        merged.append(pre + slot + post)
    return merged


def learn_rules(pairs: list[tuple[str, str]]) -> list[MirrorRule]:
    """Learn URL templates from (mirror URL, original URL) pairs.

    Each pair gives a template: the longest run of path segments the two URLs share at
    their right end becomes ``{path}`` (suffixes such as ``.md`` / ``.htm`` may differ);
    if only one segment or one ID token (4+ characters with a digit) is shared, it
    becomes ``{id}``. Templates of the same shape (same hosts, segment counts and slot
    place) are merged; segments that differ become ``{*}``. ``support`` is the number of
    pairs merged. Query strings and fragments are ignored.

    Parameters
    ----------
    pairs : list of (str, str)

    Returns
    -------
    list of MirrorRule
        Sorted by support (descending), then templates.

    Examples
    --------
    >>> rules = learn_rules([
    ...     ("https://github.com/x/news/blob/master/pages/87/402912.md",
    ...      "http://www.example.org/articles/2020/3/25/some-title--402912.html"),
    ...     ("https://github.com/x/news/blob/master/pages/251/405564.md",
    ...      "http://www.example.org/articles/2020/5/11/other-405564.html")])
    >>> [(r.mirror, r.original, r.support, r.predictive) for r in rules]  # doctest: +NORMALIZE_WHITESPACE
    [('https://github.com/x/news/blob/master/pages/{*}/{id}.md',
      'http://www.example.org/articles/2020/{*}/{*}/{*}-{id}.html', 2, False)]
    """
    groups: dict[tuple, list] = defaultdict(list)
    for mirror, original in sorted(set(pairs)):
        t = _pair_template(mirror, original)
        if t is None:
            continue
        mbase, obase, msegs, osegs, depth = t
        slot = "{path}" if any("{path}" in s for s in msegs) else "{id}"
        mi = next(i for i, s in enumerate(msegs) if slot in s)
        oi = next(i for i, s in enumerate(osegs) if slot in s)
        key = (mbase, obase, len(msegs), len(osegs), slot, mi, oi)
        groups[key].append((msegs, osegs, depth, mirror, original))
    rules = []
    for key, members in groups.items():
        mbase, obase = key[0], key[1]
        msegs = _merge_segments([m[0] for m in members])
        osegs = _merge_segments([m[1] for m in members])
        depths = [m[2] for m in members]
        rules.append(MirrorRule(
            mirror=f"{mbase}/" + "/".join(msegs),
            original=f"{obase}/" + "/".join(osegs),
            support=len(members),
            examples=sorted((m[3], m[4]) for m in members),
            min_depth=min(depths),
            max_depth=max(depths),
        ))
    rules.sort(key=lambda r: (-r.support, r.mirror, r.original))
    return rules


def apply_rules(rules: list[MirrorRule], urls) -> list[dict]:
    """Predict the originals of mirror URLs with the predictive rules.

    Parameters
    ----------
    rules : list of MirrorRule
    urls : iterable of str
        Candidate mirror URLs (e.g. link targets never crawled).

    Returns
    -------
    list of dict
        ``{"mirror", "original", "confidence", "evidence"}``, the first (best supported)
        rule that fits each URL, sorted by mirror URL.

    Examples
    --------
    >>> rules = learn_rules([("https://m.org/r/a/b/n1.md", "https://o.com/a/b/n1.htm")])
    >>> [x["original"] for x in apply_rules(rules, ["https://m.org/r/c/d/n2.md", "https://m.org/x.md"])]
    ['https://o.com/c/d/n2.htm']
    """
    out = []
    made: dict = {}
    for url in sorted(set(urls)):
        for rule in rules:
            predicted = rule.predict(url)
            if predicted and not _same(predicted, url):
                out.append({
                    "mirror": url,
                    "original": predicted,
                    "confidence": rule.confidence,
                    "evidence": [_rule_ev(rule, made=made)],
                })
                break
    return out


def _rule_ev(rule: MirrorRule, support: int | None = None, made: dict | None = None) -> dict:
    """The ``url_rule`` evidence item of ``rule`` with ``support`` (default: the rule's).
    ``made``: items already made, by (rule, support), so that the verdicts of one rule share
    one item (not to be changed) instead of holding a copy each."""
    n = rule.support if support is None else support
    key = (id(rule), n)
    ev = made.get(key) if made is not None else None
    if ev is None:
        ev = _ev("url_rule", f"{rule.mirror} -> {rule.original} (support {n})", weight=round(n / (n + 1), 3))
        if made is not None:
            made[key] = ev
    return ev


# ---------------------------------------------------------------- (c) near-duplicate text

def near_duplicates(documents: list[dict], threshold: float | None = None,
                    boilerplate: set[str] | None = None, release_texts: bool = False) -> list[dict]:
    """Pairs of documents with near-duplicate text (Jaccard of character shingles).

    Text is normalized (``graph.text.normalize_text``: NFKC, Traditional -> Simplified,
    lower case) with boilerplate lines removed; candidate pairs come from MinHash LSH
    (cost grows with documents, not pairs), then the exact Jaccard is checked.

    With ``release_texts``, each document's ``text`` is removed from it once normalized (for
    a caller that owns the records and is done with their texts): the normalized texts take
    the heap the texts leave, not more (at 100,000 pages the mirror worker holds 150 MB less).

    Returns
    -------
    list of dict
        ``{"a", "b", "jaccard"}`` with ``a < b``, sorted.

    Examples
    --------
    >>> body = "這是一篇關於鏡像網站如何轉載新聞的長篇文章，內容完全相同。" * 3
    >>> docs = [{"url": "https://a.org/1", "text": body},
    ...         {"url": "https://b.org/1", "text": normalize_text(body)},
    ...         {"url": "https://c.org/1", "text": "Something else entirely, about the weather today."}]
    >>> [(p["a"], p["b"]) for p in near_duplicates(docs)]
    [('https://a.org/1', 'https://b.org/1')]
    """
    cfg = config()
    threshold = cfg["near_duplicate_threshold"] if threshold is None else threshold
    documents = sorted(documents, key=lambda d: d["url"])
    k = cfg["shingle_k"]
    # Memory: a document keeps its normalized text (a few KB) and its MinHash signature (a
    # row of a matrix), never its shingle set (tens of times larger); sets are rebuilt for
    # the few candidate pairs.
    urls: list[str] = []
    texts: list[str] = []
    row: dict[str, int] = {}
    folded = content_texts(documents, boilerplate,
                           folded=(fold(d.pop("text", None)) for d in documents) if release_texts else None)
    sigs, counts = text_signatures(folded, k, distinct=True)
    # rows kept are moved up in place (row r <= i is written after row i is read): one
    # matrix, not two (51 MB at 100k pages)
    for i, (doc, text) in enumerate(zip(documents, folded)):
        # counts: distinct shingle hashes, a lower bound of the distinct shingles
        if counts[i] >= cfg["min_shingles"] or len(shingles(text, k)) >= cfg["min_shingles"]:
            r = row.setdefault(doc["url"], len(urls))
            if r == len(urls):
                urls.append(doc["url"])
                texts.append(text)
            else:
                texts[r] = text     # a URL given twice: its last record
            if r != i:
                sigs[r] = sigs[i]
    del folded
    cache: dict[int, set[str]] = {}

    def shingle_set(r: int) -> set[str]:
        sh = cache.get(r)
        if sh is None:
            if len(cache) >= 256:
                cache.pop(next(iter(cache)))
            sh = cache[r] = shingles(texts[r], k)
        return sh

    out = []
    for x, y in candidate_pairs(sigs[:len(urls)], max(0.1, threshold * 0.8)):
        a, b = shingle_set(x), shingle_set(y)
        j = len(a & b) / len(a | b)
        if j >= threshold:
            out.append({"a": urls[x], "b": urls[y], "jaccard": round(j, 3)})
    del texts, sigs, cache
    give_back()     # (the texts, 150 MB at 100k pages: the verdicts that follow never reuse that heap)
    return sorted(out, key=lambda p: (p["a"], p["b"]))


def _via_stated(pair: dict, best_stated: dict[str, tuple[float, str]], originals: set[str]):
    """(mirror, original, via) when exactly one side of a near-duplicate pair states its
    original and the other side is neither attributed nor that original; else None.

    Examples
    --------
    >>> _via_stated({"a": "m1", "b": "r1"}, {"m1": (0.9, "o1")}, {"o1"})
    ('r1', 'o1', 'm1')
    >>> _via_stated({"a": "m1", "b": "o1"}, {"m1": (0.9, "o1")}, {"o1"}) is None
    True
    """
    a, b = pair["a"], pair["b"]
    for x, y in ((a, b), (b, a)):
        if x in best_stated and y not in best_stated and y not in originals:
            o = best_stated[x][1]
            if o != y:
                return y, o, x
    return None


def _direct(pair: dict, docs: dict[str, dict], originals: set[str], mirror_urls: set[str],
            orig_entities: set[str], mirror_entities: set[str], publisher_entities: set[str]):
    """(mirror, original, reason, certainty) for an undirected near-duplicate pair, or None."""
    cert = config()["direction_certainty"]
    a, b = pair["a"], pair["b"]
    for x, y in ((a, b), (b, a)):
        if y in originals and x not in originals:
            return x, y, f"{y} is a stated original", cert["stated_original"]
    ea, eb = entity_of(a), entity_of(b)
    if ea != eb:
        for x, y, ex, ey in ((a, b, ea, eb), (b, a, eb, ea)):
            if (ey in orig_entities and ex not in orig_entities) or (ex in mirror_entities and ey not in mirror_entities):
                return x, y, f"{ex} mirrors, {ey} publishes originals", cert["entity_role"]
        for x, y, ex, ey in ((a, b, ea, eb), (b, a, eb, ea)):
            if ey in publisher_entities and ex not in publisher_entities:
                return x, y, f"{ey} is a known publisher", cert["known_publisher"]
    da, db = docs[a].get("published"), docs[b].get("published")
    if isinstance(da, str) and isinstance(db, str) and da[:10] != db[:10]:
        x, y = (b, a) if da < db else (a, b)
        return x, y, f"published {docs[y]['published']} before {docs[x]['published']}", cert["published_date"]
    return None


# ---------------------------------------------------------------- (d) host pairs

def host_pairs(mirrors: list[dict], min_documents: int | None = None) -> list[dict]:
    """Entity pairs (Bharat–Broder host pairs): entity A mirrors entity B when at least
    ``min_documents`` distinct mirror URLs of A mirror URLs of B.

    Examples
    --------
    >>> ms = [{"mirror": f"https://github.com/o/r/blob/master/{i}.md",
    ...        "original": f"https://www.ex.com/{i}.htm"} for i in range(3)]
    >>> host_pairs(ms)
    [{'mirror': 'github.com/o', 'original': 'ex.com', 'documents': 3}]
    """
    if min_documents is None:
        min_documents = config()["host_pair_min_documents"]
    counts: dict[tuple[str, str], set[str]] = defaultdict(set)
    for m in mirrors:
        a, b = entity_of(m["mirror"]), entity_of(m["original"])
        if a and b and a != b:
            counts[(a, b)].add(m["mirror"])
    return [
        {"mirror": a, "original": b, "documents": len(urls)}
        for (a, b), urls in sorted(counts.items())
        if len(urls) >= min_documents
    ]


# ---------------------------------------------------------------- combination

def combine(evidence: list[dict]) -> float:
    """Noisy-OR over signal families of the strongest weight per family.

    An evidence item may carry its own ``weight`` (rules, near-duplicates); otherwise the
    signal's weight from ``graph/data/mirrors.json`` applies.

    Examples
    --------
    >>> combine([{"signal": "original_link"}, {"signal": "attribution"}])
    0.9
    >>> combine([{"signal": "original_link"}, {"signal": "url_rule", "weight": 0.5}])
    0.95
    """
    cfg = config()
    best: dict[str, float] = {}
    for e in evidence:
        w = e.get("weight", cfg["weights"].get(e["signal"], 0.5))
        fam = cfg["families"].get(e["signal"], e["signal"])
        best[fam] = max(best.get(fam, 0.0), float(w))
    p = 1.0
    for w in best.values():
        p *= 1.0 - w
    return round(1.0 - p, 3)


def find_mirrors(documents: list[dict], links: list[dict], publisher_entities=frozenset(),
                 boilerplate: set[str] | None = None, release_texts: bool = False,
                 release_links: bool = False) -> dict:
    """All mirror verdicts of a crawl.

    Parameters
    ----------
    documents, links : list of dict
        Crawl records.
    publisher_entities : set of str
        Entities known to publish originals (from the source alias table); used only to
        direct near-duplicate pairs.
    boilerplate : set of str, optional
        Normalized template lines (``graph.text.boilerplate_lines``), computed if None.
    release_texts : bool
        Remove each document's ``text`` once it is read (see :func:`near_duplicates`): for a
        caller that owns the records and reads no text after this step.
    release_links : bool
        Empty ``links`` (``clear()``) once their statements and targets are read, before the
        near-duplicates: for a caller that owns them and reads no link after this step (at
        100,000 pages the mirror worker's 200 MB of link records make room for the rest).

    Returns
    -------
    dict
        ``mirrors`` (SPEC entries as :class:`graph.verdicts.Verdict`, sorted by mirror, original), ``mirror_rules`` (SPEC
        entries), ``host_pairs``, ``publishers`` (home-page statements),
        ``near_duplicates`` (every near-duplicate pair, directed or not).

    Examples
    --------
    >>> docs = [{"url": "https://github.com/o/r/blob/master/a/n1.md", "text": ""}]
    >>> links = [{"source": docs[0]["url"], "target": "https://ex.com/a/n1.htm",
    ...           "href": "https://ex.com/a/n1.htm", "marker_kind": "original"},
    ...          {"source": docs[0]["url"], "target": "https://github.com/o/r/blob/master/b/n2.md",
    ...           "href": "https://github.com/o/r/blob/master/b/n2.md"}]
    >>> r = find_mirrors(docs, links)
    >>> sorted((m["mirror"], m["original"]) for m in r["mirrors"])  # doctest: +NORMALIZE_WHITESPACE
    [('https://github.com/o/r/blob/master/a/n1.md', 'https://ex.com/a/n1.htm'),
     ('https://github.com/o/r/blob/master/b/n2.md', 'https://ex.com/b/n2.htm')]
    """
    cfg = config()
    docs = {d["url"]: d for d in documents}
    pairs, publishers = explicit_pairs(documents, links)
    targets = set(column(links, "target")) - {None, ""} - set(docs)    # (for the rules' predictions)
    if release_links:
        links.clear()
        give_back()
    evidence: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for p in pairs:
        evidence[(p["mirror"], p["original"])].extend(p["evidence"])
    stated = [(m, o) for (m, o), evs in evidence.items() if combine(evs) >= 0.5]
    rules = learn_rules(stated)
    # (b) rules as evidence for stated pairs (support of OTHER pairs only) and for documents
    examples = [set(rule.examples) for rule in rules]   # membership in O(1): rules hold every pair
    made: dict = {}     # one evidence item per rule and support, shared by its verdicts
    for (m, o) in list(evidence):
        for rule, own in zip(rules, examples):
            if rule.matches_pair(m, o):
                others = rule.support - (1 if (m, o) in own else 0)
                if others > 0:
                    evidence[(m, o)].append(_rule_ev(rule, others, made))
                break
    stated_mirrors = {m for m, _ in stated}
    for pred in apply_rules(rules, [u for u in docs if u not in stated_mirrors]):
        evidence[(pred["mirror"], pred["original"])].extend(pred["evidence"])
    # (c) near-duplicates, directed by stated originals, entity roles, publishers, dates
    near = near_duplicates(documents, boilerplate=boilerplate, release_texts=release_texts)
    originals = {o for _, o in stated}
    orig_entities = {entity_of(o) for o in originals} - {None}
    mirror_entities = {entity_of(m) for m in stated_mirrors} - {None} - orig_entities
    best_stated: dict[str, tuple[float, str]] = {}
    for m, o in stated:
        best_stated[m] = max(best_stated.get(m, (0.0, "")), (combine(evidence[(m, o)]), o))
    cert = cfg["direction_certainty"]["stated_original"]
    for pair in near:
        via = _via_stated(pair, best_stated, originals)
        if via is not None:
            # both are copies of one text: the unattributed copy mirrors the original that the
            # attributed copy states (a known mirror is never made the "original" of another copy)
            m, o, x = via
            pair["direction"] = {"mirror": m, "original": o, "reason": f"near-duplicate of {x}, which states {o}"}
            w = round(cfg["weights"]["near_duplicate"] * pair["jaccard"] * cert, 3)
            evidence[(m, o)].append(_ev("near_duplicate", f"Jaccard {pair['jaccard']:.2f} of normalized text with "
                                        f"{x}, which states its original {o}", weight=w))
            continue
        if pair["a"] in best_stated and pair["b"] in best_stated:
            pair["direction"] = None  # two attributed copies: each already has its original
            continue
        directed = _direct(pair, docs, originals, stated_mirrors, orig_entities, mirror_entities,
                           set(publisher_entities))
        if directed is None:
            pair["direction"] = None
            continue
        m, o, reason, certainty = directed
        pair["direction"] = {"mirror": m, "original": o, "reason": reason}
        w = round(cfg["weights"]["near_duplicate"] * pair["jaccard"] * certainty, 3)
        evidence[(m, o)].append(_ev("near_duplicate", f"Jaccard {pair['jaccard']:.2f} of normalized text; {reason}", weight=w))
    texts: dict = {}        # packed evidence -> itself: the verdicts of a rule share one
    mirrors = []
    for m, o in sorted(evidence):   # (each pair's evidence list freed once its verdict is made)
        evs = evidence.pop((m, o))
        conf = combine(evs)
        if conf >= cfg["min_confidence"]:
            mirrors.append(Verdict.of({"mirror": m, "original": o, "confidence": conf, "evidence": _dedup(evs)},
                                      texts, packed=True))
    del evidence
    # rule predictions for links never crawled
    known = {m["mirror"] for m in mirrors}
    for pred in apply_rules(rules, targets - known):
        mirrors.append(Verdict.of({**pred, "evidence": _dedup(pred["evidence"])}, texts, packed=True))
    mirrors.sort(key=lambda x: (x["mirror"], x["original"]))
    return {
        "mirrors": mirrors,
        "mirror_rules": [r.to_dict() for r in rules],
        "rules": rules,
        "host_pairs": host_pairs([m for m in mirrors if m["mirror"] in docs]),
        "publishers": publishers,
        "near_duplicates": near,
    }
