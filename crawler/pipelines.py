"""Item pipeline: stream the crawl's records to ``documents.jsonl``, ``links.jsonl`` and
``manifest.json`` in the output folder.

Records are spilled to sorted chunks in a work folder inside OUT while the crawl runs and
merged at close (:mod:`crawler.sortio`); each file is written to a temporary name and
``os.replace``\\ d, so OUT holds whole files or the previous ones. Sorted: documents by
``url``, links by ``(source, position)``; a URL read twice is written once (the reading with
the lowest depth, then input, then WARC record — see
:func:`crawler.items.reading_key`).
"""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections import Counter, defaultdict
from pathlib import Path

from crawler.items import DocumentBatch, DocumentItem, InputItem, reading_key
from crawler.sortio import ExternalSorter, check_writable, commit, temp_path

logger = logging.getLogger(__name__)

MANIFEST, DOCUMENTS, LINKS = "manifest.json", "documents.jsonl", "links.jsonl"


def document_key(doc: DocumentItem) -> str:
    """Which reading of a URL wins when it is read twice: lowest depth, then input, then record."""
    return reading_key(doc.depth, doc.input, doc.record)


class CrawlRecordsPipeline:
    """Write documents.jsonl, links.jsonl and manifest.json to ``LINKPROV_OUT``."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.out = Path(crawler.settings.get("LINKPROV_OUT"))
        self.chunk_lines = crawler.settings.getint("LINKPROV_CHUNK_LINES")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        check_writable(self.out)
        remove_stale_work(self.out)         # left by a killed run (SIGKILL, power loss)
        self.failed: OSError | None = None  # set when OUT cannot be written any more (full disk)
        self.work = self.out / f".linkprov-work-{os.getpid()}"
        self.work.mkdir(exist_ok=True)
        # one record per reading of a document: its documents.jsonl line and its links.jsonl lines,
        # tab-joined (JSON escapes tabs), sorted by (url, reading key); spilled every chunk_lines lines
        self.records = ExternalSorter(self.work, "records", self.chunk_lines)
        self.held = 0                                    # lines held since the last spill
        self.winner: dict[str, str] = {}                 # url -> document_key kept
        self.readings: dict[str, tuple[str, str]] = {}   # document_key -> (input, content_type)
        self.notes: dict[str, list[InputItem]] = defaultdict(list)

    def process_item(self, item):
        if self.failed is None:
            try:
                self._process(item)
            except OSError as exc:          # a chunk could not be spilled: OUT is full or gone
                self._output_failed(exc)
        return item

    def _output_failed(self, exc: OSError) -> None:
        if self.failed is None:
            self.failed = exc
            logger.error("cannot write the output folder %s: %s; free space there or choose another "
                         "folder with -a out=DIR (nothing was written; earlier outputs there are untouched)",
                         self.out, exc.strerror or exc)
            engine = getattr(self.crawler, "engine", None)
            if engine is not None and getattr(engine, "running", False):
                from scrapy.utils.defer import deferred_from_coro
                deferred_from_coro(engine.close_spider_async(reason="output_error"))

    def _process(self, item):
        if isinstance(item, DocumentBatch):     # ready-to-write records (crawler.batch)
            records, winner, readings = self.records, self.winner, self.readings
            for doc in item.documents:
                url, key = doc.url, doc.key
                readings[key] = (doc.input, doc.content_type)
                if url not in winner or key < winner[url]:
                    winner[url] = key
                records.add((url, key), b"\t".join([doc.document, *doc.links]))
                self.held += 1 + len(doc.links)
            if self.held >= self.chunk_lines:
                records.spill()
                self.held = 0
        elif isinstance(item, InputItem):
            self.notes[item.input].append(item)
        return item

    def close_spider(self):
        try:
            if self.failed is None:
                self._write()
        except OSError as exc:
            self._output_failed(exc)
        finally:
            shutil.rmtree(self.work, ignore_errors=True)
            for name in (DOCUMENTS, LINKS, MANIFEST):       # temp files of a failed write
                temp_path(self.out / name).unlink(missing_ok=True)

    def _write(self):
        winners = set(self.winner.values())
        n_links = 0
        tmp_docs, tmp_links = temp_path(self.out / DOCUMENTS), temp_path(self.out / LINKS)
        with open(tmp_docs, "wb") as docs, open(tmp_links, "wb") as links:   # UTF-8 lines, as spilled
            for (url, key), record in _dedupe(self.records.merged()):
                if key != self.winner[url]:
                    continue
                document, _, rest = record.partition(b"\t")
                docs.write(document)
                docs.write(b"\n")
                if rest:
                    n_links += rest.count(b"\t") + 1
                    links.write(rest.replace(b"\t", b"\n"))
                    links.write(b"\n")
        manifest = self.manifest(winners, n_links)
        tmp_manifest = temp_path(self.out / MANIFEST)
        tmp_manifest.write_text(manifest_text(manifest), encoding="utf-8")
        commit([(tmp_docs, self.out / DOCUMENTS), (tmp_links, self.out / LINKS),
                (tmp_manifest, self.out / MANIFEST)])
        stats = self.crawler.stats
        for name, value in manifest["counts"].items():
            if name != "skipped_by_reason":
                stats.set_value(f"linkprov/{name}", value)
        for reason, value in manifest["counts"]["skipped_by_reason"].items():
            stats.set_value(f"linkprov/skipped/{reason}", value)

    def manifest(self, winners: set[str], n_links: int) -> dict:
        """``{"inputs": [...], "counts": {...}}``: every input exactly once."""
        state = self.state()
        if self.crawler.settings.getbool("LINKPROV_SHARD_STATE"):
            write_state(self.out, state)
        return build_manifest(state, winners, n_links)

    def state(self) -> dict:
        """What :func:`build_manifest` needs, as JSON data (merged across shards by
        :func:`crawler.merge.merge_outputs`)."""
        store = getattr(self.crawler.spider, "store", None)
        inputs = store.inputs if store else []
        return {
            "readings": sorted([key, input_, ctype] for key, (input_, ctype) in self.readings.items()),
            "notes": sorted([n.input, n.reason, n.detail, n.record or ""]
                            for notes in self.notes.values() for n in notes),
            "inputs": sorted({e.input for e in inputs}),
            "warc": sorted({e.input for e in inputs if e.kind == "warc"}),
            "record_notes": {k: dict(sorted(v.items()))
                             for k, v in sorted((store.record_notes if store else {}).items())},
        }


STATE = "shard-state.json"


def manifest_text(manifest: dict) -> str:
    """The bytes of ``manifest.json`` (as text)."""
    return json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def write_state(out: Path, state: dict) -> None:
    """Write a shard's :meth:`CrawlRecordsPipeline.state` to ``OUT/shard-state.json``."""
    tmp = temp_path(out / STATE)
    tmp.write_text(json.dumps(state, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    commit([(tmp, out / STATE)])


def build_manifest(state: dict, winners: set[str], n_links: int) -> dict:
    r"""``{"inputs": [...], "counts": {...}}`` from a crawl state (see
    :meth:`CrawlRecordsPipeline.state`): every input exactly once.

    Examples
    --------
    >>> state = {"readings": [["000000\ta.html\t", "a.html", "html"]], "notes": [["b.bin", "binary", "", ""]],
    ...          "inputs": ["a.html", "b.bin"], "warc": [], "record_notes": {}}
    >>> m = build_manifest(state, {"000000\ta.html\t"}, 3)
    >>> [(e["input"], e["status"], e["reason"]) for e in m["inputs"]], m["counts"]["links"]
    ([('a.html', 'processed', None), ('b.bin', 'skipped', 'binary')], 3)
    """
    documents: Counter[str] = Counter()
    types: dict[str, set[str]] = defaultdict(set)
    lost: dict[str, str] = {}
    for key, input_, ctype in state["readings"]:
        if key in winners:
            documents[input_] += 1
            types[input_].add(ctype)
        else:
            lost[input_] = key
    notes_of: dict[str, list] = defaultdict(list)
    for input_, reason, detail, record in state["notes"]:
        notes_of[input_].append((reason, detail, record))
    warc = set(state["warc"])
    record_notes = state["record_notes"]
    names = set(documents) | set(notes_of) | set(lost) | set(record_notes) | set(state["inputs"])
    entries = []
    for name in sorted(names):
        entry = {"input": name, "documents": documents[name], "reason": None}
        notes = sorted(notes_of.get(name, []))
        if name in warc:
            skipped = Counter(record_notes.get(name, {}))
            skipped.update(reason for reason, _, _ in notes)
            entry["content_type"] = "warc"
            if skipped:
                entry["records_skipped"] = dict(sorted(skipped.items()))
        elif len(types[name]) == 1:
            entry["content_type"] = next(iter(types[name]))
        if documents[name]:
            entry["status"] = "processed"
        else:
            entry["status"] = "skipped"
            if notes and name not in warc:
                entry["reason"], entry["detail"] = notes[0][0], notes[0][1]
            elif name in lost:
                entry["reason"] = "duplicate"
                entry["detail"] = "its document's URL was read from another input too; that reading is kept"
            else:
                entry["reason"] = "no_documents"
                entry["detail"] = "nothing in it could be read as a document"
        entries.append(entry)
    skipped = Counter(e["reason"] for e in entries if e["status"] == "skipped")
    counts = {
        "inputs": len(entries),
        "processed": sum(e["status"] == "processed" for e in entries),
        "skipped": sum(skipped.values()),
        "documents": len(winners),
        "links": n_links,
        "skipped_by_reason": dict(sorted(skipped.items())),
    }
    return {"inputs": entries, "counts": counts}


def remove_stale_work(out: Path) -> None:
    """Remove work folders and temporary files that killed runs left in ``out`` (their
    process is gone). A resumed crawl redoes their work, so nothing in them is needed."""
    for path in out.glob(".*"):
        match = re.fullmatch(r"\.(?:linkprov-work-|.+\.tmp-)(\d+)", path.name)
        if not match or int(match[1]) == os.getpid() or _alive(int(match[1])):
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _dedupe(pairs):
    """Drop exact repeats (the same record read twice)."""
    last = None
    for pair in pairs:
        if pair != last:
            yield pair
        last = pair
