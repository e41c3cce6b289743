"""`python -m app.ui run app/ui/Hoi_dap.py …`: `streamlit run …`, with the model and the index opening from the start.

Streamlit runs the UI's scripts only when a browser connects, so without this the first visitor would wait for the
model and the index (~2 s of CPU) on top of the server's own start. Here they start loading in a background
thread once the server listens (`core.warm_in_background`), while the browser loads the page; the first page takes
the opened searcher over. Meant for `soi app` to exec with the arguments it gives `streamlit` (app/cli/ui.py); under
plain `streamlit run` the first page that needs the searcher opens it (a warm-up started there would be waited for
at once).

Everything before the first answer shares one interpreter lock (the server, the page scripts, the warm-up), so the
first answer (issue 16: ≤ 3 s after `soi app` starts, measured in tests/test_ui_browser.py) comes sooner only with
less work in this process: `_skip_unused_streamlit_work` drops what Streamlit does for features the UI does not use.
"""

from __future__ import annotations

import importlib
import socket
import sys
import time

from app.ui import core

# Imported by the first page («Hỏi đáp») before it shows the question box; imported in the warm-up thread while the
# browser loads Streamlit's scripts, they are ready when the page runs.
FIRST_PAGE_MODULES = ("app.ui.render", "app.ui.widgets", "indexer.corpus.filters")

# How long a thread may keep the interpreter lock while another waits for it (Python's default: 5 ms). While the
# warm-up computes (~1.3 s of CPU), the server hands the browser ~85 script files, each passing several times between
# the server's threads, and every pass waits for the lock. Measured with Streamlit's first 121 files over 6
# connections: 0.9 s from an idle server; beside a thread computing in Python, 1.5–1.9 s at 5 ms and 1.0–1.1 s at
# 0.5 ms. (Steps that hold the lock in C, such as loading the tokenizer, 0.2 s, are not cut short by it.)
SWITCH_INTERVAL = 0.0005


def _listening(argv: list[str], timeout: float = 10.0) -> None:
    """Wait (at most `timeout` s) until the server accepts connections: opening the model meanwhile would hold the
    GIL while Streamlit starts, and the browser can only ask once the page is served anyway."""
    opts = dict(zip(argv[::2], argv[1::2], strict=False))
    host, port = opts.get("--server.address", "127.0.0.1"), int(opts.get("--server.port", "8501"))
    host = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            socket.create_connection((host, port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)


def _before_warm_up(argv: list[str]) -> None:
    """What the warm-up thread does before opening the searcher: wait for the server, import the first page's
    modules (a failure is left to the page, which shows it)."""
    _listening(argv)
    for name in FIRST_PAGE_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 — the page imports it again and reports the error
            core.log.debug("pre-importing %s failed", name, exc_info=True)


def _skip_unused_streamlit_work() -> None:
    """Two pieces of Streamlit's work that `soi app` does not need, measured on the way to the first answer:

    - At start-up, before the server listens, the runtime reads the metadata of every installed package looking
      for custom components (0.15–0.45 s here, ~110 packages); the UI uses none.
    - On the first element any page writes, a check whether Streamlit runs in a REPL, to print a hint meant for
      `python script.py` users: `inspect.stack()`, which resolves the file of every loaded module (0.05–0.1 s
      with the model's libraries loaded, on the way to the question box). Under `streamlit run` the hint is never
      printed.

    Both are Streamlit internals: with a version that lacks them nothing changes (tests/test_ui_startup.py checks
    that the installed one has them)."""
    try:
        from streamlit import delta_generator
        from streamlit.components.v2 import manifest_scanner
    except ImportError:  # another Streamlit layout: nothing to skip
        return
    if hasattr(manifest_scanner, "scan_component_manifests"):
        manifest_scanner.scan_component_manifests = _no_component_manifests
    if hasattr(delta_generator, "_use_warning_has_been_displayed"):
        delta_generator._use_warning_has_been_displayed = True


def _no_component_manifests(*_args: object, **_kwargs: object) -> list:
    return []


def main() -> int:
    if sys.argv[1:2] == ["run"]:
        argv = sys.argv[3:]
        sys.setswitchinterval(SWITCH_INTERVAL)
        _skip_unused_streamlit_work()
        core.warm_in_background(lambda: _before_warm_up(argv))
    from streamlit.web.cli import main as streamlit_main

    return streamlit_main(prog_name="streamlit")


if __name__ == "__main__":
    sys.exit(main())
