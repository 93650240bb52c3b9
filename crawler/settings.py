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
REMOTE_CONTROL_ENABLED = False   # no listening socket, no job files in the home folder
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 32
DOWNLOAD_DELAY = 0

# Every request goes through the local store (seed files, mounts, WARC records); the
# network is reached only through it, and only with LINKPROV_ONLINE (-a online=1).
DOWNLOAD_HANDLERS = {
    "file": "crawler.handlers.LocalStoreDownloadHandler",
    "http": "crawler.handlers.LocalStoreDownloadHandler",
    "https": "crawler.handlers.LocalStoreDownloadHandler",
    "ftp": None,
    "s3": None,
}
ITEM_PIPELINES = {
    "crawler.pipelines.CrawlRecordsPipeline": 300,
}
EXTENSIONS = {
    "crawler.extensions.CrawlProgress": 500,
    "crawler.extensions.PostProcess": 900,
}
# Online mode only (the spider turns these on with -a online=1)
AUTOTHROTTLE_ENABLED = False
HTTPCACHE_ENABLED = False
HTTPCACHE_DIR = "httpcache"
DEPTH_STATS_VERBOSE = False

# Project settings
LINKPROV_OUT = "output"
LINKPROV_SEEDS = "seeds"
LINKPROV_DEPTH = 1
LINKPROV_MAX_BYTES = 64 * 1024 * 1024   # inputs larger than this are skipped (reason: too_large)
LINKPROV_MOUNTS = ""                    # DIR=PREFIX[;DIR=PREFIX...], as -a mounts=
LINKPROV_ONLINE = False                 # as -a online=1
LINKPROV_HTTP_HANDLER = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"  # used only online
LINKPROV_PROGRESS_INTERVAL = 5.0        # seconds between progress lines in the log
LINKPROV_BATCH_FILES = 128             # seed files (and WARC records) read per request, in a worker; 0: one request each
LINKPROV_WORKERS = None                 # processes that read and parse batches; None: one per core; 0 or 1: none
LINKPROV_CHUNK_LINES = 50000            # records held in memory before a sorted chunk is spilled to OUT
LINKPROV_POSTPROCESS = "reports.run.postprocess"  # called with the out folder when the crawl closes; "" turns it off
LINKPROV_REPORT_WORKERS = None          # processes of the analysis and report pictures after the crawl (the hook's
                                        # workers=); None: one per core; 1: this process only, the least memory
COMMANDS_MODULE = "crawler.commands"
