import pytest

from graph.mirrors import (apply_rules, combine, explicit_pairs, find_mirrors, host_pairs, learn_rules,
                           near_duplicates)
from graph.verdicts import Verdict

M = "https://mirror.example.net/a/1.html"
O = "https://orig.example.com/news/1.html"


def _link(target, **kw):
    base = {"source": M, "target": target, "href": target, "tag": "a", "attribute": "href"}
    base.update(kw)
    return base


@pytest.mark.parametrize("doc, links, signal", [
    ({"url": M, "text": ""}, [_link(O, tag="link", rel="canonical")], "canonical"),
    ({"url": M, "text": ""}, [_link(O, tag="meta", attribute="content", rel="og:url")], "og:url"),
    ({"url": M, "text": ""}, [_link(O, marker="原文链接", marker_kind="original")], "original_link"),
    ({"url": M, "text": "", "attributions": [{"kind": "original", "marker": "本文转自", "text": "本文转自 x",
                                              "name": None, "url": O}]}, [], "attribution"),
    ({"url": M, "text": "Originally published at https://orig.example.com/news/1.html."}, [], "statement"),
    ({"url": M, "text": "Source: https://orig.example.com/news/1.html"}, [], "statement"),
    ({"url": M, "text": "原文地址（需翻墙访问）：https://orig.example.com/news/1.html"}, [], "statement"),
    ({"url": M, "text": "瀏覽原文：https://orig.example.com/news/1.html"}, [], "statement"),  # Traditional
    ({"url": M, "text": "See https://orig.example.com/news/1.html for more"}, [], None),  # no marker
])
def test_each_explicit_signal(doc, links, signal):
    pairs, publishers = explicit_pairs([doc], links)
    got = {(p["mirror"], p["original"], e["signal"]) for p in pairs for e in p["evidence"]}
    assert got == ({(M, O, signal)} if signal else set())
    assert publishers == []


O2 = "https://orig.example.com/news/2.html"


@pytest.mark.parametrize("links, expected", [
    # the same rel on an <a> and on a <link>: canonical only from the <link>, whichever comes first
    ([_link(O, rel="canonical"), _link(O2, tag="link", rel="canonical")], {(O2, "canonical")}),
    ([_link(O2, tag="link", rel="canonical"), _link(O, rel="canonical")], {(O2, "canonical")}),
    # og:url named by any of the fields, as a word
    ([_link(O, tag="meta", attribute="og:url"), _link(O2, tag="meta", title="x og:url")],
     {(O, "og:url"), (O2, "og:url")}),
    ([_link(O, tag="link", rel="alternate Canonical"), _link(O2, tag="link", rel="noncanonical")], {(O, "canonical")}),
    # a field that is not a string (odd records): read as absent, the run goes on
    ([_link(O, tag="link", rel=["canonical"]), _link(O2, tag="link", rel="canonical")], {(O2, "canonical")}),
])
def test_meta_links_by_their_fields(links, expected):
    pairs, _ = explicit_pairs([{"url": M, "text": ""}], links)
    assert {(p["original"], e["signal"]) for p in pairs for e in p["evidence"]} == expected


def test_self_and_home_page_statements_are_not_pairs():
    links = [_link(M, tag="link", rel="canonical"),
             _link("https://www.epochtimes.com/", marker="本文转自", marker_kind="original")]
    pairs, publishers = explicit_pairs([{"url": M, "text": ""}], links)
    assert pairs == []
    assert {(p["document"], p["entity"]) for p in publishers} == {(M, "epochtimes.com")}


SEED_M = "https://github.com/1992513/djy/blob/master/gb/25/9/4/n14587530.md"
SEED_O = "https://www.epochtimes.com/gb/25/9/4/n14587530.htm"


