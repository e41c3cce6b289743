"""Query embeddings through ONNX Runtime: the same model, about twice as fast as PyTorch for one short text.

A query must answer in ~30 ms on 2 cores, embedding included; PyTorch spends most of a 25-40 ms forward pass in
per-operator overhead at batch size 1. The sentence-transformers model (transformer, pooling, normalisation) is
exported once with `torch.onnx.export` into the user cache, keyed by the model's checksum, checked against
PyTorch on fixed texts before it is used, and written to a temporary file then renamed. Passages are still
embedded by sentence-transformers (batches, padding). Any failure here falls back to PyTorch, with a log line.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger("soi.onnx")

EXPORT_VERSION = "1"
MIN_COSINE = 0.999
# Texts the export is checked on: short and long, accented and not, with the query prefix as used.
CHECK_TEXTS = (
    "kỷ luật",
    "Đảng viên có được kinh doanh không?",
    "thoi hieu xu ly ky luat dang vien",
    "Ủy ban kiểm tra có thẩm quyền thi hành kỷ luật đối với đảng viên là cấp ủy viên cùng cấp hay không, "
    "và thời hạn giải quyết khiếu nại kỷ luật đảng là bao lâu kể từ ngày nhận được đơn?",
)


def available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def export_dir(cache_dir: Path, checksum: str) -> Path:
    key = hashlib.sha256(f"{checksum}|{EXPORT_VERSION}".encode()).hexdigest()[:20]
    return cache_dir / "onnx" / key


def _pipeline(st: Any) -> Any:
    """The sentence-transformers modules as one traceable module of (input_ids, attention_mask)."""
    import torch

    class Pipeline(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.st = st

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            out = self.st({"input_ids": input_ids, "attention_mask": attention_mask})["sentence_embedding"]
            return torch.nn.functional.normalize(out, dim=-1)

    return Pipeline().eval()


def export(st: Any, path: Path) -> None:
    """Trace the model on one unpadded query and write it atomically to `path`."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    enc = st.tokenizer([CHECK_TEXTS[1]], return_tensors="pt")
    fd, tmp = tempfile.mkstemp(prefix=".query.", suffix=".onnx.tmp", dir=path.parent)
    os.close(fd)
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")  # tracer notes about shape-dependent branches (batch 1, no padding)
            torch.onnx.export(
                _pipeline(st),
                (enc["input_ids"], enc["attention_mask"]),
                tmp,
                input_names=["input_ids", "attention_mask"],
                output_names=["embedding"],
                dynamic_axes={"input_ids": {1: "tokens"}, "attention_mask": {1: "tokens"}},
                opset_version=17,
                dynamo=False,
            )
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class OnnxQueryEncoder:
    """One text (prefix included) -> normalised embedding, through ONNX Runtime."""

    def __init__(self, path: Path, tokenizer: Any, threads: int = 0) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.tokenizer = tokenizer
        self.max_tokens = int(getattr(tokenizer, "model_max_length", 512) or 512)

    def __call__(self, text: str) -> np.ndarray:
        enc = self.tokenizer([text], truncation=True, max_length=min(self.max_tokens, 512), return_tensors="np")
        feeds = {name: enc[name].astype(np.int64) for name in ("input_ids", "attention_mask")}
        return self.session.run(None, feeds)[0][0].astype(np.float32)


def load_or_export(st: Any, checksum: str, cache_dir: Path, reference, threads: int = 0) -> OnnxQueryEncoder | None:
    """The ONNX encoder for this model, exported on first use; None (PyTorch is used) when it cannot be trusted.

    `reference(text)` is the PyTorch embedding the export must match (cosine ≥ MIN_COSINE on CHECK_TEXTS).
    """
    if not available():
        return None
    directory = export_dir(cache_dir, checksum)
    path = directory / "query.onnx"
    ok_mark = directory / "verified"
    try:
        if not path.exists():
            log.info("exporting the query encoder to ONNX (once): %s", path)
            export(st, path)
            ok_mark.unlink(missing_ok=True)
        encoder = OnnxQueryEncoder(path, st.tokenizer, threads)
        if not ok_mark.exists():
            worst = min(float(encoder(t) @ reference(t)) for t in CHECK_TEXTS)
            if worst < MIN_COSINE:
                log.warning("ONNX query encoder differs from PyTorch (cosine %.4f); using PyTorch", worst)
                return None
            ok_mark.write_text(f"{worst:.6f}\n", encoding="utf-8")
        return encoder
    except Exception as e:  # noqa: BLE001 - any exporter/runtime problem only costs speed
        log.warning("ONNX query encoder unavailable (%s: %s); using PyTorch", type(e).__name__, e)
        return None
