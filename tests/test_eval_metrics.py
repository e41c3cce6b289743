"""Metric code against hand-computed values, gold mapping, and the runner/report on a tiny fake searcher.

The fake searcher returns fixed Hits built from real Clause/Document records: it is the input of the code
under test (metrics, gold mapping, aggregation), not a stand-in for the search being measured.
"""

from __future__ import annotations

import json
import math

import pytest

from eval.dataset import GoldRef, Question
from eval.gold import GoldResolver, article_unit_id, make_clause_id
from eval.metrics import (
    first_match_rank,
    matches,
    metric_names,
    ndcg_at_k,
    percentile,
    recall_at_k,
    reciprocal_rank,
)
from eval.regression import check_regression, has_values, load_baseline, write_baseline
from eval.report import format_table, to_json, write_markdown
from eval.runner import main_eval, nodiacritics_copies, run_eval
from indexer.corpus.models import Clause, Document, Hit

L2_3 = math.log2(3)  # 1.5849625
L2_5 = math.log2(5)  # 2.3219281

# ---- pure metrics -------------------------------------------------------------------------------------------


def test_match_rule_equal_or_descendant():
    gold = "qd-22-2021/d29/k2"
    assert matches("qd-22-2021/d29/k2", gold)
    assert matches("qd-22-2021/d29/k2/2.2", gold)  # a point inside the gold khoản answers it
    assert not matches("qd-22-2021/d29", gold)  # the whole article (an ancestor) does not
    assert not matches("qd-22-2021/d29/k20", gold)  # a string prefix that is not a path prefix
    assert not matches("qd-22-2017/d29/k2", gold)  # same numbers, other document


def test_single_gold_ranks():
    ranked = ["a", "b", "g", "c"]
    # first relevant at position 3: RR = 1/3
    assert reciprocal_rank(ranked, ["g"], k=10) == pytest.approx(1 / 3)
    assert reciprocal_rank(ranked, ["g"], k=2) == 0.0  # outside the cut-off
    assert recall_at_k(ranked, ["g"], 1) == 0.0
    assert recall_at_k(ranked, ["g"], 3) == 1.0
    # nDCG@10 = (1/log2(3+1)) / (1/log2(2)) = 0.5 / 1 = 0.5
    assert ndcg_at_k(ranked, ["g"], 10) == pytest.approx(0.5)
    assert first_match_rank(ranked, ["g"]) == 3
    assert first_match_rank(ranked, ["g"], k=2) is None


def test_several_gold_units():
    ranked = ["x", "g1", "y", "g2"]
    gold = ["g1", "g2"]
    # Recall is the fraction of gold units found: @1 0/2, @2 1/2, @4 2/2
    assert recall_at_k(ranked, gold, 1) == 0.0
    assert recall_at_k(ranked, gold, 2) == 0.5
    assert recall_at_k(ranked, gold, 5) == 1.0
    # RR takes the first relevant position: 1/2
    assert reciprocal_rank(ranked, gold) == 0.5
    # DCG = 1/log2(3) + 1/log2(5) = 0.6309298 + 0.4306766 = 1.0616064
    # IDCG (2 gold) = 1/log2(2) + 1/log2(3) = 1 + 0.6309298 = 1.6309298 -> nDCG = 0.6509209
    assert ndcg_at_k(ranked, gold, 10) == pytest.approx((1 / L2_3 + 1 / L2_5) / (1 + 1 / L2_3))
    assert ndcg_at_k(ranked, gold, 10) == pytest.approx(0.6509209, abs=1e-6)


def test_more_gold_than_k_uses_min_gold_k_for_ideal():
    # 3 gold units, k = 2, both positions relevant: DCG = 1 + 1/log2(3) = IDCG over min(3, 2) = 2 -> 1.0
    assert ndcg_at_k(["g1", "g2", "g3"], ["g1", "g2", "g3"], 2) == pytest.approx(1.0)
    assert recall_at_k(["g1", "g2", "g3"], ["g1", "g2", "g3"], 2) == pytest.approx(2 / 3)


def test_duplicates_count_once():
    # ranked [g, g], gold {g, h}: the repeat earns nothing. Recall 1/2; DCG = 1; IDCG = 1 + 1/log2(3) = 1.6309298
    assert recall_at_k(["g", "g"], ["g", "h"], 10) == 0.5
    assert ndcg_at_k(["g", "g"], ["g", "h"], 10) == pytest.approx(1 / (1 + 1 / L2_3))  # 0.6131472
    # duplicates in gold are one unit
    assert recall_at_k(["g"], ["g", "g"], 10) == 1.0
    assert ndcg_at_k(["g"], ["g", "g"], 10) == 1.0


