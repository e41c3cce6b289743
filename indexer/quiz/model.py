"""The quiz question record shared by the generator, the exports, the CLI and the UI."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from indexer.text.normalize import fold, has_diacritics, strip_diacritics

TYPES = ("mc", "cloze", "tf")
TYPE_LABELS = {"mc": "Trắc nghiệm", "cloze": "Điền vào chỗ trống", "tf": "Đúng/Sai"}
BLANK = "_____"
TRUE_FALSE = ("Đúng", "Sai")
LETTERS = "ABCD"


@dataclass
class QuizItem:
    """One question with its answer, its source clause and the exact citation, so a trainer can check it."""

    id: str
    type: str  # "mc" | "cloze" | "tf"
    stem: str
    options: list[str]  # mc: 4 options; tf: ["Đúng", "Sai"]; cloze: []
    answer_index: int | None  # into options (mc, tf); None for cloze
    answer_text: str  # the right option's text, or the cloze answer
    explanation: str  # why, quoting the clause verbatim
    clause_id: str
    citation: str
    doc_id: str = ""
    slot_kind: str = ""  # "number" | "fraction" | "form" | "body"
    source_text: str = ""  # the verbatim sentence the question was built from
    original: str = ""  # tf false: the words of the clause that were changed ...
    changed_to: str = ""  # ... and what they were changed to
    distractor_sources: list[str] = field(default_factory=list)  # clause ids the distractors were taken from
    difficulty: str = ""  # "de" | "trung-binh" | "kho" (see indexer/quiz/difficulty.py)
    difficulty_score: float = 0.0
    edited: bool = False  # a trainer changed the stem, options or answer by hand

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes two questions the same question (for regenerating without repeats)."""
        return (self.clause_id, self.source_text, self.type + ":" + (self.original or self.answer_text))

    @property
    def is_true(self) -> bool | None:
        return None if self.type != "tf" else self.answer_index == 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QuizItem:
        return cls(**data)


_SYLLABLES = re.compile(r"\d+(?:[/.,]\d+)+|[^\W_]+")  # "2/3" and "1,5" stay one word


def cloze_answer_ok(given: str, answer: str) -> bool:
    """Whether a typed cloze answer is the text's: the same words once spelling variants are folded ("uỷ"/"ủy",
    "kỉ"/"kỷ", case, spaces, punctuation), each word either with its accents or typed without any ("mot lan" and
    "một lan" for «một lần»; "mốt lần" is another word and is wrong)."""
    got = _SYLLABLES.findall(fold(given or ""))
    want = _SYLLABLES.findall(fold(answer or ""))
    if not got or len(got) != len(want):
        return False
    return all(g == w or (not has_diacritics(g) and g == strip_diacritics(w)) for g, w in zip(got, want, strict=True))


def cloze_answer_exact(given: str, answer: str) -> bool:
    """Whether it is also spelt as the text spells it (accents included, spelling variants aside)."""
    return _SYLLABLES.findall(fold(given or "")) == _SYLLABLES.findall(fold(answer or ""))


class QuizEditError(ValueError):
    """A trainer's edit that would break a question; the message is Vietnamese, for the screen."""


def apply_edit(item: QuizItem, stem: str, options: list[str] | None = None, correct: list[bool] | None = None,
               answer_text: str | None = None) -> QuizItem:
    """A copy of `item` with a trainer's edit, checked so every question keeps exactly one right answer.

    mc: four non-empty, distinct options and exactly one marked correct; cloze: the stem keeps its blank and
    the answer is not empty; tf: `correct` marks «Đúng» or «Sai». Raises QuizEditError otherwise.
    """
    stem = stem.strip()
    if not stem:
        raise QuizEditError("Nội dung câu hỏi không được để trống.")
    new = QuizItem.from_dict(item.to_dict())
    new.stem, new.edited = stem, True
    if item.type == "mc":
        opts = [" ".join((o or "").split()) for o in (options if options is not None else item.options)]
        marks = list(correct) if correct is not None else [i == item.answer_index for i in range(len(opts))]
        if len(opts) != 4 or any(not o for o in opts):
            raise QuizEditError("Câu trắc nghiệm phải có đủ 4 phương án, không phương án nào để trống.")
        seen: dict[str, int] = {}
        for i, o in enumerate(opts):
            key = o.casefold()
            if key in seen:
                raise QuizEditError(f"Các phương án phải khác nhau: phương án {LETTERS[i]} trùng phương án "
                                    f"{LETTERS[seen[key]]}.")
            seen[key] = i
        if len(marks) != 4 or sum(bool(m) for m in marks) != 1:
            raise QuizEditError("Phải đánh dấu đúng một phương án đúng (hiện có "
                                f"{sum(bool(m) for m in marks)}).")
        new.options, new.answer_index = opts, marks.index(True)
        new.answer_text = opts[new.answer_index]
    elif item.type == "cloze":
        answer = " ".join((answer_text if answer_text is not None else item.answer_text).split())
        if BLANK not in stem:
            raise QuizEditError(f"Câu điền vào chỗ trống phải giữ chỗ trống «{BLANK}» trong câu hỏi.")
        if not answer:
            raise QuizEditError("Đáp án không được để trống.")
        new.answer_text = answer
    else:
        marks = list(correct) if correct is not None else [i == item.answer_index for i in range(2)]
        if len(marks) != 2 or sum(bool(m) for m in marks) != 1:
            raise QuizEditError("Câu đúng/sai phải chọn một đáp án: «Đúng» hoặc «Sai».")
        new.answer_index = marks.index(True)
        new.answer_text = TRUE_FALSE[new.answer_index]
    return new
