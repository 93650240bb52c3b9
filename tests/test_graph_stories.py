"""graph.stories: documents about one event across mirrors, scripts and languages."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from graph.stories import find_stories, salient_terms, shared_spans, story_pairs

FIX = Path(__file__).parent / "fixtures" / "graph_promo"
CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "gfw-breaker+mh-news"
HTML_SEED = "https://github.com/1992513/djy/blob/master/gb/25/9/4/n14587530.md"

MACRON_S = ("法国总统马克龙周四在巴黎与乌克兰总统泽连斯基会晤，商讨停火后对乌克兰的安全保障。"
            "马克龙表示，欧洲已准备好向乌克兰提供安全保障，泽连斯基对此表示欢迎。")
MACRON_T = ("法國總統馬克龍宣布，二十六國承諾在停火後為烏克蘭提供安全保障部隊。"
            "澤連斯基歡迎馬克龍的決定，並說烏克蘭需要長期的安全保障。")
MOON = "中秋节将至，各地月饼价格上涨，商家推出新口味月饼礼盒，消费者更看重健康和低糖。月饼礼盒包装也更环保。"
FLOOD = "南方多省连日暴雨引发洪水，水利部门启动防汛应急响应，数万居民被紧急转移安置。洪水造成交通中断。"


def D(url, text, published=None, title=None, times=4):
    return {"url": url, "text": "\n".join([text] * times), "published": published, "title": title}


def _jsonl(name):
    return [json.loads(line) for line in (FIX / name).read_text("utf-8").splitlines() if line.strip()]


def _groups(stories):
    return {frozenset(s["documents"]) for s in stories}


@pytest.mark.parametrize("docs, groups", [
    # same event, different articles, Simplified vs Traditional, four days apart
    ([D("https://a.org/1", MACRON_S, "2025-09-04"), D("https://b.org/2", MACRON_T, "2025-09-08"),
      D("https://c.org/3", MOON, "2025-09-05")],
     {frozenset({"https://a.org/1", "https://b.org/2"})}),
    # the same texts far apart in time are different stories
    ([D("https://a.org/1", MACRON_S, "2025-09-04"), D("https://b.org/2", MACRON_T, "2025-12-08")], set()),
    # unrelated articles on the same day
    ([D("https://a.org/1", MOON, "2025-09-05"), D("https://b.org/2", FLOOD, "2025-09-05")], set()),
    # a mirror in the other script is a near-duplicate, whatever the dates
    ([D("https://a.org/1", MOON, "2020-09-05"), D("https://m.org/1", MOON.replace("节", "節").replace("价格", "價格"), None)],
     {frozenset({"https://a.org/1", "https://m.org/1"})}),
    # stubs with too little text are not compared
    ([D("https://a.org/1", "视频：马克龙", "2025-09-04", times=1), D("https://b.org/2", "视频：马克龙", "2025-09-04", times=1)], set()),
])
def test_story_groups(docs, groups):
    assert _groups(find_stories(docs)) == groups


def test_evidence_and_earliest():
    docs = [D("https://b.org/2", MACRON_T, "2025-09-08"), D("https://a.org/1", MACRON_S, "2025-09-04")]
    (story,) = find_stories(docs)
    assert story["earliest"] == "https://a.org/1"
    signals = {e["signal"] for e in story["evidence"]}
    assert signals == {"shared_terms", "dates", "earliest"}
    shared = next(e["detail"] for e in story["evidence"] if e["signal"] == "shared_terms")
    assert "马克龙" in shared and "乌克兰" in shared
    assert set(story) == {"id", "documents", "earliest", "evidence"}


def test_undated_documents_come_last_for_earliest():
    docs = [D("https://a.org/1", MOON, None), D("https://z.org/9", MOON, "2021-01-01")]
    (story,) = find_stories(docs)
    assert story["earliest"] == "https://z.org/9"


def test_series_issues_are_not_one_story():
    base = "本期共有人声明退出，声明内容如下：我过去写过保证书，现在郑重声明全部作废，今后坚定修炼。"
    docs = [D(f"https://a.org/{n}", base + f"编号{n}", "2021-01-0%d" % (n + 1), title=f"{n * 7 + 60}人声明从新开始修炼")
            for n in range(3)]
    assert find_stories(docs) == []


def test_shared_template_does_not_merge_articles():
    template = ["首页 | 翻墙教程 | 一键翻墙软件 | 安卓版下载", "手机上长按并复制下列链接或二维码分享本文章：",
                "本网站全部文章均可自由转载，转载时请注明出处并保留原文链接，谢谢各位读者长期以来的支持与关注。"]
    bodies = [MOON, FLOOD, MACRON_S, "新学期开学，多所学校推出课后服务，家长普遍表示欢迎，教育部门加强监督检查。课后服务内容丰富。",
              "国际油价本周大幅波动，分析人士认为需求前景不明，产油国会议结果成为市场关注焦点。油价影响物价。"]
    docs = [{"url": f"https://site.org/{i}", "title": f"t{i}", "published": "2025-09-05",
             "text": "\n".join(template + [b] * 3 + template)} for i, b in enumerate(bodies)]
    assert find_stories(docs) == []


def test_deterministic_order():
    docs = [D("https://b.org/2", MACRON_T, "2025-09-08"), D("https://a.org/1", MACRON_S, "2025-09-04"),
            D("https://m.org/1", MOON, "2020-09-05"), D("https://n.org/1", MOON, "2020-09-06")]
    assert find_stories(docs) == find_stories(list(reversed(docs)))
    assert [s["id"] for s in find_stories(docs)] == sorted(s["id"] for s in find_stories(docs))


def test_seeds_form_one_story():
    docs = _jsonl("seed_documents.jsonl")
    (story,) = find_stories(docs)
    assert set(story["documents"]) == {d["url"] for d in docs}
    assert story["earliest"] == HTML_SEED


def _corpus_documents():
    """Corpus pages as documents (visible text roughly: tags and Markdown links removed;
    date from the stated original URL) — enough to check story purity."""
    docs = []
    for path in sorted(CORPUS.glob("pages/**/*.md")):
        src = path.read_text("utf-8")
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", src)
        text = re.sub(r"<[^>]+>", "\n", text).replace("&nbsp;", " ")
        text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
        m = re.search(r"/(?:mh/articles/(20\d\d)|gb/(\d\d))/(\d+)/(\d+)/", src)
        pub = None
        if m:
            year = m.group(1) or "20" + m.group(2)
            pub = f"{year}-{int(m.group(3)):02d}-{int(m.group(4)):02d}"
        title = re.search(r"^#+\s*(.+)$", src, re.M)
        docs.append({"url": "https://github.com/gfw-breaker/mh-news/blob/master/" + str(path.relative_to(CORPUS)),
                     "text": text, "published": pub, "title": title.group(1) if title else None})
    return docs


@pytest.mark.skipif(not CORPUS.is_dir(), reason="development corpus not present")
def test_corpus_story_purity_with_seeds():
    corpus = _corpus_documents()
    seeds = _jsonl("seed_documents.jsonl")
    stories = find_stories(corpus + seeds)
    seed_urls = {d["url"] for d in seeds}
    seed_story = [s for s in stories if seed_urls & set(s["documents"])]
    assert len(seed_story) == 1 and set(seed_story[0]["documents"]) == seed_urls
    # no giant story: the corpus pages share one template, but stories stay small
    assert max(len(s["documents"]) for s in stories) <= 4
    assert sum(len(s["documents"]) for s in stories) <= 0.15 * len(corpus)


def test_terms_common_to_a_large_collection_do_not_make_a_story():
    # 40 dated documents that all repeat the same names, each otherwise about its own thing:
    # in a collection this size the shared names are too common to tie any two into a story
    names = "马克龙马克龙泽连斯基泽连斯基"
    own = ["甲乙丙丁戊己", "庚辛壬癸子丑", "寅卯辰巳午未", "申酉戌亥天地"]
    docs = [{"url": f"https://site{i}.example/a", "published": "2025-09-04",
             "text": (names + own[i % 4] * 2 + f"第{i}号文件内容各不相同{'山水'[i % 2]}{i * 7919}") * 12}
            for i in range(40)]
    sets, _ = salient_terms([d["text"] for d in docs])
    assert all("马克龙" not in s for s in sets)
    few, _ = salient_terms([d["text"] for d in docs[:2]])
    assert all("马克龙" in s for s in few)


# ---------------------------------------------------------------- evidence at scale

def _filler(seed: int, n: int = 300) -> str:
    """n CJK characters that repeat no 3-gram: text on nothing in particular."""
    return "".join(chr(0x4E00 + (seed * 7919 + k * 131) % 20000) for k in range(n))


@pytest.mark.parametrize("terms, spans", [
    ([], []),
    (["普马克", "川普马"], [["川普马", "普马克"]]),
    (["兰安全", "马克龙", "克兰安", "乌克兰"], [["乌克兰", "克兰安", "兰安全"], ["马克龙"]]),
    (["马克龙", "龙说话"], [["马克龙"], ["龙说话"]]),          # one character in common: two phrases
    (["emmanuel", "macron", "马克龙"], [["emmanuel"], ["macron"], ["马克龙"]]),
])
def test_shared_spans(terms, spans):
    assert shared_spans(terms) == spans
    assert shared_spans(list(reversed(terms))) == spans


@pytest.mark.parametrize("phrases, joined", [
    # one rare phrase both repeat (its 3-grams 川普马 / 普马克 are not two pieces of evidence)
    (["川普马克"], False),
    # two independent rare phrases
    (["川普马克", "基辅会谈"], True),
])
def test_one_shared_phrase_is_not_a_story(phrases, joined):
    extra = "".join(p * 2 for p in phrases)
    docs = [{"url": f"https://s{i}.example/a", "published": f"2025-09-0{i + 1}",
             "text": _filler(i)[:150] + extra + _filler(i)[150:]} for i in range(2)]
    assert bool(find_stories(docs)) is joined


def test_chance_phrases_in_a_collection_make_no_stories():
    # every article repeats one phrase that some dozen others repeat too (a name next to a
    # common word): in a large collection such coincidences are many, and each looked like
    # several shared rare terms; the copies are the only stories
    import random
    rng = random.Random(5)
    names = "马克龙 泽连斯基 斯塔默 普京 川普 吕特 默克尔 岸田 王毅 拜登".split()
    phrases = [n + w for n in names for w in ("国际", "表示", "会议")]

    def article():
        text = [chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(250)]
        phrase = rng.choice(phrases)
        for at in sorted(rng.sample(range(250), 2), reverse=True):
            text.insert(at, phrase)
        return "".join(text)

    docs = [{"url": f"https://news.example/{k:03d}", "text": article(),
             "published": f"2025-09-{rng.randint(1, 10):02d}"} for k in range(200)]
    docs += [{"url": f"https://mirror.example/{k:03d}", "published": None,
              "text": "转载自新闻网\n" + docs[k]["text"]} for k in range(0, 200, 20)]
    copies = {frozenset({f"https://news.example/{k:03d}", f"https://mirror.example/{k:03d}"}) for k in range(0, 200, 20)}
    assert _groups(find_stories(docs)) == copies


@pytest.mark.parametrize("titles, joined", [
    # a short brief (two or three sentences: 100-200 characters) and its mirror
    (("马克龙宣布安全保障部队", "马克龙宣布安全保障部队"), True),
    # a numbered title the mirror keeps
    (("第3期：马克龙宣布安全保障部队", "第3期：马克龙宣布安全保障部队"), True),
    # two issues of a numbered column repeat its wording: not one story
    (("第3期：马克龙宣布安全保障部队", "第4期：马克龙宣布安全保障部队"), False),
])
def test_short_briefs_and_numbered_titles(titles, joined):
    brief = MACRON_S + "二十六国承诺在停火后为乌克兰提供安全保障部队，泽连斯基表示欢迎。"
    assert 100 <= len(brief) < 200
    docs = [{"url": "https://a.org/1", "title": titles[0], "published": "2025-09-04", "text": brief},
            {"url": "https://m.org/1", "title": titles[1], "published": None, "text": "转载\n" + brief}]
    assert bool(find_stories(docs)) is joined


@pytest.mark.parametrize("grid, joined", [
    # 240 undated documents; each repeats two of 20 phrases, and each phrase is in 20 of them:
    # ~240 * (21/241)^2 of them would share any two such phrases by chance, so sharing two is
    # not evidence (100 pairs, all chance)
    (True, False),
    # the same two documents alone: nothing says the phrases are common
    (False, True),
])
def test_phrases_shared_by_chance_in_a_large_collection(grid, joined):
    import random
    rng = random.Random(7)
    rand = lambda n: "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(n))  # noqa: E731
    phrases = [rand(4) for _ in range(20)]

    def doc(k, a, b):
        return {"url": f"https://news.example/{k:03d}", "published": None,
                "text": rand(100) + phrases[a] + rand(60) + phrases[b] + rand(60) + phrases[a] + phrases[b] + rand(60)}

    docs = [doc(k, k % 10, 10 + (k // 10) % 10) for k in range(200)]
    docs += [{"url": f"https://other.example/{k:03d}", "published": None, "text": rand(300)} for k in range(40)]
    pair = [docs[0], docs[100]]     # both repeat phrases 0 and 10
    stories = find_stories(docs if grid else pair)
    assert bool(stories) is joined
    if not grid:
        assert _groups(stories) == {frozenset(d["url"] for d in pair)}


@pytest.mark.parametrize("text, dropped", [
    ("see https://a.org/x now", "see   now"),
    ("马克龙表示https://a.org/x。欧洲", " "),                  # the whole run without spaces goes
    ("://x and a:// and x://", "://x and a:// and x://"),    # nothing before or after ://
    ("a://b://c d", "  d"),
    ("line\nhttp://a.org\tok", "line\n \tok"),
])
def test_url_runs_dropped(text, dropped):
    from graph.stories import _URL
    assert _URL.sub(" ", text) == dropped


def test_url_runs_as_the_plain_pattern():
    """The anchored pattern is the plain ``\\S+://\\S+`` without its quadratic retries."""
    import random

    from graph.stories import _URL
    plain = re.compile(r"\S+://\S+")
    rng = random.Random(5)
    alphabet = "a:/ \n中\u3000x."
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16)))
        assert _URL.sub(" ", text) == plain.sub(" ", text), text


