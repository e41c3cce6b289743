"""Issue 15 (items 3, 4, 5, 8) and issue 14 (cheap staleness check): nothing a user does stops the search or loses
data. A killed or unfinished `soi add` leaves the previous index answering (with a note saying what to run) and is
finished or undone by the next add; damaged embeddings are never reused; a moved or copied data directory keeps
working; the stored original is exactly what was read. Real index, real model, real processes killed with SIGKILL.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support import articles, header, run, small_settings, use_config, write

from indexer.config import Settings, load_settings
from indexer.corpus.frontmatter import split_front_matter
from indexer.index import freshness, store
from indexer.index.build import build_index
from indexer.ingest.library import commit, list_added, prepare
from indexer.search.live import LiveSearcher
from indexer.search.searcher import Searcher

ROOT = Path(__file__).resolve().parent.parent
QUERY = "hình thức kỷ luật đối với đảng viên dự bị"
NEW_ID = "qd-901-2024"


def new_document(tmp_path: Path) -> Path:
    """A document the small corpus does not hold (Điều lệ articles 35–36 under an invented header): it answers QUERY."""
    return write(tmp_path / "quy-dinh-901.txt", header("901-QĐ/TW", 5, 3, 2024) + articles("dieu-le-dang-2011.md",
                                                                                                 35, 36))


def ask(*extra: str) -> tuple[int, list[str], str]:
    """`soi ask QUERY --json` (lexical: no model to load); (exit code, document ids of the hits, stderr)."""
    code, out, err = run("ask", QUERY, "--mode", "lexical", "--json", *extra)
    hits = json.loads(out)["hits"] if code == 0 else []
    return code, [h["document"]["id"] for h in hits], err


def library_files(library: Path) -> list[str]:
    """Every file in the library, hidden ones included (a half-written file must not hide)."""
    return sorted(p.relative_to(library).as_posix() for p in library.rglob("*") if p.is_file())


def assert_fully_added(s: Settings, source: Path) -> None:
    """The document, its original (the exact bytes) and nothing else; provenance hash of the stored copy."""
    library = Path(s.library_dir)
    assert library_files(library) == [f"originals/{NEW_ID}.txt", f"{NEW_ID}.md"]
    stored = (library / "originals" / f"{NEW_ID}.txt").read_bytes()
    assert stored == source.read_bytes()
    meta, _ = split_front_matter((library / f"{NEW_ID}.md").read_text(encoding="utf-8"), "x.md")
    assert meta["source_sha256"] == hashlib.sha256(stored).hexdigest()


# ---- 3. `soi add --no-build` and killed adds do not stop searching ---------------------------------------------


def test_add_without_build_keeps_ask_and_serve_answering_and_adding_again_finishes(tmp_path, embedder, monkeypatch):
    """Before: `soi ask` exited 3 («không khớp … Hãy chạy lại: soi build») and adding again was refused."""
    s = small_settings(tmp_path)
    build_index(s, embedder=embedder)
    before = store.current_version(s.index_dir)
    use_config(s, tmp_path, monkeypatch)
    src = new_document(tmp_path)
    code, out, err = run("add", "--yes", "--no-build", str(src))
    assert code == 0, err

    code, hits, err = ask()
    assert code == 0, err
    assert hits and NEW_ID not in hits  # the previous index answers
    assert "soi ask` vẫn trả lời từ chỉ mục trước" in out
    assert f"library/{NEW_ID}.md" in err and "hãy chạy: soi build" in err and "Lưu ý (note)" in err

    live = LiveSearcher(s, embedder=embedder)  # what `soi serve` answers from
    answer = live.search(QUERY, k=3, mode="lexical")
    assert answer.hits and answer.version == before.name
    assert answer.index_note and NEW_ID in answer.index_note and "soi build" in answer.index_note

    # The same file again: not a duplicate of itself, the add is finished (index rebuilt).
    code, out, err = run("add", "--yes", str(src))
    assert code == 0, (out, err)
    assert f"Đã có trong kho «{NEW_ID}» nhưng chưa có trong chỉ mục" in out and "Đã cập nhật chỉ mục" in out
    code, hits, err = ask()
    assert code == 0 and hits[0] == NEW_ID and "Lưu ý" not in err, err
    assert_fully_added(s, src)
    # Added and indexed: now a real duplicate, refused.
    code, out, err = run("add", "--yes", "--no-build", str(src))
    assert code == 5 and "trùng nội dung" in err


KILL_ADD = r"""
import os, signal, sys
from pathlib import Path

step, source, library = sys.argv[1], sys.argv[2], Path(sys.argv[3]).resolve()
real_replace = os.replace


