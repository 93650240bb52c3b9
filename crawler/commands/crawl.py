"""``scrapy crawl`` that checks the ``seeds`` spider's arguments first (one clear line and exit
status 2 when they are wrong) and fails the process when the crawl could not write its outputs.

Scrapy's own ``crawl`` exits 1 only when the crawler fails to start; a crawl whose output
folder filled up mid-run closes with the finish reason ``output_error`` (see
:mod:`crawler.pipelines`), and a script must see that as a failure.
"""
from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl

from crawler.errors import LinkprovError

#: Finish reasons that mean the outputs are missing or incomplete.
FAILED_REASONS = frozenset({"output_error"})


class Command(ScrapyCrawl):
    def run(self, args, opts) -> None:
        if args[:1] == ["seeds"]:   # bad arguments: one line that says how to fix them, exit 2
            from crawler.spiders.seeds import CrawlOptions

            try:
                CrawlOptions.from_args(opts.spargs, self.settings)
            except LinkprovError as exc:
                print(f"scrapy crawl seeds: error: {exc}", file=sys.stderr)
                self.exitcode = 2
                return
        crawlers = []
        create = self._create_crawler

        def remember(name):
            crawler = create(name)
            crawlers.append(crawler)
            return crawler

        self._create_crawler = remember
        try:
            super().run(args, opts)
        finally:
            self._create_crawler = create
        if any(c.stats and c.stats.get_value("finish_reason") in FAILED_REASONS for c in crawlers):
            self.exitcode = 1
