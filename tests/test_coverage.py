"""Words of a question that no text of the corpus contains (indexer/search/coverage.py), on the real index.

Checked against corpus/: no file contains «kinh doanh» or «định cư» (grep), while «thời hạn» and «đình chỉ sinh
hoạt» occur in QĐ 22, QĐ 69 and Điều lệ.
"""

from __future__ import annotations

from pathlib import Path

from indexer.search.coverage import Vocabulary, absent_note, absent_words

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def test_the_corpus_really_lacks_the_words_reported():
    texts = [p.read_text(encoding="utf-8").lower() for p in CORPUS.glob("*.md")]
    assert not any("kinh doanh" in t or "định cư" in t for t in texts)
    assert any("đình chỉ sinh hoạt" in t and "thời hạn" in t for t in texts)


def test_a_subject_the_corpus_lacks_is_named(searcher):
    answer = searcher.ask("Đảng viên có được kinh doanh không?", k=5)
    assert answer.absent == ["kinh doanh"]
    assert answer.hits  # the nearest clauses are still shown
    assert searcher.ask("dang vien co duoc kinh doanh khong", k=5).absent == ["kinh doanh"]
    assert searcher.ask("Đảng viên có được định cư ở nước ngoài không?", k=5).absent == ["định cư"]


def test_questions_the_corpus_speaks_to_name_nothing(searcher):
    for q in (
        "Thời hạn xóa kỷ luật đảng viên là bao lâu?",
        "Cho tôi hỏi thẩm quyền đình chỉ sinh hoạt đảng như thế nào ạ?",
        "thoi han xoa ky luat dang vien",
        # names, abbreviations and numbers are never reported
        "Đồng chí Phan Văn C, Bí thư Chi bộ B ở Nam Định, bị UBKT tỉnh kỷ luật theo Quy định 69 năm 2022",
        # a known abbreviation typed in lower case is expanded by the search, so it is no missing word either
        "dv du bi co duoc bau vao cap uy khong",
        "đv bị ubkt huyện kỷ luật",
    ):
        assert searcher.ask(q, k=3).absent == [], q


def test_words_are_reported_as_typed_and_matched_in_any_tone_placement():
    vocab = Vocabulary.of_texts(["Hòa giải ở cơ sở. Thủy lợi"])
    assert absent_words("hoà giải", vocab, accented=True) == []  # «hoà» and «hòa» are one word
    assert absent_words("Hòa giải kinh tế, thuỷ lợi", vocab, accented=True) == ["kinh tế"]
    # typed without diacritics: the restored reading says where words end, what was typed is looked up
    assert absent_words("hoa giai kinh te", vocab, accented=False, restored="hòa giải kinh tế") == ["kinh te"]
    assert absent_words("hoa giai kinh te", vocab, accented=False, restored="hòa giải kinh") == []  # misaligned
    # three syllables joined by the segmenter: a known syllable and a known word are two words, not a missing one
    vocab = Vocabulary.of_texts(["Đảng viên tham dự đầy đủ các buổi sinh hoạt"])
    assert vocab.has(["dự", "sinh", "hoạt"], accented=True) and not vocab.has(["dự", "sinh"], accented=True)
    assert not vocab.has(["bất", "động", "sản"], accented=True)
    assert absent_note(["kinh doanh", "định cư"]) == "Không văn bản nào trong kho có từ: «kinh doanh», «định cư»"
