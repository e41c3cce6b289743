"""Rule → checks: what an inspector verifies for a normative clause, derived from the text's deontic markers.

A `Check` (DESIGN.md "Data model") is generated wording around verbatim clause content: the question quotes the
clause's own words after the marker ("phải", "không được", "có quyền" …) and points back to the clause, so no
regulation text is ever typed or paraphrased. Extraction is a transparent pattern layer (markers found as words
of the underthesea segmentation, duties inherited from an intro such as "Đảng viên có nhiệm vụ :", prohibitions
from a document titled "… những điều đảng viên không được làm", tasks of a programme's "Tổ chức thực hiện"); a
curated YAML layer (`indexer/rules/data/checks_curated.yaml`) lets a person add, correct or reject checks and wins.

Duties are also stated without a deontic word, and count (issue 13): a body and a recurring act or a convening duty
("Chi bộ cơ sở họp thường lệ mỗi tháng một lần", "do … triệu tập"), any named body and an act bound to a time or
under a heading of duties ("Trong 03 ngày làm việc …, giám đốc Trung tâm tổ chức kiểm tra", "Điều 18. Trách nhiệm
của …"), a deadline ("Thời hạn nộp hồ sơ … tối đa là 1 năm"), the items of an article on forbidden acts or a bare
«Không …» rule, and a clause titled "Quyền hạn của …". Who is bound is taken from the sentence, never from another
clause's body; definitions, scope, intros and discretion ("có thể", "khi cần") bind no one. Measured on a second
gold set labelled blind (eval/checks_gold_2.yaml; `python -m eval.checks_eval --gold …`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from indexer.corpus.models import Clause, Document
from indexer.rules.refs import clause_own_text
from indexer.text.normalize import fold
from indexer.text.segment import segment

if TYPE_CHECKING:
    from indexer.search.searcher import Searcher

CURATED_PATH = Path(__file__).parent / "data" / "checks_curated.yaml"

OBLIGATION, PROHIBITION, PERMISSION, RESTRICTION = "obligation", "prohibition", "permission", "restriction"
MODALITY_LABELS = {
    OBLIGATION: "Nghĩa vụ",
    PROHIBITION: "Điều cấm",
    PERMISSION: "Quyền",
    RESTRICTION: "Giới hạn",
}
# How a check was found, as a reader sees it (`Check.provenance` keeps the code).
SOURCE_LABELS = {
    "pattern": "theo từ ngữ của điều khoản",
    "declarative": "theo quy phạm nêu dưới dạng khẳng định",
    "intro": "theo phần dẫn của điều",
    "title": "theo tên văn bản",
    "programme": "theo nhiệm vụ giao trong chương trình",
    "curated": "do người rà soát",
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
    penalties: list[str] = field(default_factory=list)  # discipline clause ids (indexer/rules/discipline.py)
    provenance: str = "pattern"  # "pattern" | "declarative" | "intro" | "title" | "programme" | "curated"
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
    r"xem xét,? tăng nặng|cần thiết phải|(?:trường hợp|nếu|khi) phải(?!\w)"  # "trường hợp phải gia hạn": a condition
    # "báo cáo với các cơ quan có trách nhiệm và …": an attribute of a noun, not a duty
    r"|có (?:trách nhiệm|nhiệm vụ)(?=\s*(?:,|;|\.|\)|và |hoặc |trong |với |theo |liên quan|thì |$))"
)
_INTRO_DUTY = re.compile(r"(?:có|chịu) (?:nhiệm vụ|trách nhiệm)\s*:?\s*$")
_INTRO_RIGHT = re.compile(r"có quyền\s*:?\s*$")
_DEFINITION = re.compile(r"^\s*(?:[\w.()]+[.)]\s+)?[^,;:]{2,80}? là (?:việc|thời hạn|công việc|những|các)")
_DISCIPLINE_PROVISION = re.compile(r"thì (?:bị )?kỷ luật bằng hình thức|kỷ luật bằng hình thức")
_DEADLINE = re.compile(
    r"(?<!\w)(?:chậm nhất|trong thời hạn|trong vòng|không quá|hoàn thành trong)\s+[^,;.:()\n]{1,40}"
    r"|(?<!\w)trước ngày \d[^,;.:()\n]{0,30}"
    r"|(?<!\w)ít nhất \d+ (?:ngày|tháng|năm|giờ)(?: làm việc)?|(?<!\w)cho đến hết thời hạn"
    r"|(?<!\w)(?:tháng \d+ )?(?:định kỳ )?(?:hằng năm|hàng năm|hằng quý|hàng quý|hằng tháng|hàng tháng)"
    r"|(?<!\w)(?:định kỳ|mỗi năm|6 tháng một lần)"
    r"(?:\s+\d+\s+tháng)?",
    re.IGNORECASE,
)
_NUMBERING = re.compile(r"^\s*(?:Điều\s+\d+\.?|\d+(?:\.\d+)*\.|[a-zđ]\)|\(\w{1,3}\)|[-+•])\s*", re.IGNORECASE)
_SENTENCE = re.compile(r"(?:[^.;]|\.(?=\S))+(?:[.;]|$)")
_SUBORDINATE = re.compile(r"^(?:khi|trước khi|sau khi|trường hợp|nếu|trong khi)\b[^,]*,\s*", re.IGNORECASE)
# Who can be bound or act: runs of these nouns ("cấp uỷ hoặc uỷ ban kiểm tra") name a subject.
_ACTOR = (r"(?:(?:các |mọi )?(?:đảng viên(?: dự bị| chính thức)?|tổ chức đảng(?: cấp (?:dưới|trên))?|cấp u[ỷỷ]|cấp ủy"
          r"(?: cấp (?:dưới|trên))?|u[ỷỷ] ban kiểm tra|ủy ban kiểm tra|chi bộ|đảng u[ỷỷ]|đảng ủy"
          r"|ban thường vụ(?: cấp ủy)?|ban chấp hành trung ương|bộ chính trị|ban bí thư|đảng đoàn|ban cán sự đảng))")
_ACTOR_RUN = re.compile(rf"{_ACTOR}(?:\s*(?:,|và|hoặc)\s*{_ACTOR})*", re.IGNORECASE)
# A body named as the object of a sentence ("… đối với công dân là đảng viên, cấp ủy viên") is not who it binds.
_OBJECT_BEFORE = re.compile(r"(?:đối với|là|của|cho|với|đến|và|của các|cho các)\s*$", re.IGNORECASE)
_PERSON_AFTER = re.compile(r"^\s*viên(?!\w)")  # "cấp ủy viên", "ủy viên": a person, not the body

# Nouns that open the name of a body or an office outside the Party's own bodies (who a long head names first).
_TITLE_NOUN = re.compile(
    r"(?:các )?(?:thủ trưởng|người đứng đầu|cơ quan|ban|văn phòng|trung tâm|giám đốc|chủ tịch|bí thư|hội đồng"
    r"|tổ chức nhà nước|mặt trận|ủy ban|uỷ ban|viện|vụ|cục|tòa án|toà án|đoàn|giảng viên|học viên|cán bộ"
    r"|công chức)(?!\w)")
_THINGS = ("việc ", "nghị quyết", "quyết định", "hồ sơ", "văn bản", "kết quả")  # a passive's subject, not an agent
_ADVERBIAL = re.compile(r"(?:trong|sau|trước|kể từ|chậm nhất|đối với|căn cứ|theo|để|tại)(?!\w)")
_PASSIVE_AGENT = re.compile(rf"^\s*được\s+({_ACTOR}(?:\s*(?:,|và|hoặc)\s*{_ACTOR})*)", re.IGNORECASE)

# Declarative obligations: no deontic marker, but a Party body and a recurring act or a convening duty
# ("Chi bộ cơ sở họp thường lệ mỗi tháng một lần", "Đại hội chi bộ do chi uỷ triệu tập năm năm hai lần",
# "Hằng năm, cấp uỷ nghe báo cáo …"). Who is bound is the body the sentence opens with, or the one after "do".
_BODY = (r"(?:(?:các )?(?:tổ chức cơ sở đảng|tổ chức đảng|cấp u[ỷỷ]|cấp ủy|u[ỷỷ] ban kiểm tra|ủy ban kiểm tra|chi bộ"
         r"|chi u[ỷỷ]|chi ủy|đảng u[ỷỷ]|đảng ủy|đảng bộ|đảng đoàn|ban cán sự đảng|ban thường vụ(?: cấp u[ỷỷ]| cấp ủy)?"
         r"|ban chấp hành trung ương|bộ chính trị|ban bí thư)"
         r"(?:\s+(?:cơ sở|cấp (?:trên(?: trực tiếp)?|dưới|cơ sở|tỉnh|huyện|xã)|cùng cấp|trực thuộc))?)")
_BODY_RUN = re.compile(rf"{_BODY}(?:\s*(?:,|và|hoặc)\s*{_BODY})*(?!\s*viên)", re.IGNORECASE)
_RECURRING = re.compile(
    r"(?<!\w)(?:thường lệ|định kỳ|hằng (?:năm|quý|tháng|tuần)|hàng (?:năm|quý|tháng|tuần)"
    r"|mỗi (?:năm|quý|tháng|tuần|nhiệm kỳ)(?: \S+)? (?:một|hai|ba|\d+) lần"
    r"|(?:một|hai|ba|bốn|năm|sáu|\d+) (?:năm|tháng|quý) (?:một|hai|ba|\d+) lần)(?!\w)"
)
_PERIOD = re.compile(
    r"(?<!\w)(?:thường lệ\s+)?(?:mỗi (?:năm|quý|tháng|tuần|nhiệm kỳ)(?: \S+)? (?:một|hai|ba|\d+) lần"
    r"|(?:một|hai|ba|bốn|năm|sáu|\d+) (?:năm|tháng|quý) (?:một|hai|ba|\d+) lần)(?!\w)", re.IGNORECASE)
_CONVENED_BY = re.compile(rf"(?<!\w)do ({_BODY}(?:\s*(?:,|và|hoặc)\s*{_BODY})*) triệu tập(?!\w)", re.IGNORECASE)
_LEAD_PERIOD = re.compile(r"^(?:định kỳ\s+)?(?:hằng|hàng) (?:năm|quý|tháng|tuần)\s*,\s*", re.IGNORECASE)
_NOT_DECLARATIVE = re.compile(r"^(?:khi|nếu|trường hợp|trong trường hợp|trước khi|sau khi)(?!\w)|(?<!\w)có thể(?!\w)")

# Declarative duties of any named body (not only the Party's): "Trong 03 ngày làm việc …, giám đốc Trung tâm tổ chức
# kiểm tra", "Hằng năm, Trung tâm tổ chức lấy ý kiến …", "chủ quản dữ liệu … thông báo … chậm nhất 1 ngày",
# "Thời hạn nộp hồ sơ … tối đa là 1 năm". They bind when the sentence gives the act a time (a period, a deadline, an
# event it must follow or precede) or when the unit sits under a heading of duties ("Trách nhiệm của …", "Tổ chức
# thực hiện"); discretion ("có thể", "khi cần", "xét thấy cần") and competence ("quyết định", "bầu", "do … bầu") bind
# no one.
_DISCRETION = re.compile(r"(?<!\w)(?:có thể|khi cần|nếu cần|xét thấy cần|được quyền|có quyền|tùy theo|tuỳ theo)(?!\w)")
_TIME_LEAD = re.compile(
    r"^(?:(?:định kỳ\s+)?(?:hằng|hàng) (?:năm|quý|tháng|tuần)|tháng \d+ (?:hằng|hàng) năm|định kỳ"
    r"|trong (?:thời hạn |vòng |thời gian )?(?:\d+|một|hai|ba|bốn|năm|sáu|bảy|mười)[^,()]{0,100}"
    r"|trong ngày[^,()]{0,100}|chậm nhất[^,()]{0,60}|kể từ[^,()]{0,60}|khi hết[^,()]{0,60}|ngay sau khi[^,()]{0,60}"
    r"|trước khi[^,()]{0,80}|sau khi[^,()]{0,80})\s*(?:\([^)]*\))?\s*,\s*", re.IGNORECASE)
_COND_LEAD = re.compile(r"^(?:trong trường hợp|trường hợp|khi|nếu)(?!\w)[^,]{0,120},\s*", re.IGNORECASE)
_TIMED = re.compile(
    r"(?<!\w)(?:chậm nhất|trong thời hạn|trong vòng|trong thời gian|không quá \d|trước ngày|hoàn thành trong"
    r"|định kỳ|thường lệ|(?:hằng|hàng) (?:năm|quý|tháng|tuần)|mỗi (?:năm|quý|tháng|tuần)|cho đến hết"
    r"|ngay sau khi|khi hết|ít nhất \d+ (?:ngày|tháng|năm))(?!\w)", re.IGNORECASE)
_DEADLINE_IS = re.compile(
    r"^thời hạn(?!\w)[^.;]{0,120}?(?<!\w)((?:là|không quá|tối đa)\s+(?:tối đa\s+)?(?:là\s+)?"
    r"(?:\d+|một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười)\s+(?:ngày|tháng|năm|giờ|tuần))", re.IGNORECASE)
_DUTY_HEADING = re.compile(r"(?<!\w)(?:trách nhiệm|nhiệm vụ|tổ chức thực hiện)(?!\w)")
_NO_CHECK_HEADING = re.compile(r"(?<!\w)(?:giải thích từ ngữ|phạm vi điều chỉnh|đối tượng áp dụng)(?!\w)")
_FORBIDDEN_HEADING = re.compile(r"(?<!\w)(?:hành vi bị nghiêm cấm|hành vi nghiêm cấm|những việc không được làm"
                                r"|hành vi bị cấm)(?!\w)")
_OWN_TITLE = re.compile(r"^(quyền hạn|quyền lợi|quyền|nhiệm vụ|trách nhiệm) của (.{2,60})$", re.IGNORECASE)
# Nouns that open the name of whoever a declarative sentence binds (a Party body, an office, a person by role).
_AGENT_NOUN = re.compile(
    r"(?:các |mọi )?(?:tổ chức|cấp u[ỷỷ]|cấp ủy|u[ỷỷ] ban|ủy ban|chi bộ|chi u[ỷỷ]|chi ủy|đảng u[ỷỷ]|đảng ủy|đảng bộ"
    r"|đảng đoàn|ban|bộ chính trị|thường trực|thủ trưởng|người đứng đầu|người được giao|cơ quan|văn phòng|trung tâm"
    r"|giám đốc|chủ tịch|bí thư|hội đồng|đại diện|lưu trữ lịch sử|chủ quản dữ liệu|chủ sở hữu dữ liệu|giảng viên"
    r"|giáo vụ|chủ nhiệm)(?!\w)", re.IGNORECASE)
# Acts a body is bound to (first word after its name); competence and election ("quyết định", "bầu", "chỉ định")
# are not among them.
_DUTY_VERBS = {
    "tổ_chức", "thực_hiện", "triệu_tập", "họp", "nộp", "gửi", "thông_báo", "báo_cáo", "kiểm_tra", "giám_sát",
    "lập", "lưu_trữ", "chủ_trì", "phối_hợp", "xây_dựng", "ban_hành", "hướng_dẫn", "chỉ_đạo", "theo_dõi",
    "rà_soát", "bảo_đảm", "đảm_bảo", "cập_nhật", "nghe", "tiếp_nhận", "cấp", "công_bố", "nhận", "điều_hành",
    "tiếp_tục", "trình", "xét", "giới_thiệu", "xem_xét", "giải_quyết", "chuẩn_bị", "tham_mưu", "đôn_đốc",
    "triển_khai", "lãnh_đạo", "tập_hợp", "bàn_giao", "thu", "xử_lý", "đối_chiếu", "chịu", "căn_cứ",
}  # fmt: skip
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
    """The marker is a run of whole words in the segmentation: "phải" yes, "phải_chăng" no; "có trách nhiệm" also
    when the segmenter joins only part of it ("có", "trách_nhiệm")."""
    toks = _words(sentence)
    parts = marker.split()
    for i in range(len(toks)):
        run: list[str] = []
        for t in toks[i:]:
            run.extend(t.split("_"))
            if len(run) >= len(parts):
                break
        if run == parts:
            return True
    return False


def _actor_run(s: str) -> str | None:
    """The first run of Party bodies the text names as an actor: not one named as an object ("đối với … đảng viên")
    nor a person's title ("cấp ủy viên")."""
    for m in _ACTOR_RUN.finditer(s):
        if _OBJECT_BEFORE.search(s[:m.start()]) or _PERSON_AFTER.match(s[m.end():]):
            continue
        return _strip_end(m.group(0))
    return None


