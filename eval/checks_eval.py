"""Precision/recall of check extraction against the hand-labelled gold file (`python -m eval.checks_eval`).

A check is scored as (clause, modality): extracted and gold agree when the clause yields a check of that modality.
Subject and deadline are scored on the matched pairs (a gold subject counts as found when one contains the other,
compared on folded text). Run with `--no-curation` to score the pattern layer alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

GOLD = Path(__file__).parent / "checks_gold.yaml"


@dataclass
class Score:
    """Counts and ratios of one scoring run, plus the disagreements to read."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    subject_ok: int = 0
    subject_total: int = 0
    deadline_ok: int = 0
    deadline_total: int = 0
    clauses: int = 0
    documents: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {"clauses": self.clauses, "documents": self.documents, "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": round(self.precision, 3), "recall": round(self.recall, 3), "f1": round(self.f1, 3),
                "subject_accuracy": f"{self.subject_ok}/{self.subject_total}",
                "deadline_accuracy": f"{self.deadline_ok}/{self.deadline_total}"}


def _same(a: str | None, b: str | None) -> bool:
    from indexer.normalize import fold

    if not a or not b:
        return False
    x, y = " ".join(fold(a).split()), " ".join(fold(b).split())
    return x in y or y in x


def score(documents: dict, clauses: dict, gold_path: Path = GOLD, curated: bool = True) -> Score:
    """Score the extractor over every clause of the gold file."""
    from indexer.checks import all_checks, apply_curation, extract_checks, load_curated

    gold = yaml.safe_load(gold_path.read_text(encoding="utf-8"))
    cur = load_curated() if curated else []
    _ = all_checks  # the same code path the CLI uses, per clause here
    s = Score(clauses=len(gold), documents=len({g["clause"].split("/")[0] for g in gold}))
    for g in gold:
        cid = g["clause"]
        if cid not in clauses:
            s.errors.append(f"{cid}: not in the index")
            s.fn += len(g["checks"])
            continue
        c = clauses[cid]
        got = apply_curation(extract_checks(c, documents[c.doc_id], clauses), cur, cid)
        got_by = {ch.modality: ch for ch in got}
        gold_by = {x["modality"]: x for x in g["checks"]}
        for mod, gx in gold_by.items():
            if mod in got_by:
                s.tp += 1
                ch = got_by[mod]
                if gx.get("subject"):
                    s.subject_total += 1
                    s.subject_ok += _same(gx["subject"], ch.subject)
                    if not _same(gx["subject"], ch.subject):
                        s.errors.append(f"{cid}: subject {ch.subject!r} ≠ gold {gx['subject']!r}")
                if gx.get("deadline"):
                    s.deadline_total += 1
                    s.deadline_ok += _same(gx["deadline"], ch.deadline)
            else:
                s.fn += 1
                s.errors.append(f"{cid}: missed {mod}")
        for mod in got_by:
            if mod not in gold_by:
                s.fp += 1
                s.errors.append(f"{cid}: spurious {mod}: {got_by[mod].item[:90]}")
    return s


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gold", default=str(GOLD))
    p.add_argument("--no-curation", action="store_true")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    from indexer.search import Searcher

    searcher = Searcher.open(load_model=False)
    s = score(searcher.documents, searcher.clauses, Path(args.gold), curated=not args.no_curation)
    if args.json:
        print(json.dumps({**s.as_dict(), "errors": s.errors}, ensure_ascii=False, indent=2))
        return 0
    d = s.as_dict()
    print(f"Gold: {d['clauses']} clauses from {d['documents']} documents")
    print(f"precision {d['precision']}  recall {d['recall']}  F1 {d['f1']}  (tp {s.tp}, fp {s.fp}, fn {s.fn})")
    print(f"subject {d['subject_accuracy']}  deadline {d['deadline_accuracy']}")
    for e in s.errors:
        print("  -", e)
    return 0


if __name__ == "__main__":
    sys.exit(main())
