"""On the mounted development corpus: every page is a mirror of the original stated as a
bare URL after 原文地址, and a rule is learned. Records are built from the files
directly (url = mount prefix + path, text = the file's lines) so the test checks the
graph side only; skipped when the corpus is absent."""
import re
from pathlib import Path

import pytest

from crawler.extract.urls import normalize_url
from graph.mirrors import find_mirrors

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "gfw-breaker+mh-news"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus/gfw-breaker+mh-news")
PREFIX = "https://github.com/gfw-breaker/mh-news/blob/master/"
STATED = re.compile(r"原文地址[^:：]*[:：]\s*(\S+)")

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="development corpus not mounted")


@pytest.fixture(scope="module")
def corpus():
    docs, stated = [], {}
    for f in sorted(CORPUS.rglob("*.md")):
        text = "\n".join(line.strip() for line in f.read_text("utf-8").splitlines() if line.strip())
        url = PREFIX + f.relative_to(CORPUS).as_posix()
        docs.append({"url": url, "title": text.splitlines()[0], "text": text, "attributions": []})
        m = STATED.search(text)
        if m:
            stated[url] = normalize_url(m.group(1).split("<")[0])
    return docs, stated, find_mirrors(docs, [])


def test_every_page_mirrors_its_stated_original(corpus):
    docs, stated, found = corpus
    assert len(stated) == len(docs) > 100
    got = {(m["mirror"], m["original"]) for m in found["mirrors"] if m["confidence"] >= 0.5}
    assert set(stated.items()) <= got


def test_rules_learned(corpus):
    _, stated, found = corpus
    rules = found["mirror_rules"]
    assert sum(r["support"] for r in rules) == len(stated)
    assert {r["mirror"] for r in rules} == {PREFIX + "pages/{*}/{id}.md"}
    assert all(not r["predicts"] for r in rules)  # dates and slugs cannot be predicted


def test_host_pairs(corpus):
    _, _, found = corpus
    assert {(h["mirror"], h["original"]) for h in found["host_pairs"]} == {
        ("github.com/gfw-breaker", "minghui.org"), ("github.com/gfw-breaker", "epochtimes.com")}
