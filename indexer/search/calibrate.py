"""Fits the answerability calibration (`python -m indexer.search.calibrate`): headings as positives, the odd lines of
eval/offtopic.jsonl as negatives; kept apart so that the searcher, which reads the calibration, never imports the
fitting (which opens a searcher).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from indexer.search.answerability import DEFAULT_OUT, Calibration, design, fit_logistic


def signals(searcher, question: str) -> tuple[float, float]:
    """(best cosine, best BM25 per content word) of a question, from the searcher's first stage."""
    cands = searcher.candidates(question)
    return searcher.answer_signals(cands)


def offtopic_questions(path: Path) -> list[str]:
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m indexer.search.calibrate", description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parents[2]
    p.add_argument("--offtopic", type=Path, default=root / "eval" / "offtopic.jsonl")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    a = p.parse_args(argv)
    from indexer.atomic import atomic_write_text
    from indexer.search.rerank_train import heading_queries
    from indexer.search.searcher import Searcher

    searcher = Searcher.open()
    positives = [q.text for q in heading_queries(searcher)]
    negatives = offtopic_questions(a.offtopic)[0::2]  # odd lines (1st, 3rd, …); the even ones are for measuring
    pos = np.array([signals(searcher, q) for q in positives])
    neg = np.array([signals(searcher, q) for q in negatives])
    x = design(np.r_[pos[:, 0], neg[:, 0]], np.r_[pos[:, 1], neg[:, 1]])
    y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
    w = fit_logistic(x, y)
    cal = Calibration(w, 0.5, searcher.embedder.checksum if searcher.embedder else "", {
        "command": "python -m indexer.search.calibrate",
        "positives": f"{len(pos)} article headings of the corpus",
        "negatives": f"{len(neg)} odd lines of eval/offtopic.jsonl",
        "corpus_hash": searcher.manifest.get("corpus_hash", ""),
    })
    flagged_pos = float(np.mean([not cal.judge(c, b).answerable for c, b in pos]))
    flagged_neg = float(np.mean([not cal.judge(c, b).answerable for c, b in neg]))
    cal.meta["fit_flagged"] = {"positives": round(flagged_pos, 4), "negatives": round(flagged_neg, 4)}
    atomic_write_text(a.out, json.dumps(cal.to_dict(), ensure_ascii=False, indent=1) + "\n")
    print(f"weights {np.round(w, 3).tolist()}; on the fitting data flagged: headings {flagged_pos:.3f}, "
          f"off-topic {flagged_neg:.3f}; wrote {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