def test_a_rules_verdicts_share_one_evidence_item():
    """Rule evidence is one read-only item per rule and support, not a copy per verdict (at
    100k pages most verdicts are a rule's predictions)."""
    rules = learn_rules([(SEED_M, SEED_O)])
    urls = [f"https://github.com/1992513/djy/blob/master/gb/25/2/25/n{i}.md" for i in range(5)]
    got = apply_rules(rules, urls)
    assert [p["evidence"] for p in got] == [[{
        "signal": "url_rule", "weight": 0.5, "detail": "https://github.com/1992513/djy/blob/master/{path}.md -> "
                                                      "https://www.epochtimes.com/{path}.htm (support 1)"}]] * 5
    assert len({id(p["evidence"][0]) for p in got}) == 1 and len({id(p["evidence"]) for p in got}) == 5
    found = find_mirrors([{"url": SEED_M, "text": ""}], [{"source": SEED_M, "target": SEED_O, "href": SEED_O,
                                                          "marker_kind": "original"}] +
                         [{"source": SEED_M, "target": u, "href": u} for u in urls])
    predicted = [m for m in found["mirrors"] if m["mirror"] in urls]
    assert len(predicted) == 5 and len({id(m.payload) for m in predicted}) == 1   # one payload for all
    assert {type(m) for m in found["mirrors"]} == {Verdict}


def test_seed_rule_learned_and_predicts():
    rules = learn_rules([(SEED_M, SEED_O)])
    assert [(r.mirror, r.original, r.support, r.predictive) for r in rules] == [
        ("https://github.com/1992513/djy/blob/master/{path}.md", "https://www.epochtimes.com/{path}.htm", 1, True)]
    assert rules[0].confidence == 0.5
    got = {(p["mirror"], p["original"]) for p in apply_rules(rules, [
        "https://github.com/1992513/djy/blob/master/gb/25/2/25/n14445001.md",
        "https://github.com/1992513/djy/blob/master/gb/18/10/27/n10812623.md?dfh#1",
        "https://github.com/1992513/www/blob/master/README.md",       # other repository
        "https://github.com/1992513/djy/blob/master/gb/nf1351518.md",  # not the article shape
        "https://github.com/1992513/djy/blob/master/gb/25/2/25/n1.html",  # other suffix
    ])}
    assert got == {
        ("https://github.com/1992513/djy/blob/master/gb/25/2/25/n14445001.md",
         "https://www.epochtimes.com/gb/25/2/25/n14445001.htm"),
        ("https://github.com/1992513/djy/blob/master/gb/18/10/27/n10812623.md?dfh#1",
         "https://www.epochtimes.com/gb/18/10/27/n10812623.htm"),
    }


@pytest.mark.parametrize("pairs, mirror, original, support, predictive", [
    # only an ID is shared: slug and date parts differ between pairs -> wildcards, no prediction
    ([("https://github.com/x/mh/blob/master/pages/87/402912.md",
       "http://www.minghui.org/mh/articles/2020/3/25/病毒疫情--402912.html"),
      ("https://github.com/x/mh/blob/master/pages/328/102923.md",
       "http://www.minghui.org/mh/articles/2005/5/31/102923.html")],
     "https://github.com/x/mh/blob/master/pages/{*}/{id}.md",
     "http://www.minghui.org/mh/articles/{*}/{*}/{*}/{*}{id}.html", 2, False),
    # shared tail of several segments, swapped suffix
    ([("https://gitlab.com/o/r/-/raw/main/a/b/c.md", "https://news.example.org/a/b/c.html"),
      ("https://gitlab.com/o/r/-/raw/main/x/y/z.md", "https://news.example.org/x/y/z.html")],
     "https://gitlab.com/o/r/-/raw/main/{path}.md", "https://news.example.org/{path}.html", 2, True),
    # an ID inside a query-free path, same ID token in a differently shaped original
    ([("https://mirror.example.net/copy/item-55501.html", "https://orig.example.com/story/55501/index.html")],
     "https://mirror.example.net/copy/item-{id}.html", "https://orig.example.com/story/{id}/index.html", 1, True),
])
def test_rule_generalisation(pairs, mirror, original, support, predictive):
    rules = learn_rules(pairs)
    assert [(r.mirror, r.original, r.support, r.predictive) for r in rules] == [
        (mirror, original, support, predictive)]
    for m, o in pairs:
        assert rules[0].matches_pair(m, o)


def test_non_predictive_rule_predicts_nothing():
    rules = learn_rules([("https://m.net/p/1/4021.md", "https://o.com/2020/a-4021.html"),
                         ("https://m.net/p/2/4022.md", "https://o.com/2021/b-4022.html")])
    assert rules and not rules[0].predictive
    assert apply_rules(rules, ["https://m.net/p/3/4023.md"]) == []


