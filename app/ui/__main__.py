"""`python -m app.ui run app/ui/Hoi_dap.py …`: `streamlit run …`, with the model and the index opening from the start.

Streamlit runs the UI's scripts only when a browser connects, so without this the first visitor would wait for the
model and the index (~2 s of CPU) on top of the server's own start. Here they start loading in a background
thread before the server does (`core.warm_in_background`); the first page takes the opened searcher over.
Meant for `soi app` to exec with the arguments it gives `streamlit` (app/cli/ui.py); under plain `streamlit run`
the first page that needs the searcher opens it (a warm-up started there would be waited for at once).
"""

from __future__ import annotations

import socket
import sys
import time

from app.ui import core


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


def main() -> int:
    if sys.argv[1:2] == ["run"]:
        argv = sys.argv[3:]
        core.warm_in_background(lambda: _listening(argv))
    from streamlit.web.cli import main as streamlit_main

    return streamlit_main(prog_name="streamlit")


if __name__ == "__main__":
    sys.exit(main())
