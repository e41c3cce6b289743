"""One table for the ranking levers: `python -m eval.levers [--ranker FILE] [--adapter FILE]`.

Each lever is a configuration of the same opened index (FusionParams), run on the dev questions and the
validation questions (eval/validation.jsonl; both as asked and without diacritics) and on the three known-item
sets that need no hand labels (article headings, the quiz builder's own questions, quoted pages' titles), and
compared with the current default question by question (paired wins/losses and a 95 % bootstrap interval of the
MRR difference). A lever is worth keeping only when its interval on the dev
questions lies above 0 and the known-item sets do not fall. Latency is the mean of the searcher's own total.
A configuration may also name a search `mode` (dense only) and the row it is compared with (`vs`).
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


def lever_configs(ranker: Path | None, adapter: Path | None = None) -> dict[str, dict]:
    """Name -> FusionParams overrides (plus `mode` and `vs`, see above); "default" is the shipped configuration."""
    configs: dict[str, dict] = {
        BASELINE: {},
        "no priors (plan, title block)": {"plan_factor": 1.0, "frame_factor": 1.0},
        "RRF instead of convex fusion": {"method": "rrf"},
        "dense weight 1.5": {"dense_weight": 1.5},
        "plain BM25 view beside words": {"plain_weight": 0.5},
        # the questions clauses answer (indexer.corpus.questions): their vectors left out of the dense score (their
        # words stay in the BM25 text, which is built into the index), and the mix weight either side of 0.3
        "questions: BM25 text only (no question vectors)": {"question_weight": 0.0},
        "questions: dense mix 0.2": {"question_weight": 0.2},
        "questions: dense mix 0.4": {"question_weight": 0.4},
        # parallel provisions (indexer/search/data/parallels.yaml): keep a Điều lệ article and its detailing article
        # together; the window and the weight were set before measuring, the second window as a sensitivity check
        "parallels: insert partner (top 5, first 20)": {"parallels": "insert"},
        "parallels: insert partner (top 5, first 10)": {"parallels": "insert", "parallel_window": 10},
        "parallels: score transfer 0.1": {"parallels": "transfer", "parallel_transfer": 0.1},
        "parallels: score transfer 0.25": {"parallels": "transfer", "parallel_transfer": 0.25},
    }
    if ranker is not None:
        configs["learned second stage"] = {"ranker_path": str(ranker)}
    if adapter is not None:
        # the dense model's query-side adapter: in the fusion, and on the dense ranking alone against dense alone
        configs["query adapter (dense side)"] = {"adapter_path": str(adapter)}
        configs["dense only"] = {"mode": "dense"}
        configs["dense only + query adapter"] = {"mode": "dense", "adapter_path": str(adapter), "vs": "dense only"}
    return configs


def known_item_sets(searcher) -> dict[str, list[Question]]:
    from eval.dataset import parse_question
    from eval.known_items import known_items, page_title_items, quiz_known_items

    heads = known_items(searcher.documents, searcher.clauses)
    quiz = quiz_known_items(searcher)
    pages = page_title_items(searcher.documents, searcher.clauses)
    return {
        "headings": [parse_question(obj, "headings", i + 1) for i, obj in enumerate(heads)],
        "quiz stems": [parse_question(obj, "quiz", i + 1) for i, obj in enumerate(quiz)],
        "page titles": [parse_question(obj, "pages", i + 1) for i, obj in enumerate(pages)],
    }


def evaluate(searcher, questions: list[Question], configs: dict[str, dict], nodiacritics: bool) -> EvalReport:
    from indexer.search.searcher import FusionParams

    def system(overrides: dict) -> Callable:
        mode = overrides.get("mode", "fused")
        params = dataclasses.replace(FusionParams(), **{k: v for k, v in overrides.items() if k not in ("mode", "vs")})

        def run(query: str, k: int):
            searcher.set_params(params)
            return searcher.search(query, k=k, mode=mode)

        return run

    systems = {name: system(o) for name, o in configs.items()}
    try:
        return run_eval(questions, searcher, systems=systems, with_nodiacritics=nodiacritics, k=10)
    finally:
        searcher.set_params(FusionParams())


def rows(report: EvalReport, name: str, group: str, metric: str = "mrr@10",
         vs: str = BASELINE) -> tuple[float | None, str]:
    mrr = report.score(name, "article", metric, group=group)
    if name in (BASELINE, vs) or mrr is None:
        return mrr, ""
    c = paired_comparison(report, name, vs, group=group, metric=metric)
    return mrr, f"{c.mean_diff:+.3f} [{c.lo:+.2f}, {c.hi:+.2f}] {c.a_wins}/{c.b_wins}"


def detail(report: EvalReport, configs: dict[str, dict]) -> None:
    """Each lever against the default on the dev questions by kind and by gold document: MRR@10 and R@5."""
    groups = ["overall", "nodiacritics"] + [g for g in report.groups() if g not in ("overall", "nodiacritics")
                                            and not g.startswith("doc:")] + report.document_groups()
    for metric in ("mrr@10", "recall@5"):
        print(f"\nDev, article {metric} by group (n answerable); Δ vs default (or its `vs` row), 95% interval, "
              "wins/losses")
        for g in groups:
            base = report.score(BASELINE, "article", metric, group=g)
            if base is None:
                continue
            n = paired_comparison(report, BASELINE, BASELINE, group=g, metric=metric).n
            print(f"  {g:22s} n={n:3d} default {base:.3f}")
            for name in configs:
                if name != BASELINE:
                    vs = configs[name].get("vs", BASELINE)
                    print(f"    {name:44s} {rows(report, name, g, metric, vs)[1]}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.levers", description=__doc__.splitlines()[0])
    p.add_argument("--dev", type=Path, default=ROOT / "dev.jsonl")
    p.add_argument("--ranker", type=Path, help="a ranker from `python -m indexer.search.rerank_train` to include")
    p.add_argument("--adapter", type=Path,
                   help="a query adapter from `python -m eval.adapter_train` to include (and dense only)")
    p.add_argument("--only", action="append", default=[], metavar="TEXT",
                   help="only the levers whose name contains TEXT (repeatable; the default is always run)")
    p.add_argument("--detail", action="store_true",
                   help="also each lever by kind and by gold document (MRR@10, recall@5)")
    a = p.parse_args(argv)
    from indexer.search.searcher import Searcher

    searcher = Searcher.open()
    configs = lever_configs(a.ranker, a.adapter)
    if a.only:
        configs = {n: c for n, c in configs.items() if n == BASELINE or any(t in n for t in a.only)}
    reports = {"dev": evaluate(searcher, load_questions(a.dev), configs, True),
               "validation": evaluate(searcher, load_questions(ROOT / "validation.jsonl"), configs, True)}
    for name, qs in known_item_sets(searcher).items():
        reports[name] = evaluate(searcher, qs, configs, False)
    cols = [("dev", "overall", "mrr@10"), ("dev", "overall", "recall@5"), ("dev", "nodiacritics", "mrr@10"),
            ("dev", "case", "mrr@10"), ("validation", "overall", "mrr@10"), ("validation", "nodiacritics", "mrr@10"),
            ("headings", "overall", "mrr@10"), ("quiz stems", "overall", "mrr@10"),
            ("page titles", "overall", "mrr@10")]
    print("Article MRR@10 (R@5 where named; answerable); Δ vs default (or its `vs` row), 95% interval, wins/losses")
    print(f"{'lever':44s} " + " ".join(f"{s + ' ' + g + ('' if m == 'mrr@10' else ' ' + m):>34s}"
                                       for s, g, m in cols) + f" {'ms':>6s}")
    for name in configs:
        cells = []
        for set_name, group, metric in cols:
            mrr, delta = rows(reports[set_name], name, group, metric, configs[name].get("vs", BASELINE))
            cells.append(f"{'–' if mrr is None else f'{mrr:.3f}'} {delta}".rjust(34))
        ms = reports["dev"].systems[name].latency_ms["mean"]
        print(f"{name:44s} " + " ".join(cells) + f" {ms:6.1f}")
    if a.detail:
        detail(reports["dev"], configs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
