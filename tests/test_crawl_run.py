"""End-to-end crawls (``scrapy crawl seeds`` in a subprocess): outputs, inputs, depth, WARC."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import CORPUS_PREFIX, PROJECT_ROOT, crawl_command

FIXTURES = Path(__file__).parent / "fixtures" / "crawl"
SITE_PREFIX = "https://example.org/site/"
HTML_SEED = PROJECT_ROOT / "seeds" / "003_61bc192e7a20e0a8.txt"


def read_jsonl(path: Path) -> list[dict]:
    # not str.splitlines(): it also splits at U+2028 / U+0085, which JSON leaves raw
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def statuses(out: Path) -> dict[str, tuple[str, str | None]]:
    return {e["input"]: (e["status"], e["reason"]) for e in manifest(out)["inputs"]}


@pytest.fixture(scope="module")
def default_out(run_crawl, tmp_path_factory):
    return run_crawl(tmp_path_factory.mktemp("default"))


def test_default_crawl_reads_bundled_seeds(default_out):
    docs = read_jsonl(default_out / "documents.jsonl")
    assert len(docs) == 2
    assert {d["input"] for d in docs} == {"seeds/000_23c6093b9ebcdf99.txt", "seeds/003_61bc192e7a20e0a8.txt"}
    assert manifest(default_out)["counts"] | {"links": 0} == {
        "inputs": 2, "processed": 2, "skipped": 0, "documents": 2, "links": 0, "skipped_by_reason": {}}
    assert sorted(p.name for p in default_out.iterdir()) == ["documents.jsonl", "links.jsonl", "manifest.json"]


def test_outputs_are_canonical_sorted_jsonl(default_out):
    docs_text = (default_out / "documents.jsonl").read_text(encoding="utf-8")
    for line in docs_text.split("\n")[:-1]:
        obj = json.loads(line)
        assert line == json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    urls = [d["url"] for d in read_jsonl(default_out / "documents.jsonl")]
    assert urls == sorted(urls)
    links = read_jsonl(default_out / "links.jsonl")
    assert [(k["source"], k["position"]) for k in links] == sorted((k["source"], k["position"]) for k in links)
    assert sum(d["links"] for d in read_jsonl(default_out / "documents.jsonl")) == len(links)


def test_corpus_crawl_with_mount(run_crawl, corpus_dir, tmp_path):
    out = run_crawl(tmp_path, f"seeds={corpus_dir}", f"mounts={corpus_dir}={CORPUS_PREFIX}")
    docs = read_jsonl(out / "documents.jsonl")
    files = sorted(p.relative_to(corpus_dir).as_posix() for p in corpus_dir.rglob("*") if p.is_file())
    assert len(files) == len(docs) == 147
    assert [d["url"] for d in docs] == sorted(CORPUS_PREFIX + f for f in files)
    assert {d["url_source"] for d in docs} == {"mount"}
    assert {d["depth"] for d in docs} == {0}
    counts = manifest(out)["counts"]
    assert (counts["inputs"], counts["processed"], counts["documents"]) == (147, 147, 147)
    assert "pages/s" in (tmp_path / "out.log").read_text()


@pytest.mark.parametrize("depth, expected", [
    ("0", {"seed": 0}),
    ("1", {"seed": 0, "a.html": 1, "%E4%B8%AD%E6%96%87/b.html": 1}),
    ("2", {"seed": 0, "a.html": 1, "%E4%B8%AD%E6%96%87/b.html": 1, "c.html": 2}),
])
def test_depth_through_mount(run_crawl, tmp_path, depth, expected):
    out = run_crawl(tmp_path, f"seeds={FIXTURES / 'site' / 'seed.html'}",
                    f"mounts={FIXTURES / 'mount'}={SITE_PREFIX}", f"depth={depth}")
    docs = read_jsonl(out / "documents.jsonl")
    got = {("seed" if d["url"].startswith("file:") else d["url"].removeprefix(SITE_PREFIX)): d["depth"]
           for d in docs}
    assert got == expected
    targets = {k["target"] for k in read_jsonl(out / "links.jsonl")}
    # a link no local store holds is recorded, never requested
    assert SITE_PREFIX + "missing.html" in targets
    assert "https://elsewhere.example.net/page.html" in targets
    log = (tmp_path / "out.log").read_text()
    assert "missing.html" not in log.split("Spider opened", 1)[1].split("linkprov summary", 1)[0]
    inputs = statuses(out)
    assert all(status == "processed" for status, _ in inputs.values())
    assert len(inputs) == len(docs)


def make_bad_inputs(root: Path) -> dict[str, tuple[str, str | None]]:
    """A folder of awkward inputs; returns input name -> expected (status, reason or None=any)."""
    root.mkdir()
    (root / "binary.bin").write_bytes(bytes(range(256)) * 64)
    (root / "empty.txt").write_bytes(b"")
    with open(root / "huge_one_line.txt", "wb") as fh:      # 50 MB, sparse: fast to make
        fh.write(b"<p>")
        fh.truncate(50 * 1024 * 1024)
    text = "<html><head>{meta}<title>中文測試</title></head><body><p>{body}</p></body></html>"
    body = "新闻报道：这是一个测试页面，用于检查编码。" * 20
    (root / "gbk_declared.html").write_bytes(text.format(meta='<meta charset="gbk">', body=body).encode("gbk"))
    (root / "gbk_undeclared.txt").write_bytes(text.format(meta="", body=body).encode("gbk"))
    (root / "big5.html").write_bytes(text.format(meta="", body="新聞報道：這是一個測試頁面。" * 20).encode("big5"))
    (root / "invalid_utf8.txt").write_bytes("正常的文字 ".encode() * 30 + b"\xff\xfe\xc3(" + "更多文字".encode() * 30)
    (root / "unclosed_p.html").write_text("<html><body>" + "<p>deep " * 20000 + "</body></html>")
    (root / "sub").mkdir()
    (root / "sub" / "page.md").write_text("# Title\n\nSee [a link](https://example.com/x).\n")
    (root / "sub" / "loop").symlink_to(root)
    expected = {
        "binary.bin": ("skipped", "binary"),
        "empty.txt": ("skipped", "empty"),
        "huge_one_line.txt": ("skipped", "too_large"),
        "gbk_declared.html": ("processed", None),
        "gbk_undeclared.txt": ("processed", None),
        "big5.html": ("processed", None),
        "invalid_utf8.txt": ("processed", None),
        "unclosed_p.html": ("processed", None),
        "sub/page.md": ("processed", None),
        "sub/loop": ("skipped", "symlink_loop"),
    }
    return expected


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad") / "inputs"
    return root, make_bad_inputs(root)


def test_bad_inputs_never_stop_the_run(run_crawl, tmp_path, bad_inputs):
    root, expected = bad_inputs
    out = run_crawl(tmp_path, f"seeds={root}", settings={"LINKPROV_MAX_BYTES": 10 * 1024 * 1024})
    got = statuses(out)
    assert set(got) == {f"{root.name}/{name}" for name in expected}   # shown by seed name, not folder
    for name, (status, reason) in expected.items():
        assert got[f"{root.name}/{name}"][0] == status, name
        if reason:
            assert got[f"{root.name}/{name}"][1] == reason, name
    for entry in manifest(out)["inputs"]:
        assert (entry["status"] == "skipped") == bool(entry["reason"]), entry
    counts = manifest(out)["counts"]
    assert counts["inputs"] == counts["processed"] + counts["skipped"] == len(expected)
    assert counts["skipped_by_reason"] == {"binary": 1, "empty": 1, "symlink_loop": 1, "too_large": 1}
    gbk = next(d for d in read_jsonl(out / "documents.jsonl") if d["input"].endswith("gbk_declared.html"))
    assert "测试" in gbk["text"] or "测试" in (gbk["title"] or "")
    log = (tmp_path / "out.log").read_text()
    assert "skipped too_large: 1" in log


def test_deterministic_outputs(run_crawl, tmp_path, bad_inputs):
    root, _ = bad_inputs
    args = (f"seeds={root},{FIXTURES / 'site'}", f"mounts={FIXTURES / 'mount'}={SITE_PREFIX}", "depth=3")
    settings = {"LINKPROV_MAX_BYTES": 10 * 1024 * 1024, "LINKPROV_CHUNK_LINES": 7}
    first = run_crawl(tmp_path, *args, settings=settings, name="one", env={"PYTHONHASHSEED": "1"})
    second = run_crawl(tmp_path, *args, settings={**settings, "CONCURRENT_REQUESTS": 1}, name="two",
                       env={"PYTHONHASHSEED": "2"})
    for name in ("documents.jsonl", "links.jsonl", "manifest.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert not [p for p in first.iterdir() if p.name.startswith(".")]   # no temp files left


def test_warc_gives_same_link_targets_as_file(run_crawl, tmp_path):
    seed_dir = tmp_path / "seed"
    seed_dir.mkdir()
    shutil.copy(HTML_SEED, seed_dir / HTML_SEED.name)
    from_file = run_crawl(tmp_path, f"seeds={seed_dir}", name="file")
    (doc,) = read_jsonl(from_file / "documents.jsonl")
    assert doc["url"].startswith("https://github.com/1992513/djy/")
    warc = tmp_path / "archive.warc.gz"
    with open(warc, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(doc["url"], "response", payload=io.BytesIO(HTML_SEED.read_bytes()),
                                                      http_headers=headers))
    from_warc = run_crawl(tmp_path, f"seeds={warc}", name="warc")
    (wdoc,) = read_jsonl(from_warc / "documents.jsonl")
    assert (wdoc["url"], wdoc["url_source"], wdoc["input"]) == (doc["url"], "warc", warc.name)
    assert wdoc["record"]

    def targets(out):
        return sorted((k["position"], k["target"]) for k in read_jsonl(out / "links.jsonl"))

    assert targets(from_warc) == targets(from_file) and len(targets(from_file)) > 10
    assert statuses(from_warc) == {warc.name: ("processed", None)}


def test_unwritable_out_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    proc = subprocess.run(crawl_command(blocker / "out"), cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode != 0
    assert "cannot write the output folder" in proc.stderr and "-a out=DIR" in proc.stderr


def test_bad_argument_is_a_clear_error(run_crawl, tmp_path):
    run_crawl(tmp_path, "depth=two", check=False)
    assert "depth='two' is not a whole number >= 0; write e.g. -a depth=2" in (tmp_path / "out.log").read_text()


def test_bad_arguments_are_one_line_and_exit_2(tmp_path):
    proc = subprocess.run(crawl_command(tmp_path / "out", "depth=-1"), cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    assert "scrapy crawl seeds: error: depth='-1' is not a whole number >= 0; write e.g. -a depth=2" in proc.stderr
    assert "Traceback" not in proc.stderr
