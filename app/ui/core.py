"""Process-wide resources of the UI and its error guard.

The model and the opened index are loaded once per process (`st.cache_resource`) and shared by every session.
A missing or outdated index is built on first use, with a progress bar; a failure becomes a Vietnamese message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

import streamlit as st

from indexer.config import Settings, load_settings

if TYPE_CHECKING:
    from indexer.embed.embedder import Embedder
    from indexer.search.searcher import Searcher

log = logging.getLogger("soi.ui")

# Page scripts, relative to the entry script `app/ui/Hoi_dap.py` (st.Page, st.page_link and st.switch_page use them).
PAGE_HOI_DAP = "views/hoi_dap.py"
PAGE_VAN_BAN = "views/van_ban.py"

BUILD_STAGES = {"segment": "Tách từ", "embed": "Tính véc-tơ ngữ nghĩa", "questions": "Tính véc-tơ câu hỏi mẫu"}


class UIError(Exception):
    """A problem the user can act on; its message is Vietnamese and shown as it is."""


def current_settings() -> Settings:
    """Settings as the CLI resolves them (arguments > environment > config file > defaults)."""
    return load_settings()


def _key(s: Settings) -> str:
    """What identifies an index + model combination (the cache key of the opened searcher)."""
    dirs = ",".join(str(d) for d in s.corpus_dirs)
    return f"{s.index_dir}|{s.model}|{s.query_prefix}|{s.passage_prefix}|{dirs}|{s.include_bundled}"


@st.cache_resource(show_spinner="Đang nạp mô hình ngôn ngữ…")
def _embedder(model: str, query_prefix: str, passage_prefix: str, threads: int) -> Embedder:
    from indexer.embed.embedder import Embedder

    if threads:
        import torch

        torch.set_num_threads(threads)
    return Embedder(model, query_prefix, passage_prefix)


def embedder_for(s: Settings) -> Embedder:
    return _embedder(s.model, s.query_prefix, s.passage_prefix, s.threads)


def _searcher_key(s: Settings) -> str:
    """The cache key of the searcher of `s`: index + model, and the published version (see `get_searcher`)."""
    from indexer.search.live import published_version

    return f"{_key(s)}|{published_version(s.index_dir)}"


def _open_light(s: Settings) -> Searcher | None:
    """The searcher with the ONNX query encoder, or None when no build has exported it yet (the full model is
    needed then, which only `_searcher` loads: it is shared with builds)."""
    from indexer.embed.query_encoder import light_query_encoder
    from indexer.search.searcher import Searcher

    encoder = light_query_encoder(s)
    return Searcher.open(s, embedder=encoder) if encoder is not None else None


# ---- warm-up -------------------------------------------------------------------------------------------------
# Opening the searcher costs ~1–2 s of CPU (ONNX session, tokenizer, index, word segmenter). `python -m app.ui`
# (what `soi app` runs) starts it in a background thread once the server listens (`warm_in_background`), and
# `_searcher` takes the result over instead of opening a second one; a question asked before it is ready waits
# for it under «Đang nạp mô hình…».

_warm: Future | None = None  # the background opening: (searcher key, searcher or None)
_warm_lock = threading.Lock()
_warm_started = False


def warm_in_background(first: Callable[[], None] | None = None) -> bool:
    """Start opening the searcher of the current settings in a background thread, once per process; True when
    this call started it. Returns at once and never raises: a bad configuration, a missing index or any other
    failure is left to the page that asks for the searcher, which shows it (and builds a missing index).
    `first` runs in the thread before the opening (`python -m app.ui` waits there for the server to listen)."""
    global _warm, _warm_started
    with _warm_lock:
        if _warm_started:
            return False
        _warm_started = True
        pending: Future = Future()
        _warm = pending

    def run() -> None:
        pending.set_running_or_notify_cancel()
        try:
            if first is not None:
                first()
            t0 = time.monotonic()
            s = current_settings()
            pending.set_result((_searcher_key(s), _open_light(s)))
            log.info("model and index loaded in the background in %.1f s", time.monotonic() - t0)
        except BaseException as e:  # noqa: BLE001 — the page opens the searcher itself and shows the error
            pending.set_exception(e)

    threading.Thread(target=run, name="soi-warm-up", daemon=True).start()
    return True


def _take_warm(key: str, s: Settings) -> Searcher | None:
    """The searcher the background warm-up opened, waiting for it, when it is the one for `key` and the corpus
    still matches its index; else None (the warm-up failed; the index was rebuilt, the settings changed or a
    document was added since it started). Taken once: afterwards the searcher lives in `_searcher`'s cache."""
    global _warm
    with _warm_lock:
        pending, _warm = _warm, None
    if pending is None:
        return None
    try:
        warm_key, searcher = pending.result()
    except BaseException:  # noqa: BLE001 — opened again by the caller, whose error the page shows
        log.debug("background warm-up failed; opening the searcher in the page", exc_info=True)
        return None
    if searcher is None or warm_key != key:
        return None
    # Checked again as `Searcher.open` checks it: a corpus changed since the warm-up (an upload while nobody had
    # asked yet) must not be answered from the index that predates it — the caller then reports it as stale.
    from indexer.index import freshness

    fresh = freshness.check(s, searcher.manifest)
    if not fresh.fresh:
        return None
    searcher.freshness = fresh
    return searcher


