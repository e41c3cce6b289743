"""Records that flow through the pipeline: corpus -> parse -> index -> search.

Everything downstream (CLI, UI, eval, checks, quiz) consumes these; nothing returns preformatted strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

def within(unit_id: str, container_id: str) -> bool:
    """Whether a unit id is `container_id` or names a unit inside it: ids are paths ("qd-69-2022/d7/k3" is inside
    "qd-69-2022/d7" and "qd-69-2022")."""
    return unit_id == container_id or unit_id.startswith(container_id + "/")


def overlaps(a: str, b: str) -> bool:
    """Whether two units are the same or one contains the other."""
    return within(a, b) or within(b, a)


# Structural levels a clause node can have, outermost first. Programme-style documents use
# "section" (I-, II-), "item" (1., 1.1.), "subitem" ((1), (2)) and "subsubitem" ((i1)).
LEVELS = (
    "document",
    "preamble",  # title block, "Căn cứ ..." lines, opening paragraphs before the first structural unit
    "part",  # Phần
    "chapter",  # Chương
    "section",  # Mục, or programme Roman section "I-"
    "article",  # Điều N.
    "clause",  # khoản "1."
    "point",  # điểm "a)" or sub-item "1.1", "2.2"
    "item",  # programme "1." / "1.1." / "(1)" / "(i1)"
    "paragraph",  # unnumbered paragraph (news, unstructured files)
    "signature",  # closing signature block
)


@dataclass
class Document:
    """One source text with its front-matter metadata; `id` carries the year because codes restart each term."""

    id: str  # slug, e.g. "qd-37-2021" (file stem)
    code: str  # "37-QĐ/TW"
    type: str  # "quy-dinh", "dieu-le", "ket-luan", "huong-dan", "chuong-trinh", "tin-tuc", ...
    title: str
    issuer: str
    issued: str  # ISO date "2021-10-25", or a year "2022", or "" when unknown
    status: str  # raw front-matter status: "in-force", "replaced", "n/a", "in-force (amended by ...)"
    replaced_by: list[str] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)
    normative: bool = True
    completeness: str = "full"  # "full" | "partial"
    articles_present: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    notes: str = ""
    path: str = ""  # source file path
    sha256: str = ""  # of the source file bytes
    text: str = ""  # the whole decoded source file (front matter included); spans index into it
    body_start: int = 0  # offset in `text` where the body (after front matter) starts

    @property
    def year(self) -> int | None:
        head = (self.issued or "")[:4]
        return int(head) if head.isdigit() else None

    @property
    def in_force(self) -> bool:
        return self.status.startswith("in-force")

    @property
    def is_partial(self) -> bool:
        return self.completeness == "partial"

    @property
    def is_plan(self) -> bool:
        """A programme or plan that applies rules (a province's action programme), not a rule itself."""
        return self.type in ("chuong-trinh", "ke-hoach")


@dataclass
class Clause:
    """A structural unit of a document: the unit of retrieval and citation.

    `text` is always `document.text[span[0]:span[1]]`, byte-identical to the source.
    """

    id: str  # "dieu-le-dang-2011/d4/k2", "qd-69-2022/d55/k1/b", "ctr-qn-kl34-2022/III/1/1.1/p2"
    doc_id: str
    level: str  # one of LEVELS
    label: str  # "4", "2", "b", "1.1", "I", "(i1)" as written (without trailing punctuation)
    path: tuple[tuple[str, str], ...]  # (("chapter","I"),("article","4"),("clause","2"))
    heading: tuple[str, ...]  # headings of the enclosing units, outermost first ("Chương I. ĐẢNG VIÊN", "Điều 4.")
    title: str  # this unit's own heading/title if it has one ("Điều 30. Hình thức kỷ luật" -> "Hình thức kỷ luật")
    text: str  # verbatim source slice, children included
    span: tuple[int, int]  # character offsets into Document.text
    parent: str | None = None
    children: list[str] = field(default_factory=list)
    source_note: str = ""  # provenance comment (<!-- source: ... -->) that precedes it, never shown as text
    intro: str = ""  # verbatim text of this unit before its first child (e.g. "Đảng viên có nhiệm vụ :")
    # Comment-free slices that together make up the whole unit, children included. `span` is the first one;
    # there are more only where a provenance comment (<!-- … -->) cuts the unit, since no span may cover one.
    pieces: list[tuple[int, int]] = field(default_factory=list)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def part(self, level: str) -> str | None:
        """The label of the enclosing unit of `level` (e.g. the article number), if any."""
        for lv, lab in self.path:
            if lv == level:
                return lab
        return None


@dataclass
class Hit:
    """One answer returned by search: a clause, its document, why it ranked, where the query matched."""

    clause: Clause
    document: Document
    score: float
    rank: int
    citation: str
    highlights: list[tuple[int, int]] = field(default_factory=list)  # offsets into clause.text
    lexical_rank: int | None = None
    dense_rank: int | None = None
    status_label: str = ""  # "Còn hiệu lực", "Đã được thay thế bởi 296-QĐ/TW", ...
    also: list[Clause] = field(default_factory=list)  # other matching clauses of the same article
    # ids of the reviewed parallel provisions: {"details": [...], "parents": [...]} (indexer/search/parallels.py)
    parallels: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        c, d = self.clause, self.document
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "clause_id": c.id,
            "citation": self.citation,
            "text": c.text,
            "highlights": [list(h) for h in self.highlights],
            "document": {
                "id": d.id,
                "code": d.code,
                "title": d.title,
                "issued": d.issued,
                "issuer": d.issuer,
                "status": d.status,
                "status_label": self.status_label,
                "completeness": d.completeness,
                "replaced_by": d.replaced_by,
            },
            "lexical_rank": self.lexical_rank,
            "dense_rank": self.dense_rank,
            "also": [a.id for a in self.also],
            "parallels": self.parallels,
        }
