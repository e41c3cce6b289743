"""Pure formatting helpers of the UI (no Streamlit calls): HTML of verbatim texts, badges, labels, the outline.

Texts are shown verbatim: they are HTML-escaped piece by piece around the spans that get markup, line breaks are
kept (CSS `white-space: pre-wrap`), and provenance comments (`<!-- ... -->`) of the corpus files are not shown.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from indexer.corpus.citation import format_date, unit_phrases
from indexer.corpus.filters import type_label
from indexer.corpus.models import Clause, Document
from indexer.search.parallels import DETAIL, LABELS, PARENT, Partner, grouped, join_units

_COMMENT = re.compile(r"<!--.*?-->", re.S)
# A line of dashes only: a typographic separator of the original (under a title, before an appendix), drawn as a rule.
_RULE_LINE = re.compile(r"^[ \t]*-{3,}[ \t]*$", re.M)
# A blank line in the middle of a sentence (a page break of the source): the line before ends without punctuation
# and the next starts with a lower-case word, not with a list marker such as "b)". Shown as one space.
_BROKEN_PARAGRAPH = re.compile(r"(?<=[^\W_]|,)[ \t]*\n[ \t]*\n\s*(?=[^\W\d_])")
_LIST_MARKER = re.compile(r"[^\W\d_]{1,2}[.)](?:\s|$)|[ivx]+\.")
# "(...)" or "(…)": the source of the stored text did not print this part, or its excerpt stops here.
_GAP = re.compile(r"\((?:\.{3}|…)\)|\[(?:\.{3}|…)\]")
GAP_TITLE = ("Nguồn thu thập không in phần này (hoặc trích dẫn dừng ở đây): phần này chưa có nguyên văn trong kho, "
             "hãy đối chiếu văn bản gốc.")
RULE_HTML = '<span class="soi-rule" role="separator"></span>'

# Levels shown in a document's outline, outermost first.
OUTLINE_LEVELS = ("part", "chapter", "section", "article")
_GROUP_LEVELS = ("document", "part", "chapter", "section", None)


@dataclass(frozen=True)
class Markup:
    """A range of the text to wrap: tag "mark" (query words) or a CSS class put on a <span> (with a tooltip)."""

    start: int
    end: int
    tag: str = "mark"
    title: str = ""

    def wrap(self, chunk: str) -> str:
        if self.tag == "mark":
            return f"<mark>{chunk}</mark>"
        title = f' title="{html.escape(self.title, quote=True)}"' if self.title else ""
        return f'<span class="{self.tag}"{title}>{chunk}</span>'


@dataclass(frozen=True)
class Edit:
    """A range of the text shown differently: `html` in its place (escaped text when `text` is set, so markups wrap
    it; raw HTML otherwise)."""

    start: int
    end: int
    html: str
    text: bool = False


def hidden_ranges(text: str) -> list[tuple[int, int]]:
    """Ranges of `text` not to display: provenance comments with their padding (and their line if alone on it)."""
    out = []
    for m in _COMMENT.finditer(text):
        s, e = m.span()
        while s > 0 and text[s - 1] in " \t":
            s -= 1
        while e < len(text) and text[e] in " \t":
            e += 1
        if (s == 0 or text[s - 1] == "\n") and e < len(text) and text[e] == "\n":
            e += 1
        out.append((s, e))
    return out


def display_edits(text: str) -> list[Edit]:
    """How the verbatim text is laid out, never what it says: comments hidden, dash-only lines drawn as a rule, a
    blank line that splits a sentence (a page break of the source) shown as a space. Sorted, non-overlapping."""
    hidden = hidden_ranges(text)

    def free(s: int, e: int) -> bool:
        return not any(a < e and s < b for a, b in hidden)

    edits = [Edit(s, e, "") for s, e in hidden]
    edits += [Edit(m.start(), m.end(), RULE_HTML) for m in _RULE_LINE.finditer(text) if free(*m.span())]
    for m in _BROKEN_PARAGRAPH.finditer(text):
        nxt = text[m.end() : m.end() + 5]
        if nxt[:1].islower() and not _LIST_MARKER.match(nxt) and free(*m.span()):
            edits.append(Edit(m.start(), m.end(), " ", text=True))
    edits.sort(key=lambda x: x.start)
    return edits


def gap_markups(text: str) -> list[Markup]:
    """The "(...)" marks where the stored text is incomplete, with a note saying so."""
    return [Markup(m.start(), m.end(), "soi-gap", GAP_TITLE) for m in _GAP.finditer(text)]


def to_html(
    text: str,
    start: int = 0,
    end: int | None = None,
    markups: Iterable[Markup] = (),
    anchors: Iterable[tuple[int, str]] = (),
) -> str:
    """Escaped HTML of `text[start:end]` with markups and empty anchor elements (`<span id=…>`) inserted, laid out
    by `display_edits`.

    Every piece between two boundaries is escaped and wrapped on its own, so overlapping markups always nest
    correctly. Leading and trailing line breaks are dropped.
    """
    end = len(text) if end is None else end
    markups = [*markups, *gap_markups(text)]
    clip = [Markup(max(m.start, start), min(m.end, end), m.tag, m.title) for m in markups
            if m.end > start and m.start < end]
    clip.sort(key=lambda m: (m.start, -m.end))
    edits = [Edit(max(x.start, start), min(x.end, end), x.html, x.text) for x in display_edits(text)
             if x.end > start and x.start < end]
    anchor_at: dict[int, list[str]] = {}
    for pos, ident in anchors:
        if start <= pos <= end:
            anchor_at.setdefault(pos, []).append(ident)
    points = {start, end, *anchor_at}
    for m in clip:
        points.update((m.start, m.end))
    for x in edits:
        points.update((x.start, x.end))
    ordered = sorted(points)
    out: list[str] = []
    for i, a in enumerate(ordered):
        for ident in anchor_at.get(a, ()):
            out.append(f'<span id="{html.escape(ident)}"></span>')
        if i + 1 == len(ordered):
            break
        b = ordered[i + 1]
        edit = next((x for x in edits if x.start <= a and b <= x.end), None)
        if edit is not None:
            if a != edit.start or not edit.html:
                continue
            if not edit.text:
                out.append(edit.html)
                continue
            chunk = html.escape(edit.html, quote=False)
        else:
            chunk = html.escape(text[a:b], quote=False)
        for m in reversed([m for m in clip if m.start <= a and b <= m.end]):
            chunk = m.wrap(chunk)
        out.append(chunk)
    return "".join(out).strip("\n")


# ---- tables ------------------------------------------------------------------------------------------------
# Tables of the source texts (the appendix of QĐ 384) come out of their PDF one cell a paragraph: a "STT" header
# cell, the other header cells, then each row from its number ("1", "2", …), cells in reading order. A cell that
# spans several rows of the original appears once, at the first row it covers.

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_ROW_NUMBER = re.compile(r"(\d{1,3})\.?")
_HEADER_FIRST = ("stt", "tt", "số tt", "số thứ tự")
_SYL = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Cell:
    start: int
    end: int
    col: int
    rowspan: int = 1


@dataclass(frozen=True)
class Table:
    """A table found in a text: its range, header cells and body rows (each a list of cells, row-spanning cells
    only in the first row they cover)."""

    start: int
    end: int
    header: tuple[tuple[int, int], ...]
    rows: tuple[tuple[Cell, ...], ...]


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    pos = start
    for m in _PARAGRAPH_BREAK.finditer(text, start, end):
        if text[pos : m.start()].strip():
            out.append((pos, m.start()))
        pos = m.end()
    if text[pos:end].strip():
        out.append((pos, end))
    trimmed = []
    for a, b in out:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        trimmed.append((a, b))
    return trimmed


def _lead(text: str, span: tuple[int, int], n: int = 2) -> tuple[str, ...]:
    """The first `n` syllables of a cell, lower case: cells of one column of these tables start alike."""
    return tuple(_SYL.findall(text[span[0] : span[1]].lower())[:n])


def _layout(text: str, number: tuple[int, int], cells: list[tuple[int, int]], ncols: int) -> list[list[Cell]]:
    """The visual rows of one numbered row: the first holds the number and the next cells in column order; a
    further cell goes to the column whose first cell starts with the same words (else the last column). The
    number and the column after it span the whole row; another column's cell spans down to the next cell in it."""
    first = [number, *cells[: ncols - 1]]
    first += [(first[-1][1], first[-1][1])] * (ncols - len(first))
    spanning = {0, 1} if ncols >= 3 else {0}
    free = [c for c in range(ncols) if c not in spanning]
    leads = {c: _lead(text, first[c]) for c in free}
    visual: list[list[tuple[tuple[int, int], int]]] = [[(span, c) for c, span in enumerate(first)]]
    for span in cells[ncols - 1 :]:
        lead = _lead(text, span)
        col = next((c for c in free if lead and leads[c] == lead), free[-1])
        if col == free[0] or any(c >= col for _, c in visual[-1]):
            visual.append([])
        visual[-1].append((span, col))
    rows: list[list[Cell]] = []
    for i, row in enumerate(visual):
        out = []
        for span, col in row:
            if col in spanning:
                height = len(visual)
            else:
                nxt = next((j for j in range(i + 1, len(visual)) if any(c == col for _, c in visual[j])), len(visual))
                height = nxt - i
            out.append(Cell(span[0], span[1], col, height))
        rows.append(sorted(out, key=lambda x: x.col))
    return rows


