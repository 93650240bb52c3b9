"""graph.promo: link classes, promotional signals and cross-promotion clusters."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.promo import (
    classify_links,
    is_share_service,
    is_shortener,
    link_classes,
    link_signals,
    promo_keywords,
    promotional_clusters,
    tracking_tags,
)

FIX = Path(__file__).parent / "fixtures" / "graph_promo"
SEED = "https://github.com/1992513/djy/blob/master/gb/25/9/4/n14587530.md"


def _jsonl(name):
    return [json.loads(line) for line in (FIX / name).read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def seed():
    docs, links = _jsonl("seed_documents.jsonl"), _jsonl("seed_links.jsonl")
    return docs, links, link_classes(docs, links)


@pytest.fixture(scope="module")
def corpus():
    docs, links = _jsonl("corpus_documents.jsonl"), _jsonl("corpus_links.jsonl")
    return docs, links, link_classes(docs, links)


def L(target, anchor="", block="p[0]", source="https://a.org/n/1", **kw):
    """A link record with the LinkItem fields the classifier reads."""
    rec = {"source": source, "target": target, "href": kw.pop("href", target), "anchor_text": anchor,
           "block": block, "tag": "a", "attribute": "href", "scheme_kind": "url", "via": "attribute",
           "media": False, "context": "", "position": 0}
    rec.update(kw)
    return rec


# ------------------------------------------------------------------ per-link signals

@pytest.mark.parametrize("url, tags", [
    ("https://a.org/x.md?dfh#1", ["dfh"]),
    ("https://a.org/x?utm_source=tw&utm_medium=s", ["utm_medium", "utm_source"]),
    ("https://a.org/x?t=0", ["t=0"]),
    ("https://a.org/x?t=5", []),
    ("https://a.org/search?q=vpn&page=2", []),
    ("https://a.org/x?fbclid=abc", ["fbclid"]),
    ("https://a.org/x", []),
    ("https://a.org/x?averyveryverylongflag", []),
])
def test_tracking_tags(url, tags):
    assert tracking_tags(url) == tags


@pytest.mark.parametrize("anchor, url, cats", [
    ("翻墙软件", None, {"circumvention"}),
    ("翻牆軟件", None, {"circumvention"}),          # Traditional folded to Simplified
    ("禁闻聚合安卓版", None, {"app"}),
    ("Get it on Google Play", None, {"app"}),
    ("Web代理", None, {"circumvention"}),
    ("新闻", "https://github.com/gfw-breaker/nogfw/blob/master/README.md", {"circumvention"}),
    ("x", "https://example.org/app-release.apk", {"app"}),
    ("Proxy war in Ukraine", "https://news.org/proxy-war", set()),
    ("俄乌战争三周年 联合国通过多项不同决议", "https://a.org/25/2/25/n1.md", set()),
])
def test_promo_keywords(anchor, url, cats):
    assert {c for c, _ in promo_keywords(anchor, url=url)} == cats


@pytest.mark.parametrize("url, short, share", [
    ("https://git.io/ogatea2", True, False),
    ("https://www.bit.ly/x", True, False),
    ("https://github.com/a", False, False),
    ("https://quickchart.io/qr?size=256&text=https://a.org/x", False, True),
    ("https://twitter.com/intent/tweet?url=https://a.org/x", False, True),
    ("https://twitter.com/someone", False, False),
])
def test_shortener_and_share(url, short, share):
    assert (is_shortener(url), is_share_service(url)) == (short, share)


def test_link_signals_collect_all():
    sig = link_signals(L("https://git.io/x", "网门安卓版", href="https://git.io/x?utm_source=a"))
    assert {s["signal"] for s in sig} == {"keyword:app", "shortener", "tracking"}


# ------------------------------------------------------------------ fixed classes

@pytest.mark.parametrize("link, cls", [
    (L("https://a.org/n/1", href="#top", scheme_kind="fragment"), "self"),
    (L("https://a.org/n/1#x"), "self"),
    (L("https://b.org/x.htm", "原文", marker="原文地址", marker_kind="original"), "original"),
    (L("https://a.org/n/1", marker="分享本文章", marker_kind="share"), "share"),
    (L("https://a.org/n/1", via="embedded", tag="img", attribute="src?text"), "share"),
    (L("https://quickchart.io/qr?text=x", tag="img", attribute="src"), "share"),
    (L("https://a.org/i.jpg", tag="img", attribute="src", media=True), "media"),
    (L("https://a.org/s.css", tag="link", rel="stylesheet"), "media"),
    (L("https://a.org/big.jpg", "", tag="ok", media=True), "media"),
    ({**L(None, href="mailto:x@a.org"), "scheme_kind": "mailto"}, "content"),
    # a stated-original marker next to a circumvention link belongs to the text, not the link
    (L("https://a.org/README.md", "翻墙软件", marker="本文转自", marker_kind="original"), "promotional"),
    # canonical / og:url: the document itself, or the original it names as its own URL
    (L("https://a.org/n/1", tag="link", rel="canonical"), "self"),
    (L("https://b.org/orig/1", tag="link", rel="canonical"), "original"),
    (L("https://b.org/orig/1", tag="meta", attribute="content", rel="og:url"), "original"),
])
def test_fixed_classes(link, cls):
    assert link_classes([{"url": "https://a.org/n/1"}], [link]) == [cls]


def test_banner_link_is_not_media():
    links = [L(f"https://a.org/n/{i}.md?dfh", f"b{i}", block="td[1]", media=True, alt=f"banner {i}")
             for i in range(2, 6)]
    assert set(link_classes([{"url": "https://a.org/n/1"}], links)) == {"promotional"}


# ------------------------------------------------------------------ blocks

def _pages(n, make):
    docs = [{"url": f"https://site.org/n/{p}"} for p in range(n)]
    return docs, [link for p in range(n) for link in make(p, docs[p]["url"])]


def test_same_site_bar_is_navigation_article_link_is_content():
    docs, links = _pages(1, lambda p, u: [
        *[L(f"https://site.org/sec/{k}", f"栏目{k}", block="div[0]", source=u, context="|" if k else "")
          for k in range(6)],
        L("https://other.org/report", "报告", block="div[1]/p[3]", source=u,
          context="据联合国周三发表的一份关于难民处境的详细报告显示，"),
    ])
    assert link_classes(docs, links) == ["navigation"] * 6 + ["content"]


def test_recurring_cross_entity_template_is_promotional():
    bar = [("https://github.com/b/home", "首页"), ("https://c.org/books", "好书"), ("https://d.org/", "推荐")]
    docs, links = _pages(4, lambda p, u: [
        *[L(t, a, block="md[3]", source=u, context="|" if k else "") for k, (t, a) in enumerate(bar)],
        L(f"https://e.org/a/{p}", "原文报道", block="md[5]", source=u,
          context="这篇报道在发表后引起了广泛的关注和讨论，多家媒体转载了"),
    ])
    res = classify_links(docs, links)
    assert [r["class"] for r in res] == (["promotional"] * 3 + ["content"]) * 4
    assert "template_block" in {e["signal"] for e in res[0]["evidence"]}


def test_recurring_bar_within_site_is_navigation():
    bar = [(f"https://site.org/sec/{k}", f"栏目{k}") for k in range(4)]
    docs, links = _pages(3, lambda p, u: [L(t, a, block="nav[0]", source=u) for t, a in bar])
    res = classify_links(docs, links)
    assert {r["class"] for r in res} == {"navigation"}
    assert all("template_block" in {e["signal"] for e in r["evidence"]} for r in res)


def test_rotating_bar_caught_by_position_and_shape():
    # the "hot news" items change on every page, the block and its shape stay
    docs, links = _pages(4, lambda p, u: [
        L(f"https://other{p}{k}.org/story", f"热门{p}{k}", block=f"td[1]/li[{k}]", source=u) for k in range(5)
    ])
    res = classify_links(docs, links)
    assert all("template_block" in {e["signal"] for e in r["evidence"]} for r in res)
    assert {r["class"] for r in res} == {"promotional"}     # cross-entity + recurring


def test_glossary_links_in_prose_stay_content_although_they_recur():
    gl = "http://www.minghui.org/mh/glossary.html"
    docs, links = _pages(5, lambda p, u: [
        L(gl, "迫害", block="div[0]/p[4]", source=u, tag="ok", context="其实，用欺骗来煽动仇恨是中共打击异己的一贯做法。在中共"),
        L(gl, "法轮功", block="div[0]/p[4]", source=u, tag="ok", context="煽动仇恨是中共打击异己的一贯做法。在中共迫害"),
    ])
    assert set(link_classes(docs, links)) == {"content"}


# ------------------------------------------------------------------ fixtures (seed + corpus)

def test_seed_sidebar_circumvention_and_original(seed):
    docs, links, classes = seed
    by = {}
    for link, c in zip(links, classes):
        by.setdefault((link["href"], link.get("anchor_text") or ""), set()).add(c)
    dfh = {k: v for k, v in by.items() if "?dfh" in k[0]}
    assert len(dfh) >= 20 and all(v == {"promotional"} for v in dfh.values())
    fq = {k: v for k, v in by.items() if k[0].startswith("https://github.com/1992513/www/blob/master/README.md#8")}
    assert fq and all(v == {"promotional"} for v in fq.values())
    assert by[("https://www.epochtimes.com/gb/25/9/4/n14587530.htm", "多国峰会商讨乌克兰安全保障 美国态度成关键")] == {"original"}
    img = {c for link, c in zip(links, classes) if link["tag"] == "img" and "raw.githubusercontent" in link["href"]}
    assert img == {"media"}


def test_seed_site_sections_are_navigation(seed):
    docs, links, classes = seed
    sections = {c for link, c in zip(links, classes)
                if link["tag"] == "a" and link.get("alt") in {"国际新闻", "大陆新闻", "健康"}}
    assert sections == {"navigation"}


def test_corpus_bars_and_article_links(corpus):
    docs, links, classes = corpus
    bars = [c for link, c in zip(links, classes) if link["via"] == "markdown"]
    article = [c for link, c in zip(links, classes) if link["tag"] == "ok"]
    assert bars and sum(c in ("navigation", "promotional") for c in bars) >= 0.97 * len(bars)
    assert article and sum(c != "promotional" for c in article) >= 0.95 * len(article)
    original = {c for link, c in zip(links, classes) if link.get("marker_kind") == "original"}
    assert original == {"original"}


def test_corpus_accounts_form_one_cluster(corpus):
    docs, links, classes = corpus
    clusters = promotional_clusters(docs, links, classes)
    assert len(clusters) == 1
    c = clusters[0]
    assert {"github.com/gfw-breaker", "github.com/begood0513", "github.com/labour-camp"} <= set(c["entities"])
    assert c["pages"] == len(docs)
    assert {"id", "label", "links", "entities", "pages", "evidence"} == set(c)
    assert "首页" in c["label"]


# ------------------------------------------------------------------ clusters

def _network(owner, partners, pages, block="md[1]"):
    docs = [{"url": f"https://github.com/{owner}/site/blob/master/{p}.md"} for p in range(pages)]
    links = [L(f"https://github.com/{t}/x", f"推荐{t}", block=block, source=d["url"], context="|")
             for d in docs for t in partners]
    return docs, links


def test_two_networks_two_clusters():
    d1, l1 = _network("a", ["b", "c", "d"], 3)
    d2, l2 = _network("x", ["y", "z"], 3)
    clusters = promotional_clusters(d1 + d2, l1 + l2)
    assert {frozenset(c["entities"]) for c in clusters} == {
        frozenset({"github.com/a", "github.com/b", "github.com/c", "github.com/d"}),
        frozenset({"github.com/x", "github.com/y", "github.com/z"}),
    }
    assert [c["id"] for c in clusters] == sorted(c["id"] for c in clusters)


def test_clusters_deterministic_and_empty():
    d, l = _network("a", ["b", "c"], 3)
    assert promotional_clusters(d, l) == promotional_clusters(list(d), list(l))
    assert promotional_clusters([{"url": "https://a.org/1"}], [L("https://a.org/2", "x")]) == []
