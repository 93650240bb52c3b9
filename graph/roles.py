"""Roles of documents and entities: ``mirror``, ``original``, ``promoter`` or ``unknown``,
each with the evidence it was decided on.

Precedence (a document or entity fitting several gets the first): mirror (it republishes
someone else's text), original (others mirror it), promoter (its links are mostly
promotional, or it belongs to a promotional cluster), unknown.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from graph.entities import entity_of
from graph.records import reader
from graph.verdicts import Verdict

__all__ = ["class_counts", "document_roles", "entity_roles", "MIN_CONFIDENCE"]

#: mirror verdicts below this confidence do not set roles
MIN_CONFIDENCE = 0.5
#: share and count of promotional links that make a document a promoter
PROMO_SHARE, PROMO_MIN = 0.5, 3


def class_counts(links: list[dict], classes: list[str]) -> dict[str, Counter]:
    """Per source URL, how many of its links (those with a target) are of each class.

    Examples
    --------
    >>> class_counts([{"source": "a", "target": "b"}, {"source": "a", "target": None}], ["content", "self"])
    {'a': Counter({'content': 1})}
    """
    counts: dict[str, Counter] = defaultdict(Counter)
    source, target = reader(links, "source"), reader(links, "target")
    for i, cls in zip(range(len(links)), classes):
        if target(i):
            counts[source(i)][cls] += 1
    return dict(counts)


def document_roles(documents: list[dict], mirrors: list[dict], counts: dict[str, Counter]) -> dict[str, dict]:
    """Role of every document, from the mirror verdicts and the :func:`class_counts` of its
    links.

    Returns
    -------
    dict
        URL -> ``{"url", "role", "evidence": [{"signal", "detail"}]}``, the entries of
        ``provenance["documents"]`` themselves, as :class:`graph.verdicts.Verdict` (the
        evidence kept as the text the graph's ``role_evidence`` shares; equal texts are one
        string).

    Examples
    --------
    >>> docs = [{"url": "https://m.org/a"}, {"url": "https://o.com/a"}, {"url": "https://p.net/"}]
    >>> ms = [{"mirror": "https://m.org/a", "original": "https://o.com/a", "confidence": 0.9}]
    >>> links = [{"source": "https://p.net/", "target": f"https://x.com/{i}"} for i in range(3)]
    >>> r = document_roles(docs, ms, class_counts(links, ["promotional"] * 3))
    >>> {u: v["role"] for u, v in r.items()}
    {'https://m.org/a': 'mirror', 'https://o.com/a': 'original', 'https://p.net/': 'promoter'}
    """
    # a mirror's verdict, or the list of its verdicts when it has several; how many URLs
    # mirror an original (not a list per URL: 166,000 verdicts at 100k pages)
    as_mirror: dict[str, dict | list[dict]] = {}
    as_original: Counter = Counter()
    for m in mirrors:
        if m.get("confidence", 0) >= MIN_CONFIDENCE:
            seen = as_mirror.setdefault(m["mirror"], m)
            if seen is not m:
                if type(seen) is list:
                    seen.append(m)
                else:
                    as_mirror[m["mirror"]] = [seen, m]
            as_original[m["original"]] += 1
    out = {}
    texts: dict[str, str] = {}     # one string per equal evidence text
    for doc in documents:
        url = doc["url"]
        evidence = []
        role = "unknown"
        found = as_mirror.get(url)
        if found is not None:
            role = "mirror"
            for m in sorted(found, key=lambda m: m["original"]) if type(found) is list else (found,):
                evidence.append({"signal": "mirror_of", "detail": f"mirrors {m['original']} (confidence {m['confidence']})"})
        n = as_original.get(url)
        if n:
            role = "original" if role == "unknown" else role
            evidence.append({"signal": "original_of", "detail": f"mirrored by {n} URL{'s' * (n != 1)}"})
        c = counts.get(url, Counter())
        total, promo = sum(c.values()), c.get("promotional", 0)
        if total and promo >= PROMO_MIN and promo / total >= PROMO_SHARE:
            role = "promoter" if role == "unknown" else role
            evidence.append({"signal": "promotional_links", "detail": f"{promo} of {total} links are promotional"})
        out[url] = Verdict.of({"url": url, "role": role, "evidence": evidence}, texts)
    return out


def entity_roles(entities: list[str], documents: list[dict], doc_roles: dict[str, dict],
                 mirrors: list[dict], host_pairs: list[dict], clusters: list[dict] = ()) -> list[dict]:
    """SPEC ``entities`` entries: ``{"entity", "role", "documents", "evidence"}``.

    An entity is a mirror when most of its mirror-or-original URLs mirror another entity
    (or a host pair says so), an original when other entities mirror it, a promoter when
    it belongs to a promotional cluster or most of its documents are promoters.

    Examples
    --------
    >>> ms = [{"mirror": "https://github.com/a/r/blob/master/x.md",
    ...        "original": "https://www.ex.com/x.htm", "confidence": 0.9}]
    >>> docs = [{"url": ms[0]["mirror"]}]
    >>> roles = {ms[0]["mirror"]: {"role": "mirror", "evidence": []}}
    >>> [(e["entity"], e["role"], e["documents"]) for e in
    ...  entity_roles(["ex.com", "github.com/a", "other.org"], docs, roles, ms, [])]
    [('ex.com', 'original', 0), ('github.com/a', 'mirror', 1), ('other.org', 'unknown', 0)]
    """
    n_docs: Counter = Counter()
    promoters: Counter = Counter()
    for doc in documents:
        ent = entity_of(doc["url"])
        n_docs[ent] += 1
        if doc_roles.get(doc["url"], {}).get("role") == "promoter":
            promoters[ent] += 1
    mirrored_from: dict[str, Counter] = defaultdict(Counter)   # mirror entity -> original entities
    mirrored_by: dict[str, Counter] = defaultdict(Counter)     # original entity -> mirror entities
    for m in mirrors:
        if m.get("confidence", 0) < MIN_CONFIDENCE:
            continue
        a, b = entity_of(m["mirror"]), entity_of(m["original"])
        if a and b and a != b:
            mirrored_from[a][b] += 1
            mirrored_by[b][a] += 1
    pair_ev: dict[str, list[str]] = defaultdict(list)
    for hp in host_pairs:
        pair_ev[hp["mirror"]].append(f"host pair: {hp['mirror']} mirrors {hp['original']} ({hp['documents']} documents)")
    in_cluster: dict[str, list[str]] = defaultdict(list)
    for c in clusters:
        for ent in c.get("entities", []):
            in_cluster[ent].append(f"member of promotional cluster {c['id']} ({c.get('label', '')})".strip())
    out = []
    for ent in sorted(set(entities)):
        evidence = []
        out_n = sum(mirrored_from[ent].values())
        in_n = sum(mirrored_by[ent].values())
        role = "unknown"
        if out_n:
            top = ", ".join(f"{e} ({n})" for e, n in sorted(mirrored_from[ent].items(), key=lambda x: (-x[1], x[0]))[:5])
            evidence.append({"signal": "mirrors", "detail": f"{out_n} URL(s) mirror originals on {top}"})
        evidence += [{"signal": "host_pair", "detail": d} for d in pair_ev.get(ent, [])]
        if in_n:
            top = ", ".join(f"{e} ({n})" for e, n in sorted(mirrored_by[ent].items(), key=lambda x: (-x[1], x[0]))[:5])
            evidence.append({"signal": "mirrored_by", "detail": f"{in_n} URL(s) mirrored by {top}"})
        if (out_n or pair_ev.get(ent)) and out_n >= in_n:
            role = "mirror"
        elif in_n:
            role = "original"
        if in_cluster.get(ent):
            evidence += [{"signal": "promotional_cluster", "detail": d} for d in sorted(in_cluster[ent])]
        if promoters[ent]:
            evidence.append({"signal": "promoter_documents", "detail": f"{promoters[ent]} of {n_docs[ent]} documents are promoters"})
        if role == "unknown" and (in_cluster.get(ent) or (n_docs[ent] and promoters[ent] * 2 >= n_docs[ent])):
            role = "promoter"
        out.append({"entity": ent, "role": role, "documents": n_docs.get(ent, 0), "evidence": evidence})
    return out
