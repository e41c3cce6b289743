"""Does the published index still match the corpus on disk? Cheap enough to ask at every open.

A build records in its manifest every corpus file it read: the folder it came from (its "root": the bundled corpus,
a user folder, the library), its name, size, modification time (taken before the file was read) and the sha256 of
the bytes read. Opening compares sizes and times and hashes only the files in doubt (same size but another time, or
a time too close to the build to trust), so answering a question never re-reads and re-parses the whole corpus.

Folders are recorded relative to the data directory (the folder that holds the index, `index_dir`'s parent) when
they lie inside it, so a data directory that is moved or copied keeps working, and the library is always the one
the settings name. A stale index is still a complete index: callers that can (`soi ask`, `soi serve`) keep answering
from it and show `Freshness.message`, which says what changed and what to run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from indexer.config import Settings
from indexer.corpus.frontmatter import CorpusError
from indexer.corpus.load import bundled_corpus_dir, list_corpus_files, load_corpus
from indexer.corpus.models import Document
from indexer.corpus.parse import PARSER_VERSION
from indexer.corpus.questions import file_digest
from indexer.index.store import REBUILD_HINT, sha256_file

BUNDLED, LIBRARY, USER = "bundled", "library", "corpus"
RACY_NS = 2_000_000_000  # a file written this close before a build may change again within the same mtime tick
SHOWN = 5  # file names listed in a message before "…"


def data_dir(index_dir: Path) -> Path:
    """The data directory: the folder holding the index (and, by default, the library)."""
    return Path(index_dir).resolve().parent


def portable(path: Path, base: Path) -> str | None:
    """`path` relative to `base` (POSIX separators) when it lies inside it, else None."""
    try:
        return Path(path).resolve().relative_to(base).as_posix()
    except ValueError:
        return None


def corpus_roots(settings: Settings) -> list[tuple[str, Path]]:
    """(root, folder) for every folder a build reads, in reading order: the bundled corpus, the user's folders
    ("corpus:0", "corpus:1", …), then the library (when it exists and is not already one of the folders)."""
    roots: list[tuple[str, Path]] = [(BUNDLED, bundled_corpus_dir())] if settings.include_bundled else []
    library = Path(settings.library_dir)
    taken = {p.resolve() for _, p in roots}
    n = 0
    for d in map(Path, settings.corpus_dirs):
        if d.resolve() == library.resolve():
            roots.append((LIBRARY, d))
        else:
            roots.append((f"{USER}:{n}", d))
            n += 1
        taken.add(d.resolve())
    if library.is_dir() and library.resolve() not in taken:
        roots.append((LIBRARY, library))
    return roots


@dataclass(frozen=True)
class Stat:
    path: Path
    size: int
    mtime_ns: int


def stat_roots(roots: list[tuple[str, Path]]) -> dict[tuple[str, str], Stat]:
    """(root, file name) -> size and time of every corpus file; raises `CorpusError` for a missing folder."""
    out: dict[tuple[str, str], Stat] = {}
    for root, folder in roots:
        files, _ = list_corpus_files(Path(folder))
        for path in files:
            st = path.stat()
            out[(root, path.name)] = Stat(path, st.st_size, st.st_mtime_ns)
    return out


def manifest_fields(settings: Settings, stats: dict[tuple[str, str], Stat], documents: dict[str, Document],
                    stat_ns: int) -> dict:
    """What a build adds to its manifest so that later opens can check it cheaply (see the module docstring).

    `stats` were taken before the files were read; a file's sha256 is that of the bytes its document was made of,
    so a file changed between the stat and the read is recognised by its hash at the next check."""
    base = data_dir(Path(settings.index_dir))
    read = {str(Path(d.path)): d.sha256 for d in documents.values()}
    sources = []
    for (root, name), st in sorted(stats.items()):
        sha = read.get(str(st.path)) or sha256_file(st.path)  # a bundled file a library document stands in for
        sources.append({"root": root, "name": name, "size": st.size, "mtime_ns": st.mtime_ns, "sha256": sha})
    users = [p for root, p in corpus_roots(settings) if root.startswith(USER)]
    return {
        "data_dir": str(base),
        "library_dir": portable(Path(settings.library_dir), base) or str(Path(settings.library_dir).resolve()),
        "corpus_dirs": [str(p.resolve()) for p in users],
        "corpus_dirs_relative": [portable(p, base) for p in users],
        "sources": sources,
        "sources_stat_ns": stat_ns,
    }


@dataclass
class Freshness:
    """How the corpus on disk differs from what an index was built from; `fresh` when it does not."""

    added: list[str] = field(default_factory=list)  # "library/qd-901-2024.md"
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    missing_dirs: list[str] = field(default_factory=list)  # user folders the index was built from, now gone
    moved_from: str | None = None  # the data directory the index was built in, when it is not this one
    parser_changed: bool = False
    questions_changed: bool = False  # the bundled search questions (indexer.corpus.questions) are not those indexed
    problem: str | None = None  # an index from before file records: why its corpus could not be compared

    @property
    def fresh(self) -> bool:
        return not (self.added or self.changed or self.removed or self.missing_dirs or self.parser_changed
                    or self.questions_changed or self.problem)

    def message(self, answering: bool = True) -> str | None:
        """What changed and what to run, in Vietnamese (English in parentheses); None when there is nothing to say.

        `answering`: the caller keeps answering from this index (say so) rather than refusing it."""
        lines: list[str] = []
        if self.moved_from:
            lines.append(f"Thư mục dữ liệu đã được chuyển hoặc sao chép từ {self.moved_from} (data directory moved "
                         "or copied); chỉ mục dùng đường dẫn tương đối nên vẫn dùng được. Chạy `soi build` để ghi "
                         "nhận vị trí mới.")
        for d in self.missing_dirs:
            lines.append(f"Không còn thấy thư mục văn bản {d}, nơi chỉ mục đã đọc văn bản (corpus folder moved or "
                         f"removed). Nếu đã chuyển đi, hãy chạy: {REBUILD_HINT} --corpus <thư mục mới>; nếu không "
                         f"dùng nữa: {REBUILD_HINT}.")
        parts = [f"{label} {_names(names)}" for label, names in (
            ("thêm (added)", self.added), ("sửa (changed)", self.changed), ("xoá (removed)", self.removed)) if names]
        if parts:
            lines.append("Kho văn bản đã thay đổi sau lần tạo chỉ mục (the library changed since the index was "
                         f"built): {'; '.join(parts)}.")
        if self.parser_changed:
            lines.append("Phiên bản soi này đọc cấu trúc văn bản khác với lúc tạo chỉ mục (parser changed).")
        if self.questions_changed:
            lines.append("Bộ câu hỏi mẫu dùng để tìm kiếm đã đổi so với lúc tạo chỉ mục (search questions changed).")
        if self.problem:
            lines.append(f"Không đối chiếu được chỉ mục với kho văn bản (cannot compare the index with the corpus): "
                         f"{self.problem}.")
        if not lines:
            return None
        if not self.fresh:
            lines.append(("Vẫn trả lời từ chỉ mục trước, chưa gồm các thay đổi này (answering from the previous "
                          f"index). Để cập nhật, hãy chạy: {REBUILD_HINT}") if answering
                         else f"Hãy chạy lại: {REBUILD_HINT}")
        return "\n".join(lines)


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN])
    return f"{len(names)} tệp: {shown}" + (f" … (+{len(names) - SHOWN})" if len(names) > SHOWN else "")


def check(settings: Settings, manifest: dict) -> Freshness:
    """Compare the corpus the settings point at with the one `manifest` records (see the module docstring)."""
    base = data_dir(Path(settings.index_dir))
    report = Freshness()
    built_in = manifest.get("data_dir")
    if built_in and Path(built_in) != base:
        report.moved_from = built_in
    if manifest.get("parser_version") != PARSER_VERSION:
        report.parser_changed = True
    if manifest.get("questions_digest", "") != file_digest():
        report.questions_changed = True
    if "sources" not in manifest:
        return _check_by_hash(settings, manifest, report)
    roots, report.missing_dirs = _current_roots(settings, manifest, base)
    recorded = {(r["root"], r["name"]): r for r in manifest["sources"]}
    gone = {f"{USER}:{i}" for i, d in enumerate(manifest.get("corpus_dirs", [])) if d in report.missing_dirs}
    try:
        now = stat_roots(roots)
    except (CorpusError, OSError) as e:
        report.problem = str(e)
        return report
    trusted_before = int(manifest.get("sources_stat_ns", 0)) - RACY_NS
    for key, st in sorted(now.items()):
        rec = recorded.get(key)
        if rec is None:
            report.added.append(_shown(key))
        elif rec["size"] != st.size:
            report.changed.append(_shown(key))
        elif (rec["mtime_ns"] != st.mtime_ns or rec["mtime_ns"] >= trusted_before) and not _same_bytes(st, rec):
            report.changed.append(_shown(key))
    report.removed = [_shown(key) for key in sorted(recorded) if key not in now and key[0] not in gone]
    return report


def _same_bytes(st: Stat, rec: dict) -> bool:
    try:
        return sha256_file(st.path) == rec["sha256"]
    except OSError:
        return False


def _shown(key: tuple[str, str]) -> str:
    root, name = key
    return f"{'corpus' if root == BUNDLED else 'library' if root == LIBRARY else 'user'}/{name}"


def _current_roots(settings: Settings, manifest: dict, base: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    """The folders to compare, keyed like the manifest's records; user folders the settings do not name are those
    the index was built from, found inside this data directory first (moved or copied), then where they were."""
    recorded_abs = manifest.get("corpus_dirs", [])
    recorded_rel = manifest.get("corpus_dirs_relative") or [None] * len(recorded_abs)
    missing: list[str] = []
    if settings.corpus_dirs:
        dirs = [Path(d) for d in settings.corpus_dirs]
    else:
        dirs = []
        for abs_, rel in zip(recorded_abs, recorded_rel, strict=False):
            here = base / rel if rel is not None else None
            if here is not None and here.is_dir():
                dirs.append(here)
            elif Path(abs_).is_dir():
                dirs.append(Path(abs_))
            else:
                missing.append(abs_)
    roots = corpus_roots(replace(settings, corpus_dirs=dirs))
    # Give each user folder the key it had in the build (the order the user names folders in may differ).
    keyed: list[tuple[str, Path]] = []
    extra = 0
    for root, folder in roots:
        if root.startswith(USER):
            where = folder.resolve()
            match = next((i for i, (a, r) in enumerate(zip(recorded_abs, recorded_rel, strict=False))
                          if Path(a) == where or (r is not None and (base / r).resolve() == where)), None)
            root = f"{USER}:{match}" if match is not None else f"{USER}:new-{extra}"
            extra += match is None
        keyed.append((root, folder))
    return keyed, missing


def _check_by_hash(settings: Settings, manifest: dict, report: Freshness) -> Freshness:
    """An index built before file records were kept: load every file and compare the corpus hash (slow, rare)."""
    library = Path(settings.library_dir).resolve()
    dirs = list(settings.corpus_dirs) or [Path(p) for p in manifest.get("corpus_dirs", [])
                                          if Path(p).resolve() != library]  # old manifests listed the library
    try:
        same = corpus_hash(load_documents(replace(settings, corpus_dirs=dirs))) == manifest.get("corpus_hash")
    except (CorpusError, ValueError, OSError) as e:
        report.problem = str(e)
        return report
    if not same:
        report.changed.append("(chỉ mục cũ, không ghi danh sách tệp: older index without file records)")
    return report


def corpus_dirs(settings: Settings) -> list[Path]:
    """Bundled corpus, the user's folders, then the library of added documents (when it has any)."""
    return [folder for _, folder in corpus_roots(settings)]


def load_documents(settings: Settings) -> dict[str, Document]:
    """Read every corpus file (no parsing); a document id seen twice is an error the user must resolve.

    The one exception: a library document may stand in for a bundled one of the same id (a user's full official
    text of a document the project ships only in part); `soi add` allows that only for the same code and year.
    """
    documents: dict[str, Document] = {}
    bundled = bundled_corpus_dir().resolve()
    library = Path(settings.library_dir).resolve()
    for d in corpus_dirs(settings):
        for doc in load_corpus(d):
            prev = documents.get(doc.id)
            if prev is not None:
                if Path(d).resolve() == library and Path(prev.path).resolve().parent == bundled:
                    documents[doc.id] = doc
                    continue
                raise ValueError(
                    f"{doc.path}: document id '{doc.id}' already comes from {prev.path}; rename one file"
                )
            documents[doc.id] = doc
    return documents


def corpus_hash(documents: dict[str, Document]) -> str:
    h = hashlib.sha256(f"parser:{PARSER_VERSION}".encode())
    for doc_id in sorted(documents):
        h.update(f"{doc_id}:{documents[doc_id].sha256}\n".encode())
    return h.hexdigest()
