import json

import pytest

from crawler.errors import LinkprovError
from graph.records import load_records


def _write(d, docs=None, links=None, manifest=None):
    if docs is not None:
        (d / "documents.jsonl").write_text(docs, encoding="utf-8")
    if links is not None:
        (d / "links.jsonl").write_text(links, encoding="utf-8")
    if manifest is not None:
        (d / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_missing_folder_says_how_to_fix(tmp_path):
    with pytest.raises(LinkprovError, match="scrapy crawl seeds -a out="):
        load_records(tmp_path / "nope")


def test_missing_documents_says_how_to_fix(tmp_path):
    with pytest.raises(LinkprovError, match="documents.jsonl"):
        load_records(tmp_path)


@pytest.mark.parametrize("manifest", [{"schema": 99}, {"version": "7.0.0"}])
def test_incompatible_version(tmp_path, manifest):
    _write(tmp_path, docs='{"url": "https://a.org/"}\n', manifest=manifest)
    with pytest.raises(LinkprovError, match="again"):
        load_records(tmp_path)


def test_bad_lines_are_skipped_and_reported(tmp_path):
    _write(tmp_path,
           docs='{"url": "https://a.org/"}\n{oops\n{"url": "https://a.org/"}\n{"title": "x"}\n{"url": "https://b.org/"}\n',
           links='{"source": "https://a.org/", "target": "https://b.org/"}\n[]\n',
           manifest={"inputs": [], "counts": {}})
    docs, links, manifest = load_records(tmp_path)
    assert [d["url"] for d in docs] == ["https://a.org/", "https://b.org/"]
    assert [lk["target"] for lk in links] == ["https://b.org/"]
    assert len(manifest["problems"]) == 4
    assert manifest["inputs"] == []


def test_missing_links_is_a_problem_not_an_error(tmp_path):
    _write(tmp_path, docs='{"url": "https://a.org/"}\n')
    docs, links, manifest = load_records(tmp_path)
    assert links == [] and any("links.jsonl" in p for p in manifest["problems"])


_LINK = {"alt": None, "anchor_text": "x", "block": "p[0]", "flags": [], "source": "https://a.org/",
         "target": "https://b.org/", "position": 3, "media": False}


@pytest.mark.parametrize("records", [
    [_LINK, dict(_LINK, anchor_text="y")],                                  # one key sequence
    [_LINK, {"target": "https://c.org/", "source": "https://a.org/"}],       # two shapes, other order
    [{"source": "s", "not an identifier": 1, "class": 2, "__dict__": 3}],     # keys that are no attribute names
    [{"source": "s", **{f"k{i}": i for i in range(40)}}],                    # more keys than a shared table holds
    [{"source": "s", "nested": {"a": [1, {"b": None}]}, "x": 1.5}],
])
def test_read_jsonl_gives_what_json_loads_gives(tmp_path, records):
    from graph.records import read_jsonl
    path = tmp_path / "links.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    got, problems = read_jsonl(path, required=("source",))
    assert problems == []
    assert got == records
    assert [type(r) for r in got] == [dict] * len(records)
    assert [list(r) for r in got] == [list(r) for r in records]          # key order kept
    assert [json.dumps(r) for r in got] == [json.dumps(r) for r in records]


@pytest.mark.parametrize("line", [
    '{"source": "s", "x": NaN, "y": Infinity}',                 # orjson refuses NaN / Infinity
    '{"source": "s", "href": "https://a.org/\\ud800"}',          # a lone surrogate escape
    '{"source": "s", "size": 123456789012345678901234567890}',  # beyond 64 bits: orjson gives a float
    '{"source": "s", "size": 18446744073709551615, "n": -9223372036854775808}',
    '{"source": "s", "x": 1e400}',
    '{"source": "s", "source": "t"}',                           # a repeated key: the last one
    '{"source": "s", "text": "\u202e\u4e2d\\u00e9"}',
])
def test_read_jsonl_reads_lines_as_json_loads_does(tmp_path, line):
    from graph.records import read_jsonl
    path = tmp_path / "links.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    got, problems = read_jsonl(path, required=("source",))
    assert problems == []
    assert repr(got) == repr([json.loads(line)])        # repr: nan == nan, int is not float


@pytest.mark.parametrize("raw", [
    b'{"source": "s"}\r\n{"source": "t"}\r\n',                # CRLF
    b'{"source": "s"}\r{"source": "t"}\n',                      # a bare CR ends a line in text mode
    b'{"source": "s\xff\xfe"}\n{"source": "t"}\n',            # not UTF-8: replaced, as text mode reads it
    b'\xe3\x80\x80\n\xc2\x85\n{"source": "s"}\n',          # lines of Unicode white space are blank
    b'\n\n{"source": "s"}',                                    # blank lines, no final newline
    b'{"source": "s", "x": 1.5, "n": 12345678901234567890123}\n',
])
def test_read_jsonl_reads_bytes_as_text_mode_does(tmp_path, raw):
    """Lines go to orjson as bytes; what it refuses is read as text: the records are those of
    the file read in text mode (universal newlines, invalid UTF-8 replaced) and ``json.loads``."""
    from graph.records import read_jsonl
    path = tmp_path / "links.jsonl"
    path.write_bytes(raw)
    got, problems = read_jsonl(path, required=("source",))
    with open(path, encoding="utf-8", errors="replace") as fh:
        expected = [json.loads(line) for line in fh if line.strip()]
    assert problems == []
    assert repr(got) == repr(expected)


def test_read_jsonl_numbers_the_lines_it_skips(tmp_path):
    from graph.records import read_jsonl
    path = tmp_path / "links.jsonl"
    path.write_bytes(b'{"source": "s"}\nnot json\n{"source": "t"}\r[1]\n{"x": 1}\n')
    got, problems = read_jsonl(path, required=("source",))
    assert got == [{"source": "s"}, {"source": "t"}]
    assert [p.split(":")[1] for p in problems] == ["2", "3", "4"]
    assert "not JSON" in problems[0] and "not a JSON object" in problems[1] and "missing source" in problems[2]


def test_read_jsonl_records_stay_plain_dicts(tmp_path):
    from graph.records import read_jsonl
    path = tmp_path / "links.jsonl"
    path.write_text(json.dumps(_LINK) + "\n" + json.dumps(_LINK) + "\n", encoding="utf-8")
    (a, b), _ = read_jsonl(path)
    a["new"] = 1
    del b["alt"]
    assert a == dict(_LINK, new=1) and b == {k: v for k, v in _LINK.items() if k != "alt"}
    assert a.get("alt", "d") is None and b.get("alt", "d") == "d"


def test_read_jsonl_records_are_compact(tmp_path):
    import sys
    from graph.records import read_jsonl
    path = tmp_path / "links.jsonl"
    record = dict(_LINK, **{f"field_{i}": None for i in range(10)})      # 18 keys, like a crawl's link
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    (row,), _ = read_jsonl(path)
    assert sys.getsizeof(row) < sys.getsizeof(json.loads(json.dumps(record)))   # shared key table: values only


@pytest.mark.parametrize("a, b, shared, read_only", [
    ([], [], True, True),                              # most links' flags
    (["idn", "homograph"], ["idn", "homograph"], True, True),
    ([1, True, None, "x"], [1, True, None, "x"], True, True),
    (["idn"], ["homograph"], False, True),             # unequal lists: one each
    ([1], [True], False, True),                        # equal in Python (1 == True), not in JSON
    ([{"a": 1}], [{"a": 1}], False, False),            # lists holding containers or floats stay plain
    ([[1]], [[1]], False, False),
    ([1.5], [1.5], False, False),
])
def test_read_jsonl_shares_equal_lists_of_scalars(tmp_path, a, b, shared, read_only):
    from crawler.errors import GraphError
    from graph.records import SharedList, read_jsonl
    path = tmp_path / "links.jsonl"
    records = [{"source": "s", "flags": a}, {"source": "t", "flags": b}]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    got, _ = read_jsonl(path)
    assert repr(got) == repr(records)
    assert (got[0]["flags"] is got[1]["flags"]) is shared
    assert [type(r["flags"]) for r in got] == [SharedList if read_only else list] * 2
    if read_only:
        for edit in (lambda x: x.append(1), lambda x: x.extend([1]), lambda x: x.__iadd__([1]),
                     lambda x: x.clear(), lambda x: x.sort(), lambda x: x.__setitem__(slice(None), [1])):
            with pytest.raises(GraphError, match=r"list\(value\) gives a copy"):
                edit(got[0]["flags"])
        assert got[0]["flags"] == a and list(got[0]["flags"]) + [1] == a + [1]


@pytest.mark.parametrize("shapes", [1, 3, 64, 65, 200])
def test_read_jsonl_many_key_sequences(tmp_path, shapes):
    """Records of more key sequences than get a shared-key maker (64), a sequence that
    lacks a required key seen again after one that has it: the records json.loads gives,
    every line lacking ``source`` reported by its number."""
    from graph.records import read_jsonl
    lines = []
    for i in range(3 * shapes):
        keys = [f"k{j}" for j in range(i % shapes + 1)]
        rec = {k: f"v{i % 7}" for k in keys}
        if i % 5 != 4:
            rec = {"source": f"s{i % 3}", **rec}
        lines.append(json.dumps(rec))
    path = tmp_path / "links.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got, problems = read_jsonl(path, required=("source",))
    expected = [json.loads(line) for line in lines]
    assert got == [r for r in expected if "source" in r]
    assert [list(r) for r in got] == [list(r) for r in expected if "source" in r]     # key order kept
    assert [int(p.split(":")[1]) for p in problems] == [n for n, r in enumerate(expected, 1) if "source" not in r]
