"""Trang «Ôn tập»: a trainer builds a quiz from chosen documents, chapters or articles, reviews and edits it,
practises it and exports it (Moodle GIFT, Aiken, CSV, JSON, Anki, Word, PDF)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app.ui import core, render
from indexer.corpus.models import Clause
from indexer.quiz import (
    LEVEL_LABELS,
    LEVELS,
    TYPE_LABELS,
    TYPES,
    QuizEditError,
    QuizItem,
    apply_edit,
    generate_quiz,
    quiz_title,
    regenerate,
    short_name,
)
from indexer.quiz.export import export, export_bytes
from indexer.quiz.model import BLANK, TRUE_FALSE, cloze_answer_exact, cloze_answer_ok

N_CHOICES = (5, 10, 15, 20, 30, 50)
# (format, button label, MIME type, file extension)
EXPORTS = (("gift", "Moodle GIFT", "text/plain", "gift"), ("aiken", "Aiken", "text/plain", "txt"),
           ("csv", "CSV", "text/csv", "csv"), ("json", "JSON", "application/json", "json"),
           ("apkg", "Anki", "application/octet-stream", "apkg"),
           ("docx", "Word (DOCX)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
           ("pdf", "PDF", "application/pdf", "pdf"))
PREVIEWS = {"gift": "Moodle GIFT", "aiken": "Aiken", "csv": "CSV", "json": "JSON"}
LETTERS = "ABCD"
# Markers of the right option and the others: Material icons, drawn with the icon font Streamlit ships (an emoji
# such as ✅ is an empty box where no colour-emoji font is installed).
RIGHT_MARK = ":green[:material/check_circle:]"
OTHER_MARK = ":gray[:material/radio_button_unchecked:]"
UNIT_WORDS = {"part": "Phần", "chapter": "Chương", "section": "Mục", "article": "Điều"}


def _items() -> list[QuizItem]:
    return [QuizItem.from_dict(d) for d in st.session_state.get("quiz_items", [])]


def _store(items: list[QuizItem]) -> None:
    st.session_state["quiz_items"] = [q.to_dict() for q in items]
    st.session_state.pop("quiz_score", None)
    st.session_state.pop("quiz_given", None)


def unit_label(clause: Clause, doc_name: str) -> str:
    """How a chapter or an article is named in a select box: "Điều lệ Đảng · Điều 36. Thẩm quyền …"."""
    word = UNIT_WORDS.get(clause.level, "")
    title = " ".join(clause.title.split())  # whole: a long title wraps, it is not cut
    head = f"{word} {clause.label}".strip()
    return f"{doc_name} · {head}" + (f". {title}" if title else "")


def _pick(key: str, options: list[str]) -> None:
    """Drop from a multiselect's state the values its new options no longer hold (another document chosen)."""
    if key in st.session_state:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]


def _scope(searcher) -> tuple[list[str], list[str]]:
    """Documents, then chapters and articles of those documents: (document ids, unit ids) for the generator."""
    docs = sorted((d for d in searcher.documents.values() if d.normative and d.id in searcher.docs_with_body),
                  key=lambda d: (d.type, d.issued or "", d.id))
    by_id = {d.id: d for d in docs}
    chosen = st.multiselect("Văn bản", [d.id for d in docs], format_func=lambda i: render.doc_option_label(by_id[i]),
                            placeholder="Tất cả quy định trong kho", key="quiz_docs", select_all=False)
    units: dict[str, Clause] = {}
    for doc_id in chosen:
        for c in searcher.outline(doc_id):
            if c.level in UNIT_WORDS:
                units[c.id] = c
    names = {d: short_name(by_id[d]) for d in chosen}
    groups = [c.id for c in units.values() if c.level != "article"]
    c1, c2 = st.columns(2)
    _pick("quiz_chapters", groups)
    picked_groups = c1.multiselect(
        "Chương, mục", groups, format_func=lambda i: unit_label(units[i], names[units[i].doc_id]),
        key="quiz_chapters", disabled=not groups, select_all=False,
        placeholder="Cả văn bản" if groups else ("Văn bản này không chia chương" if chosen else "Chọn văn bản trước"))

    picked_paths = {(units[g].doc_id, units[g].level, units[g].label) for g in picked_groups}

    def under(c: Clause) -> bool:
        return not picked_groups or any((c.doc_id, level, label) in picked_paths for level, label in c.path)

    articles = [c.id for c in units.values() if c.level == "article" and under(c)]
    _pick("quiz_articles", articles)
    picked_articles = c2.multiselect(
        "Điều", articles, format_func=lambda i: unit_label(units[i], names[units[i].doc_id]), key="quiz_articles",
        disabled=not articles, select_all=False,
        placeholder="Mọi điều trong phạm vi" if articles else "Chọn văn bản trước")
    return chosen, (picked_articles or picked_groups)


