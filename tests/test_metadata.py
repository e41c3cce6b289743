"""Metadata guessed from the real header blocks of the bundled corpus, compared with the corpus's own front matter,
and from the same headers after a trip through PDF and DOCX readers."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import body_paragraphs

from indexer.corpus.load import bundled_corpus_dir, load_corpus, load_document
from indexer.corpus.models import Document
from indexer.export.printable import Block, to_pdf
from indexer.ingest.metadata import FIELDS, GuessedMeta, front_matter, guess_metadata
from indexer.ingest.readers import read_file

# Corpus documents whose file keeps the official header block (Số…, place and date, type line, title).
HEADER_DOCS = [
    "dieu-le-dang-2011", "hd-02-2021", "qd-1147-btgdvtw-2025", "qd-205-2019", "qd-383-2025", "qd-384-2025",
    "qd-69-2022",
]  # fmt: skip
# The one header in which the issuer cannot be read: QĐ 69 is headed "BAN CHẤP HÀNH TRUNG ƯƠNG" but was issued by
# the Bộ Chính trị, and its preamble and signature are not in the corpus. The guess must then say it is unsure.
ISSUER_NOT_IN_TEXT = {"qd-69-2022"}


def _doc(doc_id: str) -> Document:
    return load_document(bundled_corpus_dir() / f"{doc_id}.md")


def _guess(doc: Document, filename: str = "") -> GuessedMeta:
    return guess_metadata(doc.text[doc.body_start :], filename=filename)


@pytest.mark.parametrize("doc_id", HEADER_DOCS)
def test_real_headers_give_the_front_matter(doc_id: str):
    doc = _doc(doc_id)
    g = _guess(doc)
    assert (g.code, g.type, g.issued) == (doc.code, doc.type, doc.issued)
    assert g.title.casefold() == doc.title.casefold()
    if doc_id in ISSUER_NOT_IN_TEXT:
        assert g.confidence["issuer"] == "low"
    else:
        assert g.issuer == doc.issuer
    for f in ("code", "type", "issued", "title"):
        assert g.confidence[f] in ("high", "medium"), f
        assert g.evidence[f] and g.evidence[f].split(" / ")[0] in doc.text


def _hit_rates(doc_ids: list[str]) -> dict[str, float]:
    docs = {d.id: d for d in load_corpus(bundled_corpus_dir())}
    hits = dict.fromkeys(("code", "type", "title", "issuer", "issued"), 0)
    for doc_id in doc_ids:
        d, g = docs[doc_id], _guess(docs[doc_id])
        for f in hits:
            want, got = getattr(d, f), getattr(g, f)
            hits[f] += want.casefold() == got.casefold() if f == "title" else want == got
    return {f: h / len(doc_ids) for f, h in hits.items()}


def test_hit_rates_on_the_corpus():
    rates = _hit_rates(HEADER_DOCS)
    assert rates == {"code": 1.0, "type": 1.0, "title": 1.0, "issuer": 6 / 7, "issued": 1.0}
    normative = [d.id for d in load_corpus(bundled_corpus_dir()) if d.normative]
    overall = _hit_rates(normative)  # includes texts whose header was never found (kl-34, qd-37, qd-114 …)
    assert overall["type"] >= 0.6 and overall["code"] >= 0.4 and overall["issued"] >= 0.4


def test_title_line_without_the_rest_of_the_header():
    for doc_id in ("qd-22-2021", "qd-296-2025"):
        doc = _doc(doc_id)
        g = _guess(doc)
        assert (g.type, g.title) == ("quy-dinh", doc.title)
        assert g.code == "" and g.issued == "" and g.issuer == ""  # nothing invented
    g = _guess(_doc("ctr-qn-kl34-2022"))
    assert g.type == "chuong-trinh"
    assert g.title.startswith("Chương trình hành động thực hiện Kết luận số 34-KL/TW")


def test_news_reports_get_no_code_or_type():
    for doc_id in ("tin-duk-ktgs", "tin-kl34-2022", "tin-qt-giam-sat", "tin-duk-can-bo-ktgs-2023"):
        g = _guess(_doc(doc_id))
        assert g.code == "" and g.type == ""  # "Đề án số 04-ĐA/TU" in a sentence is a cited document
        assert g.confidence.get("issuer") != "high"


def test_header_as_a_pdf_extractor_merges_its_columns():
    # QĐ 37's front matter; the two header columns on one line each, as pypdf often returns them.
    text = (
        "BAN CHẤP HÀNH TRUNG ƯƠNG ĐẢNG CỘNG SẢN VIỆT NAM\n*\n"
        "Số 37-QĐ/TW Hà Nội, ngày 25 tháng 10 năm 2021\n"
        "QUY ĐỊNH\nVỀ NHỮNG ĐIỀU ĐẢNG VIÊN KHÔNG ĐƯỢC LÀM\n"
        "- Căn cứ Điều lệ Đảng;\n"
        "Điều 1. Nói, viết, làm trái hoặc không thực hiện Cương lĩnh chính trị, Điều lệ Đảng.\n"
        "T/M BAN CHẤP HÀNH TRUNG ƯƠNG\n"
    )
    doc = _doc("qd-37-2021")
    g = guess_metadata(text)
    assert (g.code, g.type, g.title, g.issued, g.issuer) == (doc.code, doc.type, doc.title, doc.issued, doc.issuer)
    assert g.confidence["issuer"] == "high" and g.evidence["issuer"] == "T/M BAN CHẤP HÀNH TRUNG ƯƠNG"


def test_department_of_the_central_committee_and_its_code():
    text = "BAN CHẤP HÀNH TRUNG ƯƠNG\nỦY BAN KIỂM TRA\n*\nSố: 02-HD/UBKTTW\nHà Nội, ngày 10 tháng 1 năm 2022\n" \
           "HƯỚNG DẪN\nVỀ QUY TRÌNH KIỂM TRA, GIÁM SÁT\n"
    g = guess_metadata(text)
    assert (g.code, g.type, g.issuer, g.issued) == ("02-HD/UBKTTW", "huong-dan", "Ủy ban Kiểm tra Trung ương",
                                                    "2022-01-10")
    assert g.title == "Hướng dẫn về quy trình kiểm tra, giám sát"


@pytest.fixture(scope="module")
def pdf_and_docx_383(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    import docx

    folder = tmp_path_factory.mktemp("meta")
    paragraphs = body_paragraphs("qd-383-2025")
    pdf = folder / "van-ban.pdf"
    pdf.write_bytes(to_pdf([Block("paragraph", p) for p in paragraphs[:40]], "383"))
    document = docx.Document()
    for p in paragraphs[:40]:
        document.add_paragraph(p)
    word = folder / "van-ban.docx"
    document.save(word)
    return [pdf, word]


def test_same_guess_after_pdf_and_docx_extraction(pdf_and_docx_383: list[Path]):
    doc = _doc("qd-383-2025")
    for path in pdf_and_docx_383:
        g = guess_metadata(read_file(path, 2**30).text, filename=path.name)
        assert (g.code, g.type, g.issued, g.issuer) == (doc.code, doc.type, doc.issued, doc.issuer), path.suffix
        assert g.title.casefold() == doc.title.casefold()


def test_file_name_fills_what_the_text_lacks():
    g = guess_metadata("Một số ý kiến trao đổi về công tác kiểm tra.", filename="qd-37-2021.pdf")
    assert (g.code, g.type, g.issued) == ("37-QĐ", "quy-dinh", "2021")
    assert all(g.confidence[f] == "low" for f in ("code", "type", "issued"))
    assert g.evidence["code"] == "file name: qd-37-2021.pdf"
    g = guess_metadata("", filename="Ket luan 34-KL-TW.docx")
    assert (g.code, g.type, g.title) == ("34-KL/TW", "ket-luan", "Ket luan 34-KL-TW")


def test_front_matter_mapping():
    g = _guess(_doc("qd-383-2025"))
    fm = front_matter(g)
    assert list(fm) == [*FIELDS, "completeness"]
    assert fm == {"code": "383-QĐ/TW", "type": "quy-dinh", "title": g.title, "issuer": "Ban Bí thư",
                  "issued": "2025-11-19", "status": "in-force", "completeness": "full"}
    assert g.confidence["status"] == "low"


def test_bare_text_title_is_its_first_sentence_not_the_whole_paragraph():
    body = (bundled_corpus_dir() / "tin-qt-giam-sat.md").read_text(encoding="utf-8")
    flat = " ".join(body.split("---", 2)[2].split())  # a news text flattened into one paragraph
    title = guess_metadata(flat, "ghi-chep.txt").title
    assert 10 < len(title) <= 121
    assert flat.startswith(title.rstrip("…"))
