"""Rule → discipline: for a rule clause, the discipline provisions for breaking it and the penalty forms they state.

Three sources, and every link says which: "curated" (a reviewer's decision in
`indexer/rules/data/discipline_links.yaml`, which only cites clause ids), "text" (the kind of violation a QĐ 69 article
is about, named in its heading, is also named by the rule; or a reference between the two texts), and "similarity"
(dense + lexical over the discipline provisions, used only when the other two find nothing, with low scores flagged).
Each link also says how it was made in a short Vietnamese label (`BASIS_LABELS`: «do người rà soát», «theo loại vi
phạm», «theo dẫn chiếu», «theo độ tương đồng» …) and whom the provision binds: QĐ 69 treats party organisations and
party members in separate chapters, so a kind links only to the articles that bind the one who violated, and where that
article is not collected it is named «chưa có trong kho» rather than replaced by the other chapter's. Forms and
competence (Điều lệ Điều 35–37, QĐ 69 Điều 3 and 7) come apart as general provisions. Scores and matched units are
technical detail (`DisciplineLink.detail`), never part of the note a reader sees."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from fnmatch import fnmatch
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from indexer.corpus.citation import clause_citation, document_citation
from indexer.corpus.models import Clause, Document, overlaps, within
from indexer.corpus.questions import load_questions
from indexer.rules.refs import graph_for
from indexer.text.diacritics import SEED_WEIGHT, DiacriticRestorer
from indexer.text.normalize import fold, has_diacritics

if TYPE_CHECKING:
    from indexer.search.searcher import Searcher

LINKS_PATH = Path(__file__).parent / "data" / "discipline_links.yaml"

DISCIPLINE_DOC = "qd-69-2022"  # Quy định về kỷ luật tổ chức đảng, đảng viên vi phạm
CHARTER = "dieu-le-dang-2011"
CHARTER_DISCIPLINE_ARTICLES = ("35", "36", "37", "38", "40")  # Chương VIII (Điều 34 is about rewards, 39 complaints)
GENERAL_LAST_ARTICLE = 7  # QĐ 69 Điều 1–7: scope, principles, definitions, time limits, circumstances, forms

CURATED, TEXT, SIMILARITY = "curated", "text", "similarity"
PROVENANCE_LABELS = {CURATED: "do người rà soát", TEXT: "theo văn bản", SIMILARITY: "theo độ tương đồng"}
# How a link was made, finer than the provenance, as the short Vietnamese label a reader sees.
BY_CURATION, BY_KIND, BY_TITLE_KIND, BY_REFERENCE, BY_OWN, BY_SIMILARITY, BY_GENERAL = (
    "curated", "kind", "kind-title", "reference", "own-sanction", "similarity", "general")
BASIS_LABELS = {BY_CURATION: "do người rà soát", BY_KIND: "theo loại vi phạm",
                BY_TITLE_KIND: "theo loại vi phạm nêu ở tên văn bản", BY_REFERENCE: "theo dẫn chiếu",
                BY_OWN: "theo quy định xử lý vi phạm của chính văn bản", BY_SIMILARITY: "theo độ tương đồng",
                BY_GENERAL: "quy định chung"}
MEMBER, ORGANISATION = "đảng viên", "tổ chức đảng"

# The forms of discipline (Điều lệ Điều 35), mildest first; "giải tán" applies to organisations only.
PENALTY_FORMS = ("khiển trách", "cảnh cáo", "cách chức", "khai trừ", "giải tán")
_FORM_RX = re.compile(r"(?<!\w)(" + "|".join(p.replace(" ", r"\s+") for p in PENALTY_FORMS) + r")(?!\w)",
                      re.IGNORECASE)

# Similarity score = mean of a rescaled passage–passage cosine and a saturating BM25 score, both in [0, 1].
# Cosines of e5 passages are compressed: on this corpus the best QĐ 69 match of a clause of an unrelated
# regulation (QĐ 1147, QĐ 383) has a median cosine of 0.84–0.87, a near-paraphrase reaches 0.94.
COS_FLOOR, COS_SPAN = 0.86, 0.08
BM25_HALF = 20.0  # the BM25 score that counts as half a match
# Below this a similarity link is a weak lead, flagged. Measured here: of the ~300 clauses left with similarity
# links only, none has a true counterpart among the collected QĐ 69 articles, and the best reaches 0.69 (Điều lệ
# Điều 39 khoản 4, a procedural rule on discipline whose wording resembles every violation provision).
LOW_SCORE = 0.7

_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_SUBJECT = re.compile(r"subject(?: of Điều \d+)?\s*:\s*([^;()\n]+)", re.IGNORECASE)
PARTY_CENTRE = ("Ban Chấp hành Trung ương", "Bộ Chính trị", "Ban Bí thư", "Đại hội đại biểu toàn quốc lần thứ XI")
# Sanctions of another order than Party discipline, and the people they fall on: an article naming them is a
# school's or an office's own rule, not a discipline provision for party members or organisations.
_FOREIGN_SANCTION = re.compile(r"(?<!\w)(?:buộc thôi học|đình chỉ học tập|xử phạt vi phạm hành chính|học viên|sinh viên"
                               r"|học sinh)(?!\w)")
_OWN_SANCTION = re.compile(r"xử lý vi phạm|^khen thưởng,? (?:và )?kỷ luật$|^kỷ luật$")
ORG_WORDS = ("tổ chức đảng", "cấp ủy", "chi bộ", "đảng ủy", "đảng bộ", "ban thường vụ", "ủy ban kiểm tra", "đảng đoàn",
              "ban cán sự")


@dataclass(frozen=True)
class PenaltyForm:
    """One penalty form as written in a provision, with its offsets into that provision's text (for marking)."""

    form: str  # canonical lower-case form, one of PENALTY_FORMS
    start: int
    end: int


