"""Structure parser: a `Document` -> its clauses in document (pre-)order, each a verbatim slice of the file.

How a text is read (the corpus mixes official layouts, hard-wrapped crawls, Q&A excerpts and news):
- Provenance comments `<!-- … -->` are masked first (replaced by spaces, so offsets stay valid). No clause span
  ever covers one: a unit that a comment cuts gets `span` = its first comment-free piece and `pieces` = all of
  them, and text that only a comment separates from its heading becomes child paragraphs, so nothing is lost.
- Lines are classified by named marker patterns (Điều, Chương, I-, 1., 1.1., a), (1), (i1), bullets …) and
  nested by rank with a stack. In hard-wrapped texts (many lines continue in lower case) a unit only starts
  after a blank line or a finished sentence, which rejects wrapped fragments such as "d) khoản 1" or "- xã hội".
- Whatever precedes the first unit is the preamble; "Nơi nhận", "T/M …" open the signature; a title block with
  "(Ban hành kèm theo …)" after the decision's articles opens the attached text and "PHỤ LỤC" an appendix;
  each of those restarts numbering, so ids nest under them.
- Inline enumerations "…: (1) …; (2) …" and "(i1) …; (i2) …" become child items with exact sub-spans.
- News, and text with no recognisable structure, become paragraphs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from indexer.corpus.markers import ends_sentence, is_caps, starts_lower
from indexer.corpus.models import Clause, Document
from indexer.text.normalize import slug

NEWS_TYPES = {"tin-tuc"}
# Changes what an index holds for the same files: a new value makes every index built before it stale.
PARSER_VERSION = "2"  # 2: article titles kept beside lead-ins in the indexed context


def _w(word: str) -> str:
    """Regex for a Vietnamese word matching both NFC and NFD spellings (crawled text is not always NFC)."""
    parts = []
    for ch in word:
        nfd = unicodedata.normalize("NFD", ch)
        parts.append(re.escape(ch) if nfd == ch else f"(?:{re.escape(ch)}|{re.escape(nfd)})")
    return "".join(parts).replace(r"\ ", r"\s+")


# --- Marker patterns, matched at the start of a (stripped, comment-masked) line ---------------------------------
_LEAD = r"(?:#{1,6}\s+)?(?:\*\*)?"  # optional Markdown heading hashes and bold opener
_ROMAN = r"(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})"  # I … XXXIX; never C/L/D/M, which start ordinary words
# "Điều 5.", "Điều 5. Tiêu đề", "Điều 30**.", "**Điều 30.**", "**Điều 30**.", "Điều 5:" -> article 5
ARTICLE_RE = re.compile(rf"{_LEAD}{_w('Điều')}\s+(\d{{1,3}}[a-z]?)\s*(?:\*\*)?\s*[.:](?:\s*\*\*)?(?=\s|$)")
# "Chương I", "CHƯƠNG II: …", "Chương IV. TIÊU ĐỀ", "Chương 3" -> chapter
CHAPTER_RE = re.compile(rf"{_LEAD}(?:{_w('Chương')}|{_w('CHƯƠNG')})\s+({_ROMAN}|\d{{1,2}})(?!\w)(?:\*\*)?")
# "Phần I", "PHẦN THỨ NHẤT", "Phần 2" -> part
PART_RE = re.compile(rf"{_LEAD}(?:{_w('Phần')}|{_w('PHẦN')})\s+((?:thứ|THỨ)\s+\w+|{_ROMAN}|\d{{1,2}})(?!\w)(?:\*\*)?")
# "Mục 1", "MỤC II" -> section (Mục); "Mục tiêu" has no number, so it is text
MUC_RE = re.compile(rf"{_LEAD}(?:{_w('Mục')}|{_w('MỤC')})\s+({_ROMAN}|\d{{1,2}})(?!\w)(?:\*\*)?")
# "I- MỤC ĐÍCH", "II. …", "III – …" -> programme / regulation Roman section (needs text after it)
ROMAN_RE = re.compile(rf"{_LEAD}({_ROMAN})\s*([-–.])(?:\*\*)?\s+(?=\S)(?![A-Z]\.\s)")
# "1.1.", "2.2", "2.3.1." -> sub-item (point in a regulation, item in a programme)
NUMDOT_RE = re.compile(r"(?:\*\*)?(\d{1,2}(?:\.\d{1,2}){1,3})\.?(?:\*\*)?(?=\s|$)")
# "1.", "14." -> khoản (clause) or programme item
NUM_RE = re.compile(r"(?:\*\*)?(\d{1,3})\.(?:\*\*)?(?=\s|$)")
# "a)", "đ)" and the "a." variant used by some crawled texts -> điểm (point)
LETTER_RE = re.compile(r"([a-zđ])(?:\)|\.(?=\s+\S))(?=\s|$)")
# "(i1)" … "(i6)" -> programme sub-sub-item
IPAREN_RE = re.compile(r"\((i\d{1,2})\)(?=\s|$)")
# "(1)", "(2)" -> numbered sub-item as rendered by programmes and by quoting pages
PAREN_RE = re.compile(r"\((\d{1,2})\)(?=\s|$)")
# "- ", "– ", "• " bullets ("+" is always a sub-bullet, never a unit)
BULLET_RE = re.compile(r"([-–•])(?=\s)")
# "Mẫu 1: …", "Mẫu 6.1. …" -> a form inside an appendix
MAU_RE = re.compile(rf"{_LEAD}{_w('Mẫu')}\s+(\d{{1,2}}(?:\.\d{{1,2}})*)\s*[.:]?(?=\s|$)")
# "Nơi nhận:", "T/M BAN BÍ THƯ", "K/T TRƯỞNG BAN", "TM. …", "KT. …", "TL. …" -> start of the signature block
SIGNATURE_RE = re.compile(rf"(?:{_w('Nơi nhận')}\s*:?|T/M\b|K/T\b|TM\.\s|KT\.\s|TL\.\s|{_w('THAY MẶT')}\b)")
# "PHỤ LỤC", "PHỤ LỤC I", "Phụ lục 2" alone on the line (or "PHỤ" with "LỤC I" wrapped onto the next line)
APPENDIX_RE = re.compile(rf"(?:\*\*)?(?:{_w('PHỤ LỤC')}|{_w('Phụ lục')})(?:\s+({_ROMAN}|\d{{1,2}}))?\s*[.:]?(?:\*\*)?$")
APPENDIX_SPLIT_RE = re.compile(rf"(?:{_w('PHỤ')})$")
APPENDIX_TAIL_RE = re.compile(rf"(?:{_w('LỤC')})(?:\s+({_ROMAN}|\d{{1,2}}))?\s*[.:]?$")
# "(Ban hành kèm theo Quyết định số …)" -> the title block above it opens an attached text
ATTACHED_RE = re.compile(rf"\(\s*{_w('Ban hành kèm theo')}")
# Any line that starts a unit or list entry; used to decide where hard-wrapped lines may be joined
ITEM_START_RE = re.compile(
    rf"(?:{ARTICLE_RE.pattern}|{CHAPTER_RE.pattern}|{ROMAN_RE.pattern}|\(i?\d{{1,2}}\)(?=\s)|[-–+•*](?=\s)"
    rf"|\d{{1,3}}\.(?=\s)|\d{{1,2}}(?:\.\d{{1,2}}){{1,3}}\.?(?=\s)|[a-zđ][).](?=\s)|{SIGNATURE_RE.pattern})"
)
# Inline enumeration inside a paragraph: "…: (1) …; (2) …" or "…: (i1) …; (i2) …"
INLINE_ITEM_RE = re.compile(r"\((i?)(\d{1,2})\)(?=\s)")
COMMENT_RE = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)  # an unclosed comment runs to the end of the text
SEPARATOR_RE = re.compile(r"[-–—_=*.…\s]{3,}")  # "-----", "……" lines: layout, not text
OMISSION_RE = re.compile(r"(?:\((?:…|\.\.\.)\)|\[…\]|…|\.\.\.|\s)+")  # "(…)", "(...)": words the source left out
WORDS_RE = re.compile(r"\s+")

# Rank = nesting depth of a marker kind (outermost first); a new unit closes every open unit of rank >= its own.
RANK = {
    "appendix": 0, "attachment": 0, "signature": 0, "part": 1, "chapter": 2, "muc": 3, "roman": 4, "mau": 4,
    "article": 5, "bullet": 10, "num": 10, "numdot": 10, "letter": 14, "paren": 15, "iparen": 16,
}  # fmt: skip
GROUPING = {"part", "chapter", "muc", "roman", "mau"}  # article ids are not nested under these
SCOPES = {"appendix", "attachment"}  # restart numbering, so everything inside nests under them
FIXED_TITLE = {"part", "chapter", "muc", "roman", "mau", "appendix", "attachment"}  # their heading text is a title
TITLED = {"article", "num", "numdot", "letter", "paren", "iparen"}  # titled only when the text looks like a heading
MAX_TITLE = 200


@dataclass
class _Line:
    start: int
    end: int  # exclusive; excludes "\n" and a trailing "\r"
    text: str  # comment-masked text of the line
    blank: bool  # nothing but whitespace or comments


@dataclass
class _Node:
    kind: str
    start: int
    label: str = ""
    marker: str = ""
    marker_end: int = 0
    head_end: int = 0  # end of the heading paragraph (marker + title lines)
    end: int = 0
    title_text: str = ""
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)
    title: str = ""
    intro: str = ""
    level: str = ""
    seg: str = ""
    id: str = ""
    note: str = ""
    span: tuple[int, int] = (0, 0)
    pieces: list[tuple[int, int]] = field(default_factory=list)

    @property
    def rank(self) -> int:
        if self.kind == "numdot":
            return RANK["numdot"] + min(self.label.count("."), 3)
        return RANK.get(self.kind, 20)


@dataclass
class ParseResult:
    """Clauses in pre-order, how the text was read, and what did not fit (for the caller to report)."""

    clauses: list[Clause]
    mode: str  # "structured" | "paragraphs" | "empty"
    issues: list[str] = field(default_factory=list)


# --- Small text predicates -------------------------------------------------------------------------------------
def _is_omission(s: str) -> bool:
    return not s.strip() or bool(OMISSION_RE.fullmatch(s))


def _clean(s: str) -> str:
    """One-line display form of a heading: bold marks and repeated whitespace removed."""
    return WORDS_RE.sub(" ", s.replace("**", " ")).strip().strip(".:-– ").strip()


def _joins(prev: str, nxt: str) -> bool:
    """True when line `nxt` continues the sentence of line `prev` (a hard wrap), not a new item or paragraph.

    A line that starts like an item ("2.", "a)", "- ") is a new item, unless its words start in lower case
    right after an unfinished sentence ("… chính trị\\n- xã hội", "… điểm a), b), c),\\nd) khoản 1").
    """
    p, n = prev.strip(), nxt.strip()
    if not p or not n or SEPARATOR_RE.fullmatch(p) or SEPARATOR_RE.fullmatch(n):
        return False
    item = ITEM_START_RE.match(n)
    if item:
        return starts_lower(n[item.end() :]) and not ends_sentence(p)
    if starts_lower(n):
        return True
    if is_caps(p) != is_caps(n):
        return False
    return not ends_sentence(p)


def search_text(text: str) -> str:
    """Text for indexing: hard-wrapped lines joined with a space, real line/item breaks kept, bold marks dropped.

    The clause `text` stays verbatim for display and citation; only the index sees this form.
    """
    out: list[str] = []
    prev = ""
    for raw in text.replace("\r", "").split("\n"):
        line = raw.strip()
        if not line:
            prev = ""
            continue
        if out and prev and _joins(prev, line):
            out[-1] += " " + line
        else:
            out.append(line)
        prev = line
    return "\n".join(out).replace("**", "")


# --- The parser ------------------------------------------------------------------------------------------------
class _Parser:
    """One document's parse; all offsets are into `doc.text`."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.text = doc.text
        self.issues: list[str] = []
        body = self.text[doc.body_start :]
        self.holes = [(doc.body_start + m.start(), doc.body_start + m.end()) for m in COMMENT_RE.finditer(body)]
        self.masked = self._mask()
        self.lines = self._split_lines()
        self.wrapped = self._is_wrapped()

    # -- text model
    def _mask(self) -> str:
        chars = list(self.text)
        for a, b in self.holes:
            for k in range(a, b):
                if chars[k] not in "\r\n":
                    chars[k] = " "
        return "".join(chars)

    def _split_lines(self) -> list[_Line]:
        lines = []
        pos, n = self.doc.body_start, len(self.text)
        while pos < n:
            nl = self.text.find("\n", pos)
            stop = n if nl < 0 else nl
            end = stop - 1 if stop > pos and self.text[stop - 1] == "\r" else stop
            masked = self.masked[pos:end]
            lines.append(_Line(pos, end, masked, not masked.strip()))
            pos = stop + 1
        return lines

    def _is_wrapped(self) -> bool:
        """Hard-wrapped crawls continue sentences on lower-case lines; official layouts almost never do."""
        nonblank = [ln for ln in self.lines if not ln.blank]
        wraps = sum(
            1 for a, b in zip(self.lines, self.lines[1:], strict=False)
            if not a.blank and not b.blank and starts_lower(b.text.strip()) and not ITEM_START_RE.match(b.text.strip())
        )  # fmt: skip
        return wraps >= 3 and wraps >= 0.02 * len(nonblank)

    def _trim(self, a: int, b: int) -> tuple[int, int]:
        while a < b and self.masked[a].isspace():
            a += 1
        while b > a and self.masked[b - 1].isspace():
            b -= 1
        return a, b

    def _pieces(self, a: int, b: int) -> list[tuple[int, int]]:
        """Comment-free, whitespace-trimmed, non-empty slices of [a, b)."""
        cuts = [(max(a, ha), min(b, hb)) for ha, hb in self.holes if ha < b and hb > a]
        out, pos = [], a
        for ha, hb in cuts + [(b, b)]:
            s, e = self._trim(pos, ha)
            if s < e:
                out.append((s, e))
            pos = hb
        return out

    def _paragraphs(self, a: int, b: int) -> list[tuple[int, int]]:
        """Paragraph spans in [a, b): split at blank lines, comments, separators and line breaks that do not join."""
        out: list[tuple[int, int]] = []
        for pa, pb in self._pieces(a, b):
            cur: list[int] | None = None
            prev = ""
            for ln in self.lines:
                if ln.end < pa or ln.start > pb:
                    continue
                s, e = self._trim(max(ln.start, pa), min(ln.end, pb))
                seg = self.masked[s:e]
                if s >= e or SEPARATOR_RE.fullmatch(seg):
                    if cur:
                        out.append((cur[0], cur[1]))
                    cur, prev = None, ""
                    continue
                if cur and self._para_joins(prev, seg):
                    cur[1] = e
                else:
                    if cur:
                        out.append((cur[0], cur[1]))
                    cur = [s, e]
                prev = seg
            if cur:
                out.append((cur[0], cur[1]))
        return out

    def _para_joins(self, prev: str, nxt: str) -> bool:
        """In wrapped texts lines join like `search_text`; elsewhere a line is a paragraph unless it continues in
        lower case or both lines are capitals (a title block)."""
        if self.wrapped:
            return _joins(prev, nxt)
        return starts_lower(nxt) or (is_caps(prev) and is_caps(nxt))

    # -- marker recognition
    def _accepts(self, prev: _Line | None, after: str, strong: bool = False) -> bool:
        """May a marker line start a unit here, given the line before it?"""
        if prev is None or prev.blank:
            return True
        if not self.wrapped:
            if strong:
                return True
            return not (starts_lower(after) and not ends_sentence(prev.text))
        rest = after.lstrip(" *")
        return ends_sentence(prev.text) and (not rest or not rest[0].islower())

    def _match(self, ln: _Line, prev: _Line | None, top: _Node | None, in_appendix: bool) -> _Node | None:
        """The unit a line starts, if any (and if the line before allows one to start here)."""
        s = ln.text.lstrip()
        at = ln.start + (len(ln.text) - len(s))
        s = s.rstrip()

        def node(kind: str, m: re.Match[str], label: str, marker: str, strong: bool = False) -> _Node | None:
            after = s[m.end() :]
            if not self._accepts(prev, after, strong):
                return None
            rest = after.replace("**", "").strip()
            return _Node(kind, at, label=label, marker=marker, marker_end=at + m.end(), title_text=rest)

        if m := SIGNATURE_RE.match(s):
            return node("signature", m, "", "", strong=True)
        if m := ARTICLE_RE.match(s):
            return node("article", m, m.group(1), f"Điều {m.group(1)}.", strong=True)
        if m := CHAPTER_RE.match(s):
            return node("chapter", m, m.group(1), f"Chương {m.group(1)}", strong=True)
        if m := PART_RE.match(s):
            return node("part", m, m.group(1), f"Phần {m.group(1)}")
        if m := MUC_RE.match(s):
            return node("muc", m, m.group(1), f"Mục {m.group(1)}")
        if in_appendix and (m := MAU_RE.match(s)):
            return node("mau", m, m.group(1), f"Mẫu {m.group(1)}")
        if m := ROMAN_RE.match(s):
            return node("roman", m, m.group(1), f"{m.group(1)}{m.group(2)}")
        if m := NUMDOT_RE.match(s):
            return node("numdot", m, m.group(1), f"{m.group(1)}.")
        if m := NUM_RE.match(s):
            return node("num", m, m.group(1), f"{m.group(1)}.")
        if m := LETTER_RE.match(s):
            return node("letter", m, m.group(1), m.group(0))
        if m := IPAREN_RE.match(s):
            return node("iparen", m, f"({m.group(1)})", f"({m.group(1)})")
        if m := PAREN_RE.match(s):
            return node("paren", m, f"({m.group(1)})", f"({m.group(1)})")
        if (m := BULLET_RE.match(s)) and self._bullet_is_unit(top, s[m.end() :]):
            return node("bullet", m, "", m.group(1))
        return None

    @staticmethod
    def _bullet_is_unit(top: _Node | None, after: str) -> bool:
        """Bullets are units only where a quoting page rendered an article's clauses as bullets (no numbers);
        inside a numbered clause they stay part of its text."""
        if top is not None and top.kind == "bullet":
            top = top.parent
        if top is None or top.kind != "article" or starts_lower(after):
            return False
        return all(c.kind == "bullet" for c in top.children)

    # -- scanning
    def _find_parts(self) -> list[tuple[int, _Node]]:
        """(first line index, node) of each appendix and attached text; each restarts the numbering."""
        parts: list[tuple[int, _Node]] = []
        seen_article = False
        i = 0
        while i < len(self.lines):
            s = self.lines[i].text.strip()
            prev_blank = i == 0 or self.lines[i - 1].blank
            if ARTICLE_RE.match(s):
                seen_article = True
            if prev_blank and (found := self._appendix_at(i)):
                parts.append(found)
                i = self._line_of(found[1].head_end) + 1
                continue
            if ATTACHED_RE.match(s) and seen_article:
                parts.append(self._attachment_at(i))
            i += 1
        return parts

    def _line_of(self, offset: int) -> int:
        for k, ln in enumerate(self.lines):
            if ln.start <= offset <= ln.end:
                return k
        return len(self.lines) - 1

    def _appendix_at(self, i: int) -> tuple[int, _Node] | None:
        s = self.lines[i].text.strip()
        label, last = None, i
        if m := APPENDIX_RE.match(s):
            label = m.group(1) or ""
        elif APPENDIX_SPLIT_RE.match(s) and i + 1 < len(self.lines):
            if m := APPENDIX_TAIL_RE.match(self.lines[i + 1].text.strip()):
                label, last = m.group(1) or "", i + 1
        if label is None:
            return None
        ln = self.lines[i]
        start = ln.start + len(ln.text) - len(ln.text.lstrip())
        marker = f"Phụ lục {label}".strip()
        end = self.lines[last].end
        node = _Node("appendix", start, label=marker, marker=marker, marker_end=end, head_end=end)
        node.seg = f"pl{label}"
        return i, node

    def _attachment_at(self, k: int) -> tuple[int, _Node]:
        """The caps title block above "(Ban hành kèm theo …)" and that line's paragraph form the heading."""
        j = k
        for t in range(k - 1, -1, -1):
            ln = self.lines[t]
            if ln.blank:
                continue
            if not is_caps(ln.text):
                break
            j = t
        last = k
        while last + 1 < len(self.lines) and not self.lines[last + 1].blank:
            last += 1
        title_lines = [self.lines[t].text.strip() for t in range(j, k) if not self.lines[t].blank]
        first = self.lines[j]
        start = first.start + len(first.text) - len(first.text.lstrip())
        title = _clean(" ".join(title_lines))
        node = _Node("attachment", start, marker_end=self.lines[last].end, head_end=self.lines[last].end)
        node.title_text = title
        node.label = (title_lines[0].capitalize() if title_lines else "Văn bản kèm theo").replace("*", "")
        node.seg = slug(node.label) or "kem-theo"
        return j, node

    def _scan(self, i0: int, i1: int, root: _Node | None) -> list[_Node]:
        """Units of lines [i0, i1) as a forest (children of `root` when scanning inside an appendix or attachment)."""
        tops: list[_Node] = []
        stack: list[_Node] = []
        prev: _Line | None = None
        open_head: _Node | None = root if root is not None and root.kind == "appendix" else None
        awaiting_title = open_head is not None  # an appendix title may follow after a blank line
        mode = ""  # "", "signature" (nothing more is parsed) or "mau" (only further forms start)
        in_appendix = root is not None and root.kind == "appendix"
        for i in range(i0, i1):
            ln = self.lines[i]
            if ln.blank:
                if open_head is not None and not awaiting_title:
                    open_head = None
                prev = ln
                continue
            s = ln.text.strip()
            head = None
            if mode != "signature":
                head = self._match(ln, prev, stack[-1] if stack else root, in_appendix)
                if head is not None and mode == "mau" and head.kind not in ("mau", "signature"):
                    head = None
            if head is not None:
                self._attach(head, stack, tops, root)
                mode = "signature" if head.kind == "signature" else "mau" if head.kind == "mau" else mode
                head.head_end = ln.end
                open_head = head if head.kind != "signature" else None
                awaiting_title = head.kind in ("chapter", "part", "muc") and not head.title_text
            elif open_head is not None and self._continues_heading(open_head, prev, s, awaiting_title):
                open_head.title_text = f"{open_head.title_text} {s}".strip()
                open_head.head_end = ln.end
                awaiting_title = False
            else:
                open_head, awaiting_title = None, False
            prev = ln
        return tops

    def _continues_heading(self, head: _Node, prev: _Line | None, s: str, awaiting: bool) -> bool:
        """Does line `s` continue the heading paragraph (title) of `head`?"""
        if head.kind in ("chapter", "part", "muc"):
            return is_caps(s) and (awaiting or (prev is not None and not prev.blank))
        if head.kind == "appendix":
            return (awaiting or (prev is not None and not prev.blank)) and len(head.title_text) + len(s) <= MAX_TITLE
        if prev is None or prev.blank:
            return False
        if self.wrapped:
            return True
        return starts_lower(s) or (is_caps(prev.text) and is_caps(s))

    @staticmethod
    def _attach(node: _Node, stack: list[_Node], tops: list[_Node], root: _Node | None) -> None:
        while stack and stack[-1].rank >= node.rank:
            stack.pop()
        parent = stack[-1] if stack else root
        node.parent = parent
        (parent.children if parent is not None else tops).append(node)
        stack.append(node)

    # -- building
    def parse(self) -> ParseResult:
        if not any(not ln.blank for ln in self.lines):
            return ParseResult([], "empty", self.issues)
        if self.doc.type in NEWS_TYPES:
            return self._as_paragraphs(allow_preamble=False)
        parts = self._find_parts()
        first_part = parts[0][0] if parts else len(self.lines)
        tops = self._scan(0, first_part, None)
        for k, (_line, part) in enumerate(parts):
            stop = parts[k + 1][0] if k + 1 < len(parts) else len(self.lines)
            self._scan(self._line_of(part.head_end) + 1, stop, part)
            tops.append(part)
        if not any(t.kind != "signature" for t in tops):
            self.issues.append("no recognisable structure: parsed as paragraphs")
            return self._as_paragraphs(allow_preamble=True)
        body_end = len(self.text)
        preamble = self._preamble(tops[0].start)
        if preamble is not None:
            tops.insert(0, preamble)
        self._set_ends(tops, body_end)
        for node in tops:
            self._finalize(node)
        return ParseResult(self._emit(tops), "structured", self.issues)

    def _preamble(self, stop: int) -> _Node | None:
        a, b = self._trim(self.doc.body_start, stop)
        if a >= b:
            return None
        node = _Node("preamble", a, marker_end=a, head_end=a)
        paras = self._paragraphs(a, stop)
        if len(paras) > 1:
            node.children = [self._synthetic(p, node) for p in paras]
        return node

    def _as_paragraphs(self, allow_preamble: bool) -> ParseResult:
        paras = self._paragraphs(self.doc.body_start, len(self.text))
        paras = [p for p in paras if not _is_omission(self.masked[p[0] : p[1]])]
        if not paras:
            return ParseResult([], "empty", self.issues)
        tops = [self._synthetic(p, None) for p in paras]
        if allow_preamble and is_caps(self.masked[paras[0][0] : paras[0][1]]):
            tops[0].kind = "preamble"
        for node in tops:
            self._finalize(node)
        return ParseResult(self._emit(tops), "paragraphs", self.issues)

    @staticmethod
    def _synthetic(span: tuple[int, int], parent: _Node | None) -> _Node:
        return _Node("paragraph", span[0], marker_end=span[0], head_end=span[0], end=span[1], parent=parent)

    def _set_ends(self, nodes: list[_Node], end: int) -> None:
        """A unit runs to the next sibling (or its parent's end); paragraphs already know their exact end."""
        for k, node in enumerate(nodes):
            if node.kind != "paragraph":
                node.end = nodes[k + 1].start if k + 1 < len(nodes) else end
            self._set_ends(node.children, node.end)

    def _finalize(self, node: _Node) -> None:
        """Span, pieces, title, intro, and the children that only a comment or an inline list reveals."""
        a, b = self._trim(node.start, node.end)
        node.pieces = self._pieces(a, b) or [(a, a)]
        node.span = node.pieces[0]
        own_end = node.children[0].start if node.children else node.end
        own = self._pieces(node.start, own_end)
        if node.kind not in ("paragraph", "preamble"):
            orphans = [p for piece in own[1:] for p in self._paragraphs(*piece)]
            orphans = [p for p in orphans if not _is_omission(self.masked[p[0] : p[1]])]
            extra = [self._synthetic(p, node) for p in orphans]
            if not extra and len(own) == 1 and node.kind not in ("signature", "appendix", "attachment", "mau"):
                extra = self._inline_items(node, node.marker_end, own_end)
            if extra:
                self._set_ends(extra, own_end)
                node.children = extra + node.children
        own_first_end = own[0][1] if own else node.start
        if node.children:
            own_first_end = min(own_first_end, node.children[0].start)
        self._set_title(node, own_first_end)
        if node.children:
            start = node.head_end if node.title else node.marker_end
            node.intro = self.text[slice(*self._trim(start, max(start, own_first_end)))]
        for child in node.children:
            self._finalize(child)

    def _set_title(self, node: _Node, own_first_end: int) -> None:
        raw = WORDS_RE.sub(" ", node.title_text.replace("**", " ")).strip()
        text = _clean(raw)
        if node.kind in FIXED_TITLE:
            node.title = text if node.kind != "appendix" or self._title_ok(text) else ""
            if node.kind == "appendix" and not node.title:
                node.head_end = node.marker_end
            return
        if node.kind not in TITLED or not self._title_ok(raw):
            return
        after = self.masked[node.head_end : own_first_end].strip()
        if (node.children or after) and not starts_lower(after):
            node.title = text

    @staticmethod
    def _title_ok(t: str) -> bool:
        """A heading, not a sentence: short, has words, no sentence punctuation at the end, no ';'."""
        return (
            bool(t) and len(t) <= MAX_TITLE and any(c.isalpha() for c in t) and ";" not in t
            and not ends_sentence(t) and not t.endswith(",") and not t.startswith("(")
        )  # fmt: skip

    def _inline_items(self, node: _Node, a: int, b: int) -> list[_Node]:
        """Inline "…: (1) …; (2) …" inside one paragraph -> child items; opens after ':' and counts 1, 2, …"""
        best: list[re.Match[str]] = []
        for prefix in ("", "i"):
            seq: list[re.Match[str]] = []
            for m in INLINE_ITEM_RE.finditer(self.masked, a, b):
                if m.group(1) != prefix:
                    continue
                before = self.masked[a : m.start()].rstrip()[-1:]
                num = int(m.group(2))
                if not seq and num == 1 and before == ":":
                    seq = [m]
                elif seq and num == len(seq) + 1 and before in (";", ".", ":"):
                    seq.append(m)
            if len(seq) >= 2 and (not best or seq[0].start() < best[0].start()):
                best = seq
        items = []
        for m in best:
            label = f"({m.group(1)}{m.group(2)})"
            kind = "iparen" if m.group(1) else "paren"
            items.append(_Node(kind, m.start(), label=label, marker=label, marker_end=m.end(), head_end=m.end()))
        for item in items:
            item.parent = node
        return items

    # -- ids, levels, notes and output
    def _emit(self, tops: list[_Node]) -> list[Clause]:
        used: set[str] = set()
        self._next_suffix: dict[str, int] = {}  # repeated id -> the first "~k" not yet tried for it
        doc_id = self.doc.id
        self._number_paragraphs(tops)
        for node in tops:
            self._assign(node, doc_id, doc_id, used)
        clauses: list[Clause] = []
        for node in tops:
            self._collect(node, clauses)
        return clauses

    def _assign(self, node: _Node, pre_article: str, pre_other: str, used: set[str]) -> None:
        """Level, id segment and unique id; articles skip the chapters and sections above them."""
        node.level, seg = self._level_and_seg(node)
        node.seg = seg
        base = pre_article if node.kind == "article" else pre_other
        node.id = f"{base}/{seg}"
        if node.id in used:
            # The smallest free "~k" (k >= 2), found from where the last search for this id stopped: `used` only
            # grows, so every smaller k is still taken. Counting from 2 each time made 100k repeats quadratic.
            k = self._next_suffix.get(node.id, 2)
            while f"{node.id}~{k}" in used:
                k += 1
            self._next_suffix[node.id] = k + 1
            self.issues.append(f"repeated unit {node.id!r} renamed {node.id}~{k}")
            node.id, node.seg = f"{node.id}~{k}", f"{seg}~{k}"
        used.add(node.id)
        self._set_note(node)
        if node.kind in SCOPES:
            child_article = child_other = node.id
        elif node.kind in GROUPING:
            child_article, child_other = pre_article, node.id
        else:
            child_article = child_other = node.id
        self._number_paragraphs(node.children)
        for child in node.children:
            self._assign(child, child_article, child_other, used)

    @staticmethod
    def _number_paragraphs(siblings: list[_Node]) -> None:
        """Unnumbered units (paragraphs, bullets) are labelled by their order among their siblings."""
        count = 0
        for node in siblings:
            if node.kind in ("paragraph", "bullet"):
                count += 1
                node.label = str(count)

    def _level_and_seg(self, node: _Node) -> tuple[str, str]:
        kind, label = node.kind, node.label
        in_article = any(a.kind == "article" for a in self._ancestors(node))
        under_article = node.parent is not None and node.parent.kind == "article"
        simple = {
            "preamble": ("preamble", "preamble"), "signature": ("signature", "signature"),
            "appendix": ("part", node.seg), "attachment": ("part", node.seg), "part": ("part", f"ph{slug(label)}"),
            "chapter": ("chapter", f"ch{label}"), "muc": ("section", f"m{label}"), "roman": ("section", label),
            "mau": ("section", f"mau{label}"), "article": ("article", f"d{label}"),
            "paragraph": ("paragraph", f"p{label}"), "bullet": ("paragraph", f"p{label}"),
        }  # fmt: skip
        if kind in simple:
            return simple[kind]
        number = label.strip("()")
        if kind == "num":
            if not in_article:
                return "item", label
            return ("clause", f"k{label}") if under_article else ("point", label)
        if kind == "paren":
            if not in_article:
                return "item", f"p{number}"
            return ("clause", f"k{number}") if under_article else ("point", f"p{number}")
        return ("point" if in_article else "item"), number  # numdot, letter, iparen

    @staticmethod
    def _ancestors(node: _Node) -> list[_Node]:
        out, cur = [], node.parent
        while cur is not None:
            out.append(cur)
            cur = cur.parent
        return out[::-1]

    def _comment(self, hole: tuple[int, int]) -> str:
        inner = self.text[hole[0] : hole[1]]
        return inner.removeprefix("<!--").removesuffix("-->").strip()

    def _set_note(self, node: _Node) -> None:
        """Provenance of a unit: the comments right before it, else what it inherits.

        Of the comments right before a unit, those from the last "source: …" one on are kept; a block with no
        "source:" comment (e.g. "khoản 2: completed from …") is added to the inherited note. A child inherits its
        parent's note, a top-level unit the last "source:" comment above it; a unit with none of these takes the
        first comment inside it (e.g. the header's source, written after the header).
        """
        edge = node.start
        while edge > self.doc.body_start and self.masked[edge - 1].isspace():
            edge -= 1
        notes = [self._comment(h) for h in self.holes if h[0] >= edge and h[1] <= node.start]
        sourced = [k for k, t in enumerate(notes) if t.lower().startswith("source")]
        if node.parent is not None:
            inherited = node.parent.note
        else:
            inherited = "" if notes else self._last_source_before(node.start)
        if sourced:
            lines = notes[sourced[-1] :]
        else:
            lines = [inherited] * bool(inherited) + notes[-1:]
        if not lines:
            inside = [h for h in self.holes if node.start <= h[0] < node.end]
            lines = [self._comment(inside[0])] if inside else []
        node.note = "\n".join(lines)

    def _last_source_before(self, pos: int) -> str:
        notes = [self._comment(h) for h in self.holes if h[1] <= pos]
        sources = [t for t in notes if t.lower().startswith("source")]
        return sources[-1] if sources else ""

    def _heading(self, node: _Node) -> str:
        """How a unit is named in its descendants' heading chain."""
        if node.kind in ("preamble", "signature", "paragraph", "bullet"):
            return ""
        if node.kind == "attachment":
            return node.title
        if node.kind in ("chapter", "part", "muc", "appendix", "mau"):
            return f"{node.marker}. {node.title}" if node.title else node.marker
        lead = node.title or (search_text(node.intro).split("\n")[0] if node.intro else "")
        return f"{node.marker} {lead}".strip()

    def _collect(self, node: _Node, out: list[Clause]) -> None:
        ancestors = self._ancestors(node)
        path = tuple((a.level, a.label) for a in ancestors) + ((node.level, node.label),)
        heading = tuple(h for h in (self._heading(a) for a in ancestors) if h)
        out.append(
            Clause(
                id=node.id,
                doc_id=self.doc.id,
                level=node.level,
                label=node.label,
                path=path,
                heading=heading,
                title=node.title,
                text=self.text[node.span[0] : node.span[1]],
                span=node.span,
                parent=node.parent.id if node.parent is not None else None,
                children=[c.id for c in node.children],
                source_note=node.note,
                intro=node.intro,
                pieces=list(node.pieces),
            )
        )
        for child in node.children:
            self._collect(child, out)


