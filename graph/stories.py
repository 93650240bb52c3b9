"""Stories: documents about the same event, across mirrors, scripts and languages.

Two documents belong to one story when either

* their normalized texts are **near-duplicates** (MinHash + LSH over character shingles of
  the text folded with ``graph.text.normalize_text``: Traditional -> Simplified, NFKC,
  lower case; site boilerplate lines removed) — mirrors and reposts; or
* they **share salient rare terms** — names and other rare words, in either script — and
  were published close together (within ``MAX_DAYS``). Terms are character 3-grams of CJK
  runs (a language-independent proxy for named entities: 马克龙 / 馬克龍 fold to one term)
  and Latin-script words; a document's salient terms are those it repeats; two documents
  are compared by the IDF-weighted overlap of their salient terms (IDF over the documents
  at hand, so terms every page of a network uses weigh little). Candidate pairs come from
  an inverted index over each document's rarest salient terms, so the cost grows with the
  number of documents rather than their pairs. Shared terms count as evidence by
  independent **spans** (overlapping 3-grams of one shared phrase count once; at least
  ``MIN_SPANS``), and only when they are rarer than chance in the collection at hand: the
  pairs that share a given phrase by coincidence grow with the square of the collection,
  so a pair's spans must be rare enough that, of the documents it could have been paired
  with (its date window), about one at most would share them all by chance. Issues of one
  recurring column (titles equal up to numbers) and near-empty pages (video stubs) are not
  joined by terms; different issues of a column are not joined even as near-duplicates.

Stories are the connected groups of such pairs; a pair only joins two groups when it is
about as strong as the links inside them (average-link check), so one chain of weak
similarities cannot grow a giant story. Each story names its earliest document (by
``published``; undated documents come last) and lists the shared terms as evidence.
"""
from __future__ import annotations

import hashlib
import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date

import numpy as np

from graph.memory import taken
from graph.text import (
    NUM_PERM, candidate_pairs, content_texts, normalize_text, text_signatures,
)

__all__ = ["find_stories", "story_terms", "salient_terms", "story_pairs", "shared_spans", "close_pairs"]

#: Jaccard (MinHash estimate) above which two texts are near-duplicates.
NEAR_DUP = 0.5
#: Shared-salient-term score above which two dated documents close in time share a story.
RELATED = 0.2
#: Score needed when a date is missing (no date proximity to support the pair).
RELATED_UNDATED = 0.35
#: Largest gap in days between the publication dates of related documents.
MAX_DAYS = 10
#: Documents with less normalized content than this (characters, boilerplate removed)
#: carry too little text to be compared (video pages, stubs: a title and a date line, a
#: few dozen characters); a news brief of two or three CJK sentences has 100-200.
MIN_CHARS = 100
#: With at least COMMON_MIN_DOCS documents, terms found in more than COMMON_SHARE of them
#: are too common to tie two documents to one event.
COMMON_SHARE = 0.1
COMMON_MIN_DOCS = 30
#: Salient terms per document that index candidate pairs.
TOP_TERMS = 60
#: Independent pieces of shared evidence a pair needs to be joined by terms: overlapping
#: character 3-grams of one shared phrase (川普马 + 普马克 of 川普马克) count once.
MIN_SPANS = 2

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]+")
_LATIN = re.compile(r"[a-z][a-z0-9'\-]{3,}")
# a run of non-space characters holding "://": a match always starts where its run starts, and
# the look-behind says so (without it, each position of a long run without spaces, as Chinese
# lines are, would be tried again: quadratic)
_URL = re.compile(r"(?<!\S)\S+://\S+")
_DIGITS = re.compile(r"[\d\s\W_]+")


def story_terms(text: str) -> Counter:
    """Term counts of an already normalized text: CJK character 3-grams (a
    language-independent proxy for names: 马克龙 and 馬克龍 fold to one term) and Latin-script
    words of four or more letters.

    Examples
    --------
    >>> sorted(story_terms(normalize_text("馬克龍說 Macron said")))
    ['macron', 'said', '克龙说', '马克龙']
    """
    terms: Counter = Counter()
    for run in _CJK.findall(text):
        n = len(run) - 2
        if n > 0:   # the 3-grams run[i:i+3], sliced in C
            terms.update(map(run.__getitem__, map(slice, range(n), range(3, n + 3))))
    terms.update(w.strip("'-") for w in _LATIN.findall(text) if len(w.strip("'-")) >= 4)
    return terms


