"""Abbreviations expand both ways, case- and diacritics-insensitively; ambiguous short ones only in context."""

from __future__ import annotations

import pytest

from indexer.text.abbrev import ABBREVIATIONS, expand_for_index, expand_query
from indexer.text.normalize import canonical, fold


def added(text: str) -> str:
    """What expand_query appended, folded."""
    out = expand_query(text)
    assert out.startswith(text)
    return fold(out[len(text) :])


@pytest.mark.parametrize(
    ("query", "expansion"),
    [
        ("UBKT tỉnh", "ủy ban kiểm tra"),
        ("ubkt tinh", "ủy ban kiểm tra"),
        # dev.jsonl d005
        ("Cấp ủy từ cấp tổ chức Đảng nào thì được bầu UBKT của Đảng.", "ủy ban kiểm tra"),
        ("công tác KTGS", "kiểm tra, giám sát"),
        ("ktgs", "kiểm tra, giám sát"),
        ("công tác KTGS&KL", "kiểm tra, giám sát và kỷ luật"),
        ("KTGS & KL", "kiểm tra, giám sát và kỷ luật"),
        ("UBKT TW", "ủy ban kiểm tra trung ương"),
        ("UBKTTW", "ủy ban kiểm tra trung ương"),
        # tin-duk-can-bo-ktgs-2023: "hiện có 74 TCCSĐ, trong đó 44 đảng bộ cơ sở"
        ("hiện có 74 TCCSĐ", "tổ chức cơ sở đảng"),
        ("tccsd", "tổ chức cơ sở đảng"),
        ("BCHTW ĐẢNG KHÓA XIII", "ban chấp hành trung ương"),  # qd-37-2021 source note
        ("BCH TW", "ban chấp hành trung ương"),
        ("Nghị quyết số 15-NQ/ĐUK", ""),  # inside a code: left to docref
        ("UBKT Đảng ủy khối", "ủy ban kiểm tra"),
        ("BTV tỉnh ủy", "ban thường vụ"),
        ("BCT", "bộ chính trị"),
        ("BBT", "ban bí thư"),
        ("HĐND các cấp", "hội đồng nhân dân"),
        ("UBND tỉnh", "ủy ban nhân dân"),
        ("MTTQ", "mặt trận tổ quốc"),
        ("dv du bi co duoc bau vao cap uy khong", "đảng viên"),  # typed in lower case without accents
        ("đv vi phạm", "đảng viên"),
    ],
)
def test_abbreviation_to_long_form(query: str, expansion: str) -> None:
    if expansion:
        assert expansion in added(query)
    else:
        assert added(query) == ""


@pytest.mark.parametrize(
    ("query", "abbr"),
    [
        ("ủy ban kiểm tra", "UBKT"),
        ("Uỷ ban Kiểm tra huyện", "UBKT"),  # tone-placement variant
        ("uy ban kiem tra", "UBKT"),  # typed without diacritics
        ("bầu Uỷ ban Kiểm tra Trung ương", "UBKTTW"),
        ("công tác kiểm tra, giám sát", "KTGS"),
        ("kiểm tra giám sát", "KTGS"),
        ("tổ chức cơ sở đảng", "TCCSĐ"),
        ("Ban Chấp hành Trung ương", "BCHTW"),
        ("Đảng ủy Khối", "ĐUK"),
    ],
)
def test_long_form_to_abbreviation(query: str, abbr: str) -> None:
    assert abbr in expand_query(query).split()


@pytest.mark.parametrize(
    "query",
    [
        "Đảng viên có được định cư ở nước ngoài không?",  # dev d066
        "thẩm quyền kỷ luật của chi bộ",
        "quy dinh 37 dang vien khong duoc lam gi",  # "dang vien": no abbreviation needed
        "ct của hd",  # lower-case short abbreviations without a number are not taken
        "tổ chức đăng ký",  # not "tổ chức đảng"
        "chị Hà Như đến từ Nam Định",  # dev d082
    ],
)
def test_no_expansion(query: str) -> None:
    assert expand_query(query) == query


@pytest.mark.parametrize(
    ("query", "expansion"),
    [
        ("qđ 37 đảng viên", "quy định"),
        ("QĐ37", "quy định"),
        ("kl34", "kết luận"),
        ("KL 34", "kết luận"),
        ("HD 02", "hướng dẫn"),
        ("QĐi 08", "quy định"),
        ("thi hành KL đảng viên", "kỷ luật"),  # upper case alone: kỷ luật (and kết luận)
        ("ý kiến của TW", "trung ương"),
        ("ĐV vi phạm", "đảng viên"),
    ],
)
def test_short_abbreviations_in_context(query: str, expansion: str) -> None:
    assert expansion in added(query)


def test_short_abbreviation_inside_code_is_not_expanded() -> None:
    # "Quy định số 22-QĐ/TW" appears in many clauses: "Trung ương" must not be added to each of them
    assert expand_query("Quy định số 22-QĐ/TW, ngày 28/7/2021") == "Quy định số 22-QĐ/TW, ngày 28/7/2021"
    assert expand_query("Nghị quyết số 214/NQ-CP") == "Nghị quyết số 214/NQ-CP"


def test_no_duplicate_when_both_forms_present() -> None:
    # tin-duk-ktgs: "đã chỉ đạo Ủy ban Kiểm tra (UBKT) Đảng ủy Khối"
    out = expand_query("đã chỉ đạo Ủy ban Kiểm tra (UBKT) Đảng ủy Khối")
    assert "ủy ban kiểm tra" not in fold(out[len("đã chỉ đạo Ủy ban Kiểm tra (UBKT) Đảng ủy Khối") :])
    assert out.count("UBKT") == 1
    assert out.endswith("ĐUK")


def test_expand_for_index_both_directions() -> None:
    clause = "Ủy ban kiểm tra các cấp giúp cấp ủy thực hiện công tác kiểm tra, giám sát"
    out = expand_for_index(clause)
    assert out.startswith(clause)
    assert {"UBKT", "KTGS"} <= set(out.split())
    news = "Cấp ủy và UBKT Đảng ủy khối đã thi hành kỷ luật 01 tổ chức đảng"  # tin-duk-ktgs
    assert "ủy ban kiểm tra" in fold(expand_for_index(news))


def test_expansions_are_canonical() -> None:
    for a in ABBREVIATIONS:
        for long_form in a.long + a.doc_long:
            assert canonical(long_form) == long_form
    assert "Ủy ban" in expand_query("UBKTTW") and "Uỷ" not in expand_query("UBKTTW")
