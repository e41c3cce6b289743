"""Users' files (PDF, DOCX, HTML, text) -> one NFC plain text the structure parser can read, or an `IngestError`.

Every reader aims at the text as the source shows it, one paragraph a line, with the lines that open structural
units ("Điều 5.", "1.", "a)", "Chương II", "- Căn cứ …") at line starts, because `indexer.corpus.parse` finds units only
there. What could not be read faithfully (a scanned page, Word's automatic numbering, a legacy font) is said in
`Extracted.notices`, in Vietnamese and English, never silently dropped. Files are checked for size before they are
opened, the text they unpack to is bounded while it is read (`max_chars`, `max_seconds`: a 36 KB .docx can hold
10 MB of text), and no library error (pypdf, python-docx, zipfile) reaches the caller as a traceback.
"""

from __future__ import annotations

import io
import logging
import math
import re
import time
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from indexer.corpus import parse as structure
from indexer.corpus.markers import ends_sentence, is_caps, starts_lower
from indexer.corpus.models import Document
from indexer.ingest.encoding import decode_bytes, detect_legacy, fix_legacy_text
from indexer.ingest.errors import IngestError
from indexer.os_errors import os_reason

log = logging.getLogger(__name__)

# Suffix (lower case) -> format name.
SUPPORTED: dict[str, str] = {
    ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".txt": "txt", ".md": "md",
}  # fmt: skip
# Formats people often have that need a conversion first: suffix -> (Vietnamese hint, English hint).
_CONVERT_HINTS: dict[str, tuple[str, str]] = {
    ".doc": ("hãy mở bằng Word và lưu lại thành .docx", "open it in Word and save it as .docx"),
    ".rtf": ("hãy mở bằng Word và lưu lại thành .docx", "open it in Word and save it as .docx"),
    ".odt": ("hãy lưu lại thành .docx", "save it as .docx"),
    ".xls": ("bảng tính không phải văn bản quy định", "spreadsheets are not regulation texts"),
    ".xlsx": ("bảng tính không phải văn bản quy định", "spreadsheets are not regulation texts"),
}
# The most text one file may unpack to, and the longest reading may take (settings `max_text_chars`,
# `max_read_seconds`). 2 million characters is some 800 A4 pages, 30 times the longest bundled document.
DEFAULT_MAX_CHARS = 2_000_000
DEFAULT_MAX_SECONDS = 300
# Parser levels that count as recognisable structure (articles, khoản, numbered programme items …).
STRUCTURAL_LEVELS = frozenset({"part", "chapter", "section", "article", "clause", "point", "item"})


@dataclass(frozen=True)
class Notice:
    """One thing the reader could not do faithfully or wants checked; `code` is stable for tests and the UI."""

    code: str
    vi: str
    en: str


@dataclass
class Extracted:
    """The text of one file and how it was obtained; `warnings` / `warnings_vi` are the notices as sentences."""

    text: str  # NFC, "\n" line ends, one paragraph (or structural line) a line
    format: str  # "pdf" | "docx" | "html" | "txt" | "md"
    pages: int | None  # PDF pages; None for other formats
    encoding: str  # "utf-8", "tcvn3", "cp1258", "pdf-text-layer", "pdf-text-layer+tcvn3", "ocr:vie", …
    notices: list[Notice] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # PDF running heads/feet removed from page margins (distinct)
    articles: int = 0  # "Điều" units the project's parser finds in `text`
    units: int = 0  # all structural units it finds (chapters, articles, khoản, điểm, numbered items)
    # The exact bytes the text was read from: `soi add` stores and hashes these, not the file as it is later.
    raw: bytes = field(default=b"", repr=False, compare=False)

    @property
    def warnings(self) -> list[str]:
        return [n.en for n in self.notices]

    @property
    def warnings_vi(self) -> list[str]:
        return [n.vi for n in self.notices]


def _size(n: int) -> str:
    """Human size with the unit people see in file managers."""
    if n >= 2**30:
        return f"{n / 2**30:.1f} GB"
    if n >= 2**20:
        return f"{n / 2**20:.1f} MB"
    if n >= 2**10:
        return f"{n / 2**10:.0f} KB"
    return f"{n} bytes"


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


class _Budget:
    """How much text and time reading one file may cost; checked as text comes out, so a small file that unpacks
    to megabytes of text (a ZIP-packed .docx, a PDF with compressed streams) is refused early, not after minutes."""

    def __init__(self, path: Path, max_chars: int, max_seconds: float) -> None:
        self.path = path
        self.max_chars = max_chars
        self.max_seconds = max_seconds
        self.deadline = time.monotonic() + max_seconds if max_seconds > 0 else math.inf
        self.chars = 0

    def add(self, n: int) -> None:
        """Count `n` more characters of text; raises `IngestError` ("too-long" / "too-slow") over a limit."""
        self.chars += n
        if self.chars > self.max_chars:
            raise self.too_long()
        self.tick()

    def too_long(self) -> IngestError:
        limit = self.max_chars
        return IngestError(
            self.path, "too-long",
            f"văn bản trong tệp dài hơn giới hạn {_thousands(limit)} ký tự (cài đặt max_text_chars, biến môi trường "
            "SOI_MAX_TEXT_CHARS): quá dài để đọc và lập chỉ mục; hãy tách thành các tệp nhỏ hơn",
            f"the file holds more than the {limit:,}-character limit of text (setting max_text_chars, environment "
            "SOI_MAX_TEXT_CHARS): too long to read and index; split it into smaller files",
        )

    def tick(self) -> None:
        """Raise `IngestError` ("too-slow") once reading has taken longer than allowed."""
        if time.monotonic() > self.deadline:
            s = int(self.max_seconds)
            raise IngestError(
                self.path, "too-slow",
                f"đọc tệp mất hơn {s} giây (cài đặt max_read_seconds, biến môi trường SOI_MAX_READ_SECONDS): tệp "
                "quá lớn, quá phức tạp hoặc bị hỏng",
                f"reading the file took more than {s} s (setting max_read_seconds, environment "
                "SOI_MAX_READ_SECONDS): it is too large, too complex or damaged",
            )


