"""Parallel provisions: a Điều lệ article and the articles of the regulations that detail it (QĐ 22/296 on
inspection and supervision, QĐ 69 on discipline, QĐ 37 on what members must not do).

The pairs come from `indexer/search/data/parallels.yaml`, a reviewed file that cites only ids: candidates were found
by `python -m indexer.rules.parallel_candidates` (explicit references, heading words, dense similarity) and each was
kept or rejected after reading both articles. This module reads it and binds it to an opened index:

- the card says «Quy định chi tiết: …» under a Điều lệ provision and «Quy định tại: …» under a detailing article
  (`ParallelMap.for_clause`, `lines`), citations in words, ids only in `--json` (`to_dict`);
- the ranking may keep partners together (`FusionParams.parallels`, `keep_together`; opt-in: no variant won beyond
  noise on the dev questions, `python -m eval.levers --only parallels --detail`).

The ranking pairs whole articles; an id may name a khoản when only that khoản is detailed, and then the card cites
that khoản and shows the pair only on it (and on the whole article), not on the article's other khoản. Ids absent
from an index (a partial document, a user's corpus) are skipped, never guessed. A detailing document replaced by one
whose text is in the corpus is still shown, with its replacement, but not pulled up by the ranking (the searcher ranks
replaced documents lower).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from indexer.corpus.citation import document_citation, unit_citation, unit_phrases
from indexer.corpus.models import Clause, Document, overlaps

DATA_PATH = Path(__file__).parent / "data" / "parallels.yaml"
PARENT_DOC = "dieu-le-dang-2011"  # the parent rule
DETAILING_DOCS = ("qd-22-2021", "qd-296-2025", "qd-69-2022", "qd-37-2021")  # the regulations that detail it

# How a candidate pair was found (the reviewed file says it for each pair).
REFERENCE, TITLE, SIMILARITY = "reference", "title", "similarity"
FOUND_BY = (REFERENCE, TITLE, SIMILARITY)
# Why a candidate was rejected on review.
REJECT_REASONS = {
    "sanction": "the regulation punishes breaking the rule (a discipline link), it does not detail it",
    "other-subject": "the two articles share words, not a subject",
    "broader": "one article only restates a general principle the other applies to many subjects",
}

DETAIL, PARENT = "detail", "parent"  # a partner that details this article / that this article details
LABELS = {DETAIL: "Quy định chi tiết", PARENT: "Quy định tại"}


@dataclass(frozen=True)
class Pair:
    parent: str  # an article (or khoản) of the parent rule: the Điều lệ
    detail: str  # the article (or khoản) of a regulation that details it
    found: tuple[str, ...]  # how the candidate was found: reference | title | similarity


@dataclass(frozen=True)
class Rejected:
    parent: str
    detail: str
    found: tuple[str, ...]
    reason: str  # a key of REJECT_REASONS


@dataclass
class ParallelData:
    pairs: list[Pair] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def _found(entry: dict) -> tuple[str, ...]:
    found = entry.get("found") or []
    found = [found] if isinstance(found, str) else list(found)
    bad = [f for f in found if f not in FOUND_BY]
    if bad or not found:
        raise ValueError(f"parallels: 'found' must be some of {FOUND_BY}: {entry}")
    return tuple(found)


@lru_cache(maxsize=4)
def load_parallels(path: Path = DATA_PATH) -> ParallelData:
    """The reviewed pairs and the rejected candidates, as written (not checked against an index)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    data = ParallelData()
    for e in raw.get("pairs") or []:
        data.pairs.append(Pair(str(e["parent"]), str(e["detail"]), _found(e)))
    for e in raw.get("rejected") or []:
        reason = str(e.get("reason", ""))
        if reason not in REJECT_REASONS:
            raise ValueError(f"parallels: unknown reason {reason!r} (one of {sorted(REJECT_REASONS)}): {e}")
        data.rejected.append(Rejected(str(e["parent"]), str(e["detail"]), _found(e), reason))
    return data


@dataclass(frozen=True)
class Partner:
    """A provision parallel to the one at hand: `role` says whether it details it or is detailed by it."""

    role: str  # DETAIL | PARENT
    clause_id: str  # as cited in the reviewed file (an article, or a khoản)
    article_id: str  # the article it belongs to (what the ranking moves)
    found: tuple[str, ...]
    via: str = ""  # this side's id in the pair (an article, or the khoản that the pair is about)


