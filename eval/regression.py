"""Lock in measured dev-set scores: compare a fresh EvalReport with `eval/regression.yaml`.

Like pyserini's regression YAMLs: the expected numbers live beside the eval code, and a test fails when a
change drops one beyond `tolerance`. Gains never fail; refresh the file with `write_baseline` when a change
is meant to move the numbers, so the new level is what gets defended.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from eval.runner import LEVELS, EvalReport

BASELINE_PATH = Path(__file__).with_name("regression.yaml")
DEFAULT_TOLERANCE = 0.02

_HEADER = """\
# Dev-set scores of the current version, locked in (model: pyserini's regression YAMLs).
# Written by eval.regression.write_baseline from `soi eval {dataset}`; scope "{scope}", group "{group}",
# top k = {k}. Structure: system -> level -> metric -> value; null entries are not checked.
# A drop larger than `tolerance` fails tests/test_eval_dataset.py::test_dev_set_regression.
"""


def load_baseline(path: str | Path = BASELINE_PATH) -> dict[str, Any]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not isinstance(data.get("systems", {}), dict):
        raise ValueError(f"{path}: expected a mapping with 'systems: system -> level -> metric -> value'")
    return data


def has_values(baseline: dict[str, Any]) -> bool:
    """Whether any number is filled in (the placeholder has only nulls)."""
    return any(
        v is not None
        for levels in (baseline.get("systems") or {}).values()
        for metrics in (levels or {}).values()
        for v in (metrics or {}).values()
    )


def check_regression(report: EvalReport, baseline_path: str | Path = BASELINE_PATH) -> list[str]:
    """Metrics that dropped by more than the tolerance, as readable lines; empty when none did.

    Systems absent from the report (not run) and null baseline values are skipped; a metric the report lacks
    while the baseline has a number is reported, since that silently loses a check.
    """
    base = load_baseline(baseline_path)
    tol = float(base.get("tolerance", DEFAULT_TOLERANCE))
    scope = base.get("scope", "answerable")
    group = base.get("group", "overall")
    problems: list[str] = []
    for system, levels in (base.get("systems") or {}).items():
        if system not in report.systems:
            continue
        for level, metrics in (levels or {}).items():
            for metric, expected in (metrics or {}).items():
                if expected is None:
                    continue
                got = report.score(system, level, metric, scope=scope, group=group)
                if got is None:
                    problems.append(f"{system} {level} {metric}: expected {expected:.3f}, not measured")
                elif got < float(expected) - tol - 1e-9:
                    problems.append(
                        f"{system} {level} {metric}: {got:.3f} < {float(expected):.3f} "
                        f"(dropped {float(expected) - got:.3f} > tolerance {tol})"
                    )
    return problems


def write_baseline(
    report: EvalReport,
    path: str | Path = BASELINE_PATH,
    tolerance: float = DEFAULT_TOLERANCE,
    scope: str = "answerable",
    group: str = "overall",
) -> Path:
    """Record the report's scores as the new baseline (rounded to 4 places)."""
    systems: dict[str, Any] = {}
    for name in report.systems:
        systems[name] = {}
        for level in LEVELS:
            values = {m: report.score(name, level, m, scope=scope, group=group) for m in report.metrics}
            systems[name][level] = {m: (round(v, 4) if v is not None else None) for m, v in values.items()}
    data = {
        "tolerance": tolerance,
        "scope": scope,
        "group": group,
        "k": report.k,
        "dataset": report.dataset,
        "systems": systems,
    }
    header = _HEADER.format(dataset=report.dataset or "FILE", scope=scope, group=group, k=report.k)
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None, width=120)
    path = Path(path)
    path.write_text(header + body, encoding="utf-8")
    return path