def read_file(path: Path, max_bytes: int, *, ocr: bool = False, max_chars: int = DEFAULT_MAX_CHARS,
              max_seconds: float = DEFAULT_MAX_SECONDS) -> Extracted:
    """Read a supported file into text; size, emptiness and type are checked before any byte is parsed.

    `ocr=True` lets a PDF without a text layer go through tesseract (see `indexer.ingest.ocr`); otherwise such a
    PDF is refused with code "scanned". The text is bounded while it is read: more than `max_chars` characters
    ("too-long") or more than `max_seconds` of reading ("too-slow", OCR not counted) is refused. Raises
    `IngestError` with a stable `code` and a message naming the file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    fmt = SUPPORTED.get(suffix)
    if fmt is None:
        known = ", ".join(SUPPORTED)
        hint_vi, hint_en = _CONVERT_HINTS.get(suffix, ("", ""))
        raise IngestError(
            path,
            "unsupported",
            f"không đọc được loại tệp «{suffix or '(không có đuôi)'}»; chỉ hỗ trợ {known}"
            + (f" ({hint_vi})" if hint_vi else ""),
            f"'{suffix or '(no suffix)'}' files are not supported; supported: {known}"
            + (f" ({hint_en})" if hint_en else ""),
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    if not path.is_file():
        raise IngestError(path, "unreadable", "đây không phải là một tệp", "this is not a regular file")
    if size > max_bytes:
        raise IngestError(
            path,
            "too-large",
            f"tệp dung lượng {_size(size)}, vượt giới hạn {_size(max_bytes)}",
            f"the file is {_size(size)}, over the {_size(max_bytes)} limit",
        )
    if size == 0:
        raise IngestError(path, "empty", "tệp rỗng (0 byte)", "the file is empty (0 bytes)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _unreadable(path, exc) from exc

    budget = _Budget(path, max_chars, max_seconds)
    if fmt == "pdf":
        out = _read_pdf(path, data, ocr, budget)
    elif fmt == "docx":
        out = _read_docx(path, data, max_bytes, budget)
    elif fmt == "html":
        out = _read_html(path, data, budget)
    else:
        if len(data) > 4 * max_chars:  # no encoding spends more than 4 bytes a character: surely too long
            raise budget.too_long()
        decoded = decode_bytes(data, path)
        budget.add(len(decoded.text))
        out = Extracted(_tidy(decoded.text, keep_blank=True), fmt, None, decoded.encoding,
                        [_encoding_notice(n) for n in decoded.notes])
    if not out.text.strip():
        raise IngestError(path, "empty", "tệp không có chữ nào đọc được", "the file contains no readable text")
    if len(out.text) > max_chars:
        raise budget.too_long()
    budget.tick()
    _check_structure(path, out)
    out.raw = data
    return out


def _unreadable(path: Path, exc: OSError) -> IngestError:
    """The OS error in words people know, in both languages (never a raw «[Errno 36] …»)."""
    vi, en = os_reason(exc)
    return IngestError(path, "unreadable", f"không đọc được tệp ({vi})", f"cannot read the file ({en})")


# --- shared helpers ---------------------------------------------------------------------------------------------
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]")


def _tidy(text: str, keep_blank: bool = False) -> str:
    """NFC, "\n" line ends, no control characters; stripped lines (blank ones kept only for plain text files)."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text)
    if keep_blank:
        return text.rstrip("\n") + "\n" if text.strip() else ""
    lines = [_SPACES.sub(" ", ln).strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln) + "\n" if any(lines) else ""


_NOTE_VI: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^converted from (.+?): (\d+) of (\d+) lines held legacy font codes saved as (.+?) text"),
     r"đã chuyển từ \1: \2/\3 dòng là mã phông cũ được lưu dưới dạng \4"),
    (re.compile(r"^converted from (.+?): (\d+) of (\d+) lines$"), r"đã chuyển từ bảng mã \1: \2/\3 dòng"),
    (re.compile(r"^read as (.+?): (\d+) of (\d+) lines$"), r"đã đọc theo bảng mã \1: \2/\3 dòng"),
    (re.compile(r"^decomposed Unicode"), "Unicode dạng tổ hợp (NFD) đã được chuẩn hoá về NFC"),
    (re.compile(r"^UTF-16 without a byte order mark"), "UTF-16 không có dấu BOM"),
    (re.compile(r"^TCVN3 has no codes for capital letters"),
     "TCVN3 không có mã cho chữ in hoa có dấu thanh (văn bản cũ dùng phông .VnTimeH): trong tệp văn bản thuần "
     "các chữ đó thành chữ thường, nên đối chiếu với bản gốc"),
]


def _encoding_notice(note: str) -> Notice:
    """A note from the decoder (English) as a notice, with a Vietnamese wording for the notes it writes."""
    for pattern, vi in _NOTE_VI:
        m = pattern.search(note)
        if m:
            return Notice("encoding", m.expand(vi) if "\\" in vi else vi, note)
    return Notice("encoding", f"Ghi chú về bảng mã: {note}", note)


def _legacy_notice(*encodings: str) -> Notice:
    names_vi = {"tcvn3": "TCVN3 (ABC, phông .Vn…)", "vni": "VNI (phông VNI-…)"}
    names_en = {"tcvn3": "TCVN3 (ABC, .Vn… fonts)", "vni": "VNI (VNI-… fonts)"}
    vi = " và ".join(names_vi.get(e, e) for e in encodings)
    en = " and ".join(names_en.get(e, e) for e in encodings)
    return Notice(
        "legacy-font",
        f"văn bản dùng bảng mã cũ {vi}, đã chuyển sang Unicode: nên đối chiếu dấu thanh với bản gốc",
        f"the text used the legacy {en} encoding and was converted to Unicode: check the tone marks "
        "against the original",
    )


