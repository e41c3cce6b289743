"""Precision/recall of check extraction against the hand-labelled gold file (`python -m eval.checks_eval`).

A check is scored as (clause, modality): extracted and gold agree when the clause yields a check of that modality.
Subject and deadline are scored on the matched pairs (a gold subject counts as found when one contains the other,
compared on folded text; a gold list names each body the clause binds, and any extracted check of that modality may
match one). A subject that matches no gold body is counted apart as bound to the wrong body. Gold checks marked
`declarative: true` (an obligation stated without a deontic word) get their own recall. Run with `--no-curation` to
score the pattern layer alone; `--gold FILE` (repeatable) scores another file, e.g. eval/checks_gold_2.yaml.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

GOLD = Path(__file__).parent / "checks_gold.yaml"
# written blind for issue 13; the first file is kept as the regression set
GOLD_2 = Path(__file__).parent / "checks_gold_2.yaml"


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
    subject_wrong: int = 0  # extracted checks whose subject is none of the bodies the gold names
    declarative_tp: int = 0
    declarative_total: int = 0
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

    @property
    def declarative_recall(self) -> float | None:
        return self.declarative_tp / self.declarative_total if self.declarative_total else None

    def as_dict(self) -> dict:
        dr = self.declarative_recall
        return {"clauses": self.clauses, "documents": self.documents, "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": round(self.precision, 3), "recall": round(self.recall, 3), "f1": round(self.f1, 3),
                "declarative_recall": None if dr is None else round(dr, 3),
                "declarative": f"{self.declarative_tp}/{self.declarative_total}",
                "subject_accuracy": f"{self.subject_ok}/{self.subject_total}",
                "subject_wrong_body": self.subject_wrong,
                "deadline_accuracy": f"{self.deadline_ok}/{self.deadline_total}"}


def _same(a: str | None, b: str | None) -> bool:
    from indexer.text.normalize import fold

    if not a or not b:
        return False
    x, y = " ".join(fold(a).split()), " ".join(fold(b).split())
    return x in y or y in x


def _alternatives(v: str | list[str] | None) -> list[str]:
    """A gold subject or deadline: one string, or a list of alternatives (each body a clause binds)."""
    if not v:
        return []
    return [x for x in v if x] if isinstance(v, list) else [v]


def _any_same(gold: list[str], got: list[str | None]) -> bool:
    return any(_same(g, x) for g in gold for x in got)


def score(documents: dict, clauses: dict, gold_path: Path = GOLD, curated: bool = True) -> Score:
    """Score the extractor over every clause of the gold file."""
    from indexer.rules.checks import all_checks, apply_curation, extract_checks, load_curated

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
        got_by: dict[str, list] = {}
        for ch in got:
            got_by.setdefault(ch.modality, []).append(ch)
        gold_by = {x["modality"]: x for x in g["checks"]}
        for mod, gx in gold_by.items():
            if gx.get("declarative"):
                s.declarative_total += 1
            if mod in got_by:
                s.tp += 1
                s.declarative_tp += bool(gx.get("declarative"))
                chs = got_by[mod]
                subjects = _alternatives(gx.get("subject"))
                if subjects:
                    s.subject_total += 1
                    ok = _any_same(subjects, [ch.subject for ch in chs])
                    s.subject_ok += ok
                    wrong = [ch.subject for ch in chs if not _any_same(subjects, [ch.subject])]
                    s.subject_wrong += len(wrong)
                    if not ok or wrong:
                        s.errors.append(f"{cid}: subject {[ch.subject for ch in chs]!r} ≠ gold {gx['subject']!r}")
                deadlines = _alternatives(gx.get("deadline"))
                if deadlines:
                    s.deadline_total += 1
                    s.deadline_ok += _any_same(deadlines, [ch.deadline for ch in chs])
            else:
                s.fn += 1
                s.errors.append(f"{cid}: missed {mod}" + (" (declarative)" if gx.get("declarative") else ""))
        for mod, chs in got_by.items():
            if mod not in gold_by:
                s.fp += 1
                s.errors.append(f"{cid}: spurious {mod}: {chs[0].item[:90]}")
    return s


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gold", action="append", help=f"gold file (repeatable; default {GOLD.name})")
    p.add_argument("--no-curation", action="store_true")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    from indexer.search.searcher import Searcher

    searcher = Searcher.open(load_model=False)
    results = {}
    for gold in args.gold or [str(GOLD)]:
        s = score(searcher.documents, searcher.clauses, Path(gold), curated=not args.no_curation)
        results[gold] = s
        if args.json:
            continue
        d = s.as_dict()
        print(f"{gold}: {d['clauses']} clauses from {d['documents']} documents")
        print(f"precision {d['precision']}  recall {d['recall']}  F1 {d['f1']}  (tp {s.tp}, fp {s.fp}, fn {s.fn})")
        if s.declarative_total:
            print(f"declarative recall {d['declarative_recall']} ({d['declarative']})")
        print(f"subject {d['subject_accuracy']} (bound to a wrong body: {s.subject_wrong})  "
              f"deadline {d['deadline_accuracy']}")
        for e in s.errors:
            print("  -", e)
    if args.json:
        out = {g: {**s.as_dict(), "errors": s.errors} for g, s in results.items()}
        print(json.dumps(out if len(out) > 1 else next(iter(out.values())), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
