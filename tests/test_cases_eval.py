"""The inspector case evaluation (eval/cases.yaml, `python -m eval.cases`) on the real index: the numbers recorded in
eval/regression.yaml (`cases:`) must hold within their tolerance, no template or form unit may be a rule, and the
discipline shown by default follows the kind of violation the case names."""

from __future__ import annotations

import json

import pytest

from eval.cases import (
    CASES,
    VALIDATION,
    check_regression,
    evaluate,
    is_form_unit,
    load_baseline,
    load_cases,
    main,
    nodiacritics,
)
from indexer.rules.case import analyze_case


@pytest.fixture(scope="module")
def evaluated(searcher):
    return evaluate(searcher)


@pytest.mark.parametrize(("path", "least"), [(CASES, 30), (VALIDATION, 15)])
def test_cases_file_is_labelled(searcher, path, least) -> None:
    cases = load_cases(path)
    assert len(cases) >= least and len({c["id"] for c in cases}) == len(cases)
    assert {c["who"] for c in cases} == {"đảng viên", "tổ chức đảng"}
    for c in cases:
        assert c["rules"], c["id"]
        for cid in c["rules"] + c["discipline"].get("articles", []) + c["discipline"].get("also", []):
            assert cid in searcher.clauses, (c["id"], cid)
        assert all(a.startswith("qd-69-2022/d") for a in c["discipline"].get("articles", [])), c["id"]
        assert all(m.get("terms") or m.get("number") for m in c["discipline"].get("missing", [])), c["id"]


def test_case_numbers_hold(evaluated) -> None:
    summary, _ = evaluated
    problems = check_regression(summary, load_baseline())
    assert not problems, (problems, summary.as_dict())
    assert summary.form_units == 0, [c.forms for c in summary.cases if c.forms]


def test_cases_typed_without_diacritics_hold(searcher) -> None:
    """Inspectors type without diacritics too: the case is read in its restored form, and scores near as typed."""
    base = load_baseline()
    summary, results = evaluate(searcher, nodiacritics(load_cases(CASES)))
    problems = check_regression(summary, base["nodiacritics"])
    assert not problems, (problems, summary.as_dict())
    assert summary.rules_p_at_3 >= float(base["rules_p_at_3"]) - 0.05
    assert all(r.understood for r in results.values())  # each says how it was read


def test_rules_are_never_forms(evaluated, searcher) -> None:
    _, results = evaluated
    for cid, r in results.items():
        for rule in r.rules:
            assert not is_form_unit(rule.hit.clause, rule.hit.document), (cid, rule.hit.clause.id)


def test_command_runs_on_the_index(index_dir, monkeypatch, capsys) -> None:
    monkeypatch.setenv("SOI_INDEX_DIR", index_dir)
    assert main(["--json", "--check"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["cases"] == len(load_cases(CASES)) and len(out["per_case"]) == out["cases"]
    assert 0.0 <= out["rules_p_at_3"] <= 1.0 and out["form_units_among_rules"] == 0


def test_discipline_follows_the_kind_the_case_names(searcher) -> None:
    # a case on religion: no rule's reviewed link to the articles on elections or cadre work is shown
    r = analyze_case("Đảng viên tham gia hoạt động mê tín dị đoan và một tổ chức tôn giáo bất hợp pháp", searcher)
    assert not any(d.clause_id.startswith(("qd-69-2022/d27", "qd-69-2022/d29")) for d in r.specific)
    # the members' article on it (QĐ 69 Điều 55) is not collected: named, and said so
    assert [(d.clause_id, d.absent) for d in r.specific] == [("qd-69-2022/d55", True)]
    # a kind whose article number is not known is still said in a note: a member's violation on land
    r = analyze_case("Đảng viên lợi dụng chức vụ để được giao đất trái quy định, vi phạm quy định về đất đai", searcher)
    assert any("đất đai" in m and "chưa có trong kho" in m for m in r.missing), r.missing
    # a case on speech: the speech article, and nothing a rule found for other words leads to
    r = analyze_case("Đảng viên là cán bộ tự ý cung cấp cho báo chí tài liệu dự thảo chưa được phép phổ biến", searcher)
    assert [d.clause_id for d in r.specific] == ["qd-69-2022/d28"]
    # a case that names no kind: only a reviewer's link from one of the first rules may be shown
    r = analyze_case("Đảng viên không đóng đảng phí ba tháng liền mà không có lý do chính đáng", searcher)
    leads = {x.hit.clause.id for x in r.rules[:3]}
    assert all(d.provenance == "curated" and set(d.rules) & leads for d in r.specific)


def test_held_out_cases(searcher) -> None:
    # the rules ranking was tuned on eval/cases.yaml; the held-out set keeps it honest (README "Case evaluation":
    # rules precision@3 0.909 there, 0.720 before the second round of issue 13; floors at the goals, not
    # recorded numbers)
    summary, _ = evaluate(searcher, load_cases(VALIDATION))
    assert summary.rules_p_at_3 >= 0.8 and summary.form_units == 0, summary.as_dict()
    assert summary.discipline_precision >= 0.9 or not summary.disc_shown, summary.as_dict()
    assert not set(c["id"] for c in load_cases(VALIDATION)) & set(c["id"] for c in load_cases(CASES))
