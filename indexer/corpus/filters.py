"""Choosing documents by their metadata (type, issuer, year, validity): pure functions the UI's filters call.

The result is a list of document ids to pass to `Searcher.search(doc_ids=...)`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from indexer.corpus.citation import TYPE_NAMES
from indexer.corpus.models import Document

TYPE_LABELS: dict[str, str] = {
    **TYPE_NAMES,
    "dieu-le": "Điều lệ",
    "chuong-trinh": "Chương trình",
    "tin-tuc": "Tin bài",
}


def type_label(doc_type: str) -> str:
    """Vietnamese name of a document type ("quy-dinh" -> "Quy định"); unknown types are shown as written."""
    return TYPE_LABELS.get(doc_type, doc_type)


@dataclass
class Facets:
    """The values a filter can offer, each sorted for display."""

    types: list[str]
    issuers: list[str]
    years: list[int]


def facets(documents: Iterable[Document]) -> Facets:
    """Distinct types, issuers and years of the documents (empty values left out)."""
    docs = list(documents)
    types = sorted({d.type for d in docs if d.type}, key=type_label)
    issuers = sorted({d.issuer for d in docs if d.issuer})
    years = sorted({d.year for d in docs if d.year is not None})
    return Facets(types, issuers, years)


def select_documents(
    documents: Iterable[Document],
    *,
    doc_ids: Iterable[str] | None = None,
    types: Iterable[str] | None = None,
    issuers: Iterable[str] | None = None,
    year_range: tuple[int, int] | None = None,
    in_force_only: bool = False,
) -> list[Document]:
    """Documents that pass every given condition; an empty or None condition does not restrict.

    With a year range, documents whose year is unknown are left out.
    """
    ids = set(doc_ids or ())
    type_set = set(types or ())
    issuer_set = set(issuers or ())
    out = []
    for d in documents:
        if ids and d.id not in ids:
            continue
        if type_set and d.type not in type_set:
            continue
        if issuer_set and d.issuer not in issuer_set:
            continue
        if year_range is not None and (d.year is None or not year_range[0] <= d.year <= year_range[1]):
            continue
        if in_force_only and not d.in_force:
            continue
        out.append(d)
    return out
