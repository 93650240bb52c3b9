"""Download handlers: the one place that decides where a request is served from.

:class:`LocalStoreDownloadHandler` is registered for ``file``, ``http`` and ``https`` in
``DOWNLOAD_HANDLERS``. It serves a URL from the spider's :class:`crawler.store.LocalStore`
(seed file, mounted folder, WARC record). Only when the crawl runs with ``online=1``
(setting ``LINKPROV_ONLINE``) does it hand other ``http(s)`` URLs to Scrapy's HTTP
handler (``LINKPROV_HTTP_HANDLER``); otherwise it refuses them with
:class:`crawler.store.Refused` (an ``IgnoreRequest``) saying why.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.http import Response
from scrapy.utils.asyncio import run_in_thread
from scrapy.utils.misc import build_from_crawler, load_object

from crawler.store import Refused, Served, charset_of

if TYPE_CHECKING:
    from scrapy import Request

    from crawler.store import LocalStore

META_KEY = "linkprov"   # request.meta[META_KEY]: the Served record of the response
BATCH_KEY = "linkprov_batch"   # request.meta[BATCH_KEY]: the seeds a batch request stands for


def serve_local(store: LocalStore | None, url: str, record=None, online: bool = False) -> Served | None:
    """The local answer to ``url``: its :class:`Served` record, or None when only the web has
    it and ``online`` allows the web. Raises :class:`Refused` (with the reason) otherwise.

    The one decision shared by :class:`LocalStoreDownloadHandler` and the batch readers
    (:mod:`crawler.batch`), so a seed read in a batch is read exactly as a request would be.

    Examples
    --------
    >>> serve_local(None, "https://example.org/", online=True) is None
    True
    >>> serve_local(None, "https://example.org/")
    Traceback (most recent call last):
    ...
    crawler.store.Refused: offline: https://example.org/ is not in any seed, mount or WARC; crawl with -a online=1 to fetch it from the web
    """
    served = store.serve(url, record) if store is not None else None
    if served is not None:
        return served
    if url.startswith("file:"):
        raise Refused("not_found", f"{url}: no such file in the seeds or mounts")
    if not online:
        raise Refused("offline", f"{url} is not in any seed, mount or WARC; "
                                 "crawl with -a online=1 to fetch it from the web")
    return None


class LocalStoreDownloadHandler(BaseDownloadHandler):
    """Serve requests from the local store; the network only with ``LINKPROV_ONLINE``."""

    lazy = False

    def __init__(self, crawler):
        super().__init__(crawler)
        self.online = crawler.settings.getbool("LINKPROV_ONLINE")
        self._http = None

    @property
    def store(self) -> LocalStore | None:
        return getattr(self.crawler.spider, "store", None)

    async def download_request(self, request: Request) -> Response:
        store = self.store
        if BATCH_KEY in request.meta:     # a batch of seeds: read and parsed by crawler.batch
            return Response(url=request.url, body=b"", request=request, flags=["batch"])
        if store is not None:
            served = await run_in_thread(serve_local, store, request.url,
                                         request.meta.get("linkprov_record"), self.online)
        else:
            served = serve_local(None, request.url, None, self.online)
        if served is not None:
            request.meta[META_KEY] = served
            return Response(url=request.url, body=served.body, request=request,
                            status=served.http_status or 200, flags=[served.url_source])
        if store is not None:   # the web is held to the same size limit as local inputs
            request.meta.setdefault("download_maxsize", store.max_bytes)
            request.meta.setdefault("download_warnsize", 0)
        response = await self._http_handler().download_request(request)
        request.meta[META_KEY] = Served(
            url=response.url, url_source="http", input=response.url,
            declared_charset=charset_of(response.headers.get("Content-Type", b"").decode("latin-1")),
            http_status=response.status)
        return response

    def _http_handler(self):
        if self._http is None:
            cls = load_object(self.crawler.settings.get("LINKPROV_HTTP_HANDLER"))
            self._http = build_from_crawler(cls, self.crawler)
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
