"""Where the query's words occur in a clause, as offsets into the verbatim text (display never changes the text).

Matching is done on the folded (or diacritics-free) copy of the text and mapped back through per-character
offsets, so "Uỷ ban" in the source lights up for a query "ủy ban" or "uy ban".
"""

from __future__ import annotations

import re
from functools import lru_cache

from indexer.normalize import fold, fold_with_offsets, has_diacritics, strip_with_offsets

# Function words of questions that would light up half of every clause. "bị", "chi", "dự" stay: "dự bị", "chi bộ".
STOPWORDS = frozenset(
    """
    có được không của và là gì nào thì cho các những với theo trong khi về này đó như ra vào để một do
    hay hoặc mà nếu đã sẽ đang ai sao bao nhiêu lâu thế hỏi xin biết tôi em anh ạ vậy nhé ở tại
    từ đến trên dưới sau trước cũng rất nhất việc người
    """.split()
)
# The same words typed without accents, minus those whose plain form is also a content word ("dang" = đảng).
PLAIN_STOPWORDS = frozenset(
    """
    co duoc khong cua va la gi nao thi cac nhung voi theo trong khi ve nay do nhu de mot
    hay hoac ma neu da se ai sao bao nhieu lau the hoi xin biet toi em anh vay nhe tai
    tu den tren duoi sau truoc cung rat nhat viec nguoi
    """.split()
)
_WORD = re.compile(r"\w+", re.UNICODE)


def query_terms(query: str) -> list[str]:
    """Content syllables of the query, folded, stopwords removed, order kept, no repeats."""
    seen: list[str] = []
    for m in _WORD.finditer(fold(query)):
        w = m.group(0)
        stop = STOPWORDS if has_diacritics(w) else PLAIN_STOPWORDS
        if w in stop or (len(w) < 2 and not w.isdigit()):
            continue
        if w not in seen:
            seen.append(w)
    return seen


@lru_cache(maxsize=4096)
def _views(text: str) -> tuple[str, list[int], str, list[int]]:
    """Folded and diacritics-free copies with offsets; cached because the same clauses answer many queries."""
    folded, fmap = fold_with_offsets(text)
    plain, pmap = strip_with_offsets(text)
    return folded, fmap, plain, pmap


def highlight_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Sorted, merged (start, end) spans of `text` matching the query's content words."""
    terms = query_terms(query)
    if not terms:
        return []
    folded, fmap, plain, pmap = _views(text)
    spans: list[tuple[int, int]] = []
    for term in terms:
        accented = has_diacritics(term)
        hay, offs = (folded, fmap) if accented else (plain, pmap)
        pattern = re.compile(r"(?<!\w)" + re.escape(term) + r"(?!\w)")
        for m in pattern.finditer(hay):
            start = offs[m.start()]
            end = offs[m.end() - 1] + 1
            spans.append((start, end))
    return _merge(spans, text)


def _merge(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Join spans separated only by spaces so a phrase is marked as one run."""
    spans.sort()
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and (s <= out[-1][1] or text[out[-1][1] : s].strip() == ""):
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def mark(text: str, spans: list[tuple[int, int]], start: str = "[", end: str = "]") -> str:
    """The text with each span wrapped in markers (terminal: ANSI codes; Markdown: **)."""
    out, pos = [], 0
    for s, e in spans:
        out.append(text[pos:s])
        out.append(start + text[s:e] + end)
        pos = e
    out.append(text[pos:])
    return "".join(out)