def test_two_clauses_inside_one_gold_article_credit_it_once():
    # gold is the article; two of its clauses returned at 1 and 2: gains [1, 0] -> DCG 1 = IDCG 1
    ranked = ["doc/d5/k1", "doc/d5/k2", "doc/d6"]
    assert ndcg_at_k(ranked, ["doc/d5"], 10) == 1.0
    # gold article d5 and d6: gains [1, 0, 1]: DCG = 1 + 1/log2(4) = 1.5; IDCG = 1.6309298 -> 0.9197148
    assert ndcg_at_k(ranked, ["doc/d5", "doc/d6"], 10) == pytest.approx(1.5 / (1 + 1 / L2_3))


def test_ties_order_given_is_final():
    # the metrics never see scores: two systems that tie on score but list differently score differently
    assert reciprocal_rank(["a", "g"], ["g"]) == 0.5
    assert reciprocal_rank(["g", "a"], ["g"]) == 1.0


def test_empty_gold_is_an_error_and_nothing_returned_scores_zero():
    with pytest.raises(ValueError):
        recall_at_k(["a"], [], 10)
    assert recall_at_k([], ["g"], 10) == 0.0
    assert reciprocal_rank([], ["g"]) == 0.0
    assert ndcg_at_k([], ["g"], 10) == 0.0


def test_metric_names_and_percentile():
    assert metric_names(10) == ["recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10"]
    assert metric_names(3) == ["recall@1", "recall@3", "mrr@3", "ndcg@3"]
    # [10, 20, 30, 40]: p50 at position 1.5 -> 25; p95 at 3 * 0.95 = 2.85 -> 30 + 0.85 * 10 = 38.5
    assert percentile([40, 10, 30, 20], 50) == pytest.approx(25.0)
    assert percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)
    assert percentile([], 50) == 0.0


# ---- a tiny corpus ------------------------------------------------------------------------------------------


def _doc(doc_id: str, code: str, issued: str, completeness: str = "partial") -> Document:
    return Document(
        id=doc_id,
        code=code,
        type="quy-dinh",
        title=code,
        issuer="BCH TW",
        issued=issued,
        status="in-force",
        completeness=completeness,
    )


def _clause(cid: str, text: str = "") -> Clause:
    doc_id, *parts = cid.split("/")
    path: list[tuple[str, str]] = []
    for p in parts:
        if p[0] == "d" and p[1:].isdigit():
            path.append(("article", p[1:]))
        elif p[0] == "k" and p[1:].isdigit():
            path.append(("clause", p[1:]))
        elif path and path[-1][0] == "clause":
            path.append(("point", p))
        else:
            path.append(("item" if path else "section", p))
    parent = "/".join([doc_id, *parts[:-1]]) if len(parts) > 1 else None
    return Clause(
        id=cid,
        doc_id=doc_id,
        level=path[-1][0],
        label=path[-1][1],
        path=tuple(path),
        heading=(),
        title="",
        text=text or f"Nội dung {cid} " + "x" * 150,
        span=(0, 0),
        parent=parent,
    )


DOCS = {
    d.id: d
    for d in [
        _doc("qd-22-2021", "22-QĐ/TW", "2021-07-28"),
        _doc("qd-22-2017", "22-QĐ/TW", "2017-01-01"),  # same code, earlier term
        _doc("qd-296-2025", "296-QĐ/TW", "2025-05-30"),  # metadata only, no clauses
        _doc("dieu-le-dang-2011", "Điều lệ Đảng", "2011-01-19", "full"),
        _doc("ctr-x-2022", "01-CTr/TU", "2022-03-01", "full"),  # a programme: sections, no articles
    ]
}
CLAUSE_IDS = [
    "qd-22-2021/d29", "qd-22-2021/d29/k2", "qd-22-2021/d29/k2/2.1", "qd-22-2021/d29/k2/2.2",
    "qd-22-2021/d11", "qd-22-2021/d11/k1", "qd-22-2021/d3", "qd-22-2021/d3/k7", "qd-22-2021/d8",
    "qd-22-2021/d8/k1", "qd-22-2017/d29", "qd-22-2017/d29/k2",
    "dieu-le-dang-2011/d8", "dieu-le-dang-2011/d8/k3", "dieu-le-dang-2011/d9", "dieu-le-dang-2011/d9/k1",
    "ctr-x-2022/II", "ctr-x-2022/II/2", "ctr-x-2022/II/2/1.1",
]  # fmt: skip
CLAUSES = {cid: _clause(cid) for cid in CLAUSE_IDS}


