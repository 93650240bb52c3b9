"""Scrapy settings for linkprov. Project settings carry the ``LINKPROV_`` prefix.

Offline is the default: every request is served by ``crawler.handlers`` from a seed
file, a mounted folder or a WARC record; the network is used only with ``-a online=1``.
"""

BOT_NAME = "linkprov"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Offline by default: robots.txt is turned on by the spider only when online=1.
ROBOTSTXT_OBEY = False
USER_AGENT = "linkprov/0.1 (+https://pypi.org/project/linkprov/; provenance research crawler)"
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 32
DOWNLOAD_DELAY = 0

# Project settings
LINKPROV_OUT = "output"
LINKPROV_SEEDS = "seeds"
LINKPROV_DEPTH = 1
LINKPROV_MAX_BYTES = 64 * 1024 * 1024   # inputs larger than this are skipped (reason: too_large)
LINKPROV_POSTPROCESS = "reports.run.postprocess"  # called with the out folder when the crawl closes; "" turns it off
