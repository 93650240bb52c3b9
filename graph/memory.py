"""Handing freed heap memory back to the system, for the analysis's steps that free a lot
at once (the link records, the normalized texts of the near-duplicate step)."""
from __future__ import annotations

from functools import lru_cache

__all__ = ["give_back"]


def give_back() -> None:
    """Hand the heap memory freed so far back to the system (glibc's ``malloc_trim``; nothing
    where there is none). CPython returns its empty small-object arenas itself, but the C
    heap keeps what large strings and arrays (texts, link columns) leave when freed, and
    CPython's arenas never reuse it: without this the process stays as large as its
    largest step.

    Examples
    --------
    >>> give_back()
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@lru_cache(maxsize=1)
def _malloc_trim():
    """glibc's ``malloc_trim``, or None where there is none."""
    try:
        import ctypes
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):     # not glibc
        return None
