"""Ranking metrics over clause/article ids: pure functions, so they can be checked against hand arithmetic.

Conventions (the same for every function):
- `ranked` is the system's list, best first. Its order is final: ties in score were already broken by the
  system, and the metrics never look at scores. Only the first `k` positions count.
- `gold` is the set of units that answer the question (duplicates ignored). At clause level these are the
  gold clause ids; at article level the distinct gold article ids.
- Match rule: a returned id matches a gold id if it is equal or a descendant of it
  (`returned.startswith(gold + "/")`): a point inside the gold khoản answers it; the whole khoản returned
  for a gold point does not (it is an ancestor), and "d29/k20" is not inside "d29/k2".
- Each gold unit is credited once, at the first position that matches it. A position earns gain 1 if it
  matches a gold unit not matched earlier, else 0: a repeated id, or a second clause inside an already-found
  gold article, earns nothing (and still takes up its position).
- Recall@k = |gold units matched in top k| / |gold| (a fraction when a question has several gold units).
- RR@k = 1 / position of the first gain in top k, 0 if none.
- nDCG@k: binary gains as above, DCG = sum gain_i / log2(i + 1), ideal DCG = the same with gain 1 at each of
  the first min(|gold|, k) positions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from indexer.corpus.models import within


def matches(returned: str, gold: str) -> bool:
    """A returned id answers a gold id if it is that unit or lies inside it."""
    return within(returned, gold)


def _distinct(gold: Iterable[str]) -> list[str]:
    out = list(dict.fromkeys(gold))
    if not out:
        raise ValueError("gold is empty: a question without gold units has no score")
    return out


def gains(ranked: Sequence[str], gold: Iterable[str], k: int) -> list[int]:
    """Binary gain per position of the top k (see module docstring: each gold unit credited once)."""
    gold_l = _distinct(gold)
    found: set[str] = set()
    out: list[int] = []
    for r in ranked[:k]:
        new = {g for g in gold_l if g not in found and matches(r, g)}
        out.append(1 if new else 0)
        found |= new
    return out


def found_gold(ranked: Sequence[str], gold: Iterable[str], k: int) -> set[str]:
    """The gold units matched by some position of the top k."""
    gold_l = _distinct(gold)
    return {g for g in gold_l if any(matches(r, g) for r in ranked[:k])}


def recall_at_k(ranked: Sequence[str], gold: Iterable[str], k: int) -> float:
    """Fraction of the distinct gold units matched in the top k."""
    gold_l = _distinct(gold)
    return len(found_gold(ranked, gold_l, k)) / len(gold_l)


def first_match_rank(ranked: Sequence[str], gold: Iterable[str], k: int | None = None) -> int | None:
    """1-based position of the first returned id that matches any gold unit (within k if given)."""
    gold_l = _distinct(gold)
    top = ranked if k is None else ranked[:k]
    for i, r in enumerate(top, start=1):
        if any(matches(r, g) for g in gold_l):
            return i
    return None


def reciprocal_rank(ranked: Sequence[str], gold: Iterable[str], k: int = 10) -> float:
    """1 / rank of the first relevant position in the top k; 0 when none (MRR@k is its mean)."""
    rank = first_match_rank(ranked, gold, k)
    return 1.0 / rank if rank else 0.0


def ndcg_at_k(ranked: Sequence[str], gold: Iterable[str], k: int) -> float:
    """Binary-relevance nDCG@k; the ideal list has min(|gold|, k) relevant positions at the top."""
    gold_l = _distinct(gold)
    dcg = sum(g / math.log2(i + 1) for i, g in enumerate(gains(ranked, gold_l, k), start=1))
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(gold_l), k) + 1))
    return dcg / ideal if ideal else 0.0


def metric_names(k: int = 10) -> list[str]:
    """Names in report order: recall@1, recall@5, recall@k, mrr@k, ndcg@k (cut-offs above k dropped)."""
    cutoffs = sorted({c for c in (1, 5, k) if c <= k})
    return [f"recall@{c}" for c in cutoffs] + [f"mrr@{k}", f"ndcg@{k}"]


def score_question(ranked: Sequence[str], gold: Iterable[str], k: int = 10) -> dict[str, float]:
    """All report metrics of one question, keyed as `metric_names(k)`."""
    gold_l = _distinct(gold)
    out: dict[str, float] = {}
    for name in metric_names(k):
        cutoff = int(name.split("@")[1])
        if name.startswith("recall@"):
            out[name] = recall_at_k(ranked, gold_l, cutoff)
        elif name.startswith("mrr@"):
            out[name] = reciprocal_rank(ranked, gold_l, cutoff)
        else:
            out[name] = ndcg_at_k(ranked, gold_l, cutoff)
    return out


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default), q in [0, 100]; 0.0 for no values."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)
