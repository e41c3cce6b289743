"""A searcher that follows the published index: searches keep answering from the open version while a rebuild
runs, and move to the new version once it is published and loaded (the swap is one reference assignment).

Used by long-running processes (the HTTP API; the UI keys its cached searcher on the same version name).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from indexer.config import Settings
from indexer.embed.embedder import Embedder
from indexer.index import freshness, store
from indexer.search.searcher import Hit, Searcher

log = logging.getLogger(__name__)
NOTE_TTL_S = 5.0


def published_version(index_dir: Path) -> str | None:
    """Name of the version `current` points to (cheap: one readlink), None when there is none."""
    version = store.current_version(Path(index_dir))
    return version.name if version is not None else None


@dataclass
class Answer:
    """One search with what it was answered from (the version, how the question was read, answerability)."""

    hits: list[Hit]
    version: str
    understood: dict
    timings_ms: dict[str, float]
    answerability: dict | None = None  # probability that something answers; None when not calibrated
    index_note: str | None = None  # what the index lacks from the corpus on disk and what to run (None: current)


class LiveSearcher:
    """Holds the open `Searcher`; notices a newly published version and loads it in the background."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        # A complete index built from an older corpus keeps answering (with `index_note`) rather than refusing.
        self._searcher = Searcher.open(settings, embedder=embedder, allow_stale=True)
        self._note: tuple[str, float, str | None] | None = None  # (version, when checked, note)
        self.embedder = self._searcher.embedder
        self._load_lock = threading.Lock()
        self._note_lock = threading.Lock()
        self._loading: str | None = None
        self._failed: str | None = None  # a version that could not be opened is not retried on every request
        self.last_error: str | None = None

    @property
    def version(self) -> str:
        return self._searcher.version_dir.name

    @property
    def searcher(self) -> Searcher:
        """The searcher to use now; starts loading a newer published version without waiting for it."""
        newest = published_version(self.settings.index_dir)
        if newest and newest != self.version:
            self._start_loading(newest)
        return self._searcher

    def _start_loading(self, name: str) -> None:
        with self._load_lock:
            if self._loading == name or self._failed == name:
                return
            self._loading = name
        threading.Thread(target=self._load, args=(name,), name=f"soi-load-{name}", daemon=True).start()

    def _load(self, name: str) -> None:
        try:
            fresh = Searcher.open(self.settings, embedder=self.embedder, check_corpus=False)
        except Exception as e:  # noqa: BLE001 — keep answering from the open version; report why
            log.exception("loading index version %s failed", name)
            self.last_error = f"{name}: {e}"
            self._failed = name
        else:
            self._searcher = fresh  # atomic reference swap; searches in flight finish on the old object
            self.last_error = None
            log.info("now answering from index version %s", fresh.version_dir.name)
        finally:
            with self._load_lock:
                self._loading = None

    def index_note(self) -> str | None:
        """What the open index lacks from the corpus on disk (library changed by `soi add --no-build` or a killed
        add, data directory moved) and what to run; None when it is current. The check is cheap (sizes and times,
        indexer.index.freshness) and is redone at most every NOTE_TTL_S seconds."""
        searcher, now = self._searcher, time.monotonic()
        cached = self._note
        same = cached is not None and cached[0] == searcher.version_dir.name
        if same and now - cached[1] < NOTE_TTL_S:
            return cached[2]
        # One thread re-checks; requests arriving meanwhile answer with the note of this version they have
        # (not every request of a busy second redoing the same check).
        if not self._note_lock.acquire(blocking=not same):
            return cached[2]
        try:
            note = freshness.check(self.settings, searcher.manifest).message()
        except Exception as e:  # noqa: BLE001 — a note must never stop an answer
            log.exception("checking the corpus against index version %s failed", searcher.version_dir.name)
            note = f"Không kiểm tra được kho văn bản (cannot check the corpus): {e}"
        finally:
            self._note_lock.release()
        self._note = (searcher.version_dir.name, now, note)
        return note

    def search(self, query: str, k: int = 5, mode: str = "fused", doc_ids: list[str] | None = None,
               in_force_only: bool = False, exact: bool = False) -> Answer:
        searcher = self.searcher
        # `ask` keeps no per-call state on the searcher, so concurrent requests run side by side (as UI sessions do)
        got = searcher.ask(query, k=k, mode=mode, doc_ids=doc_ids, in_force_only=in_force_only, exact=exact)
        qa = got.analysis
        timings = {key: round(v, 2) for key, v in got.timings.items()}
        understood = {"content": qa.content, "accented": qa.accented, "restored": qa.dense_text, "exact": exact,
                      "documents": doc_ids or qa.doc_ids, "note": qa.doc_note, "cited": qa.cited,
                      "absent_words": got.absent}
        judged = got.answerability.to_dict() if got.answerability else None
        return Answer(got.hits, searcher.version_dir.name, understood, timings, judged, self.index_note())
