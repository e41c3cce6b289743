"""Train the query-side adapter of the dense model (`python -m eval.adapter_train`), CPU, a few minutes.

No hand-written question is used, so the dev set stays a fair judge. Training questions, each with the article it
came from as the answer:
- headings, quiz stems and sampled words: the second stage's generators (`indexer.search.rerank_train`);
- templates from the clauses' own sentences (regulations only): "Ai có thẩm quyền …?" from a sentence that states
  an authority or a duty, "X là gì?" from "X là …", "X gồm những gì?" from "X gồm …", and the clause's opening
  words + "như thế nào?";
a third of them typed without diacritics (embedded as the searcher would: after accent restoration). The two
known-item sets of `python -m eval.levers` are left out, so they measure the adapter on questions it never saw:
every article heading they ask, and every quiz stem made from one of their quiz stems' clauses.
The loss is InfoNCE over all search units (-log of the softmax mass of the answering article's units, temperature
TAU) plus LAM·‖W − I‖², by full-batch Adam from W = I: numpy only, seeded, deterministic. TAU and LAM were chosen
by leaving one kind of question out (train on the others, measure on it; README, "Ranking levers"), not on the
dev questions. The command first fits on four fifths and reports the held-out fifth, then fits on everything.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

from indexer.search.adapter import ADAPTER_FILE, QueryAdapter
from indexer.search.rerank_train import TrainQuery, heading_queries, quiz_queries, sampled_queries
from indexer.text.normalize import fold, strip_diacritics

DEFAULT_OUT = Path(ADAPTER_FILE)
TAU, LAM, STEPS, LR = 0.02, 0.03, 200, 1e-3
KINDS = ("heading", "quiz", "sampled", "template")

_ENUM = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.(?!\d)|[a-zđ][.)]|\(\w{1,3}\)|[-–+•])\s*")
_SENTENCE = re.compile(r"(?<=[.;:!?])\s+|\n+")
_AUTHORITY = re.compile(r"\b(có thẩm quyền|có quyền|có trách nhiệm|có nhiệm vụ|được quyền|chịu trách nhiệm)\b")
_DEFINITION = re.compile(r"^(.{4,70}?)\s+là\s+")
_CONSISTS = re.compile(r"^(.{4,70}?)\s+(?:bao gồm|gồm)\b")


def _first_words(text: str, n: int) -> str:
    return " ".join(text.split()[:n])


def template_queries(searcher, seed: int) -> list[TrainQuery]:
    """Questions shaped from the sentences of each regulation's clauses (title blocks and news left out)."""
    rng = random.Random(seed)
    out = []
    for u, cid in enumerate(searcher.unit_ids):
        clause = searcher.clauses[cid]
        group = searcher.group_of[u]
        if not searcher.documents[clause.doc_id].normative or "preamble" in group:
            continue
        for sentence in _SENTENCE.split(clause.text):
            sentence = _ENUM.sub("", sentence).strip(" .;:")
            if len(sentence.split()) < 5:
                continue
            m = _AUTHORITY.search(sentence)
            if m:
                who = rng.choice(["Ai", "Cơ quan nào", "Tổ chức nào"])
                out.append(TrainQuery(f"{who} {_first_words(sentence[m.start():], 12)}?", group, "template"))
            m = _DEFINITION.match(sentence)
            if m and "," not in m.group(1):
                out.append(TrainQuery(f"{m.group(1)} là gì?", group, "template"))
            m = _CONSISTS.match(sentence)
            if m and "," not in m.group(1):
                out.append(TrainQuery(f"{m.group(1)} gồm những gì?", group, "template"))
        opening = _ENUM.sub("", clause.text.strip()).split("\n")[0]
        if len(opening.split()) >= 6:
            out.append(TrainQuery(f"{_first_words(opening, rng.randint(6, 10))} như thế nào?", group, "template"))
    return out


def make_queries(searcher, seed: int = 13, kinds: tuple[str, ...] = KINDS, n_quiz: int = 400,
                 n_sampled: int = 900) -> list[TrainQuery]:
    """The training questions, without the known-item evaluation sets; a third also typed without diacritics."""
    from eval.known_items import known_items, quiz_known_items

    held_headings = {fold(q["question"]) for q in known_items(searcher.documents, searcher.clauses)}
    held_quiz_clauses = {q["source"] for q in quiz_known_items(searcher)}
    queries: list[TrainQuery] = []
    if "heading" in kinds:
        for q in heading_queries(searcher):
            if fold(q.text) not in held_headings:
                queries.append(q)
    if "quiz" in kinds:
        queries += quiz_queries(searcher, n_quiz, seed, exclude_clauses=held_quiz_clauses)
    if "sampled" in kinds:
        queries += sampled_queries(searcher, n_sampled, seed)
    if "template" in kinds:
        queries += template_queries(searcher, seed)
    rng = random.Random(seed)
    out = list(queries)
    for q in queries:
        if rng.random() < 1 / 3:
            out.append(TrainQuery(strip_diacritics(q.text), q.gold_group, q.kind))
    seen: set[tuple[str, str]] = set()
    unique = []
    for q in out:
        if (q.text, q.gold_group) not in seen and q.gold_group in searcher.group_of:
            seen.add((q.text, q.gold_group))
            unique.append(q)
    return unique


