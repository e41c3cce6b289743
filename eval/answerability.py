"""How often the answerability signal says «nothing answers»: `python -m eval.answerability [--json]`.

Reported on the answerable dev questions (as asked and without diacritics: these should not be flagged),
the dev questions whose answer is not in the corpus (on-topic: flagging them is not wrong, but they are not
the target), and the off-topic and nonsense queries of `eval/offtopic.jsonl`, split into the odd lines (used to
fit the calibration) and the even lines (never seen by it). Goal (issue 12): off-topic flagged >= 90 %,
answerable flagged <= 5 %.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from eval.dataset import load_questions
from eval.gold import GoldResolver
from eval.runner import nodiacritics_copies

ROOT = Path(__file__).resolve().parent


@dataclass
class FlagRate:
    group: str
    n: int
    flagged: int
    examples: list[str]  # flagged questions (answerable groups) or missed ones (off-topic groups)

    @property
    def rate(self) -> float:
        return self.flagged / self.n if self.n else 0.0


def measure(searcher, dev_path: Path, offtopic_path: Path) -> list[FlagRate]:
    """Flag rates per group; raises when the searcher has no calibration for its model."""
    if searcher.calibration is None:
        raise RuntimeError("answerability is not calibrated for this model: run python -m indexer.search.calibrate")
    questions = load_questions(dev_path)
    resolver = GoldResolver(searcher.documents, searcher.clauses)
    answerable = [q for q in questions if any(g.in_corpus for g in resolver.resolve_all(q.gold))]
    outside = [q for q in questions if q not in answerable]
    off = [json.loads(line)["question"] for line in offtopic_path.read_text(encoding="utf-8").splitlines() if line]
    groups = {
        "dev answerable, as asked": [q.question for q in answerable],
        "dev answerable, no diacritics": [q.question for q in nodiacritics_copies(answerable)],
        "dev, answer not in corpus": [q.question for q in outside],
        "off-topic, fitting half (odd lines)": off[0::2],
        "off-topic, held-out half (even lines)": off[1::2],
    }
    out = []
    for name, texts in groups.items():
        want_flag = name.startswith("off-topic")
        flagged, examples = 0, []
        for text in texts:
            answer = searcher.ask(text, k=1)
            is_flagged = not answer.answered
            flagged += is_flagged
            if is_flagged != want_flag and len(examples) < 5:
                examples.append(text[:100])
        out.append(FlagRate(name, len(texts), flagged, examples))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.answerability", description=__doc__.splitlines()[0])
    p.add_argument("--dev", type=Path, default=ROOT / "dev.jsonl")
    p.add_argument("--offtopic", type=Path, default=ROOT / "offtopic.jsonl")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    from indexer.search.searcher import Searcher

    rates = measure(Searcher.open(), a.dev, a.offtopic)
    if a.json:
        print(json.dumps([{**r.__dict__, "rate": round(r.rate, 4)} for r in rates], ensure_ascii=False, indent=1))
        return 0
    print(f"{'group':40s} {'n':>4s} {'flagged':>8s} {'rate':>6s}")
    for r in rates:
        print(f"{r.group:40s} {r.n:4d} {r.flagged:8d} {r.rate:6.3f}")
        for ex in r.examples:
            print(f"    {'flagged' if not r.group.startswith('off') else 'missed'}: {ex}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
