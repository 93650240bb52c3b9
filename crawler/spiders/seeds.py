"""The ``seeds`` spider: reads local seeds (files, folders, WARC, mounts), offline by default.

Usage (see ../shared/SPEC.md)::

    scrapy crawl seeds [-a seeds=PATH[,PATH...]] [-a mounts=DIR=PREFIX[;DIR=PREFIX...]]
                       [-a depth=N] [-a online=1] [-a out=DIR] [-a allowed_domains=a,b]
                       [-a shard=K/N] [-a redis=URL|1 [-a job=NAME]]

``shard=K/N`` reads every N-th seed (N processes side by side); ``redis=`` shares one
frontier between processes through scrapy-redis (:mod:`crawler.distributed`). Either way
each process writes its own OUT, and ``python -m crawler.merge OUT OUT1 OUT2 ...`` joins them
into what one process would have written.

Thin: the local store (:mod:`crawler.store`) says what there is and serves it through the
download handlers (:mod:`crawler.handlers`); :func:`crawler.extract.parse_document` turns
bytes into a document and its links; the pipelines write the records. Seed files and WARC
records are asked for ``LINKPROV_BATCH_FILES`` at a time and read by ``LINKPROV_WORKERS``
processes (:mod:`crawler.batch`); followed links, seed URLs and a shared Redis frontier go one
request per document.
"""
from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import scrapy

from crawler.batch import BatchReader, Task, batches, parse_served
from crawler.errors import ArgumentError, failure_reason
from crawler.extract.urls import normalize_url
from crawler.handlers import BATCH_KEY, META_KEY
from crawler.items import DocumentBatch, InputItem
from crawler.sortio import check_writable
from crawler.store import LocalStore, Mount, url_key

logger = logging.getLogger(__name__)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class CrawlOptions:
    """The spider arguments, checked."""

    seeds: tuple[str, ...]
    mounts: tuple[Mount, ...]
    depth: int
    online: bool
    out: str
    allowed_domains: tuple[str, ...]
    shard: tuple[int, int] = (1, 1)   # (K, N): this process reads every N-th seed, from the K-th
    redis: str = ""                   # a shared frontier on this Redis URL ("1": REDIS_URL setting)
    job: str = "linkprov"             # Redis key prefix of the shared frontier
    urls: tuple[str, ...] = ()        # seed URLs (http/https), fetched only with online=1

    KNOWN = ("seeds", "mounts", "depth", "online", "out", "allowed_domains", "shard", "redis", "job")

    @classmethod
    def from_args(cls, args: dict, settings) -> CrawlOptions:
        unknown = sorted(set(args) - set(cls.KNOWN))
        if unknown:
            raise ArgumentError(f"unknown spider argument(s) {', '.join(unknown)}; "
                                f"known: {', '.join(cls.KNOWN)}")
        given = _split(args.get("seeds") or settings.get("LINKPROV_SEEDS"), ",")
        if not given:
            raise ArgumentError("no seeds; write -a seeds=PATH[,PATH...]")
        seeds = [s for s in given if not s.lower().startswith(("http://", "https://"))]
        urls = [normalize_url(s) or s for s in given if s not in seeds]
        depth_arg = args.get("depth", settings.get("LINKPROV_DEPTH"))
        try:
            depth = int(depth_arg)
            if depth < 0:
                raise ValueError
        except (TypeError, ValueError):
            raise ArgumentError(f"depth={depth_arg!r} is not a whole number >= 0; write e.g. -a depth=2") from None
        online_arg = str(args.get("online", settings.get("LINKPROV_ONLINE"))).strip().lower()
        if online_arg not in _TRUE | _FALSE:
            raise ArgumentError(f"online={online_arg!r}: write -a online=1 or leave it out")
        if urls and online_arg not in _TRUE:
            raise ArgumentError(f"seed URL {urls[0]} needs the network: add -a online=1, or crawl a saved "
                                f"copy (a file, a WARC, or a folder with -a mounts=DIR=PREFIX)")
        return cls(
            urls=tuple(urls),
            seeds=tuple(seeds),
            mounts=tuple(Mount.parse(spec) for spec in _split(args.get("mounts") or settings.get("LINKPROV_MOUNTS"), ";")),
            depth=depth,
            online=online_arg in _TRUE,
            out=args.get("out") or settings.get("LINKPROV_OUT"),
            allowed_domains=tuple(_split(args.get("allowed_domains"), ",")),
            shard=_shard(args.get("shard")),
            redis=str(args.get("redis") or "").strip(),
            job=str(args.get("job") or "linkprov").strip(),
        )

    def apply(self, settings) -> None:
        """Write the options into the (not yet frozen) crawler settings."""
        online_settings = {
            "ROBOTSTXT_OBEY": self.online,
            "AUTOTHROTTLE_ENABLED": self.online,
            "HTTPCACHE_ENABLED": self.online,
        }
        many = {}
        if self.shard != (1, 1) or self.redis:
            many["LINKPROV_SHARD_STATE"] = True   # crawler.merge joins the outputs of the processes
        if self.redis:
            from crawler.distributed import redis_settings
            many.update(redis_settings(self.redis, self.job))
        for name, value in {**online_settings, "LINKPROV_ONLINE": self.online,
                            "LINKPROV_OUT": self.out, "LINKPROV_DEPTH": self.depth,
                            "DEPTH_LIMIT": self.depth, **many}.items():
            settings.set(name, value, priority="spider")


