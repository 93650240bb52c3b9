"""Benchmark linkprov against floors and a naive baseline on a synthetic mirror network.

One run measures, on the same files, side by side:

a. ``parse``  the raw parse floor: Lexbor (selectolax) link extraction in a plain loop;
b. ``floor``  Scrapy's floor: a spider that reads the same files and does nothing;
c. ``naive``  the naive baseline: Scrapy + LinkExtractor, one item per link to a JSONL feed;
d. ``crawl``  the linkprov crawl (``scrapy crawl seeds`` with the network's mounts, no analysis;
   local files read in batches and parsed by one worker process per core, the default);
   ``crawl1`` the same crawl in one process (``-s LINKPROV_WORKERS=0``): the baseline of the
   multi-process speed-ups; ``crawl2`` the seeds split in two shard processes (``-a shard=1/2``
   and ``2/2``, one parser each) run at once, then merged (``python -m crawler.merge``);
e. ``analyze`` the linkprov analysis (``graph.analyze``: records -> graph + verdicts; its steps
   in forked processes, the default), ``analyze1`` the same in one process (``workers=1``, the
   least memory; digests of both compared), and ``reports`` the reports written from the
   first (graph files, pictures, report.html).

Each phase runs in its own process; its peak RSS is the largest sum, over time, of the RSS of
that process and all its descendants (crawl workers, shard processes), sampled from /proc. The result is printed, written
to ``bench/results/<name>.json`` and drawn as time against pages (log-log) when several sizes
are given.

Usage::

    python bench/run.py --pages 10000            # generates bench/data/n10000 if missing
    python bench/run.py --pages 1000 10000 --phases parse floor naive crawl analyze
"""
from __future__ import annotations

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:       # run as a script from anywhere (and in the phases' children)
    sys.path.insert(0, str(ROOT))
PHASES = ["parse", "floor", "naive", "crawl", "crawl1", "crawl2", "analyze", "analyze1", "reports"]
DEFAULT = ["parse", "floor", "naive", "crawl", "crawl1", "crawl2", "analyze", "analyze1", "reports"]


def _files(pages_dir: Path) -> list[Path]:
    return sorted(p for p in pages_dir.rglob("*") if p.is_file())


# ---------------------------------------------------------------- phases (run in a child)
def phase_parse(data: Path, out: Path) -> dict:
    from selectolax.lexbor import LexborHTMLParser

    n_links = 0
    files = _files(data / "pages")
    for p in files:
        tree = LexborHTMLParser(p.read_bytes())
        for node in tree.css("[href],[src]"):
            n_links += 1 if (node.attributes.get("href") or node.attributes.get("src")) else 0
    return {"documents": len(files), "links": n_links}


def _scrapy_files_spider(data: Path, out: Path, extract: bool) -> dict:
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.linkextractors import LinkExtractor

    files = _files(data / "pages")
    counter = {"documents": 0}

    class FilesSpider(scrapy.Spider):
        name = "bench"

        async def start(self):
            for p in files:
                yield scrapy.Request(p.as_uri(), callback=self.parse)

        def parse(self, response):
            counter["documents"] += 1
            if extract and hasattr(response, "text"):
                for link in LinkExtractor().extract_links(response):
                    yield {"source": response.url, "target": link.url, "text": link.text}

    settings = {"LOG_LEVEL": "ERROR", "TELNETCONSOLE_ENABLED": False, "ROBOTSTXT_OBEY": False,
                "CONCURRENT_REQUESTS": 32, "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7"}
    if extract:
        settings["FEEDS"] = {str(out / "naive.jsonl"): {"format": "jsonlines", "overwrite": True}}
    process = CrawlerProcess(settings, install_root_handler=False)
    process.crawl(FilesSpider)
    process.start()
    result = dict(counter)
    if extract:
        with open(out / "naive.jsonl", "rb") as f:
            result["links"] = sum(1 for _ in f)
    return result


def phase_floor(data: Path, out: Path) -> dict:
    return _scrapy_files_spider(data, out, extract=False)


def phase_naive(data: Path, out: Path) -> dict:
    return _scrapy_files_spider(data, out, extract=True)


def _mounts(data: Path) -> str:
    truth = json.loads((data / "truth.json").read_text("utf-8"))
    return ";".join(f"{data / d}={prefix}" for d, prefix in truth["mounts"])


def phase_crawl(data: Path, out: Path) -> dict:
    subprocess.run(_crawl_cmd(data, out / "linkprov"), cwd=ROOT, check=True)
    man = json.loads((out / "linkprov" / "manifest.json").read_text("utf-8"))
    return {"documents": man["counts"].get("documents"), "links": man["counts"].get("links"),
            "workers": os.cpu_count()}


