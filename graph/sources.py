"""Sources behind documents: original publishers, wires and agencies named in text, and
image credits — each with the sentence (or statement) that names it.

The multilingual alias table is data: ``graph/data/sources.json``.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from functools import lru_cache
from importlib import resources

from graph.entities import entity_of
from graph.text import fold

__all__ = ["alias_table", "publisher_entities", "sentences", "names_in", "image_credits", "source_mentions", "find_sources"]

_MAX_EVIDENCE_PER_DOC = 2
_LATIN = re.compile(r"^[\x00-\x7f]+$")


@lru_cache(maxsize=1)
def alias_table() -> dict:
    """The alias table ``graph/data/sources.json``."""
    return json.loads(resources.files("graph").joinpath("data/sources.json").read_text("utf-8"))


@lru_cache(maxsize=1)
def _by_entity() -> dict[str, dict]:
    return {s["entity"]: s for s in alias_table()["sources"] if s.get("entity")}


def publisher_entities() -> frozenset[str]:
    """Entities of the publishers and wires of the alias table.

    Examples
    --------
    >>> "epochtimes.com" in publisher_entities()
    True
    """
    return frozenset(s["entity"] for s in alias_table()["sources"]
                     if s.get("entity") and s["kind"] in ("publisher", "wire"))


def _trie_re(words: list[str]) -> str:
    """A regex matching any of ``words``, factored as a trie so each position is tried
    against one character class instead of every alias in turn."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def emit(node: dict) -> str:
        end = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if end else body

    return emit(trie)


@lru_cache(maxsize=1)
def _combined() -> tuple[re.Pattern, dict[str, list[tuple[str, dict]]]]:
    """One trie regex over every folded, lower-cased alias, to search :func:`_lower` text
    (a case-sensitive search of lower-cased text is ~30x faster than ``re.I``), and
    lower-cased match -> [(alias as written, source)] to check case and word boundaries
    afterwards."""
    by_key: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for src in alias_table()["sources"]:
        for alias in sorted(set(src["aliases"]) | {src["name"]}):
            a = fold(alias)
            by_key[_lower(a)].append((a, src))
    return re.compile(_trie_re(sorted(by_key))), by_key


