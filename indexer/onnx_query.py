"""Query embeddings through ONNX Runtime: the same model, about twice as fast as PyTorch for one short text.

A query must answer in ~30 ms on 2 cores, embedding included; PyTorch spends most of a 25-40 ms forward pass in
per-operator overhead at batch size 1. The sentence-transformers model (transformer, pooling, normalisation) is
exported once with `torch.onnx.export` into the user cache, keyed by the model's checksum, checked against
PyTorch on fixed texts before it is used, and written to a temporary folder then renamed. Passages are still
embedded by sentence-transformers (batches, padding). Any failure here falls back to PyTorch, with a log line.

The export folder is self-contained so that a serving process can embed queries without PyTorch
(`indexer.query_encoder`): the graph, its weights as external data (ONNX Runtime memory-maps them, so the
250k-row word-embedding table costs only the rows queries touch), the tokenizer exactly as sentence-transformers
runs it (`tokenizer.json`, normaliser included) and the facts an index manifest checks (`query.json`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger("soi.onnx")

EXPORT_VERSION = "2"  # 2: weights as external data; tokenizer.json and query.json beside the graph
MODEL_FILE = "query.onnx"
DATA_FILE = "query.onnx.data"  # the name is recorded inside MODEL_FILE: both are renamed together
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "query.json"
VERIFIED_FILE = "verified"
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
    """Trace the model on one unpadded query and write it, weights as external data, atomically to `path`.

    The graph and its weights are written in a temporary folder beside `path` and moved in weights first, so a
    reader that finds `path` finds its weights.
    """
    import onnx
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    enc = st.tokenizer([CHECK_TEXTS[1]], return_tensors="pt")
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=path.parent))
    try:
        traced = tmp / "traced.onnx"
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")  # tracer notes about shape-dependent branches (batch 1, no padding)
            torch.onnx.export(
                _pipeline(st),
                (enc["input_ids"], enc["attention_mask"]),
                str(traced),
                input_names=["input_ids", "attention_mask"],
                output_names=["embedding"],
                dynamic_axes={"input_ids": {1: "tokens"}, "attention_mask": {1: "tokens"}},
                opset_version=17,
                dynamo=False,
            )
        model = onnx.load(str(traced))
        traced.unlink()
        # Largest tensor first: the word-embedding table then starts at offset 0, page-aligned, and is mapped.
        inits = sorted(model.graph.initializer, key=lambda t: -len(t.raw_data))
        del model.graph.initializer[:]
        model.graph.initializer.extend(inits)
        onnx.save_model(
            model,
            str(tmp / path.name),
            save_as_external_data=True,
            all_tensors_to_one_file=True,
            location=DATA_FILE,
            size_threshold=1024,
        )
        for name in (DATA_FILE, path.name):
            os.chmod(tmp / name, 0o644)  # the model is not secret; mkdtemp/onnx leave it owner-only
        os.replace(tmp / DATA_FILE, path.parent / DATA_FILE)
        os.replace(tmp / path.name, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_serving_files(st: Any, directory: Path, model_id: str, checksum: str, dim: int) -> None:
    """The tokenizer sentence-transformers runs (its `tokenizers` pipeline, no truncation or padding state) and
    the model's identity, beside the graph: all a process without PyTorch needs to embed queries."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(st.tokenizer.backend_tokenizer.to_str())
    tok.no_truncation()
    tok.no_padding()
    meta = {
        "export_version": EXPORT_VERSION,
        "model_id": model_id,
        "checksum": checksum,
        "dim": int(dim),
        "max_tokens": max_tokens(st.tokenizer),
    }
    for name, write in (
        (TOKENIZER_FILE, lambda f: tok.save(f)),
        (META_FILE, lambda f: Path(f).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", "utf-8")),
    ):
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
        os.close(fd)
        try:
            write(tmp)
            os.chmod(tmp, 0o644)
            os.replace(tmp, directory / name)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def max_tokens(tokenizer: Any) -> int:
    """Query length limit in tokens, specials included: the tokenizer's, at most the 512 positions of the model."""
    return min(int(getattr(tokenizer, "model_max_length", 512) or 512), 512)


def make_session(path: Path, threads: int = 0) -> Any:
    """An ONNX Runtime CPU session for one query at a time (2 threads by default: the target machine's cores)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


class OnnxQueryEncoder:
    """One text (prefix included) -> normalised embedding, through ONNX Runtime."""

    def __init__(self, path: Path, tokenizer: Any, threads: int = 0) -> None:
        self.session = make_session(path, threads)
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens(tokenizer)

    def __call__(self, text: str) -> np.ndarray:
        enc = self.tokenizer([text], truncation=True, max_length=self.max_tokens, return_tensors="np")
        feeds = {name: enc[name].astype(np.int64) for name in ("input_ids", "attention_mask")}
        return self.session.run(None, feeds)[0][0].astype(np.float32)


def load_or_export(
    st: Any, checksum: str, cache_dir: Path, reference, threads: int = 0, model_id: str = "", dim: int = 0
) -> OnnxQueryEncoder | None:
    """The ONNX encoder for this model, exported on first use; None (PyTorch is used) when it cannot be trusted.

    `reference(text)` is the PyTorch embedding the export must match (cosine ≥ MIN_COSINE on CHECK_TEXTS). Once it
    is verified, the files a serving process needs (`write_serving_files`) are put beside it.
    """
    if not available():
        return None
    directory = export_dir(cache_dir, checksum)
    path = directory / MODEL_FILE
    ok_mark = directory / VERIFIED_FILE
    try:
        if not path.exists():
            log.info("exporting the query encoder to ONNX (once): %s", path)
            ok_mark.unlink(missing_ok=True)
            export(st, path)
        encoder = OnnxQueryEncoder(path, st.tokenizer, threads)
        if not ok_mark.exists():
            worst = min(float(encoder(t) @ reference(t)) for t in CHECK_TEXTS)
            if worst < MIN_COSINE:
                log.warning("ONNX query encoder differs from PyTorch (cosine %.4f); using PyTorch", worst)
                return None
            ok_mark.write_text(f"{worst:.6f}\n", encoding="utf-8")
        if model_id and dim and not all((directory / n).is_file() for n in (TOKENIZER_FILE, META_FILE)):
            write_serving_files(st, directory, model_id, checksum, dim)
        return encoder
    except Exception as e:  # noqa: BLE001 - any exporter/runtime problem only costs speed
        log.warning("ONNX query encoder unavailable (%s: %s); using PyTorch", type(e).__name__, e)
        return None
