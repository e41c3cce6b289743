"""`soi app`: the Streamlit UI, on this machine only unless a host is named."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from app.cli.common import settings_from_args

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def streamlit_argv(script: Path, host: str, port: int, max_upload_mb: int) -> list[str]:
    """The `streamlit run` command line of `soi app`. The address is always given: Streamlit's own default is
    every interface, which would put the UI (and its admin login) on the network unasked. No file watcher: the
    installed UI's sources do not change while it serves, and watching them costs ~0.1 s of CPU on the way to the
    first answer, and again after a page run that imported new modules (a developer who wants reloads runs
    `streamlit run` itself)."""
    return ["streamlit", "run", str(script), "--server.address", host, "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.maxUploadSize", str(max_upload_mb),
            "--server.fileWatcherType", "none",
            "--client.toolbarMode", "minimal"]  # no ⋮ menu: its items are English and not needed


def cmd_app(args: argparse.Namespace) -> int:
    """Becomes `python -m app.ui run …`: `streamlit run …` that starts opening the model and the index before the
    server is up (app/ui/__main__.py), in the same process id, so a service manager or a test can stop it. The CLI
    itself never imports Streamlit, which only app/ui/ does."""
    s = settings_from_args(args)
    host = args.host or s.app_host
    script = Path(__file__).parents[1] / "ui" / "Hoi_dap.py"
    if host not in LOOPBACK_HOSTS:
        print(f"Lưu ý: giao diện mở cho mạng (địa chỉ {host}): máy khác trong mạng truy cập được; hãy đặt mật khẩu "
              "quản trị mạnh (SOI_ADMIN_PASSWORD) hoặc chỉ dùng --host 127.0.0.1 "
              f"(note: the UI is served on the network at {host})", file=sys.stderr)
    # uploads are refused by Streamlit itself above the same limit as `soi add`
    argv = streamlit_argv(script, host, args.port, s.max_file_mb)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "app.ui", *argv[1:]])  # argv[0] is "streamlit"
    return 0  # not reached: execv replaces this process


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Adds this group's subcommands to `soi`."""
    u = sub.add_parser("app", parents=[common], help="mở giao diện web (Streamlit)")
    u.add_argument("--port", type=int, default=8501)
    u.add_argument("--host", help="địa chỉ lắng nghe (mặc định 127.0.0.1: chỉ máy này; 0.0.0.0: mọi máy trong mạng "
                   "LAN); cũng đặt được bằng SOI_APP_HOST / app_host")
    u.set_defaults(func=cmd_app)