def salient_terms(texts: list[str]) -> tuple[list[dict[str, int]], dict[str, float]]:
    """Per text, its salient terms (terms it repeats) with their counts, and the smoothed
    IDF over ``texts`` of each salient term: ``log((1 + n) / (1 + df)) + 1`` (terms no text
    repeats are counted in ``df`` but get no IDF entry: most terms of a collection are such
    one-offs, and nothing reads their weight).

    Examples
    --------
    >>> sets, idf = salient_terms(["乌克兰 乌克兰 和平谈判 和平谈判", "乌克兰 乌克兰 战争爆发"])
    >>> sets[1], round(idf["乌克兰"], 2), round(idf["和平谈"], 2), "战争爆" in idf
    ({'乌克兰': 2}, 1.0, 1.41, False)
    """
    n = len(texts)
    # df of every term: a CJK 3-gram by its code (_trigram_batch; counted in numpy, 41M codes
    # at 100k pages), a Latin word by itself
    df: Counter = Counter()
    gram_df = _CodeCounter()
    repeated = []   # per text only its repeated terms: all term counts would be held otherwise
    for lo in range(0, n, _BATCH):
        batch = texts[lo:lo + _BATCH]
        codes, again = _trigram_batch(batch)
        gram_df.add(codes)
        for text, grams in zip(batch, again):
            words = Counter(w.strip("'-") for w in _LATIN.findall(text) if len(w.strip("'-")) >= 4)
            df.update(words.keys())
            # story_terms' order: 3-grams as they first occur, then words
            rep = {_trigram(c): (c, k) for c, k in grams}
            rep.update((w, (w, k)) for w, k in words.items() if k >= 2)
            repeated.append(rep)
    df.update(gram_df.of([key for c in repeated for key, _ in c.values() if type(key) is int]))
    # in a collection large enough to tell, a term in more than COMMON_SHARE of the documents
    # (a network's recurring names, places, themes) says nothing about which event a text is on
    limit = COMMON_SHARE * n if n >= COMMON_MIN_DOCS else math.inf
    sets = [{t: k for t, (key, k) in c.items() if df[key] <= limit} for c in repeated]
    idf = {}
    for terms, c in zip(sets, repeated):
        for t in terms:
            if t not in idf:
                idf[t] = math.log((1 + n) / (1 + df[c[t][0]])) + 1.0
    return sets, idf


#: code points of the characters ``_CJK`` matches (all in the BMP: 16 bits each)
_CJK_TABLE = np.zeros(0x10000, dtype=bool)
for _lo, _hi in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x3040, 0x30FF), (0xAC00, 0xD7AF)):
    _CJK_TABLE[_lo:_hi + 1] = True
_BATCH = 512            # texts per numpy pass of _trigram_batch (a text's number in 15 bits)
_GRAM = (1 << 48) - 1   # the 3-gram's bits of a sort key: text number << 48 | 3-gram code


_MERGE_AT = 1 << 20      # entries of added arrays that _CodeCounter holds before it merges them


