"""Two spider processes on one shared scrapy-redis frontier (a real redis-server on
127.0.0.1, started with scripts/redis.sh): no page is read twice, none is lost, and the
merged output equals the single-process output byte for byte."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT
from test_parallel import RECORDS, _network, crawl_all

pytestmark = pytest.mark.redis
pytest.importorskip("scrapy_redis", reason="scrapy-redis is not installed: pip install -e '.[distributed]'")


@pytest.fixture(scope="module")
def redis_url():
    """A private redis-server started by scripts/redis.sh; stopped afterwards."""
    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing on CI: scripts/setup.sh installs Debian's redis-server")
        pytest.skip("redis-server is missing (Debian package redis-server; scripts/setup.sh installs it)")
    script = PROJECT_ROOT / "scripts" / "redis.sh"
    started = subprocess.run(["bash", str(script), "start"], capture_output=True, text=True, check=True)
    env = dict(part.split("=", 1) for part in started.stdout.split()[1:])
    try:
        yield env["LINKPROV_REDIS_URL"]
    finally:
        subprocess.run(["bash", str(script), "stop", env["LINKPROV_REDIS_DIR"]], check=False)


def _urls(out: Path) -> list[str]:
    return [json.loads(line)["url"] for line in (out / "documents.jsonl").read_text("utf-8").splitlines()]


@pytest.mark.parametrize("network", ["corpus", "fixtures"])
def test_two_processes_share_one_frontier(network, redis_url, tmp_path):
    args = _network(network)
    single = crawl_all(tmp_path / "one", {"single": args})["single"]
    shared = (*args, f"redis={redis_url}", f"job=test-{network}")
    outs = crawl_all(tmp_path, {"w1": shared, "w2": shared})
    w1, w2 = _urls(outs["w1"]), _urls(outs["w2"])
    readings = [json.loads((outs[w] / "shard-state.json").read_text("utf-8"))["readings"] for w in ("w1", "w2")]
    assert len(readings[0]) + len(readings[1]) == len(w1) + len(w2)   # each process read each of its pages once
    assert not set(w1) & set(w2)                                       # no page read by both
    assert sorted(w1 + w2) == _urls(single)                            # none lost
    merged = tmp_path / "merged"
    subprocess.run([sys.executable, "-m", "crawler.merge", str(merged), str(outs["w1"]), str(outs["w2"])],
                   cwd=PROJECT_ROOT, check=True, capture_output=True)
    for name in RECORDS:
        assert (merged / name).read_bytes() == (single / name).read_bytes(), name


def test_redis_argument_must_be_a_url():
    from crawler.distributed import redis_settings
    from crawler.errors import ArgumentError

    with pytest.raises(ArgumentError, match="redis://127.0.0.1:6379/0"):
        redis_settings("127.0.0.1:6379", "run1")
    assert "REDIS_URL" not in redis_settings("1", "run1")   # -a redis=1: -s REDIS_URL=... decides