@pytest.mark.skipif(not CORPUS.is_dir(), reason="development corpus not present")
def test_texts_folded_by_the_caller_give_the_same_stories_and_mentions():
    from graph.sources import source_mentions
    from graph.text import fold
    # shuffled, with a URL given twice: find_stories sorts and drops repeats, folded follows
    docs = _corpus_documents()[::-1] + _jsonl("seed_documents.jsonl")
    docs.append(dict(docs[0], text="another text"))
    folded = [fold(d.get("text")) for d in docs]
    stories = find_stories(docs)
    assert len(stories) >= 3 and find_stories(docs, folded) == stories
    assert source_mentions(docs, folded) == source_mentions(docs) != []
    # the texts folded are the ones read: a wrong one changes the result
    assert find_stories(docs, [""] * len(docs)) != stories


def _reference_salient(texts):
    """salient_terms written plainly over story_terms: the oracle of the numpy version."""
    import math
    from collections import Counter
    from graph import stories
    df, repeated = Counter(), []
    for text in texts:
        c = stories.story_terms(text)
        df.update(c.keys())
        repeated.append({t: k for t, k in c.items() if k >= 2})
    n = len(texts)
    limit = stories.COMMON_SHARE * n if n >= stories.COMMON_MIN_DOCS else math.inf
    sets = [{t: k for t, k in c.items() if df[t] <= limit} for c in repeated]
    idf = {}
    for terms in sets:
        for t in terms:
            idf.setdefault(t, math.log((1 + n) / (1 + df[t])) + 1.0)
    return sets, idf