def penalty_forms(text: str) -> list[PenaltyForm]:
    """Every penalty form the text states, in order, with exact spans ("Khiển trách" at the start of a list too)."""
    out = []
    for m in _FORM_RX.finditer(text):
        form = " ".join(fold(m.group(0)).split())
        out.append(PenaltyForm(form, m.start(), m.end()))
    return out


def forms_in_order(marks: list[PenaltyForm]) -> list[str]:
    """The distinct forms, mildest first (the order of Điều lệ Điều 35)."""
    found = {m.form for m in marks}
    return [p for p in PENALTY_FORMS if p in found]


@dataclass
class DisciplineLink:
    """A discipline provision for breaking a rule, how the link was made and how strong it is."""

    rule: str  # the rule clause id (or "" for a case described in words)
    clause: str  # discipline clause id; may name an article the corpus lacks (`absent`)
    provenance: str  # "curated" | "text" | "similarity"
    score: float  # 0–1: curated 1.0, text 0.6–0.9, similarity as computed
    note: str  # why, in Vietnamese
    kind: str = ""  # the kind of violation, when the link comes from one ("bầu cử")
    penalties: list[PenaltyForm] = field(default_factory=list)  # spans into `text`
    text: str = ""  # the provision's verbatim text ("" when absent)
    citation: str = ""
    absent: bool = False  # the provision is not in the corpus (QĐ 69 is partial)
    low: bool = False  # a similarity below LOW_SCORE: a weak lead, not a finding
    general: bool = False  # forms and competence for any violation, not this kind of violation
    basis: str = ""  # how, finer than `provenance`: one of BASIS_LABELS' keys
    who: frozenset[str] = frozenset()  # whom the provision binds (MEMBER, ORGANISATION); empty = not known
    detail: str = ""  # technical detail for whoever wants it (scores, the unit that matched), never in a report

    @property
    def forms(self) -> list[str]:
        return forms_in_order(self.penalties)

    @property
    def label(self) -> str:
        """How the link was made, as a short Vietnamese label («theo loại vi phạm», «theo độ tương đồng» …)."""
        return BASIS_LABELS.get(self.basis) or PROVENANCE_LABELS.get(self.provenance, self.provenance)

    def fits(self, who: set[str] | frozenset[str]) -> bool:
        """The provision may bind someone in `who` (QĐ 69 treats organisations and members in separate chapters)."""
        return not self.who or not who or bool(self.who & set(who))

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "clause": self.clause, "citation": self.citation, "provenance": self.provenance,
                "basis": self.basis, "label": self.label, "score": self.score, "note": self.note, "kind": self.kind,
                "forms": self.forms, "penalties": [[p.form, p.start, p.end] for p in self.penalties],
                "absent": self.absent, "low": self.low, "general": self.general, "who": sorted(self.who),
                "detail": self.detail}


@dataclass
class RuleDiscipline:
    """The discipline side of one rule: specific provisions (best first), general ones, and what the corpus lacks."""

    rule: str
    links: list[DisciplineLink] = field(default_factory=list)
    general: list[DisciplineLink] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # Vietnamese notes: kinds whose QĐ 69 article is not collected
    is_discipline: bool = False  # the clause is itself a discipline provision

    @property
    def all(self) -> list[DisciplineLink]:
        return self.links + self.general

    @property
    def only_similarity(self) -> bool:
        return bool(self.links) and all(x.provenance == SIMILARITY for x in self.links)


# ---- reviewed data -------------------------------------------------------------------------------------------


@dataclass
class Kind:
    """A kind of violation (QĐ 69 is organised by them): the words that name it, in a QĐ 69 heading or a rule."""

    id: str
    label: str
    terms: list[str]
    absent: list[str] = field(default_factory=list)  # QĐ 69 article ids on this kind known not to be collected
    absent_note: str = ""
    absent_who: str = ""  # whom those absent articles bind ("" = not known)
    named: list[NamedArticle] = field(default_factory=list)  # articles known by subject only, number unknown

    def pattern(self) -> re.Pattern[str]:
        return _terms_rx(tuple(self.terms))


@dataclass
class NamedArticle:
    """A QĐ 69 article on a kind of violation, known by its subject and whom it binds but not collected (and its
    number not verified): named with «chưa có trong kho» instead of showing a wrong provision."""

    who: str  # MEMBER | ORGANISATION
    name: str  # how to name it ("Điều về đảng viên vi phạm …")
    source: str = ""  # how it is known


@lru_cache(maxsize=256)
def _terms_rx(terms: tuple[str, ...]) -> re.Pattern[str]:
    alts = "|".join(re.escape(fold(t)).replace(r"\ ", r"\s+") for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)")


