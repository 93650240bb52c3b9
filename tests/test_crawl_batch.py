"""Seeds read in batches by worker processes (crawler.batch) give what one request per seed gives:
any batch size, any number of workers, any shard; a worker that dies loses no seed."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT, crawl_command
from crawler.batch import BatchReader, Task, batches, read_batch
from crawler.store import LocalStore, Mount
from fuzz import make_warc

RECORDS = ("documents.jsonl", "links.jsonl", "manifest.json")
FIXTURES = Path(__file__).parent / "fixtures" / "crawl"
SITE_PREFIX = "https://example.org/site/"   # where tests/fixtures/crawl/mount was saved from
PARENT = os.getpid()


@pytest.fixture(scope="module")
def network(tmp_path_factory) -> tuple[str, ...]:
    """Seed files of every kind (pages, skipped inputs, a WARC) that link into a mount, 3 hops."""
    root = tmp_path_factory.mktemp("batch") / "inputs"
    (root / "sub").mkdir(parents=True)
    (root / "binary.bin").write_bytes(bytes(range(256)) * 8)
    (root / "empty.txt").write_bytes(b"")
    page = "<html><head><title>頁 {n}</title></head><body><p>新聞 {n}</p><a href='{href}'>x</a></body></html>"
    for n in range(7):
        href = f"{SITE_PREFIX}a.html" if n % 2 else f"{SITE_PREFIX}中文/b.html"
        (root / f"p{n}.html").write_text(page.format(n=n, href=href), encoding="utf-8")
    (root / "gbk.html").write_bytes(page.format(n="gbk", href="/x").replace("<head>", '<head><meta charset="gbk">')
                                    .encode("gbk"))
    (root / "sub" / "page.md").write_text("# Title\n\nSee [a](https://example.com/x) and [b](https://example.org/site/c.html).\n")
    (root / "sub" / "loop").symlink_to(root)
    make_warc(root / "pages.warc.gz", [(f"w{n}.html", page.format(n=n, href=f"{SITE_PREFIX}c.html").encode())
                                       for n in range(3)], gz=True)
    return (f"seeds={root},{FIXTURES / 'site'}", f"mounts={FIXTURES / 'mount'}={SITE_PREFIX}", "depth=3")


def crawl_all(where: Path, runs: dict[str, tuple[tuple[str, ...], dict]]) -> dict[str, Path]:
    """Run crawls side by side (name -> (args, settings)); return their out folders."""
    procs = {name: subprocess.Popen(crawl_command(where / name, *args, settings={"LOG_LEVEL": "WARNING", **settings}),
                                    cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for name, (args, settings) in runs.items()}
    for name, proc in procs.items():
        log, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"{name} failed:\n{log[-3000:]}"
    return {name: where / name for name in runs}


CONFIGS = {   # LINKPROV_BATCH_FILES, LINKPROV_WORKERS
    "batch1-inprocess": (1, 0),
    "batch1-workers2": (1, 2),
    "batch3-workers2": (3, 2),
    "batch128-inprocess": (128, 1),
    "batch128-workers2": (128, 2),
}


@pytest.fixture(scope="module")
def outputs(network, tmp_path_factory) -> dict[str, Path]:
    runs = {"per-request": (network, {"LINKPROV_BATCH_FILES": 0})}
    runs.update({name: (network, {"LINKPROV_BATCH_FILES": size, "LINKPROV_WORKERS": workers, "LINKPROV_CHUNK_LINES": 5})
                 for name, (size, workers) in CONFIGS.items()})
    return crawl_all(tmp_path_factory.mktemp("outs"), runs)


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_batches_and_workers_give_the_per_request_bytes(outputs, config):
    for name in RECORDS:
        assert (outputs[config] / name).read_bytes() == (outputs["per-request"] / name).read_bytes(), name


def test_the_network_has_every_kind_of_input(outputs):
    manifest = json.loads((outputs["per-request"] / "manifest.json").read_text("utf-8"))
    reasons = {e["input"].rsplit("/", 1)[-1]: (e["status"], e["reason"]) for e in manifest["inputs"]}
    assert reasons["binary.bin"] == ("skipped", "binary")
    assert reasons["empty.txt"] == ("skipped", "empty")
    assert reasons["loop"] == ("skipped", "symlink_loop")
    assert reasons["pages.warc.gz"][0] == reasons["gbk.html"][0] == "processed"
    depths = {json.loads(line)["depth"] for line in (outputs["per-request"] / "documents.jsonl").open(encoding="utf-8")}
    assert depths == {0, 1}                       # seeds, and mount pages reached by links


@pytest.mark.parametrize("size", [1, 4])
def test_batches_respect_shards(network, tmp_path, size):
    n = 3
    settings = {"LINKPROV_BATCH_FILES": size, "LINKPROV_WORKERS": 2}
    runs = {"single": (network, settings)}
    runs.update({f"s{k}": ((*network, f"shard={k}/{n}"), settings) for k in range(1, n + 1)})
    outs = crawl_all(tmp_path, runs)
    # shard K reads every N-th seed from the K-th (skipped inputs and WARC records count as seeds)
    seeds_arg, mounts_arg = network[0].split("=", 1)[1], network[1].split("=", 1)[1]
    store = LocalStore(seeds_arg.split(","), [Mount.parse(mounts_arg)])
    every = [e for e in store.inputs if e.skip or e.kind == "file"] + list(store.records)
    def seed_readings(out: Path) -> set:
        docs = [json.loads(line) for line in (out / "documents.jsonl").open(encoding="utf-8")]
        return {(d["input"], d["record"]) for d in docs if d["depth"] == 0}

    shards = [seed_readings(outs[f"s{k}"]) for k in range(1, n + 1)]
    for k, readings in enumerate(shards, 1):
        assert readings <= {(s.input, getattr(s, "record_id", None)) for s in every[k - 1::n]}
    assert set().union(*shards) == seed_readings(outs["single"])
    merged = tmp_path / "merged"
    subprocess.run([sys.executable, "-m", "crawler.merge", str(merged), *(str(outs[f"s{k}"]) for k in range(1, n + 1))],
                   cwd=PROJECT_ROOT, check=True, capture_output=True)
    for name in RECORDS:
        assert (merged / name).read_bytes() == (outs["single"] / name).read_bytes(), name


# -- the reader itself -----------------------------------------------------------------------

@pytest.fixture
def store() -> LocalStore:
    return LocalStore([str(FIXTURES / "site"), str(FIXTURES / "mount")], [Mount.parse(f"{FIXTURES / 'mount'}={SITE_PREFIX}")])


def _tasks(store: LocalStore) -> list[Task]:
    return [Task.of(e) for e in store.inputs if e.skip is None] + [Task(SITE_PREFIX + "missing.html", 1)]


def _crash_in_worker(tasks):
    if os.getpid() != PARENT:     # in a worker process: die as a segfault or the OOM killer would
        os._exit(3)
    raise AssertionError("runs only in workers")


def _raise_in_worker(tasks):
    raise MemoryError("no room for the results")


@pytest.mark.parametrize("work, reads, expected_log, restarts", [
    (_crash_in_worker, 1, "a worker process died", 1),
    (_crash_in_worker, 4, "worker processes died 3 times", 2),
    (_raise_in_worker, 2, "a worker could not read the batch", 0),
])
def test_a_failing_worker_loses_no_seed(store, caplog, work, reads, expected_log, restarts):
    tasks = _tasks(store)
    expected = read_batch(store, tasks, max_depth=1)
    reader = BatchReader(store, workers=2, max_depth=1, work=work)
    with caplog.at_level(logging.WARNING, logger="crawler.batch"):
        try:
            got = [asyncio.run(reader.read(tasks)) for _ in range(reads)]
        finally:
            reader.close()
    assert all(g == expected for g in got)
    assert expected.documents and expected.skipped       # documents, and the missing page
    assert expected_log in caplog.text
    assert reader.restarts == restarts


@pytest.mark.parametrize("workers", [0, 1, 2])
def test_workers_read_what_the_crawl_process_reads(store, workers):
    tasks = _tasks(store)
    reader = BatchReader(store, workers=workers, max_depth=1)
    try:
        got = asyncio.run(reader.read(tasks))
    finally:
        reader.close()
    assert reader.workers == (workers if workers > 1 else 0)
    assert got == read_batch(store, tasks, max_depth=1)
    assert [d.input for d in got.documents] == ["site/seed.html", "mount/a.html", "mount/c.html", "mount/中文/b.html"]
    assert [(s.reason, s.url) for s in got.skipped] == [("offline", SITE_PREFIX + "missing.html")]
    assert got.documents[0].follow                        # the seed links into the mount


@pytest.mark.parametrize("n, size, workers, expected", [
    (0, 64, 2, []),
    (1, 64, 2, [1]),
    (10, 64, 0, [3, 3, 3, 1]),
    (10, 2, 2, [2, 2, 2, 2, 2]),
    (147, 128, 2, [19] * 7 + [14]),
    (10000, 128, 2, [128] * 78 + [16]),
])
def test_batches(n, size, workers, expected):
    got = batches(list(range(n)), size, workers)
    assert [len(b) for b in got] == expected
    assert [x for b in got for x in b] == list(range(n))     # in order, none lost


@pytest.mark.parametrize("files, dropped", [
    ({}, False),                                                        # no queue yet
    ({"requests.queue/active.json": "{}", "requests.queue/a/0s/q00000": "x"}, False),   # stopped cleanly
    ({"requests.queue/a/0s/q00000": "x"}, True),                        # killed: no index
])
def test_a_killed_runs_request_queue_is_dropped(tmp_path, files, dropped):
    from crawler.spiders.seeds import drop_killed_queue

    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert drop_killed_queue(str(tmp_path)) is dropped
    assert (tmp_path / "requests.queue").exists() == (bool(files) and not dropped)
    assert drop_killed_queue(None) is False
