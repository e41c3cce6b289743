"""Quiz builder on the real corpus and index: invariants of generated questions, exports that parse back, the CLI,
and the «Ôn tập» page.

Checked by hand against corpus/dieu-le-dang-2011.md: Điều 5 khoản 1 "thời kỳ dự bị mười hai tháng";
Điều 24 khoản 2 "Chi bộ, chi uỷ họp thường lệ mỗi tháng một lần".
"""

from __future__ import annotations

import csv
import io
import json
import os
import re

import pytest
from streamlit.testing.v1 import AppTest
from ui_support import ENTRY, ui_env  # noqa: F401 — ui_env is a fixture

from app.cli import main
from indexer.citation import clause_citation
from indexer.quiz import QuizItem, generate_quiz, regenerate
from indexer.quiz.export import QuizFormatError, parse_aiken, parse_gift, to_aiken, to_csv, to_gift, to_json
from indexer.quiz.model import BLANK
from indexer.quiz.slots import find_slots, slot_keys

DL = "dieu-le-dang-2011"


@pytest.fixture(scope="module")
def quiz_searcher(request: pytest.FixtureRequest):
    """The session index; SOI_UI_TEST_INDEX=<dir> reuses an index you built (as the UI tests allow)."""
    prebuilt = os.environ.get("SOI_UI_TEST_INDEX")
    if prebuilt:
        from indexer.config import load_settings
        from indexer.search import Searcher

        return Searcher.open(load_settings(index_dir=prebuilt), load_model=False)
    return request.getfixturevalue("searcher")


@pytest.fixture(scope="module")
def index_dir(request: pytest.FixtureRequest) -> str:
    prebuilt = os.environ.get("SOI_UI_TEST_INDEX")
    if prebuilt:
        return prebuilt
    request.getfixturevalue("built_index")
    return str(request.getfixturevalue("index_settings").index_dir)


@pytest.fixture(scope="module")
def items(quiz_searcher) -> list[QuizItem]:
    return generate_quiz(quiz_searcher, n=60, seed=11) + generate_quiz(quiz_searcher, n=30, seed=5, doc_ids=[DL])


def _flat(text: str) -> str:
    return " ".join(text.split())


def _keys(option: str) -> set[tuple[str, str]]:
    return slot_keys(option)


def test_slots_read_numbers_in_words_and_skip_dates(quiz_searcher) -> None:
    k1 = quiz_searcher.clauses[f"{DL}/d5/k1"].text
    assert ("number", "12 tháng") in slot_keys(k1)
    k2 = quiz_searcher.clauses[f"{DL}/d24/k2"].text
    slots = [s for s in find_slots(k2) if s.kind == "number"]
    assert [s.text for s in slots] == ["một lần"]
    bodies = {s.key for s in find_slots(k2) if s.kind == "body"}
    assert {"chi bộ", "chi ủy"} <= bodies
    assert not [s for s in find_slots("ban hành ngày 19 tháng 01 năm 2011") if s.kind == "number"]


def test_every_question_has_one_right_answer_from_its_clause(quiz_searcher, items) -> None:
    assert len(items) == 90
    assert {q.type for q in items} == {"mc", "cloze", "tf"}
    for q in items:
        clause = quiz_searcher.clauses[q.clause_id]
        doc = quiz_searcher.documents[clause.doc_id]
        assert q.citation == clause_citation(clause, doc)
        assert q.source_text and q.source_text in clause.text, q.id
        assert q.explanation.endswith(f"{q.citation}: «{q.source_text}»")
        known = slot_keys(clause.text)
        if q.type == "mc":
            assert len(q.options) == 4 and 0 <= q.answer_index < 4
            assert len({o.lower() for o in q.options}) == 4, q.options
            assert q.options[q.answer_index] == q.answer_text and q.answer_text in q.source_text
            assert q.stem.count(BLANK) == 1
            assert _flat(q.source_text) in q.stem.replace(BLANK, q.answer_text)
            for i, opt in enumerate(q.options):
                if i != q.answer_index:  # a wrong option is never a value the clause states for that slot
                    assert _keys(opt) and not (_keys(opt) & known), (q.id, opt)
        elif q.type == "cloze":
            assert q.options == [] and q.answer_index is None
            assert q.answer_text in q.source_text and q.stem.count(BLANK) == 1
            assert _flat(q.source_text) in q.stem.replace(BLANK, q.answer_text)
        else:
            assert q.options == ["Đúng", "Sai"]
            if q.answer_index == 0:
                assert _flat(q.source_text) in q.stem and not q.changed_to
            else:  # one checkable change: the clause's words swapped for a value it does not state
                assert q.original in q.source_text and q.changed_to in q.stem
                assert _keys(q.changed_to) and not (_keys(q.changed_to) & known), (q.id, q.changed_to)
                assert _flat(q.source_text) not in q.stem
    assert len({q.id for q in items[:60]}) == 60 and len({q.id for q in items[60:]}) == 30  # unique in a quiz


def test_seeded_and_scoped(quiz_searcher) -> None:
    a = generate_quiz(quiz_searcher, n=8, seed=3, doc_ids=[DL])
    b = generate_quiz(quiz_searcher, n=8, seed=3, doc_ids=[DL])
    c = generate_quiz(quiz_searcher, n=8, seed=4, doc_ids=[DL])
    assert [q.to_dict() for q in a] == [q.to_dict() for q in b]
    assert [q.id for q in a] != [q.id for q in c]
    art = generate_quiz(quiz_searcher, n=5, seed=1, clause_ids=[f"{DL}/d36"], types=["cloze"])
    assert art and all(q.clause_id.startswith(f"{DL}/d36/") for q in art)
    assert all(q.type == "cloze" for q in art)
    new = regenerate(quiz_searcher, a, 0, seed=99, doc_ids=[DL])
    assert new is not None and new.type == a[0].type and new.key not in {q.key for q in a}


