"""The `linkprov` command: help, version, clear errors (exit 2, no traceback), report, and
the shell driven through piped standard input."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.reports.sample import D1, O1, make_graph, make_manifest, make_provenance, write_records
from reports.cli import main
from reports.run import write_reports

LINKPROV = [sys.executable, "-c", "import sys; from reports.cli import main; sys.exit(main())"]
ROOT = Path(__file__).resolve().parent.parent


def run(args, stdin=""):
    return subprocess.run(LINKPROV + list(args), input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120)


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    d = tmp_path_factory.mktemp("out")
    write_records(d)
    write_reports(d, make_graph(), make_provenance(), manifest=make_manifest())
    return d


def test_shell_piped_stdin_prints_origin(out):
    r = run(["shell", str(out)], f'print(origin("{D1}"))\n')
    assert r.returncode == 0, r.stderr
    assert r.stdout == O1 + "\n"
    assert "origin(url)" in r.stderr and "backlinks(url)" in r.stderr    # the banner, on stderr


def test_shell_expressions_and_errors(out):
    r = run(["shell", "-q", str(out)], f'len(mirrors())\nfor m in mirrors("{O1}"):\n    print(m["mirror"])\n\n1/0\n')
    assert r.stdout.splitlines() == ["3", D1]
    assert "ZeroDivisionError" in r.stderr and r.stderr.count("origin(url)") == 0
    assert r.returncode == 1


@pytest.mark.parametrize("args, message", [
    (["report", "{tmp}/nowhere"], "no crawl records in {tmp}/nowhere: run `scrapy crawl seeds -a out={tmp}/nowhere` first"),
    (["report", "{tmp}"], "no crawl records in {tmp}: run `scrapy crawl seeds -a out={tmp}` first (missing manifest"),
    (["shell", "{tmp}"], "no crawl records in {tmp}: run `scrapy crawl seeds -a out={tmp}` first"),
])
def test_errors_exit_2_without_traceback(tmp_path, capsys, args, message):
    code = main([a.format(tmp=tmp_path) for a in args])
    err = capsys.readouterr().err
    assert code == 2
    assert message.format(tmp=tmp_path) in err and "Traceback" not in err


def test_older_output_is_named(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text(json.dumps({"files": []}))
    (tmp_path / "documents.jsonl").write_text("")
    assert main(["report", str(tmp_path)]) == 2
    assert "older linkprov" in capsys.readouterr().err
    (tmp_path / "manifest.json").write_text(json.dumps(make_manifest()))
    (tmp_path / "documents.jsonl").write_text('{"uri": "https://a.example/"}\n')
    assert main(["report", str(tmp_path)]) == 2
    assert "older linkprov" in capsys.readouterr().err


def test_help_and_version():
    r = run(["--help"])
    assert r.returncode == 0 and "report" in r.stdout and "shell" in r.stdout and "examples:" in r.stdout
    r = run(["shell", "--help"])
    assert r.returncode == 0 and "origin(url)" in r.stdout and "piped" in r.stdout
    r = run(["--version"])
    assert r.returncode == 0 and r.stdout.startswith("linkprov ")
    assert run([]).returncode == 2


def test_report_rebuilds_without_crawling(tmp_path):
    """`linkprov report` runs the real analysis on crawl records and writes every output."""
    pytest.importorskip("graph.analyze")
    write_records(tmp_path)
    r = run(["report", "-q", str(tmp_path)])
    assert r.returncode == 0, r.stderr
    assert "Glyph" not in r.stderr and "missing from" not in r.stderr
    for name in ("provenance.json", "graph.graphml", "graph.gexf", "nodes.csv", "edges.csv", "report.html",
                 "provenance_map.png", "link_classes.png"):
        assert (tmp_path / name).is_file(), name
    first = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert run(["report", "-q", str(tmp_path)]).returncode == 0
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == first


@pytest.mark.parametrize("args, workers", [([], None), (["-j", "1"], 1), (["--workers", "2"], 2)])
def test_report_workers_reach_the_analysis_and_the_pictures(tmp_path, monkeypatch, args, workers):
    """`linkprov report -j N`: N processes for the analysis steps and the pictures alike
    (1: everything in this process, the least memory)."""
    import graph.analyze
    import reports.run

    seen = {}
    real_analyze, real_write = graph.analyze.analyze, reports.run.write_reports

    def analyze(out, **kw):
        seen["analyze"] = kw.get("workers", "missing")
        return real_analyze(out, **kw)

    def write_reports(out, G, provenance, **kw):
        seen["write_reports"] = kw.get("workers", "missing")
        return real_write(out, G, provenance, **kw)

    monkeypatch.setattr(graph.analyze, "analyze", analyze)
    monkeypatch.setattr(reports.run, "write_reports", write_reports)
    write_records(tmp_path)
    assert main(["report", "-q", *args, str(tmp_path)]) == 0
    assert seen == {"analyze": workers, "write_reports": workers}
    assert (tmp_path / "provenance.json").is_file()
