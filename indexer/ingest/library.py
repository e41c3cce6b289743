"""The user's library: added files become corpus documents (front matter + extracted text) beside the bundled corpus.

Adding is two steps so a person can confirm what was guessed: `prepare` reads the file, guesses its metadata and
finds duplicates without writing anything; `commit` writes the converted text (temporary file, then rename) and
keeps a copy of the original for provenance (the exact bytes that were read, hashed from the stored copy). The index
is rebuilt by the caller, which publishes atomically, so a bad file or a failed build never costs the index the user
had; an add killed half-way is finished or undone by the next one (`recover`), and a document in the library that the
index does not hold yet (`unindexed`) keeps search answering from the previous index, with a note.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from indexer.config import Settings
from indexer.corpus.frontmatter import CorpusError, as_text, document_from_front_matter, split_front_matter
from indexer.corpus.load import bundled_corpus_dir, code_key, load_document
from indexer.corpus.models import Document
from indexer.index import store
from indexer.index.freshness import load_documents
from indexer.ingest.errors import IngestError, from_os_error
from indexer.ingest.metadata import GuessedMeta, front_matter, guess_metadata
from indexer.ingest.readers import Extracted, Notice, read_file
from indexer.text.normalize import slug

ORIGINALS = "originals"
FIELDS = ("code", "type", "title", "issuer", "issued", "status", "completeness")
TYPE_PREFIX = {
    "quy-dinh": "qd",
    "ket-luan": "kl",
    "huong-dan": "hd",
    "chuong-trinh": "ctr",
    "quyet-dinh": "qdi",
    "dieu-le": "dieu-le",
    "chi-thi": "ct",
    "nghi-quyet": "nq",
    "tin-tuc": "tin",
}
_SAFE_NAME = re.compile(r"^[^/\\\x00]{1,200}$")
MAX_ID_CHARS = 80  # ids name files («.<id>.md.tmp-<pid>» must fit 255 bytes) and start every clause id


@dataclass
class Duplicate:
    """An existing document the candidate repeats or collides with; `blocking` ones stop the add."""

    doc_id: str
    path: str
    reason: str  # "same-text" | "same-code-year" | "same-code-other-year"
    blocking: bool
    replaceable: bool = False  # a partial bundled text the user's full text may stand in for

    def message(self, lang: str = "en") -> str:
        if self.reason == "same-text":
            return (f"trùng nội dung với văn bản đã có «{self.doc_id}»" if lang == "vi"
                    else f"same text as the existing document '{self.doc_id}'")
        if self.reason == "same-code-year":
            if self.replaceable:
                return (f"cùng số hiệu và năm với «{self.doc_id}» (bản có sẵn chỉ có một phần): bản của bạn sẽ thay "
                        "bản có sẵn khi tra cứu" if lang == "vi" else
                        f"same code and year as '{self.doc_id}' (bundled in part only): your text will stand in "
                        "for it")
            return (f"cùng số hiệu và năm ban hành với văn bản đã có «{self.doc_id}»" if lang == "vi"
                    else f"same code and year as the existing document '{self.doc_id}'")
        return (f"trùng số hiệu với «{self.doc_id}» nhưng khác năm ban hành (số hiệu của Đảng đánh lại mỗi nhiệm kỳ): "
                "sẽ được thêm như một văn bản khác" if lang == "vi" else
                f"same code as '{self.doc_id}' but another year (Party numbering restarts each term): added as a "
                "separate document")


@dataclass
class Candidate:
    """A read file waiting for confirmation; `fields` is the editable front matter proposed for it."""

    source: Path
    extracted: Extracted
    guessed: GuessedMeta
    fields: dict[str, str]
    doc_id: str
    text_hash: str
    duplicates: list[Duplicate] = field(default_factory=list)

    @property
    def notices(self) -> list[Notice]:
        """What the reader could not do faithfully or wants checked (no structure, converted encoding, …)."""
        return self.extracted.notices

    @property
    def units(self) -> int:
        """Structural units (chapters, articles, khoản, numbered items) the parser finds; 0 = paragraphs only."""
        return self.extracted.units

    @property
    def blocking(self) -> Duplicate | None:
        return next((d for d in self.duplicates if d.blocking), None)


@dataclass
class Added:
    """What `commit` wrote."""

    doc_id: str
    path: Path
    original: Path
    stands_in_for: str | None = None  # bundled partial document this one replaces in search


def text_hash(body: str) -> str:
    """Hash of the words only (NFC, case-folded, whitespace collapsed): the same text from a PDF or a DOCX matches."""
    words = " ".join(unicodedata.normalize("NFC", body).casefold().split())
    return hashlib.sha256(words.encode()).hexdigest()


def _body(doc: Document) -> str:
    return doc.text[doc.body_start:]


def propose_id(fields: dict[str, str], filename: str) -> str:
    """Corpus-style id: type prefix + number + year ("qd-69-2022"); the file name when there is no code."""
    code = fields.get("code", "")
    number = re.match(r"\s*(\d+)", code)
    year = (fields.get("issued") or "")[:4]
    if number:
        prefix = TYPE_PREFIX.get(fields.get("type", ""), "vb")
        return "-".join(p for p in (prefix, number.group(1), year if year.isdigit() else "") if p)[:MAX_ID_CHARS]
    return _shorten(slug(Path(filename).stem)) or "van-ban"


def _shorten(doc_id: str) -> str:
    """At most MAX_ID_CHARS, cut at a hyphen where there is one: a 250-character file name must not become a file
    name the library cannot write."""
    if len(doc_id) <= MAX_ID_CHARS:
        return doc_id
    cut = doc_id[: MAX_ID_CHARS + 1].rsplit("-", 1)[0]
    return (cut if len(cut) >= MAX_ID_CHARS // 2 else doc_id[:MAX_ID_CHARS]).strip("-")


def find_duplicates(fields: dict[str, str], body_hash: str, documents: dict[str, Document]) -> list[Duplicate]:
    """Existing documents with the same text, or the same code (same year: duplicate; other year: a note)."""
    out: list[Duplicate] = []
    bundled = bundled_corpus_dir().resolve()
    code = code_key(fields.get("code", ""))
    year = (fields.get("issued") or "")[:4]
    for doc in documents.values():
        if text_hash(_body(doc)) == body_hash:
            out.append(Duplicate(doc.id, doc.path, "same-text", blocking=True))
            continue
        if not code or code_key(doc.code) != code:
            continue
        if year and doc.year is not None and str(doc.year) != year:
            out.append(Duplicate(doc.id, doc.path, "same-code-other-year", blocking=False))
            continue
        replaceable = doc.is_partial and Path(doc.path).resolve().parent == bundled
        out.append(Duplicate(doc.id, doc.path, "same-code-year", blocking=not replaceable, replaceable=replaceable))
    return out


def prepare(path: str | Path, settings: Settings, ocr: bool = False,
            documents: dict[str, Document] | None = None) -> Candidate:
    """Read, guess metadata, find duplicates; writes nothing. Raises `IngestError` naming the file."""
    path = Path(path)
    extracted = read_file(path, max_bytes=settings.max_file_mb * 2**20, ocr=ocr, max_chars=settings.max_text_chars,
                          max_seconds=settings.max_read_seconds)
    own = _own_front_matter(path, extracted)
    guessed = guess_metadata(extracted.text, filename=path.name)
    fields = {k: str(v) for k, v in front_matter(guessed).items()}
    fields.update({k: as_text(own[k]) for k in FIELDS if as_text(own.get(k))})
    documents = load_documents(settings) if documents is None else documents
    body_hash = text_hash(extracted.text)
    cand = Candidate(
        source=path,
        extracted=extracted,
        guessed=guessed,
        fields=fields,
        doc_id=propose_id(fields, path.name),
        text_hash=body_hash,
        duplicates=find_duplicates(fields, body_hash, documents),
    )
    return cand


def _own_front_matter(path: Path, extracted: Extracted) -> dict:
    """A Markdown file that brings its own front matter: its fields win over guesses, and it leaves the body."""
    if extracted.format != "md":
        return {}
    try:
        meta, start = split_front_matter(extracted.text, path)
    except CorpusError as e:
        raise IngestError(path, "invalid", f"phần thông tin đầu tệp (front matter) không hợp lệ: {e.message}",
                          f"invalid front matter: {e.message}") from e
    if meta is None:
        return {}
    extracted.text = extracted.text[start:].lstrip("\n")
    return meta


def reconsider(cand: Candidate, fields: dict[str, str], settings: Settings,
               documents: dict[str, Document] | None = None) -> Candidate:
    """Apply the person's corrections to the guessed fields; the id and duplicates follow the corrected code/year."""
    cand.fields = {k: str(fields.get(k, cand.fields.get(k, "")) or "").strip() for k in FIELDS}
    cand.doc_id = propose_id(cand.fields, cand.source.name)
    documents = load_documents(settings) if documents is None else documents
    cand.duplicates = find_duplicates(cand.fields, cand.text_hash, documents)
    return cand