def test_clause_ids_follow_the_design_rule():
    assert make_clause_id("qd-22-2021", "29", "2", "2.2") == "qd-22-2021/d29/k2/2.2"
    assert make_clause_id("qd-69-2022", "55", "1", "b") == "qd-69-2022/d55/k1/b"
    assert make_clause_id("qd-22-2021", "29") == "qd-22-2021/d29"
    assert make_clause_id("ctr-x-2022", "II.2") == "ctr-x-2022/II/2"
    assert article_unit_id(CLAUSES["qd-22-2021/d29/k2/2.2"]) == "qd-22-2021/d29"
    assert article_unit_id(CLAUSES["ctr-x-2022/II/2/1.1"]) == "ctr-x-2022/II/2/1.1"  # no article: itself


def test_gold_resolution():
    r = GoldResolver(DOCS, CLAUSES)
    loc = r.resolve(GoldRef("22-QĐ/TW", 2021, "29", "2", "2.2"))
    assert (loc.doc_id, loc.article_id, loc.clause_id) == ("qd-22-2021", "qd-22-2021/d29", "qd-22-2021/d29/k2/2.2")
    assert loc.in_corpus and loc.clause_in_corpus and loc.reason == ""
    # the year picks the document; codes compare after NFC + casefold (decomposed "Đ" written in lower case)
    assert r.resolve(GoldRef("22-qđ/tw", 2017, "29")).doc_id == "qd-22-2017"
    assert r.resolve(GoldRef("điều lệ đảng", 2011, "8", "3")).clause_id == "dieu-le-dang-2011/d8/k3"
    # a year with no such document: not in corpus, unmatchable id
    loc = r.resolve(GoldRef("22-QĐ/TW", 2019, "29"))
    assert loc.doc_id is None and not loc.in_corpus and "2017, 2021" in loc.reason
    assert loc.unit_id("article").startswith("!not-in-corpus")
    # QĐ 296 exists with no clauses: every gold there is not in corpus
    loc = r.resolve(GoldRef("296-QĐ/TW", 2025, "7"))
    assert loc.doc_id == "qd-296-2025" and not loc.in_corpus and "no text" in loc.reason
    # partial document: article missing
    loc = r.resolve(GoldRef("22-QĐ/TW", 2021, "20", "5"))
    assert not loc.in_corpus and not loc.clause_in_corpus and "qd-22-2021/d20" in loc.reason
    # article present, khoản missing: answerable at article level only
    loc = r.resolve(GoldRef("22-QĐ/TW", 2021, "8", "2"))
    assert loc.in_corpus and not loc.clause_in_corpus
    assert loc.answerable("article") and not loc.answerable("clause")
    # section path of a document without articles
    loc = r.resolve(GoldRef("01-CTr/TU", 2022, "II.2"))
    assert loc.article_id == "ctr-x-2022/II/2" and loc.in_corpus
    # labels as sources write them
    assert r.resolve(GoldRef("22-QĐ/TW", 2021, "Điều 29", "2.", "2.2.")).clause_id == "qd-22-2021/d29/k2/2.2"


# ---- runner + report ----------------------------------------------------------------------------------------


class FakeSearcher:
    """Returns fixed Hits per (mode, query); reports a fixed 'total' latency per mode like the real Searcher."""

    def __init__(self, results: dict[str, dict[str, list[str]]], totals: dict[str, list[float]] | None = None):
        self.documents = DOCS
        self.clauses = CLAUSES
        self.results = results
        self.totals = {m: list(v) for m, v in (totals or {}).items()}
        self.last_timings: dict[str, float] = {}
        self.calls: list[tuple[str, str]] = []

    def search(self, query: str, k: int = 10, mode: str = "fused") -> list[Hit]:
        self.calls.append((mode, query))
        ids = self.results.get(mode, {}).get(query, [])[:k]
        hits = []
        for i, cid in enumerate(ids, start=1):
            c = self.clauses[cid]
            hits.append(Hit(clause=c, document=self.documents[c.doc_id], score=1.0, rank=i, citation=f"cite {cid}"))
        if mode in self.totals:
            seq = self.totals[mode]
            self.last_timings = {"embed": 1.0, "total": seq.pop(0) if len(seq) > 1 else seq[0]}
        return hits


def _q(qid: str, text: str, gold: list[GoldRef], kind: str = "qa") -> Question:
    return Question(id=qid, question=text, gold=gold, kind=kind)