def replace(src, dst, *args, **kwargs):
    # SIGKILL at the rename that a step ends with, before it happens.
    src, dst = Path(src), Path(dst)
    at = {
        "text": dst.resolve().parent == library and dst.suffix == ".md",
        "original": dst.resolve().parent == library / "originals" and not dst.name.startswith("."),
        "version": src.name.startswith(".building-v-"),
        "current": dst.name == "current",
    }[step]
    if at:
        os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(src, dst, *args, **kwargs)


os.replace = replace
from app.cli.main import main

main(["add", "--yes", "--threads", "2", source])
"""


@pytest.mark.crash
@pytest.mark.parametrize("step", ["text", "original", "version", "current"])
def test_add_killed_at_each_step_keeps_the_index_and_the_next_add_recovers(tmp_path, embedder, monkeypatch, step):
    """`soi add` killed at each rename it makes: writing the text, placing the original, publishing the version,
    swapping `current`. After each, the previous index answers; the library holds the whole document or nothing
    visible; adding the file again finishes (never «duplicate»), with nothing left behind."""
    s = small_settings(tmp_path)
    build_index(s, embedder=embedder)
    before = store.current_version(s.index_dir)
    use_config(s, tmp_path, monkeypatch)
    src = new_document(tmp_path)
    proc = subprocess.run([sys.executable, "-c", KILL_ADD, step, str(src), str(s.library_dir)], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-3000:]
    assert store.current_version(s.index_dir) == before

    code, hits, err = ask()
    assert code == 0 and hits, err  # the previous index answers
    if step == "text":  # killed before the text got its name: nothing visible, nothing said
        assert list_added(s) == [] and "Lưu ý" not in err
    else:  # the text is in the library, the index does not hold it yet: say so and what to run
        assert [d.id for d in list_added(s)] == [NEW_ID]
        assert NEW_ID in err and "soi build" in err

    code, out, err = run("add", "--yes", str(src))
    assert code == 0, (out, err)
    assert "Đã cập nhật chỉ mục" in out
    assert_fully_added(s, src)
    code, hits, err = ask()
    assert code == 0 and hits[0] == NEW_ID and "Lưu ý" not in err, err


# ---- 4. damaged embeddings are not reused ---------------------------------------------------------------------


def test_build_reembeds_a_zeroed_or_damaged_embeddings_file(tmp_path, embedder):
    """Before: a zeroed `embeddings.npy` of the same size was reused («nhúng mới 0»), dense search returned wrong
    clauses, all scores equal."""
    s = small_settings(tmp_path)
    first = build_index(s, embedder=embedder)
    units = first["counts"]["units"]
    version = store.current_version(s.index_dir)
    good = Searcher.open(s, embedder=embedder)
    query = "kiểm soát quyền lực trong công tác cán bộ"
    expected = [h.clause.id for h in good.search(query, k=3, mode="dense")]

    path = version / "embeddings.npy"
    size = path.stat().st_size
    np.save(path, np.zeros_like(np.load(path)))
    assert path.stat().st_size == size
    again = build_index(s, embedder=embedder)
    assert again["counts"]["embedded_now"] == units and again["counts"]["embeddings_reused"] == 0
    assert any("embeddings.npy" in w and f"{units}/{units}" in w for w in again["warnings"])
    fixed = Searcher.open(s, embedder=embedder)
    hits = fixed.search(query, k=3, mode="dense")
    assert [h.clause.id for h in hits] == expected
    assert len({round(h.score, 6) for h in hits}) > 1
    assert set(again["files"]) >= {"embeddings.npy", "units.json", "dense.faiss", "clauses.json", "bm25_words/"
                                   "params.index.json"}
    current = store.current_version(s.index_dir)
    assert again["files"]["embeddings.npy"]["sha256"] == store.sha256_file(current / "embeddings.npy")

    # Three damaged rows: only those are embedded again.
    version = store.current_version(s.index_dir)
    vecs = np.load(version / "embeddings.npy")
    vecs[[0, 5, 9]] = 0.5
    np.save(version / "embeddings.npy", vecs)
    third = build_index(s, embedder=embedder)
    assert third["counts"]["embedded_now"] == 3


# ---- 5. a moved or copied data directory keeps working ---------------------------------------------------------


def data_env(monkeypatch: pytest.MonkeyPatch, data: Path, config: Path) -> Settings:
    """The default layout (index and library inside SOI_DATA_DIR), small corpus: library only, nothing bundled."""
    monkeypatch.setenv("SOI_DATA_DIR", str(data))
    monkeypatch.setenv("SOI_CONFIG", str(config))
    monkeypatch.delenv("SOI_LIBRARY_DIR", raising=False)
    monkeypatch.delenv("SOI_INDEX_DIR", raising=False)
    return load_settings()


def test_moved_or_copied_data_directory_keeps_answering(tmp_path, embedder, monkeypatch):
    """Before: a copy failed with rc 1 («document id … already comes from …»), a move with rc 4 («corpus directory
    does not exist»): the manifest held absolute library paths."""
    config = write(tmp_path / "soi.toml", "include_bundled = false\n")
    data = tmp_path / "data"
    s = data_env(monkeypatch, data, config)
    Path(s.library_dir).mkdir(parents=True)
    src = write(tmp_path / "new.txt", header("901-QĐ/TW", 5, 3, 2024) + articles("dieu-le-dang-2011.md", 35, 36))
    small = small_settings(tmp_path)
    for doc in small.corpus_dirs[0].iterdir():
        shutil.copyfile(doc, Path(s.library_dir) / doc.name)
    commit(prepare(src, s), s)
    manifest = build_index(s, embedder=embedder)

    copy = tmp_path / "copy"
    shutil.copytree(data, copy, symlinks=True)  # as `cp -r` does (the `current` link stays a link)
    data_env(monkeypatch, copy, config)
    code, hits, err = ask()
    assert code == 0 and hits[0] == NEW_ID, err
    assert f"chuyển hoặc sao chép từ {data.resolve()}" in err and "soi build" in err
    assert manifest["library_dir"] == "library" and manifest["corpus_dirs"] == []  # relative to the data dir

    moved = tmp_path / "moved"
    shutil.move(data, moved)
    data_env(monkeypatch, moved, config)
    code, hits, err = ask()
    assert code == 0 and hits[0] == NEW_ID, err
    code, out, err = run("build")
    assert code == 0 and "nhúng mới 0" in out, err  # recorded afresh; nothing to embed again
    code, hits, err = ask()
    assert code == 0 and hits[0] == NEW_ID and "Lưu ý" not in err, err

    # A user folder outside the data directory that moved: say which one and what to run; answer meanwhile.
    outside = tmp_path / "van-ban-cua-toi"
    shutil.copytree(small.corpus_dirs[0], outside)
    shutil.rmtree(Path(load_settings().library_dir))
    code, out, err = run("build", "--corpus", str(outside))
    assert code == 0, err
    outside.rename(tmp_path / "da-chuyen")
    code, hits, err = ask()
    assert code == 0 and hits, err
    assert f"Không còn thấy thư mục văn bản {outside.resolve()}" in err and "soi build --corpus" in err


# ---- 8. provenance: the stored original is what was read ------------------------------------------------------


def test_source_changed_during_add_stores_and_hashes_the_bytes_that_were_read(tmp_path):
    """Before: `source_sha256` was computed from one read of the file and the original copied by another, so a file
    changed during the add (here: between reading and confirming) gave a record that disagreed with its text."""
    s = small_settings(tmp_path)
    src = new_document(tmp_path)
    first = src.read_bytes()
    cand = prepare(src, s)
    write(src, header("901-QĐ/TW", 5, 3, 2024) + articles("dieu-le-dang-2011.md", 33, 34))  # edited meanwhile
    added = commit(cand, s)
    stored = added.original.read_bytes()
    assert stored == first
    text = added.path.read_text(encoding="utf-8")
    meta, start = split_front_matter(text, added.path)
    assert meta["source_sha256"] == hashlib.sha256(stored).hexdigest()
    assert text[start:].strip() == first.decode("utf-8").strip()


# ---- issue 14: opening checks the corpus by sizes and times, hashing only files in doubt ---------------------


def test_open_checks_the_corpus_without_reading_it_and_hashes_only_files_in_doubt(tmp_path, embedder):
    """Before: every open loaded and hashed every corpus file (`soi ask` read the whole corpus before answering)."""
    s = small_settings(tmp_path)
    manifest = build_index(s, embedder=embedder)
    corpus = s.corpus_dirs[0].resolve()
    opened: list[str] = []
    watching = [True]

    def hook(event: str, args: tuple) -> None:
        if watching[0] and event == "open" and isinstance(args[0], str | Path) and str(args[0]).startswith(
                str(corpus)):
            opened.append(Path(args[0]).name)

    sys.addaudithook(hook)  # audit hooks cannot be removed: `watching` ends it
    try:
        # Files written by the build's own setup are within the "too recent to trust" window: age them first.
        old = manifest["sources_stat_ns"] - 10 * freshness.RACY_NS
        for f in corpus.iterdir():
            os.utime(f, ns=(old, old))
        manifest = build_index(s, embedder=embedder)
        opened.clear()
        searcher = Searcher.open(s, embedder=embedder)
        assert searcher.freshness is not None and searcher.freshness.fresh and opened == []

        f = corpus / "qd-205-2019.md"
        newer = old + freshness.RACY_NS
        os.utime(f, ns=(newer, newer))  # touched, same bytes: hashed once, found the same
        report = freshness.check(s, manifest)
        assert report.fresh and opened == ["qd-205-2019.md"]

        text = f.read_text(encoding="utf-8")
        i = text.index("Điều 1")
        f.write_text(text[:i] + "Điều 1" + text[i + 6:].replace("a", "o", 1), encoding="utf-8")  # same size
        assert f.stat().st_size == manifest_size(manifest, f.name)
        report = freshness.check(s, manifest)
        assert not report.fresh and report.changed == ["user/qd-205-2019.md"]
        with pytest.raises(store.StaleIndexError) as e:
            Searcher.open(s, embedder=embedder)
        assert "qd-205-2019.md" in str(e.value) and "soi build" in str(e.value)
        stale = Searcher.open(s, embedder=embedder, allow_stale=True)
        assert stale.search("kiểm soát quyền lực", k=1) and "soi build" in stale.freshness.message()
    finally:
        watching[0] = False

    # An index built before file records were kept is still compared (by loading the corpus, as before).
    version = store.current_version(s.index_dir)
    legacy = {k: v for k, v in manifest.items() if k not in ("sources", "sources_stat_ns", "corpus_dirs_relative",
                                                              "data_dir", "library_dir")}
    store.write_json_atomic(version / store.MANIFEST, legacy)
    assert not freshness.check(s, legacy).fresh
    f.write_text(text, encoding="utf-8")
    assert freshness.check(s, legacy).fresh


def manifest_size(manifest: dict, name: str) -> int:
    return next(r["size"] for r in manifest["sources"] if r["name"] == name)


# ---- 11. builds of one index run one at a time; a killed one never leaves the lock held ---------------------


def test_two_builds_at_once_run_one_after_the_other_and_the_second_reuses_the_first(tmp_path, embedder):
    """Before: two `soi add` at once both rebuilt and both embedded the new texts (no lock)."""
    import threading

    s = small_settings(tmp_path)
    build_index(s, embedder=embedder)
    write(s.corpus_dirs[0] / "quy-dinh-901.txt", articles("dieu-le-dang-2011.md", 35, 36))
    results: dict[str, dict] = {}
    stages: dict[str, set[str]] = {"first": set(), "second": set()}
    second = threading.Thread(target=lambda: results.update(second=build_index(
        s, embedder=embedder, progress=lambda stage, done, total: stages["second"].add(stage))))

    def first_progress(stage: str, done: int, total: int) -> None:
        stages["first"].add(stage)
        if stage == "embed" and not second.is_alive() and "second" not in results:
            second.start()  # the second build starts while the first one is embedding
            second.join(timeout=3)  # without a lock it would run through now

    results["first"] = build_index(s, embedder=embedder, progress=first_progress)
    second.join(timeout=300)
    assert results["first"]["counts"]["embedded_now"] > 0
    assert results["second"]["counts"]["embedded_now"] == 0  # everything came from the first build
    assert "wait" in stages["second"] and "wait" not in stages["first"]


HOLD_LOCK = r"""
import sys, time
from pathlib import Path
from indexer.index import store

