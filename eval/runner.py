"""Run evaluation questions through each search system and aggregate the metrics (`soi eval`).

What is measured, and why:
- Every system (fused, lexical-only, dense-only, or any other callable) answers the same questions in one run,
  so each number has its baseline beside it.
- Three levels: article (the returned clause's article is a gold article), clause (the returned clause is the
  gold clause/point or inside it) and document (the returned clause's document is a gold document). The
  clause-level ranking is `Hit.clause` of each hit only; `Hit.also` is not counted, or a system could list
  every clause of an article and score at clause level for free. Gold that names only a document (article
  null) takes part at document level only: a question with nothing else is left out of the other two.
- Two scopes: "all" (gold outside the corpus counts as an unreachable unit) and "answerable" (only gold in
  the corpus; questions with none are left out). Answerability is per level: an article present with the
  gold khoản missing is answerable at article level only.
- Groups: "overall" (the questions of the file), each `kind`, and "doc:<id>" (file questions by the document
  of their first gold item). Copies of the questions with diacritics stripped are generated on the fly as kind
  "nodiacritics"; they are reported in their own group and are not part of "overall", so "overall" stays the
  file's own set.
- Each mean comes with a 95% percentile-bootstrap interval over its questions (eval.stats, seeded).
- Latency: one warm-up query per system (not timed, it pays for lazy loading), then per query the searcher's
  own `last_timings["total"]` when it provides one, else wall-clock milliseconds around the call.
"""

from __future__ import annotations

import json
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from eval.dataset import EvalFormatError, Question, load_questions
from eval.gold import GoldLoc, GoldResolver, article_unit_id
from eval.metrics import first_match_rank, mean, metric_names, percentile, score_question
from eval.report import format_table, to_json, write_markdown
from eval.results import (  # noqa: F401  (re-exported: these names were defined here before eval.results)
    DOC_GROUP,
    LEVELS,
    SCOPES,
    EvalReport,
    GoldReport,
    Miss,
    PerQuestion,
    QuestionResult,
    Returned,
    Scores,
    SystemResult,
)
from eval.stats import bootstrap_ci_columns
from indexer.corpus.models import Clause, Document, Hit

DEFAULT_SYSTEMS = ("fused", "lexical", "dense")
SNIPPET_CHARS = 120

SearchFn = Callable[[str, int], list[Hit]]


class SearcherLike(Protocol):
    documents: Mapping[str, Document]
    clauses: Mapping[str, Clause]

    def search(self, query: str, k: int = 10, mode: str = "fused") -> list[Hit]: ...


def strip_diacritics(text: str) -> str:
    """The project's own folding when present (so eval strips exactly as users type), else Unicode NFD."""
    try:
        from indexer.text.normalize import strip_diacritics as project_strip
    except ImportError:
        project_strip = None
    if project_strip is not None:
        return project_strip(text)
    nfd = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in nfd if not unicodedata.combining(c)))


def nodiacritics_copies(questions: Iterable[Question]) -> list[Question]:
    """Each question (not already of kind nodiacritics) with its text stripped of diacritics, as kind nodiacritics.

    Questions that have no diacritics to strip are skipped: the copy would be the same query.
    """
    out = []
    for q in questions:
        if q.kind == "nodiacritics":
            continue
        text = strip_diacritics(q.question)
        if text == unicodedata.normalize("NFC", q.question):
            continue
        out.append(
            Question(
                id=f"{q.id}~nd",
                question=text,
                gold=q.gold,
                kind="nodiacritics",
                answer=q.answer,
                choices=q.choices,
                line_no=q.line_no,
                generated_from=q.id,
            )
        )
    return out