def _settings(searcher) -> None:
    """The trainer's choices: scope, number of questions, types, difficulty, seed; generates on submit."""
    with st.container(border=True):
        doc_ids, unit_ids = _scope(searcher)
        with st.form("quiz_settings", border=False):
            # two rows, so that the chosen types and levels fit whole in their boxes
            c1, c4 = st.columns(2)
            c2, c3 = st.columns(2)
            n = c1.select_slider("Số câu hỏi", N_CHOICES, value=10, key="quiz_n")
            types = c2.multiselect("Loại câu hỏi", list(TYPES), default=list(TYPES), format_func=TYPE_LABELS.get,
                                   key="quiz_types", select_all=False)
            levels = c3.multiselect("Độ khó", list(LEVELS), default=list(LEVELS), format_func=LEVEL_LABELS.get,
                                    key="quiz_levels", select_all=False,
                                    help="Dễ, trung bình hay khó đo bằng độ gần của phương án nhiễu với đáp án "
                                         "(trắc nghiệm), độ nhỏ của chỗ bị sửa (đúng/sai) và độ hiếm của đáp án "
                                         "trong kho văn bản (điền vào chỗ trống).")
            seed = int(c4.number_input("Mã bộ đề", min_value=0, max_value=9999, value=1, step=1, key="quiz_seed",
                                       help="Cùng mã, cùng phạm vi và cùng số câu thì ra cùng một bộ đề."))
            submitted = st.form_submit_button("Tạo bộ câu hỏi", type="primary", icon=":material/quiz:")
    if not submitted:
        return
    if not types:
        st.warning("Hãy chọn ít nhất một loại câu hỏi.", icon=":material/warning:")
        return
    if not levels:
        st.warning("Hãy chọn ít nhất một mức độ khó.", icon=":material/warning:")
        return
    with st.spinner("Đang tạo câu hỏi…"):
        items = generate_quiz(searcher, n=n, types=types, seed=seed, doc_ids=doc_ids or None,
                              clause_ids=unit_ids or None, difficulties=levels)
    _store(items)
    st.session_state["quiz_scope"] = {"docs": doc_ids, "units": unit_ids, "levels": levels}
    if not items:
        st.warning("Không tạo được câu hỏi nào trong phạm vi và mức độ khó đã chọn.", icon=":material/warning:")
    elif len(items) < n:
        st.info(f"Phạm vi đã chọn chỉ đủ cho {len(items)} câu hỏi.", icon=":material/info:")


def _source(searcher, q: QuizItem) -> None:
    """The source clause, verbatim, with its citation."""
    clause = searcher.clauses.get(q.clause_id)
    st.markdown(f"**{render.md_escape(q.citation)}**")
    if clause is not None:
        st.html(f'<div class="soi-text">{render.highlight_html(clause.text, [])}</div>')


