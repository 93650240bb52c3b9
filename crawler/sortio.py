"""Deterministic JSON Lines on disk: canonical lines, external sort, atomic replace.

Records are streamed to sorted chunk files while the crawl runs (never all held in
memory), merged with :func:`heapq.merge` at the end, and written through a temporary file
in the output folder that is :func:`os.replace`\\ d into place (whole or not at all).
"""
from __future__ import annotations

import heapq
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from crawler.errors import OutputError


def dumps(obj) -> str:
    """One canonical JSON line (no newline): sorted keys, compact, UTF-8 text.

    Written by orjson (the crawl writes one line per link: a tenth of its parsing time went
    to ``json.dumps``), the same text as ``json.dumps(obj, ensure_ascii=False,
    sort_keys=True, separators=(",", ":"))`` for records of strings, integers, booleans,
    None, lists and dicts (tests/test_sortio.py); what orjson refuses (lone surrogates,
    integers beyond 64 bits, keys that are not strings) goes to ``json``. Floats, which
    crawl records do not hold, would be written as orjson writes them.

    >>> dumps({"b": 1, "a": "中"})
    '{"a":"中","b":1}'
    """
    try:
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    except TypeError:
        return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class ExternalSorter:
    """Collect ``(key, line)`` pairs; spill sorted chunks to ``work_dir``; merge them.

    ``key`` is a tuple of str/int (compared as JSON lists); ``line`` a JSON line.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     s = ExternalSorter(d, "x", chunk_lines=2)
    ...     for k in ["c", "a", "b"]:
    ...         s.add((k,), dumps({"k": k}))
    ...     [line for _, line in s.merged()]
    ['{"k":"a"}', '{"k":"b"}', '{"k":"c"}']
    """

    def __init__(self, work_dir: str | os.PathLike, name: str, chunk_lines: int = 50_000):
        self.work_dir = Path(work_dir)
        self.name = name
        self.chunk_lines = chunk_lines
        self._buffer: list[tuple[list, str]] = []
        self._chunks: list[Path] = []

    def add(self, key: tuple, line: str) -> None:
        self._buffer.append((list(key), line))
        if len(self._buffer) >= self.chunk_lines:
            self._spill()

    def spill(self) -> None:
        """Write the pairs held so far to a sorted chunk (callers that count lines themselves)."""
        self._spill()

    def _spill(self) -> None:
        if not self._buffer:
            return
        self._buffer.sort(key=lambda pair: (pair[0], pair[1]))
        path = self.work_dir / f"{self.name}.{len(self._chunks):05d}.chunk"
        with open(path, "w", encoding="utf-8") as fh:
            for key, line in self._buffer:
                # JSON escapes control characters, so a tab never occurs inside key or line
                fh.write(f"{json.dumps(key, ensure_ascii=False)}\t{line}\n")
        self._chunks.append(path)
        self._buffer = []

    def merged(self, raw: bool = False) -> Iterator[tuple[list, str | bytes]]:
        """All pairs in (key, line) order; with ``raw``, each line as the UTF-8 bytes it was
        spilled as (a caller that writes them out skips decoding and encoding them again:
        most of the crawl's last, one-process seconds). UTF-8 bytes sort as their text does."""
        self._spill()
        files = [open(path, "rb") for path in self._chunks]  # noqa: SIM115
        try:
            streams = [map(_split, fh) for fh in files]
            pairs = heapq.merge(*streams, key=lambda pair: (pair[0], pair[1]))
            if raw:
                yield from pairs
            else:
                for key, line in pairs:
                    yield key, line.decode("utf-8")
        finally:
            for fh in files:
                fh.close()

    def cleanup(self) -> None:
        for path in self._chunks:
            path.unlink(missing_ok=True)
        self._chunks = []
        self._buffer = []


def _split(raw: bytes) -> tuple[list, bytes]:
    key, line = raw.rstrip(b"\n").split(b"\t", 1)
    return json.loads(key), line


def check_writable(out_dir: str | os.PathLike) -> Path:
    """Create ``out_dir`` if needed and prove a file can be written there.

    Raises :class:`crawler.errors.OutputError` with a message that says how to fix it.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".linkprov-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"cannot write the output folder {str(out)!r}: {exc.strerror or exc}; "
                          "choose a writable folder with -a out=DIR or fix its permissions") from exc
    return out


def temp_path(path: Path) -> Path:
    """The temporary sibling a file is written to before :func:`os.replace`."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def write_lines(path: Path, lines: Iterable[str]) -> Path:
    """Write lines (each + newline) to ``temp_path(path)``; return the temp path.

    Call :func:`commit` with the returned paths once every file is written.
    """
    tmp = temp_path(path)
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        for line in lines:
            fh.write(line)
            fh.write("\n")
    return tmp


def commit(pairs: Iterable[tuple[Path, Path]]) -> None:
    """``os.replace`` each (temp, final) pair."""
    for tmp, final in pairs:
        os.replace(tmp, final)
