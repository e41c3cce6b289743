"""Legacy Vietnamese encodings (TCVN3/ABC, VNI-Windows, Windows-1258) to Unicode NFC, chosen by evidence.

Agencies still keep regulations typed in the 1990s font encodings. In those files a Vietnamese letter is a
*font code*: the byte that the .VnTime (TCVN3) or VNI-Times (VNI) font draws as "ấ". Read as Windows-1252 the
same bytes give mojibake such as "§iÒu" (TCVN3 for "Điều") or "Ñieàu" (VNI for "Điều"). This module turns
such text into Unicode NFC, for whole files (`decode_bytes`) and for DOCX/PDF runs (`fix_legacy_text`).

The tables are written from the published definitions:

* **TCVN3** is VSCII-3 / VN3 of TCVN 5712:1993 (the "ABC" code of the .Vn fonts): ASCII unchanged, the 67
  lower-case Vietnamese letters, the 7 capitals Ă Â Ê Ô Ơ Ư Đ and the no-break space, all in 0xA0-0xFE; it
  reassigns no C0/C1 control codes. Capitals *with tone marks* have no code: documents switch to the
  capital fonts (.VnTimeH, .VnArialH...), which draw the lower-case codes as capitals. Plain text therefore
  cannot tell "Ấ" from "ấ". With an "...H" font name `fix_legacy_text` upper-cases the run; without one, a word
  whose shape shows it was typed in capitals ("TµI CHÝNH" -> "TàI CHíNH") is upper-cased, but a capital
  initial such as "Ủy" comes out lower-case ("ủy"): a documented limitation. The extra capitals of the VN1/VN2
  variants (in C0/C1 and 0xB0-0xFF) are not read: VN3 files do not use them. "ư" is 0xAD, the soft hyphen:
  a DOCX reader must keep <w:softHyphen/> of a .Vn font run as U+00AD, or every "ư" of the run is lost.
* **VNI-Windows** writes a letter as an ASCII base followed by a "mark" byte (a Latin-1 letter in the font's
  code page): "aù" = á, "aâ" = â, "aá" = ấ, "aê" = ă, "aé" = ắ; ơ, ư, đ and the i/ỵ letters are single bytes
  ("ô", "ö", "ñ", "í ì æ ó ò", "î"); capitals use the capital marks ("AÙ" = Á, "Ñ" = Đ).
* **Windows-1258** is decoded by Python's codec to base letters plus combining tone marks, then NFC.

Legacy text reaches Python as characters: file bytes are read as cp1252 and DOCX/PDF runs already hold the
font codes as cp1252 (or, from some PDF tools, Latin-1: U+0080-U+009F) characters; both readings are accepted.

Nothing is converted on a guess. Each reading is scored by how many of its words are well-formed Vietnamese
syllables (onset + vowel nucleus + coda + at most one tone, `is_vietnamese_syllable`), and text is converted
only when a legacy reading turns malformed words into valid ones, at least three for each word it breaks;
text holding a letter that only Unicode has (ư, ạ, đ...) is never converted.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from indexer.ingest.errors import IngestError

# ---------------------------------------------------------------------------------------------- tones

# Tone index -> combining mark: 1 sắc (acute), 2 huyền (grave), 3 hỏi (hook above), 4 ngã (tilde), 5 nặng (dot).
_TONE_MARKS = {1: "\u0301", 2: "\u0300", 3: "\u0309", 4: "\u0303", 5: "\u0323"}
_MARK_TONES = {mark: tone for tone, mark in _TONE_MARKS.items()}
_VOWELS = "aăâeêioôơuưy"


def _with_tone(base: str, tone: int) -> str:
    """The precomposed letter `base` carrying `tone` (0 = level tone, no mark)."""
    return base if tone == 0 else unicodedata.normalize("NFC", base + _TONE_MARKS[tone])


# ---------------------------------------------------------------------------------------------- TCVN3 table

# TCVN 5712:1993 VN3: codes of the toned lower-case vowels, in the standard's order per base letter:
# huyền, hỏi, ngã, sắc, nặng (e.g. a: 0xB5 à, 0xB6 ả, 0xB7 ã, 0xB8 á, 0xB9 ạ).
_TCVN3_TONED_ORDER = (2, 3, 4, 1, 5)
_TCVN3_TONED: dict[str, tuple[int, int, int, int, int]] = {
    "a": (0xB5, 0xB6, 0xB7, 0xB8, 0xB9),
    "ă": (0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xC7, 0xC8, 0xC9, 0xCA, 0xCB),
    "e": (0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xD2, 0xD3, 0xD4, 0xD5, 0xD6),
    "i": (0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (0xDF, 0xE1, 0xE2, 0xE3, 0xE4),
    "ô": (0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xEA, 0xEB, 0xEC, 0xED, 0xEE),
    "u": (0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xF5, 0xF6, 0xF7, 0xF8, 0xF9),
    "y": (0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
# The untoned letters outside ASCII, and the no-break space.
_TCVN3_PLAIN: dict[int, str] = {
    0xA0: "\u00a0",
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
}  # fmt: skip


def _build_tcvn3() -> dict[int, str]:
    """Byte -> Unicode letter for every TCVN3 (VN3) code above 0x7F."""
    table = dict(_TCVN3_PLAIN)
    for base, codes in _TCVN3_TONED.items():
        for tone, code in zip(_TCVN3_TONED_ORDER, codes, strict=True):
            table[code] = _with_tone(base, tone)
    return table


TCVN3_TO_UNICODE: dict[int, str] = _build_tcvn3()
"""TCVN3 byte (0xA0-0xFE) -> Unicode character; bytes not listed mean what they mean in Windows-1252."""

_TCVN3_ENCODE: dict[str, int] = {char: code for code, char in TCVN3_TO_UNICODE.items()}

# ---------------------------------------------------------------------------------------------- VNI table

# VNI-Windows marks (lower-case; capitals use the upper-case Latin-1 letter, 0x20 lower). Index = tone.
_VNI_TONE = {1: "ù", 2: "ø", 3: "û", 4: "õ", 5: "ï"}  # after a e o u y ơ ư
_VNI_CIRCUMFLEX = {0: "â", 1: "á", 2: "à", 3: "å", 4: "ã", 5: "ä"}  # a e o + circumflex (+ tone)
_VNI_BREVE = {0: "ê", 1: "é", 2: "è", 3: "ú", 4: "ü", 5: "ë"}  # a + breve (+ tone)
_VNI_I = {0: "i", 1: "í", 2: "ì", 3: "æ", 4: "ó", 5: "ò"}  # i is written as one byte per tone
_VNI_CIRCUMFLEX_BASES = {"â": "a", "ê": "e", "ô": "o"}
_VNI_SINGLE_BASES = {"ơ": "ô", "ư": "ö"}  # ơ and ư are one byte, followed by a tone mark


def _vni_lower(letter: str, tone: int) -> str:
    """The VNI-Windows spelling of the lower-case `letter` with `tone`."""
    if letter == "i":
        return _VNI_I[tone]
    if letter == "y" and tone == 5:
        return "î"  # ỵ has its own byte
    if letter in _VNI_CIRCUMFLEX_BASES:
        return _VNI_CIRCUMFLEX_BASES[letter] + _VNI_CIRCUMFLEX[tone]
    if letter == "ă":
        return "a" + _VNI_BREVE[tone]
    base = _VNI_SINGLE_BASES.get(letter, letter)
    return base + (_VNI_TONE[tone] if tone else "")


def _build_vni() -> dict[str, str]:
    """Unicode letter -> its VNI-Windows spelling, for every Vietnamese letter outside ASCII (both cases)."""
    table: dict[str, str] = {"đ": "ñ", "Đ": "Ñ"}
    for letter in _VOWELS:
        for tone in range(6):
            uni = _with_tone(letter, tone)
            if uni.isascii():
                continue
            vni = _vni_lower(letter, tone)
            table[uni] = vni
            table[uni.upper()] = vni.upper()
    return table


UNICODE_TO_VNI: dict[str, str] = _build_vni()
"""Unicode letter -> VNI-Windows sequence (as the cp1252 characters of its bytes)."""

_VNI_DECODE: dict[str, str] = {vni: uni for uni, vni in UNICODE_TO_VNI.items()}
_VNI_RE = re.compile("|".join(sorted(map(re.escape, _VNI_DECODE), key=len, reverse=True)))

# ---------------------------------------------------------------------------------------------- cp1252 helpers

# Latin-1 reading of bytes 0x80-0x9F (C1 controls) -> what Windows-1252 (the fonts' code page) has there.
# 0x81 0x8D 0x8F 0x90 0x9D are unassigned in cp1252: they keep the Latin-1 reading.
_C1_TO_CP1252: dict[int, str] = {
    b: bytes([b]).decode("cp1252") for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}
_CP1252_SPECIALS = frozenset(_C1_TO_CP1252.values())  # € ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ
_CP1252_ENCODE = {char: bytes([code]) for code, char in _C1_TO_CP1252.items()}


def _cp1252_text(data: bytes) -> str:
    """Bytes as the cp1252 characters a legacy font would be given (unassigned bytes as Latin-1)."""
    return data.decode("latin-1").translate(_C1_TO_CP1252)


def _is_legacy_char(char: str) -> bool:
    """A character a cp1252/Latin-1 reading of bytes can produce."""
    return ord(char) < 0x100 or char in _CP1252_SPECIALS


# ---------------------------------------------------------------------------------------------- conversions


def tcvn3_to_unicode(text: str) -> str:
    """TCVN3 font codes (as cp1252 or Latin-1 characters) -> Unicode NFC, capitals restored where context shows."""
    converted = unicodedata.normalize("NFC", text.translate(_TCVN3_TRANSLATE))
    return "\n".join(_restore_capitals(line) for line in converted.split("\n"))


_TCVN3_TRANSLATE = {**_C1_TO_CP1252, **TCVN3_TO_UNICODE}  # one pass: Latin-1 C1 -> cp1252, then the codes
_LETTERS_RE = re.compile(r"[^\W\d_]+")


def _restore_capitals(line: str) -> str:
    """Upper-case TCVN3 words typed in a capital font: "TµI CHÝNH" reads "TàI CHíNH", meant "TÀI CHÍNH".

    TCVN3 has no toned capitals, so an all-caps word comes out with lower-case toned letters among upper-case
    ASCII ones. Such a word is upper-cased when its shape shows it ("TàI", "ủY"); a word that looks title-cased
    ("Bộ", "Đã") only next to an upper-case Vietnamese word ("Bộ CHÍNH" -> "BỘ CHÍNH").
    """
    words = [[m.start(), m.group()] for m in _LETTERS_RE.finditer(line)]
    if not words:
        return line

    def candidate(word: str) -> bool:  # no lower-case ASCII letter, some lower-case letter from a TCVN3 code
        return not any("a" <= c <= "z" for c in word) and any(c.islower() for c in word)

    def upper(word: str) -> str:  # an upper-casing that changes the length ("ß" -> "SS") is not applied
        return word.upper() if len(word.upper()) == len(word) else word

    def capital_word(word: str) -> bool:
        return len(word) >= 2 and word.isupper() and is_vietnamese_syllable(word)

    for item in words:
        word = item[1]
        if candidate(word) and not (word.islower() or (word[0].isupper() and word[1:].islower())):
            item[1] = upper(word)
    changed = True
    while changed:
        changed = False
        for i, item in enumerate(words):
            if not candidate(item[1]):
                continue
            neighbours = [words[j][1] for j in (i - 1, i + 1) if 0 <= j < len(words)]
            if any(capital_word(n) for n in neighbours) and upper(item[1]) != item[1]:
                item[1] = upper(item[1])
                changed = True
    chars = list(line)
    for start, word in words:
        chars[start : start + len(word)] = word
    return unicodedata.normalize("NFC", "".join(chars))


def vni_to_unicode(text: str) -> str:
    """VNI-Windows font codes (as cp1252 or Latin-1 characters) -> Unicode NFC."""
    text = unicodedata.normalize("NFC", text.translate(_C1_TO_CP1252))
    return unicodedata.normalize("NFC", _VNI_RE.sub(lambda m: _VNI_DECODE[m.group()], text))


_CONVERTERS = {"tcvn3": tcvn3_to_unicode, "vni": vni_to_unicode}
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "utf-32": "UTF-32",
    "tcvn3": "TCVN3 (ABC)",
    "vni": "VNI-Windows",
    "cp1258": "Windows-1258",
    "cp1252": "Windows-1252",
    "utf-8+cp1252": "UTF-8 with stray Windows-1252 bytes",
}


def _unencodable(text: str, index: int, encoding: str) -> ValueError:
    """The error for a character the legacy encoding has no code for."""
    char = text[index]
    return ValueError(f"{encoding}: no code for {char!r} (U+{ord(char):04X}) at position {index}")


def encode_tcvn3(text: str) -> bytes:
    """Unicode -> TCVN3 bytes (to make test files). Toned capitals take the lower-case code (the .VnTimeH way)."""
    out = bytearray()
    for i, char in enumerate(unicodedata.normalize("NFC", text)):
        if char.isascii():
            out.append(ord(char))
        elif char in _TCVN3_ENCODE:
            out.append(_TCVN3_ENCODE[char])
        elif char.lower() in _TCVN3_ENCODE and char.lower() != char:
            out.append(_TCVN3_ENCODE[char.lower()])  # VN3 has no toned capitals: capital fonts draw these codes
        elif char in _CP1252_ENCODE:
            out += _CP1252_ENCODE[char]
        elif ord(char) < 0x100 and ord(char) not in TCVN3_TO_UNICODE:
            out.append(ord(char))  # Latin-1 symbols at positions TCVN3 leaves free (° ± ¿ ...)
        else:
            raise _unencodable(text, i, "TCVN3")
    return bytes(out)


_VNI_CODE_CHARS = frozenset("".join(_VNI_DECODE))


def encode_vni(text: str) -> bytes:
    """Unicode -> VNI-Windows bytes (to make test files); every Vietnamese letter, both cases, has a spelling."""
    out = bytearray()
    for i, char in enumerate(unicodedata.normalize("NFC", text)):
        if char.isascii():
            out.append(ord(char))
        elif char in UNICODE_TO_VNI:
            out += UNICODE_TO_VNI[char].encode("cp1252")
        elif char in _CP1252_ENCODE:
            out += _CP1252_ENCODE[char]
        elif ord(char) < 0x100 and char not in _VNI_CODE_CHARS:
            out.append(ord(char))  # Latin-1 symbols VNI leaves alone (° « » ...)
        else:
            raise _unencodable(text, i, "VNI")
    return bytes(out)


# ---------------------------------------------------------------------------------------------- syllables

_ONSETS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "th", "tr", "qu",
           "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")  # fmt: skip
_CODAS = ("ng", "nh", "ch", "c", "m", "n", "p", "t", "")
_NUCLEI_CLOSED = frozenset({"ă", "â", "iê", "yê", "uô", "ươ", "uyê", "oă", "uâ", "oo"})  # need a final consonant
_NUCLEI_ANY = frozenset({"a", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "oa", "oe", "uê", "uy"})
_NUCLEI_OPEN = frozenset({  # end in a glide: no final consonant
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi", "ui", "ưi", "ưu", "ua", "ưa",
    "uơ", "iêu", "yêu", "oai", "oao", "oay", "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyu",
})  # fmt: skip
_FRONT = ("i", "e", "ê", "y")
_LETTERS = frozenset("abcdđeghiklmnopqrstuvxyăâêôơư")


@lru_cache(maxsize=4096)
def _split_letter(char: str) -> tuple[str, int]:
    """A lower-case letter -> (letter without tone, tone index); tone -1 for two tone marks."""
    decomposed = unicodedata.normalize("NFD", char)
    tones = [_MARK_TONES[c] for c in decomposed if c in _MARK_TONES]
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _MARK_TONES))
    if len(base) != 1:
        return char, -1
    return base, (tones[0] if len(tones) == 1 else (0 if not tones else -1))


def _valid_rime(onset: str, rime: str, tone: int) -> bool:
    """Nucleus + coda after `onset`, with the spelling rules that keep random letter strings out."""
    for coda in _CODAS:
        if not rime.endswith(coda) or len(rime) == len(coda):
            continue
        nucleus = rime[: len(rime) - len(coda)]
        if coda:
            if nucleus not in _NUCLEI_CLOSED and nucleus not in _NUCLEI_ANY:
                continue
            if coda in ("ch", "nh") and nucleus not in ("a", "ê", "i", "y", "uy", "oa", "uê"):
                continue
            if coda in ("c", "ng") and nucleus in ("i", "ê", "y", "uy", "uê"):
                continue
            if nucleus == "oo" and coda not in ("ng", "c"):
                continue
            if coda in ("c", "ch", "p", "t") and tone not in (1, 5):
                continue  # a stopped syllable takes only sắc or nặng
        elif nucleus not in _NUCLEI_OPEN and nucleus not in _NUCLEI_ANY:
            continue
        first = nucleus[0]
        if onset in ("k", "gh", "ngh") and first not in _FRONT:
            continue
        if onset in ("c", "ng") and first in _FRONT:
            continue
        if onset == "g" and first in ("e", "ê", "y"):
            continue
        if onset == "qu" and first in ("u", "o"):
            continue
        if onset == "gi" and first == "i":
            continue
        return True
    return False


@lru_cache(maxsize=65536)
def is_vietnamese_syllable(word: str) -> bool:
    """Whether `word` is a well-formed Vietnamese syllable: onset, vowel nucleus, coda, at most one tone.

    Spelling, not vocabulary: "cỏc" (a stopped syllable with hỏi) or "vÒ" (mixed case) are rejected, "bún" is
    accepted whether or not it is a word. Lower case, Capitalised or ALL CAPS.
    """
    if not word or not (word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower())):
        return False
    base_chars: list[str] = []
    tone = 0
    for char in word.lower():
        base, char_tone = _split_letter(char)
        if base not in _LETTERS or char_tone < 0 or (char_tone and (tone or base not in _VOWELS)):
            return False
        tone = tone or char_tone
        base_chars.append(base)
    base_word = "".join(base_chars)
    return any(base_word.startswith(onset) and _valid_rime(onset, base_word[len(onset) :], tone) for onset in _ONSETS)


# ---------------------------------------------------------------------------------------------- evidence

# Words: runs of ASCII letters and any non-ASCII character but the no-break space (legacy codes such as "§",
# "¸" or "\xad" sit inside words). Splitting only on ASCII keeps words aligned between readings.
_WORD_RE = re.compile(r"[A-Za-z\u0080-\u009f\u00a1-\U0010ffff]+")
_EDGE_RE = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def _core(token: str) -> str:
    """The token without leading/trailing non-letters (quotes, dashes, legacy symbols at its edges)."""
    return _EDGE_RE.sub("", token)


def _has_letter(token: str) -> bool:
    """Whether `token` has a letter at all (symbol-only tokens are not words)."""
    return any(c.isalpha() for c in token)


@dataclass
class _Evidence:
    """Words a legacy reading repairs (`gain`: malformed as read, valid converted) or breaks (`loss`)."""

    gain: int = 0
    loss: int = 0

    def convincing(self, minimum: int = 2) -> bool:
        """At least `minimum` repaired words and three times as many repaired as broken."""
        return self.gain >= minimum and self.gain >= 3 * self.loss


@lru_cache(maxsize=65536)
def _word_verdict(token: str, encoding: str) -> int:
    """+1 if the legacy reading repairs the word `token`, -1 if it breaks it, 0 if it tells nothing."""
    as_is = _core(token)
    if not _has_letter(as_is):
        return 0  # "«", "©", "®·": too ambiguous to count either way
    converted = _core(_CONVERTERS[encoding](token))
    if converted == as_is:
        return 0
    ok_as_is, ok_converted = is_vietnamese_syllable(as_is), is_vietnamese_syllable(converted)
    return 1 if ok_converted and not ok_as_is else -1 if ok_as_is and not ok_converted else 0


def _evidence(text: str, encoding: str) -> _Evidence:
    """Compare `text` read as it is with `text` read through the legacy table, word by word."""
    ev = _Evidence()
    for token in _WORD_RE.findall(text):
        if not token.isascii():
            verdict = _word_verdict(token, encoding)
            ev.gain += verdict == 1
            ev.loss += verdict == -1
    return ev


_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _split_lines(text: str) -> list[str]:
    """Lines with their ends (only \\n, \\r\\n, \\r end a line: \\x85 is a cp1252 ellipsis here, not a break)."""
    return _LINE_RE.findall(text)


def _has_unicode_only_letter(text: str) -> bool:
    """A letter no legacy font code can stand for (ư, ạ, đ...): the text is already Unicode."""
    return any(ord(c) >= 0x100 and c.isalpha() and c not in _CP1252_SPECIALS for c in text)


def _could_be_legacy(text: str) -> bool:
    """Has characters of the 0x80-0xFF byte range and nothing a legacy reading cannot produce."""
    return any(0x80 <= ord(c) < 0x100 for c in text) and not _has_unicode_only_letter(text)


def _legacy_plan(lines: list[str]) -> tuple[str | None, dict[int, str]]:
    """(the legacy encoding of these lines or None, line index -> encoding for every line to convert).

    Lines with a letter only Unicode has (ư, ạ, đ...) are Unicode. Each other line is weighed alone; the text is
    legacy when the lines that one encoding convincingly repairs (gain >= 1 and >= 3 x loss) repair two words or
    more in all. Then those lines are converted, and so are lines without decisive words, while lines that a
    conversion would damage more than repair stay as they are (a file can mix Unicode and legacy lines).
    """
    evidence = {i: {enc: _evidence(line, enc) for enc in _CONVERTERS} for i, line in enumerate(lines)
                if _could_be_legacy(line)}  # fmt: skip
    gains = {enc: sum(ev[enc].gain for ev in evidence.values() if ev[enc].convincing(minimum=1)) for enc in _CONVERTERS}
    main = max(gains, key=lambda enc: gains[enc])
    if gains[main] < 2:
        return None, {}
    plan: dict[int, str] = {}
    for i, ev in evidence.items():
        others = [enc for enc in _CONVERTERS if enc != main and ev[enc].convincing(minimum=1)]
        if ev[main].convincing(minimum=1) or (ev[main].gain == ev[main].loss == 0 and not others):
            plan[i] = main
        elif others:
            plan[i] = others[0]
    return main, plan


def _convert_lines(lines: list[str], plan: dict[int, str]) -> tuple[list[str], dict[str, int]]:
    """The lines with those in `plan` converted, and how many lines each encoding changed."""
    out = list(lines)
    used: dict[str, int] = {}
    for i, enc in plan.items():
        new = _CONVERTERS[enc](lines[i])
        if new != lines[i]:
            out[i] = new
            used[enc] = used.get(enc, 0) + 1
    return out, used


def detect_legacy(text: str) -> str | None:
    """The legacy encoding ("tcvn3" or "vni") of font codes shown as cp1252 characters in `text`, else None.

    Needs at least two words that are malformed as read and valid Vietnamese once converted, three for each
    word the conversion would break, weighed line by line; lines with Unicode-only letters (ư, ạ...) never count.
    """
    return _legacy_plan(_split_lines(unicodedata.normalize("NFC", text)))[0]


# ---------------------------------------------------------------------------------------------- runs (DOCX/PDF)


def font_encoding(font: str | None) -> tuple[str | None, bool]:
    """(legacy encoding a font name implies, whether it is a TCVN3 all-capitals font such as ".VnTimeH")."""
    if not font:
        return None, False
    name = font.strip()
    low = name.lower()
    if low.startswith("vni"):  # VNI-Times, VNI-Helve, VNI-Aptima...
        return "vni", False
    if low.startswith(".vn"):  # .VnTime, .VnArial, .VnTimeH (capitals)...
        return "tcvn3", name.endswith("H")
    return None, False


def fix_legacy_text(text: str, font: str | None = None) -> tuple[str, str | None]:
    """(Unicode NFC text, "tcvn3"/"vni" if it was converted else None) for one DOCX/PDF run.

    A legacy font name (".VnTime", ".VnTimeH", "VNI-Times") is taken as the encoding unless the run holds letters
    no font code can stand for, or reading it as is gives more valid words; ".Vn...H" runs are upper-cased.
    Without a font name the text is converted only when `detect_legacy` is convinced, and then line by line: lines
    holding Unicode-only letters, or that the conversion would damage, stay as they are.
    """
    text = unicodedata.normalize("NFC", text)
    hinted, capitals = font_encoding(font)
    if hinted and all(_is_legacy_char(c) for c in text):
        ev = _evidence(text, hinted)
        if ev.loss <= ev.gain:
            converted = _CONVERTERS[hinted](text)
            if capitals:
                converted = unicodedata.normalize("NFC", converted.upper())
            if converted != text:
                return converted, hinted
        return text, None
    found, plan = _legacy_plan(_split_lines(text))
    if found is None:
        return text, None
    lines, used = _convert_lines(_split_lines(text), plan)
    return ("".join(lines), found) if used else (text, None)


# ---------------------------------------------------------------------------------------------- files


@dataclass
class Decoded:
    """A text file's content as Unicode NFC, the encoding it was found in, and what was done to it."""

    text: str
    encoding: str  # "utf-8", "utf-16", "tcvn3", "vni", "cp1258", "cp1252", or "mixed:utf-8+tcvn3"...
    notes: list[str] = field(default_factory=list)


