"""The dense model's query-side adapter: stored keyed to the model, applied to the dense ranking, trained by numpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from eval.adapter_train import article_mrr, embed, labels, loss_and_grad, template_queries, train
from eval.levers import lever_configs
from indexer.search.adapter import QueryAdapter, load_adapter
from indexer.search.searcher import FusionParams


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


def test_round_trip_and_fallbacks(tmp_path):
    rng = np.random.default_rng(0)
    matrix = (np.eye(8) + 0.1 * rng.standard_normal((8, 8))).astype(np.float32)
    path = QueryAdapter(matrix, "sha256:model-a", {"command": "test"}).save(tmp_path / "a.npz")
    loaded = load_adapter(path, "sha256:model-a")
    assert loaded is not None and np.array_equal(loaded.matrix, matrix) and loaded.meta["command"] == "test"
    q = _unit(rng.standard_normal(8))
    out = loaded.apply(q)
    assert abs(float(np.linalg.norm(out)) - 1.0) < 1e-5
    assert np.allclose(out, _unit(matrix @ q), atol=1e-6)
    assert np.allclose(QueryAdapter(np.eye(8, dtype=np.float32), "x").apply(q), q, atol=1e-6)
    # another model's adapter, a missing file and a damaged one are not applied
    assert load_adapter(path, "sha256:model-b") is None
    assert load_adapter(tmp_path / "missing.npz", "sha256:model-a") is None
    (tmp_path / "bad.npz").write_bytes(b"not an npz")
    assert load_adapter(tmp_path / "bad.npz", "sha256:model-a") is None


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    q = rng.standard_normal((5, 6))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    p = rng.standard_normal((7, 6))
    p /= np.linalg.norm(p, axis=1, keepdims=True)
    pos = np.zeros((5, 7))
    pos[np.arange(5), [0, 2, 2, 4, 6]] = 1.0
    pos[0, 1] = 1.0  # an article with two units
    w = np.eye(6) + 0.1 * rng.standard_normal((6, 6))
    _, grad = loss_and_grad(w, q, p, pos, 0.1, 0.05)
    eps = 1e-6
    for i, j in [(0, 0), (1, 3), (5, 2), (4, 4)]:
        d = np.zeros_like(w)
        d[i, j] = eps
        numeric = (loss_and_grad(w + d, q, p, pos, 0.1, 0.05)[0] - loss_and_grad(w - d, q, p, pos, 0.1, 0.05)[0])
        assert abs(numeric / (2 * eps) - grad[i, j]) < 1e-5


def test_levers_row_compares_dense_with_dense():
    configs = lever_configs(None, Path("adapter.npz"))
    assert configs["query adapter (dense side)"] == {"adapter_path": "adapter.npz"}
    assert configs["dense only + query adapter"]["vs"] == "dense only"
    assert "query adapter (dense side)" not in lever_configs(None)


def test_adapter_changes_the_dense_ranking_and_falls_back(searcher, tmp_path):
    query = "thời hiệu kỷ luật đảng viên"
    q = np.asarray(searcher.embedder.encode_query(searcher.analyze(query).dense_text), dtype=np.float32)
    order, _ = searcher.dense.search(q, 30)
    target = int(order[25])  # a unit far down the unadapted ranking, in another article than the first hit
    assert searcher.group_of[target] != searcher.group_of[int(order[0])]
    # W q = q + 3 p_target: the adapted query points (mostly) at the target unit
    matrix = np.eye(len(q), dtype=np.float32) + 3.0 * np.outer(searcher.embeddings[target], q).astype(np.float32)
    checksum = searcher.manifest["model"]["checksum"]
    good = QueryAdapter(matrix, checksum).save(tmp_path / "good.npz")
    other = QueryAdapter(matrix, "sha256:another-model").save(tmp_path / "other.npz")
    before = [h.clause.id for h in searcher.search(query, k=5, mode="dense")]
    try:
        searcher.set_params(FusionParams(adapter_path=str(good)))
        assert searcher.adapter is not None
        adapted = searcher.search(query, k=5, mode="dense")
        assert searcher.article_of(adapted[0].clause.id) == searcher.group_of[target]
        assert [h.clause.id for h in adapted] != before
        searcher.set_params(FusionParams(adapter_path=str(other)))
        assert searcher.adapter is None  # trained for another model: the ranking runs unadapted
        assert [h.clause.id for h in searcher.search(query, k=5, mode="dense")] == before
    finally:
        searcher.set_params(FusionParams())
    assert searcher.adapter is None


def test_training_fits_corpus_questions_deterministically(searcher):
    queries = template_queries(searcher, seed=13)[::10][:60]
    assert len(queries) >= 30 and all(x.text.endswith("?") for x in queries)
    q = embed(searcher, queries, progress=False)
    unit_group, gold, pos = labels(searcher, queries)
    passages = np.asarray(searcher.embeddings, dtype=np.float64)
    w = train(q, passages, pos, steps=40)
    assert np.array_equal(w, train(q, passages, pos, steps=40))
    identity = article_mrr(np.eye(q.shape[1]), q, passages, unit_group, gold).mean()
    assert article_mrr(w, q, passages, unit_group, gold).mean() > identity
    assert 0 < np.linalg.norm(w - np.eye(len(w))) < 10  # pulled toward the identity