def _check_structure(path: Path, out: Extracted) -> None:
    """Count the units the project's own parser finds; none is not an error, but it changes how the text is cited."""
    doc = Document(id=path.stem, code="", type="", title=path.stem, issuer="", issued="", status="in-force",
                   path=str(path), text=out.text, body_start=0)
    try:
        clauses = structure.parse(doc).clauses
    except Exception as exc:  # the parser must never cost the user the text it was given
        log.warning("structure check failed for %s: %s", path, exc)
        clauses = []
    out.articles = sum(1 for c in clauses if c.level == "article")
    out.units = sum(1 for c in clauses if c.level in STRUCTURAL_LEVELS)
    if out.units == 0:
        out.notices.append(Notice(
            "no-structure",
            "không tìm thấy Điều, khoản hay mục đánh số nào: văn bản sẽ được lập chỉ mục theo từng đoạn",
            "no articles or numbered items found; the text will be indexed as paragraphs",
        ))


# --- PDF ----------------------------------------------------------------------------------------------------------
_MIN_PAGE_LETTERS = 15  # fewer letters than this on a page: no usable text layer there
_PAGE_NUMBER = re.compile(
    r"(?:trang|page|tr\.)?\s*[-–—(]?\s*\d{1,4}\s*(?:/\s*\d{1,4}|(?:trên|of)\s+\d{1,4})?\s*[-–—)]?", re.IGNORECASE
)
_LEGACY_FONT_NAME = {"tcvn3": ".VnTime", "vni": "VNI-Times"}  # the font a legacy text layer was typed in
_GARBLED = re.compile(r"[\ufffd\ue000-\uf8ff\x00-\x08\x0e-\x1f]")


def _read_pdf(path: Path, data: bytes, ocr: bool, budget: _Budget) -> Extracted:
    """Text layer via pypdf (empty password tried), cleaned of running heads and layout wraps; OCR when asked."""
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    if b"%PDF-" not in data[:1024]:
        raise _corrupt_pdf(path, "không có phần đầu %PDF (không phải tệp PDF)",
                           "no %PDF header: this is not a PDF file")
    if b"%%EOF" not in data[-4096:]:
        raise _corrupt_pdf(path, "tệp bị cắt cụt (thiếu phần cuối %%EOF)",
                           "the file is truncated (no %%EOF end marker)")
    notices: list[Notice] = []
    quiet = logging.getLogger("pypdf")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # pypdf logs every repaired cross-reference; the outcome is what matters here
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError as exc:
                raise IngestError(
                    path, "encrypted",
                    "PDF được mã hoá AES; cần cài gói Python «cryptography» để mở (pip install cryptography), "
                    "hoặc lưu lại bản không đặt mật khẩu",
                    "the PDF is AES-encrypted; opening it needs the Python package 'cryptography' "
                    "(pip install cryptography), or save a copy without a password",
                ) from exc
            if opened == PasswordType.NOT_DECRYPTED:
                raise IngestError(
                    path, "encrypted",
                    "PDF có mật khẩu mở tệp: hãy mở bằng mật khẩu và lưu lại bản không đặt mật khẩu rồi thêm lại",
                    "the PDF needs a password to open: open it with the password, save a copy without one "
                    "and add that copy",
                )
            notices.append(Notice(
                "pdf-protected",
                "PDF được bảo vệ bằng mật khẩu rỗng; đã mở được",
                "the PDF was protected with an empty password; it was opened",
            ))
        n_pages = len(reader.pages)
        if n_pages == 0:
            raise _corrupt_pdf(path, "PDF không có trang nào", "the PDF has no pages")
        page_texts = []
        for page in reader.pages:
            page_texts.append(page.extract_text() or "")
            budget.add(len(page_texts[-1]))
    except IngestError:
        raise
    except FileNotDecryptedError as exc:
        raise IngestError(path, "encrypted", "PDF có mật khẩu, không mở được", "the PDF is password-protected") from exc
    except Exception as exc:  # pypdf raises many types (KeyError, ValueError, …) on damaged files
        raise _corrupt_pdf(path, f"lỗi khi đọc: {_short(exc)}", f"reading failed: {_short(exc)}") from exc
    finally:
        quiet.setLevel(level)

    page_texts = [unicodedata.normalize("NFC", t) for t in page_texts]
    empty_pages = [i for i, t in enumerate(page_texts) if _letters(t) < _MIN_PAGE_LETTERS]
    encoding = "pdf-text-layer"
    if empty_pages:
        if ocr:
            from indexer.ingest.ocr import ocr_pdf_pages

            started = time.monotonic()
            recognised = ocr_pdf_pages(path, data, [i + 1 for i in empty_pages])
            budget.deadline += time.monotonic() - started  # OCR is slow by nature (~18 s a page): not counted
            for i, text in zip(empty_pages, recognised, strict=True):
                page_texts[i] = unicodedata.normalize("NFC", text)
            encoding = "ocr:vie" if len(empty_pages) == n_pages else "pdf-text-layer+ocr:vie"
            notices.append(Notice(
                "ocr",
                f"{_pages_vi(empty_pages, n_pages)} được nhận dạng bằng OCR (tesseract): "
                "cần soát lại chữ so với bản gốc",
                f"{_pages_en(empty_pages, n_pages)} read by OCR (tesseract): proof-read the text against the original",
            ))
        elif len(empty_pages) == n_pages:
            raise IngestError(
                path, "scanned",
                f"PDF có {n_pages} trang nhưng không có lớp chữ (bản scan hoặc ảnh chụp): cần nhận dạng chữ (OCR). "
                "Cài tesseract-ocr, tesseract-ocr-vie, poppler-utils rồi thêm lại với tuỳ chọn OCR (--ocr)",
                f"the PDF has {n_pages} page(s) but no text layer (a scan or photographed pages): it needs OCR. "
                "Install tesseract-ocr, tesseract-ocr-vie and poppler-utils, then add it again with OCR (--ocr)",
            )
        else:
            notices.append(Notice(
                "pdf-pages-without-text",
                f"{_pages_vi(empty_pages, n_pages)} không có lớp chữ (ảnh scan?) nên bị bỏ qua; dùng tuỳ chọn OCR "
                "(--ocr) để đọc",
                f"{_pages_en(empty_pages, n_pages)} no text layer (scanned images?) and were skipped; use OCR "
                "(--ocr) to read them",
            ))

    # Legacy font codes are converted before lines are classified: "§iÒu 4." is "Điều 4." only once converted.
    legacy = detect_legacy("\n".join(page_texts))
    if legacy:
        font = _LEGACY_FONT_NAME[legacy]
        fixed = [fix_legacy_text(t, font) for t in page_texts]
        page_texts = [t for t, _enc in fixed]
        if any(enc for _t, enc in fixed):
            encoding = f"{encoding}+{legacy}"
            notices.append(_legacy_notice(legacy))
    text, dropped, page_numbers = _pdf_lines(page_texts)
    if dropped or page_numbers:
        notices.append(_dropped_notice(dropped, page_numbers))
    body = text.replace("\n", "").replace(" ", "")
    garbled = len(_GARBLED.findall(body))
    if body and garbled > 0.05 * len(body):
        notices.append(Notice(
            "pdf-garbled",
            "lớp chữ của PDF có nhiều ký tự không đọc được (phông chữ thiếu bảng mã Unicode): nên dùng OCR (--ocr) "
            "hoặc bản Word/HTML của văn bản",
            "the PDF's text layer has many unreadable characters (fonts without a Unicode map): use OCR (--ocr) "
            "or a Word/HTML copy of the text",
        ))
    return Extracted(_tidy(text), "pdf", n_pages, encoding, notices, dropped=sorted(dropped))


