"""The one exception base of linkprov. Every message says how to fix the problem."""


class LinkprovError(Exception):
    """Base of every error linkprov raises on purpose (bad arguments, unreadable output, ...)."""


class ArgumentError(LinkprovError, ValueError):
    """A spider argument or CLI argument is malformed."""


class SkipInput(LinkprovError):
    """An input is not a document linkprov can read; ``reason`` is a short stable code.

    Raised by the extraction functions; the crawl records the input as skipped with
    ``reason`` and ``detail`` in the manifest and goes on.
    """

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class OutputError(LinkprovError, OSError):
    """An output folder cannot be written or read (missing, read-only, full, older version)."""
