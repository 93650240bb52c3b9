"""Pictures: Chinese labels render with no missing glyph, PNG bytes are stable, and the
provenance map aggregates at 500 entities."""
import warnings

import networkx as nx
import pytest

from matplotlib.backends.backend_agg import FigureCanvasAgg

from fixtures.reports.sample import D1, D2, make_graph, make_provenance
from reports import pictures
from reports.fonts import cjk_font

PNG = b"\x89PNG\r\n\x1a\n"


def _draw_all():
    G, P = make_graph(), make_provenance()
    out = [pictures.provenance_map(G, P), pictures.link_classes(G)]
    out += [pictures.document_picture(G, P, u) for u in pictures.seed_documents(G)]
    return out


def test_cjk_font_found():
    assert cjk_font() is not None, "install fonts-noto-cjk (scripts/setup.sh)"


def test_no_missing_glyph_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pngs = _draw_all()
    msgs = [str(w.message) for w in caught]
    assert not [m for m in msgs if "missing from" in m or "Glyph" in m], msgs
    assert all(p.startswith(PNG) for p in pngs)


def test_pngs_deterministic_without_date():
    a, b = _draw_all(), _draw_all()
    assert a == b
    assert all(b"Software" not in p and b"matplotlib" not in p.lower() for p in a)


def test_seed_documents_and_names():
    G = make_graph()
    assert pictures.seed_documents(G) == sorted(n for n, d in G.nodes(data=True) if d["kind"] == "document")
    G.nodes[D1]["depth"] = 1
    assert D1 not in pictures.seed_documents(G)
    assert pictures.doc_picture_name(D1) == pictures.doc_picture_name(D1 + "") != pictures.doc_picture_name(D1 + "x")


def test_map_data_of_sample():
    d = pictures.map_data(make_graph(), make_provenance())
    assert d["mirror_flows"] == {("github.com/1992513", "epochtimes.com"): 2, ("github.com/gfw-breaker", "minghui.org"): 1}
    assert d["promo_flows"] == {("github.com/1992513", "github.com/1992513", "c1"): 1,
                                ("github.com/1992513", "github.com/1992513", "c2"): 1,
                                ("github.com/gfw-breaker", "github.com/gfw-breaker", "c1"): 1,
                                ("github.com/gfw-breaker", "github.com/1992513", "c1"): 1}
    assert d["docs"] == {"github.com/1992513": 1, "github.com/gfw-breaker": 1, pictures.LOCAL: 1}


def _big(n):
    G, mirrors = nx.MultiDiGraph(), []
    for i in range(n):
        doc, orig = f"https://mirror{i}.org/p/{i}.md", f"https://news{i % 40}.com/a/{i}.htm"
        G.add_node(doc, kind="document", title=f"文章 {i}", role="mirror", depth=0)
        G.add_edge(doc, orig, key="links_to", kind="links_to", link_class="original")
        G.add_edge(doc, f"https://promo{i % 7}.net/x", key="links_to", kind="links_to", link_class="promotional")
        mirrors.append({"mirror": doc, "original": orig, "confidence": 0.9, "evidence": []})
    P = {"mirrors": mirrors, "promotional_clusters": [
        {"id": f"c{j}", "label": f"推广 {j}", "links": [f"https://promo{j}.net/x"], "entities": [], "pages": 1,
         "evidence": []} for j in range(7)]}
    return G, P


@pytest.mark.parametrize("n", [5, 500])
def test_provenance_map_scales(n):
    G, P = _big(n)
    data = pictures.map_data(G, P)
    assert len(data["docs"]) == n and sum(data["mirror_flows"].values()) == n
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = pictures.provenance_map(G, P, max_rows=14)
        png2 = pictures.link_classes(G)
    assert png.startswith(PNG) and png2.startswith(PNG)
    assert not [w for w in caught if "Glyph" in str(w.message) or "missing from" in str(w.message)]
    keep, rest = pictures._top(data["docs"], 14)
    assert len(keep) == min(n, 14) - (1 if n > 14 else 0) and len(keep) + len(rest) == n


def _crowded(n):
    """The sample graph with ``n`` extra sources (long quotes) and ``n`` extra promotional clusters on D1."""
    from fixtures.reports.sample import _edge
    G, P = make_graph(), make_provenance()
    for i in range(n):
        G.add_node(f"source:来源{i}", kind="source", source_kind="wire")
        _edge(G, D1, f"source:来源{i}", "cites", evidence=f"据来源{i}报道，" + "很长的引文" * 30)
        target = f"https://promo{i}.example/app"
        G.add_node(target, kind="url")
        _edge(G, D1, target, "links_to", link_class="promotional", count=1)
        _edge(G, target, f"cluster:x{i}", "member_of")
        P["promotional_clusters"].append({"id": f"x{i}", "label": "推广 " * 40, "links": [target],
                                          "entities": [f"promo{i}.example"], "pages": 1, "evidence": []})
    return G, P


def _text_boxes(fig):
    FigureCanvasAgg(fig)
    r = fig.canvas.get_renderer()
    return [(t.get_text(), t.get_window_extent(r)) for t in fig.texts if t.get_text()]


@pytest.mark.parametrize("n", [0, 1, 5, 40])
def test_document_picture_text_never_overlaps(n):
    G, P = _crowded(n)
    with pictures._rc():
        fig = pictures._document_figure(G, P, D1)
        boxes = _text_boxes(fig)
        W, H = fig.bbox.width, fig.bbox.height
    texts = [t for t, _ in boxes]
    overlaps = [(a, b) for i, (a, ba) in enumerate(boxes) for b, bb in boxes[i + 1:]
                if ba.x0 < bb.x1 - 1 and bb.x0 < ba.x1 - 1 and ba.y0 < bb.y1 - 1 and bb.y0 < ba.y1 - 1]
    assert not overlaps
    assert all(0 <= b.x0 and b.x1 <= W and 0 <= b.y0 and b.y1 <= H for _, b in boxes), "text leaves the picture"
    assert ("+{} more".format(n + 2 - 5) in texts) == (n + 2 > 5)       # 2 sample sources + n, 5 rows shown
    assert H <= 12 * 100                                                   # capped rows keep the picture bounded


def test_document_picture_story_and_empty_states():
    G, P = make_graph(), make_provenance()
    with pictures._rc():
        story = [t for t, _ in _text_boxes(pictures._document_figure(G, P, D1))]
        empty = [t for t, _ in _text_boxes(pictures._document_figure(G, P, D2))]
    # D1's story panel lists D2 (the Traditional Chinese + English text) 4 days later
    assert "story: the same event in 2 documents read (earliest 2025-09-04)" in story
    assert "+4 days" in story and "zh-Hant, en" in story and "earliest" in story
    assert any(t.startswith("this document: 法国总统马克龙") for t in story)
    assert "mirror of · confidence 0.97" in story
    # D2 names no original and has one content link: each empty panel says what was looked for
    assert "no original found, and no copy of it read" in empty
    assert "none of its 1 link joins a promotional cluster" in empty
    assert "Reuters (wire)" in empty and "1 link, by class" in empty


def test_document_context_shared():
    G, P = make_graph(), make_provenance()
    ctx = pictures.DocContext(G, P)
    assert pictures.document_picture(G, P, D1, context=ctx) == pictures.document_picture(G, P, D1)
    assert ctx.member == {"https://github.com/gfw-breaker/banned-news/blob/master/README.md": "c1",
                          "https://github.com/1992513/www/blob/master/README.md": "c1",
                          "https://raw.githubusercontent.com/1992513/www/master/t/djy/1.jpg": "c2"}
