"""The embedder on real text: long clauses are embedded window by window, nothing is cut off."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def test_long_text_is_split_into_windows_that_fit(embedder):
    # The appendix table of QĐ 384 is the longest unit of the corpus (~800 tokens).
    text = (ROOT / "corpus" / "qd-384-2025.md").read_text(encoding="utf-8")[-6000:]
    windows = embedder.windows(text)
    assert len(windows) >= 2
    limit = embedder.st.max_seq_length
    for w in windows:
        assert len(embedder.st.tokenizer(w, add_special_tokens=False)["input_ids"]) <= limit
    assert _words(" ".join(windows)) == _words(text)  # every word is in exactly one window, in order


def test_short_text_is_one_window_and_vectors_are_unit_length(embedder):
    short = "Chi bộ quyết định khiển trách, cảnh cáo đảng viên trong chi bộ."
    assert embedder.windows(short) == [short]
    long_text = (ROOT / "corpus" / "qd-384-2025.md").read_text(encoding="utf-8")[-6000:]
    vecs = embedder.encode_passages([short, long_text])
    assert vecs.shape == (2, embedder.dim)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    # Averaging windows is not the same as truncating to the first 512 tokens.
    first_window = embedder.encode_passages([embedder.windows(long_text)[0]])[0]
    assert float(vecs[1] @ first_window) < 0.999


def test_queries_go_through_onnx_runtime_and_match_pytorch(embedder):
    """ONNX Runtime answers queries, with PyTorch's vectors (dev questions, with and without diacritics)."""
    from eval.dataset import load_questions
    from indexer.text.normalize import strip_diacritics

    assert embedder.query_engine == "onnxruntime"
    questions = [q.question for q in load_questions(ROOT / "eval" / "dev.jsonl")]
    embedder.clear_cache()
    for q in questions + [strip_diacritics(q) for q in questions[:5]]:
        fast = embedder.encode_query(q)
        reference = embedder._forward(embedder.query_prefix + q)
        assert fast.shape == (embedder.dim,) and abs(float(np.linalg.norm(fast)) - 1.0) < 1e-5
        assert float(fast @ reference) >= 0.999, q
    embedder.clear_cache()


def test_torch_backend_is_used_when_asked(monkeypatch):
    from indexer.embed.embedder import Embedder

    monkeypatch.setenv("SOI_QUERY_BACKEND", "torch")
    e = Embedder()
    assert e.query_engine == "torch"
    assert float(e.encode_query("kỷ luật") @ e._forward(e.query_prefix + "kỷ luật")) > 0.99999
