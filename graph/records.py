"""Read crawl records (``documents.jsonl``, ``links.jsonl``, ``manifest.json``) back.

Bad lines never stop a run: they are skipped and reported through ``logging`` (and
counted in ``manifest["problems"]`` of the returned manifest copy).
"""
from __future__ import annotations

import io
import json
import keyword
import logging
from pathlib import Path

import orjson

from crawler import __version__ as _VERSION
from crawler.errors import GraphError, OutputError
from crawler.sortio import loads as _loads

__all__ = ["load_records", "load_documents", "load_links", "read_jsonl", "SCHEMA"]

log = logging.getLogger(__name__)

#: Record schema version this code reads (manifests may carry ``"schema": N``).
SCHEMA = 1
_FIX = "run `scrapy crawl seeds -a out={out}` first"

_MAX_SHAPES = 64     # distinct key sequences given a shared-key record class


class SharedList(list):
    """The one list of all records holding an equal list of strings, integers, booleans or
    None (the ``flags`` of every link record, most of them ``[]``: 56 bytes a record
    otherwise). It is a ``list`` equal to the one ``json.loads`` gives; a change, which would
    reach every record sharing it, raises :class:`~crawler.errors.GraphError`.

    Examples
    --------
    >>> a, b = SharedList(["idn"]), []
    >>> a == ["idn"], b == SharedList(), isinstance(a, list)
    (True, True, True)
    >>> a.append("x")
    Traceback (most recent call last):
    ...
    crawler.errors.GraphError: this list is shared by every record holding an equal one (to save memory): list(value) gives a copy to change
    """

    __slots__ = ()

    def _refuse(self, *args, **kwargs):
        raise GraphError("this list is shared by every record holding an equal one (to save memory): "
                         "list(value) gives a copy to change")

    __setitem__ = __delitem__ = __iadd__ = __imul__ = append = extend = insert = pop = remove = clear = \
        sort = reverse = _refuse

    def __reduce__(self):
        return SharedList, (list(self),)


def _share_list(lists: dict, share, value: list) -> list:
    """``value`` as the one :class:`SharedList` of ``lists`` equal to it when its items are
    strings, numbers, booleans or None (else ``value``, its strings shared by ``share``)."""
    items = tuple(share(v, v) if type(v) is str else v for v in value)
    types = set(map(type, items))
    if not types <= {str, int, bool, type(None)}:
        return list(items)
    key = (items, tuple(map(type, items))) if bool in types else items     # (True == 1)
    shared = lists.get(key)
    if shared is None:
        shared = lists[key] = SharedList(items)
    return shared


def _row_maker(keys: tuple[str, ...]):
    """A function ``values -> dict`` whose dicts share one key table (PEP 412 split
    dicts: the ``__dict__`` of instances of one class), or None when ``keys`` cannot be
    attribute names. A shared-key dict holds only its values (~200 bytes for a link
    record, against ~460 for a plain dict); it is a plain ``dict`` in every other way."""
    if not keys or len(keys) > 30 or len(set(keys)) != len(keys) or not all(
            k.isidentifier() and not keyword.iskeyword(k) and not k.startswith("__") for k in keys):
        return None
    body = "".join(f"        self.{k} = v[{i}]\n" for i, k in enumerate(keys))
    namespace: dict = {}
    exec(f"class Record:\n    __slots__ = ('__dict__',)\n    def __init__(self, v):\n{body}", namespace)  # noqa: S102
    cls = namespace["Record"]
    return lambda values: cls(values).__dict__


def read_jsonl(path: str | Path, required: tuple[str, ...] = ()) -> tuple[list[dict], list[str]]:
    """Read a JSON Lines file: the records (dicts having every ``required`` key) and a
    list of problems for lines that were skipped.

    Keys and string values are shared between records (one ``str`` object per distinct
    value in the file): link records repeat their source URL, block, tag, targets and
    anchor texts, so a crawl's records take a fraction of the memory of plain
    ``json.loads`` dicts; records of one key sequence also share their key table
    (:func:`_row_maker`), and equal lists of scalars are one read-only :class:`SharedList`.
    The records are equal to what ``json.loads`` gives (see :func:`_loads`).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.jsonl")
    >>> _ = open(p, "w").write('{"url": "a"}\\nnot json\\n[1]\\n{"x": 1}\\n')
    >>> records, problems = read_jsonl(p, required=("url",))
    >>> records, len(problems)
    ([{'url': 'a'}], 3)
    """
    records: list[dict] = []
    problems: list[str] = []
    name = Path(path).name
    share = {}.setdefault    # one object per distinct key / string value, for this file
    # per key sequence (records of one writer repeat a few): the required keys it lacks and
    # its shared-key record maker (None past _MAX_SHAPES sequences, or for odd keys)
    shapes: dict[tuple, tuple[list[str], object]] = {}
    append = records.append
    lists: dict[tuple, SharedList] = {}     # items -> the one list of them

    def _value(v):
        t = type(v)
        return share(v, v) if t is str else _share_list(lists, share, v) if t is list else v

    def add(number: int, record) -> None:
        if type(record) is not dict:
            problems.append(f"{name}:{number}: not a JSON object; line skipped")
            return
        keys = tuple(record)
        shape = shapes.get(keys)
        if shape is None:
            missing = [k for k in required if k not in record]
            make = None if missing or len(shapes) >= _MAX_SHAPES else _row_maker(tuple(share(k, k) for k in keys))
            shape = shapes[keys] = (missing, make)
        missing, make = shape
        if missing:
            problems.append(f"{name}:{number}: missing {', '.join(missing)}; line skipped")
        elif make is None:
            append({share(k, k): _value(v) for k, v in record.items()})
        else:
            append(make([_value(v) for v in record.values()]))

    # bytes to orjson (no decoding to text and encoding back); a line it refuses (not UTF-8,
    # not JSON, blank, or holding several lines split by a bare CR) is read as text mode reads it
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, 1):
            try:
                record = orjson.loads(raw)
            except orjson.JSONDecodeError:
                for line in io.StringIO(raw.decode("utf-8", "replace"), newline=None):
                    if not line.strip():
                        continue
                    try:
                        record = _loads(line)
                    except ValueError as exc:
                        problems.append(f"{name}:{number}: not JSON ({getattr(exc, 'msg', exc)}); line skipped")
                        continue
                    add(number, record)
                continue
            if type(record) is dict and float in map(type, record.values()):   # see _loads
                record = json.loads(raw)
            add(number, record)
    return records, problems


