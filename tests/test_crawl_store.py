"""Unit tests of the crawl's local store, output sorting, download handler and post-crawl
hook (no Scrapy run)."""
from __future__ import annotations

import asyncio
import io
import json
import random
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.errors import ArgumentError
from crawler.handlers import LocalStoreDownloadHandler
from crawler.sortio import ExternalSorter, dumpb
from crawler.spiders.seeds import CrawlOptions
from crawler.store import LocalStore, Mount, Refused, charset_of

FIXTURES = Path(__file__).parent / "fixtures" / "crawl"
PREFIX = "https://example.org/site/"


def write_warc(path: Path, records: list[tuple[str, bytes, str]], gz: bool = True) -> Path:
    """A WARC of ``response`` records (uri, body, content-type)."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        for uri, body, ctype in records:
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(body),
                                                          http_headers=headers))
    return path


@pytest.fixture
def mount():
    return Mount.parse(f"{FIXTURES / 'mount'}={PREFIX}")


@pytest.mark.parametrize("url, rel", [
    (PREFIX + "a.html", "a.html"),
    (PREFIX + "中文/b.html", "中文/b.html"),
    (PREFIX + "%E4%B8%AD%E6%96%87/b.html", "中文/b.html"),
    (PREFIX + "%e4%b8%ad%e6%96%87/b.html#top", "中文/b.html"),
    (PREFIX + "missing.html", None),
    (PREFIX, None),
    ("https://example.org/other/a.html", None),
])
def test_mount_path_for(mount, url, rel):
    path = mount.path_for(url)
    assert (path.relative_to(mount.root).as_posix() if path else None) == rel


@pytest.mark.parametrize("url", [PREFIX + "..%2F..%2Fstore%2Fa.html", PREFIX + "%2E%2E%2Fsite%2Fseed.html"])
def test_mount_refuses_paths_climbing_out(mount, url):
    with pytest.raises(Refused) as info:
        mount.path_for(url)
    assert info.value.reason == "outside_mount"


def test_mount_refuses_symlink_out(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "secret.html").write_text("<p>secret</p>")
    (tmp_path / "m" / "link.html").symlink_to(tmp_path / "secret.html")
    with pytest.raises(Refused):
        Mount.parse(f"{tmp_path / 'm'}={PREFIX}").path_for(PREFIX + "link.html")


def test_mount_url_for_round_trips(mount):
    path = mount.root / "中文" / "b.html"
    url = mount.url_for(path)
    assert url == PREFIX + "%E4%B8%AD%E6%96%87/b.html"
    assert mount.path_for(url) == path


@pytest.mark.parametrize("spec", ["no-equals-sign", "dir=not a url", "/does/not/exist=https://x.org/"])
def test_mount_parse_errors_say_how_to_fix(spec):
    with pytest.raises(ArgumentError, match="mount"):
        Mount.parse(spec)


@pytest.mark.parametrize("value, charset", [
    ("text/html; charset=GBK", "GBK"), ('text/html;charset="big5"', "big5"), ("text/html", None), (None, None),
])
def test_charset_of(value, charset):
    assert charset_of(value) == charset


def test_store_enumerates_sorted_and_survives_loops(tmp_path, monkeypatch):
    root = tmp_path / "in"
    (root / "b").mkdir(parents=True)
    (root / "b" / "2.html").write_text("<p>2</p>")
    (root / "a.txt").write_text("a")
    (root / "b" / "loop").symlink_to(root)
    (root / "c.txt").symlink_to(root / "a.txt")
    (root / "dangling").symlink_to(root / "nowhere")
    monkeypatch.chdir(tmp_path)
    store = LocalStore(["in", "in/a.txt", "missing"], max_bytes=100)
    got = [(e.input, e.skip[0] if e.skip else "ok") for e in store.inputs]
    assert got == [("in/a.txt", "ok"), ("in/b/2.html", "ok"), ("in/b/loop", "symlink_loop"),
                   ("in/c.txt", "duplicate"), ("in/dangling", "unreadable"),
                   ("in/a.txt", "duplicate"), ("missing", "not_found")]


def test_store_skips_too_large_without_reading(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.truncate(5000)           # sparse: nothing is written
    store = LocalStore([str(big)], max_bytes=1000)
    assert store.inputs[0].skip[0] == "too_large"


def test_store_indexes_warc_records(tmp_path):
    warc = write_warc(tmp_path / "x.bin", [
        ("https://example.com/a", b"<p>A</p>", "text/html; charset=GBK"),
        ("https://example.com/a", b"<p>A again</p>", "text/html"),
        ("https://example.com/b", b"<p>B</p>", "text/html"),
    ])
    store = LocalStore([str(warc)])
    assert [e.kind for e in store.inputs] == ["warc"]
    assert [r.uri for r in store.records] == ["https://example.com/a", "https://example.com/b"]
    assert store.record_notes["x.bin"] == {"duplicate": 1}     # inputs are shown by name, not folder
    assert store.holds("https://example.com/b#frag") and not store.holds("https://example.com/c")
    served = store.serve("https://example.com/a")
    assert (served.body, served.declared_charset, served.url_source) == (b"<p>A</p>", "GBK", "warc")


def test_store_file_urls_stay_inside_seeds(tmp_path):
    (tmp_path / "seed.html").write_text("<p>x</p>")
    (tmp_path / "other.html").write_text("<p>y</p>")
    store = LocalStore([str(tmp_path / "seed.html")])
    assert store.serve((tmp_path / "seed.html").as_uri()).body == b"<p>x</p>"
    assert not store.holds((tmp_path / "other.html").as_uri())
    with pytest.raises(Refused, match="outside"):
        store.serve((tmp_path / "other.html").as_uri())


@pytest.mark.parametrize("url, online, reason", [
    ("https://example.org/site/missing.html", False, "offline"),
    ("https://example.net/", False, "offline"),
    ("file:///etc/passwd", False, "outside_seeds"),
])
def test_handler_refuses_offline(tmp_path, url, online, reason):
    crawler = get_crawler(settings_dict={"LINKPROV_ONLINE": online})

    class _Spider:
        store = LocalStore([str(FIXTURES / "site")], [Mount.parse(f"{FIXTURES / 'mount'}={PREFIX}")])

    crawler.spider = _Spider()
    handler = LocalStoreDownloadHandler.from_crawler(crawler)
    with pytest.raises(Refused) as info:
        asyncio.run(handler.download_request(Request(url)))
    assert info.value.reason == reason
    assert handler._http is None          # the HTTP handler was never built


def test_handler_serves_mount():
    crawler = get_crawler()

    class _Spider:
        store = LocalStore([], [Mount.parse(f"{FIXTURES / 'mount'}={PREFIX}")])

    crawler.spider = _Spider()
    handler = LocalStoreDownloadHandler.from_crawler(crawler)
    request = Request(PREFIX + "中文/b.html")
    response = asyncio.run(handler.download_request(request))
    assert response.body == (FIXTURES / "mount" / "中文" / "b.html").read_bytes()
    served = request.meta["linkprov"]
    assert (served.url_source, served.input) == ("mount", "mount/中文/b.html")


@pytest.mark.parametrize("chunk_lines", [1, 3, 1000])
def test_external_sort_matches_sorted(tmp_path, chunk_lines):
    rng = random.Random(7)
    pairs = [((rng.choice("abc"), rng.randrange(50)), dumpb({"n": i, "t": rng.choice(["中", "a", "é", "\U0001F600"])}))
             for i in range(200)]   # ties broken by the line: UTF-8 bytes sort as their text
    sorter = ExternalSorter(tmp_path, "t", chunk_lines=chunk_lines)
    for key, line in pairs:
        sorter.add(key, line)
    merged = [(tuple(k), line) for k, line in sorter.merged()]
    assert merged == sorted(pairs, key=lambda p: (list(p[0]), p[1]))
    sorter.cleanup()
    assert list(tmp_path.iterdir()) == []


def test_dumpb_is_canonical():
    assert dumpb({"b": "\t中", "a": [1, None]}) == '{"a":[1,null],"b":"\\t中"}'.encode("utf-8")
    assert json.loads(dumpb({"x": "\u2028"})) == {"x": "\u2028"}


@pytest.mark.parametrize("args, message", [
    ({"depth": "-1"}, "depth='-1' is not a whole number >= 0"),
    ({"online": "maybe"}, "online='maybe'"),
    ({"mounts": "nowhere"}, "DIR=PREFIX"),
    ({"colour": "red"}, "unknown spider argument(s) colour"),
    ({"seeds": " , "}, "no seeds"),
    ({"seeds": "https://example.org/"}, "needs the network: add -a online=1"),
])
def test_crawl_options_errors_say_how_to_fix(args, message):
    with pytest.raises(ArgumentError) as info:
        CrawlOptions.from_args(args, Settings({"LINKPROV_SEEDS": "seeds", "LINKPROV_DEPTH": 1, "LINKPROV_ONLINE": False}))
    assert message in str(info.value)


def test_crawl_options_defaults_and_online():
    settings = Settings({"LINKPROV_SEEDS": "seeds", "LINKPROV_DEPTH": 1, "LINKPROV_ONLINE": False,
                         "LINKPROV_OUT": "output"})
    options = CrawlOptions.from_args({}, settings)
    assert (options.seeds, options.depth, options.online, options.out) == (("seeds",), 1, False, "output")
    online = CrawlOptions.from_args({"online": "1", "depth": "3", "allowed_domains": "a.org, b.org"}, settings)
    online.apply(settings)
    assert online.allowed_domains == ("a.org", "b.org")
    assert [settings.getbool(n) for n in ("ROBOTSTXT_OBEY", "AUTOTHROTTLE_ENABLED", "HTTPCACHE_ENABLED")] == [True] * 3
    assert settings.getint("DEPTH_LIMIT") == 3


HOOK_CALLS: list = []


def record_hook(out, **kwargs):
    """A ``LINKPROV_POSTPROCESS`` hook that records how it was called."""
    HOOK_CALLS.append((out, kwargs))


@pytest.mark.parametrize("setting, expected", [
    (None, {}),                 # not set: the hook is called with the folder only
    ("1", {"workers": 1}),      # -s LINKPROV_REPORT_WORKERS=1
    (2, {"workers": 2}),
])
def test_postprocess_hook_gets_the_report_workers(tmp_path, setting, expected):
    from crawler.extensions import PostProcess

    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    settings = {"LINKPROV_POSTPROCESS": f"{__name__}.record_hook", "LINKPROV_OUT": str(tmp_path)}
    if setting is not None:
        settings["LINKPROV_REPORT_WORKERS"] = setting
    ext = PostProcess.from_crawler(get_crawler(settings_dict=settings))
    HOOK_CALLS.clear()
    ext.spider_closed(None, "finished")
    assert HOOK_CALLS == [(str(tmp_path), expected)]
