"""Trang «Văn bản»: the list of documents, and a reader for one document with its outline (Chương/Điều).

Deep links: `?doc=<document id>` opens a document, `&clause=<clause id>` opens it at that clause.
"""

from __future__ import annotations

import html
from urllib.parse import quote

import streamlit as st

from app.ui import core, render, widgets
from indexer.corpus.citation import (
    clause_citation,
    completeness_label,
    document_citation,
    format_date,
    short_citation,
    status_label,
    unit_citation,
)
from indexer.corpus.filters import type_label
from indexer.rules.refs import graph_for

GRAPH_LEGEND = (
    "Mũi tên: «trích dẫn» (xám), «thay thế» (cam, đậm), «sửa đổi» (xanh, nét đứt). Ô cam: văn bản đã được thay "
    "thế, luôn hiển thị cùng văn bản thay thế nó; ô xám: tin bài (không phải văn bản quy phạm); ô nét đứt: văn "
    "bản chưa có trong kho. Bấm vào một ô để mở văn bản."
)

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
    st.html(render.documents_table_html(rows, [d.id for d in docs]))
    st.caption("Bấm vào số hiệu hoặc tên văn bản để đọc.")
    _corpus_graph(searcher)
    if choice:
        st.session_state.pop("doc_pick", None)
        st.query_params.from_dict({"doc": choice})
        st.rerun()


def _corpus_graph(searcher) -> None:
    """Every document of the corpus (news items included) as a graph of citations, replacements and amendments
    (rendered in the browser)."""
    graph = graph_for(searcher)
    every = list(searcher.documents)
    with st.expander("Sơ đồ quan hệ giữa các văn bản", expanded=True, icon=":material/account_tree:"):
        st.graphviz_chart(render.graph_dot(graph.edges(), searcher.documents, outside=False, nodes=every),
                          use_container_width=True)
        st.caption(GRAPH_LEGEND + " Dẫn chiếu tới văn bản ngoài kho có trong trang của từng văn bản.")


def _doc_name(searcher, doc_id: str, code: str | None = None) -> str:
    """A document as a link to the reader, or its code as written with «chưa có trong kho»."""
    d = searcher.documents.get(doc_id)
    if d is not None:
        return render.link_html(d.code, render.reader_href(d.id))
    return f"{html.escape(code or doc_id.lstrip('?'))} {render.muted('(chưa có trong kho)')}"


def _place(searcher, clause_id: str | None) -> str:
    """Where a clause sits in its document, in words ("Khoản 4, Điều 3"), never its id."""
    clause = searcher.clauses.get(clause_id) if clause_id else None
    return unit_citation(clause) if clause is not None else "Toàn văn"


def _cited_at(searcher, r) -> str:
    """The clause a reference is written in, as a short citation with its document ("Điều 10, Quy định 69-QĐ/TW")."""
    clause = searcher.clauses.get(r.source)
    doc = searcher.documents.get(r.source_doc)
    if clause is not None and doc is not None:
        return short_citation(clause, doc)
    return doc.code if doc is not None else "văn bản khác"


def _ref_target(searcher, r) -> str:
    label = html.escape(render.ref_label(r))
    if r.target_doc in searcher.documents:
        href = render.reader_href(r.target_doc, r.target_clause)
        where = _place(searcher, r.target_clause) if r.target_clause else searcher.documents[r.target_doc].code
        return f"{render.link_html(render.ref_label(r), href)} → {html.escape(where)}"
    return f"{label} {render.muted('(ngoài kho)')}"


