"""Write every report of an output folder: the hook the crawler calls when a crawl closes
(``LINKPROV_POSTPROCESS = "reports.run.postprocess"``) and what ``linkprov report OUT`` runs.

Reports only read what ``graph.analyze`` produced (G and the provenance dict).
"""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from crawler import __version__
from crawler.errors import OutputError
from reports import files, html, pictures

__all__ = ["postprocess", "write_reports", "check_records", "read_manifest", "RECORDS"]

log = logging.getLogger("linkprov.reports")
RECORDS = ("manifest.json", "documents.jsonl", "links.jsonl")
MAX_DOC_PICTURES = 500   # one picture per seed document, up to this many (the rest are listed without one)


def check_records(out) -> Path:
    """Raise :class:`~crawler.errors.OutputError` (saying how to fix it) unless ``out`` holds
    crawl records this version can read."""
    out = Path(out)
    if not out.is_dir():
        raise OutputError(f"no crawl records in {out}: run `scrapy crawl seeds -a out={out}` first (no such folder)")
    missing = [r for r in RECORDS if not (out / r).is_file()]
    if "manifest.json" in missing or "documents.jsonl" in missing:
        raise OutputError(f"no crawl records in {out}: run `scrapy crawl seeds -a out={out}` first "
                          f"(missing {', '.join(missing)})")
    try:
        manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise OutputError(f"{out}/manifest.json is unreadable ({e}): crawl again with "
                          f"`scrapy crawl seeds -a out={out}`") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("inputs"), list):
        raise OutputError(f"{out} was written by an older linkprov (manifest.json has no \"inputs\" list): "
                          f"crawl again with `scrapy crawl seeds -a out={out}`")
    with open(out / "documents.jsonl", encoding="utf-8", errors="replace") as f:
        first = f.readline().strip()
    if first:
        try:
            rec = json.loads(first)
        except ValueError:
            rec = None
        if not isinstance(rec, dict) or "url" not in rec or "content_type" not in rec:
            raise OutputError(f"{out}/documents.jsonl was written by an older linkprov (records lack \"url\"/"
                              f"\"content_type\"): crawl again with `scrapy crawl seeds -a out={out}`")
    return out


def read_manifest(out) -> dict:
    try:
        return json.loads((Path(out) / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def _bar(iterable, show, desc, total=None):
    if not show:
        return iterable
    from tqdm import tqdm
    return tqdm(iterable, desc=desc, total=total, unit="step", leave=False, file=sys.stderr)


def write_reports(out, G, provenance: dict, *, manifest: dict | None = None, progress: bool = False,
                  max_pictures: int = MAX_DOC_PICTURES, workers: int | None = None) -> list[str]:
    """Write provenance.json, graph.graphml, graph.gexf, nodes.csv, edges.csv, the PNGs and
    report.html into ``out`` (each whole or not at all); return the file names written, sorted.

    One picture per seed document, for the first ``max_pictures`` seed documents by URL (the
    report says which documents have none), drawn in ``workers`` processes (default: one per
    core; 0 or 1: in this process). A picture that fails is logged and left out; the other
    outputs are still written. The graph files are streamed from ``G``
    (:func:`reports.files.write_graph_files`): no copy of the graph is made.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def put(name, data):
        files.write_atomic(out / name, data)
        written.append(name)

    seeds = pictures.seed_documents(G)
    todo = seeds[:max_pictures] if max_pictures > 0 else []
    # the document pictures are drawn in their processes while this one writes the other files
    drawing = pictures.document_pictures(G, provenance, todo, context=pictures.DocContext(G, provenance),
                                         workers=workers) if todo else None
    try:
        files.write_provenance(out / "provenance.json", provenance)
        written.append("provenance.json")
        written.extend(files.write_graph_files(out, G, version=__version__))
        main = {}
        for name, make in _bar([("provenance_map.png", lambda: pictures.provenance_map(G, provenance)),
                                ("link_classes.png", lambda: pictures.link_classes(G))], progress, "pictures"):
            try:
                main[name] = make()
                put(name, main[name])
            except Exception:  # a picture must never stop the run
                log.exception("could not draw %s; the report goes on without it", name)
        drawn = {}
        for url, png, error in _bar(drawing or (), progress, "document pictures", total=len(todo)):
            if png is None:
                log.error("could not draw the picture of %s\n%s", url, (error or "").rstrip())
                continue
            name = pictures.doc_picture_name(url)
            put(name, png)
            drawn[url] = name
    finally:
        if drawing is not None:
            drawing.close()     # (when a file failed: the picture processes stop)
    docs = [(url, drawn.get(url, "")) for url in seeds]
    keep = set(drawn.values())
    for old in sorted(out.glob("doc_*.png")):   # pictures of documents no longer in the output
        if old.name not in keep:
            old.unlink()
    put("report.html", html.render_html(G, provenance, manifest if manifest is not None else read_manifest(out),
                                        main, docs, version=__version__, max_pictures=max_pictures))
    return sorted(written)


def _analyze(out: Path, progress: bool, workers: int | None = None):
    from graph.analyze import analyze
    return analyze(out, progress=progress, workers=workers)


def postprocess(out_dir, progress=None, quiet=False, workers: int | None = None) -> list[str]:
    """Analyze the crawl records in ``out_dir`` and write every report there.

    Parameters
    ----------
    out_dir : str or Path
        An output folder of ``scrapy crawl seeds`` (manifest.json, documents.jsonl, links.jsonl).
    progress : bool or None
        Progress bars on standard error; None shows them when standard error is a terminal.
    quiet : bool
        No progress bars and no summary line.
    workers : int or None
        Processes for the analysis steps and the document pictures (None: one per core; 0 or
        1: everything in this process, the least memory: 1.8 GB at 100k pages against 3.0 GB
        (PSS) for the analysis and 2.0 GB for the reports forked, for 1.1-1.9x the time;
        bench/results/README.md, session 17). The outputs are the same.

    Returns
    -------
    list of str
        The file names written, sorted.

    Raises
    ------
    crawler.errors.OutputError
        ``out_dir`` holds no crawl records, or records of an older version.
    """
    out = check_records(out_dir)
    show = False if quiet else (sys.stderr.isatty() if progress is None else bool(progress))
    G, provenance = _analyze(out, show, workers)
    written = write_reports(out, G, provenance, manifest=read_manifest(out), progress=show, workers=workers)
    if not quiet:
        log.info("linkprov: wrote %d report files into %s: open %s", len(written), out, out / "report.html")
    return written
