"""Determinism: the same inputs give byte-identical outputs whatever the order of the seeds,
the folder they sit in, the hash seed, the time zone, the locale and the crawl concurrency.

The inputs (the bundled seeds, 20 corpus pages under a mount, a WARC of 3 more pages) are
copied into two differently named temporary folders; both crawls run the full analysis.
"""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import CORPUS_PREFIX, PROJECT_ROOT

SPEC_FILES = ("documents.jsonl", "links.jsonl", "manifest.json", "provenance.json", "graph.graphml")


def _make_inputs(where: Path, corpus: Path) -> Path:
    pages = sorted(p for p in (corpus / "pages").rglob("*.md"))
    shutil.copytree(PROJECT_ROOT / "seeds", where / "seeds")
    for page in pages[:20]:
        dest = where / "pages" / page.relative_to(corpus / "pages")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(page, dest)
    with open(where / "archive.warc.gz", "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for page in pages[20:23]:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/markdown; charset=utf-8")],
                                       protocol="HTTP/1.1")
            url = "https://archive.example/" + page.relative_to(corpus / "pages").as_posix()
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(page.read_bytes()),
                                                          http_headers=headers))
    return where


@pytest.fixture(scope="module")
def two_runs(run_crawl, corpus_dir, tmp_path_factory):
    made = _make_inputs(tmp_path_factory.mktemp("made") / "inputs", corpus_dir)   # one WARC (its record ids)
    a = tmp_path_factory.mktemp("first") / "deep" / "inputs"
    b = tmp_path_factory.mktemp("second") / "elsewhere"
    shutil.copytree(made, a)
    shutil.copytree(made, b)
    prefix = CORPUS_PREFIX + "pages/"
    first = run_crawl(a.parent, f"seeds={a / 'seeds'},{a / 'pages'},{a / 'archive.warc.gz'}",
                      f"mounts={a / 'pages'}={prefix}", "depth=1", postprocess=True, name="out",
                      env={"PYTHONHASHSEED": "1", "TZ": "UTC", "LC_ALL": "C.UTF-8"})
    second = run_crawl(b.parent, f"seeds={b / 'archive.warc.gz'},{b / 'pages'},{b / 'seeds'}",
                       f"mounts={b / 'pages'}={prefix}", "depth=1", postprocess=True, name="out2",
                       settings={"CONCURRENT_REQUESTS": 1},
                       env={"PYTHONHASHSEED": "12345", "TZ": "Asia/Shanghai", "LC_ALL": "C"})
    return first, second


@pytest.mark.parametrize("name", SPEC_FILES)
def test_outputs_are_byte_identical(two_runs, name):
    first, second = two_runs
    data = (first / name).read_bytes()
    assert data == (second / name).read_bytes(), name
    assert len(data) > 100


def test_every_text_output_is_byte_identical(two_runs):
    first, second = two_runs
    names = sorted(p.name for p in first.iterdir() if p.suffix != ".png")
    assert names == sorted(p.name for p in second.iterdir() if p.suffix != ".png")
    assert set(SPEC_FILES) <= set(names)
    differ = [n for n in names if (first / n).read_bytes() != (second / n).read_bytes()]
    assert differ == []


def test_no_machine_path_in_outputs(two_runs):
    first, second = two_runs
    for out in two_runs:
        for name in SPEC_FILES:
            text = (out / name).read_text(encoding="utf-8")
            assert str(out.parent) not in text and "/tmp/" not in text and str(PROJECT_ROOT) not in text, name
    docs = (first / "documents.jsonl").read_text(encoding="utf-8")
    assert '"url":"file:///seeds/000_23c6093b9ebcdf99.txt"' in docs      # a seed without a stated URL
    assert '"input":"archive.warc.gz"' in docs and '"input":"pages/' in docs