def _snippet(text: str, n: int = SNIPPET_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= n else flat[: n - 1] + "…"


def _returned(hit: Hit) -> Returned:
    return Returned(hit.clause.id, hit.citation, _snippet(hit.clause.text))


def _system_fns(searcher: Any, systems: Sequence[str] | Mapping[str, SearchFn]) -> dict[str, SearchFn]:
    """Names -> search callables; a plain name is a `mode` of `searcher.search`."""
    if isinstance(systems, Mapping):
        return dict(systems)

    def bind(mode: str) -> SearchFn:
        return lambda query, kk: searcher.search(query, k=kk, mode=mode)

    return {name: bind(name) for name in systems}


def _timed(searcher: Any, fn: SearchFn, query: str, k: int) -> tuple[list[Hit], float, dict[str, float]]:
    """Run one query; latency from the searcher's own total when it reports one, else wall-clock."""
    if hasattr(searcher, "clear_caches"):
        searcher.clear_caches()  # a query embedded by an earlier system must not look free to a later one
    if hasattr(searcher, "last_timings"):
        try:
            searcher.last_timings = {}
        except AttributeError:
            pass
    t0 = time.perf_counter()
    hits = list(fn(query, k))
    wall = (time.perf_counter() - t0) * 1000.0
    timings = getattr(searcher, "last_timings", None)
    parts: dict[str, float] = {}
    if isinstance(timings, Mapping):
        parts = {str(key): float(v) for key, v in timings.items() if isinstance(v, int | float)}
    total = parts.get("total", wall)
    return hits, total, parts


def _groups_of(q: Question, locs: list[GoldLoc]) -> tuple[str, ...]:
    """The groups a question counts in: a generated copy only in its kind; a file question also overall and
    under the document of its first gold item (its id, or the code and year when not in the corpus)."""
    if q.generated_from:
        return (q.kind,)
    first = locs[0]
    doc = first.doc_id or f"{first.ref.doc} ({first.ref.year})"
    return ("overall", q.kind, DOC_GROUP + doc)


def _aggregate(
    per_question: list[tuple[tuple[str, ...], PerQuestion]], k: int
) -> dict[str, dict[str, dict[str, Scores]]]:
    """scope -> group -> level -> Scores, from each question's groups and scope -> level -> metrics."""
    names = metric_names(k)
    out: dict[str, dict[str, dict[str, Scores]]] = {}
    for scope in SCOPES:
        groups: dict[str, list[dict[str, dict[str, float] | None]]] = {}
        for keys, res in per_question:
            for key in keys:
                groups.setdefault(key, []).append(res[scope])
        out[scope] = {}
        for group, rows in groups.items():
            out[scope][group] = {}
            for level in LEVELS:
                scored = [r[level] for r in rows if r[level] is not None]
                if scored:
                    lo, hi = bootstrap_ci_columns(np.array([[s[m] for m in names] for s in scored]))
                    out[scope][group][level] = Scores(
                        len(scored),
                        {m: mean([s[m] for s in scored]) for m in names},
                        {m: (float(lo[i]), float(hi[i])) for i, m in enumerate(names)},
                    )
    return out


def run_eval(
    questions: list[Question],
    searcher: Any,
    systems: Sequence[str] | Mapping[str, SearchFn] = DEFAULT_SYSTEMS,
    with_nodiacritics: bool = True,
    k: int = 10,
    miss_k: int = 5,
    dataset: str = "",
) -> EvalReport:
    """Evaluate `questions` on each system of `searcher` (modes of `searcher.search`, or name -> callable).

    `searcher` needs `documents` and `clauses` dicts (to resolve gold) and, for named systems, `search`.
    A miss is an answerable question whose gold article is not in the top `miss_k`.
    """
    resolver = GoldResolver(searcher.documents, searcher.clauses)
    gold = {q.id: resolver.resolve_all(q.gold) for q in questions}
    all_q = list(questions) + (nodiacritics_copies(questions) if with_nodiacritics else [])
    fns = _system_fns(searcher, systems)

    results: dict[str, SystemResult] = {}
    for name, fn in fns.items():
        if all_q:
            fn(all_q[0].question, k)  # warm-up: lazy model loading is not per-query latency
        per_q: list[tuple[tuple[str, ...], PerQuestion]] = []
        qresults: list[QuestionResult] = []
        misses: list[Miss] = []
        latencies: list[float] = []
        components: dict[str, list[float]] = {}
        for q in all_q:
            locs = gold[q.generated_from or q.id]
            hits, ms, parts = _timed(searcher, fn, q.question, k)
            latencies.append(ms)
            for key, v in parts.items():
                if key != "total":
                    components.setdefault(key, []).append(v)
            ranked = {
                "clause": [h.clause.id for h in hits],
                "article": [article_unit_id(h.clause) for h in hits],
                "document": [h.clause.doc_id for h in hits],
            }
            res: PerQuestion = {}
            for scope in SCOPES:
                res[scope] = {}
                for level in LEVELS:
                    units = [
                        g.unit_id(level) for g in locs if g.has_level(level) and (scope == "all" or g.answerable(level))
                    ]
                    res[scope][level] = score_question(ranked[level], units, k) if units else None
            groups = _groups_of(q, locs)
            per_q.append((groups, res))
            ans = {lv: [g.unit_id(lv) for g in locs if g.has_level(lv) and g.answerable(lv)] for lv in LEVELS}
            ranks = {lv: first_match_rank(ranked[lv], ans[lv], k) if ans[lv] else None for lv in LEVELS}
            top = [_returned(h) for h in hits[:3]]
            qresults.append(
                QuestionResult(
                    q.id,
                    q.kind,
                    q.generated_from is not None,
                    ranked["clause"],
                    ranks["article"],
                    ranks["clause"],
                    ms,
                    top,
                    ranks["document"],
                    groups,
                    res,
                )
            )
            if ans["article"] and (ranks["article"] is None or ranks["article"] > miss_k):
                gold_ids = [g.clause_id or g.unit_id("clause") for g in locs if g.in_corpus]
                misses.append(Miss(q.id, q.kind, _snippet(q.question, 200), gold_ids, ranks["article"], top))
        latency = {
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "mean": mean(latencies),
            "n": float(len(latencies)),
        }
        latency.update({f"mean_{key}": mean(v) for key, v in components.items()})
        results[name] = SystemResult(name, _aggregate(per_q, k), latency, qresults, misses)

    gold_reports = [GoldReport(q.id, q.kind, gold[q.id]) for q in questions]
    answerable = {
        lv: sum(1 for q in questions if any(g.has_level(lv) and g.answerable(lv) for g in gold[q.id])) for lv in LEVELS
    }
    return EvalReport(
        dataset=dataset,
        k=k,
        miss_k=miss_k,
        metrics=metric_names(k),
        n_questions=len(questions),
        n_generated=len(all_q) - len(questions),
        systems=results,
        gold=gold_reports,
        answerable=answerable,
    )


def _open_searcher() -> Any:
    from indexer.search.searcher import Searcher

    return Searcher.open()


def main_eval(
    path: str | Path,
    searcher: Any | None,
    as_json: bool = False,
    out: Path | None = None,
    systems: Sequence[str] | None = None,
    with_nodiacritics: bool = True,
    k: int = 10,
) -> int:
    """Entry point for `soi eval FILE [--json] [--out report.md] [--systems ...]`: prints, returns the exit code.

    0 whatever the scores; 2 when the file is unreadable or malformed (message with the line number on stderr).
    `searcher` None opens the default index, after the file has been validated (bad input fails fast).
    """
    try:
        questions = load_questions(path)
    except EvalFormatError as exc:
        print(f"soi eval: malformed input: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"soi eval: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    if searcher is None:
        searcher = _open_searcher()
    report = run_eval(
        questions,
        searcher,
        systems=tuple(systems) if systems else DEFAULT_SYSTEMS,
        with_nodiacritics=with_nodiacritics,
        k=k,
        dataset=str(path),
    )
    if as_json:
        print(json.dumps(to_json(report), ensure_ascii=False, indent=2))
    else:
        print(format_table(report))
    if out is not None:
        md, png = write_markdown(report, Path(out))
        print(f"wrote {md} and {png}", file=sys.stderr if as_json else sys.stdout)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m eval.runner FILE ...` (the same options as `soi eval`), for use before the CLI wires it in."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m eval.runner", description="Evaluate search on a JSONL question set.")
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--out", type=Path, help="write a Markdown report (and a PNG chart beside it)")
    p.add_argument("--systems", nargs="+", default=list(DEFAULT_SYSTEMS), help="search modes to compare")
    p.add_argument("--no-nodiacritics", action="store_true", help="skip the generated diacritics-stripped copies")
    p.add_argument("-k", type=int, default=10)
    a = p.parse_args(argv)
    return main_eval(a.file, None, a.json, a.out, a.systems, not a.no_nodiacritics, a.k)


if __name__ == "__main__":
    raise SystemExit(main())
