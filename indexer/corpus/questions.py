"""Questions each bundled clause answers (doc2query): words askers use that the regulation's own text does not.

Real questions reach a clause through everyday words («bị đuổi khỏi Đảng» for «khai trừ»), which neither BM25 nor
the small embedding model bridges well. `data/questions.jsonl` holds, for each clause of the bundled regulations,
a few questions written from that clause's text alone (see the README: who wrote them, and that no evaluation
question was seen). They are indexed beside the clause (BM25 text, and their own vectors) and never shown as text.

Each entry carries the sha256 prefix of the clause text it was written for: an entry whose clause changed or
disappeared is not used (counted as stale), so a corrected text never inherits questions about an older wording.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from indexer.corpus.models import Clause

log = logging.getLogger(__name__)

QUESTIONS_FILE = Path(__file__).parent / "data" / "questions.jsonl"


def clause_sha(text: str) -> str:
    """The fingerprint an entry is tied to: the first 12 hex digits of the sha256 of the verbatim clause text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclass
class UnitQuestions:
    """Questions by clause id, with what could not be used and the digest of the file read."""

    by_clause: dict[str, tuple[str, ...]] = field(default_factory=dict)
    stale: list[str] = field(default_factory=list)  # of documents being indexed: clause changed or gone
    digest: str = ""

    @property
    def count(self) -> int:
        return sum(len(q) for q in self.by_clause.values())


def file_digest(path: Path = QUESTIONS_FILE) -> str:
    """sha256 of the questions file ("" when absent): recorded in the manifest so that new questions mean rebuild.
    Hashed once per size and time of the file (freshness asks at every open and every few seconds while serving)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return ""
    return _digest(path, st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _digest(path: Path, size: int, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_questions(clauses: dict[str, Clause], path: Path = QUESTIONS_FILE) -> UnitQuestions:
    """The questions whose clause is present with the same text; a damaged line is skipped with a log line.

    An entry of a document not being indexed (a build without the bundled corpus) is neither used nor stale."""
    out = UnitQuestions(digest=file_digest(path))
    if not out.digest:
        return out
    docs = {c.doc_id for c in clauses.values()}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            cid, sha, questions = rec["unit"], rec["sha"], rec["questions"]
            if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
                raise TypeError("questions must be a list of strings")
        except (ValueError, KeyError, TypeError) as e:
            log.warning("%s:%d: skipped (%s)", path, n, e)
            continue
        clause = clauses.get(cid)
        if clause is None or clause_sha(clause.text) != sha:
            if clause is not None or cid.split("/", 1)[0] in docs:
                out.stale.append(cid)
            continue
        kept = tuple(dict.fromkeys(q.strip() for q in questions if q.strip()))
        if kept:
            out.by_clause[cid] = kept
    return out
