"""Binary quiz exports read back: the Anki package as the SQLite collection inside its ZIP, the printable quiz
with python-docx and pypdf; and `soi quiz --format apkg|docx|pdf --out FILE`. Questions come from the real index."""

from __future__ import annotations

import html
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from app.cli.main import main
from indexer.quiz import QuizItem, generate_quiz
from indexer.quiz.anki import DECK_PREFIX, FIELDS, MODEL_NAME, stable_id, to_apkg
from indexer.quiz.export import export_bytes
from indexer.quiz.printed import KEY_HEADING, answer_line

DL = "dieu-le-dang-2011"


@pytest.fixture(scope="module")
def items(quiz_searcher) -> list[QuizItem]:
    out = generate_quiz(quiz_searcher, n=9, seed=4, doc_ids=[DL]) + generate_quiz(quiz_searcher, n=6, seed=2,
                                                                                  doc_ids=["qd-69-2022"])
    assert {q.type for q in out} == {"mc", "cloze", "tf"}
    return out


def _flat(text: str) -> str:
    return " ".join(text.split())


def _collection(data: bytes, tmp_path: Path) -> sqlite3.Connection:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        inner = next(n for n in ("collection.anki21", "collection.anki2") if n in names)
        path = tmp_path / inner
        path.write_bytes(z.read(inner))
    return sqlite3.connect(path)


def _field(value: str) -> str:
    return html.unescape(value.replace("<br>", "\n"))


def test_apkg_holds_one_note_per_question(items: list[QuizItem], tmp_path: Path) -> None:
    data = to_apkg(items, "Điều lệ Đảng, Quy định 69-QĐ/TW")
    con = _collection(data, tmp_path)
    rows = con.execute("SELECT guid, mid, tags, flds FROM notes ORDER BY id").fetchall()
    assert len(rows) == len(items)
    for q, (_guid, mid, tags, flds) in zip(items, rows, strict=True):
        fields = dict(zip(FIELDS, [_field(f) for f in flds.split("\x1f")], strict=True))
        assert fields["Câu hỏi"] == q.stem and fields["Mã"] == q.id
        assert fields["Trích dẫn"] == q.citation
        assert fields["Điều khoản"] == f"«{_flat(q.source_text)}»"
        if q.type == "mc":
            assert fields["Phương án"].split("\n") == [f"{'ABCD'[i]}. {o}" for i, o in enumerate(q.options)]
            assert fields["Đáp án"] == f"{'ABCD'[q.answer_index]}. {q.answer_text}"
        elif q.type == "tf":
            assert fields["Phương án"] == "Đúng / Sai" and fields["Đáp án"].startswith(q.answer_text)
        else:
            assert fields["Phương án"] == "" and fields["Đáp án"] == q.answer_text
        assert mid == stable_id(MODEL_NAME)
        kind = {"mc": "trac-nghiem", "cloze": "dien-cho-trong", "tf": "dung-sai"}[q.type]
        assert set(tags.split()) == {"soi", f"van-ban::{q.doc_id}", f"loai::{kind}", f"do-kho::{q.difficulty}"}
    models = json.loads(con.execute("SELECT models FROM col").fetchone()[0])
    assert [m["name"] for m in models.values()] == [MODEL_NAME]
    assert [f["name"] for f in next(iter(models.values()))["flds"]] == list(FIELDS)
    decks = json.loads(con.execute("SELECT decks FROM col").fetchone()[0])
    name = f"{DECK_PREFIX}: Điều lệ Đảng, Quy định 69-QĐ/TW"
    assert {d["name"]: int(i) for i, d in decks.items()}[name] == stable_id(name)
    assert con.execute("SELECT count(*) FROM cards").fetchone()[0] == len(items)


