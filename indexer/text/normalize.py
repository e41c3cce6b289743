"""One spelling per word for matching; the original text is never changed for display.

Real documents write the same word several ways ("Uỷ ban"/"Ủy ban", "hoà"/"hòa", "kỉ luật"/"kỷ luật"), in NFC or
NFD, with typographic noise ("ngày 18/4//2022", non-breaking spaces, en dashes). Every matcher (lexical index,
highlighting, abbreviations, document numbers) goes through `fold` (or `fold_ascii` for queries typed without
diacritics), and the `*_with_offsets` variants map each folded character back to the verbatim text.

Tone placement follows the "old style" that underthesea's normaliser writes: the tone of an open "oa/oe/uy"
syllable sits on the first vowel (hòa, khỏe, ủy), and a tone misplaced in any parseable syllable ("tòan",
"qúy", "hòang") is moved to where Vietnamese orthography puts it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Combining tone marks: grave, acute, hook above, tilde, dot below (index = tone number 1..5).
_TONE_MARKS = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
_VOWEL_BASES = "aăâeêioôơuưy"
_MARKED_VOWELS = frozenset("ăâêôơư")

# lower-case toned vowel -> (toneless vowel, tone number); and the reverse
_SPLIT: dict[str, tuple[str, int]] = {}
_JOIN: dict[tuple[str, int], str] = {}
for _base in _VOWEL_BASES:
    for _tone, _mark in enumerate(_TONE_MARKS):
        _ch = unicodedata.normalize("NFC", _base + _mark)
        _SPLIT[_ch] = (_base, _tone)
        _JOIN[(_base, _tone)] = _ch

# A Vietnamese syllable without its tone: onset, vowel cluster, final consonant. "qu"/"gi" are tried before
# "q"/"g" so the u of "quý" and the i of "giá" belong to the onset; backtracking gives "gìn" = g + i + n.
_SYLLABLE = re.compile(
    r"(ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdđghklmnpqrstvx])?([aăâeêioôơuưy]{1,3})(ch|ng|nh|[cmnpt])?"
)

# Whole syllables whose i/y spelling varies in real texts, mapped to one form (a curated table, not a rule:
# "chị", "bị", "thì" must never change). Most go to y as Party documents write them ("kỷ luật", "quản lý").
IY_VARIANTS: dict[str, str] = {
    "ki": "ky", "kì": "kỳ", "kí": "ký", "kỉ": "kỷ", "kĩ": "kỹ", "kị": "kỵ",
    "li": "ly", "lì": "lỳ", "lí": "lý", "lị": "lỵ",
    "mĩ": "mỹ",
    "tỉ": "tỷ",
    "qui": "quy", "quì": "quỳ", "quí": "quý", "quỉ": "quỷ", "quĩ": "quỹ", "quị": "quỵ",
    "sỹ": "sĩ",
}  # fmt: skip

_WORD = re.compile(r"[^\W\d_]+")

# Typographic noise, fixed for matching only. One-to-one replacements keep offsets trivial; deletions are
# handled by the offset-tracking path.
_CHAR_MAP: dict[int, str] = {
    **{ord(c): " " for c in "\u00a0\u2007\u2009\u200a\u202f\u3000"},
    **{ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"},
    **{ord(c): '"' for c in "\u201c\u201d\u201e\u00ab\u00bb\u2033"},
    **{ord(c): "'" for c in "\u2018\u2019\u201a\u2032"},
    **{ord(c): "" for c in "\u00ad\u200b\u200c\u200d\u2060\ufeff"},
}
_DOUBLED_SLASH = re.compile(r"(?<=\d)//+(?=\d)")  # "18/4//2022" -> "18/4/2022"


def nfc(s: str) -> str:
    """NFC form (precomposed letters): the form every other function works on."""
    return s if unicodedata.is_normalized("NFC", s) else unicodedata.normalize("NFC", s)


def _with_case(new_lower: str, original: str) -> str:
    """Apply the per-character case of `original` to `new_lower` (same length)."""
    return "".join(n.upper() if o.isupper() else n for n, o in zip(new_lower, original, strict=True))


@lru_cache(maxsize=65536)
def _canon_word(word: str) -> str:
    """Canonical spelling of one NFC word (letters only); unchanged when it is not a parseable syllable."""
    low = word.lower()
    if len(low) != len(word):
        return word
    bases: list[str] = []
    tone_pos, tone, n_toned = -1, 0, 0
    for i, ch in enumerate(low):
        split = _SPLIT.get(ch)
        if split is None:
            bases.append(ch)
            continue
        bases.append(split[0])
        if split[1]:
            tone_pos, tone, n_toned = i, split[1], n_toned + 1
    if n_toned > 1:
        return word
    new = low
    if n_toned == 1:
        m = _SYLLABLE.fullmatch("".join(bases))
        if m is None:
            return word
        onset, vowels, final = m.group(1) or "", m.group(2), m.group(3)
        marked = [i for i, v in enumerate(vowels) if v in _MARKED_VOWELS]
        if marked:
            target = marked[-1]  # "ươ" -> ơ, "uyê" -> ê, "ưu" -> ư
        elif final or len(vowels) == 1:
            target = len(vowels) - 1  # "hoàng", "quyết", "toán"
        elif len(vowels) == 2:
            target = 0  # open "oa/oe/uy" and "ai/ao/ia/ua/ui/..." : hòa, ủy, mùa
        else:
            target = 1  # "oai", "oay", "uya", "uyu": ngoài, xoáy, khuỷu
        target += len(onset)
        if target != tone_pos:
            chars = list(low)
            chars[tone_pos] = bases[tone_pos]
            chars[target] = _JOIN[(bases[target], tone)]
            new = "".join(chars)
    new = IY_VARIANTS.get(new, new)
    if new == low:
        return word
    return _with_case(new, word)


def _canonical_nfc(s: str) -> str:
    """`canonical` for an NFC string; length-preserving (offset maps rely on it)."""
    return _WORD.sub(lambda m: _canon_word(m.group()), s)


def canonical(s: str) -> str:
    """NFC with one tone placement and one i/y spelling per syllable; case and everything else kept."""
    return _canonical_nfc(nfc(s))


def _clean(s: str) -> str:
    """Typographic noise removed (spaces, dashes, quotes, invisible characters, doubled slashes in dates)."""
    return _DOUBLED_SLASH.sub("/", nfc(s.translate(_CHAR_MAP)))


def fold(s: str) -> str:
    """The matching key: cleaned, canonical, lower case."""
    return _canonical_nfc(_clean(s)).lower()


def _strip_char(c: str) -> str:
    if c in "đĐ":
        return "d" if c == "đ" else "D"
    d = unicodedata.normalize("NFD", c)
    return d[0] if d else c


_STRIP_CACHE: dict[str, str] = {}


def strip_diacritics(s: str) -> str:
    """All tone and vowel marks removed, đ->d, Đ->D; case kept ("Đảng viên" -> "Dang vien")."""
    d = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in d if not unicodedata.combining(c)))


def slug(s: str) -> str:
    """ASCII, lower case, hyphens: ids and file names from Vietnamese text ("69-QĐ/TW" -> "69-qd-tw")."""
    return re.sub(r"[^a-z0-9]+", "-", strip_diacritics(s).lower()).strip("-")


def fold_ascii(s: str) -> str:
    """The matching key for text typed without diacritics: `strip_diacritics(fold(s))`."""
    return strip_diacritics(fold(s))


def has_diacritics(s: str) -> bool:
    """Whether any marked letter (tone, vowel mark, đ) appears: tells unaccented queries apart."""
    if s.isascii():
        return False
    if "đ" in s or "Đ" in s:
        return True
    return any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", s))


def _nfc_with_offsets(s: str, offs: list[int]) -> tuple[str, list[int]]:
    """NFC of `s` composed per base+combining-marks cluster, each output char mapped to its cluster's start."""
    if unicodedata.is_normalized("NFC", s):
        return s, offs
    out: list[str] = []
    out_offs: list[int] = []
    i, n = 0, len(s)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(s[j]):
            j += 1
        piece = unicodedata.normalize("NFC", s[i:j])
        out.append(piece)
        out_offs.extend([offs[i]] * len(piece))
        i = j
    return "".join(out), out_offs


