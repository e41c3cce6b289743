"""What `soi app` does to answer the first question sooner (issue 16: ≤ 3 s after it starts; the figure itself is
measured in a real browser by tests/test_ui_browser.py). Quick checks, no server: that the Streamlit work it skips
still exists under the names it skips (else the skip silently does nothing and the first answer is slower), that
the modules the warm-up imports ahead are the first page's, and the command line it hands to Streamlit."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_streamlit_work_soi_app_skips_is_still_there_and_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit import delta_generator
    from streamlit.components.v2 import manifest_scanner

    from app.ui.__main__ import _skip_unused_streamlit_work

    # the names the skip replaces; kept as they were for the other tests of this process
    assert callable(getattr(manifest_scanner, "scan_component_manifests", None))
    assert hasattr(delta_generator, "_use_warning_has_been_displayed")
    monkeypatch.setattr(manifest_scanner, "scan_component_manifests", manifest_scanner.scan_component_manifests)
    monkeypatch.setattr(delta_generator, "_use_warning_has_been_displayed", False)

    _skip_unused_streamlit_work()
    assert manifest_scanner.scan_component_manifests() == []
    assert delta_generator._use_warning_has_been_displayed is True


def test_the_warm_up_imports_modules_of_the_first_page() -> None:
    """Each module imported ahead is one that «Hỏi đáp» (views/hoi_dap.py) imports, and importable."""
    from app.ui.__main__ import FIRST_PAGE_MODULES

    tree = ast.parse((ROOT / "app" / "ui" / "views" / "hoi_dap.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
            imported.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            imported.update(a.name for a in node.names)
    assert set(FIRST_PAGE_MODULES) <= imported, set(FIRST_PAGE_MODULES) - imported
    for name in FIRST_PAGE_MODULES:
        importlib.import_module(name)


def test_soi_app_runs_streamlit_without_a_file_watcher() -> None:
    from app.cli.ui import streamlit_argv

    argv = streamlit_argv(Path("x.py"), "127.0.0.1", 8501, 200)
    assert argv[argv.index("--server.fileWatcherType") + 1] == "none"
