"""Case → rules: from a situation described in words, the rules that apply, the checks they imply, and the
discipline provisions for breaking them, as one result an inspector can print or export (Markdown, DOCX, PDF, CSV).

Rules that apply are ranked by the evidence that the case breaks them (a norm stated, binding the one who violated, of
the kind of violation the case names) and only those close to the best are shown, none when nothing fits: fewer rules
rather than wrong ones. They are normative units only: never templates, certificate or form text, appendix tables,
tables of contents, preambles, a programme's plan items or news (all stay searchable in «Hỏi đáp»), and never units
of a document or a provision whose own scope is another setting or procedure (`indexer/rules/data/scope.yaml`: QĐ
1147's training-centre rules apply only to a case about trainees or lecturers, the Điều lệ's admission procedure only
to a case about admitting a member), nor the discipline process for a case that does not ask about it.

Discipline comes from `indexer.rules.discipline`: per rule (curated, by kind of violation, by reference) and for the
case text itself (by kind), merged into one list where each provision says how it was reached, which rules lead to it
and the penalty forms it states. Only provisions that bind the one who violated (QĐ 69 treats party organisations and
members apart) are shown; a kind whose article is not collected is named «chưa có trong kho». A rule's own links are
shown only as leads that agree with the case: of a kind of violation the case names, or, when it names none, a
reviewer's link from one of the first rules whose whole document is about that kind (measured by `python -m
eval.cases`: rules are found by similarity, and a kind word met in one is no finding). Similarity-only suggestions
are kept apart (`CaseResult.suggestions`), hidden unless asked for, and never listed above the general provisions."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from indexer.corpus.citation import short_citation as _short_cite
from indexer.corpus.models import overlaps, within
from indexer.export.printable import Block, to_docx, to_pdf
from indexer.rules.checks import (
    MODALITY_LABELS,
    OBLIGATION,
    PROHIBITION,
    RESTRICTION,
    SOURCE_LABELS,
    Check,
    checks_for,
)
from indexer.rules.discipline import (
    BASIS_LABELS,
    BY_CURATION,
    CURATED,
    DISCIPLINE_DOC,
    ORG_WORDS,
    ORGANISATION,
    PROVENANCE_LABELS,
    SIMILARITY,
    TEXT,
    DisciplineLink,
    DisciplineLinker,
    PenaltyForm,
    RuleDiscipline,
    case_who,
    forms_in_order,
    linker_for,
    named_who,
    opening_who,
    restored_reading,
)
from indexer.search.coverage import absent_note
from indexer.text.normalize import fold

if TYPE_CHECKING:
    from indexer.corpus.models import Clause, Document, Hit
    from indexer.search.searcher import Searcher

FORMATS = ("md", "docx", "pdf", "csv")
SCOPE_PATH = Path(__file__).parent / "data" / "scope.yaml"
SUGGESTIONS_TITLE = "Gợi ý theo độ tương đồng (chưa kiểm chứng)"
SUGGESTIONS_NOTE = ("Các điều dưới đây chỉ gần giống về nội dung với tình huống hoặc quy định; chưa ai kiểm chứng "
                    "chúng là quy định tương ứng. Chỉ dùng để tham khảo, không đưa vào kết luận.")
NO_CHECK = "Chưa trích được nội dung cần kiểm tra từ điều khoản này; đọc nguyên văn để xác định."
NO_RULE = "Không tìm thấy quy định nào trong kho khớp đủ với tình huống; hãy mô tả cụ thể hơn hành vi vi phạm."
CASE_TEXT = "tình huống"
RULE_LEADS = 3  # the first rules whose reviewed discipline links are shown when the case names no kind of violation


# ---- which units are rules that apply ---------------------------------------------------------------------------

# The unit's own heading words that make it a form, not a rule: "Mẫu 6.3. Giấy chứng nhận …", "PHỤ LỤC II",
# "Mục lục", "Biểu mẫu". Checked at the start of each heading of the unit and of the units around it.
_FORM_HEAD = re.compile(r"^\W*(?:phụ\s+lục|mục\s+lục|biểu\s+mẫu|mẫu\s+biểu|giấy\s+chứng\s+nhận|giấy\s+khen|bằng\s+khen"
                        r"|mẫu(?:\s+số)?\s*(?:[\dIVXivx]+(?:\.\d+)*\b|:))")
_NOT_RULE_LEVELS = ("document", "preamble", "signature")
RULE_EXCLUDED_TYPES = {"chuong-trinh": "kế hoạch, chương trình hành động (không phải quy định)"}


def form_reason(c: Clause) -> str:
    """Why the unit is a form, template, appendix or table of contents rather than a rule ("" when it is none):
    decided from the structure (an enclosing appendix) and the unit's own heading words."""
    heads = [label for _, label in c.path] + list(c.heading) + [c.title or ""]
    first = c.text.strip().split("\n", 1)[0][:120] if c.text else ""
    for h in [*heads, first]:
        m = _FORM_HEAD.match(fold(h or ""))
        if m:
            return f"mẫu, phụ lục (tiêu đề «{' '.join(h.split())[:60]}»)"
    return ""


def unit_reason(c: Clause, doc: Document) -> str:
    """Why a unit is not a rule that applies ("" when it is one)."""
    if not doc.normative:
        return "tin bài, không phải văn bản quy phạm"
    if doc.type in RULE_EXCLUDED_TYPES:
        return RULE_EXCLUDED_TYPES[doc.type]
    form = form_reason(c)
    if form:
        return form
    if c.level in _NOT_RULE_LEVELS or any(lv in ("preamble", "signature") for lv, _ in c.path):
        return "phần mở đầu, tiêu đề hoặc phần ký"
    return ""


