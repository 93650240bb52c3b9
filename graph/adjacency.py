"""A compact store of a built graph's in-edges: :func:`freeze_pred` replaces each node's
dict of predecessors (``G._pred[v]``: predecessor -> key dict, the very key dict that
``G._succ[u][v]`` holds) by a :class:`FrozenPred`, which keeps only the predecessors, in
their order, as a tuple (the one string itself for a single predecessor) and reads each key
dict from ``G._succ``.

At 100k pages the predecessor dicts were the graph's largest part (154 MB of 680): 242 hub
nodes (template link targets, hosts) held 3.2M entries at about 45 bytes each, where a
tuple takes 8, and 252k nodes held one entry each in a dict of about 184 bytes, where a
:class:`FrozenPred` of one takes 64.
"""
from __future__ import annotations

from collections.abc import MutableMapping

import networkx as nx

__all__ = ["FrozenPred", "freeze_pred", "APPEND_MAX"]

#: a new predecessor of a node with fewer than this many is appended to its tuple; a node
#: with more becomes a dict (appending copies the tuple)
APPEND_MAX = 64


class FrozenPred(MutableMapping):
    """The predecessors of node ``v`` (``G._pred[v]``) as a tuple, reading as the dict
    networkx keeps there (predecessor -> key dict, in the order the edges were added).

    ``p[u]`` and ``u in p`` look ``v`` up in ``succ[u]`` (a graph's ``_succ[u][v]`` is its
    ``_pred[v][u]``). A new predecessor (``G.add_edge``) is appended to the tuple, up to
    :data:`APPEND_MAX`; beyond that, and on any other change (``G.remove_edge``,
    ``G.remove_node``, ``G.clear_edges``), it turns into a dict of its own first, which
    :func:`freeze_pred` compacts again.

    Examples
    --------
    >>> G = nx.MultiDiGraph([("a", "c"), ("b", "c")])
    >>> freeze_pred(G)
    >>> type(G._pred["c"]).__name__, list(G.predecessors("c")), G.in_degree("c")
    ('FrozenPred', ['a', 'b'], 2)
    >>> G.add_edge("d", "c"); sorted(G.pred["c"]), G.has_edge("d", "c")
    0
    (['a', 'b', 'd'], True)
    """

    __slots__ = ("_succ", "_v", "_us")

    def __init__(self, succ: dict, v, us):
        self._succ, self._v, self._us = succ, v, us

    @classmethod
    def of(cls, succ: dict, v, predecessors) -> "FrozenPred":
        """The in-edges of ``v`` from ``predecessors`` (an iterable, in their order)."""
        return cls(succ, v, _compact(predecessors))

    def _members(self) -> tuple:
        us = self._us
        return (us,) if type(us) is str else us

    def _thaw(self, drop=None) -> dict:
        """The predecessors as this mapping's own dict (built once; ``drop``: a predecessor
        whose edge is being removed, which ``succ`` may no longer hold)."""
        us = self._us
        if type(us) is not dict:
            succ, v = self._succ, self._v
            self._us = us = {u: succ[u][v] for u in self._members() if u != drop}
        return us

    def __getitem__(self, u):
        us = self._us
        if type(us) is dict:
            return us[u]
        nbrs = self._succ.get(u)
        if nbrs is None or self._v not in nbrs:
            raise KeyError(u)
        return nbrs[self._v]

    def __contains__(self, u) -> bool:
        us = self._us
        if type(us) is dict:
            return u in us
        nbrs = self._succ.get(u)
        return nbrs is not None and self._v in nbrs

    def __iter__(self):
        return iter(self._us) if type(self._us) is dict else iter(self._members())

    def __len__(self) -> int:
        us = self._us
        return 1 if type(us) is str else len(us)

    def __setitem__(self, u, keydict) -> None:
        us = self._us
        if type(us) is not dict and len(self) < APPEND_MAX:
            # (the caller has set succ[u][v] to keydict: networkx and graph.build set it
            # first; a new predecessor is appended, the tuple stays)
            members = self._members()
            if u not in members:
                self._us = members + (u,)
            return
        self._thaw()[u] = keydict

    def __delitem__(self, u) -> None:
        if type(self._us) is not dict:
            if u not in self._members():
                raise KeyError(u)
            self._thaw(drop=u)
            return
        del self._us[u]

    def clear(self) -> None:
        self._us = {}

    def copy(self) -> dict:
        return dict(self.items())

    def __repr__(self) -> str:
        return repr(self.copy())

    def __reduce__(self):
        return type(self), (self._succ, self._v, self._us)


def freeze_pred(G: nx.MultiDiGraph | nx.DiGraph) -> None:
    """Hold every node's predecessors (``G._pred``) as a :class:`FrozenPred`, in place:
    dicts of one or more predecessors, and the dicts :class:`FrozenPred` made of itself on a
    change. The graph reads and changes as before; nodes without predecessors keep their
    empty dict.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("a", "b", key="links_to"); G.add_edge("b", "c", key="links_to")
    'links_to'
    'links_to'
    >>> before = sorted(G.in_edges(keys=True))
    >>> freeze_pred(G)
    >>> sorted(G.in_edges(keys=True)) == before, G._pred["a"]
    (True, {})
    """
    succ, pred = G._succ, G._pred
    for v, d in pred.items():       # (values replaced, no key added: the dict's size stays)
        if type(d) is FrozenPred:
            if type(d._us) is dict and d._us:       # (turned into a dict by a change)
                d._us = _compact(d._us)
        elif d:
            pred[v] = FrozenPred.of(succ, v, d)


def _compact(predecessors) -> str | tuple:
    """Predecessors as a :class:`FrozenPred` holds them: the one string itself, else a tuple."""
    us = tuple(predecessors)
    return us[0] if len(us) == 1 and type(us[0]) is str else us