def _unique_id(doc_id: str, library: Path, documents: dict[str, Document], stands_in: str | None) -> str:
    """A free id: one already taken by another document gets a numeric suffix (never overwrites silently)."""
    if stands_in:
        return stands_in
    candidate, n = doc_id, 2
    while candidate in documents or (library / f"{candidate}.md").exists():
        candidate, n = f"{doc_id}-{n}", n + 1
    return candidate


def render(cand: Candidate, added_on: str, source_sha256: str | None = None) -> str:
    """The library file: YAML front matter (confirmed fields + provenance) and the extracted text, verbatim.

    `source_sha256` is the hash of the stored original (`commit` passes it); by default, of the bytes the text
    was read from."""
    meta: dict[str, object] = {k: v for k, v in cand.fields.items() if v}
    meta.setdefault("status", "in-force")
    meta.setdefault("completeness", "full")
    meta["sources"] = [f"{cand.source.name} : added {added_on}, {cand.extracted.format}, {cand.extracted.encoding}"]
    meta["source_file"] = cand.source.name
    meta["source_sha256"] = source_sha256 or hashlib.sha256(_source_bytes(cand)).hexdigest()
    if cand.notices:
        meta["notes"] = "; ".join(n.en for n in cand.notices)
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{head}---\n{cand.extracted.text.rstrip()}\n"


