"""Faults: interrupted crawls (SIGKILL, SIGINT) resume with ``-s JOBDIR=...`` to the same
outputs, no output is ever half-written, a read-only or full output folder is a clear error,
and online mode against a misbehaving server on 127.0.0.1 stays bounded and records every
failure with its reason.

Interruptions are driven by events, not time: the crawl is slowed with ``DOWNLOAD_DELAY``
and killed once its work folder holds spilled chunks (it is mid-crawl by then).
"""
from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import CORPUS_PREFIX, PROJECT_ROOT, crawl_command

OUTPUTS = ("documents.jsonl", "links.jsonl", "manifest.json")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


@pytest.fixture(scope="module")
def corpus_args(corpus_dir):
    pages = corpus_dir / "pages"
    return (f"seeds={pages}", f"mounts={pages}={CORPUS_PREFIX}pages/", "depth=1")


@pytest.fixture(scope="module")
def reference(run_crawl, corpus_args, tmp_path_factory):
    """An uninterrupted crawl of the corpus."""
    return run_crawl(tmp_path_factory.mktemp("reference"), *corpus_args)


def _wait_for_chunks(out: Path, proc: subprocess.Popen, n: int = 2) -> None:
    """Block until the crawl has spilled ``n`` chunk files (it is mid-crawl), or fail."""
    deadline = time.monotonic() + 120      # a guard against a hung crawl, not a timing assertion
    while time.monotonic() < deadline:
        if len(list(out.glob(".linkprov-work-*/*.chunk"))) >= n:
            return
        if proc.poll() is not None:
            pytest.fail(f"the crawl ended before it could be interrupted (exit {proc.returncode})")
        time.sleep(0.02)
    proc.kill()
    pytest.fail("the crawl never spilled a chunk")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_interrupted_crawl_resumes_to_the_same_outputs(run_crawl, reference, corpus_args, tmp_path, sig):
    out, job = tmp_path / "out", tmp_path / "job"
    slow = {"DOWNLOAD_DELAY": 0.03, "RANDOMIZE_DOWNLOAD_DELAY": False, "LINKPROV_CHUNK_LINES": 20,
            "JOBDIR": job, "LINKPROV_PROGRESS_INTERVAL": 0, "LINKPROV_POSTPROCESS": ""}
    with open(tmp_path / "first.log", "w") as log:
        proc = subprocess.Popen(crawl_command(out, *corpus_args, settings=slow), cwd=PROJECT_ROOT,
                                stdout=log, stderr=subprocess.STDOUT)
        _wait_for_chunks(out, proc)
        proc.send_signal(sig)
        proc.wait(timeout=120)
    if sig == signal.SIGKILL:
        # killed mid-crawl: no output file exists at all (they are only ever os.replace'd in whole)
        assert not [p.name for p in out.iterdir() if p.name in OUTPUTS or ".tmp-" in p.name]
    else:
        # SIGINT: Scrapy closes gracefully; what is written is whole (every line parses)
        for name in ("documents.jsonl", "links.jsonl"):
            read_jsonl(out / name)
        assert len(read_jsonl(out / "documents.jsonl")) < 147
    resumed = run_crawl(tmp_path, *corpus_args, settings={"JOBDIR": job}, name="out")
    for name in OUTPUTS:
        assert (resumed / name).read_bytes() == (reference / name).read_bytes(), name
    docs = read_jsonl(resumed / "documents.jsonl")
    assert len(docs) == len({d["url"] for d in docs}) == 147       # none lost, none doubled
    assert sorted(p.name for p in resumed.iterdir()) == sorted(OUTPUTS)   # no stale work or temp files


def _mount_tmpfs(path: Path, options: str) -> None:
    path.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {proc.stderr.strip()}")


