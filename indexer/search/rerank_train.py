"""Train the second-stage ranker from questions made out of the corpus itself: `python -m indexer.search.rerank_train`.

No hand-written question is used, so the dev set stays a fair judge. Three kinds of training questions, each
with the article it came from as the answer:
- headings: an article's title typed as a question ("Thời hiệu kỷ luật");
- quiz: the quiz builder's own stems (a sentence of the clause with a blank or a changed value);
- sampled: 3–7 content words drawn from a clause, rarer words more likely, in text order, with one word of
  its article title in a third of them (known-item query simulation, Azzopardi et al., SIGIR 2007).
A third of each kind is typed without diacritics, as users do. The model is a linear scorer trained with a
listwise softmax loss (the answer's units against the other candidates of the same question), L2-regularised,
by full-batch gradient descent (deterministic: seeded sampling, no randomness in the optimiser).
"""

from __future__ import annotations

import argparse
import math
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.search.rerank import FEATURES, Ranker
from indexer.text.highlight import STOPWORDS
from indexer.text.normalize import fold, strip_diacritics

_WORD = re.compile(r"\w+", re.UNICODE)
DEFAULT_OUT = Path("ranker.json")


@dataclass
class TrainQuery:
    text: str
    gold_group: str  # the article (group key) that answers it
    kind: str  # "heading" | "quiz" | "sampled"


def heading_queries(searcher) -> list[TrainQuery]:
    out = []
    for c in searcher.clauses.values():
        if c.level != "article" or len(c.title.split()) < 2:
            continue
        group = searcher.article_of(c.id)
        if group is None:
            continue
        out.append(TrainQuery(re.sub(r"\s+", " ", c.title).strip(" .:;"), group, "heading"))
    return out


def quiz_queries(searcher, n: int, seed: int, exclude_clauses: frozenset[str] | set[str] = frozenset()
                 ) -> list[TrainQuery]:
    """The quiz builder's stems as questions of their source article; `exclude_clauses`: sources held out."""
    from indexer.quiz import generate_quiz

    items = generate_quiz(searcher, n=n, types=("cloze", "mc"), seed=seed)
    out = []
    for it in items:
        if it.clause_id in exclude_clauses:
            continue
        group = searcher.article_of(it.clause_id)
        if group is not None:
            out.append(TrainQuery(it.stem.replace("_____", " ").strip(), group, "quiz"))
    return out


def sampled_queries(searcher, n: int, seed: int) -> list[TrainQuery]:
    rng = random.Random(seed)
    leaves = [searcher.unit_ids[u] for u in range(len(searcher.unit_ids))]
    df: dict[str, int] = {}
    words_of: dict[str, list[str]] = {}
    for cid in leaves:
        words = [w for w in _WORD.findall(fold(searcher.clauses[cid].text)) if w not in STOPWORDS and not w.isdigit()]
        words_of[cid] = words
        for w in set(words):
            df[w] = df.get(w, 0) + 1
    total = len(leaves)
    out = []
    eligible = [cid for cid in leaves if len(set(words_of[cid])) >= 6]
    for _ in range(n):
        cid = rng.choice(eligible)
        words = words_of[cid]
        k = rng.randint(3, 7)
        weights = [math.log((total + 1) / df[w]) for w in words]
        picked = set()
        while len(picked) < min(k, len(set(words))):
            picked.add(rng.choices(range(len(words)), weights=weights)[0])
            picked = {i for i in picked if words[i] not in {words[j] for j in picked if j < i}}
        query = [words[i] for i in sorted(picked)]
        title = searcher.clauses[cid].heading
        if title and rng.random() < 1 / 3:
            extra = [w for w in _WORD.findall(fold(title[-1])) if w not in STOPWORDS and not w.isdigit()]
            if extra:
                query.insert(0, rng.choice(extra))
        group = searcher.group_of[searcher.unit_ids.index(cid)]
        out.append(TrainQuery(" ".join(query), group, "sampled"))
    return out


def make_queries(searcher, n_quiz: int = 250, n_sampled: int = 700, seed: int = 13) -> list[TrainQuery]:
    rng = random.Random(seed)
    queries = heading_queries(searcher) + quiz_queries(searcher, n_quiz, seed)
    queries += sampled_queries(searcher, n_sampled, seed)
    out = list(queries)
    for q in queries:
        if rng.random() < 1 / 3:
            out.append(TrainQuery(strip_diacritics(q.text), q.gold_group, q.kind))
    return out


