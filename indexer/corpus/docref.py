"""Document mentions in queries and texts: "qđ 37", "KL34", "Quy định số 22-QĐ/TW, ngày 28/7/2021", "Điều lệ Đảng".

Users name a document by its number in many spellings (with or without diacritics, glued or spaced, official
"37-QĐ/TW" or government-style "69/QĐ-TW"), and Party numbers restart each congress term, so a number alone may
name several documents: `resolve_doc_refs` returns them all, newest first, unless a year picks one. Titles
typed from memory are matched approximately by `match_titles`. Everything is matched on `fold_ascii` text and
mapped back to the original through offsets, so `remove_doc_refs` can cut the mention out of the query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from indexer.corpus.models import Document
from indexer.text.normalize import fold, fold_ascii, has_diacritics, map_span, nfc, strip_with_offsets


@dataclass
class DocRef:
    """One mention of a document; `span` indexes the text it was found in."""

    number: str | None  # as written ("37", "02"); None for Điều lệ
    kind: str | None  # canonical: "QĐ", "QĐi", "KL", "HD", "NQ", "CT", "CTr", "QC", "TB", "KH", "NĐ", "Điều lệ"
    issuer_suffix: str | None  # "TW", "BTGDVTW", "ĐUK" as written (upper case); None if not given
    year: int | None
    span: tuple[int, int]
    text: str


DIEU_LE = "Điều lệ"

# Kind abbreviations in codes (fold_ascii form -> canonical).
CODE_KINDS: dict[str, str] = {
    "qdi": "QĐi", "qd": "QĐ", "kl": "KL", "hd": "HD", "nq": "NQ", "ctr": "CTr", "ct": "CT", "qc": "QC",
    "tb": "TB", "kh": "KH", "nd": "NĐ", "tt": "TT", "da": "ĐA",
}  # fmt: skip
# Abbreviations that may stand before a number ("qđ 37", "KL34"); "tt", "nd", "da" are too word-like for that.
PREFIX_KINDS = ("qdi", "qd", "kl", "hd", "nq", "ctr", "ct", "qc", "tb", "kh")
# Words naming a document kind, with the accented form they must have when the text carries diacritics
# ("chị thì 5" is not "chỉ thị 5").
KIND_WORDS: dict[str, tuple[str, str]] = {
    "thong bao ket luan": ("thông báo kết luận", "TB"),
    "chuong trinh hanh dong": ("chương trình hành động", "CTr"),
    "quy dinh": ("quy định", "QĐ"),
    "quyet dinh": ("quyết định", "QĐ"),
    "ket luan": ("kết luận", "KL"),
    "huong dan": ("hướng dẫn", "HD"),
    "nghi quyet": ("nghị quyết", "NQ"),
    "chi thi": ("chỉ thị", "CT"),
    "quy che": ("quy chế", "QC"),
    "thong bao": ("thông báo", "TB"),
    "ke hoach": ("kế hoạch", "KH"),
    "chuong trinh": ("chương trình", "CTr"),
    "nghi dinh": ("nghị định", "NĐ"),
}
# Kinds that are the same family for lookup: "quy định 08" finds 08-QĐi/TW.
KIND_FAMILY = {"QĐi": "QĐ"}

_B = r"(?<![a-z0-9])"  # left boundary in fold_ascii text
_NUM = r"(?P<num>\d{1,5})(?![\d])"
_KIND_ALT = "|".join(sorted(CODE_KINDS, key=len, reverse=True))
_WORD_ALT = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(KIND_WORDS, key=len, reverse=True))
_PREFIX_ALT = "|".join(PREFIX_KINDS)
_ISSUER = r"(?P<iss>[a-z][a-z0-9]{0,11})(?![a-z0-9])"
# After the number: "-QĐ/TW" (also " - QĐ/TW", URL-style "-QD-TW"), government style "/QĐ-TW", or "/2024/NĐ-CP".
_CODE_TAIL = (
    rf"(?:\s*-\s*(?P<ck>{_KIND_ALT})\s*(?:/|-)\s*{_ISSUER}"
    rf"|\s*/\s*(?P<ck2>{_KIND_ALT})\s*-\s*(?P<iss2>[a-z][a-z0-9]{{0,11}})(?![a-z0-9])"
    rf"|\s*/\s*(?P<cy>\d{{4}})\s*/\s*(?P<ck3>{_KIND_ALT})\s*-\s*(?P<iss3>[a-z][a-z0-9]{{0,11}})(?![a-z0-9]))"
)
# "Quy định số 37-QĐ/TW", "qđ 37", "KL34", "quy dinh 69", "QĐi 08", "Hướng dẫn số: 02"
PREFIXED = re.compile(
    rf"{_B}(?P<kw>{_WORD_ALT}|{_PREFIX_ALT})\s*-?\s*(?:so\b\s*[:.]?\s*)?{_NUM}(?:{_CODE_TAIL})?(?![a-z])"
)
# Bare codes: "37-QĐ/TW", "69/QĐ-TW", "137/2024/NĐ-CP"
BARE_CODE = re.compile(rf"{_B}{_NUM}{_CODE_TAIL}")
DIEU_LE_RE = re.compile(rf"{_B}dieu\s+le(?:\s+(?:cua\s+)?dang(?:\s+cong\s+san\s+viet\s+nam)?)?(?![a-z0-9])")
_IMPLEMENTING_BEFORE = re.compile(r"thi\s+hanh\s+$")
# Year given after the mention: ", ngày 28/7/2021", "(28/7/2021)", "năm 2022", "ngày 19 tháng 01 năm 2011".
_YEAR_TAIL = re.compile(
    r"\s*[,;]?\s*\(?\s*(?:"
    r"(?:ngay\s*)?\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*(?P<y1>\d{4})"
    r"|ngay\s*\d{1,2}\s*thang\s*\d{1,2}\s*nam\s*(?P<y2>\d{4})"
    r"|(?:ban\s+hanh\s+)?nam\s*(?P<y3>\d{4})"
    r")(?!\d)\s*\)?"
)
# A number followed by a unit is a quantity, not a document: "quy định 30 ngày", "hướng dẫn 3 nội dung".
_UNIT_AFTER = re.compile(
    r"\s*(?:ngay|thang|nam|tuan|gio|phut|lan|nguoi|%|phan\s+tram|dieu|khoan|diem|muc|chuong|noi\s+dung|"
    r"truong\s+hop|buoc|nhom|van\s+ban|cap|tuoi|trieu|ty|dong)(?![a-z])"
)
_DATE_AFTER = re.compile(r"\s*[/.]\s*\d")  # "kết luận 28/7": a date, not a number


def _canon_issuer(original: str) -> str:
    return nfc(original).upper().replace(" ", "")


def _year(m: re.Match[str] | None) -> int | None:
    if not m:
        return None
    y = int(m.group("y1") or m.group("y2") or m.group("y3"))
    return y if 1930 <= y <= 2100 else None


def _issuer_span(m: re.Match[str]) -> tuple[int, int] | None:
    g = next((g for g in ("iss", "iss2", "iss3") if m.group(g)), None)
    return m.span(g) if g else None


def _code_year(m: re.Match[str]) -> int | None:
    return int(m.group("cy")) if m.group("cy") else None


def find_doc_refs(text: str) -> list[DocRef]:
    """Every document mention in `text`, in order; quantities ("30 ngày"), "Điều 37", "năm 2021" are not."""
    plain, offs = strip_with_offsets(text)
    accented = has_diacritics(text)
    found: list[tuple[int, int, DocRef]] = []

    def add(
        start: int, end: int, number: str | None, kind: str | None, iss: tuple[int, int] | None, year: int | None
    ) -> None:
        ym = _YEAR_TAIL.match(plain, end)
        if ym and _year(ym):
            year = year or _year(ym)
            end = ym.end()
        while end > start and plain[end - 1].isspace():
            end -= 1
        a, b = map_span(offs, start, end, text)
        issuer = None
        if iss:
            ia, ib = map_span(offs, iss[0], iss[1], text)
            issuer = _canon_issuer(text[ia:ib])
        found.append((start, end, DocRef(number, kind, issuer, year, (a, b), text[a:b])))

    for m in PREFIXED.finditer(plain):
        kw = re.sub(r"\s+", " ", m.group("kw"))
        if kw in KIND_WORDS:
            accented_kw, kind = KIND_WORDS[kw]
            if accented:
                a, b = map_span(offs, m.start("kw"), m.end("kw"), text)
                written = fold(text[a:b])
                if has_diacritics(written) and " ".join(written.split()) != accented_kw:
                    continue
        else:
            kind = CODE_KINDS[kw]
        ck = m.group("ck") or m.group("ck2") or m.group("ck3")
        if not ck and not _YEAR_TAIL.match(plain, m.end()):
            if _UNIT_AFTER.match(plain, m.end()) or _DATE_AFTER.match(plain, m.end()):
                continue
        add(m.start(), m.end(), m.group("num"), CODE_KINDS[ck] if ck else kind, _issuer_span(m), _code_year(m))

    for m in BARE_CODE.finditer(plain):
        ck = m.group("ck") or m.group("ck2") or m.group("ck3")
        add(m.start(), m.end(), m.group("num"), CODE_KINDS[ck], _issuer_span(m), _code_year(m))

    for m in DIEU_LE_RE.finditer(plain):
        if _IMPLEMENTING_BEFORE.search(plain, max(0, m.start() - 30), m.start()):
            continue  # "Quy định thi hành Điều lệ Đảng" is another document, not the Điều lệ
        if accented:
            a, b = map_span(offs, m.start(), m.start() + 7, text)
            if has_diacritics(text[a:b]) and fold(text[a:b]) != "điều lệ":
                continue
        add(m.start(), m.end(), None, DIEU_LE, None, None)

    # Earliest, then longest mention wins where they overlap ("Quy định số 37-QĐ/TW" contains "37-QĐ/TW").
    found.sort(key=lambda t: (t[0], -t[1]))
    refs: list[DocRef] = []
    last_end = -1
    for start, end, ref in found:
        if start >= last_end:
            refs.append(ref)
            last_end = end
    return refs


@dataclass(frozen=True)
class _Code:
    number: str | None
    kind: str
    issuer: str | None


_DOC_CODE = re.compile(rf"(?P<num>\d{{1,5}})\s*-\s*(?P<ck>{_KIND_ALT})\s*/\s*(?P<iss>[a-z0-9]+)")


def parse_code(doc: Document) -> _Code | None:
    """The (number, kind, issuer) of a document's own code; None for news and programmes without one."""
    if doc.type == "dieu-le" or fold_ascii(doc.code).startswith("dieu le"):
        return _Code(None, DIEU_LE, None)
    m = _DOC_CODE.fullmatch(fold_ascii(doc.code).strip())
    if not m:
        return None
    return _Code(m.group("num"), CODE_KINDS[m.group("ck")], m.group("iss").upper())