_PHRASE_STOP = re.compile(r"\s+(?:có thẩm quyền|đối với|khi|trong|được|đã|thuộc)(?!\w)|,")


def _leading_phrase(head: str) -> str | None:
    """The noun phrase a long sentence head opens with ("Thủ trưởng của cơ quan pháp luật có thẩm quyền …" ->
    "Thủ trưởng của cơ quan pháp luật"; a list of bodies "cơ quan, tổ chức đảng, Mặt trận Tổ quốc Việt Nam" kept
    whole), when it is short enough to be a subject."""
    if not _TITLE_NOUN.match(fold(head)):
        return None  # only a body or an office opens a subject ("Thủ trưởng", "Cơ quan", "Ban …"), not an adverbial
    parts: list[str] = []
    rest = head
    while True:
        m = _PHRASE_STOP.search(rest)
        parts.append(rest[:m.start()] if m else rest)
        if not m or m.group(0) != ",":
            break
        nxt = rest[m.end():].lstrip()
        fn = fold(nxt)
        if not (_TITLE_NOUN.match(fn) or _ACTOR_RUN.match(nxt) or fn.startswith(("tổ chức", "mặt trận"))):
            break  # "cơ quan, tổ chức đảng, Mặt trận …": the list of bodies goes on
        rest = nxt
    words = ", ".join(x.strip() for x in parts).split()
    return " ".join(words) if 1 <= len(words) <= (8 if len(parts) == 1 else 18) else None


