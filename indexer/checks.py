"""Rule → checks: what an inspector verifies for a normative clause, derived from the text's deontic markers.

A `Check` (DESIGN.md "Data model") is generated wording around verbatim clause content: the question quotes the
clause's own words after the marker ("phải", "không được", "có quyền" …) and points back to the clause, so no
regulation text is ever typed or paraphrased. Extraction is a transparent pattern layer (markers found as words
of the underthesea segmentation, duties inherited from an intro such as "Đảng viên có nhiệm vụ :", prohibitions
from a document titled "… những điều đảng viên không được làm", tasks of a programme's "Tổ chức thực hiện"); a
curated YAML layer (`indexer/data/checks_curated.yaml`) lets a person add, correct or reject checks and wins.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from indexer.models import Clause, Document
from indexer.normalize import fold
from indexer.refs import clause_own_text
from indexer.segment import segment

if TYPE_CHECKING:
    from indexer.search import Searcher

CURATED_PATH = Path(__file__).parent / "data" / "checks_curated.yaml"

OBLIGATION, PROHIBITION, PERMISSION, RESTRICTION = "obligation", "prohibition", "permission", "restriction"
MODALITY_LABELS = {
    OBLIGATION: "Nghĩa vụ",
    PROHIBITION: "Điều cấm",
    PERMISSION: "Quyền",
    RESTRICTION: "Giới hạn",
}


@dataclass
class Check:
    """One thing to verify, tied to the clause that imposes it (DESIGN.md `Check`)."""

    rule: str  # clause id
    item: str  # the question an inspector answers (generated wording around verbatim clause words)
    subject: str | None  # who must act or refrain, as written
    actor: str | None  # which body checks
    kind: str  # kind of inspection or supervision
    evidence: list[str] = field(default_factory=list)
    deadline: str | None = None  # time limit or periodicity as written
    penalties: list[str] = field(default_factory=list)  # discipline clause ids (indexer/discipline.py)
    provenance: str = "pattern"  # "pattern" | "intro" | "title" | "programme" | "curated"
    confidence: float = 0.5
    modality: str = OBLIGATION
    basis: str = ""  # the verbatim sentence of the clause the check comes from
    note: str = ""  # why (marker found, curated note)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# Markers on folded (lower-case, canonical) text; word boundaries are checked against the segmentation.
_PROHIBITION = re.compile(r"(?<!\w)(không được|nghiêm cấm|cấm)(?!\w)")
_NOT_A_PROHIBITION = re.compile(
    r"những điều (?:đảng viên )?không được làm|không được (?:bầu|bổ nhiệm|xem xét)|vùng cấm"  # "không có vùng cấm"
)
_RESTRICTION = re.compile(r"(?<!\w)(chỉ được)|^(?:\s*[\w.()]{1,5}[.)]\s+)?(chỉ)(?= .* khi )")
_PERMISSION = re.compile(r"(?<!\w)(có quyền|được quyền)(?!\w)")
_OBLIGATION = re.compile(r"(?<!\w)(phải|có trách nhiệm|chịu trách nhiệm|có nhiệm vụ)(?!\w)")
_NOT_AN_OBLIGATION = re.compile(
    r"(?:đến mức|không) phải(?!\w)|phải (?:áp dụng|thi hành) (?:hình thức )?kỷ luật|không phải là|"
    r"xem xét,? tăng nặng|cần thiết phải"
)
_INTRO_DUTY = re.compile(r"có (?:nhiệm vụ|trách nhiệm)\s*:?\s*$")
_INTRO_RIGHT = re.compile(r"có quyền\s*:?\s*$")
_DEFINITION = re.compile(r"^\s*(?:[\w.()]+[.)]\s+)?[^,;:]{2,80}? là (?:việc|thời hạn|công việc|những|các)")
_DISCIPLINE_PROVISION = re.compile(r"thì (?:bị )?kỷ luật bằng hình thức|kỷ luật bằng hình thức")
_DEADLINE = re.compile(
    r"(?<!\w)(?:chậm nhất|trong thời hạn|trong vòng|không quá|trước ngày|hoàn thành trong)\s+[^,;.:()\n]{1,40}"
    r"|(?<!\w)(?:định kỳ|hằng năm|hàng năm|hằng quý|hàng quý|hằng tháng|hàng tháng|mỗi năm|6 tháng một lần)"
    r"(?:\s+\d+\s+tháng)?",
    re.IGNORECASE,
)
_NUMBERING = re.compile(r"^\s*(?:Điều\s+\d+\.?|\d+(?:\.\d+)*\.|[a-zđ]\)|\(\w{1,3}\)|[-+•])\s*", re.IGNORECASE)
_SENTENCE = re.compile(r"(?:[^.;]|\.(?=\S))+(?:[.;]|$)")
_SUBORDINATE = re.compile(r"^(?:khi|trước khi|sau khi|trường hợp|nếu|trong khi)\b[^,]*,\s*", re.IGNORECASE)
# Who can be bound or act: runs of these nouns ("cấp uỷ hoặc uỷ ban kiểm tra") name a subject.
_ACTOR = (r"(?:(?:các |mọi )?(?:đảng viên(?: dự bị| chính thức)?|tổ chức đảng(?: cấp (?:dưới|trên))?|cấp u[ỷỷ]|cấp ủy"
          r"(?: cấp (?:dưới|trên))?|u[ỷỷ] ban kiểm tra|ủy ban kiểm tra|chi bộ|đảng u[ỷỷ]|đảng ủy"
          r"|ban thường vụ(?: cấp ủy)?|ban chấp hành trung ương|bộ chính trị|ban bí thư))")
_ACTOR_RUN = re.compile(rf"{_ACTOR}(?:\s*(?:,|và|hoặc)\s*{_ACTOR})*", re.IGNORECASE)
# Verbs that open a programme task: the words before them name the body in charge.
_TASK_VERBS = {
    "chủ_trì", "căn_cứ", "tham_mưu", "thực_hiện", "quan_tâm", "xây_dựng", "lãnh_đạo", "chỉ_đạo", "tăng_cường",
    "rà_soát", "phối_hợp", "triển_khai", "ban_hành", "đôn_đốc", "theo_dõi", "bảo_đảm", "đảm_bảo", "nâng_cao",
    "chấp_hành", "tập_trung", "tiếp_tục", "thường_xuyên", "tạo", "chủ_động", "định_kỳ",
}  # fmt: skip
_PROGRAMME_TASK_SECTIONS = ("tổ chức thực hiện", "nhiệm vụ", "giải pháp")

EVIDENCE_HINTS: tuple[tuple[str, str], ...] = (
    (r"báo cáo", "Báo cáo gửi cấp trên"),
    (r"chương trình|kế hoạch", "Chương trình, kế hoạch đã ban hành"),
    (r"quyết định", "Quyết định và hồ sơ kèm theo"),
    (r"biểu quyết|phiếu", "Biên bản họp, phiếu biểu quyết"),
    (r"kê khai|tài sản, thu nhập", "Bản kê khai tài sản, thu nhập"),
    (r"đảng phí|tài chính", "Sổ sách, chứng từ tài chính, đảng phí"),
    (r"sinh hoạt|kiểm điểm|tự phê bình", "Biên bản sinh hoạt, bản kiểm điểm"),
    (r"hồ sơ|tài liệu|lưu trữ", "Hồ sơ, tài liệu liên quan"),
    (r"khiếu nại|tố cáo", "Sổ theo dõi, hồ sơ giải quyết khiếu nại, tố cáo"),
)


def _actor_for(subject: str | None, doc: Document) -> str:
    """The body that checks this subject, from the Party's lines of authority (Điều lệ Điều 30–32)."""
    s = fold(subject or "")
    if doc.type == "chuong-trinh":
        return "Ủy ban Kiểm tra Tỉnh ủy (theo dõi, đôn đốc, kiểm tra, giám sát việc thực hiện Chương trình)"
    if "ủy ban kiểm tra" in s:
        return "Ủy ban kiểm tra cấp trên; cấp ủy cùng cấp"
    if "đảng viên" in s and "tổ chức" not in s:
        return "Chi bộ, cấp ủy quản lý đảng viên; ủy ban kiểm tra"
    if any(w in s for w in ("tổ chức đảng", "cấp ủy", "chi bộ", "đảng ủy", "ban thường vụ")):
        return "Cấp ủy, ủy ban kiểm tra cấp trên"
    return "Cấp ủy, ủy ban kiểm tra có thẩm quyền"


