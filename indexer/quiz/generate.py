"""Questions built from the clauses' own words: a slot (number, body, form) is blanked, asked or swapped.

Distractors are the same kind of slot filled from similar clauses elsewhere in the corpus (found with the lexical
index), neighbouring numbers and sibling bodies; none of them may be stated by the source clause itself, so a
question never has a second right answer. Each question is rated easy, medium or hard from how close its
distractors or its change are, or how rare its answer is (indexer/quiz/difficulty.py). The scope is documents
and/or any of their units (chapters, sections, articles, clauses). Everything is seeded and deterministic.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from indexer.corpus.citation import TYPE_NAMES, clause_citation
from indexer.corpus.models import Clause, Document
from indexer.quiz import difficulty as dif
from indexer.quiz import slots as sl
from indexer.quiz.model import BLANK, TRUE_FALSE, TYPES, QuizItem

if TYPE_CHECKING:
    from indexer.search.searcher import Searcher

MAX_SENTENCE = 320  # longer sentences are cut to the ";"-part holding the slot
MIN_SENTENCE = 30
SAME_ANSWER_SHARE = 0.06  # at most this share of a quiz (and at least 2) turns on the same value, while others exist
WEAK_BODY_TYPES = ("chuong-trinh", "tin-tuc")  # programme prose: a swapped body is rarely plainly wrong
SLOT_PRIORITY = {"form": 0, "number": 1, "fraction": 1, "body": 2}
_ENUM = re.compile(r"\s*(?:\d+(?:\.\d+)*\.(?!\d)|[a-zđ]\)|\(\w{1,3}\)|[-–+•])\s*")
_SENT_SPLIT = re.compile(r"(?<=[.!?])[ \t]+(?=[A-ZĐÀ-Ỹ])|\n+")
_ELIDED = ("(...)", "(…)", "…", "...", "<!--")
DEGREE_WORDS = {"ít", "rất", "đặc", "biệt", "tái", "không", "chưa"}  # they make a near-identical sentence another rule
_AUTHORITY = re.compile(r"quyết định|thẩm quyền|có quyền|được quyền|ủy quyền|uỷ quyền")
QUESTION_PHRASES = {
    "number": "con số nào điền vào chỗ trống là đúng?",
    "fraction": "tỷ lệ nào điền vào chỗ trống là đúng?",
    "form": "hình thức kỷ luật nào điền vào chỗ trống là đúng?",
    "body": "cơ quan, tổ chức nào điền vào chỗ trống là đúng?",
}


class StemWriter(Protocol):
    """Optional hook for a local language model that rewords a stem; the answer and options stay as built."""

    def rewrite(self, item: QuizItem, clause: Clause) -> str | None:
        """A new stem for `item`, or None to keep the built one."""
        ...


@dataclass
class _Candidate:
    """A slot inside a verbatim sentence of a clause, with the context a reader needs to answer it."""

    clause: Clause
    doc: Document
    sentence: str  # verbatim (possibly the ";"-part of a longer sentence)
    prefix: str  # "…" when the sentence was cut at the front
    suffix: str
    context: str  # verbatim intro of the parent unit, for points that continue it ("" if none)
    slot: sl.Slot  # offsets into `sentence`
    known: set[tuple[str, str]]  # every slot stated by the clause (and its context)

    @property
    def priority(self) -> int:
        return SLOT_PRIORITY[self.slot.kind]


def short_name(doc: Document) -> str:
    """The document as a stem names it: "Điều lệ Đảng", "Quy định 69-QĐ/TW"."""
    if doc.type == "dieu-le":
        return "Điều lệ Đảng"
    name = TYPE_NAMES.get(doc.type)
    if name and doc.code[:1].isdigit():
        return f"{name} {doc.code}"
    return doc.title if len(doc.title) <= 60 else doc.code


def _clean_piece(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim enumerators ("2.", "a)", "-") and spaces from a piece of text."""
    m = _ENUM.match(text, start)
    if m and m.end() <= end:
        start = m.end()
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ";,"):
        end -= 1
    return start, end