QUESTIONS = [
    # in corpus: gold point; fused finds its khoản at rank 1 (ancestor: clause-level miss), the point at rank 2
    _q("q1", "đình chỉ sinh hoạt", [GoldRef("22-QĐ/TW", 2021, "29", "2", "2.2")], "case"),
    # two gold, one outside the corpus (article 20 missing from the partial document)
    _q("q2", "tố cáo", [GoldRef("22-QĐ/TW", 2021, "3", "7"), GoldRef("22-QĐ/TW", 2021, "20", "5")]),
    # gold entirely outside the corpus (QĐ 296 has no text)
    _q("q3", "bầu ủy ban kiểm tra", [GoldRef("296-QĐ/TW", 2025, "7")], "quiz"),
    # in corpus, never found by fused
    _q("q4", "quyền đảng viên", [GoldRef("Điều lệ Đảng", 2011, "9")], "quiz"),
]
FUSED = {
    "đình chỉ sinh hoạt": ["qd-22-2021/d29/k2", "qd-22-2021/d11/k1"],
    "tố cáo": ["qd-22-2021/d11/k1", "qd-22-2021/d3/k7"],
    "bầu ủy ban kiểm tra": ["qd-22-2021/d8/k1"],
    "quyền đảng viên": ["dieu-le-dang-2011/d8/k3", "qd-22-2021/d3/k7", "qd-22-2021/d11/k1"],
    "dinh chi sinh hoat": ["qd-22-2021/d29/k2/2.2"],
}
LEXICAL = {"quyền đảng viên": ["dieu-le-dang-2011/d9/k1"]}


def _report(**kw):
    s = FakeSearcher({"fused": FUSED, "lexical": LEXICAL}, {"fused": [10.0, 20.0, 30.0, 40.0]})
    return run_eval(QUESTIONS, s, systems=("fused", "lexical"), dataset="fake.jsonl", **kw), s


def test_runner_scores_all_and_answerable():
    rep, _ = _report(with_nodiacritics=False)
    f = rep.systems["fused"].scores
    # article level, answerable (q3 left out; q2 only gold d3):
    #   q1 gold d29 at 1 -> R@1 1; q2 gold d3 at 2 -> R@1 0, RR 1/2; q4 gold dieu-le d9 never -> 0
    #   R@1 = (1 + 0 + 0) / 3 = 1/3; MRR = (1 + 1/2 + 0) / 3 = 0.5; R@5 = (1 + 1 + 0) / 3 = 2/3
    ans = f["answerable"]["overall"]["article"]
    assert ans.n == 3
    assert ans.values["recall@1"] == pytest.approx(1 / 3)
    assert ans.values["recall@5"] == pytest.approx(2 / 3)
    assert ans.values["mrr@10"] == pytest.approx(0.5)
    # nDCG: q1 1.0; q2 1/log2(3) = 0.6309298; q4 0 -> mean 0.5436433
    assert ans.values["ndcg@10"] == pytest.approx((1 + 1 / L2_3) / 3)
    # all questions (n = 4): q2 has 2 gold, one unreachable -> R@5 1/2; q3 0
    #   R@5 = (1 + 0.5 + 0 + 0) / 4 = 0.375; MRR = (1 + 0.5 + 0 + 0) / 4 = 0.375
    #   nDCG q2 = (1/log2 3) / (1 + 1/log2 3) = 0.6309298 / 1.6309298 = 0.3868528
    every = f["all"]["overall"]["article"]
    assert every.n == 4
    assert every.values["recall@5"] == pytest.approx(0.375)
    assert every.values["mrr@10"] == pytest.approx(0.375)
    assert every.values["ndcg@10"] == pytest.approx((1 + (1 / L2_3) / (1 + 1 / L2_3)) / 4)
    # clause level, answerable: q1 gold point 2.2, fused returned only its khoản (an ancestor) -> 0;
    #   q2 gold d3/k7 at 2 -> RR 1/2; q4 gold d9 (article) never -> 0. MRR = 0.5 / 3
    cl = f["answerable"]["overall"]["clause"]
    assert cl.n == 3 and cl.values["mrr@10"] == pytest.approx(0.5 / 3)
    # per kind
    assert f["answerable"]["case"]["article"].values["recall@1"] == 1.0
    assert "quiz" in f["all"] and f["all"]["quiz"]["article"].n == 2 and f["answerable"]["quiz"]["article"].n == 1
    assert rep.answerable == {"article": 3, "clause": 3, "document": 3}  # QĐ 296 has no text: no document
    assert [g.status for g in rep.gold] == ["in corpus", "partly in corpus", "not in corpus", "in corpus"]


def test_runner_lexical_baseline_and_misses():
    rep, _ = _report(with_nodiacritics=False)
    lex = rep.systems["lexical"]
    # lexical finds only q4 (d9/k1 inside gold article d9) at rank 1: article MRR answerable = 1/3
    assert rep.score("lexical", "article", "mrr@10") == pytest.approx(1 / 3)
    # clause level: the gold is the whole article d9, the returned khoản is inside it -> a clause-level hit
    assert lex.scores["answerable"]["overall"]["clause"].values["recall@1"] == pytest.approx(1 / 3)
    assert [m.id for m in lex.misses] == ["q1", "q2"]
    # fused misses: only q4 (answerable, gold article not in top 5); q3 is not in corpus, not a miss
    misses = rep.systems["fused"].misses
    assert [m.id for m in misses] == ["q4"]
    m = misses[0]
    assert m.gold == ["dieu-le-dang-2011/d9"] and m.article_rank is None
    assert [t.clause_id for t in m.top] == FUSED["quyền đảng viên"]  # the top 3 returned
    assert m.top[0].citation == "cite dieu-le-dang-2011/d8/k3"
    assert len(m.top[0].snippet) == 120 and m.top[0].snippet.endswith("…")


