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
