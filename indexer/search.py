"""Hybrid search: BM25 and dense scores fused (convex combination of min-max normalised scores), grouped by article.

Returns `Hit` records; the CLI and the UI only format them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import numpy as np

from indexer import store
from indexer.abbrev import expand_query
from indexer.build import corpus_hash, load_documents
from indexer.citation import clause_citation, status_label
from indexer.config import Settings, load_settings
from indexer.dense import DenseIndex
from indexer.diacritics import DiacriticRestorer
from indexer.docref import find_doc_refs, match_titles, remove_doc_refs, resolve_doc_refs
from indexer.embedder import Embedder, shared_embedder
from indexer.highlight import highlight_spans
from indexer.lexical import LexicalIndex
from indexer.models import Clause, Document, Hit
from indexer.normalize import has_diacritics
from indexer.tokens import plain_tokens, word_tokens
from indexer.units import documents_with_body

MODES = ("fused", "lexical", "dense")
T = TypeVar("T")


FUSION_METHODS = ("cc", "rrf")


@dataclass
class FusionParams:
    """Knobs of the ranking, chosen a priori (README, "Scores"); eval/regression.yaml locks in what they give."""

    # "cc": convex combination of per-query min-max normalised scores (Bruch et al. 2023, TOIS: beats RRF and is
    # robust to its weight); "rrf": reciprocal-rank fusion, the previous default, kept for comparison.
    method: str = "cc"
    rrf_k: float = 10.0  # method "rrf" only
    lexical_weight: float = 1.0  # equal weights: alpha = 0.5, no prior reason to trust one side more
    dense_weight: float = 1.0
    depth: int = 100  # candidates taken from each ranking (min-max runs over these)
    plain_weight: float = 0.0  # accented queries: a diacritics-free BM25 ranking beside the word one (no gain)
    replaced_factor: float = 0.85  # a replaced document ranks lower when its replacement's text is in the corpus
    news_factor: float = 0.8  # news and commentary rank below regulations


@dataclass
class QueryAnalysis:
    """What soi understood of a query: the document it names, the content words, the accent-restored form."""

    original: str
    content: str
    accented: bool
    dense_text: str
    doc_ids: list[str] = field(default_factory=list)
    doc_note: str = ""


def _load_clause(rec: dict) -> Clause:
    rec = dict(rec)
    rec["path"] = tuple(tuple(p) for p in rec["path"])
    rec["heading"] = tuple(rec["heading"])
    rec["span"] = tuple(rec["span"])
    rec["pieces"] = [tuple(p) for p in rec.get("pieces", [])]
    return Clause(**rec)


class Searcher:
    """An opened index version; thread-safe for reads (the UI shares one per process)."""

    def __init__(self, version_dir: Path, embedder: Embedder | None, params: FusionParams | None = None):
        paths = store.IndexPaths(version_dir)
        self.version_dir = version_dir
        self.manifest = store.read_manifest(version_dir)
        data = json.loads(paths.clauses.read_text(encoding="utf-8"))
        self.documents: dict[str, Document] = {d["id"]: Document(**d) for d in data["documents"]}
        self.clauses: dict[str, Clause] = {c["id"]: _load_clause(c) for c in data["clauses"]}
        units = json.loads(paths.units.read_text(encoding="utf-8"))["units"]
        self.unit_ids: list[str] = [u["clause_id"] for u in units]
        self.unit_docs = np.array([u["doc_id"] for u in units])
        self.lex_words = LexicalIndex.load(paths.lexical_words, len(units))
        self.lex_plain = LexicalIndex.load(paths.lexical_plain, len(units))
        self.dense = DenseIndex.load(paths.dense)
        self.embeddings = np.load(paths.embeddings, mmap_mode="r")
        self.restorer = DiacriticRestorer.from_dict(json.loads(paths.restorer.read_text(encoding="utf-8")))
        self.embedder = embedder
        self.params = params or FusionParams()
        self.docs_with_body = documents_with_body(self.clauses)
        self.group_of = [self._group_key(cid) for cid in self.unit_ids]
        self.doc_factor = self._doc_factors()
        self.last_timings: dict[str, float] = {}
        self._derived: dict[str, object] = {}

    # ---- opening -------------------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        check_corpus: bool = True,
        load_model: bool = True,
    ) -> Searcher:
        """Open the current index; refuse, with the command to run, when it is missing or does not match."""
        settings = settings or load_settings()
        index_dir = Path(settings.index_dir)
        version = store.current_version(index_dir)
        if version is None:
            raise store.MissingIndexError(
                f"Chưa có chỉ mục tại {index_dir} (no index yet). Hãy chạy: {store.REBUILD_HINT}"
            )
        manifest = store.read_manifest(version)
        if manifest.get("format_version") != store.FORMAT_VERSION:
            raise store.StaleIndexError(
                f"Chỉ mục tại {index_dir} được tạo bởi phiên bản khác của soi (index format changed). "
                f"Hãy chạy lại: {store.REBUILD_HINT}"
            )
        if check_corpus:
            if not settings.corpus_dirs and manifest.get("corpus_dirs"):
                # the user folders the index was built with are checked too, without retyping --corpus
                settings = replace(settings, corpus_dirs=[Path(p) for p in manifest["corpus_dirs"]])
            current = corpus_hash(load_documents(settings))
            if current != manifest.get("corpus_hash"):
                raise store.StaleIndexError(
                    f"Chỉ mục tại {index_dir} không khớp với kho văn bản hiện tại (corpus changed since the index "
                    f"was built). Hãy chạy lại: {store.REBUILD_HINT}"
                )
        if embedder is None and load_model:
            embedder = shared_embedder(settings.model, settings.query_prefix, settings.passage_prefix)
        if embedder is not None and embedder.checksum != manifest["model"]["checksum"]:
            raise store.StaleIndexError(
                f"Chỉ mục được tạo với mô hình {manifest['model']['model_id']} nhưng đang dùng {embedder.model_id} "
                f"(model mismatch). Hãy chạy lại: {store.REBUILD_HINT}"
            )
        searcher = cls(version, embedder)
        searcher.warm_up()
        return searcher

    def warm_up(self) -> None:
        """Pay the one-time costs (segmenter model, first forward pass) before the first user query."""
        word_tokens("khởi động tìm kiếm")
        highlight_spans("Ủy ban kiểm tra", "ủy ban")
        if self.embedder is not None:
            self.embedder.encode_query("khởi động tìm kiếm")
            self.embedder.clear_cache()

    def derived(self, key: str, build: Callable[[Searcher], T]) -> T:
        """A structure computed from this index version (reference graph, discipline linker), built on first use
        and kept with it, so a rebuilt index gets fresh ones and every caller shares them."""
        if key not in self._derived:
            self._derived[key] = build(self)
        return self._derived[key]  # type: ignore[return-value]

    def clear_caches(self) -> None:
        """Forget memoised query embeddings (so timings measure the real work)."""
        if self.embedder is not None:
            self.embedder.clear_cache()

    # ---- structure helpers ---------------------------------------------------------------------------------

    def _group_key(self, clause_id: str) -> str:
        """The article a clause belongs to (or its top-level programme item / paragraph when there are no articles)."""
        c = self.clauses[clause_id]
        node = c
        while node is not None:
            if node.level == "article":
                return node.id
            parent = self.clauses.get(node.parent) if node.parent else None
            if parent is None or parent.level in ("section", "chapter", "part", "document"):
                return node.id
            node = parent
        return clause_id

    def article_of(self, clause_id: str) -> str:
        return self._group_key(clause_id)

    def _doc_factors(self) -> np.ndarray:
        has_text = self.docs_with_body
        by_code = {d.code: d for d in self.documents.values()}
        factors = {}
        for d in self.documents.values():
            f = 1.0
            if d.status.startswith("replaced") and any(
                (r in by_code and by_code[r].id in has_text) for r in d.replaced_by
            ):
                f *= self.params.replaced_factor
            if not d.normative:
                f *= self.params.news_factor
            factors[d.id] = f
        return np.array([factors[d] for d in self.unit_docs], dtype=np.float32)

    # ---- query understanding -------------------------------------------------------------------------------

    def analyze(self, query: str) -> QueryAnalysis:
        refs = find_doc_refs(query)
        docs = resolve_doc_refs(refs, list(self.documents.values())) if refs else []
        content = remove_doc_refs(query, refs).strip() if refs else query
        if len(content.split()) < 2:
            content = query
        note = ""
        doc_ids = [d.id for d in docs]
        with_text = self.docs_with_body
        empty = [d for d in docs if d.id not in with_text]
        for d in empty:
            older = resolve_doc_refs(find_doc_refs(" ; ".join(d.replaces)), list(self.documents.values()))
            older = [o for o in older if o.id in with_text]
            if older:
                note += f"{d.code} chưa có toàn văn trong kho; tìm trong văn bản nó thay thế: " + ", ".join(
                    o.code for o in older
                ) + ". "
                doc_ids += [o.id for o in older]
            else:
                note += f"{d.code} chưa có toàn văn trong kho. "
        doc_ids = [i for i in dict.fromkeys(doc_ids) if i in with_text]
        accented = has_diacritics(query)
        dense_text = content if accented else self.restorer.restore(content)
        return QueryAnalysis(query, content, accented, dense_text, doc_ids, note.strip())

    def match_documents(self, text: str, limit: int = 3) -> list[Document]:
        """Documents named by number or by an approximate title (for --doc and the UI filter)."""
        refs = find_doc_refs(text)
        if refs:
            found = resolve_doc_refs(refs, list(self.documents.values()))
            if found:
                return found
        return [d for d, _ in match_titles(text, list(self.documents.values()), limit=limit)]

    # ---- search --------------------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        k: int = 10,
        mode: str = "fused",
        doc_ids: list[str] | None = None,
        in_force_only: bool = False,
        normative_only: bool = False,
    ) -> list[Hit]:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        t0 = time.perf_counter()
        timings = {"embed": 0.0, "lexical": 0.0, "dense": 0.0, "fusion": 0.0}
        qa = self.analyze(query)
        allowed = self._allowed_mask(doc_ids, in_force_only, normative_only)
        # A document named in the question gets a second, restricted ranking of its own (a boost, not a filter:
        # "Điều lệ quy định ..." may be answered by another document).
        named_mask = None
        if qa.doc_ids and not doc_ids:
            named_mask = self._allowed_mask(qa.doc_ids, in_force_only, normative_only)
        p = self.params
        views: list[View] = []
        ranks_lex: dict[int, int] = {}
        ranks_dense: dict[int, int] = {}

        if mode in ("fused", "lexical"):
            t = time.perf_counter()
            expanded = expand_query(qa.content)
            lex = []
            if qa.accented:
                lex.append((self.lex_words.scores(word_tokens(expanded)), p.lexical_weight))
                if p.plain_weight > 0:
                    lex.append((self.lex_plain.scores(plain_tokens(expanded)), p.plain_weight))
            else:
                lex.append((self.lex_plain.scores(plain_tokens(expanded)), p.lexical_weight))
            for i, (scores, weight) in enumerate(lex):
                order = _top(scores, allowed, p.depth)
                if i == 0:
                    ranks_lex = {int(u): r for r, u in enumerate(order)}
                views.append(View(order, scores[order], weight))
                if named_mask is not None:
                    named = _top(scores, named_mask, p.depth)
                    views.append(View(named, scores[named], weight))
            timings["lexical"] = (time.perf_counter() - t) * 1000

        if mode in ("fused", "dense"):
            if self.embedder is None:
                raise RuntimeError("this Searcher was opened without a model; dense search is unavailable")
            t = time.perf_counter()
            qvec = self.embedder.encode_query(qa.dense_text)
            timings["embed"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            order, sims = self._dense_order(qvec, allowed, p.depth)
            ranks_dense = {int(u): r for r, u in enumerate(order)}
            views.append(View(order, sims, p.dense_weight))
            if named_mask is not None:
                views.append(View(*self._dense_order(qvec, named_mask, p.depth), p.dense_weight))
            timings["dense"] = (time.perf_counter() - t) * 1000

        t = time.perf_counter()
        fused = fuse(views, p.method, p.rrf_k)
        for u in fused:
            fused[u] *= float(self.doc_factor[u])
        ranked = sorted(fused, key=lambda u: (-fused[u], u))
        hits = self._group(ranked, fused, ranks_lex, ranks_dense, k, qa.content)
        timings["fusion"] = (time.perf_counter() - t) * 1000
        timings["total"] = (time.perf_counter() - t0) * 1000
        self.last_timings = timings
        self.last_analysis = qa
        return hits

    def _allowed_mask(self, doc_ids: list[str] | None, in_force_only: bool, normative_only: bool) -> np.ndarray | None:
        if not doc_ids and not in_force_only and not normative_only:
            return None
        mask = np.ones(len(self.unit_ids), dtype=bool)
        if doc_ids:
            mask &= np.isin(self.unit_docs, np.array(doc_ids))
        if in_force_only:
            ok = [d.id for d in self.documents.values() if d.in_force]
            mask &= np.isin(self.unit_docs, np.array(ok))
        if normative_only:
            ok = [d.id for d in self.documents.values() if d.normative]
            mask &= np.isin(self.unit_docs, np.array(ok))
        return mask

    def _dense_order(self, qvec: np.ndarray, allowed: np.ndarray | None, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """The `depth` units most similar to the query (within `allowed`), best first, with their cosines."""
        if allowed is None:
            return self.dense.search(qvec, depth)
        subset = np.flatnonzero(allowed)
        if len(subset) == 0:
            return subset, np.zeros(0, dtype=np.float32)
        scores = np.asarray(self.embeddings[subset]) @ qvec
        best = np.argsort(-scores, kind="stable")[:depth]
        return subset[best], scores[best]

    def _group(
        self,
        ranked: list[int],
        fused: dict[int, float],
        ranks_lex: dict[int, int],
        ranks_dense: dict[int, int],
        k: int,
        query: str,
    ) -> list[Hit]:
        groups: dict[str, list[int]] = {}
        for u in ranked:
            groups.setdefault(self.group_of[u], []).append(u)
        hits: list[Hit] = []
        for members in groups.values():
            best = members[0]
            clause = self.clauses[self.unit_ids[best]]
            doc = self.documents[clause.doc_id]
            hits.append(
                Hit(
                    clause=clause,
                    document=doc,
                    score=fused[best],
                    rank=len(hits) + 1,
                    citation=clause_citation(clause, doc),
                    highlights=highlight_spans(clause.text, query),
                    lexical_rank=ranks_lex.get(best, -1) + 1 or None,
                    dense_rank=ranks_dense.get(best, -1) + 1 or None,
                    status_label=status_label(doc, self.documents),
                    also=[self.clauses[self.unit_ids[m]] for m in members[1:4]],
                )
            )
            if len(hits) >= k:
                break
        return hits

    # ---- reading -------------------------------------------------------------------------------------------

    def outline(self, doc_id: str) -> list[Clause]:
        """The document's clauses in order (pre-order), for an outline or a reader."""
        return [c for c in self.clauses.values() if c.doc_id == doc_id]


