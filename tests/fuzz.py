"""Fuzz the readers: random mutations of real pages through the HTML / Markdown / text
readers (:func:`crawler.extract.parse_document`) and the WARC reader (:class:`crawler.store.LocalStore`),
then one folder of mutants through the real crawl.

Usage (from the repository root)::

    .venv/bin/python tests/fuzz.py                  # 10,000 inputs + a crawl of 400 mutants (~5 min)
    .venv/bin/python tests/fuzz.py -n 300 --crawl 60  # quick
    .venv/bin/python tests/fuzz.py --million        # also: a 1,000,000-link page through the crawl

Pages mutated: the bundled ``seeds/``, the corpus pages under ``../shared/corpus`` when present,
and WARC files made from them. Mutations: bit flips, byte inserts/deletes, span repeats,
truncation, splices of two pages, re-encoding (GBK, Big5, UTF-16, Latin-1), BOMs, NULs,
control characters, hostile snippets (``file://`` and ``../`` links, entity bombs, homograph
hosts, 100 KB URLs, 5,000-deep nesting). Every input is parsed twice and the two results
compared byte for byte (determinism).

Prints a JSON summary: inputs tried, crashes (with the seed that reproduces each), skipped by
reason, bytes compared, peak RSS, and the crawl check (every mutant file exactly once in the
manifest, none lost). Exit status 1 when anything crashed or was lost. ``tests/test_props_fuzz.py``
runs a few hundred inputs of the same generator in the test suite.
"""
from __future__ import annotations

import argparse
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.errors import SkipInput  # noqa: E402
from crawler.extract import parse_document  # noqa: E402
from crawler.store import LocalStore, Refused  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"

HOSTILE = [
    b'<a href="file:///etc/passwd">p</a>', b'<a href="../../../../etc/shadow">s</a>', b"file:///etc/passwd ",
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>&b;&b;',
    b'<a href="https://p\xd0\xb0ypal.com/login">pay</a>', b"https://xn--pypal-4ve.com/ ",
    b"<title>\x01\x02\x0b\x1b\xef\xbf\xbe</title>", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe",
    b'<meta charset="big5">', b'<meta charset="x-unknown-42">', b"<?xml version='1.0' encoding='utf-16'?>",
    b"[a](http://a.org/" + b"x" * 3000 + b")", b"http://" + b"y" * 100_000, b"<div>" * 5000,
    b"](((((((((((((((((((", b"[" * 3000, b"<!--", b"<script>", b"<svg><a xlink:href='javascript:1'>",
    b"\r\r\n\n", b"# heading\n---\n", b"<base href='file:///'>", b"<a href='//evil.example/'>",
]


def load_pages(limit: int | None = None) -> list[tuple[str, bytes]]:
    """The real pages mutants are made from: seeds, then corpus pages (sorted)."""
    pages = [(p.relative_to(ROOT).as_posix(), p.read_bytes()) for p in sorted((ROOT / "seeds").glob("*")) if p.is_file()]
    if CORPUS.is_dir():
        found = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".md", ".html", ".htm", ".txt"))
        pages += [(p.relative_to(CORPUS.parent).as_posix(), p.read_bytes()) for p in found[:limit]]
    return pages


