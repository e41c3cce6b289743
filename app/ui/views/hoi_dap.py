"""Trang «Hỏi đáp»: one question box, answers as cited clauses, filters in the sidebar."""

from __future__ import annotations

import time

import streamlit as st

from app.ui import core, render, widgets
from indexer.corpus.filters import facets, select_documents, type_label
from indexer.rules.discipline import missing_for_question, missing_note
from indexer.search.coverage import absent_note

EXAMPLES = (
    "đảng viên dự bị có được ứng cử vào cấp ủy không",
    "thoi hieu xu ly ky luat dang vien",
    "các hình thức kỷ luật đối với tổ chức đảng",
)
K_CHOICES = (5, 10, 15, 20)


def _filters(searcher) -> tuple[list[str] | None, bool, int]:
    """Sidebar filters -> (document ids to search or None for all, in force only, number of answers)."""
    docs = sorted(searcher.documents.values(), key=lambda d: (d.type, d.issued or "", d.id))
    by_id = {d.id: d for d in docs}
    f = facets(docs)
    with st.sidebar:
        st.subheader("Bộ lọc", anchor=False)
        chosen = st.multiselect(
            "Văn bản",
            [d.id for d in docs],
            format_func=lambda i: render.doc_option_label(by_id[i]),
            placeholder="Tất cả văn bản",
            key="f_docs",
            select_all=False,
        )
        types = st.multiselect("Loại văn bản", f.types, format_func=type_label, placeholder="Tất cả", key="f_types",
                               select_all=False)
        issuers = st.multiselect("Cơ quan ban hành", f.issuers, placeholder="Tất cả", key="f_issuers",
                                 select_all=False)
        years = None
        if len(f.years) >= 2:
            years = st.slider("Năm ban hành", f.years[0], f.years[-1], (f.years[0], f.years[-1]), key="f_years")
            if years == (f.years[0], f.years[-1]):
                years = None
        in_force = st.toggle("Chỉ văn bản còn hiệu lực", key="f_in_force")
        k = st.select_slider("Số kết quả", K_CHOICES, value=10, key="f_k")
    if not (chosen or types or issuers or years):
        return None, in_force, k
    selected = select_documents(docs, doc_ids=chosen, types=types, issuers=issuers, year_range=years)
    return [d.id for d in selected], in_force, k


def _use_example(text: str) -> None:
    st.session_state["q"] = text


def _examples() -> None:
    st.caption("Thử một câu hỏi mẫu:")
    with st.container(horizontal=True, gap="small"):
        for i, ex in enumerate(EXAMPLES):
            st.button(ex, key=f"ex-{i}", on_click=_use_example, args=(ex,), type="tertiary", icon=":material/help:")


def main() -> None:
    st.title("Hỏi đáp", anchor=False)
    st.caption(
        "Tra cứu quy định của Đảng về công tác kiểm tra, giám sát và kỷ luật. "
        "Gõ câu hỏi bằng tiếng Việt, có dấu hoặc không dấu; mỗi câu trả lời là nguyên văn điều khoản kèm trích dẫn."
    )
    params = st.query_params
    if params.get("doc"):  # a deep link to a clause given on the front page: open it in the reader
        st.switch_page(core.PAGE_VAN_BAN, query_params={k: params.get(k) for k in ("doc", "clause") if params.get(k)})
    if "q" not in st.session_state:
        st.session_state["q"] = params.get("q", "")
    with st.form("hoi", border=False, enter_to_submit=True):
        st.text_input(
            "Câu hỏi",
            key="q",
            placeholder="Ví dụ: đảng viên dự bị có được ứng cử vào cấp ủy không?",
            max_chars=500,
        )
        st.form_submit_button("Tìm", type="primary", icon=":material/search:")
    searcher = core.get_searcher()  # after the question box, so it shows while the model loads on a first visit
    doc_ids, in_force, k = _filters(searcher)
    query = (st.session_state.get("q") or "").strip()
    if not query:
        params.pop("q", None)
        _examples()
        return
    params["q"] = query
    if doc_ids is not None and not doc_ids:
        st.warning(
            "Không có văn bản nào thỏa mãn bộ lọc đã chọn. Hãy nới bộ lọc ở thanh bên.",
            icon=":material/filter_alt_off:",
        )
        return
    exact = st.session_state.get("exact_for") == query
    t0 = time.perf_counter()
    with st.spinner("Đang tìm…"):
        # one call returns hits, reading and answerability together: concurrent sessions share the searcher
        answer = searcher.ask(query, k=k, doc_ids=doc_ids, in_force_only=in_force, exact=exact)
    hits, analysis = answer.hits, answer.analysis
    elapsed = (time.perf_counter() - t0) * 1000
    if analysis.doc_note:
        st.info(f"Lưu ý: {analysis.doc_note}", icon=":material/info:")
    notes = []
    if not analysis.accented and analysis.dense_text != analysis.content:
        notes.append(f"Đã hiểu câu hỏi là: «{analysis.dense_text}»")
        if st.button("Tìm đúng như đã gõ", key="exact", help="Không tự thêm dấu cho câu hỏi không dấu"):
            st.session_state["exact_for"] = query
            st.rerun()
    elif exact and not analysis.accented:
        notes.append("Đã tìm đúng như đã gõ (không tự thêm dấu)")
    if analysis.doc_ids and doc_ids is None:
        names = ", ".join(searcher.documents[i].code for i in analysis.doc_ids if i in searcher.documents)
        notes.append(f"Chỉ tìm trong văn bản được nêu: {names}")
    notes.append(f"{len(hits)} kết quả · {elapsed:.0f} ms")
    st.caption(" · ".join(render.md_escape(n) for n in notes))
    if not hits:
        st.info(
            "Không tìm thấy điều khoản phù hợp. Hãy thử diễn đạt khác, dùng từ ngữ trong văn bản, hoặc bỏ bớt bộ lọc.",
            icon=":material/search_off:",
        )
        return
    if not answer.answered:
        st.warning(
            "Không tìm thấy điều khoản trả lời trực tiếp câu hỏi này trong kho. "
            "Dưới đây là các điều khoản gần nhất, chỉ để tham khảo; hãy diễn đạt lại hoặc kiểm tra văn bản gốc.",
            icon=":material/help:",
        )
    if answer.absent:
        st.info(
            render.md_escape(f"{absent_note(answer.absent)}. Các điều khoản dưới đây có thể không nói đến điều này; "
                             "văn bản chính thức có thể được bổ sung ở trang «Kho dữ liệu»."),
            icon=":material/manage_search:",
        )
    missing = missing_for_question(query, searcher)
    if missing:
        st.info(
            render.md_escape(f"{missing_note(missing)}. Các điều khoản dưới đây chỉ là những quy định gần nhất "
                             "có trong kho" + ("." if answer.absent else  # the box above already points there
                                               "; văn bản chính thức có thể được bổ sung ở trang «Kho dữ liệu».")),
            icon=":material/gavel:",
        )
    if not answer.answered:
        st.caption("Các điều khoản gần nhất (không trả lời trực tiếp)")
    for hit in hits:
        widgets.result_card(hit, analysis.dense_text)


with core.guard():
    main()
