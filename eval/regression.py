"""Lock in measured dev-set scores: compare a fresh EvalReport with `eval/regression.yaml`.

Like pyserini's two-click reproductions: each record names the command that produced it, the corpus hash and the
model checksum it was measured on, and is compared in both directions: a change that drops a score beyond
`tolerance` fails, and so does one that raises it without re-recording (`python -m eval.regression`), so the
file, and the README tables tested against it, always say what this version measures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from eval.results import LEVELS, EvalReport

BASELINE_PATH = Path(__file__).with_name("regression.yaml")
DEFAULT_TOLERANCE = 0.03
# Recall@1 is left out: near-ties flip between machines. With 65 answerable questions (82 in the file), one
# question going from rank 1 to 2 moves MRR by 0.008 and one leaving the top 5 moves Recall@5 by 0.015: the
# tolerance lets about two such moves pass (machine noise) and fails on a change that costs more.
CHECKED_METRICS = ("recall@5", "recall@10", "mrr@10", "ndcg@10")

_HEADER = """\
# Scores of the current version on a real-question set, locked in (model: pyserini's regression YAMLs).
# Written by `python -m eval.regression` (eval.regression.write_baseline) from {dataset}; scope "{scope}",
# top k = {k}. Structure: group -> system -> level -> metric -> value; null entries are not checked.
# Group "overall" = the file's questions; "nodiacritics" = the same questions with diacritics stripped.
# A move larger than `tolerance` either way, or another corpus hash or model checksum, fails
# tests/test_eval_dataset.py::test_dev_set_regression; re-record with the command below.
"""
COMMAND = "python -m eval.regression"


def load_baseline(path: str | Path = BASELINE_PATH) -> dict[str, Any]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not isinstance(data.get("groups", {}), dict):
        raise ValueError(f"{path}: expected a mapping with 'groups: group -> system -> level -> metric -> value'")
    return data


def _groups(baseline: dict[str, Any]) -> dict[str, Any]:
    """group -> system -> level -> metric -> value."""
    return baseline.get("groups") or {}


def has_values(baseline: dict[str, Any]) -> bool:
    """Whether any number is filled in (the placeholder has only nulls)."""
    return any(
        v is not None
        for systems in _groups(baseline).values()
        for levels in (systems or {}).values()
        for metrics in (levels or {}).values()
        for v in (metrics or {}).values()
    )


def baseline_systems(baseline: dict[str, Any]) -> list[str]:
    """Every system some group of the baseline checks (the eval must run them all)."""
    return list(dict.fromkeys(name for systems in _groups(baseline).values() for name in (systems or {})))


def needs_nodiacritics(baseline: dict[str, Any]) -> bool:
    return "nodiacritics" in _groups(baseline)


def provenance(searcher) -> dict[str, str]:
    """What a record was measured on: the command, the index's corpus hash and the embedding model's checksum."""
    manifest = getattr(searcher, "manifest", {}) or {}
    return {"command": COMMAND, "corpus_hash": str(manifest.get("corpus_hash", "")),
            "model_checksum": str((manifest.get("model") or {}).get("checksum", ""))}


def check_provenance(baseline: dict[str, Any], searcher) -> list[str]:
    """Lines naming what differs between the record's corpus/model and the index measured now (empty: same)."""
    now = provenance(searcher)
    out = []
    for key in ("corpus_hash", "model_checksum"):
        recorded = baseline.get(key)
        if recorded and now[key] and recorded != now[key]:
            out.append(f"{key}: recorded {recorded[:12]}…, this index {now[key][:12]}… — re-record with "
                       f"`{baseline.get('command', COMMAND)}`")
    return out


