"""Write a file so that readers see either the old content or the whole new one, never half of it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, mode: int | None = None) -> None:
    """Temp file in the same folder, fsync, then os.replace (atomic on POSIX and Windows).

    `mode`: the file's permission bits (set with chmod, so the umask does not apply); None keeps the temp file's
    owner-only 0600. A failed write leaves the old file as it was and no temp file behind.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str, mode: int | None = None) -> None:
    """`atomic_write_bytes` of the UTF-8 encoding: the one encoding every text file of the project uses."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)
