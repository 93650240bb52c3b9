"""Query helpers on a fixture output folder (graph.graphml + provenance.json)."""
import pytest

from crawler.errors import LinkprovError, OutputError
from fixtures.reports.sample import C1, D1, D2, D3, O1, O3, P1, P2, R1, RO1, make_graph, make_manifest, make_provenance
from graph.query import Record, Table, load, normalize
from reports.run import write_reports


@pytest.fixture(scope="module")
def p(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    write_reports(out, make_graph(), make_provenance(), manifest=make_manifest())
    return load(out)


@pytest.mark.parametrize("url, expected", [
    (D1, O1),
    (D1 + "#1", O1),                                   # fragment ignored
    ("  " + D1.replace("https://github.com", "HTTPS://GitHub.com") + "  ", O1),
    (R1, RO1),                                         # rule-predicted mirror in the verdicts
    ("https://github.com/1992513/djy/blob/master/gb/26/1/2/n1.md", "https://www.epochtimes.com/gb/26/1/2/n1.htm"),  # rule only
    (D3, O3),
    ("https://www.minghui.org/mh/articles/2025/9/1/1.html", O3),   # http/https tolerated
    (O1, O1),                                          # an original is its own origin
    (D2, D2),
])
def test_origin(p, url, expected):
    assert p.origin(url) == expected
    assert type(p.origin(url)) is str


def test_mirrors(p):
    assert isinstance(p.mirrors(), Table) and len(p.mirrors()) == 3
    assert [m["mirror"] for m in p.mirrors(O1)] == [D1]
    assert [m["mirror"] for m in p.mirrors(D1 + "#x")] == [D1]
    assert p.mirrors("https://nowhere.example/") == []


def test_sources_cluster_story(p):
    assert [s["name"] for s in p.sources()] == ["Reuters", "大纪元"]
    assert [s["name"] for s in p.sources(D2)] == ["Reuters"]
    assert [c["id"] for c in p.cluster(P1)] == ["c1"]
    assert [c["id"] for c in p.cluster(D1)] == ["c1", "c2"]
    assert [c["id"] for c in p.cluster("cluster:c2")] == ["c2"]
    assert p.story(D2)["id"] == "s1" and p.story(O1)["id"] == "s1"
    assert p.story(C1) is None


def test_links_backlinks_entity(p):
    assert {(r["target"], r["link_class"]) for r in p.links(D1)} >= {(O1, "original"), (P2, "promotional")}
    assert {r["source"] for r in p.backlinks(P2)} == {D1, D3}
    e = p.entity(D1)
    assert isinstance(e, Record) and e["entity"] == "github.com/1992513" and e["role"] == "mirror"
    assert p.entity("epochtimes.com")["role"] == "original"
    assert p.entity("entity:minghui.org")["entity"] == "minghui.org"
    assert p.G.number_of_nodes() == make_graph().number_of_nodes()


def test_printing_is_readable(p):
    text = repr(p.mirrors())
    assert text.splitlines()[0].split()[:3] == ["mirror", "original", "confidence"]
    assert len(text.splitlines()) == 4
    assert repr(Table()) == "(none)"
    assert repr(p.entity(D1)).splitlines()[0] == "entity:    github.com/1992513"
    assert "Provenance" in repr(p) and "3 mirrors" in repr(p)


def test_to_dataframe_without_pandas_is_clear(p, monkeypatch):
    import builtins
    real = builtins.__import__

    def no_pandas(name, *a, **k):
        if name == "pandas":
            raise ImportError("no pandas")
        return real(name, *a, **k)
    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(LinkprovError, match="pip install pandas"):
        p.mirrors().to_dataframe()


@pytest.mark.parametrize("url, expected", [
    ("HTTP://Example.COM:80/a#b", "http://example.com/a"),
    ("https://example.com", "https://example.com/"),
    ("file:///tmp/a.txt#x", "file:///tmp/a.txt"),
    ("cluster:c1", "cluster:c1"),
])
def test_normalize(url, expected):
    assert normalize(url) == expected


def test_load_errors(tmp_path):
    with pytest.raises(OutputError, match="scrapy crawl seeds -a out="):
        load(tmp_path / "missing")
    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(OutputError, match="linkprov report"):
        load(tmp_path)
    (tmp_path / "provenance.json").write_text("{}")
    (tmp_path / "graph.graphml").write_text(
        '<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<graph edgedefault="directed"><node id="a"/></graph></graphml>')
    with pytest.raises(OutputError, match="older linkprov"):
        load(tmp_path)


def test_graph_load_is_lazy():
    import subprocess, sys
    code = "import sys, graph; assert 'graph.query' not in sys.modules; from graph import load; print(load.__module__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "graph.query"
