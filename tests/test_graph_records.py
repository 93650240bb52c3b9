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


@pytest.fixture(params=["read_jsonl", "read_link_table"])
def read(request):
    """Both readers of a JSON Lines file (the records as dicts, the records as a LinkTable),
    giving the list of the records they read, and the problems."""
    from graph import records

    def go(path, required=()):
        got, problems = getattr(records, request.param)(path, required=required)
        return list(got), problems
    return go


_LINK = {"alt": None, "anchor_text": "x", "block": "p[0]", "flags": [], "source": "https://a.org/",
         "target": "https://b.org/", "position": 3, "media": False}


@pytest.mark.parametrize("records", [
    [_LINK, dict(_LINK, anchor_text="y")],                                  # one key sequence
    [_LINK, {"target": "https://c.org/", "source": "https://a.org/"}],       # two shapes, other order
    [{"source": "s", "not an identifier": 1, "class": 2, "__dict__": 3}],     # keys that are no attribute names
    [{"source": "s", **{f"k{i}": i for i in range(40)}}],                    # more keys than a shared table holds
    [{"source": "s", "nested": {"a": [1, {"b": None}]}, "x": 1.5}],
])
def test_read_jsonl_gives_what_json_loads_gives(read, tmp_path, records):
    path = tmp_path / "links.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    got, problems = read(path, required=("source",))
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
def test_read_jsonl_reads_lines_as_json_loads_does(read, tmp_path, line):
    path = tmp_path / "links.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    got, problems = read(path, required=("source",))
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
def test_read_jsonl_reads_bytes_as_text_mode_does(read, tmp_path, raw):
    """Lines go to orjson as bytes; what it refuses is read as text: the records are those of
    the file read in text mode (universal newlines, invalid UTF-8 replaced) and ``json.loads``."""
    path = tmp_path / "links.jsonl"
    path.write_bytes(raw)
    got, problems = read(path, required=("source",))
    with open(path, encoding="utf-8", errors="replace") as fh:
        expected = [json.loads(line) for line in fh if line.strip()]
    assert problems == []
    assert repr(got) == repr(expected)


def test_read_jsonl_numbers_the_lines_it_skips(read, tmp_path):
    path = tmp_path / "links.jsonl"
    path.write_bytes(b'{"source": "s"}\nnot json\n{"source": "t"}\r[1]\n{"x": 1}\n')
    got, problems = read(path, required=("source",))
    assert got == [{"source": "s"}, {"source": "t"}]
    assert [p.split(":")[1] for p in problems] == ["2", "3", "4"]
    assert "not JSON" in problems[0] and "not a JSON object" in problems[1] and "missing source" in problems[2]


def test_read_jsonl_records_stay_plain_dicts(read, tmp_path):
    path = tmp_path / "links.jsonl"
    path.write_text(json.dumps(_LINK) + "\n" + json.dumps(_LINK) + "\n", encoding="utf-8")
    (a, b), _ = read(path)
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
def test_read_jsonl_shares_equal_lists_of_scalars(read, tmp_path, a, b, shared, read_only):
    from crawler.errors import GraphError
    from graph.records import SharedList
    path = tmp_path / "links.jsonl"
    records = [{"source": "s", "flags": a}, {"source": "t", "flags": b}]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    got, _ = read(path)
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
def test_read_jsonl_many_key_sequences(read, tmp_path, shapes):
    """Records of more key sequences than get a shared-key maker (64), a sequence that
    lacks a required key seen again after one that has it: the records json.loads gives,
    every line lacking ``source`` reported by its number."""
    lines = []
    for i in range(3 * shapes):
        keys = [f"k{j}" for j in range(i % shapes + 1)]
        rec = {k: f"v{i % 7}" for k in keys}
        if i % 5 != 4:
            rec = {"source": f"s{i % 3}", **rec}
        lines.append(json.dumps(rec))
    path = tmp_path / "links.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got, problems = read(path, required=("source",))
    expected = [json.loads(line) for line in lines]
    assert got == [r for r in expected if "source" in r]
    assert [list(r) for r in got] == [list(r) for r in expected if "source" in r]     # key order kept
    assert [int(p.split(":")[1]) for p in problems] == [n for n, r in enumerate(expected, 1) if "source" not in r]


