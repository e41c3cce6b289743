"""Query embeddings through ONNX Runtime: the same model, about twice as fast as PyTorch for one short text.

A query must answer in ~30 ms on 2 cores, embedding included; PyTorch spends most of a 25-40 ms forward pass in
per-operator overhead at batch size 1. The sentence-transformers model (transformer, pooling, normalisation) is
exported once with `torch.onnx.export` into the user cache, keyed by the model's checksum, checked against
PyTorch on fixed texts before it is used, and written to a temporary folder then renamed. Passages are still
embedded by sentence-transformers (batches, padding). Any failure here falls back to PyTorch, with a log line.

The export folder is self-contained so that a serving process can embed queries without PyTorch
(`indexer.embed.query_encoder`): the graph, its weights as external data (ONNX Runtime memory-maps them, so the
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

from indexer.atomic import atomic_write_text
from indexer.embed import latin_tokenizer

log = logging.getLogger("soi.onnx")

EXPORT_VERSION = "2"  # 2: weights as external data; tokenizer.json and query.json beside the graph
MODEL_FILE = "query.onnx"
DATA_FILE = "query.onnx.data"  # the name is recorded inside MODEL_FILE: both are renamed together
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "query.json"
VERIFIED_FILE = "verified"
MIN_COSINE = 0.999
# The int8 copy (`query_precision = "int8"`): weights of the MatMuls and of the word-embedding table quantised to
# int8 per channel by ONNX Runtime's quantize_dynamic, activations quantised per tensor at run time. The 12 FFN
# down-projections stay fp32: with them quantised the dev questions fall to cosine 0.988 (their GELU outputs have
# a wide range); without, 0.9965 min / 0.9989 mean on the 164 dev queries, dev MRR@10 unchanged within noise.
INT8_FILE = "query.int8.onnx"
INT8_DATA_FILE = "query.int8.onnx.data"
INT8_VERIFIED_FILE = "verified.int8"
INT8_REFUSED_FILE = "refused.int8"  # the copy was made and failed its check: not tried again for this export
INT8_MIN_COSINE = 0.99
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
        _save_mappable(model, tmp / path.name, DATA_FILE)
        for name in (DATA_FILE, path.name):
            os.chmod(tmp / name, 0o644)  # the model is not secret; mkdtemp/onnx leave it owner-only
        os.replace(tmp / DATA_FILE, path.parent / DATA_FILE)
        os.replace(tmp / path.name, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _save_mappable(model: Any, path: Path, data_name: str) -> None:
    """Save with the weights in one external file, largest tensor first: the word-embedding table then starts at
    offset 0, page-aligned, and ONNX Runtime memory-maps it instead of copying it into the process."""
    import onnx

    inits = sorted(model.graph.initializer, key=lambda t: -len(t.raw_data))
    del model.graph.initializer[:]
    model.graph.initializer.extend(inits)
    onnx.save_model(
        model, str(path), save_as_external_data=True, all_tensors_to_one_file=True, location=data_name,
        size_threshold=1024,
    )


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
    # to_str(pretty=True) is the text Tokenizer.save writes; the files are not secret, hence 0644
    atomic_write_text(directory / TOKENIZER_FILE, tok.to_str(pretty=True), mode=0o644)
    atomic_write_text(directory / META_FILE, json.dumps(meta, ensure_ascii=False, indent=2) + "\n", mode=0o644)


def wants_int8() -> bool:
    """Whether the settings may use the int8 query encoder (`query_precision` "int8", or "auto": `soi serve`)."""
    from indexer.config import load_settings

    try:
        return load_settings().query_precision in ("auto", "int8")
    except Exception:  # noqa: BLE001 - a bad setting is reported by whoever uses the settings, not here
        return False


def _int8_check_texts() -> list[str]:
    from indexer.text.normalize import strip_diacritics

    return ["query: " + t for t in CHECK_TEXTS] + ["query: " + strip_diacritics(t) for t in CHECK_TEXTS]


def export_int8(directory: Path, fp32, make_encoder) -> bool:
    """Write the int8 copy of `directory`'s graph beside it, if it matches fp32 (cosine ≥ INT8_MIN_COSINE).

    `fp32(text)` is the verified fp32 export's embedding; `make_encoder(path)` an encoder of the same kind on the
    quantised graph. The copy is made and checked in a temporary folder, moved in weights first, then marked
    verified (atomically); a copy that fails the check is deleted, logged and marked refused.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    source = directory / MODEL_FILE
    graph = onnx.load(str(source), load_external_data=False)
    keep_fp32 = [
        n.name
        for n in graph.graph.node
        if n.op_type == "MatMul" and n.name.endswith("/output/dense/MatMul") and "/attention/" not in n.name
    ]
    del graph
    tmp = Path(tempfile.mkdtemp(prefix=".int8-", dir=directory))
    try:
        inline = tmp / "inline.onnx"
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # the quantiser logs every node, and advice, on the root logger
        try:
            quantize_dynamic(
                source,
                inline,
                weight_type=QuantType.QInt8,
                per_channel=True,
                op_types_to_quantize=["MatMul", "Gather"],
                nodes_to_exclude=keep_fp32,
            )
        finally:
            root.setLevel(level)
        model = onnx.load(str(inline))
        inline.unlink()
        _save_mappable(model, tmp / INT8_FILE, INT8_DATA_FILE)
        del model
        int8 = make_encoder(tmp / INT8_FILE)
        worst = min(float(np.dot(int8(t), fp32(t))) for t in _int8_check_texts())
        if worst < INT8_MIN_COSINE:
            log.warning(
                "int8 query encoder refused: cosine %.4f to fp32 < %.2f; queries use fp32", worst, INT8_MIN_COSINE
            )
            atomic_write_text(directory / INT8_REFUSED_FILE, f"{worst:.6f}\n", mode=0o644)
            return False
        del int8
        for name in (INT8_DATA_FILE, INT8_FILE):
            os.chmod(tmp / name, 0o644)
        os.replace(tmp / INT8_DATA_FILE, directory / INT8_DATA_FILE)
        os.replace(tmp / INT8_FILE, directory / INT8_FILE)
        atomic_write_text(directory / INT8_VERIFIED_FILE, f"{worst:.6f}\n", mode=0o644)
        log.info("int8 query encoder written: %s (cosine to fp32 ≥ %.4f)", directory / INT8_FILE, worst)
        return True
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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
    st: Any,
    checksum: str,
    cache_dir: Path,
    reference,
    threads: int = 0,
    model_id: str = "",
    dim: int = 0,
    int8: bool | None = None,
) -> OnnxQueryEncoder | None:
    """The ONNX encoder for this model, exported on first use; None (PyTorch is used) when it cannot be trusted.

    `reference(text)` is the PyTorch embedding the export must match (cosine ≥ MIN_COSINE on CHECK_TEXTS). Once it
    is verified, the files a serving process needs (`write_serving_files`) are put beside it, and the int8 copy
    (`export_int8`) when `int8` (None: unless the settings' `query_precision` is "fp32") and not made yet.
    """
    if not available():
        return None
    directory = export_dir(cache_dir, checksum)
    path = directory / MODEL_FILE
    ok_mark = directory / VERIFIED_FILE
    try:
        if not path.exists():
            log.info("exporting the query encoder to ONNX (once): %s", path)
            for stale in (ok_mark, directory / INT8_VERIFIED_FILE, directory / INT8_REFUSED_FILE):
                stale.unlink(missing_ok=True)
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
        if (directory / TOKENIZER_FILE).is_file() and not (directory / latin_tokenizer.TOKENIZER_FILE).is_file():
            from tokenizers import Tokenizer

            if not latin_tokenizer.write(directory, Tokenizer.from_file(str(directory / TOKENIZER_FILE)),
                                         _int8_check_texts()):
                log.warning("reduced query tokenizer disagrees with the full one; serving loads the full one")
        if int8 is None:
            int8 = wants_int8()
        if int8 and not any((directory / n).exists() for n in (INT8_VERIFIED_FILE, INT8_REFUSED_FILE)):
            try:
                export_int8(directory, encoder, lambda p: OnnxQueryEncoder(p, st.tokenizer, threads))
            except Exception as e:  # noqa: BLE001 - the fp32 encoder still serves
                log.warning("int8 query encoder not written (%s: %s); queries use fp32", type(e).__name__, e)
        return encoder
    except Exception as e:  # noqa: BLE001 - any exporter/runtime problem only costs speed
        log.warning("ONNX query encoder unavailable (%s: %s); using PyTorch", type(e).__name__, e)
        return None
