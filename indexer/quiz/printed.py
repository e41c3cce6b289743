"""A printable quiz (DOCX, PDF): title, instructions, numbered questions with lettered options, then on a new page
«Đáp án» with each answer, its exact citation and the quoted clause, so a trainer can hand out and mark it.
"""

from __future__ import annotations

from collections.abc import Sequence

from indexer.export.printable import Block
from indexer.export.printable import to_docx as blocks_to_docx
from indexer.export.printable import to_pdf as blocks_to_pdf
from indexer.quiz.model import LETTERS, TRUE_FALSE, TYPE_LABELS, QuizItem

DEFAULT_TITLE = "Bộ câu hỏi ôn tập"
KEY_HEADING = "Đáp án"
INSTRUCTIONS = ("Hướng dẫn làm bài: câu trắc nghiệm chọn một phương án đúng (A, B, C hoặc D); câu điền vào chỗ "
                "trống viết cụm từ còn thiếu vào chỗ «_____»; câu đúng/sai chọn A (Đúng) hoặc B (Sai). "
                "Phần đáp án, kèm căn cứ và trích dẫn điều khoản, ở cuối tài liệu.")


def question_label(number: int) -> str:
    return f"Câu {number}"


def answer_line(q: QuizItem) -> str:
    """The answer as the key prints it: the letter and words for a choice, the words for a fill-in."""
    if q.type == "cloze" or q.answer_index is None:
        return q.answer_text
    return f"{LETTERS[q.answer_index]}. {q.options[q.answer_index]}"


def quiz_blocks(items: Sequence[QuizItem], title: str = "") -> list[Block]:
    """The questions, a page break, then the answer key: what both DOCX and PDF print."""
    counts = {t: sum(1 for q in items if q.type == t) for t in TYPE_LABELS}
    summary = ", ".join(f"{n} câu {TYPE_LABELS[t].lower()}" for t, n in counts.items() if n)
    blocks = [Block("title", title or DEFAULT_TITLE), Block("paragraph", INSTRUCTIONS),
              Block("note", f"Gồm {len(items)} câu hỏi: {summary}.")]
    for i, q in enumerate(items, 1):
        blocks.append(Block("subheading", f"{question_label(i)} ({TYPE_LABELS[q.type]})"))
        blocks.append(Block("paragraph", q.stem))
        options = q.options if q.type == "mc" else (list(TRUE_FALSE) if q.type == "tf" else [])
        for j, opt in enumerate(options):
            blocks.append(Block("paragraph", f"{LETTERS[j]}. {opt}"))
    blocks += [Block("pagebreak"), Block("heading", KEY_HEADING)]
    for i, q in enumerate(items, 1):
        blocks.append(Block("subheading", f"{question_label(i)}: {answer_line(q)}"))
        if q.changed_to:
            blocks.append(Block("paragraph", f"Văn bản ghi «{q.original}», không phải «{q.changed_to}»."))
        blocks.append(Block("note", f"Căn cứ: {q.citation}"))
        blocks.append(Block("quote", "«" + " ".join(q.source_text.split()) + "»"))
    return blocks


def to_docx(items: Sequence[QuizItem], title: str = "") -> bytes:
    return blocks_to_docx(quiz_blocks(items, title), title or DEFAULT_TITLE)


def to_pdf(items: Sequence[QuizItem], title: str = "") -> bytes:
    return blocks_to_pdf(quiz_blocks(items, title), title or DEFAULT_TITLE)
