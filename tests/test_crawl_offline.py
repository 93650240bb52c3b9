"""Offline means offline: an offline crawl opens no network socket and resolves no name."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT, crawl_command

FIXTURES = Path(__file__).parent / "fixtures" / "crawl"

# Runs `scrapy crawl` under an audit hook that records, then refuses, every socket
# connect / name lookup / datagram, and every bind except to loopback (urllib3 probes IPv6
# support at import time by binding ::1) -- sys.addaudithook, PEP 578. Unix domain sockets
# (a file path, not an address: the fork server of the picture processes) are local IPC.
AUDITED_SCRAPY = """
import ipaddress, json, socket, sys
log = open(sys.argv[1], "a")
WATCHED = {"socket.connect", "socket.bind", "socket.getaddrinfo", "socket.gethostbyname",
           "socket.gethostbyname_ex", "socket.gethostbyaddr", "socket.sendto", "socket.sendmsg"}
def loopback_bind(event, args):
    try:
        return event == "socket.bind" and ipaddress.ip_address(args[1][0]).is_loopback
    except (ValueError, TypeError, IndexError):
        return False
def unix_socket(event, args):
    return bool(args) and getattr(args[0], "family", None) == getattr(socket, "AF_UNIX", object())
def hook(event, args):
    if event in WATCHED and not loopback_bind(event, args) and not unix_socket(event, args):
        log.write(json.dumps([event, repr(args)]) + "\\n")
        log.flush()
        raise RuntimeError(f"offline crawl used the network: {event} {args!r}")
sys.addaudithook(hook)
from scrapy.cmdline import execute
execute(["scrapy", *sys.argv[2:]])
"""


def _args(out: Path, postprocess: bool) -> list[str]:
    return crawl_command(out, f"seeds=seeds,{FIXTURES / 'site'}", f"mounts={FIXTURES / 'mount'}=https://example.org/site/",
                         "depth=3", postprocess=postprocess)


def test_offline_crawl_opens_no_socket(tmp_path):
    events = tmp_path / "socket-events.jsonl"
    events.touch()
    cmd = _args(tmp_path / "out", postprocess=True)      # the analysis must stay offline too
    assert cmd[:3] == [sys.executable, "-m", "scrapy"]
    proc = subprocess.run([sys.executable, "-c", AUDITED_SCRAPY, str(events), *cmd[3:]], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert events.read_text() == ""
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["counts"]["documents"] >= 3


@pytest.mark.skipif(not shutil.which("unshare") or subprocess.run(["unshare", "-n", "true"],
                    capture_output=True).returncode != 0, reason="unshare -n (a network namespace) is not available")
def test_offline_crawl_works_without_a_network(tmp_path):
    proc = subprocess.run(["unshare", "-n", *_args(tmp_path / "out", postprocess=False)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "ERROR" not in proc.stderr
    docs = (tmp_path / "out" / "documents.jsonl").read_text().split("\n")
    assert len([d for d in docs if d]) >= 3
