"""Where each URL is served from: seed files, mounted folders and WARC records.

:class:`LocalStore` is the one place that knows every local input. The spider asks it
which inputs there are (:meth:`LocalStore.seed_requests`) and which link targets it holds
(:meth:`LocalStore.holds`); the download handlers (:mod:`crawler.handlers`) ask it for the
bytes of a URL (:meth:`LocalStore.serve`). Nothing here touches the network.

Machine-independent names: an input is shown by its seed path as given when that is relative
(``seeds/a.txt``), else by the path's last part(s) (``/tmp/x/seeds`` -> ``seeds/a.txt``; see
:func:`display_names`); a seed with no mount and no URL of its own has the URL
``file:///`` + its input (:func:`file_url`). ``file:`` URLs are served only for seed files
and files inside mounts: nothing else on the machine can be read through a link.
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from scrapy.exceptions import IgnoreRequest
from w3lib.url import file_uri_to_path, safe_url_string

from crawler.errors import ArgumentError
from crawler.extract.sniff import is_warc
from crawler.extract.urls import normalize_url

logger = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc", ".warc.gz")
_HEAD_BYTES = 4096
_MOUNT_RE = re.compile(r"^(?P<dir>.+?)=(?P<prefix>[A-Za-z][A-Za-z0-9+.-]*://.*)$")


class Refused(IgnoreRequest):
    """A request no local store may serve (offline), or a path that climbs out of its folder.

    ``reason`` is a short stable code (as in the manifest), ``detail`` says what to do.
    """

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Mount:
    """A local folder that stands for the web location it was saved from."""

    given: str      # DIR as the user wrote it (used in ``input`` values)
    root: Path      # DIR resolved
    prefix: str     # URL prefix, percent-encoded (w3lib ``safe_url_string``)

    @classmethod
    def parse(cls, spec: str) -> Mount:
        """Parse one ``DIR=PREFIX`` spec.

        >>> m = Mount.parse("seeds=https://example.org/blob/")
        >>> (m.given, m.prefix)
        ('seeds', 'https://example.org/blob/')
        """
        match = _MOUNT_RE.match(spec.strip())
        if not match:
            raise ArgumentError(f"mount {spec!r} is not DIR=PREFIX; write e.g. "
                                "-a mounts=saved/site=https://www.example.com/")
        given = match["dir"].rstrip("/") or "/"
        root = Path(given).resolve()
        if not root.is_dir():
            raise ArgumentError(f"mount folder {given!r} does not exist or is not a folder; "
                                "check the DIR part of -a mounts=DIR=PREFIX")
        return cls(given=given, root=root, prefix=url_key(match["prefix"]))

    def url_for(self, path: Path) -> str | None:
        """The URL of a (resolved) file inside the mount, else None."""
        rel = _inside(os.fspath(path), os.fspath(self.root))   # strings: pathlib is a tenth of a page's parse
        if rel is None:
            return None
        return url_key(self.prefix + quote(rel, safe="/!$&'()*+,;=:@~"))

    def path_for(self, url: str) -> Path | None:
        """The file a URL of this mount stands for; None when the URL is not under the prefix.

        Raises :class:`Refused` when the path climbs out of the folder (``..``, symlinks).
        """
        url = url_key(url)
        if not url.startswith(self.prefix):
            return None
        rest = url[len(self.prefix):]
        candidates = [rest.split("?", 1)[0]]
        if "?" in rest:
            candidates.insert(0, rest)       # a file saved with its query in the name
        root = os.fspath(self.root)
        for raw in candidates:
            for rel in dict.fromkeys((unquote(raw), raw)):
                if not rel or rel.endswith("/"):
                    continue
                path = os.path.realpath(os.path.join(root, rel))
                if _inside(path, root) is None:
                    raise Refused("outside_mount", f"{url} climbs out of mount {self.given!r}")
                if os.path.isfile(path):
                    return Path(path)
        return None


def _inside(path: str, root: str) -> str | None:
    """``path`` relative to ``root`` (both absolute and resolved; ``"."`` for the root
    itself), or None when it lies outside: what ``Path.relative_to`` gives, on strings.

    >>> _inside("/m/a/b.md", "/m"), _inside("/m", "/m"), _inside("/mx/b.md", "/m"), _inside("/a", "/")
    ('a/b.md', '.', None, 'a')
    """
    if path == root:
        return "."
    top = root if root.endswith("/") else root + "/"
    return path[len(top):] if path.startswith(top) else None


@dataclass(frozen=True)
class InputFile:
    """One input file found under the seed paths (or a path that could not be used)."""

    input: str                  # path as given in seeds= joined with the relative path
    path: Path                  # resolved real path
    kind: str = "file"          # "file" | "warc"
    size: int = 0
    skip: tuple[str, str] | None = None   # (reason, detail) when it is not read at all


@dataclass(frozen=True)
class WarcRecord:
    """Where one response/resource record of a WARC file sits."""

    input: str        # the WARC input
    path: Path
    offset: int
    uri: str          # WARC-Target-URI as written
    record_id: str
    length: int


@dataclass
class Served:
    """What a handler returns to the spider about one response (``response.meta['linkprov']``)."""

    url: str                    # the document URL to pass to parse_document
    url_source: str             # "file" | "mount" | "warc" | "http"
    input: str                  # manifest input the document counts for
    declared_charset: str | None = None
    record: str | None = None   # WARC-Record-ID
    http_status: int | None = None
    body: bytes = field(default=b"", repr=False)


def charset_of(content_type: str | None) -> str | None:
    """The ``charset=`` parameter of a Content-Type header value.

    >>> charset_of('text/html; charset="GBK"')
    'GBK'
    """
    if not content_type:
        return None
    match = re.search(r"charset\s*=\s*[\"']?([^\"';,\s]+)", content_type, re.I)
    return match[1] if match else None


def url_key(url: str) -> str:
    """The form URLs are compared in: the extraction's normalized form (that of link targets).

    >>> url_key("https://Example.org/a/中 b.md#top")
    'https://example.org/a/%E4%B8%AD%20b.md'
    """
    return normalize_url(url) or safe_url_string(url).split("#", 1)[0]


def display_names(paths: list[str]) -> dict[str, str]:
    """The machine-independent name each seed or mount path is shown under in ``input``.

    A relative path that stays below the working folder is shown as given (normalized:
    ``./seeds/`` -> ``seeds``); any other path (absolute, ``..``, ``.``) by its last
    component, or by as many trailing components as it takes to tell it apart from the
    other paths. So ``/tmp/a/seeds`` and ``/home/b/seeds`` alone are both ``seeds``,
    together ``a/seeds`` and ``b/seeds``, whatever their order on the command line.

    Examples
    --------
    >>> display_names(["./seeds/", "/tmp/x/page.html"])
    {'./seeds/': 'seeds', '/tmp/x/page.html': 'page.html'}
    >>> display_names(["/tmp/a/seeds", "/home/b/seeds"])
    {'/tmp/a/seeds': 'a/seeds', '/home/b/seeds': 'b/seeds'}
    """
    parts: dict[str, tuple[str, ...]] = {}
    take: dict[str, int] = {}
    for given in paths:
        norm = os.path.normpath(given) if given else "."
        if not os.path.isabs(norm) and norm != "." and not norm.startswith(".."):
            parts[given] = tuple(Path(norm).parts)
            take[given] = len(parts[given])
        else:
            parts[given] = tuple(p for p in Path(os.path.abspath(norm)).parts if p != os.sep) or ("root",)
            take[given] = 1
    while True:
        shown = {g: "/".join(parts[g][-take[g]:]) for g in parts}
        groups: dict[str, list[str]] = {}
        for g, name in shown.items():
            groups.setdefault(name, []).append(g)
        grew = False
        for members in groups.values():
            if len(members) > 1:
                for g in members:
                    if take[g] < len(parts[g]):
                        take[g] += 1
                        grew = True
        if not grew:
            return shown


def file_url(input_name: str) -> str:
    """The ``file://`` URL of a seed file that has no mount and states no URL of its own:
    ``file:///`` + its ``input`` (relative to the seed path, never the machine's folders),
    so the same seeds give the same URLs in any folder, on any machine.

    >>> file_url("seeds/中 1.txt")
    'file:///seeds/%E4%B8%AD%201.txt'
    """
    return normalize_url("file:///" + quote(input_name.lstrip("/"), safe="/!$&'()*+,;=:@~")) or "file:///"


class LocalStore:
    """Every local input of a crawl: seed files and folders, WARC archives, mounted folders.

    Parameters
    ----------
    seeds : list of str
        Files and folders (taken recursively, sorted, symlink loops survived).
    mounts : list of Mount
    max_bytes : int
        Files and WARC records larger than this are skipped (reason ``too_large``).
    """

    def __init__(self, seeds: list[str], mounts: list[Mount] = (), max_bytes: int = 64 << 20):
        self.mounts = sorted(mounts, key=lambda m: -len(m.prefix))   # longest prefix first
        self.max_bytes = max_bytes
        self.inputs: list[InputFile] = []
        self._seed_paths: dict[Path, str] = {}        # resolved seed file -> its input
        self._seed_roots: list[Path] = []
        self.records: list[WarcRecord] = []
        self._by_uri: dict[str, WarcRecord] = {}
        self.record_notes: dict[str, dict[str, int]] = {}   # WARC input -> {reason: count}
        seeds = list(dict.fromkeys(seeds))
        self.names = display_names([*seeds, *(m.given for m in self.mounts)])
        self._roots: dict[str, Path] = {}             # display name of a seed path -> resolved path
        for given in seeds:
            self._add_seed(given)
        for entry in self.inputs:
            if entry.kind == "warc" and entry.skip is None:
                self._index_warc(entry)

    # -- enumeration -------------------------------------------------------------------
    def _add_seed(self, given: str) -> None:
        path = Path(given)
        shown = self.names[given]
        if not os.path.lexists(path):
            self.inputs.append(InputFile(shown, path, skip=("not_found", "no such file or folder; check -a seeds=")))
            return
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            self.inputs.append(InputFile(shown, path, skip=("unreadable", str(exc))))
            return
        self._seed_roots.append(real)
        self._roots.setdefault(shown, real)
        if real.is_dir():
            self._walk(shown, real, real, {real})
        else:
            self._add_file(shown, real)

    def _walk(self, shown: str, folder: Path, root: Path, seen: set[Path]) -> None:
        # ``folder`` is resolved: only symbolic links below it need resolving (one stat per file)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            self.inputs.append(InputFile(shown, folder, skip=("unreadable", str(exc))))
            return
        for entry in entries:
            name = entry.name
            child_shown = f"{shown.rstrip('/')}/{name}"
            child = folder / name
            try:
                link = entry.is_symlink()
                real = child.resolve(strict=True) if link else child
                is_dir = real.is_dir() if link else entry.is_dir(follow_symlinks=False)
            except (OSError, RuntimeError) as exc:   # broken link, link loop
                reason = "symlink_loop" if isinstance(exc, RuntimeError) or "loop" in str(exc).lower() else "unreadable"
                self.inputs.append(InputFile(child_shown, child, skip=(reason, str(exc))))
                continue
            if link and not real.is_relative_to(root):
                self.inputs.append(InputFile(child_shown, child, skip=(
                    "outside_seeds", f"a symbolic link to {real.name!r} outside the seed folder; "
                                     "pass that path in -a seeds= to read it")))
                continue
            if is_dir:
                if real in seen:
                    self.inputs.append(InputFile(child_shown, child, skip=(
                        "symlink_loop", "a folder already being read (symbolic link loop)")))
                    continue
                self._walk(child_shown, real, root, seen | {real})
            else:
                self._add_file(child_shown, real)

    def _add_file(self, shown: str, real: Path) -> None:
        if real in self._seed_paths:
            self.inputs.append(InputFile(shown, real, skip=(
                "duplicate", f"the same file as {self._seed_paths[real]}")))
            return
        try:
            size = real.stat().st_size
            with open(real, "rb") as fh:
                head = fh.read(_HEAD_BYTES)
        except OSError as exc:
            self.inputs.append(InputFile(shown, real, skip=("unreadable", str(exc))))
            return
        self._seed_paths[real] = shown
        if is_warc(head):
            self.inputs.append(InputFile(shown, real, kind="warc", size=size))
        elif size > self.max_bytes:
            self.inputs.append(InputFile(shown, real, size=size, skip=(
                "too_large", f"{size} bytes > LINKPROV_MAX_BYTES={self.max_bytes}; "
                             "raise it with -s LINKPROV_MAX_BYTES=N")))
        else:
            self.inputs.append(InputFile(shown, real, size=size))

    def _index_warc(self, entry: InputFile) -> None:
        from warcio.archiveiterator import ArchiveIterator

        notes = self.record_notes.setdefault(entry.input, {})
        try:
            with open(entry.path, "rb") as fh:
                it = ArchiveIterator(fh)
                for rec in it:
                    kind = rec.rec_type
                    if kind not in ("response", "resource"):
                        continue
                    uri = rec.rec_headers.get_header("WARC-Target-URI") or ""
                    status = rec.http_headers.get_statuscode() if rec.http_headers else None
                    length = int(rec.rec_headers.get_header("Content-Length") or 0)
                    reason = None
                    if not uri:
                        reason = "no_target_uri"
                    elif status and not str(status).startswith("2"):
                        reason = f"http_{status}"
                    elif length > self.max_bytes:
                        reason = "too_large"
                    elif url_key(uri) in self._by_uri:
                        reason = "duplicate"
                    if reason:
                        notes[reason] = notes.get(reason, 0) + 1
                        continue
                    record = WarcRecord(entry.input, entry.path, it.get_record_offset(), uri,
                                        rec.rec_headers.get_header("WARC-Record-ID") or "", length)
                    self.records.append(record)
                    self._by_uri[url_key(uri)] = record
        except Exception as exc:  # noqa: BLE001 - a broken archive must not stop the crawl
            notes["error"] = notes.get("error", 0) + 1
            logger.warning("WARC %s: reading stopped: %s: %.200r (records before it are kept)",
                           entry.input, type(exc).__name__, str(exc))

    # -- lookups -----------------------------------------------------------------------
    def seed_url(self, entry: InputFile) -> str:
        """The URL a seed file is requested at: its mount URL if a mount holds it, else the
        machine-independent ``file:///`` + its ``input`` (see :func:`file_url`)."""
        for mount in self.mounts:
            url = mount.url_for(entry.path)
            if url:
                return url
        return file_url(entry.input)

    def mount_path(self, url: str) -> tuple[Mount, Path] | None:
        for mount in self.mounts:
            path = mount.path_for(url)
            if path is not None:
                return mount, path
        return None

    def holds(self, url: str) -> bool:
        """True when a local store (WARC record, mounted file, seed file) can serve ``url``."""
        try:
            if url_key(url) in self._by_uri:
                return True
            if url.startswith("file:"):
                return self._file_path(url) is not None
            return self.mount_path(url) is not None
        except Refused:
            return False

    def input_for(self, path: Path, mount: Mount | None = None) -> str:
        """The manifest ``input`` of a file read from disk."""
        if path in self._seed_paths:
            return self._seed_paths[path]
        if mount is not None:
            name = self.names.get(mount.given, mount.root.name or "root")
            return f"{name}/{path.relative_to(mount.root).as_posix()}"
        return str(path)

    def input_of_url(self, url: str) -> str:
        """The manifest ``input`` a URL counts for when reading it failed."""
        record = self._by_uri.get(url_key(url))
        if record is not None:
            return record.input
        try:
            if url.startswith("file:"):
                path = self._virtual_path(url) or Path(file_uri_to_path(url)).resolve()
                return self.input_for(path)
            found = self.mount_path(url)
        except (Refused, OSError, ValueError, RuntimeError):
            found = None
        return self.input_for(found[1], found[0]) if found else url

    def _virtual_path(self, url: str) -> Path | None:
        """The seed file a ``file:///<input>`` URL stands for (see :func:`file_url`), else None."""
        name = unquote(urlsplit(url).path).lstrip("/")
        for shown, root in self._roots.items():
            if name == shown:
                rel = ""
            elif name.startswith(shown.rstrip("/") + "/"):
                rel = name[len(shown.rstrip("/")) + 1:]
            else:
                continue
            path = (root / rel).resolve() if rel else root
            if path in self._seed_paths and path.is_relative_to(root):
                return path
        return None

    def _file_path(self, url: str) -> Path | None:
        try:
            path = self._virtual_path(url)
            if path is not None:
                return path if path.is_file() else None
            path = Path(file_uri_to_path(url)).resolve()
        except (OSError, ValueError, RuntimeError):
            return None
        # a real absolute path is served only when it is a seed file or lies inside a mount
        if path in self._seed_paths or any(path.is_relative_to(m.root) for m in self.mounts):
            return path if path.is_file() else None
        raise Refused("outside_seeds", f"{url} is outside the seed paths and mounts; "
                                       "add its folder to -a seeds= or -a mounts=")

    def serve(self, url: str, record: WarcRecord | None = None) -> Served | None:
        """The bytes and origin of ``url``; None when no local store holds it.

        Raises :class:`Refused` for paths outside the seeds/mounts and for too large files.
        """
        record = record or self._by_uri.get(url_key(url))
        if record is not None:
            return self._serve_record(record)
        if url.startswith("file:"):
            path = self._file_path(url)
            if path is None:
                return None
            return Served(url=url, url_source="file", input=self.input_for(path),
                          body=self._read(path))
        found = self.mount_path(url)
        if found is None:
            return None
        mount, path = found
        return Served(url=url_key(url), url_source="mount", input=self.input_for(path, mount),
                      body=self._read(path))

    def _read(self, path: Path) -> bytes:
        size = path.stat().st_size
        if size > self.max_bytes:
            raise Refused("too_large", f"{size} bytes > LINKPROV_MAX_BYTES={self.max_bytes}")
        with open(path, "rb") as fh:
            body = fh.read(self.max_bytes + 1)
        if len(body) > self.max_bytes:
            raise Refused("too_large", f"grew over LINKPROV_MAX_BYTES={self.max_bytes} while read")
        return body

    def _serve_record(self, record: WarcRecord) -> Served:
        try:
            return self._read_record(record)
        except (Refused, OSError):
            raise
        except Exception as exc:  # noqa: BLE001 - a broken archive: this record is skipped, not the crawl
            raise Refused("broken_record", f"record {record.record_id} of {record.input} cannot be read: "
                                           f"{type(exc).__name__}: {str(exc)[:200]}") from None

    def _read_record(self, record: WarcRecord) -> Served:
        from warcio.archiveiterator import ArchiveIterator

        with open(record.path, "rb") as fh:
            fh.seek(record.offset)
            rec = next(iter(ArchiveIterator(fh)), None)
            if rec is None or (rec.rec_headers.get_header("WARC-Record-ID") or "") != record.record_id:
                fh.seek(0)   # not seekable per record (whole-file gzip): scan
                rec = next((r for r in ArchiveIterator(fh)
                            if (r.rec_headers.get_header("WARC-Record-ID") or "") == record.record_id), None)
            if rec is None:
                raise Refused("error", f"record {record.record_id} vanished from {record.input}")
            body = rec.content_stream().read(self.max_bytes + 1)
            if len(body) > self.max_bytes:
                raise Refused("too_large", f"record {record.record_id} > LINKPROV_MAX_BYTES")
            ctype = (rec.http_headers.get_header("Content-Type") if rec.http_headers
                     else rec.rec_headers.get_header("Content-Type"))
            status = rec.http_headers.get_statuscode() if rec.http_headers else None
        return Served(url=record.uri, url_source="warc", input=record.input, body=body,
                      declared_charset=charset_of(ctype), record=record.record_id,
                      http_status=int(status) if status else None)
