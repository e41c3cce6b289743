"""Abbreviations of the inspection-and-discipline domain, expanded both ways so either spelling matches.

Trainees type "UBKT tỉnh", "KTGS", "TCCSĐ"; the documents mostly write the long forms ("Ủy ban Kiểm tra"), while
news texts use the abbreviations. `expand_query` and `expand_for_index` append the other spelling of whatever
they find, so a lexical index matches in both directions. Matching is case-insensitive and diacritics-
insensitive for distinctive abbreviations ("ubkt", "tccsd"); short ones that are also words or have several
meanings ("CT", "HD", "KL", "TW") count only when written in upper case or next to a document number ("kl 34",
"34-KL"). Long forms are matched with their diacritics when the text has any, so "tổ chức đăng ký" is not
taken for "tổ chức đảng"; in unaccented text ("to chuc dang") the plain form is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.text.normalize import (
    canonical,
    fold,
    fold_ascii,
    has_diacritics,
    map_span,
    nfc,
    strip_diacritics,
    strip_with_offsets,
)


@dataclass(frozen=True)
class Abbrev:
    """One abbreviation: its spellings, its long forms, and how safely it can be expanded."""

    abbr: str  # the usual written form, added to text that has the long form ("UBKT")
    long: tuple[str, ...]  # long forms, canonical spelling; the first is the main one
    variants: tuple[str, ...] = ()  # other spellings of the abbreviation ("UBKT TW", "KTGS & KL")
    short: bool = False  # ambiguous: only when written in upper case (or, for a document kind, before a number)
    reverse: bool = True  # add `abbr` where a long form appears
    doc_long: tuple[str, ...] = ()  # long forms when it names a document kind ("KL 34" -> "kết luận")


# Distinctive abbreviations first; short document-kind and common-word abbreviations after.
ABBREVIATIONS: tuple[Abbrev, ...] = (
    Abbrev("KTGS&KL", ("kiểm tra, giám sát và kỷ luật",), ("KTGS & KL", "KTGS và KL", "KTGSKL", "KTGS-KL")),
    Abbrev("KTGS", ("kiểm tra, giám sát", "kiểm tra giám sát")),
    Abbrev("UBKTTW", ("Ủy ban Kiểm tra Trung ương",), ("UBKT TW", "UBKT Trung ương")),
    Abbrev("UBKT", ("ủy ban kiểm tra",)),
    Abbrev("TCCSĐ", ("tổ chức cơ sở đảng",)),
    Abbrev("TCĐ", ("tổ chức đảng",)),
    Abbrev("CBĐV", ("cán bộ, đảng viên", "cán bộ đảng viên")),
    Abbrev("BCHTW", ("Ban Chấp hành Trung ương",), ("BCH TW", "BCH Trung ương")),
    Abbrev("BCH", ("Ban Chấp hành",)),
    Abbrev("BTCTW", ("Ban Tổ chức Trung ương",), ("BTC TW",)),
    Abbrev("BTV", ("Ban Thường vụ",)),
    Abbrev("BCT", ("Bộ Chính trị",)),
    Abbrev("BBT", ("Ban Bí thư",)),
    Abbrev("ĐUK", ("Đảng ủy Khối",)),
    Abbrev("HĐND", ("Hội đồng nhân dân",)),
    Abbrev("UBND", ("Ủy ban nhân dân",)),
    Abbrev("MTTQ", ("Mặt trận Tổ quốc",)),
    Abbrev("CBCC", ("cán bộ, công chức", "cán bộ công chức")),
    # document kinds: "QĐ 37", "KL34", "37-QĐ/TW"
    Abbrev("QĐi", ("quy định",), short=True, reverse=False),
    Abbrev("QĐ", ("quy định",), short=True, reverse=False),
    Abbrev("KL", ("kỷ luật", "kết luận"), short=True, reverse=False, doc_long=("kết luận",)),
    Abbrev("HD", ("hướng dẫn",), short=True, reverse=False),
    Abbrev("NQ", ("nghị quyết",), short=True, reverse=False),
    Abbrev("CTr", ("chương trình",), short=True, reverse=False),
    Abbrev("CT", ("chỉ thị",), short=True, reverse=False),
    Abbrev("TB", ("thông báo",), short=True, reverse=False),
    Abbrev("KH", ("kế hoạch",), short=True, reverse=False),
    Abbrev("QC", ("quy chế",), short=True, reverse=False),
    # common words
    Abbrev("TW", ("Trung ương",), short=True, reverse=False),
    Abbrev("TU", ("Tỉnh ủy",), short=True, reverse=False),
    # «ĐV», «đv», and «dv» typed without accents («dv du bi co duoc …»): no word of the domain is spelt so
    Abbrev("ĐV", ("đảng viên",), reverse=False),
    Abbrev("CB", ("cán bộ",), short=True, reverse=False),
    Abbrev("UB", ("ủy ban",), short=True, reverse=False),
)

_SEP = r"[\s,]*"  # between the words of a long form: "kiểm tra, giám sát" / "kiểm tra giám sát"


def _plain_pattern(form: str) -> str:
    """Regex for an abbreviation spelling over fold_ascii text: "UBKT TW" -> "ubkt\\s*tw"."""
    parts = re.split(r"(\s+|[&.\-])", fold_ascii(form))
    out = []
    for p in parts:
        if not p:
            continue
        if p.isspace():
            out.append(r"\s*")
        elif p in "&.-":
            out.append(r"\s*" + re.escape(p) + r"\s*")
        else:
            out.append(re.escape(p))
    return "".join(out)


def _long_pattern(form: str, accented: bool) -> str:
    key = fold(form) if accented else fold_ascii(form)
    return _SEP.join(re.escape(w) for w in re.findall(r"\w+", key))


def _alternation(items: list[tuple[str, int]]) -> re.Pattern[str]:
    """One regex with a named group per entry, longest patterns first so "UBKTTW" wins over "UBKT"."""
    items = sorted(items, key=lambda it: -len(it[0]))
    body = "|".join(f"(?P<e{i}_{k}>{p})" for k, (p, i) in enumerate(items))
    return re.compile(r"(?<![a-z0-9])(?:" + body + r")(?![a-z])")


_ABBR_RE = _alternation([(_plain_pattern(f), i) for i, a in enumerate(ABBREVIATIONS) for f in (a.abbr, *a.variants)])
_LONG_RE = {
    accented: [
        (i, re.compile(r"(?<!\w)(?:" + "|".join(_long_pattern(f, accented) for f in a.long) + r")(?!\w)"))
        for i, a in enumerate(ABBREVIATIONS)
        if a.reverse
    ]
    for accented in (True, False)
}
# Spellings accepted for short abbreviations: as in the table or all upper case, with or without "Đ" ("QD",
# "QĐi", "CTr"); "TỪ", "Từ" are words, not "TU".
_SHORT_FORMS = {
    i: {f for base in (a.abbr, strip_diacritics(a.abbr)) for f in (base, base.upper())}
    for i, a in enumerate(ABBREVIATIONS)
}
# Short abbreviations that name a document kind, so "kl 34", "qđ37" count even in lower case.
_DOC_KINDS = frozenset({"QĐi", "QĐ", "KL", "HD", "NQ", "CTr", "CT", "TB", "KH", "QC"})
_NUMBER_AFTER = re.compile(r"\s*(?:so\s*)?[:.]?\s*\d")
# What precedes an abbreviation that is part of a document code: "37-" before the kind of "37-QĐ/TW" or
# "214/" before that of "214/NQ-CP"; "37-qd/" before the issuer "TW".
_CODE_BEFORE = re.compile(r"\d\s*[-/]\s*(?:[a-z]{1,4}\s*[-/]\s*)?$")


def _entry(m: re.Match[str]) -> int:
    name = m.lastgroup or ""
    return int(name[1:].split("_")[0])


def _expansions(text: str) -> list[str]:
    """The other spellings of the abbreviations and long forms found in `text`, in order, no repeats."""
    plain, offs = strip_with_offsets(text)
    out: list[str] = []
    for m in _ABBR_RE.finditer(plain):
        i = _entry(m)
        a = ABBREVIATIONS[i]
        numbered = a.abbr in _DOC_KINDS and bool(_NUMBER_AFTER.match(plain, m.end()))
        if _CODE_BEFORE.search(plain[max(0, m.start() - 16) : m.start()]):
            continue  # part of a code ("37-QĐ/TW"): docref reads it; expanding "TW" in every citation is noise
        if a.short and not numbered:
            start, end = map_span(offs, m.start(), m.end(), text)
            if nfc(text[start:end]) not in _SHORT_FORMS[i]:
                continue  # lower-case "ct", "kl" without a number: not taken as an abbreviation
        if numbered and a.doc_long:
            out.extend(a.doc_long)
        elif a.short:
            out.extend(a.long)
        else:
            out.append(a.long[0])
    accented = has_diacritics(text)
    hay = fold(text) if accented else plain
    for i, rx in _LONG_RE[accented]:
        if rx.search(hay):
            out.append(ABBREVIATIONS[i].abbr)
    seen = set()
    result = []
    have = " " + " ".join(re.findall(r"\w+", plain)) + " "
    for e in out:
        e = canonical(e)
        key = " ".join(re.findall(r"\w+", fold_ascii(e)))
        if key in seen or f" {key} " in have:
            continue
        seen.add(key)
        result.append(e)
    return result


# One-word spellings of the abbreviations expanded in any case ("ubkt", "đv", "dv"), over fold_ascii text.
_ANY_CASE = frozenset(re.sub(r"\W", "", fold_ascii(f)) for a in ABBREVIATIONS if not a.short
                      for f in (a.abbr, *a.variants))


def is_abbreviation(word: str) -> bool:
    """Whether a word, in whatever case it was typed, is an abbreviation the search expands («ubkt», «dv»): it is
    absent from the regulations' text by nature, never a missing subject."""
    return re.sub(r"\W", "", fold_ascii(word)) in _ANY_CASE


def expand_query(text: str) -> str:
    """The query plus the other spelling of each abbreviation or long form it contains.

    "UBKT tỉnh" -> "UBKT tỉnh ủy ban kiểm tra"; "ủy ban kiểm tra" -> "ủy ban kiểm tra UBKT".
    """
    extra = _expansions(text)
    return text if not extra else text + " " + " ".join(extra)


def expand_for_index(text: str) -> str:
    """Clause text plus the same expansions, so a query in either spelling finds the clause."""
    extra = _expansions(text)
    return text if not extra else text + "\n" + " ".join(extra)
