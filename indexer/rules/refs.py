"""References between documents and clauses: what a clause cites, what cites it, what replaced or amended what.

Built on `indexer.corpus.docref` (document mentions in any spelling) and adds what an inspector needs beyond it:
article/clause/point references ("khoản 2 Điều 35 Điều lệ Đảng", "Khoản 3.1, Điều 15 của Quy định này"),
internal ones ("khoản 2 Điều này", "Điểm a, b Khoản này"), and replacement/amendment edges from front matter
and from the texts ("Quy định này thay thế Quy định số 270-QĐ/TW …"). Party numbers restart each term, so a
code resolves by code + year when the year is written, else to the newest candidate not issued after the
citing document. A reference to a document outside the corpus is kept, unresolved, with its code and date as
written, so nothing is silently dropped.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from indexer.corpus.docref import DocRef, find_doc_refs
from indexer.corpus.models import Clause, Document, overlaps, within
from indexer.corpus.unitref import (
    DOC_JOIN,
    THIS_DOC,
    UNIT_REF,
    UNIT_REF_NO_ARTICLE,
    UnitResolver,
    code_of,
    points_of,
)

if TYPE_CHECKING:
    from indexer.search.searcher import Searcher

# Relations an edge can carry.
CITES = "cites"
REPLACES = "replaces"
AMENDS = "amends"

_REPLACES_BEFORE = re.compile(r"này\s+thay\s+thế\s*$", re.IGNORECASE)
_AMENDS_BEFORE = re.compile(r"sửa\s+đổi,?\s*(?:và\s+)?bổ\s+sung\s+(?:một\s+số\s+(?:điều|nội\s+dung)\s+(?:của\s+)?)?$",
                            re.IGNORECASE)


@dataclass
class Ref:
    """One reference found in a clause (or in front matter), resolved to the corpus where possible."""

    source: str  # citing clause id, or document id for front-matter edges
    source_doc: str
    relation: str  # "cites" | "replaces" | "amends"
    text: str  # as written in the source ("Quy định số 109-QĐ/TW, ngày 03/01/2018", "khoản 2 Điều này")
    span: tuple[int, int] | None  # offsets into the citing clause's text; None for front matter
    code: str | None = None  # document code as written ("109-QĐ/TW"), None for internal references
    year: int | None = None  # year written with the mention, used to pick among same-numbered documents
    article: str | None = None
    clause: str | None = None
    points: tuple[str, ...] = ()
    internal: bool = False  # "Điều này", "Khoản này", "… của Quy định này"
    target_doc: str | None = None  # resolved corpus document id
    target_clause: str | None = None  # resolved clause id (most specific unit present in the corpus)
    provenance: str = "text"  # "text" | "front matter"

    @property
    def resolved(self) -> bool:
        return self.target_doc is not None

    def describe(self) -> str:
        """A one-line Vietnamese label: the target as written, plus where it resolves."""
        where = self.target_clause or self.target_doc or "ngoài kho văn bản"
        return f"{self.text} → {where}"


def clause_own_text(c: Clause) -> str:
    """The words of this unit not repeated by its children: a leaf's text, a parent's intro."""
    return c.text if c.is_leaf else c.intro


def extract_refs(clause: Clause, documents: dict[str, Document], resolver: UnitResolver | None = None,
                 clauses: dict[str, Clause] | None = None) -> list[Ref]:
    """Every reference in the clause's own text, in order, each resolved where the corpus allows."""
    resolver = resolver or UnitResolver(documents, clauses or {})
    text = clause_own_text(clause)
    citing = documents.get(clause.doc_id)
    out: list[Ref] = []
    doc_refs = find_doc_refs(text)
    used: list[tuple[int, int]] = []
    by_start = {r.span[0]: r for r in doc_refs}

    def doc_after(pos: int) -> DocRef | None:
        m = DOC_JOIN.match(text, pos)
        return by_start.get(m.end()) if m else None

    for m in UNIT_REF.finditer(text):
        art = m.group("art")
        kh = m.group("khs")
        pts = points_of(m.group("pts"))
        end = m.end()
        internal = art.lower() == "này"
        dref: DocRef | None = None
        if not internal:
            t = THIS_DOC.match(text, end)
            if t:
                internal, end = True, t.end()
            else:
                dref = doc_after(end)
        r = Ref(clause.id, clause.doc_id, CITES, "", None, article=None if art.lower() == "này" else art,
                clause=None if (kh or "").lower() == "này" else kh, points=pts, internal=internal)
        if art.lower() == "này":
            r.article = clause.part("article")
        if (kh or "").lower() == "này":
            r.clause = clause.part("clause")
        if dref is not None:
            end = dref.span[1]
            used.append(dref.span)
            r.code, r.year = code_of(dref), dref.year
            r.target_doc = resolver.document(dref, citing)
        elif internal or dref is None:
            # "Điều 36" with no document named: in a structured document it means this document's article.
            r.internal = True
            r.target_doc = clause.doc_id
        r.text, r.span = text[m.start():end], (m.start(), end)
        if r.target_doc and r.article:
            r.target_clause = resolver.unit(r.target_doc, r.article, r.clause, pts[0] if len(pts) == 1 else None)
        if r.internal and r.target_clause == clause.id:
            continue
        out.append(r)
        used.append((m.start(), end))

    for m in UNIT_REF_NO_ARTICLE.finditer(text):
        if any(a <= m.start() < b for a, b in used):
            continue
        kh = m.group("khs")
        if kh.lower() != "này":
            continue  # "khoản 2" alone is too ambiguous to resolve
        r = Ref(clause.id, clause.doc_id, CITES, m.group(0), m.span(), article=clause.part("article"),
                clause=clause.part("clause"), points=points_of(m.group("pts")), internal=True, target_doc=clause.doc_id)
        if r.article:
            r.target_clause = resolver.unit(clause.doc_id, r.article, r.clause,
                                            r.points[0] if len(r.points) == 1 else None)
        out.append(r)
        used.append(m.span())

    for dref in doc_refs:
        if any(a <= dref.span[0] < b for a, b in used):
            continue
        target = resolver.document(dref, citing)
        if target == clause.doc_id:
            continue  # the document's own number in its heading ("Số: 02-HD/TW")
        before = text[max(0, dref.span[0] - 60):dref.span[0]]
        relation = REPLACES if _REPLACES_BEFORE.search(before) else AMENDS if _AMENDS_BEFORE.search(before) else CITES
        out.append(Ref(clause.id, clause.doc_id, relation, dref.text, dref.span, code=code_of(dref), year=dref.year,
                       target_doc=target))
    out.sort(key=lambda r: r.span or (0, 0))
    return out


