"""YAML front matter of corpus files: split it from the body and normalise it into `Document` fields.

Spans everywhere are offsets into the whole decoded file, so the split only reports where the body starts;
it never cuts the text. Front-matter values come typed by YAML (dates, ints, lists, dicts for "url : note"
items) and are normalised here once, so the rest of the pipeline sees plain strings and lists of strings.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from indexer.corpus.models import Document

# Opening fence: "---" alone on the first line (after an optional BOM). "-----" rules are not fences.
_OPEN_FENCE = re.compile(r"\A\ufeff?---[ \t]*\r?\n")
# Closing fence: a line that is exactly "---" (trailing blanks allowed), at the end of the file or before a newline.
_CLOSE_FENCE = re.compile(r"^---[ \t]*(?:\r?\n|\Z)", re.MULTILINE)

_NEWS_TYPES = {"tin-tuc"}
_FALSE_WORDS = {"false", "no", "0", "off", "khong", "không"}
_TRUE_WORDS = {"true", "yes", "1", "on", "co", "có"}


class CorpusError(Exception):
    """A corpus file that cannot be read or understood; the message always names the file."""

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = Path(path)
        self.message = message
        super().__init__(f"{self.path}: {message}")


def split_front_matter(text: str, path: str | Path = "<text>") -> tuple[dict[str, Any] | None, int]:
    """Return (front-matter mapping or None, offset where the body starts) without altering `text`.

    A file that opens a fence but never closes it, or whose YAML is invalid or not a mapping, raises
    `CorpusError` naming the file, because silently indexing metadata as text would corrupt citations.
    """
    opening = _OPEN_FENCE.match(text)
    if not opening:
        return None, 0
    closing = _CLOSE_FENCE.search(text, opening.end())
    if not closing:
        raise CorpusError(path, "front matter opened with '---' on line 1 is never closed by a '---' line")
    raw = text[opening.end() : closing.start()]
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (front matter line {mark.line + 2})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise CorpusError(path, f"malformed YAML front matter{where}: {problem}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CorpusError(path, f"front matter must be a YAML mapping of fields, got {type(data).__name__}")
    return data, closing.end()


def as_text(value: Any) -> str:
    """Scalar field -> stripped string ("" for missing); dates become ISO strings."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return "; ".join(f"{k} : {v}" for k, v in value.items())
    return str(value).strip()


def as_list(value: Any) -> list[str]:
    """A string or a list (of anything) -> list of non-empty strings, so callers never branch on the shape."""
    if value is None or value == "":
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
    out = [as_text(v) for v in items]
    return [v for v in out if v]


def as_bool(value: Any, default: bool, path: str | Path) -> bool:
    """YAML booleans, or the usual words for them; anything else is an error rather than a guess."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise CorpusError(path, f"field 'normative' must be true or false, got {value!r}")


def document_from_front_matter(
    meta: dict[str, Any], *, doc_id: str, path: str | Path, text: str, body_start: int, sha256: str = ""
) -> Document:
    """Build a `Document` from a front-matter mapping, normalising every field's shape."""
    doc_type = as_text(meta.get("type"))
    is_news = doc_type in _NEWS_TYPES
    title = as_text(meta.get("title")) or first_line(text[body_start:])
    status = as_text(meta.get("status")) or ("n/a" if is_news else "in-force")
    return Document(
        id=doc_id,
        code=as_text(meta.get("code")),
        type=doc_type,
        title=title,
        issuer=as_text(meta.get("issuer")),
        issued=as_text(meta.get("issued")),
        status=status,
        replaced_by=as_list(meta.get("replaced_by")),
        replaces=as_list(meta.get("replaces")),
        normative=as_bool(meta.get("normative"), default=not is_news, path=path),
        completeness=as_text(meta.get("completeness")) or "full",
        articles_present=as_list(meta.get("articles_present")),
        sources=as_list(meta.get("sources")),
        notes=as_text(meta.get("notes")),
        path=str(path),
        sha256=sha256,
        text=text,
        body_start=body_start,
    )


def first_line(body: str) -> str:
    """First non-empty line, without Markdown heading/bold marks: the minimal title guess for bare files."""
    for line in body.splitlines():
        cleaned = line.strip().lstrip("#").strip().strip("*").strip()
        if cleaned and not cleaned.startswith("<!--"):
            return cleaned
    return ""
