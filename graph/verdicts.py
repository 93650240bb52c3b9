"""Read-only dicts that save memory: one object many holders share (:class:`ReadOnlyDict`,
the base of the graph's shared dicts, ``graph.build``), and verdicts whose ``evidence`` is
kept as JSON text (:class:`Verdict`).

A mirror verdict or a document's role carries its evidence as a list of small dicts, and the
graph shows the same list as JSON text (the ``signals`` of a ``mirror_of`` edge, a document's
``role_evidence``). :class:`Verdict` keeps only the text, shared with the graph, and makes the
list anew when it is read: at 100k pages the 166,153 mirror verdicts took 156 MB as dicts of
evidence dicts. Mirror verdicts keep the text packed (:func:`pack`, 87 -> 26 MB), shared
with their edge's :class:`PackedSignals`, which unpacks it when read.
"""
from __future__ import annotations

import json
import zlib
from collections.abc import ItemsView, KeysView, Mapping, ValuesView

from crawler.errors import GraphError

__all__ = ["ReadOnlyDict", "LazyItemDict", "Verdict", "PackedSignals", "evidence_payload", "pack", "unpack", "to_json"]


def to_json(value) -> str:
    """The JSON text of a graph attribute (keys sorted, ``ensure_ascii=False``): a list or
    dict attribute of the graph, and a :class:`Verdict`'s evidence.

    Examples
    --------
    >>> to_json([{"signal": "s", "detail": "原文"}])
    '[{"detail": "原文", "signal": "s"}]'
    """
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def evidence_payload(verdict: Mapping) -> str | bytes:
    """The JSON text of a verdict's evidence (:func:`to_json`): a :class:`Verdict`'s own
    payload (the graph shares it: the text, or the text packed, :func:`pack`), else made
    from its ``evidence`` list.

    Examples
    --------
    >>> v = {"url": "https://a.org/", "evidence": [{"signal": "s", "detail": "d"}]}
    >>> evidence_payload(v), evidence_payload(Verdict.of(v)) == evidence_payload(v)
    ('[{"detail": "d", "signal": "s"}]', True)
    """
    if isinstance(verdict, Verdict):
        return verdict.payload
    return to_json(verdict.get("evidence", []))


class ReadOnlyDict(dict):
    """A dict many hold as one object (networkx's "ThinGraph" pattern): it reads as a plain
    ``dict``; a change, which would reach every holder, raises
    :class:`~crawler.errors.GraphError` with ``_refusal`` (saying how to get a dict to change)."""

    __slots__ = ()
    _refusal = ""

    def _refuse(self, *args, **kwargs):
        raise GraphError(self._refusal)

    __setitem__ = __delitem__ = __ior__ = update = pop = popitem = setdefault = clear = _refuse

    def copy(self) -> dict:
        return dict(self)

    def __reduce__(self):           # (pickle would set the items one by one)
        return type(self), (dict(self),)


class LazyItemDict(ReadOnlyDict):
    """A read-only dict of its own items and, last, one item ``_key`` whose value
    :meth:`_value` makes anew from ``payload`` on each read; it reads as the plain dict of
    all of them (``d[k]``, ``dict(d)``, ``{**d}``, ``json.dumps(d)``, ``==``, pickle), and
    holds at least one item of its own (json's encoder writes ``{}`` for a dict subclass
    whose own storage is empty). The base of :class:`Verdict` and :class:`PackedSignals`."""

    __slots__ = ("payload",)
    _key = ""

    def __init__(self, items: Mapping, payload):
        if not items:
            raise ValueError(f"needs an item besides {self._key!r}")
        dict.__init__(self, items)
        self.payload = payload

    def _value(self):
        raise NotImplementedError

    def __missing__(self, key):
        if key == self._key:
            return self._value()
        raise KeyError(key)

    def get(self, key, default=None):
        return self[key] if key in self else default

    def __contains__(self, key) -> bool:
        return key == self._key or dict.__contains__(self, key)

    def __iter__(self):
        yield from dict.__iter__(self)
        yield self._key

    def __reversed__(self):
        yield self._key
        yield from dict.__reversed__(self)

    def __len__(self) -> int:
        return dict.__len__(self) + 1

    def keys(self):
        return KeysView(self)

    def values(self):
        return ValuesView(self)

    def items(self):
        return ItemsView(self)

    def __eq__(self, other):
        return dict(self) == other if isinstance(other, Mapping) else NotImplemented

    def __ne__(self, other):
        return dict(self) != other if isinstance(other, Mapping) else NotImplemented

    __hash__ = None

    def __or__(self, other):
        return dict(self) | other

    def __ror__(self, other):
        return other | dict(self)

    def __repr__(self) -> str:
        return repr(dict(self))

    def __reduce__(self):
        return type(self), (dict(dict.items(self)), self.payload)


