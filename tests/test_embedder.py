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