_opened: set[str] = set()  # searcher keys `_searcher` has opened in this process (a question needs no loading)


def _ready(key: str) -> bool:
    """Whether the searcher for `key` is open already, by a page or by the background warm-up."""
    if key in _opened:
        return True
    pending = _warm
    if pending is None or not pending.done() or pending.exception() is not None:
        return False
    warm_key, searcher = pending.result()
    return warm_key == key and searcher is not None


LOADING = "Đang nạp mô hình… (vài giây, chỉ khi vừa khởi động hoặc vừa cập nhật chỉ mục)"


@st.cache_resource(show_spinner=False, max_entries=2)  # `get_searcher` says «Đang nạp mô hình…» itself
def _searcher(key: str, _settings: Settings) -> Searcher:
    searcher = _take_warm(key, _settings)
    if searcher is None:
        # Answering needs only the ONNX query encoder (~0.7 GB less than the full model, no PyTorch, ~1 s to
        # load); the full model is loaded only when no build has exported it yet, and is then shared with builds.
        from indexer.search.searcher import Searcher

        searcher = _open_light(_settings) or Searcher.open(_settings, embedder=embedder_for(_settings))
    _opened.add(key)
    return searcher


@st.cache_resource
def _build_lock() -> threading.Lock:
    """One index build at a time in this process, whichever session asked for it."""
    return threading.Lock()


def get_searcher() -> Searcher:
    """The shared searcher; builds the index first (with a progress bar) when it is missing or outdated."""
    from indexer.index.store import MissingIndexError, StaleIndexError

    s = current_settings()
    key = _searcher_key(s)
    # Not open yet (the first question after `soi app` starts, or a rebuilt index): a plain element, not a
    # spinner, so that it stays on screen while a question sent meanwhile waits for the model.
    note = None
    if not _ready(key):
        note = st.empty()
        note.info(LOADING, icon=":material/hourglass_top:")
    try:
        # Keyed on the published version: after a rebuild the next question opens the new index, while
        # sessions mid-search finish on the one they hold.
        return _searcher(key, replace(s))
    except MissingIndexError:
        reason = "Chưa có chỉ mục tìm kiếm. Đang tạo chỉ mục lần đầu cho kho văn bản (thường mất 1–2 phút)…"
    except StaleIndexError:
        reason = "Kho văn bản hoặc mô hình đã thay đổi từ lần tạo chỉ mục trước. Đang cập nhật chỉ mục…"
    finally:
        if note is not None:
            note.empty()
    build_with_progress(s, reason)
    try:
        return _searcher(_searcher_key(s), replace(s))
    except Exception as e:  # noqa: BLE001 — shown to the user, logged for the operator
        log.exception("opening the index after a build failed")
        raise UIError(f"Đã tạo chỉ mục nhưng không mở được: {e}") from e


class _ProgressBar:
    """Adapter from the library's progress callback (stage, done, total) to st.progress, throttled."""

    def __init__(self, bar: st.delta_generator.DeltaGenerator) -> None:
        self.bar = bar
        self.last = 0.0
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage == self.stage and done < total and now - self.last < 0.2:
            return
        self.stage, self.last = stage, now
        name = BUILD_STAGES.get(stage, stage)
        frac = min(max(done / total, 0.0), 1.0) if total else 1.0
        self.bar.progress(frac, text=f"{name}: {done}/{total}")


def build_with_progress(s: Settings, reason: str) -> dict | None:
    """Build the index at `s.index_dir` while showing a progress bar; None when another session built it."""
    from indexer.index.build import build_index

    lock = _build_lock()
    box = st.empty()
    with box.container():
        st.info(reason, icon=":material/hourglass_top:")
        bar = st.progress(0.0, text="Đang chuẩn bị…")
    if not lock.acquire(blocking=False):
        bar.progress(0.0, text="Một phiên làm việc khác đang tạo chỉ mục; vui lòng chờ…")
        with lock:
            pass
        box.empty()
        return None
    try:
        manifest = build_index(s, embedder=embedder_for(s), progress=_ProgressBar(bar))
    except Exception as e:  # noqa: BLE001 — shown to the user, logged for the operator
        log.exception("index build failed")
        box.empty()
        raise UIError(
            f"Không tạo được chỉ mục tại {s.index_dir}: {e}. Hãy kiểm tra quyền ghi thư mục, "
            "hoặc chạy `soi build` trong cửa sổ lệnh để xem chi tiết."
        ) from e
    finally:
        lock.release()
    c = manifest.get("counts", {})
    box.success(
        f"Đã tạo chỉ mục: {c.get('documents', '?')} văn bản, {c.get('clauses', '?')} điều khoản "
        f"({manifest.get('build_seconds', '?')} giây).",
        icon=":material/check_circle:",
    )
    return manifest


