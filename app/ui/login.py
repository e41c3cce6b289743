"""Attempt limit for the admin password of the UI: slower after a few wrong tries, then locked for a while.

Without it a script could try passwords as fast as the server answers (20 tries took 8 s). The count is kept per
process (one `soi app`), shared by every browser session, so opening a new tab does not start it again; a correct
password clears it. Kept apart from the page so the rule can be tested without Streamlit.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

FREE_TRIES = 2  # typos happen: the first wrong tries cost nothing
MAX_FAILURES = 5  # wrong tries in a row that lock the login
LOCK_SECONDS = 300  # how long it stays locked
BASE_DELAY = 1.0  # seconds of wait after the first try over FREE_TRIES, doubled after each further one


class LoginLimiter:
    """Counts wrong passwords in a row; `failed` says how long to make the person wait, `locked_for` how long the
    login stays closed. Thread-safe: Streamlit runs each browser session in its own thread."""

    def __init__(self, free_tries: int = FREE_TRIES, max_failures: int = MAX_FAILURES,
                 lock_seconds: float = LOCK_SECONDS, base_delay: float = BASE_DELAY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.free_tries = free_tries
        self.max_failures = max_failures
        self.lock_seconds = lock_seconds
        self.base_delay = base_delay
        self.clock = clock
        self._failures = 0
        self._locked_until = -math.inf
        self._lock = threading.Lock()

    def locked_for(self) -> float:
        """Seconds until a password may be tried again; 0 when it may be tried now."""
        with self._lock:
            return max(0.0, self._locked_until - self.clock())

    def failed(self) -> float:
        """Record a wrong password; returns the seconds to wait before answering (0 for the first tries). The
        try that reaches `max_failures` locks the login for `lock_seconds` and starts the count again."""
        with self._lock:
            self._failures += 1
            if self._failures >= self.max_failures:
                self._failures = 0
                self._locked_until = self.clock() + self.lock_seconds
                return 0.0
            extra = self._failures - self.free_tries
            return self.base_delay * 2 ** (extra - 1) if extra > 0 else 0.0

    def succeeded(self) -> None:
        """A correct password clears the count."""
        with self._lock:
            self._failures = 0


def lockout_message(seconds: float) -> str:
    """The Vietnamese notice shown while the login is locked."""
    minutes = max(1, math.ceil(seconds / 60))
    return (f"Đã nhập sai mật khẩu quá nhiều lần: đăng nhập quản trị tạm khoá, hãy thử lại sau {minutes} phút "
            "(too many wrong passwords: admin login locked for a while).")


ADMIN_LOGIN = LoginLimiter()  # the one limiter of this process
