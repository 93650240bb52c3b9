"""Handing freed heap memory back to the system, for the analysis's steps that free a lot
at once (the link records, the normalized texts of the near-duplicate step), and handing
a list's items on, for the steps that free each item as they read it."""
from __future__ import annotations

from functools import lru_cache

__all__ = ["give_back", "taken"]


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


def taken(items: list):
    """Yield the items of ``items`` in order, removing each from the list as it is given:
    the list ends empty, and each item lives only as long as the reader keeps it (a step
    that turns each of 100,000 texts into another holds one of them at a time, not both).

    Examples
    --------
    >>> texts = ["a", "b", "c"]
    >>> [t.upper() for t in taken(texts)], texts
    (['A', 'B', 'C'], [])
    """
    items.reverse()
    while items:
        yield items.pop()


@lru_cache(maxsize=1)
def _malloc_trim():
    """glibc's ``malloc_trim``, or None where there is none."""
    try:
        import ctypes
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):     # not glibc
        return None