def test_rule_confidence_grows_with_support():
    pairs = [(f"https://m.net/r/{i}/n{i}0000.md", f"https://o.com/{i}/n{i}0000.htm") for i in range(1, 5)]
    assert [r.confidence for r in learn_rules(pairs[:1])] == [0.5]
    assert [r.confidence for r in learn_rules(pairs)] == [0.8]


BODY = "法国总统马克龙宣布二十六个国家承诺在停火后向乌克兰部署保障部队，这是欧洲安全保障的重要一步。" * 3


@pytest.mark.parametrize("docs, expected", [
    # direction from dates: the earlier one is the original
    ([{"url": "https://a.org/1", "text": BODY, "published": "2025-09-04"},
      {"url": "https://b.org/1", "text": BODY.replace("马克龙", "馬克龍"), "published": "2025-09-08"}],
     {("https://b.org/1", "https://a.org/1")}),
    # no date, no known roles: a near-duplicate but no direction, so no mirror verdict
    ([{"url": "https://a.org/1", "text": BODY}, {"url": "https://b.org/1", "text": BODY}], set()),
    # different texts
    ([{"url": "https://a.org/1", "text": BODY, "published": "2025-09-04"},
      {"url": "https://b.org/1", "text": "A different story about the weather in Paris today and tomorrow.",
       "published": "2025-09-08"}], set()),
])
def test_near_duplicate_signal(docs, expected):
    r = find_mirrors(docs, [])
    assert {(m["mirror"], m["original"]) for m in r["mirrors"]} == expected
    assert all(e["signal"] == "near_duplicate" for m in r["mirrors"] for e in m["evidence"])


def test_near_duplicates_pairs():
    docs = [{"url": "https://a.org/1", "text": BODY}, {"url": "https://b.org/1", "text": BODY},
            {"url": "https://c.org/1", "text": "短"}]
    assert {(p["a"], p["b"]) for p in near_duplicates(docs)} == {("https://a.org/1", "https://b.org/1")}


def test_near_duplicate_directed_by_publisher_entity():
    docs = [{"url": "https://www.epochtimes.com/gb/1.htm", "text": BODY},
            {"url": "https://copy.example.net/1", "text": BODY}]
    r = find_mirrors(docs, [], publisher_entities={"epochtimes.com"})
    assert {(m["mirror"], m["original"]) for m in r["mirrors"]} == {
        ("https://copy.example.net/1", "https://www.epochtimes.com/gb/1.htm")}


def test_unattributed_copy_of_an_attributed_mirror_points_to_the_stated_original():
    # m states its original; r (a Traditional repost, no statement, on another site) shares m's
    # text: r mirrors the stated original, and the known mirror m is never r's "original"
    m = "https://github.com/acct/news/blob/master/1.md"
    docs = [{"url": m, "text": BODY, "published": "2025-09-05"},
            {"url": "https://reposts.example.org/1", "text": BODY.replace("马克龙", "馬克龍"), "published": "2025-09-04"}]
    links = [{"source": m, "target": "https://www.o.com/1.htm", "href": "https://www.o.com/1.htm",
              "marker_kind": "original"}]
    r = find_mirrors(docs, links)
    assert {(v["mirror"], v["original"]) for v in r["mirrors"]} == {
        (m, "https://www.o.com/1.htm"), ("https://reposts.example.org/1", "https://www.o.com/1.htm")}


def test_host_pairs():
    ms = [{"mirror": f"https://github.com/a/r/blob/master/{i}.md", "original": f"https://www.o.com/{i}.htm"}
          for i in range(3)] + [{"mirror": "https://x.net/1", "original": "https://www.o.com/9.htm"}]
    assert {(h["mirror"], h["original"], h["documents"]) for h in host_pairs(ms)} == {("github.com/a", "o.com", 3)}


@pytest.mark.parametrize("evidence, expected", [
    ([{"signal": "original_link"}], 0.9),
    ([{"signal": "original_link"}, {"signal": "statement"}, {"signal": "attribution"}], 0.9),  # one family
    ([{"signal": "canonical"}, {"signal": "original_link"}], 0.99),
    ([{"signal": "url_rule", "weight": 0.5}], 0.5),
])
def test_combine(evidence, expected):
    assert combine(evidence) == expected


