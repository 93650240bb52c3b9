"""Text normalization for near-duplicates, sources and stories.

One place for: folding scripts and widths (``normalize_text``), finding template lines
that recur across the pages of one site (``boilerplate_lines``), and the shingles and
MinHash signatures and LSH candidate pairs that near-duplicate detection uses
(``shingles``, ``minhash``, ``candidate_pairs``).
"""
from __future__ import annotations

import re
import unicodedata
import zlib
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

from graph.entities import entity_of, host_of, run_cache

__all__ = [
    "fold",
    "normalize_text",
    "normalize_lines",
    "boilerplate_lines",
    "content_text",
    "content_texts",
    "shingles",
    "minhash",
    "text_signatures",
    "lsh_bands",
    "candidate_pairs",
    "NUM_PERM",
]

NUM_PERM = 128


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    try:
        return opencc.OpenCC("t2s")
    except Exception:  # older/other builds want the config file name
        return opencc.OpenCC("t2s.json")


def fold(text: str | None) -> str:
    """NFKC (full-width -> half-width) and Traditional -> Simplified, keeping case and
    white space (for case-sensitive matching of names such as ``AP``).

    Examples
    --------
    >>> fold("美聯社（ＡＰ）")
    '美联社(AP)'
    """
    if not text:
        return ""
    return _t2s().convert(unicodedata.normalize("NFKC", text))


