"""Word segmentation for the lexical index and for queries.

Why a wrapper around underthesea and not a bare call:
- Documents and queries must produce the same tokens, so both are folded (canonical tone placement, lower
  case) before segmenting; otherwise "Ban Chấp hành" (title case) and "ban chấp hành" segment differently.
- underthesea's CRF was trained on text with the tone mark on the second vowel of open "oa/oe/uy" syllables
  ("uỷ ban", "hoà bình": its dictionary has those and not "ủy ban", "hòa bình"), yet its own token normaliser
  rewrites "uỷ" to "ủy" before tagging, so "ủy ban" is never joined. We feed the CRF that older placement
  (with its token normaliser off) and fold the output tokens back to the canonical form.
- Segmentation costs about a millisecond per sentence, so a rebuild re-uses earlier results through a cache
  keyed by the text's sha1.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from indexer.atomic import atomic_write_text
from indexer.text.normalize import fold, strip_diacritics

# Bump when the output of segment() changes for the same input, so stale caches are ignored.
SEGMENTER_VERSION = "1"
CACHE_FILE = "segment_cache.json"

_SYLLABLE = re.compile(r"[^\W_]+")
# Sentence-ish boundaries: words never span them, so the CRF can run on each piece independently. A single line
# break is only whitespace: crawled texts wrap in the middle of sentences ("ngày\n21/6/2024", "kỷ\nluật").
_CHUNK_SPLIT = re.compile(r"(?<=[.;:!?…])\s+|\n\s*\n")
_SOFT_SPLIT = re.compile(r"(?<=[,)\]”\"])\s+")  # used only for pieces longer than _MAX_CHUNK
_MAX_CHUNK = 1500
_PHRASE_BREAK = re.compile(r"[^\w\s]+|_")  # punctuation between syllables ends a phrase for bigrams

# Open syllables "oa", "oe", "uy" with the tone on the first vowel (canonical, e.g. "ủy", "hòa", "khỏe") and the
# same syllable with the tone on the second vowel (the spelling underthesea's CRF knows, e.g. "uỷ", "hoà").
_TONED = {
    "o": "òóỏõọ",
    "u": "ùúủũụ",
    "a": "àáảãạ",
    "e": "èéẻẽẹ",
    "y": "ỳýỷỹỵ",
}
_TO_CRF: dict[str, str] = {}
for _first, _second in (("o", "a"), ("o", "e"), ("u", "y")):
    for _t in range(5):
        _TO_CRF[_TONED[_first][_t] + _second] = _first + _TONED[_second][_t]
# Not after "q" (in "quý" the u belongs to the onset) and not followed by another letter (open syllable only).
_CRF_STYLE = re.compile(r"(?<!q)(" + "|".join(_TO_CRF) + r")(?![^\W\d_])")

_word_tokenize: Callable[..., list[str]] | None = None


# Modules underthesea's __init__ imports "optionally" that segmentation never uses; its translator alone pulls in
# transformers and PyTorch (~250 MB and a second or two in every process that segments a query).
_UNUSED_UNDERTHESEA = (
    "underthesea.pipeline.classification",
    "underthesea.pipeline.sentiment",
    "underthesea.pipeline.lang_detect",
    "underthesea.pipeline.dependency_parse",
    "underthesea.pipeline.translate",
    "underthesea.agent",
    "underthesea.address",
)
_import_lock = threading.Lock()


def _tokenizer() -> Callable[..., list[str]]:
    """Import underthesea lazily: it takes about a second and most callers of this module only need syllables.

    Its optional pipelines are kept out while the package loads (a None in sys.modules makes their import fail,
    which underthesea tolerates); they are importable again afterwards, for anyone who wants them.
    """
    global _word_tokenize
    with _import_lock:
        if _word_tokenize is None:
            fresh = "underthesea" not in sys.modules
            blocked = [m for m in _UNUSED_UNDERTHESEA if m not in sys.modules] if fresh else []
            try:
                for m in blocked:
                    sys.modules[m] = None  # type: ignore[assignment]
                from underthesea import word_tokenize
            finally:
                for m in blocked:
                    if sys.modules.get(m, 0) is None:
                        del sys.modules[m]
            _word_tokenize = word_tokenize
    return _word_tokenize


def _to_crf_style(folded: str) -> str:
    """Move the tone of open oa/oe/uy syllables to the second vowel, the spelling the CRF was trained on."""
    return _CRF_STYLE.sub(lambda m: _TO_CRF[m.group(1)], folded)


def _chunks(text: str) -> list[str]:
    """Cut text at sentence boundaries (and overlong sentences at commas, then spaces) so cost stays linear."""
    out: list[str] = []
    for piece in _CHUNK_SPLIT.split(text):
        if not piece or piece.isspace():
            continue
        if len(piece) <= _MAX_CHUNK:
            out.append(piece)
            continue
        buf = ""
        for part in _SOFT_SPLIT.split(piece):
            while len(part) > _MAX_CHUNK:  # no comma for a long stretch: cut at the last space before the limit
                cut = part.rfind(" ", 0, _MAX_CHUNK)
                cut = cut if cut > 0 else _MAX_CHUNK
                if buf:
                    out.append(buf)
                    buf = ""
                out.append(part[:cut])
                part = part[cut:].lstrip()
            if buf and len(buf) + len(part) + 1 > _MAX_CHUNK:
                out.append(buf)
                buf = ""
            buf = f"{buf} {part}" if buf else part
        if buf:
            out.append(buf)
    return out


@functools.lru_cache(maxsize=1 << 16)
def _segment_chunk(chunk: str) -> tuple[str, ...]:
    """One sentence-ish piece; memoised because headings and căn cứ lines recur in many clauses' context."""
    words = []
    for tok in _tokenizer()(_to_crf_style(chunk), use_token_normalize=False):
        if any(ch.isalnum() for ch in tok):
            words.append(fold(tok).replace(" ", "_"))
    return tuple(words)


