"""Rule → discipline on real clauses: curated, text and similarity links, penalty forms with exact spans, what the
partial QĐ 69 lacks, and the reviewed data file citing ids only."""

from __future__ import annotations

import re

import pytest

from indexer.checks import all_checks
from indexer.discipline import (
    CURATED,
    LOW_SCORE,
    PENALTY_FORMS,
    SIMILARITY,
    TEXT,
    discipline_for,
    link_stats,
    linker_for,
    load_links,
    penalty_forms,
    provision_text,
)


def _text(searcher, cid: str) -> str:
    c = searcher.clauses[cid]
    return provision_text(c, searcher.documents[c.doc_id])


def test_qd37_prohibition_links_to_qd69_articles_of_that_kind(searcher) -> None:
    rd = discipline_for("qd-37-2021/d2", searcher)  # nguyên tắc tổ chức; tự ứng cử, đề cử
    by_id = {x.clause: x for x in rd.links}
    assert by_id["qd-69-2022/d27/k1"].provenance == CURATED and by_id["qd-69-2022/d27/k1"].forms == ["khiển trách"]
    kind = by_id["qd-69-2022/d10"]  # "Vi phạm nguyên tắc tổ chức và hoạt động của Đảng", named in its title
    assert kind.provenance == TEXT and kind.kind == "nguyên tắc tổ chức, hoạt động của Đảng"
    assert "tiêu đề điều" in kind.note and kind.forms == ["giải tán"] and "tổ chức đảng" in kind.note
    assert [x.provenance for x in rd.links] == sorted((x.provenance for x in rd.links), key=[CURATED, TEXT].index)
    assert "qd-69-2022/d27" not in by_id  # the article around the curated khoản is not listed twice
    # not curated: the kind alone finds the article; it binds organisations, so it ranks below a fitting one
    [d17] = discipline_for("qd-37-2021/d9", searcher).links
    assert d17.clause == "qd-69-2022/d17" and d17.provenance == TEXT and d17.score == 0.8
    assert "«kê khai tài sản»" in d17.note and d17.forms == ["khiển trách", "cảnh cáo"]
    assert d17.text == _text(searcher, "qd-69-2022/d17")  # verbatim, both pieces around the provenance comment


def test_general_provisions_follow_whom_the_rule_binds(searcher) -> None:
    general = [x.clause for x in discipline_for("qd-37-2021/d1", searcher).general]
    assert "dieu-le-dang-2011/d36" in general and "dieu-le-dang-2011/d37" not in general  # members, not organisations
    assert all(x.general for x in discipline_for("qd-37-2021/d1", searcher).general)
    org = [x.clause for x in discipline_for("dieu-le-dang-2011/d23/k2", searcher).general]
    assert "dieu-le-dang-2011/d37" in org and "qd-69-2022/d3/k1" in org


def test_clause_without_counterpart_gets_only_low_similarity(searcher) -> None:
    rd = discipline_for("dieu-le-dang-2011/d5/k1", searcher)  # thời kỳ dự bị: no discipline provision answers it
    assert rd.links and rd.only_similarity
    assert all(x.low and x.score < LOW_SCORE and "điểm thấp" in x.note for x in rd.links)
    assert len({searcher.article_of(x.clause) for x in rd.links}) == len(rd.links)  # one per article
    # a rule with a text link gets no similarity at all: similarity is the last resort
    assert all(x.provenance != SIMILARITY for x in discipline_for("qd-37-2021/d9", searcher).links)