@dataclass
class QueryData:
    """One question's candidates: features, whether each is in the answering article, its article."""

    x: np.ndarray
    y: np.ndarray
    groups: list[str]


def collect(searcher, queries: list[TrainQuery], progress: bool = True) -> list[QueryData]:
    data = []
    t0 = time.perf_counter()
    for i, q in enumerate(queries):
        cands = searcher.candidates(q.text, features=True)
        if len(cands.units) == 0:
            continue
        groups = [searcher.group_of[u] for u in cands.units.tolist()]
        y = np.array([g == q.gold_group for g in groups], dtype=np.float64)
        if y.sum() == 0:
            continue  # the first stage missed it: nothing for the second stage to learn from this question
        data.append(QueryData(searcher.feature_matrix(cands), y, groups))
        if progress and (i + 1) % 100 == 0:
            print(f"  {i + 1}/{len(queries)} câu hỏi ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return data


def train(data: list[QueryData], l2: float = 1e-3, steps: int = 3000, lr: float = 0.05) -> np.ndarray:
    """Listwise softmax loss: -log P(an answering unit | the query's candidates), averaged over queries (Adam)."""
    dim = data[0].x.shape[1]
    w = np.zeros(dim)
    m = np.zeros(dim)
    v = np.zeros(dim)
    b1, b2 = 0.9, 0.999
    for step in range(1, steps + 1):
        grad = l2 * w
        for d in data:
            s = d.x @ w
            s = s - s.max()
            e = np.exp(s)
            p_all = e / e.sum()
            pos = e * d.y
            p_pos = pos / pos.sum()
            grad += (p_all - p_pos) @ d.x / len(data)
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        w -= lr * (m / (1 - b1**step)) / (np.sqrt(v / (1 - b2**step)) + 1e-8)
    return w


def article_ranks(data: list[QueryData], w: np.ndarray) -> list[int | None]:
    """1-based rank of the answering article when candidates are grouped by article (best unit), or None."""
    out = []
    for d in data:
        s = d.x @ w
        seen: list[str] = []
        for j in np.argsort(-s, kind="stable").tolist():
            if d.groups[j] not in seen:
                seen.append(d.groups[j])
                if d.y[j]:
                    break
        else:
            out.append(None)
            continue
        out.append(len(seen))
    return out


def mrr(ranks: list[int | None], k: int = 10) -> float:
    return sum(1 / r for r in ranks if r is not None and r <= k) / max(len(ranks), 1)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m indexer.search.rerank_train", description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the weights (JSON)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--quiz", type=int, default=250, help="quiz-stem questions")
    p.add_argument("--sampled", type=int, default=700, help="sampled-word questions")
    a = p.parse_args(argv)
    from indexer.search.searcher import FusionParams, Searcher

    searcher = Searcher.open()
    searcher.params = FusionParams(rerank=False)
    queries = make_queries(searcher, a.quiz, a.sampled, a.seed)
    print(f"{len(queries)} câu hỏi huấn luyện (training questions)", file=sys.stderr)
    data = collect(searcher, queries)
    rng = random.Random(a.seed)
    order = list(range(len(data)))
    rng.shuffle(order)
    held = {i for i in order[: len(order) // 5]}
    fit = [d for i, d in enumerate(data) if i not in held]
    test = [d for i, d in enumerate(data) if i in held]
    w = train(fit)
    base = np.zeros(len(FEATURES))
    base[FEATURES.index("lex")] = base[FEATURES.index("dense")] = 1.0
    report = {
        "held_out_mrr": round(mrr(article_ranks(test, w)), 4),
        "held_out_mrr_fusion": round(mrr(article_ranks(test, base)), 4),
    }
    w = train(data)
    ranker = Ranker(
        w,
        FEATURES,
        {
            "command": "python -m indexer.search.rerank_train",
            "seed": a.seed,
            "questions": len(data),
            "corpus_hash": searcher.manifest.get("corpus_hash", ""),
            **report,
        },
    )
    ranker.save(a.out)
    print(f"held-out MRR@10 (article): ranker {report['held_out_mrr']}, fusion {report['held_out_mrr_fusion']}")
    for name, weight in zip(FEATURES, w.tolist(), strict=True):
        print(f"  {name:12s} {weight:+.3f}")
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
