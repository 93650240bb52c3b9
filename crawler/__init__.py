"""linkprov crawler: a Scrapy project that reads local seeds (files, folders, WARC,
mounted snapshots) offline by default and records every outbound link with its context."""

__version__ = "0.1.0"