def test_penalty_forms_are_exact_spans_of_the_text(searcher) -> None:
    text = _text(searcher, "qd-69-2022/d7")
    marks = penalty_forms(text)
    assert [m.form for m in marks] == ["khiển trách", "cảnh cáo", "giải tán", "khiển trách", "cảnh cáo", "cách chức",
                                      "khai trừ", "khiển trách", "cảnh cáo"]
    assert text[marks[0].start:marks[0].end] == "Khiển trách"  # as written, capital included
    for cid in ("qd-69-2022/d7", "qd-69-2022/d52/k2", "dieu-le-dang-2011/d36", "qd-69-2022/d10/k3"):
        t = _text(searcher, cid)
        assert all(t[m.start:m.end].lower() == m.form for m in penalty_forms(t)), cid
    assert [m.form for m in penalty_forms(_text(searcher, "qd-69-2022/d52/k3"))] == ["khai trừ"]
    assert [m.form for m in penalty_forms(_text(searcher, "qd-69-2022/d52/k2"))] == ["cảnh cáo", "cách chức"]
    assert penalty_forms(_text(searcher, "qd-69-2022/d3/k2")) == []  # a definition states no form


def test_partial_qd69_is_said_not_hidden(searcher) -> None:
    rd = discipline_for("qd-37-2021/d19", searcher)  # mê tín: QĐ 69's article on it was not collected
    assert any("mê tín" in m and "chưa có trong kho" in m for m in rd.missing)
    absent = next(x for x in discipline_for("dieu-le-dang-2011/d39/k8", searcher).links
                  if x.clause == "qd-69-2022/d16")
    assert absent.absent and absent.text == "" and absent.citation.startswith("Điều 16, Quy định số 69-QĐ/TW")
    assert "chưa có trong kho" in absent.note


def test_own_sanction_article_and_discipline_clauses(searcher) -> None:
    [own] = discipline_for("qd-384-2025/d5", searcher).links  # Điều 19. Xử lý vi phạm of the same regulation
    assert own.clause == "qd-384-2025/d19" and own.provenance == TEXT and "Xử lý vi phạm" in own.note
    assert discipline_for("qd-69-2022/d28/k1", searcher).is_discipline
    assert discipline_for("dieu-le-dang-2011/d36/k1", searcher).is_discipline


def test_reviewed_file_cites_ids_and_copies_no_text(searcher) -> None:
    data = load_links()
    doc69 = searcher.documents["qd-69-2022"]
    ids = [d for e in data.links for d in e.discipline] + [g.clause for g in data.general]
    assert ids and all(i in searcher.clauses for i in ids), [i for i in ids if i not in searcher.clauses]
    for k in data.kinds:
        for a in k.absent:  # an absent article must really be absent, and from QĐ 69
            assert a.startswith("qd-69-2022/d") and a not in searcher.clauses
            assert a.rsplit("/d", 1)[1] not in doc69.articles_present
    assert all(any(searcher.clauses[c].id.startswith(e.rule) or e.rule.startswith(c) for c in searcher.clauses)
               for e in data.links)
    # no note repeats 7 consecutive words of any clause: links are described, never copied
    grams = set()
    for c in searcher.clauses.values():
        w = re.findall(r"\w+", c.text.lower())
        grams.update(tuple(w[i:i + 7]) for i in range(len(w) - 6))
    notes = [e.note for e in data.links] + [g.note for g in data.general]
    notes += [k.label for k in data.kinds] + [k.absent_note for k in data.kinds]
    for n in notes:
        w = re.findall(r"\w+", n.lower())
        assert not any(tuple(w[i:i + 7]) in grams for i in range(len(w) - 6)), n


def test_link_stats_over_the_rules(searcher) -> None:
    rules = sorted({c.rule for c in all_checks(searcher.documents, searcher.clauses)})
    st = link_stats(searcher, rules)
    assert st[CURATED] >= 8 and st[TEXT] >= 50 and st[SIMILARITY] > 0
    assert st["rules_curated"] >= 8 and st["rules_text"] >= 50 and st["rules_only_similarity"] > 0
    assert st["rules_text"] + st["rules_only_similarity"] <= st["rules"] + st["rules_curated"]


@pytest.mark.parametrize("form", PENALTY_FORMS)
def test_each_form_is_found_somewhere_in_the_discipline_texts(searcher, form) -> None:
    lk = linker_for(searcher)
    texts = [_text(searcher, a.id) for a in lk.articles] + [_text(searcher, "dieu-le-dang-2011/d35/k2")]
    assert any(form in [m.form for m in penalty_forms(t)] for t in texts)
