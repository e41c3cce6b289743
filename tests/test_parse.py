"""Corpus loading and the structure parser, pinned to the real corpus files.

Counts and texts below were verified by reading each file (and cross-checked with grep where a count is
mechanical, e.g. QĐ 383 has 94 lines "N. " and 36 lines "x) "). The whole module parses the corpus once.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from indexer.corpus.frontmatter import CorpusError, split_front_matter
from indexer.corpus.load import READERS, bundled_corpus_dir, find_document, load_corpus, load_document
from indexer.corpus.models import Clause, Document
from indexer.corpus.parse import ParseResult, clause_id_for, full_text, parse, parse_document, search_text

DEV_SET = Path("/work/shared/eval/dev.jsonl")
COMMENT = re.compile(r"<!--.*?-->", re.S)


@pytest.fixture(scope="module")
def docs() -> dict[str, Document]:
    return {d.id: d for d in load_corpus(bundled_corpus_dir())}


@pytest.fixture(scope="module")
def parsed(docs: dict[str, Document]) -> dict[str, ParseResult]:
    return {doc_id: parse(doc) for doc_id, doc in docs.items()}


def units(parsed: dict[str, ParseResult], doc_id: str) -> dict[str, Clause]:
    """Clauses of one document keyed by id without the document prefix ("d2/k1")."""
    return {c.id.removeprefix(f"{doc_id}/"): c for c in parsed[doc_id].clauses}


def labels(parsed: dict[str, ParseResult], doc_id: str, level: str) -> list[str]:
    return [c.label for c in parsed[doc_id].clauses if c.level == level]


def make_doc(text: str, doc_id: str = "x", doc_type: str = "") -> Document:
    return Document(id=doc_id, code="", type=doc_type, title="", issuer="", issued="", status="in-force", text=text)


# --- every document ---------------------------------------------------------------------------------------------
# (mode, clauses per level) for each corpus file.
EXPECTED = {
    "ctr-qn-kl34-2022": ("structured", {"preamble": 1, "paragraph": 3, "section": 4, "item": 102, "signature": 1}),
    "dieu-le-dang-2011": ("structured", {"preamble": 1, "paragraph": 14, "chapter": 12, "article": 48, "clause": 156}),
    "hd-02-2021": ("structured", {"preamble": 1, "paragraph": 8, "section": 1, "item": 5}),
    "kl-34-2022": ("paragraphs", {"paragraph": 3}),
    "qd-109-2018": ("empty", {}),
    "qd-114-2023": ("structured", {"chapter": 1, "article": 3, "clause": 9}),
    "qd-1147-btgdvtw-2025": (
        "structured",
        {
            "preamble": 1,
            "paragraph": 10,
            "article": 21,
            "signature": 1,
            "part": 3,
            "chapter": 5,
            "clause": 58,
            "point": 30,
            "item": 5,
            "section": 10,
        },
    ),
    "qd-205-2019": ("structured", {"preamble": 1, "paragraph": 7, "section": 1, "article": 3, "clause": 4}),
    "qd-22-2021": (
        "structured",
        {"preamble": 1, "chapter": 5, "article": 12, "paragraph": 18, "clause": 6, "point": 5},
    ),
    "qd-296-2025": ("paragraphs", {"preamble": 1}),
    "qd-37-2021": ("structured", {"article": 6}),
    "qd-383-2025": (
        "structured",
        {"preamble": 1, "paragraph": 11, "section": 4, "article": 23, "clause": 94, "point": 36, "signature": 1},
    ),
    "qd-384-2025": (
        "structured",
        {
            "preamble": 1,
            "paragraph": 23,
            "chapter": 3,
            "article": 20,
            "clause": 65,
            "point": 33,
            "signature": 1,
            "part": 1,
        },
    ),
    "qd-69-2022": ("structured", {"preamble": 1, "paragraph": 20, "article": 17, "clause": 24, "point": 26}),
    "qdi-08-2018": ("paragraphs", {"paragraph": 1}),
    "tin-duk-can-bo-ktgs-2023": ("paragraphs", {"paragraph": 12}),
    "tin-duk-ktgs": ("paragraphs", {"paragraph": 14}),
    "tin-kl34-2022": ("paragraphs", {"paragraph": 36}),
    "tin-qt-giam-sat": ("paragraphs", {"paragraph": 13}),
}


def test_corpus_has_the_19_documents_sorted(docs: dict[str, Document]) -> None:
    assert list(docs) == sorted(EXPECTED)


@pytest.mark.parametrize("doc_id", sorted(EXPECTED))
def test_clauses_per_level(parsed: dict[str, ParseResult], doc_id: str) -> None:
    mode, counts = EXPECTED[doc_id]
    result = parsed[doc_id]
    assert result.mode == mode
    assert dict(Counter(c.level for c in result.clauses)) == counts


@pytest.mark.parametrize("doc_id", sorted(EXPECTED))
def test_spans_ids_and_tree_are_consistent(
    docs: dict[str, Document], parsed: dict[str, ParseResult], doc_id: str
) -> None:
    doc, clauses = docs[doc_id], parsed[doc_id].clauses
    holes = [(m.start(), m.end()) for m in COMMENT.finditer(doc.text, doc.body_start)]
    by_id = {c.id: c for c in clauses}
    assert len(by_id) == len(clauses), "ids must be unique"
    starts = [c.span[0] for c in clauses]
    assert starts == sorted(starts), "clauses come in document (pre-)order"
    for c in clauses:
        assert c.id.startswith(f"{doc_id}/") and c.doc_id == doc_id
        assert c.text == doc.text[c.span[0] : c.span[1]] == c.text.strip() != ""
        assert c.span[0] >= doc.body_start
        assert "<!--" not in c.text and "-->" not in c.text
        assert c.pieces[0] == c.span
        for a, b in c.pieces:
            assert not any(ha < b and hb > a for ha, hb in holes), f"{c.id} covers a provenance comment"
        for child_id in c.children:
            child = by_id[child_id]
            assert child.parent == c.id and child.path[:-1] == c.path
            assert c.pieces[0][0] <= child.span[0] and child.span[1] <= c.pieces[-1][1]
        if c.parent is not None:
            assert c.id in by_id[c.parent].children


@pytest.mark.parametrize("doc_id", sorted(EXPECTED))
def test_every_word_of_the_body_is_in_some_clause(
    docs: dict[str, Document], parsed: dict[str, ParseResult], doc_id: str
) -> None:
    """Nothing but comments, separator rules ("-----") and bare omission marks may be left out."""
    doc = docs[doc_id]
    covered = bytearray(len(doc.text))
    for a, b in [c.span for c in parsed[doc_id].clauses] + [
        (m.start(), m.end()) for m in COMMENT.finditer(doc.text, doc.body_start)
    ]:
        covered[a:b] = b"\1" * (b - a)
    left = re.findall(r"\S+", "".join(" " if covered[i] else ch for i, ch in enumerate(doc.text))[doc.body_start :])
    assert all(re.fullmatch(r"[-–.…()]+", w) for w in left), left[:10]


def test_provenance_notes_become_source_notes(parsed: dict[str, ParseResult]) -> None:
    qd114 = units(parsed, "qd-114-2023")
    assert qd114["d1"].source_note.startswith("source: https://tapchitoaan.vn/")  # inherited from Chương I
    assert qd114["d2/k2"].source_note.startswith("source: github tnt305/tai_lieu_noi_bo")  # a note inside Điều 2
    assert "dost-dongnai" in qd114["d3/k2"].source_note and "khoản 2: opening" in qd114["d3/k2"].source_note
    qd37 = units(parsed, "qd-37-2021")
    assert qd37["d2"].source_note == "source: https://fliphtml5.com/giosw/thro/Phan_Noi_dung_so_16x24/10"
    assert qd37["d9"].source_note.startswith("source: https://luatsux.vn/")
    qd69 = units(parsed, "qd-69-2022")
    assert qd69["preamble"].source_note.startswith("source: https://hoatieu.vn/")  # the note after the header
    assert "React quiz app" in qd69["d41/k1/d"].source_note and "LOW CONFIDENCE" in qd69["d41/k1/d"].source_note
    assert units(parsed, "kl-34-2022")["p3"].source_note.startswith("source: https://lsvn.vn/")
    assert units(parsed, "dieu-le-dang-2011")["d2/k1"].source_note == ""


# --- Điều lệ Đảng 2011 ------------------------------------------------------------------------------------------
def test_dieu_le_structure(parsed: dict[str, ParseResult]) -> None:
    dl = units(parsed, "dieu-le-dang-2011")
    assert labels(parsed, "dieu-le-dang-2011", "chapter") == [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"
    ]  # fmt: skip
    assert labels(parsed, "dieu-le-dang-2011", "article") == [str(n) for n in range(1, 49)]
    khoan = {n: len(dl[f"d{n}"].children) for n in (2, 6, 9, 11, 24, 35, 36, 39, 48)}
    assert khoan == {2: 4, 6: 0, 9: 6, 11: 7, 24: 4, 35: 2, 36: 6, 39: 9, 48: 0}
    assert dl["chVI"].title == "TỔ CHỨC ĐẢNG TRONG QUÂN ĐỘI NHÂN DÂN VIỆT NAM VÀ CÔNG AN NHÂN DÂN VIỆT NAM"
    assert dl["chVII"].children[0] == "dieu-le-dang-2011/d30"  # articles are children of their chapter …
    assert dl["d30"].parent == "dieu-le-dang-2011/chVII"  # … but their ids are not nested under it
    k1 = dl["d2/k1"]
    assert k1.text.startswith("1. Tuyệt đối trung thành với mục đích lý tưởng cách mạng của Đảng")
    assert k1.heading == ("Chương I. ĐẢNG VIÊN", "Điều 2. Đảng viên có nhiệm vụ :")
    assert k1.path == (("chapter", "I"), ("article", "2"), ("clause", "1"))
    assert dl["d2"].intro == "Đảng viên có nhiệm vụ :" and dl["d2"].title == ""
    assert dl["d24/k2"].text.startswith("2. Chi bộ lãnh đạo thực hiện nhiệm vụ chính trị của đơn vị")
    assert dl["d35/k2"].text.endswith("- Đối với đảng viên dự bị : khiển trách, cảnh cáo.")  # bullets stay inside
    assert dl["d4/k1"].text.endswith("ban chấp hành công đoàn cơ sở và một đảng viên chính thức giới thiệu.")
    preamble = dl["preamble"]
    assert len(preamble.children) == 14
    assert dl["preamble/p6"].text == "ĐẢNG VÀ NHỮNG VẤN ĐỀ CƠ BẢN VỀ XÂY DỰNG ĐẢNG"
    assert dl["preamble/p7"].text.startswith("Đảng Cộng sản Việt Nam do đồng chí Hồ Chí Minh sáng lập")


# --- Quy định 22 (partial, quoted by Q&A pages) ------------------------------------------------------------------
def test_qd22_articles_and_quoting_page_numbering(parsed: dict[str, ParseResult]) -> None:
    q = units(parsed, "qd-22-2021")
    assert labels(parsed, "qd-22-2021", "article") == [
        "2", "3", "4", "7", "8", "10", "11", "22", "28", "29", "30", "31"
    ]  # fmt: skip
    assert labels(parsed, "qd-22-2021", "chapter") == ["I", "II", "III", "V", "VI"]
    assert q["d29/k2/2.2"].text.startswith("2.2. Ủy ban kiểm tra từ cấp huyện, quận và tương đương trở lên")
    assert q["d29/k2/2.2"].heading[-2:] == ("Điều 29. Thẩm quyền đình chỉ sinh hoạt đảng", "2. Đối với đảng viên")
    assert "83A1A70" in q["d29/k2/2.2"].source_note
    assert q["d29"].intro == "(…)"  # omitted text is kept verbatim
    # bullets that render an article's clauses become unnumbered paragraphs, in order
    assert [q[f"d2/p{n}"].text[:20] for n in (1, 6)] == ["- Kiểm tra, giám sát", "- Nguyên tắc, trình "]
    assert len(q["d2"].children) == 6 and len(q["d31"].children) == 3
    assert "+ Sau khi chi bộ quyết định" in q["d11/p1"].text  # "+" sub-bullets stay in their bullet
    assert [q[f"d10/k{n}"].label for n in (1, 2, 3)] == ["(1)", "(2)", "(3)"]
    assert q["d8/k2/p1"].title == "Ủy ban Kiểm tra Trung ương"
    assert q["d4/2.3.1"].level == "point"
    assert q["d28"].title == "Trường hợp bị đình chỉ sinh hoạt đảng" and q["d28"].children == []


# --- Quy định 69 (partial, comments inside articles) -------------------------------------------------------------
def test_qd69_articles_points_and_comment_cut_units(docs: dict[str, Document], parsed: dict[str, ParseResult]) -> None:
    q = units(parsed, "qd-69-2022")
    assert labels(parsed, "qd-69-2022", "article") == docs["qd-69-2022"].articles_present
    assert q["d41/k1/d"].text.startswith("d) Không lưu giữ đủ hồ sơ tín dụng, cho gia hạn nợ quá thời gian")
    assert "d55/k1/b" not in q and "d55" not in q
    assert [c.rsplit("/", 1)[1] for c in q["d6/k1"].children] == ["a", "b", "c", "d", "đ"]
    # "Điều 2. <!-- title not quoted -->": the comment cuts the article, so its span is the heading only …
    assert q["d2"].text == "Điều 2." and len(q["d2"].pieces) == 3
    # … and the bullets that only a comment separates from "14." become its paragraphs
    assert q["d2/k14"].text == "14." and len(q["d2/k14"].children) == 5
    assert q["d2/k14/p2"].text.startswith("- Đảng viên bị bệnh nặng đang điều trị nội trú")
    assert full_text(docs["qd-69-2022"], q["d2/k14"]).startswith("14.\n- Đảng viên là nữ giới")
    assert [q["d22/p1"].text[:11], q["d22/p2"].text[:12]] == ["Vi phạm một", "Vi phạm lần "]
    assert q["d28"].title == "Vi phạm quy định tuyên truyền, phát ngôn"
    assert q["d5/k1"].title == "Đối với tổ chức đảng" and q["d5"].intro.startswith("Trường hợp vi phạm có một")
    assert [q[f"d52/k{n}"].label for n in (1, 2, 3)] == ["(1)", "(2)", "(3)"]
    assert "– Vi phạm chính sách dân số." in q["d52/k1"].text  # "–" bullets stay in their clause


# --- hard-wrapped crawls: QĐ 383, 384, 1147 ---------------------------------------------------------------------
def test_qd383_wrapped_titles_sections_and_signature(parsed: dict[str, ParseResult]) -> None:
    q = units(parsed, "qd-383-2025")
    assert labels(parsed, "qd-383-2025", "article") == [str(n) for n in range(1, 24)]
    assert [(q[s].label, q[s].title) for s in ("I", "IV")] == [("I", "QUY ĐỊNH CHUNG"), ("IV", "TỔ CHỨC THỰC HIỆN")]
    assert q["II"].title == "QUẢN LÝ TÀI LIỆU LƯU TRỮ VÀ CƠ SỞ DỮ LIỆU TÀI LIỆU LƯU TRỮ"
    assert q["d1"].title == "Phông lưu trữ Đảng Cộng sản Việt Nam"
    assert q["d1"].text.startswith("Điều 1. Phông lưu trữ Đảng Cộng\nsản Việt Nam\n\nPhông lưu trữ")
    assert q["d20"].title == "" and q["d20"].text.endswith("và có hiệu lực\nthi hành kể từ ngày ký.")
    assert q["d23"].title == "Quy định chuyển tiếp" and len(q["d23"].children) == 5
    assert len(q["d3/k1"].children) == 4 and q["d3/k2"].title == "Người đứng đầu lưu trữ lịch sử của Đảng"
    assert q["signature"].text.startswith("Nơi nhận:") and q["signature"].text.endswith("T/M BAN BÍ THƯ\nTrần Cẩm Tú")
    assert "Nơi nhận" not in q["d23/k5"].text


def test_qd384_chapters_and_appendix_after_signature(parsed: dict[str, ParseResult]) -> None:
    q = units(parsed, "qd-384-2025")
    assert labels(parsed, "qd-384-2025", "article") == [str(n) for n in range(1, 21)]
    assert labels(parsed, "qd-384-2025", "chapter") == ["I", "II", "III"]
    assert q["chII"].title.startswith("KẾT NỐI, CHIA SẺ DỮ LIỆU GIỮA CÁC CƠ QUAN ĐẢNG")
    assert q["d10"].title == "Chia sẻ dữ liệu giữa 4 Văn phòng Trung ương"
    assert q["signature"].text.endswith("Trần Cẩm Tú")
    assert q["pl"].level == "part" and q["pl"].title == "DANH SÁCH DỮ LIỆU, CƠ QUAN CHỦ QUẢN DỮ LIỆU CÁC CƠ QUAN ĐẢNG"
    assert q["pl"].children == []  # a flattened table: kept whole


def test_qd1147_decision_attached_rules_and_appendices(parsed: dict[str, ParseResult]) -> None:
    q = units(parsed, "qd-1147-btgdvtw-2025")
    # 3 articles of the decision + 18 of the attached Quy chế, whose numbering restarts (so its ids nest)
    assert [k for k, c in q.items() if c.level == "article"] == ["d1", "d2", "d3"] + [
        f"quy-che/d{n}" for n in range(1, 19)
    ]
    assert q["quy-che"].title == "QUY CHẾ BỒI DƯỠNG, GIẢNG DẠY CỦA TRUNG TÂM CHÍNH TRỊ XÃ, PHƯỜNG, ĐẶC KHU"
    assert q["quy-che/d9"].parent.endswith("/quy-che/chII") and q["quy-che/chII"].parent.endswith("/quy-che")
    assert q["signature"].text.endswith("K/T TRƯỞNG BAN\nPHÓ TRƯỞNG BAN\nNgô Đông Hải")
    assert [q[f"quy-che/d9/k5/{x}"].label for x in "abcdefgh"] == list("abcdefgh")  # "a." style points
    # wrapped fragments that look like items are not split: "… điểm a), b), c),\nd) khoản 1" and "- xã hội"
    assert "c),\nd) khoản 1, Điều 10" in q["quy-che/d10/k2"].text and q["quy-che/d10/k2"].children == []
    assert "chính trị\n- xã hội cấp xã" in q["quy-che/d5/k2"].text and q["quy-che/d5/k2"].children == []
    assert [q[k].label for k in q if k.startswith("plI/")] == ["1", "2", "3", "5", "6"]  # item 4 absent in source
    assert q["plI"].title == "Cách tính, quy đổi giờ chuẩn"
    forms = [q[k].label for k in q if k.startswith("plII/")]
    assert forms == ["1", "2", "3", "4", "5", "6", "6.1", "6.2", "6.3", "6.4"]
    assert q["plII/mau3"].children == []  # form templates are kept whole


# --- programme-style documents -----------------------------------------------------------------------------------
def test_programme_sections_items_and_inline_items(docs: dict[str, Document], parsed: dict[str, ParseResult]) -> None:
    q = units(parsed, "ctr-qn-kl34-2022")
    text = docs["ctr-qn-kl34-2022"].text
    assert [(s, q[s].title) for s in ("I", "II", "III", "IV")] == [
        ("I", "MỤC ĐÍCH, YÊU CẦU"), ("II", "MỤC TIÊU, CHỈ TIÊU"), ("III", "NHIỆM VỤ, GIẢI PHÁP CHỦ YẾU"),
        ("IV", "TỔ CHỨC THỰC HIỆN"),
    ]  # fmt: skip
    assert [len(q[s].children) for s in ("I", "II", "III", "IV")] == [3, 3, 4, 4]
    sub = {k: len(q[k].children) for k in ("III/1", "III/2", "III/3", "III/4")}
    assert sub == {"III/1": 4, "III/2": 4, "III/3": 5, "III/4": 3}
    p2 = q["III/1/1.1/p2"]
    assert p2.text.startswith("(2) Thường xuyên rà soát, sửa đổi") and p2.label == "(2)"
    assert "\n\nhiện, phát hiện những nội dung không còn phù hợp" in p2.text  # continuation after a blank line
    assert p2.path == (("section", "III"), ("item", "1"), ("item", "1.1"), ("item", "(2)"))
    # inline "(1) …; (2) …" in the Mục tiêu / Chỉ tiêu lines become child items with exact sub-spans
    goals = q["II/1"]
    assert goals.intro == "Mục tiêu:" and [len(q[k].children) for k in ("II/1", "II/2", "II/3")] == [2, 6, 6]
    assert q["II/1/p1"].text.startswith("(1) Tăng cường công tác kiểm tra") and q["II/1/p1"].text.endswith("Nhân dân;")
    assert q["II/1/p2"].span[1] == goals.span[1]
    assert q["II/2/p6"].text.startswith("(6) Đến năm 2025, 100% ủy ban kiểm tra cấp ủy cơ sở")
    assert [q[f"III/2/2.1/p5/i{n}"].text[:9] for n in (1, 6)] == ["(i1) Quy ", "(i6) Việc"]
    i3 = q["III/2/2.2/p4/i3"]  # runs across the blank line into the continuation paragraph
    assert "trong thời hạn 5 ngày phải\n\ncó văn bản thông báo" in i3.text and i3.text.endswith("cho phù hợp;")
    assert text[i3.span[0] : i3.span[1]] == i3.text
    assert [len(q[k].children) for k in ("IV/2", "IV/3", "IV/4")] == [3, 2, 0]
    assert q["signature"].text.startswith("Nơi nhận:") and q["signature"].text.endswith("Nguyễn Xuân Kỳ")


def test_hd02_guide_sections(parsed: dict[str, ParseResult]) -> None:
    q = units(parsed, "hd-02-2021")
    assert q["I"].title == "Giải thích từ ngữ" and [q[c.split("/", 1)[1]].label for c in q["I"].children] == [
        "1", "2", "3", "4", "5"
    ]  # fmt: skip
    assert q["I/2"].text.startswith("2. Kỷ luật oan là việc tổ chức đảng và đảng viên không vi phạm")
    assert q["I/5"].title == "Thời hạn làm việc" and q["I/5"].text == "5. Thời hạn làm việc\n(…)"
    assert q["preamble/p8"].text.startswith("Ban Bí thư hướng dẫn thực hiện một số nội dung")


def test_small_partial_documents(parsed: dict[str, ParseResult]) -> None:
    q114 = units(parsed, "qd-114-2023")
    assert q114["chI"].title == "Những quy định chung" and q114["d2"].title == ""
    assert q114["d2"].intro == "Trong Quy định này, các từ ngữ dưới đây được hiểu như sau:"
    assert [c.rsplit("/", 1)[1] for c in q114["d3"].children] == ["k1", "k2", "k3", "k4", "k5"]
    q205 = units(parsed, "qd-205-2019")
    assert labels(parsed, "qd-205-2019", "article") == ["1", "2", "10"] and q205["I"].title == "QUY ĐỊNH CHUNG"
    assert q205["d10"].text.startswith("Điều 10. (…)\n(…) Tiếp cận, thiết lập quan hệ") and q205["d10"].title == ""
    q37 = units(parsed, "qd-37-2021")
    assert labels(parsed, "qd-37-2021", "article") == ["1", "2", "3", "9", "11", "19"]
    assert all(c.title == "" and not c.children for c in q37.values())  # QĐ 37 articles are one sentence each
    assert q37["d19"].text.endswith("để trục lợi")
    assert units(parsed, "qdi-08-2018")["p1"].text.startswith("(…) không ngừng học tập, tu dưỡng")
    title_only = [c.text for c in parsed["qd-296-2025"].clauses]  # metadata and a title line, no articles
    assert title_only == ["QUY ĐỊNH VỀ CÔNG TÁC KIỂM TRA, GIÁM SÁT VÀ KỶ LUẬT CỦA ĐẢNG"]
    assert parsed["qd-109-2018"].clauses == []


def test_news_are_paragraphs(parsed: dict[str, ParseResult]) -> None:
    news = units(parsed, "tin-kl34-2022")
    assert list(news)[:3] == ["p1", "p2", "p3"] and all(c.level == "paragraph" for c in news.values())
    assert news["p6"].text.startswith("1. Tiếp tục nâng cao nhận thức")  # numbered lines are not structure here
    assert parsed["tin-kl34-2022"].issues == []
    assert units(parsed, "tin-duk-ktgs")["p14"].text == "Nguyễn Thị Hoan"


# --- search_text -------------------------------------------------------------------------------------------------
def test_search_text_joins_hard_wraps_but_keeps_item_breaks(parsed: dict[str, ParseResult]) -> None:
    q383 = units(parsed, "qd-383-2025")
    joined = search_text(q383["d1"].text)
    assert joined.startswith("Điều 1. Phông lưu trữ Đảng Cộng sản Việt Nam\nPhông lưu trữ Đảng Cộng sản Việt Nam gồm")
    assert "\n2. Tài liệu Đại hội Đảng toàn quốc và đại hội đảng bộ các cấp;" in joined  # "2." stays a new line
    assert "\na) Tổ chức tuyên truyền" in search_text(q383["d3/k1"].text)
    q1147 = units(parsed, "qd-1147-btgdvtw-2025")
    assert "điểm a), b), c), d) khoản 1, Điều 10" in search_text(q1147["quy-che/d10/k2"].text)
    assert "tổ chức chính trị - xã hội cấp xã" in search_text(q1147["quy-che/d5/k2"].text)
    assert search_text("a) Một;\nb) Hai.\n- Ba\n**Điều 4.**") == "a) Một;\nb) Hai.\n- Ba\nĐiều 4."


# --- small synthetic texts ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "heading",
    ["Điều 30. Hình thức kỷ luật", "Điều 30**. Hình thức kỷ luật", "**Điều 30.** Hình thức kỷ luật",
     "**Điều 30**. Hình thức kỷ luật", "**Điều 30. Hình thức kỷ luật**"],
)  # fmt: skip
def test_article_heading_variants(heading: str) -> None:
    text = f"{heading}\n1. Khiển trách.\n2. Cảnh cáo."
    clauses = parse_document(make_doc(text))
    assert [(c.id, c.level, c.label) for c in clauses] == [
        ("x/d30", "article", "30"), ("x/d30/k1", "clause", "1"), ("x/d30/k2", "clause", "2")
    ]  # fmt: skip
    assert clauses[0].title == "Hình thức kỷ luật" and clauses[0].text == text
    assert clauses[2].heading == ("Điều 30. Hình thức kỷ luật",)


def test_article_title_or_body_on_the_heading_line() -> None:
    titled = parse_document(make_doc("Điều 5. Phạm vi điều chỉnh\nQuy định này áp dụng cho tổ chức đảng."))
    assert titled[0].title == "Phạm vi điều chỉnh"
    body = parse_document(make_doc("Điều 5. Quy định này có hiệu lực kể từ ngày ký."))
    assert body[0].title == "" and body[0].text == "Điều 5. Quy định này có hiệu lực kể từ ngày ký."
    points = parse_document(make_doc("Điều 5.\nĐảng viên có nhiệm vụ:\na) Học tập;\nđ) Rèn luyện."))
    assert [c.id for c in points] == ["x/d5", "x/d5/a", "x/d5/đ"] and points[0].intro == "Đảng viên có nhiệm vụ:"


def test_nfd_text_and_crlf_lines_are_recognised() -> None:
    nfd = parse_document(make_doc(unicodedata.normalize("NFD", "Chương I\nQUY ĐỊNH CHUNG\nĐiều 1. Phạm vi\n1. Một.")))
    assert [c.level for c in nfd] == ["chapter", "article", "clause"]
    crlf = parse_document(make_doc("Điều 1. Tiêu đề\r\n1. Một.\r\n2. Hai.\r\n"))
    assert [c.text for c in crlf[1:]] == ["1. Một.", "2. Hai."]


def test_repeated_numbers_get_unique_ids_and_are_reported() -> None:
    result = parse(make_doc("Điều 1. A\n1. Một.\nĐiều 1. B\n1. Hai."))
    assert [c.id for c in result.clauses] == ["x/d1", "x/d1/k1", "x/d1~2", "x/d1~2/k1"]
    assert result.issues == ["repeated unit 'x/d1' renamed x/d1~2"]


def test_inline_references_are_not_split() -> None:
    clauses = parse_document(make_doc("Điều 52.\n(3) Trường hợp vi phạm Khoản (1), (2) gây hậu quả rất nghiêm trọng."))
    assert [c.id for c in clauses] == ["x/d52", "x/d52/k3"]


def test_unstructured_txt_file_becomes_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "ghi-chu.txt"
    text = "Ghi chú về kiểm tra\n\nĐoạn thứ nhất nói về giám sát.\nĐoạn thứ hai\nnối dòng.\n"
    path.write_text(text, encoding="utf-8")
    doc = load_document(path)
    assert (doc.id, doc.title, doc.code, doc.status, doc.normative, doc.body_start) == (
        "ghi-chu", "Ghi chú về kiểm tra", "", "in-force", True, 0
    )  # fmt: skip
    result = parse(doc)
    assert result.mode == "paragraphs" and result.issues == ["no recognisable structure: parsed as paragraphs"]
    assert [c.text for c in result.clauses] == [
        "Ghi chú về kiểm tra", "Đoạn thứ nhất nói về giám sát.", "Đoạn thứ hai\nnối dòng."
    ]  # fmt: skip


# --- gold locations ----------------------------------------------------------------------------------------------
def test_clause_id_for_builds_the_id_scheme() -> None:
    assert clause_id_for("qd-22-2021", "29", "2", "2.2") == "qd-22-2021/d29/k2/2.2"
    assert clause_id_for("qd-69-2022", "55", "1", "b") == "qd-69-2022/d55/k1/b"
    assert clause_id_for("dieu-le-dang-2011", "Điều 24", "2") == "dieu-le-dang-2011/d24/k2"
    assert clause_id_for("qd-69-2022", "52", "(1)") == "qd-69-2022/d52/k1"
    assert clause_id_for("ctr-qn-kl34-2022", "II.2") == "ctr-qn-kl34-2022/II/2"
    assert clause_id_for("ctr-qn-kl34-2022", "III.1.1", "(2)") == "ctr-qn-kl34-2022/III/1/1.1/p2"
    assert clause_id_for("ctr-qn-kl34-2022", "III.2.1", "5", "(i1)") == "ctr-qn-kl34-2022/III/2/2.1/p5/i1"
    assert clause_id_for("qd-37-2021", None) == "qd-37-2021"


@pytest.mark.skipif(not DEV_SET.exists(), reason="shared dev set not mounted")
def test_dev_gold_locations_map_onto_clause_ids(docs: dict[str, Document], parsed: dict[str, ParseResult]) -> None:
    """Every gold location whose text is in the corpus is an existing clause id; the rest are reported absent."""
    ids = {c.id for result in parsed.values() for c in result.clauses}
    found, absent = set(), set()
    for line in DEV_SET.read_text(encoding="utf-8").splitlines():
        for g in json.loads(line)["gold"]:
            doc = find_document(list(docs.values()), g["doc"], g["year"])
            assert doc is not None, g
            if g["article"] is None:  # the source names only the document: scored at document level
                continue
            cid = clause_id_for(doc.id, g["article"], g["clause"], g["point"])
            (found if cid in ids else absent).add(cid)
    assert {
        "dieu-le-dang-2011/d1/k2", "dieu-le-dang-2011/d12/k3", "dieu-le-dang-2011/d13/k2", "dieu-le-dang-2011/d13/k5",
        "dieu-le-dang-2011/d17/k1", "dieu-le-dang-2011/d2", "dieu-le-dang-2011/d2/k1", "dieu-le-dang-2011/d2/k3",
        "dieu-le-dang-2011/d2/k4", "dieu-le-dang-2011/d21/k2", "dieu-le-dang-2011/d21/k4", "dieu-le-dang-2011/d22/k5",
        "dieu-le-dang-2011/d23", "dieu-le-dang-2011/d24", "dieu-le-dang-2011/d24/k2", "dieu-le-dang-2011/d24/k3",
        "dieu-le-dang-2011/d24/k4", "dieu-le-dang-2011/d3", "dieu-le-dang-2011/d3/k1", "dieu-le-dang-2011/d31/k1",
        "dieu-le-dang-2011/d35/k2", "dieu-le-dang-2011/d36", "dieu-le-dang-2011/d36/k1", "dieu-le-dang-2011/d39/k1",
        "dieu-le-dang-2011/d39/k6", "dieu-le-dang-2011/d4", "dieu-le-dang-2011/d4/k1", "dieu-le-dang-2011/d4/k2",
        "dieu-le-dang-2011/d4/k3", "dieu-le-dang-2011/d45", "dieu-le-dang-2011/d5", "dieu-le-dang-2011/d5/k1",
        "dieu-le-dang-2011/d5/k2", "dieu-le-dang-2011/d5/k4", "dieu-le-dang-2011/d7", "dieu-le-dang-2011/d8/k3",
        "dieu-le-dang-2011/d9", "dieu-le-dang-2011/d9/k2", "dieu-le-dang-2011/d9/k5", "qd-114-2023/d2/k1",
        "qd-114-2023/d2/k2", "qd-22-2021/d2", "qd-22-2021/d29/k2/2.2", "qd-22-2021/d8/k2", "qd-37-2021/d19",
        "qd-37-2021/d9", "qd-69-2022/d27", "qd-69-2022/d27/k1", "qd-69-2022/d28", "qd-69-2022/d3", "qd-69-2022/d3/k2",
        "qd-69-2022/d4/k2/b", "qd-69-2022/d41/k1/d", "qd-69-2022/d6/k1", "qd-69-2022/d8",
    } == found  # fmt: skip
    # not in the corpus: QĐ 296 has no text; these articles/clauses of QĐ 22 and QĐ 69 were not quoted
    assert all(a.startswith(("qd-296-2025/", "qd-22-2021/", "qd-69-2022/")) for a in absent)
    assert "qd-69-2022/d55/k1/b" in absent and "qd-22-2021/d16/k10" in absent


# --- loading and front matter ------------------------------------------------------------------------------------
def test_front_matter_is_normalised(docs: dict[str, Document]) -> None:
    qd205, qd296, ctr, news = docs["qd-205-2019"], docs["qd-296-2025"], docs["ctr-qn-kl34-2022"], docs["tin-duk-ktgs"]
    assert qd205.replaced_by == ["114-QĐ/TW"] and qd205.status == "replaced" and qd205.issued == "2019-09-23"
    assert qd296.replaces == ["22-QĐ/TW (28/7/2021)", "262-QĐ/TW (3/2/2025)"]
    assert ctr.issued == "2022" and ctr.year == 2022 and ctr.normative is True
    assert news.issued == "" and news.normative is False and news.status == "n/a"
    assert docs["qd-69-2022"].articles_present[:3] == ["2", "3", "4"]
    assert qd296.sources[1].startswith("https://tcnnld.vn/")  # a "url : note" item, which YAML reads as a mapping
    assert qd296.sources[1].endswith(" : structure (7 chương, 35 điều)")
    dl = docs["dieu-le-dang-2011"]
    assert dl.text.startswith("---\ncode: Điều lệ Đảng") and dl.text[dl.body_start :].startswith("ĐẠI HỘI ĐẠI BIỂU")
    assert dl.sha256 == hashlib.sha256(Path(dl.path).read_bytes()).hexdigest()
    assert find_document(list(docs.values()), "22-qđ/tw", 2021) is docs["qd-22-2021"]


def test_malformed_front_matter_names_the_file(tmp_path: Path) -> None:
    unclosed = tmp_path / "a.md"
    unclosed.write_text("---\ncode: 1-QĐ/TW\ntitle: x\n\nĐiều 1. Một.\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"a\.md: front matter .* never closed"):
        load_document(unclosed)
    bad_yaml = tmp_path / "b.md"
    bad_yaml.write_text("---\ncode: [unclosed\n---\ntext\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"b\.md: malformed YAML front matter"):
        load_document(bad_yaml)
    not_mapping = tmp_path / "c.md"
    not_mapping.write_text("---\n- a\n- b\n---\ntext\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="must be a YAML mapping"):
        load_document(not_mapping)
    legacy = tmp_path / "d.txt"
    legacy.write_bytes(b"\xd0i\xeau 1")  # "Điều 1" in a Windows-1258 file
    with pytest.raises(CorpusError, match=r"d\.txt: not valid UTF-8"):
        load_document(legacy)


def test_loader_skips_readme_and_reports_unknown_suffixes(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# Corpus\n", encoding="utf-8")
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "b.txt").write_text("\ufeffĐiều 1. Một.\n", encoding="utf-8")  # BOM tolerated
    (tmp_path / "a.md").write_text("---\ntype: tin-tuc\ntitle: Tin\n---\nMột đoạn.\n", encoding="utf-8")
    skipped: list[tuple[Path, str]] = []
    loaded = load_corpus(tmp_path, skipped)
    assert [d.id for d in loaded] == ["a", "b"]
    assert [(p.name, reason) for p, reason in skipped] == [("scan.pdf", "no reader for '.pdf' files")]
    assert loaded[0].normative is False and loaded[1].text == "Điều 1. Một.\n"
    assert set(READERS) == {".md", ".txt"}
    assert split_front_matter("no front matter") == (None, 0)
    meta, start = split_front_matter("---\nissued: 2022\n---\nbody")
    assert meta == {"issued": 2022} and start == len("---\nissued: 2022\n---\n")


def test_an_attached_regulation_is_named_in_citations(quiz_searcher) -> None:
    """QĐ 1147 has its own Điều 1–3 and issues a Quy chế with Điều 1–21: «Khoản 5, Điều 4, Quyết định số 1147» named
    an article the decision does not have."""
    from indexer.corpus.citation import clause_citation, short_citation, unit_citation

    docs, clauses = quiz_searcher.documents, quiz_searcher.clauses
    rule = clauses["qd-1147-btgdvtw-2025/quy-che/d4/k5"]
    cite = clause_citation(rule, docs[rule.doc_id])
    assert cite.startswith("Khoản 5, Điều 4, Quy chế, Quyết định số 1147-QĐ/BTGDVTW")
    assert short_citation(rule, docs[rule.doc_id]) == "Khoản 5, Điều 4, Quy chế, Quyết định 1147-QĐ/BTGDVTW"
    own = clauses["qd-1147-btgdvtw-2025/d1"]
    assert unit_citation(own) == "Điều 1" and unit_citation(clauses["qd-1147-btgdvtw-2025/quy-che/d1"]) == (
        "Điều 1, Quy chế")
    annex = clauses["qd-1147-btgdvtw-2025/plII/mau6"]  # an annex is already named (it holds no article)
    assert unit_citation(annex) == "Phần 6, Phụ lục II"
    assert unit_citation(clauses["dieu-le-dang-2011/d36/k1"]) == "Khoản 1, Điều 36"  # chapters stay out
