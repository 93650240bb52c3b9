"""Read crawl records (``documents.jsonl``, ``links.jsonl``, ``manifest.json``) back.

Bad lines never stop a run: they are skipped and reported through ``logging`` (and
counted in ``manifest["problems"]`` of the returned manifest copy).
"""
from __future__ import annotations

import io
import json
import keyword
import logging
from array import array
from collections.abc import Sequence
from pathlib import Path

import orjson

from crawler import __version__ as _VERSION
from crawler.errors import GraphError, OutputError
from crawler.sortio import loads as _loads

__all__ = ["load_records", "load_documents", "load_links", "read_jsonl", "read_link_table", "LinkTable",
           "column", "reader", "SCHEMA"]

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


def _objects(path: str | Path, problems: list[str]):
    """(line number, parsed JSON value) for each line of the JSON Lines file ``path``; a line
    that is no JSON adds a message to ``problems`` and is skipped.

    Lines go as bytes to orjson (no decoding to text and encoding back); a line it refuses (not
    UTF-8, not JSON, blank, or holding several lines split by a bare CR) is read as text mode
    reads it, and a record holding floats is read by ``json`` (see :func:`_loads`)."""
    name = Path(path).name
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
                    yield number, record
                continue
            if type(record) is dict and float in map(type, record.values()):   # see _loads
                record = json.loads(raw)
            yield number, record


def _records(path: str | Path, required: tuple[str, ...], problems: list[str]):
    """(key sequence, record) for each JSON object of the file holding every ``required``
    key; each other line adds a message to ``problems`` (by its line number)."""
    name = Path(path).name
    lacking: dict[tuple, list[str]] = {}    # key sequence -> the required keys it lacks
    for number, record in _objects(path, problems):
        if type(record) is not dict:
            problems.append(f"{name}:{number}: not a JSON object; line skipped")
            continue
        keys = tuple(record)
        missing = lacking.get(keys)
        if missing is None:
            missing = lacking[keys] = [k for k in required if k not in record]
        if missing:
            problems.append(f"{name}:{number}: missing {', '.join(missing)}; line skipped")
            continue
        yield keys, record


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
    share = {}.setdefault    # one object per distinct key / string value, for this file
    # per key sequence (records of one writer repeat a few): its shared-key record maker
    # (None past _MAX_SHAPES sequences, or for odd keys)
    makers: dict[tuple, object] = {}
    append = records.append
    lists: dict[tuple, SharedList] = {}     # items -> the one list of them

    def _value(v):
        t = type(v)
        return share(v, v) if t is str else _share_list(lists, share, v) if t is list else v

    for keys, record in _records(path, required, problems):
        make = makers.get(keys, False)
        if make is False:
            make = makers[keys] = None if len(makers) >= _MAX_SHAPES else _row_maker(tuple(share(k, k) for k in keys))
        if make is None:
            append({share(k, k): _value(v) for k, v in record.items()})
        else:
            append(make([_value(v) for v in record.values()]))
    return records, problems


