"""Helpers several test modules share: raw corpus prose, small corpora of real articles, a served port.

Fixtures live in conftest.py (and ui_support.py for the browser); test modules import only from here."""

from __future__ import annotations

import io
import re
import select
import shutil
import subprocess
import threading
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from app.cli.main import main as soi
from indexer.config import Settings
from indexer.corpus.frontmatter import split_front_matter
from indexer.corpus.load import bundled_corpus_dir, list_corpus_files, load_document
from indexer.corpus.parse import search_text


def corpus_body_lines() -> list[list[str]]:
    """Per document (sorted by file name), its body lines without <!-- source --> comment lines."""
    files, _ = list_corpus_files(bundled_corpus_dir())
    out = []
    for path in sorted(files):
        text = path.read_text(encoding="utf-8")
        _, start = split_front_matter(text, path)
        out.append([ln for ln in text[start:].splitlines() if not ln.strip().startswith("<!--")])
    return out


SMALL_DOCS = ["qd-37-2021.md", "qd-205-2019.md", "qd-114-2023.md"]


def body(name: str) -> str:
    raw = (bundled_corpus_dir() / name).read_text(encoding="utf-8")
    _, start = split_front_matter(raw, name)
    return raw[start:]


def articles(name: str, first: int, last: int) -> str:
    """Articles first..last of a corpus document, verbatim (lines from "Điều first." up to "Điều last+1.")."""
    text = body(name)
    start = text.index(f"Điều {first}.")
    end = text.find(f"Điều {last + 1}.", start)
    return text[start: end if end > 0 else len(text)]


def header(number: str, day: int, month: int, year: int, kind: str = "QUY ĐỊNH", about: str = "về thử nghiệm") -> str:
    return (f"BAN CHẤP HÀNH TRUNG ƯƠNG\nĐẢNG CỘNG SẢN VIỆT NAM\nSố: {number}\n"
            f"Hà Nội, ngày {day} tháng {month} năm {year}\n{kind}\n{about}\n")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def small_settings(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in SMALL_DOCS:
        shutil.copyfile(bundled_corpus_dir() / name, corpus / name)
    return Settings(index_dir=tmp_path / "index", corpus_dirs=[corpus], include_bundled=False,
                    library_dir=tmp_path / "library")


def wait_for_port(server: subprocess.Popen, timeout: float = 180) -> int:
    """Read the server's output until it says where it listens ("soi serve: http://127.0.0.1:PORT/…")."""
    seen: list[str] = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([server.stdout], [], [], 1.0)
        if not ready:
            assert server.poll() is None, "soi serve exited:\n" + "".join(seen)
            continue
        line = server.stdout.readline()
        seen.append(line)
        if "soi serve: http://127.0.0.1:" in line:
            threading.Thread(target=server.stdout.read, daemon=True).start()  # keep the pipe drained
            return int(line.split("127.0.0.1:")[1].split("/")[0])
        assert line or server.poll() is None, "soi serve exited:\n" + "".join(seen)
    raise AssertionError("soi serve did not start in time:\n" + "".join(seen))


def body_paragraphs(doc_id: str) -> list[str]:
    """A corpus document's body as display paragraphs (hard wraps joined, provenance comments dropped)."""
    doc = load_document(bundled_corpus_dir() / f"{doc_id}.md")
    body = re.sub(r"<!--.*?-->", "", doc.text[doc.body_start :], flags=re.DOTALL)
    return [p.strip() for p in search_text(body).split("\n") if p.strip()]


def use_config(s: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the CLI at these settings through a config file, as a user would."""
    cfg = tmp_path / "soi.toml"
    cfg.write_text(
        f'index_dir = "{s.index_dir}"\nlibrary_dir = "{s.library_dir}"\ninclude_bundled = false\n'
        f'corpus_dirs = ["{s.corpus_dirs[0]}"]\n', encoding="utf-8")
    monkeypatch.setenv("SOI_CONFIG", str(cfg))
    monkeypatch.delenv("SOI_LIBRARY_DIR", raising=False)
    monkeypatch.delenv("SOI_INDEX_DIR", raising=False)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = soi(list(argv))
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 2
            err.write(str(e.code))
    return code, out.getvalue(), err.getvalue()
