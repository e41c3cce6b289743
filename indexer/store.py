"""The index on disk: versioned build folders behind an atomically swapped `current` link.

A build writes a fresh `v-<stamp>` folder and only then points `current` at it (os.replace of a symlink is
atomic), so a killed build or a bad file never costs the user the index they had, and readers that already
opened the old version keep answering from it.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest.json"
CURRENT = "current"
FORMAT_VERSION = 1
REBUILD_HINT = "soi build"


class IndexError_(Exception):
    """Base for index problems the user can act on; the message says what to run."""


class MissingIndexError(IndexError_):
    pass


class StaleIndexError(IndexError_):
    pass


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
    def restorer(self) -> Path:
        return self.root / "diacritics.json"

    @property
    def segment_cache(self) -> Path:
        return self.root / "segments.json"


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
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


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
        if pid != os.getpid() and not _alive(pid):
            shutil.rmtree(stale, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
