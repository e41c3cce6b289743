"""Readers of users' files, on real files made from corpus text: PDF (text layer, protected, broken, scanned),
DOCX (tables, legacy fonts, Word numbering, fakes), HTML, text; every bad input is an IngestError naming the file."""

from __future__ import annotations

import io
import random
import re
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter
from support import body_paragraphs

from indexer.corpus.load import bundled_corpus_dir
from indexer.corpus.models import Document
from indexer.corpus.parse import parse
from indexer.export.printable import Block, _font_dir, to_pdf
from indexer.ingest.encoding import encode_tcvn3, encode_vni
from indexer.ingest.errors import IngestError
from indexer.ingest.ocr import ocr_available
from indexer.ingest.readers import SUPPORTED, Extracted, pdf_text_to_lines, read_file

LIMIT = 200 * 2**20
# TCVN3 has no codes for capitals with a tone mark (.VnTimeH drew them): plain TCVN3 text reads them lower-case.
TONED_CAPITAL = re.compile("[ÁÀẢÃẠẮẰẲẴẶẤẦẨẪẬÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ]")
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


# --- helpers ----------------------------------------------------------------------------------------------------------
def norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def assert_in_order(paragraphs: list[str], text: str) -> None:
    """Every paragraph's words appear in `text`, in the same order (whitespace-normalised)."""
    flat, pos = norm(text), 0
    for p in paragraphs:
        at = flat.find(norm(p), pos)
        assert at >= 0, f"missing or out of order: {p[:90]!r}"
        pos = at + len(norm(p))


def structure(text: str) -> list[str]:
    """Ids of the article-level units the project's parser finds (what citations will use)."""
    doc = Document(id="x", code="", type="", title="", issuer="", issued="", status="in-force", text=text)
    return [c.id for c in parse(doc).clauses if c.level in ("article", "clause", "point")]


def source_structure(doc_id: str) -> list[str]:
    return structure("\n".join(body_paragraphs(doc_id)))


def raises(path: Path, code: str, **kwargs) -> IngestError:
    with pytest.raises(IngestError) as info:
        read_file(path, LIMIT, **kwargs)
    err = info.value
    assert err.code == code, (err.code, err.en)
    assert path.name in str(err) and path.name in err.message("vi") and path.name in err.message("en")
    assert err.vi and err.en and err.vi != err.en
    return err


def dejavu_pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(_font_dir() / "DejaVuSans.ttf"))
    pdf.set_font("DejaVu", "", 11)
    return pdf


def image_png() -> bytes:
    img = Image.new("L", (400, 200), 255)
    for x in range(40, 360, 3):
        for y in range(60, 140, 7):
            img.putpixel((x, y), 0)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


# --- PDF --------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pdf_383(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Quy định 383-QĐ/TW (full text in the corpus) printed to a 10-page PDF: wrapped, justified lines."""
    path = tmp_path_factory.mktemp("pdf") / "qd-383-2025.pdf"
    path.write_bytes(to_pdf([Block("paragraph", p) for p in body_paragraphs("qd-383-2025")], "383-QĐ/TW"))
    return path


@pytest.fixture(scope="module")
def extracted_383(pdf_383: Path) -> Extracted:
    return read_file(pdf_383, LIMIT)


def test_pdf_text_layer_keeps_words_in_order_and_every_unit(extracted_383: Extracted):
    ex = extracted_383
    assert (ex.format, ex.encoding, ex.pages) == ("pdf", "pdf-text-layer", 10)
    assert ex.text == unicodedata.normalize("NFC", ex.text)
    assert_in_order(body_paragraphs("qd-383-2025"), ex.text)
    assert structure(ex.text) == source_structure("qd-383-2025")
    assert ex.articles == 23 and ex.units > 100
    assert not ex.warnings


