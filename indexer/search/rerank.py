"""The second stage: a learned linear ranker over the first stage's candidates (BM25 ∪ dense top-N).

Why linear and pairwise: a few hundred synthetic training queries cannot support a deep model, a weight per
feature can be read and argued with, and scoring 100 candidates is one matrix-vector product (< 0.1 ms).
The weights are written by `python -m indexer.search.rerank_train` (see there for how the training questions are
made; the dev questions are never used for training). Measured on the dev questions it lost to the fusion it
would replace, so no ranker ships and search uses one only when asked to (`FusionParams.ranker_path`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexer.corpus.models import Clause, Document
from indexer.text.tokens import plain_tokens

# Query-dependent features first, then the candidate's own (static) ones; the order is the weight order.
QUERY_FEATURES = (
    "lex",  # BM25 of the query's view, min-max over the first stage's lexical top-N (0 when not in it)
    "lex_rr",  # 1 / (1 + rank) in the lexical ranking
    "plain",  # BM25 over diacritics-free syllables (for accented queries, a second lexical view)
    "dense",  # min-max of the cosine over the candidates
    "dense_gap",  # cosine minus the best cosine of the query (absolute scale: e5 cosines are compressed)
    "dense_rr",  # 1 / (1 + rank) in the dense ranking
    "title",  # idf-weighted share of the query's syllables and bigrams found in the unit's titles and headings
    "art_support",  # how many other units of the same article are candidates (log), i.e. the article as a whole
    "art_dense",  # best min-max cosine of any unit of the same article
    "named_doc",  # the unit's document is named in the question ("qđ 69", "Điều lệ")
)
STATIC_FEATURES = (
    "dieu_le",  # the Party Statute
    "quy_dinh",  # a regulation (Quy định / Quyết định)
    "guidance",  # Hướng dẫn, Kết luận
    "plan",  # a programme or plan (not a rule)
    "news",  # news and commentary (normative: false)
    "replaced",  # replaced by a document whose text is in the corpus
    "partial",  # partial document (some of its text missing)
    "lvl_article",  # an article without khoản (the unit is the whole article)
    "lvl_point",  # a point or deeper item
    "paragraph",  # an unnumbered paragraph or a programme item
    "log_len",  # log of the verbatim text length / 100
)
FEATURES = QUERY_FEATURES + STATIC_FEATURES


@dataclass
class Ranker:
    """A weight per feature; `score(X) = X @ weights` (features are already on comparable 0–1-ish scales)."""

    weights: np.ndarray
    features: tuple[str, ...] = FEATURES
    meta: dict = field(default_factory=dict)

    def score(self, x: np.ndarray) -> np.ndarray:
        return x @ self.weights

    def to_dict(self) -> dict:
        return {
            "features": list(self.features),
            "weights": [round(float(w), 6) for w in self.weights],
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Ranker:
        names = tuple(data["features"])
        if names != FEATURES:
            raise ValueError(f"ranker features {names} differ from this version's {FEATURES}: retrain the ranker")
        return cls(np.asarray(data["weights"], dtype=np.float64), names, dict(data.get("meta", {})))

    def save(self, path: Path) -> None:
        from indexer.atomic import atomic_write_text

        atomic_write_text(path, json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n")


def load_ranker(path: Path) -> Ranker:
    """A ranker written by `python -m indexer.search.rerank_train` (none ships: see FusionParams.ranker_path)."""
    return Ranker.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _doc_flags(doc: Document, replaced: bool) -> list[float]:
    t = doc.type
    return [
        float(t == "dieu-le"),
        float(t in ("quy-dinh", "quyet-dinh", "quy-che")),
        float(t in ("huong-dan", "ket-luan")),
        float(doc.is_plan),
        float(not doc.normative),
        float(replaced),
        float(doc.is_partial),
    ]


class StaticFeatures:
    """Per-unit features that do not depend on the query, and the title tokens, computed once per index."""

    def __init__(
        self,
        unit_ids: list[str],
        clauses: dict[str, Clause],
        documents: dict[str, Document],
        replaced_docs: set[str],
        group_of: list[str],
    ) -> None:
        rows = []
        titles: list[set[str]] = []
        for cid in unit_ids:
            c = clauses[cid]
            doc = documents[c.doc_id]
            level = c.level
            rows.append(
                _doc_flags(doc, c.doc_id in replaced_docs)
                + [
                    float(level == "article"),
                    float(level in ("point", "subitem", "subsubitem")),
                    float(level in ("paragraph", "item", "preamble")),
                    math.log1p(len(c.text) / 100.0),
                ]
            )
            words = " ".join(x for x in (*c.heading, c.title) if x)
            titles.append(set(plain_tokens(words)))  # syllables and bigrams: "thoi_hieu" is the topic, "hieu" is not
        self.matrix = np.asarray(rows, dtype=np.float64)
        self.titles = titles
        df: dict[str, int] = {}
        for s in titles:
            for t in s:
                df[t] = df.get(t, 0) + 1
        n = max(len(titles), 1)
        self.idf = {t: math.log((n + 1) / (d + 0.5)) for t, d in df.items()}
        self.max_idf = math.log((n + 1) / 0.5)
        self.group_of = group_of

    def title_overlap(self, query_tokens: set[str], units: np.ndarray) -> np.ndarray:
        """Idf-weighted share of the query's syllables that the unit's titles contain (0 for an empty query)."""
        if not query_tokens:
            return np.zeros(len(units))
        weights = {t: self.idf.get(t, self.max_idf) for t in query_tokens}
        total = sum(weights.values())
        return np.array([sum(w for t, w in weights.items() if t in self.titles[u]) / total for u in units.tolist()])


def candidate_matrix(
    static: StaticFeatures,
    units: np.ndarray,
    lex_norm: np.ndarray,
    lex_rank: np.ndarray,
    plain_norm: np.ndarray,
    cosine: np.ndarray,
    dense_rank: np.ndarray,
    query_text: str,
    named: np.ndarray,
) -> np.ndarray:
    """The feature rows of the candidates `units` (all per-candidate inputs aligned with `units`).

    Ranks are 0-based, -1 when the unit was not in that ranking.
    """
    n = len(units)
    x = np.zeros((n, len(FEATURES)), dtype=np.float64)
    if n == 0:
        return x
    x[:, 0] = lex_norm
    x[:, 1] = np.where(lex_rank >= 0, 1.0 / (2.0 + lex_rank), 0.0)
    x[:, 2] = plain_norm
    lo, hi = float(cosine.min()), float(cosine.max())
    x[:, 3] = (cosine - lo) / (hi - lo) if hi - lo > 1e-9 else 1.0
    x[:, 4] = (cosine - hi) * 10.0
    x[:, 5] = np.where(dense_rank >= 0, 1.0 / (2.0 + dense_rank), 0.0)
    qtok = set(plain_tokens(query_text))
    x[:, 6] = static.title_overlap(qtok, units)
    groups = [static.group_of[u] for u in units.tolist()]
    count: dict[str, int] = {}
    best: dict[str, float] = {}
    for g, d in zip(groups, x[:, 3].tolist(), strict=True):
        count[g] = count.get(g, 0) + 1
        best[g] = max(best.get(g, 0.0), d)
    x[:, 7] = [math.log(count[g]) for g in groups]
    x[:, 8] = [best[g] for g in groups]
    x[:, 9] = named
    x[:, len(QUERY_FEATURES) :] = static.matrix[units]
    return x