def _in_leading_condition(fs: str, pos: int) -> bool:
    """The marker at `pos` sits inside the condition the sentence opens with ("Trong trường hợp bất khả kháng phải
    tạm ngừng …, chủ quản dữ liệu … phải thông báo"): no comma closes the condition before it."""
    head = _NUMBERING.sub("", fs[:pos]).strip()
    return bool(re.match(r"(?:trong trường hợp|trường hợp|nếu|khi)(?!\w)", head)) and "," not in head


def _subject_before(sentence: str, start: int) -> str | None:
    """Who the sentence binds: its words before the marker, without numbering or a leading subordinate clause."""
    head = " ".join(_NUMBERING.sub("", sentence[:start]).split())
    if ";" in head:
        head = head.rsplit(";", 1)[1].strip()
    lead = _TIME_LEAD.match(head)
    rest = head[lead.end():].strip() if lead else ""
    if rest and not re.match(r"(?:trước khi|sau khi|ngay sau khi|khi hết|kể từ)(?!\w)", fold(head)) and (
            _ACTOR_RUN.match(rest) or _AGENT_NOUN.match(fold(rest))):
        head = rest  # "Trong thời hạn 5 năm, cơ quan, tổ chức … có trách nhiệm": a period, not who is bound
    sub = _SUBORDINATE.match(head) or re.match(r"trong trường hợp(?!\w)[^,]*,\s*", head, re.IGNORECASE)
    if sub:
        rest = head[sub.end():]
        last = head.rsplit(",", 1)[1].strip() if "," in rest else ""
        if _ACTOR_RUN.match(rest):
            head = rest
        elif last and (_ACTOR_RUN.match(last) or _AGENT_NOUN.match(fold(last))):
            head = last  # "Trong trường hợp tạm ngừng …, theo Điểm a, Khoản 1 …, chủ quản dữ liệu … phải"
        else:
            return _actor_run(head[:sub.end()])
    elif re.match(r"(?:trong khi|trước khi|sau khi|khi)(?!\w)", fold(head)):  # no comma closes the time clause:
        m = _ACTOR_RUN.search(head)  # "Trong khi chờ giải quyết khiếu nại tổ chức đảng và đảng viên bị kỷ luật"
        if m and not _OBJECT_BEFORE.search(head[:m.start()]):
            head = head[m.start():]
    if " thì " in head + " ":  # also a head ending in "thì" ("… được uỷ quyền … kết nạp đảng viên thì")
        before, after = (head + " ").split(" thì ", 1)
        after = after.strip()
        head = after if _ACTOR_RUN.match(after) or _AGENT_NOUN.match(fold(after)) else before
    head = _strip_end(head)
    if not head:
        return None
    agent = re.search(r"(?<!\w)do\s+(.{2,60})$", head)
    if agent and (_ACTOR_RUN.match(agent.group(1)) or _AGENT_NOUN.match(fold(agent.group(1)))):
        return agent.group(1)  # "Kinh phí cấp lại giấy chứng nhận do Trung tâm chịu trách nhiệm"
    if re.search(r"\s(?:và|hoặc)$", head):  # "Đảng đoàn làm việc theo chế độ tập thể và chịu trách nhiệm …"
        m = _ACTOR_RUN.match(head)
        return _strip_end(m.group(0)) if m else _leading_phrase(head)
    if fold(head).startswith(("trường hợp", "nếu", "khi")):
        return _actor_run(head)
    if len(head.split()) > 20:  # a long head: its opening body or noun phrase, never a body named inside it …
        m = _ACTOR_RUN.match(head)
        if m and not _PERSON_AFTER.match(head[m.end():]):
            return _strip_end(m.group(0))
        if _ADVERBIAL.match(fold(head)):  # … unless an adverbial opens it ("Trong thời hạn 5 năm …, cơ quan …")
            return _actor_run(head)
        return _leading_phrase(head)
    return head


