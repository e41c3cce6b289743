"""Case → rules: from a situation described in words, the rules that apply, the checks they imply, and the
discipline provisions for breaking them, as one result an inspector can print or export (Markdown, DOCX, PDF, CSV).

Discipline comes from `indexer.discipline`: per rule (curated, text, similarity) and for the case text itself
(similarity), merged into one list where each provision says how it was reached, which rules lead to it, the
penalty forms it states (with spans, for marking) and whether the corpus lacks it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from indexer.checks import MODALITY_LABELS, Check, checks_for
from indexer.discipline import (
    CURATED,
    DISCIPLINE_DOC,
    PROVENANCE_LABELS,
    SIMILARITY,
    TEXT,
    DisciplineLink,
    PenaltyForm,
    RuleDiscipline,
    forms_in_order,
    linker_for,
)
from indexer.printable import Block, to_docx, to_pdf

if TYPE_CHECKING:
    from indexer.models import Hit
    from indexer.search import Searcher

FORMATS = ("md", "docx", "pdf", "csv")


@dataclass
class CaseRule:
    """One rule that applies, with its validity, the checks it implies and its discipline provisions."""

    hit: Hit
    checks: list[Check] = field(default_factory=list)
    replaced: bool = False  # shown apart from the rules in force, with its replacement in `hit.status_label`
    discipline: RuleDiscipline | None = None


@dataclass
class CaseDiscipline:
    """A discipline provision that may apply: the forms it states, how it was reached and from which rules."""

    clause_id: str
    citation: str
    text: str  # verbatim ("" when the corpus lacks the provision)
    penalties: list[str]  # the forms it states, mildest first
    provenance: str  # "curated" | "text" | "similarity"
    score: float = 0.0
    note: str = ""
    marks: list[PenaltyForm] = field(default_factory=list)  # spans of the forms in `text`
    rules: list[str] = field(default_factory=list)  # rule clause ids that lead here; "" = the case text itself
    kind: str = ""
    absent: bool = False
    low: bool = False
    general: bool = False

    @property
    def provenance_label(self) -> str:
        return PROVENANCE_LABELS.get(self.provenance, self.provenance)

    @classmethod
    def of(cls, x: DisciplineLink) -> CaseDiscipline:
        return cls(x.clause, x.citation, x.text, x.forms, x.provenance, x.score, x.note, list(x.penalties),
                   [x.rule], x.kind, x.absent, x.low, x.general)


@dataclass
class CaseResult:
    query: str
    rules: list[CaseRule]
    discipline: list[CaseDiscipline]  # specific provisions first (curated, text, similarity), general ones last
    missing: list[str] = field(default_factory=list)  # what the partial corpus lacks, said once

    @property
    def checks(self) -> list[Check]:
        return [c for r in self.rules for c in r.checks]

    @property
    def specific(self) -> list[CaseDiscipline]:
        return [d for d in self.discipline if not d.general]

    @property
    def general(self) -> list[CaseDiscipline]:
        return [d for d in self.discipline if d.general]


_ORDER = {CURATED: 0, TEXT: 1, SIMILARITY: 2}


def _merge(links: list[DisciplineLink]) -> list[CaseDiscipline]:
    """One entry per provision, the strongest link first; a weaker link to the same provision, or to one inside
    or around it, only adds its rule to the entry it overlaps."""
    def rank(x: DisciplineLink) -> tuple:
        return (x.general, _ORDER[x.provenance], x.low, -x.score, x.absent, x.clause)

    def overlap(a: str, b: str) -> bool:
        return a == b or a.startswith(b + "/") or b.startswith(a + "/")

    out: list[CaseDiscipline] = []
    for x in sorted(links, key=rank):
        same = next((d for d in out if overlap(d.clause_id, x.clause)), None)
        if same is None:
            out.append(CaseDiscipline.of(x))
        elif x.rule not in same.rules and (same.low or not x.low):  # a weak lead does not vouch for a strong link
            same.rules.append(x.rule)
    return out


def analyze_case(text: str, searcher: Searcher, k: int = 5, mode: str = "fused") -> CaseResult:
    """Rules (in force first, replaced ones flagged), their checks, and discipline provisions for the case."""
    rule_docs = [d.id for d in searcher.documents.values() if d.normative and d.id != DISCIPLINE_DOC]
    hits = searcher.search(text, k=k, mode=mode, doc_ids=rule_docs)
    linker = linker_for(searcher)
    rules = []
    for h in hits:
        checks = []
        for cl in [h.clause, *h.also]:
            checks.extend(c for c in checks_for(cl.id, searcher) if c not in checks)
        rules.append(CaseRule(h, checks, replaced=not h.document.in_force, discipline=linker.for_clause(h.clause.id)))
    rules.sort(key=lambda r: r.replaced)  # stable: rank order kept inside each group
    links: list[DisciplineLink] = []
    for r in rules:
        links += r.discipline.all if r.discipline else []
    case_links, case_missing = linker.for_text(text, k=3, dense=mode != "lexical")
    disc = _merge(links + case_links)
    missing = list(dict.fromkeys([m for r in rules if r.discipline for m in r.discipline.missing] + case_missing))
    for r in rules:
        ids = [x.clause for x in (r.discipline.links or r.discipline.general)] if r.discipline else []
        for ch in r.checks:
            ch.penalties = ids
    return CaseResult(text, rules, disc, missing)


# ---- exports ---------------------------------------------------------------------------------------------------

CSV_FIELDS = ("rule", "citation", "modality", "item", "subject", "actor", "kind", "evidence", "deadline", "penalties",
              "penalty_forms", "provenance", "confidence")


def _forms_of(result: CaseResult, ids: list[str]) -> list[str]:
    by_id = {d.clause_id: d for d in result.discipline}
    marks = [m for i in ids if i in by_id for m in by_id[i].marks]
    return forms_in_order(marks)


def checks_csv(result: CaseResult) -> str:
    """The checks as CSV (UTF-8, one row a check) for a spreadsheet."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_FIELDS)
    for r in result.rules:
        for c in r.checks:
            w.writerow([c.rule, r.hit.citation, MODALITY_LABELS.get(c.modality, c.modality), c.item, c.subject or "",
                        c.actor or "", c.kind, "; ".join(c.evidence), c.deadline or "", "; ".join(c.penalties),
                        ", ".join(_forms_of(result, c.penalties)), c.provenance, c.confidence])
    return buf.getvalue()