def drop_killed_queue(jobdir: str | None) -> bool:
    """Remove the request queue a killed run left in ``JOBDIR`` (True when there was one).

    A run that stops cleanly writes ``requests.queue/active.json``, the index of its queue. A
    killed run (SIGKILL, power loss) leaves queue files without it: Scrapy would append to them
    and read the dead run's requests in place of the new ones, losing as many. Nothing in them
    is needed: a resumed crawl reads every seed again from ``start()``, and their links with them.
    """
    if not jobdir:
        return False
    queue = Path(jobdir) / "requests.queue"
    if not queue.is_dir() or (queue / "active.json").exists() or not any(queue.iterdir()):
        return False
    logger.warning("JOBDIR %s: the request queue of a killed run has no index; it is dropped "
                   "(the seeds are read again, and the links they hold)", jobdir)
    shutil.rmtree(queue, ignore_errors=True)
    return True


def _shard(value) -> tuple[int, int]:
    """``"K/N"`` -> (K, N) with 1 <= K <= N; None -> (1, 1)."""
    if value in (None, ""):
        return (1, 1)
    try:
        k, n = (int(part) for part in str(value).split("/"))
        if not 1 <= k <= n:
            raise ValueError
    except ValueError:
        raise ArgumentError(f"shard={value!r} is not K/N with 1 <= K <= N; write e.g. -a shard=1/2 "
                            "(process 1 of 2; run -a shard=2/2 beside it, then python -m crawler.merge)") from None
    return (k, n)


def _split(value, sep: str) -> list[str]:
    if not value:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [part.strip() for part in str(value).split(sep) if part.strip()]


