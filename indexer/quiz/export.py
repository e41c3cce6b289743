"""Quiz exports (Moodle GIFT, Aiken, CSV, JSON; Anki, DOCX, PDF) and parsers for GIFT and Aiken, so exports are checked
by reading back.

GIFT: https://docs.moodle.org/en/GIFT_format — one question a block, blocks apart by a blank line, `//` comments,
`::title::`, answers in `{}` (`=` right, `~` wrong, `#` feedback, `####` general feedback, `T`/`F` for true/false,
`{=x}` alone for short answer); the characters `~ = # { } :` are escaped with a backslash in text.
Aiken: https://docs.moodle.org/en/Aiken_format — the question on one line, options "A. …" one a line, then
"ANSWER: X"; multiple choice only (true/false goes as two options; cloze has no Aiken form and is left out).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from indexer.quiz.model import TYPE_LABELS, QuizItem

FORMATS = ("gift", "aiken", "csv", "json")  # text
BINARY_FORMATS = ("apkg", "docx", "pdf")  # files: Anki deck (indexer/quiz/anki.py), printable (indexer/quiz/printed.py)
ALL_FORMATS = FORMATS + BINARY_FORMATS
GIFT_SPECIAL = "~=#{}:"
LETTERS = "ABCDEFGHIJ"
# Vietnamese headers, as a trainer opening the file in Excel reads them; no internal clause id (the citation says
# where the question comes from, in words). The file is UTF-8 with a BOM so that Excel shows the diacritics.
CSV_COLUMNS = ("Mã câu", "Loại câu hỏi", "Câu hỏi", "A", "B", "C", "D", "Đáp án", "Giải thích", "Trích dẫn")
BOM = "\ufeff"


class QuizFormatError(ValueError):
    """An export that does not parse back: the message says where."""


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# ---- GIFT ----------------------------------------------------------------------------------------------------


def gift_escape(text: str) -> str:
    """Text safe inside a GIFT question or answer."""
    out = text.replace("\\", "\\\\")
    for ch in GIFT_SPECIAL:
        out = out.replace(ch, "\\" + ch)
    return _one_line(out)


def gift_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def to_gift(items: Sequence[QuizItem]) -> str:
    """All questions as Moodle GIFT, each with its citation as a comment and the explanation as feedback."""
    blocks = []
    for q in items:
        head = f"// {_one_line(q.citation)}\n::{gift_escape(q.id)}::{gift_escape(q.stem)} "
        feedback = f"####{gift_escape(q.explanation)}"
        if q.type == "mc":
            answers = " ".join(("=" if i == q.answer_index else "~") + gift_escape(o) for i, o in enumerate(q.options))
            body = f"{{{answers} {feedback}}}"
        elif q.type == "tf":
            body = f"{{{'TRUE' if q.answer_index == 0 else 'FALSE'}{feedback}}}"
        else:
            body = f"{{={gift_escape(q.answer_text)} {feedback}}}"
        blocks.append(head + body)
    return "\n\n".join(blocks) + "\n"


@dataclass
class GiftQuestion:
    """One question read from a GIFT file."""

    title: str
    text: str
    kind: str  # "mc" | "tf" | "short"
    answers: list[tuple[str, bool]] = field(default_factory=list)  # (text, right)
    truth: bool | None = None
    feedback: str = ""


def _split_unescaped(text: str, marks: str) -> list[tuple[str, str]]:
    """Split at unescaped mark characters: [(mark, following text)], the first with mark ""."""
    parts: list[tuple[str, str]] = []
    mark, buf, i = "", [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            buf.append(text[i:i + 2])
            i += 2
            continue
        if ch in marks:
            parts.append((mark, "".join(buf)))
            mark, buf = ch, []
        else:
            buf.append(ch)
        i += 1
    parts.append((mark, "".join(buf)))
    return parts


def _find_unescaped(text: str, ch: str, start: int = 0) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == ch:
            return i
        i += 1
    return -1


def parse_gift(text: str) -> list[GiftQuestion]:
    """Read GIFT questions (multiple choice, true/false, short answer) per the Moodle specification."""
    out: list[GiftQuestion] = []
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("//")]
    for n, block in enumerate(re.split(r"\n\s*\n", "\n".join(lines))):
        block = block.strip()
        if not block:
            continue
        title = ""
        if block.startswith("::"):
            end = block.find("::", 2)
            while end > 0 and block[end - 1] == "\\":
                end = block.find("::", end + 1)
            if end < 0:
                raise QuizFormatError(f"GIFT question {n + 1}: unterminated ::title::")
            title, block = gift_unescape(block[2:end]), block[end + 2:]
        lb = _find_unescaped(block, "{")
        rb = _find_unescaped(block, "}", lb + 1) if lb >= 0 else -1
        if lb < 0 or rb < 0:
            raise QuizFormatError(f"GIFT question {n + 1}: no answer block {{…}}")
        stem = gift_unescape(_one_line(block[:lb] + " " + block[rb + 1:]))
        inner = block[lb + 1:rb]
        feedback = ""
        general = inner.find("####")
        if general >= 0:
            inner, feedback = inner[:general], gift_unescape(inner[general + 4:].strip())
        bare = inner.strip()
        if re.fullmatch(r"(T|TRUE|F|FALSE)(#.*)?", bare, re.S):
            truth = bare.split("#", 1)[0] in ("T", "TRUE")
            out.append(GiftQuestion(title, stem, "tf", truth=truth, feedback=feedback))
            continue
        parts = [(m, t) for m, t in _split_unescaped(inner, "=~") if m]
        if not parts:
            raise QuizFormatError(f"GIFT question {n + 1}: answer block has no = or ~ answers")
        answers = []
        for mark, body in parts:
            body = _split_unescaped(body, "#")[0][1]  # drop per-answer feedback
            answers.append((gift_unescape(body.strip()), mark == "="))
        kind = "short" if all(r for _, r in answers) else "mc"
        out.append(GiftQuestion(title, stem, kind, answers, feedback=feedback))
    return out


# ---- Aiken ---------------------------------------------------------------------------------------------------


def to_aiken(items: Sequence[QuizItem]) -> str:
    """Multiple-choice and true/false questions in Aiken; cloze questions have no Aiken form and are left out."""
    blocks = []
    for q in items:
        if q.type not in ("mc", "tf") or q.answer_index is None:
            continue
        lines = [_one_line(q.stem)]
        lines += [f"{LETTERS[i]}. {_one_line(o)}" for i, o in enumerate(q.options)]
        lines.append(f"ANSWER: {LETTERS[q.answer_index]}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


@dataclass
class AikenQuestion:
    """One question read from an Aiken file."""

    text: str
    options: list[str]
    answer_index: int


def parse_aiken(text: str) -> list[AikenQuestion]:
    """Read Aiken questions: a question line, options "A." or "A)", then "ANSWER: X"."""
    out: list[AikenQuestion] = []
    stem: str | None = None
    options: list[str] = []
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Z])[.)] (.+)", line)
        if line.startswith("ANSWER:"):
            letter = line.split(":", 1)[1].strip()
            if stem is None or len(options) < 2 or len(letter) != 1 or LETTERS.find(letter) >= len(options) or \
                    LETTERS.find(letter) < 0:
                raise QuizFormatError(f"Aiken line {no}: ANSWER without a question and its options, or out of range")
            out.append(AikenQuestion(stem, options, LETTERS.index(letter)))
            stem, options = None, []
        elif m and stem is not None:
            if m.group(1) != LETTERS[len(options)]:
                raise QuizFormatError(f"Aiken line {no}: option {m.group(1)} out of order")
            options.append(m.group(2))
        elif stem is None:
            stem = line
        else:
            raise QuizFormatError(f"Aiken line {no}: a question must be one line, followed by its options")
    if stem is not None:
        raise QuizFormatError("Aiken: the last question has no ANSWER line")
    return out


# ---- CSV and JSON --------------------------------------------------------------------------------------------


def to_csv(items: Sequence[QuizItem]) -> str:
    """One row a question (Vietnamese header row); options in columns A–D, the answer as a letter or the text. As
    a file (`export_bytes`) it gets a UTF-8 BOM."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for q in items:
        opts = (list(q.options) + ["", "", "", ""])[:4]
        answer = LETTERS[q.answer_index] if q.answer_index is not None else q.answer_text
        w.writerow([q.id, TYPE_LABELS.get(q.type, q.type), q.stem, *opts, answer, q.explanation, q.citation])
    return buf.getvalue()


def to_json(items: Sequence[QuizItem]) -> str:
    return json.dumps([q.to_dict() for q in items], ensure_ascii=False, indent=2) + "\n"


def export(items: Sequence[QuizItem], fmt: str) -> str:
    """The quiz in one of FORMATS."""
    writers = {"gift": to_gift, "aiken": to_aiken, "csv": to_csv, "json": to_json}
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}; use one of {FORMATS}")
    return writers[fmt](items)


def export_bytes(items: Sequence[QuizItem], fmt: str, title: str = "") -> bytes:
    """The quiz as the bytes of a file in any of ALL_FORMATS (text formats in UTF-8); `title` names the deck or
    heads the printed sheet."""
    if fmt == "csv":
        return (BOM + to_csv(items)).encode("utf-8")
    if fmt in FORMATS:
        return export(items, fmt).encode("utf-8")
    if fmt == "apkg":
        from indexer.quiz.anki import to_apkg

        return to_apkg(items, title)
    if fmt in ("docx", "pdf"):
        from indexer.quiz import printed

        return printed.to_docx(items, title) if fmt == "docx" else printed.to_pdf(items, title)
    raise ValueError(f"unknown format {fmt!r}; use one of {ALL_FORMATS}")