def _check_version(manifest: dict, out: Path) -> None:
    schema = manifest.get("schema")
    if isinstance(schema, int) and schema > SCHEMA:
        raise OutputError(
            f"{out} holds crawl records of schema {schema}, newer than this linkprov reads "
            f"({SCHEMA}); upgrade linkprov or {_FIX.format(out=out)} again"
        )
    version = manifest.get("version") or manifest.get("linkprov")
    if isinstance(version, str) and version.split(".")[0] != _VERSION.split(".")[0]:
        raise OutputError(
            f"{out} was written by linkprov {version}, incompatible with {_VERSION}; "
            f"{_FIX.format(out=out)} again"
        )


def load_records(out_dir: str | Path) -> tuple[list[dict], list[dict], dict]:
    """Load the crawl records of an output folder.

    Parameters
    ----------
    out_dir : str or Path
        A folder written by ``scrapy crawl seeds -a out=DIR``.

    Returns
    -------
    documents : list of dict
        One per document, unique by ``url`` (the first record wins), in file order.
    links : list of dict
        One per link occurrence, in file order.
    manifest : dict
        ``manifest.json`` (``{}`` if absent), with ``"problems"``: the skipped lines.

    Raises
    ------
    crawler.errors.OutputError
        (a ``LinkprovError``) when the folder or ``documents.jsonl`` is missing, or the
        records come from an incompatible version.

    See Also
    --------
    load_documents, load_links : the same in two steps (work on the documents can start
        while the links, most of the records, are read).

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> _ = open(os.path.join(d, "documents.jsonl"), "w").write('{"url": "https://a.org/"}\\n')
    >>> _ = open(os.path.join(d, "links.jsonl"), "w").write(
    ...     '{"source": "https://a.org/", "target": "https://b.org/"}\\n')
    >>> docs, links, manifest = load_records(d)
    >>> [x["url"] for x in docs], [x["target"] for x in links], manifest["problems"]
    (['https://a.org/'], ['https://b.org/'], [])
    """
    documents, manifest = load_documents(out_dir)
    return documents, load_links(out_dir, manifest), manifest


def load_documents(out_dir: str | Path) -> tuple[list[dict], dict]:
    """The documents and manifest of an output folder (see :func:`load_records`); the
    problems found are logged and listed in ``manifest["problems"]``."""
    out = Path(out_dir)
    if not out.is_dir():
        raise OutputError(f"no output folder {out}: {_FIX.format(out=out)}")
    docs_path = out / "documents.jsonl"
    if not docs_path.is_file():
        raise OutputError(f"{out} has no documents.jsonl: {_FIX.format(out=out)}")
    manifest: dict = {}
    problems: list[str] = []
    manifest_path = out / "manifest.json"
    if manifest_path.is_file():
        try:
            loaded = json.loads(manifest_path.read_text("utf-8"))
            manifest = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError) as exc:
            problems.append(f"manifest.json unreadable ({exc}); ignored")
    _check_version(manifest, out)
    raw_docs, doc_problems = read_jsonl(docs_path, required=("url",))
    problems += doc_problems
    documents: list[dict] = []
    seen: set[str] = set()
    for doc in raw_docs:
        url = doc.get("url")
        if not isinstance(url, str) or not url:
            problems.append("documents.jsonl: a record without a URL; skipped")
            continue
        if url in seen:
            problems.append(f"documents.jsonl: {url} appears again; later record skipped")
            continue
        seen.add(url)
        documents.append(doc)
    _report(out, problems)
    manifest = dict(manifest)
    manifest["problems"] = problems
    return documents, manifest


def load_links(out_dir: str | Path, manifest: dict | None = None) -> list[dict]:
    """The link records of an output folder (see :func:`load_records`); the problems
    found are logged and added to ``manifest["problems"]``."""
    out = Path(out_dir)
    links_path = out / "links.jsonl"
    if links_path.is_file():
        links, problems = read_jsonl(links_path, required=("source",))
    else:
        links, problems = [], ["links.jsonl missing; analysed without links"]
    _report(out, problems)
    if manifest is not None:
        manifest.setdefault("problems", []).extend(problems)
    return links


def _report(out: Path, problems: list[str]) -> None:
    for problem in problems:
        log.warning("%s: %s", out, problem)