def fold_with_offsets(s: str) -> tuple[str, list[int]]:
    """`fold(s)` and, for each of its characters, the index in `s` of the character it came from.

    Works on NFD input (a letter and its combining marks map to the letter's index), deleted invisible
    characters and collapsed "//", so a match in the folded text can be highlighted in the verbatim text
    with `map_span`.
    """
    # 1. one-to-one replacements and deletions
    chars: list[str] = []
    offs: list[int] = []
    for i, c in enumerate(s):
        r = _CHAR_MAP.get(ord(c), c)
        if r:
            chars.append(r)
            offs.append(i)
    t = "".join(chars)
    # 2. NFC per cluster
    t, offs = _nfc_with_offsets(t, offs)
    # 3. doubled slashes between digits
    if "//" in t:
        drop = {k for m in _DOUBLED_SLASH.finditer(t) for k in range(m.start() + 1, m.end())}
        if drop:
            t = "".join(c for k, c in enumerate(t) if k not in drop)
            offs = [o for k, o in enumerate(offs) if k not in drop]
    # 4. canonical spelling (length-preserving), then lower case
    t = _canonical_nfc(t)
    low = t.lower()
    if len(low) == len(t):
        return low, offs
    out: list[str] = []
    out_offs: list[int] = []
    for c, o in zip(t, offs, strict=True):
        lc = c.lower()
        out.append(lc)
        out_offs.extend([o] * len(lc))
    return "".join(out), out_offs


def strip_with_offsets(s: str) -> tuple[str, list[int]]:
    """`fold_ascii(s)` with offsets into `s`, as `fold_with_offsets` (stray combining marks are dropped)."""
    folded, offs = fold_with_offsets(s)
    if folded.isascii():
        return folded, offs
    out: list[str] = []
    out_offs: list[int] = []
    for c, o in zip(folded, offs, strict=True):
        r = _STRIP_CACHE.get(c)
        if r is None:
            r = _STRIP_CACHE[c] = "" if unicodedata.combining(c) else _strip_char(c)
        if r:
            out.append(r)
            out_offs.append(o)
    return "".join(out), out_offs


def map_span(offsets: list[int], start: int, end: int, original: str) -> tuple[int, int]:
    """The span of `original` covered by folded characters [start, end), combining marks included."""
    if start >= end:
        pos = offsets[start] if start < len(offsets) else len(original)
        return pos, pos
    a = offsets[start]
    b = offsets[end - 1] + 1
    while b < len(original) and unicodedata.combining(original[b]):
        b += 1
    return a, b
