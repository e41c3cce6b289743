"""The UI's pure formatting: verbatim text escaped around highlights, comments hidden, badges, outline, filters."""

from __future__ import annotations

import html
import re

from app.ui import render
from indexer.corpus.filters import facets, select_documents, type_label
from indexer.corpus.models import Clause, Document


def _doc(**kw) -> Document:
    base = dict(id="qd-1-2020", code="1-QĐ/TW", type="quy-dinh", title="Quy định thử", issuer="Bộ Chính trị",
                issued="2020-05-01", status="in-force")
    base.update(kw)
    return Document(**base)


def test_highlight_escapes_text_and_keeps_line_breaks() -> None:
    text = "a) Đảng viên <dự bị> & chính thức\nb) Kỷ luật"
    start = text.index("Đảng viên")
    out = render.highlight_html(text, [(start, start + len("Đảng viên"))])
    assert out == "a) <mark>Đảng viên</mark> &lt;dự bị&gt; &amp; chính thức\nb) Kỷ luật"


def test_comments_are_hidden_and_marks_nest() -> None:
    text = "Điều 2. <!-- title not quoted -->\n<!-- source: x -->\n14. Chưa xem xét kỷ luật"
    s = text.index("xem xét")
    out = render.to_html(text, markups=[render.Markup(text.index("14."), len(text), "soi-h"),
                                        render.Markup(s, s + 7)])
    assert "<!--" not in out and "source" not in out
    assert out.startswith("Điều 2.\n")
    assert '<span class="soi-h"><mark>xem xét</mark></span>' in out


def test_to_html_inserts_anchors_and_clips_to_range() -> None:
    text = "0123456789"
    out = render.to_html(text, 2, 8, markups=[render.Markup(0, 4)], anchors=[(5, "soi-x"), (9, "soi-out")])
    assert out == '<mark>23</mark>4<span id="soi-x"></span>567'


def test_badges_by_status() -> None:
    assert render.status_badges(_doc(), "Còn hiệu lực")[0].color == "green"
    replaced = render.status_badges(_doc(status="replaced", completeness="partial"), "Đã được thay thế bởi 2-QĐ/TW")
    assert [b.color for b in replaced] == ["orange", "violet"]
    assert replaced[1].label == "Văn bản chưa đầy đủ"
    assert render.status_badges(_doc(status="in-force (amended by 3-QĐ/TW)"), "x")[0].color == "blue"
    md = render.badges_markdown(replaced)
    assert md.startswith(":orange-badge[") and ":violet-badge[" in md


def test_md_escape_blocks_math_and_emphasis() -> None:
    assert render.md_escape("a*b_c $x$ [l]") == r"a\*b\_c \$x\$ \[l\]"


def test_outline_lists_chapters_and_articles_with_depth() -> None:
    def c(cid: str, level: str, label: str, parent: str | None, text: str, title: str = "") -> Clause:
        return Clause(id=cid, doc_id="d", level=level, label=label, path=(), heading=(), title=title, text=text,
                      span=(0, 1), parent=parent)

    clauses = [
        c("d/c1", "chapter", "I", None, "Chương I\nĐẢNG VIÊN", "ĐẢNG VIÊN"),
        c("d/d1", "article", "1", "d/c1", "Điều 1.\n1. Đảng viên ..."),
        c("d/d1/k1", "clause", "1", "d/d1", "1. Đảng viên ..."),
        c("d/d2", "article", "2", "d/c1", "Điều 2. Hình thức kỷ luật\n...", "Hình thức kỷ luật"),
    ]
    entries = render.outline_entries(clauses)
    assert [(e.label, e.depth) for e in entries] == [
        ("Chương I ĐẢNG VIÊN", 0), ("Điều 1", 1), ("Điều 2. Hình thức kỷ luật", 1)
    ]


def test_filters_select_documents() -> None:
    docs = [
        _doc(),
        _doc(id="hd-2-2021", code="2-HD/TW", type="huong-dan", issuer="Ban Bí thư", issued="2021-12-09"),
        _doc(id="tin", code="Tin", type="tin-tuc", issuer="báo chí", issued="", status="n/a", normative=False),
    ]
    f = facets(docs)
    assert f.years == [2020, 2021] and "Ban Bí thư" in f.issuers and type_label("huong-dan") == "Hướng dẫn"
    assert [d.id for d in select_documents(docs, types=["huong-dan"])] == ["hd-2-2021"]
    assert [d.id for d in select_documents(docs, issuers=["Bộ Chính trị"], year_range=(2019, 2020))] == ["qd-1-2020"]
    assert [d.id for d in select_documents(docs, year_range=(2000, 2030))] == ["qd-1-2020", "hd-2-2021"]
    assert [d.id for d in select_documents(docs, in_force_only=True)] == ["qd-1-2020", "hd-2-2021"]
    assert len(select_documents(docs)) == 3


