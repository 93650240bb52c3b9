"""Extensions: progress in the log while crawling, a summary at the end, and the
post-crawl hook that runs the analysis (``LINKPROV_POSTPROCESS``)."""
from __future__ import annotations

import logging
import time
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.misc import load_object

from crawler.items import DocumentBatch, DocumentItem, InputItem

logger = logging.getLogger(__name__)


class CrawlProgress:
    """Log ``documents read of requests known, pages/s`` every ``LINKPROV_PROGRESS_INTERVAL``
    seconds, and a summary block (documents, links, skipped inputs by reason) at the end."""

    def __init__(self, crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.task = None
        self.documents = self.skipped = self.seeds = self.followed = 0
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler, crawler.settings.getfloat("LINKPROV_PROGRESS_INTERVAL"))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.request_scheduled, signal=signals.request_scheduled)
        return ext

    def spider_opened(self, spider):
        self.started = time.monotonic()
        store = getattr(spider, "store", None)   # seeds are known before they are scheduled
        if store is not None:
            self.seeds = sum(e.skip is None and e.kind == "file" for e in store.inputs) + len(store.records)
        if self.interval > 0:
            self.task = create_looping_call(self.log_progress)
            self.task.start(self.interval, now=False)

    def request_scheduled(self, request, spider=None):
        if request.meta.get("depth", 0) > 0:
            self.followed += 1

    def item_scraped(self, item, response=None, spider=None):
        if isinstance(item, DocumentItem):
            self.documents += 1
        elif isinstance(item, DocumentBatch):
            self.documents += len(item.documents)
        elif isinstance(item, InputItem):
            self.skipped += 1

    def rate(self) -> float:
        return self.documents / max(time.monotonic() - self.started, 1e-9)

    def log_progress(self):
        logger.info("progress: %d documents read, %d skipped, of %d known (%d seeds + %d followed links);"
                    " %.1f pages/s", self.documents, self.skipped, self.seeds + self.followed,
                    self.seeds, self.followed, self.rate())

    def spider_closed(self, spider, reason):
        if self.task is not None and self.task.running:
            self.task.stop()
        stats = self.crawler.stats
        by_reason = {k.rsplit("/", 1)[1]: v for k, v in sorted(stats.get_stats().items())
                     if k.startswith("linkprov/skipped/")}
        lines = [
            f"linkprov summary ({reason}): output in {self.crawler.settings.get('LINKPROV_OUT')}",
            f"  documents: {stats.get_value('linkprov/documents', 0)}"
            f" ({self.documents} read, {self.rate():.1f} pages/s over {time.monotonic() - self.started:.1f} s)",
            f"  links: {stats.get_value('linkprov/links', 0)}",
            f"  inputs: {stats.get_value('linkprov/inputs', 0)}, processed {stats.get_value('linkprov/processed', 0)},"
            f" skipped {stats.get_value('linkprov/skipped', 0)}",
        ]
        lines += [f"    skipped {reason_}: {n}" for reason_, n in by_reason.items()]
        logger.info("\n".join(lines))


class PostProcess:
    """At close, call ``LINKPROV_POSTPROCESS`` (a ``postprocess(out_dir)`` function) on OUT,
    with ``workers=LINKPROV_REPORT_WORKERS`` when that is set.

    An empty setting turns it off; a hook that cannot be imported is a warning, not an error.
    """

    def __init__(self, crawler, path: str):
        self.crawler = crawler
        self.path = path
        workers = crawler.settings.get("LINKPROV_REPORT_WORKERS")
        # (a hook of one argument keeps working while the setting is not given)
        self.kwargs = {} if workers in (None, "") else {"workers": int(workers)}

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("LINKPROV_POSTPROCESS")
        if not path:
            raise NotConfigured   # turned off: nothing to log
        ext = cls(crawler, path)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider, reason):
        out = Path(self.crawler.settings.get("LINKPROV_OUT"))
        if not (out / "manifest.json").exists():
            logger.warning("post-processing skipped: %s has no manifest.json (the crawl wrote nothing)", out)
            return
        try:
            hook = load_object(self.path)
        except (ImportError, AttributeError, NameError, ValueError) as exc:
            logger.warning("post-processing skipped: cannot load LINKPROV_POSTPROCESS=%r (%s); the crawl "
                           "records are in %s — run `linkprov report %s` once the analysis is installed",
                           self.path, exc, out, out)
            return
        logger.info("post-processing %s with %s", out, self.path)
        try:
            hook(str(out), **self.kwargs)
        except Exception:  # noqa: BLE001 - the crawl records stay valid; say what failed
            logger.exception("post-processing %s with %s failed; the crawl records are kept, "
                             "rerun it with `linkprov report %s`", out, self.path, out)