def short_citation(hit: Hit) -> str:
    """A table-sized citation: the two innermost units and the document's short code ("Khoản 7, Điều 39 — Điều lệ
    Đảng")."""
    from indexer.citation import unit_phrases

    units = unit_phrases(hit.clause)[:2]
    head = ", ".join(units)
    head = head[:1].upper() + head[1:]
    return f"{head} — {hit.document.code}" if head else hit.citation


def _one_line(text: str) -> str:
    return " ".join(text.split())


def discipline_line(d: CaseDiscipline) -> str:
    """How a provision was reached, in one Vietnamese line: source, score, flags, rules it answers."""
    parts = [f"nguồn: {d.provenance_label}", f"điểm {d.score:.2f}"]
    if d.low:
        parts.append("điểm thấp, chỉ là gợi ý")
    if d.absent:
        parts.append("chưa có trong kho")
    rules = [x.split("/", 1)[-1] if x else "tình huống" for x in d.rules]
    if rules and not d.general:
        parts.append("liên quan: " + ", ".join(rules[:4]) + (" …" if len(rules) > 4 else ""))
    return " · ".join(parts)


def _rule_discipline_line(result: CaseResult, r: CaseRule) -> str:
    if r.discipline is None or not r.discipline.links:
        return ""
    by_id = {d.clause_id: d for d in result.discipline}
    out = []
    for x in r.discipline.links[:4]:
        d = by_id.get(x.clause)
        forms = f" ({', '.join(x.forms)})" if x.forms else ""
        label = d.citation if d else x.citation
        flag = ", điểm thấp" if x.low else ""
        out.append(f"{label}{forms} [{PROVENANCE_LABELS[x.provenance]}{flag}]")
    return "; ".join(out)


def to_markdown(result: CaseResult) -> str:
    """The whole result as a printable Markdown document (Vietnamese)."""
    out = [f"# Kiểm tra: {result.query}", "", "## Quy định áp dụng", ""]
    for i, r in enumerate(result.rules, 1):
        mark = " — **đã được thay thế, chỉ để đối chiếu**" if r.replaced else ""
        out += [f"### {i}. {r.hit.citation}", f"*{r.hit.status_label}*{mark}", "", "> " + r.hit.clause.text.replace(
            "\n", "\n> "), "", f"`{r.hit.clause.id}`", ""]
        if r.checks:
            out.append("**Nội dung cần kiểm tra:**")
            for c in r.checks:
                extra = f" Thời hạn: {c.deadline}." if c.deadline else ""
                out.append(f"- [ ] {c.item} (Chủ thể: {c.subject or '—'}; cơ quan kiểm tra: {c.actor}; hình thức: "
                           f"{c.kind}; tài liệu: {', '.join(c.evidence)}.{extra} Nguồn: {c.provenance}, "
                           f"độ tin cậy {c.confidence})")
            out.append("")
        line = _rule_discipline_line(result, r)
        if line:
            out += [f"**Kỷ luật khi vi phạm:** {line}", ""]
    out += ["## Quy định về kỷ luật có thể áp dụng", ""]
    for title, items in (("", result.specific), ("### Hình thức và thẩm quyền kỷ luật chung", result.general)):
        if title and items:
            out += [title, ""]
        for d in items:
            forms = f" **Hình thức: {', '.join(d.penalties)}.**" if d.penalties else ""
            out.append(f"- {d.citation} (`{d.clause_id}`).{forms} {discipline_line(d)}. *{d.note}*")
            if d.text and not d.general:
                out.append("  > " + _one_line(d.text))
    if result.missing:
        out += ["", "**Lưu ý về kho văn bản:**"] + [f"- {m}" for m in result.missing]
    return "\n".join(out) + "\n"


