"""The ``linkprov`` command: ``linkprov report [OUT]`` and ``linkprov shell [OUT]``.

Errors a user can fix (a wrong folder, an output of an older version) print one line that
says how, and exit with status 2, without a traceback.
"""
from __future__ import annotations

import argparse
import code
import logging
import sys

from crawler import __version__
from crawler.errors import LinkprovError

__all__ = ["main", "banner", "run_shell"]

DESCRIPTION = """\
linkprov: who first published a page, who mirrors it, and which links only promote.

A crawl (`scrapy crawl seeds -a out=OUT`) leaves its records in OUT (manifest.json,
documents.jsonl, links.jsonl) and, at its end, the reports. These commands work on such a
folder without crawling again."""

EPILOG = """\
examples:
  linkprov report output          rebuild graph.graphml, graph.gexf, nodes.csv, edges.csv,
                                  provenance.json, report.html and the PNG pictures in output/
  linkprov shell output           a Python REPL with the graph and the query helpers
  echo 'print(origin("https://github.com/1992513/djy/blob/master/gb/25/9/4/n14587530.md"))' \\
      | linkprov shell output     answer one question from a script (statements read from stdin)
"""

HELP_LINES = [
    ("origin(url)", "the original behind a URL, following mirror chains and learned mirror rules"),
    ("mirrors(url=None)", "mirror verdicts with confidence and evidence (all, or the copies of url's original)"),
    ("sources(url=None)", "publishers, wires and credits named in text (all, or those named by url)"),
    ("cluster(url)", "promotional clusters url belongs to (or that a document's links promote)"),
    ("links(url)", "the links of a document, with their link_class"),
    ("backlinks(url)", "the documents linking to url"),
    ("entity(url)", "who controls url: entity, role, documents, evidence"),
    ("story(url)", "the story (same event across documents) url belongs to"),
    ("G", "the networkx MultiDiGraph (an edge's key is its kind: G.edges[u, v, 'mirror_of']); "
          "p: all of it, p.provenance: the verdicts"),
]


def banner(p) -> str:
    """The text shown when the shell starts: what is loaded and the helpers."""
    w = max(len(a) for a, _ in HELP_LINES)
    lines = [f"linkprov {__version__} shell: {p!r}", "helpers (each returns plain data; tables have .to_dataframe()):"]
    lines += [f"  {a.ljust(w)}  {b}" for a, b in HELP_LINES]
    return "\n".join(lines)


class _Console(code.InteractiveConsole):
    """Runs piped statements like a REPL (expression values are printed) but without prompts."""

    failed = False

    def showtraceback(self):
        self.failed = True
        super().showtraceback()

    def showsyntaxerror(self, filename=None, **kw):
        self.failed = True
        super().showsyntaxerror(filename, **kw)


def run_shell(p, stdin=None, interactive: bool | None = None, show_banner: bool = True) -> int:
    """Start a REPL on the loaded output ``p``; with piped input, run it and return 1 if a
    statement failed. IPython is used when installed and the input is a terminal."""
    stdin = stdin or sys.stdin
    ns = dict(p.helpers())
    ns["__name__"] = "__console__"
    if interactive is None:
        interactive = stdin.isatty()
    if not interactive:
        if show_banner:
            print(banner(p), file=sys.stderr)
        console = _Console(locals=ns, filename="<stdin>")
        more = False
        for line in stdin:
            more = console.push(line.rstrip("\n"))
        if more:
            console.push("")
        return 1 if console.failed else 0
    try:
        from IPython import start_ipython
        from traitlets.config import Config
    except ImportError:
        code.interact(banner=banner(p) + "\n(install IPython for a nicer shell: pip install 'linkprov[shell]')",
                      local=ns, exitmsg="")
        return 0
    cfg = Config()
    cfg.TerminalInteractiveShell.banner2 = banner(p) + "\n"
    start_ipython(argv=[], user_ns=ns, config=cfg)
    return 0


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="linkprov", description=DESCRIPTION, epilog=EPILOG,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", action="version", version=f"linkprov {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")
    r = sub.add_parser("report", help="rebuild the analysis and every report of OUT from its crawl records",
                       description="Run the analysis again on OUT's crawl records (no crawling) and write "
                                   "provenance.json, graph.graphml, graph.gexf, nodes.csv, edges.csv, report.html "
                                   "and the PNG pictures into OUT.")
    r.add_argument("out", nargs="?", default="output", metavar="OUT", help="output folder of a crawl (default: output)")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress bars, no summary")
    r.add_argument("-j", "--workers", type=int, default=None, metavar="N",
                   help="processes for the analysis steps and the document pictures (default: one per core; "
                        "1: no extra process, the least memory)")
    s = sub.add_parser("shell", help="a Python REPL with OUT's graph and the query helpers",
                       description="Load OUT's graph.graphml and provenance.json and start IPython (if installed) "
                                   "or the plain Python REPL with the helpers: " + ", ".join(
                                       a for a, _ in HELP_LINES) + ". Statements piped to standard input are "
                                   "run without prompts.", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("out", nargs="?", default="output", metavar="OUT", help="output folder with reports (default: output)")
    s.add_argument("-q", "--quiet", action="store_true", help="no banner")
    return ap


def main(argv=None) -> int:
    """Entry point of the ``linkprov`` console script."""
    ap = _parser()
    args = ap.parse_args(argv)
    if not args.command:
        ap.print_help(sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(message)s")
    try:
        if args.command == "report":
            from reports.run import postprocess
            postprocess(args.out, quiet=args.quiet, workers=args.workers)
            return 0
        from graph.query import load
        p = load(args.out)
        return run_shell(p, show_banner=not args.quiet)
    except LinkprovError as e:
        print(f"linkprov: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
