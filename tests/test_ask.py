"""End to end: `soi ask` and `soi doc` on the real index, with answers checked by hand against corpus/*.md."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.cli.main import main
from indexer.search.searcher import View, fuse, minmax


@pytest.fixture()
def ask(searcher, index_settings, capsys):
    """Run the real CLI in-process against the session index; returns stdout (parsed when --json)."""

    def run(*args: str) -> dict | str:
        code = main([*args, "--index", str(index_settings.index_dir)])
        out = capsys.readouterr().out
        assert code == 0, out
        return json.loads(out) if "--json" in args else out

    return run


def test_reserve_member_cannot_stand_for_election(ask):
    # Điều lệ Đảng 2011, Điều 3 khoản 4 (with its closing line): "Đảng viên dự bị có các quyền trên đây,
    # trừ quyền biểu quyết, ứng cử và bầu cử cơ quan lãnh đạo của Đảng."
    out = ask("ask", "đảng viên dự bị có được ứng cử vào cấp ủy không", "--json", "-k", "5")
    ids = [h["clause_id"] for h in out["hits"]]
    assert "dieu-le-dang-2011/d3/k4" in ids
    hit = out["hits"][ids.index("dieu-le-dang-2011/d3/k4")]
    assert hit["citation"] == "Khoản 4, Điều 3, Điều lệ Đảng Cộng sản Việt Nam (2011)"
    assert hit["document"]["status_label"] == "Còn hiệu lực"
    marked = {hit["text"][s:e].lower() for s, e in hit["highlights"]}
    assert any("ứng cử" in m for m in marked)
    assert any("dự bị" in m for m in marked)


def test_unaccented_question_naming_a_document(ask):
    out = ask("ask", "quy dinh 37 dang vien khong duoc lam gi", "--json", "-k", "3")
    assert out["understood"]["documents"] == ["qd-37-2021"]
    assert out["understood"]["restored"] == "đảng viên không được làm gì"
    hits = out["hits"]
    assert [h["document"]["id"] for h in hits] == ["qd-37-2021"] * 3
    assert hits[0]["document"]["status_label"] == "Đã được thay thế bởi 207-QĐ/TW"
    assert hits[0]["document"]["completeness"] == "partial"
    assert hits[0]["citation"].endswith("Quy định số 37-QĐ/TW ngày 25/10/2021 của Ban Chấp hành Trung ương")


def test_document_filter_typed_approximately(ask):
    # Điều lệ Điều 36 khoản 1: "Chi bộ quyết định khiển trách, cảnh cáo đảng viên trong chi bộ ..."
    out = ask("ask", "thẩm quyền kỷ luật của chi bộ", "--doc", "Điều lệ", "--json")
    assert {h["document"]["id"] for h in out["hits"]} == {"dieu-le-dang-2011"}
    assert out["hits"][0]["clause_id"] == "dieu-le-dang-2011/d36/k1"
    first = out["hits"][0]
    marked = [first["text"][s:e] for s, e in first["highlights"]]
    assert "Chi bộ" in marked


def test_text_output_marks_words_and_partial_documents(ask):
    out = ask("ask", "Đảng viên có được định cư ở nước ngoài không?", "-k", "3")
    # QĐ 37 Điều 9 forbids "nhập quốc tịch, chuyển tiền, tài sản ra nước ngoài ... trái quy định".
    note, first = out.split("\n\n")[:2]
    assert note.startswith("Không văn bản nào trong kho có từ: «định cư»")  # no text of corpus/ says it
    assert first.startswith("1. Điều 9, Quy định số 37-QĐ/TW ngày 25/10/2021")
    assert "văn bản chưa đầy đủ trong kho" in first
    assert "«nước ngoài»" in first


def test_question_about_a_document_whose_text_is_missing(searcher):
    hits = searcher.search("Quy định 296 về thẩm quyền thi hành kỷ luật đảng viên", k=5)
    qa = searcher.last_analysis
    assert "296-QĐ/TW chưa có toàn văn trong kho" in qa.doc_note
    assert "qd-22-2021" in qa.doc_ids  # 296 replaced 22; the older text is searched and labelled as replaced
    assert any(h.document.id == "qd-22-2021" for h in hits)
    replaced = [h for h in hits if h.document.id == "qd-22-2021"]
    assert replaced[0].status_label == "Đã được thay thế bởi 296-QĐ/TW"


def test_results_are_grouped_by_article(searcher):
    hits = searcher.search("hình thức kỷ luật đối với đảng viên", k=10)
    articles = [searcher.article_of(h.clause.id) for h in hits]
    assert len(articles) == len(set(articles)) == 10


def test_programme_item_does_not_outrank_the_rule_it_implements(searcher):
    # UI review: "thời hiệu xử lý kỷ luật đảng viên" was answered first by a KL 34 programme item. QĐ 69 Điều 4
    # is "Thời hiệu kỷ luật"; khoản 1 defines it.
    hits = searcher.search("thời hiệu xử lý kỷ luật đảng viên", k=3)
    assert searcher.article_of(hits[0].clause.id) == "qd-69-2022/d4"


def test_fusion_is_a_convex_combination_of_minmax_scores():
    # BM25 3/2/1 and cosine 0.9/0.8/0.85 over units 7, 8, 9: unit 9 is last lexically but close on the dense side.
    lex = View(np.array([7, 8, 9]), np.array([3.0, 2.0, 1.0]), 1.0)
    dense = View(np.array([7, 9, 8]), np.array([0.9, 0.85, 0.8]), 1.0)
    fused = fuse([lex, dense])
    assert fused == pytest.approx({7: 2.0, 8: 0.5, 9: 0.5})
    # Scores, not ranks: unit 2 is a near-tie second on both sides; units 1 and 3 are first on one side and far
    # behind on the other. Reciprocal ranks put 2 last (2/12 < 1/11 + 1/13); the normalised scores put it first.
    lex2 = View(np.array([1, 2, 3]), np.array([3.0, 2.98, 1.0]), 1.0)
    dense2 = View(np.array([3, 2, 1]), np.array([0.9, 0.899, 0.5]), 1.0)
    cc, rrf = fuse([lex2, dense2]), fuse([lex2, dense2], "rrf", 10.0)
    assert max(cc, key=cc.get) == 2
    assert min(rrf, key=rrf.get) == 2
    # the previous reciprocal-rank fusion stays available
    assert fuse([lex], "rrf", 10.0) == pytest.approx({7: 1 / 11, 8: 1 / 12, 9: 1 / 13})
    with pytest.raises(ValueError):
        fuse([lex], "sum")


def test_minmax_edges():
    assert minmax(np.array([])).size == 0
    assert minmax(np.array([0.5, 0.5])).tolist() == [1.0, 1.0]  # a lone or tied candidate is that ranking's best
    assert minmax(np.array([4.0, 3.0, 2.0])).tolist() == [1.0, 0.5, 0.0]


def test_doc_outline_and_clause(ask):
    outline = ask("doc", "dieu-le-dang-2011")
    lines = outline.splitlines()
    assert sum(1 for ln in lines if ln.strip().startswith("ch")) == 12
    assert sum(1 for ln in lines if ln.strip().split(" ")[0].count("/") == 0 and ln.strip().startswith("d")) == 48
    clause = ask("doc", "dieu-le-dang-2011/d2/k1")
    assert clause.splitlines()[0] == "Khoản 1, Điều 2, Điều lệ Đảng Cộng sản Việt Nam (2011)"
    assert "1. Tuyệt đối trung thành với mục đích lý tưởng cách mạng của Đảng" in clause


def test_unknown_id_is_a_clear_error(searcher, index_settings, capsys):
    code = main(["doc", "khong-co-van-ban-nay/d1", "--index", str(index_settings.index_dir)])
    assert code == 2
    assert "Không có văn bản" in capsys.readouterr().err


def test_bad_corpus_file_is_named_without_traceback(tmp_path, capsys):
    bad = tmp_path / "hong"
    bad.mkdir()
    (bad / "van-ban.txt").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe binary junk \xc3\x28")
    code = main(["build", "--corpus", str(bad), "--index", str(tmp_path / "index")])
    err = capsys.readouterr().err
    assert code == 4
    assert "van-ban.txt" in err and "UTF-8" in err
    assert "Traceback" not in err
    assert not (tmp_path / "index" / "current").exists()


def test_a_named_provision_comes_first(searcher, ask):
    # an inspector looks up what a report cites: the provision itself first, its article not repeated below
    hits = searcher.search("khoản 2 Điều 29 Quy định 22 về thẩm quyền đình chỉ", k=5)
    assert hits[0].clause.id == "qd-22-2021/d29/k2" and hits[0].rank == 1
    assert hits[0].clause.text.startswith("2. Đối với đảng viên")
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert all(searcher.article_of(h.clause.id) != "qd-22-2021/d29" for h in hits[1:])
    assert hits[0].score > hits[1].score
    out = ask("ask", "dieu 36 dieu le dang", "--json")  # typed without diacritics
    assert out["understood"]["cited"] == ["dieu-le-dang-2011/d36"]
    assert out["hits"][0]["clause_id"] == "dieu-le-dang-2011/d36"
    # a filter that leaves the document out leaves the lookup out too
    answer = searcher.ask("Điều 36 Điều lệ Đảng", k=3, doc_ids=["qd-69-2022"])
    assert answer.hits and all(h.document.id == "qd-69-2022" for h in answer.hits)
    # and the named provision, not shown, answers nothing: the calibrated verdict on QĐ 69's clauses stands
    assert not answer.answered and not answer.answerability.answerable


def test_a_named_provision_the_corpus_lacks_is_said(searcher, ask):
    answer = searcher.ask("Điều 15 Quy định 69 quy định gì?", k=3)
    assert answer.analysis.cited == []
    assert "«Điều 15 Quy định 69» chưa có trong kho" in answer.analysis.doc_note
    answer = searcher.ask("khoản 5 Điều 2 Quy định 69", k=3)
    assert answer.analysis.cited == ["qd-69-2022/d2"] and answer.answered
    assert "chưa có nguyên văn trong kho; hiển thị Điều 2, Quy định số 69-QĐ/TW" in answer.analysis.doc_note
    assert answer.hits[0].clause.id == "qd-69-2022/d2"
    out = ask("ask", "Điều 15 Quy định 69 quy định gì?")
    assert "Lưu ý: «Điều 15 Quy định 69» chưa có trong kho" in out
