"""The one error type of ingestion: it names the file and says the problem in Vietnamese (UI) and English (CLI)."""

from __future__ import annotations

from pathlib import Path

from indexer.os_errors import os_reason


class IngestError(Exception):
    """A file that cannot be added; `code` is stable for tests, `vi`/`en` are shown to people as they are."""

    def __init__(self, path: str | Path, code: str, vi: str, en: str) -> None:
        self.path = Path(path)
        self.code = code
        self.vi = vi
        self.en = en
        super().__init__(f"{self.path.name}: {en}")

    def message(self, lang: str = "en") -> str:
        """The message with the file name first, in `lang` ("vi" or "en")."""
        return f"{self.path.name}: {self.vi if lang == 'vi' else self.en}"


def from_os_error(path: str | Path, exc: OSError, doing_vi: str, doing_en: str, code: str = "os-error") -> IngestError:
    """An `IngestError` naming `path` for an OS error met while doing something ("không ghi được vào kho" …)."""
    vi, en = os_reason(exc)
    return IngestError(path, code, f"{doing_vi} ({vi})", f"{doing_en} ({en})")