_AMENDED_BY = re.compile(r"amended by\s+([^,)]+)(?:,\s*([\d-]+))?", re.IGNORECASE)


def _front_matter_refs(doc: Document, resolver: UnitResolver) -> list[Ref]:
    """Replacement and amendment edges declared in a document's front matter."""
    out: list[Ref] = []

    def one(written: str, relation: str, source_doc: str, reverse: bool) -> None:
        drefs = find_doc_refs(written)
        target = resolver.document(drefs[0], None) if drefs else None
        code = code_of(drefs[0]) if drefs else written
        year = drefs[0].year if drefs else None
        if reverse:  # "replaced_by: X" is the edge X --replaces--> doc
            src = target or f"?{code}"  # a replacing document outside the corpus keeps its code as written
            out.append(Ref(src, src, relation, written, None, code=code, year=year, target_doc=source_doc,
                           provenance="front matter"))
        else:
            out.append(Ref(source_doc, source_doc, relation, written, None, code=code, year=year, target_doc=target,
                           provenance="front matter"))

    for w in doc.replaced_by:
        one(w, REPLACES, doc.id, reverse=True)
    for w in doc.replaces:
        one(w, REPLACES, doc.id, reverse=False)
    for m in _AMENDED_BY.finditer(doc.status or ""):
        one(m.group(1).strip(), AMENDS, doc.id, reverse=True)
    return out


