"""The JSONL loader: the real dev set loads; every malformed line is refused with its line number and problem.

Also the dev-set regression lock: once eval/regression.yaml holds measured numbers, a change that drops one
beyond the tolerance fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.dataset import KINDS, EvalFormatError, GoldRef, load_questions

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "eval" / "dev.jsonl"

GOOD = {
    "id": "d1",
    "question": "Thời hạn xóa kỷ luật đảng viên là bao lâu?",
    "gold": [{"doc": "22-QĐ/TW", "year": 2021, "article": "16", "clause": "10", "point": None}],
    "answer": "Sau 01 năm ...",
    "kind": "qa",
}


def _write(tmp_path: Path, lines: list[str]) -> Path:
    p = tmp_path / "q.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def _line(**changes) -> str:
    obj = dict(GOOD)
    for key, value in changes.items():
        if value is ...:
            obj.pop(key)
        else:
            obj[key] = value
    return json.dumps(obj, ensure_ascii=False)


def _gold(**changes) -> list[dict]:
    g = dict(GOOD["gold"][0])
    for key, value in changes.items():
        if value is ...:
            g.pop(key)
        else:
            g[key] = value
    return [g]


def test_dev_set_loads():
    qs = load_questions(DEV)
    assert len(qs) == 82
    assert len({q.id for q in qs}) == 82 and all(q.kind in KINDS for q in qs)
    # five items cite only the document (article null): scored at document level
    doc_only = [q.id for q in qs if any(g.article is None for g in q.gold)]
    assert doc_only == ["x017", "x018", "x019", "x020", "x021"]
    assert next(q for q in qs if q.id == "x017").gold == [GoldRef("69-QĐ/TW", 2022, None)]
    d079 = next(q for q in qs if q.id == "d079")
    assert d079.gold == [GoldRef("22-QĐ/TW", 2021, "29", "2", "2.2")] and d079.kind == "case" and d079.line_no == 1
    d077 = next(q for q in qs if q.id == "d077")
    assert [g.article for g in d077.gold] == ["3", "20"]
    assert any(q.choices for q in qs if q.kind == "quiz")


def test_validation_set_loads_with_cited_gold_in_the_corpus():
    """The second real-question set: each item published elsewhere, its gold the article its own answer cites,
    none repeating a dev question, every gold article held by the corpus (so all 35 count as answerable)."""
    import json

    from eval.gold import GoldResolver
    from eval.known_items import load_bundled

    path = ROOT / "eval" / "validation.jsonl"
    qs = load_questions(path)
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(qs) == 35 and len({q.id for q in qs}) == 35
    assert all(r["source"].strip() and r["label"].startswith("cited") for r in raw)
    dev = {q.question.strip().lower() for q in load_questions(DEV)}
    assert not any(q.question.strip().lower() in dev for q in qs)
    resolver = GoldResolver(*load_bundled())
    assert all(any(g.answerable("article") for g in resolver.resolve_all(q.gold)) for q in qs)


def test_good_file_with_blank_lines_and_bom(tmp_path):
    p = tmp_path / "q.jsonl"
    second = _line(id="d2", kind="quiz", choices=["A. x", "B. y"], answer=None)
    p.write_text("\ufeff" + _line() + "\n\n   \n" + second + "\n", encoding="utf-8")
    qs = load_questions(p)
    assert [q.id for q in qs] == ["d1", "d2"]
    assert [q.line_no for q in qs] == [1, 4]
    assert qs[1].choices == ["A. x", "B. y"] and qs[1].answer == ""
    assert qs[0].gold[0] == GoldRef("22-QĐ/TW", 2021, "16", "10", None)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('{"id": "d9", "question": ', "invalid JSON"),
        ("[1, 2]", "expected a JSON object, got list"),
        (_line(id=...), "missing 'id'"),
        (_line(id=7), "'id' must be a string, got int"),
        (_line(question=...), "missing 'question'"),
        (_line(question="  "), "'question' is empty"),
        (_line(gold=...), "missing 'gold'"),
        (_line(gold=[]), "'gold' is empty"),
        (_line(gold={"doc": "22-QĐ/TW"}), "'gold' must be a list, got dict"),
        (_line(gold=["22-QĐ/TW"]), "gold[0] must be an object, got str"),
        (_line(gold=_gold(doc=...)), "missing gold[0].'doc'"),
        (_line(gold=_gold(year="2021")), "gold[0].'year' must be an integer, got str"),
        (_line(gold=_gold(year=True)), "gold[0].'year' must be an integer, got bool"),
        (_line(gold=_gold(year=...)), "missing gold[0].'year'"),
        (_line(gold=_gold(article=16)), "gold[0].'article' must be a string, got int"),
        (_line(gold=_gold(clause=10)), "gold[0].'clause' must be a string or null, got int"),
        (_line(gold=_gold(clause=None, point="a")), "gold[0].'point' given without 'clause'"),
        (_line(gold=_gold(article=None)), "gold[0].'article' is null but clause is given"),
        (_line(gold=_gold(article=None, clause=None, point="a")), "gold[0].'article' is null but point is given"),
        (_line(gold=_gold(article=...)), "missing gold[0].'article' (null when the source names only the document)"),
        (_line(gold=_gold(artcle="16")), "gold[0] has unknown keys ['artcle']"),
        (_line(kind=...), "missing 'kind'"),
        (_line(kind="exam"), "unknown kind 'exam'"),
        (_line(answer=3), "'answer' must be a string"),
        (_line(choices="A, B"), "'choices' must be a list of strings"),
    ],
)
def test_malformed_lines_name_line_and_problem(tmp_path, bad, message):
    # the bad line is line 3 (after a good line and a blank line)
    p = _write(tmp_path, [_line(id="ok"), "", bad])
    with pytest.raises(EvalFormatError) as exc:
        load_questions(p)
    assert exc.value.line_no == 3
    assert message in exc.value.message
    assert str(exc.value).startswith(f"{p}:3: ")


def test_document_level_gold_loads(tmp_path):
    doc_only = _gold(article=None, clause=None, point=None)
    mixed = doc_only + [{"doc": "Điều lệ Đảng", "year": 2011, "article": "9"}]  # clause/point keys may be absent
    qs = load_questions(_write(tmp_path, [_line(gold=doc_only), _line(id="d2", gold=mixed)]))
    assert qs[0].gold == [GoldRef("22-QĐ/TW", 2021, None, None, None)]
    assert qs[0].gold[0].label() == "22-QĐ/TW (2021)"
    assert qs[1].gold == [GoldRef("22-QĐ/TW", 2021, None), GoldRef("Điều lệ Đảng", 2011, "9")]


def test_second_gold_item_is_named(tmp_path):
    gold = GOOD["gold"] + [{"doc": "22-QĐ/TW", "year": 2021, "article": ""}]
    with pytest.raises(EvalFormatError, match=r":1: gold\[1\]\.'article' is empty"):
        load_questions(_write(tmp_path, [_line(gold=gold)]))


def test_duplicate_id_names_both_lines(tmp_path):
    p = _write(tmp_path, [_line(), _line(id="d2"), _line()])
    with pytest.raises(EvalFormatError) as exc:
        load_questions(p)
    assert exc.value.line_no == 3 and "duplicate id 'd1' (first on line 1)" in exc.value.message


def test_invalid_utf8_and_empty_file(tmp_path):
    p = tmp_path / "q.jsonl"
    p.write_bytes(_line().encode() + b"\n" + b'{"id": "\xff"}\n')
    with pytest.raises(EvalFormatError) as exc:
        load_questions(p)
    assert exc.value.line_no == 2 and "not valid UTF-8" in exc.value.message
    p.write_text("\n\n", encoding="utf-8")
    with pytest.raises(EvalFormatError, match="no questions"):
        load_questions(p)


@pytest.mark.parametrize("record", ["regression.yaml", "regression_validation.yaml"])
def test_dev_set_regression(request, record):
    """Lock in the dev-set scores (eval/regression.yaml) and the validation set's (eval/regression_validation.yaml);
    skipped while a file holds only placeholders."""
    from eval.regression import (
        baseline_systems,
        check_provenance,
        check_regression,
        has_values,
        load_baseline,
        needs_nodiacritics,
    )

    path = ROOT / "eval" / record
    baseline = load_baseline(path)
    if not has_values(baseline):
        pytest.skip(f"eval/{record} has no measured scores yet")
    from eval.runner import run_eval

    searcher = request.getfixturevalue("searcher")  # the session index of tests/conftest.py (real model)
    report = run_eval(
        load_questions(ROOT / baseline.get("dataset", "eval/dev.jsonl")),
        searcher,
        systems=tuple(baseline_systems(baseline)),
        with_nodiacritics=needs_nodiacritics(baseline),
        k=int(baseline.get("k", 10)),
    )
    problems = check_provenance(baseline, searcher) + check_regression(report, path)
    assert not problems, f"scores differ from eval/{record}:\n" + "\n".join(problems)