def test_pdf_lines_joined_inside_paragraphs_but_units_start_lines(extracted_383: Extracted):
    lines = extracted_383.text.splitlines()
    # Every source paragraph is one line again (layout wraps joined, justified double spaces collapsed).
    for p in body_paragraphs("qd-383-2025"):
        if re.match(r"(Điều \d+\.|\d+\.|[a-zđ]\)|- |I+V?-)", p):
            assert p in lines, p[:80]
    assert "Điều 5. Nguyên tắc quản lý tài liệu lưu trữ và cơ sở dữ liệu tài liệu lưu trữ Phông lưu trữ Đảng " \
           "Cộng sản Việt Nam" in lines


class _RunningHeads(FPDF):
    def header(self) -> None:
        self.set_font("DejaVu", "", 8)
        self.cell(0, 5, "Điều lệ Đảng Cộng sản Việt Nam - bản in thử", new_x="LMARGIN", new_y="NEXT")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 5, f"- {self.page_no()} -", align="C")


def test_pdf_running_heads_and_page_numbers_are_dropped(tmp_path: Path):
    paragraphs = [p for p in body_paragraphs("dieu-le-dang-2011") if not p.startswith("-----")][:90]
    pdf = _RunningHeads(format="A4")
    pdf.add_font("DejaVu", "", str(_font_dir() / "DejaVuSans.ttf"))
    pdf.add_page()
    for p in paragraphs:
        pdf.set_font("DejaVu", "", 10.5)
        pdf.multi_cell(0, 5.2, p, new_x="LMARGIN", new_y="NEXT")
    path = tmp_path / "dieu-le.pdf"
    path.write_bytes(bytes(pdf.output()))
    ex = read_file(path, LIMIT)
    assert ex.pages and ex.pages >= 4
    assert "bản in thử" not in ex.text
    assert not any(re.fullmatch(r"- \d+ -", ln) for ln in ex.text.splitlines())
    assert_in_order(paragraphs, ex.text)
    assert structure(ex.text) == structure("\n".join(paragraphs))


def test_running_heads_never_take_article_lines():
    """Pages that all open with a bare "Điều N." (articles without titles) keep them; the running head goes."""
    texts = [re.sub(r"^Điều \d+\. ", "", p) for p in body_paragraphs("qd-37-2021") if p.startswith("Điều ")][:5]
    pages = [f"Quy định 37-QĐ/TW\nĐiều {n}.\n{t}\n- {n} -" for n, t in enumerate(texts, 1)]
    lines = pdf_text_to_lines(pages).splitlines()
    assert lines == [ln for n, t in enumerate(texts, 1) for ln in (f"Điều {n}.", t)]


def test_pdf_wrapped_reference_to_an_article_does_not_start_one():
    pages = ["Điều 4. Thời hạn\nĐảng viên vi phạm bị xử lý theo quy định tại khoản 2 của điều lệ và các văn bản có\n"
             "Điều 35. của Quy định này và các văn bản hướng dẫn thi hành khác có liên quan đến việc này.\n"
             "Điều 5. Hiệu lực"]
    lines = pdf_text_to_lines(pages * 1).splitlines()
    assert lines[0] == "Điều 4. Thời hạn"
    assert lines[1].endswith("văn bản có Điều 35. của Quy định này và các văn bản hướng dẫn thi hành khác có liên quan"
                             " đến việc này.")
    assert lines[2] == "Điều 5. Hiệu lực"


def test_pdf_with_empty_user_password_opens(tmp_path: Path, pdf_383: Path):
    writer = PdfWriter(clone_from=PdfReader(pdf_383))
    writer.encrypt(user_password="", owner_password="chu-so-huu", algorithm="RC4-128")
    path = tmp_path / "bao-ve.pdf"
    with path.open("wb") as f:
        writer.write(f)
    ex = read_file(path, LIMIT)
    assert "pdf-protected" in [n.code for n in ex.notices]
    assert structure(ex.text) == source_structure("qd-383-2025")