@pytest.fixture
def tmpfs(tmp_path):
    mounted = []

    def make(name: str, options: str) -> Path:
        path = tmp_path / name
        _mount_tmpfs(path, options)
        mounted.append(path)
        return path

    yield make
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_read_only_output_folder_is_a_clear_error(tmpfs):
    ro = tmpfs("ro", "ro,size=64k")
    proc = subprocess.run(crawl_command(ro / "out"), cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "cannot write the output folder" in proc.stderr and "Read-only file system" in proc.stderr
    assert "-a out=DIR" in proc.stderr


def test_full_output_folder_is_a_clear_error(tmpfs, corpus_args):
    full = tmpfs("full", "size=64k")
    proc = subprocess.run(crawl_command(full / "out", *corpus_args, settings={"LINKPROV_CHUNK_LINES": 200}),
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    log = proc.stdout + proc.stderr
    # one clear error, the crawl stops, and the process fails (crawler.commands.crawl)
    assert proc.returncode == 1
    assert log.count("cannot write the output folder") == 1
    assert "No space left on device; free space there or choose another folder with -a out=DIR" in log
    assert "Spider closed (output_error)" in log and "Error processing" not in log
    leftovers = sorted(p.name for p in (full / "out").iterdir())
    assert not [n for n in leftovers if n in OUTPUTS or ".tmp-" in n or n.startswith(".linkprov-work")], leftovers


# -- online mode against a misbehaving local server ---------------------------------------

HUGE = 8 << 20


class _Bad(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, body: bytes, ctype="text/html; charset=utf-8", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        path = self.path
        if path == "/robots.txt":
            return self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        if path == "/index.html":
            links = ["/slow.html", "/e500.html", "/loop.html", "/huge.html", "/png-as-html.html",
                     "/html-as-png.png", "/private/p.html", "/ok.html", "/reset.html"]
            return self._send(200, ("<html><body><p>" + "".join(f'<a href="{u}">{u}</a> ' for u in links)
                                    + "</p></body></html>").encode())
        if path == "/slow.html":
            time.sleep(3)
            return self._send(200, b"<p>too late</p>")
        if path == "/e500.html":
            return self._send(500, b"<p>oops</p>")
        if path == "/loop.html":
            return self._send(302, b"", headers=[("Location", "/loop.html")])
        if path == "/huge.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(HUGE))
            self.end_headers()
            try:
                for _ in range(HUGE // 65536):
                    self.wfile.write(b"<p>" + b"x" * 65529 + b"</p>")
            except OSError:
                pass
            return None
        if path == "/png-as-html.html":
            return self._send(200, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
        if path == "/html-as-png.png":
            return self._send(200, b"<html><head><title>really html</title></head><body>x</body></html>", "image/png")
        if path == "/reset.html":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"<p>cut")
            self.close_connection = True
            return None
        return self._send(200, b"<html><head><title>fine</title></head><body><p>fine</p></body></html>")


@pytest.fixture
def bad_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Bad)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_online_against_a_misbehaving_server(run_crawl, tmp_path, bad_server):
    from test_hostile import peak_rss

    seed = tmp_path / "seed.html"
    seed.write_text(f'<html><body><p><a href="{bad_server}index.html">the site</a></p></body></html>')
    cmd = crawl_command(tmp_path / "out", f"seeds={seed}", "online=1", "depth=2",
                        settings={"HTTPCACHE_DIR": tmp_path / "cache", "AUTOTHROTTLE_START_DELAY": 0,
                                  "DOWNLOAD_TIMEOUT": 1, "RETRY_TIMES": 1, "LINKPROV_MAX_BYTES": 1 << 20,
                                  "REDIRECT_MAX_TIMES": 3, "LINKPROV_PROGRESS_INTERVAL": 0})
    proc, rss = peak_rss(cmd)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / "out"
    docs = {d["url"]: d for d in read_jsonl(out / "documents.jsonl")}
    assert set(docs) == {"file:///seed.html", bad_server + "index.html", bad_server + "ok.html",
                         bad_server + "html-as-png.png"}
    assert docs[bad_server + "html-as-png.png"]["content_type"] == "html"     # read from the content
    inputs = {e["input"]: e for e in json.loads((out / "manifest.json").read_text())["inputs"]}
    reasons = {url[len(bad_server):]: (e["status"], e["reason"]) for url, e in inputs.items()
               if url.startswith(bad_server)}
    assert reasons == {
        "index.html": ("processed", None), "ok.html": ("processed", None), "html-as-png.png": ("processed", None),
        "slow.html": ("skipped", "timeout"), "e500.html": ("skipped", "http_500"),
        "loop.html": ("skipped", "redirect_loop"), "huge.html": ("skipped", "too_large"),
        "png-as-html.html": ("skipped", "binary"), "private/p.html": ("skipped", "robots_disallowed"),
        "reset.html": ("skipped", "connection_lost"),
    }
    assert all(e["detail"] for e in inputs.values() if e["status"] == "skipped")
    assert rss < 400, f"peak RSS {rss:.0f} MB"
