"""Presenting an EvalReport: an aligned terminal table, a JSON document, a Markdown report with a bar chart.

The systems sit next to each other in every table (one row each) so each number is read next to its baselines,
with its 95% bootstrap interval, since with some 80 questions a difference of a few points may be noise; the
paired comparisons say which differences the question set can tell apart. Misses are listed with the top-3
returned clauses so a person can see why a question failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from eval.results import DOC_GROUP, LEVELS, EvalReport, Miss, Scores
from eval.stats import CONFIDENCE, RESAMPLES, SEED, PairedComparison, paired_table

SCOPE_TITLES = {
    "answerable": "Answerable questions (gold outside the corpus left out)",
    "all": "All questions (gold outside the corpus counts as not found)",
}
CI_NOTE = f"each figure: mean [{CONFIDENCE:.0%} bootstrap interval over questions]"


def _short(metric: str, compact: bool = False) -> str:
    """Column label: recall@5 -> R@5, mrr@10 -> MRR@10, ndcg@10 -> nDCG@10 (MRR, nDCG when compact)."""
    name, _, cut = metric.partition("@")
    label = {"recall": "R", "mrr": "MRR", "ndcg": "nDCG"}.get(name, name)
    return label if compact and name != "recall" else f"{label}@{cut}"


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _fmt_ci(sc: Scores | None, metric: str) -> str:
    """The mean and its interval, e.g. "0.802 [0.72–0.88]"; "—" when not measured."""
    if sc is None or metric not in sc.values:
        return "—"
    value = f"{sc.values[metric]:.3f}"
    if metric not in sc.ci:
        return value
    lo, hi = sc.ci[metric]
    return f"{value} [{lo:.2f}–{hi:.2f}]"


def _group_label(group: str) -> str:
    return group.removeprefix(DOC_GROUP)


def _score_rows(
    report: EvalReport, scope: str, groups: Sequence[str], levels: Sequence[str], metrics: Sequence[str]
) -> list[list[str]]:
    """[group, level, n, system, metric cells...] rows, one per system; group/level shown on their first row."""
    rows = []
    for group in groups:
        first_of_group = True
        for level in levels:
            found = {name: sr.scores.get(scope, {}).get(group, {}).get(level) for name, sr in report.systems.items()}
            ns = [sc.n for sc in found.values() if sc is not None]
            if not ns:
                continue
            for i, (name, sc) in enumerate(found.items()):
                head = [_group_label(group) if first_of_group else "", level, str(ns[0])] if i == 0 else ["", "", ""]
                rows.append([*head, name, *(_fmt_ci(sc, m) for m in metrics)])
                first_of_group = False
    return rows


def _grid(header: list[str], rows: list[list[str]], right: set[int], sep: str = "  ") -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    out = []
    for r in [header, *rows]:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        out.append(sep.join(cells).rstrip())
    return out


def _doc_metrics(report: EvalReport) -> list[str]:
    """Recall@5 and MRR@k: the figures of the per-document and paired tables."""
    return [m for m in (f"recall@{min(5, report.k)}", f"mrr@{report.k}") if m in report.metrics]


def _scores_block(report: EvalReport, scope: str) -> list[str]:
    header = ["kind", "level", "n", "system", *(_short(m, compact=True) for m in report.metrics)]
    rows = _score_rows(report, scope, report.groups(), LEVELS, report.metrics)
    return _grid(header, rows, {2})


def _documents_block(report: EvalReport) -> list[str]:
    metrics = _doc_metrics(report)
    header = ["document", "level", "n", "system", *(_short(m) for m in metrics)]
    rows = _score_rows(report, "answerable", report.document_groups(), ["article"], metrics)
    return _grid(header, rows, {2}) if rows else []


def _signed_ci(pc: PairedComparison) -> str:
    return f"{pc.mean_diff:+.3f} [{pc.lo:.2f}–{pc.hi:.2f}]"


def _paired_rows(report: EvalReport) -> tuple[list[str], list[list[str]]]:
    header = ["A", "B", "metric", "n", "A wins", "B wins", "ties", "mean A−B [95%]"]
    rows = [
        [pc.a, pc.b, _short(pc.metric), str(pc.n), str(pc.a_wins), str(pc.b_wins), str(pc.ties), _signed_ci(pc)]
        for pc in paired_table(report)
    ]
    return header, rows


PAIRED_TITLE = "Paired comparison (answerable questions, article level, the same questions for A and B)"
DOCS_TITLE = "By gold document (answerable questions, article level; a question counts under its first gold item)"


def _latency_block(report: EvalReport) -> list[str]:
    header = ["latency (ms/query)", "p50", "p95", "mean", "queries"]
    comps = sorted({key for sr in report.systems.values() for key in sr.latency_ms if key.startswith("mean_")})
    header += [c.removeprefix("mean_") for c in comps]
    rows = []
    for name, sr in report.systems.items():
        lat = sr.latency_ms
        row = [name, f"{lat['p50']:.1f}", f"{lat['p95']:.1f}", f"{lat['mean']:.1f}", str(int(lat["n"]))]
        row += [f"{lat[c]:.1f}" if c in lat else "—" for c in comps]
        rows.append(row)
    return _grid(header, rows, set(range(1, len(header))))


def _gold_lines(report: EvalReport) -> list[str]:
    out = []
    for g in report.gold:
        for loc in g.locations:
            if loc.reason:
                level = "clause level only" if loc.in_corpus else g.status
                out.append(f"  {g.id:<8} {g.kind:<6} {level:<17} {loc.ref.label()}: {loc.reason}")
    return out


def _miss_lines(miss: Miss, k: int, indent: str = "  ") -> list[str]:
    where = f"gold article at rank {miss.article_rank}" if miss.article_rank else f"gold article not in top {k}"
    out = [f"{indent}{miss.id} [{miss.kind}] {miss.question}", f"{indent}    gold: {', '.join(miss.gold)} ({where})"]
    for i, r in enumerate(miss.top, start=1):
        out.append(f"{indent}    {i}. {r.clause_id} — {r.citation}")
        out.append(f"{indent}       {r.snippet}")
    if not miss.top:
        out.append(f"{indent}    (nothing returned)")
    return out


def _summary(report: EvalReport) -> str:
    n_nd = f" + {report.n_generated} generated without diacritics" if report.n_generated else ""
    ans = ", ".join(f"{lv} level {report.answerable[lv]}" for lv in LEVELS)
    return (
        f"{report.dataset or 'questions'}: {report.n_questions} questions{n_nd}; top {report.k}; "
        f"answerable: {ans}; systems: {', '.join(report.systems)}"
    )


def format_table(report: EvalReport) -> str:
    """The terminal report: scores per scope/kind/level, paired comparisons, per document, latency, gaps, misses."""
    lines = [_summary(report), ""]
    for scope in ("answerable", "all"):
        lines += [f"{SCOPE_TITLES[scope]}; MRR and nDCG at {report.k}; {CI_NOTE}", *_scores_block(report, scope), ""]
    header, rows = _paired_rows(report)
    if rows:
        lines += [f"{PAIRED_TITLE}:", *_grid(header, rows, set(range(3, 7))), ""]
    docs = _documents_block(report)
    if docs:
        lines += [f"{DOCS_TITLE}:", *docs, ""]
    lines += _latency_block(report) + [""]
    gold = _gold_lines(report)
    if gold:
        lines += ["Gold not in corpus (counted in 'all', left out of 'answerable' at that level):", *gold, ""]
    names = list(report.systems)
    if names:
        first = report.systems[names[0]]
        lines.append(
            f"Misses of {first.name} (answerable, gold article not in top {report.miss_k}): {len(first.misses)}"
        )
        for m in first.misses:
            lines += _miss_lines(m, report.k)
        for name in names[1:]:
            ids = ", ".join(m.id for m in report.systems[name].misses) or "none"
            lines.append(f"Misses of {name}: {len(report.systems[name].misses)}: {ids}")
    return "\n".join(lines).rstrip() + "\n"


def _score_json(sc: Scores) -> dict[str, Any]:
    ci = {m: {"lo": round(lo, 6), "hi": round(hi, 6)} for m, (lo, hi) in sc.ci.items()}
    return {"n": sc.n, **{m: round(v, 6) for m, v in sc.values.items()}, "ci95": ci}


def _scores_json(scores: dict[str, dict[str, dict[str, Scores]]]) -> dict[str, Any]:
    return {
        scope: {group: {level: _score_json(sc) for level, sc in lv.items()} for group, lv in groups.items()}
        for scope, groups in scores.items()
    }


def _paired_json(pc: PairedComparison) -> dict[str, Any]:
    return {key: round(v, 6) if isinstance(v, float) else v for key, v in asdict(pc).items()}


def to_json(report: EvalReport) -> dict[str, Any]:
    """A JSON-ready dict: scope -> group -> level -> metric per system, latency, per-question ranks, misses, gold."""
    systems = {}
    for name, sr in report.systems.items():
        systems[name] = {
            "scores": _scores_json(sr.scores),
            "latency_ms": {key: round(v, 3) for key, v in sr.latency_ms.items()},
            "misses": [asdict(m) for m in sr.misses],
            "questions": [
                {
                    "id": q.id,
                    "kind": q.kind,
                    "generated": q.generated,
                    "article_rank": q.article_rank,
                    "clause_rank": q.clause_rank,
                    "document_rank": q.document_rank,
                    "latency_ms": round(q.latency_ms, 3),
                    "ranked": q.ranked,
                }
                for q in sr.questions
            ],
        }
    gold = [
        {
            "id": g.id,
            "kind": g.kind,
            "status": g.status,
            "locations": [
                {
                    **asdict(loc.ref),
                    "doc_id": loc.doc_id,
                    "article_id": loc.article_id,
                    "clause_id": loc.clause_id,
                    "in_corpus": loc.in_corpus,
                    "clause_in_corpus": loc.clause_in_corpus,
                    "doc_in_corpus": loc.doc_in_corpus,
                    "reason": loc.reason,
                }
                for loc in g.locations
            ],
        }
        for g in report.gold
    ]
    return {
        "dataset": report.dataset,
        "k": report.k,
        "miss_k": report.miss_k,
        "metrics": report.metrics,
        "n_questions": report.n_questions,
        "n_generated": report.n_generated,
        "answerable": report.answerable,
        "bootstrap": {"resamples": RESAMPLES, "seed": SEED, "confidence": CONFIDENCE},
        "systems": systems,
        "paired": [_paired_json(pc) for pc in paired_table(report)],
        "gold": gold,
    }


def _md_table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    align = ["---:" if i in right else "---" for i in range(len(header))]
    return ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|", *("| " + " | ".join(r) + " |" for r in rows)]


def _md_scores(report: EvalReport, scope: str) -> list[str]:
    header = ["kind", "level", "n", "system", *(_short(m) for m in report.metrics)]
    rows = _score_rows(report, scope, report.groups(), LEVELS, report.metrics)
    return _md_table(header, rows, {2, *range(4, len(header))})


def plot_chart(report: EvalReport, png_path: Path) -> Path:
    """Grouped bars per system: Recall@5 and MRR@k, article level, answerable questions, overall."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [m for m in (f"recall@{min(5, report.k)}", f"mrr@{report.k}") if m in report.metrics]
    names = list(report.systems)
    fig, ax = plt.subplots(figsize=(max(4.0, 1.6 * len(names) + 1.5), 3.6), dpi=120)
    width = 0.8 / max(1, len(metrics))
    for j, metric in enumerate(metrics):
        values = [report.score(n, "article", metric) or 0.0 for n in names]
        xs = [i + (j - (len(metrics) - 1) / 2) * width for i in range(len(names))]
        bars = ax.bar(xs, values, width, label=_short(metric))
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=8, padding=2)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("score")
    n = report.answerable.get("article", 0)
    ax.set_title(f"Article level, answerable questions (n={n})", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    png_path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png_path)
    plt.close(fig)
    return png_path