@dataclass
class CuratedLink:
    """A reviewer's link: rules matching `rule` (id, enclosing unit, or glob) → discipline clause ids."""

    rule: str
    discipline: list[str]
    note: str = ""

    def matches(self, clause_id: str) -> bool:
        p = self.rule
        if "*" in p or "?" in p:
            return fnmatch(clause_id, p)
        return overlaps(clause_id, p)


@dataclass
class GeneralProvision:
    clause: str
    who: str  # "đảng viên" | "tổ chức đảng" | "" (both)
    note: str


@dataclass
class LinkData:
    kinds: list[Kind]
    links: list[CuratedLink]
    general: list[GeneralProvision]

    def kinds_named(self, text: str) -> frozenset[str]:
        """The labels of the kinds of violation a text names in its own words."""
        folded = " ".join(fold(text).split())
        return frozenset(k.label for k in self.kinds if k.pattern().search(folded))


def load_links(path: Path | None = None) -> LinkData:
    """Read the reviewed file; a missing file means no curated links, kinds or general provisions."""
    p = path or LINKS_PATH
    raw: dict[str, Any] = (yaml.safe_load(p.read_text(encoding="utf-8")) or {}) if p.exists() else {}
    kinds = [Kind(k["id"], k["label"], list(k["terms"]), list(k.get("absent", [])), k.get("absent_note", ""),
                  k.get("absent_who", ""), [NamedArticle(n["who"], n["name"], n.get("source", ""))
                                            for n in k.get("named", [])])
             for k in raw.get("kinds", [])]
    links = [CuratedLink(e["rule"], list(e["discipline"]), e.get("note", "")) for e in raw.get("links", [])]
    general = [GeneralProvision(g["clause"], g.get("who", ""), g.get("note", "")) for g in raw.get("general", [])]
    return LinkData(kinds, links, general)


@lru_cache(maxsize=1)
def _reviewed() -> LinkData:
    """The reviewed file, read once per process (the linker of each index version and the question check share it)."""
    return load_links()


# ---- helpers -------------------------------------------------------------------------------------------------


def _plain(text: str) -> str:
    """Text without provenance comments, folded (lower case, canonical tone placement)."""
    return fold(_COMMENT.sub(" ", text))


def _article_number(clause_id: str) -> int | None:
    m = re.match(r"[^/]+/d(\d+)", clause_id)
    return int(m.group(1)) if m else None


def is_discipline_clause(clause_id: str) -> bool:
    """QĐ 69, and the discipline articles of the Điều lệ (Chương VIII: forms, competence, procedure, effects)."""
    if clause_id == DISCIPLINE_DOC or clause_id.startswith(DISCIPLINE_DOC + "/"):
        return True
    n = _article_number(clause_id)
    return clause_id.startswith(CHARTER + "/") and n is not None and str(n) in CHARTER_DISCIPLINE_ARTICLES


_PERSON_TITLES = re.compile(r"(?<!\w)(?:cấp ủy viên|ủy viên|bí thư|phó bí thư)(?!\w)")
# A case (or a unit) opening with a member: a title, or a person («Đồng chí Nguyễn Văn B, bí thư chi bộ, …», «Ông A …»)
# whatever body the case goes on to name («… Chi bộ xử lý thế nào?»); not «bà con».
_CASE_MEMBER = re.compile(r"^(?:một |các |những |hai |ba )?(?:(?:đồng chí|đ/c|ông|bà(?! con))\s+\w"
                          r"|(?:đảng viên|cấp ủy viên|ủy viên|bí thư|phó bí thư|chủ nhiệm|phó chủ nhiệm|cán bộ"
                          r"|người đứng đầu)(?!\w))")
# A case (or a unit) opening with a Party body: the bodies above, a committee by its level («Tỉnh ủy …», «Huyện ủy
# …»), a congress, an executive committee, a Party agency or a committee's office.
_CASE_ORG = re.compile(r"^(?:một |các |những )?(?:" + "|".join(ORG_WORDS) + r"|(?:tỉnh|thành|huyện|quận|thị|chi) ủy"
                       r"|đại hội|ban chấp hành|cơ quan (?:của )?đảng|văn phòng (?:tỉnh|thành|huyện|quận|thị|cấp) ủy)"
                       r"(?!\s*viên)(?!\w)")


def named_who(text: str) -> set[str]:
    """Whom a text names: party members, party organisations (a party body), both, or neither. A person's title
    ("cấp ủy viên", "bí thư") names a member, not the body."""
    t = _plain(text)
    out = set()
    if "đảng viên" in t or _PERSON_TITLES.search(t):
        out.add(MEMBER)
    if any(w in _PERSON_TITLES.sub(" ", t) for w in ORG_WORDS):
        out.add(ORGANISATION)
    return out


def case_who(text: str) -> set[str]:
    """Who violated, in a case described in words: the one the description opens with ("Đảng viên là cấp ủy viên
    chi bộ …" is a member, "Chi bộ không tổ chức …" an organisation), else whom it names."""
    t = " ".join(_plain(text).split())
    if _CASE_MEMBER.match(t):
        return {MEMBER}
    if _CASE_ORG.match(t):
        return {ORGANISATION}
    return who_of(text)


