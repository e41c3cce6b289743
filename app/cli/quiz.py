"""`soi quiz`: question sets for trainers in every export format."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.common import doc_filter, open_searcher


def cmd_quiz(args: argparse.Namespace) -> int:
    from indexer.quiz import TYPES, generate_quiz, quiz_title
    from indexer.quiz.difficulty import parse_levels
    from indexer.quiz.export import BINARY_FORMATS, export_bytes

    types = [t.strip() for t in (args.types or ",".join(TYPES)).split(",") if t.strip()]
    bad = [t for t in types if t not in TYPES]
    if bad:
        print(f"Loại câu hỏi không hợp lệ (unknown type): {', '.join(bad)}; dùng {','.join(TYPES)}", file=sys.stderr)
        return 2
    try:
        levels = parse_levels(args.difficulty) if args.difficulty else None
    except ValueError as e:
        print(f"{e} (unknown difficulty)", file=sys.stderr)
        return 2
    if args.format in BINARY_FORMATS and not args.out:
        print(f"Định dạng {args.format} là tệp nhị phân, không in ra màn hình được: hãy ghi ra tệp bằng "
              f"--out FILE (vd. --out on-tap.{args.format}).", file=sys.stderr)
        return 2
    searcher = open_searcher(args, load_model=False)  # lexical search finds the distractors; no model needed
    doc_ids = doc_filter(searcher, args.doc)
    clause_ids = None
    if args.article:
        clause_ids = [a.strip() for a in args.article if a.strip()]
        unknown = [a for a in clause_ids if a not in searcher.clauses]
        if unknown:
            print(f"Không có điều khoản (unknown clause id): {', '.join(unknown)}", file=sys.stderr)
            return 2
    items = generate_quiz(searcher, n=args.n, types=types, seed=args.seed, doc_ids=doc_ids, clause_ids=clause_ids,
                          difficulties=levels)
    if not items:
        print("Không tạo được câu hỏi nào từ phạm vi đã chọn (no question could be built).", file=sys.stderr)
        return 1
    if len(items) < args.n:
        print(f"Chỉ tạo được {len(items)}/{args.n} câu hỏi từ phạm vi đã chọn.", file=sys.stderr)
    if args.format == "aiken" and any(q.type == "cloze" for q in items):
        print("Aiken không có dạng điền vào chỗ trống: các câu cloze được bỏ qua.", file=sys.stderr)
    data = export_bytes(items, args.format, quiz_title(searcher, items))
    if args.out:
        Path(args.out).write_bytes(data)
        print(f"Đã ghi {len(items)} câu hỏi ra {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(data.decode("utf-8"))
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Adds this group's subcommands to `soi`."""
    q = sub.add_parser("quiz", parents=[common],
                       help="tạo bộ câu hỏi ôn tập (GIFT, Aiken, CSV, JSON ra stdout; Anki, DOCX, PDF ra --out)")
    q.add_argument("--doc", help="văn bản (số hiệu hoặc tên gần đúng, vd. «Điều lệ», «qđ 69»); mặc định: mọi quy định")
    q.add_argument("--article", action="append",
                   help="id chương/điều/khoản (vd. dieu-le-dang-2011/chVIII, dieu-le-dang-2011/d36), lặp lại được")
    q.add_argument("--n", type=int, default=20, help="số câu hỏi (default 20)")
    q.add_argument("--format", choices=["gift", "aiken", "csv", "json", "apkg", "docx", "pdf"], default="gift",
                   help="định dạng xuất; apkg (Anki), docx, pdf cần --out")
    q.add_argument("--out", help="ghi ra tệp này thay vì stdout (bắt buộc với apkg, docx, pdf)")
    q.add_argument("--seed", type=int, default=0, help="hạt giống ngẫu nhiên: cùng hạt giống, cùng bộ câu hỏi")
    q.add_argument("--types", help="loại câu hỏi, phân tách bằng dấu phẩy: mc,cloze,tf (mặc định cả ba)")
    q.add_argument("--difficulty", help="độ khó, phân tách bằng dấu phẩy: de,trung-binh,kho (mặc định cả ba)")
    q.set_defaults(func=cmd_quiz)
