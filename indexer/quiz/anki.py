"""Anki deck (.apkg) of a quiz: one note a question, front the stem (and options), back the answer, the citation
and the quoted clause.

Model and deck ids are derived from a hash of their names and each note's guid from the question id, so importing
a regenerated deck again updates its notes instead of adding copies.
"""

from __future__ import annotations

import hashlib
import html
import io
import itertools
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

from indexer.quiz.model import LETTERS, TRUE_FALSE, QuizItem

MODEL_NAME = "soi — câu hỏi ôn tập"
DECK_PREFIX = "soi — Ôn tập"
FIELDS = ("Câu hỏi", "Phương án", "Đáp án", "Trích dẫn", "Điều khoản", "Mã")
TYPE_TAGS = {"mc": "trac-nghiem", "cloze": "dien-cho-trong", "tf": "dung-sai"}
CSS = """.card { font-family: "Times New Roman", serif; font-size: 20px; text-align: left; }
.options { margin-top: 0.8em; }
.answer { font-weight: bold; }
.citation { margin-top: 0.8em; font-style: italic; }
blockquote { margin: 0.6em 0 0 1.2em; }"""
FRONT = ('<div class="stem">{{Câu hỏi}}</div>{{#Phương án}}<div class="options">{{Phương án}}</div>'
         '{{/Phương án}}')
BACK = ('{{FrontSide}}<hr id="answer"><div class="answer">{{Đáp án}}</div>'
        '<div class="citation">{{Trích dẫn}}</div><blockquote>{{Điều khoản}}</blockquote>')


def stable_id(name: str) -> int:
    """An Anki id (in the range genanki recommends) that is the same every time for the same name."""
    digest = int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:12], 16)
    return (1 << 30) + digest % (1 << 30)


def _html(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")


def note_fields(q: QuizItem) -> list[str]:
    """The plain-text fields of a question's note, in FIELDS order (HTML-escaped when written)."""
    if q.type == "mc":
        options = "\n".join(f"{LETTERS[i]}. {o}" for i, o in enumerate(q.options))
        answer = f"{LETTERS[q.answer_index or 0]}. {q.answer_text}"
    elif q.type == "tf":
        options = " / ".join(TRUE_FALSE)
        answer = q.answer_text
        if q.changed_to:
            answer += f" — văn bản ghi «{q.original}», không phải «{q.changed_to}»"
    else:
        options, answer = "", q.answer_text
    source = "«" + " ".join(q.source_text.split()) + "»"
    return [q.stem, options, answer, q.citation, source, q.id]


def note_tags(q: QuizItem) -> list[str]:
    """Tags by document, question type and difficulty (Anki tags hold no spaces)."""
    tags = ["soi", f"van-ban::{q.doc_id or 'khac'}", f"loai::{TYPE_TAGS.get(q.type, q.type)}"]
    if q.difficulty:
        tags.append(f"do-kho::{q.difficulty}")
    return tags


def deck_name(title: str = "") -> str:
    return f"{DECK_PREFIX}: {title}" if title else DECK_PREFIX


def to_apkg(items: Sequence[QuizItem], title: str = "", timestamp: float | None = None) -> bytes:
    """The quiz as an Anki package: a ZIP holding the SQLite collection `collection.anki2`."""
    import genanki

    model = genanki.Model(
        stable_id(MODEL_NAME), MODEL_NAME,
        fields=[{"name": f} for f in FIELDS],
        templates=[{"name": "Thẻ ôn tập", "qfmt": FRONT, "afmt": BACK}],
        css=CSS,
    )
    name = deck_name(title)
    deck = genanki.Deck(stable_id(name), name)
    for q in items:
        deck.add_note(genanki.Note(model=model, fields=[_html(f) for f in note_fields(q)], tags=note_tags(q),
                                   guid=genanki.guid_for("soi-quiz", q.id)))
    stamp = time.time() if timestamp is None else timestamp
    with tempfile.TemporaryDirectory(prefix="soi-apkg-") as tmp:
        db = Path(tmp) / "collection.anki2"
        conn = sqlite3.connect(db)
        try:
            genanki.Package(deck).write_to_db(conn.cursor(), stamp, itertools.count(int(stamp * 1000)))
            conn.commit()
        finally:
            conn.close()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(db, "collection.anki2")
            z.writestr("media", "{}")
    return buf.getvalue()
