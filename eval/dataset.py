"""Loading evaluation questions (DESIGN.md, "Evaluation format"), strictly.

A wrong gold location silently turns into a miss and skews every number after it, so the loader refuses
anything it cannot read unambiguously and says where: `EvalFormatError(path, line_no, message)`.
Unknown top-level keys are ignored (room for notes/sources); unknown keys inside a gold object are errors,
because a typo there ("artcle") would change what counts as correct.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

KINDS = ("quiz", "qa", "case", "nodiacritics", "abbrev")
GOLD_KEYS = ("doc", "year", "article", "clause", "point")

Fail = Callable[[str], NoReturn]


class EvalFormatError(ValueError):
    """Malformed evaluation file; `line_no` is 1-based (0 when the problem is the file as a whole)."""

    def __init__(self, path: str | Path, line_no: int, message: str) -> None:
        self.path = str(path)
        self.line_no = line_no
        self.message = message
        super().__init__(f"{self.path}:{line_no}: {message}" if line_no else f"{self.path}: {message}")


@dataclass(frozen=True)
class GoldRef:
    """One clause that answers a question, as the source names it: document code + year, article, clause, point.

    `clause`/`point` None means the unit is the article (or the clause). For documents without articles,
    `article` holds the section path ("II.2"). `article` None: the source names only the document (then
    clause and point are None too), scored at document level only.
    """

    doc: str
    year: int
    article: str | None
    clause: str | None = None
    point: str | None = None

    def label(self) -> str:
        """Human-readable location, e.g. "22-QĐ/TW (2021) Điều 29 khoản 2 điểm 2.2"."""
        out = f"{self.doc} ({self.year})"
        if self.article is None:
            return out
        out += f" Điều {self.article}"
        if self.clause:
            out += f" khoản {self.clause}"
        if self.point:
            out += f" điểm {self.point}"
        return out


@dataclass
class Question:
    """One evaluation question; `answer` and `choices` are for reading misses, never search input."""

    id: str
    question: str
    gold: list[GoldRef]
    kind: str
    answer: str = ""
    choices: list[str] = field(default_factory=list)
    line_no: int = 0
    generated_from: str | None = None  # set on copies made on the fly (e.g. diacritics stripped)


def _req_str(obj: dict[str, Any], key: str, where: str, fail: Fail) -> str:
    if key not in obj:
        fail(f"missing {where}{key!r}")
    value = obj[key]
    if not isinstance(value, str):
        fail(f"{where}{key!r} must be a string, got {type(value).__name__}")
    if not value.strip():
        fail(f"{where}{key!r} is empty")
    return value


def _opt_str(obj: dict[str, Any], key: str, where: str, fail: Fail) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        fail(f"{where}{key!r} must be a string or null, got {type(value).__name__}")
    value = value.strip()
    return value or None


def _parse_gold(item: Any, index: int, fail: Fail) -> GoldRef:
    where = f"gold[{index}]."
    if not isinstance(item, dict):
        fail(f"gold[{index}] must be an object, got {type(item).__name__}")
    unknown = sorted(set(item) - set(GOLD_KEYS))
    if unknown:
        fail(f"gold[{index}] has unknown keys {unknown} (allowed: {list(GOLD_KEYS)})")
    doc = _req_str(item, "doc", where, fail).strip()
    if "year" not in item:
        fail(f"missing {where}'year'")
    year = item["year"]
    if isinstance(year, bool) or not isinstance(year, int):
        fail(f"{where}'year' must be an integer, got {type(year).__name__}")
    if "article" not in item:
        fail(f"missing {where}'article' (null when the source names only the document)")
    article = None if item["article"] is None else _req_str(item, "article", where, fail).strip()
    clause = _opt_str(item, "clause", where, fail)
    point = _opt_str(item, "point", where, fail)
    if article is None and (clause is not None or point is not None):
        fail(f"{where}'article' is null but {'clause' if clause is not None else 'point'} is given")
    if point is not None and clause is None:
        fail(f"{where}'point' given without 'clause'")
    return GoldRef(doc=doc, year=year, article=article, clause=clause, point=point)


def parse_question(obj: Any, path: str | Path, line_no: int) -> Question:
    """Validate one decoded JSON line; raises EvalFormatError naming the line and the problem."""

    def fail(message: str) -> NoReturn:
        raise EvalFormatError(path, line_no, message)

    if not isinstance(obj, dict):
        fail(f"expected a JSON object, got {type(obj).__name__}")
    qid = _req_str(obj, "id", "", fail).strip()
    text = _req_str(obj, "question", "", fail)
    if "gold" not in obj:
        fail("missing 'gold'")
    gold_raw = obj["gold"]
    if not isinstance(gold_raw, list):
        fail(f"'gold' must be a list, got {type(gold_raw).__name__}")
    if not gold_raw:
        fail("'gold' is empty: every question needs at least one answering clause")
    gold = [_parse_gold(item, i, fail) for i, item in enumerate(gold_raw)]
    kind = _req_str(obj, "kind", "", fail).strip()
    if kind not in KINDS:
        fail(f"unknown kind {kind!r} (allowed: {', '.join(KINDS)})")
    answer = obj.get("answer", "")
    if answer is None:
        answer = ""
    if not isinstance(answer, str):
        fail(f"'answer' must be a string, got {type(answer).__name__}")
    choices = obj.get("choices", [])
    if choices is None:
        choices = []
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        fail("'choices' must be a list of strings")
    return Question(id=qid, question=text, gold=gold, kind=kind, answer=answer, choices=list(choices), line_no=line_no)


def load_questions(path: str | Path) -> list[Question]:
    """Read a JSONL evaluation file (blank lines allowed); raises EvalFormatError on the first problem.

    OSError (missing file, permissions) is left to the caller.
    """
    path = Path(path)
    questions: list[Question] = []
    seen: dict[str, int] = {}
    with path.open("rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise EvalFormatError(path, line_no, f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
            if line_no == 1:
                line = line.removeprefix("\ufeff")
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalFormatError(path, line_no, f"invalid JSON: {exc.msg} (column {exc.colno})") from None
            q = parse_question(obj, path, line_no)
            if q.id in seen:
                raise EvalFormatError(path, line_no, f"duplicate id {q.id!r} (first on line {seen[q.id]})")
            seen[q.id] = line_no
            questions.append(q)
    if not questions:
        raise EvalFormatError(path, 0, "no questions in file")
    return questions