def test_heading_end_bolds_only_the_heading() -> None:
    def art(text: str, title: str = "", level: str = "article", label: str = "1") -> tuple[Clause, str]:
        return Clause(id="d/x", doc_id="d", level=level, label=label, path=(), heading=(), title=title, text=text,
                      span=(0, len(text))), text

    c, t = art("Điều 1. Nói, viết, làm trái Cương lĩnh.")
    assert t[: render.heading_end(c, t)] == "Điều 1."
    c, t = art("Điều 7. Hình thức kỷ luật\n1. Đối với tổ chức đảng", "Hình thức kỷ luật", label="7")
    assert t[: render.heading_end(c, t)] == "Điều 7. Hình thức kỷ luật"
    c, t = art("Chương I\nĐẢNG VIÊN\nĐiều 1.", "ĐẢNG VIÊN", level="chapter", label="I")
    assert t[: render.heading_end(c, t)] == "Chương I\nĐẢNG VIÊN"


# ---- issue 16: what a user reads, on the texts of the corpus ----------------------------------------------


def _marked(text: str, query: str) -> list[str]:
    from indexer.text.highlight import highlight_spans

    return [text[s:e] for s, e in highlight_spans(text, query)]


def test_highlights_are_whole_words_of_the_query(quiz_searcher) -> None:
    """«thành viên» is not a match for «đảng viên», «đang» is not one for «đảng», «quản» not one for «quan», and
    «Đảng uỷ cơ sở» gives «Đảng uỷ», never «Đảng uỷ cơ»."""
    from indexer.text.normalize import fold

    d9 = quiz_searcher.clauses["dieu-le-dang-2011/d9/k5"].text  # "... số thành viên trong cơ quan đó ..."
    assert "thành viên" in d9
    assert _marked(d9, "đảng viên có được kinh doanh không") == ["Đảng viên", "đảng viên"]
    ill = quiz_searcher.clauses["qd-69-2022/d2/k14/p2"].text  # "Đảng viên bị bệnh nặng đang điều trị ..."
    assert "đang điều trị" in ill
    assert [fold(m) for m in _marked(ill, "đảng viên có được kinh doanh không")] == ["đảng viên"]
    # typed without accents, "dang" is also "đang": the UI marks the restored reading, not the raw question
    assert "đang điều trị" in _marked(ill, "dang vien dang dieu tri")
    assert [fold(m) for m in _marked(ill, "đảng viên")] == ["đảng viên"]
    d36 = quiz_searcher.clauses["dieu-le-dang-2011/d36/k1"].text
    assert "quản lý" in d36
    assert not any("quản" in fold(m) for m in _marked(d36, "cơ quan nào có thẩm quyền kỷ luật đảng viên"))
    assert any(fold(m) == "cơ quan" for m in _marked(d36 + " cơ quan", "cơ quan"))
    ktgs = next(c.text for c in quiz_searcher.clauses.values() if "đảng ủy cơ sở" in fold(c.text))
    marks = [fold(m) for m in _marked(ktgs, "đảng ủy cơ quan kiểm tra đảng viên")]
    assert "đảng ủy" in marks and not any(m.endswith(" cơ") or m == "cơ" for m in marks), marks
    assert "đảng ủy cơ sở" in [fold(m) for m in _marked(ktgs, "đảng ủy cơ sở")]


