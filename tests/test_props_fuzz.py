"""A few hundred fuzz inputs in the test suite (the long run, >= 10,000 inputs plus a
1,000,000-link page, is ``python tests/fuzz.py [--million]``; see its docstring)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import fuzz  # noqa: E402


@pytest.fixture(scope="module")
def pages():
    return fuzz.load_pages(limit=40)


def test_document_mutants_never_crash_and_are_deterministic(pages):
    stats = fuzz.fuzz_documents(250, seed=7, pages=pages)
    assert stats["inputs"] == 250
    assert stats["crashes"] == [] and stats["nondeterministic"] == []
    assert stats["documents"] + sum(stats["skipped"].values()) == 250
    assert stats["documents"] > 180 and stats["bytes_compared"] > 1_000_000


def test_warc_mutants_never_crash(pages, tmp_path):
    stats = fuzz.fuzz_warcs(60, seed=7, pages=pages, work=tmp_path)
    assert stats["crashes"] == [] and stats["inputs"] == 60
    assert stats["records_served"] > 0


def test_a_folder_of_mutants_is_accounted_for_in_the_manifest(pages, tmp_path):
    result = fuzz.crawl_folder(30, seed=7, pages=pages, work=tmp_path)
    assert result["exit"] == 0, result["errors_in_log"]
    assert result["files"] == result["manifest_inputs"] == 34 and result["listed_once"]
    assert result["lost"] == [] and result["extra"] == []
    counts = result["counts"]
    assert counts["processed"] + counts["skipped"] == counts["inputs"] == 34
    assert {"graph.graphml", "provenance.json", "report.html"} <= set(result["analysis_outputs"])
    assert result["errors_in_log"] == []


@pytest.mark.parametrize("seed", range(5))
def test_mutate_is_reproducible(pages, seed):
    import random
    name, body = pages[seed % len(pages)]
    a = fuzz.mutate(random.Random(seed), body, pages[0][1])
    assert a == fuzz.mutate(random.Random(seed), body, pages[0][1])
    json.dumps(a[1])
