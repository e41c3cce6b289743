"""The UI's pure formatting: verbatim text escaped around highlights, comments hidden, badges, outline, filters."""

from __future__ import annotations

from app.ui import render
from indexer.filters import facets, select_documents, type_label
from indexer.models import Clause, Document


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
