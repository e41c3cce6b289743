"""Words of a question that no text of the corpus contains: named beside the answer («Không văn bản nào trong kho
có từ: …»).

Why: a question about a subject the corpus lacks still gets its nearest clauses ("Đảng viên có được kinh doanh
không?" when no collected article speaks of business), and the answerability signal, which sees an on-topic
question, does not flag it. Naming the missing word tells the reader why the clauses shown do not answer and what
to add (an official text), the way a search engine says "Missing: …". A word counts as present when every pair of
its adjacent syllables (or its single syllable) occurs in the verbatim texts and titles of the corpus; question
words, pronouns, numbers, abbreviations and names (capitalised inside a sentence) are never reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from indexer.text.abbrev import is_abbreviation
from indexer.text.highlight import PLAIN_STOPWORDS, STOP_PHRASES, STOPWORDS
from indexer.text.normalize import canonical, fold, nfc, strip_diacritics
from indexer.text.segment import segment

_SYLLABLE = re.compile(r"[^\W_]+")
_SENTENCE_END = re.compile(r"[.?!:;\n]")
# How people ask and address, absent from regulations by nature (folded, syllables joined by "_"), beyond the
# highlighter's stopwords and stop phrases, which `_ignored` also skips; the second line: among the words most often
# named in the machine-written questions (indexer/corpus/data/questions.jsonl and a second round written the same way,
# 4,663 in all), those that frame a question rather than its subject («mấy», «xong», «gọi là», «khái niệm»).
QUESTION_PHRASES = frozenset(
    """
    hiện_nay hiện_tại chúng_tôi chúng_em cảm_ơn xin_chào chào muốn phải_không đúng_không có_phải chị mình bạn nhỉ
    hả à ơi đâu thưa kính_gửi giải_đáp thắc_mắc
    mấy xong rằng rồi làm_gì gọi_là liền hẳn lúc_nào phần_nào chỗ_nào chứ làm_vậy khái_niệm định_nghĩa
    nghĩa_là có_nghĩa nữa luôn ngay
    """.split()
)


@dataclass(frozen=True)
class Vocabulary:
    """Folded syllables of the corpus and their adjacent pairs, accented and without diacritics."""

    syllables: frozenset[str]
    pairs: frozenset[tuple[str, str]]
    plain_syllables: frozenset[str]
    plain_pairs: frozenset[tuple[str, str]]

    @classmethod
    def of_texts(cls, texts: Iterable[str]) -> Vocabulary:
        folded: dict[str, str] = {}  # each distinct lower-cased syllable folded once (fold per text costs 3x)
        pairs: set[tuple[str, str]] = set()
        for text in texts:
            s = _SYLLABLE.findall(nfc(text).lower())
            for x in s:
                if x not in folded:
                    folded[x] = fold(x)
            pairs.update(zip(s, s[1:], strict=False))
        syl = set(folded.values())
        pairs_f = {(folded[a], folded[b]) for a, b in pairs}
        plain = {x: strip_diacritics(x) for x in syl}
        return cls(
            frozenset(syl),
            frozenset(pairs_f),
            frozenset(plain.values()),
            frozenset((plain[a], plain[b]) for a, b in pairs_f),
        )

    def has(self, syllables: list[str], accented: bool) -> bool:
        """Whether the word made of these folded syllables occurs (without diacritics: in any accent form)."""
        if not accented:
            syllables = [strip_diacritics(s) for s in syllables]
        known, pairs = (self.syllables, self.pairs) if accented else (self.plain_syllables, self.plain_pairs)

        def chain(part: list[str]) -> bool:
            if len(part) == 1:
                return part[0] in known
            return all(p in pairs for p in zip(part, part[1:], strict=False))

        # a word of three syllables or more may be the segmenter joining a verb to its object («dự sinh hoạt»)
        return chain(syllables) or (
            len(syllables) >= 3 and any(chain(a) and chain(b) for a, b in
                                        ((syllables[:1], syllables[1:]), (syllables[:-1], syllables[-1:]))))


def _surface_syllables(query: str) -> list[tuple[str, bool]]:
    """The query's syllables as typed, each with whether it begins a sentence (first, or after . ? ! : ; or a
    line break)."""
    out: list[tuple[str, bool]] = []
    end = 0
    for m in _SYLLABLE.finditer(query):
        out.append((m.group(0), not out or bool(_SENTENCE_END.search(query, end, m.start()))))
        end = m.end()
    return out


def _ignored(word: list[str], surface: list[tuple[str, bool]]) -> bool:
    folded = "_".join(word)
    if folded in QUESTION_PHRASES or tuple(word) in STOP_PHRASES:
        return True
    if all(w in STOPWORDS or w in PLAIN_STOPWORDS for w in word):
        return True
    if any(any(ch.isdigit() for ch in w) for w in word) or (len(word) == 1 and len(word[0]) < 2):
        return True
    if len(surface) == 1 and is_abbreviation(surface[0][0]):  # a known abbreviation in lower case: «ubkt», «dv»
        return True
    for text, starts in surface:
        if len(text) > 1 and text.isupper():  # an abbreviation, known or not: UBKT, BCH, TNCS
            return True
        if text[:1].isupper() and not starts:  # a name: Phan Văn C, Nam Định, Chi bộ B
            return True
    return False


def absent_words(query: str, vocabulary: Vocabulary, accented: bool, restored: str = "") -> list[str]:
    """Words of `query`, as typed, that the corpus does not contain (no repeats, in order). For a question typed
    without diacritics, `restored` (its accent-restored reading) tells where the words begin and end: the segmenter
    cuts plain syllables badly. Whether a word is present is still judged on what was typed."""
    text = canonical(query)
    surface = _surface_syllables(text)
    cut = canonical(restored) if restored and not accented else text
    out: list[str] = []
    at = 0
    for token in segment(cut):
        word = _SYLLABLE.findall(token)
        if not word:
            continue
        typed = surface[at : at + len(word)]
        if [strip_diacritics(fold(s)) for s, _ in typed] != [strip_diacritics(w) for w in word]:
            return []  # the syllables do not line up (an expansion, a reordering): say nothing rather than guess
        at += len(word)
        word = [fold(s) for s, _ in typed]
        if _ignored(word, typed) or vocabulary.has(word, accented):
            continue
        shown = " ".join(s for s, _ in typed)
        if shown not in out:
            out.append(shown)
    return out if at == len(surface) else []


def absent_note(words: list[str]) -> str:
    """The sentence that names them, as the CLI and the UI show it."""
    return "Không văn bản nào trong kho có từ: " + ", ".join(f"«{w}»" for w in words)