@run_cache
def normalize_text(text: str | None) -> str:
    """Fold ``text`` for comparison: NFKC (full-width -> half-width), Traditional ->
    Simplified Chinese (opencc ``t2s``), lower case, white space collapsed to one space.

    Examples
    --------
    >>> normalize_text("法國總統  馬克龍（ＡＦＰ）")
    '法国总统 马克龙(afp)'
    >>> normalize_text(None)
    ''
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _t2s().convert(text)
    return " ".join(text.lower().split())    # str.split()'s white space is re's \s


def normalize_lines(text: str | None) -> list[str]:
    """The non-empty normalized lines of ``text``.

    Examples
    --------
    >>> normalize_lines("甲 乙\\n\\n  ＡＢ  ")
    ['甲 乙', 'ab']
    """
    # the whole text folded at once (one OpenCC call, not one per line: neither NFKC nor
    # OpenCC's phrase matching crosses a line break), then each line lower-cased and spaced
    return _folded_lines(fold(text))


def _folded_lines(folded: str) -> list[str]:
    """``normalize_lines`` of a text already :func:`fold`-ed."""
    return [n for n in (" ".join(line.lower().split()) for line in folded.splitlines()) if n]


def _group_of(url: str) -> str:
    return entity_of(url) or host_of(url) or ""


def boilerplate_lines(documents: Iterable[dict], min_docs: int = 3, min_share: float = 0.3,
                      lines: list[list[str]] | None = None) -> set[str]:
    """Normalized lines that recur across many documents of one entity (site template).

    A line is boilerplate when, within one entity (see ``graph.entities.entity_of``), it
    occurs in at least ``min_docs`` documents with *different* titles and in at least
    ``min_share`` of that entity's documents. Requiring different titles keeps copies of
    one article (e.g. its Simplified and Traditional editions) from erasing each other.

    Parameters
    ----------
    documents : iterable of dict
        Records of ``documents.jsonl`` (``url``, ``title``, ``text``).
    min_docs : int
        Minimum number of distinct-title documents a line must occur in.
    min_share : float
        Minimum share of the entity's documents a line must occur in.
    lines : list of list of str, optional
        Each document's ``normalize_lines`` of its text, in the order of ``documents``
        (computed if None; a caller that needs them again passes them), or those lines
        joined by newlines (one string a document, as :func:`content_texts` holds them).

    Returns
    -------
    set of str
        Normalized lines (as ``normalize_text`` gives them).

    Examples
    --------
    >>> docs = [{"url": f"https://a.org/{i}", "title": f"t{i}", "text": f"Home | News\\nstory {i}"}
    ...         for i in range(4)]
    >>> sorted(boilerplate_lines(docs))
    ['home | news']
    """
    groups: dict[str, list[int]] = defaultdict(list)
    documents = list(documents)
    for k, doc in enumerate(documents):
        groups[_group_of(doc.get("url") or "")].append(k)

    def line_set(k: int) -> set[str]:
        return set(normalize_lines(documents[k].get("text")) if lines is None else _lines_of(lines[k]))

    result: set[str] = set()
    for members in groups.values():
        if len(members) < min_docs:
            continue
        need = max(min_docs, min_share * len(members))
        titles = [normalize_text(documents[k].get("title")) or documents[k].get("url") or "" for k in members]
        # counted by the lines' hashes first (an int, not a copy of each line of the entity's
        # pages, when the lines come joined); the lines of hashes that pass are counted again
        # as strings, so a hash two lines share decides nothing
        passing = _recurring(((hash(line) for line in line_set(k)) for k in members), titles, need, min_docs)
        if passing:
            result.update(_recurring((
                (line for line in line_set(k) if hash(line) in passing) for k in members), titles, need, min_docs))
    return result


def _recurring(per_doc, titles: list[str], need: float, min_docs: int) -> set:
    """The items (lines, or their hashes) of ``per_doc`` (the distinct items of each document
    of one entity, with ``titles``) found in at least ``need`` documents of ``min_docs``
    distinct titles or more."""
    first: dict = {}            # item -> title of its first document
    other: dict = {}            # item -> its titles, once it has a second one
    counts: dict = defaultdict(int)
    for items, title in zip(per_doc, titles):
        for item in items:
            counts[item] += 1
            seen = first.setdefault(item, title)
            if seen != title:
                other.setdefault(item, {seen}).add(title)
    return {item for item, n in counts.items()
            if n >= need and (len(other[item]) if item in other else 1) >= min_docs}


def content_text(text: str | None, boilerplate: set[str] | frozenset = frozenset()) -> str:
    """Normalized text without boilerplate lines, lines joined by newlines.

    Examples
    --------
    >>> content_text("Home | News\\nA story.", {"home | news"})
    'a story.'
    """
    return _joined(normalize_lines(text), boilerplate)


def _joined(lines: list[str], boilerplate) -> str:
    return "\n".join(line for line in lines if line not in boilerplate)


def _lines_of(lines: list[str] | str) -> list[str]:
    """Normalized lines given as a list, or joined by newlines (a normalized line holds no
    newline: ``str.split`` took every white space out of it)."""
    if type(lines) is not str:
        return lines
    return lines.split("\n") if lines else []


def _normalized(folded: str) -> str:
    """The normalized lines of a folded text joined by newlines: one string a document (a
    string a line and a list take about twice the text's memory: ~300 MB at 100k pages)."""
    return "\n".join(_folded_lines(folded))


def content_texts(documents: list[dict], boilerplate: set[str] | None = None, min_docs: int = 3,
                  min_share: float = 0.3, folded: Iterable[str] | None = None) -> list[str]:
    """``content_text`` of each document, its text folded once: the boilerplate, when not
    given, is ``boilerplate_lines(documents, min_docs, min_share)`` found from the same
    folded lines (each line would otherwise be folded twice). ``folded``: each document's
    :func:`fold` of its text, in the order of ``documents``, when the caller has them (any
    iterable: read once, each text in turn).

    Examples
    --------
    >>> docs = [{"url": f"https://a.org/{i}", "title": f"t{i}", "text": f"Home | News\\nstory {i}"}
    ...         for i in range(4)]
    >>> content_texts(docs)
    ['story 0', 'story 1', 'story 2', 'story 3']
    """
    if folded is None:
        folded = (fold(d.get("text")) for d in documents)
    lines = [_normalized(f) for f in folded]
    if boilerplate is None:
        boilerplate = boilerplate_lines(documents, min_docs, min_share, lines=lines)
    if not boilerplate:
        return lines
    for k, text in enumerate(lines):        # each text in its place: one list, not two
        lines[k] = _joined(_lines_of(text), boilerplate)
    return lines


def _unspaced(text: str | None) -> str:
    """The characters shingles are cut from: ``text`` without white space."""
    return "".join((text or "").split())


def shingles(text: str, k: int = 5) -> set[str]:
    """Character ``k``-shingles of ``text`` with white space removed (works for scripts
    without word spaces, such as Chinese, and for English alike).

    Examples
    --------
    >>> sorted(shingles("ab cd", 3))
    ['abc', 'bcd']
    >>> shingles("ab", 3)
    {'ab'}
    """
    s = _unspaced(text)
    if not s:
        return set()
    if len(s) <= k:
        return {s}
    n = len(s) - k + 1
    return set(map(s.__getitem__, map(slice, range(n), range(k, n + k))))   # s[i:i+k], sliced in C


_PERMUTATIONS: dict = {}


@lru_cache(maxsize=None)
def lsh_bands(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows) of the MinHash LSH for ``threshold``: datasketch's ``MinHashLSH``
    choice (least weighted false positive and negative probability).

    Examples
    --------
    >>> b, r = lsh_bands(0.5)
    >>> b * r <= NUM_PERM
    True
    """
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def candidate_pairs(signatures: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """Row pairs ``(i, j)``, ``i < j``, of a matrix of MinHash signatures (one row per
    item, ``MinHash.hashvalues``) that are equal in all values of at least one LSH band:
    the pairs a datasketch ``MinHashLSH`` of ``threshold`` would give, sorted.

    The bands are grouped by sorting (``numpy.unique`` over rows): memory is the matrix
    (8 bytes a value) and the pairs, where a ``MinHashLSH`` holds a key object and a set per
    item and band (with this in the mirror and story steps, the analysis of 100,000 pages
    holds 1.9 GB less).

    Examples
    --------
    >>> sigs = np.array([minhash(shingles(t)).hashvalues for t in
    ...                  ["the same old story about mirrors", "the same old story about mirrors!",
    ...                   "something else entirely"]])
    >>> candidate_pairs(sigs, 0.5)
    [(0, 1)]
    """
    n = len(signatures)
    if n < 2:
        return []
    b, r = lsh_bands(threshold, signatures.shape[1])
    found: set[tuple[int, int]] = set()
    for k in range(b):
        _, group, sizes = np.unique(signatures[:, k * r:(k + 1) * r], axis=0, return_inverse=True,
                                    return_counts=True)
        group = group.reshape(-1)
        shared = np.flatnonzero(sizes[group] > 1)      # rows whose band another row has
        if not len(shared):
            continue
        order = shared[np.argsort(group[shared], kind="stable")]
        ids = group[order]
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        for s, e in zip(starts, np.r_[starts[1:], len(order)]):
            rows = order[s:e].tolist()
            found.update((rows[x], rows[y]) for x in range(len(rows)) for y in range(x + 1, len(rows)))
    return sorted(found)


def _permutations(num_perm: int) -> tuple:
    """(a, b, scheme) of datasketch's MinHash of ``num_perm`` with seed 1: generating them is
    most of a small MinHash's cost, so once per size."""
    perms = _PERMUTATIONS.get(num_perm)
    if perms is None:
        from datasketch import MinHash      # (here, not at the top: datasketch imports scipy, 55 MB)

        proto = MinHash(num_perm=num_perm, seed=1)
        perms = _PERMUTATIONS[num_perm] = (*proto.permutations, proto.scheme)
    return perms


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer on a ``uint32`` array (datasketch's pre-mix of hash
    values in its ``affine32`` scheme; multiplication wraps modulo 2**32)."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


@lru_cache(maxsize=1)
def _crc_table() -> np.ndarray:
    """The 256-entry table of CRC-32 (the reflected polynomial 0xEDB88320 of zlib)."""
    t = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        t = np.where(t & 1, (t >> np.uint32(1)) ^ np.uint32(0xEDB88320), t >> np.uint32(1)).astype(np.uint32)
    return t


def _crc32_windows(buf: np.ndarray, starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """``zlib.crc32(buf[s:s + n])`` for every window (``starts``, ``lens``) of the byte array
    ``buf`` at once: the table algorithm run one byte position at a time over all windows."""
    table = _crc_table()
    crc = np.full(len(starts), 0xFFFFFFFF, dtype=np.uint32)
    if not len(starts):
        return crc
    padded = np.concatenate([buf, np.zeros(int(lens.max()), dtype=np.uint8)])   # reads past the end are dropped
    low, shortest = np.uint32(0xFF), int(lens.min())
    for j in range(int(lens.max())):
        step = table[(crc ^ padded[starts + j]) & low] ^ (crc >> np.uint32(8))
        crc = step if j < shortest else np.where(lens > j, step, crc)
    return crc ^ np.uint32(0xFFFFFFFF)


#: windows hashed at once by ``text_signatures`` (its arrays: ~100 bytes a window), and
#: permuted at once (``NUM_PERM`` x 4 bytes a window: 4 MB, which stays in the CPU's cache;
#: 8x that is 5x slower)
_WINDOWS, _SLICE = 1 << 16, 1 << 13


def text_signatures(texts: list[str], k: int = 5, num_perm: int = NUM_PERM,
                    distinct: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """The MinHash signature of each text's character ``k``-shingles (white space removed):
    row ``i`` is ``minhash(shingles(texts[i], k)).hashvalues``, computed for many texts at once
    in numpy, without a Python step per shingle: the CRC-32 of each shingle's UTF-8 from the
    text's bytes, then datasketch's ``affine32`` scheme (its default) with its permutations;
    other schemes go through datasketch's ``MinHash``. The same values either way
    (``tests/test_graph_text.py``).

    Parameters
    ----------
    texts : list of str
    k : int
        Shingle length in characters.
    num_perm : int
        Signature length.
    distinct : bool
        Also count each text's distinct shingle hashes (a lower bound of its distinct
        shingles, equal unless two of its shingles share a CRC-32).

    Returns
    -------
    signatures : numpy.ndarray
        ``(len(texts), num_perm)``, the dtype of datasketch's scheme.
    counts : numpy.ndarray or None
        With ``distinct``: the distinct shingle hashes of each text.

    Examples
    --------
    >>> texts = ["the same old story about mirrors", "", "馬克龍說 Macron"]
    >>> sigs, counts = text_signatures(texts, distinct=True)
    >>> [bool((sigs[i] == minhash(shingles(t)).hashvalues).all()) for i, t in enumerate(texts)]
    [True, True, True]
    >>> counts.tolist() == [len(shingles(t)) for t in texts]
    True
    """
    a, b, scheme = _permutations(num_perm)
    counts = np.zeros(len(texts), dtype=np.int64) if distinct else None
    if scheme != "affine32":
        sigs = np.array([minhash(shingles(t, k), num_perm).hashvalues for t in texts]).reshape(len(texts), num_perm)
        if distinct:
            counts[:] = [len({zlib.crc32(x.encode()) for x in shingles(t, k)}) for t in texts]
        return sigs, counts
    sigs = np.full((len(texts), num_perm), 0xFFFFFFFF, dtype=np.uint32)
    first = 0
    while first < len(texts):
        # a batch of texts: their bytes end to end, and the byte offset of every character
        raw, chars, last, windows = [], [], first, 0
        while last < len(texts) and (last == first or windows < _WINDOWS):
            s = _unspaced(texts[last])
            raw.append(s.encode())
            chars.append(len(s))
            windows += max(len(s) - k + 1, 1)
            last += 1
        buf = np.frombuffer(b"".join(raw), dtype=np.uint8)
        offsets = np.flatnonzero((buf & 0xC0) != 0x80)          # where characters start
        offsets = np.append(offsets, len(buf))
        nchars = np.array(chars, dtype=np.int64)
        first_char = np.cumsum(nchars) - nchars
        nwin = np.where(nchars > k, nchars - k + 1, (nchars > 0).astype(np.int64))
        span = np.minimum(nchars, k)
        doc = np.repeat(np.arange(len(chars)), nwin)
        j = np.arange(len(doc)) - np.repeat(np.cumsum(nwin) - nwin, nwin)
        start_char = first_char[doc] + j
        starts = offsets[start_char]
        hv = _crc32_windows(buf, starts, offsets[start_char + span[doc]] - starts)
        if distinct and len(doc):
            keys = np.sort((doc.astype(np.uint64) << np.uint64(32)) | hv.astype(np.uint64))
            keys = keys[np.r_[True, keys[1:] != keys[:-1]]]     # distinct (text, hash); np.unique is 20x slower
            counts[first:last] = np.bincount((keys >> np.uint64(32)).astype(np.int64), minlength=len(chars))
        hv = _fmix32(hv)
        for lo in range(0, len(doc), _SLICE):     # (permutations x windows), a few MB at a time
            d = doc[lo:lo + _SLICE]
            cut = np.flatnonzero(np.r_[True, d[1:] != d[:-1]])
            phv = a[:, None] * hv[lo:lo + _SLICE]
            phv += b[:, None]
            part = np.minimum.reduceat(phv, cut, axis=1)
            rows = first + d[cut]
            sigs[rows] = np.minimum(sigs[rows], part.T)
        first = last
    return sigs, counts


def minhash(items: Iterable[str], num_perm: int = NUM_PERM) -> "datasketch.MinHash":
    """A datasketch ``MinHash`` of ``items`` (deterministic: fixed seed, CRC-32 item hash).

    Examples
    --------
    >>> a = minhash(shingles("the same old story about mirrors"))
    >>> b = minhash(shingles("the same old story about mirrors!"))
    >>> a.jaccard(b) > 0.8
    True
    """
    from datasketch import MinHash

    a, b, scheme = _permutations(num_perm)
    m = MinHash(num_perm=num_perm, seed=1, hashfunc=zlib.crc32,  # C-speed, deterministic 32-bit hash
                permutations=(a, b), scheme=scheme)
    m.update_batch(list(map(str.encode, items)))   # UTF-8; a minimum: the same in any order
    return m