@contextmanager
def guard() -> Iterator[None]:
    """Run a page body; any error becomes a Vietnamese message (details go to the server log, not the page)."""
    from indexer.config import ConfigError
    from indexer.index.store import IndexError_

    try:
        yield
    except UIError as e:
        st.error(str(e), icon=":material/error:")
    except ConfigError as e:  # the server's settings, named (file or variable): nothing a page retry would fix
        st.error(f"Lỗi cấu hình của máy chủ: {e.where_vi}: {e.vi}", icon=":material/settings:")
    except IndexError_ as e:
        st.error(str(e), icon=":material/error:")
    except Exception as e:  # noqa: BLE001 — the page must never show a traceback
        log.exception("soi UI error")
        st.error(
            f"Đã xảy ra lỗi khi xử lý yêu cầu: {e}. Chi tiết đã được ghi vào nhật ký của máy chủ.",
            icon=":material/error:",
        )


CSS = """
<style>
.soi-text { white-space: pre-wrap; line-height: 1.6; font-size: 1rem; overflow-wrap: anywhere; }
.soi-text mark { background: #fde68a; color: #1f2937; padding: 0 .1em; border-radius: .2em; }
.soi-meta { color: rgba(49, 51, 63, .7); font-size: .9rem; margin: 0; }
.soi-h { font-weight: 600; }
.soi-target { background: #fff8e1; color: #1f2937; border-left: 4px solid #d97706; padding: .5rem .8rem;
  border-radius: .3rem; margin: .35rem 0; scroll-margin-top: 4.5rem; }
.soi-note { color: rgba(49, 51, 63, .7); font-size: .85rem; font-style: italic; }
button.soi-copy { font: inherit; font-size: .9rem; padding: .3rem .75rem; border-radius: .5rem; cursor: pointer;
  border: 1px solid rgba(49, 51, 63, .2); background: transparent; color: inherit; }
[data-testid="InputInstructions"] { display: none; }
button.soi-copy:hover { border-color: #d97706; color: #b45309; }
.soi-rule { display: inline-block; width: 8em; border-top: 1px solid currentColor; opacity: .45;
  vertical-align: middle; }
.soi-gap { color: rgba(49, 51, 63, .7); cursor: help; }
.soi-gap::after { content: " chưa có nguyên văn"; font-size: .8em; font-style: italic; }
.soi-table { border-collapse: collapse; margin: .5rem 0; font-size: .95rem; white-space: normal;
  overflow-wrap: normal; word-break: normal; }
.soi-table th, .soi-table td { border: 1px solid rgba(49, 51, 63, .25); padding: .25rem .5rem; vertical-align: top;
  white-space: normal; text-align: left; }
.soi-table th { background: rgba(49, 51, 63, .05); font-weight: 600; }
.soi-doc-table-wrap { overflow-x: auto; }
.soi-doc-table { font-size: .9rem; }
.soi-doc-table td:nth-child(2) { min-width: 18em; }
.soi-doc-table td:nth-child(3) { white-space: nowrap; }
.soi-doc-table td:last-child { font-size: .8rem; overflow-wrap: anywhere; min-width: 10em; max-width: 16em; }
[data-testid="stElementToolbar"] { display: none; }
a[data-testid="stSkipToContent"], a[data-testid="stSkipToContent"]:focus-visible { font-size: 0; }
a[data-testid="stSkipToContent"]::after { content: "Chuyển đến nội dung chính"; font-size: .875rem; }
[data-testid="stFileUploaderDropzoneInstructions"] { display: none; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
  content: "Tải tệp lên"; font-size: .875rem; }
.st-key-outline [data-testid="stPageLink"] p, .st-key-outline [data-testid="stPageLink"] span {
  white-space: normal; overflow: visible; text-overflow: clip; }
</style>
"""


# A label the page cuts to fit (an option of a select box, a chosen value, a table cell) gets its whole text as a
# tooltip when the pointer is on it: the text is never lost, only shortened on screen.
TOOLTIP_SCRIPT = """
<script>
if (!window.__soiTips) {
  window.__soiTips = true;
  document.addEventListener("mouseover", (ev) => {
    let el = ev.target;
    for (let i = 0; el && el.nodeType === 1 && i < 4; i++, el = el.parentElement) {
      if (el.title || el.getAttribute("aria-label")) break;
      if (el.scrollWidth > el.clientWidth + 1) {
        const t = (el.textContent || "").trim();
        if (t && t.length <= 1000) el.title = t;
        break;
      }
    }
  }, true);
}
</script>
"""


def inject_css() -> None:
    st.html(CSS)
    st.html(TOOLTIP_SCRIPT, unsafe_allow_javascript=True)