def parse(doc: Document) -> ParseResult:
    """Parse a document, reporting the reading mode and anything that did not fit."""
    return _Parser(doc).parse()


def parse_document(doc: Document) -> list[Clause]:
    """The document's clauses in pre-order (see `parse` for the mode and issues)."""
    return parse(doc).clauses


def full_text(doc: Document, clause: Clause) -> str:
    """The whole unit (children included) without the provenance comments that cut it: its pieces joined."""
    pieces = clause.pieces or [clause.span]
    return "\n".join(doc.text[a:b] for a, b in pieces)


_ROMAN_HEAD_RE = re.compile(rf"^{_ROMAN}$")


def clause_id_for(doc_id: str, article: str | None, clause: str | None = None, point: str | None = None) -> str:
    """The clause id of a gold location (document id + article / clause / point as a citation gives them).

    `article` "29", clause "2", point "2.2" -> "<doc>/d29/k2/2.2"; point "b" -> ".../b"; clause "(1)" -> "k1".
    For documents without articles, `article` is a section path: "II.2" -> "<doc>/II/2", "III.1.1" ->
    "<doc>/III/1/1.1"; then `clause` "(2)" or "2" -> "/p2" and "(i1)" -> "/i1".
    """
    if not article:
        return doc_id
    art = re.sub(r"^(?:Điều|điều|Article)\s*", "", str(article).strip()).strip(". ")
    head, *rest = art.split(".")
    if _ROMAN_HEAD_RE.match(head):
        segs = [head]
        for k in range(len(rest)):
            segs.append(".".join(rest[: k + 1]))
        for extra in (clause, point):
            if extra:
                token = str(extra).strip().strip("()")
                segs.append(token if token.startswith("i") else f"p{token}")
        return "/".join([doc_id, *segs])
    segs = [f"d{art}"]
    if clause:
        segs.append(f"k{str(clause).strip().strip('().')}")
    if point:
        token = str(point).strip().strip(").")
        segs.append(f"p{token.strip('(')}" if token.startswith("(") else token)
    return "/".join([doc_id, *segs])
