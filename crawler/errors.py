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


class GraphError(LinkprovError, TypeError):
    """A change the provenance graph refuses (e.g. editing an attribute dict that edges share)."""


class OutputError(LinkprovError, OSError):
    """An output folder cannot be written or read (missing, read-only, full, older version)."""


_BY_NAME = {   # exception class name -> (reason, how to fix)
    "DownloadTimeoutError": ("timeout", "the server did not answer in DOWNLOAD_TIMEOUT; raise it with -s DOWNLOAD_TIMEOUT=N"),
    "ResponseDataLossError": ("connection_lost", "the answer was shorter than its Content-Length"),
    "TimeoutError": ("timeout", "the server did not answer in DOWNLOAD_TIMEOUT; raise it with -s DOWNLOAD_TIMEOUT=N"),
    "TCPTimedOutError": ("timeout", "the connection timed out"),
    "ConnectionRefusedError": ("connection_refused", "nothing listens there"),
    "ConnectionLost": ("connection_lost", "the server closed the connection mid-answer"),
    "ResponseNeverReceived": ("connection_lost", "the server closed the connection before answering"),
    "ResponseFailed": ("connection_lost", "the answer broke off"),
    "DNSLookupError": ("dns", "the host name does not resolve"),
    "CancelledError": ("too_large", "the download was cut at DOWNLOAD_MAXSIZE / LINKPROV_MAX_BYTES"),
}


def failure_reason(exc: BaseException) -> tuple[str, str]:
    """A short stable manifest ``reason`` and a ``detail`` for a failed request.

    >>> failure_reason(SkipInput("binary", "NUL bytes"))
    ('binary', 'NUL bytes')
    >>> failure_reason(Exception("Forbidden by robots.txt"))
    ('robots_disallowed', 'Forbidden by robots.txt')
    """
    text = f"{exc}"
    if hasattr(exc, "reason") and hasattr(exc, "detail"):          # Refused, SkipInput
        return str(exc.reason), str(exc.detail)
    response = getattr(exc, "response", None)
    if response is not None and getattr(response, "status", None):  # HttpError
        return f"http_{response.status}", f"the server answered {response.status}"
    low = text.lower()
    if "robots.txt" in low:
        return "robots_disallowed", text
    if "max redirections" in low or "redirect" in low and "loop" in low:
        return "redirect_loop", f"{text}; the server redirects in a loop or too often (REDIRECT_MAX_TIMES)"
    if "maxsize" in low or "max size" in low or "larger than download" in low:
        return "too_large", f"{text}; raise -s LINKPROV_MAX_BYTES=N to read it"
    for cls in type(exc).__mro__:
        if cls.__name__ in _BY_NAME:
            reason, how = _BY_NAME[cls.__name__]
            return reason, f"{type(exc).__name__}: {text}; {how}" if text else f"{type(exc).__name__}; {how}"
    return "error", f"{type(exc).__name__}: {text}"
