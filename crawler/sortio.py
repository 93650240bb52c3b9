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


def dumpb(obj) -> bytes:
    """One canonical JSON line (no newline) as the UTF-8 bytes the record files hold:
    sorted keys, compact; what the crawl's workers hand to the crawl process, which writes
    them as they are.

    Written by orjson (the crawl writes one line per link: a tenth of its parsing time went
    to ``json.dumps``), the same text as ``json.dumps(obj, ensure_ascii=False,
    sort_keys=True, separators=(",", ":"))`` for records of strings, integers, booleans,
    None, lists and dicts (tests/test_sortio.py); what orjson refuses (integers beyond 64
    bits, keys that are not strings) goes to ``json``, and text no UTF-8 can hold (lone
    surrogates) is written as JSON escapes: the same value. Floats, which crawl records do
    not hold, would be written as orjson writes them.

    >>> dumpb({"b": 1, "a": "中"}).decode("utf-8")
    '{"a":"中","b":1}'
    >>> dumpb({"a": "\\ud800"})
    b'{"a":"\\\\ud800"}'
    """
    try:
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        pass
    try:
        return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode("ascii")


def loads(line: bytes | str):
    """``json.loads(line)`` (bytes or text), parsed by orjson (twice as fast on crawl
    records) where it reads the line as the standard library does: lines orjson refuses
    (NaN, lone surrogates) and records with a float at the top level (orjson reads integers
    beyond 64 bits as floats; crawl records hold no floats) go to ``json.loads``.

    >>> loads('{"a":"中","n":1}'.encode()), loads(r'{"s":"\\ud800"}') == {"s": "\\ud800"}
    ({'a': '中', 'n': 1}, True)
    >>> loads('{"n":18446744073709551617}')
    {'n': 18446744073709551617}
    """
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)
    if type(record) is dict and float in map(type, record.values()):   # (in C: 5x the generator's speed)
        return json.loads(line)
    return record


class ExternalSorter:
    """Collect ``(key, line)`` pairs; spill sorted chunks to ``work_dir``; merge them.

    ``key`` is a tuple of str/int (compared as JSON lists); ``line`` a JSON line as UTF-8
    bytes (:func:`dumpb`), written and read back as it is. UTF-8 bytes sort as their text does.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     s = ExternalSorter(d, "x", chunk_lines=2)
    ...     for k in ["c", "a", "b"]:
    ...         s.add((k,), dumpb({"k": k}))
    ...     [line for _, line in s.merged()]
    [b'{"k":"a"}', b'{"k":"b"}', b'{"k":"c"}']
    """

    def __init__(self, work_dir: str | os.PathLike, name: str, chunk_lines: int = 50_000):
        self.work_dir = Path(work_dir)
        self.name = name
        self.chunk_lines = chunk_lines
        self._buffer: list[tuple[list, bytes]] = []
        self._chunks: list[Path] = []

    def add(self, key: tuple, line: bytes) -> None:
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
        with open(path, "wb") as fh:
            for key, line in self._buffer:
                # JSON escapes control characters, so a tab never occurs inside key or line
                fh.write(dumpb(key))
                fh.write(b"\t")
                fh.write(line)
                fh.write(b"\n")
        self._chunks.append(path)
        self._buffer = []

    def merged(self) -> Iterator[tuple[list, bytes]]:
        """All pairs in (key, line) order."""
        self._spill()
        files = [open(path, "rb") for path in self._chunks]  # noqa: SIM115
        try:
            streams = [map(_split, fh) for fh in files]
            yield from heapq.merge(*streams, key=lambda pair: (pair[0], pair[1]))
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


def write_lines(path: Path, lines: Iterable[bytes]) -> Path:
    """Write lines (UTF-8 bytes, each + newline) to ``temp_path(path)``; return the temp path.

    Call :func:`commit` with the returned paths once every file is written.
    """
    tmp = temp_path(path)
    with open(tmp, "wb") as fh:
        for line in lines:
            fh.write(line)
            fh.write(b"\n")
    return tmp


def commit(pairs: Iterable[tuple[Path, Path]]) -> None:
    """``os.replace`` each (temp, final) pair."""
    for tmp, final in pairs:
        os.replace(tmp, final)