def _html_list(items: list[str], empty: str) -> str:
    if not items:
        return f'<p class="soi-note">{html.escape(empty)}</p>'
    return "<ul class=\"soi-refs\">" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def relations(searcher, doc, target=None) -> None:
    """Under the reader: a small graph of this document's neighbours, and the lists of what it cites, what cites
    it, what replaced or amended it (and, for an opened clause, that clause's own references)."""
    graph = graph_for(searcher)
    st.html(render.INSPECTOR_CSS)
    st.subheader("Quan hệ với các văn bản khác", anchor=False)
    replaced = graph.replaced_by(doc.id)
    if replaced:
        names = ", ".join(_doc_name(searcher, r.source_doc, r.code) for r in replaced)
        st.html(f'<p class="soi-note">Văn bản này đã được thay thế bởi {names}: các quy định của nó chỉ để đối chiếu, '
                "không áp dụng thay văn bản còn hiệu lực.</p>")
    left, right = st.columns([1, 1], gap="medium")
    with left:
        edges = graph.edges()
        if any(doc.id in (a, b) for a, _, b in edges):
            st.graphviz_chart(render.graph_dot(edges, searcher.documents, focus=doc.id), use_container_width=True)
            st.caption(GRAPH_LEGEND)
        else:
            st.caption("Văn bản này không trích dẫn và không được văn bản nào trong kho trích dẫn.")
    with right:
        cites = [r for r in graph.cites(doc.id) if not r.internal]
        by_target: dict[str, list] = {}
        for r in cites:
            by_target.setdefault(r.target_doc or f"?{r.code or render.ref_label(r)}", []).append(r)
        items = []
        for tgt, refs in by_target.items():
            where = ", ".join(dict.fromkeys(_place(searcher, r.source) for r in refs[:4]))
            more = " …" if len(refs) > 4 else ""
            items.append(f"{_doc_name(searcher, tgt, refs[0].code or render.ref_label(refs[0]))} "
                         + render.muted(f"({len(refs)} lần: {where}{more})"))
        st.markdown("**Văn bản này trích dẫn**")
        st.html(_html_list(items, "Không trích dẫn văn bản nào khác."))
        citing: dict[str, list] = {}
        for r in graph.cited_by(doc.id):
            citing.setdefault(r.source_doc, []).append(r)
        items = []
        for src, refs in citing.items():
            links = ", ".join(dict.fromkeys(
                render.link_html(_place(searcher, r.source), render.reader_href(src, r.source)) for r in refs[:4]))
            items.append(f"{_doc_name(searcher, src)}: {links}" + (" …" if len(refs) > 4 else ""))
        st.markdown("**Được trích dẫn bởi**")
        st.html(_html_list(items, "Chưa có văn bản nào trong kho trích dẫn văn bản này."))
        for title, refs, other in (("Được thay thế bởi", replaced, "source"),
                                   ("Thay thế", graph.replaces(doc.id), "target"),
                                   ("Được sửa đổi bởi", graph.amended_by(doc.id), "source"),
                                   ("Sửa đổi", graph.amends(doc.id), "target")):
            if refs:
                st.markdown(f"**{title}**")
                names = []
                for r in refs:
                    where = "ghi ở thông tin văn bản" if r.provenance == "front matter" else "nêu trong văn bản"
                    name = _doc_name(searcher, r.source_doc if other == "source" else (r.target_doc or "?"), r.code)
                    names.append(f"{name} {render.muted(f'({where})')}")
                st.html(_html_list(list(dict.fromkeys(names)), ""))
    if target is not None:
        own = graph.cites(target.id)
        into = graph.cited_by(target.id)
        if own or into:
            st.markdown(f"**Dẫn chiếu của {html.escape(render.clause_phrase(target))}**")
            items = [_ref_target(searcher, r) for r in own]
            items += [f"Được trích dẫn tại "
                      f"{render.link_html(_cited_at(searcher, r), render.reader_href(r.source_doc, r.source))}: "
                      f"«{html.escape(render.ref_label(r))}»" for r in into]
            st.html(_html_list(items, ""))


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
                label = f":material/arrow_right: {label}"
            st.page_link(
                core.PAGE_VAN_BAN,
                label=("\u2003" * e.depth) + label,
                query_params={"doc": doc.id, "clause": e.clause_id},
                width="stretch",
                help=e.full if e.full != e.label else None,  # a shortened heading: whole in its tooltip
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
                "Không tìm thấy điều khoản được chỉ dẫn trong văn bản này; đang hiển thị toàn văn.",
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
                widgets.copy_button(render.copy_text(cite, target))
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
    relations(searcher, doc, target)


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