_TRIED = "UTF-8, UTF-16, TCVN3 (ABC), VNI-Windows, Windows-1258, Windows-1252"
_ALLOWED_CONTROLS = frozenset(b"\t\n\r\x0b\x0c\x1a")  # \x1a: the DOS end-of-file mark


def _error(path: str | Path, code: str, reason_vi: str = "", reason_en: str = "") -> IngestError:
    """The IngestError for `code`, with the shared wording of each problem."""
    if code == "empty":
        return IngestError(path, code, vi="tệp rỗng (không có nội dung văn bản).", en="the file is empty (no text).")
    if code == "binary":
        return IngestError(
            path,
            code,
            vi=f"tệp không phải văn bản (có vẻ là dữ liệu nhị phân): {reason_vi}. "
            "Hãy chọn tệp văn bản (.txt, .md, .html) hoặc tệp .docx, .pdf.",
            en=f"not a text file (looks like binary data): {reason_en}. "
            "Choose a text file (.txt, .md, .html) or a .docx or .pdf file.",
        )
    return IngestError(
        path,
        code,
        vi=f"không nhận ra bảng mã của tệp: {reason_vi}; đã thử {_TRIED} nhưng không cách đọc nào cho văn bản "
        "tiếng Việt hợp lệ. Hãy lưu lại tệp dưới dạng Unicode (UTF-8) rồi thêm lại.",
        en=f"could not tell the file's encoding: {reason_en}; tried {_TRIED} and none gave valid Vietnamese "
        "text. Save the file as Unicode (UTF-8) and add it again.",
    )


