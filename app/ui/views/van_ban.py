"""Trang «Văn bản»: the list of documents, and a reader for one document with its outline (Chương/Điều).

Deep links: `?doc=<document id>` opens a document, `&clause=<clause id>` opens it at that clause.
"""

from __future__ import annotations

import html
from urllib.parse import quote

import streamlit as st

from app.ui import core, render, widgets
from indexer.citation import clause_citation, completeness_label, document_citation, format_date, status_label
from indexer.filters import type_label

READER_HEIGHT = 680


def document_list(searcher) -> None:
    """All documents of the index as a table; choosing one opens the reader."""
    docs = sorted(searcher.documents.values(), key=lambda d: (not d.normative, d.type, d.issued or "", d.id))
    counts: dict[str, int] = {}
    for c in searcher.clauses.values():
        counts[c.doc_id] = counts.get(c.doc_id, 0) + 1
    st.title("Văn bản", anchor=False)
    st.caption(
        f"Kho có {len(docs)} văn bản, {len(searcher.clauses)} điều khoản. "
        "Chọn một văn bản để đọc toàn văn kèm mục lục."
    )
    by_id = {d.id: d for d in docs}
    choice = st.selectbox(
        "Mở văn bản",
        [d.id for d in docs],
        index=None,
        format_func=lambda i: render.doc_option_label(by_id[i]),
        placeholder="Chọn văn bản…",
        key="doc_pick",
    )
    rows = [
        {
            "Số hiệu": d.code,
            "Tên văn bản": d.title,
            "Ngày ban hành": format_date(d.issued) or "không rõ",
            "Cơ quan ban hành": d.issuer,
            "Loại": type_label(d.type),
            "Tình trạng": status_label(d, searcher.documents),
            "Toàn văn": "Chưa đầy đủ" if d.is_partial else "Đầy đủ",
            "Số điều khoản": counts.get(d.id, 0),
            "Nguồn": "; ".join(d.sources),
        }
        for d in docs
    ]
    gen = st.session_state.get("doc_table_gen", 0)
    event = st.dataframe(
        rows,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key=f"doc_table_{gen}",
        column_config={
            "Tên văn bản": st.column_config.TextColumn(width="large"),
            "Nguồn": st.column_config.TextColumn(width="medium"),
        },
    )
    st.caption("Bấm vào một dòng để mở văn bản.")
    picked = None
    if event and event.selection.rows:
        picked = docs[event.selection.rows[0]].id
    elif choice:
        picked = choice
    if picked:
        st.session_state["doc_table_gen"] = gen + 1  # a fresh table next time, with no row selected
        st.session_state.pop("doc_pick", None)
        st.query_params.from_dict({"doc": picked})
        st.rerun()


def _sources(doc) -> None:
    with st.expander(f"Nguồn ({len(doc.sources)})", icon=":material/link:"):
        if not doc.sources:
            st.write("Không ghi nguồn.")
        for s in doc.sources:
            st.markdown(f"- {render.md_escape(s)}")
        if doc.notes:
            st.caption(render.md_escape(doc.notes))


def _outline(doc, clauses, target) -> str | None:
    """The table of contents as links; returns the id of the entry that holds the target clause, if any."""
    st.subheader("Mục lục", anchor=False)
    entries = render.outline_entries(clauses)
    current = None
    if target is not None:
        holders = [e.clause_id for e in entries if e.clause_id == target.id or target.id.startswith(e.clause_id + "/")]
        current = max(holders, key=len) if holders else None
    with st.container(height=READER_HEIGHT, border=False, key="outline"):
        if not entries:
            st.caption("Văn bản không chia chương, điều.")
        for e in entries:
            label = render.md_escape(e.label)
            if e.depth == 0 and not e.label.startswith("Điều"):
                label = f"**{label}**"
            if e.clause_id == current:
                label = f"➤ {label}"
            st.page_link(
                core.PAGE_VAN_BAN,
                label=("\u2003" * e.depth) + label,
                query_params={"doc": doc.id, "clause": e.clause_id},
                width="stretch",
            )
    return current


def reader(searcher, doc_id: str, clause_id: str | None) -> None:
    """One document: facts, validity, outline on the side and the verbatim text, opened at a clause."""
    st.page_link(core.PAGE_VAN_BAN, label="Danh sách văn bản", icon=":material/arrow_back:")
    doc = searcher.documents.get(doc_id)
    if doc is None:
        found = searcher.match_documents(doc_id)
        if not found:
            st.error(f"Không có văn bản «{doc_id}» trong kho.", icon=":material/error:")
            return
        doc = found[0]
    clauses = searcher.outline(doc.id)
    target = None
    if clause_id:
        target = searcher.clauses.get(clause_id)
        if target is None or target.doc_id != doc.id:
            st.warning(
                f"Không tìm thấy điều khoản «{clause_id}» trong văn bản này; đang hiển thị toàn văn.",
                icon=":material/warning:",
            )
            target = None

    st.header(doc.title, anchor=False)
    widgets.badges(doc, status_label(doc, searcher.documents))
    facts = render.meta_line(doc) + " · Trích dẫn: " + document_citation(doc)
    st.html(f'<p class="soi-meta">{html.escape(facts)}</p>')
    if doc.is_partial:
        present = ", ".join(f"Điều {a}" for a in doc.articles_present) if doc.articles_present else ""
        note = completeness_label(doc) + (f": {present}." if present else ".")
        st.html(f'<p class="soi-note">{html.escape(note)} Phần còn lại chưa được thu thập nguyên văn.</p>')
    if not clauses:
        st.info("Văn bản này chưa có nội dung trong kho (chỉ có thông tin mô tả).", icon=":material/info:")
        _sources(doc)
        return

    left, right = st.columns([1, 3], gap="medium")
    with left:
        current = _outline(doc, clauses, target)
    with right:
        if target is not None:
            with st.container(horizontal=True, vertical_alignment="center", key="opened"):
                cite = clause_citation(target, doc)
                st.markdown(f"**Đang mở:** {render.md_escape(cite)}", width="content")
                widgets.copy_button(cite)
        else:
            st.subheader("Toàn văn", anchor=False)
        with st.container(height=READER_HEIGHT, border=True, key="reader"):
            st.html(render.document_html(doc, clauses, target))
        if target is not None:
            widgets.scroll_to(render.target_selector(target.id), ".st-key-reader")
            if current:
                link = f'.st-key-outline a[href$="clause={quote(current, safe="")}"]'
                widgets.scroll_to(link, ".st-key-outline", 0.3)
    _sources(doc)


def main() -> None:
    searcher = core.get_searcher()
    params = st.query_params
    doc_id = params.get("doc")
    if doc_id:
        reader(searcher, doc_id, params.get("clause"))
    else:
        document_list(searcher)


with core.guard():
    main()
