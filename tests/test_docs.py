"""The README documents every setting, every SOI_* environment variable and every `soi` option, so a new knob
cannot ship undocumented: each check names what is missing and where it belongs."""

from __future__ import annotations

import argparse
import re
from dataclasses import fields
from pathlib import Path

from app.cli.main import build_parser
from benchmarks.bench import build_parser as bench_parser
from indexer.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SOURCE_DIRS = ("indexer", "app", "eval", "benchmarks")  # the code users run; tests' own variables are not settings


def _section(title: str) -> str:
    """The README text under a heading, up to the next heading of the same or a higher level."""
    m = re.search(rf"^(#+) {re.escape(title)}$", README, re.M)
    assert m, f"README has no section «{title}»"
    end = re.compile(rf"^#{{1,{len(m.group(1))}}} ", re.M).search(README, m.end())
    return README[m.end() : end.start() if end else len(README)]


def _mentions(text: str, word: str) -> bool:
    """`word` as a whole token: `--out` does not count for `--out-dir`, nor `threads` for `max_threads`."""
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    """`soi`'s subcommands as app/cli.py builds them; `soi bench` hands its arguments to benchmarks/bench.py."""
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    commands = dict(sub.choices)
    commands["bench"] = bench_parser()
    return commands


def _options(parser: argparse.ArgumentParser) -> list[list[str]]:
    return [a.option_strings for a in parser._actions if a.option_strings and not isinstance(a, argparse._HelpAction)]


def _command_rows() -> dict[str, str]:
    """Command table rows by subcommand name (a row may document several, as "`soi library` · `soi remove ID`")."""
    rows: dict[str, str] = {}
    for line in _section("Command line").splitlines():
        if line.startswith("| `soi "):
            for name in re.findall(r"`soi ([a-z-]+)", line.split(" | ")[0]):
                rows[name] = rows.get(name, "") + line
    return rows


def test_every_setting_is_in_the_configuration_table() -> None:
    table = _section("Configuration")
    missing = [f.name for f in fields(Settings) if not _mentions(table, f.name)]
    assert not missing, f"Settings fields missing from the README's Configuration table: {missing}"


def test_every_environment_variable_is_in_the_configuration_table() -> None:
    names: set[str] = set()
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            names |= set(re.findall(r"\bSOI_[A-Z0-9_]*[A-Z0-9]\b", path.read_text(encoding="utf-8")))
    assert {"SOI_INDEX_DIR", "SOI_CACHE_DIR", "SOI_QUERY_BACKEND"} <= names  # the scan itself works
    table = _section("Configuration")
    missing = sorted(n for n in names if not _mentions(table, n))
    assert not missing, f"environment variables missing from the README's Configuration table: {missing}"


def test_every_subcommand_and_option_is_documented() -> None:
    commands = _subcommands()
    shared = set.intersection(*(  # --index, --model, …: every command has them; the Configuration table says how
        {o for opts in _options(p) for o in opts} for name, p in commands.items() if name != "bench"
    ))
    rows = _command_rows()
    missing: list[str] = []
    for name, parser in commands.items():
        if name not in rows:
            missing.append(f"soi {name}: no row in the command table")
            continue
        for opts in _options(parser):
            where = README if name != "bench" and set(opts) <= shared else rows[name]
            if not any(_mentions(where, o) for o in opts):
                missing.append(f"soi {name} {'/'.join(opts)}")
    assert not missing, f"undocumented in the README's command table (or Configuration table): {missing}"


def test_readme_dev_table_is_the_recorded_one():
    """The README's dev-set table says what eval/regression.yaml records (R@5 and MRR@10, article; clause MRR)."""
    from eval.regression import BASELINE_PATH, load_baseline

    groups = load_baseline(BASELINE_PATH)["groups"]
    names = {"**fused**": "fused", "BM25 only": "lexical", "dense only": "dense"}
    rows = [line for line in README.splitlines() if line.startswith(("| as asked |", "| no diacritics |"))]
    assert len(rows) == 6, rows
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        group = "overall" if cells[0] == "as asked" else "nodiacritics"
        got = groups[group][names[cells[1]]]
        first = [c.replace("**", "").split(" ")[0] for c in cells[2:]]
        # the README rounds the exact score to 3 places, the record keeps 4: they agree within half a unit of the 3rd
        assert abs(float(first[1]) - got["article"]["recall@5"]) <= 0.00051, row
        assert abs(float(first[2]) - got["article"]["mrr@10"]) <= 0.00051, row
        if first[3] != "–":
            assert abs(float(first[3]) - got["clause"]["mrr@10"]) <= 0.00051, row