def _opening_actor(before: str) -> str | None:
    """Who the clause's earlier sentences bind, when one of them opens with a Party body (nearest first); a body
    mentioned inside an earlier sentence (an object, another body's role) is not taken."""
    for sm in reversed(list(_SENTENCE.finditer(before))):
        sent = _NUMBERING.sub("", sm.group(0).strip())
        sub = _SUBORDINATE.match(sent)  # "Khi nhận khiếu nại kỷ luật, cấp uỷ hoặc uỷ ban kiểm tra thông báo …"
        sent = sent[sub.end():] if sub else sent
        m = _ACTOR_RUN.match(sent)
        if m and not _PERSON_AFTER.match(sent[m.end():]):
            return _strip_end(m.group(0))
    return None


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
            return OBLIGATION, _strip_end(re.split(r"\s+(?:có|chịu)\s+(?:nhiệm vụ|trách nhiệm)", intro)[0])
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


def _declared_subject(sent: str) -> tuple[str | None, str]:
    """(who is bound, what it says) for a declarative sentence: the body after "do … triệu tập", else the body the
    sentence opens with (after a leading "Hằng năm,"); None when neither names a Party body."""
    fs = fold(sent)
    same = len(fs) == len(sent)  # folding keeps offsets here, so spans found on the folded text slice the original
    m = _CONVENED_BY.search(fs)
    if m:
        return (sent[m.start(1):m.end(1)] if same else m.group(1)), "triệu tập"
    if not _RECURRING.search(fs):
        return None, ""
    lead = _LEAD_PERIOD.match(fs)
    start = lead.end() if lead else 0
    m = _BODY_RUN.match(fs, start)
    if not m:
        return None, ""
    return (sent[m.start():m.end()] if same else m.group(0)), "định kỳ"


