"""Corpus -> parsed clauses -> tokens and embeddings -> a published index version.

Incremental: segmentations and embeddings of unchanged texts are taken from the previous version (keyed by a
hash of the text and the model), so changing one document re-embeds only its clauses.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from indexer.config import Settings, require_writable
from indexer.corpus.models import Clause, Document
from indexer.corpus.parse import PARSER_VERSION, parse
from indexer.corpus.questions import load_questions
from indexer.corpus.units import Unit, retrieval_units
from indexer.embed.embedder import Embedder, describe
from indexer.index import freshness, store
from indexer.index.dense import DenseIndex
from indexer.index.freshness import corpus_hash, load_documents
from indexer.index.lexical import LexicalIndex
from indexer.text.abbrev import expand_for_index
from indexer.text.diacritics import DiacriticRestorer
from indexer.text.highlight import word_counts
from indexer.text.segment import segment, text_key
from indexer.text.tokens import plain_tokens, word_tokens

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class Corpus:
    """All documents and clauses that one index covers."""

    documents: dict[str, Document]
    clauses: dict[str, Clause]
    warnings: list[str]


def load_all(settings: Settings) -> Corpus:
    """Load and parse every document, collecting the parser's warnings (no structure found, repeated numbers)."""
    documents = load_documents(settings)
    clauses: dict[str, Clause] = {}
    warnings: list[str] = []
    for doc in documents.values():
        result = parse(doc)
        if doc.completeness != "partial" and doc.normative:
            warnings += [f"{doc.path}: {issue}" for issue in result.issues]
        for c in result.clauses:
            clauses[c.id] = c
    return Corpus(documents, clauses, warnings)


def _text_key(model_checksum: str, text: str) -> str:
    return hashlib.sha1(f"{model_checksum}\x00{text}".encode()).hexdigest()


def _row_digest(vec: np.ndarray) -> str:
    """A short fingerprint of one embedding row, kept in units.json so each reused row can be checked alone."""
    return hashlib.blake2b(np.ascontiguousarray(vec, dtype="<f4").tobytes(), digest_size=8).hexdigest()


# Vectors a build can reuse from the previous version: (file in IndexPaths, its keys and row digests in units.json).
VECTOR_SETS = {
    "units": ("embeddings", "embedding_keys", "embedding_digests"),
    "questions": ("question_vectors", "question_keys", "question_digests"),
}


def _previous_embeddings(
    index_dir: Path, checksum: str, rejected: list[str], which: str = "units"
) -> dict[str, np.ndarray]:
    """Embeddings of the published version that can be trusted, by text key (`which`: a key of VECTOR_SETS).

    A file is reused whole only when it matches the checksum its build recorded; otherwise each row must match its
    own digest (older versions without digests: be a unit vector, as the model's outputs are), so a damaged or
    zeroed `embeddings.npy` costs re-embedding what it damaged, never wrong vectors in the next index. What was
    refused is described in `rejected` (shown as a build warning)."""
    prev = store.current_version(index_dir)
    if prev is None:
        return {}
    paths = store.IndexPaths(prev)
    attr, keys_field, digests_field = VECTOR_SETS[which]
    vec_path: Path = getattr(paths, attr)
    try:
        manifest = store.read_manifest(prev)
        if manifest.get("model", {}).get("checksum") != checksum:
            return {}
        if store.verify_file(prev, manifest, paths.units.name) is False:
            if which == "units":  # said once per build
                rejected.append(f"{paths.units}: không khớp tổng kiểm (checksum mismatch), nhúng lại mọi đơn vị")
            return {}
        units = json.loads(paths.units.read_text(encoding="utf-8"))
        keys = units[keys_field]
        vecs = np.load(vec_path)
    except (OSError, ValueError, KeyError, EOFError):
        return {}
    if vecs.ndim != 2 or len(vecs) != len(keys):
        return {}
    if store.verify_file(prev, manifest, vec_path.name):
        return dict(zip(keys, vecs, strict=True))
    digests = units.get(digests_field)
    if digests is not None and len(digests) == len(keys):
        good = [_row_digest(v) == d for v, d in zip(vecs, digests, strict=True)]
    else:
        norms = np.linalg.norm(vecs.astype(np.float64), axis=1)
        good = list(np.isfinite(norms) & (np.abs(norms - 1.0) < 1e-3))
    bad = len(good) - sum(good)
    if bad:
        rejected.append(f"{vec_path}: {bad}/{len(good)} véc-tơ hỏng hoặc không khớp tổng kiểm (damaged "
                        "embeddings), đã nhúng lại")
        log.warning("%s: %d of %d embeddings fail verification; re-embedding them", vec_path, bad, len(good))
    return {k: v for k, v, ok in zip(keys, vecs, good, strict=True) if ok}