def sentences(text: str) -> list[tuple[int, int, bool]]:
    """Spans of the sentences of a verbatim text, and whether each ends as a sentence does.

    A line break ends a sentence only after punctuation or before a list item; crawled texts wrap lines in the
    middle of a sentence (QĐ 383, 384, 1147), and those line breaks are read as spaces.
    """
    out, pos = [], 0
    for m in _SENT_SPLIT.finditer(text):
        if "\n" in m.group():
            before = text[:m.start()].rstrip()
            after = text[m.end():]
            if before and before[-1] not in ".;:!?" and not _ENUM.match(after) and not after[:1].isupper():
                continue
            if before and before[-1] == "," and not _ENUM.match(after):
                continue  # "Văn phòng Chủ tịch nước,\nVăn phòng Chính phủ": a wrapped list, not a new sentence
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    spans = []
    for a, b in out:
        raw = text[a:b].rstrip()
        complete = bool(raw) and raw[-1] in ".;:!?)»\""
        a2, b2 = _clean_piece(text, a, b)
        if b2 > a2:
            spans.append((a2, b2, complete))
    return spans


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", sl._folded(text)))


def shown(text: str) -> str:
    """Text as a question shows it: line breaks and runs of spaces read as one space."""
    return re.sub(r"\s+", " ", text).strip()


def _own_text(clause: Clause) -> str:
    """The words a clause says itself: its whole text when it is a leaf, else its intro."""
    if clause.is_leaf:
        return clause.text
    return clause.intro


def _context(clause: Clause, clauses: dict[str, Clause]) -> str:
    """The parent's intro, verbatim, when a point or clause continues it ("… thì kỷ luật bằng hình thức:")."""
    parent = clauses.get(clause.parent) if clause.parent else None
    if parent is None or not parent.intro or any(e in parent.intro for e in _ELIDED):
        return ""
    a, b = _clean_piece(parent.intro, 0, len(parent.intro))
    intro = parent.intro[a:b]
    if len(intro) > 220 or intro.startswith("Điều "):
        return ""
    return intro


def _line_context(text: str, start: int) -> str:
    """For a "- item" line: the verbatim line above it that introduces the list ("Người vào Đảng phải :")."""
    for line in reversed(text[:start].split("\n")):
        stripped = line.strip()
        if stripped.endswith(":"):
            a, b = _clean_piece(stripped, 0, len(stripped))
            intro = stripped[a:b]
            return intro if len(intro) <= 220 and not any(e in intro for e in _ELIDED) else ""
    return ""


def candidates_for(clause: Clause, doc: Document, clauses: dict[str, Clause]) -> list[_Candidate]:
    """Every usable slot of a clause, in sentences short enough to be read in a question."""
    text = _own_text(clause)
    if not text or clause.level in ("preamble", "signature", "document", "chapter", "part", "section"):
        return []
    if any(level in ("preamble", "signature") for level, _ in clause.path):
        return []
    context = _context(clause, clauses)
    known = sl.slot_keys(clause.text) | sl.slot_keys(context)
    other_system = any(f in sl._folded(clause.text) for f in sl.OTHER_SYSTEM_FORMS)
    out: list[_Candidate] = []
    for a, b, complete in sentences(text):
        sent = text[a:b]
        if not complete or len(sent) < MIN_SENTENCE or any(e in sent for e in _ELIDED) or \
                re.match(r"(Điều|Chương|Mục)\s", sent):
            continue
        line_start = text.rfind("\n", 0, a) + 1
        listed = text[line_start:a].strip()[:1] in ("-", "+", "–", "•")
        ctx_here = _line_context(text, line_start) if listed else ""
        head_end = text.rfind(":", line_start, a)
        if not ctx_here and head_end >= 0:  # "… thì kỷ luật khiển trách, gồm: A. B. C." run on one line: B, C
            h0, h1 = _clean_piece(text, line_start, head_end + 1)  # are items of the list the head introduces
            ctx_here = text[h0:h1]
            if len(ctx_here) > 220 or any(e in ctx_here for e in _ELIDED):
                continue
        for slot in sl.find_slots(sent):
            if slot.kind == "body" and (doc.type in WEAK_BODY_TYPES or not doc.normative):
                continue
            if slot.kind == "form" and other_system:
                continue  # a school's "khiển trách, cảnh cáo, buộc thôi học" are not the Party's forms
            s0, s1, prefix, suffix = 0, len(sent), "", ""
            if len(sent) > MAX_SENTENCE:
                s0 = sent.rfind(";", 0, slot.start) + 1
                s1 = sent.find(";", slot.end)
                s1 = len(sent) if s1 < 0 else s1
                s0, s1 = _clean_piece(sent, s0, s1)
                if s1 - s0 > MAX_SENTENCE or s1 - s0 < MIN_SENTENCE:
                    continue
                prefix, suffix = ("… " if s0 > 0 else ""), (" …" if s1 < len(sent) else "")
            piece = sent[s0:s1]
            shifted = sl.Slot(slot.kind, slot.start - s0, slot.end - s0, slot.text, slot.key, slot.unit, slot.value,
                              slot.style)
            introduced = context.endswith(":")  # "Uỷ ban kiểm tra các cấp có nhiệm vụ :" — the subject is there
            ctx = ctx_here or (context if (clause.level in ("point", "item") or piece[:1].islower() or introduced)
                               else "")
            if s0 > 0 or (piece[:1].islower() and not ctx):
                continue  # a sentence cut at its head (a ";"-part, a wrapped line, a fragment) lacks its subject
            if not ctx and clause.title and clause.level != "article" and len(clause.title) <= 120 \
                    and not piece.startswith(clause.title):
                ctx = clause.title  # "(1) Ủy ban Kiểm tra Trung ương" heads "Số lượng từ 19 đến 21 ủy viên …"
            out.append(_Candidate(clause, doc, piece, prefix, suffix, ctx, shifted, known))
    return out


