"""How hard a question is, from properties that can be measured, so a trainer can ask for easy or hard ones.

Every question gets a score in [0, 1] and a level: «dễ» below 0.45, «khó» from 0.7, «trung bình» between.

- Multiple choice: the mean *closeness* of its three distractors to the right answer. A number's closeness is
  1 − |ln(wrong/right)| / ln 4 (9 vs 12 tháng: 0.79; 6 vs 12 tháng: 0.5; 36 vs 12 tháng: 0.21; 4× apart: 0),
  a fraction's 1 − |wrong − right| / 0.5, a form of discipline's 1 − (steps of severity apart) / 3 (khiển
  trách < cảnh cáo < cách chức, giải tán < khai trừ: neighbours 0.67, the two ends 0), a sibling body's 0.4.
  A distractor that is the same slot filled by a similar sentence elsewhere (what a half-remembered reading
  confuses) is at least 0.9 when that sentence is in the same document and at least 0.75 in another one.
- True/false, false statements: the closeness of the one change, measured as above.
- True statements: how hard the stated value is to confirm — its rarity among the values of its kind (numbers
  of the same unit, fractions, forms, bodies) that all regulations state: a value making up 30 % or more of them
  («cấp uỷ», «khiển trách», «một lần») scores 0, one of 3 % or less scores 1, on a log scale between.
- Fill-in: 0.3 (nothing to choose from) + 0.7 × that rarity.
- An answer of four words or more («ba mươi đảng viên» is three) adds 0.15 to a true statement or a fill-in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

LEVELS = ("de", "trung-binh", "kho")
LEVEL_LABELS = {"de": "Dễ", "trung-binh": "Trung bình", "kho": "Khó"}
EASY_BELOW = 0.45
HARD_FROM = 0.7
SAME_DOC_SOURCE = 0.9
OTHER_DOC_SOURCE = 0.75
SIBLING_BODY = 0.4
FRACTION_VALUES = {"một nửa": 1 / 2, "một phần ba": 1 / 3, "hai phần ba": 2 / 3, "ba phần tư": 3 / 4,
                   "một phần tư": 1 / 4}
COMMON_SHARE = 0.3  # a value this common among its kind is guessed, not recalled
RARE_SHARE = 0.03
FREE_BASE = 0.3  # fill-in: nothing to choose from
LONG_ANSWER = 0.15


def level(score: float) -> str:
    """The level of a score: "de", "trung-binh" or "kho"."""
    if score < EASY_BELOW:
        return "de"
    return "kho" if score >= HARD_FROM else "trung-binh"


def parse_levels(text: str) -> list[str]:
    """Levels from what a user typed ("khó", "de,trung binh", "dễ, khó"); raises ValueError naming a bad one."""
    from indexer.text.normalize import fold_ascii

    aliases = {fold_ascii(v).replace(" ", "-"): k for k, v in LEVEL_LABELS.items()} | {k: k for k in LEVELS}
    aliases |= {"tb": "trung-binh", "trungbinh": "trung-binh"}
    out: list[str] = []
    for part in text.split(","):
        key = fold_ascii(part.strip()).replace(" ", "-")
        if not key:
            continue
        if key not in aliases:
            raise ValueError(f"Độ khó không hợp lệ: {part.strip()!r}; dùng {', '.join(LEVELS)} (dễ, trung bình, khó)")
        if aliases[key] not in out:
            out.append(aliases[key])
    return out


def number_closeness(right: int, wrong: int) -> float:
    return max(0.0, 1.0 - abs(math.log(wrong / right)) / math.log(4))


def fraction_closeness(right: str, wrong: str) -> float:
    return max(0.0, 1.0 - abs(FRACTION_VALUES[right] - FRACTION_VALUES[wrong]) / 0.5)


def form_closeness(right: str, wrong: str) -> float:
    from indexer.quiz.slots import SEVERITY

    return max(0.0, 1.0 - abs(SEVERITY[right] - SEVERITY[wrong]) / 3)


def with_source(closeness: float, source_doc: str | None, doc_id: str) -> float:
    """A distractor taken from a similar sentence is as close as its source makes it, at least."""
    if not source_doc:
        return closeness
    return max(closeness, SAME_DOC_SOURCE if source_doc == doc_id else OTHER_DOC_SOURCE)


def choice_score(closeness: Iterable[float]) -> float:
    """Multiple choice: the mean closeness of the distractors."""
    values = list(closeness)
    return round(sum(values) / len(values), 3) if values else 0.0


def recall_score(share: float, answer: str, free: bool = False) -> float:
    """Fill-in and true statements: the rarer the value among its kind in the corpus, the harder.

    `free`: the answer is written, not chosen (fill-in), which starts at FREE_BASE.
    """
    share = min(max(share, RARE_SHARE), COMMON_SHARE)
    rarity = math.log(COMMON_SHARE / share) / math.log(COMMON_SHARE / RARE_SHARE)
    score = FREE_BASE + (1 - FREE_BASE) * rarity if free else rarity
    if len(answer.split()) >= 4:
        score += LONG_ANSWER
    return round(min(1.0, score), 3)