def _previous_cache(index_dir: Path, name: str) -> dict[str, list]:
    """A content-keyed cache file of the current version (segments, word cuts), or {} when absent or damaged."""
    prev = store.current_version(index_dir)
    if prev is None:
        return {}
    try:
        if store.verify_file(prev, store.read_manifest(prev), name) is False:
            return {}  # damaged: segmenting again costs seconds, a wrong cache would cost search quality
        data = json.loads((prev / name).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def library_versions() -> dict[str, str]:
    out = {}
    for name in ("soi", "bm25s", "faiss-cpu", "underthesea", "sentence-transformers", "torch", "transformers"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def build_index(
    settings: Settings,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
    dense_kind: str = "auto",
) -> dict:
    """Build and publish a new index version; returns its manifest. Nothing is visible until it is complete.

    Builds of one index folder run one at a time (`store.build_lock`): a build that had to wait reads the corpus
    and the previous version only once the other one has published, so it reuses that one's work."""
    t0 = time.perf_counter()
    tick = progress or (lambda stage, done, total: None)
    waited: list[bool] = []

    def on_wait() -> None:
        waited.append(True)
        tick("wait", 0, 1)  # shown: another build of this index is running

    require_writable(settings)  # a folder that cannot be written is named (and its variable) before any work
    with store.build_lock(Path(settings.index_dir), on_wait=on_wait):
        if waited:
            tick("wait", 1, 1)
        return _build_locked(settings, embedder, tick, dense_kind, t0)


def _build_locked(settings: Settings, embedder: Embedder | None, tick: Progress, dense_kind: str, t0: float) -> dict:
    stat_ns = time.time_ns()
    stats = freshness.stat_roots(freshness.corpus_roots(settings))  # before reading: see indexer.index.freshness
    corpus = load_all(settings)
    asked = load_questions(corpus.clauses)
    units = retrieval_units(corpus.documents, corpus.clauses, asked.by_clause)
    embedder = embedder or Embedder(settings.model, settings.query_prefix, settings.passage_prefix)
    index_dir = Path(settings.index_dir)
    work = store.new_version_dir(index_dir)
    try:
        rejected: list[str] = []
        manifest = _build_into(work, index_dir, corpus, units, embedder, tick, dense_kind, rejected)
        manifest["questions_digest"] = asked.digest
        manifest["counts"]["questions_stale"] = len(asked.stale)
        if asked.stale:
            log.info("%d clauses' search questions not used: their text changed", len(asked.stale))
        _export_query_encoder(embedder)
        manifest.update(freshness.manifest_fields(settings, stats, corpus.documents, stat_ns))
        manifest["documents"] = [
            {"id": d.id, "path": freshness.portable(Path(d.path), freshness.data_dir(index_dir)) or d.path,
             "sha256": d.sha256} for d in corpus.documents.values()]
        manifest["files"] = store.file_checksums(work)
        manifest["build_seconds"] = round(time.perf_counter() - t0, 2)
        manifest["warnings"] = corpus.warnings + rejected
        store.publish(index_dir, work, manifest)
    except BaseException:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def _export_query_encoder(embedder: Embedder) -> None:
    """Make sure the model's ONNX query encoder is exported (seconds, once per model) before the index is visible:
    processes that serve this index then embed queries without PyTorch (indexer.embed.query_encoder)."""
    export = getattr(embedder, "export_query_encoder", None)  # stand-ins that embed passages only have none
    if export is not None and not export():
        log.warning("no ONNX query encoder for %s: serving processes will load PyTorch", embedder.model_id)


def _build_into(
    work: Path,
    index_dir: Path,
    corpus: Corpus,
    units: list[Unit],
    embedder: Embedder,
    tick: Progress,
    dense_kind: str,
    rejected: list[str],
) -> dict:
    paths = store.IndexPaths(work)
    n = len(units)

    # Lexical: segmented words (with abbreviation expansions) and diacritics-free syllables.
    # Also the word cuts of each indexed clause's verbatim text, so that highlighting never runs the segmenter.
    seg_cache = _previous_cache(index_dir, paths.segment_cache.name)
    old_cuts = _previous_cache(index_dir, paths.highlight_words.name)
    words: list[list[str]] = []
    plain: list[list[str]] = []
    new_cache: dict[str, list[str]] = {}
    cuts: dict[str, list[int]] = {}
    for i, u in enumerate(units):
        text = expand_for_index(u.lexical_text)
        key = text_key(text)
        toks = seg_cache.get(key)
        if toks is None:
            toks = segment(text)
        new_cache[key] = toks
        words.append(word_tokens(text, toks))
        plain.append(plain_tokens(text))
        verbatim = corpus.clauses[u.clause_id].text
        cut_key = text_key(verbatim)
        if cut_key not in cuts:
            cuts[cut_key] = old_cuts.get(cut_key) or word_counts(verbatim)
        tick("segment", i + 1, n)
    LexicalIndex.build(words).save(paths.lexical_words)
    LexicalIndex.build(plain).save(paths.lexical_plain)
    store.write_json_atomic(paths.segment_cache, new_cache)
    store.write_json_atomic(paths.highlight_words, cuts)

    # Dense: embed only texts not embedded by the previous version with the same model.
    cached = _previous_embeddings(index_dir, embedder.checksum, rejected)
    keys = [_text_key(embedder.checksum, u.dense_text) for u in units]
    todo = [i for i, k in enumerate(keys) if k not in cached]
    vecs = np.zeros((n, embedder.dim), dtype=np.float32)
    for i, k in enumerate(keys):
        if k in cached:
            vecs[i] = cached[k]
    done = n - len(todo)
    tick("embed", done, n)
    if todo:
        counter = {"done": done}

        def step(m: int) -> None:
            counter["done"] += m
            tick("embed", counter["done"], n)

        vecs[todo] = embedder.encode_passages([units[i].dense_text for i in todo], progress=step)
    np.save(paths.embeddings, vecs)
    DenseIndex.build(vecs, kind=dense_kind).save(paths.dense)
    qkeys, qvecs, qunits, qnew = _embed_questions(index_dir, units, embedder, tick, rejected)
    np.save(paths.question_vectors, qvecs)
    np.save(paths.question_units, qunits)

    # Diacritic restoration for unaccented queries, learnt from the indexed texts themselves and from the questions
    # the clauses answer: people ask in everyday words the regulations lack («xã», «người thân», «vậy»), which the
    # corpus alone restores wrongly («xạ», «người thắn», «vay»). README, "Diacritics".
    restorer = DiacriticRestorer()
    restorer.fit(c.text for c in corpus.clauses.values())
    asked = [q for u in units for q in u.questions]
    restorer.update(asked)
    store.write_json_atomic(paths.restorer, restorer.to_dict())

    store.write_json_atomic(paths.clauses, {
        "documents": [_doc_record(d) for d in corpus.documents.values()],
        "clauses": [asdict(c) for c in corpus.clauses.values()],
    })
    store.write_json_atomic(paths.units, {
        "units": [asdict(u) for u in units],
        "embedding_keys": keys,
        "embedding_digests": [_row_digest(v) for v in vecs],
        "question_keys": qkeys,
        "question_digests": [_row_digest(v) for v in qvecs],
    })
    return {
        "format_version": store.FORMAT_VERSION,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "corpus_hash": corpus_hash(corpus.documents),
        "parser_version": PARSER_VERSION,
        "model": describe(embedder),
        "dense_index": type(DenseIndex.load(paths.dense).index).__name__,
        "libraries": library_versions(),
        "counts": {
            "documents": len(corpus.documents),
            "clauses": len(corpus.clauses),
            "units": n,
            "embedded_now": len(todo),
            "embeddings_reused": n - len(todo),
            "questions": len(qkeys),
            "questions_embedded_now": qnew,
            "restorer_questions": len(asked),  # absent in an index built before the restorer learnt them
        },
    }


def _embed_questions(
    index_dir: Path, units: list[Unit], embedder: Embedder, tick: Progress, rejected: list[str]
) -> tuple[list[str], np.ndarray, np.ndarray, int]:
    """Vectors of the questions each unit answers, embedded as queries (reused by text key like the units').

    Returns (keys, vectors, owning unit of each row, how many were embedded now)."""
    rows = [(i, q) for i, u in enumerate(units) for q in u.questions]
    keys = [_text_key(embedder.checksum, f"{embedder.query_prefix}{q}") for _, q in rows]
    owner = np.array([i for i, _ in rows], dtype=np.int32)
    vecs = np.zeros((len(rows), embedder.dim), dtype=np.float32)
    if not rows:
        return keys, vecs, owner, 0
    cached = _previous_embeddings(index_dir, embedder.checksum, rejected, which="questions")
    todo = [j for j, k in enumerate(keys) if k not in cached]
    for j, k in enumerate(keys):
        if k in cached:
            vecs[j] = cached[k]
    total, counter = len(rows), {"done": len(rows) - len(todo)}
    tick("questions", counter["done"], total)
    if todo:

        def step(m: int) -> None:
            counter["done"] += m
            tick("questions", counter["done"], total)

        vecs[todo] = embedder.encode_queries([rows[j][1] for j in todo], progress=step)
    return keys, vecs, owner, len(todo)


def _doc_record(d: Document) -> dict:
    rec = asdict(d)
    rec["text"] = d.text  # kept so spans can be shown without re-reading files that may have changed
    return rec