def embed(searcher, queries: list[TrainQuery], progress: bool = True) -> np.ndarray:
    """Each question's query vector as the searcher computes it (accent restoration included), unadapted."""
    vecs = []
    t0 = time.perf_counter()
    for i, q in enumerate(queries):
        vecs.append(np.asarray(searcher.embedder.encode_query(searcher.analyze(q.text).dense_text)))
        if progress and (i + 1) % 500 == 0:
            print(f"  {i + 1}/{len(queries)} câu hỏi đã nhúng ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return np.stack(vecs).astype(np.float64)


def loss_and_grad(w: np.ndarray, q: np.ndarray, p: np.ndarray, pos: np.ndarray, tau: float,
                  lam: float) -> tuple[float, np.ndarray]:
    """InfoNCE over all units (positives: the answering article's units) + lam·‖W − I‖², and its gradient."""
    z = q @ w.T
    norm = np.linalg.norm(z, axis=1, keepdims=True)
    qa = z / norm
    s = qa @ p.T / tau
    s -= s.max(axis=1, keepdims=True)
    e = np.exp(s)
    e_pos = e * pos
    total, positive = e.sum(1), e_pos.sum(1)
    eye = np.eye(len(w))
    loss = float(np.mean(np.log(total) - np.log(positive))) + lam * float(((w - eye) ** 2).sum())
    g = (e / total[:, None] - e_pos / positive[:, None]) / len(q)  # d loss / d scores
    d_qa = g @ p / tau
    d_z = (d_qa - qa * (qa * d_qa).sum(1, keepdims=True)) / norm
    return loss, d_z.T @ q + 2 * lam * (w - eye)


def train(q: np.ndarray, p: np.ndarray, pos: np.ndarray, tau: float = TAU, lam: float = LAM, steps: int = STEPS,
          lr: float = LR) -> np.ndarray:
    """Full-batch Adam from the identity (deterministic)."""
    w = np.eye(q.shape[1])
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t in range(1, steps + 1):
        _, grad = loss_and_grad(w, q, p, pos, tau, lam)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        w -= lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return w


def article_mrr(w: np.ndarray, q: np.ndarray, p: np.ndarray, unit_group: np.ndarray, gold: np.ndarray,
                k: int = 10) -> np.ndarray:
    """Per question: 1/rank of the answering article (an article scores as its best unit) within k, else 0."""
    z = q @ w.T
    s = (z / np.linalg.norm(z, axis=1, keepdims=True)) @ p.T
    n_groups = int(unit_group.max()) + 1
    out = np.zeros(len(q))
    for i in range(len(q)):
        best = np.full(n_groups, -np.inf)
        np.maximum.at(best, unit_group, s[i])
        rank = int((best > best[gold[i]]).sum()) + 1
        out[i] = 1.0 / rank if rank <= k else 0.0
    return out



def labels(searcher, queries: list[TrainQuery]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each unit's article (group number), each question's answering article, and (questions × units) 1.0 where
    the unit belongs to the question's article, else 0."""
    groups = sorted(set(searcher.group_of))
    index = {g: i for i, g in enumerate(groups)}
    unit_group = np.array([index[g] for g in searcher.group_of])
    gold = np.array([index[x.gold_group] for x in queries])
    return unit_group, gold, (unit_group[None, :] == gold[:, None]).astype(np.float64)

def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.adapter_train", description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"where to write the adapter (default {DEFAULT_OUT})")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--kinds", default=",".join(KINDS), help=f"training question kinds, of {','.join(KINDS)}")
    p.add_argument("--no-held-out", action="store_true", help="skip the fit on four fifths (halves the time)")
    a = p.parse_args(argv)
    kinds = tuple(k for k in a.kinds.split(",") if k)
    if unknown := set(kinds) - set(KINDS):
        p.error(f"unknown kinds: {', '.join(sorted(unknown))}")
    from indexer.search.searcher import Searcher

    t0 = time.perf_counter()
    searcher = Searcher.open()
    queries = make_queries(searcher, a.seed, kinds)
    print(f"{len(queries)} câu hỏi huấn luyện (training questions)", file=sys.stderr)
    q = embed(searcher, queries)
    unit_group, gold, pos = labels(searcher, queries)
    passages = np.asarray(searcher.embeddings, dtype=np.float64)
    meta: dict = {"command": "python -m eval.adapter_train", "seed": a.seed, "kinds": list(kinds),
                  "questions": len(queries), "tau": TAU, "lam": LAM, "steps": STEPS, "lr": LR,
                  "corpus_hash": searcher.manifest.get("corpus_hash", "")}
    if not a.no_held_out:
        order = list(range(len(queries)))
        random.Random(a.seed).shuffle(order)
        held = np.zeros(len(queries), dtype=bool)
        held[order[: len(order) // 5]] = True
        w = train(q[~held], passages, pos[~held])
        before = article_mrr(np.eye(q.shape[1]), q[held], passages, unit_group, gold[held])
        after = article_mrr(w, q[held], passages, unit_group, gold[held])
        meta["held_out"] = {"questions": int(held.sum()), "dense_mrr": round(float(before.mean()), 4),
                            "adapted_mrr": round(float(after.mean()), 4),
                            "wins": int((after > before).sum()), "losses": int((after < before).sum())}
        print(f"held-out fifth, dense article MRR@10: {before.mean():.3f} -> {after.mean():.3f} "
              f"({meta['held_out']['wins']}/{meta['held_out']['losses']})", file=sys.stderr)
    w = train(q, passages, pos)
    meta["distance_from_identity"] = round(float(np.linalg.norm(w - np.eye(len(w)))), 4)
    adapter = QueryAdapter(w.astype(np.float32), searcher.manifest["model"]["checksum"], meta)
    adapter.save(a.out)
    print(f"wrote {a.out} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
