"""Does anything in the corpus answer this question? A calibrated probability from two first-stage signals.

Signals: the best dense cosine (e5 puts every text above ~0.75, on-topic questions above ~0.88) and the best
BM25 score per content word of the question (nonsense and other domains match few words, weakly). A logistic
model over them is fitted by `python -m indexer.search.calibrate` on questions that need no hand labels as the
positives (article headings of the corpus) and the odd lines of `eval/offtopic.jsonl` as the negatives; the
dev questions and the even off-topic lines are kept to measure it (`python -m eval.answerability`).
The cosine scale belongs to one model: with another embedding model the signal says "not judged" (None)
until it is refitted.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

CALIBRATION_FILE = "answerability.json"
DEFAULT_OUT = Path(__file__).resolve().parent / "data" / CALIBRATION_FILE
FEATURES = ("cosine", "bm25_per_word")
COS_CENTER, COS_SCALE, BM25_CAP = 0.85, 20.0, 4.0  # fixed scaling so the weights stay readable


@dataclass(frozen=True)
class Answerability:
    """`probability` that the corpus answers the question; `answerable` = at or above the fitted threshold."""

    probability: float
    answerable: bool
    cosine: float
    bm25_per_word: float

    def to_dict(self) -> dict:
        return {
            "probability": round(self.probability, 4),
            "answerable": self.answerable,
            "cosine": round(self.cosine, 4),
            "bm25_per_word": round(self.bm25_per_word, 4),
        }


def design(cosine: np.ndarray, bm25_per_word: np.ndarray) -> np.ndarray:
    cosine = np.asarray(cosine, dtype=np.float64)
    bm = np.minimum(np.asarray(bm25_per_word, dtype=np.float64), BM25_CAP)
    return np.column_stack([(cosine - COS_CENTER) * COS_SCALE, bm, np.ones(len(cosine))])


@dataclass
class Calibration:
    """Logistic weights (cosine, BM25 per word, bias), the threshold and the model they were fitted for."""

    weights: np.ndarray
    threshold: float
    model_checksum: str
    meta: dict = field(default_factory=dict)

    def judge(self, cosine: float, bm25_per_word: float) -> Answerability:
        z = float(design(np.array([cosine]), np.array([bm25_per_word]))[0] @ self.weights)
        p = 1.0 / (1.0 + math.exp(-z))
        return Answerability(p, p >= self.threshold, cosine, bm25_per_word)

    def to_dict(self) -> dict:
        return {
            "features": list(FEATURES),
            "weights": [round(float(w), 6) for w in self.weights],
            "threshold": self.threshold,
            "model_checksum": self.model_checksum,
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        return cls(np.asarray(data["weights"], dtype=np.float64), float(data["threshold"]),
                   str(data["model_checksum"]), dict(data.get("meta", {})))


def load_calibration(model_checksum: str, path: Path | None = None) -> Calibration | None:
    """The shipped calibration when it was fitted for this model; None otherwise (answerability not judged)."""
    try:
        if path is not None:
            text = Path(path).read_text(encoding="utf-8")
        else:
            text = resources.files("indexer.search").joinpath("data", CALIBRATION_FILE).read_text(encoding="utf-8")
        cal = Calibration.from_dict(json.loads(text))
    except (OSError, ValueError, KeyError):
        return None
    return cal if cal.model_checksum == model_checksum else None


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 5000, lr: float = 0.5) -> np.ndarray:
    """Plain gradient descent on the mean log loss (3 weights; deterministic)."""
    w = np.zeros(x.shape[1])
    reg = np.ones(x.shape[1])
    reg[-1] = 0.0  # no penalty on the bias
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        w -= lr * (x.T @ (p - y) / len(y) + l2 * reg * w)
    return w
