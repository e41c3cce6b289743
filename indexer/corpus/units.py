"""Retrieval units: the clauses that get indexed, each with the context that makes it understandable alone.

A point such as "a) Khiển trách." means nothing without its khoản's lead-in and its article's title, so the
indexed text carries that context; what is shown to the user is always the verbatim clause text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.corpus.models import Clause, Document
from indexer.corpus.parse import search_text

NOT_INDEXED = {"signature", "document"}
_ELISION = re.compile(r"[(\[]?\s*(…|\.\.\.)\s*[)\]]?")
FRAME = {"preamble", "signature", "document"}


def documents_with_body(clauses: dict[str, Clause]) -> set[str]:
    """Documents with at least one unit beyond the title block and signature (QĐ 296 has only its title)."""
    return {c.doc_id for c in clauses.values() if c.level not in FRAME}


@dataclass
class Unit:
    clause_id: str
    doc_id: str
    lexical_text: str  # BM25 text: context, the clause, and the questions it answers
    dense_text: str  # embedded text: context and the clause
    questions: tuple[str, ...] = ()  # embedded one by one, as queries (indexer.corpus.questions)


def retrieval_units(
    documents: dict[str, Document], clauses: dict[str, Clause], questions: dict[str, tuple[str, ...]] | None = None
) -> list[Unit]:
    """Leaves of every document's clause tree (in document order), with titles and lead-ins of their ancestors,
    and the questions each answers (`questions`, by clause id: indexer.corpus.questions)."""
    units: list[Unit] = []
    questions = questions or {}
    with_body = documents_with_body(clauses)
    for clause in clauses.values():
        if clause.doc_id not in with_body:
            continue
        if not clause.is_leaf or clause.level in NOT_INDEXED or not clause.text.strip():
            continue
        doc = documents[clause.doc_id]
        context = _ancestor_context(clause, clauses)
        own = search_text(clause.text)
        asked = questions.get(clause.id, ())
        lexical = " ".join(x for x in (doc.title, *context, own, *asked) if x)
        dense = ". ".join(x.rstrip(" .:") for x in (doc.title, *context) if x)
        dense = f"{dense}. {own}" if dense else own
        units.append(Unit(clause.id, clause.doc_id, lexical, dense, tuple(asked)))
    return units


def _ancestor_context(clause: Clause, clauses: dict[str, Clause]) -> list[str]:
    """Headings and lead-in sentences of the enclosing units, outermost first."""
    chain: list[str] = []
    pid = clause.parent
    while pid:
        parent = clauses.get(pid)
        if parent is None:
            break
        # The title names the topic even when a lead-in follows ("Điều 29. Thẩm quyền đình chỉ sinh hoạt đảng" then
        # "(…)"): keep both; a lead-in that is only the elision mark of a partial text says nothing.
        intro = parent.intro if parent.intro and not _ELISION.fullmatch(parent.intro.strip()) else ""
        piece = " ".join(x for x in (parent.title, search_text(intro) if intro else "") if x)
        if piece:
            chain.append(piece)
        pid = parent.parent
    chain.reverse()
    return chain
