"""The questions each bundled clause answers (indexer.corpus.questions): tied to the clause text, indexed in BM25
and as their own vectors, mixed into the dense score exactly as documented."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from indexer.corpus.questions import QUESTIONS_FILE, clause_sha, load_questions
from indexer.index import freshness, store
from indexer.index.build import build_index
from indexer.search.searcher import FusionParams, Searcher

CORE = ("dieu-le-dang-2011", "qd-69-2022", "qd-22-2021", "qd-37-2021", "qd-205-2019", "qd-114-2023", "hd-02-2021")


def test_every_bundled_entry_matches_its_clause(searcher):
    """A corpus copy that changes a clause's text must come with new questions for it (or lose them knowingly)."""
    asked = load_questions(searcher.clauses)
    assert asked.stale == []
    lines = [json.loads(x) for x in QUESTIONS_FILE.read_text(encoding="utf-8").splitlines() if x.strip()]
    assert len(asked.by_clause) == len(lines) > 600
    indexed = set(searcher.unit_ids)
    for doc in CORE:  # every indexed clause of the regulations people ask about has questions
        units = [u for u in indexed if u.startswith(doc + "/")]
        assert units and all(u in asked.by_clause for u in units), doc
    for qs in asked.by_clause.values():
        assert 1 <= len(qs) <= 8 and all(3 <= len(q.split()) <= 45 for q in qs)


def test_a_changed_clause_loses_its_questions(searcher):
    cid = "dieu-le-dang-2011/d36/k1"
    clauses = dict(searcher.clauses)
    clauses[cid] = dataclasses.replace(clauses[cid], text=clauses[cid].text.replace("khai trừ", "khai trư", 1))
    assert clause_sha(clauses[cid].text) != clause_sha(searcher.clauses[cid].text)
    asked = load_questions(clauses)
    assert cid not in asked.by_clause and asked.stale == [cid]
    others = {k: v for k, v in clauses.items() if not k.startswith("dieu-le-dang-2011/")}
    assert load_questions(others).stale == []  # a document not being indexed: its entries are simply unused


def test_the_index_holds_the_questions(searcher, built_index):
    asked = load_questions(searcher.clauses)
    assert built_index["counts"]["questions"] == asked.count == searcher.questions.size
    assert built_index["questions_digest"] == asked.digest
    norms = np.linalg.norm(np.asarray(searcher.questions.vectors), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-4)
    owners = {searcher.unit_ids[i] for i in searcher.questions.owners}
    assert owners == set(asked.by_clause) & set(searcher.unit_ids)
    units = json.loads(store.IndexPaths(searcher.version_dir).units.read_text(encoding="utf-8"))["units"]
    unit = next(u for u in units if u["clause_id"] == "dieu-le-dang-2011/d36/k1")
    assert unit["questions"] and all(q in unit["lexical_text"] for q in unit["questions"])  # BM25 reads them
    assert not any(q in unit["dense_text"] for q in unit["questions"])  # the clause's own vector does not


def test_dense_scores_mix_clause_and_questions_exactly(searcher):
    """The faiss shortlist plus every unit with questions gives the same top 100 as scoring every unit."""
    w = searcher.params.question_weight
    assert w == FusionParams().question_weight > 0
    qv = searcher.embedder.encode_query("đảng viên bị đuổi ra khỏi Đảng thì ai quyết định")
    order, scores = searcher._dense_order(qv, None, 100)
    full = np.asarray(searcher.embeddings) @ qv
    owners, best = searcher.questions.best(qv)
    for o, b in zip(owners, best, strict=True):
        rows = np.flatnonzero(np.asarray(searcher.questions.units) == o)
        assert np.isclose(b, float((np.asarray(searcher.questions.vectors)[rows] @ qv).max()), atol=1e-6)
        full[o] = (1 - w) * full[o] + w * b
    expect = np.argsort(-full, kind="stable")[:100]
    assert order.tolist() == expect.tolist() and np.allclose(scores, full[expect], atol=1e-6)
    allowed = searcher.unit_docs == "qd-69-2022"  # a filter scores within the document the same way
    f_order, f_scores = searcher._dense_order(qv, allowed, 10)
    keep = np.flatnonzero(allowed)
    f_expect = keep[np.argsort(-full[keep], kind="stable")[:10]]
    assert f_order.tolist() == f_expect.tolist() and np.allclose(f_scores, full[f_expect], atol=1e-6)


def test_a_question_in_the_file_finds_its_clause_by_meaning(searcher):
    """Dense only: each of the first questions of some clauses ranks its clause's article in the top 3."""
    asked = load_questions(searcher.clauses)
    found = 0
    picks = [cid for cid in sorted(asked.by_clause) if cid.startswith(("qd-69-2022/d", "dieu-le-dang-2011/d"))][::15]
    for cid in picks:
        hits = searcher.search(asked.by_clause[cid][0], k=3, mode="dense")
        found += any(searcher.article_of(h.clause.id) == searcher.article_of(cid) for h in hits)
    assert len(picks) >= 10 and found >= 0.8 * len(picks)


def test_changed_questions_make_the_index_stale(searcher, index_settings, built_index):
    report = freshness.check(index_settings, {**built_index, "questions_digest": "0" * 64})
    assert not report.fresh and report.questions_changed
    assert "câu hỏi mẫu" in report.message() and "soi build" in report.message()
    assert freshness.check(index_settings, built_index).questions_changed is False


def test_rebuild_reuses_question_vectors(tmp_path, embedder):
    """An unchanged corpus re-embeds no question; the small corpus's copied regulations keep their questions."""
    from tests.test_index_store import _settings, _small_corpus

    s = _settings(tmp_path, _small_corpus(tmp_path))
    first = build_index(s, embedder=embedder)
    assert first["counts"]["questions"] == first["counts"]["questions_embedded_now"] > 0
    again = build_index(s, embedder=embedder)
    assert again["counts"]["questions_embedded_now"] == 0
    assert again["counts"]["questions"] == first["counts"]["questions"]
    old = np.load(Path(store.current_version(s.index_dir)) / "questions.npy")
    opened = Searcher.open(s, embedder=embedder)
    assert np.array_equal(np.asarray(opened.questions.vectors), old)