held = store.build_lock(Path(sys.argv[1]))
held.__enter__()
print("held", flush=True)
time.sleep(600)
"""


def test_a_killed_build_never_leaves_the_build_lock_held(tmp_path, embedder):
    s = small_settings(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(s.index_dir)], cwd=ROOT, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == "held"
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
    stages: set[str] = set()
    manifest = build_index(s, embedder=embedder, progress=lambda stage, done, total: stages.add(stage))
    assert manifest["counts"]["units"] > 0 and "wait" not in stages


# ---- 9 (index files): a damaged index says so and what to run, never a traceback -----------------------------


@pytest.mark.parametrize("damage", ["dense.faiss", "clauses.json", "manifest.json"])
def test_a_damaged_index_file_is_named_with_the_command_that_fixes_it(tmp_path, embedder, monkeypatch, damage):
    """Before: a zero-length `dense.faiss` gave a traceback, a truncated JSON file raw «Unterminated string…»."""
    s = small_settings(tmp_path)
    build_index(s, embedder=embedder)
    use_config(s, tmp_path, monkeypatch)
    path = store.current_version(s.index_dir) / damage
    data = path.read_bytes()
    path.write_bytes(b"" if damage == "dense.faiss" else data[: len(data) // 2])
    code, out, err = run("ask", QUERY, "--mode", "lexical")
    assert code == 3, (out, err)
    assert f"bị hỏng: {damage}" in err and "Hãy chạy lại: soi build" in err and "Traceback" not in err
    code, out, err = run("build")
    assert code == 0, err
    code, hits, err = ask()
    assert code == 0 and hits, err