def test_runner_latency_from_searcher_timings():
    rep, s = _report(with_nodiacritics=False)
    # warm-up query (not timed) takes the first value 10; the 4 timed queries see 20, 30, 40, 40
    # p50 of [20, 30, 40, 40] = 35; p95 at 3 * 0.95 = 2.85 -> 40
    lat = rep.systems["fused"].latency_ms
    assert lat["p50"] == pytest.approx(35.0) and lat["p95"] == pytest.approx(40.0) and lat["n"] == 4
    assert lat["mean_embed"] == 1.0
    assert s.calls[0] == ("fused", QUESTIONS[0].question)  # the warm-up
    # lexical has no timings in the fake: wall-clock is used, small and non-negative
    assert 0 <= rep.systems["lexical"].latency_ms["p95"] < 1000


def test_nodiacritics_copies_are_their_own_group():
    copies = nodiacritics_copies(QUESTIONS)
    assert copies[0].id == "q1~nd" and copies[0].question == "dinh chi sinh hoat" and copies[0].kind == "nodiacritics"
    assert copies[0].generated_from == "q1" and copies[0].gold == QUESTIONS[0].gold
    assert nodiacritics_copies([_q("x", "abc", [GoldRef("a", 1, "1")])]) == []  # nothing to strip
    rep, _ = _report()
    assert rep.n_generated == 4
    f = rep.systems["fused"].scores
    # overall is still the file's 4 questions; the copies form "nodiacritics"
    assert f["all"]["overall"]["article"].n == 4
    nd = f["answerable"]["nodiacritics"]
    # copies: q1~nd finds the point 2.2 at rank 1 (article and clause hit); q2~nd, q4~nd nothing
    assert nd["article"].n == 3 and nd["article"].values["recall@1"] == pytest.approx(1 / 3)
    assert nd["clause"].values["recall@1"] == pytest.approx(1 / 3)


def test_ties_and_also_in_runner():
    c = CLAUSES
    q = [_q("t", "t", [GoldRef("22-QĐ/TW", 2021, "3", "7")])]

    class Tied(FakeSearcher):
        def search(self, query, k=10, mode="fused"):
            a = Hit(clause=c["qd-22-2021/d11/k1"], document=DOCS["qd-22-2021"], score=0.5, rank=2, citation="")
            b = Hit(clause=c["qd-22-2021/d29/k2"], document=DOCS["qd-22-2021"], score=0.5, rank=1, citation="")
            b.also = [c["qd-22-2021/d3/k7"]]  # `also` is not counted at clause level
            g = Hit(clause=c["qd-22-2021/d3/k7"], document=DOCS["qd-22-2021"], score=0.5, rank=1, citation="")
            return [a, b, g]  # equal scores, contradictory rank fields: the list order is what counts

    rep = run_eval(q, Tied({}), systems=("fused",), with_nodiacritics=False)
    assert rep.score("fused", "article", "mrr@10") == pytest.approx(1 / 3)
    assert rep.score("fused", "clause", "mrr@10") == pytest.approx(1 / 3)


