"""Web entities: who controls a URL.

An entity is a registered domain (``epochtimes.com``), computed with tldextract on its
bundled Public Suffix List snapshot (never downloaded), or, on a shared platform, the
account (``github.com/1992513`` also owns ``raw.githubusercontent.com/1992513/...`` and
``1992513.github.io``). The platforms are data: ``graph/data/platforms.json``.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

import tldextract

__all__ = ["entity_of", "host_of", "registered_domain", "platforms", "run_cache", "clear_run_caches"]

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

_RUN_CACHES: list = []


def run_cache(fn):
    """Cache ``fn`` (a pure function of one URL, host or text) for the length of an
    analysis: without a size bound while it runs, emptied by :func:`clear_run_caches` when
    it ends (``graph.analyze`` does). A bounded LRU cache smaller than a crawl's distinct
    URLs misses on every pass over the links (they are read in the same order each time):
    at 100,000 pages, 400,000 URLs against 262,144 entries.

    Examples
    --------
    >>> @run_cache
    ... def double(x):
    ...     return 2 * x
    >>> double(2), double.cache_info().currsize
    (4, 1)
    >>> clear_run_caches(); double.cache_info().currsize
    0
    """
    cached = lru_cache(maxsize=None)(fn)
    _RUN_CACHES.append(cached)
    return cached


def clear_run_caches(*modules: str) -> None:
    """Empty the caches of :func:`run_cache` (the memory they hold is the analysis's): all
    of them, or those of the functions of ``modules`` (names, such as ``"graph.promo"``:
    the analysis empties a step's caches once the step is done, at 100,000 pages 60 MB).

    Examples
    --------
    >>> registered_domain("www.epochtimes.com")
    'epochtimes.com'
    >>> clear_run_caches("graph.promo"); registered_domain.cache_info().currsize > 0
    True
    >>> clear_run_caches("graph.entities"); registered_domain.cache_info().currsize
    0
    """
    for cached in _RUN_CACHES:
        if not modules or cached.__wrapped__.__module__ in modules:
            cached.cache_clear()


@lru_cache(maxsize=1)
def platforms() -> dict:
    """The platform table (``graph/data/platforms.json``) as a dict."""
    return json.loads(resources.files("graph").joinpath("data/platforms.json").read_text("utf-8"))


def host_of(url: str) -> str | None:
    """Lower-case host name of ``url`` without port, or None.

    Examples
    --------
    >>> host_of("https://WWW.Example.com:8080/a")
    'www.example.com'
    >>> host_of("mailto:x@example.com") is None
    True
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https", "ftp"):
        return None
    host = (parts.hostname or "").rstrip(".")
    return host or None


@run_cache
def registered_domain(host: str) -> str:
    """Registered domain of ``host`` (public suffix + one label); the host itself for IPs and
    names without a known suffix.

    Examples
    --------
    >>> registered_domain("www.epochtimes.com")
    'epochtimes.com'
    >>> registered_domain("news.bbc.co.uk")
    'bbc.co.uk'
    >>> registered_domain("localhost")
    'localhost'
    """
    ext = _EXTRACT(host)
    if ext.domain and ext.suffix:
        return f"{ext.domain}.{ext.suffix}"
    return host


@run_cache
def entity_of(url: str) -> str | None:
    """The web entity that controls ``url``: an account on a shared platform, else the
    registered domain. None for URLs without a host (``mailto:``, ``file://``...).

    Examples
    --------
    >>> entity_of("https://github.com/1992513/djy/blob/master/gb/25/9/4/n14587530.md")
    'github.com/1992513'
    >>> entity_of("https://raw.githubusercontent.com/1992513/www/master/t/djy/1.jpg")
    'github.com/1992513'
    >>> entity_of("https://1992513.github.io/x")
    'github.com/1992513'
    >>> entity_of("https://www.epochtimes.com/gb/25/9/4/n14587530.htm")
    'epochtimes.com'
    >>> entity_of("https://github.com/") is None or entity_of("https://github.com/") == 'github.com'
    True
    """
    host = host_of(url)
    if host is None:
        return None
    table = platforms()
    if host in table["path"]:
        platform = table["path"][host]
        if platform is None:
            return registered_domain(host)
        segs = [s for s in urlsplit(url).path.split("/") if s]
        if segs:
            owner = segs[0].lower()
            if owner.startswith("@"):
                owner = owner[1:]
            if owner and owner not in table["path_owner_skip"]:
                return f"{platform}/{owner}"
        return platform
    reg = registered_domain(host)
    if reg in table["subdomain"] and host != reg and not host.startswith("www."):
        owner = host[: -len(reg) - 1].split(".")[-1]
        return f"{table['subdomain'][reg]}/{owner}"
    return reg