def test_bi_alone_is_not_marked(quiz_searcher) -> None:
    """«bị» of «bị cơ quan công an khởi tố» is no word to mark in QĐ 22 Điều 28 («Trường hợp bị đình chỉ», «sẽ bị
    đình chỉ»); «dự bị», a word of its own, still is."""
    from indexer.text.normalize import fold

    d28 = next(c.text for c in quiz_searcher.clauses.values() if c.id.startswith("qd-22-2021/d28")
               and "bị khởi tố" in c.text)
    marks = [fold(m) for m in _marked(d28, "Đảng viên là cấp ủy viên chi bộ bị cơ quan công an khởi tố về tội tham ô")]
    assert "cấp ủy viên" in marks and "bị" not in marks and not any(m.startswith("bị ") for m in marks), marks
    assert [fold(m) for m in _marked("Đảng viên dự bị được ứng cử.", "đảng viên dự bị")] == ["đảng viên dự bị"]
    assert [fold(m) for m in _marked("Chi bộ họp; đảng viên dự bị.", "chi bộ dự bị")] == ["chi bộ", "dự bị"]
    # the words of a citation mark no «Khoản 3.1, Điều 15» cited inside another clause
    cites = "Việc tính số phiếu thực hiện như quy định tại Khoản 3.1, Điều 15 của Quy định này."
    marks = [fold(m) for m in _marked(cites, "khoản 2 Điều 29 Quy định 22")]
    assert not any("khoản" in m or "điều" in m for m in marks), marks
    assert [fold(m) for m in _marked("Điều kiện kết nạp.", "điều kiện kết nạp")] == ["điều kiện kết nạp"]


def test_a_number_of_the_question_does_not_mark_a_unit_number(quiz_searcher) -> None:
    """«6 tháng» in a case must not light up the «6.» that numbers Điều lệ Điều 22 khoản 6; a number the text
    states («5 năm» of QĐ 69 Điều 4) is still marked."""
    k6 = quiz_searcher.clauses["dieu-le-dang-2011/d22/k6"].text
    assert k6.startswith("6. ")
    marks = _marked(k6, "Chi bộ không tổ chức sinh hoạt định kỳ trong 6 tháng")
    assert "6" not in marks and "Chi bộ" in marks
    term = next(c.text for c in quiz_searcher.clauses.values()
                if c.id.startswith("qd-69-2022/d4/") and "5 năm" in c.text)
    assert "5 năm" in _marked(term, "thời hiệu 5 năm")


def test_appendix_table_of_qd_384_is_a_table(quiz_searcher) -> None:
    """The appendix of QĐ 384, one cell a paragraph in the source, is found as a table of 4 columns and 8 numbered
    groups; every cell of it is shown, verbatim, none cut."""
    text = quiz_searcher.clauses["qd-384-2025/pl"].text
    tables = render.find_tables(text)
    assert len(tables) == 1
    t = tables[0]
    assert [" ".join(text[s:e].split()) for s, e in t.header] == [
        "STT", "Nhóm lĩnh vực dữ liệu", "Dữ liệu", "Cơ quan chủ quản dữ liệu"]
    numbers = [text[r[0].start:r[0].end] for r in t.rows if r[0].col == 0]
    assert numbers == [str(n) for n in range(1, 9)]
    first = t.rows[0]
    assert [(text[c.start:c.end], c.rowspan) for c in first][1:] == [
        ("Dữ liệu lĩnh vực tổ chức xây dựng Đảng", 10), ("Dữ liệu tổ chức đảng", 1), ("Ban Tổ chức Trung ương", 10)]
    out = render.highlight_html(text, [])
    assert out.count("<table") == 1 and out.count("<tr>") == 1 + sum(1 for _ in t.rows)
    cells = [" ".join(p.split()) for p in text[t.start:t.end].split("\n\n") if p.strip()]
    flat = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "\n", out))
    assert all(c in flat for c in cells)  # every cell verbatim
    assert out.startswith("PHỤ LỤC\n\nDANH SÁCH DỮ LIỆU")


def test_separators_gaps_and_page_breaks_of_the_sources(quiz_searcher) -> None:
    """«-----» is drawn as a rule; «Khoản 1 Đi(...)», cut in the source, says so; a sentence that the source breaks
    with a blank line (CTr Quảng Ninh: «... trong thời hạn 5 ngày phải\\n\\ncó văn bản ...») reads as one."""
    pre = quiz_searcher.clauses["dieu-le-dang-2011/preamble"].text
    assert "\n-----\n" in pre
    html_pre = render.highlight_html(pre, [])
    assert "-----" not in html_pre and render.RULE_HTML in html_pre
    cut = quiz_searcher.clauses["qd-69-2022/d28/k2"].text
    assert cut.endswith("Khoản 1 Đi(...)")
    assert render.highlight_html(cut, []).endswith(
        f'Khoản 1 Đi<span class="soi-gap" title="{render.GAP_TITLE}">(...)</span>')
    broken = quiz_searcher.clauses["ctr-qn-kl34-2022/III/2/2.2/p4/i3"].text
    assert "trong thời hạn 5 ngày phải\n\ncó văn bản" in broken
    out = render.highlight_html(broken, [])
    assert "trong thời hạn 5 ngày phải có văn bản" in out
    assert re.sub(r"\s+", " ", out) == re.sub(r"\s+", " ", html.escape(broken.strip(), quote=False))
    # a list that starts after a blank line is left alone
    assert "\n\nb)" in render.highlight_html("a) Một,\n\nb) Hai.", [])
    assert "\n\na." in render.highlight_html("giấy chứng nhận\n\na. Về hồ sơ", [])


