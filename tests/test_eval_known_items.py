"""The heading (known-item) check set: built from the bundled corpus, in the dev-set format, gold resolvable."""

from __future__ import annotations

from eval.dataset import load_questions
from eval.gold import GoldResolver
from eval.known_items import heading_query, known_items, load_bundled, page_title_items, slug_query, write_jsonl


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


def test_slug_query_reads_a_page_title_from_its_address():
    page = "https://lawnet.vn/tu-van-luat/thoi-han-dinh-chi-sinh-hoat-dang-la-bao-lau-119412.html"
    assert slug_query(page) == "thoi han dinh chi sinh hoat dang la bao lau"
    assert slug_query("https://danluat.thuvienphapluat.vn/tags/Đảng-viên-vi-phạm") == "Đảng viên vi phạm"
    assert slug_query("https://x.vn/tags/kỷ-luật-đảng") == ""  # three words name no question
    assert slug_query("https://fliphtml5.com/giosw/thro/Phan_Noi_dung_so_16x24/10") == ""
    assert slug_query("https://x.vn/2019/09/toan-van-quy-inh-205-qtw-ve-kiem-soat.html") == ""  # full text


def test_page_title_items_resolve_to_the_articles_quoted_from_each_page(tmp_path):
    documents, clauses = load_bundled()
    items = page_title_items(documents, clauses)
    assert len(items) >= 15
    questions = load_questions(write_jsonl(items, tmp_path / "pages.jsonl"))
    resolver = GoldResolver(documents, clauses)
    by_id = {i["id"]: i for i in items}
    for q in questions:
        assert [resolver.resolve(g).article_id for g in q.gold] == by_id[q.id]["source"]
    by_question = {q.question: by_id[q.id]["source"] for q in questions}
    # one page quoted for two articles is one question whose gold is both
    assert by_question["thoi han dinh chi sinh hoat dang la bao lau"] == ["qd-22-2021/d30", "qd-22-2021/d31"]
    assert by_question["dang vien co duoc phep dinh cu o nuoc ngoai khong"] == ["qd-37-2021/d9"]
    # a page that only repeats the document's title names no article
    assert not any(set(q.split()) <= {"quy", "dinh", "ve", "kiem", "soat", "quyen", "luc", "va", "phong", "chong",
                                     "tham", "nhung", "tieu", "cuc", "trong", "cong", "tac", "can", "bo"}
                   for q in by_question)
