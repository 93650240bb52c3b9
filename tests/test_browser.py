"""report.html in a real browser: Debian's headless Chromium renders it; the DOM shows the
summary, the evidence tables and the pictures; a screenshot is saved in the test's tmp folder."""
import os
import shutil
import subprocess

import pytest

from fixtures.reports.sample import make_graph, make_manifest, make_provenance
from reports.html import WHY
from reports.run import write_reports

pytestmark = pytest.mark.browser


def _chromium():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing on CI: scripts/setup.sh installs Debian's chromium")
        pytest.skip("chromium is not installed (Debian package `chromium`; scripts/setup.sh)")
    return exe


def _run(exe, tmp_path, *args):
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}"]
    return subprocess.run([exe, *flags, *args], capture_output=True, text=True, timeout=120)


def test_report_in_headless_chromium(tmp_path):
    exe = _chromium()
    out = tmp_path / "out"
    write_reports(out, make_graph(), make_provenance(), manifest=make_manifest())
    url = (out / "report.html").as_uri()
    r = _run(exe, tmp_path, "--dump-dom", url)
    assert r.returncode == 0, r.stderr[-2000:]
    dom = r.stdout
    assert "<h1>linkprov report</h1>" in dom
    for text in ("inputs skipped", "documents read that mirror an original", "Mirrors and their originals", "翻墙软件与首页推广",
                 "據路透社報導", "NUL bytes: not a text document &lt;script&gt;", "本文转自大纪元 &lt;b&gt;&amp;amp;&lt;/b&gt;"):
        assert text in dom, text
    for text in ("Mirror hosts", "mirrored documents</th>", "Link classes", "cannot predict a full URL",  # rule note
                 "why this role", "mirrors " + "https://www.epochtimes.com/gb/25/9/4/n14587530.htm (0.97)",
                 WHY["mirrors"][:60], WHY["stories"][:60], WHY["entities"][:60]):
        assert text in dom, text
    assert "<script>" not in dom                               # escaped, not injected
    assert dom.count('src="data:image/png;base64,') == 2       # the map and the link classes, embedded
    shot = tmp_path / "report.png"
    r = _run(exe, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", "--hide-scrollbars", url)
    assert shot.is_file() and shot.stat().st_size > 10_000, r.stderr[-2000:]
