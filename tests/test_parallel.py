"""Several crawl processes (``-a shard=K/N``) merged by ``crawler.merge`` give, byte for byte,
what one process gives."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS_DIR, CORPUS_PREFIX, PROJECT_ROOT, crawl_command
from crawler.errors import ArgumentError, OutputError
from crawler.merge import merge_outputs
from crawler.spiders.seeds import _shard

RECORDS = ("documents.jsonl", "links.jsonl", "manifest.json")
CRAWL_FIXTURES = Path(__file__).parent / "fixtures" / "crawl"
SITE_PREFIX = "https://site.example/"


def _network(name: str) -> tuple[str, ...]:
    if name == "corpus":
        if not CORPUS_DIR.is_dir():
            pytest.skip(f"{CORPUS_DIR} is absent")
        return (f"seeds={CORPUS_DIR}", f"mounts={CORPUS_DIR}={CORPUS_PREFIX}")
    # seeds that link into a mount, followed 3 hops: shards meet the same pages at other depths
    return (f"seeds={CRAWL_FIXTURES / 'site'},{CRAWL_FIXTURES / 'mount'}",
            f"mounts={CRAWL_FIXTURES / 'mount'}={SITE_PREFIX}", "depth=3")


def crawl_all(where: Path, runs: dict[str, tuple[str, ...]]) -> dict[str, Path]:
    """Run several crawls at once; return their out folders."""
    procs = {name: subprocess.Popen(crawl_command(where / name, *args, settings={"LOG_LEVEL": "WARNING"}),
                                    cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for name, args in runs.items()}
    for name, proc in procs.items():
        log, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"{name} failed:\n{log[-3000:]}"
    return {name: where / name for name in runs}


@pytest.mark.parametrize("network", ["corpus", "fixtures"])
def test_two_shards_merge_to_the_single_process_output(network, tmp_path):
    args = _network(network)
    outs = crawl_all(tmp_path, {"single": args, "s1": (*args, "shard=1/2"), "s2": (*args, "shard=2/2")})
    shard_docs = [(outs[s] / "documents.jsonl").read_text("utf-8").splitlines() for s in ("s1", "s2")]
    assert shard_docs[0] and shard_docs[1]           # both processes read something
    merged = tmp_path / "merged"
    subprocess.run([sys.executable, "-m", "crawler.merge", str(merged), str(outs["s1"]), str(outs["s2"])],
                   cwd=PROJECT_ROOT, check=True, capture_output=True)
    for name in RECORDS:
        assert (merged / name).read_bytes() == (outs["single"] / name).read_bytes(), name
    assert not (outs["single"] / "shard-state.json").exists()


@pytest.mark.parametrize("value, expected", [(None, (1, 1)), ("", (1, 1)), ("1/2", (1, 2)), ("3/3", (3, 3))])
def test_shard_argument(value, expected):
    assert _shard(value) == expected


@pytest.mark.parametrize("value", ["0/2", "3/2", "1", "a/b", "1/2/3"])
def test_bad_shard_argument_says_how_to_fix(value):
    with pytest.raises(ArgumentError, match="shard=1/2"):
        _shard(value)


def test_merge_needs_shard_states(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "documents.jsonl").write_text("", "utf-8")
    with pytest.raises(OutputError, match="-a shard=K/N"):
        merge_outputs(tmp_path / "out", [tmp_path / "a"])