def _headings(clause: Clause) -> list[str]:
    """The folded headings the unit sits under (chapter, section, article titles), innermost last."""
    return [fold(h) for h in clause.heading if h]


def _article_heading(clause: Clause) -> str:
    heads = [h for h in _headings(clause) if h.startswith("điều ") or re.match(r"^[ivxl]+\s*[-.]", h)]
    return heads[-1] if heads else ""


def _agent_and_act(sent: str) -> tuple[str | None, str]:
    """(who, the act) when a sentence opens with a body's name followed by one of the acts a body is bound to; None
    when the opening words name no body or no such act follows within 16 syllables."""
    if not _AGENT_NOUN.match(fold(sent)):
        return None, ""
    toks = _words(sent[:400])
    n = 0
    for i, t in enumerate(toks):
        if t in _DUTY_VERBS and i > 0:
            break
        if t in ("là", "gồm", "do", "được", "bị", "có", "không", "phải", "quyết_định", "bầu", "chỉ_định"):
            if not (t == "có" and i + 1 < len(toks) and toks[i + 1] == "văn_bản"):  # "Trung tâm có văn bản báo cáo"
                return None, ""
            break
        n += len(t.split("_"))
        if n > 16:
            return None, ""
    else:
        return None, ""
    m = re.match(rf"(?:\W*[^\W_]+){{{n}}}", sent)
    if not m:
        return None, ""
    return _strip_end(m.group(0)), sent[m.end():].strip()


