"""Answer slots a clause states: a number with its unit, a party body, a form of discipline.

A slot is found in the verbatim clause text (character offsets), so a stem can blank it or swap it and the
rest of the sentence stays the regulation's own words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.text.normalize import canonical

KINDS = ("number", "form", "body")

# ---- Vietnamese numbers --------------------------------------------------------------------------------------

_UNITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")


def number_words(n: int) -> str:
    """1..99 written in words as the Party's texts write them ("mười hai", "hai mươi mốt", "mười lăm")."""
    if not 0 < n < 100:
        raise ValueError(f"number out of range: {n}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _UNITS[ones]
    head = "mười" if tens == 1 else f"{_UNITS[tens]} mươi"
    if ones == 0:
        return head
    if ones == 5:
        tail = "lăm"
    elif ones == 1 and tens > 1:
        tail = "mốt"
    elif ones == 4 and tens > 1:
        tail = "tư"
    else:
        tail = _UNITS[ones]
    return f"{head} {tail}"


_WORD_VALUES: dict[str, int] = {}
for _n in range(1, 100):
    _WORD_VALUES[number_words(_n)] = _n
for _n in range(2, 10):  # variants also in use: "hai mươi bốn", "hai mươi một"
    _WORD_VALUES.setdefault(f"{_UNITS[_n]} mươi bốn", _n * 10 + 4)
    _WORD_VALUES.setdefault(f"{_UNITS[_n]} mươi một", _n * 10 + 1)
_NUM_WORDS = "|".join(sorted(map(re.escape, _WORD_VALUES), key=len, reverse=True))

TIME_UNITS = ("ngày", "tháng", "năm", "tuổi", "tuần", "lần", "quý", "đảng viên", "ủy viên")
COUNT_UNITS = ("đảng viên", "ủy viên")  # "một đảng viên" is "a member", not a count: 1 is not taken for these
# Plausible values per unit, for neighbouring-number distractors.
COMMON_VALUES: dict[str, tuple[int, ...]] = {
    "ngày": (3, 5, 7, 10, 15, 20, 30, 45, 60, 90),
    "tháng": (1, 2, 3, 6, 9, 12, 18, 24, 36),
    "năm": (1, 2, 3, 5, 7, 10, 15, 20),
    "tuổi": (16, 18, 20, 21, 25, 30),
    "tuần": (1, 2, 3, 4),
    "lần": (1, 2, 3, 4),
    "quý": (1, 2, 3, 4),
    "đảng viên": (2, 3, 5, 7, 9, 10, 30, 50, 100, 300),
    "ủy viên": (3, 5, 7, 9, 11, 15, 19),
}
_NUMBER = re.compile(
    rf"(?<![\w/.,])(?P<num>\d{{1,3}}|{_NUM_WORDS})[ \t]+(?P<unit>{'|'.join(TIME_UNITS)})(?![\w/])",
    re.IGNORECASE,
)
_FRACTION = re.compile(r"(?<!\w)(?P<frac>một nửa|quá nửa|(?:một|hai|ba) phần (?:hai|ba|tư|năm))(?!\w)", re.IGNORECASE)
FRACTIONS = ("một nửa", "một phần ba", "hai phần ba", "ba phần tư", "một phần tư")

# ---- bodies and forms -----------------------------------------------------------------------------------------

# (canonical lower-case key, how it is written when it is not the first word of a sentence), longest first.
BODIES: tuple[tuple[str, str], ...] = (
    ("đại hội đại biểu toàn quốc", "Đại hội đại biểu toàn quốc"),
    ("ủy ban kiểm tra trung ương", "Ủy ban Kiểm tra Trung ương"),
    ("ban chấp hành trung ương", "Ban Chấp hành Trung ương"),
    ("ban thường vụ cấp ủy", "ban thường vụ cấp ủy"),
    ("cấp ủy cấp trên trực tiếp", "cấp ủy cấp trên trực tiếp"),
    ("ban thường vụ", "ban thường vụ"),
    ("bộ chính trị", "Bộ Chính trị"),
    ("ban bí thư", "Ban Bí thư"),
    ("ủy ban kiểm tra", "ủy ban kiểm tra"),
    ("đảng ủy cơ sở", "đảng ủy cơ sở"),
    ("chi bộ", "chi bộ"),
    ("chi ủy", "chi ủy"),
    ("cấp ủy", "cấp ủy"),
    ("đảng ủy", "đảng ủy"),
)
CENTRAL_BODIES = {"đại hội đại biểu toàn quốc", "ban chấp hành trung ương", "bộ chính trị", "ban bí thư",
                  "ủy ban kiểm tra trung ương"}
# A generic body followed by one of these is part of a longer name ("chi bộ trực thuộc", "cấp ủy các cấp"):
# blanking only its head would leave a phrase no option fits.
_BODY_TAIL = re.compile(
    r"\s+(?:trực thuộc|cơ sở|cấp|các cấp|cùng cấp|bộ phận|khóa|khoá|viên|quân sự|công an|đảng|quyền"
    r"|tỉnh ủy|thành ủy|huyện ủy|quận ủy|thị ủy|tỉnh|huyện|xã)\b",
    re.IGNORECASE,
)
# A post, a standing office or a term that holds a body's name ("bí thư chi bộ", "thường trực cấp ủy",
# "đình chỉ sinh hoạt cấp ủy"): the body is part of a longer name, and no sibling body fits there.
_ROLE_BEFORE = re.compile(
    r"(?:chủ nhiệm|bí thư|ủy viên|uỷ viên|thành viên|cấp ủy viên|đại biểu|cơ quan|thường trực|sinh hoạt)\s+$"
)
_CITED_BEFORE = re.compile(r"(?:\d+-[a-zđ]+/[a-zđ]+|\d{4}),?\s+(?:của|do)\s+$")  # issuer of a cited document
_FULL_NAMES = {"cấp ủy cấp trên trực tiếp", "ban thường vụ cấp ủy", "đảng ủy cơ sở"}
_BODY = re.compile(
    r"(?<!\w)(?P<body>" + "|".join(re.escape(k) for k, _ in BODIES) + r")(?!\w)", re.IGNORECASE
)
FORMS = ("khiển trách", "cảnh cáo", "cách chức", "khai trừ", "giải tán")
MEMBER_ONLY_FORMS = ("cách chức", "khai trừ")  # for party members; "giải tán" only for organisations
# How heavy a form is, for members (1..4) and for organisations (1..3): nearer forms make harder distractors.
SEVERITY = {"khiển trách": 1, "cảnh cáo": 2, "cách chức": 3, "khai trừ": 4, "giải tán": 3}
# Forms of other discipline systems (a school's, the civil service's): a sentence naming one is not about the
# Party's forms, so its "khiển trách, cảnh cáo" is no slot for the Party's other forms.
OTHER_SYSTEM_FORMS = ("buộc thôi học", "buộc thôi việc", "hạ bậc lương", "giáng chức", "đình chỉ học tập")
_FORM = re.compile(r"(?<!\w)(?P<form>" + "|".join(FORMS) + r")(?!\w)", re.IGNORECASE)

# Old-style tone placement ("uỷ", "hoà") as many of the corpus texts write it, and the modern one.
_OLD_STYLE = {"ủy": "uỷ", "Ủy": "Uỷ", "úy": "uý", "òa": "oà", "óa": "oá", "ỏa": "oả", "õa": "oã", "ọa": "oạ"}
_OLD_MARKERS = tuple(_OLD_STYLE.values())


@dataclass(frozen=True)
class Slot:
    """One answerable fact in a text: where it is, what kind, and its value in comparable form."""

    kind: str  # "number" | "fraction" | "form" | "body"
    start: int
    end: int
    text: str  # verbatim
    key: str  # comparable value: "12 tháng", "hai phần ba", "khiển trách", "chi bộ"
    unit: str = ""  # for numbers
    value: int = 0  # for numbers
    style: str = ""  # for numbers: "digits", "padded" (01), "words"


def _folded(text: str) -> str:
    """Lower-case canonical spelling with the same length as `text`, so offsets carry over.

    Line breaks and tabs read as spaces: crawled texts wrap lines inside a phrase ("cảnh\ncáo").
    """
    out = canonical(text).lower()
    out = out if len(out) == len(text) else text.lower()
    return out.replace("\n", " ").replace("\t", " ").replace("\r", " ")


def number_key(value: int, unit: str) -> str:
    return f"{value} {unit}"


def find_slots(text: str) -> list[Slot]:
    """Every slot in `text`, by position; dates ("ngày 19 tháng 5", "tháng 1 năm 2011") are not numbers."""
    low = _folded(text)
    out: list[Slot] = []
    for m in _NUMBER.finditer(low):
        before = low[max(0, m.start() - 8):m.start()]
        after = low[m.end():m.end() + 6]
        num = m.group("num")
        date_word = r"(ngày|tháng|năm|số|điều|khoản)" if num.isdigit() else r"(số|điều|khoản)"  # "ngày 19 tháng 5"
        if re.search(date_word + r"\s*$", before) or re.match(r"\s*\d", after):
            continue
        if num.isdigit():
            value, style = int(num), ("padded" if len(num) > 1 and num.startswith("0") else "digits")
        else:
            value, style = _WORD_VALUES[num], "words"
        unit = m.group("unit")
        if value == 0 or (value == 1 and unit in COUNT_UNITS):
            continue
        out.append(Slot("number", m.start(), m.end(), text[m.start():m.end()], number_key(value, unit), unit, value,
                        style))
    for m in _FRACTION.finditer(low):
        key = "một nửa" if m.group("frac") == "quá nửa" else m.group("frac")
        if m.group("frac") == "quá nửa":
            continue  # "quá nửa" has no sibling phrasing that reads naturally
        out.append(Slot("fraction", m.start(), m.end(), text[m.start():m.end()], key))
    other_system = any(f in low for f in OTHER_SYSTEM_FORMS)
    for m in _FORM.finditer(low):
        if other_system:
            break
        out.append(Slot("form", m.start(), m.end(), text[m.start():m.end()], m.group("form")))
    taken: list[tuple[int, int]] = []
    for m in _BODY.finditer(low):
        key = m.group("body")
        if key not in {k for k, _ in BODIES}:
            continue
        if _ROLE_BEFORE.search(low, 0, m.start()) or _CITED_BEFORE.search(low, max(0, m.start() - 60), m.start()):
            continue  # "bí thư chi bộ", "chủ nhiệm ủy ban kiểm tra": a post, not the body itself
        if key not in CENTRAL_BODIES and re.match(r"\s+[A-ZĐ]", text[m.end():m.end() + 3]):
            continue  # "Đảng ủy Bộ Khoa học và Công nghệ": the committee of a named body, not a kind of body
        tail = _BODY_TAIL.match(low, m.end())
        if tail and (tail.group().strip() == "đảng" or key not in CENTRAL_BODIES | _FULL_NAMES):
            continue
        taken.append((m.start(), m.end()))
        out.append(Slot("body", m.start(), m.end(), text[m.start():m.end()], key))
    return sorted(out, key=lambda s: (s.start, -s.end))


_RANGE = re.compile(rf"(?<!\w)(\d{{1,3}})\s+(?:đến|tới|-|–)\s+\d{{1,3}}\s+(?P<unit>{'|'.join(TIME_UNITS)})(?!\w)")

# Bodies that name a kind of which the other is one ("cấp ủy" covers "chi ủy", "đảng ủy", ...): never options
# of the same question, since the general one would also be right.
BROADER: dict[str, set[str]] = {
    "cấp ủy": {"chi ủy", "đảng ủy", "đảng ủy cơ sở", "ban chấp hành trung ương", "cấp ủy cấp trên trực tiếp",
               "ban thường vụ", "ban thường vụ cấp ủy"},  # the standing committee acts for its committee
    # the committee directly above a chi bộ is often a đảng ủy cơ sở, acting through its standing committee
    "cấp ủy cấp trên trực tiếp": {"ban chấp hành trung ương", "đảng ủy", "đảng ủy cơ sở", "ban thường vụ",
                                  "ban thường vụ cấp ủy"},
    "đảng ủy": {"đảng ủy cơ sở"},
    "ủy ban kiểm tra": {"ủy ban kiểm tra trung ương"},
    "ban thường vụ": {"ban thường vụ cấp ủy"},
}


# Bodies that lead a body and hold its powers: "Cấp uỷ có quyền yêu cầu … báo cáo" is no plain falsehood where
# the text gives that power to the inspection commission, so they are never its wrong options.
SUPERIORS: dict[str, set[str]] = {
    "ủy ban kiểm tra": {"cấp ủy", "đảng ủy", "đảng ủy cơ sở", "chi ủy", "ban thường vụ", "ban thường vụ cấp ủy",
                        "cấp ủy cấp trên trực tiếp"},
    "ủy ban kiểm tra trung ương": {"ban chấp hành trung ương", "bộ chính trị", "ban bí thư"},
}


def related_bodies(a: str, b: str) -> bool:
    """Whether one body is a kind of the other, or the same."""
    return a == b or b in BROADER.get(a, set()) or a in BROADER.get(b, set()) or a in b or b in a


def holds_powers_of(superior: str, body: str) -> bool:
    """Whether `superior` leads `body` and may do what the text says `body` does."""
    return superior in SUPERIORS.get(body, set())


def slot_keys(text: str) -> set[tuple[str, str]]:
    """(kind, key) of every slot in `text`: what a distractor must not be, lest it be a second right answer."""
    out = set()
    for s in find_slots(text):
        out.add((_family(s.kind), s.key))
    for m in _FORM.finditer(_folded(text)):  # forms beside another system's ones are stated all the same
        out.add(("form", m.group("form")))
    for m in _RANGE.finditer(_folded(text)):  # "từ 19 đến 21 ủy viên" states 19 as well
        out.add(("number", number_key(int(m.group(1)), m.group("unit"))))
    return out


def _family(kind: str) -> str:
    return "number" if kind in ("number", "fraction") else kind


def equivalent_keys(slot: Slot) -> set[str]:
    """The slot's value and the same span in another unit ("10 năm" and "120 tháng"), to spot a give-away."""
    out = {slot.key}
    if slot.kind == "number" and slot.unit == "năm":
        out.add(number_key(slot.value * 12, "tháng"))
    elif slot.kind == "number" and slot.unit == "tháng" and slot.value % 12 == 0:
        out.add(number_key(slot.value // 12, "năm"))
    return out


def uses_old_style(text: str) -> bool:
    """Whether a text writes "uỷ", "hoà" (tone on the first vowel), so options can be spelled the same way."""
    return any(m in text for m in _OLD_MARKERS)


def in_style(phrase: str, old_style: bool) -> str:
    """`phrase` spelled as its source text spells it (an option must not stand out by its spelling)."""
    if not old_style:
        return phrase
    for new, old in _OLD_STYLE.items():
        phrase = phrase.replace(new, old)
    return phrase


def render_number(value: int, unit: str, style: str) -> str:
    """A number in the same written style as the one it replaces ("mười hai tháng", "12 tháng", "01 năm")."""
    if style == "words" and 0 < value < 100:
        return f"{number_words(value)} {unit}"
    if style == "padded":
        return f"{value:02d} {unit}"
    return f"{value} {unit}"


def render_body(key: str) -> str:
    return dict(BODIES)[key]


def like_case(replacement: str, capital: bool) -> str:
    """Capitalise a replacement where the replaced words are; elsewhere keep it as written (names keep theirs)."""
    if capital:
        return replacement[:1].upper() + replacement[1:]
    return replacement


_RANGE_BEFORE = re.compile(rf"(?:từ|trên)\s+(?P<num>\d{{1,3}}|{_NUM_WORDS})(?:\s+(?P<unit>{'|'.join(TIME_UNITS)}))?"
                           r"\s+(?:đến|tới|-|–)\s+(?:dưới\s+)?$")
_RANGE_AFTER = re.compile(rf"^\s+(?:đến|tới|-|–)\s+(?:dưới\s+)?(?P<num>\d{{1,3}}|{_NUM_WORDS})(?!\w)")


def range_bounds(text: str, slot: Slot) -> tuple[int, int]:
    """(lower, upper) exclusive bounds a number slot has inside a range ("từ 13 đến _____", "trên 12 tháng đến
    dưới _____"), so that no option makes the range run backwards; (0, 1000) when it is in none."""
    low_text = _folded(text)

    def value(num: str) -> int:
        return int(num) if num.isdigit() else _WORD_VALUES[num]

    lower, upper = 0, 1000
    m = _RANGE_BEFORE.search(low_text, 0, slot.start)
    if m and (not m.group("unit") or m.group("unit") == slot.unit):
        lower = value(m.group("num"))
    m = _RANGE_AFTER.match(low_text[slot.end:])
    if m:
        upper = value(m.group("num"))
    return lower, upper


def neighbour_numbers(slot: Slot) -> list[int]:
    """Plausible other values for a number slot, nearest (on a log scale) first."""
    import math

    common = list(COMMON_VALUES.get(slot.unit, ()))
    extra = [slot.value * 2, max(1, slot.value // 2)]
    if common:  # no "chín tuổi" beside "mười tám tuổi": halves and doubles only inside the unit's usual range
        extra = [v for v in extra if min(common) <= v <= max(common)]
    else:
        extra += [slot.value - 1, slot.value + 1]
    pool = [v for v in dict.fromkeys(common + extra) if v > 0 and v != slot.value and v < 100]
    return sorted(pool, key=lambda v: (abs(math.log(v) - math.log(slot.value)), v))