def _source_bytes(cand: Candidate) -> bytes:
    """The bytes the text was read from (kept by the reader); the file itself only for a candidate made without
    them. Reading the file again could give another version of it than the one whose text is stored."""
    return cand.extracted.raw or cand.source.read_bytes()


def commit(cand: Candidate, settings: Settings, documents: dict[str, Document] | None = None) -> Added:
    """Write the candidate into the library; refuses a blocking duplicate.

    Crash-safe in two renames: the original (the exact bytes that were read) and the converted text are written
    to temporary files named after this process, then the text takes its name (from then on the document is in
    the library) and the original follows. A process killed before the first rename leaves only temporary files,
    removed by the next add; killed between the two, its original is put in place by the next add (`recover`).
    `source_sha256` in the front matter is the hash of the stored copy, read back from disk."""
    dup = cand.blocking
    if dup is not None:
        raise IngestError(cand.source, "duplicate", f"đã có trong kho: {dup.message('vi')}",
                          f"already in the library: {dup.message('en')}")
    library = Path(settings.library_dir)
    documents = load_documents(settings) if documents is None else documents
    stands_in = next((d.doc_id for d in cand.duplicates if d.replaceable), None)
    doc_id = _unique_id(cand.doc_id, library, documents, stands_in)
    target = library / f"{doc_id}.md"
    tmp = library / f".{doc_id}.md.tmp-{os.getpid()}"
    original = library / ORIGINALS / f"{doc_id}{cand.source.suffix.lower()}"
    tmp_orig = original.with_name(f".{original.name}.tmp-{os.getpid()}")
    try:
        raw = _source_bytes(cand)
    except OSError as exc:
        raise from_os_error(cand.source, exc, "không đọc lại được tệp gốc", "cannot read the source file again",
                            code="unreadable") from exc
    placed: list[Path] = []  # what this call wrote, removed again if a later step fails
    try:
        (library / ORIGINALS).mkdir(parents=True, exist_ok=True)
        recover(library)
        placed.append(tmp_orig)
        _write_synced(tmp_orig, raw)
        stored_sha = store.sha256_file(tmp_orig)
        if stored_sha != hashlib.sha256(raw).hexdigest():
            raise IngestError(cand.source, "io", "bản sao tệp gốc trong kho khác với tệp đã đọc (lỗi ghi đĩa)",
                              "the stored copy of the original differs from the bytes read (disk write error)")
        placed.append(tmp)
        _write_synced(tmp, render(cand, dt.date.today().isoformat(), stored_sha).encode("utf-8"))
        try:
            _validate(tmp, doc_id)
        except CorpusError as e:
            raise IngestError(cand.source, "invalid", f"không ghi được văn bản: {e.message}",
                              f"could not write the document: {e.message}") from e
        os.replace(tmp, target)  # the commit point
        placed = [target, tmp_orig]  # a failure now takes the document out again
        os.replace(tmp_orig, original)
    except (OSError, IngestError) as exc:
        for path in placed:
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass
        if isinstance(exc, IngestError):
            raise
        raise from_os_error(cand.source, exc, f"không ghi được vào kho văn bản {library}",
                            f"cannot write into the library {library}") from exc
    return Added(doc_id, target, original, stands_in)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


_TMP_NAME = re.compile(r"^\.(?P<name>.+)\.tmp-(?P<pid>\d+)$")


