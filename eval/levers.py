"""One table for the ranking levers: `python -m eval.levers [--ranker FILE]`.

Each lever is a configuration of the same opened index (FusionParams), run on the dev questions (as asked and
without diacritics) and on the two known-item sets that need no hand labels (article headings, the quiz
builder's own questions), and compared with the current default question by question (paired wins/losses and a
95 % bootstrap interval of the MRR difference). A lever is worth keeping only when its interval on the dev
questions lies above 0 and the known-item sets do not fall. Latency is the mean of the searcher's own total.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path

from eval.dataset import Question, load_questions
from eval.results import EvalReport
from eval.runner import run_eval
from eval.stats import paired_comparison

ROOT = Path(__file__).resolve().parent
BASELINE = "default"


def lever_configs(ranker: Path | None) -> dict[str, dict]:
    """Name -> FusionParams overrides; "default" is the shipped configuration."""
    configs: dict[str, dict] = {
        BASELINE: {},
        "no priors (plan, title block)": {"plan_factor": 1.0, "frame_factor": 1.0},
        "RRF instead of convex fusion": {"method": "rrf"},
        "dense weight 1.5": {"dense_weight": 1.5},
        "plain BM25 view beside words": {"plain_weight": 0.5},
    }
    if ranker is not None:
        configs["learned second stage"] = {"ranker_path": str(ranker)}
    return configs


def known_item_sets(searcher) -> dict[str, list[Question]]:
    from eval.dataset import parse_question
    from eval.known_items import known_items, quiz_known_items

    heads = known_items(searcher.documents, searcher.clauses)
    quiz = quiz_known_items(searcher)
    return {
        "headings": [parse_question(obj, "headings", i + 1) for i, obj in enumerate(heads)],
        "quiz stems": [parse_question(obj, "quiz", i + 1) for i, obj in enumerate(quiz)],
    }


def evaluate(searcher, questions: list[Question], configs: dict[str, dict], nodiacritics: bool) -> EvalReport:
    from indexer.search.searcher import FusionParams

    def system(overrides: dict) -> Callable:
        params = dataclasses.replace(FusionParams(), **overrides)

        def run(query: str, k: int):
            searcher.set_params(params)
            return searcher.search(query, k=k)

        return run

    systems = {name: system(o) for name, o in configs.items()}
    try:
        return run_eval(questions, searcher, systems=systems, with_nodiacritics=nodiacritics, k=10)
    finally:
        searcher.set_params(FusionParams())


def rows(report: EvalReport, name: str, group: str) -> tuple[float | None, str]:
    mrr = report.score(name, "article", "mrr@10", group=group)
    if name == BASELINE or mrr is None:
        return mrr, ""
    c = paired_comparison(report, name, BASELINE, group=group)
    return mrr, f"{c.mean_diff:+.3f} [{c.lo:+.2f}, {c.hi:+.2f}] {c.a_wins}/{c.b_wins}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.levers", description=__doc__.splitlines()[0])
    p.add_argument("--dev", type=Path, default=ROOT / "dev.jsonl")
    p.add_argument("--ranker", type=Path, help="a ranker from `python -m indexer.search.rerank_train` to include")
    a = p.parse_args(argv)
    from indexer.search.searcher import Searcher

    searcher = Searcher.open()
    configs = lever_configs(a.ranker)
    reports = {"dev": evaluate(searcher, load_questions(a.dev), configs, True)}
    for name, qs in known_item_sets(searcher).items():
        reports[name] = evaluate(searcher, qs, configs, False)
    cols = [("dev", "overall"), ("dev", "nodiacritics"), ("dev", "case"), ("headings", "overall"),
            ("quiz stems", "overall")]
    print("Article MRR@10 (answerable); Δ vs default with 95% interval, wins/losses")
    print(f"{'lever':32s} " + " ".join(f"{s + ' ' + g:>34s}" for s, g in cols) + f" {'ms':>6s}")
    for name in configs:
        cells = []
        for set_name, group in cols:
            mrr, delta = rows(reports[set_name], name, group)
            cells.append(f"{'–' if mrr is None else f'{mrr:.3f}'} {delta}".rjust(34))
        ms = reports["dev"].systems[name].latency_ms["mean"]
        print(f"{name:32s} " + " ".join(cells) + f" {ms:6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
