"""A query-side adapter for the dense model: a linear map of the query embedding, passages untouched.

q' = normalize(W q), W (dim × dim) learned by `python -m eval.adapter_train` from questions made out of
the corpus (InfoNCE over every search unit, W started at and pulled toward the identity); the encoder and the
stored passage vectors stay as built, so the adapter is one small file and costs one matrix-vector product a query.
Opt-in (`FusionParams(adapter_path=…)`): it lost on the dev questions (README, "Ranking levers"). An adapter
belongs to the model it was trained for: with another model's index it is not applied (a warning says so).
The answerability calibration was fitted on unadapted cosines; with an adapter its probabilities are only indicative.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexer.atomic import atomic_write_bytes

log = logging.getLogger("soi.search")

ADAPTER_FILE = "query_adapter.npz"


@dataclass
class QueryAdapter:
    """The map W (float32, dim × dim) and the model it was trained for."""

    matrix: np.ndarray
    model_checksum: str
    meta: dict = field(default_factory=dict)

    def apply(self, qvec: np.ndarray) -> np.ndarray:
        """The adapted query vector, unit length like the encoder's own (the cosines stay cosines)."""
        z = self.matrix @ np.asarray(qvec, dtype=np.float32)
        n = float(np.linalg.norm(z))
        return (z / n).astype(np.float32) if n > 0 else np.asarray(qvec, dtype=np.float32)

    def save(self, path: Path) -> Path:
        path = Path(path)
        meta = {**self.meta, "model_checksum": self.model_checksum}
        buf = io.BytesIO()
        np.savez(buf, matrix=self.matrix.astype(np.float32), meta=np.array(json.dumps(meta, ensure_ascii=False)))
        atomic_write_bytes(path, buf.getvalue())
        return path


def load_adapter(path: Path, model_checksum: str) -> QueryAdapter | None:
    """The adapter at `path` when it was trained for this model; None (and a warning) when it is missing, unreadable
    or another model's: the dense ranking then runs unadapted."""
    try:
        with np.load(Path(path), allow_pickle=False) as data:
            matrix = np.asarray(data["matrix"], dtype=np.float32)
            meta = json.loads(str(data["meta"]))
    except (OSError, ValueError, KeyError) as e:
        log.warning("query adapter %s unreadable (%s: %s); dense ranking unadapted", path, type(e).__name__, e)
        return None
    checksum = str(meta.get("model_checksum", ""))
    if checksum != model_checksum:
        log.warning("query adapter %s was trained for another model (%s); dense ranking unadapted", path, checksum)
        return None
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        log.warning("query adapter %s has a %s matrix; dense ranking unadapted", path, matrix.shape)
        return None
    return QueryAdapter(matrix, checksum, meta)