def opening_who(text: str) -> set[str]:
    """Whom a text opens with: a member («Đảng viên bỏ sinh hoạt …», «Cấp uỷ viên …»), an organisation («Chi bộ
    lãnh đạo …», «Uỷ ban kiểm tra các cấp có nhiệm vụ»), both when its opening names both («Tổ chức đảng và đảng
    viên …»), or neither (empty) when it opens otherwise. A list marker («a)», «-», «1.») is skipped."""
    t = re.sub(r"^[\W\d]*(?:[a-zđ]\)\s*)?", "", " ".join(_plain(text).split()))
    if _CASE_MEMBER.match(t):
        return {MEMBER}
    if _CASE_ORG.match(t):
        return named_who(" ".join(t.split()[:6])) or {ORGANISATION}
    return set()


def who_of(text: str) -> set[str]:
    """Whom a text binds for discipline purposes: those it names, or both when it names neither."""
    return named_who(text) or {MEMBER, ORGANISATION}


def cite_id(clause_id: str, searcher: Searcher) -> str:
    """The citation of a clause id, also for an article the corpus does not hold ("Điều 15, Quy định số 69-QĐ/TW …")."""
    c = searcher.clauses.get(clause_id)
    doc_id = clause_id.split("/", 1)[0]
    doc = searcher.documents.get(doc_id)
    if c is not None and doc is not None:
        return clause_citation(c, doc)
    n = _article_number(clause_id)
    head = f"Điều {n}" if n is not None else clause_id.split("/", 1)[-1]
    return f"{head}, {document_citation(doc)}" if doc is not None else head


@dataclass
class _Article:
    """A QĐ 69 article on a kind of violation: its heading (title, or the compiler's subject note) and addressees."""

    id: str
    heading: str  # folded
    from_title: bool  # the heading is the article's own title (not the corpus compiler's subject note)
    who: set[str]


def provision_text(c: Clause, doc: Document) -> str:
    """The unit's whole verbatim text: a unit that a provenance comment cuts has its pieces joined by line breaks."""
    if len(c.pieces) > 1:
        return "\n".join(doc.text[a:b] for a, b in c.pieces)
    return c.text


def _subject_notes(c: Clause, doc: Document) -> list[str]:
    """The compiler's "subject:" notes on an article whose source printed no title (heading comment, source note)."""
    notes = [m.group(1) for m in _SUBJECT.finditer(c.source_note or "")]
    line_end = doc.text.find("\n", c.span[0])
    first_line = doc.text[c.span[0]:line_end if line_end >= 0 else len(doc.text)]
    for com in _COMMENT.finditer(first_line):
        notes += [m.group(1) for m in _SUBJECT.finditer(com.group(1))]
    return [n.strip(" .—-") for n in notes if n.strip()]


# ---- the linker ----------------------------------------------------------------------------------------------


