"""Join the output folders of several crawl processes into the one a single process writes.

Each process (``scrapy crawl seeds -a shard=K/N`` or ``-a redis=...``) writes its own
``documents.jsonl``, ``links.jsonl``, ``manifest.json`` and ``shard-state.json``. The merge
keeps, for each URL, the reading a single process keeps (lowest depth, then input, then WARC
record: :func:`crawler.items.reading_key`), its links, and rebuilds the manifest from the
joined states with the same function, so the files are byte for byte a single process's.

Usage::

    python -m crawler.merge OUT SHARD_OUT [SHARD_OUT ...]
    linkprov report OUT
"""
from __future__ import annotations

import argparse
import heapq
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from crawler.errors import LinkprovError, OutputError
from crawler.pipelines import (DOCUMENTS, LINKS, MANIFEST, STATE, build_manifest, manifest_text)
from crawler.sortio import check_writable, commit, loads, temp_path, write_lines

__all__ = ["merge_outputs", "main"]


def _key(doc: dict) -> str:
    return f"{int(doc.get('depth') or 0):06d}\t{doc.get('input')}\t{doc.get('record') or ''}"


def _lines(path: Path) -> Iterator[tuple[dict, bytes]]:
    """Each record of a shard's JSON Lines file with its line (UTF-8 bytes, written back as
    they are: the merge neither decodes nor re-encodes a line)."""
    if not path.is_file():
        return
    with open(path, "rb") as fh:
        for raw in fh:
            line = raw.rstrip(b"\r\n")
            if line:
                yield loads(line), line


def _state(shard: Path) -> dict:
    path = shard / STATE
    if not path.is_file():
        raise OutputError(f"{shard} has no {STATE}: crawl each part with -a shard=K/N or -a redis=... "
                          f"(or -s LINKPROV_SHARD_STATE=1), then merge their output folders")
    return json.loads(path.read_text("utf-8"))


def merge_outputs(out: str | Path, shards: list[str | Path]) -> dict:
    """Merge the crawl records of ``shards`` (output folders) into ``out``; return the manifest.

    Examples
    --------
    >>> import tempfile, json, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for k, (url, depth) in enumerate([("https://a.org/1", 0), ("https://a.org/1", 1)]):
    ...     s = d / f"s{k}"; s.mkdir()
    ...     key = f"{depth:06d}\\tp{k}.html\\t"
    ...     _ = (s / "documents.jsonl").write_text(json.dumps({"url": url, "depth": depth, "input": f"p{k}.html"}) + "\\n")
    ...     _ = (s / "links.jsonl").write_text(json.dumps({"source": url, "position": 0, "target": f"https://b.org/{k}"}) + "\\n")
    ...     _ = (s / "shard-state.json").write_text(json.dumps({"readings": [[key, f"p{k}.html", "html"]],
    ...         "notes": [], "inputs": [f"p{k}.html"], "warc": [], "record_notes": {}}))
    >>> m = merge_outputs(d / "out", [d / "s0", d / "s1"])
    >>> m["counts"]["documents"], (d / "out" / "links.jsonl").read_text().count("b.org/0")
    (1, 1)
    """
    out = check_writable(out)
    shards = [Path(s) for s in shards]
    states = [_state(s) for s in shards]
    # the winning reading of each URL: (document key, shard index)
    winner: dict[str, tuple[str, int]] = {}
    for i, shard in enumerate(shards):
        for doc, _ in _lines(shard / DOCUMENTS):
            cand = (_key(doc), i)
            if doc["url"] not in winner or cand < winner[doc["url"]]:
                winner[doc["url"]] = cand

    def tagged(i: int, name: str, field: str):
        for rec, line in _lines(shards[i] / name):
            yield rec[field], int(rec.get("position") or 0), i, line

    def doc_lines():
        streams = [tagged(i, DOCUMENTS, "url") for i in range(len(shards))]
        for url, _, i, line in heapq.merge(*streams, key=lambda t: t[0]):
            if winner[url][1] == i:
                yield line

    n_links = 0

    def link_lines():
        nonlocal n_links
        streams = [tagged(i, LINKS, "source") for i in range(len(shards))]
        for source, _, i, line in heapq.merge(*streams, key=lambda t: (t[0], t[1])):
            if winner.get(source, (None, i))[1] == i:
                n_links += 1
                yield line

    tmp_docs = write_lines(out / DOCUMENTS, doc_lines())
    tmp_links = write_lines(out / LINKS, link_lines())
    record_notes: dict = {}
    for st in states:
        for name, notes in st["record_notes"].items():
            record_notes.setdefault(name, notes)   # every process indexes every WARC alike
    state = {
        "readings": sorted({tuple(r) for st in states for r in st["readings"]}),
        "notes": sorted({tuple(n) for st in states for n in st["notes"]}),
        "inputs": sorted({x for st in states for x in st["inputs"]}),
        "warc": sorted({x for st in states for x in st["warc"]}),
        "record_notes": record_notes,
    }
    manifest = build_manifest(state, {key for key, _ in winner.values()}, n_links)
    tmp_manifest = temp_path(out / MANIFEST)
    tmp_manifest.write_text(manifest_text(manifest), encoding="utf-8")
    commit([(tmp_docs, out / DOCUMENTS), (tmp_links, out / LINKS), (tmp_manifest, out / MANIFEST)])
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m crawler.merge", description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="the merged output folder (then: linkprov report OUT)")
    ap.add_argument("shards", nargs="+", help="output folders of the crawl processes")
    args = ap.parse_args(argv)
    try:
        manifest = merge_outputs(args.out, args.shards)
    except LinkprovError as exc:
        print(f"linkprov merge: {exc}", file=sys.stderr)
        return 2
    c = manifest["counts"]
    print(f"merged {len(args.shards)} folders into {args.out}: {c['documents']} documents, {c['links']} links, "
          f"{c['inputs']} inputs; next: linkprov report {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
