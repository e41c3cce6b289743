"""`soi eval` (the dev-set figures) and the `soi bench` entry (its options belong to benchmarks/bench.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.common import open_searcher


def cmd_eval(args: argparse.Namespace) -> int:
    from eval.dataset import EvalFormatError, load_questions
    from eval.runner import main_eval

    try:
        load_questions(Path(args.file))
    except EvalFormatError as e:
        print(str(e), file=sys.stderr)
        return 2
    searcher = open_searcher(args, allow_stale=False)
    systems = tuple(args.systems.split(",")) if args.systems else ("fused", "lexical", "dense")
    return main_eval(Path(args.file), searcher, as_json=args.json, out=Path(args.out) if args.out else None,
                     systems=systems)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Adds this group's subcommands to `soi`."""
    e = sub.add_parser("eval", parents=[common], help="đánh giá trên tệp câu hỏi JSONL")
    e.add_argument("file")
    e.add_argument("--json", action="store_true")
    e.add_argument("--out", help="báo cáo Markdown (kèm biểu đồ PNG)")
    e.add_argument("--systems", help="fused,lexical,dense")
    e.set_defaults(func=cmd_eval)

    sub.add_parser("bench", help="đo thời gian tạo chỉ mục và trả lời (soi bench --help)", add_help=False)