def test_pdf_with_a_password_is_refused(tmp_path: Path, pdf_383: Path):
    writer = PdfWriter(clone_from=PdfReader(pdf_383))
    writer.encrypt(user_password="mat-khau", owner_password="chu-so-huu", algorithm="RC4-128")
    path = tmp_path / "mat-khau.pdf"
    with path.open("wb") as f:
        writer.write(f)
    err = raises(path, "encrypted")
    assert "password" in err.en and "mật khẩu" in err.vi


def test_zero_byte_and_truncated_and_damaged_pdfs(tmp_path: Path, pdf_383: Path):
    empty = tmp_path / "rong.pdf"
    empty.write_bytes(b"")
    assert "0 bytes" in raises(empty, "empty").en
    half = tmp_path / "cat-doi.pdf"
    data = pdf_383.read_bytes()
    half.write_bytes(data[: len(data) // 2])
    assert "truncated" in raises(half, "corrupt").en
    junk = tmp_path / "hong.pdf"
    junk.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    raises(junk, "corrupt")
    not_pdf = tmp_path / "gia.pdf"
    not_pdf.write_text("Điều 1. Đây là văn bản thường mang đuôi .pdf", encoding="utf-8")
    assert "not a PDF" in raises(not_pdf, "corrupt").en


def _scanned_pdf(text_pages: list[str], image_pages: int) -> bytes:
    pdf = dejavu_pdf()
    for t in text_pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, t)
    png = image_png()
    for _ in range(image_pages):
        pdf.add_page()
        pdf.image(io.BytesIO(png), x=20, y=20, w=170)
    return bytes(pdf.output())


def test_scanned_pdf_needs_ocr(tmp_path: Path):
    path = tmp_path / "ban-scan.pdf"
    path.write_bytes(_scanned_pdf([], 2))
    err = raises(path, "scanned")
    assert "OCR" in err.en and "tesseract-ocr-vie" in err.en and "OCR" in err.vi
    if not ocr_available():
        assert "tesseract" in raises(path, "ocr-unavailable", ocr=True).en


def test_pdf_with_some_scanned_pages_warns(tmp_path: Path):
    text = "\n".join(body_paragraphs("qd-383-2025")[:12])
    path = tmp_path / "mot-phan-scan.pdf"
    path.write_bytes(_scanned_pdf([text], 1))
    ex = read_file(path, LIMIT)
    notice = next(n for n in ex.notices if n.code == "pdf-pages-without-text")
    assert "Page 2" in notice.en and "Trang 2" in notice.vi


@pytest.mark.skipif(not ocr_available(), reason="tesseract-ocr, tesseract-ocr-vie and poppler-utils not installed")
def test_ocr_reads_a_scanned_page(tmp_path: Path):
    pdf = dejavu_pdf()
    pdf.add_page()
    pdf.set_font("DejaVu", "", 16)
    pdf.multi_cell(0, 9, "Điều 1. Phông lưu trữ Đảng Cộng sản Việt Nam\n1. Tài liệu của Mặt trận Tổ quốc Việt Nam.")
    page = tmp_path / "page.pdf"
    page.write_bytes(bytes(pdf.output()))
    import subprocess

    subprocess.run(["pdftoppm", "-r", "200", "-png", "-singlefile", str(page), str(tmp_path / "img")], check=True)
    scan = dejavu_pdf()
    scan.add_page()
    scan.image(str(tmp_path / "img.png"), x=0, y=0, w=210)
    path = tmp_path / "scan.pdf"
    path.write_bytes(bytes(scan.output()))
    ex = read_file(path, LIMIT, ocr=True)
    assert ex.encoding == "ocr:vie" and "Phông lưu trữ" in ex.text


def test_pdf_in_a_legacy_font_is_converted(tmp_path: Path):
    lines = ["Điều 4. Cán bộ làm nhiệm vụ lưu trữ", "Cán bộ làm nhiệm vụ lưu trữ trong cơ quan, tổ chức phải có đủ",
             "các tiêu chuẩn theo quy định của Đảng, pháp luật của Nhà nước."]
    pdf = dejavu_pdf()
    pdf.add_page()
    for ln in lines:  # cell, not multi_cell: fpdf2 would treat TCVN3's U+00AD ("ư") as a soft hyphen
        pdf.cell(0, 6, encode_tcvn3(ln).decode("cp1252"), new_x="LMARGIN", new_y="NEXT")
    path = tmp_path / "vntime.pdf"
    path.write_bytes(bytes(pdf.output()))
    ex = read_file(path, LIMIT)
    assert ex.encoding == "pdf-text-layer+tcvn3"
    assert "legacy-font" in [n.code for n in ex.notices]
    assert_in_order(lines, ex.text)
    assert ex.text.splitlines()[0] == "Điều 4. Cán bộ làm nhiệm vụ lưu trữ" and ex.articles == 1


# --- DOCX -------------------------------------------------------------------------------------------------------------
def _add_numbering(document, abstract_id: int, fmt: str, text: str) -> None:
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {W_NS} w:abstractNumId="{abstract_id}"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
        f'<w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl></w:abstractNum>'))