def _num(n: str | None) -> str | None:
    return (n.lstrip("0") or "0") if n else None


def _family(kind: str | None) -> str | None:
    return KIND_FAMILY.get(kind, kind) if kind else None


def resolve_doc_refs(refs: list[DocRef], documents: list[Document]) -> list[Document]:
    """The documents the mentions name: number and kind family must agree; an issuer or a year, when given and
    matched by some candidate, narrows the choice. Without a year, all candidates, most recent first."""
    codes = [(d, parse_code(d)) for d in documents]
    out: list[Document] = []
    for ref in refs:
        cands = [
            d
            for d, c in codes
            if c is not None
            and _family(c.kind) == _family(ref.kind)
            and (ref.kind == DIEU_LE or _num(c.number) == _num(ref.number))
        ]
        if ref.issuer_suffix:
            iss = fold_ascii(ref.issuer_suffix).upper()
            same = [d for d in cands if (c := parse_code(d)) and c.issuer == iss]
            cands = same or cands
        if ref.year:
            same_year = [d for d in cands if d.year == ref.year]
            cands = same_year or cands
        cands.sort(key=lambda d: (d.year or 0, d.issued), reverse=True)
        out.extend(d for d in cands if d not in out)
    return out


_FILLER = re.compile(r"\b(?:ve|viec|cua|va|cac|nhung|so|la|theo|cho|hoi|nao|gi|co)\b")
_NON_WORD = re.compile(r"[^\w\s]|_")