def find_tables(text: str, start: int = 0, end: int | None = None) -> list[Table]:
    """Tables laid out one cell a paragraph in `text[start:end]` (see above); [] when there is none."""
    end = len(text) if end is None else end
    paras = _paragraphs(text, start, end)
    out: list[Table] = []
    i = 0
    while i < len(paras):
        a, b = paras[i]
        if " ".join(text[a:b].split()).lower() not in _HEADER_FIRST:
            i += 1
            continue
        j = i + 1
        while j < len(paras) and not _ROW_NUMBER.fullmatch(text[slice(*paras[j])].strip()):
            j += 1
        header = paras[i:j]
        if not (2 <= len(header) <= 8) or j >= len(paras) or _ROW_NUMBER.fullmatch(text[slice(*paras[j])].strip())\
                .group(1) != "1" or any(e - s > 120 for s, e in header):
            i += 1
            continue
        rows: list[tuple[Cell, ...]] = []
        k, expected = j, 1
        while k < len(paras) and text[slice(*paras[k])].strip().rstrip(".") == str(expected):
            m = k + 1
            while m < len(paras) and text[slice(*paras[m])].strip().rstrip(".") != str(expected + 1):
                m += 1
            cells = paras[k + 1 : m]
            if not cells or any(e - s > 600 for s, e in cells):
                break
            rows += [tuple(r) for r in _layout(text, paras[k], cells, len(header))]
            k, expected = m, expected + 1
        if rows:
            out.append(Table(header[0][0], paras[k - 1][1], tuple(header), tuple(rows)))
        i = max(k, i + 1)
    return out


