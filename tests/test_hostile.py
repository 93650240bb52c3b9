"""Hostile inputs: nothing outside the seeds is read, no entity expansion, bounded memory on
huge lines, huge link counts and gzip bombs, control characters survive GraphML, long URLs,
IDN and homograph hosts flagged and kept apart.

Memory is measured as the peak RSS of a subprocess (``ru_maxrss`` of its children, read by a
small wrapper), never by timing.
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import networkx as nx
import pytest
from lxml import etree
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import PROJECT_ROOT, crawl_command
from crawler.extract import parse_document
from crawler.extract.links import Page, iter_links
from crawler.extract.urls import normalize_url, url_flags
from crawler.store import LocalStore, Mount, Refused
from graph.build import build_graph
from graph.entities import entity_of

MB = 1 << 20


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def peak_rss(cmd: list[str], cwd: Path = PROJECT_ROOT, timeout: int = 300) -> tuple[subprocess.CompletedProcess, float]:
    """Run ``cmd``; return the process and its peak resident memory in MB."""
    wrapper = ("import resource, subprocess, sys, json\n"
               "p = subprocess.run(json.loads(sys.argv[1]), capture_output=True, text=True)\n"
               "sys.stdout.write(p.stdout); sys.stderr.write(p.stderr)\n"
               "print('\\nPEAK_RSS_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
               "sys.exit(p.returncode)\n")
    proc = subprocess.run([sys.executable, "-c", wrapper, json.dumps([str(c) for c in cmd])], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)
    kb = int(proc.stdout.rsplit("PEAK_RSS_KB", 1)[1].split()[0])
    return proc, kb / 1024


def python_rss(code: str) -> tuple[subprocess.CompletedProcess, float]:
    return peak_rss([sys.executable, "-c", textwrap.dedent(code)])


# -- nothing outside the seeds and mounts is ever read ----------------------------------------

ESCAPES = ["file:///etc/passwd", "file://localhost/etc/passwd", "/etc/passwd", "../../../../../../etc/passwd",
           "..%2F..%2F..%2F..%2Fetc%2Fpasswd", "file:///site/../../etc/passwd", "secret-link/passwd",
           "file:///proc/self/environ"]


@pytest.fixture
def hostile_site(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    links = "".join(f'<a href="{h}">x</a> ' for h in ESCAPES)
    (site / "page.html").write_text(f'<html><body><p>{links}<a href="other.html">ok</a> '
                                    f'bare: file:///etc/shadow</p></body></html>')
    (site / "other.html").write_text("<html><body><p>a local page</p></body></html>")
    (site / "secret-link").symlink_to("/etc")
    return site


def test_file_links_never_escape_the_seeds(run_crawl, tmp_path, hostile_site):
    out = run_crawl(tmp_path, f"seeds={hostile_site}", "depth=3")
    docs = read_jsonl(out / "documents.jsonl")
    assert [d["url"] for d in docs] == ["file:///site/other.html", "file:///site/page.html"]
    assert not any("root:" in d["text"] for d in docs)
    inputs = {e["input"]: (e["status"], e["reason"]) for e in json.loads((out / "manifest.json").read_text())["inputs"]}
    assert inputs == {"site/other.html": ("processed", None), "site/page.html": ("processed", None),
                      "site/secret-link": ("skipped", "outside_seeds")}
    targets = {l["href"]: l["target"] for l in read_jsonl(out / "links.jsonl")}
    assert targets["/etc/passwd"] == targets["../../../../../../etc/passwd"] == "file:///etc/passwd"


@pytest.mark.parametrize("href", ESCAPES)
def test_store_refuses_escaping_file_urls(hostile_site, href):
    store = LocalStore([str(hostile_site)])
    url = normalize_url(href, "file:///site/page.html")
    assert url is None or not store.holds(url)
    try:
        served = store.serve(url) if url else None
    except Refused as exc:
        assert exc.reason in {"outside_seeds", "not_found"}
    else:
        assert served is None


def test_virtual_file_urls_serve_only_seed_files(hostile_site):
    store = LocalStore([str(hostile_site)])
    assert store.serve("file:///site/other.html").body.startswith(b"<html>")
    assert store.serve("file:///site/%6Fther.html").body.startswith(b"<html>")
    assert store.input_of_url("file:///site/other.html") == "site/other.html"
    assert not store.holds("file:///site/secret-link/passwd")


def test_mount_symlink_climbing_out_is_refused(tmp_path):
    root = tmp_path / "mirror"
    root.mkdir()
    (root / "a.html").write_text("<p>a</p>")
    (root / "up").symlink_to(tmp_path)
    (tmp_path / "private.txt").write_text("secret")
    mount = Mount.parse(f"{root}=https://m.example/")
    assert mount.path_for("https://m.example/a.html") == (root / "a.html").resolve()
    for url in ("https://m.example/up/private.txt", "https://m.example/up/mirror/../private.txt"):
        with pytest.raises(Refused) as info:
            mount.path_for(url)
        assert info.value.reason == "outside_mount"
    store = LocalStore([], [mount])
    assert not store.holds("https://m.example/up/private.txt")


# -- entity bombs ---------------------------------------------------------------------------

_BOMB_DTD = ('<!DOCTYPE {root} [<!ENTITY lol "lol"><!ENTITY xxe SYSTEM "file:///etc/passwd">'
             + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
             + "]>")


@pytest.mark.parametrize("body", [
    '<?xml version="1.0"?>' + _BOMB_DTD.format(root="html")
    + '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>&lol9;</title></head>'
      '<body><p>&lol9; &xxe;</p><a href="http://a.org/&lol9;">&lol9;</a></body></html>',
    '<?xml version="1.0"?>' + _BOMB_DTD.format(root="svg")
    + '<svg xmlns="http://www.w3.org/2000/svg"><title>&lol9;</title><text>&lol9; &xxe;</text>'
      '<a href="http://a.org/&lol9;"><text>x</text></a></svg>',
    "<html><body><svg>" + _BOMB_DTD.format(root="svg") + "<text>&lol9;&xxe;</text></svg>"
    '<a href="http://a.org/">ok</a></body></html>',
])
def test_entity_bombs_are_not_expanded(body):
    d = parse_document(body.encode(), "file:///seeds/bomb.xhtml")
    everything = json.dumps([d.title, d.text, list(d.links)], ensure_ascii=False)
    assert "lollollol" not in everything and "root:" not in everything
    assert len(everything) < 20_000


# -- size: huge lines, a million links, gzip bombs ------------------------------------------

def test_50mb_single_line_has_bounded_memory(tmp_path):
    seed = tmp_path / "line.txt"
    chunk = ("word " * 390 + "http://a.example/p?q=1 ").encode()     # a link every ~2 KB
    n = 50 * MB // len(chunk) + 1
    with open(seed, "wb") as fh:
        for _ in range(n):
            fh.write(chunk)
    size = seed.stat().st_size
    assert size >= 50 * MB
    proc, rss = peak_rss(crawl_command(tmp_path / "out", f"seeds={seed}", "depth=0"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    (doc,) = read_jsonl(tmp_path / "out" / "documents.jsonl")
    assert doc["links"] == n
    assert len(doc["text"]) <= 201_000          # visible text is capped, links are not
    assert rss < 8 * size / MB, f"peak RSS {rss:.0f} MB for a {size / MB:.0f} MB line"   # measured: 234 MB


def test_links_stream_lazily():
    text = "".join(f"see http://e.example/{i}\n" for i in range(1000))
    page = Page()
    it = iter_links(text, "text", "file:///seeds/x.txt", page=page)
    first = next(it)
    assert first["target"] == "http://e.example/0" and page.text == ""      # the walk is not over
    assert sum(1 for _ in it) == 999 and page.text.count("\n") == 999


def test_more_links_than_the_old_cap_are_all_kept():
    n = 110_000          # the old per-document cap was 100,000; a million runs in tests/fuzz.py --million
    body = "".join(f"http://e.example/{i}\n" for i in range(n)).encode()
    d = parse_document(body, "https://s.example/", url_source="mount")
    assert len(d.links) == n and d.links._cached is None           # streamed, not held
    positions = 0
    for i, link in enumerate(d.links):
        assert link["position"] == i
        positions += 1
    assert positions == n and link["target"] == f"http://e.example/{n - 1}"


class _Zeros(io.RawIOBase):
    def __init__(self, n):
        self.left = n

    def readable(self):
        return True

    def readinto(self, b):
        k = min(len(b), self.left)
        b[:k] = bytes(k)
        self.left -= k
        return k


def _gzip_stream(n: int) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(MB)
    return b"".join([*(z.compress(block) for _ in range(n // MB)), z.flush()])


@pytest.fixture(scope="module")
def gzip_bombs(tmp_path_factory):
    """Two .warc.gz bombs: a 300 MB record block, and a small record whose HTTP body is
    gzip Content-Encoding that inflates to 300 MB; plus a normal record after each."""
    root = tmp_path_factory.mktemp("bombs")
    n = 300 * MB
    with open(root / "block.warc.gz", "wb") as fh:
        w = WARCWriter(fh, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        w.write_record(w.create_warc_record("https://bomb.example/a", "response", payload=_Zeros(n), length=n,
                                            http_headers=headers))
        w.write_record(w.create_warc_record("https://ok.example/", "response",
                                            payload=io.BytesIO(b"<p>fine</p>"), http_headers=headers))
    bomb = _gzip_stream(n)
    with open(root / "encoding.warc.gz", "wb") as fh:
        w = WARCWriter(fh, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
                                   protocol="HTTP/1.1")
        w.write_record(w.create_warc_record("https://bomb.example/b", "response", payload=io.BytesIO(bomb),
                                            http_headers=headers))
        plain = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        w.write_record(w.create_warc_record("https://ok.example/2", "response",
                                            payload=io.BytesIO(b"<p>fine too</p>"), http_headers=plain))
    return root


def test_gzip_bombs_in_warc_gz_are_bounded(gzip_bombs, tmp_path):
    for name in ("block.warc.gz", "encoding.warc.gz"):
        assert (gzip_bombs / name).stat().st_size < 2 * MB
    proc, rss = peak_rss(crawl_command(tmp_path / "out", f"seeds={gzip_bombs}", "depth=0",
                                       settings={"LINKPROV_MAX_BYTES": 16 * MB}))
    assert proc.returncode == 0, proc.stderr[-2000:]
    docs = read_jsonl(tmp_path / "out" / "documents.jsonl")
    assert [d["url"] for d in docs] == ["https://ok.example/", "https://ok.example/2"]
    entries = {e["input"]: e for e in json.loads((tmp_path / "out" / "manifest.json").read_text())["inputs"]}
    assert entries["bombs0/block.warc.gz"]["records_skipped"] == {"too_large": 1}
    assert entries["bombs0/encoding.warc.gz"]["records_skipped"] == {"too_large": 1}
    assert rss < 400, f"peak RSS {rss:.0f} MB"


# -- control characters, long URLs, IDN, homographs -----------------------------------------

CONTROL = "".join(map(chr, [1, 2, 8, 11, 12, 14, 27, 31, 127, 0xFFFE, 0xFFFF, 0x1FFFE])) + "\u2028\u0085"


def test_control_characters_keep_graphml_loadable(run_crawl, tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.html").write_bytes(
        f'<html><head><title>T{CONTROL}itle \x07 here</title></head><body><p>'
        f'<a href="https://x.example/{CONTROL}" title="{CONTROL}">an{CONTROL}chor</a> '
        f'<a href="https://y.example/">\x1b[31mred</a> invalid utf8: '.encode() + b"\xff\xfe\xc0" + b"</p></body></html>")
    out = run_crawl(tmp_path, f"seeds={seeds}", postprocess=True)
    G = nx.read_graphml(out / "graph.graphml")
    assert G.nodes["file:///seeds/a.html"]["kind"] == "document"
    etree.parse(str(out / "graph.graphml"), etree.XMLParser(recover=False, huge_tree=True))   # strict XML 1.0
    json.loads((out / "provenance.json").read_text(encoding="utf-8"))


def test_very_long_urls():
    long_path = "a/" * 100_000
    body = (f'<p><a href="https://long.example/{long_path}">x</a> '
            f'bare https://bare.example/{"b" * 20_000} end</p>').encode()
    d = parse_document(body, "https://s.example/", url_source="mount")
    targets = [l["target"] for l in d.links]
    assert targets == [f"https://long.example/{long_path}", f"https://bare.example/{'b' * 20_000}"]


@pytest.mark.parametrize("a, b", [
    ("http://Bücher.de/x", "http://xn--bcher-kva.de/x"),
    ("http://XN--BCHER-KVA.DE/x", "http://xn--bcher-kva.de/x"),
    ("https://例子.中国/", "https://xn--fsqu00a.xn--fiqs8s/"),
    ("https://bücher.de./x", "https://xn--bcher-kva.de/x"),
])
def test_idn_and_punycode_hosts_are_one_url(a, b):
    assert normalize_url(a) == normalize_url(b) == b
    assert entity_of(normalize_url(a)) == entity_of(b)
    assert url_flags(normalize_url(a)) == ["idn"]


@pytest.mark.parametrize("host", ["xn--zz-", "a..b", "exa mple.com", "[zz]", "ex%41mple.com%00"])
def test_malformed_hosts_are_not_targets(host):
    assert normalize_url(f"http://{host}/x") in (None, normalize_url(normalize_url(f"http://{host}/x")))


@pytest.mark.parametrize("host, flagged", [
    ("pаypal.com", True),          # Cyrillic a
    ("аррӏе.com", True),           # all-Cyrillic letters that look Latin
    ("ｐaypal.com", True),          # full-width p
    ("paypal.com", False),
    ("пример.рф", False),          # real Cyrillic words are IDN, not homographs
    ("日本語.jp", False),
])
def test_homograph_hosts_are_flagged_and_not_merged(host, flagged):
    url = normalize_url(f"https://{host}/login")
    body = f'<p><a href="https://{host}/login">log in</a> <a href="https://paypal.com/">real</a></p>'.encode()
    d = parse_document(body, f"https://{host}/page", url_source="warc")
    link = list(d.links)[0]
    assert ("homograph" in link["flags"]) is flagged and ("homograph" in d.flags) is flagged
    if host != "paypal.com":
        assert entity_of(url) != entity_of("https://paypal.com/")
    doc = {"url": d.url, "title": d.title, "flags": d.flags}
    G = build_graph([doc], list(d.links), ["content"] * len(d.links))
    if flagged:
        assert "homograph" in json.loads(G.nodes[url]["flags"]) and "homograph" in json.loads(G.nodes[d.url]["flags"])
    assert "flags" not in G.nodes["https://paypal.com/"]