@dataclass
class Scope:
    """A scope that limits where rules apply: a document's own («phạm vi điều chỉnh, đối tượng áp dụng»), or a
    provision's limited to one procedure of the Party (admitting a member, probation, suspension …) or one setting
    (the Party in the army, in the State). Its rules apply only to a case that names its setting: the words a case
    shares with them (chi bộ, đảng viên chính thức, đề nghị, cấp uỷ) are no evidence that the case is about it."""

    doc: str  # the document id, or for a provision the id of the unit it limits (an article or a clause)
    basis: str
    setting: str
    terms: list[str]

    def covers(self, text: str) -> bool:
        t = " ".join(fold(text).split())
        return any(re.search(rf"(?<!\w){re.escape(fold(w))}(?!\w)", t) for w in self.terms)


def _scope(e: dict[str, Any], key: str) -> Scope:
    return Scope(e[key], e.get("basis", ""), e.get("setting", ""), list(e.get("terms", [])))


@lru_cache(maxsize=4)
def _load_scopes(path: str) -> tuple[dict[str, Scope], tuple[Scope, ...]]:
    p = Path(path)
    raw: dict[str, Any] = (yaml.safe_load(p.read_text(encoding="utf-8")) or {}) if p.exists() else {}
    return ({e["doc"]: _scope(e, "doc") for e in raw.get("documents", [])},
            tuple(_scope(e, "unit") for e in raw.get("provisions", [])))


def load_scopes(path: Path | None = None) -> dict[str, Scope]:
    """The documents' own scopes, by document id."""
    return _load_scopes(str(path or SCOPE_PATH))[0]


def load_provisions(path: Path | None = None) -> tuple[Scope, ...]:
    """The provisions limited to one procedure or setting, each with the words that name it."""
    return _load_scopes(str(path or SCOPE_PATH))[1]


def out_of_scope(doc: Document, text: str) -> str:
    """Why the document's own scope leaves the case out ("" when the case is within it)."""
    sc = load_scopes().get(doc.id)
    if sc is None or sc.covers(text):
        return ""
    return f"ngoài phạm vi áp dụng của văn bản ({sc.setting})"


def other_setting(c: Clause, text: str) -> str:
    """Why a unit limited to a procedure or a setting that the case does not name is left out ("" when it is not
    limited, or the case names it)."""
    for sc in _settings_not_named(text):
        if within(c.id, sc.doc):
            return f"quy định riêng về việc mà tình huống không nêu ({sc.setting})"
    return ""


@lru_cache(maxsize=64)
def _settings_not_named(text: str) -> tuple[Scope, ...]:
    """The limited provisions whose setting the case does not name: judged once a case, not once a found unit."""
    return tuple(sc for sc in load_provisions() if not sc.covers(text))


# ---- the result -------------------------------------------------------------------------------------------------


@dataclass
class CaseRule:
    """One rule that applies, with its validity, the checks it implies and its discipline provisions."""

    hit: Hit
    checks: list[Check] = field(default_factory=list)
    replaced: bool = False  # shown apart from the rules in force, with its replacement in `hit.status_label`
    discipline: RuleDiscipline | None = None
    shown: list[DisciplineLink] = field(default_factory=list)  # its discipline links shown for this case

    @property
    def short(self) -> str:
        return _short_cite(self.hit.clause, self.hit.document)


@dataclass
class CaseDiscipline:
    """A discipline provision that may apply: the forms it states, how it was reached and from which rules."""

    clause_id: str
    citation: str
    text: str  # verbatim ("" when the corpus lacks the provision)
    penalties: list[str]  # the forms it states, mildest first
    provenance: str  # "curated" | "text" | "similarity"
    score: float = 0.0
    note: str = ""
    marks: list[PenaltyForm] = field(default_factory=list)  # spans of the forms in `text`
    rules: list[str] = field(default_factory=list)  # rule clause ids that lead here; "" = the case text itself
    kind: str = ""
    absent: bool = False
    low: bool = False
    general: bool = False
    basis: str = ""
    detail: str = ""  # technical detail (scores, matched unit): «Chi tiết» and --json only

    @property
    def label(self) -> str:
        """How it was linked, in words («theo loại vi phạm», «do người rà soát», «theo độ tương đồng» …)."""
        return BASIS_LABELS.get(self.basis) or PROVENANCE_LABELS.get(self.provenance, self.provenance)

    provenance_label = label

    @classmethod
    def of(cls, x: DisciplineLink) -> CaseDiscipline:
        return cls(x.clause, x.citation, x.text, x.forms, x.provenance, x.score, x.note, list(x.penalties),
                   [x.rule], x.kind, x.absent, x.low, x.general, x.basis, x.detail)

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in vars(self).items() if k != "marks"}
        return out | {"label": self.label, "marks": [[m.form, m.start, m.end] for m in self.marks]}