def _title_key(s: str) -> str:
    """Title or query for fuzzy matching: plain, lower case, no punctuation, function words dropped."""
    return " ".join(_FILLER.sub(" ", _NON_WORD.sub(" ", fold_ascii(s))).split())


def match_titles(
    text: str, documents: list[Document], limit: int = 3, score_cutoff: float = 85.0
) -> list[tuple[Document, float]]:
    """Documents whose title the text names approximately, best first, with a 0-100 score.

    The score is rapidfuzz's partial_ratio of the shorter of (query, title) inside the longer: a title typed
    from memory ("quy dinh nhung dieu dang vien khong duoc lam") or a distinctive fragment of it ("chống chạy
    chức, chạy quyền") keeps its words in order, while a content question that merely shares common words
    with a title ("Đảng viên có được định cư ở nước ngoài không?") scatters them and scores below 85.
    token_set_ratio only orders ties; equal titles (QĐ 22 and the QĐ 296 that replaced it) come newest first,
    normative documents before news.
    """
    query = _title_key(text)
    if len(query.split()) < 3 or len(query) < 12:
        return []
    scored: list[tuple[float, float, Document]] = []
    for d in documents:
        title = _title_key(d.title)
        if not title:
            continue
        short, long_ = (query, title) if len(query) <= len(title) else (title, query)
        score = fuzz.partial_ratio(short, long_)
        if score >= score_cutoff:
            scored.append((score, fuzz.token_set_ratio(query, title), d))
    scored.sort(key=lambda t: (-t[0], -t[1], not t[2].normative, -(t[2].year or 0)))
    return [(d, float(score)) for score, _tie, d in scored[:limit]]


_SPACES = re.compile(r"[ \t]{2,}")
_LOOSE_PUNCT = re.compile(r"\s+([,.;:?!)])|([(])\s+")


def remove_doc_refs(text: str, refs: list[DocRef]) -> str:
    """The text without the document mentions, so the rest can be searched as content."""
    out, pos = [], 0
    for ref in sorted(refs, key=lambda r: r.span):
        a, b = ref.span
        if a < pos:
            continue
        out.append(text[pos:a])
        pos = b
    out.append(text[pos:])
    s = _SPACES.sub(" ", " ".join(p.strip() for p in out if p.strip()))
    s = _LOOSE_PUNCT.sub(lambda m: m.group(1) or m.group(2), s)
    return s.strip(" ,;:-")
