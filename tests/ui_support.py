"""Shared helpers and fixtures of the UI tests: opening a page under AppTest, the real server, the real browser.

Its fixtures (`browser`, `ui_server`) are registered for every test module by conftest.py (`pytest_plugins`); test
modules import only its helpers. `ui_env` and the AppTest fixture `app` live in conftest.py, on the session index
(`index_settings` + `built_index`), built once.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENTRY = ROOT / "app" / "ui" / "Hoi_dap.py"
SCREENSHOTS = ROOT / "screenshots"

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--lang=vi-VN",
)
INSTALL_HINT = "apt-get update && apt-get install -y chromium chromium-driver"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


# ---- index ---------------------------------------------------------------------------------------------------


# ---- AppTest -------------------------------------------------------------------------------------------------

# A question whose answer was checked by hand: corpus/qd-69-2022.md Điều 7 khoản 3 («Đối với đảng viên dự bị:
# Khiển trách, cảnh cáo.»), and Điều lệ Điều 35 khoản 2 lists the same forms.
Q_DU_BI = "hình thức kỷ luật đối với đảng viên dự bị"


def ask(at, question: str):
    """Type `question` in the Hỏi đáp box, submit, run."""
    at.text_input(key="q").set_value(question)
    at.form_submit_button[0].click()
    return at.run()


def assert_clean(at) -> None:
    """No traceback on the page and no error message."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def open_page(app, page: str):
    """Run the entry script, switch to `page` (e.g. "views/on_tap.py") and run it; it must raise nothing."""
    at = app.run().switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# ---- browser -------------------------------------------------------------------------------------------------


def _find_browser() -> tuple[str | None, str | None]:
    driver = shutil.which("chromedriver")
    browser = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    return browser, driver


def _install_chromium() -> str:
    """CI only: install Debian's Chromium and its driver; returns what went wrong, or "" on success."""
    if not shutil.which("apt-get"):
        return "apt-get is not available"
    prefix: list[str] = []
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            return "not root and no sudo"
        prefix = ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium", "chromium-driver"]):
        r = subprocess.run(prefix + cmd, env=env, capture_output=True, text=True, timeout=900)
        if r.returncode != 0:
            return f"`{' '.join(cmd)}` failed: {r.stderr[-800:]}"
    return ""


def chromium_paths() -> tuple[str, str]:
    """(chromium binary, chromedriver) paths. Missing: skips with the reason locally; in CI (CI=true) installs
    them with apt-get and fails the test if that does not work — a CI run must never skip the browser tests."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        msg = "selenium is not installed (pip install -e '.[test]')"
        if in_ci():
            pytest.fail(msg)
        pytest.skip(msg)
    browser, driver = _find_browser()
    if browser and driver:
        return browser, driver
    if not in_ci():
        pytest.skip(f"Chromium or chromedriver not found; install them with: {INSTALL_HINT}")
    problem = _install_chromium()
    browser, driver = _find_browser()
    if not (browser and driver):
        pytest.fail(f"CI: Chromium/chromedriver missing and could not be installed ({problem or 'not on PATH'})")
    return browser, driver


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A headless Chromium driven by Selenium, with a fresh profile; the clipboard may be read by tests."""
    binary, driver_path = chromium_paths()
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    opts.add_argument("--window-size=1440,1000")
    drv = webdriver.Chrome(service=Service(executable_path=driver_path), options=opts)
    drv.set_page_load_timeout(60)
    try:
        yield drv
    finally:
        drv.quit()


def grant_clipboard(drv, origin: str) -> None:
    """Allow the page at `origin` to read and write the clipboard (so a test can check what was copied)."""
    drv.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": origin, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )


