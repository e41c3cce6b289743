"""Spelling variants seen side by side in the corpus must fold to one key; display text is never changed."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from indexer.text.normalize import (
    canonical,
    fold,
    fold_ascii,
    fold_with_offsets,
    has_diacritics,
    map_span,
    nfc,
    strip_diacritics,
    strip_with_offsets,
)

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


# ---- canonical tone placement --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # Điều lệ Đảng: "bầu Uỷ ban Kiểm tra Trung ương"; QĐ 22: "Ủy ban Kiểm tra Trung ương"
        ("bầu Uỷ ban Kiểm tra Trung ương", "bầu Ủy ban Kiểm tra Trung ương"),
        ("VÀ UỶ BAN KIỂM TRA CÁC CẤP", "VÀ ỦY BAN KIỂM TRA CÁC CẤP"),
        ("Đảng uỷ cơ sở", "Đảng ủy cơ sở"),  # dev.jsonl d005 choices
        ("nước Cộng hoà xã hội", "nước Cộng hòa xã hội"),
        ("sự nghiệp hoà bình", "sự nghiệp hòa bình"),
        ("Dữ liệu sức khoẻ cán bộ", "Dữ liệu sức khỏe cán bộ"),
        ("thì tuỳ mức độ", "thì tùy mức độ"),
        ("quyết định xoá tên", "quyết định xóa tên"),
        ("cam kết/thoả thuận", "cam kết/thỏa thuận"),
        ("Thanh Hoá, Nghệ An", "Thanh Hóa, Nghệ An"),
        ("thuỷ lợi", "thủy lợi"),
        # misplaced tones in syllables with a final consonant or a qu/gi onset are put back
        ("tòan bộ", "toàn bộ"),
        ("hòang", "hoàng"),
        ("qúy", "quý"),
    ],
)
def test_canonical_tone_placement(written: str, expected: str) -> None:
    assert canonical(written) == expected


@pytest.mark.parametrize(
    "word",
    [
        "hoàng", "quyết", "thuyền", "hoàn thành", "khoản", "hoạch", "toán", "khoảng", "quý", "quỹ", "giá", "gìn",
        "giữa", "giỏi", "người", "thuở", "ngoài", "khuỷu", "mùa", "của", "nghĩa", "huỳnh", "quỳnh", "chị", "bị",
        "thì", "trị", "chỉ", "Ủy ban", "hòa", "khóa XIII", "GitHub", "UBKT", "QĐi", "ĐIỀU LỆ",
    ],
)  # fmt: skip
def test_canonical_leaves_correct_spellings_alone(word: str) -> None:
    assert canonical(word) == word


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("thi hành kỉ luật Đảng", "thi hành kỷ luật Đảng"),  # ctr-qn-kl34-2022
        ("xử lí kỷ luật kịp thời", "xử lý kỷ luật kịp thời"),  # ctr-qn-kl34-2022
        ("phạm vi quản lí tập trung", "phạm vi quản lý tập trung"),
        ("Định kì tổ chức sơ kết", "Định kỳ tổ chức sơ kết"),
        ("lỗi kĩ thuật", "lỗi kỹ thuật"),
        ("cán bộ, chiến sỹ", "cán bộ, chiến sĩ"),
        ("Mĩ thuật", "Mỹ thuật"),
        ("qui định", "quy định"),
        ("quí", "quý"),
    ],
)
def test_canonical_i_y_table(written: str, expected: str) -> None:
    assert canonical(written) == expected


def test_canonical_preserves_case_and_length() -> None:
    s = "KỈ LUẬT Uỷ Ban HOÀ"
    out = canonical(s)
    assert out == "KỶ LUẬT Ủy Ban HÒA"
    assert len(out) == len(s)


def test_canonical_is_idempotent_on_corpus_sample() -> None:
    text = (CORPUS / "qd-22-2021.md").read_text(encoding="utf-8")[:20000]
    once = canonical(text)
    assert canonical(once) == once
    assert len(once) == len(text)


# ---- fold and the variants it merges ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Uỷ ban", "Ủy ban"),
        ("hoà", "hòa"),
        ("kỉ luật", "kỷ luật"),
        ("Uỷ ban Kiểm tra", nfd("ủy ban kiểm tra")),  # NFC vs NFD
        ("ngày 18/4//2022", "ngày 18/4/2022"),  # tin-kl34-2022 writes "18/4//2022"
        ("34\u2013KL/TW", "34-KL/TW"),  # en dash
        ("Điều\u00a037", "Điều 37"),  # non-breaking space
        ("\u201ctự chuyển hóa\u201d", '"tự chuyển hoá"'),
        ("kỷ\u00adluật", "kỷluật"),  # soft hyphen dropped
    ],
)
def test_fold_merges_variants(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def test_fold_keeps_urls_double_slash() -> None:
    assert fold("https://thuvienphapluat.vn") == "https://thuvienphapluat.vn"


def test_fold_ascii_matches_unaccented_query() -> None:
    assert fold_ascii("Quy định những điều đảng viên không được làm") == "quy dinh nhung dieu dang vien khong duoc lam"
    assert fold_ascii("thi hành kỉ luật") == fold_ascii("thi hanh ky luat")
    assert fold_ascii("QUI ĐỊNH") == "quy dinh"


def test_strip_diacritics_keeps_case() -> None:
    assert strip_diacritics("Đảng viên có được định cư ở nước ngoài không?") == (
        "Dang vien co duoc dinh cu o nuoc ngoai khong?"
    )
    assert strip_diacritics(nfd("Ủy ban")) == "Uy ban"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("quy dinh 37 dang vien khong duoc lam gi", False),
        ("ubkt tinh", False),
        ("Đảng viên có được định cư ở nước ngoài không?", True),
        ("thẩm quyền kỷ luật của chi bộ", True),
        ("dang vien đ", True),
        (nfd("kỷ luật"), True),
        ("", False),
    ],
)
def test_has_diacritics(text: str, expected: bool) -> None:
    assert has_diacritics(text) is expected


def test_nfc() -> None:
    assert nfc(nfd("Điều lệ Đảng")) == "Điều lệ Đảng"


# ---- offsets back into the verbatim text ---------------------------------------------------------------------


def _check_offsets(original: str, folded: str, offs: list[int]) -> None:
    assert len(offs) == len(folded)
    assert offs == sorted(offs)
    assert all(0 <= o < len(original) for o in offs)


def test_fold_with_offsets_equals_fold_on_nfd_and_maps_back() -> None:
    original = nfd("Uỷ ban Kiểm tra\u00a0Trung ương, ngày 18/4//2022 thi hành kỉ luật")
    folded, offs = fold_with_offsets(original)
    assert folded == fold(original)
    _check_offsets(original, folded, offs)
    # each folded word found in the folded text highlights the same word, with its combining marks, in the NFD text
    for word in ("ủy ban", "kiểm tra", "kỷ luật", "18/4/2022"):
        i = folded.index(word)
        a, b = map_span(offs, i, i + len(word), original)
        assert fold(original[a:b]) == word
    i = folded.index("kỷ")
    a, b = map_span(offs, i, i + 2, original)
    assert nfc(original[a:b]) == "kỉ"  # display keeps the original spelling


def test_strip_with_offsets_equals_fold_ascii() -> None:
    original = nfd("Đảng viên có được định cư ở nước ngoài không?")
    plain, offs = strip_with_offsets(original)
    assert plain == fold_ascii(original) == "dang vien co duoc dinh cu o nuoc ngoai khong?"
    _check_offsets(original, plain, offs)
    i = plain.index("dinh cu")
    a, b = map_span(offs, i, i + len("dinh cu"), original)
    assert nfc(original[a:b]) == "định cư"


def test_offsets_on_whole_corpus_file_nfc_and_nfd() -> None:
    text = (CORPUS / "tin-kl34-2022.md").read_text(encoding="utf-8")  # "ngày 18/4//2022 của của Bộ Chính trị"
    for original in (text, nfd(text)):
        folded, offs = fold_with_offsets(original)
        assert folded == fold(original)
        _check_offsets(original, folded, offs)
        plain, poffs = strip_with_offsets(original)
        assert plain == fold_ascii(original)
        assert len(poffs) == len(plain)
        i = folded.index("ngày 18/4/2022")  # written "18/4//2022" in the source
        a, b = map_span(offs, i, i + len("ngày 18/4/2022"), original)
        assert nfc(original[a:b]) == "ngày 18/4//2022"


def test_map_span_empty() -> None:
    assert map_span([0, 1, 2], 3, 3, "abc") == (3, 3)