@dataclass
class CaseResult:
    query: str
    rules: list[CaseRule]
    discipline: list[CaseDiscipline]  # shown by default: specific provisions first, general ones last
    missing: list[str] = field(default_factory=list)  # what the partial corpus lacks, said once
    suggestions: list[CaseDiscipline] = field(default_factory=list)  # similarity only: hidden unless asked for
    who: list[str] = field(default_factory=list)  # who violated, as the case says ("đảng viên", "tổ chức đảng")
    excluded: list[tuple[str, str]] = field(default_factory=list)  # (clause id, why) of found units not rules
    show_suggestions: bool = False  # exports include the suggestions (the UI toggle, `soi case --goi-y`)
    absent_words: list[str] = field(default_factory=list)  # words of the case no text of the corpus contains
    # a case typed without diacritics is read with the accents restored (as «Hỏi đáp» does): the reading every part of
    # the analysis used, shown as «hiểu là»; "" when typed with them (or when restoring changed nothing)
    understood: str = ""

    @property
    def checks(self) -> list[Check]:
        return [c for r in self.rules for c in r.checks]

    @property
    def notes(self) -> list[str]:
        """What the corpus lacks for this case: missing provisions, then the case's words no text contains."""
        return self.missing + ([absent_note(self.absent_words) + "."] if self.absent_words else [])

    @property
    def specific(self) -> list[CaseDiscipline]:
        return [d for d in self.discipline if not d.general]

    @property
    def general(self) -> list[CaseDiscipline]:
        return [d for d in self.discipline if d.general]

    def rule_name(self, rule_id: str) -> str:
        """A rule id in words, for "liên quan": the rule's short citation, or «tình huống» for the case text."""
        if not rule_id:
            return CASE_TEXT
        r = next((r for r in self.rules if r.hit.clause.id == rule_id), None)
        return r.short if r else ""


_ORDER = {CURATED: 0, TEXT: 1, SIMILARITY: 2}


def _merge(links: list[DisciplineLink]) -> list[CaseDiscipline]:
    """One entry per provision, the strongest link first; a weaker link to the same provision, or to one inside
    or around it, only adds its rule to the entry it overlaps."""
    def rank(x: DisciplineLink) -> tuple:
        return (x.general, _ORDER[x.provenance], x.low, -x.score, x.absent, x.clause)

    out: list[CaseDiscipline] = []
    for x in sorted(links, key=rank):
        same = next((d for d in out if overlaps(d.clause_id, x.clause)), None)
        if same is None:
            out.append(CaseDiscipline.of(x))
        elif x.rule not in same.rules and (same.low or not x.low):  # a weak lead does not vouch for a strong link
            same.rules.append(x.rule)
    return out


# ---- which rules apply, best first (issue 13, "Which rules apply") -----------------------------------------------
# Search finds units whose words are close to the case; that is not yet a rule the case breaks. The candidates are
# ranked again by the evidence that they are one, and only those close to the best are shown: fewer rules, rather
# than wrong ones (measured by `python -m eval.cases` on eval/cases.yaml, where the numbers below were chosen, and
# checked on the held-out eval/cases_validation.yaml; README "Case evaluation").
# - Scope first: a document limited to one setting or subject matter (`scope.yaml` documents: a training centre's
#   rules, the Party's archives, data sharing), a provision limited to one procedure or setting (`scope.yaml`
#   provisions: admitting a member, probation, striking a name off, suspension; the Party in the army, in the State)
#   applies only to a case that names it; a document whose title binds one side only (QĐ 37, «những điều đảng viên
#   không được làm») does not apply to the other side's case. Shared words (chi bộ, đảng viên chính thức, cấp uỷ,
#   hồ sơ, tài liệu) are what let these win before.
# - The discipline process (forms, competence, procedure, complaints about discipline, suspension: QĐ 69, a rule that
#   states penalty forms, a document's own article on handling violations, a unit under a heading on discipline) is
#   what follows a violation, shown as discipline: not a rule for a case that does not ask about it (no penalty,
#   «kiểm điểm», suspension, prosecution or sentence named, DISCIPLINE_CASE_TERMS); weighed down for one that does
#   (DISCIPLINE_PROCESS). A conclusion's assessment of how a strategy was carried out (ASSESSMENT_TYPES) is no rule
#   unless it states a norm.
# - Words before meaning: a case is a description, its matter is in its words (a named act, a body, a period), and
#   the dense model alone puts the right rule first for fewer than half the cases; BM25 for two thirds. The score of
#   a candidate article is CASE_LEXICAL_WEIGHT x its BM25 score + the rest x its dense score (each min-max over the
#   ranking, as the searcher normalises them), from the searcher's own lexical and dense rankings.
# - A rule the case can break states a norm: a duty, a prohibition or a limit (`checks_for` finds one in the unit
#   itself; a sibling clause that the search grouped with it is no evidence for the unit shown). A unit that states
#   none (a definition, a right, a competence, a consequence, a composition) is weaker evidence: NO_NORM.
# - It binds the one who violated: a unit that opens with (after its list mark or a fronted «Khi …,» phrase) or sits
#   under an intro naming a member, when the case is about an organisation, or the reverse, is about someone else:
#   OTHER_SUBJECT; so is one whose every duty binds law enforcement or a court (OUTSIDE).
# - A unit whose own words name the kind of violation the case names (QĐ 69's kinds: bầu cử, tố cáo, tham nhũng …,
#   `discipline_links.yaml`) states the norm of that matter: SAME_KIND; one that names only other kinds is about
#   another matter: OTHER_KIND.
# - Then every rule within SHOW_RATIO of the best is shown, at most `k`; the rest are left out, said in `excluded`.
# - Nothing is shown when nothing fits: the searcher's calibrated answerability (the probability that the corpus
#   answers the text at all, `indexer/search/answerability.py`) below NOTHING_FITS (texts about the weather, gold
#   prices, a company's payroll, a traffic offence: 0.00-0.09; every labelled case of both sets is above 0.18).
CASE_LEXICAL_WEIGHT = 0.7
NO_NORM = 0.6
OTHER_SUBJECT = 0.6
DISCIPLINE_PROCESS = 0.7
SAME_KIND = 1.3
OTHER_KIND = 0.7
SHOW_RATIO = 0.9
NOTHING_FITS = 0.12
ASSESSMENT_TYPES = ("ket-luan",)
# A case about the discipline process itself: a penalty or its forms, the review («kiểm điểm») it starts with, a
# suspension, a prosecution, a sentence.
DISCIPLINE_CASE_TERMS = ("kỷ luật", "kiểm điểm", "khiển trách", "cảnh cáo", "cách chức", "khai trừ", "giải tán",
                         "đình chỉ", "khởi tố", "truy tố", "tạm giam", "xét xử", "tòa án", "hình phạt", "phạt tù",
                         "tuyên phạt", "bản án")
