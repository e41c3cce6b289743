"""Case → rules: from a situation described in words, the rules that apply, the checks they imply, and the
discipline provisions for breaking them, as one result an inspector can print or export (Markdown, CSV)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from indexer.checks import DISCIPLINE_DOCS, GENERAL_DISCIPLINE, MODALITY_LABELS, Check, checks_for, penalty_forms
from indexer.citation import clause_citation

if TYPE_CHECKING:
    from indexer.models import Hit
    from indexer.search import Searcher


@dataclass
class CaseRule:
    """One rule that applies, with its validity and the checks it implies."""

    hit: Hit
    checks: list[Check] = field(default_factory=list)
    replaced: bool = False  # shown apart from the rules in force, with its replacement in `hit.status_label`


@dataclass
class CaseDiscipline:
    """A discipline provision that may apply, with the penalty forms it states and why it is shown."""

    clause_id: str
    citation: str
    text: str
    penalties: list[str]
    provenance: str  # "similarity" | "curated"


@dataclass
class CaseResult:
    query: str
    rules: list[CaseRule]
    discipline: list[CaseDiscipline]

    @property
    def checks(self) -> list[Check]:
        return [c for r in self.rules for c in r.checks]


def analyze_case(text: str, searcher: Searcher, k: int = 5, mode: str = "fused") -> CaseResult:
    """Rules (in force first, replaced ones flagged), their checks, and discipline provisions for the case."""
    rule_docs = [d.id for d in searcher.documents.values() if d.normative and d.id not in DISCIPLINE_DOCS]
    hits = searcher.search(text, k=k, mode=mode, doc_ids=rule_docs)
    rules = []
    for h in hits:
        checks = []
        for cl in [h.clause, *h.also]:
            checks.extend(c for c in checks_for(cl.id, searcher) if c not in checks)
        rules.append(CaseRule(h, checks, replaced=not h.document.in_force))
    rules.sort(key=lambda r: r.replaced)  # stable: rank order kept inside each group
    disc: list[CaseDiscipline] = []
    seen: set[str] = set()
    for h in searcher.search(text, k=3, mode=mode, doc_ids=list(DISCIPLINE_DOCS)):
        if h.clause.level in ("preamble", "signature") or "/preamble" in h.clause.id:
            continue
        seen.add(h.clause.id)
        disc.append(CaseDiscipline(h.clause.id, h.citation, h.clause.text, penalty_forms(h.clause.text), "similarity"))
    for cid in GENERAL_DISCIPLINE:
        c = searcher.clauses.get(cid)
        if c is not None and cid not in seen:
            d = searcher.documents[c.doc_id]
            disc.append(CaseDiscipline(cid, clause_citation(c, d), c.text, penalty_forms(c.text), "curated"))
    for r in rules:
        for ch in r.checks:
            ch.penalties = [x.clause_id for x in disc]
    return CaseResult(text, rules, disc)


CSV_FIELDS = ("rule", "citation", "modality", "item", "subject", "actor", "kind", "evidence", "deadline", "penalties",
              "provenance", "confidence")


def checks_csv(result: CaseResult) -> str:
    """The checks as CSV (UTF-8, one row a check) for a spreadsheet."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_FIELDS)
    for r in result.rules:
        for c in r.checks:
            w.writerow([c.rule, r.hit.citation, MODALITY_LABELS.get(c.modality, c.modality), c.item, c.subject or "",
                        c.actor or "", c.kind, "; ".join(c.evidence), c.deadline or "", "; ".join(c.penalties),
                        c.provenance, c.confidence])
    return buf.getvalue()


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
    out += ["## Quy định về kỷ luật có thể áp dụng", ""]
    for d in result.discipline:
        forms = f" Hình thức: {', '.join(d.penalties)}." if d.penalties else ""
        out.append(f"- {d.citation} (`{d.clause_id}`).{forms}")
    return "\n".join(out) + "\n"