def write_markdown(report: EvalReport, out_path: Path) -> tuple[Path, Path]:
    """Write the Markdown report and its chart (`<stem>.png` beside it); returns both paths."""
    out_path = Path(out_path)
    png = plot_chart(report, out_path.with_suffix(".png"))
    lines = ["# soi eval", "", _summary(report), "", f"![Recall@5 and MRR@{report.k} per system]({png.name})", ""]
    for scope in ("answerable", "all"):
        lines += [f"## {SCOPE_TITLES[scope]}", "", f"MRR and nDCG at {report.k}; {CI_NOTE}.", ""]
        lines += [*_md_scores(report, scope), ""]
    header, rows = _paired_rows(report)
    if rows:
        lines += [f"## {PAIRED_TITLE}", "", *_md_table(header, rows, set(range(3, len(header)))), ""]
    metrics = _doc_metrics(report)
    doc_rows = _score_rows(report, "answerable", report.document_groups(), ["article"], metrics)
    if doc_rows:
        doc_header = ["document", "level", "n", "system", *(_short(m) for m in metrics)]
        lines += [f"## {DOCS_TITLE}", "", *_md_table(doc_header, doc_rows, {2, *range(4, len(doc_header))}), ""]
    lines += ["## Latency", "", "```", *_latency_block(report), "```", ""]
    gold = _gold_lines(report)
    if gold:
        lines += ["## Gold not in corpus", "", "```", *[g.strip() for g in gold], "```", ""]
    for name, sr in report.systems.items():
        lines += [f"## Misses of {name} (gold article not in top {report.miss_k}): {len(sr.misses)}", ""]
        for m in sr.misses:
            lines += ["```", *_miss_lines(m, report.k, indent=""), "```", ""]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return out_path, png
