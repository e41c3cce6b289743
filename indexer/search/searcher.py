"""Hybrid search: BM25 and dense scores fused (convex combination of min-max normalised scores), grouped by article.

Returns `Hit` records; the CLI and the UI only format them.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from indexer.config import Settings, load_settings
from indexer.corpus.citation import clause_citation, status_label
from indexer.corpus.docref import DocRef, find_doc_refs, match_titles, remove_doc_refs, resolve_doc_refs
from indexer.corpus.models import Clause, Document, Hit, within
from indexer.corpus.unitref import UnitResolver, cited_units
from indexer.corpus.units import documents_with_body
from indexer.embed.embedder import Embedder, shared_embedder
from indexer.index import freshness, store
from indexer.index.dense import DenseIndex, QuestionVectors, matvec
from indexer.index.lexical import LexicalIndex
from indexer.search.adapter import QueryAdapter, load_adapter
from indexer.search.answerability import Answerability, load_calibration
from indexer.search.coverage import Vocabulary, absent_words
from indexer.search.parallels import ParallelMap, Partner, keep_together, parallel_map
from indexer.search.parallels import to_dict as parallel_ids
from indexer.search.rerank import Ranker, StaticFeatures, candidate_matrix, load_ranker
from indexer.text.abbrev import expand_query
from indexer.text.diacritics import DiacriticRestorer
from indexer.text.highlight import highlight_spans, query_terms, remember_words
from indexer.text.normalize import has_diacritics
from indexer.text.tokens import plain_tokens, word_tokens

log = logging.getLogger(__name__)

MODES = ("fused", "lexical", "dense")
T = TypeVar("T")


FUSION_METHODS = ("cc", "rrf")
PARALLEL_MODES = ("", "insert", "transfer")


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
    plan_factor: float = 0.8  # a programme or plan (a province's action programme) ranks below the rules it applies
    frame_factor: float = 0.5  # a title block ("QUY ĐỊNH VỀ …") answers no question; its words match many
    # A unit's dense score with the questions it answers (indexer.corpus.questions): (1 − w) × cosine to the unit +
    # w × the best cosine to one of its questions. 0.2–0.4 give the same fused figures (README, "Ranking levers").
    question_weight: float = 0.3
    rerank: bool = True  # use the learned second stage when a ranker is loaded (`ranker_path`)
    # The learned second stage (indexer/search/rerank.py) is not used by default: trained on questions made from the
    # corpus it lost 5–8 MRR points on the dev questions (README, "Ranking levers"). A path opts in.
    ranker_path: str = ""
    # Parallel provisions (indexer/search/parallels.py: a Điều lệ article and the regulation articles that detail it,
    # reviewed). "" off; "insert": each of the first `parallel_top` articles pulls its best-ranked partner from the
    # first `parallel_window` articles right after itself; "transfer": an article's score gains `parallel_transfer`
    # times its best candidate partner's score. Opt-in: no variant won beyond noise on the dev questions (article
    # MRR@10, paired: insert −0.000, 0/1; transfer 0.1 +0.008 [−0.001, +0.023], 0.25 +0.021 [−0.002, +0.047]; R@5
    # unchanged; headings and quiz stems unchanged): `python -m eval.levers --only parallels --detail`.
    parallels: str = ""
    parallel_top: int = 5
    parallel_window: int = 20
    parallel_transfer: float = 0.1
    # A query-side adapter of the dense model (indexer/search/adapter.py, `python -m eval.adapter_train`):
    # a path opts in. Trained on questions made from the corpus it lost on the dev questions (README, "Ranking levers").
    adapter_path: str = ""

    def __post_init__(self) -> None:
        if self.parallels not in PARALLEL_MODES:
            raise ValueError(f"parallels must be one of {PARALLEL_MODES}, not {self.parallels!r}")


@dataclass
class QueryAnalysis:
    """What soi understood of a query: the document it names, the content words, the accent-restored form."""

    original: str
    content: str
    accented: bool
    dense_text: str
    doc_ids: list[str] = field(default_factory=list)
    doc_note: str = ""
    # provisions the query names with their document ("khoản 2 Điều 29 Quy định 22"): shown first, as named
    cited: list[str] = field(default_factory=list)


def _load_clause(rec: dict) -> Clause:
    rec = dict(rec)
    rec["path"] = tuple(tuple(p) for p in rec["path"])
    rec["heading"] = tuple(rec["heading"])
    rec["span"] = tuple(rec["span"])
    rec["pieces"] = [tuple(p) for p in rec.get("pieces", [])]
    return Clause(**rec)


def _damage(path: Path, error: BaseException) -> str:
    """A damaged index file and what is wrong with it, in words (not «mmap length is greater than file size»)."""
    try:
        empty = path.is_file() and path.stat().st_size == 0
    except OSError:
        empty = False
    if not path.exists():
        return f"{path.name} (thiếu tệp; missing)"
    if empty:
        return f"{path.name} (tệp rỗng; empty file)"
    return (f"{path.name} (không đọc được: hỏng hoặc bị cắt cụt; unreadable: damaged or truncated — "
            f"{type(error).__name__})")


def _remember_words(path: Path) -> None:
    """Hand the index's stored word cuts to the highlighter; only a speed-up, so an index built before they were
    stored, or a damaged file, just means the segmenter runs when a clause is first highlighted."""
    try:
        cuts = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(cuts, dict):
            remember_words(cuts)
    except (OSError, ValueError, TypeError) as e:
        log.info("word cuts for highlights not read from %s (%s): the segmenter cuts clauses as they come", path, e)


class Searcher:
    """An opened index version; thread-safe for reads (the UI shares one per process)."""

    def __init__(self, version_dir: Path, embedder: Embedder | None, params: FusionParams | None = None):
        paths = store.IndexPaths(version_dir)
        self.version_dir = version_dir
        reading = paths.manifest  # the file being read: a damaged one is named, with the command that fixes it
        try:
            self.manifest = store.read_manifest(version_dir)
            reading = paths.clauses
            data = json.loads(paths.clauses.read_text(encoding="utf-8"))
            self.documents: dict[str, Document] = {d["id"]: Document(**d) for d in data["documents"]}
            self.clauses: dict[str, Clause] = {c["id"]: _load_clause(c) for c in data["clauses"]}
            reading = paths.units
            units = json.loads(paths.units.read_text(encoding="utf-8"))["units"]
            self.unit_ids: list[str] = [u["clause_id"] for u in units]
            self.unit_docs = np.array([u["doc_id"] for u in units])
            reading = paths.lexical_words
            self.lex_words = LexicalIndex.load(paths.lexical_words, len(units))
            reading = paths.lexical_plain
            self.lex_plain = LexicalIndex.load(paths.lexical_plain, len(units))
            reading = paths.dense
            self.dense = DenseIndex.load(paths.dense)
            reading = paths.embeddings
            self.embeddings = np.load(paths.embeddings, mmap_mode="r")
            reading = paths.question_units
            owner = np.load(paths.question_units) if paths.question_units.exists() else None
            reading = paths.question_vectors
            self.questions = QuestionVectors.load(paths.question_vectors, owner, len(units))
            reading = paths.restorer
            self.restorer = DiacriticRestorer.from_dict(json.loads(paths.restorer.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, EOFError, RuntimeError) as e:
            raise store.CorruptIndexError(store.damaged_message(version_dir.parent, [_damage(reading, e)])) from e
        _remember_words(paths.highlight_words)
        self.embedder = embedder
        self.params = params or FusionParams()
        self.docs_with_body = documents_with_body(self.clauses)
        self.group_of = [self._group_key(cid) for cid in self.unit_ids]
        self.replaced_docs = self._replaced_docs()
        self.doc_factor = self._doc_factors()
        self.last_timings: dict[str, float] = {}
        self._derived: dict[str, object] = {}
        self.ranker: Ranker | None = load_ranker(Path(self.params.ranker_path)) if self.params.ranker_path else None
        self.adapter: QueryAdapter | None = self._load_adapter()
        self.calibration = load_calibration(self.manifest.get("model", {}).get("checksum", ""))
        self._static: StaticFeatures | None = None

    # ---- opening -------------------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        check_corpus: bool = True,
        load_model: bool = True,
        allow_stale: bool = False,
    ) -> Searcher:
        """Open the current index; refuse, with the command to run, when it is missing or does not match.

        `allow_stale`: a complete index built from an older corpus (a `soi add --no-build`, a killed add) still
        answers; `searcher.freshness` then says what changed and what to run (`soi ask`, `soi serve`)."""
        settings = settings or load_settings()
        index_dir = Path(settings.index_dir)
        version = store.current_version(index_dir)
        if version is None:
            raise store.MissingIndexError(
                f"Chưa có chỉ mục tại {index_dir} (no index yet). Hãy chạy: {store.REBUILD_HINT}"
            )
        try:
            manifest = store.read_manifest(version)
        except (OSError, ValueError) as e:
            raise store.CorruptIndexError(store.damaged_message(index_dir, [f"{store.MANIFEST} ({e})"])) from e
        if manifest.get("format_version") != store.FORMAT_VERSION:
            raise store.StaleIndexError(
                f"Chỉ mục tại {index_dir} được tạo bởi phiên bản khác của soi (index format changed). "
                f"Hãy chạy lại: {store.REBUILD_HINT}"
            )
        fresh = None
        if check_corpus:
            # Sizes and times of the corpus files against the manifest (the user folders it names included),
            # hashing only files in doubt: no corpus parsing before the first answer.
            fresh = freshness.check(settings, manifest)
            if not fresh.fresh and not allow_stale:
                raise store.StaleIndexError(
                    f"Chỉ mục tại {index_dir} không khớp với kho văn bản hiện tại (corpus changed since the index "
                    f"was built).\n{fresh.message(answering=False)}"
                )
        if embedder is None and load_model:
            from indexer.embed.query_encoder import light_query_encoder

            # Queries need only the query side of the model: ONNX Runtime without PyTorch once a build exported it.
            embedder = light_query_encoder(settings) or shared_embedder(
                settings.model, settings.query_prefix, settings.passage_prefix
            )
        if embedder is not None and embedder.checksum != manifest["model"]["checksum"]:
            raise store.StaleIndexError(
                f"Chỉ mục được tạo với mô hình {manifest['model']['model_id']} nhưng đang dùng {embedder.model_id} "
                f"(model mismatch). Hãy chạy lại: {store.REBUILD_HINT}"
            )
        try:
            searcher = cls(version, embedder)
        except Exception as e:
            damaged = store.damaged_files(version, manifest)  # only files that fail their checksum say "damaged"
            if damaged:
                raise store.CorruptIndexError(store.damaged_message(index_dir, damaged)) from e
            raise
        searcher.freshness = fresh  # None when not checked
        searcher.warm_up()
        return searcher

    def set_params(self, params: FusionParams) -> None:
        """Switch the ranking configuration (eval of levers); priors and the opt-in ranker follow it."""
        if params == self.params:
            return
        self.params = params
        self.doc_factor = self._doc_factors()
        self.ranker = load_ranker(Path(params.ranker_path)) if params.ranker_path else None
        self.adapter = self._load_adapter()

    def _load_adapter(self) -> QueryAdapter | None:
        """The opt-in query adapter when it was trained for this index's model (else None: unadapted)."""
        if not self.params.adapter_path:
            return None
        return load_adapter(Path(self.params.adapter_path), self.manifest.get("model", {}).get("checksum", ""))

    def warm_up(self) -> None:
        """Pay the one-time costs (segmenter model, first forward pass) before the first user query."""
        word_tokens("khởi động tìm kiếm")
        highlight_spans("Ủy ban kiểm tra", "ủy ban")
        if self.embedder is not None:
            self.embedder.encode_query("khởi động tìm kiếm")
            self.embedder.clear_cache()
        _ = self.vocabulary  # 0.08 s at corpus size

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

    def clause_vector(self, clause_id: str) -> np.ndarray | None:
        """A clause's passage embedding: its own when it is a search unit, else the normalised mean of the units
        inside it (an article, a khoản with points); None when no unit lies inside it."""
        row = self.derived("unit_row", lambda s: {cid: i for i, cid in enumerate(s.unit_ids)})
        if clause_id in row:
            return np.asarray(self.embeddings[row[clause_id]])
        rows = [i for cid, i in row.items() if within(cid, clause_id)]
        if not rows:
            return None
        v = np.asarray(self.embeddings[rows]).mean(axis=0)
        n = float(np.linalg.norm(v))
        return v / n if n else None

    @property
    def parallel_map(self) -> ParallelMap:
        """The reviewed parallel provisions bound to this index (built once per index version)."""
        return self.derived("parallels", lambda s: parallel_map(s.clauses, s.article_of))

    def parallels(self, clause_id: str) -> list[Partner]:
        """Provisions parallel to this clause (for a card): those that detail it, then those it details."""
        if clause_id not in self.clauses:
            return []
        return self.parallel_map.for_clause(clause_id, self.article_of(clause_id))

    def _replaced_docs(self) -> set[str]:
        """Documents replaced by one whose text is in the corpus (a replacement without text changes nothing)."""
        by_code = {d.code: d for d in self.documents.values()}
        return {
            d.id
            for d in self.documents.values()
            if d.status.startswith("replaced")
            and any(r in by_code and by_code[r].id in self.docs_with_body for r in d.replaced_by)
        }

    def _doc_factors(self) -> np.ndarray:
        """Per-unit prior: replaced documents, news, programmes/plans and title blocks rank below rules."""
        replaced = self.replaced_docs
        p = self.params
        factors = {}
        for d in self.documents.values():
            f = 1.0
            if d.id in replaced:
                f *= p.replaced_factor
            if not d.normative:
                f *= p.news_factor
            if d.is_plan:
                f *= p.plan_factor
            factors[d.id] = f
        per_doc = np.array([factors[d] for d in self.unit_docs], dtype=np.float32)
        frame = np.array([self.clauses[c].level == "preamble" for c in self.unit_ids], dtype=bool)
        return np.where(frame, per_doc * p.frame_factor, per_doc).astype(np.float32)

    # ---- query understanding -------------------------------------------------------------------------------

    def analyze(self, query: str, exact: bool = False) -> QueryAnalysis:
        """`exact`: keep an unaccented query as typed (no restoration) for the dense side too."""
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
        cited, cited_note = self._cited(query, refs)
        note += cited_note
        accented = has_diacritics(query)
        dense_text = content if accented or exact else self.restorer.restore(content)
        return QueryAnalysis(query, content, accented, dense_text, doc_ids, note.strip(), cited)

    def _cited(self, query: str, refs: list[DocRef]) -> tuple[list[str], str]:
        """Clause ids of the provisions the query names (present in the index), and a note on those it lacks;
        `refs`: the query's document mentions (found once, by `analyze`)."""
        resolver = self.derived("unit_resolver", lambda s: UnitResolver(s.documents, s.clauses))
        ids: list[str] = []
        note = ""
        for c in cited_units(query, resolver, refs):
            if c.clause_id is None:
                note += f"«{c.text}» chưa có trong kho (văn bản chỉ có một phần). "
                continue
            if not c.exact:
                shown = clause_citation(self.clauses[c.clause_id], self.documents[c.doc_id])
                note += f"«{c.text}» chưa có nguyên văn trong kho; hiển thị {shown}. "
            if c.clause_id not in ids:
                ids.append(c.clause_id)
        return ids, note

    def match_documents(self, text: str, limit: int = 3) -> list[Document]:
        """Documents named by number or by an approximate title (for --doc and the UI filter)."""
        refs = find_doc_refs(text)
        if refs:
            found = resolve_doc_refs(refs, list(self.documents.values()))
            if found:
                return found
        return [d for d, _ in match_titles(text, list(self.documents.values()), limit=limit)]

    # ---- search --------------------------------------------------------------------------------------------

    def ask(
        self,
        query: str,
        k: int = 10,
        mode: str = "fused",
        doc_ids: list[str] | None = None,
        in_force_only: bool = False,
        normative_only: bool = False,
        exact: bool = False,
    ) -> Answer:
        """The hits and whether they answer at all (`answerability` None when not calibrated for this model)."""
        hits, cands = self._run(query, k, mode, doc_ids, in_force_only, normative_only, exact)
        t = time.perf_counter()
        judged, absent = self._judge(cands), self.absent(query, cands.analysis)
        cands.timings["answer"] = (time.perf_counter() - t) * 1000  # answerability and the words no text contains
        cands.timings["total"] += cands.timings["answer"]
        return Answer(hits, cands.analysis, judged, cands.timings, absent)

    def absent(self, query: str, analysis: QueryAnalysis | None = None) -> list[str]:
        """Words of `query`, as typed, that no text of this index contains (indexer.search.coverage)."""
        qa = analysis or self.analyze(query)
        return absent_words(query, self.vocabulary, qa.accented, qa.dense_text)

    @property
    def vocabulary(self) -> Vocabulary:
        """Syllables and syllable pairs of every text and title of this index (for `Answer.absent`)."""
        return self.derived("vocabulary", lambda s: Vocabulary.of_texts(
            [c.text for c in s.clauses.values()] + [d.title for d in s.documents.values()]))

    def answerability(self, query: str) -> Answerability | None:
        """Whether anything in the whole corpus answers `query`, from the first stage alone (no fusion, no hits)."""
        return self._judge(self.candidates(query)) if self.calibration is not None else None

    def _judge(self, cands: Candidates) -> Answerability | None:
        if self.calibration is None or cands.dense is None:
            return None
        return self.calibration.judge(*self.answer_signals(cands))

    def answer_signals(self, cands: Candidates) -> tuple[float, float]:
        """Best cosine and best BM25 per content word of the question (the answerability model's inputs)."""
        cos = float(cands.dense.scores.max()) if cands.dense is not None and len(cands.dense.scores) else 0.0
        words = max(len(query_terms(cands.analysis.content)), 1)
        bm = float(cands.lex.scores.max()) / words if cands.lex is not None and len(cands.lex.scores) else 0.0
        return cos, bm

    def search(
        self,
        query: str,
        k: int = 10,
        mode: str = "fused",
        doc_ids: list[str] | None = None,
        in_force_only: bool = False,
        normative_only: bool = False,
        exact: bool = False,
    ) -> list[Hit]:
        """Ranked hits grouped by article. `exact`: search the words as typed (no accent restoration).

        Also sets `last_timings`/`last_analysis` for single-threaded callers; shared searchers use `ask`."""
        hits, cands = self._run(query, k, mode, doc_ids, in_force_only, normative_only, exact)
        self.last_timings = cands.timings
        self.last_analysis = cands.analysis
        return hits

    def _run(
        self,
        query: str,
        k: int,
        mode: str,
        doc_ids: list[str] | None,
        in_force_only: bool,
        normative_only: bool,
        exact: bool,
    ) -> tuple[list[Hit], Candidates]:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        t0 = time.perf_counter()
        rerank = mode == "fused" and self.ranker is not None and self.params.rerank
        cands = self.candidates(query, mode, doc_ids, in_force_only, normative_only, exact, features=rerank)
        t = time.perf_counter()
        timings = cands.timings
        scores = cands.cc
        if rerank and len(cands.units):
            x = self.feature_matrix(cands)
            scores = self.ranker.score(x)
            timings["rerank"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
        fused = {int(u): float(s) for u, s in zip(cands.units.tolist(), scores.tolist(), strict=True)}
        ranked = sorted(fused, key=lambda u: (-fused[u], u))
        if mode == "fused" and self.params.parallels:
            ranked = self._keep_parallels(ranked, fused)
        ranks_lex = {int(u): r for r, u in enumerate(cands.lex.units.tolist())} if cands.lex else {}
        ranks_dense = {int(u): r for r, u in enumerate(cands.dense.units.tolist())} if cands.dense else {}
        # marks follow the question as understood: an unaccented question's restored reading (the words shown as
        # «hiểu là»), so «dang» does not light up «đang»; with `exact` that reading is the question as typed
        hits = self._group(ranked, fused, ranks_lex, ranks_dense, k, cands.analysis.dense_text)
        if cands.analysis.cited:
            hits = self._cited_first(hits, cands.analysis, k, doc_ids, in_force_only, normative_only)
        timings["fusion"] = timings.get("fusion", 0.0) + (time.perf_counter() - t) * 1000
        timings["total"] = (time.perf_counter() - t0) * 1000
        return hits, cands

    def candidates(
        self,
        query: str,
        mode: str = "fused",
        doc_ids: list[str] | None = None,
        in_force_only: bool = False,
        normative_only: bool = False,
        exact: bool = False,
        features: bool = False,
    ) -> Candidates:
        """The first stage: BM25 and dense rankings, their union, and the convex-combination score of each unit.

        `features`: also the rankings only the second stage reads (`feature_matrix` needs them)."""
        timings = {"embed": 0.0, "lexical": 0.0, "dense": 0.0, "fusion": 0.0}
        qa = self.analyze(query, exact=exact)
        allowed = self._allowed_mask(doc_ids, in_force_only, normative_only)
        # A document named in the question gets a second, restricted ranking of its own (a boost, not a filter:
        # "Điều lệ quy định ..." may be answered by another document).
        named_mask = None
        if qa.doc_ids and not doc_ids:
            named_mask = self._allowed_mask(qa.doc_ids, in_force_only, normative_only)
        p = self.params
        views: list[View] = []
        lex_view: View | None = None
        plain_view: View | None = None
        dense_view: View | None = None

        if mode in ("fused", "lexical"):
            t = time.perf_counter()
            expanded = expand_query(qa.content)
            if qa.accented:
                main_scores = self.lex_words.scores(word_tokens(expanded))
            else:
                main_scores = self.lex_plain.scores(plain_tokens(expanded))
            order = _top(main_scores, allowed, p.depth)
            lex_view = View(order, main_scores[order], p.lexical_weight)
            views.append(lex_view)
            if not qa.accented:
                plain_view = lex_view
            elif p.plain_weight > 0 or features:  # a second BM25 pass, only when fusion or the second stage reads it
                plain_scores = self.lex_plain.scores(plain_tokens(expanded))
                porder = _top(plain_scores, allowed, p.depth)
                plain_view = View(porder, plain_scores[porder], p.plain_weight)
                if p.plain_weight > 0:
                    views.append(plain_view)
            if named_mask is not None:
                named = _top(main_scores, named_mask, p.depth)
                views.append(View(named, main_scores[named], p.lexical_weight))
            timings["lexical"] = (time.perf_counter() - t) * 1000

        qvec = None
        if mode in ("fused", "dense"):
            if self.embedder is None:
                raise RuntimeError("this Searcher was opened without a model; dense search is unavailable")
            t = time.perf_counter()
            qvec = self.embedder.encode_query(qa.dense_text)
            if self.adapter is not None:
                qvec = self.adapter.apply(qvec)
            timings["embed"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            order, sims = self._dense_order(qvec, allowed, p.depth)
            dense_view = View(order, sims, p.dense_weight)
            views.append(dense_view)
            if named_mask is not None:
                views.append(View(*self._dense_order(qvec, named_mask, p.depth), p.dense_weight))
            timings["dense"] = (time.perf_counter() - t) * 1000

        t = time.perf_counter()
        fused = fuse(views, p.method, p.rrf_k)
        units = np.array(sorted(fused), dtype=np.int64)
        cc = np.array([fused[int(u)] for u in units], dtype=np.float64) * self.doc_factor[units]
        timings["fusion"] = (time.perf_counter() - t) * 1000
        return Candidates(
            analysis=qa,
            units=units,
            cc=cc,
            lex=lex_view,
            plain=plain_view,
            dense=dense_view,
            qvec=qvec,
            named_docs=list(qa.doc_ids) if named_mask is not None else [],
            timings=timings,
        )

    @property
    def static_features(self) -> StaticFeatures:
        if self._static is None:
            self._static = StaticFeatures(
                self.unit_ids, self.clauses, self.documents, self.replaced_docs, self.group_of
            )
        return self._static

    def feature_matrix(self, cands: Candidates) -> np.ndarray:
        """The second stage's features of every candidate (see indexer/search/rerank.py)."""
        if cands.lex is not None and cands.plain is None:
            raise ValueError("feature_matrix needs candidates(..., features=True)")
        units = cands.units
        n = len(units)

        def norm_and_rank(view: View | None) -> tuple[np.ndarray, np.ndarray]:
            val = np.zeros(n)
            rank = np.full(n, -1, dtype=np.int64)
            if view is None or len(view.units) == 0:
                return val, rank
            pos = {int(u): i for i, u in enumerate(view.units.tolist())}
            normed = minmax(view.scores)
            for j, u in enumerate(units.tolist()):
                i = pos.get(u)
                if i is not None:
                    val[j] = normed[i]
                    rank[j] = i
            return val, rank

        lex_norm, lex_rank = norm_and_rank(cands.lex)
        plain_norm, _ = norm_and_rank(cands.plain)
        _, dense_rank = norm_and_rank(cands.dense)
        if cands.qvec is not None:
            cosine = np.asarray(self.embeddings[units]) @ cands.qvec
        else:
            cosine = np.zeros(n)
        named = np.isin(self.unit_docs[units], np.array(cands.named_docs)) if cands.named_docs else np.zeros(n)
        return candidate_matrix(
            self.static_features,
            units,
            lex_norm,
            lex_rank,
            plain_norm,
            np.asarray(cosine, dtype=np.float64),
            dense_rank,
            cands.analysis.content,
            named.astype(np.float64),
        )

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
        """The `depth` units most similar to the query (within `allowed`), best first, with their scores: the
        cosine, mixed with the best cosine to the unit's questions where it has some (`question_weight`)."""
        asked = self.questions if self.params.question_weight > 0 and self.questions.size else None
        if allowed is None and asked is None:
            return self.dense.search(qvec, depth)
        if allowed is None:
            # Every unit with questions is scored exactly; of the others faiss gives the best, enough to fill `depth`.
            order, _ = self.dense.search(qvec, depth + len(asked.owners))
            subset = np.union1d(order, asked.owners)
        else:
            subset = np.flatnonzero(allowed)
        if len(subset) == 0:
            return subset, np.zeros(0, dtype=np.float32)
        scores = matvec(self.embeddings[subset], qvec)
        if asked is not None:
            owners, best = asked.best(qvec)
            at = np.searchsorted(subset, owners)
            ok = at < len(subset)
            ok[ok] = subset[at[ok]] == owners[ok]
            w = self.params.question_weight
            scores[at[ok]] = (1 - w) * scores[at[ok]] + w * best[ok]
        top = np.argsort(-scores, kind="stable")[:depth]
        return subset[top], scores[top]

    def _keep_parallels(self, ranked: list[int], fused: dict[int, float]) -> list[int]:
        """Units reordered so that parallel provisions come together (`FusionParams.parallels`); "transfer" also
        raises `fused` so that the hits' scores stay in rank order. An article of a document replaced by one whose
        text is in the index is never pulled up."""
        p = self.params
        pm = self.parallel_map
        best: dict[str, int] = {}
        for u in ranked:
            best.setdefault(self.group_of[u], u)
        order = list(best)
        replaced = self.replaced_docs

        def skip(article: str) -> bool:
            return self.clauses[article].doc_id in replaced if article in self.clauses else False

        if p.parallels == "insert":
            new = keep_together(order, pm.partners, p.parallel_top, p.parallel_window, skip)
        else:
            score = {a: fused[best[a]] for a in order}
            bonus = {a: p.parallel_transfer * max((score[q.article_id] for q in pm.partners(a)
                                                    if q.article_id in score and not skip(q.article_id)), default=0.0)
                     for a in order}
            for u in ranked:
                fused[u] += bonus[self.group_of[u]]
            new = sorted(order, key=lambda a: -(score[a] + bonus[a]))
        if new == order:
            return ranked
        pos = {a: i for i, a in enumerate(new)}
        return sorted(ranked, key=lambda u: pos[self.group_of[u]])  # stable: a group's own order is kept

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
            hits.append(self._hit(
                self.clauses[self.unit_ids[best]], fused[best], len(hits) + 1, query,
                ranks_lex.get(best, -1) + 1 or None, ranks_dense.get(best, -1) + 1 or None,
                [self.clauses[self.unit_ids[m]] for m in members[1:4]],
            ))
            if len(hits) >= k:
                break
        return hits

    def _hit(self, clause: Clause, score: float, rank: int, query: str, lexical_rank: int | None = None,
             dense_rank: int | None = None, also: list[Clause] | None = None) -> Hit:
        doc = self.documents[clause.doc_id]
        return Hit(
            clause=clause,
            document=doc,
            score=score,
            rank=rank,
            citation=clause_citation(clause, doc),
            highlights=highlight_spans(clause.text, query),
            lexical_rank=lexical_rank,
            dense_rank=dense_rank,
            status_label=status_label(doc, self.documents),
            also=also or [],
            parallels=parallel_ids(self.parallels(clause.id)),
        )

    def _cited_first(self, hits: list[Hit], qa: QueryAnalysis, k: int, doc_ids: list[str] | None,
                     in_force_only: bool, normative_only: bool) -> list[Hit]:
        """The provisions the query names, first (within the filters), then the ranking without their articles."""
        def allowed(doc: Document) -> bool:
            return ((not doc_ids or doc.id in doc_ids) and (doc.in_force or not in_force_only)
                    and (doc.normative or not normative_only))

        named = [self.clauses[c] for c in qa.cited if allowed(self.documents[self.clauses[c].doc_id])]
        if not named:
            return hits
        top = max((h.score for h in hits), default=0.0) + 1.0  # above every ranked hit, so scores stay in order
        first = [self._hit(c, top, i + 1, qa.dense_text) for i, c in enumerate(named)]
        articles = {self.article_of(c.id) for c in named}
        rest = [h for h in hits if self.article_of(h.clause.id) not in articles]
        out = first + rest
        for i, h in enumerate(out):
            h.rank = i + 1
        return out[:k]

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
class Answer:
    """What `Searcher.ask` returns: hits, how the query was read, whether anything answers it, timings."""

    hits: list[Hit]
    analysis: QueryAnalysis
    answerability: Answerability | None
    timings: dict[str, float]
    # words of the question that no text of the corpus contains, as typed (indexer.search.coverage)
    absent: list[str] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        """False when the calibrated signal says nothing in the corpus answers (unjudged counts as answered); a
        provision the question names, shown (not left out by a filter), answers it."""
        cited = set(self.analysis.cited)
        return (any(h.clause.id in cited for h in self.hits) or self.answerability is None
                or self.answerability.answerable)


@dataclass
class Candidates:
    """What the first stage found for one query: the units (ascending positions) and what each ranking said."""

    analysis: QueryAnalysis
    units: np.ndarray
    cc: np.ndarray  # convex-combination score of each unit (document factors applied), aligned with `units`
    lex: View | None
    plain: View | None
    dense: View | None
    qvec: np.ndarray | None
    named_docs: list[str]
    timings: dict[str, float]


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