def _kind_for(modality: str, text: str, deadline: str | None, doc: Document) -> str:
    """Which kind of inspection or supervision carries the check out."""
    t = fold(text)
    if doc.type == "chuong-trinh":
        return "Giám sát chuyên đề việc thực hiện chương trình"
    if "tài chính" in t or "đảng phí" in t:
        return "Kiểm tra tài chính đảng"
    if modality == PROHIBITION:
        return "Kiểm tra khi có dấu hiệu vi phạm; giám sát thường xuyên"
    if "kiểm tra, giám sát" in t or "thi hành kỷ luật" in t:
        return "Kiểm tra việc thực hiện nhiệm vụ kiểm tra, giám sát và thi hành kỷ luật"
    if deadline:
        return "Giám sát thường xuyên (thời hạn, định kỳ)"
    return "Giám sát thường xuyên"


def _evidence_for(text: str) -> list[str]:
    t = fold(text)
    out = [label for pat, label in EVIDENCE_HINTS if re.search(pat, t)]
    return out or ["Văn bản, hồ sơ thể hiện việc thực hiện"]


def _clip(s: str, words: int = 28) -> str:
    """The first `words` words of a verbatim slice, "…" when cut; whitespace runs (line wraps) become spaces."""
    parts = s.split()
    out = " ".join(parts[:words])
    return out + ("…" if len(parts) > words else "")