def _dropped_notice(dropped: dict[str, int], page_numbers: int) -> Notice:
    """What running-line removal took out of the text, so nothing is lost silently."""
    shown = sorted(dropped, key=lambda ln: (-dropped[ln], ln))[:5]
    more = len(dropped) - len(shown)
    vi_parts, en_parts = [], []
    if dropped:
        quoted = "; ".join(f"«{ln}» ({dropped[ln]} trang)" for ln in shown) + (f"; và {more} dòng khác" if more else "")
        quoted_en = "; ".join(f"'{ln}' ({dropped[ln]} pages)" for ln in shown) + (f"; and {more} more" if more
                                                                                   else "")
        vi_parts.append(f"dòng lặp lại ở đầu/cuối trang (tiêu đề, chân trang): {quoted}")
        en_parts.append(f"lines repeated at the top/bottom of pages (running heads/feet): {quoted_en}")
    if page_numbers:
        vi_parts.append(f"{page_numbers} số trang")
        en_parts.append(f"{page_numbers} page number(s)")
    return Notice(
        "pdf-running-lines",
        "đã bỏ khỏi văn bản " + "; ".join(vi_parts) + ": nếu có dòng là nội dung thật, hãy đối chiếu với bản gốc",
        "removed from the text: " + "; ".join(en_parts) + "; if any of them is real content, check the original",
    )


def _corrupt_pdf(path: Path, vi: str, en: str) -> IngestError:
    return IngestError(path, "corrupt", f"PDF bị hỏng hoặc không đầy đủ, không đọc được: {vi}",
                       f"the PDF is damaged or incomplete and cannot be read: {en}")


def _short(exc: BaseException) -> str:
    msg = " ".join(str(exc).split()) or type(exc).__name__
    return msg[:160]


def _letters(text: str) -> int:
    return sum(1 for c in text if c.isalpha())


def _page_list(pages: list[int]) -> str:
    return ", ".join(str(i + 1) for i in pages[:12]) + (" …" if len(pages) > 12 else "")


def _pages_vi(pages: list[int], total: int) -> str:
    return "Mọi trang" if len(pages) == total else f"Trang {_page_list(pages)}"


def _pages_en(pages: list[int], total: int) -> str:
    if len(pages) == total:
        return "All pages were"
    return f"Page {_page_list(pages)} had" if len(pages) == 1 else f"Pages {_page_list(pages)} had"


_MARGIN_LINES = 2  # running heads/feet are looked for in the first and last this many lines of a page
_PAGE_NUMBER_LINES = 3  # a bare page number may sit one line further in (above a two-line running head)
_RUNNING_MAX_CHARS = 100  # running heads/feet are short; a long repeated line is more likely text


