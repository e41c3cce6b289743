"""`soi add`, `soi library`, `soi remove`, `soi serve`: the user's own documents and the JSON API.

Each file is read and its metadata guessed, then shown for confirmation (or taken as given with --yes / field
options); bad files are reported by name and skipped, good ones are added, and the index is rebuilt once.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

FIELD_LABELS = {
    "code": "Số hiệu (code)",
    "type": "Loại (type)",
    "title": "Tên (title)",
    "issuer": "Cơ quan ban hành (issuer)",
    "issued": "Ngày ban hành (issued, YYYY-MM-DD)",
    "status": "Tình trạng (status)",
    "completeness": "Đầy đủ (completeness: full/partial)",
}


def _show(cand) -> None:
    x = cand.extracted
    pages = f", {x.pages} trang" if x.pages else ""
    print(f"\n== {cand.source.name}: {x.format}{pages}, {x.encoding}, {len(x.text):,} ký tự, "
          f"{cand.units} đơn vị cấu trúc → id «{cand.doc_id}»")
    for key, label in FIELD_LABELS.items():
        value = cand.fields.get(key, "")
        evidence = cand.guessed.evidence.get(key, "") if hasattr(cand.guessed, "evidence") else ""
        hint = f"   ← «{evidence[:70]}»" if evidence else ""
        print(f"   {label:<38} {value or '—'}{hint}")
    for n in cand.notices:
        print(f"   Cảnh báo (warning): {n.vi} ({n.en})")
    for d in cand.duplicates:
        print(f"   {'Trùng (duplicate)' if d.blocking else 'Lưu ý (note)'}: {d.message('vi')}")


def _edit(cand, settings) -> None:
    from indexer.ingest.library import reconsider

    fields = dict(cand.fields)
    for key, label in FIELD_LABELS.items():
        answer = input(f"   {label} [{fields.get(key, '')}]: ").strip()
        if answer:
            fields[key] = answer
    reconsider(cand, fields, settings)


def _confirm(cand, settings, assume_yes: bool) -> bool:
    """True to add. Interactive unless --yes; without a terminal, confirmation must be explicit."""
    if assume_yes:
        return True
    if not sys.stdin.isatty():
        raise SystemExit(
            "Cần xác nhận thông tin văn bản: chạy lại với --yes (hoặc --code/--type/--issued …) "
            "(metadata must be confirmed: rerun with --yes, optionally with field options)."
        )
    while True:
        answer = input("   Thêm văn bản này? [c]ó / [s]ửa thông tin / [b]ỏ qua (yes/edit/skip): ").strip().lower()
        if answer in ("c", "co", "có", "y", "yes", ""):
            return True
        if answer in ("b", "bo", "bỏ", "n", "no", "skip"):
            return False
        if answer in ("s", "sua", "sửa", "e", "edit"):
            _edit(cand, settings)
            _show(cand)


def cmd_add(args: argparse.Namespace) -> int:
    from app.cli.common import build_with_bars, settings_from_args
    from indexer.index.freshness import load_documents
    from indexer.ingest.errors import IngestError, from_os_error
    from indexer.ingest.library import commit, prepare, reconsider, recover, unindexed

    s = settings_from_args(args)
    given = {k: getattr(args, k) for k in FIELD_LABELS if getattr(args, k, None)}
    failed: list[str] = []
    added = []
    resumed: list[str] = []  # already in the library but not in the index: adding again finishes the add
    t0 = time.perf_counter()
    if Path(s.library_dir).is_dir():
        recover(Path(s.library_dir))  # an add killed half-way: finish it or take it out before looking at the library
    documents = load_documents(s)
    pending = unindexed(s, documents)
    for name in args.files:
        try:
            cand = prepare(Path(name), s, ocr=args.ocr, documents=documents)
            if given:
                reconsider(cand, {**cand.fields, **given}, s, documents=documents)
            _show(cand)
            if cand.blocking is not None:
                dup = cand.blocking
                if dup.reason == "same-text" and dup.doc_id in pending and dup.doc_id not in resumed:
                    print(f"   Đã có trong kho «{dup.doc_id}» nhưng chưa có trong chỉ mục (already in the library, "
                          "not yet indexed): lần thêm trước chưa xong, sẽ hoàn tất.")
                    resumed.append(dup.doc_id)
                    continue
                raise IngestError(cand.source, "duplicate", dup.message("vi"), dup.message("en"))
            if not _confirm(cand, s, args.yes):
                print("   Bỏ qua (skipped).")
                continue
            result = commit(cand, s, documents=documents)
        except OSError as exc:  # one file's OS error (name too long, read-only folder …) is that file's alone
            e = from_os_error(Path(name), exc, "không thêm được tệp", "cannot add the file")
            print(f"Lỗi (error): {e.message('vi')}\n   ({e.en})", file=sys.stderr)
            failed.append(name)
            continue
        except IngestError as e:
            print(f"Lỗi (error): {e.message('vi')}\n   ({e.en})", file=sys.stderr)
            failed.append(name)
            continue
        added.append(result)
        documents = load_documents(s)
        note = f" (thay bản chưa đầy đủ «{result.stands_in_for}»)" if result.stands_in_for else ""
        print(f"   Đã thêm (added): {result.doc_id}{note} → {result.path}")
    if (added or resumed) and not args.no_build:
        c = build_with_bars(s)["counts"]
        print(f"Đã cập nhật chỉ mục (index updated): {c['documents']} văn bản, {c['clauses']} điều khoản; "
              f"nhúng mới {c['embedded_now']}; tổng thời gian {time.perf_counter() - t0:.1f} s")
    elif added or resumed:
        print("Chưa cập nhật chỉ mục (--no-build): chạy `soi build` để tìm được văn bản mới; cho đến khi đó, "
              "`soi ask` vẫn trả lời từ chỉ mục trước.")
    if failed:
        print(f"{len(failed)} tệp không thêm được (files not added): {', '.join(failed)}", file=sys.stderr)
        return 5
    return 0


def cmd_library(args: argparse.Namespace) -> int:
    from app.cli.common import settings_from_args
    from indexer.corpus.citation import format_date
    from indexer.ingest.library import list_added

    s = settings_from_args(args)
    docs = list_added(s)
    if not docs:
        print(f"Chưa có văn bản nào được thêm (no added documents) trong {s.library_dir}.")
        return 0
    for d in docs:
        print(f"{d.id:<24} {d.code or '—':<18} {format_date(d.issued) or '—':<11} {d.title[:70]}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from app.cli.common import build_with_bars, settings_from_args
    from indexer.ingest.errors import IngestError
    from indexer.ingest.library import remove

    s = settings_from_args(args)
    try:
        path = remove(args.id, s)
    except IngestError as e:
        print(f"Lỗi (error): {e.message('vi')}", file=sys.stderr)
        return 5
    print(f"Đã xoá (removed) {path.name}")
    if not args.no_build:
        build_with_bars(s)
        print("Đã cập nhật chỉ mục (index updated).")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from app.cli.common import settings_from_args
    from app.serve import serve
    from indexer.search.live import LiveSearcher

    settings = settings_from_args(args)
    if not settings.threads:
        # Requests run side by side: one ONNX Runtime thread each (no spinning helper threads) costs ~25 % less
        # CPU per question under load than a pool per request (benchmarks/serve_load.py).
        settings = replace(settings, threads=1)
    if settings.query_precision == "auto":
        # Many questions side by side: the int8 query encoder (a third less CPU a question, dev MRR within noise:
        # README «Query speed»); fp32, with a log line, when the build has not made a verified copy.
        settings = replace(settings, query_precision="int8")
    live = LiveSearcher(settings)
    note = live.index_note()
    if note:
        print(f"Lưu ý (note): {note}", file=sys.stderr, flush=True)
    serve(live, host=args.host, port=args.port, allow_hosts=args.allow_host,
          request_timeout=args.request_timeout)
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Adds this group's subcommands to `soi`."""
    a = sub.add_parser("add", parents=[common], help="thêm văn bản của bạn (.pdf, .docx, .html, .md, .txt) và cập "
                       "nhật chỉ mục")
    a.add_argument("files", nargs="+", help="các tệp cần thêm")
    a.add_argument("--yes", "-y", action="store_true", help="chấp nhận thông tin đoán được (không hỏi lại)")
    for key, label in FIELD_LABELS.items():
        a.add_argument(f"--{key}", help=f"đặt {label}")
    a.add_argument("--ocr", action="store_true", help="nhận dạng chữ PDF scan (cần tesseract-ocr, tesseract-ocr-vie)")
    a.add_argument("--no-build", action="store_true", help="chỉ thêm vào kho, chưa cập nhật chỉ mục")
    a.set_defaults(func=cmd_add)

    lib = sub.add_parser("library", parents=[common], help="liệt kê văn bản bạn đã thêm")
    lib.set_defaults(func=cmd_library)

    rm = sub.add_parser("remove", parents=[common], help="xoá một văn bản đã thêm (theo id) và cập nhật chỉ mục")
    rm.add_argument("id")
    rm.add_argument("--no-build", action="store_true")
    rm.set_defaults(func=cmd_remove)

    sv = sub.add_parser("serve", parents=[common], help="API JSON trên máy cục bộ: /search?q=…, /health")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8765)
    sv.add_argument("--allow-host", action="append", metavar="TÊN",
                    help="tên máy khác localhost được chấp nhận trong tiêu đề Host (lặp lại được; mặc định chỉ "
                    "localhost, 127.0.0.1, ::1)")
    sv.add_argument("--request-timeout", type=float, default=10.0, metavar="GIÂY",
                    help="thời gian tối đa để nhận hết một yêu cầu (mặc định 10 s)")
    sv.set_defaults(func=cmd_serve)