def _general_declarative(clause: Clause, text: str, deadline: str | None, doc: Document,
                         clauses: dict[str, Clause]) -> list[Check]:
    """Duties stated without a deontic marker by any named body: a body and an act bound to a time, or under a
    heading of duties; and deadlines stated as «Thời hạn … là N ngày» (who must keep them: the sentence names none).
    An item of a list its parent introduces ("… thực hiện các nhiệm vụ: a) Tổ chức quản lý …") opens with its act,
    not with who is bound: it is left to the intro."""
    parent = clauses.get(clause.parent or "")
    if parent is not None and " ".join((parent.intro or "").split()).endswith(":"):
        return []
    duty_context = any(_DUTY_HEADING.search(h) for h in _headings(clause)[-2:])
    return _general_sentences(clause, text, deadline, doc, duty_context)


def _general_sentences(clause: Clause, text: str, deadline: str | None, doc: Document,
                       duty_context: bool) -> list[Check]:
    out: list[Check] = []
    for sm in re.finditer(r"(?:[^.]|\.(?=\S))+(?:\.|$)", text):
        sent = _NUMBERING.sub("", sm.group(0).strip())
        fs = fold(sent)
        if len(sent.split()) < 4 or _DISCRETION.search(fs):
            continue
        if _DEADLINE_IS.match(fs):
            d = _DEADLINE_IS.match(sent)
            own = re.sub(r"^là\s+", "", sent[d.start(1):d.end()].strip()) if d else None
            out.append(_declared_check(clause, doc, None, sent, own or deadline, "thời hạn nêu dưới dạng khẳng định"))
            break
        body = sent
        timed = bool(_TIMED.search(fs))
        for lead in (_TIME_LEAD, _COND_LEAD):
            while True:
                m = lead.match(body)
                if not m:
                    break
                timed = timed or lead is _TIME_LEAD
                body = body[m.end():]
        who, act = _agent_and_act(body)
        if not who and " thì " in body:  # "Tài liệu … trước ngày … thì lưu trữ lịch sử của Đảng tiếp tục lưu trữ …"
            who, act = _agent_and_act(body.split(" thì ", 1)[1])
        if not who or not (timed or duty_context):
            continue
        period = _PERIOD.search(sent)
        own = (" ".join(period.group(0).split()) if period else None) or "; ".join(
            dict.fromkeys(" ".join(m.group(0).split()) for m in _DEADLINE.finditer(sent))) or None
        if not own and timed:
            t = _TIME_LEAD.match(sent) or _TIMED.search(sent)
            own = _strip_end(t.group(0)) if t else None
        out.append(_declared_check(clause, doc, who[:1].upper() + who[1:], sent, own,
                                   "quy phạm nêu dưới dạng khẳng định: chủ thể và việc phải làm"
                                   + (" có thời hạn" if timed else " (điều về trách nhiệm, nhiệm vụ)")))
        break  # one check for the unit: the first sentence that binds
    return out


