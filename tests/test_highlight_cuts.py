"""Word cuts stored by the build (words.json) let an answer be highlighted without running the segmenter (issue 15:
the CPU a `soi serve` request costs); they must mark exactly what the segmenter's cut marks."""

from __future__ import annotations

import hashlib
import json

import pytest

from indexer.index import store
from indexer.text import highlight as hl


@pytest.fixture
def fresh_cuts():
    """Forget what earlier tests taught the highlighter, and restore it afterwards."""
    known = dict(hl._KNOWN_WORDS)
    hl._KNOWN_WORDS.clear()
    hl.text_words.cache_clear()
    yield
    hl._KNOWN_WORDS.clear()
    hl._KNOWN_WORDS.update(known)
    hl.text_words.cache_clear()


def _no_segmenter(*_args, **_kwargs):
    raise AssertionError("the segmenter ran")


def test_stored_cuts_equal_the_segmenter_for_every_indexed_clause(searcher, fresh_cuts, monkeypatch):
    cuts = json.loads(store.IndexPaths(searcher.version_dir).highlight_words.read_text(encoding="utf-8"))
    texts = {searcher.clauses[cid].text for cid in searcher.unit_ids}
    assert set(cuts) == {hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts}
    by_segmenter = {t: hl.text_words(t) for t in texts}
    hl.text_words.cache_clear()
    hl.remember_words(cuts)
    monkeypatch.setattr(hl, "segment", _no_segmenter)
    assert all(hl.text_words(t) == by_segmenter[t] for t in texts)


def test_answers_are_highlighted_from_the_stored_cuts(searcher, fresh_cuts, monkeypatch):
    query = "Đảng viên có được kinh doanh không?"
    want = [(h.clause.id, h.highlights) for h in searcher.ask(query, k=5).hits]
    assert any(spans for _, spans in want)
    hl.text_words.cache_clear()
    hl.remember_words(json.loads(store.IndexPaths(searcher.version_dir).highlight_words.read_text(encoding="utf-8")))
    hl.query_words(query)  # the query itself is still cut by the segmenter; clauses no longer are
    hl._runs.cache_clear()
    words = hl.query_words(query)
    monkeypatch.setattr(hl, "query_words", lambda q: words if q == query else _no_segmenter())
    monkeypatch.setattr(hl, "segment", _no_segmenter)
    for clause_id, spans in want:
        assert hl.highlight_spans(searcher.clauses[clause_id].text, query) == spans


def test_cuts_that_do_not_fit_the_text_are_not_used(fresh_cuts):
    text = "Đảng viên không được kinh doanh những ngành, nghề mà pháp luật cấm."
    right = hl.text_words(text)
    hl.text_words.cache_clear()
    hl.remember_words({hashlib.sha1(text.encode("utf-8")).hexdigest(): [1, 1]})  # two syllables: not this text
    assert hl.text_words(text) == right