def test_document_level_scoring():
    doc_only = _q("p1", "văn bản nào", [GoldRef("22-QĐ/TW", 2021, None)], "quiz")
    no_text = _q("p2", "quy định mới", [GoldRef("296-QĐ/TW", 2025, None)], "quiz")
    mixed = _q("p3", "điều lệ và kỷ luật", [GoldRef("Điều lệ Đảng", 2011, None), GoldRef("22-QĐ/TW", 2021, "29")])
    runs = {
        "văn bản nào": ["dieu-le-dang-2011/d8/k3", "qd-22-2021/d11/k1", "qd-22-2021/d3/k7"],
        "quy định mới": ["qd-22-2021/d8/k1"],
        "điều lệ và kỷ luật": ["qd-22-2021/d11/k1", "qd-22-2021/d3/k7", "dieu-le-dang-2011/d8/k3"],
    }
    s = FakeSearcher({"fused": runs})
    rep = run_eval([doc_only, no_text, mixed], s, systems=("fused",), with_nodiacritics=False)
    sc = rep.systems["fused"].scores
    # document level, answerable: p2's document has no text (left out).
    #   p1: gold doc qd-22-2021 at rank 2 -> R@1 0, R@5 1, RR 1/2, nDCG 1/log2(3) = 0.6309298
    #   p3: gold docs {dieu-le, qd-22-2021}; ranked docs [qd-22, qd-22, dieu-le]: gains [1, 0, 1] (the repeat earns
    #   nothing) -> R@1 1/2, R@5 1, RR 1, nDCG (1 + 1/log2(4)) / (1 + 1/log2(3)) = 1.5 / 1.6309298 = 0.9197148
    doc = sc["answerable"]["overall"]["document"]
    assert doc.n == 2
    assert doc.values["recall@1"] == pytest.approx(0.25) and doc.values["recall@5"] == 1.0
    assert doc.values["mrr@10"] == pytest.approx(0.75)
    assert doc.values["ndcg@10"] == pytest.approx((1 / L2_3 + 1.5 / (1 + 1 / L2_3)) / 2)
    # all questions: p2 counts as not found -> MRR (0.5 + 0 + 1) / 3
    assert sc["all"]["overall"]["document"].n == 3 and rep.score("fused", "document", "mrr@10", "all") == 0.5
    # article and clause level: only p3's article gold (d29, never returned); the document-only items are not
    # questions at those levels, in either scope (not counted as unreachable)
    for scope in ("answerable", "all"):
        for level in ("article", "clause"):
            assert sc[scope]["overall"][level].n == 1 and sc[scope]["overall"][level].values["recall@10"] == 0.0
    assert "quiz" not in sc["answerable"] or "article" not in sc["answerable"]["quiz"]
    assert rep.answerable == {"article": 1, "clause": 1, "document": 2}
    qr = {q.id: q for q in rep.systems["fused"].questions}
    assert (qr["p1"].document_rank, qr["p1"].article_rank, qr["p3"].document_rank) == (2, None, 1)
    assert rep.systems["fused"].misses[0].id == "p3" and len(rep.systems["fused"].misses) == 1
    # gold listing: the document-only gold is in corpus; the one whose document has no text is not
    assert [g.status for g in rep.gold] == ["in corpus", "not in corpus", "in corpus"]
    assert rep.gold[1].locations[0].reason == "document qd-296-2025 has no text in the corpus"
    assert "296-QĐ/TW (2025): document qd-296-2025 has no text" in format_table(rep)


PAIRED_GOLD = {  # question -> gold article; each system's rank of it below
    "p1": ("22-QĐ/TW", "29", "qd-22-2021/d29/k2"),
    "p2": ("22-QĐ/TW", "11", "qd-22-2021/d11/k1"),
    "p3": ("22-QĐ/TW", "3", "qd-22-2021/d3/k7"),
    "p4": ("Điều lệ Đảng", "9", "dieu-le-dang-2011/d9/k1"),
    "p5": ("Điều lệ Đảng", "8", "dieu-le-dang-2011/d8/k3"),
}
FILLER = ["qd-22-2021/d8/k1", "qd-22-2017/d29/k2", "ctr-x-2022/II/2/1.1"]  # never gold here


def _ranking(hit: str, rank: int | None) -> list[str]:
    """A ranking with `hit` at `rank` (1-based) among filler, or no hit at all."""
    if rank is None:
        return list(FILLER)
    return FILLER[: rank - 1] + [hit] + FILLER[rank - 1 :]