def _declared_check(clause: Clause, doc: Document, subject: str | None, sent: str, deadline: str | None,
                    note: str) -> Check:
    action = _clip(_strip_end(sent))
    item = (f"{subject} có thực hiện đúng quy định: «{action}» không?" if subject
            else f"Có thực hiện đúng quy định: «{action}» không?")
    return Check(rule=clause.id, item=item, subject=subject, actor=_actor_for(subject, doc),
                 kind=_kind_for(OBLIGATION, sent, deadline, doc), evidence=_evidence_for(sent), deadline=deadline,
                 provenance="declarative", confidence=0.65, modality=OBLIGATION, basis=" ".join(sent.split()),
                 note=note)


def _forbidden_by_heading(clause: Clause) -> bool:
    """An item of an article on forbidden acts ("Các hành vi bị nghiêm cấm")."""
    return clause.level != "article" and bool(_FORBIDDEN_HEADING.search(_article_heading(clause)))


def _bare_prohibition(clause: Clause, text: str, clauses: dict[str, Clause], doc: Document) -> bool:
    """A rule stated as «Không …» ("Không thu phí dữ liệu …"), unless it is an item of a list of violations,
    circumstances or cases (QĐ 69: "Vi phạm một trong các trường hợp sau …: a) Không tổ chức sinh hoạt …") or the
    adverb «không ngừng»."""
    ft = fold(text)
    if not ft.startswith("không ") or ft.startswith(("không ngừng", "không phải", "không có ", "không được")):
        return False
    title = fold(doc.title)
    if "kỷ luật" in title and "vi phạm" in title:  # a discipline regulation: its «Không …» items are violations
        return False

    pid = clause.parent
    while pid and pid in clauses:
        p = clauses[pid]
        own = fold(p.intro or "") + " " + fold(p.title or "")
        if re.search(r"vi phạm|tình tiết|trường hợp sau|hành vi|kỷ luật", own):
            return False
        pid = p.parent
    return not re.search(r"vi phạm|kỷ luật|tình tiết", _article_heading(clause))


