"""A second, smaller copy of the query tokenizer for questions written in Latin script (Vietnamese, English).

Why: `tokenizers` builds the model's 250,002-piece Unigram vocabulary while holding the GIL (0.7–1 s on an idle
core, several seconds on a busy one), before a serving process can answer its first question. Only 113k of those
pieces are made of Latin letters, digits, ASCII and common punctuation. A Unigram segmentation of a text written
only in such characters can only use such pieces, so a vocabulary of them alone (plus the special tokens and the
lowest-scoring piece, which sets the unknown-piece penalty) segments it identically; their ids are mapped back to
the full vocabulary's. Any other question (another script, the «<mask>» token) uses the full tokenizer, loaded on
first need. Both are checked to agree when the copy is written, and tests/test_query_encoder.py checks the whole
corpus and the dev questions.
"""

from __future__ import annotations

import io
import json
import threading
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from indexer.atomic import atomic_write_bytes, atomic_write_text

TOKENIZER_FILE = "tokenizer-latin.json"
IDS_FILE = "tokenizer-latin-ids.npy"
_SPECIAL = 4  # <s> <pad> </s> <unk>: ids 0-3 in both vocabularies
_PUNCT = "«»“”‘’–—…"


def latin(ch: str) -> bool:
    """Whether a (normalised) character belongs to the reduced vocabulary's alphabet."""
    if ch.isascii() or ch == "▁" or ch in _PUNCT:
        return True
    try:
        return unicodedata.name(ch).startswith("LATIN ")
    except ValueError:
        return False


def reduce(full_json: str) -> tuple[str, np.ndarray]:
    """The reduced tokenizer (JSON text) and, for each of its ids, the full vocabulary's id."""
    spec = json.loads(full_json)
    vocab = spec["model"]["vocab"]
    lowest = min(score for _, score in vocab)
    keep = [i for i, (piece, score) in enumerate(vocab)
            if i < _SPECIAL or score == lowest or all(latin(c) for c in piece)]
    spec["model"] = {**spec["model"], "vocab": [vocab[i] for i in keep]}
    spec["added_tokens"] = [t for t in spec.get("added_tokens", []) if t["id"] < _SPECIAL]
    return json.dumps(spec, ensure_ascii=False), np.asarray(keep, dtype=np.int32)


def write(directory: Path, full_tokenizer: Any, check_texts: Iterable[str]) -> bool:
    """Write the reduced copy beside the full tokenizer when it segments `check_texts` identically; False if not."""
    from tokenizers import Tokenizer

    text, ids = reduce(full_tokenizer.to_str())
    small = Tokenizer.from_str(text)
    for t in check_texts:
        if usable(full_tokenizer, t) and [int(ids[i]) for i in small.encode(t).ids] != full_tokenizer.encode(t).ids:
            return False
    buf = io.BytesIO()
    np.save(buf, ids)
    atomic_write_bytes(directory / IDS_FILE, buf.getvalue(), mode=0o644)
    atomic_write_text(directory / TOKENIZER_FILE, text, mode=0o644)  # written last: its presence means complete
    return True


def usable(tokenizer: Any, text: str) -> bool:
    """Whether the reduced vocabulary segments `text` as the full one does (its normalised form is all Latin)."""
    return "<mask>" not in text and all(latin(c) for c in tokenizer.normalizer.normalize_str(text))


class QueryTokenizer:
    """Token ids of the full vocabulary, from the reduced tokenizer when the text allows, else the full one."""

    def __init__(self, directory: Path, full_file: str, max_length: int) -> None:
        self._dir, self._full_file, self._max = directory, full_file, max_length
        self._full: Any = None
        self._lock = threading.Lock()
        self._small: Any = None
        self._ids: np.ndarray | None = None
        if (directory / TOKENIZER_FILE).is_file() and (directory / IDS_FILE).is_file():
            self._ids = np.load(directory / IDS_FILE)
            self._small = self._prepared(directory / TOKENIZER_FILE)
        else:
            self._full = self._prepared(directory / full_file)

    def _prepared(self, path: Path) -> Any:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(path))
        tok.no_padding()
        # As transformers calls it: longest_first, right side, the two special tokens counted in the limit.
        tok.enable_truncation(max_length=self._max)
        return tok

    def full(self) -> Any:
        with self._lock:
            if self._full is None:
                self._full = self._prepared(self._dir / self._full_file)
            return self._full

    def encode(self, text: str) -> list[int]:
        if self._small is not None and usable(self._small, text):
            return [int(i) for i in self._ids[self._small.encode(text).ids]]
        return self.full().encode(text).ids
