import pytest

from graph.text import boilerplate_lines, content_text, fold, minhash, normalize_text, shingles


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
