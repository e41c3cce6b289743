"""Map gold locations (document code + year, article/clause/point) to the corpus's document and clause ids.

Party document numbers restart each congress term, so the code alone is not enough: code + year picks the
document. A gold location whose document, article or clause is missing from the corpus (partial documents,
QĐ 296 which has metadata and no text) is "not in corpus": it stays in the "all" figures as an unreachable
unit and is left out of the "answerable" ones, with the reason kept for the report.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from eval.dataset import GoldRef
from indexer.corpus.models import Clause, Document

_ARTICLE_NUMBER = re.compile(r"\d+[a-z]?", re.IGNORECASE)  # "29", "5a": a real Điều; else a section path


def _norm_code(code: str) -> str:
    """Codes compare after NFC + casefold, spaces ignored ("22-QĐ/TW" == "22 - qđ/tw")."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", code).casefold())


def _clean_label(label: str) -> str:
    """Labels as a source may write them: "Điều 29" -> "29", "b)" -> "b", "2.2." -> "2.2"."""
    label = unicodedata.normalize("NFC", label).strip()
    label = re.sub(r"^(điều|khoản|điểm)\s+", "", label, flags=re.IGNORECASE)
    return label.rstrip(".)").strip()


def _fallback_clause_id(doc_id: str, article: str, clause: str | None = None, point: str | None = None) -> str:
    """The id rule of DESIGN.md: `<doc>/d<article>/k<clause>/<point>`; a section path "II.2" -> `<doc>/II/2`."""
    if _ARTICLE_NUMBER.fullmatch(article):
        parts = [f"d{article}"]
        if clause:
            parts.append(f"k{clause}")
    else:
        parts = [p for p in article.split(".") if p]
        if clause:
            parts.append(clause)
    if point:
        parts.append(point)
    return "/".join([doc_id, *parts])


def _section_candidates(doc_id: str, article: str) -> list[str]:
    """Other readings of a dotted section path: "III.1.1" may be item "1.1" under "1" (`III/1/1.1`)."""
    head, *rest = [p for p in article.split(".") if p]
    out = []
    if rest:
        cumulative = [".".join(rest[: i + 1]) for i in range(len(rest))]
        out.append("/".join([doc_id, head, *cumulative]))
    return out


def _parse_clause_id_for() -> Callable[..., str] | None:
    try:
        from indexer.corpus.parse import clause_id_for  # the parser's own rule, when it has one
    except ImportError:
        return None
    return clause_id_for


def make_clause_id(doc_id: str, article: str, clause: str | None = None, point: str | None = None) -> str:
    """Clause id of a location: the parser's `clause_id_for` when present, else the documented rule."""
    fn = _parse_clause_id_for()
    if fn is not None:
        try:
            return fn(doc_id, article, clause, point)
        except (TypeError, ValueError):
            pass
    return _fallback_clause_id(doc_id, article, clause, point)


def article_unit_id(clause: Clause) -> str:
    """The article-level unit a returned clause belongs to; for documents without articles, the clause itself.

    Article-level matching then uses the same equal-or-descendant rule as clause level.
    """
    article = clause.part("article")
    if article:
        parts = clause.id.split("/")
        seg = make_clause_id(clause.doc_id, article).rsplit("/", 1)[-1]
        if seg in parts:  # ids may nest articles under an attached text ("qd-1147-.../quy-che/d5")
            return "/".join(parts[: parts.index(seg) + 1])
        return make_clause_id(clause.doc_id, article)
    return clause.id


