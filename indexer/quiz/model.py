"""The quiz question record shared by the generator, the exports, the CLI and the UI."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

TYPES = ("mc", "cloze", "tf")
TYPE_LABELS = {"mc": "Trắc nghiệm", "cloze": "Điền vào chỗ trống", "tf": "Đúng/Sai"}
BLANK = "_____"
TRUE_FALSE = ("Đúng", "Sai")


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
