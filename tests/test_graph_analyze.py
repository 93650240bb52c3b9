import gc

import pytest

from graph.analyze import analyze_records
from graph.text import boilerplate_lines

_DOCS = [{"url": "https://github.com/o/r/blob/master/gb/1/n1.md", "text": "", "attributions": []}]
_LINKS = [{"source": _DOCS[0]["url"], "target": "https://www.ex.com/gb/1/n1.htm",
           "href": "https://www.ex.com/gb/1/n1.htm", "marker": "原文地址", "marker_kind": "original"}]


@pytest.mark.parametrize("enabled", [True, False])
def test_analysis_restores_the_collector(enabled):
    before = gc.get_threshold()
    (gc.enable if enabled else gc.disable)()
    try:
        G, p = analyze_records(_DOCS, _LINKS)
        assert (gc.get_threshold(), gc.isenabled(), gc.get_freeze_count()) == (before, enabled, 0)
        assert [m["original"] for m in p["mirrors"]] == ["https://www.ex.com/gb/1/n1.htm"]
    finally:
        gc.enable()


def test_analysis_restores_the_collector_after_an_error():
    before = gc.get_threshold()
    with pytest.raises(AttributeError):
        analyze_records([{"url": 1}], [])
    assert (gc.get_threshold(), gc.get_freeze_count()) == (before, 0)


@pytest.mark.parametrize("titles, min_docs, expected", [
    (["a", "b", "c", "d"], 3, {"home | news"}),    # four titles
    (["a", "a", "b", "b"], 3, set()),              # two titles: copies of two articles
    (["a", "a", "a", "a"], 1, {"home | news", "story"}),   # one title is enough for min_docs=1
    (["a", "a", "a", "a"], 2, set()),
    (["a", "b", "a", "b"], 2, {"home | news"}),
])
def test_boilerplate_counts_distinct_titles(titles, min_docs, expected):
    docs = [{"url": f"https://a.org/{i}", "title": t, "text": "Home | News\nstory" + ("" if min_docs == 1 else f" {i}")}
            for i, t in enumerate(titles)]
    assert boilerplate_lines(docs, min_docs=min_docs) == expected
