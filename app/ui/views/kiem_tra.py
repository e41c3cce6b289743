"""Trang «Kiểm tra»: a case described in words → the rules that apply, the checks they imply, discipline provisions
(each with how it was linked and the penalty forms it states), and the whole result to print or export."""

from __future__ import annotations

import html

import streamlit as st

from app.ui import core, render
from indexer.case import CaseResult, analyze_case, export, filename
from indexer.checks import MODALITY_LABELS

EXAMPLE = "Đảng viên là cấp ủy viên bị khởi tố hình sự thì xử lý kỷ luật thế nào?"
DOWNLOADS = (
    ("md", "Báo cáo (Markdown)", "text/markdown", ":material/description:"),
    ("docx", "Báo cáo (Word)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     ":material/article:"),
    ("pdf", "Báo cáo (PDF)", "application/pdf", ":material/picture_as_pdf:"),
    ("csv", "Danh sách kiểm tra (CSV)", "text/csv", ":material/table:"),
)


def _result(text: str, k: int) -> CaseResult:
    """The analysis of this case, kept in the session: widget changes and downloads do not redo it."""
    key = (text, k)
    cached = st.session_state.get("case_result")
    if cached and cached[0] == key:
        return cached[1]
    result = analyze_case(text, core.get_searcher(), k=k)
    st.session_state["case_result"] = (key, result)
    return result


def _rule_discipline(result: CaseResult, r) -> None:
    """Under a rule: the discipline provisions for breaking it, with provenance and penalty forms as badges."""
    rd = r.discipline
    if rd is None:
        return
    if rd.is_discipline:
        st.caption("Điều khoản này là quy định về kỷ luật.")
        return
    if not rd.links:
        return
    st.markdown("**Kỷ luật khi vi phạm**")
    for x in rd.links[:4]:
        badges = render.badges_markdown(render.discipline_badges(x.provenance, x.score, x.forms, x.absent, x.low))
        st.markdown(f"- {render.md_escape(x.citation)} {badges}")


def _discipline(result: CaseResult) -> None:
    st.subheader("Quy định về kỷ luật có thể áp dụng", anchor=False)
    st.caption("Nguồn liên kết: «do người duyệt» (tệp liên kết đã duyệt), «văn bản tự nêu» (loại vi phạm hoặc dẫn "
               "chiếu có trong văn bản), «tương đồng nội dung» (chỉ khi không có hai nguồn trên; điểm thấp là gợi ý).")
    for i, d in enumerate(result.specific):
        with st.container(border=True, key=f"disc-{i}"):
            st.markdown(f"**{render.md_escape(d.citation)}**")
            st.markdown(render.badges_markdown(render.discipline_badges(d.provenance, d.score, d.penalties, d.absent,
                                                                        d.low)))
            rules = [x.split("/", 1)[-1] if x else "mô tả tình huống" for x in d.rules]
            st.html(f'<p class="soi-meta">Liên quan: {html.escape(", ".join(rules))}</p>'
                    f'<p class="soi-note">{html.escape(d.note)}</p>')
            if d.text:
                with st.expander("Nguyên văn", expanded=not d.low, icon=":material/format_quote:"):
                    link = render.link_html("Mở trong văn bản", render.reader_href(d.clause_id.split("/", 1)[0],
                                                                                    d.clause_id))
                    st.html(f'<div class="soi-text">{render.provision_html(d.text, d.marks)}</div>'
                            f'<p class="soi-refs">{link}</p>')
    if result.general:
        st.markdown("**Hình thức và thẩm quyền kỷ luật chung**")
        for d in result.general:
            forms = " ".join(f":red-badge[{f}]" for f in d.penalties)
            st.markdown(f"- {render.md_escape(d.citation)} {forms}  \n  *{render.md_escape(d.note)}*")
    for m in result.missing:
        st.info(m, icon=":material/content_cut:")


def _downloads(result: CaseResult) -> None:
    st.subheader("Xuất kết quả", anchor=False)
    cols = st.columns(len(DOWNLOADS))
    for col, (fmt, label, mime, icon) in zip(cols, DOWNLOADS, strict=True):
        data = (lambda f=fmt: export(result, f)) if fmt in ("docx", "pdf") else export(result, fmt)
        col.download_button(label, data, file_name=filename(result, fmt), mime=mime, icon=icon, key=f"dl-{fmt}",
                            on_click="ignore")


def main() -> None:
    st.title("Kiểm tra", anchor=False)
    st.caption(
        "Mô tả tình huống bằng lời: soi tìm các quy định áp dụng (kèm trích dẫn và hiệu lực), các nội dung cần "
        "kiểm tra mà quy định đặt ra và các quy định về kỷ luật có thể áp dụng, kèm hình thức kỷ luật."
    )
    st.html(render.INSPECTOR_CSS)
    with st.form("kiem_tra", border=False, enter_to_submit=True):
        st.text_area("Tình huống", key="case", placeholder=f"Ví dụ: {EXAMPLE}", max_chars=1000, height=100)
        k = st.select_slider("Số quy định", (3, 5, 8, 10), value=5, key="case_k")
        st.form_submit_button("Phân tích", type="primary", icon=":material/checklist:")
    text = (st.session_state.get("case") or "").strip()
    if not text:
        return
    result = _result(text, k)
    st.subheader("Quy định áp dụng", anchor=False)
    if not result.rules:
        st.info("Không tìm thấy quy định phù hợp.")
    for i, r in enumerate(result.rules, 1):
        with st.container(border=True, key=f"rule-{i}"):
            st.markdown(f"**{i}. {render.md_escape(r.hit.citation)}**")
            if r.replaced:
                st.warning(f"{r.hit.status_label} — chỉ để đối chiếu, không áp dụng thay văn bản còn hiệu lực.",
                           icon=":material/history:")
            else:
                st.caption(r.hit.status_label)
            st.html(f'<div class="soi-text">{render.highlight_html(r.hit.clause.text, r.hit.highlights)}</div>')
            if r.checks:
                st.markdown("**Nội dung cần kiểm tra**")
                for c in r.checks:
                    dl = f" · thời hạn: {c.deadline}" if c.deadline else ""
                    st.markdown(f"- [{MODALITY_LABELS[c.modality]}] {render.md_escape(c.item)}")
                    st.caption(f"Chủ thể: {c.subject or '—'} · cơ quan kiểm tra: {c.actor} · hình thức: {c.kind} · "
                               f"tài liệu: {', '.join(c.evidence)}{dl} · nguồn: {c.provenance} ({c.confidence})")
            else:
                st.caption("Điều khoản này không đặt ra nghĩa vụ, điều cấm hay quyền cần kiểm tra.")
            _rule_discipline(result, r)
    _discipline(result)
    _downloads(result)


with core.guard():
    main()
