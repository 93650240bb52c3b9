import pytest

from graph.text import (
    boilerplate_lines, content_text, content_texts, fold, minhash, normalize_lines, normalize_text, shingles,
)


@pytest.mark.parametrize("raw, expected", [
    ("法國總統馬克龍", "法国总统马克龙"),
    ("ＡＢＣ　１２３", "abc 123"),
    ("  Hello\n\tWorld  ", "hello world"),
    ("大紀元", "大纪元"),
    ("", ""),
])
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


def test_fold_keeps_case():
    assert fold("美聯社 ＡＰ") == "美联社 AP"


def test_boilerplate_needs_distinct_titles():
    template = [{"url": f"https://a.org/{i}", "title": f"story {i}", "text": f"Home | About\nbody {i}"}
                for i in range(5)]
    copies = [{"url": f"https://b.org/{i}", "title": "same", "text": "same line\nother"} for i in range(5)]
    assert boilerplate_lines(template + copies) == {"home | about"}


_SITE = [{"url": f"https://a.org/{i}", "title": f"story {i}",
          "text": f"Home | About\n\n  第{i}篇 報導\u3000ＡＢ \nFooter ©\x1c x\r\nbody {i % 2}"} for i in range(5)]


@pytest.mark.parametrize("docs", [
    _SITE,                                                  # template lines removed
    _SITE[:2],                                              # too few documents: nothing removed
    [{"url": "https://b.org/1", "title": "t", "text": ""}, {"url": "https://b.org/2"}],   # no text
    _SITE + [{"url": "https://a.org/9", "title": "x", "text": "Home | About"}],           # all boilerplate
])
def test_content_texts_is_content_text_of_each(docs):
    boiler = boilerplate_lines(docs)
    assert content_texts(docs) == [content_text(d.get("text"), boiler) for d in docs]
    assert content_texts(docs, folded=[fold(d.get("text")) for d in docs]) == content_texts(docs)


@pytest.mark.parametrize("min_docs, min_share", [(3, 0.3), (2, 0.0), (6, 0.3)])
def test_boilerplate_lines_from_joined_lines(min_docs, min_share):
    lists = [normalize_lines(d["text"]) for d in _SITE]
    joined = ["\n".join(x) for x in lists]
    expected = boilerplate_lines(_SITE, min_docs, min_share)
    assert boilerplate_lines(_SITE, min_docs, min_share, lines=lists) == expected
    assert boilerplate_lines(_SITE, min_docs, min_share, lines=joined) == expected


def test_content_text_and_shingles():
    text = content_text("Home | About\nA B C D", {"home | about"})
    assert text == "a b c d"
    assert shingles(text, 2) == {"ab", "bc", "cd"}


def test_minhash_close_and_far():
    a = minhash(shingles(normalize_text("這是同一篇文章的文字，關於鏡像。" * 4)))
    b = minhash(shingles(normalize_text("这是同一篇文章的文字，关于镜像。" * 4)))
    c = minhash(shingles("completely unrelated english words here"))
    assert a.jaccard(b) == 1.0
    assert a.jaccard(c) < 0.2


_TEXTS = [
    "",
    " \n\t",
    "a",
    "abcde",
    "abcdef",
    "這是同一篇文章的文字，關於鏡像。" * 4,
    "mixed 馬克龍 Macron \U0001f600\u0301 ｱｲｳ \x00 é" * 3,
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",                   # one distinct shingle
    "completely unrelated english words here, and more of them " * 40,
]


@pytest.mark.parametrize("k", [1, 3, 5])
@pytest.mark.parametrize("windows, slice_", [(1 << 16, 1 << 13), (7, 3), (1, 1)])   # batches and slices cut anywhere
def test_text_signatures_are_the_signatures_of_the_shingles(monkeypatch, k, windows, slice_):
    import zlib

    from graph import text

    monkeypatch.setattr(text, "_WINDOWS", windows)
    monkeypatch.setattr(text, "_SLICE", slice_)
    sigs, counts = text.text_signatures(_TEXTS, k, distinct=True)
    assert sigs.shape == (len(_TEXTS), 128)
    assert [row.tolist() for row in sigs] == [minhash(shingles(t, k)).hashvalues.tolist() for t in _TEXTS]
    assert counts.tolist() == [len({zlib.crc32(x.encode()) for x in shingles(t, k)}) for t in _TEXTS]
    assert text.text_signatures(_TEXTS, k)[1] is None


def test_text_signatures_of_another_scheme_go_through_datasketch(monkeypatch):
    from datasketch import MinHash

    from graph import text

    proto = MinHash(num_perm=8, seed=1, scheme="affine64")
    monkeypatch.setitem(text._PERMUTATIONS, 8, (*proto.permutations, "affine64"))
    sigs, counts = text.text_signatures(_TEXTS, 5, num_perm=8, distinct=True)
    assert [row.tolist() for row in sigs] == [text.minhash(shingles(t, 5), 8).hashvalues.tolist() for t in _TEXTS]
    assert counts.tolist() == [len(shingles(t, 5)) for t in _TEXTS]


def test_crc32_windows_is_zlibs_crc32():
    import random
    import zlib

    import numpy as np

    from graph.text import _crc32_windows

    rng = random.Random(5)
    data = bytes(rng.randrange(256) for _ in range(500))
    windows = [(rng.randrange(500), rng.randrange(0, 25)) for _ in range(300)]
    windows = [(s, min(n, 500 - s)) for s, n in windows]
    got = _crc32_windows(np.frombuffer(data, dtype=np.uint8), np.array([s for s, _ in windows]),
                         np.array([n for _, n in windows]))
    assert got.tolist() == [zlib.crc32(data[s:s + n]) for s, n in windows]


@pytest.fixture(scope="module")
def signed_texts():
    """300 texts: 60 stories, each in 5 copies that differ in a few words (near-duplicates
    at various distances), with their MinHash signatures."""
    import random

    from graph.text import minhash, shingles

    rng = random.Random(7)
    words = [f"w{i}" for i in range(400)]
    texts = []
    for _ in range(60):
        base = [rng.choice(words) for _ in range(40)]
        for _copy in range(5):
            t = list(base)
            for _ in range(rng.randrange(0, 12)):
                t[rng.randrange(len(t))] = rng.choice(words)
            texts.append(" ".join(t))
    return [minhash(shingles(t)) for t in texts]


@pytest.mark.parametrize("threshold", [0.3, 0.4, 0.5, 0.8])
def test_candidate_pairs_are_the_pairs_datasketch_lsh_gives(signed_texts, threshold):
    import numpy as np
    from datasketch import MinHashLSH

    from graph.text import candidate_pairs

    lsh = MinHashLSH(threshold=threshold, num_perm=len(signed_texts[0].hashvalues))
    for i, m in enumerate(signed_texts):
        lsh.insert(i, m)
    expected = sorted((i, j) for i, m in enumerate(signed_texts) for j in lsh.query(m) if j > i)
    got = candidate_pairs(np.array([m.hashvalues for m in signed_texts]), threshold)
    assert got == expected
    assert len(expected) >= 20                               # copies of one story meet: a real comparison


@pytest.mark.parametrize("rows", [0, 1])
def test_candidate_pairs_of_fewer_than_two_rows(rows):
    import numpy as np

    from graph.text import NUM_PERM, candidate_pairs

    assert candidate_pairs(np.zeros((rows, NUM_PERM), dtype=np.uint64), 0.5) == []
