"""Trang «Kiểm tra»: a case described in words → the rules that apply, the checks they imply, discipline provisions
(each with how it was linked and the penalty forms it states), and the whole result to print or export."""

from __future__ import annotations

import html

import streamlit as st

from app.ui import core, render
from indexer.rules.case import (
    NO_CHECK,
    SUGGESTIONS_NOTE,
    SUGGESTIONS_TITLE,
    CaseDiscipline,
    CaseResult,
    analyze_case,
    check_source,
    export,
    filename,
    related,
)
from indexer.rules.checks import MODALITY_LABELS

EXAMPLE = "Đảng viên là cấp ủy viên bị khởi tố hình sự thì xử lý kỷ luật thế nào?"
DOWNLOADS = (
    ("md", "Báo cáo (Markdown)", "text/markdown", ":material/description:"),
    ("docx", "Báo cáo (Word)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     ":material/article:"),
    ("pdf", "Báo cáo (PDF)", "application/pdf", ":material/picture_as_pdf:"),
    ("csv", "Danh sách kiểm tra (CSV)", "text/csv", ":material/table:"),
)
SUGGEST_TOGGLE = "Hiện gợi ý theo độ tương đồng (chưa kiểm chứng)"


def _result(text: str, k: int) -> CaseResult:
    """The analysis of this case, kept in the session: widget changes and downloads do not redo it."""
    key = (text, k)
    cached = st.session_state.get("case_result")
    if cached and cached[0] == key:
        return cached[1]
    result = analyze_case(text, core.get_searcher(), k=k)
    st.session_state["case_result"] = (key, result)
    return result


def _badges(d: CaseDiscipline) -> str:
    return render.badges_markdown(render.discipline_badges(d.label, d.penalties, d.absent, d.low, d.basis))


def _details(lines: list[str]) -> None:
    """Technical details (ids, scores, how a check was found) for whoever wants them: collapsed."""
    with st.expander("Chi tiết", expanded=False, icon=":material/info:"):
        st.html('<div class="soi-meta">' + "<br>".join(html.escape(x) for x in lines if x) + "</div>")


def _rule_discipline(r) -> None:
    """Under a rule: the discipline provisions shown for breaking it, with how each was linked and its forms."""
    rd = r.discipline
    if rd is None:
        return
    if rd.is_discipline:
        st.caption("Điều khoản này là quy định về kỷ luật (hình thức, thẩm quyền, thủ tục).")
        return
    if not r.shown:
        return
    st.markdown("**Kỷ luật khi vi phạm**")
    for x in r.shown[:4]:
        badges = render.badges_markdown(render.discipline_badges(x.label, x.forms, x.absent, x.low, x.basis))
        st.markdown(f"- {render.md_escape(x.citation)} {badges}")


def _rule_details(r) -> list[str]:
    h = r.hit
    out = [f"Mã điều khoản: {h.clause.id}", f"Điểm tìm kiếm: {h.score:.4f} (thứ hạng từ khóa: {h.lexical_rank}, "
                                            f"ngữ nghĩa: {h.dense_rank})"]
    for c in r.checks:
        out.append(f"Nội dung kiểm tra từ {c.rule}: {check_source(c)}, độ tin cậy {c.confidence}; {c.note}")
    if r.discipline is not None:
        for x in r.discipline.links:
            out.append(f"Liên kết kỷ luật: {x.clause} — {x.label}, điểm {x.score:.2f}"
                       + (f"; {x.detail}" if x.detail else "") + ("" if x in r.shown else " (không hiện)"))
    return out


def _provision(result: CaseResult, d: CaseDiscipline, key: str) -> None:
    with st.container(border=True, key=key):
        st.markdown(f"**{render.md_escape(d.citation)}**")
        st.markdown(_badges(d))
        names = related(result, d)
        st.html((f'<p class="soi-meta">Liên quan: {html.escape("; ".join(names))}</p>' if names else "")
                + f'<p class="soi-note">{html.escape(d.note)}</p>')
        if d.text:
            with st.expander("Nguyên văn", expanded=not d.low, icon=":material/format_quote:"):
                link = render.link_html("Mở trong văn bản", render.reader_href(d.clause_id.split("/", 1)[0],
                                                                                d.clause_id))
                st.html(f'<div class="soi-text">{render.provision_html(d.text, d.marks)}</div>'
                        f'<p class="soi-refs">{link}</p>')
        _details([f"Mã điều khoản: {d.clause_id}", f"Nguồn liên kết: {d.provenance}, điểm {d.score:.2f}",
                  f"Quy định dẫn tới: {', '.join(x or 'tình huống' for x in d.rules)}", d.detail])


def _discipline(result: CaseResult, suggest: bool) -> None:
    st.subheader("Quy định về kỷ luật có thể áp dụng", anchor=False)
    who = f" Đối tượng vi phạm theo mô tả: {' và '.join(result.who)}." if result.who else ""
    st.caption("Cách liên kết: «do người rà soát» (tệp liên kết đã duyệt), «theo loại vi phạm» (loại vi phạm nêu "
               "trong tình huống hoặc quy định trùng với loại vi phạm của điều kỷ luật), «theo dẫn chiếu» (văn bản "
               "dẫn chiếu điều kỷ luật). Chỉ hiện điều áp dụng cho đúng đối tượng vi phạm." + who)
    if not result.specific:
        st.info("Không có điều kỷ luật nào được liên kết theo loại vi phạm hay dẫn chiếu; xem các quy định chung.",
                icon=":material/info:")
    for i, d in enumerate(result.specific):
        _provision(result, d, f"disc-{i}")
    if result.general:
        st.markdown("**Hình thức và thẩm quyền kỷ luật chung**")
        for d in result.general:
            forms = " ".join(f":red-badge[{f}]" for f in d.penalties)
            st.markdown(f"- {render.md_escape(d.citation)} {forms}  \n  *{render.md_escape(d.note)}*")
    for m in result.notes:
        st.info(m, icon=":material/content_cut:")
    if suggest:
        st.subheader(SUGGESTIONS_TITLE, anchor=False)
        st.caption(SUGGESTIONS_NOTE)
        if not result.suggestions:
            st.caption("Không có gợi ý nào.")
        for i, d in enumerate(result.suggestions):
            _provision(result, d, f"sugg-{i}")
    elif result.suggestions:
        st.caption(f"Có {len(result.suggestions)} gợi ý theo độ tương đồng (chưa kiểm chứng) đang ẩn; bật «"
                   f"{SUGGEST_TOGGLE}» để xem.")


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
    suggest = st.toggle(SUGGEST_TOGGLE, value=False, key="case_suggest",
                        help="Các điều kỷ luật chỉ gần giống về nội dung, chưa ai kiểm chứng; mặc định ẩn.")
    text = (st.session_state.get("case") or "").strip()
    if not text:
        return
    result = _result(text, k)
    result.show_suggestions = suggest  # the exports follow the toggle
    if result.understood:
        st.caption(render.md_escape(f"Đã hiểu tình huống là: «{result.understood}»"))
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
                    dl = f" · thời hạn, định kỳ: {c.deadline}" if c.deadline else ""
                    st.markdown(f"- [{MODALITY_LABELS[c.modality]}] {render.md_escape(c.item)}")
                    st.caption(f"Chủ thể: {c.subject or '—'} · cơ quan kiểm tra: {c.actor} · hình thức: {c.kind} · "
                               f"tài liệu: {', '.join(c.evidence)}{dl}")
            else:
                st.caption(NO_CHECK)
            _rule_discipline(r)
            _details(_rule_details(r))
    _discipline(result, suggest)
    _downloads(result)


with core.guard():
    main()