_DISCIPLINE_CASE = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(fold(t)).replace(r"\ ", r"\s+")
                                                     for t in DISCIPLINE_CASE_TERMS) + r")(?!\w)")
# A heading over the discipline process: «Khen thưởng và kỷ luật», «Thi hành kỷ luật trong Đảng», «Giải quyết khiếu
# nại kỷ luật Đảng», «Đình chỉ sinh hoạt đảng».
_PROCESS_HEAD = re.compile(r"(?<!\w)(?:kỷ luật|đình chỉ sinh hoạt)(?!\w)")
_NORMS = (OBLIGATION, PROHIBITION, RESTRICTION)
# «… do chi bộ xem xét, quyết định», «… do cấp uỷ cấp trên chỉ định»: the Party body named as the agent acts in the
# provision, whoever it opens with («Cấp uỷ viên xin rút khỏi cấp uỷ, do cấp uỷ xem xét …» binds the committee too).
_AGENT = re.compile(r"(?<!\w)do (?:các |một )?(?:" + "|".join(ORG_WORDS) + r"|ban chấp hành)(?!\s*viên)[^,;.]{0,40}?"
                    r" (?:xem xét|quyết định|đề nghị|triệu tập|chỉ định|xét)(?!\w)")
# Bodies outside the Party whose duties a party member or organisation cannot break: law enforcement and the courts.
OUTSIDE = "ngoài Đảng"
_OUTSIDE = re.compile(r"(?<!\w)(?:cơ quan pháp luật|cơ quan điều tra|cơ quan tiến hành tố tụng|viện kiểm sát|tòa án)"
                      r"(?!\w)")
_LIST_MARK = re.compile(r"^\s*(?:Điều\s+\d+\.?|\d+(?:\.\d+)*\.|[a-zđ]\)|\(\w{1,3}\)|[-+•–])\s*", re.IGNORECASE)
# A phrase put before the subject, up to the first comma («Khi hết thời kỳ dự bị, chi bộ xét …», «Những trường hợp
# sau đây, cấp uỷ cấp dưới phải …»): the subject is what follows it.
_FRONTED = re.compile(r"^(?:khi|trước khi|sau khi|trong khi|trong trường hợp|trường hợp|nếu|những trường hợp"
                      r"|các trường hợp|đối với|trong thời hạn|chậm nhất)\b", re.IGNORECASE)


@dataclass
class _Evidence:
    """What a unit is, as evidence for a case: whether it states a norm, whom it binds, whether it is about the
    discipline process, the kinds of violation its own words name."""

    norm: bool
    binds: frozenset[str]
    discipline: bool
    kinds: frozenset[str]


class _EvidenceCache:
    """Per index version (`Searcher.derived`): the evidence of each unit, computed once."""

    def __init__(self, searcher: Searcher):
        self.s = searcher
        self.linker: DisciplineLinker = linker_for(searcher)
        self.memo: dict[str, _Evidence] = {}

    def binds(self, c: Clause) -> frozenset[str]:
        """Whom a unit binds: its document's title when it names one side («… những điều đảng viên không được
        làm»), else the subject it opens with, else the intro it sits under («Đảng viên có nhiệm vụ :»), else
        OUTSIDE when every duty it states binds a body of the State's law enforcement («Thủ trưởng của cơ quan pháp
        luật … phải thông báo …»); empty when none says."""
        doc = self.s.documents[c.doc_id]
        who = named_who(doc.title)
        if len(who) == 1:
            return frozenset(who)
        own = _LIST_MARK.sub("", c.text)
        who = opening_who(own)
        head, comma, rest = own[:160].partition(",")
        if not who and comma and _FRONTED.match(head.strip()):
            who = opening_who(rest)
        pid = c.parent
        while not who and pid and pid in self.s.clauses:
            p = self.s.clauses[pid]
            who = opening_who(_LIST_MARK.sub("", p.intro or ""))
            pid = p.parent
        if _AGENT.search(" ".join(fold(own).split())):
            who = set(who) | {ORGANISATION}
        if not who:
            subjects = [x.subject for x in checks_for(c.id, self.s) if x.modality in _NORMS]
            if subjects and all(x and _OUTSIDE.search(fold(x)) for x in subjects):
                who = {OUTSIDE}
        return frozenset(who)

    def of(self, c: Clause) -> _Evidence:
        """The unit's own evidence: a norm stated by a sibling clause that the search grouped with it is not the
        shown unit's (an article's intro or its other clauses may bind another body or state another duty)."""
        if c.id not in self.memo:
            norm = any(x.modality in _NORMS for x in checks_for(c.id, self.s))
            self.memo[c.id] = _Evidence(norm, self.binds(c), self.about_discipline(c),
                                        self.linker.data.kinds_named(c.text))
        return self.memo[c.id]

    def about_discipline(self, c: Clause) -> bool:
        """The discipline process: what `DisciplineLinker.about_discipline` says, or a unit under a heading on it."""
        return self.linker.about_discipline(c.id) or any(_PROCESS_HEAD.search(fold(h)) for h in c.heading)