def segment(text: str) -> list[str]:
    """Folded words of `text`, multi-syllable words joined with "_" ("kỷ_luật"); punctuation-only tokens dropped."""
    folded = fold(text).replace("_", " ")
    words: list[str] = []
    for chunk in _chunks(folded):
        words.extend(_segment_chunk(chunk))
    return words


def syllables(text: str) -> list[str]:
    """Folded syllables (and numbers) without segmentation; the unit that diacritic restoration works on."""
    return _SYLLABLE.findall(fold(text))


def stripped_tokens(text: str) -> list[str]:
    """Diacritics-free syllables plus adjacent-syllable bigrams ("ky", "luat", "ky_luat") for unaccented queries.

    Bigrams do not cross punctuation, so "..., dang" does not pair with the previous phrase. Stripping after
    folding also maps "đ" to "d", as a user typing without accents does.
    """
    out: list[str] = []
    for phrase in _PHRASE_BREAK.split(fold(text)):
        syls = [strip_diacritics(s) for s in _SYLLABLE.findall(phrase)]
        out.extend(syls)
        out.extend(f"{a}_{b}" for a, b in zip(syls, syls[1:], strict=False))
    return out


def text_key(text: str) -> str:
    """Cache key: sha1 of the exact text (UTF-8), so any edit to a clause re-segments it."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _version_tag() -> str:
    try:
        from importlib.metadata import version

        uts = version("underthesea")
    except Exception:  # noqa: BLE001 - metadata missing only in odd installs; the tag then just says so
        uts = "unknown"
    return f"{SEGMENTER_VERSION}/underthesea-{uts}"


class SegmentCache:
    """sha1(text) -> segmented words, persisted as JSON in a directory so index rebuilds skip unchanged clauses.

    Loading and saving are explicit; a file written by another segmenter or underthesea version is ignored.
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory) if directory is not None else None
        self.version = _version_tag()
        self.entries: dict[str, list[str]] = {}
        self.hits = 0
        self.misses = 0
        self._used: set[str] = set()

    @property
    def path(self) -> Path | None:
        return self.directory / CACHE_FILE if self.directory is not None else None

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> SegmentCache:
        """Cache from `directory`; empty when the file is missing, unreadable or from another version."""
        cache = cls(directory)
        path = cache.path
        assert path is not None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cache
        if not isinstance(data, dict) or data.get("version") != cache.version:
            return cache
        entries = data.get("entries")
        if isinstance(entries, dict):
            cache.entries = {k: v.split(" ") if v else [] for k, v in entries.items() if isinstance(v, str)}
        return cache

    def save(self, directory: str | os.PathLike[str] | None = None, only_used: bool = False) -> Path:
        """Write atomically (temp file + os.replace); `only_used` drops entries no lookup touched since loading."""
        if directory is not None:
            self.directory = Path(directory)
        path = self.path
        if path is None:
            raise ValueError("SegmentCache.save needs a directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = self._used if only_used else self.entries.keys()
        payload = {
            "version": self.version,
            "entries": {k: " ".join(self.entries[k]) for k in sorted(keys) if k in self.entries},
        }
        atomic_write_text(path, json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
        return path

    def get(self, text: str) -> list[str] | None:
        key = text_key(text)
        words = self.entries.get(key)
        if words is None:
            self.misses += 1
            return None
        self.hits += 1
        self._used.add(key)
        return list(words)

    def put(self, text: str, words: Sequence[str]) -> None:
        key = text_key(text)
        self.entries[key] = list(words)
        self._used.add(key)

    def __len__(self) -> int:
        return len(self.entries)


def segment_many(
    texts: Iterable[str],
    cache: SegmentCache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[list[str]]:
    """segment() over many texts, re-using `cache` hits and storing misses; `progress(done, total)` after each."""
    items = list(texts)
    out: list[list[str]] = []
    total = len(items)
    for i, text in enumerate(items, 1):
        words = cache.get(text) if cache is not None else None
        if words is None:
            words = segment(text)
            if cache is not None:
                cache.put(text, words)
        out.append(words)
        if progress is not None:
            progress(i, total)
    return out