_ODD_TEXTS = [
    "", "马", "马克", "马克龙", "马克龙 马克龙", "马克龙马克龙马克龙",
    "乌克兰\n乌克兰", "乌克兰乌克兰",                     # a line break ends a run
    "ひらがなひらがな カタカナカタカナ 한국어한국어",         # kana and Hangul are CJK runs
    "𠀀𠀁𠀂𠀀𠀁𠀂 马克龙马克龙",                              # beyond the BMP: not a _CJK character
    "\ud800马克龙\ud800马克龙",                              # a lone surrogate (surrogatepass)
    "macron said macron said — it's macron's well-known 'peace-plan' peace-plan",
    "龙马克" * 3 + "abcd " * 2, "克龙", "龙说马克龙说",
]


@pytest.mark.parametrize("batch, merge_at", [(512, 1 << 20), (1, 1), (2, 3), (3, 1 << 20)])
@pytest.mark.parametrize("texts", [_ODD_TEXTS, _ODD_TEXTS[::-1], _ODD_TEXTS[4:6] * 40 + [MACRON_S * 2],
                                   [t * 2 for t in _ODD_TEXTS] + [MACRON_S, MACRON_T, MOON, FLOOD] * 10])
def test_salient_terms_equal_the_story_terms_counts(texts, batch, merge_at, monkeypatch):
    from graph import stories
    monkeypatch.setattr(stories, "_BATCH", batch)    # texts end and start at every batch cut
    monkeypatch.setattr(stories, "_MERGE_AT", merge_at)     # 3-gram counts merged after every batch, or at the end
    sets, idf = salient_terms(texts)
    want_sets, want_idf = _reference_salient(texts)
    assert sets == want_sets and idf == want_idf
    assert [list(s) for s in sets] == [list(s) for s in want_sets] and list(idf) == list(want_idf)   # same order
    assert any(sets)