def _running_keys(pages: list[list[str]]) -> set[str]:
    """Short lines repeated verbatim in the page margin (first/last two lines) of at least half the pages.

    Verbatim, not "the same but for its numbers": a clause ending «… (điều 4, văn bản 901)» on every page is text,
    and reading it as a running foot lost it. Bare page numbers are found by `_PAGE_NUMBER` instead."""
    if len(pages) < 2:
        return set()
    counts: dict[str, int] = {}
    for lines in pages:
        edge = set(lines[:_MARGIN_LINES] + lines[-_MARGIN_LINES:])
        for ln in edge:
            if len(ln) <= _RUNNING_MAX_CHARS and not _is_unit_start(ln):  # "Điều 7." may open many pages
                counts[ln] = counts.get(ln, 0) + 1
    need = max(2, (len(pages) + 1) // 2)
    return {k for k, c in counts.items() if c >= need}


def _strip_running(lines: list[str], keys: set[str], dropped: dict[str, int] | None = None) -> list[str]:
    """Drop running heads/feet and bare page numbers from the margins of one page; what went is counted in
    `dropped` (line -> pages; bare page numbers under the key "")."""
    def junk(ln: str, depth: int) -> bool:
        if _PAGE_NUMBER.fullmatch(ln):
            return depth < _PAGE_NUMBER_LINES
        return depth < _MARGIN_LINES and ln in keys

    start, end = 0, len(lines)
    while start < end and junk(lines[start], start):
        start += 1
    while end > start and junk(lines[end - 1], len(lines) - end):
        end -= 1
    if dropped is not None:
        for ln in lines[:start] + lines[end:]:
            key = "" if _PAGE_NUMBER.fullmatch(ln) else ln
            dropped[key] = dropped.get(key, 0) + 1
    return lines[start:end]


def _is_unit_start(line: str) -> bool:
    """A line that opens a structural unit or list entry the parser needs at a line start."""
    return bool(
        structure.ITEM_START_RE.match(line)
        or structure.PART_RE.match(line)
        or structure.MUC_RE.match(line)
        or structure.APPENDIX_RE.match(line)
        or structure.MAU_RE.match(line)
        or structure.ATTACHED_RE.match(line)
    )


def _joins(prev: str, nxt: str, prev_full: bool, last_article: int | None) -> bool:
    """Does PDF line `nxt` continue the paragraph of `prev` (a layout wrap)?

    Unit starts stay on their own line unless they read as a wrapped reference: lower-case words after the marker
    following an unfinished sentence ("… điểm a), b),\\nc) khoản 1"), or an out-of-sequence "Điều N." right after
    a full, unfinished line ("… quy định tại\\nĐiều 35. của …"). Otherwise a line joins when it continues in lower
    case, or when the line before filled the width and did not end a sentence.
    """
    if not prev or not nxt or structure.SEPARATOR_RE.fullmatch(prev) or structure.SEPARATOR_RE.fullmatch(nxt):
        return False
    if _is_unit_start(nxt):
        item = structure.ITEM_START_RE.match(nxt)
        if item and starts_lower(nxt[item.end():]) and not ends_sentence(prev):
            return True
        art = structure.ARTICLE_RE.match(nxt)
        if art and prev_full and not ends_sentence(prev) and last_article is not None:
            number = re.match(r"\d+", art.group(1))
            return number is not None and int(number.group()) != last_article + 1
        return False
    if is_caps(prev):
        return prev_full and (is_caps(nxt) or starts_lower(nxt))
    if starts_lower(nxt):
        return True
    return prev_full and not ends_sentence(prev) and not is_caps(nxt)


def pdf_text_to_lines(page_texts: list[str]) -> str:
    """Page texts as pypdf gives them -> one paragraph a line, units at line starts, running heads/feet dropped."""
    return _pdf_lines(page_texts)[0]


def _pdf_lines(page_texts: list[str]) -> tuple[str, dict[str, int], int]:
    """`pdf_text_to_lines`, with what was dropped: running lines (line -> pages it was removed from) and the number
    of bare page numbers removed."""
    pages = [[_SPACES.sub(" ", ln).strip() for ln in t.split("\n")] for t in page_texts]
    pages = [[ln for ln in lines if ln] for lines in pages]
    keys = _running_keys(pages)
    dropped: dict[str, int] = {}
    out: list[str] = []
    prev_full = False
    last_article: int | None = None
    for lines in pages:
        lines = _strip_running(lines, keys, dropped)
        lengths = sorted(len(ln) for ln in lines)
        # The width of a full line on this page, in characters (proportional fonts vary, hence 0.8 of the 90th pct.)
        width = lengths[int(0.9 * (len(lengths) - 1))] if len(lengths) >= 4 else 0
        for ln in lines:
            if out and _joins(out[-1], ln, prev_full, last_article):
                out[-1] = f"{out[-1]} {ln}"
            else:
                out.append(ln)
                art = structure.ARTICLE_RE.match(ln)
                if art and (m := re.match(r"\d+", art.group(1))):
                    last_article = int(m.group())
            prev_full = width > 0 and len(ln) >= 0.8 * width
    page_numbers = dropped.pop("", 0)
    return ("\n".join(out) + "\n" if out else ""), dropped, page_numbers


# --- DOCX ---------------------------------------------------------------------------------------------------------
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_LEGACY_FONT = re.compile(r"^(?:\.vn|vni[-_ ])", re.IGNORECASE)
_RUN_CONTAINERS = {f"{_W}{t}" for t in ("hyperlink", "ins", "smartTag", "fldSimple", "sdt", "sdtContent", "customXml",
                                        "moveTo", "dir", "bdo")}
_BLOCK_CONTAINERS = {f"{_W}{t}" for t in ("sdt", "sdtContent", "customXml", "ins", "moveTo")}
_ROMAN = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
          (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
_SUPPORTED_NUMFMT = {"decimal", "decimalZero", "lowerLetter", "upperLetter", "lowerRoman", "upperRoman", "bullet",
                     "none"}


def _roman(n: int) -> str:
    out = []
    for value, sym in _ROMAN:
        while n >= value:
            out.append(sym)
            n -= value
    return "".join(out)


def _letter(n: int) -> str:
    """Word's letter numbering: a … z, then aa, bb … (Word never writes "đ")."""
    n = max(n, 1)
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _format_number(n: int, fmt: str) -> str:
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "lowerLetter":
        return _letter(n)
    if fmt == "upperLetter":
        return _letter(n).upper()
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt == "upperRoman":
        return _roman(n).upper()
    return str(n)


def _attr(el: Any, name: str) -> str | None:
    return None if el is None else el.get(f"{_W}{name}")


def _child(el: Any, *names: str) -> Any:
    for name in names:
        if el is None:
            return None
        el = el.find(f"{_W}{name}")
    return el


@dataclass
class _Level:
    start: int
    fmt: str
    text: str


class _Numbering:
    """Word's automatic numbering (numbering.xml) replayed in body order, so "1.", "a)", "Điều 1." come back.

    Counters are kept per abstract list, as Word does for instances without a start override; a level restarts
    when a shallower level advances. Formats other than decimal, letters, Roman and bullets are not rendered.
    """

    def __init__(self, numbering: Any, styles: _Styles) -> None:
        self.styles = styles
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.seen_nums: set[str] = set()
        self.recovered = 0
        self.lost: dict[str, int] = {}
        if numbering is None:
            return
        style_links: dict[str, str] = {}
        for ab in numbering.findall(f"{_W}abstractNum"):
            aid = _attr(ab, "abstractNumId") or ""
            levels: dict[int, _Level] = {}
            for lvl in ab.findall(f"{_W}lvl"):
                ilvl = int(_attr(lvl, "ilvl") or 0)
                start = _attr(_child(lvl, "start"), "val")
                levels[ilvl] = _Level(
                    int(start) if start and start.lstrip("-").isdigit() else 1,
                    _attr(_child(lvl, "numFmt"), "val") or "decimal",
                    _attr(_child(lvl, "lvlText"), "val") or "",
                )
            link = _attr(_child(ab, "numStyleLink"), "val")
            if link and not levels:
                style_links[aid] = link
            self.abstract[aid] = levels
        for num in numbering.findall(f"{_W}num"):
            overrides: dict[int, int] = {}
            for ov in num.findall(f"{_W}lvlOverride"):
                start = _attr(_child(ov, "startOverride"), "val")
                if start and start.isdigit():
                    overrides[int(_attr(ov, "ilvl") or 0)] = int(start)
            self.nums[_attr(num, "numId") or ""] = (_attr(_child(num, "abstractNumId"), "val") or "", overrides)
        for aid, style_id in style_links.items():  # a list defined through a numbering style: follow it once
            target = styles.num_pr(style_id)[0]
            if target and target in self.nums:
                self.abstract[aid] = self.abstract.get(self.nums[target][0], {})

    def label(self, p: Any) -> str | None:
        """The number Word shows before paragraph `p` ("1.", "a)", "Điều 3.", "-" for bullets), or None."""
        num_id, ilvl = _direct_num_pr(p)
        if num_id is None:
            style_num, style_ilvl = self.styles.num_pr(_attr(_child(p, "pPr", "pStyle"), "val"))
            num_id = style_num
            ilvl = ilvl if ilvl is not None else style_ilvl
        if not num_id or num_id == "0" or num_id not in self.nums:
            return None
        ilvl = ilvl or 0
        aid, overrides = self.nums[num_id]
        levels = self.abstract.get(aid, {})
        level = levels.get(ilvl)
        if level is None:
            self.lost["?"] = self.lost.get("?", 0) + 1
            return None
        if level.fmt not in _SUPPORTED_NUMFMT:
            self.lost[level.fmt] = self.lost.get(level.fmt, 0) + 1
            return None
        counters = self.counters.setdefault(aid, {})
        if num_id not in self.seen_nums:
            self.seen_nums.add(num_id)
            for lv, start in overrides.items():
                counters[lv] = start - 1
        counters[ilvl] = counters.get(ilvl, levels[ilvl].start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if level.fmt == "none":
            return None
        self.recovered += 1
        if level.fmt == "bullet":
            return "-"

        def sub(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            lv = levels.get(k)
            if lv is None:
                return ""
            value = counters.get(k, lv.start)
            return _format_number(value, lv.fmt if lv.fmt in _SUPPORTED_NUMFMT else "decimal")

        text = re.sub(r"%(\d)", sub, level.text).strip()
        return text or None


def _direct_num_pr(p: Any) -> tuple[str | None, int | None]:
    num_pr = _child(p, "pPr", "numPr")
    if num_pr is None:
        return None, None
    ilvl = _attr(_child(num_pr, "ilvl"), "val")
    return _attr(_child(num_pr, "numId"), "val"), int(ilvl) if ilvl and ilvl.isdigit() else None


class _Styles:
    """Fonts and list numbering that paragraphs and runs inherit from styles (basedOn chains, document defaults)."""

    def __init__(self, styles: Any) -> None:
        self.by_id: dict[str, Any] = {}
        self.default_para: str | None = None
        self.default_font: str | None = None
        if styles is None:
            return
        for st in styles.findall(f"{_W}style"):
            sid = _attr(st, "styleId")
            if sid:
                self.by_id[sid] = st
                if _attr(st, "type") == "paragraph" and _attr(st, "default") in ("1", "true", "on"):
                    self.default_para = sid
        self.default_font = _font_of(_child(styles, "docDefaults", "rPrDefault", "rPr"))

    def _chain(self, style_id: str | None) -> Iterator[Any]:
        seen: set[str] = set()
        while style_id and style_id in self.by_id and style_id not in seen:
            seen.add(style_id)
            st = self.by_id[style_id]
            yield st
            style_id = _attr(_child(st, "basedOn"), "val")

    def font(self, style_id: str | None) -> str | None:
        for st in self._chain(style_id):
            name = _font_of(_child(st, "rPr"))
            if name:
                return name
        return None

    def num_pr(self, style_id: str | None) -> tuple[str | None, int | None]:
        for st in self._chain(style_id or self.default_para):
            num_pr = _child(st, "pPr", "numPr")
            if num_pr is not None:
                ilvl = _attr(_child(num_pr, "ilvl"), "val")
                return _attr(_child(num_pr, "numId"), "val"), int(ilvl) if ilvl and ilvl.isdigit() else None
        return None, None


def _font_of(rpr: Any) -> str | None:
    fonts = _child(rpr, "rFonts")
    return _attr(fonts, "ascii") or _attr(fonts, "hAnsi") if fonts is not None else None


def _run_text(r: Any, legacy: bool) -> str:
    """A run's text. Unlike python-docx's `CT_R.text` it keeps <w:softHyphen/>: in a TCVN3 (.VnTime) run that
    code, 0xAD, is the letter "ư", which Word may save as a soft-hyphen element; in a Unicode run it is dropped."""
    out: list[str] = []
    for child in r:
        tag = child.tag
        if tag == f"{_W}t":
            out.append(child.text or "")
        elif tag == f"{_W}tab":
            out.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            out.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            out.append("-")
        elif tag == f"{_W}softHyphen" and legacy:
            out.append("\u00ad")
    return "".join(out)


class _DocxText:
    """Body paragraphs and tables in document order, legacy-font runs converted, numbering replayed."""

    def __init__(self, document: Any, budget: _Budget) -> None:
        self.budget = budget
        part = document.part
        self.styles = _Styles(part.styles.element if _has_part(part, "styles") else None)
        self.numbering = _Numbering(part.numbering_part.element if _has_part(part, "numbering") else None,
                                    self.styles)
        self.legacy: dict[str, int] = {}  # legacy encoding -> converted run groups
        self.unicode_runs = 0  # runs with Vietnamese letters already in Unicode
        self.lines: list[str] = []

    def run_font(self, r: Any, para_font: str | None) -> str | None:
        rpr = _child(r, "rPr")
        return (_font_of(rpr) or self.styles.font(_attr(_child(rpr, "rStyle"), "val")) or para_font
                or self.styles.default_font)

    def runs(self, el: Any) -> Iterator[Any]:
        for child in el:
            if child.tag == f"{_W}r":
                yield child
            elif child.tag in _RUN_CONTAINERS:
                yield from self.runs(child)

    def paragraph(self, p: Any) -> str:
        para_font = self.styles.font(_attr(_child(p, "pPr", "pStyle"), "val") or self.styles.default_para)
        groups: list[tuple[str | None, list[str]]] = []
        for r in self.runs(p):
            font = self.run_font(r, para_font)
            key = font if font and _LEGACY_FONT.match(font) else None
            text = _run_text(r, legacy=key is not None)
            if not text:
                continue
            if groups and groups[-1][0] == key:
                groups[-1][1].append(text)
            else:
                groups.append((key, [text]))
        parts = []
        for font, texts in groups:
            text = "".join(texts)
            enc = None
            if font:
                text, enc = fix_legacy_text(text, font)
                if enc:
                    self.legacy[enc] = self.legacy.get(enc, 0) + 1
            if not enc and not text.isascii():
                self.unicode_runs += 1
            parts.append(text)
        text = "".join(parts)
        label = self.numbering.label(p)
        if label and text.strip():
            text = f"{label} {text.lstrip()}"
        return text

    def block(self, el: Any) -> None:
        for child in el:
            if child.tag == f"{_W}p":
                text = self.paragraph(child)
                self.budget.add(len(text) + 1)  # empty paragraphs count too: a million of them is no document
                self.lines.extend(text.split("\n"))
            elif child.tag == f"{_W}tbl":
                for tr in child.iter(f"{_W}tr"):
                    if _nearest(tr, f"{_W}tbl") is not child:
                        continue  # rows of nested tables are read inside their cell
                    for tc in tr.findall(f"{_W}tc"):
                        self.block(tc)
            elif child.tag in _BLOCK_CONTAINERS:
                self.block(child)


def _nearest(el: Any, tag: str) -> Any:
    parent = el.getparent()
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent


def _has_part(part: Any, name: str) -> bool:
    try:
        getattr(part, f"{name}_part" if name == "numbering" else name)
        return True
    except (KeyError, NotImplementedError, AttributeError):
        return False


def _not_docx(path: Path, vi: str, en: str) -> IngestError:
    return IngestError(path, "not-docx", f"tệp có đuôi .docx nhưng không phải văn bản Word .docx: {vi}",
                       f"the file is named .docx but is not a Word .docx document: {en}")


def _read_docx(path: Path, data: bytes, max_bytes: int, budget: _Budget) -> Extracted:
    """python-docx body walk (paragraphs and table cells in order); refuses files that are not Word documents."""
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _not_docx(path, "đây là tệp Word cũ .doc: hãy mở bằng Word và lưu lại thành .docx",
                        "it is an old Word .doc file: open it in Word and save it as .docx")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        if data.startswith(b"PK\x03\x04"):  # a ZIP that lost its end: a cut-off download or copy
            raise IngestError(path, "corrupt", "tệp Word bị cắt cụt hoặc hỏng (gói ZIP không đầy đủ)",
                              "the Word file is truncated or damaged (incomplete ZIP package)")
        raise _not_docx(path, "không phải tệp nén ZIP của Word", "not a ZIP package")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            unpacked = sum(info.file_size for info in zf.infolist())
            body_xml = next((i.file_size for i in zf.infolist() if i.filename == "word/document.xml"), 0)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _not_docx(path, f"tệp ZIP hỏng: {_short(exc)}", f"damaged ZIP: {_short(exc)}") from exc
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        shown = ", ".join(sorted(names)[:3]) or "trống"
        raise _not_docx(path, f"tệp ZIP không chứa word/document.xml (có: {shown})",
                        f"a ZIP without word/document.xml (it holds: {', '.join(sorted(names)[:3]) or 'nothing'})")
    if unpacked > 4 * max_bytes:  # a "ZIP bomb" must not be inflated into memory to find out
        raise IngestError(path, "too-large", f"tệp Word giải nén ra {_size(unpacked)}, quá lớn để đọc",
                          f"the Word document unpacks to {_size(unpacked)}, too large to read")
    # Word spends well under 32 bytes of XML a character of text; the whole XML is parsed into memory before the
    # first paragraph can be counted, so a body far beyond what `max_chars` allows is refused unparsed.
    if body_xml > max(64 * 2**20, 32 * budget.max_chars):
        raise IngestError(path, "too-long",
                          f"phần nội dung của tệp Word giải nén ra {_size(body_xml)}, quá lớn để đọc",
                          f"the Word document's body unpacks to {_size(body_xml)}, too large to read")
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
        reader = _DocxText(document, budget)
        reader.block(document.element.body)
    except IngestError:
        raise
    except PackageNotFoundError as exc:
        raise _not_docx(path, "không mở được gói Word", "python-docx could not open the package") from exc
    except Exception as exc:  # damaged XML inside a real package, unexpected parts, …
        raise IngestError(path, "corrupt", f"tệp Word bị hỏng, không đọc được ({_short(exc)})",
                          f"the Word document is damaged and cannot be read ({_short(exc)})") from exc

    notices: list[Notice] = []
    lines = reader.lines
    found = set(reader.legacy)
    unicode_parts = reader.unicode_runs
    if not found and detect_legacy("\n".join(lines)) is not None:
        # Legacy codes under a font name that does not say so (the font was changed, not the text): by evidence.
        unicode_parts = 0
        converted = []
        for line in lines:
            fixed, enc = fix_legacy_text(line)
            converted.append(fixed)
            if enc:
                found.add(enc)
            elif not line.isascii():
                unicode_parts += 1
        lines = converted
    encoding = "utf-8"
    if found:
        names = sorted(found)
        parts = (["utf-8"] if unicode_parts else []) + names
        encoding = names[0] if len(parts) == 1 else "mixed:" + "+".join(parts)
        notices.append(_legacy_notice(*names))
    text = "\n".join(lines)
    num = reader.numbering
    if num.recovered:
        notices.append(Notice(
            "docx-numbering",
            f"đã dựng lại số thứ tự tự động của Word cho {num.recovered} đoạn (1., a), I., Điều 1. …): "
            "nên đối chiếu với bản gốc",
            f"Word's automatic numbering was rebuilt for {num.recovered} paragraph(s) (1., a), I., Điều 1. …): "
            "check the numbers against the original",
        ))
    if num.lost:
        n_lost = sum(num.lost.values())
        kinds = ", ".join(sorted(num.lost))
        notices.append(Notice(
            "docx-numbering-lost",
            f"không dựng lại được số thứ tự tự động của {n_lost} đoạn (kiểu {kinds}): "
            "các số này bị thiếu trong văn bản",
            f"Word's automatic numbering of {n_lost} paragraph(s) (format {kinds}) could not be recovered: "
            "those numbers are missing from the text",
        ))
    return Extracted(_tidy(text), "docx", None, encoding, notices)


# --- HTML ---------------------------------------------------------------------------------------------------------
_SKIP_TAGS = {"script", "style", "nav", "noscript", "template", "svg", "head", "iframe", "object", "select",
              "button", "canvas", "math"}
_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section",
               "article", "blockquote", "pre", "dd", "dt", "ul", "ol", "hr", "header", "footer", "main", "aside",
               "form", "fieldset", "figure", "figcaption", "address", "center", "tbody", "thead", "tfoot", "caption",
               "dl", "details", "summary", "body", "html"}
_VOID_TAGS = {"br", "hr", "img", "meta", "link", "input", "wbr", "area", "base", "col", "embed", "source", "track"}
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


class _HTMLText(HTMLParser):
    """Visible text of a page: skipped chrome (scripts, styles, navigation), block elements and table cells on
    their own lines (official pages lay the header block out as a table), ordered-list numbers written out as a
    browser shows them."""

    def __init__(self, budget: _Budget | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.budget = budget
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0
        self.lists: list[list[Any]] = []  # [kind, next number, type]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            if tag not in _VOID_TAGS:
                self.skip += 1
            return
        if self.skip:
            return
        a = {k: (v or "") for k, v in attrs}
        if tag in _BLOCK_TAGS:
            self.out.append("\n")
        if tag == "pre":
            self.pre += 1
        elif tag in ("ol", "ul"):
            start = a.get("start", "1")
            self.lists.append([tag, int(start) if start.lstrip("-").isdigit() else 1, a.get("type", "1")])
        elif tag == "li" and self.lists and self.lists[-1][0] == "ol":
            lst = self.lists[-1]
            value = a.get("value", "")
            if value.isdigit():
                lst[1] = int(value)
            kind = lst[2]
            number = (_letter(lst[1]) if kind == "a" else _letter(lst[1]).upper() if kind == "A"
                      else _roman(lst[1]) if kind == "i" else _roman(lst[1]).upper() if kind == "I" else str(lst[1]))
            self.out.append(f"{number}. ")
            lst[1] += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.skip and tag in _BLOCK_TAGS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            if tag not in _VOID_TAGS and self.skip:
                self.skip -= 1
            return
        if self.skip:
            return
        if tag == "pre" and self.pre:
            self.pre -= 1
        if tag in ("ol", "ul") and self.lists:
            self.lists.pop()
        if tag in _BLOCK_TAGS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self.out.append(data if self.pre else re.sub(r"\s+", " ", data))
        if self.budget is not None:
            self.budget.add(len(self.out[-1]))

    def text(self) -> str:
        return "".join(self.out)


def _decode_html(path: Path, data: bytes) -> tuple[str, str, list[Notice]]:
    """Bytes -> text: a declared Windows-1258 charset is honoured when the bytes decode with it; everything else
    (UTF-8, no declaration, Latin-1 pages holding TCVN3/VNI codes, wrong declarations) goes to `decode_bytes`,
    which tries UTF-8 first and reads legacy encodings by evidence."""
    m = _META_CHARSET.search(data[:8192])
    declared = m.group(1).decode("ascii", "ignore").lower().replace("_", "-") if m else ""
    if declared in ("windows-1258", "cp1258", "x-cp1258") and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return unicodedata.normalize("NFC", data.decode("cp1258")), "cp1258", []
        except UnicodeDecodeError:
            pass
    decoded = decode_bytes(data, path)
    notices = [_encoding_notice(n) for n in decoded.notes]
    if declared in ("utf-8", "utf8") and decoded.encoding != "utf-8":
        notices.append(Notice(
            "html-charset",
            f"trang khai báo bảng mã UTF-8 nhưng nội dung là {decoded.encoding}; đã đọc theo {decoded.encoding}",
            f"the page declares UTF-8 but its bytes are {decoded.encoding}; read as {decoded.encoding}",
        ))
    return decoded.text, decoded.encoding, notices


_HTML_CHUNK = 2**20  # characters fed to the parser at a time, so the time budget is checked as it goes


def _read_html(path: Path, data: bytes, budget: _Budget) -> Extracted:
    """Visible text of an HTML page, decoded honouring its <meta charset>, legacy fonts converted."""
    source, encoding, notices = _decode_html(path, data)
    parser = _HTMLText(budget)
    try:
        for at in range(0, len(source), _HTML_CHUNK):
            parser.feed(source[at : at + _HTML_CHUNK])
            budget.tick()
        parser.close()
    except IngestError:
        raise
    except Exception as exc:  # html.parser is lenient; anything it raises means the file is not HTML at all
        raise IngestError(path, "corrupt", f"không đọc được HTML ({_short(exc)})",
                          f"the HTML cannot be parsed ({_short(exc)})") from exc
    text = _tidy(parser.text())
    if (legacy := detect_legacy(text)) is not None:
        text, fixed = fix_legacy_text(text)
        text = _tidy(text)
        encoding = fixed or legacy
        notices.append(_legacy_notice(encoding))
    return Extracted(text, "html", None, encoding, notices)
