"""Read-only dicts that save memory: one object many holders share (:class:`ReadOnlyDict`,
the base of the graph's shared dicts, ``graph.build``), and verdicts whose ``evidence`` is
kept as JSON text (:class:`Verdict`).

A mirror verdict or a document's role carries its evidence as a list of small dicts, and the
graph shows the same list as JSON text (the ``signals`` of a ``mirror_of`` edge, a document's
``role_evidence``). :class:`Verdict` keeps only the text, shared with the graph, and makes the
list anew when it is read: at 100k pages the 166,153 mirror verdicts took 156 MB as dicts of
evidence dicts.
"""
from __future__ import annotations

import json
from collections.abc import ItemsView, KeysView, Mapping, ValuesView

from crawler.errors import GraphError

__all__ = ["ReadOnlyDict", "Verdict", "evidence_text", "to_json"]


def to_json(value) -> str:
    """The JSON text of a graph attribute (keys sorted, ``ensure_ascii=False``): a list or
    dict attribute of the graph, and a :class:`Verdict`'s evidence.

    Examples
    --------
    >>> to_json([{"signal": "s", "detail": "原文"}])
    '[{"detail": "原文", "signal": "s"}]'
    """
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def evidence_text(verdict: Mapping) -> str:
    """The JSON text of a verdict's evidence (:func:`to_json`): a :class:`Verdict`'s own
    text (the graph shares it), else made from its ``evidence`` list.

    Examples
    --------
    >>> v = {"url": "https://a.org/", "evidence": [{"signal": "s", "detail": "d"}]}
    >>> evidence_text(v), evidence_text(Verdict.of(v)) == evidence_text(v)
    ('[{"detail": "d", "signal": "s"}]', True)
    """
    if isinstance(verdict, Verdict):
        return verdict.evidence_text
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


class Verdict(ReadOnlyDict):
    """A verdict (a SPEC ``mirrors`` entry, a ``documents`` entry) that reads as the plain
    dict of its items and, last, ``evidence`` (``v["evidence"]``, ``dict(v)``,
    ``json.dumps(v)``, ``==``, pickle), but holds its evidence as the JSON text
    ``evidence_text`` (:func:`to_json`), which the graph shares, and makes the list anew on
    each read (its items' keys in sorted order, as the text has them).

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
    """

    __slots__ = ("evidence_text",)
    _refusal = ("a verdict is read-only (it keeps its evidence as JSON text, to save memory): "
                "dict(verdict) gives a dict to change")

    def __init__(self, items: Mapping, evidence_text: str = "[]"):
        if not items:       # (json's encoder writes "{}" for a dict holding no item of its own)
            raise ValueError("a verdict needs an item besides its evidence")
        dict.__init__(self, items)
        self.evidence_text = evidence_text

    @classmethod
    def of(cls, verdict: Mapping, texts: dict | None = None) -> "Verdict":
        """The verdict of a mapping with an ``evidence`` list. ``texts``: the evidence texts
        made so far (text -> itself), so that equal evidence is one string.

        Examples
        --------
        >>> texts = {}
        >>> a, b = (Verdict.of({"url": u, "role": "unknown", "evidence": []}, texts) for u in "ab")
        >>> a.evidence_text is b.evidence_text, a
        (True, {'url': 'a', 'role': 'unknown', 'evidence': []})
        """
        text = to_json(verdict.get("evidence", []))
        if texts is not None:
            text = texts.setdefault(text, text)
        return cls({k: v for k, v in verdict.items() if k != "evidence"}, text)

    def __missing__(self, key):
        if key == "evidence":
            return json.loads(self.evidence_text)
        raise KeyError(key)

    def get(self, key, default=None):
        return self[key] if key in self else default

    def __contains__(self, key) -> bool:
        return key == "evidence" or dict.__contains__(self, key)

    def __iter__(self):
        yield from dict.__iter__(self)
        yield "evidence"

    def __reversed__(self):
        yield "evidence"
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
        return type(self), (dict(dict.items(self)), self.evidence_text)