def _strip_end(s: str) -> str:
    return s.strip().rstrip(".;:,").strip()


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    return tuple(segment(text))


def _is_word(sentence: str, marker: str) -> bool:
    """The marker is a word of its own in the segmentation ("phải" yes; "phải_chăng" no)."""
    toks = _words(sentence)
    m = marker.replace(" ", "_")
    if m in toks:
        return True
    parts = marker.split()
    return any(list(toks[i:i + len(parts)]) == parts for i in range(len(toks)))


def _actor_run(s: str) -> str | None:
    m = _ACTOR_RUN.search(s)
    return _strip_end(m.group(0)) if m else None


def _subject_before(sentence: str, start: int) -> str | None:
    """Who the sentence binds: its words before the marker, without numbering or a leading subordinate clause."""
    head = " ".join(_NUMBERING.sub("", sentence[:start]).split())
    if ";" in head:
        head = head.rsplit(";", 1)[1].strip()
    sub = _SUBORDINATE.match(head)
    if sub:
        rest = head[sub.end():]
        if _ACTOR_RUN.match(rest):
            head = rest
        else:
            return _actor_run(head[:sub.end()])
    if " thì " in head:
        before, after = head.split(" thì ", 1)
        head = after if _ACTOR_RUN.match(after) else before
    head = _strip_end(head)
    if not head:
        return None
    if len(head.split()) > 20 or fold(head).startswith(("trường hợp", "nếu", "khi")):
        return _actor_run(head)
    return head


def _programme_subject(text: str) -> str | None:
    """The body named before the first task verb of a programme item ("4. Ban Tuyên giáo Tỉnh ủy chủ trì …")."""
    body = _NUMBERING.sub("", text).strip()
    toks = _words(body.split(";")[0][:300])
    n = 0
    for t in toks:
        if t in _TASK_VERBS:
            break
        n += len(t.split("_"))
    else:
        return None
    if n == 0 or n > 14:
        return None
    sylls = re.findall(r"[^\W_]+", body)
    if n > len(sylls):
        return None
    m = re.match(rf"(?:\W*[^\W_]+){{{n}}}", body)
    return _strip_end(m.group(0)) if m else None


def _ancestor_intro(clause: Clause, clauses: dict[str, Clause]) -> tuple[str | None, str | None]:
    """(modality, subject) inherited from the nearest intro like "Đảng viên có nhiệm vụ :" or "Ban Tổ chức Tỉnh ủy:"."""
    pid = clause.parent
    while pid and pid in clauses:
        p = clauses[pid]
        intro = " ".join(_NUMBERING.sub("", p.intro).split())
        fi = fold(intro)
        if _INTRO_DUTY.search(fi):
            return OBLIGATION, _strip_end(re.split(r"\s+có\s+(?:nhiệm vụ|trách nhiệm)", intro)[0])
        if _INTRO_RIGHT.search(fi):
            return PERMISSION, _strip_end(re.split(r"\s+có\s+quyền", intro)[0])
        if intro.endswith(":") and 1 <= len(intro.split()) <= 8:
            return OBLIGATION, _strip_end(intro)
        pid = p.parent
    return None, None


