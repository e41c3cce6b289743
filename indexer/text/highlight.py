"""Where the query's words occur in a clause, as offsets into the verbatim text (display never changes the text).

A highlight is a whole word of the text (as the word segmenter cuts it) — or a run of whole words — that is also a
word, or a run of words, of the query as analysed: "đảng viên" lights up "Đảng viên", never the "viên" of "thành
viên", the "đang" of "đang điều trị" or the "Đảng uỷ cơ" of "Đảng uỷ cơ sở". Matching is done on the folded copy
(accents included, one spelling: "Uỷ ban" = "ủy ban") and mapped back through per-character offsets.

A query typed without diacritics is matched without them, word for word; the UI passes the restored reading
(`QueryAnalysis.dense_text`) instead, so that «dang vien» marks «đảng viên» and not «đang».
"""

from __future__ import annotations

import re
from functools import lru_cache

from indexer.text.normalize import (
    fold,
    fold_with_offsets,
    has_diacritics,
    map_span,
    strip_diacritics,
    strip_with_offsets,
)
from indexer.text.segment import segment, text_key

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
# Words of a question made of more than one syllable that still say nothing about its subject.
STOP_PHRASES = frozenset(
    tuple(p.split("_"))
    for p in "có_thể thế_nào như_thế_nào hay_không được_không khi_nào ở_đâu tại_sao vì_sao làm_sao bao_giờ".split()
)
_WORD = re.compile(r"\w+", re.UNICODE)
_SYLLABLE = re.compile(r"[^\W_]+")  # as indexer.text.segment splits words into syllables
MAX_RUN = 6  # words of the query (or of the text) one highlight may span


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


# Kept out of STOPWORDS for the words they make ("dự bị", "chi bộ"), but a one-syllable word of the query made of
# one of them ("bị" of «bị khởi tố») would mark every «bị» of a clause: it is marked only inside a run. So are the
# words of a citation ("khoản 2 Điều 29 …" would light up every «khoản» and «Điều» a clause cites).
WEAK_ALONE = frozenset(("bị", "chi", "dự", "điều", "khoản", "điểm"))


def _is_content(syls: tuple[str, ...], plain: bool) -> bool:
    """Whether a word of the query (its syllables) says something: not only function words or single letters."""
    if syls in STOP_PHRASES or (not plain and len(syls) == 1 and syls[0] in WEAK_ALONE):
        return False
    stop = PLAIN_STOPWORDS if plain else STOPWORDS
    return any(s not in stop and (len(s) >= 2 or s.isdigit()) for s in syls)


def query_words(query: str) -> tuple[list[tuple[str, ...]], bool]:
    """The query as words, each a tuple of folded syllables, and whether it is matched without diacritics.

    A query with diacritics is cut into words by the segmenter the index uses ("đảng_viên", "kinh_doanh"); one
    typed without them has no reliable segmentation, so each syllable is a word and runs of them match."""
    plain = not has_diacritics(query)
    if plain:
        return [(s,) for s in _SYLLABLE.findall(strip_diacritics(fold(query)))], True
    words = [tuple(_SYLLABLE.findall(w)) for w in segment(query)]
    return [w for w in words if w], False


@lru_cache(maxsize=256)
def _runs(query: str) -> tuple[frozenset[tuple[str, ...]], frozenset[str], bool]:
    """Syllables of every run of consecutive query words that starts and ends with a content word, and the
    syllables such a run starts with (a text word starting otherwise cannot start a highlight)."""
    words, plain = query_words(query)
    runs: set[tuple[str, ...]] = set()
    for a, first in enumerate(words):
        if not _is_content(first, plain):
            continue
        syls: tuple[str, ...] = ()
        for b in range(a, min(a + MAX_RUN, len(words))):
            syls += words[b]
            if _is_content(words[b], plain):
                runs.add(syls)
    return frozenset(runs), frozenset(r[0] for r in runs), plain