def _new_list(document, abstract_id: int) -> int:
    """A list instance restarting at 1 (Word does this for every new list of the same kind)."""
    numbering = document.part.numbering_part.element
    num_id = 100 + len(numbering.findall(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}num"))
    numbering.append(parse_xml(
        f'<w:num {W_NS} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>'
        f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'))
    return num_id


def _numbered(paragraph, num_id: int) -> None:
    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr {W_NS}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'))


LEGACY_TCVN3 = "Cán bộ làm nhiệm vụ lưu trữ trong cơ quan, tổ chức phải có đủ các tiêu chuẩn theo quy định của Đảng"
LEGACY_VNI = "được đào tạo về chuyên môn, nghiệp vụ lưu trữ và các kiến thức cần thiết khác phù hợp với công việc"


@pytest.fixture(scope="module")
def docx_383(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """QĐ 383 as Word: header block in a table, articles as paragraphs, Điều 3's khoản and điểm as Word lists,
    and one paragraph typed in .VnTime (TCVN3) and VNI-Times."""
    paragraphs = body_paragraphs("qd-383-2025")
    document = docx.Document()
    _add_numbering(document, 90, "decimal", "%1.")
    _add_numbering(document, 91, "lowerLetter", "%1)")
    table = document.add_table(rows=2, cols=2)
    header = [["BAN CHẤP HÀNH TRUNG ƯƠNG", "ĐẢNG CỘNG SẢN VIỆT NAM"],
              ["Số 383-QĐ/TW", "Hà Nội, ngày 19 tháng 11 năm 2025"]]
    for r, row in enumerate(header):
        for c, cell in enumerate(row):
            table.cell(r, c).text = cell
    start = paragraphs.index("QUY ĐỊNH")
    in_art3 = False
    clause_list = point_list = 0
    for p in paragraphs[start:]:
        if p.startswith("Điều "):
            in_art3 = p.startswith("Điều 3.")
            if in_art3:
                clause_list = _new_list(document, 90)
        if p.startswith("Cán bộ làm nhiệm vụ lưu trữ trong cơ quan"):
            para = document.add_paragraph()
            rest = p[len(LEGACY_TCVN3):]
            vni_at = rest.index(LEGACY_VNI)
            para.add_run(encode_tcvn3(LEGACY_TCVN3).decode("cp1252")).font.name = ".VnTime"
            para.add_run(rest[:vni_at])
            para.add_run(encode_vni(LEGACY_VNI).decode("cp1252")).font.name = "VNI-Times"
            para.add_run(rest[vni_at + len(LEGACY_VNI):])
            continue
        m = re.match(r"(\d+)\. |([a-zđ])\) ", p) if in_art3 else None
        if m and m.group(1):
            para = document.add_paragraph(p[m.end():])
            _numbered(para, clause_list)
            point_list = _new_list(document, 91)
        elif m:
            para = document.add_paragraph(p[m.end():])
            _numbered(para, point_list)
        else:
            document.add_paragraph(p)
    path = tmp_path_factory.mktemp("docx") / "qd-383-2025.docx"
    document.save(path)
    return path


def test_docx_reads_table_then_body_in_order(docx_383: Path):
    ex = read_file(docx_383, LIMIT)
    assert (ex.format, ex.pages) == ("docx", None)
    lines = ex.text.splitlines()
    assert lines[:4] == ["BAN CHẤP HÀNH TRUNG ƯƠNG", "ĐẢNG CỘNG SẢN VIỆT NAM", "Số 383-QĐ/TW",
                         "Hà Nội, ngày 19 tháng 11 năm 2025"]
    paragraphs = body_paragraphs("qd-383-2025")
    assert_in_order(paragraphs[paragraphs.index("QUY ĐỊNH"):], ex.text)


def test_docx_word_numbering_is_rebuilt_so_khoan_and_diem_survive(docx_383: Path):
    ex = read_file(docx_383, LIMIT)
    assert "docx-numbering" in [n.code for n in ex.notices]
    source = source_structure("qd-383-2025")
    got = structure(ex.text)
    assert got == source
    assert "x/d3/k2/a" in got and "x/d3/k1/d" in got
    assert "a) Tổ chức tuyên truyền, nâng cao nhận thức về bảo vệ, phát huy giá trị tài liệu lưu trữ." in ex.text


def test_docx_legacy_font_runs_are_converted(docx_383: Path):
    ex = read_file(docx_383, LIMIT)
    assert LEGACY_TCVN3 in ex.text and LEGACY_VNI in ex.text
    assert ex.encoding == "mixed:utf-8+tcvn3+vni"
    notice = next(n for n in ex.notices if n.code == "legacy-font")
    assert "TCVN3" in notice.en and "VNI" in notice.en and "TCVN3" in notice.vi


def test_docx_legacy_text_under_a_unicode_font_is_found_by_evidence(tmp_path: Path):
    paragraphs = [p for p in body_paragraphs("qd-383-2025")[60:75] if not TONED_CAPITAL.search(p)]
    document = docx.Document()
    for p in paragraphs:  # typed in .VnTime, then the font was switched to Times New Roman without converting
        document.add_paragraph().add_run(encode_tcvn3(p).decode("cp1252")).font.name = "Times New Roman"
    path = tmp_path / "doi-phong.docx"
    document.save(path)
    ex = read_file(path, LIMIT)
    assert ex.encoding == "tcvn3" and ex.text.splitlines() == paragraphs


def test_docx_numbering_without_a_supported_format_is_reported(tmp_path: Path):
    document = docx.Document()
    _add_numbering(document, 92, "vietnameseCounting", "%1.")
    num = _new_list(document, 92)
    for p in body_paragraphs("qd-37-2021")[:3]:
        _numbered(document.add_paragraph(p), num)
    path = tmp_path / "dem-chu.docx"
    document.save(path)
    ex = read_file(path, LIMIT)
    lost = next(n for n in ex.notices if n.code == "docx-numbering-lost")
    assert "vietnameseCounting" in lost.en and "3 paragraph" in lost.en


def test_fake_docx_files_are_refused(tmp_path: Path):
    zipped = tmp_path / "nen.docx"
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("ghi-chu.txt", "không phải Word")
    assert "word/document.xml" in raises(zipped, "not-docx").en
    plain = tmp_path / "chu.docx"
    plain.write_text("Điều 1. Văn bản thường đặt tên .docx", encoding="utf-8")
    assert "not a ZIP" in raises(plain, "not-docx").en
    old = tmp_path / "cu.docx"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert ".doc" in raises(old, "not-docx").en


def test_damaged_docx_files_are_corrupt(tmp_path: Path, docx_383: Path):
    data = docx_383.read_bytes()
    cut = tmp_path / "cat.docx"
    cut.write_bytes(data[: len(data) // 2])
    assert "truncated" in raises(cut, "corrupt").en
    broken = tmp_path / "hong.docx"
    with zipfile.ZipFile(docx_383) as zin, zipfile.ZipFile(broken, "w") as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            zout.writestr(item, body[: len(body) // 2] if item.filename == "word/document.xml" else body)
    assert "damaged" in raises(broken, "corrupt").en


def test_docx_that_unpacks_to_far_more_than_the_limit(tmp_path: Path, docx_383: Path):
    bomb = tmp_path / "bom.docx"
    with zipfile.ZipFile(docx_383) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("word/media/zeros.bin", bytes(8 * 2**20))  # 8 MB of zeros, a few KB packed
    assert bomb.stat().st_size < 2**20
    with pytest.raises(IngestError) as info:
        read_file(bomb, 2**20)
    assert info.value.code == "too-large" and "unpacks to" in info.value.en


def test_docx_without_text_is_empty(tmp_path: Path):
    path = tmp_path / "trang.docx"
    docx.Document().save(path)
    raises(path, "empty")


# --- HTML -------------------------------------------------------------------------------------------------------------
def _page(paragraphs: list[str], charset: str) -> str:
    items = "".join(f"<li>{p[3:]}</li>" for p in paragraphs if re.match(r"\d\. ", p))
    body = "".join(f"<p>{p}</p>" for p in paragraphs if not re.match(r"\d\. ", p))
    return (f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>QĐ 383</title>'
            "<style>p { color: red }</style><script>var menu = 'Trang chủ';</script></head><body>"
            "<nav><a href='/'>Trang chủ</a> | <a href='/vb'>Văn bản</a></nav>"
            f"<article><h1>QUY ĐỊNH</h1>{body}<ol>{items}</ol>"
            "<table><tr><td>Nơi nhận:</td><td>T/M BAN BÍ THƯ</td></tr></table></article></body></html>")


def test_html_visible_text_with_list_numbers(tmp_path: Path):
    paragraphs = body_paragraphs("qd-383-2025")
    art1 = paragraphs[paragraphs.index("Điều 1. Phông lưu trữ Đảng Cộng sản Việt Nam") :][:11]
    path = tmp_path / "qd-383.html"
    path.write_text(_page(art1, "utf-8"), encoding="utf-8")
    ex = read_file(path, LIMIT)
    assert (ex.format, ex.encoding) == ("html", "utf-8")
    assert "Trang chủ" not in ex.text and "color" not in ex.text and "QĐ 383" not in ex.text
    assert "1. Tài liệu của các tổ chức tiền thân của Đảng, các tổ chức tiền thân của Mặt trận Tổ quốc Việt Nam." \
        in ex.text.splitlines()
    assert_in_order([p for p in art1 if not re.match(r"\d\. ", p)], ex.text)
    assert_in_order([p for p in art1 if re.match(r"\d\. ", p)], ex.text)
    assert structure(ex.text)[:3] == ["x/d1", "x/d1/k1", "x/d1/k2"]


def _cp1258(text: str) -> bytes:
    """Windows-1258 bytes the way Vietnamese Windows wrote them: base letter (ê, ơ …) + combining tone mark."""
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            d = unicodedata.normalize("NFD", ch)
            tones = "".join(c for c in d if c in "\u0300\u0301\u0303\u0309\u0323")
            base = unicodedata.normalize("NFC", "".join(c for c in d if c not in tones))
            out += (base + tones).encode("cp1258")
    return out


def test_html_in_windows_1258_and_tcvn3(tmp_path: Path):
    paragraphs = body_paragraphs("qd-383-2025")[20:30]
    page = _page(paragraphs, "windows-1258")
    cp = tmp_path / "cp1258.htm"
    cp.write_bytes(_cp1258(page))
    ex = read_file(cp, LIMIT)
    assert ex.encoding == "cp1258"
    assert_in_order([p for p in paragraphs if not re.match(r"\d\. ", p)], ex.text)
    legacy = tmp_path / "vntime.html"
    legacy.write_bytes(encode_tcvn3(_page(paragraphs, "iso-8859-1").replace("QUY ĐỊNH", "Quy định")))
    ex = read_file(legacy, LIMIT)
    assert ex.encoding == "tcvn3"
    assert_in_order([p for p in paragraphs if not re.match(r"\d\. ", p) and not TONED_CAPITAL.search(p)], ex.text)


# --- text files, size, types ------------------------------------------------------------------------------------------
def test_markdown_corpus_file_reads_back_verbatim():
    path = bundled_corpus_dir() / "qd-69-2022.md"
    ex = read_file(path, LIMIT)
    assert (ex.format, ex.encoding) == ("md", "utf-8")
    assert ex.text.rstrip("\n") == path.read_text(encoding="utf-8").rstrip("\n")
    assert ex.articles >= 10


def test_tcvn3_text_file(tmp_path: Path):
    paragraphs = [p for p in body_paragraphs("qd-383-2025")[40:60] if not TONED_CAPITAL.search(p)]
    path = tmp_path / "vntime.txt"
    path.write_bytes(encode_tcvn3("\n".join(paragraphs)))
    ex = read_file(path, LIMIT)
    assert ex.encoding == "tcvn3" and ex.text.strip() == "\n".join(paragraphs)
    assert any(n.code == "encoding" and "TCVN3" in n.en and "TCVN3" in n.vi for n in ex.notices)


def test_text_without_structure_is_indexed_as_paragraphs(tmp_path: Path):
    path = tmp_path / "tin.txt"
    path.write_text("\n\n".join(body_paragraphs("tin-qt-giam-sat")[1:4]), encoding="utf-8")
    ex = read_file(path, LIMIT)
    assert ex.units == 0
    notice = next(n for n in ex.notices if n.code == "no-structure")
    assert "indexed as paragraphs" in notice.en and "theo từng đoạn" in notice.vi


def test_binary_junk_named_txt(tmp_path: Path):
    path = tmp_path / "rac.txt"
    path.write_bytes(random.Random(7).randbytes(4096))
    raises(path, "binary")


def test_huge_file_is_refused_before_reading(tmp_path: Path):
    path = tmp_path / "qua-lon.pdf"
    with path.open("wb") as f:
        f.truncate(201 * 2**20)  # sparse: no 201 MB are written
    err = raises(path, "too-large")
    assert "201.0 MB" in err.en and "200.0 MB" in err.en and "201.0 MB" in err.vi


@pytest.mark.parametrize("name", ["quy-dinh.doc", "bang.xlsx", "anh.png", "khong-duoi"])
def test_unsupported_types_list_the_supported_ones(tmp_path: Path, name: str):
    path = tmp_path / name
    path.write_bytes(b"x" * 10)
    err = raises(path, "unsupported")
    assert all(s in err.en for s in SUPPORTED)
    if name.endswith(".doc"):
        assert ".docx" in err.en and "Word" in err.vi


def test_zero_byte_files_of_every_type_are_empty(tmp_path: Path):
    for suffix in SUPPORTED:
        path = tmp_path / f"rong{suffix}"
        path.write_bytes(b"")
        raises(path, "empty")


def test_docx_soft_hyphen_element_in_a_tcvn3_run_is_the_letter_u_horn(tmp_path):
    """TCVN3 codes "ư" as 0xAD; Word may save that byte as <w:softHyphen/>, which python-docx's run text drops."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    sentence = LEGACY_TCVN3  # "lưu trữ": two ư
    raw = encode_tcvn3(sentence).decode("cp1252")
    d = docx.Document()
    run = d.add_paragraph().add_run()
    run.font.name = ".VnTime"
    parts = raw.split("\xad")
    for i, part in enumerate(parts):
        t = OxmlElement("w:t")
        t.text = part
        t.set(qn("xml:space"), "preserve")
        run._r.append(t)
        if i < len(parts) - 1:
            run._r.append(OxmlElement("w:softHyphen"))
    path = tmp_path / "mem-ho.docx"
    d.save(path)
    assert read_file(path, 10**8).text.strip() == sentence