class DisciplineLinker:
    """Links rules to discipline provisions over one opened index; build once per searcher (`linker_for`)."""

    def __init__(self, searcher: Searcher, data: LinkData | None = None):
        self.s = searcher
        self.data = data or _reviewed()
        self.doc = searcher.documents.get(DISCIPLINE_DOC)
        self.articles: list[_Article] = []
        for c in searcher.clauses.values():
            n = _article_number(c.id)
            if c.doc_id != DISCIPLINE_DOC or c.level != "article" or n is None or n <= GENERAL_LAST_ARTICLE:
                continue
            title = _COMMENT.sub("", c.title or "").strip()
            subjects = _subject_notes(c, self.doc)
            heading = fold(" ; ".join([title, *subjects]))
            body = provision_text(c, self.doc)
            named = " ".join(subjects) + " " + title
            # whom the article binds: as its subject note names it, else as its first sentence does
            who = who_of(named) if any(w in fold(named) for w in (MEMBER, ORGANISATION)) else who_of(body[:200])
            if any(p.form == "giải tán" for p in penalty_forms(body)):
                who = {ORGANISATION}
            self.articles.append(_Article(c.id, heading, bool(title), who))
        self.kinds_of_article = {a.id: [k for k in self.data.kinds if k.pattern().search(a.heading)]
                                 for a in self.articles}
        self.article_who = {a.id: frozenset(a.who) for a in self.articles}
        # similarity candidates: the units (search index entries) of QĐ 69's violation articles
        self.units = np.array([i for i, cid in enumerate(searcher.unit_ids)
                               if cid.startswith(DISCIPLINE_DOC + "/")
                               and (_article_number(cid) or 0) > GENERAL_LAST_ARTICLE], dtype=np.int64)
        self.graph = graph_for(searcher)
        self._common: set[str] | None = None
        self._sanctions: dict[str, list[Clause]] | None = None

    def who_binds(self, clause_id: str) -> frozenset[str]:
        """Whom the QĐ 69 violation article holding `clause_id` disciplines (its chapter's side); empty elsewhere."""
        art = re.match(r"[^/]+/d\d+", clause_id)
        return self.article_who.get(art.group(0) if art else clause_id, frozenset())

    def common_tokens(self) -> set[str]:
        """Words that half the violation provisions or more use ("vi phạm", "kỷ luật", "hình thức"): they say
        nothing about the kind of violation, so the lexical side of similarity ignores them."""
        if self._common is None:
            from indexer.text.tokens import word_tokens

            df: dict[str, int] = {}
            for u in self.units:
                for t in set(word_tokens(self.s.clauses[self.s.unit_ids[int(u)]].text)):
                    df[t] = df.get(t, 0) + 1
            self._common = {t for t, n in df.items() if n >= max(2, len(self.units) / 2)}
        return self._common

    # -- building blocks --

    def _provision(self, clause_id: str, rule: str, provenance: str, score: float, note: str, kind: str = "",
                   general: bool = False, basis: str = "", who: frozenset[str] | None = None,
                   detail: str = "") -> DisciplineLink:
        """A link to `clause_id`; promoted to the nearest enclosing unit that states the penalty forms."""
        basis = basis or {CURATED: BY_CURATION, SIMILARITY: BY_SIMILARITY}.get(provenance, BY_KIND)
        if who is None:
            who = self.who_binds(clause_id)
        c = self.s.clauses.get(clause_id)
        if c is None:
            absent_note = " (điều này chưa có trong kho: văn bản chỉ có một phần)" if self._partial(clause_id) else ""
            return DisciplineLink(rule, clause_id, provenance, score, note + absent_note, kind,
                                  citation=cite_id(clause_id, self.s), absent=True, general=general, basis=basis,
                                  who=who, detail=detail)
        doc = self.s.documents[c.doc_id]
        node = c
        while (not penalty_forms(provision_text(node, doc)) and node.parent in self.s.clauses
               and node.level != "article"):
            node = self.s.clauses[node.parent]
        if penalty_forms(provision_text(node, doc)) and node.id != c.id:
            if provenance == SIMILARITY:
                detail = f"{detail}; đơn vị khớp nhất: {c.id}".strip("; ")
            c = node
        text = provision_text(c, doc)
        return DisciplineLink(rule, c.id, provenance, round(score, 3), note, kind, penalty_forms(text), text,
                              clause_citation(c, doc), general=general, basis=basis, who=who, detail=detail)

    def _named_absent(self, art: NamedArticle, rule: str, kind: Kind, where: str) -> DisciplineLink:
        """A link to a QĐ 69 article known only by its subject: named, marked absent, never replaced by another."""
        code = self.doc.code if self.doc is not None else "69-QĐ/TW"
        cite = f"{art.name[:1].upper()}{art.name[1:]}, {document_citation(self.doc) if self.doc else code}"
        note = (f"loại vi phạm «{kind.label}»: {where}; điều tương ứng của Quy định {code} chưa có trong kho"
                + (f" ({art.source})" if art.source else ""))
        slug_ = re.sub(r"\W+", "-", fold(kind.id)).strip("-")
        return DisciplineLink(rule, f"{DISCIPLINE_DOC}/chua-co/{slug_}/{'dv' if art.who == MEMBER else 'tc'}", TEXT,
                              0.7, note, kind.label, citation=cite, absent=True, basis=BY_KIND,
                              who=frozenset({art.who}))

    def _partial(self, clause_id: str) -> bool:
        doc = self.s.documents.get(clause_id.split("/", 1)[0])
        return bool(doc and doc.is_partial)

    def rule_text(self, c: Clause) -> str:
        """What the rule says, for matching kinds: its text and its article's title."""
        art = self.s.clauses.get(self.s.article_of(c.id))
        head = f"{art.title} {art.intro}" if art is not None and art.id != c.id else ""
        return f"{head} {provision_text(c, self.s.documents[c.doc_id])}"

    def vector(self, c: Clause) -> np.ndarray | None:
        """The clause's passage embedding (the mean of its units' when it is not itself a search unit)."""
        return self.s.clause_vector(c.id)

    def similar(self, text: str, vec: np.ndarray | None, rule: str, k: int = 3) -> list[DisciplineLink]:
        """QĐ 69 violation provisions closest to the text: ranked by reciprocal rank of cosine and BM25, one per
        article, scored 0–1 (see COS_FLOOR, BM25_HALF)."""
        from indexer.text.tokens import word_tokens

        if not len(self.units):
            return []
        common = self.common_tokens()
        tokens = [t for t in word_tokens(" ".join(_COMMENT.sub(" ", text).split()[:120])) if t not in common]
        bm25 = self.s.lex_words.scores(tokens)[self.units]
        cos = np.asarray(self.s.embeddings[self.units]) @ vec if vec is not None else np.zeros(len(self.units))
        rrf = np.zeros(len(self.units))
        for scores in ((cos,) if vec is not None else ()) + (bm25,):
            for r, j in enumerate(np.argsort(-scores, kind="stable")):
                rrf[j] += 1.0 / (10 + r + 1)
        out: list[DisciplineLink] = []
        seen: set[str] = set()
        for j in np.argsort(-rrf, kind="stable"):
            cid = self.s.unit_ids[int(self.units[j])]
            art = self.s.article_of(cid)
            if art in seen:
                continue
            seen.add(art)
            lex = float(bm25[j]) / (float(bm25[j]) + BM25_HALF)
            if vec is not None:
                dense = min(max((float(cos[j]) - COS_FLOOR) / COS_SPAN, 0.0), 1.0)
                score = (dense + lex) / 2
                how = f"cosine {float(cos[j]):.3f}, BM25 {float(bm25[j]):.1f}"
            else:
                score, how = lex, f"BM25 {float(bm25[j]):.1f}"
            link = self._provision(cid, rule, SIMILARITY, score,
                                   "nội dung gần giống; chưa kiểm chứng là quy định tương ứng",
                                   detail=f"{how}; điểm {score:.2f}")
            link.low = link.score < LOW_SCORE
            if link.low:
                link.note = "nội dung chỉ gần giống một phần; gợi ý yếu, chưa phải quy định tương ứng"
            out.append(link)
            if len(out) >= k:
                break
        return out

    # -- the three sources --

    def curated(self, c: Clause) -> list[DisciplineLink]:
        out = []
        for e in self.data.links:
            if e.matches(c.id):
                note = e.note or "liên kết do người duyệt"
                out += [self._provision(d, c.id, CURATED, 1.0, note, basis=BY_CURATION) for d in e.discipline]
        return out

    def by_kind(self, c: Clause) -> tuple[list[DisciplineLink], list[str]]:
        """QĐ 69 articles whose heading names a kind of violation the rule also names; kinds with no article present."""
        own = _plain(self.rule_text(c))
        rule_who = self.rule_who(c)
        if not rule_who:
            return [], []  # Party discipline binds members and organisations: a rule naming neither is no lead
        return self.kind_links(own, _plain(self.s.documents[c.doc_id].title), c.id, rule_who, "điều khoản")

    def rule_who(self, c: Clause) -> set[str]:
        """Whom the rule binds: its document's title decides ("… những điều đảng viên không được làm"), else its own
        words; a rule of a Party committee that names neither binds members and organisations alike; empty for a
        rule of another body that names neither."""
        doc = self.s.documents[c.doc_id]
        party = doc.issuer in PARTY_CENTRE or "Đảng bộ" in doc.issuer
        return named_who(doc.title) or named_who(self.rule_text(c)) or (who_of("") if party else set())

    def kind_links(self, own: str, title: str, rule: str, who: set[str], what: str) -> tuple[list[DisciplineLink],
                                                                                            list[str]]:
        """Links by kind of violation for a folded text (`own`, or failing that the document `title`) that binds
        `who`; `what` names the text in the notes ("điều khoản", "tình huống"). Only articles that bind someone in
        `who` are linked (QĐ 69 treats organisations and members in separate chapters); where the fitting article is
        not collected, it is named as absent rather than replaced by the other chapter's."""
        links: list[DisciplineLink] = []
        missing: list[str] = []
        for kind in self.data.kinds:
            rx = kind.pattern()
            m = rx.search(own)
            via_title = m is None and bool(title) and rx.search(title) is not None
            if m is None and not via_title:
                continue
            word = m.group(0) if m else rx.search(title).group(0)
            basis = BY_TITLE_KIND if via_title else BY_KIND
            arts = [a for a in self.articles if kind in self.kinds_of_article[a.id]]
            where = f"tên văn bản có «{word}»" if via_title else f"{what} có «{word}»"
            covered: set[str] = set()
            for a in arts:
                if not a.who & who:
                    continue
                covered |= a.who & who
                score = (0.6 if via_title else 0.8) + 0.1
                source = "tiêu đề điều" if a.from_title else "ghi chú của kho về điều (nguồn không in tiêu đề)"
                note = f"loại vi phạm «{kind.label}»: {where}; {source} nêu loại vi phạm này"
                links.append(self._provision(a.id, rule, TEXT, score, note, kind.label, basis=basis))
            absent_who = frozenset({kind.absent_who}) if kind.absent_who else frozenset()
            for aid in kind.absent:
                if aid in self.s.clauses or (absent_who and not absent_who & who):
                    continue
                covered |= set(absent_who & who) if absent_who else set(who)
                note = f"loại vi phạm «{kind.label}»: {where}; {kind.absent_note}".rstrip("; ")
                links.append(self._provision(aid, rule, TEXT, 0.6 if via_title else 0.7, note, kind.label,
                                             basis=basis, who=absent_who))
            for art in kind.named:
                if art.who in who and art.who not in covered:
                    covered.add(art.who)
                    link = self._named_absent(art, rule, kind, where)
                    link.basis = basis
                    links.append(link)
            if not covered and self.doc is not None:
                present = ", ".join(self.doc.articles_present)
                missing.append(f"{self.doc.code}: chưa có trong kho điều về vi phạm «{kind.label}» (kho chỉ có "
                               f"Điều {present}); điều tương ứng, nếu có, nằm ở phần chưa thu thập.")
        return links, missing

    def by_reference(self, c: Clause) -> list[DisciplineLink]:
        """Links a text states with a reference: the rule cites a discipline provision, or a QĐ 69 violation
        article names the rule's document."""
        out = []
        for r in self.graph.cites(c.id):
            tgt = r.target_clause or ""
            if r.internal or not is_discipline_clause(tgt):
                continue
            general = (_article_number(tgt) or 0) <= GENERAL_LAST_ARTICLE or tgt.startswith(CHARTER)
            out.append(self._provision(tgt, c.id, TEXT, 0.9, f"điều khoản dẫn chiếu «{' '.join(r.text.split())}»",
                                       general=general, basis=BY_REFERENCE))
        for r in self.graph.cited_by(c.doc_id):
            n = _article_number(r.source)
            if r.source_doc != DISCIPLINE_DOC or n is None or n <= GENERAL_LAST_ARTICLE:
                continue
            out.append(self._provision(r.source, c.id, TEXT, 0.8,
                                       f"{self.s.documents[DISCIPLINE_DOC].code} nêu «{' '.join(r.text.split())}»",
                                       basis=BY_REFERENCE))
        return out

    def own_sanctions(self, c: Clause) -> list[Clause]:
        """The article of the rule's own document on handling violations of it ("Xử lý vi phạm", "Khen thưởng,
        kỷ luật"), if it has one."""
        if self._sanctions is None:
            self._sanctions = {}
            for a in self.s.clauses.values():
                if a.level == "article" and _OWN_SANCTION.search(fold(_COMMENT.sub("", a.title or "").strip())):
                    self._sanctions.setdefault(a.doc_id, []).append(a)
        return self._sanctions.get(c.doc_id, [])

    def party_sanction(self, a: Clause) -> bool:
        """A document's own article on handling violations is Party discipline only when it does not impose
        sanctions of another order (a school's «buộc thôi học», an administrative fine) on people who are not
        addressed as party members or organisations (trainees, lecturers)."""
        t = _plain(provision_text(a, self.s.documents[a.doc_id]))
        return not _FOREIGN_SANCTION.search(t)

    def by_own_sanction(self, c: Clause) -> list[DisciplineLink]:
        out = []
        for a in self.own_sanctions(c):
            if not self.party_sanction(a):
                continue
            title = _COMMENT.sub("", a.title).strip()
            note = f"văn bản tự quy định việc xử lý vi phạm (Điều {a.label}. {title})"
            out.append(self._provision(a.id, c.id, TEXT, 0.8, note, basis=BY_OWN))
        return out

    def general_for(self, c: Clause) -> list[DisciplineLink]:
        who = named_who(self.s.documents[c.doc_id].title) or who_of(self.rule_text(c))
        return [self._provision(g.clause, c.id, TEXT, 0.5, g.note, general=True, basis=BY_GENERAL,
                                who=frozenset({g.who}) if g.who else frozenset())
                for g in self.data.general if not g.who or g.who in who]

    def general_for_who(self, who: set[str]) -> list[DisciplineLink]:
        """The general provisions (forms, competence) for violations by `who`."""
        return [self._provision(g.clause, "", TEXT, 0.5, g.note, general=True, basis=BY_GENERAL,
                                who=frozenset({g.who}) if g.who else frozenset())
                for g in self.data.general if not g.who or g.who in who]

    # -- entry points --

    def about_discipline(self, clause_id: str) -> bool:
        """Whether a clause is itself about discipline rather than a rule one breaks: QĐ 69 and the Điều lệ's
        discipline articles, a document's own article on handling violations of it, and a rule that states penalty
        forms (who decides which form, the procedure): the kinds of violation such a rule lists («… vi phạm phẩm
        chất chính trị, tư tưởng …») are not its own violation."""
        c = self.s.clauses[clause_id]
        own = self.own_sanctions(c)
        if is_discipline_clause(c.id) or any(within(c.id, a.id) for a in own):
            return True
        return bool(penalty_forms(provision_text(c, self.s.documents[c.doc_id])))

    def for_clause(self, clause_id: str, k: int = 3) -> RuleDiscipline:
        """Discipline provisions for breaking the rule `clause_id`: curated, then text, similarity as a last resort."""
        c = self.s.clauses[clause_id]
        if self.about_discipline(clause_id):
            return RuleDiscipline(c.id, is_discipline=True)
        found = self.curated(c)
        kind_links, missing = self.by_kind(c)
        found += self.by_reference(c) + self.by_own_sanction(c) + kind_links
        specific = [x for x in found if not x.general]
        general = [x for x in found if x.general]
        if not specific:  # the last resort, and only provisions that bind whom the rule binds
            who = self.rule_who(c)
            specific = [x for x in self.similar(self.rule_text(c), self.vector(c), c.id, k=k) if x.fits(who)]
        specific = _dedupe(specific)
        general = [g for g in _dedupe(general + self.general_for(c)) if g.clause not in {x.clause for x in specific}]
        return RuleDiscipline(c.id, specific, general, missing)

    def for_text(self, text: str, k: int = 3, dense: bool = True) -> tuple[list[DisciplineLink], list[str]]:
        """For a situation described in words (a case): the QĐ 69 articles on a kind of violation it names, and the
        `k` provisions closest to it (similarity, scored like a rule's: the text is embedded as a passage; without a
        passage model (a query-only encoder), or with `dense` off, BM25 alone). Also the notes on kinds the corpus
        lacks. Whom the case is about is its opening subject (`case_who`)."""
        kinds, missing = self.kind_links(_plain(text), "", "", case_who(text), "tình huống")
        vec = None
        emb = getattr(self.s, "embedder", None)
        if emb is not None and dense and hasattr(emb, "encode_passages"):  # a query-only encoder embeds no passage
            vec = emb.encode_passages([text])[0]
        return _dedupe(kinds + self.similar(text, vec, "", k=k)), missing