class SeedsSpider(scrapy.Spider):
    """Read every seed, follow links that a local store holds (or the web with online=1)."""

    name = "seeds"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        options = CrawlOptions.from_args(kwargs, crawler.settings)
        check_writable(options.out)          # fail before crawling, with how to fix it
        options.apply(crawler.settings)
        drop_killed_queue(crawler.settings.get("JOBDIR"))
        spider = super().from_crawler(crawler, *args)
        spider.options = options
        if options.allowed_domains:
            spider.allowed_domains = list(options.allowed_domains)
        spider.store = LocalStore(list(options.seeds), list(options.mounts),
                                  crawler.settings.getint("LINKPROV_MAX_BYTES"))
        spider._requested: dict[str, int] = {}       # url key -> lowest depth requested
        spider.batch_files = crawler.settings.getint("LINKPROV_BATCH_FILES")
        # a shared Redis frontier claims each document on its own: no batches, no pool there;
        # LINKPROV_BATCH_FILES=0: one request per seed, read by the download handler
        # (and with allowed_domains, each seed's URL is checked on its own, as a request)
        batched = spider.batch_files > 0 and not options.redis and not options.allowed_domains
        spider.reader = (BatchReader.from_crawler(crawler, spider.store, options.depth, options.online)
                         if batched else None)
        return spider

    def seeds(self) -> list:
        """This process's seeds, in order: skipped inputs (:class:`InputItem`), seed file
        entries and WARC records; with ``shard=K/N`` every N-th one, from the K-th."""
        every = ([e for e in self.store.inputs if e.skip or e.kind == "file"] + list(self.store.records)
                 + list(self.options.urls))
        k, n = self.options.shard
        return every[k - 1::n]

    async def start(self):
        seeds = self.seeds()
        if self.options.redis:   # mark every seed at depth 0 in the shared frontier first
            from crawler.distributed import register_seeds
            register_seeds(self, [self._seed_url(s) for s in seeds if not getattr(s, "skip", None)])
        local = []               # seed files and WARC records, read in batches (crawler.batch)
        for seed in seeds:
            if isinstance(seed, str):   # a seed URL (online only)
                yield self._request(seed, 0)
            elif getattr(seed, "skip", None):
                yield InputItem(input=seed.input, reason=seed.skip[0], detail=seed.skip[1])
            elif self.reader is not None:
                local.append(seed)
            elif hasattr(seed, "kind"):
                yield self._request(self.store.seed_url(seed), 0)
            else:
                yield self._request(seed.uri, 0, linkprov_record=seed)
        workers = self.reader.workers if self.reader is not None else 0
        # links are followed: every seed is known at depth 0 before any link is (else the
        # workers work out the seeds' URLs)
        follow = self.options.depth > 0
        todo = [[Task.of(seed, self._seed_url(seed) if follow else None) for seed in batch]
                for batch in batches(local, self.batch_files, workers)]
        for tasks in todo if follow else ():
            for task in tasks:
                self._requested[url_key(task.url)] = 0
        for tasks in todo:
            await self.reader.reserve()    # a few batches at a time (bounded work in flight)
            url = tasks[0].url or self._seed_url(tasks[0].entry)
            yield scrapy.Request(url, callback=self.parse_batch, errback=self.failed, dont_filter=True,
                                 meta={"depth": 0, BATCH_KEY: tasks})

    def _seed_url(self, seed) -> str:
        if isinstance(seed, str):
            return seed
        return self.store.seed_url(seed) if hasattr(seed, "kind") else seed.uri

    def _request(self, url: str, depth: int, **meta) -> scrapy.Request:
        # the spider itself keeps each URL at its lowest depth (deterministic output), offline
        # and online: Scrapy's dupefilter would drop redirect loops silently and, resumed with
        # -s JOBDIR=..., drop pages whose records died with the interrupted run (a resumed run
        # redoes the work, from the HTTP cache online). With a shared Redis frontier every
        # request goes through its dupefilter (one reading per URL)
        self._requested[url_key(url)] = depth
        return scrapy.Request(url, callback=self.parse, errback=self.failed,
                              dont_filter=not self.options.redis,
                              meta={"depth": depth, **meta})

    async def parse_batch(self, response):
        """Read a batch of seeds (in a worker process) and pass its records on as one item."""
        result = await self.reader.read(response.meta[BATCH_KEY])
        for line in result.warnings:
            self.logger.warning("%s", line)
        for item in result.skipped:
            yield item
        if result.documents:
            yield DocumentBatch(result.documents)
        for doc in result.documents:
            for request in self._follow(doc.follow, 1):
                yield request
        for task in result.web:      # online, no local copy any more: the web
            yield self._request(task.url, task.depth)

    def parse(self, response):
        """Parse one document read on its own (followed links, online, shared frontier)."""
        served = response.meta[META_KEY]
        depth = response.meta.get("depth", 0)
        out = parse_served(served, response.body, depth, follow=depth < self.options.depth,
                           store=self.store, online=self.options.online)
        if isinstance(out, InputItem):
            if out.reason == "error":
                self.logger.warning("cannot parse %s: %s", out.input, out.detail)
            yield out
            return
        yield DocumentBatch([out])
        yield from self._follow(out.follow, depth + 1)

    def _follow(self, targets: list[str], depth: int):
        """Requests for the targets not yet requested at ``depth`` or lower."""
        for target in targets:
            key = url_key(target)
            if self._requested.get(key, depth + 1) <= depth:
                continue
            yield self._request(target, depth)

    def closed(self, reason):
        if self.reader is not None:
            self.reader.close()

    def failed(self, failure):
        request = failure.request
        exc = failure.value
        reason, detail = failure_reason(exc)   # timeout, http_500, redirect_loop, too_large, robots_disallowed...
        tasks = request.meta.get(BATCH_KEY)
        if tasks:      # a batch request failed as a whole (it is never downloaded: rare)
            self.logger.warning("batch of %d seeds from %s failed (%s); reading it here", len(tasks), request.url, exc)
            self.reader.release()
            result = self.reader.read_here(tasks)
            yield from result.skipped
            if result.documents:
                yield DocumentBatch(result.documents)
            return
        record = request.meta.get("linkprov_record")
        served = request.meta.get(META_KEY)
        if record is not None:
            where = record.input
        elif served is not None:
            where = served.input
        else:
            where = self.store.input_of_url(request.url)
        self.logger.warning("skipped %s: %s (%s)", request.url, reason, detail)
        yield InputItem(input=where, reason=reason, detail=detail, url=request.url,
                        record=record.record_id if record else None)
