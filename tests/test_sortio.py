import json

import pytest

from crawler.sortio import dumpb, loads


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


@pytest.mark.parametrize("obj", OBJECTS + [{"f": 1.5}, {"n": [1.0, 2]}])
@pytest.mark.parametrize("as_bytes", [True, False])
def test_loads_reads_what_json_reads(obj, as_bytes):
    """Record lines read back (the merge, the analysis): json's value for every line the
    crawl writes, floats and integers beyond 64 bits included."""
    line = dumpb(obj)
    got = loads(line if as_bytes else line.decode("utf-8"))
    assert got == json.loads(line)
    assert type(got) is type(json.loads(line))


@pytest.mark.parametrize("line", [b"NaN", b'{"a": NaN}', b"", b"{", b'{"a":1} x'])
def test_loads_refuses_what_json_refuses(line):
    try:
        expected = json.loads(line)
    except ValueError:
        with pytest.raises(ValueError):
            loads(line)
    else:
        assert loads(line) == expected or expected != expected
