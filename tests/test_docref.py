"""Document numbers in any spelling, resolved against the real corpus front matter; quantities are not numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.corpus.docref import DIEU_LE, DocRef, find_doc_refs, match_titles, remove_doc_refs, resolve_doc_refs
from indexer.corpus.load import load_corpus
from indexer.corpus.models import Document

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    return load_corpus(CORPUS)  # the real loader over the real front matter


def one(text: str) -> DocRef:
    refs = find_doc_refs(text)
    assert len(refs) == 1, refs
    return refs[0]


# ---- finding mentions ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number", "kind", "issuer", "year"),
    [
        ("qđ 37", "37", "QĐ", None, None),
        ("QĐ37", "37", "QĐ", None, None),
        ("quy dinh 69", "69", "QĐ", None, None),
        ("Quy định số 37", "37", "QĐ", None, None),
        ("Quy định số 37-QĐ/TW", "37", "QĐ", "TW", None),
        ("37-QĐ/TW", "37", "QĐ", "TW", None),
        ("37/QĐ-TW", "37", "QĐ", "TW", None),
        ("KL34", "34", "KL", None, None),
        ("kết luận 34", "34", "KL", None, None),
        ("ket luan so 34-KL/TW", "34", "KL", "TW", None),
        ("Hướng dẫn 02", "02", "HD", None, None),
        ("HD 02-HD/TW", "02", "HD", "TW", None),
        ("Quy định 22-QĐ/TW, ngày 28/7/2021", "22", "QĐ", "TW", 2021),
        ("QĐ 69 năm 2022", "69", "QĐ", None, 2022),
        ("Quy định 296", "296", "QĐ", None, None),
        ("QĐi 08", "08", "QĐi", None, None),
        # real spellings from the corpus
        ("Quy định số 08-QĐi/TW, ngày 25/10/2018", "08", "QĐi", "TW", 2018),
        ("Kết luận số 34-KL/TW, ngày 18/4//2022 của của Bộ Chính trị", "34", "KL", "TW", 2022),
        ("tại Điều 6 Quy định 69/QĐ-TW năm 2022", "69", "QĐ", "TW", 2022),
        ("II. QUY ĐỊNH SỐ 37 - QĐ/TW CỦA BCHTW ĐẢNG KHÓA XIII", "37", "QĐ", "TW", None),
        ("Nghị quyết 26- NQ/TW ngày 19/5/2018", "26", "NQ", "TW", 2018),
        ("Quyết định số 1262-QĐ/ĐUK về quy trình", "1262", "QĐ", "ĐUK", None),
        ("Quyết định số 1147-QĐ/BTGDVTW", "1147", "QĐ", "BTGDVTW", None),
        ("Căn cứ Nghị định số 137/2024/NĐ-CP, ngày", "137", "NĐ", "CP", 2024),
        ("Quy định 22 ngày 28 tháng 7 năm 2021", "22", "QĐ", None, 2021),
    ],
)
def test_find_doc_refs(text: str, number: str, kind: str, issuer: str | None, year: int | None) -> None:
    ref = one(text)
    assert (ref.number, ref.kind, ref.issuer_suffix, ref.year) == (number, kind, issuer, year)
    assert text[ref.span[0] : ref.span[1]] == ref.text


@pytest.mark.parametrize("text", ["Điều lệ Đảng", "dieu le dang", "ĐIỀU LỆ ĐẢNG CỘNG SẢN VIỆT NAM", "Điều lệ"])
def test_dieu_le(text: str) -> None:
    ref = one(text)
    assert (ref.number, ref.kind) == (None, DIEU_LE)
    assert ref.text == text


@pytest.mark.parametrize(
    "text",
    [
        "Điều 37",
        "khoản 2",
        "năm 2021",
        "30 ngày",
        "3 tháng",
        "theo quy định 30 ngày",
        "quy định 2 năm",
        "hướng dẫn 3 nội dung",
        "kết luận 28/7",
        "chị thì 5 người",
        "Câu hỏi 26: Những tổ chức đảng nào có thẩm quyền thi hành kỷ luật trong Đảng?",  # dev d087
        "Căn cứ vào khoản 10 Điều 16",
        "ngày 19 tháng 01 năm 2011",
        "Đảng viên có được định cư ở nước ngoài không?",
        "thẩm quyền kỷ luật của chi bộ",
        "Theo Quy định thi hành Điều lệ Đảng thì từ cấp Đảng uỷ cơ sở",  # dev d005 choice: another document
    ],
)
def test_not_doc_refs(text: str) -> None:
    assert find_doc_refs(text) == []


def test_several_refs_in_order() -> None:
    # qd-296-2025 front matter: replaces: [22-QĐ/TW (28/7/2021), 262-QĐ/TW (3/2/2025)]
    refs = find_doc_refs("22-QĐ/TW (28/7/2021) ; 262-QĐ/TW (3/2/2025)")
    assert [(r.number, r.year) for r in refs] == [("22", 2021), ("262", 2025)]


def test_mention_in_a_question() -> None:
    q = "Căn cứ vào khoản 10 Điều 16 Quy định 22-QĐ/TW về công tác kiểm tra"
    ref = one(q)
    assert ref.text == "Quy định 22-QĐ/TW"


# ---- resolving against the corpus ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("qđ 37", ["qd-37-2021"]),
        ("quy dinh 69", ["qd-69-2022"]),
        ("KL34", ["kl-34-2022"]),
        ("Hướng dẫn 02", ["hd-02-2021"]),
        ("QĐi 08", ["qdi-08-2018"]),
        ("quy định 08", ["qdi-08-2018"]),  # QĐi is a Quy định
        ("Quy định 296", ["qd-296-2025"]),
        ("Quy định 22-QĐ/TW, ngày 28/7/2021", ["qd-22-2021"]),
        ("Quyết định 1147", ["qd-1147-btgdvtw-2025"]),
        ("Điều lệ Đảng", ["dieu-le-dang-2011"]),
        ("quy dinh 999", []),
        ("kết luận 37", []),  # number exists, kind does not
    ],
)
def test_resolve(docs: list[Document], text: str, ids: list[str]) -> None:
    assert [d.id for d in resolve_doc_refs(find_doc_refs(text), docs)] == ids


def test_programme_code_is_not_kl34(docs: list[Document]) -> None:
    # ctr-qn-kl34-2022 has code "CTr thực hiện KL 34 (Quảng Ninh)": it implements KL 34, it is not KL 34
    assert [d.id for d in resolve_doc_refs(find_doc_refs("KL 34"), docs)] == ["kl-34-2022"]


def _doc(id_: str, code: str, issued: str) -> Document:
    return Document(id=id_, code=code, type="quy-dinh", title="", issuer="", issued=issued, status="in-force")


def test_numbers_restart_each_term() -> None:
    # Party numbers restart: several "22-QĐ/TW" exist; without a year all come back, newest first
    docs = [_doc("qd-22-2011", "22-QĐ/TW", "2011-05-10"), _doc("qd-22-2021", "22-QĐ/TW", "2021-07-28")]
    assert [d.id for d in resolve_doc_refs(find_doc_refs("qđ 22"), docs)] == ["qd-22-2021", "qd-22-2011"]
    assert [d.id for d in resolve_doc_refs(find_doc_refs("QĐ 22 năm 2011"), docs)] == ["qd-22-2011"]
    # a year no candidate has does not empty the answer
    assert len(resolve_doc_refs(find_doc_refs("QĐ 22 năm 2015"), docs)) == 2


def test_issuer_narrows() -> None:
    docs = [_doc("a", "05-QĐ/TW", "2021-01-01"), _doc("b", "05-QĐ/BCĐTW", "2025-08-27")]
    assert [d.id for d in resolve_doc_refs(find_doc_refs("Quy định số 05-QĐ/BCĐTW"), docs)] == ["b"]
    assert [d.id for d in resolve_doc_refs(find_doc_refs("Quy định 05"), docs)] == ["b", "a"]


# ---- titles typed approximately ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("quy dinh nhung dieu dang vien khong duoc lam", "qd-37-2021"),
        ("những điều đảng viên không được làm", "qd-37-2021"),
        ("quy dinh nhung dieu dang vien khong dc lam", "qd-37-2021"),
        ("quy định về kỷ luật tổ chức đảng, đảng viên vi phạm", "qd-69-2022"),
        ("quy dinh cong tac kiem tra giam sat va ky luat cua dang", "qd-296-2025"),  # newer of two equal titles
        ("ket luan chien luoc cong tac kiem tra giam sat den nam 2030", "kl-34-2022"),
        ("trách nhiệm nêu gương của cán bộ, đảng viên", "qdi-08-2018"),
        ("chong chay chuc chay quyen", "qd-205-2019"),
        ("dieu le dang cong san viet nam", "dieu-le-dang-2011"),
    ],
)
def test_match_titles(docs: list[Document], text: str, first: str) -> None:
    found = match_titles(text, docs)
    assert found and found[0][0].id == first
    assert 0 <= found[0][1] <= 100


def test_match_titles_equal_titles_both_returned(docs: list[Document]) -> None:
    ids = [d.id for d, _ in match_titles("quy dinh cong tac kiem tra giam sat va ky luat cua dang", docs)]
    assert ids[:2] == ["qd-296-2025", "qd-22-2021"]


@pytest.mark.parametrize(
    "text",
    [
        "Đảng viên có được định cư ở nước ngoài không?",  # d066
        "thẩm quyền kỷ luật của chi bộ",
        "Thời hạn xóa kỷ luật đảng viên là bao lâu?",  # d048
        "Đối tượng kiểm tra, giám sát của Đảng là:",  # d026
        "Chi bộ có được ra quyết định kỷ luật Đảng viên không?",  # d063
        "Điều lệ Đảng quy định hình thức kỷ luật đối với đảng viên dự bị là?",  # d038
        "dang vien",
    ],
)
def test_match_titles_ignores_content_questions(docs: list[Document], text: str) -> None:
    assert match_titles(text, docs) == []


# ---- the query without the mention ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("quy dinh 37 dang vien khong duoc lam gi", "dang vien khong duoc lam gi"),
        ("QĐ 69 năm 2022 hình thức khiển trách", "hình thức khiển trách"),
        ("Theo Quy định 22-QĐ/TW, ngày 28/7/2021, thời hạn xóa kỷ luật", "Theo, thời hạn xóa kỷ luật"),
        ("Điều lệ Đảng quy định hình thức kỷ luật đối với đảng viên dự bị là?",
         "quy định hình thức kỷ luật đối với đảng viên dự bị là?"),
        ("KL34 giám sát", "giám sát"),
        ("thẩm quyền kỷ luật của chi bộ", "thẩm quyền kỷ luật của chi bộ"),
    ],
)  # fmt: skip
def test_remove_doc_refs(text: str, rest: str) -> None:
    assert remove_doc_refs(text, find_doc_refs(text)) == rest