def test_salient_terms_of_the_seeds_and_corpus_equal_the_story_terms_counts():
    texts = [d.get("text") or "" for d in _jsonl("seed_documents.jsonl")]
    if CORPUS.is_dir():
        texts += [d["text"] for d in _corpus_documents()]
    from graph.text import normalize_text
    texts = [normalize_text(t) for t in texts]
    got, want = salient_terms(texts), _reference_salient(texts)
    assert got == want and [list(s) for s in got[0]] == [list(s) for s in want[0]] and len(got[1]) > 10


@pytest.mark.parametrize("arrays, merge_at", [
    ([], 1),
    ([[]], 1),
    ([[3, 1, 3], [2**48 - 1, 0], [], [1]], 1),
    ([[3, 1, 3], [2**48 - 1, 0], [], [1]], 100),
    ([list(range(i, 50, 3)) for i in range(7)] * 3, 4),
    ([[(i * 7919) % 101 for i in range(j, j + 40)] for j in range(30)], 16),
])
def test_code_counter_counts_as_a_counter(arrays, merge_at):
    from collections import Counter
    import numpy as np
    from graph.stories import _CodeCounter
    c, want = _CodeCounter(merge_at=merge_at), Counter()
    for a in arrays:
        c.add(np.array(a, dtype=np.uint64))
        want.update(a)
    asked = sorted(want) + [5, 2**48 - 2, 10**6]
    assert c.of(asked) == {k: want[k] for k in asked}


