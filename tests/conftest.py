"""Shared fixtures, and the guard that keeps every test off the network.

The autouse ``_no_network`` guard makes any socket connection to a non-loopback address
(and any name lookup other than localhost) raise, so no test can touch the network;
loopback stays usable for tests that start their own server on 127.0.0.1.
"""
from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# property tests draw the same examples in every run (a CI run is never red by chance);
# HYPOTHESIS_PROFILE=explore draws new ones, to hunt for counterexamples on purpose
settings.register_profile("default", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = PROJECT_ROOT.parent / "shared"
CORPUS_DIR = SHARED_DIR / "corpus" / "gfw-breaker+mh-news"
CORPUS_PREFIX = "https://github.com/gfw-breaker/mh-news/blob/master/"
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class NetworkBlocked(RuntimeError):
    """A test tried to reach the network."""


def _is_loopback(host) -> bool:
    if host is None:
        return True
    host = host.decode() if isinstance(host, bytes) else str(host)
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _check_address(family, address) -> None:
    if family == getattr(socket, "AF_UNIX", None) or not isinstance(address, tuple):
        return
    if not _is_loopback(address[0]):
        raise NetworkBlocked(f"test tried to connect to {address!r}: tests must not use the network")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo, real_create = socket.getaddrinfo, socket.create_connection

    def connect(self, address):
        _check_address(self.family, address)
        return real_connect(self, address)

    def connect_ex(self, address):
        _check_address(self.family, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _is_loopback(host):
            raise NetworkBlocked(f"test tried to resolve {host!r}: tests must not use the network")
        return real_getaddrinfo(host, *args, **kwargs)

    def create_connection(address, *args, **kwargs):
        if not _is_loopback(address[0]):
            raise NetworkBlocked(f"test tried to connect to {address!r}: tests must not use the network")
        return real_create(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The repository root (where scrapy.cfg is)."""
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the repository; tests that need it skip when it is absent."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"{SHARED_DIR} is absent (the shared corpus and seeds live there)")
    return SHARED_DIR


@pytest.fixture(scope="session")
def corpus_dir(shared_dir) -> Path:
    """The development corpus (147 Markdown mirror pages); skips when absent."""
    if not CORPUS_DIR.is_dir():
        pytest.skip(f"{CORPUS_DIR} is absent")
    return CORPUS_DIR


@pytest.fixture(scope="session")
def corpus_out(run_crawl, corpus_dir, tmp_path_factory) -> Path:
    """The corpus crawled once per session, mounted at ``CORPUS_PREFIX`` (read-only: tests
    that write outputs crawl their own)."""
    return run_crawl(tmp_path_factory.mktemp("corpus"), f"seeds={corpus_dir}",
                     f"mounts={corpus_dir}={CORPUS_PREFIX}", name="corpus")


@pytest.fixture(scope="session")
def corpus_records(corpus_out):
    """``(documents, links, manifest)`` of :func:`corpus_out` (do not change them)."""
    from graph.records import load_records
    return load_records(corpus_out)


def crawl_command(out: Path, *args: str, settings: dict | None = None, postprocess: bool = False) -> list[str]:
    """The ``scrapy crawl seeds`` command line: ``key=value`` args become ``-a key=value``,
    args starting with ``-`` are passed as they are."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "seeds", "-a", f"out={out}"]
    for arg in args:
        cmd += [arg] if arg.startswith("-") else ["-a", arg]
    merged = {"LINKPROV_PROGRESS_INTERVAL": 0, **({} if postprocess else {"LINKPROV_POSTPROCESS": ""}),
              **(settings or {})}
    for name, value in merged.items():
        cmd += ["-s", f"{name}={value}"]
    return cmd


@pytest.fixture(scope="session")
def run_crawl():
    """``run_crawl(where, *args, settings=None, postprocess=False, check=True, name="out",
    prefix=())`` runs ``scrapy crawl seeds -a out=WHERE/NAME ...`` in a subprocess with the cwd at
    the project root and returns the out folder; the log is at ``WHERE/NAME.log``.

    ``prefix`` is put before the command (e.g. ``("unshare", "-n")``); ``check`` asserts exit 0.
    Post-processing (analysis) is off unless ``postprocess=True``, to keep the suite fast.
    """
    def run(where: Path, *args: str, settings: dict | None = None, postprocess: bool = False,
            check: bool = True, name: str = "out", prefix: tuple = (), env: dict | None = None) -> Path:
        out = Path(where) / name
        cmd = [*prefix, *crawl_command(out, *args, settings=settings, postprocess=postprocess)]
        proc = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                              env={**os.environ, "PYTHONHASHSEED": "random", **(env or {})})
        (Path(where) / f"{name}.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
        if check:
            assert proc.returncode == 0, f"crawl failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
        return out

    return run
