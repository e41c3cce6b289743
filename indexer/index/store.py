"""The index on disk: versioned build folders behind an atomically swapped `current` link.

A build writes a fresh `v-<stamp>` folder and only then points `current` at it (os.replace of a symlink is
atomic), so a killed build or a bad file never costs the user the index they had, and readers that already
opened the old version keep answering from it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from indexer.atomic import atomic_write_text

MANIFEST = "manifest.json"
CURRENT = "current"
LOCK = ".build.lock"
FORMAT_VERSION = 1
REBUILD_HINT = "soi build"


class IndexError_(Exception):
    """Base for index problems the user can act on; the message says what to run."""


class MissingIndexError(IndexError_):
    pass


class StaleIndexError(IndexError_):
    pass


class CorruptIndexError(IndexError_):
    """A file of the published version is damaged (truncated, zeroed, edited): rebuilding replaces it."""


@dataclass
class IndexPaths:
    """Files inside one built version."""

    root: Path

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    @property
    def clauses(self) -> Path:
        return self.root / "clauses.json"

    @property
    def units(self) -> Path:
        return self.root / "units.json"

    @property
    def lexical_words(self) -> Path:
        return self.root / "bm25_words"

    @property
    def lexical_plain(self) -> Path:
        return self.root / "bm25_plain"

    @property
    def dense(self) -> Path:
        return self.root / "dense.faiss"

    @property
    def embeddings(self) -> Path:
        return self.root / "embeddings.npy"

    @property
    def question_vectors(self) -> Path:
        """One row per question a clause answers (indexer.corpus.questions), embedded as a query."""
        return self.root / "questions.npy"

    @property
    def question_units(self) -> Path:
        """The unit (row of embeddings.npy) each question row belongs to, ascending."""
        return self.root / "question_units.npy"

    @property
    def restorer(self) -> Path:
        return self.root / "diacritics.json"

    @property
    def segment_cache(self) -> Path:
        return self.root / "segments.json"

    @property
    def highlight_words(self) -> Path:
        """Word cuts of each indexed clause's verbatim text, for highlights (indexer.text.highlight.word_counts)."""
        return self.root / "words.json"


def current_version(index_dir: Path) -> Path | None:
    """The folder `current` points to, or None when no complete build exists."""
    link = index_dir / CURRENT
    if not link.is_symlink() and not link.exists():
        return None
    target = (index_dir / os.readlink(link)) if link.is_symlink() else link
    if not (target / MANIFEST).is_file():
        return None
    return target


def read_manifest(version_dir: Path) -> dict:
    with open(version_dir / MANIFEST, encoding="utf-8") as fh:
        return json.load(fh)


def new_version_dir(index_dir: Path) -> Path:
    """A fresh, hidden work folder for a build; it becomes visible only through `publish`."""
    index_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 1_000_000:06d}"
    path = index_dir / f".building-v-{stamp}"
    path.mkdir()
    return path


def write_json_atomic(path: Path, data: object) -> None:
    """JSON that a killed build leaves either whole or absent; 0644 like every other file of the index."""
    atomic_write_text(path, json.dumps(data, ensure_ascii=False), mode=0o644)


def file_checksums(version_dir: Path) -> dict[str, dict]:
    """Size and sha256 of every file of a build (POSIX paths relative to it, the manifest excepted): a later build
    reuses embeddings and segmentations only from files that still match, so a damaged file is never carried on."""
    out: dict[str, dict] = {}
    for path in sorted(p for p in Path(version_dir).rglob("*") if p.is_file()):
        rel = path.relative_to(version_dir).as_posix()
        if rel != MANIFEST:
            out[rel] = {"size": path.stat().st_size, "sha256": sha256_file(path)}
    return out


def verify_file(version_dir: Path, manifest: dict, rel: str) -> bool | None:
    """Whether a file of a published version is still what its build wrote; None when the manifest has no record
    of it (a version built before checksums were kept)."""
    record = manifest.get("files", {}).get(rel)
    if record is None:
        return None
    path = Path(version_dir) / rel
    try:
        return path.stat().st_size == record["size"] and sha256_file(path) == record["sha256"]
    except OSError:
        return False


def sha256_file(path: Path) -> str:
    """Read in 1 MiB chunks: index files and corpus files may be large."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextmanager
def build_lock(index_dir: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """One build at a time per index folder, across processes and threads: two `soi add` at once must not both
    embed the same texts; the second waits, then reuses what the first published. The lock is the kernel's
    (`flock` on LOCK), released when its holder ends however it ends, so a killed build never leaves it stuck.
    `on_wait` is called once when another build holds it. (Without `fcntl`, as on Windows, builds are not
    serialised; publishing stays atomic.)"""
    try:
        import fcntl
    except ImportError:  # pragma: no cover — not POSIX
        yield
        return
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(index_dir) / LOCK, "a+b") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def damaged_files(version_dir: Path, manifest: dict) -> list[str]:
    """Files of a version that are missing or differ from the checksums its manifest recorded (none for versions
    built before checksums were kept)."""
    return [rel for rel in manifest.get("files", {}) if not verify_file(version_dir, manifest, rel)]


def damaged_message(index_dir: Path, damaged: list[str]) -> str:
    shown = ", ".join(damaged[:5]) + (f" … (+{len(damaged) - 5})" if len(damaged) > 5 else "")
    return (f"Chỉ mục tại {index_dir} bị hỏng: {shown} (index damaged). Hãy chạy lại: {REBUILD_HINT} "
            "(tạo lại chỉ mục từ kho văn bản; không mất văn bản nào)")


def publish(index_dir: Path, work_dir: Path, manifest: dict, keep: int = 2) -> Path:
    """Finish a build: write its manifest last, rename it to `v-…`, swap `current`, prune old versions."""
    write_json_atomic(work_dir / MANIFEST, manifest)
    final = index_dir / work_dir.name.replace(".building-", "")
    os.replace(work_dir, final)
    tmp_link = index_dir / f".current-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(final.name, tmp_link)
    os.replace(tmp_link, index_dir / CURRENT)
    _prune(index_dir, final, keep)
    return final


def _prune(index_dir: Path, current: Path, keep: int) -> None:
    """Remove older versions beyond `keep` and leftovers of builds that were killed."""
    versions = sorted(p for p in index_dir.glob("v-*") if p.is_dir() and p != current)
    for old in versions[: max(0, len(versions) - (keep - 1))]:
        shutil.rmtree(old, ignore_errors=True)
    for stale in index_dir.glob(".building-v-*"):
        try:
            pid = int(stale.name.split("-")[-2])
        except (ValueError, IndexError):
            pid = -1
        if pid != os.getpid() and not pid_alive(pid):
            shutil.rmtree(stale, ignore_errors=True)


def pid_alive(pid: int) -> bool:
    """Whether a process that left a work file may still be writing it (its files are then left alone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