def _declarative(clause: Clause, text: str, deadline: str | None, doc: Document) -> list[Check]:
    """Obligations stated without a deontic marker: one check per body bound by a sentence that gives it a recurring
    act or a convening duty. Conditional or optional sentences ("Khi …", "có thể …") bind no one."""
    out: list[Check] = []
    seen: set[str] = set()
    for sm in _SENTENCE.finditer(text):
        sent = _NUMBERING.sub("", sm.group(0).strip())
        fs = fold(sent)
        if not sent or _NOT_DECLARATIVE.search(fs):
            continue
        subject, how = _declared_subject(sent)
        if not subject:
            continue
        subject = _strip_end(subject)
        subject = subject[:1].upper() + subject[1:]
        if fold(subject) in seen:
            continue
        seen.add(fold(subject))
        action = _clip(_strip_end(sent))
        period = _PERIOD.search(sent)
        own = (" ".join(period.group(0).split()) if period else None) or "; ".join(
            dict.fromkeys(" ".join(m.group(0).split()) for m in _DEADLINE.finditer(sent))) or deadline
        out.append(Check(
            rule=clause.id,
            item=f"{subject} có thực hiện đúng quy định: «{action}» không?",
            subject=subject,
            actor=_actor_for(subject, doc),
            kind=_kind_for(OBLIGATION, sent, own, doc),
            evidence=_evidence_for(sent),
            deadline=own,
            provenance="declarative",
            confidence=0.7,
            modality=OBLIGATION,
            basis=" ".join(sent.split()),
            note="quy phạm nêu dưới dạng khẳng định: cơ quan đảng và việc làm định kỳ"
                 if how == "định kỳ" else "quy phạm nêu dưới dạng khẳng định: cơ quan đảng triệu tập",
        ))
    return out


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
    if any(_NO_CHECK_HEADING.search(h) for h in _headings(clause)[-2:]):
        return []  # definitions, the document's scope and whom it applies to bind no one
    if not clause.is_leaf and (_INTRO_DUTY.search(ftext) or _INTRO_RIGHT.search(ftext)):
        return []  # "Văn phòng Trung ương Đảng có trách nhiệm:": an intro; its items carry the checks
    deadlines = [" ".join(m.group(0).split()) for m in _DEADLINE.finditer(text)]
    deadline = "; ".join(dict.fromkeys(deadlines)) or None
    found: dict[str, Check] = {}

    def add(modality: str, subject: str | None, action: str, basis: str, provenance: str, conf: float,
            note: str, whole: bool = False) -> None:
        if modality in found:
            return
        subject = subject or None
        who = (subject or "")[:1].upper() + (subject or "")[1:]
        found[modality] = Check(
            rule=clause.id,
            item=f"{who} có thực hiện đúng quy định: «{_clip(_strip_end(action))}» không?" if whole and subject
            else _question(modality, subject, action),
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
            if modality == PROHIBITION and _NOT_A_PROHIBITION.search(fs):
                continue
            m = None
            cands = list(rx.finditer(fs))
            for i, cand in enumerate(cands):  # the first occurrence that is a marker of this sentence's own rule
                g = 1 if cand.group(1) else 2
                if modality == OBLIGATION and _NOT_AN_OBLIGATION.search(
                        fs[max(0, cand.start(g) - 16):cand.end(g) + 25]):
                    continue
                if i + 1 < len(cands) and _in_leading_condition(fs, cand.start(g)) and "," in fs[
                        cand.end(g):cands[i + 1].start()]:  # "Trong trường hợp bất khả kháng phải tạm ngừng …, X phải"
                    continue
                if not _is_word(fs, cand.group(g)):
                    continue
                m = cand
                break
            if m is None:
                continue
            g = 1 if m.group(1) else 2
            marker = m.group(g)
            if not _strip_end(sent[m.end(g):]) and (_INTRO_DUTY.search(fs) or _INTRO_RIGHT.search(fs)):
                break  # "Văn phòng Trung ương Đảng có trách nhiệm:": an intro, its items carry the checks
            if modality != RESTRICTION:
                subject = (_subject_before(sent, m.start(g)) or _opening_actor(text[:sm.start()])
                           or inherited_subject)
            else:  # "Hồ sơ có tài liệu … chỉ được nộp …": the head before «chỉ được»; «Chỉ … khi»: no one named
                subject = _subject_before(sent, m.start(g)) if m.group(1) else None
            agent = _PASSIVE_AGENT.match(sent[m.end(g):]) if modality == OBLIGATION else None
            whole = bool(agent and (not subject or fold(subject).startswith(_THINGS)))
            if whole:  # "Việc đình chỉ … phải được cấp uỷ … quyết định": the agent acts, the question quotes it all
                subject = _strip_end(agent.group(1))
            action = sent[m.end(g):] if modality != RESTRICTION else _NUMBERING.sub("", sent)
            if whole:
                action = _NUMBERING.sub("", sent.strip())
            add(modality, subject, action, sent, "pattern", 0.75, f"từ đánh dấu «{marker}» trong điều khoản", whole)
            break
    if found:
        return list(found.values())
    titled = "không được làm" in fold(doc.title) and clause.level == "article"  # QĐ 37: below, bound to đảng viên
    if not titled and (_forbidden_by_heading(clause) or _bare_prohibition(clause, text, clauses, doc)):
        first = next((s.group(0) for s in _SENTENCE.finditer(text) if s.group(0).strip()), text)
        by_heading = _forbidden_by_heading(clause)
        act = _NUMBERING.sub("", first).strip()
        if not by_heading:
            act = act[len("Không"):].strip() if act[:5].lower() == "không" else act  # «Không thu phí …» -> «thu phí …»
        add(PROHIBITION, None, act, first, "intro" if by_heading else "pattern", 0.6,
            "điều khoản thuộc điều về hành vi bị nghiêm cấm" if by_heading else "quy tắc nêu dưới dạng «Không …»")
        return list(found.values())
    own_title = _OWN_TITLE.match(" ".join((clause.title or "").split()))
    if own_title:
        word, who = fold(own_title.group(1)), _strip_end(own_title.group(2))
        body = _NUMBERING.sub("", text)
        body = body[len(clause.title):].strip(" :-") if body.startswith(clause.title) else body
        add(PERMISSION if word.startswith("quyền") else OBLIGATION, who, body.lstrip("- "), text, "intro", 0.65,
            f"kế thừa từ tên khoản «{own_title.group(0)}»")
        return list(found.values())
    declared = _declarative(clause, text, deadline, doc) if doc.type != "chuong-trinh" else []  # tasks: below
    if declared:
        return declared
    declared = _general_declarative(clause, text, deadline, doc, clauses) if doc.type != "chuong-trinh" else []
    if declared:
        return declared

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
        from indexer.rules.discipline import discipline_for

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
