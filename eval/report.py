"""Presenting an EvalReport: an aligned terminal table, a JSON document, a Markdown report with a bar chart.

The systems sit side by side in every table so each number is read next to its baselines; misses are listed
with the top-3 returned clauses so a person can see why a question failed.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from eval.runner import LEVELS, EvalReport, Miss, Scores

SCOPE_TITLES = {
    "answerable": "Answerable questions (gold outside the corpus left out)",
    "all": "All questions (gold outside the corpus counts as not found)",
}


def _short(metric: str, compact: bool = False) -> str:
    """Column label: recall@5 -> R@5, mrr@10 -> MRR@10, ndcg@10 -> nDCG@10 (MRR, nDCG when compact)."""
    name, _, cut = metric.partition("@")
    label = {"recall": "R", "mrr": "MRR", "ndcg": "nDCG"}.get(name, name)
    return label if compact and name != "recall" else f"{label}@{cut}"


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _score_rows(report: EvalReport, scope: str) -> list[tuple[str, str, str, list[list[str]]]]:
    """(group label, level, n, per-system metric strings) rows of one scope."""
    rows = []
    systems = list(report.systems)
    for group in report.groups():
        first = True
        for level in LEVELS:
            cells: list[list[str]] = []
            n: int | None = None
            for name in systems:
                sc: Scores | None = report.systems[name].scores.get(scope, {}).get(group, {}).get(level)
                if sc is not None:
                    n = sc.n
                cells.append([_fmt(sc.values.get(m) if sc else None) for m in report.metrics])
            if n is None:
                continue
            rows.append((group if first else "", level, str(n), cells))
            first = False
    return rows


def _grid(header: list[str], rows: list[list[str]], right: set[int], sep: str = "  ") -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    out = []
    for r in [header, *rows]:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        out.append(sep.join(cells).rstrip())
    return out


def _scores_block(report: EvalReport, scope: str) -> list[str]:
    systems = list(report.systems)
    metric_heads = [_short(m, compact=True) for m in report.metrics]
    header = ["kind", "level", "n"]
    for _ in systems:
        header += ["│", *metric_heads]
    rows = []
    for group, level, n, cells in _score_rows(report, scope):
        row = [group, level, n]
        for c in cells:
            row += ["│", *c]
        rows.append(row)
    right = {i for i, h in enumerate(header) if i >= 2 and h != "│"}
    lines = _grid(header, rows, right, sep=" ")
    # a title line naming each system above its block of columns
    bars = [i for i, ch in enumerate(lines[0]) if ch == "│"]
    title = ""
    for pos, name in zip(bars, systems, strict=True):
        title = title.ljust(pos) + "│ " + name
    return [title, *lines]


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
    """The terminal report: scores per scope/kind/level with the systems side by side, latency, gaps, misses."""
    lines = [_summary(report), ""]
    for scope in ("answerable", "all"):
        lines += [f"{SCOPE_TITLES[scope]}; MRR and nDCG at {report.k}", *_scores_block(report, scope), ""]
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


def _scores_json(scores: dict[str, dict[str, dict[str, Scores]]]) -> dict[str, Any]:
    return {
        scope: {
            group: {level: {"n": sc.n, **{m: round(v, 6) for m, v in sc.values.items()}} for level, sc in lv.items()}
            for group, lv in groups.items()
        }
        for scope, groups in scores.items()
    }


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
        "systems": systems,
        "gold": gold,
    }


def _md_scores(report: EvalReport, scope: str) -> list[str]:
    heads = [_short(m) for m in report.metrics]
    header = ["kind", "level", "n"] + [f"{name} {h}" for name in report.systems for h in heads]
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(header) - 2)) + "|"]
    for group, level, n, cells in _score_rows(report, scope):
        out.append("| " + " | ".join([group, level, n] + [v for c in cells for v in c]) + " |")
    return out


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
        lines += [f"## {SCOPE_TITLES[scope]}", "", *_md_scores(report, scope), ""]
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