_ORDER = {CURATED: 0, TEXT: 1, SIMILARITY: 2}


def _dedupe(links: list[DisciplineLink]) -> list[DisciplineLink]:
    """One link per provision, best first (curated, text, similarity; then score): a link whose provision contains,
    or lies inside, one already kept from a stronger source is dropped."""
    def rank(x: DisciplineLink) -> tuple:
        return (_ORDER[x.provenance], -x.score, x.absent, x.clause)

    out: list[DisciplineLink] = []
    for x in sorted(links, key=rank):
        if not any(overlaps(x.clause, y.clause) for y in out):
            out.append(x)
    return out


def linker_for(searcher: Searcher) -> DisciplineLinker:
    """The linker of an opened index, built once per index version (tens of ms)."""
    return searcher.derived("discipline", DisciplineLinker)


# A question that asks what sanction a violation gets: «bị kỷ luật», «xử lý kỷ luật», «bị xử lý ra sao», «hình thức
# kỷ luật», «kỷ luật như thế nào», a penalty it may bring («có bị khai trừ»); not «khiếu nại kỷ luật» (a procedure) nor
# «kiểm tra, giám sát và kỷ luật» (the field's own name).
_ASKS_DISCIPLINE = re.compile(
    r"(?<!\w)(?:bị (?:xử lý|xử lí|kỷ luật|khiển trách|cảnh cáo|cách chức|khai trừ|giải tán)|xử lý kỷ luật"
    r"|hình thức kỷ luật|mức kỷ luật|(?:kỷ luật|xử lý|xử lí)(?: như)? (?:thế nào|ra sao))(?!\w)")
