"""DOCX and PDF exports carry real clause text intact (read back with python-docx and pypdf)."""

from __future__ import annotations

import io

import docx
from pypdf import PdfReader

from indexer.corpus.load import bundled_corpus_dir, load_document
from indexer.corpus.parse import parse
from indexer.export.printable import Block, to_docx, to_pdf


def _clause_text() -> str:
    doc = load_document(bundled_corpus_dir() / "dieu-le-dang-2011.md")
    clause = next(c for c in parse(doc).clauses if c.level == "clause" and "khiển trách" in c.text)
    return clause.text


def _blocks(text: str) -> list[Block]:
    return [
        Block("title", "Kết quả tra cứu"),
        Block("heading", "Điều lệ Đảng"),
        Block("quote", text),
        Block("bullets", items=["Chi bộ đã xây dựng chương trình giám sát năm chưa?"]),
        Block("table", rows=[["Câu", "Đáp án"], ["1", "cảnh cáo"]]),
    ]


def test_docx_keeps_clause_text_verbatim():
    text = _clause_text()
    data = to_docx(_blocks(text), "Kết quả")
    paragraphs = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]
    assert text in paragraphs
    table = docx.Document(io.BytesIO(data)).tables[0]
    assert table.rows[1].cells[1].text == "cảnh cáo"


def test_pdf_has_vietnamese_text_and_words_of_the_clause():
    text = _clause_text()
    data = to_pdf(_blocks(text), "Kết quả")
    assert data.startswith(b"%PDF")
    extracted = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Kết quả tra cứu" in extracted
    words = " ".join(extracted.split())
    # Line wrapping may break the clause anywhere, so compare the word sequence.
    assert " ".join(text.split())[:80] in words