def _top(scores: np.ndarray, allowed: np.ndarray | None, depth: int) -> np.ndarray:
    """Units with a positive score, best first (ties by position, so results are deterministic)."""
    if allowed is not None:
        scores = np.where(allowed, scores, 0.0)
    cand = np.flatnonzero(scores > 0)
    if len(cand) > depth:
        part = np.argpartition(-scores[cand], depth)[:depth]
        cand = cand[part]
    return cand[np.lexsort((cand, -scores[cand]))]


@dataclass
class View:
    """One ranking to fuse: units best first, their raw scores (BM25 or cosine) in the same order, its weight."""

    units: np.ndarray
    scores: np.ndarray
    weight: float


def minmax(scores: np.ndarray) -> np.ndarray:
    """Per-query min-max over a ranking's candidates: best 1, worst 0 (all 1 when they tie), so scales compare."""
    scores = np.asarray(scores, dtype=np.float64)
    if len(scores) == 0:
        return scores
    lo, hi = float(scores.min()), float(scores.max())
    if hi - lo <= 1e-12:
        return np.ones_like(scores)
    return (scores - lo) / (hi - lo)


def fuse(views: list[View], method: str = "cc", rrf_k: float = 10.0) -> dict[int, float]:
    """Unit -> fused score. "cc": sum of weight x min-max score; "rrf": sum of weight / (rrf_k + rank)."""
    if method not in FUSION_METHODS:
        raise ValueError(f"fusion method must be one of {FUSION_METHODS}")
    fused: dict[int, float] = {}
    for view in views:
        if len(view.units) == 0:
            continue
        if method == "rrf":
            contrib = view.weight / (rrf_k + np.arange(1, len(view.units) + 1))
        else:
            contrib = view.weight * minmax(view.scores)
        for u, c in zip(view.units.tolist(), contrib.tolist(), strict=True):
            fused[u] = fused.get(u, 0.0) + c
    return fused