def _answer_key(item: QuizItem) -> str:
    """The value a question turns on (for true/false, the stated one), to keep a quiz from repeating it."""
    return sl._folded(item.original if item.type == "tf" else item.answer_text)


def _share_kind(slot: sl.Slot) -> str:
    """What a value competes with when recalled: numbers of the same unit, fractions, forms, bodies."""
    return f"number:{slot.unit}" if slot.kind == "number" else slot.kind


class QuizBuilder:
    """Builds questions from the clauses of chosen documents or units (chapters, articles …) of an opened index."""

    def __init__(self, searcher: Searcher, writer: StemWriter | None = None) -> None:
        self.searcher = searcher
        self.writer = writer
        self._similar: dict[str, list[Clause]] = {}
        self._shares: dict[tuple[str, str], float] | None = None

    # ---- scope -----------------------------------------------------------------------------------------------

    def scope(self, doc_ids: Sequence[str] | None = None, clause_ids: Sequence[str] | None = None) -> list[Clause]:
        """Clauses in the chosen units (any level: chapter, section, article, clause) and documents.

        A document with chosen units gives those units only; a chosen document without any gives all of it;
        nothing chosen means every regulation (normative document).
        """
        s = self.searcher
        roots = [r for r in dict.fromkeys(clause_ids or ()) if r in s.clauses]
        inside: set[str] = set()
        stack = list(roots)
        while stack:
            cid = stack.pop()
            if cid not in inside and cid in s.clauses:
                inside.add(cid)
                stack.extend(s.clauses[cid].children)
        whole = set(doc_ids or ()) - {s.clauses[r].doc_id for r in roots}
        out = []
        for c in s.clauses.values():
            if roots or doc_ids:
                if c.id in inside or c.doc_id in whole:
                    out.append(c)
            elif s.documents[c.doc_id].normative:
                out.append(c)
        return out

    def candidates(self, doc_ids: Sequence[str] | None = None,
                   clause_ids: Sequence[str] | None = None) -> list[_Candidate]:
        s = self.searcher
        out: list[_Candidate] = []
        for c in self.scope(doc_ids, clause_ids):
            out.extend(candidates_for(c, s.documents[c.doc_id], s.clauses))
        return out

    def share(self, slot: sl.Slot) -> float:
        """How common a value is among the slots of its kind (numbers: of its unit) in all regulations."""
        if self._shares is None:
            from collections import Counter

            counts: Counter[tuple[str, str]] = Counter()
            s = self.searcher
            for c in s.clauses.values():
                if s.documents[c.doc_id].normative:
                    counts.update((_share_kind(x), x.key) for x in sl.find_slots(_own_text(c)))
            totals: Counter[str] = Counter()
            for (kind, _), n in counts.items():
                totals[kind] += n
            self._shares = {k: n / totals[k[0]] for k, n in counts.items()}
        return self._shares.get((_share_kind(slot), slot.key), 0.0)

    # ---- distractors -----------------------------------------------------------------------------------------

    def similar_clauses(self, cand: _Candidate) -> list[Clause]:
        """Clauses elsewhere in the corpus that read like this sentence (lexical index, no model needed)."""
        key = cand.clause.id + "|" + cand.sentence
        if key not in self._similar:
            hits = self.searcher.search(cand.sentence, k=8, mode="lexical")
            found: list[Clause] = []
            for h in hits:
                for c in [h.clause, *h.also]:
                    if c.id != cand.clause.id and not c.id.startswith(cand.clause.id + "/"):
                        found.append(c)
            self._similar[key] = found
        return self._similar[key]

    def _disciplines_organisations(self, clause: Clause) -> bool | None:
        """Whether the QĐ 69 article holding `clause` disciplines organisations rather than members (its chapter, as
        the rules read it); None elsewhere. Its sentences name others too («… tài sản, thu nhập của cán bộ, đảng
        viên» in an article on organisations), so the sentence alone misleads."""
        from indexer.rules.discipline import DISCIPLINE_DOC, ORGANISATION, linker_for

        if clause.doc_id != DISCIPLINE_DOC:  # the linker is built only where it can answer
            return None
        side = linker_for(self.searcher).who_binds(clause.id)
        return side == {ORGANISATION} if side else None

    def distractors(self, cand: _Candidate, rng: random.Random, need: int = 3) -> list[tuple[str, str, float]]:
        """(text, source clause id or "", closeness) of wrong options for the slot, spelled like the clause.

        [] when fewer than `need` honest ones exist: a body of the other tier (central beside local) or a form
        that does not fit the one disciplined (khai trừ an organisation) would be a nonsense option.
        """
        slot = cand.slot
        family = "number" if slot.kind in ("number", "fraction") else slot.kind
        old = sl.uses_old_style(slot.text) or (not any(ch in slot.text for ch in "ủỦ") and
                                               sl.uses_old_style(cand.clause.text))
        taken = {k for f, k in cand.known if f == family}
        central = slot.key in sl.CENTRAL_BODIES
        folded = sl._folded(cand.context + " " + cand.sentence)
        elected = bool(re.search(r"bầu\s*$", sl._folded(cand.sentence[:slot.start])))
        chosen: list[tuple[str, str, str, float]] = []  # (key, text, source, closeness)

        def ok(key: str) -> bool:
            if key in taken or any(key == c[0] for c in chosen):
                return False
            if slot.kind == "body":  # "cấp ủy" is no wrong answer where the clause says "chi ủy"
                if (key in sl.CENTRAL_BODIES) != central:
                    return False  # "Ban Bí thư địa phương", "chi bộ" beside the Politburo: nonsense
                if sl.holds_powers_of(key, slot.key):
                    return False
                if key == "chi bộ" and ("tổ chức đảng" in folded or elected):
                    return False  # a chi bộ is a tổ chức đảng (covered where those are named), and no one elects it
                others = taken | {slot.key} | {c[0] for c in chosen}  # nor two options that mean the same
                return not any(sl.related_bodies(key, t) for t in others)
            return True

        lower, upper = sl.range_bounds(cand.sentence, slot) if slot.kind == "number" else (0, 1000)

        def in_range(value: int) -> bool:  # "từ 13 đến 7 ủy viên" is nonsense, not a wrong answer
            return lower < value < upper

        def render(s: sl.Slot) -> str:
            if slot.kind == "number":
                return sl.render_number(s.value, slot.unit, slot.style)
            if slot.kind == "body":
                return sl.render_body(s.key)
            return s.key

        def close(key: str, value: int = 0) -> float:
            if slot.kind == "number":
                return dif.number_closeness(slot.value, value)
            if slot.kind == "fraction":
                return dif.fraction_closeness(slot.key, key)
            if slot.kind == "form":
                return dif.form_closeness(slot.key, key)
            return dif.SIBLING_BODY

        # 1. the same slot filled by similar clauses elsewhere (at most two, so neighbours still get a place)
        for other in (self.similar_clauses(cand) if slot.kind != "form" else []):
            for s in sl.find_slots(other.text):
                if s.kind != slot.kind or (slot.kind == "number" and s.unit != slot.unit):
                    continue
                if slot.kind == "number" and slot.style == "words" and not 0 < s.value < 100:
                    continue
                if slot.kind == "number" and not in_range(s.value):
                    continue
                if ok(s.key) and sum(1 for c in chosen if c[2]) < 2:
                    closeness = dif.with_source(close(s.key, s.value), other.doc_id, cand.doc.id)
                    chosen.append((s.key, render(s), other.id, closeness))
        # 2. neighbouring numbers, sibling bodies, the other forms that fit
        pool: list[tuple[str, str, float]] = []
        if slot.kind == "number":
            near = [v for v in sl.neighbour_numbers(slot) if in_range(v)][:6]
            rng.shuffle(near)
            pool = [(sl.number_key(v, slot.unit), sl.render_number(v, slot.unit, slot.style), close("", v))
                    for v in near]
        elif slot.kind == "fraction":
            pool = [(f, f, close(f)) for f in sl.FRACTIONS]
        elif slot.kind == "form":
            low = sl._folded(cand.sentence)
            side = self._disciplines_organisations(cand.clause)
            organisation = slot.key == "giải tán" or (
                side if side is not None else ("tổ chức" in low and "đảng viên" not in low))
            misfit = sl.MEMBER_ONLY_FORMS if organisation else ("giải tán",)
            forms = [f for f in sl.FORMS if f not in misfit]
            if _AUTHORITY.search(low, 0, slot.start):  # who may expel may also warn: only heavier forms are wrong
                forms = [f for f in forms if sl.SEVERITY[f] > sl.SEVERITY[slot.key]]
            rng.shuffle(forms)
            pool = [(f, f, close(f)) for f in forms]
        elif slot.kind == "body":
            sibs = [k for k, _ in sl.BODIES if (k in sl.CENTRAL_BODIES) == central]
            rng.shuffle(sibs)
            pool = [(k, sl.render_body(k), close(k)) for k in sibs]
        for key, text, closeness in pool:
            if ok(key):
                chosen.append((key, text, "", closeness))
        before = cand.sentence[:slot.start].rstrip()
        if slot.kind == "body" and central:
            capital = not before or before[-1] in ".:!?"
        else:
            capital = slot.text[:1].isupper()
        out = []
        for _, text, src, closeness in chosen:
            text = sl.like_case(sl.in_style(text, old), capital)
            if not self.stated_elsewhere(cand, text):
                out.append((text, src, closeness))
            if len(out) == need:
                return out
        return []

    def stated_elsewhere(self, cand: _Candidate, replacement: str) -> bool:
        """Whether a near-identical sentence elsewhere says `replacement` where this one has the slot.

        Parallel texts (QĐ 22 and 69, the charter's articles for each level) repeat sentences; a wrong option
        must not be the right answer of a sentence that reads the same. One that differs by a word of degree
        ("ít nghiêm trọng" / "rất nghiêm trọng", "tái phạm") states another rule, not the same one.
        """
        changed = _words(cand.sentence[:cand.slot.start] + replacement + cand.sentence[cand.slot.end:])
        if not changed:
            return False
        for other in self.similar_clauses(cand):
            for a, b, _ in sentences(other.text):
                words = _words(other.text[a:b])
                if len(changed & words) / len(changed) >= 0.85 and not (changed ^ words) & DEGREE_WORDS:
                    return True
        return False

    # ---- questions -------------------------------------------------------------------------------------------

    def _texts(self, cand: _Candidate, replacement: str) -> tuple[str, str]:
        """(the shown text with the slot replaced, the verbatim shown text)."""
        s = cand.slot
        text = cand.sentence[:s.start] + replacement + cand.sentence[s.end:]
        lead = (f"{cand.context} " + ("" if cand.prefix else "… ")) if cand.context else ""
        return (shown(f"{lead}{cand.prefix}{text}{cand.suffix}"),
                shown(f"{lead}{cand.prefix}{cand.sentence}{cand.suffix}"))

    def _base(self, cand: _Candidate, qtype: str) -> dict:
        c, d = cand.clause, cand.doc
        citation = clause_citation(c, d)
        raw = f"{c.id}|{qtype}|{cand.sentence}|{cand.slot.start}"
        return {
            "id": "q" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:10],
            "type": qtype,
            "clause_id": c.id,
            "citation": citation,
            "doc_id": d.id,
            "slot_kind": cand.slot.kind,
            "source_text": cand.sentence,
            "explanation": f"{citation}: «{cand.sentence}»",
        }

    def _rated(self, item: QuizItem, score: float) -> QuizItem:
        item.difficulty_score = round(score, 3)
        item.difficulty = dif.level(score)
        return item

    def build(self, cand: _Candidate, qtype: str, rng: random.Random, false_tf: bool = False) -> QuizItem | None:
        """One question of `qtype` on the candidate's slot, or None when no honest one can be made."""
        name = short_name(cand.doc)
        base = self._base(cand, qtype)
        answer = shown(cand.slot.text)  # as a reader sees it: a wrapped line ("cảnh\ncáo") reads as a space
        share = self.share(cand.slot)
        if qtype in ("mc", "cloze"):
            blanked, _ = self._texts(cand, BLANK)
            stated = sl.slot_keys(blanked)
            if any((sl._family(cand.slot.kind), k) in stated for k in sl.equivalent_keys(cand.slot)):
                return None  # the answer stands elsewhere in the stem ("dưới 12 tháng tuổi", "_____ (120 tháng)")
        if qtype == "mc":
            wrong = self.distractors(cand, rng)
            if not wrong:
                return None
            options = [answer] + [w for w, _, _ in wrong]
            if len({sl._folded(o) for o in options}) < len(options):
                return None
            order = list(range(len(options)))
            rng.shuffle(order)
            item = QuizItem(stem=f"Theo {name}, {QUESTION_PHRASES[cand.slot.kind]}\n«{blanked}»",
                            options=[options[i] for i in order], answer_index=order.index(0),
                            answer_text=answer, distractor_sources=[s for _, s, _ in wrong if s], **base)
            self._rated(item, dif.choice_score(c for _, _, c in wrong))
        elif qtype == "cloze":
            item = QuizItem(stem=f"Theo {name}, điền vào chỗ trống:\n«{blanked}»", options=[], answer_index=None,
                            answer_text=answer, **base)
            self._rated(item, dif.recall_score(share, answer, free=True))
        elif qtype == "tf":
            stem = f"Theo {name}, nhận định sau đúng hay sai?\n«{{}}»"
            if false_tf:
                wrong = self.distractors(cand, rng, need=1)
                if not wrong:
                    return None
                changed, src, closeness = wrong[0]
                text, _ = self._texts(cand, changed)
                item = QuizItem(stem=stem.format(text), options=list(TRUE_FALSE), answer_index=1,
                                answer_text=TRUE_FALSE[1], original=answer, changed_to=changed,
                                distractor_sources=[src] if src else [], **base)
                item.explanation = (f"Sai: văn bản ghi «{answer}», không phải «{changed}». "
                                    + item.explanation)
                self._rated(item, closeness)
            else:
                _, verbatim = self._texts(cand, cand.slot.text)
                item = QuizItem(stem=stem.format(verbatim), options=list(TRUE_FALSE), answer_index=0,
                                answer_text=TRUE_FALSE[0], original=answer, **base)
                self._rated(item, dif.recall_score(share, answer))
        else:
            raise ValueError(f"unknown question type {qtype!r}; use one of {TYPES}")
        if self.writer is not None:
            new_stem = self.writer.rewrite(item, cand.clause)
            if new_stem:
                item.stem = new_stem
        return item

    def generate(
        self,
        n: int = 20,
        types: Sequence[str] = TYPES,
        seed: int = 0,
        doc_ids: Sequence[str] | None = None,
        clause_ids: Sequence[str] | None = None,
        exclude: Iterable[tuple[str, str, str]] = (),
        difficulties: Sequence[str] | None = None,
        avoid: Sequence[QuizItem] = (),
    ) -> list[QuizItem]:
        """`n` questions cycling through `types`, one clause at a time (a clause is reused only when all were).

        `difficulties` keeps only questions of those levels; `avoid` are questions already in the quiz, whose
        sentences are not asked again (nor near-identical ones, which parallel texts repeat).
        """
        types = [t for t in types if t in TYPES] or list(TYPES)
        levels = set(difficulties or dif.LEVELS)
        rng = random.Random(seed)
        by_clause: dict[str, list[_Candidate]] = {}
        for c in self.candidates(doc_ids, clause_ids):
            by_clause.setdefault(c.clause.id, []).append(c)
        shuffled = list(by_clause)
        rng.shuffle(shuffled)
        for cid in shuffled:  # within a clause: forms and numbers before bodies, then by chance
            group = by_clause[cid]
            rng.shuffle(group)
            group.sort(key=lambda c: c.priority)
        seen = set(exclude)
        asked = [_words(q.source_text) for q in avoid]
        answers: dict[str, int] = {}
        for q in avoid:
            answers[_answer_key(q)] = answers.get(_answer_key(q), 0) + 1
        cap = max(2, round(n * SAME_ANSWER_SHARE))
        used: dict[str, int] = {}
        out: list[QuizItem] = []
        tf_false = rng.random() < 0.5
        dead: set[str] = set()  # types no clause can give any more
        limit = {"same_answer": cap}

        def fits(item: QuizItem) -> bool:
            if item.key in seen or item.difficulty not in levels:
                return False
            if answers.get(_answer_key(item), 0) >= limit["same_answer"]:
                return False  # a quiz whose every other answer is «Ban Chấp hành Trung ương» is guessed
            words = _words(item.source_text)
            return not any(len(words & a) / max(1, min(len(words), len(a))) >= 0.85 for a in asked)

        for same_answer in (cap, n + len(avoid)):  # the cap on repeated answers gives way in a small scope
            limit["same_answer"] = same_answer
            for rnd in range(3):  # round 0 uses each clause once, later rounds other slots of the same clauses
                live = [c for c in shuffled if used.get(c, 0) == rnd and len(by_clause[c]) > rnd]
                # Clauses stating a number or a form make the better questions: about two in three are theirs.
                queues = ([c for c in live if by_clause[c][rnd].priority < 2],
                          [c for c in live if by_clause[c][rnd].priority >= 2])
                while len(out) < n and (queues[0] or queues[1]) and len(dead) < len(types):
                    qtype = [t for t in types if t not in dead][len(out) % (len(types) - len(dead))]
                    first = 0 if rng.random() < 0.67 else 1
                    item = None
                    for queue in (queues[first], queues[1 - first]):
                        for i, cid in enumerate(queue):
                            item = self._first_item(by_clause[cid][rnd:], qtype, rng, tf_false, fits)
                            if item is not None:
                                queue.pop(i)
                                break
                        if item is not None:
                            break
                    if item is None:
                        dead.add(qtype)
                        continue
                    seen.add(item.key)
                    asked.append(_words(item.source_text))
                    answers[_answer_key(item)] = answers.get(_answer_key(item), 0) + 1
                    out.append(item)
                    used[item.clause_id] = used.get(item.clause_id, 0) + 1
                    if qtype == "tf" and rng.random() < 0.8:
                        tf_false = not tf_false
                dead.clear()
            if len(out) >= n:
                break
        return out

    def _first_item(self, cands: Sequence[_Candidate], qtype: str, rng: random.Random, false_tf: bool,
                    fits: Callable[[QuizItem], bool]) -> QuizItem | None:
        """The first question of `qtype` that the candidates of one clause can give and that `fits` the quiz."""
        for cand in cands:
            item = self.build(cand, qtype, rng, false_tf=false_tf)
            if item is not None and fits(item):
                return item
        return None