def _control_share(data: bytes) -> float:
    """Share of bytes that are control codes no text file has."""
    if not data:
        return 0.0
    bad = sum(1 for b in data if (b < 0x20 and b not in _ALLOWED_CONTROLS) or b == 0x7F)
    return bad / len(data)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text saved without a byte order mark (NUL high bytes on one side), else None."""
    half = len(data) // 2
    if half < 2 or len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    for codec, nuls, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if nuls >= 0.3 * half and others <= 0.02 * half:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                return None
            controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r\x0b\x0c")
            return text if controls <= 0.01 * len(text) else None
    return None


_LATIN1_SYMBOLS = frozenset(chr(c) for c in [*range(0xA1, 0xC0), 0xD7, 0xF7])  # ¡ ¢ £ ... § ¨ © ... ¿ × ÷


@lru_cache(maxsize=65536)
def _word_validity(token: str) -> int:
    """1 for a valid Vietnamese word with a non-ASCII letter, -1 for a malformed one, 0 when it tells nothing.

    Malformed also: stray C1 controls or U+FFFD, and Latin-1 symbols glued to letters ("Q§", "c¸c"), which a
    wrong reading of font codes leaves. Upper-case abbreviations ("QĐ", "HĐND") are not judged.
    """
    if any("\x80" <= c <= "\x9f" or c == "\ufffd" for c in token):
        return -1
    if _has_letter(token) and any(c in _LATIN1_SYMBOLS for c in token):
        return -1
    core = _core(token)
    if not any(c.isalpha() and not c.isascii() for c in core):
        return 0  # ASCII letters with curly quotes or dashes ("It’s"): nothing to judge an encoding by
    if is_vietnamese_syllable(core):
        return 1
    if core.isupper() and len(core) >= 2 and any("A" <= c <= "Z" for c in core):
        return 0
    return -1


def _word_stats(text: str) -> tuple[int, int]:
    """(valid, malformed) words among those with a non-ASCII character; stray C1 controls count as malformed."""
    valid = bad = 0
    for token in _WORD_RE.findall(text):
        if not token.isascii():
            verdict = _word_validity(token)
            valid += verdict == 1
            bad += verdict == -1
    return valid, bad


def _cp1258_text(data: bytes) -> str:
    """Windows-1258 bytes -> NFC (the codec gives base letters and combining tone marks)."""
    return unicodedata.normalize("NFC", data.decode("cp1258", errors="replace"))


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Decoding error handler: bytes that are not UTF-8 are read as Windows-1252 (a stray "\x92" is ’)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return _cp1252_text(error.object[error.start : error.end]), error.end


codecs.register_error("soi-cp1252-fallback", _cp1252_fallback)

# Readings of a line that is not UTF-8, in order of preference when they score the same.
_BYTE_READINGS = {
    "tcvn3": lambda data: tcvn3_to_unicode(_cp1252_text(data)),
    "vni": lambda data: vni_to_unicode(_cp1252_text(data)),
    "cp1258": _cp1258_text,
    "cp1252": lambda data: unicodedata.normalize("NFC", _cp1252_text(data)),
    "utf-8+cp1252": lambda data: unicodedata.normalize("NFC", data.decode("utf-8", "soi-cp1252-fallback")),
}


def _looks_like_text(data: bytes) -> bool:
    """Spaces and line breaks between words: what a text file in an unknown encoding still has."""
    return sum(data.count(c) for c in b" \t\n\r") >= 0.03 * len(data)


def _decode_legacy_lines(path: str | Path, data: bytes) -> Decoded:
    """Bytes that are not UTF-8 as a whole: UTF-8 lines stay, the others take the legacy reading that fits best."""
    lines = data.splitlines(keepends=True)
    out: list[str] = []
    readings: dict[int, dict[str, str]] = {}
    stats: dict[int, dict[str, tuple[int, int]]] = {}
    utf8_lines = 0
    for i, line in enumerate(lines):
        try:
            out.append(unicodedata.normalize("NFC", line.decode("utf-8")))
            utf8_lines += not line.isascii()
        except UnicodeDecodeError:
            out.append("")
            readings[i] = {enc: read(line) for enc, read in _BYTE_READINGS.items()}
            stats[i] = {enc: _word_stats(text) for enc, text in readings[i].items()}
    order = list(_BYTE_READINGS)  # ties go to the earlier reading

    def rank(enc: str, table: dict[str, tuple[int, int]]) -> tuple[int, int, int]:
        return table[enc][0] - table[enc][1], table[enc][0], -order.index(enc)

    totals = {enc: (sum(s[enc][0] for s in stats.values()), sum(s[enc][1] for s in stats.values())) for enc in order}
    best = max(order, key=lambda enc: rank(enc, totals))
    valid, bad = totals[best]
    if valid == 0 or valid < bad:
        judged = b"".join(lines[i] for i in readings)
        letters = [c for c in _cp1252_text(judged) if c.isalpha()]
        if sum(not c.isascii() for c in letters) > 0.03 * len(letters):
            if not _looks_like_text(judged):
                raise _error(
                    path, "binary", "không cách đọc nào cho ra chữ viết", "no reading of its bytes gives words"
                )
            raise _error(
                path,
                "encoding",
                f"{bad} trong {valid + bad} từ có chữ ngoài ASCII không phải âm tiết tiếng Việt",
                f"{bad} of {valid + bad} words with non-ASCII letters are not Vietnamese syllables",
            )
        # No Vietnamese in any reading and hardly a letter outside ASCII: Western text, or stray bytes in UTF-8.
        best = "utf-8+cp1252" if utf8_lines else "cp1252"
    used: dict[str, int] = {}
    for i, line_readings in readings.items():
        enc = best
        alternative = max(order, key=lambda e: rank(e, stats[i]))
        if best not in ("cp1252", "utf-8+cp1252") and rank(alternative, stats[i])[0] >= rank(best, stats[i])[0] + 2:
            enc = alternative  # a file that mixes legacy encodings line by line
        out[i] = line_readings[enc]
        used[enc] = used.get(enc, 0) + 1
    parts = ["utf-8"] if utf8_lines else []
    for enc in used:
        parts += [part for part in enc.split("+") if part not in parts]
    encoding = parts[0] if len(parts) == 1 else "mixed:" + "+".join(parts)
    verbs = {"cp1252": "read as", "utf-8+cp1252": "read as"}
    notes = [
        f"{verbs.get(e, 'converted from')} {ENCODING_NAMES[e]}: {n} of {len(lines)} lines" for e, n in used.items()
    ]
    if "tcvn3" in used:
        notes.append(_TCVN3_CAPITALS_NOTE)
    return Decoded("".join(out), encoding, notes)


_TCVN3_CAPITALS_NOTE = (
    "TCVN3 has no codes for capital letters with tone marks (documents drew them with the .VnTimeH capital "
    "fonts); in a plain text file such letters come out lower-case"
)


def _fix_unicode_text(text: str, encoding: str) -> Decoded:
    """Unicode text (UTF-8/16/32) to NFC, converting the lines that are legacy font codes saved as Unicode."""
    notes: list[str] = []
    nfc = unicodedata.normalize("NFC", text)
    if nfc != text:
        notes.append("decomposed Unicode (combining marks, NFD) normalised to NFC")
    original = _split_lines(nfc)
    lines, used = _convert_lines(original, _legacy_plan(original)[1])
    if not used:
        return Decoded(nfc, encoding, notes)
    unicode_lines = [
        i for i, line in enumerate(lines) if line == original[i] and any(ord(c) > 0x7F and c.isalpha() for c in line)
    ]
    names = list(used)
    if unicode_lines:
        label = "mixed:" + "+".join([encoding, *names])
    else:
        label = names[0] if len(names) == 1 else "mixed:" + "+".join(names)
    source = ENCODING_NAMES.get(encoding, encoding)
    for enc, count in used.items():
        notes.append(
            f"converted from {ENCODING_NAMES[enc]}: {count} of {len(lines)} lines were legacy font codes saved "
            f"as {source} text (a legacy document re-saved without conversion)"
        )
    if "tcvn3" in used:
        notes.append(_TCVN3_CAPITALS_NOTE)
    return Decoded("".join(lines), label, notes)


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8", "utf-8"),
    (b"\xff\xfe", "utf-16-le", "utf-16"),
    (b"\xfe\xff", "utf-16-be", "utf-16"),
)


def decode_bytes(data: bytes, path: str | Path) -> Decoded:
    """The text of a .txt/.md/.html file in any encoding Vietnamese files come in, as Unicode NFC.

    Raises IngestError "empty" (nothing but whitespace), "binary" (NUL or control bytes, or no reading gives
    words), or "encoding" (text, but no reading gives valid Vietnamese).
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            if name == "utf-8":
                try:
                    text = body.decode("utf-8")
                except UnicodeDecodeError:
                    return _finish(path, _decode_legacy_lines(path, body))
            else:
                try:
                    text = body.decode(codec)
                except UnicodeDecodeError as exc:
                    raise _error(
                        path,
                        "encoding",
                        f"có dấu BOM {name.upper()} nhưng nội dung không hợp lệ (byte {exc.start})",
                        f"it starts with a {name.upper()} byte order mark but is not valid {name.upper()} "
                        f"(byte {exc.start})",
                    ) from exc
            return _finish(path, _fix_unicode_text(text, name))
    if not data.strip(b" \t\r\n\x0b\x0c"):
        raise _error(path, "empty")
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is None:
            raise _error(path, "binary", "có byte NUL", "it contains NUL bytes")
        decoded = _fix_unicode_text(text, "utf-16")
        decoded.notes.insert(0, "UTF-16 without a byte order mark")
        return _finish(path, decoded)
    share = _control_share(data)
    if share > 0.01:
        raise _error(
            path,
            "binary",
            f"{share:.0%} số byte là mã điều khiển",
            f"{share:.0%} of its bytes are control codes",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _finish(path, _decode_legacy_lines(path, data))
    return _finish(path, _fix_unicode_text(text, "utf-8"))


def _finish(path: str | Path, decoded: Decoded) -> Decoded:
    """Reject what decoded to nothing but whitespace."""
    if not decoded.text.strip():
        raise _error(path, "empty")
    return decoded