def _lower(text: str) -> str:
    """``text`` lower-cased character by character (same length: match positions in it
    are positions in ``text``)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _accept(alias: str, text: str, start: int, end: int) -> bool:
    if not _LATIN.match(alias):
        return True
    if len(alias) <= 3 and text[start:end] != alias:
        return False
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


@lru_cache(maxsize=1)
def _credit_res() -> tuple[list[re.Pattern], re.Pattern]:
    table = alias_table()
    return ([re.compile(p, re.I) for p in table["credit_patterns"]], re.compile(table["credit_split"], re.I))


_SENT = re.compile(r"(?<=[。！？!?；;])|(?<=\.)\s+(?=[A-Z\"“(（])")


def sentences(text: str | None) -> list[str]:
    """Sentences of ``text``: its lines, split after sentence ends in either script.

    Examples
    --------
    >>> sentences("他说。她笑了！\\nIt rained. Then it stopped.")
    ['他说。', '她笑了！', 'It rained.', 'Then it stopped.']
    """
    out = []
    for line in (text or "").splitlines():
        out.extend(s.strip() for s in _SENT.split(line) if s and s.strip())
    return out


def names_in(sentence: str) -> list[dict]:
    """The alias-table sources named in ``sentence`` (after script and width folding).

    Examples
    --------
    >>> [s["name"] for s in names_in("（本文參考了路透社的報導）")]
    ['Reuters']
    >>> [s["name"] for s in names_in("a map of the AP region") ]
    ['AP']
    >>> [s["name"] for s in names_in("snap decisions")]
    []
    """
    return _names_in_folded(fold(sentence))


def _names_in_folded(folded: str) -> list[dict]:
    rx, by_key = _combined()
    low = _lower(folded)
    found: dict[str, dict] = {}
    pos = 0
    while True:
        m = rx.search(low, pos)
        if not m:
            break
        hit = None
        # the trie regex takes the longest alias; if its case/boundary check fails, try
        # shorter aliases that start at the same place
        for end in range(m.end(), m.start(), -1):
            for alias, src in by_key.get(low[m.start():end], ()):
                if _accept(alias, folded, m.start(), end):
                    hit = (end, src)
                    break
            if hit:
                break
        if hit:
            found.setdefault(hit[1]["name"], hit[1])
            pos = hit[0]
        else:
            pos = m.start() + 1
    return [found[k] for k in sorted(found)]


def image_credits(line: str) -> list[dict]:
    """Image credits of a caption line: ``{"name", "entity", "known"}`` per party.

    A party not in the alias table (a photographer) is kept only when the same credit
    names a known agency, so that "(TCP/IP)" is not taken for a credit.

    Examples
    --------
    >>> [c["name"] for c in image_credits("马克龙在巴黎。(LUDOVIC MARIN/AFP via Getty Images)")]
    ['LUDOVIC MARIN', 'AFP', 'Getty Images']
    >>> image_credits("我们使用 (TCP/IP) 协议")
    []
    """
    patterns, split = _credit_res()
    folded = fold(line).strip()
    out: list[dict] = []
    for rx in patterns:
        m = rx.search(folded)
        if not m:
            continue
        parties = [p.strip(" .:：-") for p in split.split(m.group("credit")) if p and p.strip(" .:：-")]
        found = []
        for party in parties:
            known = names_in(party)
            if known:
                found.extend({"name": s["name"], "entity": s.get("entity"), "known": True} for s in known)
            elif 2 <= len(party) <= 40 and not any(c.isdigit() for c in party):
                found.append({"name": party, "entity": None, "known": False})
        if any(f["known"] for f in found):
            seen = set()
            for f in found:
                if f["name"] not in seen:
                    seen.add(f["name"])
                    out.append(f)
            break
    return out


def find_sources(documents: list[dict], mirrors: list[dict] | None = None,
                 publishers: list[dict] | None = None, mentions: list[tuple] | None = None) -> list[dict]:
    """Sources of a crawl as SPEC ``sources`` entries.

    Parameters
    ----------
    documents : list of dict
        Crawl records (``url``, ``text``, ``attributions``).
    mirrors : list of dict, optional
        SPEC ``mirrors`` entries: the entity of each original is a publisher of its mirror.
    publishers : list of dict, optional
        Home-page statements (``graph.mirrors.explicit_pairs``): ``document``, ``entity``,
        ``evidence``.
    mentions : list of tuple, optional
        :func:`source_mentions` of ``documents`` if already found (the analysis finds them
        in a worker beside the mirror step); by default they are found here.

    Returns
    -------
    list of dict
        ``{"name", "kind", "entity", "documents", "evidence"}`` sorted by name and kind;
        evidence items are ``{"document", "signal", "detail"}`` where ``detail`` is the
        sentence or statement naming the source.

    Examples
    --------
    >>> docs = [{"url": "https://m.org/a", "attributions": [],
    ...          "text": "合影。(LUDOVIC MARIN/AFP via Getty Images)\\n（本文参考了路透社的报导）"}]
    >>> sorted((s["name"], s["kind"]) for s in find_sources(docs))  # doctest: +NORMALIZE_WHITESPACE
    [('AFP', 'image_credit'), ('Getty Images', 'image_credit'),
     ('LUDOVIC MARIN', 'image_credit'), ('Reuters', 'wire')]
    """
    found: dict[tuple[str, str], dict] = {}
    per_doc: dict[tuple[str, str, str], int] = defaultdict(int)
    seen: set[tuple] = set()   # evidence already recorded (a list lookup here was quadratic)

    def add(name: str, kind: str, entity: str | None, doc: str | None, signal: str, detail: str) -> None:
        entry = found.setdefault((name, kind), {"name": name, "kind": kind, "entity": entity,
                                                "documents": set(), "evidence": []})
        if entity and not entry["entity"]:
            entry["entity"] = entity
        if doc:
            entry["documents"].add(doc)
        key = (name, kind, doc or "")
        if per_doc[key] < _MAX_EVIDENCE_PER_DOC:
            per_doc[key] += 1
            item = {"document": doc, "signal": signal, "detail": detail.strip()[:300]}
            mark = (name, kind, doc, signal, item["detail"])
            if mark not in seen:
                seen.add(mark)
                entry["evidence"].append(item)

    for mention in (source_mentions(documents) if mentions is None else mentions):
        add(*mention)
    docs = {d["url"] for d in documents}
    for m in mirrors or []:
        ent = entity_of(m["original"])
        if not ent:
            continue
        src = _by_entity().get(ent)
        name = src["name"] if src else ent
        signals = sorted({e["signal"] for e in m.get("evidence", [])})
        detail = f"{m['mirror']} mirrors {m['original']} ({', '.join(signals)})"
        add(name, "publisher", ent, m["mirror"] if m["mirror"] in docs else None, "original_of", detail)
    for p in publishers or []:
        ent = p.get("entity")
        if not ent:
            continue
        src = _by_entity().get(ent)
        detail = "; ".join(e["detail"] for e in p.get("evidence", [])) or p.get("url", "")
        add(src["name"] if src else ent, "publisher", ent, p["document"], "stated_publisher", detail)
    out = []
    for key in sorted(found):
        entry = found[key]
        entry["documents"] = sorted(entry["documents"])
        entry["evidence"] = sorted(entry["evidence"], key=lambda e: (e["document"] or "", e["signal"], e["detail"]))
        out.append(entry)
    return out


def source_mentions(documents: list[dict], folded: list[str] | None = None) -> list[tuple]:
    """Sources named by the documents themselves (image credits, and sentences naming an
    alias-table source), in document order: ``(name, kind, entity, document, signal,
    detail)`` tuples, as ``find_sources`` records them. It reads only the documents, so it
    can run apart from (and before) the mirror step that ``find_sources`` also needs.
    ``folded``: each document's ``graph.text.fold`` of its text, if the caller has them.

    Examples
    --------
    >>> source_mentions([{"url": "https://m.org/a", "text": "据法新社报道，雨停了。"}])
    [('AFP', 'wire', 'afp.com', 'https://m.org/a', 'text', '据法新社报道，雨停了。')]
    """
    out: list[tuple] = []
    search = _combined()[0].search
    for k, doc in enumerate(documents):
        url = doc["url"]
        for att in doc.get("attributions") or []:
            if isinstance(att, dict) and att.get("kind") == "image_credit" and att.get("text"):
                for c in image_credits(att["text"]) or (
                        [{"name": s["name"], "entity": s.get("entity")} for s in names_in(att["text"])]):
                    out.append((c["name"], "image_credit", c["entity"], url, "image_credit", att["text"]))
        text = doc.get("text") or ""
        if not search(_lower(fold(text) if folded is None else folded[k])):
            continue  # no alias anywhere: skip the per-sentence work
        for sentence in sentences(text):
            named = _names_in_folded(fold(sentence))
            if not named:
                continue
            credits = image_credits(sentence)
            for c in credits:
                out.append((c["name"], "image_credit", c["entity"], url, "image_credit", sentence))
            credited = {c["name"] for c in credits}
            for src in named:
                if src["name"] in credited:
                    continue
                out.append((src["name"], src["kind"], src.get("entity"), url, "text", sentence))
    return out