def phase_crawl1(data: Path, out: Path) -> dict:
    subprocess.run(_crawl_cmd(data, out / "single", "-s", "LINKPROV_WORKERS=0"), cwd=ROOT, check=True)
    return {**_counts(out / "single"), "processes": 1,
            "same_as_default": _same(out / "single", out / "linkprov")}


def _counts(folder: Path) -> dict:
    man = json.loads((folder / "manifest.json").read_text("utf-8"))
    return {"documents": man["counts"].get("documents"), "links": man["counts"].get("links")}


def _same(a: Path, b: Path) -> bool | None:
    """Byte-equal record files (None when ``b`` was not crawled in this run)."""
    names = ("documents.jsonl", "links.jsonl", "manifest.json")
    if not all((b / f).exists() for f in names):
        return None
    return all((a / f).read_bytes() == (b / f).read_bytes() for f in names)


def _crawl_cmd(data: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "scrapy", "crawl", "seeds", "-a", f"seeds={data / 'pages'}",
            "-a", f"mounts={_mounts(data)}", "-a", "depth=0", "-a", f"out={out}",
            "-s", "LINKPROV_POSTPROCESS=", "-s", "LOG_LEVEL=WARNING", *extra]


def phase_crawl2(data: Path, out: Path, n: int = 2) -> dict:
    shards = [out / f"shard{k}" for k in range(1, n + 1)]
    procs = [subprocess.Popen(_crawl_cmd(data, shard, "-a", f"shard={k}/{n}", "-s", "LINKPROV_WORKERS=0"),
                              cwd=ROOT)
             for k, shard in enumerate(shards, 1)]
    if any(p.wait() for p in procs):
        raise SystemExit("a shard crawl failed")
    subprocess.run([sys.executable, "-m", "crawler.merge", str(out / "merged"), *map(str, shards)],
                   cwd=ROOT, check=True)
    return {**_counts(out / "merged"), "processes": n,
            "same_as_single_process": _same(out / "merged", out / "linkprov")}


def _analysis(out: Path, workers: int | None) -> tuple:
    from graph.analyze import analyze

    t0 = time.perf_counter()
    G, provenance = analyze(out / "linkprov", workers=workers)
    # the analysis itself, apart from what the phase does after it (the digest; the pickle
    # hand-over that only the benchmark writes: a crawl with post-processing passes the
    # graph to the reports in memory)
    done = {"analysis_seconds": time.perf_counter() - t0,
            **{f"analysis_{k}": v for k, v in _TREE.sample().items()}}
    return G, provenance, {"nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
                           "digest": analysis_digest(G, provenance), **done}


def analysis_digest(G, provenance: dict) -> str:
    """SHA-1 of the provenance (keys sorted) and of every node and edge with its attributes,
    in the graph's order, each edge by the id the graph files give it (``edge_key``, so the
    digest does not depend on how edges are keyed in memory): equal digests, equal analyses
    (the runs' results compared without keeping both)."""
    import hashlib

    import orjson

    from graph.build import edge_key

    # dict subclasses (graph.verdicts.Verdict, the shared dicts of graph.build) as the dicts
    # they read as: orjson would read a Verdict's own storage, which holds no evidence
    opt = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS
    h = hashlib.sha1(orjson.dumps(provenance, option=opt, default=dict))
    for item in G.nodes(data=True):
        h.update(orjson.dumps(item, option=opt, default=dict))
    for u, v, d in G.edges(data=True):
        h.update(orjson.dumps((u, v, edge_key(u, v, d["kind"]), d), option=opt, default=dict))
    return h.hexdigest()


def phase_analyze(data: Path, out: Path) -> dict:
    import pickle

    G, provenance, result = _analysis(out, None)
    with open(out / "analysis.pickle", "wb") as f:   # handed to the reports phase
        pickle.dump((G, provenance), f, protocol=pickle.HIGHEST_PROTOCOL)
    return result


def phase_analyze1(data: Path, out: Path) -> dict:
    return {**_analysis(out, 1)[2], "processes": 1}


def phase_reports(data: Path, out: Path) -> dict:
    import pickle

    from reports.run import read_manifest, write_reports

    with open(out / "analysis.pickle", "rb") as f:
        G, provenance = pickle.load(f)
    t0 = time.perf_counter()
    written = write_reports(out / "linkprov", G, provenance, manifest=read_manifest(out / "linkprov"))
    return {"files": len(written), "write_seconds": time.perf_counter() - t0}