def _evidence(searcher: Searcher) -> _EvidenceCache:
    return searcher.derived("case_evidence", _EvidenceCache)


def rule_score(base: float, ev: _Evidence, who: set[str], kinds: frozenset[str]) -> float:
    """A candidate's score for a case: its search score weighed by the evidence that it is a rule the case breaks."""
    score = base
    if not ev.norm:
        score *= NO_NORM
    if OUTSIDE in ev.binds or (len(who) == 1 and len(ev.binds) == 1 and not (ev.binds & who)):
        score *= OTHER_SUBJECT
    if ev.discipline:
        score *= DISCIPLINE_PROCESS
    if kinds and ev.kinds & kinds:
        score *= SAME_KIND
    elif kinds and ev.kinds:
        score *= OTHER_KIND
    return score


def _side_scope(doc: Document, who: set[str]) -> str:
    """Why a document whose title binds one side only («… những điều đảng viên không được làm») leaves out a case
    about the other side ("" when it does not): an organisation cannot break a member's rules."""
    bound = named_who(doc.title)
    if len(who) == 1 and len(bound) == 1 and not bound & who:
        return f"văn bản chỉ áp dụng cho {next(iter(bound))}"
    return ""


def about_discipline_process(text: str) -> bool:
    """Whether a case is about the discipline process itself (a penalty, its procedure, a suspension, a prosecution
    or a sentence), rather than a violation that discipline would follow."""
    return bool(_DISCIPLINE_CASE.search(" ".join(fold(text).split())))


def _rule_units(text: str, searcher: Searcher, k: int, mode: str) -> tuple[list[Hit], list[tuple[str, str]]]:
    """The rules applying to the case (at most `k`, only those close to the best), and the found units left out
    (with why)."""
    docs = searcher.documents.values()
    who = case_who(text)
    eligible = [d.id for d in docs if d.id != DISCIPLINE_DOC and d.normative and d.type not in RULE_EXCLUDED_TYPES
                and not out_of_scope(d, text) and not _side_scope(d, who)]
    depth = max(4 * k, 20)
    left: list[tuple[str, str]] = []
    cands: dict[str, Hit] = {}  # article -> the hit shown for it (fused first, as the searcher grouped it)
    views: dict[str, dict[str, float]] = {}
    # whether the corpus speaks to the text at all: judged over the whole corpus, as the calibration was fitted
    judged = searcher.answerability(text) if mode == "fused" else None

    def reason(c: Clause, doc: Document) -> str:
        return unit_reason(c, doc) or other_setting(c, text)

    for m in ((mode, "lexical", "dense") if mode == "fused" else (mode,)):
        view = views.setdefault(m, {})
        for h in searcher.search(text, k=depth if m == mode else 3 * depth, mode=m, doc_ids=eligible):
            why = reason(h.clause, h.document)
            if why:
                if m == mode:
                    left.append((h.clause.id, why))
                continue
            art = searcher.article_of(h.clause.id)
            view.setdefault(art, h.score)
            if m == mode:
                cands.setdefault(art, h)
    if mode == "fused":
        def base(art: str) -> float:
            return (CASE_LEXICAL_WEIGHT * views["lexical"].get(art, 0.0)
                    + (1 - CASE_LEXICAL_WEIGHT) * views["dense"].get(art, 0.0))
    else:
        def base(art: str) -> float:
            return views[mode].get(art, 0.0)
    if judged is not None and judged.probability < NOTHING_FITS:
        return [], left + [(h.clause.id, f"không quy định nào khớp đủ với tình huống (khả năng có câu trả lời "
                                          f"{judged.probability:.0%})") for h in cands.values()][: 4 * k]
    ev = _evidence(searcher)
    kinds = ev.linker.data.kinds_named(text)
    process = about_discipline_process(text)
    scored = []
    for art, h in cands.items():
        h.also = [c for c in h.also if not reason(c, h.document)]
        e = ev.of(h.clause)
        if e.discipline and not process:
            left.append((h.clause.id, "quy định về xử lý kỷ luật, mà tình huống không hỏi đến (xem phần kỷ luật)"))
            continue
        if h.document.type in ASSESSMENT_TYPES and not e.norm:
            left.append((h.clause.id, "đánh giá, nhận định, không nêu nghĩa vụ"))
            continue
        scored.append((rule_score(base(art), e, who, kinds), h))
    scored.sort(key=lambda x: (-x[0], x[1].rank))
    best = scored[0][0] if scored else 0.0
    kept = []
    for score, h in scored:
        if score > 0 and score >= SHOW_RATIO * best and len(kept) < k:
            kept.append(h)
        elif score > 0 and len(left) < 4 * k:
            left.append((h.clause.id, f"bằng chứng yếu hơn quy định đầu ({score / best:.0%})"))
    return kept, left