def screenshot(drv, name: str) -> Path:
    """Save a PNG of the current viewport under screenshots/ and return its path."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    drv.save_screenshot(str(path))
    print(f"screenshot: {path}")
    return path


# ---- server --------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running `soi app` (streamlit run app/ui/Hoi_dap.py) on localhost."""

    url: str
    proc: subprocess.Popen
    log: Path
    started: float  # time.monotonic() when the command was launched
    healthy: float  # when /_stcore/health first answered "ok"
    marks: dict[str, float] = field(default_factory=dict)

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-n:]
        except OSError:
            return ""


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float) -> bool:
    """Poll the health endpoint every 50 ms: the browser test opens the page as soon as the server answers, and
    its first-answer figure should not include up to 0.2 s of waiting between polls."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200 and r.read().strip() == b"ok":
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)


@contextmanager
def running_app(env_overrides: dict[str, str], log: Path) -> Iterator[Server]:
    """`soi app` (the README command) on a free port with these environment variables; stopped on exit."""
    port = free_port()
    env = {
        **os.environ,
        **env_overrides,
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "PYTHONUNBUFFERED": "1",
    }
    cmd = [sys.executable, "-m", "app.cli", "app", "--port", str(port)]
    started = time.monotonic()
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://localhost:{port}"
    try:
        if not _wait_healthy(url, proc, timeout=90):
            tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
            pytest.fail(f"streamlit did not become healthy on {url} (exit code {proc.poll()}):\n{tail}")
        server = Server(url, proc, log, started, time.monotonic())
        print(f"soi app: {url} healthy after {server.healthy - started:.1f} s; log {log}")
        yield server
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def ui_server(ui_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`soi app` against the session index, shared by the browser tests."""
    with running_app(ui_env, tmp_path_factory.mktemp("streamlit") / "server.log") as server:
        yield server


# ---- waiting on the page, and what it must not show ----------------------------------------------------------

WAIT = 120  # the first page view loads the model and the index


def by():
    from selenium.webdriver.common.by import By

    return By


def wait_for(drv, condition, timeout: float = 30, message: str = "", poll: float = 0.2):
    """`condition(drv)` once it is truthy, checked every `poll` s (a timed wait uses a short one, so that the time
    it reports is not late by up to a whole poll)."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(drv, timeout, poll_frequency=poll).until(condition, message)


def type_into(drv, css: str, text: str, timeout: float = 30) -> None:
    """Type into the first element matching `css` once it takes keys: an input inside an expander that is still
    opening is found before it is interactable («element not interactable», seen once in CI)."""
    from selenium.common.exceptions import ElementNotInteractableException, StaleElementReferenceException

    def typed(d):
        try:
            d.find_element(by().CSS_SELECTOR, css).send_keys(text)
            return True
        except (ElementNotInteractableException, StaleElementReferenceException):
            return False

    wait_for(drv, typed, timeout, f"{css} never took keys")


def wait_text(drv, css: str, text: str, timeout: float = 30, poll: float = 0.2):
    """The first element matching `css` whose text contains `text`."""

    def found(d):
        for el in d.find_elements(by().CSS_SELECTOR, css):
            try:
                if text in el.text:
                    return el
            except Exception:  # noqa: BLE001 — element re-rendered between find and read
                continue
        return False

    return wait_for(drv, found, timeout, f"no {css} containing {text!r}", poll)


def settle(drv, timeout: float = 30) -> None:
    """Wait until Streamlit has finished running the script (no 'running' status widget)."""
    time.sleep(0.3)
    wait_for(
        drv,
        lambda d: not d.find_elements(by().CSS_SELECTOR, '[data-testid="stStatusWidget"] [data-testid*="Running"]')
        and not d.find_elements(by().CSS_SELECTOR, '[data-testid="stSpinner"]'),
        timeout,
    )
    time.sleep(0.5)


def assert_no_traceback(drv) -> None:
    assert not drv.find_elements(by().CSS_SELECTOR, '[data-testid="stException"]')
    assert "Traceback" not in drv.find_element(by().TAG_NAME, "body").text


ENGLISH = ("Select all", "Made with Streamlit", "Record a screencast", "Print", "Deploy", "Settings", "System",
           "Clear caches", "Rerun", "Download as CSV", "No results")


def visible_english(drv) -> list[str]:
    """Visible text and tooltips of the page that are known English strings of Streamlit."""
    texts = drv.execute_script(
        """
        const out = [];
        const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (w.nextNode()) {
          const n = w.currentNode, p = n.parentElement;
          if (p && p.closest('noscript, script, style')) continue;
          if (p && p.offsetParent !== null && n.textContent.trim()) out.push(n.textContent.trim());
        }
        document.querySelectorAll('[title]').forEach(e => out.push(e.getAttribute('title')));
        return out;
        """
    )
    return [t for t in texts if any(re.search(rf"\b{re.escape(e)}\b", t) for e in ENGLISH)]
