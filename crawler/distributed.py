"""A crawl frontier shared by several processes or machines, on scrapy-redis.

Every ``scrapy crawl seeds -a redis=URL`` process schedules into, and takes from, one request
queue in Redis (:class:`scrapy_redis.scheduler.Scheduler`); :class:`MinDepthDupeFilter`
makes sure a URL is read once across all of them (at its lowest depth, as one process would),
so no page is read twice and none is lost. Each process writes its own output folder; join
them with ``python -m crawler.merge OUT OUT1 OUT2 ...``.

Usage (Redis on 127.0.0.1:6379; ``scripts/redis.sh start`` starts a private one)::

    scrapy crawl seeds -a seeds=S -a mounts=... -a redis=redis://127.0.0.1:6379/0 -a job=run1 -a out=out1 &
    scrapy crawl seeds -a seeds=S -a mounts=... -a redis=redis://127.0.0.1:6379/0 -a job=run1 -a out=out2
    python -m crawler.merge out out1 out2 && linkprov report out

``-a redis=1`` takes the Redis URL from the ``REDIS_URL`` setting (``-s REDIS_URL=...``). The
``job`` name prefixes the Redis keys (``JOB:requests``, ``JOB:seen``, ``JOB:seen:seeds``); they are
kept when a process ends (another may still run): delete them with :func:`clear_job` (or
``redis-cli --scan --pattern 'JOB:*' | xargs redis-cli del``) before reusing a job name.
"""
from __future__ import annotations

from crawler.errors import ArgumentError
from crawler.store import url_key

__all__ = ["redis_settings", "register_seeds", "clear_job", "MinDepthDupeFilter"]

# KEYS[1] the hash url -> lowest depth requested; ARGV[1] the url; ARGV[2] the depth.
# 1 when the url was already requested at this depth or lower, else records the depth: 0.
_SEEN_LUA = """
local d = redis.call('HGET', KEYS[1], ARGV[1])
if d and tonumber(d) <= tonumber(ARGV[2]) then return 1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 0
"""


def redis_settings(redis: str, job: str) -> dict:
    """The Scrapy settings of a shared Redis frontier.

    Examples
    --------
    >>> s = redis_settings("redis://127.0.0.1:6400/0", "run1")
    >>> s["REDIS_URL"], s["SCHEDULER_QUEUE_KEY"], s["SCHEDULER_PERSIST"]
    ('redis://127.0.0.1:6400/0', 'run1:requests', True)
    """
    if not job or any(c.isspace() for c in job):
        raise ArgumentError(f"job={job!r}: give the shared frontier a name without spaces, e.g. -a job=run1")
    try:
        import scrapy_redis  # noqa: F401
    except ImportError:
        raise ArgumentError("-a redis=... needs scrapy-redis: pip install 'linkprov[distributed]'") from None
    settings = {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": f"{job}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{job}:seen",
        "DUPEFILTER_CLASS": "crawler.distributed.MinDepthDupeFilter",
        "SCHEDULER_PERSIST": True,        # one process ending must not empty the others' frontier
        "SCHEDULER_FLUSH_ON_START": False,
        "DEPTH_PRIORITY": 1,              # breadth first: pages are reached at their lowest depth
    }
    if redis not in ("1", "true", "yes", "on"):
        if not redis.startswith(("redis://", "rediss://", "unix://")):
            raise ArgumentError(f"redis={redis!r} is not a Redis URL; write e.g. -a redis=redis://127.0.0.1:6379/0 "
                                "or -a redis=1 with -s REDIS_URL=...")
        settings["REDIS_URL"] = redis
    return settings


def _server(settings):
    from scrapy_redis.connection import get_redis_from_settings
    return get_redis_from_settings(settings)


def register_seeds(spider, urls: list[str]) -> None:
    """Mark ``urls`` as requested at depth 0 in the shared frontier, before any page is read,
    so that a link found by another process never reads a seed at a greater depth."""
    key = spider.settings.get("SCHEDULER_DUPEFILTER_KEY")
    server = _server(spider.settings)
    pipe = server.pipeline(transaction=False)
    for url in urls:
        pipe.hset(key, url_key(url), 0)
    pipe.execute()


def clear_job(redis_url: str, job: str) -> int:
    """Delete the Redis keys of ``job``; return how many were deleted."""
    import redis
    server = redis.Redis.from_url(redis_url)
    keys = [f"{job}:requests", f"{job}:seen", f"{job}:seen:seeds"]
    return int(server.delete(*keys))


class MinDepthDupeFilter:
    """A Redis dupefilter that keeps each URL at its lowest depth across processes.

    A seed (depth 0) is claimed once per (URL, WARC record) in ``KEY:seeds``; a followed link
    is let through only when no process requested its URL at the same or a lower depth
    (an atomic Lua check on the hash ``KEY``, url -> depth).
    """

    def __init__(self, server, key: str):
        self.server = server
        self.key = key
        self._seen = server.register_script(_SEEN_LUA)

    @classmethod
    def from_spider(cls, spider):
        return cls(_server(spider.settings), spider.settings.get("SCHEDULER_DUPEFILTER_KEY"))

    @classmethod
    def from_crawler(cls, crawler):
        return cls(_server(crawler.settings), crawler.settings.get("SCHEDULER_DUPEFILTER_KEY"))

    def request_seen(self, request) -> bool:
        depth = int(request.meta.get("depth", 0))
        url = url_key(request.url)
        if depth == 0:
            record = request.meta.get("linkprov_record")
            claim = f"{url}\t{record.record_id if record is not None else ''}"
            return self.server.sadd(f"{self.key}:seeds", claim) == 0
        return bool(self._seen(keys=[self.key], args=[url, depth]))

    def open(self):
        return None

    def close(self, reason: str = "") -> None:
        return None   # the keys are shared with the other processes: see clear_job

    def clear(self) -> None:
        self.server.delete(self.key, f"{self.key}:seeds")

    def log(self, request, spider) -> None:
        return None
