"""References to articles, clauses and points ("khoản 2 Điều 35 Điều lệ Đảng"): the grammar and the resolver.

Shared by the reference graph of the rules (`indexer.rules.refs`, references inside the corpus's texts) and by
search (`cited_units`: a question that names a provision gets that provision first). Party numbers restart each
term, so a document resolves by code + year when the year is written, else to the newest candidate not issued
after the citing document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.corpus.docref import DocRef, find_doc_refs, resolve_doc_refs
from indexer.corpus.models import Clause, Document

# "điểm a, khoản 2, Điều 35", "Khoản 3.1, Điều 15", "khoản 2 Điều này", "Điều 36"; a question may be typed without
# diacritics ("khoan 2 dieu 36 dieu le dang"), which no text of the corpus is.
UNIT_REF = re.compile(
    r"(?:(?P<pt>[Đđ]iểm|[Dd]iem)\s+(?P<pts>[a-zđ](?:\s*(?:,|và|va)\s*[a-zđ](?![\w]))*)\s*,?\s+)?"
    r"(?:(?P<kh>[Kk]hoản|[Kk]hoan)\s+(?P<khs>\d+(?:\.\d+)*|này)\s*,?\s+)?"
    r"(?P<dieu>[Đđ]iều|[Dd]ieu)\s+(?P<art>\d+[a-z]?|này)(?![\w])"
)
# "Điểm a, b Khoản này", "khoản này": units of the citing clause's own article.
UNIT_REF_NO_ARTICLE = re.compile(
    r"(?:[Đđ]iểm\s+(?P<pts>[a-zđ](?:\s*(?:,|và)\s*[a-zđ](?![\w]))*)\s+)?[Kk]hoản\s+(?P<khs>\d+(?:\.\d+)*|này)"
    r"(?!\s*,?\s*[Đđ]iều)(?![\w])"
)
# What may stand between an article reference and the document it belongs to: "của", "tại", a comma.
DOC_JOIN = re.compile(r"\s*,?\s*(?:(?:của|tại|trong|theo|cua|tai)\s+)?")
THIS_DOC = re.compile(
    r"\s*,?\s*(?:(?:của|tại|trong)\s+)?(?:Quy định|Hướng dẫn|Kết luận|Quyết định|Điều lệ|Chương trình|Quy chế)"
    r"\s+này(?![\w])",
    re.IGNORECASE,
)


def code_of(ref: DocRef) -> str | None:
    """A mention's code as written ("22-QĐ/TW", "QĐ 69"), or its kind alone ("Điều lệ")."""
    if ref.number is None:
        return ref.kind
    return f"{ref.number}-{ref.kind}/{ref.issuer_suffix}" if ref.issuer_suffix else f"{ref.kind} {ref.number}"


class UnitResolver:
    """Maps document mentions and article/clause/point labels to corpus ids."""

    def __init__(self, documents: dict[str, Document], clauses: dict[str, Clause]):
        self.documents = documents
        self.docs = list(documents.values())
        self.units: dict[tuple[str, str | None, str | None, str | None], str] = {}
        for c in sorted(clauses.values(), key=lambda c: len(c.path)):
            art = c.part("article")
            if art is None:
                continue
            kh = c.part("clause")
            pt = c.part("point")
            self.units.setdefault((c.doc_id, art, kh, pt), c.id)

    def document(self, ref: DocRef, citing: Document | None) -> str | None:
        cands = resolve_doc_refs([ref], self.docs)
        if not cands:
            return None
        if ref.year:
            same = [d for d in cands if d.year == ref.year]
            return same[0].id if same else None  # a year that matches nothing names a document not in the corpus
        if citing is not None and citing.year:
            earlier = [d for d in cands if (d.year or 0) <= citing.year]
            if earlier:
                return earlier[0].id
        return cands[0].id

    def unit(self, doc_id: str, art: str | None, kh: str | None, pt: str | None) -> str | None:
        for key in ((doc_id, art, kh, pt), (doc_id, art, kh, None), (doc_id, art, None, None)):
            if key in self.units:
                return self.units[key]
        return None


def points_of(s: str | None) -> tuple[str, ...]:
    """"a, b và c" -> ("a", "b", "c")."""
    return tuple(p.strip() for p in re.split(r",|và|\bva\b", s or "") if p.strip())


@dataclass
class CitedUnit:
    """A provision a free text names with its document: as written, and what of it the corpus holds."""

    text: str  # as written ("khoản 2 Điều 29 Quy định 22")
    doc_id: str  # the resolved document
    article: str
    clause: str | None
    points: tuple[str, ...]
    clause_id: str | None  # the most specific unit the corpus holds (the article when the khoản is missing), or None
    exact: bool  # clause_id is the very unit named


def cited_units(text: str, resolver: UnitResolver, doc_refs: list[DocRef] | None = None) -> list[CitedUnit]:
    """The provisions `text` names together with their document ("Điều 36 Điều lệ Đảng", "khoản 2 Điều 29 Quy
    định 22"); a bare "Điều 36" names none (which document?), nor does a document outside the corpus.
    `doc_refs`: the text's document mentions, when the caller has found them already."""
    by_start = {r.span[0]: r for r in (find_doc_refs(text) if doc_refs is None else doc_refs)}
    out: list[CitedUnit] = []
    for m in UNIT_REF.finditer(text):
        art, kh = m.group("art"), m.group("khs")
        if art.lower() == "này" or (kh or "").lower() == "này":
            continue
        join = DOC_JOIN.match(text, m.end())
        dref = by_start.get(join.end()) if join else None
        doc_id = resolver.document(dref, None) if dref else None
        if doc_id is None:
            continue
        pts = points_of(m.group("pts"))
        point = pts[0] if len(pts) == 1 else None
        unit = resolver.unit(doc_id, art, kh, point)
        exact = unit is not None and unit == resolver.units.get((doc_id, art, kh, point))
        out.append(CitedUnit(text[m.start():dref.span[1]], doc_id, art, kh, pts, unit, exact))
    return out