def test_rules_corroborate_stated_pairs_but_not_themselves():
    docs = [{"url": f"https://github.com/o/r/blob/master/gb/{i}/n{i}000.md", "text": ""} for i in (1, 2)]
    links = [{"source": d["url"], "target": d["url"].replace("github.com/o/r/blob/master", "www.ex.com")
              .replace(".md", ".htm"), "href": "x", "marker_kind": "original"} for d in docs]
    r = find_mirrors(docs, links)
    by = {m["mirror"]: m for m in r["mirrors"]}
    assert [x["support"] for x in r["mirror_rules"]] == [2]
    for d in docs:
        assert {e["signal"] for e in by[d["url"]]["evidence"]} == {"original_link", "url_rule"}
        assert "(support 1)" in [e for e in by[d["url"]]["evidence"] if e["signal"] == "url_rule"][0]["detail"]


@pytest.mark.parametrize("first, last, expected", [
    ("Completely unrelated words about the weather and gardens today.", None, [1.0]),   # the last record's text counts
    (None, "Completely unrelated words about the weather and gardens today.", []),
])
def test_near_duplicates_url_given_twice(first, last, expected):
    body = "這是一篇關於鏡像網站如何轉載新聞的長篇文章，內容完全相同，沒有任何改動。" * 3
    docs = [{"url": "https://a.org/1", "text": first or body},
            {"url": "https://c.org/1", "text": "Another text entirely, on football scores and league tables."},
            {"url": "https://a.org/1", "text": last or body},
            {"url": "https://b.org/1", "text": body}]
    pairs = near_duplicates(docs)
    assert [p["jaccard"] for p in pairs if (p["a"], p["b"]) == ("https://a.org/1", "https://b.org/1")] == expected


def _released_docs():
    """Copies of one article: one states its original in its text, one shares a template line
    with another page of its site (boilerplate), one is an unrelated page."""
    template = "Home | News | 關於我們"
    return [
        {"url": "https://m.org/1", "text": f"{template}\n{BODY}\n原文地址：https://www.epochtimes.com/gb/1.htm"},
        {"url": "https://m.org/2", "text": f"{template}\nA different story about the weather in Paris today."},
        {"url": "https://m.org/3", "text": f"{template}\nFootball scores and league tables of the weekend."},
        {"url": "https://r.org/1", "text": BODY},
        {"url": "https://www.epochtimes.com/gb/1.htm", "text": BODY, "published": "2025-09-04"},
    ]


def _released_links():
    return [{"source": "https://r.org/1", "target": "https://www.epochtimes.com/gb/1.htm", "tag": "link",
             "rel": "canonical", "attribute": "href", "href": "https://www.epochtimes.com/gb/1.htm"},
            {"source": "https://m.org/1", "target": "https://m.org/9", "tag": "a", "href": "/9"}]


def test_released_records_give_the_same_mirrors():
    """``release_texts`` and ``release_links`` (a caller that owns the records) remove each
    text once read, after the statements in it, and empty the links once their statements and
    targets are read: the same verdicts (a rule's prediction for a link target among them)
    and near-duplicates."""
    kept, released = (_released_docs(), _released_links()), (_released_docs(), _released_links())
    expected = find_mirrors(*kept)
    got = find_mirrors(*released, release_texts=True, release_links=True)
    assert {(m["mirror"], m["original"]) for m in got["mirrors"]} >= {    # stated, canonical, predicted
        ("https://m.org/1", "https://www.epochtimes.com/gb/1.htm"),
        ("https://r.org/1", "https://www.epochtimes.com/gb/1.htm"),
        ("https://m.org/9", "https://www.epochtimes.com/gb/9.htm")}
    assert [dict(m) for m in got["mirrors"]] == [dict(m) for m in expected["mirrors"]]
    assert got["near_duplicates"] == expected["near_duplicates"]
    assert [d for d in released[0] if "text" in d] == [] and released[1] == []
    assert kept == (_released_docs(), _released_links())    # without them, the records are left as they are