@dataclass(frozen=True)
class GoldLoc:
    """A gold location resolved against the corpus.

    `article_id` is the article-level unit ("qd-22-2021/d29"), `clause_id` the most specific unit named
    ("qd-22-2021/d29/k2/2.2"; equal to article_id when no clause is given). When the document is unknown,
    or the gold names only the document, both are None. `in_corpus`: the article exists among the clauses
    (article-level answerable); `clause_in_corpus`: the named clause/point exists too (clause-level
    answerable); `doc_in_corpus`: the document has text in the corpus (document-level answerable).
    """

    ref: GoldRef
    doc_id: str | None
    article_id: str | None
    clause_id: str | None
    in_corpus: bool
    clause_in_corpus: bool
    reason: str = ""  # why not (fully) in corpus, for the report; "" when every level it names is in corpus
    doc_in_corpus: bool = False

    def unit_id(self, level: str) -> str:
        """Id used for matching at `level` ("document"/"article"/"clause"); an unmatchable marker if unknown."""
        if level == "document":
            return self.doc_id or f"!not-in-corpus:{self.ref.doc} ({self.ref.year})"
        value = self.article_id if level == "article" else self.clause_id
        return value if value is not None else f"!not-in-corpus:{self.ref.label()}"

    def has_level(self, level: str) -> bool:
        """Whether the gold names a unit at `level`: a document-only gold has none at article or clause level."""
        return level == "document" or self.ref.article is not None

    def answerable(self, level: str) -> bool:
        if level == "document":
            return self.doc_in_corpus
        return self.in_corpus if level == "article" else self.clause_in_corpus

    @property
    def present(self) -> bool:
        """The unit the gold names (its article, or its document when it names no article) is in the corpus."""
        return self.in_corpus if self.ref.article is not None else self.doc_in_corpus


class GoldResolver:
    """Resolves GoldRefs against Searcher-like `documents` and `clauses` dicts (ids indexed once)."""

    def __init__(self, documents: Mapping[str, Document], clauses: Mapping[str, Clause]) -> None:
        self.documents = documents
        self.clauses = clauses
        self._by_code: dict[tuple[str, int | None], list[str]] = {}
        for doc in documents.values():
            self._by_code.setdefault((_norm_code(doc.code), doc.year), []).append(doc.id)
        self._ids = set(clauses)
        self._doc_has_clauses = {c.doc_id for c in clauses.values()}
        self._articles = {(c.doc_id, c.part("article")) for c in clauses.values() if c.part("article")}

    def doc_id(self, code: str, year: int) -> str | None:
        """Document id for a code + year; several matches -> the first id in sort order (deterministic)."""
        ids = self._by_code.get((_norm_code(code), year))
        return sorted(ids)[0] if ids else None

    def _exists(self, unit_id: str) -> bool:
        """A unit exists if it is a clause or has clauses below it."""
        if unit_id in self._ids:
            return True
        prefix = unit_id + "/"
        return any(i.startswith(prefix) for i in self._ids)

    def resolve(self, ref: GoldRef) -> GoldLoc:
        doc_id = self.doc_id(ref.doc, ref.year)
        if doc_id is None:
            known = sorted(
                {d.year for d in self.documents.values() if _norm_code(d.code) == _norm_code(ref.doc)}, key=str
            )
            why = f"document {ref.doc} ({ref.year}) not in corpus"
            if known:
                why += f" (only years {', '.join(str(y) for y in known)})"
            return GoldLoc(ref, None, None, None, False, False, why)
        has_text = doc_id in self._doc_has_clauses
        if ref.article is None:
            why = "" if has_text else f"document {doc_id} has no text in the corpus"
            return GoldLoc(ref, doc_id, None, None, False, False, why, has_text)
        article = _clean_label(ref.article)
        clause = _clean_label(ref.clause) if ref.clause else None
        point = _clean_label(ref.point) if ref.point else None
        article_id = make_clause_id(doc_id, article)
        clause_id = make_clause_id(doc_id, article, clause, point) if clause else article_id
        if not _ARTICLE_NUMBER.fullmatch(article):  # section path: pick the reading that exists
            for cand in _section_candidates(doc_id, article):
                if not self._exists(article_id) and self._exists(cand):
                    article_id = clause_id = cand
        in_art = self._exists(article_id) or (doc_id, article) in self._articles
        in_clause = in_art and self._exists(clause_id)
        if not has_text:
            why = f"document {doc_id} has no text in the corpus"
        elif not in_art:
            why = f"{article_id} not in corpus (partial document)"
        elif not in_clause:
            why = f"{clause_id} not in corpus (article present)"
        else:
            why = ""
        return GoldLoc(ref, doc_id, article_id, clause_id, in_art, in_clause, why, has_text)

    def resolve_all(self, refs: list[GoldRef]) -> list[GoldLoc]:
        return [self.resolve(r) for r in refs]


def resolve_gold(ref: GoldRef, documents: Mapping[str, Document], clauses: Mapping[str, Clause]) -> GoldLoc:
    """One-off resolution (builds the indexes each call; use GoldResolver for many)."""
    return GoldResolver(documents, clauses).resolve(ref)
