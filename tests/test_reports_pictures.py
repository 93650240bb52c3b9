"""Pictures: Chinese labels render with no missing glyph, PNG bytes are stable, and the
provenance map aggregates at 500 entities."""
import warnings

import networkx as nx
import pytest

from fixtures.reports.sample import D1, make_graph, make_provenance
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