def _pss_kb(pid: int) -> int:
    """Proportional set size of ``pid`` in kB (``Pss`` of /proc/PID/smaps_rollup; 0 where
    unreadable): its private pages plus its share of pages it shares with other processes."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _tree_rss_kb(root: int, pss: bool = False) -> tuple[int, int, int]:
    """(RSS summed, largest peak RSS of one process, PSS summed or 0) in kB over process
    ``root`` and all its descendants, from /proc (``VmRSS``, ``VmHWM``, ``Pss``; 0 where
    unreadable). ``VmHWM`` belongs to a process's own memory map, unlike ``ru_maxrss``, which
    Linux carries over from the parent through fork and exec (a child would report its
    parent's peak). Summed RSS counts a page shared by forked processes once per process;
    summed PSS counts it once: the memory the tree really holds."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        pid, ppid = int(entry), int(fields.get("PPid", "0"))
        children.setdefault(ppid, []).append(pid)
        rss[pid] = (int(fields.get("VmRSS", "0 kB").split()[0]), int(fields.get("VmHWM", "0 kB").split()[0]))
    total = high = shared = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        now, hwm = rss.get(pid, (0, 0))
        total, high = total + now, max(high, hwm)
        if pss:
            shared += _pss_kb(pid)
        todo.extend(children.get(pid, ()))
    return total, high, shared


#: the memory sampler waits at least this many times as long as its last sample took
SAMPLER_SHARE = 20


class TreeRSS:
    """Sample this process and its descendants every ``every`` s (or less often, when a
    sample takes more than 1/``SAMPLER_SHARE`` of that): ``.peak_kb`` (their RSS summed,
    at its highest), ``.pss_kb`` (their PSS summed, at its highest) and ``.one_kb`` (the
    largest peak of a single process)."""

    def __init__(self, every: float = 0.25):
        import threading

        self.peak_kb = self.one_kb = self.pss_kb = 0
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            t = time.perf_counter()
            total, one, pss = _tree_rss_kb(os.getpid(), pss=True)
            self.peak_kb, self.one_kb = max(self.peak_kb, total), max(self.one_kb, one)
            self.pss_kb = max(self.pss_kb, pss)
            # reading PSS walks every page table of the tree (~0.1 s for 10 GB): the pause
            # grows with it, so the sampler keeps under ~5% of one core
            self._stop.wait(max(self.every, SAMPLER_SHARE * (time.perf_counter() - t)))

    def sample(self) -> dict:
        """The peaks so far, now included: ``peak_pss_mb``, ``peak_rss_one_process_mb``."""
        _, one, pss = _tree_rss_kb(os.getpid(), pss=True)
        return {"peak_pss_mb": max(self.pss_kb, pss, one) / 1024,
                "peak_rss_one_process_mb": max(self.one_kb, one) / 1024}

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


_TREE: TreeRSS | None = None   # the running phase's sampler


def _child(phase: str, data: Path, out: Path) -> None:
    global _TREE
    t0 = time.perf_counter()
    with TreeRSS() as tree:
        _TREE = tree
        result = globals()[f"phase_{phase}"](data, out)
    result["seconds"] = time.perf_counter() - t0
    one = max(tree.one_kb, _tree_rss_kb(os.getpid())[1])
    result["peak_rss_mb"] = max(one, tree.peak_kb) / 1024     # all processes of the phase
    result["peak_rss_one_process_mb"] = one / 1024            # the largest single process
    result["peak_pss_mb"] = max(tree.pss_kb, one) / 1024      # all processes, shared pages once
    print("RESULT " + json.dumps(result))


# ---------------------------------------------------------------- accuracy
def _normalized_truth(truth: dict, norm) -> dict:
    """The generator writes URLs as a person would (raw Chinese); the crawl records them
    normalized (one percent-encoding): compare like with like."""
    n = lambda u: norm(u) or u  # noqa: E731
    return {**truth,
            "mirrors": {n(m): n(o) for m, o in truth["mirrors"].items()},
            "reposts": {n(m): n(o) for m, o in truth["reposts"].items()},
            "link_classes": {n(u): c for u, c in truth["link_classes"].items()},
            "stories": [[n(d) for d in docs] for docs in truth["stories"]]}


def accuracy(data: Path, out: Path) -> dict:
    """Mirror and promotional-link precision/recall and story purity against the truth."""
    import networkx as nx

    from crawler.extract.urls import normalize_url

    truth = _normalized_truth(json.loads((data / "truth.json").read_text("utf-8")), normalize_url)
    prov = json.loads((out / "linkprov" / "provenance.json").read_text("utf-8"))
    documents = set()
    with open(out / "linkprov" / "documents.jsonl", encoding="utf-8") as f:
        for line in f:
            documents.add(json.loads(line)["url"])
    story_of = {}
    for k, docs in enumerate(truth["stories"]):
        for d in docs:
            story_of[d] = k
    expected = {m: o for m, o in truth["mirrors"].items() if m in documents}
    reposts = {m: o for m, o in truth["reposts"].items() if m in documents}
    predicted = {}
    for m in prov["mirrors"]:
        if m["mirror"] in documents:
            predicted.setdefault(m["mirror"], set()).add(m["original"])
    tp = sum(1 for m, o in expected.items() if o in predicted.get(m, ()))
    tp += sum(1 for m, o in reposts.items()
              if any(p == o or (story_of.get(p) is not None and story_of.get(p) == story_of.get(m))
                     for p in predicted.get(m, ())))
    n_pred = sum(1 for m in predicted if m in expected or m in reposts or m in documents)
    n_true = len(expected) + len(reposts)
    mirror_p = tp / n_pred if n_pred else 0.0
    mirror_r = tp / n_true if n_true else 0.0

    G = nx.read_graphml(out / "linkprov" / "graph.graphml", force_multigraph=True)
    classes = truth["link_classes"]
    ptp = pfp = pfn = 0
    for u, v, d in G.edges(data=True):
        if d.get("kind") != "links_to" or d.get("link_class") == "media":
            continue
        is_promo = classes.get(v) == "promotional"
        said = d.get("link_class") == "promotional"
        ptp += is_promo and said
        pfp += said and not is_promo
        pfn += is_promo and not said
    promo_p = ptp / (ptp + pfp) if ptp + pfp else 0.0
    promo_r = ptp / (ptp + pfn) if ptp + pfn else 0.0

    total = pure = 0
    for s in prov.get("stories", []):
        labels = [story_of.get(d, f"solo:{d}") for d in s["documents"]]
        top = max(labels.count(x) for x in set(labels))
        total += len(labels)
        pure += top
    f1 = lambda p, r: 2 * p * r / (p + r) if p + r else 0.0  # noqa: E731
    return {"mirror_precision": mirror_p, "mirror_recall": mirror_r, "mirror_f1": f1(mirror_p, mirror_r),
            "promo_precision": promo_p, "promo_recall": promo_r, "promo_f1": f1(promo_p, promo_r),
            "story_purity": pure / total if total else None, "stories": len(prov.get("stories", []))}


# ---------------------------------------------------------------- driver
def run_phase(phase: str, data: Path, out: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", phase, "--data", str(data), "--work", str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise SystemExit(f"phase {phase} failed:\n{proc.stderr[-3000:]}")


def bench_size(pages: int, phases: list[str], seed: int, root: Path | None = None) -> dict:
    """Measure ``phases`` on the network of ``pages`` pages (generated into ``root/nN`` if
    missing; ``root`` defaults to ``bench/data``), outputs in ``root/workN``; return the row."""
    root = HERE / "data" if root is None else Path(root)
    data = root / f"n{pages}"
    if not (data / "truth.json").exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--pages", str(pages), "--out", str(data),
                        "--seed", str(seed)], check=True)
    work = root / f"work{pages}"
    work.mkdir(parents=True, exist_ok=True)
    row = {"pages": pages, "phases": {}}
    for ph in phases:
        r = run_phase(ph, data, work)
        row["phases"][ph] = r
        docs = r.get("documents") or pages
        print(f"  {pages:>7} pages  {ph:<8} {r['seconds']:8.2f} s  {docs / r['seconds']:9.0f} pages/s  "
              f"peak RSS {r['peak_rss_mb']:7.0f} MB  PSS {r.get('peak_pss_mb', 0):7.0f} MB", flush=True)
    p = row["phases"]
    if "crawl" in p and "floor" in p:
        row["crawl_vs_floor_time"] = p["crawl"]["seconds"] / p["floor"]["seconds"]
    if "crawl" in p and "naive" in p:
        row["crawl_vs_naive_speed"] = p["naive"]["seconds"] / p["crawl"]["seconds"]
    if "crawl1" in p and "crawl" in p:
        row["speedup_workers"] = p["crawl1"]["seconds"] / p["crawl"]["seconds"]
    if "crawl1" in p and "crawl2" in p:
        row["speedup_2_processes"] = p["crawl1"]["seconds"] / p["crawl2"]["seconds"]
    if "analyze" in p and "crawl" in p:
        row["analyze_vs_crawl_time"] = p["analyze"]["seconds"] / p["crawl"]["seconds"]
        if "analysis_seconds" in p["analyze"]:   # without the benchmark's pickle hand-over
            row["analysis_vs_crawl_time"] = p["analyze"]["analysis_seconds"] / p["crawl"]["seconds"]
    if "analyze" in p and "analyze1" in p:
        row["analyze1_same_as_analyze"] = p["analyze1"]["digest"] == p["analyze"]["digest"]
    if "reports" in p:
        row["accuracy"] = accuracy(data, work)
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, nargs="+", default=[1000])
    ap.add_argument("--phases", nargs="+", default=DEFAULT, choices=PHASES)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--name", default=None, help="result file name (default: pages joined by '-')")
    ap.add_argument("--plot", nargs="+", type=Path, metavar="JSON",
                    help="draw result files of several runs in one picture (phases all of them measured); "
                         "writes bench/results/NAME.png (default: the page counts joined by '-') and measures nothing")
    ap.add_argument("--child", choices=PHASES, help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(args.child, args.data, args.work)
        return 0
    if args.plot:
        rows = sorted((r for f in args.plot for r in json.loads(f.read_text("utf-8"))["sizes"]),
                      key=lambda r: r["pages"])
        phases = [ph for ph in PHASES if all(ph in r["phases"] for r in rows)]
        path = HERE / "results" / f"{args.name or '-'.join(str(r['pages']) for r in rows)}.png"
        _plot(rows, phases, path)
        print(f"wrote {path}")
        return 0
    print(f"linkprov bench on {platform.machine()} with {os.cpu_count()} cores, Python {platform.python_version()}")
    commit = _commit()      # before the run: what was measured, whatever changes during it
    rows = [bench_size(n, args.phases, args.seed) for n in args.pages]
    for row in rows:
        extra = {k: v for k, v in row.items() if k not in ("pages", "phases")}
        print(f"{row['pages']} pages: " + json.dumps(extra, sort_keys=True))
    result = {"machine": {"cores": os.cpu_count(), "arch": platform.machine(), "python": platform.python_version()},
              "command": "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "commit": commit,
              "sizes": rows}
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        for ph in args.phases:
            a, b = first["phases"][ph]["seconds"], last["phases"][ph]["seconds"]
            result.setdefault("scaling", {})[ph] = {"pages_ratio": last["pages"] / first["pages"], "time_ratio": b / a}
        _plot(rows, args.phases, HERE / "results" / f"{args.name or '-'.join(map(str, args.pages))}.png")
    res = HERE / "results"
    res.mkdir(exist_ok=True)
    name = args.name or "-".join(map(str, args.pages))
    from reports.files import write_atomic   # (here: a phase's child process measures its own imports)
    write_atomic(res / f"{name}.json", json.dumps(result, indent=1, sort_keys=True) + "\n")
    print(f"wrote {res / (name + '.json')}")
    return 0


def _commit() -> str | None:
    """The project's commit (``+`` when tracked files differ from it), None outside git."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+" if dirty else "")


def _plot(rows, phases, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(exist_ok=True)
    fig, (ax, mem) = plt.subplots(1, 2, figsize=(12, 5))
    xs = [r["pages"] for r in rows]
    for ph in phases:
        ax.plot(xs, [r["phases"][ph]["seconds"] for r in rows], marker="o", label=ph)
        mem.plot(xs, [r["phases"][ph].get("peak_pss_mb") or r["phases"][ph]["peak_rss_mb"] for r in rows],
                 marker="o", label=ph)
    if "crawl" in phases and len(xs) > 1:   # what linear growth would look like, from the first crawl point
        y0 = rows[0]["phases"]["crawl"]["seconds"]
        ax.plot(xs, [y0 * x / xs[0] for x in xs], ls=":", color="grey", label="linear (10x pages, 10x time)")
    mem.axhline(1024, ls="--", color="grey", lw=1)
    mem.annotate("1 GB", (xs[0], 1024), textcoords="offset points", xytext=(2, 4), color="grey", fontsize=9)
    for a, ylabel, title in ((ax, "seconds", "time against pages"),
                             (mem, "MB (PSS: all processes, shared pages once)", "peak memory against pages")):
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_xlabel("pages")
        a.set_ylabel(ylabel)
        a.set_title(f"linkprov bench: {title} (log-log)")
        a.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(2.25, 1), fontsize=9)   # beside both plots, over no line
    from reports.files import write_atomic
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight", metadata={"Software": None})
    write_atomic(path, buf.getvalue())
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