def recover(library: Path) -> list[str]:
    """Finish or undo what an add or a removal killed half-way left in the library; returns what was done.

    Temporary files of processes still running are left alone. A converted text that never got its name is
    removed (that add did not happen); an original whose text did get its name is put in place when its bytes
    match the text's `source_sha256` (the add finishes); an original whose text is gone is removed."""
    library = Path(library)
    originals = library / ORIGINALS
    done: list[str] = []
    for folder in (library, originals):
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            m = _TMP_NAME.match(path.name)
            if m is None or int(m["pid"]) == os.getpid() or store.pid_alive(int(m["pid"])):
                continue
            final = folder / m["name"]
            text = library / f"{Path(m['name']).stem}.md"
            try:
                if folder == originals and not final.exists() and _recorded_sha(text) == store.sha256_file(path):
                    os.replace(path, final)
                    done.append(f"finished {final.name}")
                else:
                    path.unlink()
                    done.append(f"removed {path.name}")
            except OSError:
                continue
    if originals.is_dir():
        for orig in originals.iterdir():
            if not orig.name.startswith(".") and orig.is_file() and not (library / f"{orig.stem}.md").exists():
                try:
                    orig.unlink()
                    done.append(f"removed {orig.name}")
                except OSError:
                    continue
    return done


def _recorded_sha(text: Path) -> str | None:
    """`source_sha256` from a library file's front matter; None when there is no such file or field."""
    try:
        meta, _ = split_front_matter(text.read_text(encoding="utf-8"), text)
    except (OSError, UnicodeDecodeError, CorpusError):
        return None
    return str(meta.get("source_sha256")) if meta and meta.get("source_sha256") else None


def unindexed(settings: Settings, documents: dict[str, Document] | None = None) -> set[str]:
    """Ids of library documents the published index does not hold as they are now: added with `--no-build`, or
    by an add whose rebuild was killed. Adding such a file again finishes its add instead of being refused."""
    indexed: dict[str, str] = {}
    version = store.current_version(Path(settings.index_dir))
    if version is not None:
        try:
            indexed = {d["id"]: d["sha256"] for d in store.read_manifest(version).get("documents", [])}
        except (OSError, ValueError, KeyError, TypeError):
            indexed = {}
    library = Path(settings.library_dir).resolve()
    documents = load_documents(settings) if documents is None else documents
    return {d.id for d in documents.values()
            if Path(d.path).resolve().parent == library and indexed.get(d.id) != d.sha256}


def _validate(tmp: Path, doc_id: str) -> None:
    """The written file must load back as a corpus document with its fields (front matter valid, text intact)."""
    text = tmp.read_text(encoding="utf-8")
    meta, body_start = split_front_matter(text, tmp)
    if meta is None:
        raise CorpusError(tmp, "front matter missing")
    document_from_front_matter(meta, doc_id=doc_id, path=tmp, text=text, body_start=body_start)


def remove(doc_id: str, settings: Settings) -> Path:
    """Delete an added document (and its original); bundled documents cannot be removed."""
    library = Path(settings.library_dir)
    target = library / f"{doc_id}.md"
    if not _SAFE_NAME.match(doc_id) or target.resolve().parent != library.resolve() or not target.is_file():
        raise IngestError(target, "missing", f"không có văn bản «{doc_id}» trong kho của bạn",
                          f"no added document '{doc_id}' in your library")
    target.unlink()  # first: a removal killed here leaves an original without its text, which `recover` removes
    for orig in (library / ORIGINALS).glob(f"{doc_id}.*"):
        orig.unlink()
    return target


def list_added(settings: Settings) -> list[Document]:
    """Documents in the library, newest file first."""
    library = Path(settings.library_dir)
    if not library.is_dir():
        return []
    files = sorted((p for p in library.glob("*.md") if not p.name.startswith(".")),
                   key=lambda p: p.stat().st_mtime, reverse=True)
    return [load_document(p) for p in files]


def safe_upload_path(directory: Path, filename: str) -> Path:
    """Where an uploaded file may be saved: its bare name inside `directory`; traversal and odd names are refused."""
    name = unicodedata.normalize("NFC", filename or "")
    bad = (not _SAFE_NAME.match(name) or name in (".", "..") or name.startswith(".") or ".." in Path(name).parts
           or any(ord(ch) < 32 for ch in name))
    target = directory / "_"
    if not bad:
        target = (directory / name).resolve()
    if bad or target.parent != directory.resolve():
        raise IngestError(
            Path(name or "(không tên)"), "bad-name",
            "tên tệp không hợp lệ (chứa đường dẫn như «../» hoặc «/»); hãy đổi tên tệp rồi tải lên lại",
            "invalid file name (contains a path such as '../' or '/'); rename the file and upload it again",
        )
    return target