def _in_programme_tasks(clause: Clause, clauses: dict[str, Clause]) -> bool:
    cid = clause.id
    while cid:
        c = clauses.get(cid)
        if c is None:
            return False
        if c.level == "section" and any(w in fold(c.title or "") for w in _PROGRAMME_TASK_SECTIONS):
            return True
        cid = c.parent or ""
    return False


def _question(modality: str, subject: str | None, action: str) -> str:
    """The inspector's question: generated frame, verbatim clause words inside «»."""
    who = subject or "Tổ chức đảng, đảng viên có liên quan"
    who = who[:1].upper() + who[1:]
    action = _clip(_strip_end(action))
    if modality == PROHIBITION:
        return f"{who} có vi phạm điều không được làm: «{action}» không?"
    if modality == PERMISSION:
        return f"{who} có được bảo đảm quyền: «{action}» không?"
    if modality == RESTRICTION:
        return f"Việc thực hiện có đúng giới hạn: «{action}» không?"
    return f"{who} đã thực hiện «{action}» chưa?"


def extract_checks(clause: Clause, doc: Document, clauses: dict[str, Clause]) -> list[Check]:
    """Checks the clause's own words imply, one per modality; none for definitions, penalty lists, news."""
    if not doc.normative or clause.level in ("document", "preamble", "signature", "chapter", "part"):
        return []
    # crawled texts wrap lines mid-sentence; the unit's own number ("3.", "Điều 1.") is not a sentence
    text = _NUMBERING.sub("", " ".join(clause_own_text(clause).split()))
    if len(text.split()) < 4:
        return []
    ftext = fold(text)
    if _DISCIPLINE_PROVISION.search(ftext) or _DEFINITION.match(ftext):
        return []
    deadlines = [" ".join(m.group(0).split()) for m in _DEADLINE.finditer(text)]
    deadline = "; ".join(dict.fromkeys(deadlines)) or None
    found: dict[str, Check] = {}

    def add(modality: str, subject: str | None, action: str, basis: str, provenance: str, conf: float,
            note: str) -> None:
        if modality in found:
            return
        subject = subject or None
        found[modality] = Check(
            rule=clause.id,
            item=_question(modality, subject, action),
            subject=subject,
            actor=_actor_for(subject, doc),
            kind=_kind_for(modality, text, deadline, doc),
            evidence=_evidence_for(text),
            deadline=deadline,
            provenance=provenance,
            confidence=round(min(conf + (0.1 if subject else 0.0), 0.95), 2),
            modality=modality,
            basis=" ".join(basis.split()),
            note=note,
        )

    inherited, inherited_subject = _ancestor_intro(clause, clauses)
    for sm in _SENTENCE.finditer(text):
        sent = sm.group(0)
        fs = fold(sent)
        for modality, rx in ((PROHIBITION, _PROHIBITION), (RESTRICTION, _RESTRICTION), (PERMISSION, _PERMISSION),
                             (OBLIGATION, _OBLIGATION)):
            m = rx.search(fs)
            if not m:
                continue
            g = 1 if m.group(1) else 2
            marker = m.group(g)
            if modality == PROHIBITION and _NOT_A_PROHIBITION.search(fs):
                continue
            if modality == OBLIGATION and _NOT_AN_OBLIGATION.search(fs[max(0, m.start(g) - 10):m.end(g) + 25]):
                continue
            if not _is_word(fs, marker):
                continue
            subject = (_subject_before(sent, m.start(g)) or _actor_run(text[:sm.start()]) or inherited_subject
                       if modality != RESTRICTION else None)
            action = sent[m.end(g):] if modality != RESTRICTION else _NUMBERING.sub("", sent)
            add(modality, subject, action, sent, "pattern", 0.75, f"từ đánh dấu «{marker}» trong điều khoản")
            break
    if found:
        return list(found.values())

    first = next((s.group(0) for s in _SENTENCE.finditer(text) if s.group(0).strip()), text)
    body = _NUMBERING.sub("", first)
    if inherited:
        add(inherited, inherited_subject, body, first, "intro", 0.65, "kế thừa từ phần dẫn của điều (nhiệm vụ/quyền)")
    elif "không được làm" in fold(doc.title) and clause.level == "article":
        add(PROHIBITION, "Đảng viên", body, first, "title", 0.6,
            "điều thuộc văn bản quy định những điều đảng viên không được làm")
    elif doc.type == "chuong-trinh" and _in_programme_tasks(clause, clauses) and clause.is_leaf:
        subject = _programme_subject(text)
        if subject:
            add(OBLIGATION, subject, body[len(subject):] if body.startswith(subject) else body, first, "programme",
                0.6, "nhiệm vụ giao trong chương trình hành động")
    return list(found.values())