def analyze_case(text: str, searcher: Searcher, k: int = 5, mode: str = "fused",
                 suggestions: bool = False) -> CaseResult:
    """Rules (in force first, replaced ones flagged), their checks, and the discipline provisions for the case:
    those linked by a reviewer, by the kind of violation or by a reference, for the one who violated; general
    provisions after them; similarity-only suggestions apart (exported only with `suggestions`)."""
    typed = text
    # the kinds of violation, who violated, the settings and scopes are all read from Vietnamese words with their
    # accents: a case typed without them is read in its restored form (unaccented, P@3 fell from 0.81 to 0.60)
    text = restored_reading(typed, searcher)
    hits, excluded = _rule_units(text, searcher, k, mode)
    linker = linker_for(searcher)
    who = case_who(text)
    rules = []
    for h in hits:
        checks: list[Check] = []
        for cl in [h.clause, *h.also]:
            checks.extend(c for c in checks_for(cl.id, searcher) if c not in checks)
        rules.append(CaseRule(h, checks, replaced=not h.document.in_force, discipline=linker.for_clause(h.clause.id)))
    rules.sort(key=lambda r: r.replaced)  # stable: rank order kept inside each group
    case_links, case_missing = linker.for_text(text, k=3, dense=mode != "lexical")
    # the kinds of violation the case itself names, also those whose article the corpus lacks
    case_kinds = linker.data.kinds_named(text)
    leads = {r.hit.clause.id for r in rules[:RULE_LEADS]}

    def link_kinds(x: DisciplineLink) -> set[str]:
        if x.kind:
            return {x.kind}
        art = re.match(r"[^/]+/d\d+", x.clause)
        return {k.label for k in linker.kinds_of_article.get(art.group(0) if art else x.clause, [])}

    def title_kinds(rule: str) -> frozenset[str]:
        """The kinds of violation the rule's whole document is about, as its title names them."""
        return linker.data.kinds_named(searcher.documents[rule.split("/", 1)[0]].title)

    def shown(x: DisciplineLink) -> bool:
        """A link shown by default: not similarity, binding the one who violated; a rule's link only as a lead
        that agrees with the case: of a kind the case names, when it names one (a rule found for other words is
        no lead, nor a provision whose kind is not known); when the case names none, only a reviewer's link from
        one of the first rules whose whole document is about the linked article's kind (its title names it: QĐ 114
        on cadre work). A broad article (Điều lệ Điều 9, 23; QĐ 37 Điều 3) lists acts of several kinds, and its
        reviewed link names one of them: which one the case is about, the case does not say."""
        if x.provenance == SIMILARITY or not x.fits(who):
            return False
        if not x.rule:
            return True
        if case_kinds:
            return bool(link_kinds(x) & case_kinds)
        return x.basis == BY_CURATION and x.rule in leads and bool(link_kinds(x) & title_kinds(x.rule))

    links: list[DisciplineLink] = [x for x in case_links if shown(x)]
    weak: list[DisciplineLink] = [x for x in case_links if x.provenance == SIMILARITY and x.fits(who)]
    for r in rules:
        if r.discipline is None:
            continue
        r.shown = [x for x in r.discipline.links if shown(x)]
        links += r.shown + [g for g in r.discipline.general if g.fits(who)]
        weak += [x for x in r.discipline.links if x.provenance == SIMILARITY and x.fits(who)]
    links += linker.general_for_who(who)
    disc = _merge(links)

    def contradicted(d: CaseDiscipline) -> bool:
        """A suggestion on another kind of violation than the one the case names (embezzlement is corruption:
        a political-ideology article is no lead, however close its words)."""
        art = re.match(r"[^/]+/d\d+", d.clause_id)
        kinds = {k.label for k in linker.kinds_of_article.get(art.group(0) if art else "", [])}
        return bool(case_kinds and kinds and not kinds & case_kinds)

    sugg = [d for d in _merge(weak) if not any(overlaps(d.clause_id, x.clause_id) for x in disc)
            and not contradicted(d)]
    labels = {f"«{x.kind}»" for x in links if x.kind}
    rule_missing = [m for r in rules if r.discipline for m in r.discipline.missing
                    if not case_kinds or any(lbl in m for lbl in labels)]
    missing = list(dict.fromkeys(case_missing + rule_missing))
    for r in rules:
        ids = [x.clause for x in r.shown] or ([x.clause for x in r.discipline.general if x.fits(who)]
                                              if r.discipline else [])
        for ch in r.checks:
            ch.penalties = ids
    return CaseResult(typed, rules, disc, missing, sugg, sorted(who), excluded, suggestions, searcher.absent(typed),
                      understood="" if text == typed else text)


# ---- exports ---------------------------------------------------------------------------------------------------
# Reports and the CSV speak Vietnamese and cite in words: no internal ids, no raw scores (those are in `--json` and
# the page's «Chi tiết»).

CSV_FIELDS = ("Quy định", "Loại", "Nội dung cần kiểm tra", "Chủ thể", "Cơ quan kiểm tra", "Hình thức kiểm tra",
              "Tài liệu cần xem", "Thời hạn hoặc định kỳ", "Quy định kỷ luật khi vi phạm", "Hình thức kỷ luật",
              "Cách xác định")
BOM = "\ufeff"


def _by_id(result: CaseResult) -> dict[str, CaseDiscipline]:
    return {d.clause_id: d for d in result.discipline}