class _CodeCounter:
    """How many times each code was added (numpy ``uint64`` arrays), kept as sorted arrays:
    each added array is sorted and run-length counted, and these are merged now and then
    (when they hold as many entries as the counted codes, at least ``merge_at``): numpy
    sorts instead of one dict update per code.

    Examples
    --------
    >>> c = _CodeCounter(merge_at=2)
    >>> for a in ([5, 7], [7], [9, 5, 7], []):
    ...     c.add(np.array(a, dtype=np.uint64))
    >>> c.of([7, 5, 9, 4, 10])
    {4: 0, 5: 2, 7: 3, 9: 1, 10: 0}
    """

    def __init__(self, merge_at: int | None = None):
        self.codes = np.zeros(0, np.uint64)
        self.counts = np.zeros(0, np.int64)
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._held = 0
        self._merge_at = _MERGE_AT if merge_at is None else merge_at

    @staticmethod
    def _runs(codes: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Equal codes (``codes`` sorted) as one, their counts summed."""
        if not len(codes):
            return codes, counts
        head = np.ones(len(codes), dtype=bool)
        head[1:] = codes[1:] != codes[:-1]
        first = np.flatnonzero(head)
        return codes[first], np.add.reduceat(counts, first)

    def add(self, codes: np.ndarray) -> None:
        runs = self._runs(np.sort(codes), np.ones(len(codes), np.int64))
        self._pending.append(runs)
        self._held += len(runs[0])
        if self._held >= max(self._merge_at, len(self.codes)):
            self._merge()

    def _merge(self) -> None:
        if not self._pending:
            return
        codes = np.concatenate([self.codes] + [c for c, _ in self._pending])
        counts = np.concatenate([self.counts] + [n for _, n in self._pending])
        order = np.argsort(codes)
        self.codes, self.counts = self._runs(codes[order], counts[order])
        self._pending, self._held = [], 0

    def of(self, codes: list[int]) -> dict[int, int]:
        """The count of each of ``codes`` (0 for a code never added)."""
        self._merge()
        q = np.array(sorted(set(codes)), dtype=np.uint64)
        if not len(self.codes):
            return dict.fromkeys(q.tolist(), 0)
        at = np.minimum(np.searchsorted(self.codes, q), len(self.codes) - 1)
        found = np.where(self.codes[at] == q, self.counts[at], 0)
        return dict(zip(q.tolist(), found.tolist()))


def _trigram_batch(texts: list[str]) -> tuple[np.ndarray, list[list[tuple[int, int]]]]:
    """The CJK character 3-grams of :func:`story_terms` (within runs of ``_CJK``) of many
    texts in one numpy pass, each 3-gram a code (its three code points in 16 bits each).

    Returns each text's distinct codes (all texts' in one array: a code once per text that
    holds it), and per text the ``(code, count)`` of its repeated 3-grams in order of first
    occurrence: what ``story_terms`` counts. (A Python string per 3-gram cost more than the
    rest of the step, and most 3-grams of a text occur once.)"""
    joined = "\n".join(texts)     # a line break is no CJK character: no 3-gram spans two texts
    cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    out: list[list[tuple[int, int]]] = [[] for _ in texts]
    cjk = _CJK_TABLE[cp & 0xFFFF] & (cp < 0x10000)
    at = np.flatnonzero(cjk[:-2] & cjk[1:-1] & cjk[2:]) if len(cp) >= 3 else np.zeros(0, np.intp)
    if not len(at):
        return np.zeros(0, np.uint64), out
    c = cp.astype(np.uint64)
    starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
    tid = (np.searchsorted(starts, at, side="right") - 1).astype(np.uint64)
    key = (tid << np.uint64(48)) | (c[at] << np.uint64(32)) | (c[at + 1] << np.uint64(16)) | c[at + 2]
    order = np.argsort(key, kind="stable")      # by text, then code, then position
    key = key[order]
    head = np.ones(len(key), dtype=bool)        # the first of each (text, code) group
    head[1:] = key[1:] != key[:-1]
    first = np.flatnonzero(head)
    counts = np.diff(np.append(first, len(key)))
    rep = counts >= 2
    rep_key, rep_counts, rep_at = key[first[rep]], counts[rep], at[order[first[rep]]]
    by = np.lexsort((rep_at, rep_key >> np.uint64(48)))    # per text, by first occurrence
    for k, code, count in zip((rep_key[by] >> np.uint64(48)).tolist(), (rep_key[by] & np.uint64(_GRAM)).tolist(),
                              rep_counts[by].tolist()):
        out[k].append((code, count))
    return key[first] & np.uint64(_GRAM), out


def _trigram(code: int) -> str:
    """The 3-gram of a :func:`_trigram_batch` code."""
    return chr(code >> 32) + chr((code >> 16) & 0xFFFF) + chr(code & 0xFFFF)


def _overlap(a: dict[str, int], b: dict[str, int], idf: dict[str, float]) -> float:
    """IDF-weighted overlap coefficient of two salient-term sets."""
    shared = a.keys() & b.keys()
    if not shared:
        return 0.0
    wa, wb = sum(idf[t] for t in a), sum(idf[t] for t in b)
    return sum(idf[t] for t in shared) / min(wa, wb)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


def _shared_terms(a: dict[str, int], b: dict[str, int], idf: dict[str, float], k: int = 8) -> list[str]:
    """The shared terms that weigh most: rare in the collection, repeated in both."""
    return sorted(a.keys() & b.keys(), key=lambda t: (-idf[t] * math.log1p(min(a[t], b[t])), t))[:k]


def shared_spans(terms) -> list[list[str]]:
    """Group shared terms into independent pieces of evidence: CJK 3-grams that overlap by
    two characters (``乌克兰`` + ``克兰安`` + ``兰安全``, cut from one phrase) form one span;
    any other term is a span of its own. Sorted, so the result does not depend on order.

    A phrase two texts share yields as many 3-grams as it has characters less two: counting
    those as separate terms would let one coincidental phrase (a name next to a common word)
    look like broad agreement, and in a large collection such coincidences are many.

    Examples
    --------
    >>> shared_spans(["普马克", "川普马", "macron", "乌克兰"])
    [['macron'], ['乌克兰'], ['川普马', '普马克']]
    """
    terms = sorted(set(terms))
    parent = {t: t for t in terms}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    by_head: dict[str, list[str]] = defaultdict(list)
    for t in terms:
        if len(t) == 3 and _CJK.fullmatch(t):
            by_head[t[:2]].append(t)
    for t in terms:
        if len(t) == 3 and _CJK.fullmatch(t):
            for u in by_head.get(t[1:], ()):
                if u != t:
                    parent[find(u)] = find(t)
    groups: dict[str, list[str]] = defaultdict(list)
    for t in terms:
        groups[find(t)].append(t)
    return sorted((sorted(g, key=lambda t: (len(t), t)) for g in groups.values()), key=lambda g: (g[0], len(g)))


def _series(title: str | None) -> str:
    """A title with numbers and punctuation removed: recurring columns ("82人声明...",
    "68人声明...") share it although each issue is a different event."""
    return _DIGITS.sub("", normalize_text(title))


def _other_issues(a: str | None, b: str | None) -> bool:
    """Whether two titles name different issues of one recurring column: equal up to
    numbers, and both numbered, with different numbers ("第3期 ..." / "第4期 ..."). Such
    issues repeat the column's fixed wording, so even near-identical text does not make
    them one story; a mirror keeps its original's title (or drops its number)."""
    sa, sb = _series(a), _series(b)
    if not sa or sa != sb:
        return False
    na, nb = re.findall(r"\d+", normalize_text(a)), re.findall(r"\d+", normalize_text(b))
    return bool(na and nb and na != nb)