def test_gift_and_aiken_exports_parse_back(items) -> None:
    gift = parse_gift(to_gift(items))
    assert len(gift) == len(items)
    for q, g in zip(items, gift, strict=True):
        assert g.title == q.id and g.text == _flat(q.stem)
        assert g.feedback == _flat(q.explanation)
        if q.type == "mc":
            assert g.kind == "mc" and [t for t, _ in g.answers] == [_flat(o) for o in q.options]
            assert [r for _, r in g.answers] == [i == q.answer_index for i in range(4)]
        elif q.type == "tf":
            assert g.kind == "tf" and g.truth is (q.answer_index == 0)
        else:
            assert g.kind == "short" and g.answers == [(_flat(q.answer_text), True)]
    aiken = parse_aiken(to_aiken(items))
    choice = [q for q in items if q.type != "cloze"]
    assert len(aiken) == len(choice)
    for q, a in zip(choice, aiken, strict=True):
        assert a.text == _flat(q.stem) and a.options == [_flat(o) for o in q.options]
        assert a.answer_index == q.answer_index


def test_parsers_follow_the_specs() -> None:
    # GIFT escapes (Moodle docs): "\=" is a literal "=", "//" starts a comment, "####" is general feedback.
    text = ("// a comment\n::Q1:: 1 \\+ 1 \\= ? {=2 #right ~3 ~4 ####sum}\n\n"
            "::Q2::Trời xanh? {T}\n\n::Q3::Thủ đô? {=Hà Nội}")
    q1, q2, q3 = parse_gift(text)
    assert (q1.title, q1.text, q1.kind, q1.feedback) == ("Q1", "1 + 1 = ?", "mc", "sum")
    assert q1.answers == [("2", True), ("3", False), ("4", False)]
    assert q2.kind == "tf" and q2.truth is True
    assert q3.kind == "short" and q3.answers == [("Hà Nội", True)]
    with pytest.raises(QuizFormatError):
        parse_gift("::Q:: no answers here")
    a = parse_aiken("Câu hỏi?\nA. một\nB) hai\nANSWER: B\n")
    assert a[0].options == ["một", "hai"] and a[0].answer_index == 1
    with pytest.raises(QuizFormatError):
        parse_aiken("Câu hỏi?\nA. một\nB. hai\nANSWER: E\n")


def test_csv_and_json_round_trip(items) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(items))))
    assert len(rows) == len(items)
    for q, r in zip(items, rows, strict=True):
        assert r["id"] == q.id and r["stem"] == q.stem and r["clause_id"] == q.clause_id
        assert r["answer"] == ("ABCD"[q.answer_index] if q.answer_index is not None else q.answer_text)
    back = [QuizItem.from_dict(d) for d in json.loads(to_json(items))]
    assert back == items


def test_cli_quiz(index_dir: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["quiz", "--index", index_dir, "--doc", "Điều lệ", "--n", "6", "--format", "gift", "--seed", "2"])
    out = capsys.readouterr().out
    assert rc == 0
    parsed = parse_gift(out)
    assert len(parsed) == 6 and all("Điều lệ Đảng" in q.text for q in parsed)
    assert re.findall(r"^// dieu-le-dang-2011/", out, re.M)
    rc = main(["quiz", "--index", index_dir, "--doc", "qđ 69", "--n", "4", "--types", "mc", "--format", "aiken"])
    parsed = parse_aiken(capsys.readouterr().out)
    assert rc == 0 and len(parsed) == 4 and all(len(q.options) == 4 for q in parsed)
    rc = main(["quiz", "--index", index_dir, "--doc", "Điều lệ", "--n", "3", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 0 and len(data) == 3 and all(d["doc_id"] == DL for d in data)
    assert main(["quiz", "--index", index_dir, "--types", "essay"]) == 2
    assert main(["quiz", "--index", index_dir, "--doc", "không có văn bản này xyz"]) == 2


def test_on_tap_page(ui_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    for k, v in ui_env.items():
        monkeypatch.setenv(k, v)
    at = AppTest.from_file(str(ENTRY), default_timeout=180).run()
    at = at.switch_page("views/on_tap.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Ôn tập"
    at.multiselect(key="quiz_docs").set_value([DL])
    at.select_slider(key="quiz_n").set_value(5)
    at.button[0].click()  # the form's submit button "Tạo bộ câu hỏi"
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.exception]
    assert [t.label for t in at.tabs] == ["Xem lại", "Làm bài", "Tải về"]
    numbered = [m.value for m in at.markdown if m.value.startswith("**Câu ") and "·" in m.value]
    assert len(numbered) == 5
    assert len([b for b in at.get("download_button")]) == 4
    # reject the first question
    rm = [b for b in at.button if b.key and b.key.startswith("rm-")]
    assert len(rm) == 5
    rm[0].click()
    at.run()
    assert len([b for b in at.button if b.key and b.key.startswith("rm-")]) == 4
    # practice: hand in without answers -> 0 right, and each question shows its source clause
    submit = [b for b in at.button if b.label == "Nộp bài"][0]
    submit.click()
    at.run()
    assert any(s.value == "Kết quả: 0/4 câu đúng" for s in at.subheader)
    assert len([m for m in at.markdown if "chưa đúng. Đáp án đúng" in m.value]) == 4
