"""Trang «Ôn tập»: a trainer builds a quiz from chosen documents, reviews it, practises it and exports it."""

from __future__ import annotations

import streamlit as st

from app.ui import core, render
from indexer.normalize import fold
from indexer.quiz import TYPE_LABELS, TYPES, QuizItem, generate_quiz, regenerate
from indexer.quiz.export import export

N_CHOICES = (5, 10, 15, 20, 30, 50)
EXPORTS = (("gift", "Moodle GIFT", "text/plain", "gift"), ("aiken", "Aiken", "text/plain", "txt"),
           ("csv", "CSV", "text/csv", "csv"), ("json", "JSON", "application/json", "json"))
LETTERS = "ABCD"


def _items() -> list[QuizItem]:
    return [QuizItem.from_dict(d) for d in st.session_state.get("quiz_items", [])]


def _store(items: list[QuizItem]) -> None:
    st.session_state["quiz_items"] = [q.to_dict() for q in items]
    st.session_state.pop("quiz_score", None)


def _settings(searcher) -> tuple[list[str], int, list[str], int]:
    """The trainer's choices: documents, number of questions, question types, seed."""
    docs = sorted((d for d in searcher.documents.values() if d.normative and d.id in searcher.docs_with_body),
                  key=lambda d: (d.type, d.issued or "", d.id))
    by_id = {d.id: d for d in docs}
    with st.form("quiz_settings", border=True):
        chosen = st.multiselect("Văn bản", [d.id for d in docs],
                                format_func=lambda i: render.doc_option_label(by_id[i]),
                                placeholder="Tất cả quy định trong kho", key="quiz_docs")
        c1, c2, c3 = st.columns([1, 2, 1])
        n = c1.select_slider("Số câu hỏi", N_CHOICES, value=10, key="quiz_n")
        types = c2.multiselect("Loại câu hỏi", list(TYPES), default=list(TYPES), format_func=TYPE_LABELS.get,
                               key="quiz_types")
        seed = int(c3.number_input("Mã bộ đề", min_value=0, max_value=9999, value=1, step=1, key="quiz_seed",
                                   help="Cùng mã, cùng văn bản và cùng số câu thì ra cùng một bộ đề."))
        submitted = st.form_submit_button("Tạo bộ câu hỏi", type="primary", icon=":material/quiz:")
    if submitted:
        if not types:
            st.warning("Hãy chọn ít nhất một loại câu hỏi.", icon=":material/warning:")
        else:
            with st.spinner("Đang tạo câu hỏi…"):
                items = generate_quiz(searcher, n=n, types=types, seed=seed, doc_ids=chosen or None)
            _store(items)
            st.session_state["quiz_scope"] = chosen
            if len(items) < n:
                st.info(f"Phạm vi đã chọn chỉ đủ cho {len(items)} câu hỏi.", icon=":material/info:")
    return chosen, n, types, seed


def _source(searcher, q: QuizItem) -> None:
    """The source clause, verbatim, with its citation."""
    clause = searcher.clauses.get(q.clause_id)
    st.markdown(f"**{render.md_escape(q.citation)}**")
    if clause is not None:
        st.html(f'<div class="soi-text">{render.highlight_html(clause.text, [])}</div>')


def _show_question(q: QuizItem, number: int) -> None:
    st.markdown(f"**Câu {number}** · {TYPE_LABELS[q.type]}")
    st.markdown(render.md_escape(q.stem).replace("\n", "  \n"))
    if q.type == "cloze":
        st.markdown(f"Đáp án: **{render.md_escape(q.answer_text)}**")
    else:
        for i, opt in enumerate(q.options):
            mark = "✅" if i == q.answer_index else "▫️"
            st.markdown(f"{mark} {LETTERS[i]}. {render.md_escape(opt)}")
    if q.changed_to:
        st.caption(f"Câu sai vì đã đổi «{q.original}» thành «{q.changed_to}».")


def _review(searcher) -> None:
    items = _items()
    scope = st.session_state.get("quiz_scope") or None
    for i, q in enumerate(items):
        with st.container(border=True):
            _show_question(q, i + 1)
            with st.expander("Điều khoản nguồn"):
                _source(searcher, q)
            c1, c2 = st.columns(2)
            if c1.button("Loại bỏ", key=f"rm-{q.id}", icon=":material/delete:"):
                _store(items[:i] + items[i + 1:])
                st.rerun()
            if c2.button("Tạo câu khác", key=f"re-{q.id}", icon=":material/refresh:"):
                seed = int(st.session_state.get("quiz_regen", 1000)) + 1
                st.session_state["quiz_regen"] = seed
                new = regenerate(searcher, items, i, seed, doc_ids=scope)
                if new is None:
                    st.warning("Không còn câu hỏi khác cùng loại trong phạm vi đã chọn.", icon=":material/warning:")
                else:
                    items[i] = new
                    _store(items)
                    st.rerun()


def _right(q: QuizItem, given) -> bool:
    if q.type == "cloze":
        return fold(" ".join(str(given or "").split())) == fold(q.answer_text)
    return given is not None and q.options.index(given) == q.answer_index


def _practice(searcher) -> None:
    items = _items()
    with st.form("quiz_practice"):
        answers = []
        for i, q in enumerate(items):
            st.markdown(f"**Câu {i + 1}.** " + render.md_escape(q.stem).replace("\n", "  \n"))
            if q.type == "cloze":
                answers.append(st.text_input("Câu trả lời", key=f"ans-{q.id}"))
            else:
                answers.append(st.radio("Chọn đáp án", q.options, index=None, key=f"ans-{q.id}"))
        done = st.form_submit_button("Nộp bài", type="primary", icon=":material/task_alt:")
    if done:
        st.session_state["quiz_score"] = [_right(q, a) for q, a in zip(items, answers, strict=True)]
    score = st.session_state.get("quiz_score")
    if score is None or len(score) != len(items):
        return
    right = sum(score)
    st.subheader(f"Kết quả: {right}/{len(items)} câu đúng", anchor=False)
    for i, (q, ok) in enumerate(zip(items, score, strict=True)):
        if ok:
            continue
        with st.container(border=True):
            st.markdown(f"**Câu {i + 1}** chưa đúng. Đáp án đúng: **{render.md_escape(q.answer_text)}**")
            _source(searcher, q)


def _downloads() -> None:
    items = _items()
    cols = st.columns(len(EXPORTS))
    for col, (fmt, label, mime, ext) in zip(cols, EXPORTS, strict=True):
        col.download_button(label, export(items, fmt), file_name=f"on-tap.{ext}", mime=mime, key=f"dl-{fmt}",
                            icon=":material/download:")
    if any(q.type == "cloze" for q in items):
        st.caption("Định dạng Aiken chỉ có câu trắc nghiệm và đúng/sai: các câu điền vào chỗ trống được bỏ qua.")


def main() -> None:
    st.title("Ôn tập", anchor=False)
    st.caption("Tạo câu hỏi trắc nghiệm, điền vào chỗ trống và đúng/sai từ chính lời văn của các quy định; "
               "mỗi câu kèm điều khoản nguồn và trích dẫn.")
    searcher = core.get_searcher()
    _settings(searcher)
    if not st.session_state.get("quiz_items"):
        st.info("Chọn văn bản, số câu và loại câu hỏi rồi bấm «Tạo bộ câu hỏi».", icon=":material/quiz:")
        return
    review, practice, download = st.tabs(["Xem lại", "Làm bài", "Tải về"])
    with review:
        _review(searcher)
    with practice:
        _practice(searcher)
    with download:
        _downloads()


with core.guard():
    main()