def table_html(text: str, table: Table, markups: Sequence[Markup] = (), anchors: Sequence[tuple[int, str]] = ()) -> str:
    """A found table as an HTML table; cells verbatim (line wraps inside a cell shown as spaces by CSS). Anchors
    that fall inside it are put before it."""

    def cell(tag: str, s: int, e: int, rowspan: int = 1) -> str:
        span = f' rowspan="{rowspan}"' if rowspan > 1 else ""
        return f"<{tag}{span}>{to_html(text, s, e, markups)}</{tag}>"

    head = "".join(cell("th", s, e) for s, e in table.header)
    body = "".join("<tr>" + "".join(cell("td", c.start, c.end, c.rowspan) for c in row) + "</tr>"
                   for row in table.rows)
    ids = "".join(f'<span id="{html.escape(ident)}"></span>' for _, ident in anchors)
    return f'{ids}<table class="soi-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def rich_html(text: str, start: int = 0, end: int | None = None, markups: Sequence[Markup] = (),
              anchors: Sequence[tuple[int, str]] = ()) -> str:
    """`to_html`, with the tables of the range drawn as tables."""
    end = len(text) if end is None else end
    tables = find_tables(text, start, end)
    if not tables:
        return to_html(text, start, end, markups, anchors)
    out, pos = [], start
    for t in tables:
        out.append(to_html(text, pos, t.start, markups, [(p, i) for p, i in anchors if pos <= p < t.start]))
        out.append(table_html(text, t, markups, [(p, i) for p, i in anchors if t.start <= p < t.end]))
        pos = t.end
    out.append(to_html(text, pos, end, markups, [(p, i) for p, i in anchors if pos <= p <= end]))
    return "".join(out)


