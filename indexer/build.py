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

from indexer import store
from indexer.abbrev import expand_for_index
from indexer.config import Settings
from indexer.corpus import bundled_corpus_dir, load_corpus
from indexer.dense import DenseIndex
from indexer.diacritics import DiacriticRestorer
from indexer.embedder import Embedder, describe
from indexer.lexical import LexicalIndex
from indexer.models import Clause, Document
from indexer.parse import parse
from indexer.segment import segment
from indexer.tokens import plain_tokens, word_tokens
from indexer.units import Unit, retrieval_units

log = logging.getLogger(__name__)

PARSER_VERSION = "2"  # 2: article titles kept beside lead-ins in the indexed context
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class Corpus:
    """All documents and clauses that one index covers."""

    documents: dict[str, Document]
    clauses: dict[str, Clause]
    warnings: list[str]


def corpus_dirs(settings: Settings) -> list[Path]:
    """Bundled corpus, the user's folders, then the library of added documents (when it has any)."""
    dirs = [bundled_corpus_dir()] if settings.include_bundled else []
    dirs += [Path(d) for d in settings.corpus_dirs]
    library = Path(settings.library_dir)
    if library.is_dir() and library.resolve() not in {d.resolve() for d in dirs}:
        dirs.append(library)
    return dirs


def load_documents(settings: Settings) -> dict[str, Document]:
    """Read every corpus file (no parsing); a document id seen twice is an error the user must resolve.

    The one exception: a library document may stand in for a bundled one of the same id (a user's full official
    text of a document the project ships only in part); `soi add` allows that only for the same code and year.
    """
    documents: dict[str, Document] = {}
    bundled = bundled_corpus_dir().resolve()
    library = Path(settings.library_dir).resolve()
    for d in corpus_dirs(settings):
        for doc in load_corpus(d):
            prev = documents.get(doc.id)
            if prev is not None:
                if Path(d).resolve() == library and Path(prev.path).resolve().parent == bundled:
                    documents[doc.id] = doc
                    continue
                raise ValueError(
                    f"{doc.path}: document id '{doc.id}' already comes from {prev.path}; rename one file"
                )
            documents[doc.id] = doc
    return documents


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


def corpus_dirs_of(corpus: Corpus) -> list[Path]:
    """The user folders (not the bundled one) a corpus was read from, so later commands can check them."""
    bundled = bundled_corpus_dir().resolve()
    dirs = {Path(d.path).resolve().parent for d in corpus.documents.values()}
    return sorted(d for d in dirs if d != bundled)


def corpus_hash(documents: dict[str, Document]) -> str:
    h = hashlib.sha256(f"parser:{PARSER_VERSION}".encode())
    for doc_id in sorted(documents):
        h.update(f"{doc_id}:{documents[doc_id].sha256}\n".encode())
    return h.hexdigest()


def _text_key(model_checksum: str, text: str) -> str:
    return hashlib.sha1(f"{model_checksum}\x00{text}".encode()).hexdigest()


def _previous_embeddings(index_dir: Path, checksum: str) -> dict[str, np.ndarray]:
    prev = store.current_version(index_dir)
    if prev is None:
        return {}
    paths = store.IndexPaths(prev)
    try:
        manifest = store.read_manifest(prev)
        if manifest.get("model", {}).get("checksum") != checksum:
            return {}
        keys = json.loads(paths.units.read_text(encoding="utf-8"))["embedding_keys"]
        vecs = np.load(paths.embeddings)
    except (OSError, ValueError, KeyError):
        return {}
    return dict(zip(keys, vecs, strict=False))


def _previous_segments(index_dir: Path) -> dict[str, list[str]]:
    prev = store.current_version(index_dir)
    if prev is None:
        return {}
    try:
        return json.loads(store.IndexPaths(prev).segment_cache.read_text(encoding="utf-8"))
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
    """Build and publish a new index version; returns its manifest. Nothing is visible until it is complete."""
    t0 = time.perf_counter()
    tick = progress or (lambda stage, done, total: None)
    corpus = load_all(settings)
    units = retrieval_units(corpus.documents, corpus.clauses)
    embedder = embedder or Embedder(settings.model, settings.query_prefix, settings.passage_prefix)
    index_dir = Path(settings.index_dir)
    work = store.new_version_dir(index_dir)
    try:
        manifest = _build_into(work, index_dir, corpus, units, embedder, tick, dense_kind)
        _export_query_encoder(embedder)
        manifest["build_seconds"] = round(time.perf_counter() - t0, 2)
        manifest["warnings"] = corpus.warnings
        store.publish(index_dir, work, manifest)
    except BaseException:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def _export_query_encoder(embedder: Embedder) -> None:
    """Make sure the model's ONNX query encoder is exported (seconds, once per model) before the index is visible:
    processes that serve this index then embed queries without PyTorch (indexer.query_encoder)."""
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
) -> dict:
    paths = store.IndexPaths(work)
    n = len(units)

    # Lexical: segmented words (with abbreviation expansions) and diacritics-free syllables.
    seg_cache = _previous_segments(index_dir)
    words: list[list[str]] = []
    plain: list[list[str]] = []
    new_cache: dict[str, list[str]] = {}
    for i, u in enumerate(units):
        text = expand_for_index(u.lexical_text)
        key = hashlib.sha1(text.encode()).hexdigest()
        toks = seg_cache.get(key)
        if toks is None:
            toks = segment(text)
        new_cache[key] = toks
        words.append(word_tokens(text, toks))
        plain.append(plain_tokens(text))
        tick("segment", i + 1, n)
    LexicalIndex.build(words).save(paths.lexical_words)
    LexicalIndex.build(plain).save(paths.lexical_plain)
    store.write_json_atomic(paths.segment_cache, new_cache)

    # Dense: embed only texts not embedded by the previous version with the same model.
    cached = _previous_embeddings(index_dir, embedder.checksum)
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

    # Diacritic restoration for unaccented queries, learnt from the indexed texts themselves.
    restorer = DiacriticRestorer()
    restorer.fit(c.text for c in corpus.clauses.values())
    store.write_json_atomic(paths.restorer, restorer.to_dict())

    store.write_json_atomic(paths.clauses, {
        "documents": [_doc_record(d) for d in corpus.documents.values()],
        "clauses": [asdict(c) for c in corpus.clauses.values()],
    })
    store.write_json_atomic(paths.units, {
        "units": [asdict(u) for u in units],
        "embedding_keys": keys,
    })
    return {
        "format_version": store.FORMAT_VERSION,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "corpus_hash": corpus_hash(corpus.documents),
        "parser_version": PARSER_VERSION,
        "documents": [{"id": d.id, "path": d.path, "sha256": d.sha256} for d in corpus.documents.values()],
        "corpus_dirs": [str(p) for p in corpus_dirs_of(corpus)],
        "model": describe(embedder),
        "dense_index": type(DenseIndex.load(paths.dense).index).__name__,
        "libraries": library_versions(),
        "counts": {
            "documents": len(corpus.documents),
            "clauses": len(corpus.clauses),
            "units": n,
            "embedded_now": len(todo),
            "embeddings_reused": n - len(todo),
        },
    }


def _doc_record(d: Document) -> dict:
    rec = asdict(d)
    rec["text"] = d.text  # kept so spans can be shown without re-reading files that may have changed
    return rec
