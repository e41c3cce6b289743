"""Guess a Party document's front matter (code, type, title, issuer, date) from the first page of its text.

Party documents open with a fixed header: the issuing body top left ("BAN CHẤP HÀNH TRUNG ƯƠNG", under it a
department for a central board), "ĐẢNG CỘNG SẢN VIỆT NAM" top right, "Số: 37-QĐ/TW", "Hà Nội, ngày 25 tháng 10 năm
2021", then the type in capitals ("QUY ĐỊNH") and the title ("VỀ …"). Every central body writes "BAN CHẤP HÀNH
TRUNG ƯƠNG" in that header, so the body that actually issues the text is taken first from the preamble ("Ban Bí
thư quy định …", "TRƯỞNG BAN … QUYẾT ĐỊNH") or the signature ("T/M BỘ CHÍNH TRỊ"), and only then from the header.
Each guess keeps the line it came from (`evidence`) and how sure it is (`confidence`), so a person confirms it.
Document numbers are recognised by `indexer.corpus.docref` (the same rules as in questions); names are written the way
the bundled corpus writes them ("Bộ Chính trị", "Quy định về … của Đảng").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from indexer.corpus.docref import DIEU_LE, find_doc_refs
from indexer.corpus.markers import is_caps
from indexer.corpus.parse import ARTICLE_RE, CHAPTER_RE, PART_RE, ROMAN_RE, SEPARATOR_RE
from indexer.text.normalize import fold_ascii

HIGH, MEDIUM, LOW = "high", "medium", "low"
FIELDS = ("code", "type", "title", "issuer", "issued", "status")

# Type words of title lines (fold_ascii form, longest first) -> (front-matter slug, how the title starts).
TYPE_WORDS: list[tuple[str, str, str]] = [
    ("chuong trinh hanh dong", "chuong-trinh", "Chương trình hành động"),
    ("thong bao ket luan", "thong-bao", "Thông báo kết luận"),
    ("chuong trinh", "chuong-trinh", "Chương trình"),
    ("quyet dinh", "quyet-dinh", "Quyết định"),
    ("quy dinh", "quy-dinh", "Quy định"),
    ("ket luan", "ket-luan", "Kết luận"),
    ("huong dan", "huong-dan", "Hướng dẫn"),
    ("nghi quyet", "nghi-quyet", "Nghị quyết"),
    ("chi thi", "chi-thi", "Chỉ thị"),
    ("dieu le", "dieu-le", "Điều lệ"),
    ("quy che", "quy-che", "Quy chế"),
    ("thong bao", "thong-bao", "Thông báo"),
    ("ke hoach", "ke-hoach", "Kế hoạch"),
]
# Kind in a document code -> type slug (QĐ is also "quyết định", hence the lower confidence for it).
KIND_TYPES = {"QĐ": "quy-dinh", "QĐi": "quy-dinh", "KL": "ket-luan", "HD": "huong-dan", "NQ": "nghi-quyet",
              "CT": "chi-thi", "CTr": "chuong-trinh", "QC": "quy-che", "TB": "thong-bao", "KH": "ke-hoach",
              DIEU_LE: "dieu-le"}
# Issuing bodies as the corpus writes them; matched on fold_ascii, so "UỶ BAN"/"ỦY BAN" both hit.
ISSUERS = [
    "Ban Chấp hành Trung ương", "Bộ Chính trị", "Ban Bí thư", "Ủy ban Kiểm tra Trung ương", "Ban Tổ chức Trung ương",
    "Ban Tuyên giáo và Dân vận Trung ương", "Ban Tuyên giáo Trung ương", "Ban Dân vận Trung ương",
    "Ban Nội chính Trung ương", "Ban Kinh tế Trung ương", "Ban Đối ngoại Trung ương",
    "Ban Chính sách, chiến lược Trung ương", "Văn phòng Trung ương Đảng", "Hội đồng Lý luận Trung ương",
    "Đảng ủy Khối các cơ quan Trung ương", "Đảng ủy Khối doanh nghiệp Trung ương", "Đảng ủy Chính phủ",
    "Đảng ủy Quốc hội", "Đảng ủy các cơ quan Đảng Trung ương", "Quân ủy Trung ương", "Đảng ủy Công an Trung ương",
]
_ISSUER_BY_KEY = {fold_ascii(n): n for n in ISSUERS}
# Proper names restored after a capitals line is lowered (longest first).
PROPER_NAMES = sorted(
    ISSUERS + ["Đảng Cộng sản Việt Nam", "Mặt trận Tổ quốc Việt Nam", "Việt Nam", "Hồ Chí Minh", "Trung ương",
               "Quốc hội", "Chính phủ", "Nhà nước", "Điều lệ Đảng", "Cương lĩnh chính trị", "Ủy ban Kiểm tra",
               "Văn phòng Trung ương", "Đại hội"],
    key=len, reverse=True,
)
# Words that open the name of a body in a header line ("BAN …", "ỦY BAN …", "TỈNH ỦY …").
_BODY_HEADS = ("ban ", "uy ban ", "van phong ", "dang uy ", "tinh uy ", "thanh uy ", "huyen uy ", "quan uy ",
               "thi uy ", "bo chinh tri", "dai hoi ", "hoi dong ", "chi bo ", "dang bo ")
_TITLE_WORDS = ("truong ban ", "pho truong ban ", "chanh van phong ", "chu nhiem ", "bi thu ", "chu tich ")
_DECIDE_VERBS = r"(?:quy\s+dinh|huong\s+dan|quyet\s+dinh|ket\s+luan|ban\s+hanh|chi\s+thi)"
_PARTY = "dang cong san viet nam"
_STATE_HEADER = ("cong hoa xa hoi chu nghia viet nam", "doc lap - tu do - hanh phuc", "doc lap tu do hanh phuc")
_DATE_WORDS = re.compile(r"ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")
_DATE_NUMERIC = re.compile(r"ngay\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")
_CANCU = re.compile(r"^[-–•+*\s]*(?:can\s+cu|xet\s+de\s+nghi)")
_SO_LINE = re.compile(r"^\W*so\b\s*[:.]?\s*\d")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_KIND_WORDS_ASCII = "(?:" + "|".join(k for k, _s, _d in TYPE_WORDS) + r"|luat|nghi dinh|thong tu)"
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
_HEAD_LINES = 60  # the first page of an official text is well within this many lines


@dataclass
class GuessedMeta:
    """Front-matter guesses; `evidence[f]` is the line (or file name) field f came from, `confidence[f]` is
    "high" | "medium" | "low" (absent when the field could not be guessed)."""

    code: str = ""
    type: str = ""
    title: str = ""
    issuer: str = ""
    issued: str = ""  # ISO date, a bare year from the file name, or ""
    status: str = "in-force"
    evidence: dict[str, str] = field(default_factory=dict)
    confidence: dict[str, str] = field(default_factory=dict)

    def set(self, name: str, value: str, evidence: str, confidence: str) -> None:
        setattr(self, name, value)
        self.evidence[name] = " ".join(evidence.split())[:240]
        self.confidence[name] = confidence


def front_matter(meta: GuessedMeta) -> dict[str, str]:
    """The YAML-ready mapping the corpus files use (empty strings for what could not be guessed)."""
    return {
        "code": meta.code,
        "type": meta.type,
        "title": meta.title,
        "issuer": meta.issuer,
        "issued": meta.issued,
        "status": meta.status or "in-force",
        "completeness": "full",
    }


def guess_metadata(text: str, filename: str = "") -> GuessedMeta:
    """Guess code, type, title, issuer and date from the header of `text`; the file name fills what is missing."""
    meta = GuessedMeta()
    meta.set("status", "in-force", "default: the text does not say whether it is still in force", LOW)
    lines = [_clean_line(ln) for ln in _COMMENT.sub("", text).splitlines()]
    head = _head(lines)
    folded = [fold_ascii(ln) for ln in head]
    type_at = _guess_type_and_title(meta, head, folded)
    _guess_code(meta, head, folded, type_at)
    _guess_date(meta, head, folded)
    _guess_issuer(meta, head, folded, lines, type_at)
    _from_filename(meta, filename)
    if not meta.title:
        first = next((ln for ln in head if ln and not SEPARATOR_RE.fullmatch(ln)), "")
        if first:
            meta.set("title", _short_title(first), first, LOW)
        elif filename:
            meta.set("title", Path(filename).stem, f"file name: {filename}", LOW)
    return meta


def _short_title(line: str, limit: int = 120) -> str:
    """A bare text's first line as a title: its first sentence, cut at a word boundary, never a whole paragraph."""
    sentence = re.split(r"(?<=[.!?;:])\s", line.strip(), maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence.rstrip(" .;:")
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"


# --- lines ------------------------------------------------------------------------------------------------------------
def _clean_line(line: str) -> str:
    """A line without Markdown marks and repeated spaces."""
    line = line.replace("**", "").strip()
    line = re.sub(r"^#{1,6}\s+", "", line)
    return " ".join(line.split())


def _head(lines: list[str]) -> list[str]:
    """The first page: lines before the first article, chapter or Roman section (at most `_HEAD_LINES`)."""
    out: list[str] = []
    for ln in lines:
        if ln and (ARTICLE_RE.match(ln) or CHAPTER_RE.match(ln) or PART_RE.match(ln) or ROMAN_RE.match(ln)):
            break
        out.append(ln)
        if len(out) >= _HEAD_LINES:
            break
    return out


# --- type and title ------------------------------------------------------------------------------------------------
def _type_of(line: str, folded: str) -> tuple[str, str, str] | None:
    """(slug, display, rest of the line) when `line` is a title line such as "QUY ĐỊNH VỀ …"."""
    for key, slug, display in TYPE_WORDS:
        if folded == key or folded.startswith(key + " "):
            if not (is_caps(line) or folded == key):
                return None
            rest = " ".join(line.split()[len(key.split()) :])
            if fold_ascii(rest) in ("chung", "chung:"):
                return None  # "QUY ĐỊNH CHUNG" is a chapter title, not a document type
            return slug, display, rest
    return None


def _guess_type_and_title(meta: GuessedMeta, head: list[str], folded: list[str]) -> int | None:
    """The first capitals line that starts with a type word gives the type; the lines after it, the title."""
    for i, (line, key) in enumerate(zip(head, folded, strict=True)):
        if not line:
            continue
        found = _type_of(line, key)
        if not found:
            continue
        slug, display, rest = found
        parts = [rest] if rest else []
        used = [line]
        j = i + 1
        while j < len(head) and len(used) < 6:
            nxt = head[j]
            if not nxt:
                if parts:
                    break
                j += 1
                continue
            k = folded[j]
            if (SEPARATOR_RE.fullmatch(nxt) or nxt.startswith(("(", "-", "–", "+", "*")) or _CANCU.match(k)
                    or _SO_LINE.match(k) or _is_dateline(nxt) or re.search(rf"{_DECIDE_VERBS}\s*:?$", k)):
                break  # the title ends at the căn cứ lines, the date, or "BAN BÍ THƯ QUYẾT ĐỊNH:"
            if not (is_caps(nxt) or nxt[:1].islower()):
                break
            parts.append(nxt)
            used.append(nxt)
            j += 1
        title = display
        if parts:
            title += " " + _sentence_case(" ".join(parts))
        meta.set("type", slug, line, HIGH)
        meta.set("title", title.strip(" .,;:"), " / ".join(used), HIGH if parts else LOW)
        return i
    return None


_KEEP_WORD = re.compile(r"[\d/]")
_ROMAN_WORD = re.compile(r"^(?=[IVXLC])M{0,3}(?:C[MD]|D?C{0,3})(?:X[CL]|L?X{0,3})(?:I[XV]|V?I{0,3})$")
_ROMAN_AFTER = {"khoa", "thu", "hoi", "chuong", "phan", "muc"}
_PARTY_LOWER_AFTER = ("to chuc", "co quan", "cap uy", "ky luat", "chi bo", "co so", "ban can su")
_PARTY_LOWER_BEFORE = ("vien", "bo", "uy", "doan", "phi", "vu", "tich", "ky")
_DOC_WORDS = (
    r"(?:quy định|quyết định|kết luận|hướng dẫn|nghị quyết|chỉ thị|quy chế|thông báo|kế hoạch|chương trình|luật)"
)


def _sentence_case(caps: str) -> str:
    """A capitals title in the corpus's writing: lower case, but codes, Roman numerals after "khóa"/"thứ", proper
    names ("Ban Chấp hành Trung ương", "Việt Nam"), "Đảng" (not in "tổ chức đảng", "đảng viên") and named
    documents ("Quy định số …", "ban hành Quy chế …") keep their capitals. Mixed-case text is kept as written."""
    if not is_caps(caps):
        return caps
    words = caps.split()
    out: list[str] = []
    for w in words:
        core = w.strip(".,;:()\"“”")
        prev = fold_ascii(out[-1]).strip(".,;:()") if out else ""
        if _KEEP_WORD.search(w) or (_ROMAN_WORD.match(core) and prev in _ROMAN_AFTER):
            out.append(w)
        else:
            out.append(w.lower())
    text = " ".join(out)
    for name in PROPER_NAMES:
        pattern = r"(?<!\w)" + r"\s+".join(_loose(word) for word in name.lower().split()) + r"(?!\w)"
        text = re.sub(pattern, lambda m, name=name: _case_like(m.group(0), name), text, flags=re.IGNORECASE)
    text = re.sub(rf"(?<!\w){_DOC_WORDS}(?=\s+số\b)", lambda m: m.group(0)[:1].upper() + m.group(0)[1:], text)
    text = re.sub(rf"(?<=ban hành ){_DOC_WORDS}(?!\w)", lambda m: m.group(0)[:1].upper() + m.group(0)[1:], text)
    return _party_case(text)


def _loose(word: str) -> str:
    """Regex for one lower-case word that accepts both "ủy" and "uỷ" spellings."""
    return re.escape(word).replace("ủy", "(?:ủy|uỷ)").replace("uỷ", "(?:ủy|uỷ)")


def _case_like(found: str, name: str) -> str:
    """`found` (as spelled in the text) with the capitals of `name`, word by word."""
    out = []
    for got, want in zip(found.split(), name.split(), strict=False):
        out.append(got[:1].upper() + got[1:] if want[:1].isupper() else got)
    return " ".join(out)


def _party_case(text: str) -> str:
    words = text.split(" ")
    for i, w in enumerate(words):
        core = w.strip(".,;:()\"“”")
        if fold_ascii(core) != "dang" or core[:1] not in "đĐ":
            continue
        before = fold_ascii(" ".join(words[max(0, i - 2) : i]))
        after = fold_ascii(words[i + 1]).strip(".,;:") if i + 1 < len(words) and core == w else ""
        lower = after in _PARTY_LOWER_BEFORE or any(before.endswith(b) for b in _PARTY_LOWER_AFTER)
        words[i] = w.replace(core, ("đ" if lower else "Đ") + core[1:], 1)
    return " ".join(words)


# --- code ----------------------------------------------------------------------------------------------------------
def _code_of(ref_number: str | None, kind: str | None, issuer: str | None) -> str:
    if kind == DIEU_LE:
        return "Điều lệ Đảng"
    code = f"{ref_number}-{kind}"
    return f"{code}/{issuer}" if issuer else code


def _guess_code(meta: GuessedMeta, head: list[str], folded: list[str], type_at: int | None) -> None:
    """"Số: 37-QĐ/TW" in the header (high); else a code right after the type word of the title line (medium).

    A code after "Quy định số …" or in a "Căn cứ …" line names a cited document, never this one."""
    for line, key in zip(head, folded, strict=True):
        if not line or _CANCU.match(key):
            continue
        for ref in find_doc_refs(line):
            if not (ref.number and ref.kind):
                continue
            prefix = line[: ref.span[0]].rstrip(" :.")
            before = fold_ascii(prefix)
            if (re.search(r"(?<![a-z])so$", before) and prefix[-2:-1].isupper()
                    and not any(c.islower() for c in prefix[:-2])
                    and not re.search(rf"{_KIND_WORDS_ASCII}\s+so$", before)):
                meta.set("code", _code_of(ref.number, ref.kind, ref.issuer_suffix), line,
                         HIGH if ref.issuer_suffix else MEDIUM)
                if not meta.type and ref.kind in KIND_TYPES:
                    meta.set("type", KIND_TYPES[ref.kind], line, LOW if ref.kind == "QĐ" else MEDIUM)
                return
    if type_at is not None:
        line = head[type_at]
        refs = [r for r in find_doc_refs(line) if r.number and r.kind and r.span[0] == 0]
        if refs:
            meta.set("code", _code_of(refs[0].number, refs[0].kind, refs[0].issuer_suffix), line, MEDIUM)
            return
    if meta.type == "dieu-le":
        meta.set("code", "Điều lệ Đảng", head[type_at] if type_at is not None else "", MEDIUM)


# --- date ----------------------------------------------------------------------------------------------------------
def _iso(day: str, month: str, year: str) -> str | None:
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def _place_before(prefix: str) -> bool:
    """Is `prefix` (the text before "ngày" on a line) a place name such as "Hà Nội," or "TP. Hồ Chí Minh,",
    possibly after header text in capitals that an extractor put on the same line ("Số 37-QĐ/TW Hà Nội,")?"""
    prefix = prefix.rstrip()
    if not prefix.endswith(","):
        return False
    words = prefix[:-1].split()
    place: list[str] = []
    for w in reversed(words):
        if not w[:1].isupper() or _KEEP_WORD.search(w) or len(place) >= 5:
            break
        place.insert(0, w)
    rest = words[: len(words) - len(place)]
    return bool(place) and not any(c.islower() for c in " ".join(rest).replace("Số", ""))


def _is_dateline(line: str) -> bool:
    """"Hà Nội, ngày 25 tháng 10 năm 2021" (or its first half, "Hà Nội, ngày 19", when the header wraps it)."""
    m = re.search(r"(?<!\w)(?:ngày|Ngày|NGÀY)\s*\d", line)
    return bool(m) and _place_before(line[: m.start()])


def _guess_date(meta: GuessedMeta, head: list[str], folded: list[str]) -> None:
    """"Hà Nội, ngày 25 tháng 10 năm 2021" (place + date: high); else a date on a short header line that cites no
    other document, such as "(… thông qua ngày 19 tháng 01 năm 2011)" (medium). The header may wrap the date."""
    fallback: tuple[str, str] | None = None
    for i, line in enumerate(head):
        if not line or _CANCU.match(folded[i]):
            continue
        both = f"{line} {head[i + 1]}" if i + 1 < len(head) and head[i + 1] else line
        key = fold_ascii(both)
        for pattern in (_DATE_WORDS, _DATE_NUMERIC):
            for m in pattern.finditer(key):
                if m.start() >= len(fold_ascii(line)):
                    continue  # the date starts on the next line; it is seen there
                iso = _iso(*m.groups())
                if not iso:
                    continue
                prefix = both[: _offset(both, m.start())]
                if _place_before(prefix):
                    meta.set("issued", iso, line, HIGH)
                    return
                if fallback is None and len(line) <= 120 and not find_doc_refs(prefix):
                    fallback = (iso, line)
    if fallback:
        meta.set("issued", fallback[0], fallback[1], MEDIUM)


def _offset(text: str, folded_pos: int) -> int:
    """Offset in `text` of position `folded_pos` of `fold_ascii(text)` (they differ only where folding merged
    characters, which header dates do not contain; clamp to be safe)."""
    if len(fold_ascii(text)) == len(text):
        return folded_pos
    for k in range(len(text) + 1):
        if len(fold_ascii(text[:k])) >= folded_pos:
            return k
    return len(text)


# --- issuer --------------------------------------------------------------------------------------------------------
def _issuer_name(caps: str) -> str:
    """A body's name as the corpus writes it: the known central bodies exactly, others in administrative case."""
    key = fold_ascii(caps).strip(" .,:;")
    if key in _ISSUER_BY_KEY:
        return _ISSUER_BY_KEY[key]
    if not is_caps(caps):
        return " ".join(caps.split()).strip(" .,:;")
    words = _sentence_case(caps).strip(" .,:;").split()
    if not words:
        return ""
    words[0] = words[0][:1].upper() + words[0][1:]
    folded = [fold_ascii(w) for w in words]
    for i in range(1, len(words)):
        prev = " ".join(folded[max(0, i - 2) : i])
        if folded[i - 1] == "ban" or prev == "uy ban" or folded[i - 1] == "va" and i >= 3 and folded[i - 3] == "ban":
            words[i] = words[i][:1].upper() + words[i][1:]  # "Ban Tuyên giáo", "Ủy ban Kiểm tra"
        if folded[i] in ("uy",) and folded[i - 1] in ("tinh", "thanh", "huyen", "quan", "thi", "dang"):
            words[i - 1] = words[i - 1][:1].upper() + words[i - 1][1:]
            for k in range(i + 1, len(words)):  # the place after "Tỉnh ủy", "Huyện ủy": every word capitalised
                words[k] = words[k][:1].upper() + words[k][1:]
            break
    return " ".join(words)


def _known_issuer_in(key: str) -> tuple[str, int] | None:
    """The longest known body named in folded text `key` right before a deciding verb, with its position."""
    best: tuple[str, int] | None = None
    for k, name in _ISSUER_BY_KEY.items():
        m = re.search(rf"(?<![a-z]){re.escape(k)}\s+{_DECIDE_VERBS}(?![a-z])", key)
        if m and (best is None or len(name) > len(best[0])):
            best = (name, m.start())
    return best


def _header_issuer(head: list[str], folded: list[str], stop: int) -> tuple[str, str] | None:
    """The body in the header block (capitals lines before "Số", the date or the title), parent body folded in:
    "BAN CHẤP HÀNH TRUNG ƯƠNG / BAN TUYÊN GIÁO VÀ DÂN VẬN" -> "Ban Tuyên giáo và Dân vận Trung ương"."""
    segments: list[str] = []
    used: list[str] = []
    for line, key in zip(head[:stop], folded[:stop], strict=True):
        if not line or SEPARATOR_RE.fullmatch(line) or line in ("*", "***"):
            continue
        if _SO_LINE.match(key) or _DATE_WORDS.search(key) or _DATE_NUMERIC.search(key):
            break
        if not is_caps(line):
            continue
        caps = line
        for phrase in (_PARTY, *_STATE_HEADER):  # the right-hand column, wherever the extractor put it
            m = re.search(re.escape(phrase).replace(r"\ ", r"\s+"), fold_ascii(caps))
            if m:
                caps = (caps[: m.start()] + " " + caps[m.end() :]).strip()
        if not caps or fold_ascii(caps) in ("dang cong san", "viet nam", "dang cong san viet nam"):
            continue
        used.append(line)
        k = fold_ascii(caps) + " "
        if segments and not k.startswith(_BODY_HEADS):
            segments[-1] += " " + caps
        else:
            segments.append(caps)
    segments = [s for s in segments if fold_ascii(s) not in ("viet nam", "dang cong san")]
    if not segments:
        return None
    last = segments[-1]
    if len(segments) > 1:
        parent = fold_ascii(segments[-2])
        last_key = fold_ascii(last)
        if parent in ("ban chap hanh trung uong", "trung uong") and "trung uong" not in last_key:
            last = f"{last} TRUNG ƯƠNG" if not last_key.startswith("van phong") else "VĂN PHÒNG TRUNG ƯƠNG ĐẢNG"
        elif parent.startswith(("tinh uy", "thanh uy", "huyen uy", "dang uy", "quan uy")):
            last = f"{last} {segments[-2]}"
    return _issuer_name(last), " / ".join(used)


def _guess_issuer(meta: GuessedMeta, head: list[str], folded: list[str], lines: list[str],
                  type_at: int | None) -> None:
    """Preamble verb ("Bộ Chính trị quy định …") > "… QUYẾT ĐỊNH" line > signature "T/M …" > header block."""
    for line, key in zip(head, folded, strict=True):
        if not line or _CANCU.match(key):
            continue
        found = _known_issuer_in(key)
        if found:  # without a title line this may be a news report ("Bộ Chính trị kết luận …"): less sure
            meta.set("issuer", found[0], line, HIGH if type_at is not None else MEDIUM)
            return
        m = re.match(rf"^(?:{'|'.join(t.strip() for t in _TITLE_WORDS)})\s+(.+?)\s+{_DECIDE_VERBS}\s*:?$", key)
        if m and is_caps(line):
            words = line.split()
            n_title = len(key[: m.start(1)].split())
            n_body = len(m.group(1).split())
            meta.set("issuer", _issuer_name(" ".join(words[n_title : n_title + n_body])), line, HIGH)
            return
    for line in reversed(lines):
        key = fold_ascii(line)
        m = re.match(r"^(?:t/m|tm\.|thay mat)\s+(.+)$", key)
        if m and is_caps(line):
            body = " ".join(line.split()[len(key[: m.start(1)].split()) :])
            generic = fold_ascii(body) in ("tinh uy", "thanh uy", "huyen uy", "dang uy", "ban thuong vu", "chi bo")
            meta.set("issuer", _issuer_name(body), line, MEDIUM if generic else HIGH)
            return
    stop = type_at if type_at is not None else len(head)
    found_header = _header_issuer(head, folded, stop)
    if found_header:
        name, evidence = found_header
        # Bộ Chính trị and Ban Bí thư also head their texts "BAN CHẤP HÀNH TRUNG ƯƠNG": that alone is a weak guess.
        meta.set("issuer", name, evidence, LOW if name == "Ban Chấp hành Trung ương" else MEDIUM)


# --- file name -----------------------------------------------------------------------------------------------------
def _from_filename(meta: GuessedMeta, filename: str) -> None:
    """Code, type and year from a file name such as "qd-37-2021.pdf" or "Quy dinh 37-QD-TW.docx", where missing."""
    if not filename:
        return
    stem = Path(filename).stem
    evidence = f"file name: {Path(filename).name}"
    refs = [r for r in find_doc_refs(stem.replace("_", " ")) if r.kind]
    if refs:
        ref = refs[0]
        if not meta.code and ref.number:
            meta.set("code", _code_of(ref.number, ref.kind, ref.issuer_suffix), evidence, LOW)
        if not meta.type and ref.kind in KIND_TYPES:
            meta.set("type", KIND_TYPES[ref.kind], evidence, LOW)
    if not meta.issued:
        m = _YEAR.search(stem)
        if m:
            meta.set("issued", m.group(1), evidence, LOW)
