"""Helpers every `soi` command module shares (settings from the options, builds with progress bars), kept apart
so that every command module imports them and none imports another's internals."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from indexer.config import Settings

STAGES = {"segment": "Tách từ (segmenting)", "embed": "Nhúng véc-tơ (embedding)",
          "questions": "Nhúng câu hỏi mẫu (embedding search questions)",
          "wait": "Chờ lần tạo chỉ mục khác xong (waiting for another build)"}


class _Bars:
    """tqdm bars with counts, one per build stage."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        self.bars: dict[str, object] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        bar = self.bars.get(stage)
        if bar is None:
            bar = self._tqdm(total=total, desc=STAGES.get(stage, stage), unit=" đv", file=sys.stderr, mininterval=0.5)
            self.bars[stage] = bar
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The settings of config.py with the command's --index/--model/--corpus/--threads on top."""
    from indexer.config import load_settings

    extra = [Path(p) for p in (getattr(args, "corpus", None) or [])]
    s = load_settings(index_dir=getattr(args, "index", None), model=getattr(args, "model", None))
    if extra:
        s.corpus_dirs = list(s.corpus_dirs) + extra
    if getattr(args, "threads", None):
        s.threads = args.threads  # queries: ONNX Runtime's threads (indexer.embed.query_encoder); builds: PyTorch's
    return s


def build_with_bars(s: Settings) -> dict:
    """Build the index with a progress bar per stage; also used after `soi add` / `soi remove`."""
    from indexer.index.build import build_index

    if s.threads:  # only builds load PyTorch; a process that just answers must not import it
        import torch

        torch.set_num_threads(s.threads)
    bars = _Bars()
    try:
        return build_index(s, progress=bars)
    finally:
        bars.close()


def open_searcher(args: argparse.Namespace, load_model: bool = True, allow_stale: bool = True):
    """The current index; one built from an older corpus still answers, with a note on stderr saying what
    changed and what to run (a `soi add --no-build` or a killed add must not stop all searching). Measurements
    (`soi eval`) refuse it instead: their figures would describe a corpus that is no longer there."""
    from indexer.search.searcher import Searcher

    searcher = Searcher.open(settings_from_args(args), load_model=load_model, allow_stale=allow_stale)
    note = searcher.freshness.message() if searcher.freshness is not None else None
    if note:
        print(f"Lưu ý (note): {note}", file=sys.stderr)
    return searcher


def ansi_mark(text: str, spans: list[tuple[int, int]], color: bool) -> str:
    from indexer.text.highlight import mark

    if color:
        return mark(text, spans, "\x1b[1;33m", "\x1b[0m")
    return mark(text, spans, "«", "»")


class NoDocumentMatch(Exception):
    """`--doc` named nothing in the corpus (exit code 2)."""


def doc_filter(searcher, text: str | None) -> list[str] | None:
    """`--doc` (a number or an approximate title) as document ids; None when not given."""
    if not text:
        return None
    docs = searcher.match_documents(text)
    if not docs:
        raise NoDocumentMatch(f"Không tìm thấy văn bản khớp với «{text}» (no document matches).")
    return [d.id for d in docs]
