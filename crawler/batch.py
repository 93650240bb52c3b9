"""Seeds read and parsed in batches, in a pool of worker processes.

Scrapy's cost per request (scheduler, downloader, middlewares, signals) is about what parsing a
page costs, and local seed files need no scheduling, politeness or retries. So the spider asks
for ``LINKPROV_BATCH_FILES`` seeds per request (:func:`batches`), and :class:`BatchReader`
reads and parses them in ``LINKPROV_WORKERS`` processes (``fork``: each worker has the crawl's
:class:`crawler.store.LocalStore`). A worker returns ready-to-write records
(:class:`DocumentRecords`: the JSON lines the pipeline writes, the keys it sorts them by, and the
link targets a local store holds, to follow), so the crawl process does little per link.

One conversion for every path: :func:`parse_served` turns a served document into its records,
in a worker or, for requests read one by one (followed links, online, a shared Redis frontier),
in the spider. A worker that dies (crash, out of memory, killed) loses nothing: its batch is
read again in the crawl process, and the log says so.
"""
from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context

from crawler.errors import SkipInput, failure_reason
from crawler.extract import ParsedDocument, parse_document
from crawler.handlers import serve_local
from crawler.items import DocumentItem, DocumentRecords, InputItem, LinkItem, reading_key, record_of
from crawler.sortio import dumpb
from crawler.store import InputFile, LocalStore, Served, WarcRecord, url_key

logger = logging.getLogger(__name__)

_LINK_FIELDS = tuple(f.name for f in dataclasses.fields(LinkItem) if not f.metadata.get("internal"))
_LINK_FIELD_SET = frozenset(_LINK_FIELDS)
_LINK_DEFAULTS = {f.name: f.default for f in dataclasses.fields(LinkItem)
                  if f.default is not dataclasses.MISSING}
_LINK_FACTORIES = {f.name: f.default_factory for f in dataclasses.fields(LinkItem)
                   if f.default_factory is not dataclasses.MISSING}
_DOC_FIELDS = {f.name for f in dataclasses.fields(DocumentItem)}
_PARSED_FIELDS = sorted({f.name for f in dataclasses.fields(ParsedDocument)} - {"links"} & _DOC_FIELDS)


@dataclass(frozen=True)
class Task:
    """One seed of a batch: the URL to read, its depth, and its WARC record or seed file.

    ``url`` None: the seed file's URL (:meth:`crawler.store.LocalStore.seed_url`), worked out
    by whoever reads the batch.
    """

    url: str | None = None
    depth: int = 0
    record: WarcRecord | None = None
    entry: InputFile | None = None

    @classmethod
    def of(cls, seed: InputFile | WarcRecord, url: str | None = None) -> Task:
        """The task of a seed file or a WARC record (read at depth 0)."""
        if isinstance(seed, WarcRecord):
            return cls(url or seed.uri, 0, record=seed)
        return cls(url, 0, entry=seed)