class _Absent:
    """A field a record does not have (its code 0 in every :class:`LinkTable` column)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<absent>"

    def __reduce__(self):
        return "_ABSENT"


_ABSENT = _Absent()
_WIDER = {"B": "H", "H": "I", "I": "Q"}     # a column's code type, when its values outgrow it
_LIMIT = {"B": 1 << 8, "H": 1 << 16, "I": 1 << 32}


class LinkTable(Sequence):
    """Link records held as columns: per field, one small integer code per record (1, 2 or 4
    bytes) and the list of its distinct values; per record, the code of its key sequence.
    A crawl's link records repeat their values (source URL, block, tag, template targets and
    anchors): 57 bytes a record at 10k pages (tracemalloc; ~200 MB for the 3.1 million of
    100k pages), against 284 as dicts sharing their keys and strings (:func:`read_jsonl`).

    It is a read-only sequence of the records: ``table[i]`` and iteration give each record
    as a new dict equal to the one ``json.loads`` gives (same keys in the same order; equal
    lists of scalars are one read-only :class:`SharedList`); :meth:`column` gives one field of
    every record as a list (None where a record lacks it), the fast way to read a few fields of
    every record. Compared with a list, it equals the list of its records.

    Examples
    --------
    >>> t = LinkTable.from_records([{"source": "a", "target": "b"}, {"source": "a", "flags": ["idn"]}])
    >>> len(t), t[1], t.column("target")
    (2, {'source': 'a', 'flags': ['idn']}, ['b', None])
    >>> t == [{"source": "a", "target": "b"}, {"source": "a", "flags": ["idn"]}]
    True
    """

    def __init__(self):
        self._names: list[str] = []         # field names, in the order first seen
        self._field: dict[str, int] = {}    # name -> its column number
        self._codes: list[array] = []       # per column: one code per record (0: absent)
        self._values: list[list] = []       # per column: code -> value
        self._index: list[dict] | None = []   # per column: value key -> code (while loading)
        self._shapes: list[tuple[int, ...]] = []      # key sequences, as column numbers
        self._shape_of: dict[tuple, int] = {}         # key sequence -> its number
        self._rows = array("B")             # per record: the number of its key sequence
        self._share = {}.setdefault         # one str object per distinct string, all columns
        self._lists: dict[tuple, SharedList] = {}

    @classmethod
    def from_records(cls, records) -> "LinkTable":
        """The table of an iterable of dicts."""
        table = cls()
        for record in records:
            table._append(record)
        table._done()
        return table

    # ------------------------------------------------------------------ loading
    def _column(self, name: str) -> int:
        j = self._field.get(name)
        if j is None:
            j = self._field[name] = len(self._names)
            self._names.append(self._share(name, name))
            self._codes.append(array("B", bytes(len(self._rows))))
            self._values.append([_ABSENT])
            self._index.append({})
        return j

    def _append(self, record: dict) -> None:
        keys = tuple(record)
        shape = self._shape_of.get(keys)
        if shape is None:
            shape = self._shape_of[keys] = len(self._shapes)
            cols = tuple(self._column(k) for k in keys)
            self._shapes.append(cols)
            if shape == _LIMIT[self._rows.typecode]:
                self._rows = array(_WIDER[self._rows.typecode], self._rows)
        cols = self._shapes[shape]
        codes, values, index = self._codes, self._values, self._index
        for j, v in zip(cols, record.values()):
            t = type(v)
            # the key that finds an equal value's code: by type (1, 1.0 and True are equal
            # in Python); floats (-0.0 == 0.0), dicts and lists of containers are not looked up
            key = v if t is str else None if t is list or t is dict or t is float else (t, v)
            if t is list:
                v = _share_list(self._lists, self._share, v)
                if type(v) is SharedList:
                    key = (list, id(v))     # one shared list per distinct value: its id says which
            code = index[j].get(key) if key is not None else None
            if code is None:
                vals = values[j]
                code = len(vals)
                vals.append(self._share(v, v) if t is str else v)
                if key is not None:
                    index[j][key] = code
                col = codes[j]
                if code == _LIMIT.get(col.typecode, 0):
                    col = codes[j] = array(_WIDER[col.typecode], col)
            codes[j].append(code)
        if len(cols) < len(codes):          # the columns this record lacks: absent
            present = set(cols)
            for j, col in enumerate(codes):
                if j not in present:
                    col.append(0)
        self._rows.append(shape)

    def _done(self) -> None:
        """Loading is over: the value indexes go (a dict entry per distinct value)."""
        self._index = None
        self._share = None
        self._lists = None

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        return len(self._rows)

    def _record(self, shape: int, codes_at) -> dict:
        names, values = self._names, self._values
        return {names[j]: values[j][codes_at(j)] for j in self._shapes[shape]}

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("link record index out of range")
        codes = self._codes
        return self._record(self._rows[i], lambda j: codes[j][i])

    def __iter__(self):
        names, values, shapes = self._names, self._values, self._shapes
        n = len(names)
        decoded = [map(vals.__getitem__, codes) for vals, codes in zip(values, self._codes)]
        if len(shapes) == 1 and shapes[0] == tuple(range(n)):     # one key sequence: the crawl's
            for row in zip(*decoded):
                yield dict(zip(names, row))
            return
        for shape, row in zip(self._rows, zip(*decoded)):
            yield {names[j]: row[j] for j in shapes[shape]}

    def column(self, name: str) -> list:
        """The value of field ``name`` of every record, in order (None where absent)."""
        j = self._field.get(name)
        if j is None:
            return [None] * len(self)
        vals = self._values[j]
        return list(map([None, *vals[1:]].__getitem__, self._codes[j]))

    def reader(self, name: str):
        """A function ``i -> value of field name of record i`` (None where absent): random
        access to one field, without a dict per record or a list per field."""
        j = self._field.get(name)
        if j is None:
            return lambda i: None
        vals, codes = [None, *self._values[j][1:]], self._codes[j]
        return lambda i: vals[codes[i]]

    @property
    def fields(self) -> list[str]:
        """The field names, in the order first seen."""
        return list(self._names)

    def clear(self) -> None:
        """Drop every record (the analysis frees them before it builds the graph)."""
        self.__init__()
        self._done()

    def __eq__(self, other) -> bool:
        if isinstance(other, (list, LinkTable)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"<LinkTable of {len(self)} link records, {len(self._names)} fields>"


def column(records, name: str) -> list:
    """Field ``name`` of every record (None where absent): :meth:`LinkTable.column` for a
    table, else read from each dict.

    Examples
    --------
    >>> column([{"target": "b"}, {}], "target")
    ['b', None]
    """
    if isinstance(records, LinkTable):
        return records.column(name)
    return [r.get(name) for r in records]


def reader(records, name: str):
    """A function ``i -> field name of record i`` (None where absent): :meth:`LinkTable.reader`
    for a table, else ``records[i].get(name)``.

    Examples
    --------
    >>> target = reader([{"target": "b"}, {}], "target")
    >>> target(0), target(1)
    ('b', None)
    """
    if isinstance(records, LinkTable):
        return records.reader(name)
    return lambda i: records[i].get(name)


def read_link_table(path: str | Path, required: tuple[str, ...] = ()) -> tuple[LinkTable, list[str]]:
    """:func:`read_jsonl` into a :class:`LinkTable`: the same records and problems.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "links.jsonl")
    >>> _ = open(p, "w").write('{"source": "a", "target": "b"}\\n{"target": "c"}\\n')
    >>> table, problems = read_link_table(p, required=("source",))
    >>> list(table), problems
    ([{'source': 'a', 'target': 'b'}], ['links.jsonl:2: missing source; line skipped'])
    """
    table = LinkTable()
    problems: list[str] = []
    for _, record in _records(path, required, problems):
        table._append(record)
    table._done()
    return table, problems


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


def load_records(out_dir: str | Path) -> tuple[list[dict], LinkTable, dict]:
    """Load the crawl records of an output folder.

    Parameters
    ----------
    out_dir : str or Path
        A folder written by ``scrapy crawl seeds -a out=DIR``.

    Returns
    -------
    documents : list of dict
        One per document, unique by ``url`` (the first record wins), in file order.
    links : LinkTable
        One record per link occurrence, in file order (a read-only sequence of dicts held
        as columns; ``links.column("target")`` reads one field of all).
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


def load_links(out_dir: str | Path, manifest: dict | None = None) -> LinkTable:
    """The link records of an output folder (see :func:`load_records`) as a
    :class:`LinkTable`; the problems found are logged and added to ``manifest["problems"]``."""
    out = Path(out_dir)
    links_path = out / "links.jsonl"
    if links_path.is_file():
        links, problems = read_link_table(links_path, required=("source",))
    else:
        links, problems = LinkTable.from_records(()), ["links.jsonl missing; analysed without links"]
    _report(out, problems)
    if manifest is not None:
        manifest.setdefault("problems", []).extend(problems)
    return links


def _report(out: Path, problems: list[str]) -> None:
    for problem in problems:
        log.warning("%s: %s", out, problem)