def close_pairs(docs: list[int], days: list[int | None], window: int):
    """The pairs ``(i, j)``, ``i < j``, of ``docs`` (ascending document numbers) that a term
    pair could join: dated at most ``window`` days apart (``days``: each document's date as
    an ordinal, None when undated), or with an undated side. Documents published far apart
    are never joined by terms, so their pairs are not counted: a term shared by many
    documents of a long period gives pairs in proportion to its documents, not their square.

    Examples
    --------
    >>> sorted(close_pairs([0, 1, 2, 3], [100, 105, 120, None], 10))
    [(0, 1), (0, 3), (1, 3), (2, 3)]
    """
    dated = sorted((days[k], k) for k in docs if days[k] is not None)
    undated = [k for k in docs if days[k] is None]
    lo = 0
    for b, (day, k) in enumerate(dated):
        while dated[lo][0] < day - window:
            lo += 1
        for _, i in dated[lo:b]:
            yield (i, k) if i < k else (k, i)
    for x, u in enumerate(undated):
        for v in undated[x + 1:]:
            yield u, v
        for _, k in dated:
            yield (u, k) if u < k else (k, u)


def story_pairs(documents: list[dict], folded: Iterable[str] | None = None) -> list[tuple[int, int, float, list[dict]]]:
    """Pairs of documents (by index) that belong to one story, with score and evidence.
    ``folded``: each document's ``graph.text.fold`` of its text, if the caller has them (a list,
    or an iterator read once).

    Examples
    --------
    >>> docs = [{"url": "a", "published": "2025-09-04", "text": "法国总统马克龙与泽连斯基在巴黎会晤，马克龙表示，泽连斯基将讨论乌克兰安全保障。" * 6},
    ...         {"url": "b", "published": "2025-09-08", "text": "法國總統馬克龍宣布，多國將為烏克蘭提供安全保障，澤連斯基表示歡迎馬克龍的決定。" * 6},
    ...         {"url": "c", "published": "2025-09-05", "text": "今年的中秋节月饼价格上涨，商家推出新口味，月饼礼盒也更贵。" * 6}]
    >>> [(i, j) for i, j, _, _ in story_pairs(docs)]
    [(0, 1)]
    """
    # site template lines: any line shared by three or more pages of one site with
    # different titles (templates, series intros, video-player notices); a superset of
    # the default boilerplate rule, which also asks for a share of the site's pages
    texts = content_texts(documents, min_docs=3, min_share=0.0, folded=folded)
    for k, (d, body) in enumerate(zip(documents, texts)):      # each in its place: one list, not two
        title = normalize_text(d.get("title"))
        text = f"{title}\n{body}" if title and title not in body else body
        texts[k] = _URL.sub(" ", text)
    usable = [sum(map(len, t.split())) >= MIN_CHARS for t in texts]   # characters but white space
    dates = [_date(d.get("published")) for d in documents]
    pairs: dict[tuple[int, int], tuple[float, list[dict]]] = {}

    # near-duplicates: MinHash LSH over 5-shingles (a signature matrix, one row per usable document)
    rows = [k for k in range(len(documents)) if usable[k]]
    sigs, _ = text_signatures([texts[k] for k in rows], 5)
    for x, y in candidate_pairs(sigs, NEAR_DUP):
        i, j = rows[x], rows[y]
        jac = float(np.count_nonzero(sigs[x] == sigs[y])) / NUM_PERM     # MinHash.jaccard
        if jac >= NEAR_DUP and not _other_issues(documents[i].get("title"), documents[j].get("title")):
            pairs[(i, j)] = (jac, [{"signal": "near_duplicate", "detail": f"MinHash Jaccard {jac:.2f} of normalized text"}])
    del sigs

    # shared salient (repeated, rare) terms + date proximity
    sets, idf = salient_terms(texts)
    index: dict[str, list[int]] = defaultdict(list)
    for i, terms in enumerate(sets):
        if usable[i]:
            for t in sorted(terms, key=lambda t: (-idf[t], t))[:TOP_TERMS]:
                index[t].append(i)
    common = max(50, len(documents) // 5)
    days = [d.toordinal() if d else None for d in dates]
    candidates: Counter = Counter()
    for t, docs in index.items():
        if len(docs) > common:   # too common to point at one event
            continue
        candidates.update(close_pairs(docs, days, MAX_DAYS))
    # the pool of a document: the other usable documents a term pair could join it to (those
    # dated within MAX_DAYS of it, and the undated ones; all of them when it is undated)
    dated = sorted(dates[k].toordinal() for k in range(len(documents)) if usable[k] and dates[k])
    undated = sum(1 for k in range(len(documents)) if usable[k] and not dates[k])

    def pool(k: int) -> int:
        if not dates[k]:
            return len(dated) + undated - 1
        o = dates[k].toordinal()
        return bisect_right(dated, o + MAX_DAYS) - bisect_left(dated, o - MAX_DAYS) - 1 + undated

    titles: dict[int, str] = {}

    def series(k: int) -> str:     # a document is in many candidate pairs: its title folded once
        t = titles.get(k)
        if t is None:
            t = titles[k] = _series(documents[k].get("title"))
        return t

    for (i, j), n in sorted(candidates.items()):
        if n < 2 or (i, j) in pairs:
            continue
        ti, tj = series(i), series(j)
        if ti and ti == tj:
            continue   # issues of one recurring column
        score = _overlap(sets[i], sets[j], idf)
        if score < RELATED:
            continue
        spans = shared_spans(sets[i].keys() & sets[j].keys())
        if len(spans) < MIN_SPANS:
            continue   # one shared phrase only
        # by chance: each shared span is in a share (1 + df) / (1 + n) of the documents, so
        # of the documents either side could be paired with (its pool), about
        # pool * prod(share) share all these spans; evidence must beat that (at most one)
        rarity = sum(max(idf[t] for t in span) - 1.0 for span in spans)
        if rarity < math.log(max(pool(i), pool(j), 1)) - 1e-9:
            continue   # as many documents would share such terms by chance
        di, dj = dates[i], dates[j]
        if di and dj:
            gap = abs((di - dj).days)
            if gap > MAX_DAYS or score < RELATED:
                continue
            when = {"signal": "dates", "detail": f"published {gap} days apart ({min(di, dj)} / {max(di, dj)})"}
        else:
            if score < RELATED_UNDATED:
                continue
            when = {"signal": "dates", "detail": "a publication date is unknown"}
        terms = _shared_terms(sets[i], sets[j], idf)
        pairs[(i, j)] = (score, [
            {"signal": "shared_terms", "detail": f"score {score:.2f}; shared: {', '.join(terms)}"},
            when,
        ])
    return [(i, j, sc, ev) for (i, j), (sc, ev) in sorted(pairs.items())]


def find_stories(documents: list[dict], folded: Iterable[str] | None = None) -> list[dict]:
    """Group documents about the same event into stories.

    Parameters
    ----------
    documents : list of dict
        Records of ``documents.jsonl`` (``url``, ``title``, ``text``, ``published``).
    folded : iterable of str, optional
        Each document's ``graph.text.fold`` of its ``text``, in the order of ``documents``
        (computed here if None; a caller that folds the texts for another step passes them,
        as a list it keeps, or as ``graph.memory.taken(list)``: then each is freed as the
        stories normalize it).

    Returns
    -------
    list of dict
        SPEC ``stories`` entries ``{"id", "documents", "earliest", "evidence"}`` for every
        group of two or more documents, sorted by id. ``evidence`` holds one entry per
        joining pair (``near_duplicate`` / ``shared_terms`` + ``dates``) and the reason for
        the earliest document.

    Examples
    --------
    >>> docs = [{"url": "https://a.org/1", "published": "2025-09-04",
    ...          "text": "法国总统马克龙与泽连斯基在巴黎会晤，讨论乌克兰安全保障。" * 8},
    ...         {"url": "https://b.org/2", "published": "2025-09-08",
    ...          "text": "法國總統馬克龍宣布，多國將為烏克蘭提供安全保障，澤連斯基表示歡迎。" * 8}]
    >>> [(s["documents"], s["earliest"]) for s in find_stories(docs)]
    [(['https://a.org/1', 'https://b.org/2'], 'https://a.org/1')]
    """
    by_url: dict[str, int] = {}
    for k, d in enumerate(documents):
        if d.get("url") and d["url"] not in by_url:
            by_url[d["url"]] = k
    order = [by_url[u] for u in sorted(by_url)]     # input order never matters
    documents = [documents[k] for k in order]
    if folded is not None:
        folded = list(folded)
        folded = taken([folded[k] for k in order])     # each freed as the stories normalize it
    pairs = story_pairs(documents, folded)
    parent = list(range(len(documents)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(documents))}
    strength: dict[int, list[float]] = {i: [] for i in range(len(documents))}
    evidence: dict[int, list[dict]] = {i: [] for i in range(len(documents))}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j, score, ev in sorted(pairs, key=lambda p: (-p[2], p[0], p[1])):
        ri, rj = find(i), find(j)
        if ri == rj:
            strength[ri].append(score)
            continue
        inner = strength[ri] + strength[rj]
        if inner and score < 0.5 * (sum(inner) / len(inner)):
            continue   # a weak bridge between two tight groups: keep them apart
        parent[rj] = ri
        members[ri] += members.pop(rj)
        strength[ri] = inner + [score]
        a, b = documents[i]["url"], documents[j]["url"]
        evidence[ri] = evidence[ri] + evidence.pop(rj) + [{"signal": e["signal"], "detail": f"{a} ~ {b}: {e['detail']}"} for e in ev]
    stories = []
    for root, idx in members.items():
        if len(idx) < 2:
            continue
        docs = sorted(documents[i]["url"] for i in idx)
        first = min(idx, key=lambda i: (_date(documents[i].get("published")) or date.max, documents[i]["url"]))
        pub = documents[first].get("published")
        ev = sorted(evidence[root], key=lambda e: (e["signal"], e["detail"]))
        ev.append({"signal": "earliest", "detail": f"{documents[first]['url']} published {pub}" if pub else
                   f"{documents[first]['url']} (no document is dated)"})
        sid = "story-" + hashlib.sha1("\n".join(docs).encode("utf-8")).hexdigest()[:10]
        stories.append({"id": sid, "documents": docs, "earliest": documents[first]["url"], "evidence": ev})
    return sorted(stories, key=lambda s: s["id"])
