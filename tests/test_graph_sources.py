import pytest

from graph.sources import find_sources, image_credits, names_in, sentences, source_mentions


@pytest.mark.parametrize("sentence, names", [
    ("（本文参考了路透社的报导）", {"Reuters"}),
    ("據路透社報導", {"Reuters"}),
    ("法新社引述专家分析", {"AFP"}),
    ("美聯社當天報道了此事", {"AP"}),
    ("according to the Associated Press and AP", {"AP"}),
    ("a map of the APAC region", set()),
    ("snap decisions", set()),
    ("大紀元記者報導", {"Epoch Times"}),
    ("明慧網消息", {"Minghui"}),
    ("新唐人電視台 and The Epoch Times", {"NTD", "Epoch Times"}),
    ("彭博社和华尔街日报", {"Bloomberg", "Wall Street Journal"}),
    ("Kyodo reported, 共同社", {"Kyodo"}),
    ("REUTERS and BLOOMBERG", {"Reuters", "Bloomberg"}),      # matched on lower-cased text
    ("İstanbul: AP says", {"AP"}),              # "İ" lower-cases to two characters
    ("İİİ snAP", set()),                        # short aliases keep their case and boundaries
])
def test_names_in_both_scripts(sentence, names):
    assert {s["name"] for s in names_in(sentence)} == names


@pytest.mark.parametrize("line, names", [
    ("合影。(LUDOVIC MARIN/AFP via Getty Images)", {"LUDOVIC MARIN", "AFP", "Getty Images"}),
    ("（姜丽／大纪元）", {"姜丽", "Epoch Times"}),
    ("图片来源：路透社", {"Reuters"}),
    ("我们使用 (TCP/IP) 协议", set()),
    ("(2020/3/25)", set()),
])
def test_image_credits(line, names):
    assert {c["name"] for c in image_credits(line)} == names


def test_an_alias_that_lower_cases_longer_is_found(monkeypatch):
    import graph.sources as sources_mod

    table = {**sources_mod.alias_table(), "sources": [{"name": "İHA", "aliases": ["İhlas Haber Ajansı"],
                                                       "kind": "wire", "entity": "iha.com.tr"}]}
    monkeypatch.setattr(sources_mod, "alias_table", lambda: table)
    sources_mod._combined.cache_clear()
    try:
        assert [s["name"] for s in names_in("İHA muhabiri, AP")] == ["İHA"]
        assert [s["name"] for s in names_in("according to İhlas Haber Ajansı")] == ["İHA"]
    finally:
        sources_mod._combined.cache_clear()


def test_source_mentions_are_what_find_sources_records():
    docs = [{"url": "https://m.org/a", "attributions": [{"kind": "image_credit", "text": "（姜丽／大纪元）"}],
             "text": "路透社消息。\nnothing here\nİİ AFP reported"}]
    mentions = source_mentions(docs)
    assert [(m[0], m[4], m[5]) for m in mentions] == [
        ("姜丽", "image_credit", "（姜丽／大纪元）"), ("Epoch Times", "image_credit", "（姜丽／大纪元）"),
        ("Reuters", "text", "路透社消息。"), ("AFP", "text", "İİ AFP reported")]
    assert find_sources(docs, mentions=mentions) == find_sources(docs)
    assert find_sources(docs, mentions=[]) == []


def test_sentences():
    assert sentences("甲。乙！\nA b. C d.") == ["甲。", "乙！", "A b.", "C d."]


def test_credit_kinds_and_publishers_from_mirrors():
    docs = [{"url": "https://m.net/1", "attributions": [],
             "text": "照片。(LUDOVIC MARIN/AFP via Getty Images)\n法新社报道。"}]
    mirrors = [{"mirror": "https://m.net/1", "original": "https://www.epochtimes.com/gb/1.htm",
                "confidence": 0.9, "evidence": [{"signal": "original_link", "detail": "x"}]}]
    got = {(s["name"], s["kind"], s["entity"]) for s in find_sources(docs, mirrors)}
    assert got == {("AFP", "image_credit", "afp.com"), ("AFP", "wire", "afp.com"),
                   ("Getty Images", "image_credit", "gettyimages.com"), ("LUDOVIC MARIN", "image_credit", None),
                   ("Epoch Times", "publisher", "epochtimes.com")}