# ---- curated layer --------------------------------------------------------------------------------------------


@dataclass
class CuratedEntry:
    """A person's decision on a rule's checks: add a check, correct fields of extracted ones, or reject them."""

    rule: str
    action: str  # "add" | "correct" | "reject"
    modality: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    note: str = ""


def load_curated(path: Path | None = None) -> list[CuratedEntry]:
    """Read the reviewed YAML file; a missing file means no curation."""
    p = path or CURATED_PATH
    if not p.exists():
        return []
    raw = yaml.safe_load(p.read_text(encoding="utf-8")) or []
    out: list[CuratedEntry] = []
    for e in raw.get("checks", []) if isinstance(raw, dict) else raw:
        known = {"rule", "action", "modality", "note"}
        out.append(CuratedEntry(rule=e["rule"], action=e.get("action", "add"), modality=e.get("modality"),
                                fields={k: v for k, v in e.items() if k not in known}, note=e.get("note", "")))
    return out


def apply_curation(checks: list[Check], curated: list[CuratedEntry], rule: str) -> list[Check]:
    """Curated entries win over extracted checks of the same rule, and say so."""
    out = list(checks)
    for e in (e for e in curated if e.rule == rule):
        hit = [c for c in out if e.modality in (None, c.modality)]
        if e.action == "reject":
            out = [c for c in out if c not in hit]
        elif e.action == "correct":
            for c in hit:
                for k, v in e.fields.items():
                    setattr(c, k, v)
                c.provenance, c.confidence = "curated", 1.0
                c.note = f"đã được người duyệt sửa: {e.note}".strip(": ")
        elif e.action == "add":
            f = dict(e.fields)
            out.append(Check(rule=rule, item=f.pop("item", ""), subject=f.pop("subject", None),
                             actor=f.pop("actor", None), kind=f.pop("kind", "Giám sát thường xuyên"),
                             provenance="curated", confidence=1.0, modality=e.modality or OBLIGATION,
                             note=f"do người duyệt thêm: {e.note}".strip(": "), **f))
    return out


# ---- whole corpus ---------------------------------------------------------------------------------------------


def checks_for(clause_id: str, searcher: Searcher, curated: list[CuratedEntry] | None = None,
               with_discipline: bool = False) -> list[Check]:
    """Checks of one clause and of the units inside it, curation applied; discipline links on request."""
    curated = load_curated() if curated is None else curated
    root = searcher.clauses[clause_id]
    todo, out = [root], []
    while todo:
        c = todo.pop(0)
        doc = searcher.documents[c.doc_id]
        out.extend(apply_curation(extract_checks(c, doc, searcher.clauses), curated, c.id))
        todo.extend(searcher.clauses[x] for x in c.children if x in searcher.clauses)
    if with_discipline and out:
        from indexer.discipline import discipline_for

        rd = discipline_for(clause_id, searcher)
        ids = [x.clause for x in (rd.links or rd.general)]
        for ch in out:
            ch.penalties = ids
    return out


def all_checks(documents: dict[str, Document], clauses: dict[str, Clause],
               curated: list[CuratedEntry] | None = None) -> list[Check]:
    """Every check of the corpus (no discipline links: those need the search index)."""
    curated = load_curated() if curated is None else curated
    out: list[Check] = []
    for c in clauses.values():
        out.extend(apply_curation(extract_checks(c, documents[c.doc_id], clauses), curated, c.id))
    return out