def test_paired_comparison_counts_wins_on_hand_made_rankings():
    from eval.stats import default_pairs, paired_comparison, paired_table

    a_ranks = {"p1": 1, "p2": 2, "p3": None, "p4": 1, "p5": 3}
    b_ranks = {"p1": 2, "p2": 2, "p3": 1, "p4": None, "p5": 1}
    questions = [
        _q(qid, f"câu hỏi {qid}", [GoldRef(doc, 2011 if doc.startswith("Đ") else 2021, art)])
        for qid, (doc, art, _) in PAIRED_GOLD.items()
    ]
    runs = {
        mode: {f"câu hỏi {qid}": _ranking(PAIRED_GOLD[qid][2], ranks[qid]) for qid in PAIRED_GOLD}
        for mode, ranks in (("fused", a_ranks), ("lexical", b_ranks))
    }
    rep = run_eval(questions, FakeSearcher(runs), systems=("fused", "lexical"))  # with no-diacritics copies
    mrr = paired_comparison(rep, "fused", "lexical", "article", "mrr@10")
    # RR fused [1, 1/2, 0, 1, 1/3], lexical [1/2, 1/2, 1, 0, 1]: fused wins p1, p4; lexical p3, p5; tie p2
    # differences [1/2, 0, -1, 1, -2/3]: mean -1/6 / 5 = -0.0333; the copies (group nodiacritics) are not paired
    assert (mrr.n, mrr.a_wins, mrr.b_wins, mrr.ties) == (5, 2, 2, 1)
    assert mrr.mean_diff == pytest.approx((0.5 + 0 - 1 + 1 - 2 / 3) / 5)
    assert mrr.lo <= mrr.mean_diff <= mrr.hi and mrr.lo < 0 < mrr.hi
    # Recall@5: fused [1, 1, 0, 1, 1], lexical [1, 1, 1, 0, 1]: one win each, three ties, mean 0
    r5 = paired_comparison(rep, "fused", "lexical", "article", "recall@5")
    assert (r5.a_wins, r5.b_wins, r5.ties, r5.mean_diff) == (1, 1, 3, 0.0)
    # swapping the systems swaps the counts and negates the difference
    rev = paired_comparison(rep, "lexical", "fused", "article", "mrr@10")
    assert (rev.a_wins, rev.b_wins) == (2, 2) and rev.mean_diff == pytest.approx(-mrr.mean_diff)
    assert rev.lo == pytest.approx(-mrr.hi) and rev.hi == pytest.approx(-mrr.lo)
    # on the no-diacritics copies both systems return nothing: 5 ties
    nd = paired_comparison(rep, "fused", "lexical", "article", "mrr@10", group="nodiacritics")
    assert (nd.n, nd.ties, nd.mean_diff, nd.lo, nd.hi) == (5, 5, 0.0, 0.0, 0.0)
    assert [(p.a, p.b, p.metric) for p in paired_table(rep)] == [
        ("fused", "lexical", "mrr@10"),
        ("fused", "lexical", "recall@5"),
    ]
    assert default_pairs(["fused", "lexical", "dense"]) == [("fused", "lexical"), ("fused", "dense")]
    assert default_pairs(["fused", "candidate", "dense"]) == [("fused", "dense"), ("candidate", "fused")]
    with pytest.raises(KeyError, match="dense"):
        paired_comparison(rep, "fused", "dense")


def test_callable_systems():
    s = FakeSearcher({})
    rep = run_eval(
        QUESTIONS[:1], s, systems={"other-model": lambda query, k: s.search(query, k, mode="x")},
        with_nodiacritics=False,
    )  # fmt: skip
    assert list(rep.systems) == ["other-model"] and rep.score("other-model", "article", "recall@10") == 0.0


def test_report_outputs(tmp_path):
    rep, _ = _report()
    text = format_table(rep)
    assert "Answerable questions" in text and "All questions" in text and "bootstrap interval" in text
    # one row per system under each kind/level, each figure with its interval (fused article MRR 0.5, n = 3)
    block = text.split("\n\n")[1].splitlines()[1:]
    header, first, second = block[0], block[1], block[2]
    assert header.split() == ["kind", "level", "n", "system", "R@1", "R@5", "R@10", "MRR", "nDCG"]
    assert first.split()[:4] == ["overall", "article", "3", "fused"] and "0.500 [0.00–1.00]" in first
    assert second.split()[0] == "lexical"
    # aligned: the system names and the first figure start under their column heads in every row
    assert {line.index("[") for line in block[1:]} == {first.index("[")}
    assert first.index("fused") == second.index("lexical") == header.index("system")
    # the document level has its own row (fused finds every gold document at rank 1)
    assert any(line.split()[:3] == ["document", "3", "fused"] and "1.000 [1.00–1.00]" in line for line in block)
    # paired comparison: fused vs lexical on q1, q2, q4 (article MRR: 1 vs 0, 0.5 vs 0, 0 vs 1)
    assert "fused  lexical  MRR@10  3       2       1     0  +0.167 [" in text
    # per-document rows: q1 and q2 under 22-QĐ/TW 2021, q4 under Điều lệ Đảng
    docs = text.split("By gold document")[1].split("\n\n")[0].splitlines()
    assert docs[2].split()[:4] == ["dieu-le-dang-2011", "article", "1", "fused"]
    assert docs[4].split()[:5] == ["qd-22-2021", "article", "2", "fused", "1.000"]
    assert "296-QĐ/TW (2025) Điều 7" in text and "not in corpus" in text
    assert "Misses of fused" in text and "cite dieu-le-dang-2011/d8/k3" in text
    assert "Misses of lexical: 5: q1, q2, q1~nd, q2~nd, q4~nd" in text
    data = to_json(rep)
    json.dumps(data, ensure_ascii=False)
    art = data["systems"]["fused"]["scores"]["answerable"]["overall"]["article"]
    assert art["mrr@10"] == pytest.approx(0.5) and art["ci95"]["mrr@10"]["lo"] <= 0.5 <= art["ci95"]["mrr@10"]["hi"]
    assert data["systems"]["fused"]["scores"]["answerable"]["doc:qd-22-2021"]["article"]["n"] == 2
    assert data["paired"][0]["a"] == "fused" and data["paired"][0]["a_wins"] == 2
    assert data["bootstrap"] == {"resamples": 2000, "seed": 0, "confidence": 0.95}
    assert data["gold"][2]["status"] == "not in corpus"
    md, png = write_markdown(rep, tmp_path / "out" / "report.md")
    assert png == tmp_path / "out" / "report.png" and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    body = md.read_text(encoding="utf-8")
    assert "![" in body and "(report.png)" in body and "| kind | level | n | system |" in body
    assert "| overall | article | 3 | fused | 0.333 [0.00–1.00] |" in body
    assert "| fused | lexical | MRR@10 | 3 | 2 | 1 | 0 | +0.167 [" in body and "| qd-22-2021 | article | 2 |" in body


