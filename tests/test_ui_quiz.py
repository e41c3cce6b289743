"""The «Ôn tập» page with Streamlit's AppTest on the real index: editing a question (and what the exports then
hold), refusing an edit that breaks a multiple-choice question, and a quiz scoped to a chapter and an article."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from ui_support import open_page

from app.ui.render import md_escape
from indexer.quiz import QuizItem
from indexer.quiz.export import parse_gift
from indexer.text.normalize import has_diacritics, strip_diacritics

DL = "dieu-le-dang-2011"


@pytest.fixture()
def page(app: AppTest) -> AppTest:
    return open_page(app, "views/on_tap.py")


def _generate(at: AppTest, n: int = 5, types: list[str] | None = None) -> list[QuizItem]:
    at.select_slider(key="quiz_n").set_value(n)
    if types:
        at.multiselect(key="quiz_types").set_value(types)
    next(b for b in at.button if b.label == "Tạo bộ câu hỏi").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.exception] + [e.value for e in at.error]
    return [QuizItem.from_dict(d) for d in at.session_state["quiz_items"]]


def _save(at: AppTest, q: QuizItem) -> None:
    next(b for b in at.button if b.label == "Lưu thay đổi" and b.form_id == f"edit-{q.id}").click()
    at.run()


def test_edited_stem_is_kept_and_exported(page: AppTest) -> None:
    page.multiselect(key="quiz_docs").set_value([DL])
    page.run()
    items = _generate(page)
    q = items[1]
    new_stem = "Câu hỏi do giảng viên sửa — " + q.stem
    page.text_area(key=f"ed-stem-{q.id}").set_value(new_stem)
    _save(page, q)
    assert not page.exception and not page.error, [e.value for e in page.error]
    after = [QuizItem.from_dict(d) for d in page.session_state["quiz_items"]]
    assert after[1].stem == new_stem and after[1].edited
    assert [x.id for x in after] == [x.id for x in items] and after[0] == items[0]
    assert any(m.value.startswith("**Câu 2** · ") and m.value.endswith(" · đã sửa") for m in page.markdown)
    assert not any(m.value.startswith("**Câu 1** · ") and m.value.endswith(" · đã sửa") for m in page.markdown)
    assert any(s.value == "Đã lưu thay đổi." for s in page.success)
    # the «Tải về» tab previews the GIFT export of the session's questions: the edit is in it
    gift = parse_gift(page.code[0].value)
    assert len(gift) == len(items)
    assert gift[1].text == " ".join(new_stem.split()) and gift[1].title == q.id


def test_invalid_multiple_choice_edit_is_refused(page: AppTest) -> None:
    page.multiselect(key="quiz_docs").set_value([DL])
    page.run()
    items = _generate(page, n=5, types=["mc"])
    q = items[0]
    # two options with the same words
    page.text_input(key=f"ed-opt-{q.id}-1").set_value(q.options[0])
    _save(page, q)
    assert [e.value for e in page.error] == ["Các phương án phải khác nhau: phương án B trùng phương án A."]
    assert [QuizItem.from_dict(d) for d in page.session_state["quiz_items"]] == items
    # two options marked correct
    page.text_input(key=f"ed-opt-{q.id}-1").set_value(q.options[1])
    wrong = next(j for j in range(4) if j != q.answer_index)
    page.checkbox(key=f"ed-ok-{q.id}-{wrong}").check()
    _save(page, q)
    assert [e.value for e in page.error] == ["Phải đánh dấu đúng một phương án đúng (hiện có 2)."]
    assert [QuizItem.from_dict(d) for d in page.session_state["quiz_items"]] == items
    # a valid edit: the mark moved to another option is accepted, and the answer follows it
    page.checkbox(key=f"ed-ok-{q.id}-{q.answer_index}").uncheck()
    _save(page, q)
    assert not page.error
    saved = QuizItem.from_dict(page.session_state["quiz_items"][0])
    assert saved.answer_index == wrong and saved.answer_text == q.options[wrong]


def test_chapter_and_article_scope(page: AppTest) -> None:
    assert page.multiselect(key="quiz_articles").options == []  # nothing to pick before a document
    page.multiselect(key="quiz_docs").set_value([DL])
    page.run()
    chapters = page.multiselect(key="quiz_chapters")  # AppTest lists the labels the trainer sees
    assert "Điều lệ Đảng · Chương VIII. KHEN THƯỞNG VÀ KỶ LUẬT" in chapters.options
    assert not any("Điều 36" in o for o in chapters.options)
    chapters.set_value([f"{DL}/chVIII"])
    page.run()
    articles = page.multiselect(key="quiz_articles")
    # Chương VIII (Khen thưởng và kỷ luật) holds Điều 34 to Điều 40, and only those are offered
    assert [o.split(".")[0] for o in articles.options] == [f"Điều lệ Đảng · Điều {n}" for n in range(34, 41)]
    articles.set_value([f"{DL}/d36"])
    page.run()
    page.multiselect(key="quiz_levels").set_value(["de", "trung-binh", "kho"])
    items = _generate(page, n=5)
    assert items and all(q.clause_id.startswith(f"{DL}/d36/") for q in items)
    assert all("Điều 36" in q.citation for q in items)
    assert len([b for b in page.get("download_button")]) == 7


def test_practice_accepts_answers_typed_without_diacritics(page: AppTest) -> None:
    """Issue 16, UI 1: «mot lan» for «một lần» is right; the result says how the text writes it. A wrong word
    stays wrong."""
    page.multiselect(key="quiz_docs").set_value([DL])
    page.run()
    items = _generate(page, n=5, types=["cloze"])
    accented = [q for q in items if has_diacritics(q.answer_text)]
    assert len(items) >= 3 and accented, [q.answer_text for q in items]
    typed = {q.id: strip_diacritics(q.answer_text).lower() for q in items}
    typed[items[0].id] = items[0].answer_text + " sai"  # one answer wrong
    for q in items:
        page.text_input(key=f"ans-{q.id}").set_value(typed[q.id])
    next(b for b in page.button if b.label == "Nộp bài").click()
    page.run()
    assert not page.exception
    assert any(s.value == f"Kết quả: {len(items) - 1}/{len(items)} câu đúng" for s in page.subheader)
    notes = [s.value for s in page.success]
    for i, q in enumerate(items[1:], 2):
        if has_diacritics(q.answer_text):
            text, mine = md_escape(q.answer_text), md_escape(typed[q.id])
            assert f"Câu {i}: đúng (bạn gõ «{mine}»); văn bản viết «{text}»." in notes, notes
    assert len([m for m in page.markdown if "chưa đúng. Đáp án đúng" in m.value]) == 1


def test_right_option_marker_is_an_icon_of_the_bundled_font(page: AppTest) -> None:
    """Issue 16, UI 8: ✅ is an empty box in Chromium without an emoji font; the Material icon font ships."""
    page.multiselect(key="quiz_docs").set_value([DL])
    page.run()
    items = _generate(page, n=5, types=["mc"])
    lines = [m.value for m in page.markdown]
    assert not any("✅" in x or "▫" in x for x in lines)
    right = [x for x in lines if x.startswith(":green[:material/check_circle:] ")]
    assert len(right) == len(items)
    assert all(any(x.endswith(f". {md_escape(q.answer_text)}") for x in right) for q in items)