@dataclass
class RefGraph:
    """All references of the corpus, indexed both ways, plus document-level validity edges."""

    documents: dict[str, Document]
    clauses: dict[str, Clause]
    refs: list[Ref] = field(default_factory=list)
    _from: dict[str, list[Ref]] = field(default_factory=lambda: defaultdict(list))
    _to_doc: dict[str, list[Ref]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def build(cls, documents: dict[str, Document], clauses: dict[str, Clause]) -> RefGraph:
        """Extract from every clause's own text and every front matter; a few hundred ms on this corpus."""
        g = cls(documents, clauses)
        resolver = UnitResolver(documents, clauses)
        for c in clauses.values():
            if c.level in ("document",):
                continue
            g.refs.extend(extract_refs(c, documents, resolver))
        for d in documents.values():
            g.refs.extend(_front_matter_refs(d, resolver))
        seen: set[tuple] = set()
        unique: list[Ref] = []
        for r in g.refs:
            key = (r.source, r.relation, r.text, r.span, r.target_doc, r.provenance)
            if key not in seen:
                seen.add(key)
                unique.append(r)
        g.refs = unique
        for r in g.refs:
            g._from[r.source_doc].append(r)
            if r.target_doc:
                g._to_doc[r.target_doc].append(r)
        return g

    @classmethod
    def from_searcher(cls, searcher: Searcher) -> RefGraph:
        return cls.build(searcher.documents, searcher.clauses)

    def cites(self, node: str) -> list[Ref]:
        """What a document or clause (its subtree included) cites; internal references included."""
        doc = node.split("/", 1)[0]
        return [r for r in self._from.get(doc, [])
                if r.relation == CITES and (node == doc or within(r.source, node))]

    def cited_by(self, node: str) -> list[Ref]:
        """References from other documents to this document, or to this clause (or a unit inside it)."""
        doc = node.split("/", 1)[0]
        out = []
        for r in self._to_doc.get(doc, []):
            if r.relation != CITES or r.internal or r.source_doc == doc:
                continue
            if node == doc or (r.target_clause and overlaps(r.target_clause, node)):
                out.append(r)
        return out

    def replaced_by(self, doc_id: str) -> list[Ref]:
        """Edges X --replaces--> doc: from the replacing text or from front matter; X may be outside the corpus."""
        out: dict[str, Ref] = {}
        for r in self._to_doc.get(doc_id, []):
            if r.relation == REPLACES:
                out.setdefault(r.source_doc, r)  # one line per replacing document, first provenance kept
        return list(out.values())

    def replaces(self, doc_id: str) -> list[Ref]:
        """What this document says (in its text or front matter) that it replaces."""
        return [r for r in self._from.get(doc_id, []) if r.relation == REPLACES and r.source_doc == doc_id
                and not r.source.startswith("?")]

    def amended_by(self, doc_id: str) -> list[Ref]:
        return [r for r in self._to_doc.get(doc_id, []) if r.relation == AMENDS]

    def amends(self, doc_id: str) -> list[Ref]:
        return [r for r in self._from.get(doc_id, []) if r.relation == AMENDS and r.source_doc == doc_id]

    def stats(self) -> dict[str, int]:
        """Counts for the report: references found in texts, resolved to a document, resolved to a clause."""
        text = [r for r in self.refs if r.provenance == "text"]
        external = [r for r in text if not r.internal]
        return {
            "found": len(text),
            "external": len(external),
            "internal": len(text) - len(external),
            "resolved_doc": sum(1 for r in external if r.target_doc),
            "resolved_clause": sum(1 for r in text if r.target_clause),
            "with_article": sum(1 for r in text if r.article),
            "front_matter_edges": sum(1 for r in self.refs if r.provenance == "front matter"),
        }

    def edges(self) -> list[tuple[str, str, str]]:
        """Document-level edges (source doc, relation, target doc or code as written) for a small graph view."""
        out: set[tuple[str, str, str]] = set()
        for r in self.refs:
            if r.internal:
                continue
            tgt = r.target_doc or (r.code or r.text)
            if r.source_doc != tgt:
                out.add((r.source_doc, r.relation, tgt))
        return sorted(out)


def graph_for(searcher: Searcher) -> RefGraph:
    """The reference graph of an opened index, built once per index version."""
    return searcher.derived("refs", RefGraph.from_searcher)