# ------------------------------------------------------------------ LinkTable: records as columns

def _table(records):
    from graph.records import LinkTable
    return LinkTable.from_records(records)


@pytest.mark.parametrize("values, typecode", [
    (1, "B"), (255, "B"), (256, "H"), (65535, "H"), (65536, "I"), (70_000, "I"),
])
def test_link_table_codes_widen_with_distinct_values(values, typecode):
    """A column's codes take 1, 2 or 4 bytes as its distinct values grow (code 0: absent)."""
    records = [{"source": "s", "target": f"t{i}"} for i in range(values)] + [{"source": "s", "target": "t0"}]
    t = _table(records)
    assert t == records and t.column("target") == [r["target"] for r in records]
    assert t._codes[t._field["target"]].typecode == typecode
    assert t._codes[t._field["source"]].typecode == "B"


@pytest.mark.parametrize("shapes", [1, 255, 256, 300])
def test_link_table_many_key_sequences(shapes):
    records = [{f"k{j}": j for j in range(i % shapes + 1)} | {"source": "s"} for i in range(2 * shapes)]
    t = _table(records)
    assert [list(r) for r in t] == [list(r) for r in records]     # key order kept
    assert t == records and [t[i] for i in range(len(t))] == records and t[-1] == records[-1]


@pytest.mark.parametrize("field", ["source", "target", "flags", "position", "nope"])
def test_column_and_reader_give_each_records_field(field):
    from graph.records import column, reader
    records = [{"source": "a", "target": "b", "flags": [], "position": 0},
               {"source": "a", "position": 1.5}, {"target": "c", "flags": ["idn"], "source": "b", "position": True}]
    t = _table(records)
    expected = [r.get(field) for r in records]
    for got in (column(t, field), column(records, field), list(map(reader(t, field), range(3))),
                list(map(reader(records, field), range(3)))):
        assert repr(got) == repr(expected)


@pytest.mark.parametrize("value", [1, True, 1.0, -0.0, 0.0, None, "1", [1], [True], {"a": 1}, 10**30])
def test_link_table_keeps_each_value_and_its_type(value):
    """Values equal in Python (1, 1.0, True; -0.0, 0.0) stay what they were."""
    records = [{"source": "s", "x": v} for v in (1, True, 1.0, -0.0, 0.0, None, "1", value)]
    assert repr(list(_table(records))) == repr(records)


def test_link_table_is_a_read_only_sequence_of_new_dicts():
    import pickle
    records = [{"source": "a", "target": "b", "flags": []}, {"source": "a", "target": "c", "flags": []}]
    t = _table(records)
    row = t[0]
    row["target"] = "x"
    assert t[0] == records[0]                  # a record is a new dict each time
    assert t[0]["flags"] is t[1]["flags"]      # equal lists: one read-only list
    assert t[:1] == records[:1] and t != records[:1] and t == _table(records)
    with pytest.raises(IndexError):
        t[2]
    assert pickle.loads(pickle.dumps(t)) == records
    t.clear()
    assert len(t) == 0 and t == [] and list(t) == [] and t.column("target") == []


def test_load_records_gives_a_link_table(tmp_path):
    from graph.records import LinkTable
    _write(tmp_path, docs='{"url": "https://a.org/"}\n',
           links='{"source": "https://a.org/", "target": "https://b.org/"}\n{"source": "https://a.org/"}\n')
    _, links, _ = load_records(tmp_path)
    assert isinstance(links, LinkTable)
    assert links == [{"source": "https://a.org/", "target": "https://b.org/"}, {"source": "https://a.org/"}]
