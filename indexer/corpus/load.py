"""Load corpus files into `Document`s.

Readers are registered by file suffix (`READERS`) so PDF or DOCX readers can be added later without touching
the loader: a reader turns a file into its full decoded text; the loader then splits front matter, hashes the
bytes and fills the metadata. Files whose suffix has no reader are skipped and reported, never guessed at.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from collections.abc import Callable
from pathlib import Path

from indexer.corpus.frontmatter import CorpusError, document_from_front_matter, first_line, split_front_matter
from indexer.corpus.models import Document

log = logging.getLogger(__name__)

Reader = Callable[[Path], str]


def read_text_file(path: Path) -> str:
    """UTF-8 text (a BOM is tolerated and dropped); other encodings get a clear error, not mojibake."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            path,
            f"not valid UTF-8 (byte {exc.start}); legacy Vietnamese encodings (TCVN3/ABC, VNI, Windows-1258) "
            "are not supported yet: convert the file to UTF-8",
        ) from exc


# Suffix (lower case, with the dot) -> reader. Add ".pdf" / ".docx" readers here.
READERS: dict[str, Reader] = {
    ".md": read_text_file,
    ".txt": read_text_file,
}


def bundled_corpus_dir() -> Path:
    """The corpus shipped with the project (corpus/ next to the indexer package)."""
    return Path(__file__).resolve().parents[2] / "corpus"


def _is_ignored(path: Path) -> bool:
    """README files and hidden files describe or accompany the corpus; they are not documents."""
    return path.name.startswith(".") or path.stem.lower() == "readme"


def list_corpus_files(directory: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files a reader exists for, sorted; and (file, reason) for every other file that was skipped."""
    if not directory.is_dir():
        raise CorpusError(directory, "corpus directory does not exist or is not a directory")
    readable: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in sorted(directory.iterdir()):
        if path.is_dir() or _is_ignored(path):
            continue
        if path.suffix.lower() in READERS:
            readable.append(path)
        else:
            skipped.append((path, f"no reader for '{path.suffix or '(no suffix)'}' files"))
    return readable, skipped


def load_document(path: Path) -> Document:
    """Read one file into a `Document`; id = file stem, sha256 of the raw bytes, spans index `Document.text`."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise CorpusError(path, f"no reader for '{path.suffix}' files (known: {', '.join(sorted(READERS))})")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(path, f"cannot read file: {exc.strerror or exc}") from exc
    text = reader(path)
    sha = hashlib.sha256(raw).hexdigest()
    meta, body_start = split_front_matter(text, path)
    if meta is None:
        return _bare_document(path, text, sha)
    return document_from_front_matter(meta, doc_id=path.stem, path=path, text=text, body_start=body_start, sha256=sha)


def _bare_document(path: Path, text: str, sha: str) -> Document:
    """A user file without front matter: only what can be seen is filled in; the parser finds the structure."""
    return Document(
        id=path.stem,
        code="",
        type="",
        title=first_line(text) or path.stem,
        issuer="",
        issued="",
        status="in-force",
        normative=True,
        completeness="full",
        path=str(path),
        sha256=sha,
        text=text,
        body_start=0,
    )


def load_corpus(directory: Path, skipped: list[tuple[Path, str]] | None = None) -> list[Document]:
    """All readable documents of `directory`, sorted by id.

    Files without a reader are logged and appended to `skipped` (when given) as (path, reason). Two files with
    the same stem (e.g. a.md and a.txt) would share an id, so that is an error naming both.
    """
    files, left_out = list_corpus_files(Path(directory))
    for path, reason in left_out:
        log.warning("skipped %s: %s", path, reason)
    if skipped is not None:
        skipped.extend(left_out)
    documents: dict[str, Document] = {}
    for path in files:
        doc = load_document(path)
        if doc.id in documents:
            raise CorpusError(path, f"document id '{doc.id}' is also used by {documents[doc.id].path}")
        documents[doc.id] = doc
    return [documents[key] for key in sorted(documents)]


def code_key(code: str) -> str:
    """Codes are compared NFC, case-insensitively, without spaces: "22-QĐ/TW" == "22 - qđ/tw"."""
    return "".join(unicodedata.normalize("NFC", code).casefold().split())


def find_document(documents: list[Document], code: str, year: int | None = None) -> Document | None:
    """The document a citation names by code (and year, since numbering restarts each congress term).

    With several candidates and no year, the most recently issued one is returned.
    """
    key = code_key(code)
    matches = [d for d in documents if code_key(d.code) == key and (year is None or d.year == year)]
    return max(matches, key=lambda d: d.issued) if matches else None
