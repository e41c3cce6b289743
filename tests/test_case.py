"""Case → rules end to end: library, exports read back (DOCX, PDF, CSV), CLI (in-process) and the «Kiểm tra» page
through AppTest."""

from __future__ import annotations

import csv
import io

import docx
import pytest
from pypdf import PdfReader
from ui_support import ENTRY

from app.cli import main
from indexer.case import analyze_case, checks_csv, export, filename, to_markdown
from indexer.discipline import SIMILARITY, TEXT

TIMEOUT = 180

CASE = "Đảng viên vi phạm không đồng ý với quyết định kỷ luật thì khiếu nại trong thời hạn bao lâu"
SPEECH = "Đảng viên đăng bài trên mạng xã hội, phát ngôn trái quan điểm của Đảng thì bị kỷ luật thế nào"


@pytest.fixture(scope="module")
def result(searcher):
    return analyze_case(CASE, searcher, k=5)


def _words(s: str) -> str:
    return " ".join(s.split())


def test_case_finds_rule_checks_and_discipline(result) -> None:
    ids = [x.hit.clause.id for x in result.rules]
    assert any(i.startswith("dieu-le-dang-2011/d39") for i in ids), ids
    assert result.checks and all(c.rule for c in result.checks)
    replaced = [x.replaced for x in result.rules]
    assert replaced == sorted(replaced)  # rules in force first, replaced ones after, flagged
    # the complaint rule leads, by the kind of violation its text names, to QĐ 69's article on complaints
    d38 = next(d for d in result.discipline if d.clause_id == "qd-69-2022/d38")
    assert d38.provenance == TEXT and "khiếu nại" in d38.note and d38.penalties == ["khiển trách"]
    assert any(r.startswith("dieu-le-dang-2011/d39") for r in d38.rules)
    assert all(d.text[m.start:m.end].lower() == m.form for d in result.discipline for m in d.marks)
    assert any("khai trừ" in d.penalties for d in result.general)  # forms of Điều lệ Điều 35
    absent = [d for d in result.discipline if d.absent]
    assert absent and all(d.text == "" and not d.marks for d in absent)
    order = [(d.general, {"curated": 0, "text": 1, "similarity": 2}[d.provenance]) for d in result.discipline]
    assert order == sorted(order)  # specific before general, curated before text before similarity
    assert any("" in d.rules and d.provenance == SIMILARITY for d in result.discipline)  # from the case text itself
    k7 = next(r for r in result.rules if r.hit.clause.id == "dieu-le-dang-2011/d39/k7")
    assert k7.checks and all(c.penalties[0] == "qd-69-2022/d38" for c in k7.checks)


def test_markdown_and_csv(result) -> None:
    md = to_markdown(result)
    assert md.startswith("# Kiểm tra:") and "Quy định về kỷ luật" in md and "văn bản tự nêu" in md
    assert "Hình thức: khiển trách" in md and "chưa có trong kho" in md
    rows = list(csv.DictReader(io.StringIO(checks_csv(result))))
    assert len(rows) == len(result.checks) and rows[0]["citation"]
    assert any(r["penalty_forms"] == "khiển trách" for r in rows)


def test_docx_export_has_clause_texts_and_checks(result) -> None:
    d = docx.Document(io.BytesIO(export(result, "docx")))
    paragraphs = [p.text for p in d.paragraphs]
    for r in result.rules:
        assert r.hit.clause.text in paragraphs, r.hit.clause.id  # each rule quoted verbatim
    d38 = next(x for x in result.discipline if x.clause_id == "qd-69-2022/d38")
    assert d38.text in paragraphs
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    assert all(c.item in cells for c in result.checks)  # the checklist table
    assert d.tables[0].rows[0].cells[2].text == "Nội dung cần kiểm tra"


def test_pdf_export_has_clause_texts_and_checks(result) -> None:
    data = export(result, "pdf")
    assert data.startswith(b"%PDF")
    text = _words(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))
    assert "Kiểm tra: " + CASE in text
    for r in result.rules:
        assert _words(r.hit.clause.text)[:120] in text, r.hit.clause.id
    for c in result.checks:
        assert _words(c.item)[:60] in text, c.item
    assert "Quy định về kỷ luật có thể áp dụng" in text and "Hình thức: khiển trách" in text


def test_speech_case_reaches_the_speech_article(searcher) -> None:
    r = analyze_case(SPEECH, searcher, k=5)
    d28 = next(d for d in r.discipline if d.clause_id.startswith("qd-69-2022/d28"))
    assert d28.provenance in ("text", "curated") and "khiển trách" in d28.penalties
    assert filename(r, "pdf").startswith("kiem-tra-dang-vien-dang-bai") and filename(r, "pdf").endswith(".pdf")


def test_cli_case(built_index, index_settings, capsys, tmp_path) -> None:
    idx = str(index_settings.index_dir)
    md = tmp_path / "k.md"
    assert main(["case", CASE, "-k", "3", "--index", idx, "--markdown", str(md)]) == 0
    out = capsys.readouterr().out
    assert "QUY ĐỊNH ÁP DỤNG" in out and "QUY ĐỊNH KỶ LUẬT" in out and "☐" in out and "nguồn: văn bản tự nêu" in out
    assert md.read_text(encoding="utf-8").startswith("# Kiểm tra")
    pdf, word = tmp_path / "k.pdf", tmp_path / "k.docx"
    assert main(["case", CASE, "-k", "3", "--index", idx, "--format", "pdf", "--out", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert main(["case", CASE, "-k", "3", "--index", idx, "--out", str(word)]) == 0  # format from the extension
    assert "Nội dung cần kiểm tra" in [c.text for c in docx.Document(str(word)).tables[0].rows[0].cells]
    capsys.readouterr()
    assert main(["case", CASE, "-k", "3", "--index", idx, "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("rule,citation,modality")
    assert main(["case", CASE, "--index", idx, "--format", "docx"]) == 2  # binary output needs --out


def test_kiem_tra_page(ui_env, monkeypatch) -> None:  # noqa: F811
    from streamlit.testing.v1 import AppTest

    for k, v in ui_env.items():
        monkeypatch.setenv(k, v)
    at = AppTest.from_file(str(ENTRY.parent / "views" / "kiem_tra.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception and at.title[0].value == "Kiểm tra"
    at.text_area(key="case").input(CASE)
    at.button[0].click().run()
    assert not at.exception and not at.error
    md = [m.value for m in at.markdown]
    assert any("Điều 39" in m for m in md)
    assert any(":red-badge[:material/gavel: khiển trách]" in m for m in md)  # penalty forms as badges
    assert any(":blue-badge[:material/article: văn bản tự nêu" in m for m in md)  # provenance shown
    htmls = [h.value for h in at.html]
    assert any('<span class="soi-penalty">khiển trách</span>' in h for h in htmls)  # marked in the verbatim text
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Báo cáo (Markdown)", "Báo cáo (Word)", "Báo cáo (PDF)", "Danh sách kiểm tra (CSV)"]
