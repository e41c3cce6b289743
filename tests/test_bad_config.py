"""Bad configuration and damaged index files give a message naming the file or variable, never a traceback
(issue 15, item 9). Each case failed before: a traceback (TypeError, faiss RuntimeError), a raw English error
without the file, or a value silently accepted."""

from __future__ import annotations

import shutil

import pytest
from support import small_settings

from app.cli.main import main
from indexer.config import CONFIG_EXIT_CODE, ConfigError, load_settings, require_writable
from indexer.index import store
from indexer.search.searcher import Searcher


@pytest.fixture
def clean_env(tmp_path, monkeypatch):
    for name in ("SOI_CONFIG", "SOI_INDEX_DIR", "SOI_MODEL", "SOI_MAX_FILE_MB", "SOI_APP_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("line, key", [
    ("corpus_dirs = 5", "corpus_dirs"), ("corpus_dirs = [1]", "corpus_dirs"), ("model = 5", "model"),
    ("index_dir = 5", "index_dir"), ("threads = -3", "threads"), ("threads = 1.5", "threads"),
    ("max_file_mb = -1", "max_file_mb"), ("max_file_mb = true", "max_file_mb"),
    ("include_bundled = \"no\"", "include_bundled"), ("app_host = \"\"", "app_host"), ("maxfilemb = 1", "maxfilemb"),
])
def test_wrong_setting_in_config_file_is_named(clean_env, capsys, line, key):
    cfg = clean_env / "soi.toml"
    cfg.write_text(line + "\n", encoding="utf-8")
    assert main(["ask", "đảng viên", "--mode", "lexical"]) == CONFIG_EXIT_CODE
    err = capsys.readouterr().err
    assert "Lỗi cấu hình" in err and "tệp cấu hình soi.toml" in err and key in err and "Traceback" not in err


def test_toml_syntax_error_names_the_file(clean_env, capsys, monkeypatch):
    cfg = clean_env / "mine.toml"
    cfg.write_text("model = [\n", encoding="utf-8")
    monkeypatch.setenv("SOI_CONFIG", str(cfg))
    assert main(["ask", "x", "--mode", "lexical"]) == CONFIG_EXIT_CODE
    err = capsys.readouterr().err
    assert str(cfg) in err and "sai cú pháp TOML" in err


def test_config_named_by_soi_config_must_exist(clean_env, monkeypatch):
    monkeypatch.setenv("SOI_CONFIG", str(clean_env / "typo.toml"))
    with pytest.raises(ConfigError, match="SOI_CONFIG"):
        load_settings()


def test_environment_values_name_their_variable(clean_env, monkeypatch):
    monkeypatch.setenv("SOI_MAX_FILE_MB", "abc")
    with pytest.raises(ConfigError, match="SOI_MAX_FILE_MB"):
        load_settings()
    monkeypatch.setenv("SOI_MAX_FILE_MB", "0")
    with pytest.raises(ConfigError, match="số nguyên dương"):
        load_settings()


def test_index_dir_pointing_at_a_file(clean_env, monkeypatch, capsys):
    f = clean_env / "afile"
    f.write_text("x", encoding="utf-8")
    for value in (f, f / "below"):
        monkeypatch.setenv("SOI_INDEX_DIR", str(value))
        for cmd in (["ask", "x", "--mode", "lexical"], ["build"]):  # was: "run soi build" / «[Errno 17]»
            assert main(cmd) == CONFIG_EXIT_CODE
            err = capsys.readouterr().err
            assert "SOI_INDEX_DIR" in err and str(f) in err and "Traceback" not in err


def test_unwritable_index_dir_is_named_before_building(clean_env, monkeypatch):
    monkeypatch.setenv("SOI_INDEX_DIR", "/proc/soi-cannot-write-here")
    with pytest.raises(ConfigError, match="SOI_INDEX_DIR.*không ghi được"):
        require_writable(load_settings())


def test_valid_values_still_accepted(clean_env):
    (clean_env / "soi.toml").write_text('threads = 2\nmax_file_mb = 10\ncorpus_dirs = ["c"]\nmodel = "m"\n'
                                        "include_bundled = false\n", encoding="utf-8")
    s = load_settings(index_dir="idx")
    assert (s.threads, s.max_file_mb, s.model, s.include_bundled) == (2, 10, "m", False)
    assert [p.name for p in s.corpus_dirs] == ["c"] and s.index_dir.name == "idx"


@pytest.fixture(scope="module")
def small_index(tmp_path_factory, embedder):
    from indexer.index.build import build_index

    s = small_settings(tmp_path_factory.mktemp("damaged"))
    build_index(s, embedder=embedder)
    return s


@pytest.mark.parametrize("name, damage", [
    ("dense.faiss", "empty"), ("clauses.json", "truncate"), ("embeddings.npy", "truncate"), ("units.json", "empty"),
    ("questions.npy", "truncate"), ("question_units.npy", "empty"),
])
def test_damaged_index_file_is_named_with_the_command(small_index, tmp_path, name, damage):
    """Also for a version whose manifest has no checksums (built by an older soi): before, a traceback or
    «Unterminated string…» / «mmap length is greater than file size» without the file or `soi build`."""
    index = tmp_path / "index"
    shutil.copytree(small_index.index_dir, index, symlinks=True)
    version = store.current_version(index)
    manifest = store.read_manifest(version)
    manifest.pop("files", None)
    store.write_json_atomic(version / store.MANIFEST, manifest)
    path = version / name
    path.write_bytes(b"" if damage == "empty" else path.read_bytes()[:1000])
    s = load_settings(index_dir=str(index), include_bundled=False, corpus_dirs=small_index.corpus_dirs)
    with pytest.raises(store.CorruptIndexError) as e:
        Searcher.open(s, load_model=False, check_corpus=False)
    assert name in str(e.value) and "soi build" in str(e.value)
