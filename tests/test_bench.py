"""The benchmark (bench/generate.py, bench/run.py) on a small network: the generator is
deterministic and writes what the issue asks for (mirrors with different URL rules, GBK and
Big5 pages, Traditional reposts, truth), and one run of every phase gives the figures and the
accuracy the results files report."""
from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def generate():
    return _load("generate")


@pytest.fixture(scope="module")
def run():
    return _load("run")


def _tree(root: Path) -> dict:
    return {str(p.relative_to(root)): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_generator_is_deterministic(generate, tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out, seed in ((a, 0), (b, 0), (c, 1)):
        generate.Network(300, seed=seed).write(out)
    assert _tree(a) == _tree(b)
    assert _tree(a) != _tree(c)


def test_generator_writes_the_network_it_promises(generate, tmp_path):
    truth = generate.Network(300).write(tmp_path)
    pages = [p for p in (tmp_path / "pages").rglob("*") if p.is_file()]
    assert truth["documents"] == len(pages)
    mirror_sites = {m.split("/")[2] + "/" + m.split("/")[3] for m in truth["mirrors"]}
    assert len(mirror_sites) >= 3                         # several mirror sites ...
    assert len({m.rsplit(".", 1)[-1] for m in truth["mirrors"]} | {o.rsplit(".", 1)[-1] for o in truth["mirrors"].values()}) >= 3
    assert len({o.split("/")[2] for o in truth["mirrors"].values()}) >= 3   # ... of several original sites
    assert truth["reposts"] and truth["stories"]
    assert {"promotional", "navigation"} <= set(truth["link_classes"].values())
    assert any("?dfh" in u for u, c in truth["link_classes"].items() if c == "promotional")   # tracking tags
    raw = [p.read_bytes() for p in pages]
    not_utf8 = [d for d in raw if not _decodes(d, "utf-8")]
    assert any(_decodes(d, "gb18030") and b"charset" not in d[:200] for d in not_utf8)   # GBK, undeclared
    assert any(b'charset="gbk"' in d[:200] for d in not_utf8)                           # GBK, declared
    reposter = [p.read_bytes() for p in (tmp_path / "pages" / "reposter").rglob("*.html")]
    assert any(not _decodes(d, "utf-8") and _decodes(d, "big5") for d in reposter)       # Big5 reposts
    t2s = pytest.importorskip("opencc").OpenCC("t2s")
    reposts = [d.decode("big5" if not _decodes(d, "utf-8") else "utf-8", "replace") for d in reposter]
    assert reposts and all(t2s.convert(t) != t for t in reposts)                            # Traditional text


def _decodes(data: bytes, enc: str) -> bool:
    try:
        data.decode(enc)
        return True
    except UnicodeDecodeError:
        return False


def test_one_run_measures_every_phase_and_is_accurate(run, tmp_path, capsys):
    phases = ["parse", "floor", "naive", "crawl", "crawl1", "crawl2", "analyze", "analyze1", "reports"]
    row = run.bench_size(200, phases, 0, root=tmp_path)     # not into the project's bench/data
    truth = json.loads((tmp_path / "n200" / "truth.json").read_text("utf-8"))
    p = row["phases"]
    assert set(p) == set(phases)
    for ph in phases:
        assert p[ph]["seconds"] > 0 and p[ph]["peak_rss_mb"] > 0 and p[ph]["peak_pss_mb"] > 0, ph
    for ph in ("parse", "floor", "naive", "crawl", "crawl1"):
        assert p[ph]["documents"] == truth["documents"], ph
    assert p["crawl2"]["same_as_single_process"] is True
    assert p["analyze1"]["processes"] == 1 and row["analyze1_same_as_analyze"] is True
    for ratio in ("crawl_vs_floor_time", "crawl_vs_naive_speed", "speedup_workers", "speedup_2_processes",
                  "analyze_vs_crawl_time", "analysis_vs_crawl_time"):
        assert row[ratio] > 0, ratio
    # the analysis apart from the benchmark's pickle hand-over
    assert 0 < p["analyze"]["analysis_seconds"] < p["analyze"]["seconds"]
    assert 0 < p["analyze"]["analysis_peak_pss_mb"] <= p["analyze"]["peak_pss_mb"]
    # each analysis step alone (bench/steps.py) on the same records
    capsys.readouterr()
    _load("steps").main(str(tmp_path / "work200" / "linkprov"))
    steps = [line.split(" s  ", 1)[1] for line in capsys.readouterr().out.splitlines()]
    assert [s.split(" (")[0] for s in steps] == ["load", "link classes", "promotional clusters",
                                                  "mirrors", "stories and source mentions", "sources", "link edges",
                                                  "graph"]
    # the timeline of the analysis's processes (bench/timeline.py), forked steps included
    with open(tmp_path / "timeline.txt", "w") as fh:
        _load("timeline").main(str(tmp_path / "work200" / "linkprov"), workers=2, stream=fh)
    lines = (tmp_path / "timeline.txt").read_text().splitlines()[1:]
    # each step with the memory of its process after it (Linux: /proc/self/status)
    if Path("/proc/self/status").is_file():
        assert all(re.search(r": \d+\.\d s, RSS \d+ MB \(peak \d+ MB\)$", line) for line in lines), lines
    assert {tuple(line.split("ms", 1)[1].split(":")[0].split(None, 1)) for line in lines} == {
        ("MainProcess", s) for s in ("load documents", "load links", "link classes", "link edges", "graph",
                                     "waited for promotional clusters", "waited for mirrors",
                                     "waited for stories", "sources", "verdicts in the graph", "roles")} | {
        ("linkprov-mirrors", "mirrors"), ("linkprov-stories", "folded texts"), ("linkprov-stories", "stories"),
        ("linkprov-stories", "source mentions"),
        ("linkprov-promotional-clusters", "promotional clusters")}
    acc = row["accuracy"]
    assert acc["mirror_f1"] >= 0.95 and acc["promo_f1"] >= 0.95 and acc["story_purity"] >= 0.95, acc


def test_results_name_the_commit_they_measured(run):
    """A results file says which commit made it (``+``: with uncommitted changes)."""
    import subprocess
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BENCH.parent, capture_output=True, text=True)
    if head.returncode:
        pytest.skip("not a git checkout")
    assert run._commit() in (head.stdout.strip(), head.stdout.strip() + "+")


def test_analysis_digest_tells_analyses_apart(run):
    import networkx as nx

    def analysis(count=1, confidence=0.9):
        G = nx.MultiDiGraph()
        G.add_node("https://a.org/", kind="document")
        G.add_edge("https://a.org/", "https://b.org/", key="links_to:1", kind="links_to", count=count)
        return G, {"mirrors": [{"mirror": "https://a.org/", "confidence": confidence}]}

    same = run.analysis_digest(*analysis())
    assert same == run.analysis_digest(*analysis())
    assert len({same, run.analysis_digest(*analysis(count=2)), run.analysis_digest(*analysis(confidence=0.8))}) == 3


def test_edge_cost_orders_the_layouts():
    """bench/edgecost.py: a key string and a key dict per edge cost most of the adjacency;
    key dicts shared between equal edges bring a multigraph to a DiGraph's cost, and in-edges
    held as tuples below it."""
    cost = _load("edgecost").bytes_per_edge(3000)
    assert list(cost) == ["multidigraph", "multidigraph_kind_keys", "multidigraph_shared_keys", "digraph", "linkprov"]
    assert cost["multidigraph"] - cost["multidigraph_kind_keys"] > 40        # the key string
    assert cost["multidigraph_kind_keys"] > 2 * cost["multidigraph_shared_keys"]   # the key dict
    assert abs(cost["multidigraph_shared_keys"] - cost["digraph"]) < 5
    # what graph.build writes: shared key dicts, and in-edges as tuples (8 bytes, not a dict entry)
    assert cost["linkprov"] < cost["multidigraph_shared_keys"]
