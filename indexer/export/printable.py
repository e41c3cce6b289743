"""Printable exports (DOCX and PDF) from one list of blocks, so a case report and a quiz print the same way.

Callers describe content, not layout: headings, paragraphs, quotations of clause text (kept verbatim), lists and
tables. PDF uses the DejaVu fonts that matplotlib ships (full Vietnamese coverage, no system font needed).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

BlockKind = Literal["title", "heading", "subheading", "paragraph", "quote", "bullets", "table", "note", "pagebreak"]


@dataclass
class Block:
    """One piece of a printable document; `rows[0]` of a table is its header row."""

    kind: BlockKind
    text: str = ""
    items: list[str] = field(default_factory=list)  # bullets
    rows: list[list[str]] = field(default_factory=list)  # table
    widths: list[float] = field(default_factory=list)  # table column weights (optional)


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def to_docx(blocks: list[Block], title: str = "") -> bytes:
    """A Word document; quotes are indented italics so a verbatim clause stands apart from commentary."""
    from docx import Document as DocxDocument
    from docx.shared import Pt

    doc = DocxDocument()
    doc.core_properties.title = title
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(12)
    for b in blocks:
        if b.kind == "title":
            doc.add_heading(b.text, level=0)
        elif b.kind == "heading":
            doc.add_heading(b.text, level=1)
        elif b.kind == "subheading":
            doc.add_heading(b.text, level=2)
        elif b.kind == "paragraph":
            doc.add_paragraph(b.text)
        elif b.kind == "note":
            run = doc.add_paragraph().add_run(b.text)
            run.italic = True
            run.font.size = Pt(10)
        elif b.kind == "quote":
            p = doc.add_paragraph(style="Quote") if "Quote" in [s.name for s in doc.styles] else doc.add_paragraph()
            p.paragraph_format.left_indent = Pt(18)
            p.add_run(b.text).italic = True
        elif b.kind == "bullets":
            for item in b.items:
                doc.add_paragraph(item, style="List Bullet")
        elif b.kind == "table" and b.rows:
            ncols = max(len(r) for r in b.rows)
            table = doc.add_table(rows=0, cols=ncols)
            table.style = "Table Grid"
            for ri, row in enumerate(b.rows):
                cells = table.add_row().cells
                for ci in range(ncols):
                    cells[ci].text = row[ci] if ci < len(row) else ""
                    if ri == 0:
                        for r in cells[ci].paragraphs[0].runs:
                            r.bold = True
        elif b.kind == "pagebreak":
            doc.add_page_break()
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def to_pdf(blocks: list[Block], title: str = "") -> bytes:
    """An A4 PDF with embedded DejaVu fonts; long tables wrap inside their cells and break across pages."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    fonts = _font_dir()
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVu", "I", str(fonts / "DejaVuSans-Oblique.ttf"))
    pdf.add_font("DejaVu", "BI", str(fonts / "DejaVuSans-BoldOblique.ttf"))
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def write(text: str, style: str = "", size: float = 10.5, indent: float = 0.0, gap: float = 1.5) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(width - indent, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    for b in blocks:
        if b.kind == "title":
            write(b.text, "B", 15, gap=3)
        elif b.kind == "heading":
            pdf.ln(2)
            write(b.text, "B", 12.5, gap=2)
        elif b.kind == "subheading":
            write(b.text, "B", 11)
        elif b.kind == "paragraph":
            write(b.text)
        elif b.kind == "note":
            write(b.text, "I", 9)
        elif b.kind == "quote":
            write(b.text, "I", 10, indent=6)
        elif b.kind == "bullets":
            for item in b.items:
                write(f"•  {item}", indent=3, gap=0.8)
            pdf.ln(1)
        elif b.kind == "table" and b.rows:
            pdf.set_font("DejaVu", "", 8.5)
            ncols = max(len(r) for r in b.rows)
            weights = b.widths if len(b.widths) == ncols else [1.0] * ncols
            total = sum(weights)
            col_widths = tuple(width * w / total for w in weights)
            with pdf.table(
                col_widths=col_widths,
                headings_style=FontFace(emphasis="BOLD"),
                line_height=4.2,
                text_align="LEFT",
            ) as table:
                for row in b.rows:
                    cells = table.row()
                    for ci in range(ncols):
                        cells.cell(row[ci] if ci < len(row) else "")
            pdf.ln(2)
        elif b.kind == "pagebreak":
            pdf.add_page()
    return bytes(pdf.output())