def _show_question(q: QuizItem, number: int) -> None:
    level = f" · {LEVEL_LABELS[q.difficulty]}" if q.difficulty in LEVEL_LABELS else ""
    edited = " · đã sửa" if q.edited else ""
    st.markdown(f"**Câu {number}** · {TYPE_LABELS[q.type]}{level}{edited}")
    st.markdown(render.md_escape(q.stem).replace("\n", "  \n"))
    if q.type == "cloze":
        st.markdown(f"Đáp án: **{render.md_escape(q.answer_text)}**")
    else:
        for i, opt in enumerate(q.options):
            mark = RIGHT_MARK if i == q.answer_index else OTHER_MARK
            st.markdown(f"{mark} {LETTERS[i]}. {render.md_escape(opt)}")
    if q.changed_to:
        st.caption(f"Câu sai vì đã đổi «{q.original}» thành «{q.changed_to}».")


def _edit_form(items: list[QuizItem], i: int) -> None:
    """Edit a question's stem, options and answer; an edit that breaks the question is refused with the reason."""
    q = items[i]
    with st.form(f"edit-{q.id}", border=False):
        stem = st.text_area("Nội dung câu hỏi", value=q.stem, key=f"ed-stem-{q.id}", height=120)
        options, correct, answer = None, None, None
        if q.type == "mc":
            options, correct = [], []
            for j, opt in enumerate(q.options):
                c1, c2 = st.columns([6, 1], vertical_alignment="bottom")
                options.append(c1.text_input(f"Phương án {LETTERS[j]}", value=opt, key=f"ed-opt-{q.id}-{j}"))
                correct.append(c2.checkbox("Đúng", value=j == q.answer_index, key=f"ed-ok-{q.id}-{j}"))
        elif q.type == "cloze":
            st.caption(f"Giữ chỗ trống «{BLANK}» trong nội dung câu hỏi.")
            answer = st.text_input("Đáp án", value=q.answer_text, key=f"ed-ans-{q.id}")
        else:
            truth = st.radio("Đáp án", TRUE_FALSE, index=q.answer_index or 0, key=f"ed-tf-{q.id}", horizontal=True)
            correct = [truth == TRUE_FALSE[0], truth == TRUE_FALSE[1]]
        saved = st.form_submit_button("Lưu thay đổi", icon=":material/save:")
    if not saved:
        return
    try:
        items[i] = apply_edit(q, stem, options, correct, answer)
    except QuizEditError as e:
        st.error(str(e), icon=":material/error:")
        return
    _store(items)
    st.session_state["quiz_saved"] = items[i].id
    st.rerun()


def _review(searcher) -> None:
    items = _items()
    scope = st.session_state.get("quiz_scope") or {}
    saved = st.session_state.pop("quiz_saved", None)
    for i, q in enumerate(items):
        with st.container(border=True):
            _show_question(q, i + 1)
            if saved == q.id:
                st.success("Đã lưu thay đổi.", icon=":material/check:")
            with st.expander("Điều khoản nguồn"):
                _source(searcher, q)
            with st.expander("Sửa câu hỏi"):
                _edit_form(items, i)
            c1, c2 = st.columns(2)
            if c1.button("Loại bỏ", key=f"rm-{q.id}", icon=":material/delete:"):
                _store(items[:i] + items[i + 1:])
                st.rerun()
            if c2.button("Tạo câu khác", key=f"re-{q.id}", icon=":material/refresh:"):
                seed = int(st.session_state.get("quiz_regen", 1000)) + 1
                st.session_state["quiz_regen"] = seed
                new = regenerate(searcher, items, i, seed, doc_ids=scope.get("docs") or None,
                                 clause_ids=scope.get("units") or None, difficulties=scope.get("levels") or None)
                if new is None:
                    st.warning("Không còn câu hỏi khác cùng loại trong phạm vi đã chọn.", icon=":material/warning:")
                else:
                    items[i] = new
                    _store(items)
                    st.rerun()


def _right(q: QuizItem, given) -> bool:
    if q.type == "cloze":
        return cloze_answer_ok(str(given or ""), q.answer_text)
    return given is not None and q.options.index(given) == q.answer_index


