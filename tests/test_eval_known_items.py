"""The heading (known-item) check set: built from the bundled corpus, in the dev-set format, gold resolvable."""

from __future__ import annotations

from eval.dataset import load_questions
from eval.gold import GoldResolver
from eval.known_items import heading_query, known_items, load_bundled, write_jsonl


def test_heading_query_is_one_clean_line():
    assert heading_query("Thời hiệu\n kỷ luật.") == "Thời hiệu kỷ luật"


def test_known_items_load_and_resolve_to_their_articles(tmp_path):
    documents, clauses = load_bundled()
    items = known_items(documents, clauses)
    assert len(items) >= 40  # QĐ 383 and 384 quote every heading; QĐ 69 and 22 some
    questions = load_questions(write_jsonl(items, tmp_path / "ki.jsonl"))  # the format soi eval reads
    resolver = GoldResolver(documents, clauses)
    by_id = {i["id"]: i for i in items}
    for q in questions:
        resolved = [resolver.resolve(g).article_id for g in q.gold]
        assert resolved == by_id[q.id]["source"]
        assert all(clauses[a].title for a in resolved)
    thoi_hieu = [q for q in questions if q.question == "Thời hiệu kỷ luật"]
    assert [resolver.resolve(g).article_id for g in thoi_hieu[0].gold] == ["qd-69-2022/d4"]
    shared = [i for i in items if len(i["gold"]) > 1]  # one question per heading, every article that has it
    assert shared and all(len(set(i["source"])) == len(i["source"]) for i in shared)