def _close_pairs_plainly(docs, days, window):
    return {(a, b) for x, a in enumerate(docs) for b in docs[x + 1:]
            if days[a] is None or days[b] is None or abs(days[a] - days[b]) <= window}


@pytest.mark.parametrize("docs, days, window", [
    ([], [], 10),
    ([0], [5], 10),
    ([0, 1, 2, 3], [100, 105, 120, None], 10),
    ([0, 1, 2], [None, None, None], 10),
    ([0, 2, 3, 5], [9, None, 9, 20, 0, 19], 0),
    ([0, 1, 2, 3, 4, 5], [50, 40, 60, 45, 55, 70], 10),        # dates out of document order
    (list(range(0, 60, 2)), [(k * 37) % 23 if k % 5 else None for k in range(60)], 3),
])
def test_close_pairs_are_the_pairs_within_the_window(docs, days, window):
    from graph.stories import close_pairs
    got = list(close_pairs(docs, days, window))
    assert len(got) == len(set(got)) and all(i < j for i, j in got)
    assert set(got) == _close_pairs_plainly(docs, days, window)


def test_folded_texts_handed_on_give_the_same_stories():
    """Folded texts given as ``graph.memory.taken(list)`` (each freed as it is normalized) give
    the stories of the same texts kept in a list, or folded by ``find_stories`` itself."""
    from graph.memory import taken
    from graph.text import fold

    docs = _jsonl("seed_documents.jsonl") + [{"url": "https://x.org/other", "published": "2025-09-05",
                                              "text": "今年的中秋节月饼价格上涨，商家推出新口味，月饼礼盒也更贵。" * 6}]
    docs = list(reversed(docs))     # (find_stories sorts them by URL: the folded texts follow)
    folded = [fold(d.get("text")) for d in docs]
    expected = find_stories(docs)
    assert expected and find_stories(docs, list(folded)) == expected
    assert find_stories(docs, taken(folded)) == expected
    assert folded == []
