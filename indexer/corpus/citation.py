"""Citations as Vietnamese legal practice writes them, and the validity label of a document.

"Điểm a, khoản 1, Điều 2, Quy định số 37-QĐ/TW ngày 25/10/2021 của Ban Chấp hành Trung ương"
"Khoản 4, Điều 3, Điều lệ Đảng Cộng sản Việt Nam (2011)"
"""

from __future__ import annotations

import re

from indexer.corpus.models import Clause, Document

TYPE_NAMES = {
    "quy-dinh": "Quy định",
    "ket-luan": "Kết luận",
    "huong-dan": "Hướng dẫn",
    "quyet-dinh": "Quyết định",
    "nghi-quyet": "Nghị quyết",
    "chi-thi": "Chỉ thị",
    "thong-bao": "Thông báo",
    "quy-che": "Quy chế",
}


def format_date(issued: str) -> str:
    """ISO "2021-10-25" -> "25/10/2021"; a bare year stays as it is."""
    parts = (issued or "").split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return f"{parts[2]}/{parts[1]}/{parts[0]}"
    return issued or ""


_VN_DATE = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_date(text: str) -> str:
    """A date as a person types it, "14/02/2025" (or "14-2-2025", "14.02.2025"), or already ISO, -> "2025-02-14";
    a bare year stays as it is; anything else is returned unchanged (stripped) for the caller to refuse."""
    t = (text or "").strip()
    m = _VN_DATE.fullmatch(t)
    if m:
        day, month, year = m.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    m = _ISO_DATE.fullmatch(t)
    if m:
        year, month, day = m.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return t


def document_citation(doc: Document) -> str:
    """How the document is named in a citation."""
    if doc.type == "dieu-le":
        return f"{doc.title} ({doc.year})" if doc.year else doc.title
    name = TYPE_NAMES.get(doc.type)
    if name and doc.code and doc.code[:1].isdigit():
        out = f"{name} số {doc.code}"
        date = format_date(doc.issued)
        if date and len(date) > 4:
            out += f" ngày {date}"
        elif date:
            out += f" năm {date}"
        if doc.issuer:
            out += f" của {doc.issuer}"
        return out
    if doc.type == "tin-tuc":
        date = format_date(doc.issued)
        return f"Bài báo «{doc.title}»" + (f" ({date})" if date else "")
    year = f" ({doc.year})" if doc.year else ""
    issuer = f" của {doc.issuer}" if doc.issuer else ""
    return f"{doc.title}{issuer}{year}"


def unit_phrases(clause: Clause) -> list[str]:
    """The structural part of a citation, innermost first: ["Điểm a", "khoản 1", "Điều 2"]."""
    out: list[str] = []
    named_article = False
    for level, label in reversed(clause.path):
        if named_article:
            # Above the article only a regulation issued with the decision is named: «Khoản 5, Điều 4, Quy chế,
            # Quyết định số 1147…» (the decision has its own Điều 1–3); chapters and numbered parts are not.
            if level == "part" and _attached(label):
                out.append(label)
                break
            continue
        if level == "point":
            out.append(f"điểm {label}")
        elif level == "clause":
            out.append(f"khoản {label}")
        elif level == "article":
            out.append(f"Điều {label}")
        elif level == "item":
            out.append(f"mục {label}" if not label.startswith("(") else f"tiểu mục {label}")
        elif level == "section":
            out.append(f"phần {label}")
        elif level == "paragraph":
            out.append(f"đoạn {label.lstrip('p')}")
        elif level == "preamble":
            out.append("phần mở đầu")
        elif level == "signature":
            out.append("phần ký")
        elif level == "chapter":
            out.append(f"Chương {label}")
        elif level == "part":  # "Phụ lục", "Quy chế" (a regulation issued with a decision), or a numbered part
            out.append(label if any(ch.isalpha() and ch not in "IVXLC" for ch in label) else f"Phần {label}")
        named_article = level == "article"  # chapters and parts are not part of a legal citation after it
    return out


def _attached(label: str) -> bool:
    """A part that is a text of its own issued with the document («Quy chế», «Quy định»), not «Phụ lục», «Phần II»."""
    return label.split(" ")[0] in ("Quy", "Điều")


def unit_citation(clause: Clause) -> str:
    """Where a clause sits in its document, in words, without the document: "Khoản 4, Điều 3", "Đoạn 5, phần mở
    đầu"; "Toàn văn" for the document itself."""
    phrases = unit_phrases(clause)
    if not phrases:
        return clause.label or "Toàn văn"
    text = ", ".join(phrases)
    return text[:1].upper() + text[1:]


def document_short(doc: Document) -> str:
    """The document as a short citation names it: "Điều lệ Đảng", "Quy định 69-QĐ/TW", a news item's title."""
    if doc.type == "dieu-le":
        return doc.code or doc.title
    name = TYPE_NAMES.get(doc.type)
    if name and doc.code and doc.code[:1].isdigit():
        return f"{name} {doc.code}"
    return doc.code or doc.title


def short_citation(clause: Clause, doc: Document) -> str:
    """A citation for tables and cross-references: "Khoản 1, Điều 8, Điều lệ Đảng", "Điều 10, Quy định 69-QĐ/TW"."""
    text = ", ".join(unit_phrases(clause) + [document_short(doc)])
    return text[:1].upper() + text[1:]


def clause_citation(clause: Clause, doc: Document) -> str:
    phrases = unit_phrases(clause)
    text = ", ".join(phrases + [document_citation(doc)])
    return text[:1].upper() + text[1:]


def status_label(doc: Document, documents: dict[str, Document] | None = None) -> str:
    """The validity badge text: in force, replaced (by what), amended, not normative, partial."""
    status = (doc.status or "").strip()
    if status.startswith("replaced"):
        by = ", ".join(doc.replaced_by) if doc.replaced_by else "văn bản khác"
        return f"Đã được thay thế bởi {by}"
    if "amended by" in status:
        inner = status.split("amended by", 1)[1].strip(" )")
        # "264-QĐ/TW, 2025-02-14" -> "264-QĐ/TW ngày 14/02/2025": one date format on every page
        inner = re.sub(r",?\s*(\d{4}-\d{2}-\d{2})\b", lambda m: f" ngày {format_date(m.group(1))}", inner)
        return f"Còn hiệu lực, được sửa đổi bởi {inner}"
    if status.startswith("in-force"):
        return "Còn hiệu lực"
    if not doc.normative or status == "n/a":
        return "Tin bài, không phải văn bản quy phạm"
    return status or "Chưa rõ hiệu lực"


def completeness_label(doc: Document) -> str:
    return "Văn bản chưa đầy đủ trong kho (chỉ có một số điều)" if doc.is_partial else ""