def _forms_of(result: CaseResult, ids: list[str]) -> list[str]:
    by_id = _by_id(result)
    marks = [m for i in ids if i in by_id for m in by_id[i].marks]
    return forms_in_order(marks)


def _disc_names(result: CaseResult, ids: list[str]) -> list[str]:
    """Discipline provisions in words: the short citation when the corpus has it, else the full one."""
    by_id = _by_id(result)
    out = []
    for i in ids:
        d = by_id.get(i)
        if d is not None:
            out.append(_short_name(d) + (" (chưa có trong kho)" if d.absent else ""))
    return out


def _short_name(d: CaseDiscipline) -> str:
    """"Khoản 3, Điều 10, Quy định 69-QĐ/TW" out of "Khoản 3, Điều 10, Quy định số 69-QĐ/TW ngày … của …"."""
    return re.sub(r"(Quy định|Quyết định|Hướng dẫn|Kết luận|Quy chế|Chỉ thị|Nghị quyết) số (\S+) ngày .*$", r"\1 \2",
                  d.citation)


def check_source(c: Check) -> str:
    return SOURCE_LABELS.get(c.provenance, c.provenance)


def checks_csv(result: CaseResult) -> str:
    """The checks as CSV, one row a check, headers and citations in Vietnamese words (no ids, no scores). `export`
    adds the UTF-8 byte order mark so that Excel shows the diacritics."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_FIELDS)
    for r in result.rules:
        for c in r.checks:
            w.writerow([r.hit.citation, MODALITY_LABELS.get(c.modality, c.modality), c.item, c.subject or "",
                        c.actor or "", c.kind, "; ".join(c.evidence), c.deadline or "",
                        "; ".join(_disc_names(result, c.penalties)), ", ".join(_forms_of(result, c.penalties)),
                        check_source(c)])
    return buf.getvalue()


def short_citation(hit: Hit) -> str:
    """A table-sized citation: the two innermost units and the document's short name ("Khoản 7, Điều 39, Điều lệ
    Đảng")."""
    return _short_cite(hit.clause, hit.document)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def related(result: CaseResult, d: CaseDiscipline) -> list[str]:
    """The rules (in words) and the case text that lead to a provision."""
    return [n for n in dict.fromkeys(result.rule_name(x) for x in d.rules) if n]


def discipline_line(d: CaseDiscipline, result: CaseResult | None = None) -> str:
    """How a provision was reached, in one Vietnamese line: how it was linked, flags, what leads to it."""
    parts = [f"cách liên kết: {d.label}"]
    if d.low:
        parts.append("gợi ý yếu")
    if d.absent:
        parts.append("chưa có trong kho")
    names = related(result, d) if result is not None else []
    if names and not d.general:
        parts.append("liên quan: " + "; ".join(names[:4]) + (" …" if len(names) > 4 else ""))
    return " · ".join(parts)


def _rule_discipline_line(result: CaseResult, r: CaseRule) -> str:
    if not r.shown:
        return ""
    by_id = _by_id(result)
    out = []
    for x in r.shown[:4]:
        d = by_id.get(x.clause)
        forms = f" ({', '.join(x.forms)})" if x.forms else ""
        name = _short_name(d) if d else x.citation
        flag = ", chưa có trong kho" if x.absent else ""
        out.append(f"{name}{forms} [{x.label}{flag}]")
    return "; ".join(out)


def _check_line(c: Check) -> str:
    extra = f" Thời hạn, định kỳ: {c.deadline}." if c.deadline else ""
    return (f"[{MODALITY_LABELS.get(c.modality, c.modality)}] {c.item} (Chủ thể: {c.subject or '—'}; cơ quan kiểm tra: "
            f"{c.actor}; hình thức: {c.kind}; tài liệu: {', '.join(c.evidence)}.{extra} Cách xác định: "
            f"{check_source(c)}.)")


def _who_line(result: CaseResult) -> str:
    return " và ".join(result.who) if result.who else ""


def to_markdown(result: CaseResult) -> str:
    """The whole result as a printable Markdown document (Vietnamese, citations in words)."""
    out = [f"# Kiểm tra: {result.query}", ""]
    if result.understood:
        out += [f"*Hiểu là: «{result.understood}»*", ""]
    if _who_line(result):
        out += [f"*Đối tượng vi phạm theo mô tả: {_who_line(result)}.*", ""]
    out += ["## Quy định áp dụng", ""]
    if not result.rules:
        out += [f"*{NO_RULE}*", ""]
    for i, r in enumerate(result.rules, 1):
        mark = " — **đã được thay thế, chỉ để đối chiếu**" if r.replaced else ""
        out += [f"### {i}. {r.hit.citation}", f"*{r.hit.status_label}*{mark}", "", "> " + r.hit.clause.text.replace(
            "\n", "\n> "), ""]
        if r.checks:
            out.append("**Nội dung cần kiểm tra:**")
            out += [f"- [ ] {_check_line(c)}" for c in r.checks]
            out.append("")
        else:
            out += [f"*{NO_CHECK}*", ""]
        line = _rule_discipline_line(result, r)
        if line:
            out += [f"**Kỷ luật khi vi phạm:** {line}", ""]
    out += ["## Quy định về kỷ luật có thể áp dụng", ""]
    if not result.specific:
        out += ["*Không có điều kỷ luật nào được liên kết theo loại vi phạm hay dẫn chiếu; xem các quy định chung.*",
                ""]
    groups = [("", result.specific), ("### Hình thức và thẩm quyền kỷ luật chung", result.general)]
    if result.show_suggestions and result.suggestions:
        groups.append((f"### {SUGGESTIONS_TITLE}", result.suggestions))
    for title, items in groups:
        if title and items:
            out += [title, ""]
            if title.endswith(SUGGESTIONS_TITLE):
                out += [f"*{SUGGESTIONS_NOTE}*", ""]
        for d in items:
            forms = f" **Hình thức: {', '.join(d.penalties)}.**" if d.penalties else ""
            out.append(f"- {d.citation}.{forms} {discipline_line(d, result)}. *{d.note}*")
            if d.text and not d.general:
                out.append("  > " + _one_line(d.text))
    if result.notes:
        out += ["", "**Lưu ý về kho văn bản:**"] + [f"- {m}" for m in result.notes]
    return "\n".join(out) + "\n"