def pack(text: str) -> bytes:
    """``text`` compressed (zlib, level 6; deterministic): the evidence of a mirror verdict
    and its ``mirror_of`` edge's ``signals``, 87 -> 26 MB at 100k pages.

    Examples
    --------
    >>> unpack(pack("原文地址 https://a.org/1")) == "原文地址 https://a.org/1"
    True
    """
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 6)


def unpack(payload: str | bytes) -> str:
    """The text of a :func:`pack` payload (a ``str`` is its own text)."""
    if type(payload) is str:
        return payload
    return zlib.decompress(payload).decode("utf-8", "surrogatepass")


class Verdict(LazyItemDict):
    """A verdict (a SPEC ``mirrors`` entry, a ``documents`` entry) that reads as the plain
    dict of its items and, last, ``evidence`` (``v["evidence"]``, ``dict(v)``,
    ``json.dumps(v)``, ``==``, pickle), but holds its evidence as its JSON text
    (:func:`to_json`), or that text packed (:func:`pack`: mirror verdicts), which the graph
    shares (``payload``), and makes the list anew on each read (its items' keys in sorted
    order, as the text has them).

    Read-only: a change raises :class:`~crawler.errors.GraphError`; ``dict(v)`` gives a dict
    to change. (orjson reads a dict's own storage, which holds all but the evidence: give it
    ``dict(v)``, or ``option=orjson.OPT_PASSTHROUGH_SUBCLASS, default=dict``.)

    Examples
    --------
    >>> v = Verdict({"mirror": "https://m.org/a", "original": "https://o.com/a", "confidence": 0.9},
    ...             '[{"detail": "原文地址", "signal": "original_link"}]')
    >>> v["evidence"][0]["signal"], v.get("confidence"), len(v), "evidence" in v, list(v)[-1]
    ('original_link', 0.9, 4, True, 'evidence')
    >>> v == {"mirror": "https://m.org/a", "original": "https://o.com/a", "confidence": 0.9,
    ...       "evidence": [{"signal": "original_link", "detail": "原文地址"}]}
    True
    >>> json.dumps(v, ensure_ascii=False)
    '{"mirror": "https://m.org/a", "original": "https://o.com/a", "confidence": 0.9, "evidence": [{"detail": "原文地址", "signal": "original_link"}]}'
    >>> v["confidence"] = 1.0
    Traceback (most recent call last):
    ...
    crawler.errors.GraphError: a verdict is read-only (it keeps its evidence as JSON text, to save memory): dict(verdict) gives a dict to change
    >>> Verdict(dict(v), pack(v.evidence_text)) == v
    True
    """

    __slots__ = ()
    _key = "evidence"
    _refusal = ("a verdict is read-only (it keeps its evidence as JSON text, to save memory): "
                "dict(verdict) gives a dict to change")

    def __init__(self, items: Mapping, evidence: str | bytes = "[]"):
        super().__init__({k: v for k, v in items.items() if k != "evidence"}, evidence)

    @property
    def evidence_text(self) -> str:
        """The JSON text of the evidence."""
        return unpack(self.payload)

    def _value(self):
        return json.loads(unpack(self.payload))

    @classmethod
    def of(cls, verdict: Mapping, texts: dict | None = None, packed: bool = False) -> "Verdict":
        """The verdict of a mapping with an ``evidence`` list. ``texts``: the evidence payloads
        made so far (payload -> itself), so that equal evidence is one object; ``packed``:
        the evidence text packed (:func:`pack`).

        Examples
        --------
        >>> texts = {}
        >>> a, b = (Verdict.of({"url": u, "role": "unknown", "evidence": []}, texts) for u in "ab")
        >>> a.payload is b.payload, a
        (True, {'url': 'a', 'role': 'unknown', 'evidence': []})
        """
        payload = to_json(verdict.get("evidence", []))
        if packed:
            payload = pack(payload)
        if texts is not None:
            payload = texts.setdefault(payload, payload)
        return cls(verdict, payload)


class PackedSignals(LazyItemDict):
    """The attribute dict of ``mirror_of`` edges (``kind``, ``confidence``, and last
    ``signals``, the JSON text of the evidence), holding ``signals`` packed as its verdict's
    ``payload`` (:func:`pack`): one object for the verdict and the edge, unpacked on each
    read. Read-only and shared like :class:`graph.build.SharedAttrs` (``G = G.copy()``
    gives every edge a plain dict).

    Examples
    --------
    >>> v = Verdict.of({"mirror": "m", "original": "o", "confidence": 0.5,
    ...                 "evidence": [{"signal": "s", "detail": "d"}]}, packed=True)
    >>> e = PackedSignals({"kind": "mirror_of", "confidence": 0.5}, v.payload)
    >>> e["signals"], dict(e)["signals"] == v.evidence_text, json.loads(json.dumps(e)) == dict(e)
    ('[{"detail": "d", "signal": "s"}]', True, True)
    """

    __slots__ = ()
    _key = "signals"
    _refusal = ("this edge shares its attribute dict with every edge of equal attributes "
                "(to save memory): G = G.copy() gives each edge its own dict to change")

    def _value(self) -> str:
        return unpack(self.payload)
