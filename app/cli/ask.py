"""`soi build`, `soi ask`, `soi doc`: make the index, answer a question, read a document."""

from __future__ import annotations

import argparse
import json
import os
import sys

from app.cli.common import ansi_mark, build_with_bars, doc_filter, open_searcher, settings_from_args


def cmd_build(args: argparse.Namespace) -> int:
    s = settings_from_args(args)
    manifest = build_with_bars(s)
    c = manifest["counts"]
    print(
        f"Đã tạo chỉ mục (index built): {c['documents']} văn bản, {c['clauses']} điều khoản, {c['units']} đơn vị tìm "
        f"kiếm; nhúng mới {c['embedded_now']}, dùng lại {c['embeddings_reused']}; {manifest['build_seconds']} s "
        f"→ {s.index_dir}"
    )
    for w in manifest.get("warnings", []):
        print(f"Cảnh báo (warning): {w}", file=sys.stderr)
    return 0


NO_ANSWER = "Không tìm thấy điều khoản trả lời trực tiếp"


def cmd_ask(args: argparse.Namespace) -> int:
    from indexer.rules.discipline import missing_for_question, missing_note, missing_to_dict
    from indexer.search.parallels import lines as parallel_lines

    searcher = open_searcher(args, load_model=args.mode != "lexical")
    doc_ids = doc_filter(searcher, args.doc)
    answer = searcher.ask(
        args.question, k=args.k, mode=args.mode, doc_ids=doc_ids, in_force_only=args.in_force, exact=args.exact
    )
    hits, qa = answer.hits, answer.analysis
    missing = missing_for_question(args.question, searcher)
    if args.json:
        out = {
            "query": args.question,
            "understood": {
                "content": qa.content,
                "accented": qa.accented,
                "restored": qa.dense_text,
                "exact": args.exact,
                "documents": doc_ids or qa.doc_ids,
                "note": qa.doc_note,
                "cited": qa.cited,
                "absent_words": answer.absent,
                "missing_discipline": [missing_to_dict(x) for x in missing],
            },
            "answerability": answer.answerability.to_dict() if answer.answerability else None,
            "timings_ms": {k: round(v, 2) for k, v in answer.timings.items()},
            "hits": [h.to_dict() for h in hits],
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    if qa.doc_note:
        print(f"Lưu ý: {qa.doc_note}")
    if not qa.accented and qa.dense_text != qa.content:
        print(f"(hiểu là: «{qa.dense_text}»; tìm đúng như đã gõ: thêm --exact)")
    if not hits:
        print("Không tìm thấy điều khoản phù hợp (no matching clause).")
    elif not answer.answered:
        print(f"{NO_ANSWER} (no clause answers this question). Các điều khoản gần nhất, chỉ để tham khảo:")
    if answer.absent:
        from indexer.search.coverage import absent_note

        print(f"{absent_note(answer.absent)} (no text of the corpus contains these words)")
    if missing:
        print(f"{missing_note(missing)}. (the discipline article for this is not in the corpus)")
    if not hits:
        return 0
    if not answer.answered or answer.absent or missing:
        print()
    for h in hits:
        badge = h.status_label
        if h.document.is_partial:
            badge += "; văn bản chưa đầy đủ trong kho"
        if not answer.answered:
            badge += "; gần nhất, không trả lời trực tiếp"
        print(f"{h.rank}. {h.citation}  [{badge}]")
        body = ansi_mark(h.clause.text, h.highlights, color)
        print("   " + body.replace("\n", "\n   "))
        parallel = " · ".join(parallel_lines(searcher.parallels(h.clause.id), searcher.clauses, searcher.documents))
        if parallel:
            print(f"   {parallel}")
        print(f"   ({h.clause.id})\n")
    return 0


def cmd_doc(args: argparse.Namespace) -> int:
    from indexer.corpus.citation import (
        clause_citation,
        completeness_label,
        document_citation,
        format_date,
        status_label,
    )

    searcher = open_searcher(args, load_model=False)
    target = args.id
    if not target:
        for d in sorted(searcher.documents.values(), key=lambda d: d.id):
            n = sum(1 for c in searcher.clauses.values() if c.doc_id == d.id)
            part = " (chưa đầy đủ)" if d.is_partial else ""
            print(f"{d.id:28} {d.code:34.34} {format_date(d.issued):10} {status_label(d):34.34} {n:4} mục{part}")
        return 0
    if target in searcher.clauses:
        c = searcher.clauses[target]
        d = searcher.documents[c.doc_id]
        print(clause_citation(c, d))
        print(f"[{status_label(d)}]")
        if c.source_note:
            print(f"(nguồn: {c.source_note})")
        print()
        print(c.text)
        return 0
    if target not in searcher.documents:
        docs = searcher.match_documents(target)
        if not docs:
            print(f"Không có văn bản hay điều khoản «{target}» (unknown document or clause id).", file=sys.stderr)
            return 2
        target = docs[0].id
    d = searcher.documents[target]
    print(f"{document_citation(d)}\n{d.title}\n[{status_label(d)}] {completeness_label(d)}")
    for s in d.sources[:5]:
        print(f"  nguồn: {s}")
    print()
    for c in searcher.outline(d.id):
        depth = sum(1 for lv, _ in c.path if lv not in ("document",)) - 1
        first = c.title or c.text.split("\n", 1)[0]
        print(f"{'  ' * max(depth, 0)}{c.id.split('/', 1)[1]:14} {first[:90]}")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Adds this group's subcommands to `soi`."""
    b = sub.add_parser("build", parents=[common], help="tạo/cập nhật chỉ mục")
    b.set_defaults(func=cmd_build)

    a = sub.add_parser("ask", parents=[common], help="hỏi một câu")
    a.add_argument("question")
    a.add_argument("-k", type=int, default=5, help="số kết quả (default 5)")
    a.add_argument("--doc", help="chỉ tìm trong văn bản này (số hiệu hoặc tên gần đúng)")
    a.add_argument("--mode", choices=["fused", "lexical", "dense"], default="fused")
    a.add_argument("--in-force", action="store_true", help="chỉ văn bản còn hiệu lực")
    a.add_argument("--exact", action="store_true", help="tìm đúng như đã gõ (không tự thêm dấu cho câu không dấu)")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_ask)

    d = sub.add_parser("doc", parents=[common], help="xem văn bản (mục lục) hoặc một điều khoản theo id")
    d.add_argument("id", nargs="?", help="id văn bản (vd. dieu-le-dang-2011) hoặc điều khoản (vd. .../d4/k2)")
    d.set_defaults(func=cmd_doc)
