"""Trang «Kiểm tra»: a case described in words → the rules that apply, the checks they imply, discipline provisions."""

from __future__ import annotations

import streamlit as st

from app.ui import core
from indexer.case import analyze_case, checks_csv, to_markdown
from indexer.checks import MODALITY_LABELS

EXAMPLE = "Đảng viên là cấp ủy viên bị khởi tố hình sự thì xử lý kỷ luật thế nào?"


def main() -> None:
    st.title("Kiểm tra", anchor=False)
    st.caption(
        "Mô tả tình huống bằng lời: soi tìm các quy định áp dụng (kèm trích dẫn và hiệu lực), các nội dung cần "
        "kiểm tra mà quy định đặt ra và các quy định về kỷ luật có thể áp dụng."
    )
    with st.form("kiem_tra", border=False, enter_to_submit=True):
        st.text_area("Tình huống", key="case", placeholder=f"Ví dụ: {EXAMPLE}", max_chars=1000, height=100)
        k = st.select_slider("Số quy định", (3, 5, 8, 10), value=5, key="case_k")
        st.form_submit_button("Phân tích", type="primary", icon=":material/checklist:")
    text = (st.session_state.get("case") or "").strip()
    if not text:
        return
    searcher = core.get_searcher()
    result = analyze_case(text, searcher, k=k)
    st.subheader("Quy định áp dụng", anchor=False)
    if not result.rules:
        st.info("Không tìm thấy quy định phù hợp.")
    for i, r in enumerate(result.rules, 1):
        with st.container(border=True):
            st.markdown(f"**{i}. {r.hit.citation}**")
            if r.replaced:
                st.warning(f"{r.hit.status_label} — chỉ để đối chiếu, không áp dụng thay văn bản còn hiệu lực.",
                           icon=":material/history:")
            else:
                st.caption(r.hit.status_label)
            st.text(r.hit.clause.text)
            if r.checks:
                st.markdown("**Nội dung cần kiểm tra**")
                for c in r.checks:
                    dl = f" · thời hạn: {c.deadline}" if c.deadline else ""
                    st.markdown(f"- [{MODALITY_LABELS[c.modality]}] {c.item}")
                    st.caption(f"Chủ thể: {c.subject or '—'} · cơ quan kiểm tra: {c.actor} · hình thức: {c.kind} · "
                               f"tài liệu: {', '.join(c.evidence)}{dl} · nguồn: {c.provenance} ({c.confidence})")
            else:
                st.caption("Điều khoản này không đặt ra nghĩa vụ, điều cấm hay quyền cần kiểm tra.")
    st.subheader("Quy định về kỷ luật có thể áp dụng", anchor=False)
    for d in result.discipline:
        forms = f" — hình thức: {', '.join(d.penalties)}" if d.penalties else ""
        st.markdown(f"- **{d.citation}**{forms}")
    c1, c2 = st.columns(2)
    c1.download_button("Tải báo cáo (Markdown)", to_markdown(result), file_name="kiem-tra.md",
                       mime="text/markdown", icon=":material/download:")
    c2.download_button("Tải danh sách kiểm tra (CSV)", checks_csv(result), file_name="kiem-tra.csv",
                       mime="text/csv", icon=":material/table:")


with core.guard():
    main()
