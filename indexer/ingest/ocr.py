"""Optional OCR of scanned PDF pages with the system's tesseract (Vietnamese model) and poppler's pdftoppm.

Nothing here is needed unless a user asks for OCR: the tools are found with `shutil.which` and
`tesseract --list-langs` at call time, and a missing tool is an `IngestError` that says which Debian packages to
install (tesseract-ocr tesseract-ocr-vie poppler-utils). Pages are rendered one at a time at 300 dpi into a
temporary folder and recognised with `-l vie`, so memory stays flat for long scans.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from indexer.ingest.errors import IngestError

LANG = "vie"
DPI = 300
PAGE_TIMEOUT_S = 180
INSTALL_HINT = "sudo apt-get install tesseract-ocr tesseract-ocr-vie poppler-utils"


@dataclass
class OcrTools:
    """Where the tools are, or why OCR cannot run (`missing` is empty when it can)."""

    tesseract: str | None
    pdftoppm: str | None
    missing: list[str]


def find_tools(lang: str = LANG) -> OcrTools:
    """Locate tesseract (with the `lang` model) and pdftoppm; never raises."""
    tesseract = shutil.which("tesseract")
    pdftoppm = shutil.which("pdftoppm")
    missing = []
    if not tesseract:
        missing.append("tesseract-ocr")
    elif lang not in _languages(tesseract):
        missing.append(f"tesseract-ocr-{lang}")
    if not pdftoppm:
        missing.append("poppler-utils")
    return OcrTools(tesseract, pdftoppm, missing)


def _languages(tesseract: str) -> set[str]:
    try:
        done = subprocess.run([tesseract, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return set()
    lines = (done.stdout + "\n" + done.stderr).splitlines()
    return {ln.strip() for ln in lines if ln.strip() and " " not in ln.strip()}


def ocr_available(lang: str = LANG) -> bool:
    """True when `ocr_pdf_pages` can run on this machine."""
    return not find_tools(lang).missing


def ocr_pdf_pages(path: Path, data: bytes, pages: list[int], lang: str = LANG) -> list[str]:
    """Text of the given 1-based pages of the PDF `data`, one string per page, in order."""
    tools = find_tools(lang)
    if tools.missing:
        need = " ".join(tools.missing)
        raise IngestError(
            path, "ocr-unavailable",
            f"không nhận dạng chữ được: máy chưa cài {need} (cài bằng: {INSTALL_HINT})",
            f"OCR is not available: {need} is not installed (install with: {INSTALL_HINT})",
        )
    assert tools.tesseract and tools.pdftoppm
    out: list[str] = []
    with tempfile.TemporaryDirectory(prefix="soi-ocr-") as tmp:
        pdf = Path(tmp) / "in.pdf"
        pdf.write_bytes(data)
        for page in pages:
            stem = Path(tmp) / f"p{page}"
            try:
                subprocess.run(
                    [tools.pdftoppm, "-r", str(DPI), "-gray", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                     str(pdf), str(stem)],
                    capture_output=True, timeout=PAGE_TIMEOUT_S, check=True,
                )
                done = subprocess.run(
                    [tools.tesseract, str(stem.with_suffix(".png")), "stdout", "-l", lang],
                    capture_output=True, timeout=PAGE_TIMEOUT_S, check=True,
                )
            except subprocess.TimeoutExpired as exc:
                raise IngestError(path, "ocr-failed", f"nhận dạng chữ trang {page} quá lâu (quá {PAGE_TIMEOUT_S} giây)",
                                  f"OCR of page {page} took longer than {PAGE_TIMEOUT_S} s") from exc
            except (OSError, subprocess.CalledProcessError) as exc:
                err = getattr(exc, "stderr", b"") or b""
                detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [str(exc)]
                raise IngestError(path, "ocr-failed", f"nhận dạng chữ trang {page} thất bại: {detail[0][:160]}",
                                  f"OCR of page {page} failed: {detail[0][:160]}") from exc
            out.append(done.stdout.decode("utf-8", "replace"))
    return out