def to_blocks(result: CaseResult) -> list[Block]:
    """The result as printable blocks: rules with their text and checks, discipline, the checklist as a table."""
    b = [Block("title", f"Kiểm tra: {result.query}"),
         Block("note", "Kết quả tra cứu tự động từ kho văn bản; mỗi quy định được trích nguyên văn kèm trích dẫn. "
                       "Mỗi quy định kỷ luật ghi rõ cách liên kết: do người rà soát, theo loại vi phạm hoặc theo dẫn "
                       "chiếu; điều chưa có trong kho được nêu tên.")]
    if result.understood:
        b.append(Block("note", f"Hiểu là: «{result.understood}»"))
    if _who_line(result):
        b.append(Block("note", f"Đối tượng vi phạm theo mô tả: {_who_line(result)}."))
    b.append(Block("heading", "1. Quy định áp dụng"))
    if not result.rules:
        b.append(Block("note", NO_RULE))
    for i, r in enumerate(result.rules, 1):
        b.append(Block("subheading", f"{i}. {r.hit.citation}"))
        status = r.hit.status_label + (" — đã được thay thế, chỉ để đối chiếu" if r.replaced else "")
        b.append(Block("note", status))
        b.append(Block("quote", r.hit.clause.text))
        if r.checks:
            b.append(Block("paragraph", "Nội dung cần kiểm tra:"))
            b.append(Block("bullets", items=[c.item + (f" (thời hạn, định kỳ: {c.deadline})" if c.deadline else "")
                                             for c in r.checks]))
        else:
            b.append(Block("note", NO_CHECK))
        line = _rule_discipline_line(result, r)
        if line:
            b.append(Block("paragraph", f"Kỷ luật khi vi phạm: {line}"))
    b.append(Block("heading", "2. Quy định về kỷ luật có thể áp dụng"))
    for d in result.specific:
        forms = f"Hình thức: {', '.join(d.penalties)}. " if d.penalties else ""
        b.append(Block("subheading", d.citation))
        b.append(Block("paragraph", f"{forms}{discipline_line(d, result)}."))
        b.append(Block("note", d.note))
        if d.text:
            b.append(Block("quote", d.text))
    if result.general:
        b.append(Block("subheading", "Hình thức và thẩm quyền kỷ luật chung"))
        b.append(Block("bullets", items=[f"{d.citation}" + (f" — {', '.join(d.penalties)}" if d.penalties else "")
                                         + f" ({d.note})" for d in result.general]))
    if result.show_suggestions and result.suggestions:
        b.append(Block("subheading", SUGGESTIONS_TITLE))
        b.append(Block("note", SUGGESTIONS_NOTE))
        b.append(Block("bullets", items=[f"{d.citation}" + (f" — {', '.join(d.penalties)}" if d.penalties else "")
                                         + f" ({discipline_line(d, result)})" for d in result.suggestions]))
    if result.notes:
        b.append(Block("note", "Lưu ý về kho văn bản: " + " ".join(result.notes)))
    checks = [(r, c) for r in result.rules for c in r.checks]
    if checks:
        b.append(Block("heading", "3. Danh sách nội dung kiểm tra"))
        rows = [["#", "Quy định", "Nội dung cần kiểm tra", "Chủ thể", "Cơ quan kiểm tra", "Thời hạn hoặc định kỳ"]]
        for n, (r, c) in enumerate(checks, 1):
            rows.append([str(n), short_citation(r.hit), c.item, c.subject or "—", c.actor or "", c.deadline or "—"])
        b.append(Block("table", rows=rows, widths=[0.4, 1.6, 4.0, 1.5, 1.8, 1.2]))
    return b


def export(result: CaseResult, fmt: str) -> bytes:
    """The result in one of FORMATS, as bytes ready to write or download."""
    if fmt == "md":
        return to_markdown(result).encode("utf-8")
    if fmt == "csv":
        return (BOM + checks_csv(result)).encode("utf-8")
    title = f"Kiểm tra: {result.query}"
    if fmt == "docx":
        return to_docx(to_blocks(result), title)
    if fmt == "pdf":
        return to_pdf(to_blocks(result), title)
    raise ValueError(f"định dạng không hỗ trợ: {fmt} (chọn {', '.join(FORMATS)})")


def filename(result: CaseResult, fmt: str) -> str:
    """A download name from the case's first words ("kiem-tra-dang-vien-vi-pham.pdf")."""
    from indexer.text.normalize import strip_diacritics

    slug = re.sub(r"[^a-z0-9]+", "-", strip_diacritics(result.query).lower()).strip("-")[:40].strip("-")
    return f"kiem-tra-{slug or 'ket-qua'}.{fmt}"
