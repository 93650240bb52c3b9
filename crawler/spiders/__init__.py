"""The ``seeds`` spider lives in :mod:`crawler.spiders.seeds`."""
