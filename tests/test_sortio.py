import json

import pytest

from crawler.sortio import dumpb


def _json(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


OBJECTS = [
    {"b": 1, "a": "中", "c": None, "d": True, "e": False},
    {"s": "tab\there\nnew\rret\bback\fform\x00nul\x1funit\x7fdel"},     # control characters
    {"s": "quote\" back\\ slash/ <>&'"},
    {"s": "\u2028\u2029 line separators, \ufeff BOM, \U0001f600 emoji, 𠀀 CJK ext B"},
    {"s": "é" * 3 + "ｆｕｌｌ" + "\u00a0"},
    {"nested": {"z": [1, "x", {"k": [], "j": {}}], "a": -2**63}, "big": 2**64 - 1},
    {"é": 1, "e": 2, "中": 3, "Z": 4, "a": 5, "": 6},     # key order: code points
    {"lone": "\ud800 surrogate"},                       # orjson refuses: json writes it
    {"huge": 2**70},                                    # beyond 64 bits: json
    {1: "int key"},                                     # not a string key: json
    [1, "list", None],
    "a string",
]


@pytest.mark.parametrize("obj", OBJECTS)
def test_dumpb_writes_what_json_writes(obj):
    """The record lines the crawl writes: json's text in UTF-8; text UTF-8 cannot hold
    (a lone surrogate) as a JSON escape, which reads back as the same value."""
    line = dumpb(obj)
    try:
        assert line == _json(obj).encode("utf-8")
    except UnicodeEncodeError:
        assert line == json.dumps(obj, sort_keys=True, separators=(",", ":")).encode("ascii")
    assert json.loads(line) == json.loads(_json(obj))