def test_regression_check(tmp_path):
    rep, _ = _report(with_nodiacritics=False)
    path = write_baseline(rep, tmp_path / "reg.yaml", tolerance=0.02)
    assert check_regression(rep, path) == []
    base = load_baseline(path)
    assert base["groups"]["overall"]["fused"]["article"]["mrr@10"] == 0.5 and has_values(base)
    assert "recall@1" not in base["groups"]["overall"]["fused"]["article"]  # too noisy at this size to lock
    # a baseline above the current score by more than the tolerance fails; within tolerance does not
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("mrr@10: 0.5,", "mrr@10: 0.6,", 1), encoding="utf-8")
    problems = check_regression(rep, path)
    assert len(problems) == 1 and problems[0].startswith("overall fused article mrr@10: 0.500 < 0.600"), problems
    path.write_text(text.replace("mrr@10: 0.5,", "mrr@10: 0.515,", 1), encoding="utf-8")
    assert check_regression(rep, path) == []
    # and in the other direction: a gain beyond the tolerance that was not re-recorded is reported, with the command
    path.write_text(text.replace("mrr@10: 0.5,", "mrr@10: 0.4,", 1), encoding="utf-8")
    problems = check_regression(rep, path)
    assert len(problems) == 1 and "0.500 > 0.400" in problems[0] and "python -m eval.regression" in problems[0]
    # the shipped baseline holds measured numbers for both question groups
    from eval.regression import BASELINE_PATH

    shipped = load_baseline(BASELINE_PATH)
    assert isinstance(shipped["tolerance"], float) and has_values(shipped)
    assert set(shipped["groups"]) == {"overall", "nodiacritics"}


def test_main_eval_exit_codes(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "q", "gold": [], "kind": "qa"}\n', encoding="utf-8")
    assert main_eval(bad, FakeSearcher({}), False, None, None) == 2
    assert "bad.jsonl:1: 'gold' is empty" in capsys.readouterr().err
    assert main_eval(tmp_path / "missing.jsonl", FakeSearcher({}), False, None, None) == 2
    good = tmp_path / "good.jsonl"
    line = {"id": "q1", "question": "đình chỉ sinh hoạt", "kind": "case",
            "gold": [{"doc": "22-QĐ/TW", "year": 2021, "article": "29", "clause": "2", "point": "2.2"}]}  # fmt: skip
    good.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    s = FakeSearcher({"fused": FUSED})
    # scores of zero still exit 0
    assert main_eval(good, s, True, None, ["lexical"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["systems"]["lexical"]["scores"]["answerable"]["overall"]["article"]["recall@10"] == 0.0
    assert main_eval(good, s, False, tmp_path / "r.md", ["fused"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("overall"))
    # one question, gold article found at rank 1: every figure 1, the interval of one question is the point
    assert row.split()[:5] == ["overall", "article", "1", "fused", "1.000"] and "[1.00–1.00]" in row
    assert (tmp_path / "r.png").exists()


def test_regression_record_names_its_corpus_and_model(tmp_path):
    from eval.regression import check_provenance

    class Measured:
        manifest = {"corpus_hash": "c" * 64, "model": {"checksum": "m" * 64}}

    rep, _ = _report(with_nodiacritics=False)
    path = write_baseline(rep, tmp_path / "reg.yaml", measured_on={"command": "python -m eval.regression",
                                                                  "corpus_hash": "c" * 64, "model_checksum": "m" * 64})
    base = load_baseline(path)
    assert base["command"] == "python -m eval.regression" and check_provenance(base, Measured()) == []
    Measured.manifest = {"corpus_hash": "d" * 64, "model": {"checksum": "m" * 64}}
    problems = check_provenance(base, Measured())
    assert len(problems) == 1 and problems[0].startswith("corpus_hash: recorded cccc")
    assert "eval.regression" in problems[0]
