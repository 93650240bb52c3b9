"""Online mode (``-a online=1``) against a small http.server the test starts on 127.0.0.1."""
from __future__ import annotations

import functools
import json
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

PAGES = {
    "robots.txt": "User-agent: *\nDisallow: /private/\n",
    "index.html": '<html><head><title>Index</title></head><body><p><a href="/a.html">A</a> '
                  '<a href="/private/secret.html">secret</a></p></body></html>',
    "a.html": '<html><head><title>A</title></head><body><p><a href="/b.html">B</a></p></body></html>',
    "b.html": "<html><head><title>B</title></head><body><p>three hops from the seed</p></body></html>",
    "private/secret.html": "<html><head><title>Secret</title></head><body><p>robots say no</p></body></html>",
}


class _Quiet(SimpleHTTPRequestHandler):
    requested: list[str]

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.requested.append(self.path)
        super().do_GET()


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "www"
    for name, text in PAGES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    requested: list[str] = []
    handler = functools.partial(type("H", (_Quiet,), {"requested": requested}), directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", requested
    server.shutdown()
    server.server_close()


def test_online_crawl_obeys_robots_and_depth(run_crawl, tmp_path, site):
    base, requested = site
    seed = tmp_path / "seed.html"
    seed.write_text(f'<html><body><p><a href="{base}index.html">the site</a></p></body></html>')
    out = run_crawl(tmp_path, f"seeds={seed}", "online=1", "depth=2",
                    settings={"HTTPCACHE_DIR": tmp_path / "cache", "AUTOTHROTTLE_START_DELAY": 0,
                              "JOBDIR": tmp_path / "job"})
    docs = {json.loads(line)["url"]: json.loads(line)
            for line in (out / "documents.jsonl").read_text().split("\n") if line}
    assert set(docs) == {"file:///seed.html", base + "index.html", base + "a.html"}
    assert {docs[base + "a.html"]["depth"], docs[base + "a.html"]["url_source"]} == {2, "http"}
    assert "/robots.txt" in requested
    assert "/private/secret.html" not in requested       # robots.txt disallow honoured
    assert "/b.html" not in requested                     # depth 3 > depth=2
    targets = {json.loads(line)["target"] for line in (out / "links.jsonl").read_text().split("\n") if line}
    assert {base + "private/secret.html", base + "b.html"} <= targets
    assert (tmp_path / "cache").is_dir()


def test_seed_urls_online(run_crawl, tmp_path, site):
    base, requested = site
    out = run_crawl(tmp_path, f"seeds={base}index.html", "online=1", "depth=1",
                    settings={"HTTPCACHE_DIR": tmp_path / "cache", "AUTOTHROTTLE_START_DELAY": 0})
    docs = [json.loads(line) for line in (out / "documents.jsonl").read_text().split("\n") if line]
    assert {d["url"] for d in docs} == {base + "index.html", base + "a.html"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert base + "index.html" in {e["input"] for e in manifest["inputs"]}


def test_seed_url_without_online_is_a_clear_error(run_crawl, tmp_path, site):
    base, requested = site
    run_crawl(tmp_path, f"seeds={base}index.html", check=False)
    log = (tmp_path / "out.log").read_text()
    assert "needs the network: add -a online=1" in log
    assert requested == []


def test_offline_never_requests_the_site(run_crawl, tmp_path, site):
    base, requested = site
    seed = tmp_path / "seed.html"
    seed.write_text(f'<html><body><p><a href="{base}index.html">the site</a></p></body></html>')
    out = run_crawl(tmp_path, f"seeds={seed}", "depth=3")
    assert requested == []
    assert [json.loads(line)["url"] for line in (out / "documents.jsonl").read_text().split("\n") if line] == [
        "file:///seed.html"]