class ParallelMap:
    """The reviewed pairs bound to one index: article id -> its partners (ids that the index does not hold skipped)."""

    def __init__(self, data: ParallelData, clauses: dict[str, Clause], article_of: Callable[[str], str]):
        self.by_article: dict[str, list[Partner]] = {}
        self.skipped: list[Pair] = []
        for p in data.pairs:
            if p.parent not in clauses or p.detail not in clauses:
                self.skipped.append(p)
                continue
            pa, da = article_of(p.parent), article_of(p.detail)
            self._add(pa, Partner(DETAIL, p.detail, da, p.found, p.parent))
            self._add(da, Partner(PARENT, p.parent, pa, p.found, p.detail))

    def _add(self, article: str, partner: Partner) -> None:
        have = self.by_article.setdefault(article, [])
        if partner not in have:
            have.append(partner)

    def partners(self, article_id: str) -> list[Partner]:
        """The partners of an article: those that detail it first, then those it details, in file order."""
        found = self.by_article.get(article_id, [])
        return [p for p in found if p.role == DETAIL] + [p for p in found if p.role == PARENT]

    def for_clause(self, clause_id: str, article_id: str) -> list[Partner]:
        """The partners a card shows for this clause: a pair about one khoản of the article applies to that khoản
        (and to the whole article), not to its other khoản; the ranking uses `partners` (whole articles)."""
        def related(via: str) -> bool:
            return via == article_id or overlaps(clause_id, via)

        return [p for p in self.partners(article_id) if related(p.via or article_id)]

    def __len__(self) -> int:
        return sum(1 for ps in self.by_article.values() for p in ps if p.role == DETAIL)


def parallel_map(clauses: dict[str, Clause], article_of: Callable[[str], str],
                 path: Path = DATA_PATH) -> ParallelMap:
    return ParallelMap(load_parallels(path), clauses, article_of)


def document_phrase(doc: Document) -> str:
    """The document as a citation names it, with the replacement of a replaced one in words (no ids)."""
    text = document_citation(doc)
    if doc.status.startswith("replaced"):
        text += f" (đã được thay thế bởi {', '.join(doc.replaced_by) or 'văn bản khác'})"
    return text


def grouped(partners: list[Partner], role: str, clauses: dict[str, Clause],
            documents: dict[str, Document]) -> list[tuple[list[tuple[str, Clause]], str]]:
    """The partners of one role by document, in order: [([(unit in words, clause), …], document in words), …]."""
    by_doc: dict[str, list[tuple[str, Clause]]] = {}
    for p in partners:
        c = clauses.get(p.clause_id)
        if p.role != role or c is None or c.doc_id not in documents:
            continue
        units = by_doc.setdefault(c.doc_id, [])
        if all(x.id != c.id for _, x in units):
            # the first unit of a document as a citation begins ("Khoản 4, Điều 40"), the next ones in the sentence
            units.append((unit_citation(c) if not units else ", ".join(unit_phrases(c)) or unit_citation(c), c))
    return [(units, document_phrase(documents[d])) for d, units in by_doc.items()]


def join_units(labels: list[str]) -> str:
    """"Điều 28", "Điều 28 và Điều 29", "Điều 28, Điều 29 và Điều 30"."""
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " và " + labels[-1]


def lines(partners: list[Partner], clauses: dict[str, Clause], documents: dict[str, Document]) -> list[str]:
    """One line per role, in words: «Quy định chi tiết: Điều 28 và Điều 29, Quy định số 22-QĐ/TW …; Điều 7, …»,
    «Quy định tại: Khoản 4, Điều 40, Điều lệ Đảng …»."""
    out = []
    for role in (DETAIL, PARENT):
        groups = grouped(partners, role, clauses, documents)
        cites = [f"{join_units([u for u, _ in units])}, {doc}" for units, doc in groups]
        if cites:
            out.append(f"{LABELS[role]}: " + "; ".join(cites))
    return out


def to_dict(partners: list[Partner]) -> dict[str, list[str]]:
    """Ids for `--json` and the API: {"details": [...], "parents": [...]}."""
    return {
        "details": [p.clause_id for p in partners if p.role == DETAIL],
        "parents": [p.clause_id for p in partners if p.role == PARENT],
    }


def keep_together(
    order: list[str],
    partners_of: Callable[[str], list[Partner]],
    top: int = 5,
    window: int = 20,
    skip: Callable[[str], bool] | None = None,
) -> list[str]:
    """Articles best first -> the same articles, where each of the first `top` that has a partner among the first
    `window` (but below `top`) is followed by its best-ranked partner, so both are in the top `top`.

    Only the articles that were in the top `top` pull (an inserted partner pulls nothing, so no chains), one partner
    each, and only when the partner lands within the top `top`; `skip(article)`: partners never pulled up."""
    pos = {a: i for i, a in enumerate(order[:window])}
    out: list[str] = []
    placed: set[str] = set()
    for a in order[:top]:
        if a in placed:
            continue
        out.append(a)
        placed.add(a)
        if len(out) >= top:
            break
        cands = [pos[p.article_id] for p in partners_of(a)
                 if p.article_id in pos and pos[p.article_id] >= top and p.article_id not in placed
                 and not (skip and skip(p.article_id))]
        if cands:
            b = order[min(cands)]
            out.append(b)
            placed.add(b)
    return out + [a for a in order if a not in placed]