# The name of the field this product covers («công tác kiểm tra, giám sát và kỷ luật của Đảng»): no kind of violation
_FIELD_NAME = re.compile(r"(?<!\w)(?:công tác )?kiểm tra,? giám sát,? (?:và )?(?:thi hành )?kỷ luật"
                         r"(?: (?:của|trong) đảng)?")


def _rules_restorer(searcher: Searcher) -> DiacriticRestorer:
    """The index's accent restorer, also taught the words of the kinds of violation (weighted as its question seeds:
    the corpus lacks many of them, so «danh bac» was read «dành bác»). An index built before its restorer learnt the
    everyday wording of the questions the clauses answer gets them here too (people's cases 96.5 → 97.7 % of syllables
    right). A copy: the search keeps the index's own."""
    r = copy.deepcopy(searcher.restorer)
    if "restorer_questions" not in searcher.manifest.get("counts", {}):
        r.update([q for qs in load_questions(searcher.clauses).by_clause.values() for q in qs])
    return r.update([t for k in _reviewed().kinds for t in k.terms], weight=SEED_WEIGHT)


def restored_reading(text: str, searcher: Searcher) -> str:
    """`text` as the rules read it: as typed when it has diacritics (the search's own test), else restored with the
    index's restorer taught the kinds' words (built on the first unaccented text, 0.1–0.4 s)."""
    if has_diacritics(text):
        return text
    return searcher.derived("rules_restorer", _rules_restorer).restore(text)