def test_labels_are_whole_or_have_a_tooltip(quiz_searcher) -> None:
    """Breadcrumbs and select-box labels are never cut; a long outline entry is shortened with its whole text for
    the tooltip."""
    c = quiz_searcher.clauses["ctr-qn-kl34-2022/III/1/1.1"]
    long_heading = next(h for h in c.heading if len(h) > 90)
    assert " ".join(long_heading.split()) in render.context_line(c, depth=3)
    doc = quiz_searcher.documents["ctr-qn-kl34-2022"]
    assert " ".join(doc.title.split()) in render.doc_option_label(doc)
    entries = render.outline_entries(quiz_searcher.outline("ctr-qn-kl34-2022"))
    long = next(e for e in entries if e.clause_id == "ctr-qn-kl34-2022/I/1")
    assert long.full.endswith("tham nhũng, tiêu cực trong Đảng và hệ thống chính trị.")
    assert len(long.label) <= render.OUTLINE_LABEL_MAX and long.label.endswith("…")
    assert long.full.startswith(long.label[:-1])
    short = next(e for e in entries if len(e.full) <= render.OUTLINE_LABEL_MAX)
    assert short.label == short.full


def test_copy_text_is_citation_and_verbatim_clause(quiz_searcher) -> None:
    from indexer.corpus.citation import clause_citation

    c = quiz_searcher.clauses["qd-69-2022/d7/k3"]
    cite = clause_citation(c, quiz_searcher.documents[c.doc_id])
    assert render.copy_text(cite, c) == (
        "Khoản 3, Điều 7, Quy định số 69-QĐ/TW ngày 06/07/2022 của Bộ Chính trị:\n"
        "«3. Đối với đảng viên dự bị: Khiển trách, cảnh cáo.»")
    cut = quiz_searcher.clauses["qd-69-2022/d28/k2"]  # the whole clause, as stored, even where the source stops
    assert render.clause_text(cut) == "2. Trường hợp đã bị kỷ luật theo Khoản 1 Đi(...)"


def test_clauses_are_named_in_words(quiz_searcher) -> None:
    from indexer.corpus.citation import unit_citation

    names = {cid: unit_citation(quiz_searcher.clauses[cid]) for cid in (
        "qd-22-2021/d3/k4", "hd-02-2021/preamble/p5", "qd-69-2022/d4/k2/b", "dieu-le-dang-2011/chI", "qd-384-2025/pl")}
    assert names == {"qd-22-2021/d3/k4": "Khoản 4, Điều 3", "hd-02-2021/preamble/p5": "Đoạn 5, phần mở đầu",
                     "qd-69-2022/d4/k2/b": "Điểm b, khoản 2, Điều 4", "dieu-le-dang-2011/chI": "Chương I",
                     "qd-384-2025/pl": "Phụ lục"}


def test_graph_has_every_document(quiz_searcher) -> None:
    from indexer.rules.refs import graph_for

    dot = render.graph_dot(graph_for(quiz_searcher).edges(), quiz_searcher.documents, outside=False,
                           nodes=list(quiz_searcher.documents))
    for d in quiz_searcher.documents.values():
        assert f'"{d.id}" [' in dot, d.id
    assert 'label="Tin: cán bộ KTGS Đảng ủy Khối' in dot


def test_dates_are_vietnamese(quiz_searcher) -> None:
    """One date format everywhere: QĐ 69's amendment date was shown «2025-02-14» beside «06/07/2022»."""
    from indexer.corpus.citation import format_date, parse_date, status_label

    qd69 = quiz_searcher.documents["qd-69-2022"]
    assert status_label(qd69) == "Còn hiệu lực, được sửa đổi bởi 264-QĐ/TW ngày 14/02/2025"
    assert "Ngày ban hành: 06/07/2022" in render.meta_line(qd69)

    assert format_date("2025-02-14") == "14/02/2025" and format_date("2011") == "2011"
    assert parse_date("14/02/2025") == parse_date("14-2-2025") == parse_date("2025-02-14") == "2025-02-14"
    assert parse_date("2011") == "2011"