@dataclass
class BatchResult:
    """What reading a batch gave: documents, inputs that gave none, and log lines."""

    documents: list[DocumentRecords] = field(default_factory=list)
    skipped: list[InputItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    web: list[Task] = field(default_factory=list)   # online: no local copy, to fetch one by one


def link_record(link: dict, position: int, source: str) -> dict:
    """The links.jsonl record of one extracted link (as :class:`LinkItem` would give it).

    >>> r = link_record({"target": "https://a.org/", "href": "/", "tag": "a", "extra": 1}, 0, "https://a.org/x")
    >>> r["source"], r["position"], r["scheme_kind"], "extra" in r
    ('https://a.org/x', 0, 'url', False)
    """
    if link.keys() == _LINK_FIELD_SET:  # what the extraction gives: every field and no other
        rec = dict(link)
        rec["source"] = source
        return rec
    rec = {"position": position}        # a position the extraction gives wins, as in LinkItem(**...)
    for name in _LINK_FIELDS:
        if name in link:
            rec[name] = link[name]
        elif name in _LINK_DEFAULTS:
            rec.setdefault(name, _LINK_DEFAULTS[name])
        elif name in _LINK_FACTORIES:
            rec[name] = _LINK_FACTORIES[name]()
    rec["source"] = source
    return rec


def parse_served(served: Served, body: bytes, depth: int, *, follow: bool = False,
                 store: LocalStore | None = None, online: bool = False) -> DocumentRecords | InputItem:
    """Parse one served document into its records, or the :class:`InputItem` saying why not.

    ``follow``: also list the link targets to read at ``depth + 1`` (those ``store`` holds, and
    online, links to web pages).
    """
    try:
        parsed = parse_document(body, served.url, url_source=served.url_source,
                                declared_charset=served.declared_charset)
    except SkipInput as exc:
        return InputItem(input=served.input, reason=exc.reason, detail=exc.detail,
                         url=served.url, record=served.record)
    except Exception as exc:  # noqa: BLE001 - one bad input never stops the crawl
        return InputItem(input=served.input, reason="error", detail=f"{type(exc).__name__}: {exc}",
                         url=served.url, record=served.record)
    doc = {name: getattr(parsed, name) for name in _PARSED_FIELDS}
    doc.update(input=served.input, links=len(parsed.links), depth=depth, record=served.record,
               size=len(body), sha1=hashlib.sha1(body).hexdigest())
    item = DocumentItem(**doc)
    document = dumpb(record_of(item))
    url = item.url
    key = reading_key(depth, served.input, served.record)
    lines = []
    for position, link in enumerate(parsed.links):
        rec = link_record(link, position, url)
        lines.append((rec["position"], dumpb(rec)))
    lines = [line for _, line in sorted(lines)]       # the order of links.jsonl: position, then line
    targets = follow_targets(parsed.links, store, online) if follow and store is not None else []
    return DocumentRecords(url=url, key=key, input=served.input, content_type=item.content_type,
                           document=document, links=lines, follow=targets)


def follow_targets(links, store: LocalStore, online: bool) -> list[str]:
    """The link targets worth a request: pages a local store holds (or online, web pages)."""
    targets = []
    for link in links:
        target = link.get("target")
        if not target or link.get("scheme_kind", "url") != "url" or link.get("media"):
            continue
        if store.holds(target) or (online and is_web_page_link(link, url_key(target))):
            targets.append(target)
    return list(dict.fromkeys(targets))


def is_web_page_link(link: dict, key: str) -> bool:
    """Online, follow links to pages (``href``, Markdown, bare URLs), not stylesheets or scripts."""
    return (key.startswith(("http://", "https://")) and link.get("tag") not in ("link", "script")
            and (link.get("attribute") == "href" or link.get("via") in ("markdown", "bare")))


def read_batch(store: LocalStore, tasks: list[Task], *, max_depth: int = 0, online: bool = False) -> BatchResult:
    """Read and parse a batch of seeds with ``store`` (in a worker, or in the crawl process)."""
    result = BatchResult()
    for task in tasks:
        url = task.url or store.seed_url(task.entry)
        try:
            served = serve_local(store, url, task.record, online)
        except Exception as exc:  # noqa: BLE001 - Refused, OSError: recorded as the request would be
            reason, detail = failure_reason(exc)
            where = task.record.input if task.record is not None else store.input_of_url(url)
            result.warnings.append(f"skipped {url}: {reason} ({detail})")
            result.skipped.append(InputItem(input=where, reason=reason, detail=detail, url=url,
                                            record=task.record.record_id if task.record else None))
            continue
        if served is None:          # online, and no local copy any more: read it from the web
            result.web.append(Task(url, task.depth))
            continue
        out = parse_served(served, served.body, task.depth, follow=task.depth < max_depth,
                           store=store, online=online)
        if isinstance(out, InputItem):
            if out.reason == "error":
                result.warnings.append(f"cannot parse {out.input}: {out.detail}")
            result.skipped.append(out)
        else:
            result.documents.append(out)
    return result


def batches(tasks: list, size: int, workers: int) -> list[list]:
    """``tasks`` cut in consecutive batches of at most ``size``, and small enough that every
    worker gets about four batches (a short crawl is spread over the workers too).

    >>> [len(b) for b in batches(list(range(10)), 4, 1)]
    [3, 3, 3, 1]
    >>> [len(b) for b in batches(list(range(1000)), 256, 2)]
    [125, 125, 125, 125, 125, 125, 125, 125]
    """
    if not tasks:
        return []
    size = max(1, min(size, -(-len(tasks) // (4 * max(workers, 1)))))
    return [tasks[i:i + size] for i in range(0, len(tasks), size)]


def _first(tasks: list[Task]) -> str:
    """What a log line calls a batch: its first seed."""
    if not tasks:
        return "-"
    return tasks[0].url or tasks[0].entry.input


# -- the worker processes ---------------------------------------------------------------
_WORKER: dict = {}


def _init_worker(store: LocalStore, max_depth: int, online: bool, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C stops the crawl process; it stops us
    _WORKER.update(store=store, max_depth=max_depth, online=online)
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """End this worker when the crawl process is gone (killed), rather than wait forever."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGKILL) == 0 and os.getppid() == parent:   # PR_SET_PDEATHSIG
            return
    except (OSError, AttributeError):
        pass
    import threading
    import time

    def watch():
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _read_in_worker(tasks: list[Task]) -> BatchResult:
    return read_batch(_WORKER["store"], tasks, max_depth=_WORKER["max_depth"], online=_WORKER["online"])


class BatchReader:
    """Read batches of seeds in ``workers`` processes (0 or 1: in this process).

    Parameters
    ----------
    store : LocalStore
    workers : int
    max_depth : int
        Links are listed to follow from documents below this depth.
    online : bool
    work : callable, optional
        What a worker runs on a batch (default: :func:`read_batch` with the worker's store).

    Examples
    --------
    >>> reader = BatchReader(LocalStore([]), workers=0)
    >>> asyncio.run(reader.read([])).documents
    []
    """

    def __init__(self, store: LocalStore, workers: int, max_depth: int = 0, online: bool = False, work=None):
        self.store = store
        self.max_depth = max_depth
        self.online = online
        self.workers = workers if workers > 1 else 0
        self.work = work or _read_in_worker
        self.pool: ProcessPoolExecutor | None = None
        self.restarts = 0
        # batches asked for and not read yet: at most two per worker, so that a stopped crawl
        # (Ctrl-C) finishes little work, and results wait for the pipeline in bounded memory
        self.limit = 2 * max(self.workers, 1)
        self.pending = 0
        self._room: asyncio.Future | None = None
        if self.workers:
            self._start()

    @classmethod
    def from_crawler(cls, crawler, store: LocalStore, max_depth: int, online: bool) -> BatchReader:
        workers = crawler.settings.get("LINKPROV_WORKERS")
        workers = (os.cpu_count() or 1) if workers in (None, "") else int(workers)
        return cls(store, workers, max_depth, online)

    def _start(self) -> None:
        try:
            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=get_context("fork"), initializer=_init_worker,
                initargs=(self.store, self.max_depth, self.online, os.getpid()))
            self.pool.submit(int).result()    # fork every worker now, before other threads start
        except (OSError, ValueError, BrokenProcessPool) as exc:
            logger.warning("cannot start %d worker processes (%s); reading in the crawl process",
                           self.workers, exc)
            self.pool = None

    def read_here(self, tasks: list[Task]) -> BatchResult:
        """Read a batch in this process."""
        return read_batch(self.store, tasks, max_depth=self.max_depth, online=self.online)

    async def reserve(self) -> None:
        """Wait until fewer than ``limit`` batches are pending, then count one more; the batch's
        :meth:`read` (or :meth:`release`, when it is not read) counts it off."""
        while self.pending >= self.limit:
            if self._room is None or self._room.done():
                try:
                    self._room = asyncio.get_running_loop().create_future()
                except RuntimeError:      # not on an asyncio loop: no limit
                    break
            await self._room
        self.pending += 1

    def release(self) -> None:
        """Count a batch off (read, or failed before it could be read)."""
        self.pending = max(0, self.pending - 1)
        if self._room is not None and not self._room.done():
            self._room.set_result(None)

    async def read(self, tasks: list[Task]) -> BatchResult:
        """Read a batch in a worker (in this process when there is no pool or a worker died)."""
        try:
            return await self._read(tasks)
        finally:
            self.release()

    async def _read(self, tasks: list[Task]) -> BatchResult:
        pool = self.pool
        if pool is not None:
            try:
                return await asyncio.wrap_future(pool.submit(self.work, tasks))
            except BrokenProcessPool as exc:
                self._broken(pool, exc, tasks)
            except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be sent back
                logger.warning("a worker could not read the batch from %s (%s: %s); it is read in the crawl "
                               "process", _first(tasks), type(exc).__name__, exc)
        return self.read_here(tasks)

    def _broken(self, pool: ProcessPoolExecutor, exc: BaseException, tasks: list[Task]) -> None:
        logger.warning("a worker process died (%s); its batch of %d seeds (from %s) is read in the crawl "
                       "process", exc or type(exc).__name__, len(tasks), _first(tasks))
        if pool is self.pool:    # the first batch to notice starts a new pool (twice at most)
            pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None
            if self.restarts < 2:
                self.restarts += 1
                self._start()
            else:
                logger.warning("worker processes died %d times; the rest of the crawl is read in the crawl "
                               "process", self.restarts + 1)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