def mutate(rng: random.Random, body: bytes, other: bytes) -> tuple[bytes, str]:
    """One random mutation of ``body`` (``other`` is a second page for splices)."""
    kind = rng.choice(["flip", "insert", "delete", "repeat", "truncate", "splice", "encode", "hostile",
                       "hostile", "multi"])
    n = len(body)
    if kind == "multi":
        for _ in range(rng.randint(2, 6)):
            body, _ = mutate(rng, body, other)
        return body, kind
    if n == 0:
        return rng.choice(HOSTILE), "hostile"
    if kind == "flip":
        b = bytearray(body)
        for _ in range(rng.randint(1, 20)):
            b[rng.randrange(n)] ^= 1 << rng.randrange(8)
        return bytes(b), kind
    if kind == "insert":
        at = rng.randrange(n + 1)
        return body[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 64))) + body[at:], kind
    if kind == "delete":
        a = rng.randrange(n)
        return body[:a] + body[a + rng.randint(1, max(1, n // 4)):], kind
    if kind == "repeat":
        a = rng.randrange(n)
        span = body[a:a + rng.randint(1, 200)]
        return body[:a] + span * rng.randint(2, 300) + body[a:], kind
    if kind == "truncate":
        return body[:rng.randrange(n)], kind
    if kind == "splice":
        a, b = rng.randrange(n), rng.randrange(max(1, len(other)))
        return body[:a] + other[b:], kind
    if kind == "encode":
        text = body.decode("utf-8", "replace")
        codec = rng.choice(["gbk", "big5", "utf-16", "utf-16-be", "latin-1", "gb18030", "utf-32"])
        return text.encode(codec, "replace"), kind
    at = rng.randrange(n + 1)
    return body[:at] + rng.choice(HOSTILE) + body[at:], kind


def canonical(d) -> bytes:
    """The bytes compared for determinism: every field of a parsed document and its links."""
    record = {k: getattr(d, k) for k in d.__dataclass_fields__ if k != "links"}
    record["links"] = list(d.links)
    return json.dumps(record, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8", "surrogatepass")


def fuzz_documents(n: int, seed: int, pages: list[tuple[str, bytes]]) -> dict:
    """Parse ``n`` mutants twice each; count crashes, skips and bytes compared."""
    rng = random.Random(seed)
    stats = {"inputs": 0, "documents": 0, "links": 0, "skipped": {}, "crashes": [], "nondeterministic": [],
             "bytes_compared": 0, "mutations": {}}
    for i in range(n):
        name, body = rng.choice(pages)
        _, other = rng.choice(pages)
        case_seed = rng.randrange(1 << 32)
        body, kind = mutate(random.Random(case_seed), body, other)
        stats["inputs"] += 1
        stats["mutations"][kind] = stats["mutations"].get(kind, 0) + 1
        url = rng.choice(["file:///seeds/x.txt", "https://github.com/o/r/blob/master/x.md"])
        source = "file" if url.startswith("file") else "mount"
        try:
            first = parse_document(body, url, url_source=source)
            a = canonical(first)
            b = canonical(parse_document(body, url, url_source=source))
        except SkipInput as exc:
            stats["skipped"][exc.reason] = stats["skipped"].get(exc.reason, 0) + 1
            continue
        except Exception as exc:  # noqa: BLE001 - that is what we count
            stats["crashes"].append({"page": name, "case_seed": case_seed, "mutation": kind,
                                     "error": f"{type(exc).__name__}: {exc}"[:300]})
            continue
        stats["documents"] += 1
        stats["links"] += len(first.links)
        stats["bytes_compared"] += len(a) + len(b)
        if a != b:
            stats["nondeterministic"].append({"page": name, "case_seed": case_seed})
    return stats


def make_warc(path: Path, pages: list[tuple[str, bytes]], gz: bool) -> Path:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        for name, body in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(f"https://fuzz.example/{name}", "response",
                                                          payload=io.BytesIO(body), http_headers=headers))
    return path


def fuzz_warcs(n: int, seed: int, pages: list[tuple[str, bytes]], work: Path) -> dict:
    """Mutate WARC files made from the pages; index and serve every record of each."""
    rng = random.Random(seed)
    stats = {"inputs": 0, "records_served": 0, "records_refused": 0, "crashes": []}
    sample = pages[:6]
    clean = [make_warc(work / "clean.warc", sample, False).read_bytes(),
             make_warc(work / "clean.warc.gz", sample, True).read_bytes()]
    for i in range(n):
        case_seed = rng.randrange(1 << 32)
        body, kind = mutate(random.Random(case_seed), rng.choice(clean), clean[0])
        path = work / f"m{i % 8}.warc"
        path.write_bytes(body)
        stats["inputs"] += 1
        try:
            store = LocalStore([str(path)], max_bytes=8 << 20)
            for record in store.records:
                try:
                    served = store.serve(record.uri, record)
                    stats["records_served"] += served is not None
                    if served is not None:
                        try:
                            parse_document(served.body, served.url, url_source="warc",
                                           declared_charset=served.declared_charset)
                        except SkipInput:
                            pass
                except Refused:
                    stats["records_refused"] += 1
        except Exception as exc:  # noqa: BLE001
            stats["crashes"].append({"case_seed": case_seed, "mutation": kind, "error": f"{type(exc).__name__}: {exc}"[:300]})
    return stats


def crawl_folder(n: int, seed: int, pages: list[tuple[str, bytes]], work: Path) -> dict:
    """Write ``n`` mutants (and 4 mutated WARCs) to a folder, crawl it, check the manifest."""
    rng = random.Random(seed)
    folder = work / "mutants"
    folder.mkdir()
    for i in range(n):
        _, body = rng.choice(pages)
        _, other = rng.choice(pages)
        mutant, _ = mutate(rng, body, other)
        (folder / f"{i:05d}.txt").write_bytes(mutant)
    for i in range(4):
        warc = make_warc(work / f"w{i}.warc.gz", rng.sample(pages, min(5, len(pages))), True).read_bytes()
        mutant, _ = mutate(rng, warc, warc) if i else (warc, "clean")
        (folder / f"w{i}.warc.gz").write_bytes(mutant)
    files = sorted(p.name for p in folder.iterdir())
    out = work / "out"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "seeds", "-a", f"seeds={folder}", "-a", f"out={out}",
           "-a", "depth=1", "-s", "LINKPROV_PROGRESS_INTERVAL=0", "-s", "LINKPROV_POSTPROCESS=reports.run.postprocess",
           "-s", "LOG_LEVEL=WARNING"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8")) if (out / "manifest.json").exists() else {}
    listed = [e["input"] for e in manifest.get("inputs", [])]
    expected = [f"mutants/{name}" for name in files]
    return {
        "files": len(files), "exit": proc.returncode,
        "manifest_inputs": len(listed), "listed_once": len(listed) == len(set(listed)),
        "lost": sorted(set(expected) - set(listed)), "extra": sorted(set(listed) - set(expected))[:10],
        "counts": manifest.get("counts"),
        "analysis_outputs": sorted(p.name for p in out.iterdir() if p.suffix in (".json", ".graphml", ".html")),
        "errors_in_log": [line for line in proc.stderr.splitlines() if "Traceback" in line or "ERROR" in line][:10],
    }


def million_links(work: Path) -> dict:
    """A page with 1,000,000 links through the real crawl: every link in links.jsonl, peak RSS."""
    page = work / "million" / "links.md"
    page.parent.mkdir()
    with open(page, "w", encoding="utf-8") as fh:
        fh.write("# A million links\n\n")
        for i in range(1_000_000):
            fh.write(f"* [item {i}](https://e{i % 997}.example/p/{i})\n")
    out = work / "million-out"
    wrapper = ("import resource, subprocess, sys\n"
               "p = subprocess.run(sys.argv[1:], capture_output=True)\n"
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    cmd = [sys.executable, "-c", wrapper, sys.executable, "-m", "scrapy", "crawl", "seeds", "-a",
           f"seeds={page}", "-a", f"out={out}", "-a", "depth=0", "-s", "LINKPROV_POSTPROCESS=",
           "-s", "LINKPROV_PROGRESS_INTERVAL=0", "-s", "LOG_LEVEL=WARNING"]
    t = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    with open(out / "links.jsonl", "rb") as fh:
        lines = sum(1 for _ in fh)
    docs = [json.loads(x) for x in (out / "documents.jsonl").read_text().split("\n") if x]
    return {"links_in_links_jsonl": lines, "document_links": docs[0]["links"] if docs else None,
            "page_bytes": page.stat().st_size, "crawl_peak_rss_mb": round(int(proc.stdout.split()[-1]) / 1024),
            "seconds": round(time.monotonic() - t)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=10_000, help="document mutants (default 10,000)")
    ap.add_argument("--warcs", type=int, default=None, help="WARC mutants (default n/20)")
    ap.add_argument("--crawl", type=int, default=400, help="mutant files crawled for real (default 400; 0 = none)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--million", action="store_true", help="also crawl a page with 1,000,000 links")
    args = ap.parse_args(argv)
    started = time.monotonic()
    pages = load_pages()
    summary = {"pages": len(pages), "seed": args.seed}
    with tempfile.TemporaryDirectory(prefix="linkprov-fuzz-") as tmp:
        work = Path(tmp)
        summary["documents"] = fuzz_documents(args.n, args.seed, pages)
        summary["warc"] = fuzz_warcs(args.warcs if args.warcs is not None else max(10, args.n // 20),
                                     args.seed, pages, work)
        if args.crawl:
            summary["crawl"] = crawl_folder(args.crawl, args.seed, pages, work)
        if args.million:
            summary["million"] = million_links(work)
    summary["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    summary["seconds"] = round(time.monotonic() - started)
    crashes = len(summary["documents"]["crashes"]) + len(summary["warc"]["crashes"])
    lost = len(summary.get("crawl", {}).get("lost", []))
    summary["totals"] = {"inputs_tried": summary["documents"]["inputs"] + summary["warc"]["inputs"]
                         + summary.get("crawl", {}).get("files", 0),
                         "crashes": crashes, "seeds_lost": lost,
                         "nondeterministic": len(summary["documents"]["nondeterministic"]),
                         "bytes_compared": summary["documents"]["bytes_compared"]}
    print(json.dumps(summary, ensure_ascii=False, indent=1, sort_keys=True))
    return 1 if crashes or lost or summary["totals"]["nondeterministic"] else 0


if __name__ == "__main__":
    sys.exit(main())