def _practice(searcher) -> None:
    items = _items()
    with st.form("quiz_practice"):
        answers = []
        for i, q in enumerate(items):
            st.markdown(f"**Câu {i + 1}.** " + render.md_escape(q.stem).replace("\n", "  \n"))
            if q.type == "cloze":
                answers.append(st.text_input("Câu trả lời", key=f"ans-{q.id}",
                                             help="Gõ có dấu hoặc không dấu đều được."))
            else:
                answers.append(st.radio("Chọn đáp án", q.options, index=None, key=f"ans-{q.id}"))
        done = st.form_submit_button("Nộp bài", type="primary", icon=":material/task_alt:")
    if done:
        st.session_state["quiz_score"] = [_right(q, a) for q, a in zip(items, answers, strict=True)]
        st.session_state["quiz_given"] = [str(a or "") if q.type == "cloze" else "" for q, a in
                                          zip(items, answers, strict=True)]
    score = st.session_state.get("quiz_score")
    if score is None or len(score) != len(items):
        return
    given = st.session_state.get("quiz_given") or [""] * len(items)
    right = sum(score)
    st.subheader(f"Kết quả: {right}/{len(items)} câu đúng", anchor=False)
    for i, (q, ok, typed) in enumerate(zip(items, score, given, strict=True)):
        if ok:
            if q.type == "cloze" and not cloze_answer_exact(typed, q.answer_text):
                mine, text = render.md_escape(" ".join(typed.split())), render.md_escape(q.answer_text)
                st.success(f"Câu {i + 1}: đúng (bạn gõ «{mine}»); văn bản viết «{text}».",
                           icon=":material/check_circle:")
            continue
        with st.container(border=True):
            st.markdown(f"**Câu {i + 1}** chưa đúng. Đáp án đúng: **{render.md_escape(q.answer_text)}**")
            _source(searcher, q)


def _file(items: list[QuizItem], fmt: str, title: str) -> Callable[[], bytes]:
    """The export, made only when the trainer clicks (an Anki deck or a PDF takes a moment to build)."""
    return lambda: export_bytes(items, fmt, title)


def _downloads(searcher) -> None:
    items = _items()
    title = quiz_title(searcher, items)
    cols = st.columns(4)
    for k, (fmt, label, mime, ext) in enumerate(EXPORTS):
        cols[k % 4].download_button(label, _file(items, fmt, title), file_name=f"on-tap.{ext}", mime=mime,
                                    key=f"dl-{fmt}", icon=":material/download:", width="stretch")
    st.caption("Anki: mỗi câu một thẻ, mặt sau có đáp án, trích dẫn và điều khoản nguồn; nhập lại bộ thẻ thì các "
               "thẻ cũ được cập nhật, không bị nhân đôi. Word và PDF: đề in, đáp án ở trang cuối.")
    if any(q.type == "cloze" for q in items):
        st.caption("Định dạng Aiken chỉ có câu trắc nghiệm và đúng/sai: các câu điền vào chỗ trống được bỏ qua.")
    fmt = st.selectbox("Xem trước", list(PREVIEWS), format_func=PREVIEWS.get, key="quiz_preview")
    st.code(export(items, fmt), language=None, wrap_lines=True)


def main() -> None:
    st.title("Ôn tập", anchor=False)
    st.caption("Tạo câu hỏi trắc nghiệm, điền vào chỗ trống và đúng/sai từ chính lời văn của các quy định; "
               "mỗi câu kèm điều khoản nguồn và trích dẫn.")
    searcher = core.get_searcher()
    _settings(searcher)
    if not st.session_state.get("quiz_items"):
        st.info("Chọn văn bản (và chương, điều nếu cần), số câu, loại câu hỏi, độ khó rồi bấm «Tạo bộ câu hỏi».",
                icon=":material/quiz:")
        return
    review, practice, download = st.tabs(["Xem lại", "Làm bài", "Tải về"])
    with review:
        _review(searcher)
    with practice:
        _practice(searcher)
    with download:
        _downloads(searcher)


with core.guard():
    main()
