"""`soi refs`, `soi checks`, `soi case`: what a provision cites, what to check, what a case breaks."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.cli.common import open_searcher


def cmd_refs(args: argparse.Namespace) -> int:
    from indexer.corpus.citation import clause_citation, document_citation, status_label
    from indexer.rules.refs import graph_for

    searcher = open_searcher(args, load_model=False)
    node = args.id
    if node not in searcher.clauses and node not in searcher.documents:
        docs = searcher.match_documents(node)
        if not docs:
            print(f"Không có văn bản hay điều khoản «{node}» (unknown document or clause id).", file=sys.stderr)
            return 2
        node = docs[0].id
    g = graph_for(searcher)
    doc = searcher.documents[node.split("/", 1)[0]]
    head = clause_citation(searcher.clauses[node], doc) if node in searcher.clauses else document_citation(doc)
    print(f"{head}\n[{status_label(doc)}]\n")

    def show(title: str, refs: list, outgoing: bool) -> None:
        print(f"{title} ({len(refs)}):")
        for r in refs:
            if outgoing:
                where = r.target_clause or r.target_doc or "ngoài kho văn bản"
                print(f"  - «{' '.join(r.text.split())}» → {where}   (tại {r.source})")
            else:
                print(f"  - {r.source}: «{' '.join(r.text.split())}»")
        if not refs:
            print("  (không có)")

    show("Trích dẫn (cites)", g.cites(node), True)
    show("Được trích dẫn bởi (cited by)", g.cited_by(node), False)
    replaced = g.replaced_by(doc.id)
    print(f"Được thay thế bởi (replaced by) ({len(replaced)}):")
    for r in replaced:
        src = r.source if not r.source.startswith("?") else f"{r.code} (chưa có trong kho)"
        print(f"  - {src}  [{r.provenance}]")
    if not replaced:
        print("  (không có)")
    for title, refs in (("Thay thế (replaces)", g.replaces(doc.id)), ("Được sửa đổi bởi (amended by)",
                                                                      g.amended_by(doc.id))):
        if refs:
            print(f"{title} ({len(refs)}):")
            for r in refs:
                other = r.target_doc if title.startswith("Thay") else r.source
                label = other if other and not other.startswith("?") else f"{r.code} (chưa có trong kho)"
                print(f"  - {label}: «{' '.join(r.text.split())}»  [{r.provenance}]")
    return 0


def cmd_checks(args: argparse.Namespace) -> int:
    from indexer.rules.checks import MODALITY_LABELS, checks_for

    searcher = open_searcher(args, load_model=False)
    if args.id not in searcher.clauses:
        print(f"Không có điều khoản «{args.id}» (unknown clause id).", file=sys.stderr)
        return 2
    checks = checks_for(args.id, searcher)
    if args.json:
        print(json.dumps([c.to_dict() for c in checks], ensure_ascii=False, indent=2))
        return 0
    if not checks:
        print("Chưa trích được nội dung cần kiểm tra từ điều khoản này; đọc nguyên văn để xác định (no check).")
    for c in checks:
        print(f"- [{MODALITY_LABELS[c.modality]}] {c.item}")
        print(f"  chủ thể: {c.subject or '—'}; kiểm tra: {c.actor}; hình thức: {c.kind}")
        print(f"  tài liệu: {', '.join(c.evidence)}; thời hạn: {c.deadline or '—'}; nguồn: {c.provenance} "
              f"({c.confidence}); {c.rule}")
    from indexer.rules.discipline import PROVENANCE_LABELS, discipline_for

    rd = discipline_for(args.id, searcher)
    if rd.is_discipline:
        print("\nĐiều khoản này là quy định về kỷ luật.")
        return 0
    print("\nKỶ LUẬT KHI VI PHẠM (discipline):")
    for x in rd.links + rd.general:
        forms = f"; hình thức: {', '.join(x.forms)}" if x.forms else ""
        flags = (" [chưa có trong kho]" if x.absent else "") + (" [điểm thấp]" if x.low else "")
        tag = " [chung]" if x.general else ""
        print(f"- {x.citation} ({x.clause}){tag}{flags}: {PROVENANCE_LABELS[x.provenance]}, điểm {x.score:.2f}{forms}")
        print(f"    {x.note}")
    for m in rd.missing:
        print(f"Lưu ý: {m}")
    return 0


def cmd_case(args: argparse.Namespace) -> int:
    from indexer.rules.case import (
        FORMATS,
        NO_CHECK,
        SUGGESTIONS_TITLE,
        analyze_case,
        discipline_line,
        export,
        to_markdown,
    )
    from indexer.rules.checks import MODALITY_LABELS

    fmt = args.format or (Path(args.out).suffix.lstrip(".").lower() if args.out else None)
    if fmt is not None and fmt not in FORMATS:
        print(f"Định dạng không hỗ trợ (unsupported format): {fmt}; dùng {', '.join(FORMATS)}", file=sys.stderr)
        return 2
    if fmt in ("docx", "pdf") and not args.out:
        print(f"Định dạng {fmt} cần --out TỆP (binary output needs a file).", file=sys.stderr)
        return 2
    searcher = open_searcher(args, load_model=args.mode != "lexical")
    result = analyze_case(args.text, searcher, k=args.k, mode=args.mode, suggestions=args.goi_y)
    if args.out:
        Path(args.out).write_bytes(export(result, fmt or "md"))
        print(f"Đã ghi {fmt or 'md'}: {args.out}", file=sys.stderr)
    if args.markdown:
        Path(args.markdown).write_text(to_markdown(result), encoding="utf-8")
    if args.csv:
        Path(args.csv).write_bytes(export(result, "csv"))  # UTF-8 with BOM: Excel shows the diacritics
    if args.json:
        out = {"query": args.text,
               "rules": [{**r.hit.to_dict(), "replaced": r.replaced, "checks": [c.to_dict() for c in r.checks],
                          "discipline": [x.to_dict() for x in (r.discipline.all if r.discipline else [])]}
                         for r in result.rules],
               "discipline": [d.to_dict() for d in result.discipline],
               "suggestions": [d.to_dict() for d in result.suggestions],
               "who": result.who, "excluded": [{"clause": c, "reason": why} for c, why in result.excluded],
               "missing": result.missing, "absent_words": result.absent_words, "restored": result.understood}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    if fmt in ("md", "csv") and not args.out:
        sys.stdout.write(export(result, fmt).decode("utf-8"))
        return 0
    if result.understood:
        print(f"(hiểu là: «{result.understood}»)\n")
    print("QUY ĐỊNH ÁP DỤNG")
    for i, r in enumerate(result.rules, 1):
        note = "  — đã được thay thế, chỉ để đối chiếu" if r.replaced else ""
        print(f"{i}. {r.hit.citation}  [{r.hit.status_label}]{note}")
        for line in r.hit.clause.text.splitlines():  # the whole verbatim text, as the UI and exports show it
            print(f"   {line}" if line.strip() else "")
        for c in r.checks:
            dl = f"; thời hạn, định kỳ: {c.deadline}" if c.deadline else ""
            print(f"   ☐ [{MODALITY_LABELS[c.modality]}] {c.item}  (chủ thể: {c.subject or '—'}; "
                  f"kiểm tra: {c.actor}{dl})")
        if not r.checks:
            print(f"   ({NO_CHECK})")
        print()
    print("QUY ĐỊNH KỶ LUẬT CÓ THỂ ÁP DỤNG" + (f" (đối với {' và '.join(result.who)})" if result.who else ""))
    groups = [("", result.specific), ("Hình thức và thẩm quyền kỷ luật chung:", result.general)]
    if args.goi_y:
        groups.append((f"{SUGGESTIONS_TITLE}:", result.suggestions))
    elif result.suggestions:
        print(f"  ({len(result.suggestions)} gợi ý theo độ tương đồng, chưa kiểm chứng, được ẩn; thêm --goi-y để xem)")
    for title, items in groups:
        if title and items:
            print(title)
        for d in items:
            forms = f"  hình thức: {', '.join(d.penalties)}" if d.penalties else ""
            print(f"- {d.citation}{forms}")
            print(f"    {discipline_line(d, result)} — {d.note}")
    for m in result.notes:
        print(f"Lưu ý: {m}")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Adds this group's subcommands to `soi`."""
    r = sub.add_parser("refs", parents=[common], help="văn bản/điều khoản trích dẫn gì, được ai trích dẫn, ai thay thế")
    r.add_argument("id", help="id văn bản (vd. qd-22-2021) hoặc điều khoản (vd. qd-69-2022/d4/k2)")
    r.set_defaults(func=cmd_refs)

    ck = sub.add_parser("checks", parents=[common], help="các nội dung cần kiểm tra của một điều khoản")
    ck.add_argument("id", help="id điều khoản (vd. dieu-le-dang-2011/d39/k8)")
    ck.add_argument("--json", action="store_true")
    ck.set_defaults(func=cmd_checks)

    cs = sub.add_parser("case", parents=[common], help="tình huống → quy định áp dụng, nội dung kiểm tra, kỷ luật")
    cs.add_argument("text", help="mô tả tình huống")
    cs.add_argument("-k", type=int, default=5, help="số quy định (default 5)")
    cs.add_argument("--mode", choices=["fused", "lexical", "dense"], default="fused")
    cs.add_argument("--format", choices=["md", "docx", "pdf", "csv"],
                    help="định dạng xuất: md, docx, pdf (báo cáo) hoặc csv (danh sách kiểm tra); mặc định theo --out")
    cs.add_argument("--out", help="ghi kết quả ra tệp (định dạng theo --format hoặc đuôi tệp)")
    cs.add_argument("--markdown", help="ghi kết quả ra tệp Markdown")
    cs.add_argument("--csv", help="ghi danh sách nội dung kiểm tra ra tệp CSV (UTF-8 có BOM)")
    cs.add_argument("--goi-y", action="store_true",
                    help="hiện cả gợi ý kỷ luật theo độ tương đồng (chưa kiểm chứng; mặc định ẩn)")
    cs.add_argument("--json", action="store_true")
    cs.set_defaults(func=cmd_case)
