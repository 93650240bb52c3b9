"""graph.verdicts.Verdict reads as the plain dict it stands for, in every way a caller reads one."""
import copy
import json
import pickle

import pytest

from crawler.errors import GraphError
from graph.verdicts import PackedSignals, Verdict, pack, to_json, unpack

PLAIN = {"mirror": "https://m.org/a", "original": "https://o.com/a", "confidence": 0.9,
         "evidence": [{"signal": "original_link", "detail": "原文地址", "weight": 0.9},
                      {"signal": "near_duplicate", "detail": "Jaccard 0.93"}]}


@pytest.fixture(params=[False, True], ids=["text", "packed"])
def verdict(request):
    return Verdict.of(PLAIN, packed=request.param)


@pytest.mark.parametrize("read", [
    lambda v: v["evidence"],
    lambda v: v["mirror"],
    lambda v: v.get("evidence"),
    lambda v: v.get("nothing", "default"),
    lambda v: ("evidence" in v, "mirror" in v, "nothing" in v),
    lambda v: len(v),
    lambda v: bool(v),
    lambda v: list(v),
    lambda v: list(reversed(v)),
    lambda v: list(v.keys()),
    lambda v: list(v.values()),
    lambda v: list(v.items()),
    lambda v: set(v.keys()) == set(PLAIN),
    lambda v: dict(v),
    lambda v: {**v},
    lambda v: v.copy(),
    lambda v: v | {"x": 1},
    lambda v: {"x": 1} | v,
    lambda v: json.loads(json.dumps(v)),        # (the evidence items' keys come sorted)
    lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True),
    lambda v: json.loads(json.dumps(v, indent=2)),
    lambda v: json.dumps([v, {"k": v}], sort_keys=True, indent=1),
    lambda v: list(json.loads(json.dumps(v))),
    lambda v: repr(v).startswith("{'mirror': 'https://m.org/a', 'original'"),
    lambda v: sorted(v.items(), key=str),
], ids=lambda f: f.__code__.co_firstlineno)
def test_reads_as_the_plain_dict(verdict, read):
    assert read(verdict) == read(dict(PLAIN))


def test_compares_equal_to_the_plain_dict(verdict):
    other = {**PLAIN, "confidence": 0.5}
    assert verdict == PLAIN and PLAIN == verdict and [verdict] == [PLAIN]
    assert not (verdict != PLAIN) and verdict != other and other != verdict
    assert verdict == Verdict.of(PLAIN) and verdict != Verdict.of(other)


@pytest.mark.parametrize("change", [
    lambda v: v.__setitem__("confidence", 1.0),
    lambda v: v.__delitem__("mirror"),
    lambda v: v.update(x=1),
    lambda v: v.pop("mirror"),
    lambda v: v.popitem(),
    lambda v: v.setdefault("x", 1),
    lambda v: v.clear(),
])
def test_is_read_only_and_says_how_to_change_it(verdict, change):
    with pytest.raises(GraphError, match=r"dict\(verdict\)"):
        change(verdict)
    assert verdict == PLAIN


def test_the_evidence_read_is_a_new_list(verdict):
    verdict["evidence"].append("x")
    assert verdict["evidence"] == PLAIN["evidence"]


@pytest.mark.parametrize("clone", [
    lambda v: pickle.loads(pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)),
    lambda v: pickle.loads(pickle.dumps(v, protocol=2)),
    copy.copy,
    copy.deepcopy,
])
def test_copies_are_verdicts(verdict, clone):
    got = clone(verdict)
    assert type(got) is Verdict and got == PLAIN and got.evidence_text == verdict.evidence_text


def test_equal_evidence_is_one_string():
    texts = {}
    a = Verdict.of(PLAIN, texts)
    b = Verdict.of({**PLAIN, "mirror": "https://m.org/b", "evidence": copy.deepcopy(PLAIN["evidence"])}, texts)
    assert a.payload is b.payload and a.evidence_text == to_json(PLAIN["evidence"])
    assert len(texts) == 1


def test_a_verdict_holds_an_item_besides_its_evidence():
    with pytest.raises(ValueError, match="an item besides"):
        Verdict({}, "[]")


EDGE = {"kind": "mirror_of", "confidence": 0.9, "signals": to_json(PLAIN["evidence"])}


@pytest.mark.parametrize("read", [
    lambda e: e["signals"],
    lambda e: (e.get("signals"), e.get("nothing", 0), "signals" in e, len(e)),
    lambda e: (list(e), list(e.items()), dict(e), {**e}),
    lambda e: json.loads(json.dumps(e)),
    lambda e: pickle.loads(pickle.dumps(e)),
    lambda e: copy.deepcopy(e),
])
def test_packed_signals_read_as_the_edge_dict(read):
    """A mirror_of edge's attribute dict holding its verdict's packed evidence reads as the
    plain attribute dict, ``signals`` last."""
    verdict = Verdict.of(PLAIN, packed=True)
    edge = PackedSignals({"kind": "mirror_of", "confidence": 0.9}, verdict.payload)
    assert type(verdict.payload) is bytes and read(edge) == read(dict(EDGE))
    with pytest.raises(GraphError, match=r"G = G\.copy\(\)"):
        edge["signals"] = "[]"


@pytest.mark.parametrize("text", ["", "[]", to_json(PLAIN["evidence"]), "原文地址" * 500, "\ud800 lone surrogate"])
def test_pack_round_trips(text):
    assert unpack(pack(text)) == text and unpack(text) is text