def check_regression(report: EvalReport, baseline_path: str | Path = BASELINE_PATH) -> list[str]:
    """Metrics that moved by more than the tolerance either way, as readable lines; empty when none did.

    A drop is a regression; a gain that was not re-recorded leaves the file (and the README) describing another
    version. Systems absent from the report (not run) and null baseline values are skipped; a metric the report
    lacks while the baseline has a number is reported, since that silently loses a check.
    """
    base = load_baseline(baseline_path)
    tol = float(base.get("tolerance", DEFAULT_TOLERANCE))
    scope = base.get("scope", "answerable")
    problems: list[str] = []
    for group, systems in _groups(base).items():
        for system, levels in (systems or {}).items():
            if system not in report.systems:
                continue
            for level, metrics in (levels or {}).items():
                for metric, expected in (metrics or {}).items():
                    if expected is None:
                        continue
                    got = report.score(system, level, metric, scope=scope, group=group)
                    where = f"{group} {system} {level} {metric}"
                    if got is None:
                        problems.append(f"{where}: expected {expected:.3f}, not measured")
                    elif got < float(expected) - tol - 1e-9:
                        problems.append(
                            f"{where}: {got:.3f} < {float(expected):.3f} "
                            f"(dropped {float(expected) - got:.3f} > tolerance {tol})"
                        )
                    elif got > float(expected) + tol + 1e-9:
                        problems.append(
                            f"{where}: {got:.3f} > {float(expected):.3f} (rose {got - float(expected):.3f} > "
                            f"tolerance {tol}, not re-recorded: run `{base.get('command', COMMAND)}`)"
                        )
    return problems


def write_baseline(
    report: EvalReport,
    path: str | Path = BASELINE_PATH,
    tolerance: float = DEFAULT_TOLERANCE,
    scope: str = "answerable",
    groups: tuple[str, ...] = ("overall", "nodiacritics"),
    measured_on: dict[str, str] | None = None,
) -> Path:
    """Record the report's scores as the new baseline (rounded to 4 places), one block per question group."""
    out: dict[str, Any] = {}
    for group in groups:
        systems: dict[str, Any] = {}
        for name in report.systems:
            levels = {}
            for level in LEVELS:
                values = {m: report.score(name, level, m, scope=scope, group=group) for m in CHECKED_METRICS}
                if any(v is not None for v in values.values()):
                    levels[level] = {m: (round(v, 4) if v is not None else None) for m, v in values.items()}
            if levels:
                systems[name] = levels
        if systems:
            out[group] = systems
    data = {
        **(measured_on or {"command": COMMAND}),
        "tolerance": tolerance,
        "scope": scope,
        "k": report.k,
        "dataset": report.dataset,
        "groups": out,
    }
    header = _HEADER.format(dataset=report.dataset or "FILE", scope=scope, k=report.k)
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None, width=120)
    path = Path(path)
    # other blocks of the file (`cases:`, written by `python -m eval.cases --write`) are kept as they are
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    keep = old.find("# Case evaluation (python -m eval.cases")
    tail = old[keep:] if keep >= 0 else ""
    if not tail:
        extra = {k: v for k, v in (yaml.safe_load(old) or {}).items() if k not in data} if old else {}
        tail = yaml.safe_dump(extra, sort_keys=False, allow_unicode=True, width=120) if extra else ""
    path.write_text(header + body + tail, encoding="utf-8")
    return path


def _relative(path: Path) -> str:
    """A path as the command line wrote it from the repository root (eval/…), else as given."""
    try:
        return str(path.resolve().relative_to(BASELINE_PATH.parent.parent))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    """`python -m eval.regression [FILE --out YAML]`: run a question set (the dev set by default) on the current
    index and record it as the new baseline."""
    import argparse

    from eval.dataset import load_questions
    from eval.runner import run_eval
    from indexer.search.searcher import Searcher

    ap = argparse.ArgumentParser(prog="python -m eval.regression", description=main.__doc__)
    ap.add_argument("dataset", nargs="?", default="eval/dev.jsonl")
    ap.add_argument("--out", type=Path, default=BASELINE_PATH)
    ap.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE)
    args = ap.parse_args(argv)
    searcher = Searcher.open()
    report = run_eval(load_questions(args.dataset), searcher, with_nodiacritics=True, k=10, dataset=args.dataset)
    measured_on = provenance(searcher)
    if args.dataset != "eval/dev.jsonl" or args.out != BASELINE_PATH or args.tolerance != DEFAULT_TOLERANCE:
        measured_on["command"] = " ".join(
            [COMMAND, args.dataset, "--out", _relative(args.out), "--tolerance", f"{args.tolerance:g}"])
    print(write_baseline(report, args.out, args.tolerance, measured_on=measured_on))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