def test_apkg_ids_are_stable_so_a_reimport_updates(items: list[QuizItem], tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _collection(to_apkg(items, "x", timestamp=1_700_000_000), tmp_path / "a")
    second = _collection(to_apkg(items[::-1], "x", timestamp=1_800_000_000), tmp_path / "b")
    a = dict(first.execute("SELECT guid, mid FROM notes").fetchall())
    b = dict(second.execute("SELECT guid, mid FROM notes").fetchall())
    assert a == b and len(a) == len(items)  # the same notes (guid) of the same model, whatever the order or day

    def decks(con: sqlite3.Connection) -> dict[str, str]:
        return {i: d["name"] for i, d in json.loads(con.execute("SELECT decks FROM col").fetchone()[0]).items()}

    assert decks(first) == decks(second) and str(stable_id(f"{DECK_PREFIX}: x")) in decks(first)
    assert stable_id("x") != stable_id("y")


def test_docx_has_questions_then_answer_key(items: list[QuizItem]) -> None:
    paragraphs = [p.text for p in docx.Document(io.BytesIO(export_bytes(items, "docx", "Điều lệ Đảng"))).paragraphs]
    assert paragraphs[0] == "Điều lệ Đảng"
    key = paragraphs.index(KEY_HEADING)
    questions, answers = paragraphs[:key], paragraphs[key + 1:]
    for i, q in enumerate(items, 1):
        assert q.stem in questions
        if q.type == "mc":
            for j, opt in enumerate(q.options):
                assert f"{'ABCD'[j]}. {opt}" in questions
        assert f"Câu {i}: {answer_line(q)}" in answers
        assert f"Căn cứ: {q.citation}" in answers
        assert f"«{_flat(q.source_text)}»" in answers
        assert q.stem not in answers
    page_breaks = [i for i, p in enumerate(docx.Document(io.BytesIO(export_bytes(items, "docx"))).paragraphs)
                   if 'w:br w:type="page"' in p._p.xml]
    assert page_breaks and page_breaks[-1] < key  # the key starts on a page of its own


def test_pdf_has_questions_then_answer_key(items: list[QuizItem]) -> None:
    data = export_bytes(items, "pdf", "Điều lệ Đảng")
    assert data.startswith(b"%PDF")
    pages = [_flat(p.extract_text()) for p in PdfReader(io.BytesIO(data)).pages]
    key_page = next(i for i, p in enumerate(pages) if p.startswith(KEY_HEADING))
    before, after = " ".join(pages[:key_page]), " ".join(pages[key_page:])
    for i, q in enumerate(items, 1):
        assert _flat(q.stem) in before, q.id  # line wrapping may break anywhere: compare word sequences
        assert _flat(f"Câu {i}: {answer_line(q)}") in after
        assert _flat(f"Căn cứ: {q.citation}") in after
        assert _flat(q.stem) not in after


def test_cli_binary_formats_need_out(index_dir: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["quiz", "--index", index_dir, "--doc", "Điều lệ", "--n", "3", "--format", "apkg"]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "apkg" in err
    for fmt in ("apkg", "docx", "pdf"):
        out = tmp_path / f"de.{fmt}"
        rc = main(["quiz", "--index", index_dir, "--doc", "Điều lệ", "--n", "4", "--seed", "3", "--format", fmt,
                   "--out", str(out)])
        assert rc == 0 and out.stat().st_size > 0
    con = _collection((tmp_path / "de.apkg").read_bytes(), tmp_path)
    assert con.execute("SELECT count(*) FROM notes").fetchone()[0] == 4
    paragraphs = [p.text for p in docx.Document(str(tmp_path / "de.docx")).paragraphs]
    assert paragraphs[0] == "Điều lệ Đảng" and KEY_HEADING in paragraphs
    assert (tmp_path / "de.pdf").read_bytes().startswith(b"%PDF")
    out = tmp_path / "de.gift"  # text formats may go to a file too
    assert main(["quiz", "--index", index_dir, "--doc", "Điều lệ", "--n", "2", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").count("::q") == 2