def highlight_html(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """A clause text with the matched words in <mark>, ready for a `soi-text` block."""
    return rich_html(text, markups=[Markup(s, e) for s, e in spans])


def anchor_id(clause_id: str) -> str:
    """HTML id of a clause's anchor in the reader ("qd-69-2022/d55/k1" -> "soi-qd-69-2022-d55-k1")."""
    return "soi-" + re.sub(r"[^A-Za-z0-9_-]", "-", clause_id)


_ARTICLE_HEAD = re.compile(r"\s*Điều\s+[0-9]+[a-zđ]?\.?|\s*Điều\s+\S+")


def heading_end(c: Clause, text: str) -> int:
    """Where the heading of a structural unit ends in `text`: "Điều 7. Hình thức kỷ luật" (not the article's
    run-in text when it has no title), "Chương I" plus a title line such as "ĐẢNG VIÊN"."""
    s, e = c.span
    line_end = text.find("\n", s, e)
    line_end = e if line_end < 0 else line_end
    first = text[s:line_end]
    title = _COMMENT.sub("", c.title or "").strip()
    if c.level == "article":
        k = first.find(title) if title else -1
        if k >= 0:
            return s + k + len(title)
        m = _ARTICLE_HEAD.match(first)
        return s + m.end() if m else line_end
    if title and title not in first and line_end < e:
        next_end = text.find("\n", line_end + 1, e)
        next_end = e if next_end < 0 else next_end
        if title in text[line_end + 1 : next_end]:
            return next_end
    return line_end


TARGET_ID = "soi-target"


def target_selector(clause_id: str) -> str:
    """CSS selector of the highlighted block of `clause_id` in the reader."""
    return f'#{TARGET_ID}[data-clause="{clause_id}"]'


def document_html(doc: Document, clauses: Sequence[Clause], target: Clause | None = None) -> str:
    """The body of a document as HTML blocks: structural headings bold, an anchor at each clause, and the
    `target` clause (if any) in its own highlighted block with id `soi-target` and its id in `data-clause`."""
    headings = []
    anchors = []
    for c in clauses:
        anchors.append((c.span[0], anchor_id(c.id)))
        if c.level in OUTLINE_LEVELS:
            headings.append(Markup(c.span[0], heading_end(c, doc.text), "soi-h"))
    start = doc.body_start
    if target is None:
        return f'<div class="soi-text">{rich_html(doc.text, start, len(doc.text), headings, anchors)}</div>'
    t0, t1 = target.span
    parts = [
        ("soi-text", rich_html(doc.text, start, t0, headings, anchors), ""),
        (
            "soi-text soi-target",
            rich_html(doc.text, t0, t1, headings, anchors),
            f' id="{TARGET_ID}" data-clause="{html.escape(target.id, quote=True)}"',
        ),
        ("soi-text", rich_html(doc.text, t1, len(doc.text), headings, anchors), ""),
    ]
    return "".join(f'<div class="{cls}"{extra}>{body}</div>' for cls, body, extra in parts if body)


# ---- labels ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Badge:
    label: str
    color: str
    icon: str


def status_badges(doc: Document, status_label: str) -> list[Badge]:
    """Validity badge (green in force, orange replaced, blue amended, grey news) and a partial-text badge."""
    status = (doc.status or "").strip()
    if status.startswith("replaced"):
        badges = [Badge(status_label, "orange", ":material/swap_horiz:")]
    elif "amended" in status:
        badges = [Badge(status_label, "blue", ":material/edit_note:")]
    elif doc.in_force:
        badges = [Badge(status_label, "green", ":material/check_circle:")]
    else:
        badges = [Badge(status_label, "gray", ":material/info:")]
    if doc.is_partial:
        badges.append(Badge("Văn bản chưa đầy đủ", "violet", ":material/content_cut:"))
    return badges


def badges_markdown(badges: Iterable[Badge]) -> str:
    """Streamlit Markdown for a row of badges."""
    out = []
    for b in badges:
        label = md_escape(b.label).replace("[", "(").replace("]", ")")
        out.append(f":{b.color}-badge[{b.icon} {label}]")
    return " ".join(out)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$])")