def missing_for_question(text: str, searcher: Searcher) -> list[DisciplineLink]:
    """For a question about the discipline for some kind of violation («Đảng viên đánh bạc bị kỷ luật thế nào?»):
    the QĐ 69 articles on that kind, for the one it is about, that the corpus lacks — so an answer says «chưa có trong
    kho» beside its nearest clauses instead of letting them pass for the answer. Empty for other questions."""
    text = restored_reading(text, searcher)
    plain = _FIELD_NAME.sub(" ", " ".join(_plain(text).split()))
    if not _ASKS_DISCIPLINE.search(plain) or not _reviewed().kinds_named(plain):
        return []  # the linker (tens of ms, once per index version) is built only for a question that needs it
    links, _ = linker_for(searcher).kind_links(plain, "", "", case_who(text), "câu hỏi")
    return [x for x in _dedupe(links) if x.absent]


def missing_note(links: list[DisciplineLink]) -> str:
    """The sentence an answer shows for `missing_for_question` ("" when nothing is missing)."""
    if not links:
        return ""
    named = "; ".join(f"{x.citation} (vi phạm về «{x.kind}», đối với {' và '.join(sorted(x.who)) or 'cả hai'})"
                      for x in links)
    return f"Quy định kỷ luật về việc này chưa có trong kho: {named}"


def missing_to_dict(x: DisciplineLink) -> dict[str, Any]:
    return {"clause_id": x.clause, "citation": x.citation, "kind": x.kind, "who": sorted(x.who), "note": x.note}


def discipline_for(clause_id: str, searcher: Searcher, k: int = 3) -> RuleDiscipline:
    """Shortcut: the discipline provisions for breaking one rule clause."""
    return linker_for(searcher).for_clause(clause_id, k=k)


def link_stats(searcher: Searcher, rule_ids: list[str]) -> dict[str, int]:
    """For the report: links per provenance over the given rule clauses, and how many rules get a curated or a
    text link (specific, not general), or only similarity."""
    lk = linker_for(searcher)
    st = {CURATED: 0, TEXT: 0, SIMILARITY: 0, "general": 0, "rules": len(rule_ids), "rules_curated": 0,
          "rules_text": 0, "rules_only_similarity": 0, "rules_low_only": 0, "absent_links": 0, "rules_missing_note": 0}
    for rid in rule_ids:
        rd = lk.for_clause(rid)
        for x in rd.links:
            st[x.provenance] += 1
            st["absent_links"] += x.absent
        st["general"] += len(rd.general)
        st["rules_curated"] += any(x.provenance == CURATED for x in rd.links)
        st["rules_text"] += any(x.provenance == TEXT for x in rd.links)
        st["rules_only_similarity"] += rd.only_similarity
        st["rules_low_only"] += rd.only_similarity and all(x.low for x in rd.links)
        st["rules_missing_note"] += bool(rd.missing)
    return st