def quiz_title(searcher: Searcher, items: Sequence[QuizItem]) -> str:
    """What a deck or a printed sheet is named after: the documents its questions come from (up to three)."""
    docs = list(dict.fromkeys(q.doc_id for q in items if q.doc_id in searcher.documents))
    if not docs or len(docs) > 3:
        return ""
    return ", ".join(short_name(searcher.documents[d]) for d in docs)


def generate_quiz(
    searcher: Searcher,
    n: int = 20,
    types: Sequence[str] = TYPES,
    seed: int = 0,
    doc_ids: Sequence[str] | None = None,
    clause_ids: Sequence[str] | None = None,
    exclude: Iterable[tuple[str, str, str]] = (),
    writer: StemWriter | None = None,
    difficulties: Sequence[str] | None = None,
) -> list[QuizItem]:
    """Questions from the chosen documents/units (all regulations when none are chosen), of the chosen levels."""
    return QuizBuilder(searcher, writer).generate(n, types, seed, doc_ids, clause_ids, exclude, difficulties)


def regenerate(searcher: Searcher, items: Sequence[QuizItem], index: int, seed: int,
               doc_ids: Sequence[str] | None = None, clause_ids: Sequence[str] | None = None,
               difficulties: Sequence[str] | None = None) -> QuizItem | None:
    """A replacement for `items[index]`: same type, not a repeat of (nor near-identical to) another question."""
    old = items[index]
    new = QuizBuilder(searcher).generate(1, [old.type], seed, doc_ids, clause_ids, exclude=[q.key for q in items],
                                         difficulties=difficulties, avoid=items)
    return new[0] if new else None
