"""Check extraction on real clauses, including negatives, the curated layer and the gold-file scorer."""

from __future__ import annotations

from pathlib import Path

from eval.checks_eval import score
from indexer.checks import (
    OBLIGATION,
    PERMISSION,
    PROHIBITION,
    CuratedEntry,
    apply_curation,
    checks_for,
    extract_checks,
    load_curated,
)


def _checks(searcher, cid: str):
    c = searcher.clauses[cid]
    return extract_checks(c, searcher.documents[c.doc_id], searcher.clauses)


def test_obligation_with_deadline_and_subject(searcher) -> None:
    [ch] = _checks(searcher, "dieu-le-dang-2011/d39/k8")
    assert ch.modality == OBLIGATION and ch.subject == "cấp uỷ hoặc uỷ ban kiểm tra"
    assert ch.deadline and ch.deadline.startswith("chậm nhất ba tháng")
    assert "xem xét, giải quyết, trả lời cho tổ chức đảng và đảng viên khiếu nại biết" in ch.item  # verbatim words
    assert ch.rule == "dieu-le-dang-2011/d39/k8" and ch.provenance == "pattern"


def test_duty_inherited_from_intro_and_prohibition_from_title(searcher) -> None:
    [duty] = _checks(searcher, "dieu-le-dang-2011/d32/k6")
    assert duty.modality == OBLIGATION and duty.provenance == "intro" and duty.subject.endswith("kiểm tra các cấp")
    [right] = _checks(searcher, "dieu-le-dang-2011/d33")
    assert right.modality == PERMISSION
    [ban] = _checks(searcher, "qd-37-2021/d9")
    assert ban.modality == PROHIBITION and ban.subject == "Đảng viên"


def test_programme_task_assigns_body_and_deadline(searcher) -> None:
    [task] = _checks(searcher, "ctr-qn-kl34-2022/IV/1")
    assert task.subject == "Các cấp ủy, tổ chức đảng" and "tháng 8/2022" in task.deadline
    [task] = _checks(searcher, "ctr-qn-kl34-2022/IV/4")
    assert task.subject == "Ban Tuyên giáo Tỉnh ủy" and task.provenance == "programme"


def test_negatives_yield_no_check(searcher) -> None:
    for cid in ("dieu-le-dang-2011/d31/k1", "dieu-le-dang-2011/d35/k2", "hd-02-2021/I/2", "qd-69-2022/d4/k2/a",
                "qd-69-2022/d27/k1/a", "tin-kl34-2022/p2"):
        assert _checks(searcher, cid) == [], cid


def test_curated_layer_wins(searcher) -> None:
    extracted = _checks(searcher, "dieu-le-dang-2011/d2/k1")
    rule = "dieu-le-dang-2011/d2/k1"
    assert apply_curation(extracted, [CuratedEntry(rule, "reject")], rule) == []
    fixed = apply_curation(_checks(searcher, "dieu-le-dang-2011/d2/k1"),
                           [CuratedEntry("dieu-le-dang-2011/d2/k1", "correct", fields={"actor": "Chi bộ"})],
                           "dieu-le-dang-2011/d2/k1")
    assert fixed[0].actor == "Chi bộ" and fixed[0].provenance == "curated"
    added = apply_curation([], load_curated(), "dieu-le-dang-2011/d30/k2")
    assert added and added[0].provenance == "curated"


def test_checks_carry_their_discipline_links(searcher) -> None:
    [ban] = checks_for("qd-37-2021/d9", searcher, with_discipline=True)
    assert ban.penalties == ["qd-69-2022/d17"]  # the QĐ 69 article on that kind of violation (indexer/discipline.py)
    [right] = checks_for("dieu-le-dang-2011/d33", searcher, with_discipline=True)
    assert right.penalties and all(p in searcher.clauses or p.startswith("qd-69-2022/") for p in right.penalties)


def test_not_a_prohibition_when_nothing_is_forbidden(searcher) -> None:
    """"không có vùng cấm" (no forbidden zone) in a programme's principle is no prohibition to check."""
    checks = _checks(searcher, "ctr-qn-kl34-2022/III/2/2.2/p2")
    assert all(c.modality != PROHIBITION for c in checks)


def test_gold_file_scores(searcher) -> None:
    s = score(searcher.documents, searcher.clauses, Path(__file__).parent.parent / "eval" / "checks_gold.yaml",
              curated=False)
    assert s.clauses >= 40 and s.documents >= 4
    assert s.precision >= 0.9 and s.recall >= 0.9, s.errors