@lru_cache(maxsize=4096)
def _views(text: str) -> tuple[str, list[int], str, list[int]]:
    """Folded and diacritics-free copies with offsets; cached because the same clauses answer many queries."""
    folded, fmap = fold_with_offsets(text)
    plain, pmap = strip_with_offsets(text)
    return folded, fmap, plain, pmap


# Syllables per word of `text_words(text)` for texts an index has already cut (sha1 of the text -> counts), so
# that answering never runs the segmenter to highlight a clause of the index (~4 ms a clause on first sight).
_KNOWN_WORDS: dict[str, tuple[int, ...]] = {}


def word_counts(text: str) -> list[int]:
    """Syllables per word of `text` as highlights cut it: what an index stores (`remember_words`)."""
    return [len(parts) for parts, _, _ in text_words(text)]


def remember_words(counts: dict[str, list[int]]) -> None:
    """Take the word cuts an index stored (sha1 of the text -> `word_counts`); keyed by content, so a text that
    changed is simply cut again."""
    _KNOWN_WORDS.update((key, tuple(c)) for key, c in counts.items())


@lru_cache(maxsize=4096)
def text_words(text: str) -> tuple[tuple[tuple[str, ...], int, int], ...]:
    """The words of `text` as the segmenter cuts them: (folded syllables, start, end) with offsets into `text`.

    Where the segmenter's syllables do not line up with the text's (it never should), each syllable of the text
    is taken as a word of its own from there on, so a highlight can be too short but never cuts a syllable."""
    folded, fmap, _, _ = _views(text)
    syls = [(m.group(0), m.start(), m.end()) for m in _SYLLABLE.finditer(folded)]
    out: list[tuple[tuple[str, ...], int, int]] = []
    known = _KNOWN_WORDS.get(text_key(text)) if _KNOWN_WORDS else None
    if known is not None and sum(known) == len(syls) and all(c > 0 for c in known):
        i = 0
        for c in known:
            out.append((tuple(s for s, _, _ in syls[i : i + c]), syls[i][1], syls[i + c - 1][2]))
            i += c
        return tuple((parts, *map_span(fmap, a, b, text)) for parts, a, b in out)
    i = 0
    for word in segment(text):
        parts = tuple(_SYLLABLE.findall(word))
        if not parts:
            continue
        if tuple(s for s, _, _ in syls[i : i + len(parts)]) != parts:
            break
        out.append((parts, syls[i][1], syls[i + len(parts) - 1][2]))
        i += len(parts)
    out += [((s,), a, b) for s, a, b in syls[i:]]
    return tuple((parts, *map_span(fmap, a, b, text)) for parts, a, b in out)


def highlight_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Sorted, merged (start, end) spans of `text`: runs of its whole words that are runs of the query's words.

    Accents count when the query has them ("quan" does not mark "quản", "đảng" does not mark "đang"); a query
    typed without any is matched without them."""
    runs, firsts, plain = _runs(query)
    if not runs:
        return []
    words = text_words(text)
    keys = [tuple(strip_diacritics(s) for s in w) if plain else w for w, _, _ in words]
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        if keys[i][0] not in firsts:
            i += 1
            continue
        for j in range(min(i + MAX_RUN, len(words)) - 1, i - 1, -1):
            run = tuple(s for k in keys[i : j + 1] for s in k)
            if run in runs:
                if not (all(s.isdigit() for s in run) and _is_label(text, words[i][1], words[j][2])):
                    spans.append((words[i][1], words[j][2]))
                i = j
                break
        i += 1
    return _merge(spans, text)


def _is_label(text: str, start: int, end: int) -> bool:
    """A number that numbers a unit ("6." or "(6)" opening a line), not one the text states ("6 tháng")."""
    before = text[:start].rstrip(" \t")
    opens_line = before == "" or before.endswith("\n") or (before.endswith("(") and before[:-1].rstrip(" \t")[-1:]
                                                                in ("", "\n"))
    return opens_line and text[end : end + 1] in (".", ")")


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