def to_blocks(result: CaseResult) -> list[Block]:
    """The result as printable blocks: rules with their text and checks, discipline, the checklist as a table."""
    b = [Block("title", f"Kiểm tra: {result.query}"),
         Block("note", "Kết quả tra cứu tự động từ kho văn bản; mỗi quy định được trích nguyên văn kèm trích dẫn. "
                       "Các liên kết kỷ luật ghi rõ nguồn: do người duyệt, văn bản tự nêu, hay tương đồng nội dung."),
         Block("heading", "1. Quy định áp dụng")]
    for i, r in enumerate(result.rules, 1):
        b.append(Block("subheading", f"{i}. {r.hit.citation}"))
        status = r.hit.status_label + (" — đã được thay thế, chỉ để đối chiếu" if r.replaced else "")
        b.append(Block("note", f"{status} · {r.hit.clause.id}"))
        b.append(Block("quote", r.hit.clause.text))
        if r.checks:
            b.append(Block("paragraph", "Nội dung cần kiểm tra:"))
            b.append(Block("bullets", items=[c.item + (f" (thời hạn: {c.deadline})" if c.deadline else "")
                                             for c in r.checks]))
        line = _rule_discipline_line(result, r)
        if line:
            b.append(Block("paragraph", f"Kỷ luật khi vi phạm: {line}"))
    b.append(Block("heading", "2. Quy định về kỷ luật có thể áp dụng"))
    for d in result.specific:
        forms = f"Hình thức: {', '.join(d.penalties)}. " if d.penalties else ""
        b.append(Block("subheading", d.citation))
        b.append(Block("paragraph", f"{forms}{discipline_line(d)}."))
        b.append(Block("note", d.note))
        if d.text:
            b.append(Block("quote", d.text))
    if result.general:
        b.append(Block("subheading", "Hình thức và thẩm quyền kỷ luật chung"))
        b.append(Block("bullets", items=[f"{d.citation}" + (f" — {', '.join(d.penalties)}" if d.penalties else "")
                                         + f" ({d.note})" for d in result.general]))
    if result.missing:
        b.append(Block("note", "Lưu ý về kho văn bản: " + " ".join(result.missing)))
    checks = [(r, c) for r in result.rules for c in r.checks]
    if checks:
        b.append(Block("heading", "3. Danh sách nội dung kiểm tra"))
        rows = [["#", "Quy định", "Nội dung cần kiểm tra", "Chủ thể", "Cơ quan kiểm tra", "Thời hạn"]]
        for n, (r, c) in enumerate(checks, 1):
            rows.append([str(n), short_citation(r.hit), c.item, c.subject or "—", c.actor or "", c.deadline or "—"])
        b.append(Block("table", rows=rows, widths=[0.4, 1.6, 4.0, 1.5, 1.8, 1.2]))
    return b


def export(result: CaseResult, fmt: str) -> bytes:
    """The result in one of FORMATS, as bytes ready to write or download."""
    if fmt == "md":
        return to_markdown(result).encode("utf-8")
    if fmt == "csv":
        return checks_csv(result).encode("utf-8")
    title = f"Kiểm tra: {result.query}"
    if fmt == "docx":
        return to_docx(to_blocks(result), title)
    if fmt == "pdf":
        return to_pdf(to_blocks(result), title)
    raise ValueError(f"định dạng không hỗ trợ: {fmt} (chọn {', '.join(FORMATS)})")


def filename(result: CaseResult, fmt: str) -> str:
    """A download name from the case's first words ("kiem-tra-dang-vien-vi-pham.pdf")."""
    from indexer.normalize import strip_diacritics

    slug = re.sub(r"[^a-z0-9]+", "-", strip_diacritics(result.query).lower()).strip("-")[:40].strip("-")
    return f"kiem-tra-{slug or 'ket-qua'}.{fmt}"