def md_escape(text: str) -> str:
    """Escape characters Streamlit Markdown would interpret (emphasis, links, HTML, math with $)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def document_meta(doc: Document) -> list[tuple[str, str]]:
    """(label, value) pairs describing a document: số hiệu, loại, ngày, cơ quan ban hành."""
    rows = [("Số hiệu", doc.code), ("Loại", type_label(doc.type))]
    date = format_date(doc.issued)
    rows.append(("Ngày ban hành", date or "không rõ"))
    rows.append(("Cơ quan ban hành", doc.issuer or "không rõ"))
    return rows


def meta_line(doc: Document) -> str:
    """One line of document facts for a result card."""
    return " · ".join(f"{k}: {v}" for k, v in document_meta(doc))


def doc_option_label(doc: Document) -> str:
    """How a document is named in a select box: number, title, year (whole: a long title wraps, it is not cut)."""
    title = " ".join(doc.title.split())
    year = f" ({doc.year})" if doc.year else ""
    if doc.code and doc.code != doc.title:
        return f"{doc.code} — {title}{year}"
    return f"{title}{year}"


def clause_phrase(clause: Clause) -> str:
    """The innermost structural phrase of a clause ("điểm b", "khoản 2", "Điều 4") or its label."""
    phrases = unit_phrases(clause)
    return phrases[0] if phrases else clause.label


def _short(text: str) -> str:
    """A heading on one line, without provenance comments (whole: labels wrap, they are never cut)."""
    return " ".join(_COMMENT.sub("", text).split())


def context_line(clause: Clause, depth: int = 2) -> str:
    """The innermost enclosing headings (and the clause's own title), e.g. "Chương VII. KỶ LUẬT › Điều 35"."""
    parts = [h for h in clause.heading if _short(h)]
    if clause.level in OUTLINE_LEVELS and clause.title:
        parts.append(clause.title)
    return " › ".join(_short(p) for p in parts[-depth:])


def clause_text(clause: Clause) -> str:
    """A clause's verbatim text as a reader copies it: provenance comments left out, nothing else changed."""
    text = clause.text
    out, pos = [], 0
    for s, e in hidden_ranges(text):
        out.append(text[pos:s])
        pos = e
    out.append(text[pos:])
    return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip()


def copy_text(citation: str, clause: Clause) -> str:
    """What «Sao chép trích dẫn» puts on the clipboard: the citation, then the clause verbatim in «»."""
    return f"{citation}:\n«{clause_text(clause)}»"


# ---- outline -----------------------------------------------------------------------------------------------


OUTLINE_LABEL_MAX = 90


@dataclass(frozen=True)
class OutlineEntry:
    """An entry of the reader's table of contents. `label` is shortened to OUTLINE_LABEL_MAX characters (an
    item of a programme can be a whole paragraph); `full` is the whole heading, for the tooltip."""

    clause_id: str
    label: str
    depth: int
    full: str = ""


def _first_line(clause: Clause) -> str:
    line = _COMMENT.sub("", clause.text.split("\n", 1)[0]).strip()
    return line


def outline_entries(clauses: Sequence[Clause]) -> list[OutlineEntry]:
    """The reader's table of contents: parts, chapters, sections and articles (Chương/Điều); for documents
    without articles (programmes, news), their top-level items."""
    by_id = {c.id: c for c in clauses}
    has_articles = any(c.level == "article" for c in clauses)

    def wanted(c: Clause) -> bool:
        if c.level in OUTLINE_LEVELS:
            return True
        if has_articles or c.level != "item":
            return False
        parent = by_id.get(c.parent) if c.parent else None
        return parent is None or parent.level in _GROUP_LEVELS

    out = []
    for c in clauses:
        if not wanted(c):
            continue
        depth = 0
        node = by_id.get(c.parent) if c.parent else None
        while node is not None:
            if wanted(node):
                depth += 1
            node = by_id.get(node.parent) if node.parent else None
        full = _entry_label(c)
        label = full if len(full) <= OUTLINE_LABEL_MAX else full[: OUTLINE_LABEL_MAX - 1].rstrip() + "…"
        out.append(OutlineEntry(c.id, label, depth, full))
    return out


def _entry_label(c: Clause) -> str:
    first = _first_line(c)
    title = _COMMENT.sub("", c.title or "").strip()
    if c.level == "article":
        head = f"Điều {c.label}"
        return f"{head}. {title}" if title and title not in head else head
    if title and title not in first:
        first = f"{first} {title}".strip()
    return " ".join(first.split()) or c.label


# ---- references and the document graph -------------------------------------------------------------------


def reader_href(doc_id: str, clause_id: str | None = None) -> str:
    """Relative link to the reader (the «Văn bản» page, url path `van-ban`), opened at a clause if given."""
    from urllib.parse import urlencode

    params = {"doc": doc_id} | ({"clause": clause_id} if clause_id else {})
    return "van-ban?" + urlencode(params)


DOC_TABLE_LINKED = ("Số hiệu", "Tên văn bản")  # cells that open the document in the reader


def documents_table_html(rows: Sequence[dict[str, object]], doc_ids: Sequence[str]) -> str:
    """The corpus as a plain HTML table, one row a document, whose number and title link to the reader: a static
    table has no English column menu and no canvas, so it reads, prints and is searched like the rest of the page."""
    if not rows:
        return ""
    heads = list(rows[0])
    out = ['<div class="soi-doc-table-wrap"><table class="soi-table soi-doc-table"><thead><tr>']
    out += [f"<th>{html.escape(h)}</th>" for h in heads]
    out.append("</tr></thead><tbody>")
    for row, doc_id in zip(rows, doc_ids, strict=True):
        cells = []
        for h in heads:
            value = str(row[h])
            cell = link_html(value, reader_href(doc_id)) if h in DOC_TABLE_LINKED else html.escape(value)
            cells.append(f"<td>{cell}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def muted(text: str) -> str:
    """A greyed-out remark after a name ("(ngoài kho)"), styled inline so it works on every page."""
    return f'<span class="soi-out" style="opacity:.65">{html.escape(text)}</span>'


def link_html(label: str, href: str) -> str:
    """An escaped same-tab link (deep links of the reader open in the same window)."""
    return f'<a href="{html.escape(href, quote=True)}" target="_self">{html.escape(label)}</a>'


def ref_label(ref) -> str:
    """A reference as written, on one line."""
    return " ".join(ref.text.split())


def refs_line_html(graph, clause: Clause, documents: dict[str, Document], limit: int = 6) -> str:
    """The card's «Dẫn chiếu» line: what the clause cites (resolved ones linked to the reader, others as written,
    marked «ngoài kho»), and the replacement or amendment of its document; "" when there is nothing to say."""
    parts: list[str] = []
    seen: set[str] = set()
    cited = []
    for r in graph.cites(clause.id):
        label = ref_label(r)
        if label in seen:
            continue
        seen.add(label)
        if r.target_doc and r.target_doc in documents:
            cited.append(link_html(label, reader_href(r.target_doc, r.target_clause)))
        else:
            cited.append(f"{html.escape(label)} {muted('(ngoài kho)')}")
    if cited:
        more = f" … và {len(cited) - limit} dẫn chiếu khác" if len(cited) > limit else ""
        parts.append("Dẫn chiếu: " + "; ".join(cited[:limit]) + more)
    doc = documents.get(clause.doc_id)
    for title, refs in (("Được thay thế bởi", graph.replaced_by(clause.doc_id)),
                        ("Được sửa đổi bởi", graph.amended_by(clause.doc_id) if doc is not None else [])):
        names = []
        for r in refs:
            src = r.source_doc
            if src in documents:
                names.append(link_html(documents[src].code or src, reader_href(src)))
            else:
                code = html.escape(r.code or ref_label(r))
                names.append(f"{code} {muted('(chưa có trong kho)')}")
        if names:
            parts.append(f"{title}: " + ", ".join(dict.fromkeys(names)))
    if not parts:
        return ""
    return f'<p class="soi-note soi-refs">{" · ".join(parts)}</p>'


def parallels_line_html(partners: Sequence[Partner], clauses: dict[str, Clause], documents: dict[str, Document]) -> str:
    """The card's parallel provisions (`indexer.search.parallels`, a reviewed map): «Quy định chi tiết: …» under a
    Điều lệ provision, «Quy định tại: …» under the regulation article that details it; cited in words (a replaced
    document with its replacement), each article or khoản linked to the reader. "" when there are none."""
    parts = []
    for role in (DETAIL, PARENT):
        cites = []
        for units, doc in grouped(list(partners), role, clauses, documents):
            links = [link_html(label, reader_href(c.doc_id, c.id)) for label, c in units]
            cites.append(f"{join_units(links)}, {html.escape(doc)}")
        if cites:
            parts.append(f"{LABELS[role]}: " + "; ".join(cites))
    if not parts:
        return ""
    return f'<p class="soi-note soi-parallels">{" · ".join(parts)}</p>'


GRAPH_COLORS = {"in_force": "#dcfce7", "replaced": "#fed7aa", "amended": "#dbeafe", "news": "#f3f4f6",
                "outside": "#ffffff"}
EDGE_STYLES = {"cites": ("trích dẫn", "#6b7280", "solid"), "replaces": ("thay thế", "#c2410c", "bold"),
               "amends": ("sửa đổi", "#1d4ed8", "dashed")}


def _dot_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node_kind(doc: Document | None) -> str:
    if doc is None:
        return "outside"
    status = (doc.status or "").strip()
    if status.startswith("replaced"):
        return "replaced"
    if "amended" in status:
        return "amended"
    return "in_force" if doc.normative else "news"


def graph_dot(edges: Sequence[tuple[str, str, str]], documents: dict[str, Document], focus: str | None = None,
              outside: bool = True, nodes: Sequence[str] = ()) -> str:
    """A Graphviz DOT graph: documents as nodes (replaced ones orange with «đã được thay thế», documents outside the
    corpus dashed), edges «trích dẫn» / «thay thế» / «sửa đổi». With `focus`, only that document's neighbours; with
    `outside` off, edges to documents outside the corpus are left out except replacements and amendments; `nodes`
    are shown even when no edge touches them."""
    keep = []
    for src, rel, tgt in edges:
        if focus and focus not in (src, tgt):
            continue
        inside = src in documents and tgt in documents
        if not outside and not inside and rel == "cites":
            continue
        keep.append((src, rel, tgt))
    shown: list[str] = []
    for src, _, tgt in keep:
        for n in (src, tgt):
            if n not in shown:
                shown.append(n)
    for n in [*nodes, *([focus] if focus else [])]:
        if n not in shown:
            shown.append(n)
    lines = ["digraph soi {", '  graph [rankdir=LR, bgcolor="transparent", fontname="Helvetica", nodesep=0.25];',
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, color="#9ca3af"];',
             '  edge [fontname="Helvetica", fontsize=9];']
    for n in shown:
        doc = documents.get(n)
        kind = _node_kind(doc)
        label = (doc.code or n) if doc else n.lstrip("?")
        if doc is not None and doc.year and str(doc.year) not in label:
            label += f" ({doc.year})"
        attrs = {"label": label, "fillcolor": GRAPH_COLORS[kind]}
        if kind == "replaced":
            attrs["label"] = f"{label}\nđã được thay thế"
            attrs["color"] = "#c2410c"
        elif kind == "outside":
            attrs["label"] = f"{label}\nngoài kho"
            attrs["style"] = "rounded,dashed"
        if doc is not None:
            attrs["tooltip"] = doc.title
            attrs["URL"] = reader_href(n)
            attrs["target"] = "_top"
        if n == focus:
            attrs["penwidth"] = "2.5"
            attrs["color"] = "#d97706"
        body = ", ".join(f"{k}={_dot_str(v)}" for k, v in attrs.items())
        lines.append(f"  {_dot_str(n)} [{body}];")
    for src, rel, tgt in keep:
        label, color, style = EDGE_STYLES.get(rel, (rel, "#6b7280", "solid"))
        lines.append(f'  {_dot_str(src)} -> {_dot_str(tgt)} [label={_dot_str(label)}, color={_dot_str(color)}, '
                     f'fontcolor={_dot_str(color)}, style={style}];')
    lines.append("}")
    return "\n".join(lines)


# ---- discipline --------------------------------------------------------------------------------------------

# How a discipline link was made (indexer.rules.discipline BASIS_LABELS keys) → badge colour and icon; the label is the
# link's own Vietnamese label, never a score.
BASIS_BADGES = {"curated": ("green", ":material/verified:"),
                "kind": ("blue", ":material/category:"),
                "kind-title": ("blue", ":material/category:"),
                "reference": ("blue", ":material/link:"),
                "own-sanction": ("blue", ":material/article:"),
                "similarity": ("gray", ":material/join_inner:"),
                "general": ("gray", ":material/balance:")}


def discipline_badges(label: str, forms: Sequence[str], absent: bool = False, low: bool = False,
                      basis: str = "") -> list[Badge]:
    """Badges of a discipline provision: how it was linked (in words), its penalty forms (red), and whether it is
    missing from the corpus or only a weak lead."""
    color, icon = BASIS_BADGES.get(basis, ("gray", ":material/link:"))
    out = [Badge(label, color, icon)]
    if low:
        out.append(Badge("gợi ý yếu", "orange", ":material/warning:"))
    if absent:
        out.append(Badge("chưa có trong kho", "violet", ":material/content_cut:"))
    out += [Badge(f, "red", ":material/gavel:") for f in forms]
    return out


def provision_html(text: str, marks: Iterable) -> str:
    """A discipline provision's verbatim text with each penalty form it states marked (`soi-penalty`)."""
    return to_html(text, markups=[Markup(m.start, m.end, "soi-penalty") for m in marks])


INSPECTOR_CSS = """
<style>
.soi-penalty { background: #fee2e2; color: #991b1b; font-weight: 600; padding: 0 .15em; border-radius: .2em; }
.soi-out { color: rgba(49, 51, 63, .55); }
.soi-refs a { color: #b45309; }
</style>
"""
