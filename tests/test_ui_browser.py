"""The UI as a person uses it: `soi app` on localhost, driven in headless Chromium by Selenium.

Screenshots of each page go to screenshots/ at the repository root (git-ignored); the test prints their paths.
"""

from __future__ import annotations

import os
import re
import time
from urllib.parse import quote

import pytest
from ui_support import (
    Q_DU_BI,
    WAIT,
    assert_no_traceback,
    by,
    grant_clipboard,
    screenshot,
    settle,
    visible_english,
    wait_for,
    wait_text,
)

pytestmark = pytest.mark.browser

CITE_DU_BI = "Khoản 3, Điều 7, Quy định số 69-QĐ/TW ngày 06/07/2022 của Bộ Chính trị"

# Records, by the browser's clock, the frame that first paints a top-3 answer card containing arguments[0]: the time
# a person sees the answer. WebDriver's own check comes later, by up to a poll and by the time the browser spends
# rendering the other cards before it answers.
PAINT_WATCH = """
const cite = arguments[0];
window.__soiAnswerPainted = null;
const mo = new MutationObserver(() => {
  const cards = document.querySelectorAll(".st-key-hit-1, .st-key-hit-2, .st-key-hit-3");
  if (![...cards].some((c) => c.textContent.includes(cite))) return;
  mo.disconnect();
  requestAnimationFrame(() => { window.__soiAnswerPainted = performance.timeOrigin + performance.now(); });
});
mo.observe(document.body, {subtree: true, childList: true, characterData: true});
"""


def target_visible_in_pane(drv) -> bool:
    """Whether #soi-target is scrolled into the visible part of its scrollable reader pane."""
    return drv.execute_script(
        """
        const el = document.getElementById("soi-target"); if (!el) return false;
        let p = el.parentElement;
        while (p && !(p.scrollHeight > p.clientHeight + 2 && /(auto|scroll)/.test(getComputedStyle(p).overflowY))) {
          p = p.parentElement;
        }
        const r = el.getBoundingClientRect(); const b = p ? p.getBoundingClientRect() : {top: 0, bottom: innerHeight};
        return r.top >= b.top - 2 && r.top < b.bottom - 20;
        """
    )


def test_ask_copy_and_open_in_reader(browser, ui_server) -> None:  # browser first: it is not `soi app`
    """The first question, asked as soon as the page shows (issue 16: answered ≤ 3 s after `soi app` starts; the
    model and the index load in the background and a question asked meanwhile waits under «Đang nạp mô hình…»)."""
    from selenium.webdriver.common.keys import Keys

    By = by()
    drv = browser
    grant_clipboard(drv, ui_server.url)
    drv.get(ui_server.url + "/")
    # polled every 50 ms: the times printed below are not late by up to a poll (0.2 s elsewhere)
    box = wait_for(drv, lambda d: d.find_element(By.CSS_SELECTOR, 'input[aria-label="Câu hỏi"]'), WAIT, "no box",
                   poll=0.05)
    shown = time.monotonic()
    drv.execute_script(PAINT_WATCH, CITE_DU_BI)
    box.click()
    box.send_keys(Q_DU_BI)
    box.send_keys(Keys.ENTER)
    asked = time.monotonic()
    loading = "Đang nạp mô hình" in drv.find_element(By.TAG_NAME, "body").text
    # Two correct answers compete for first place (Điều 7 of 69-QĐ/TW, Điều 35 of the Charter): look in the top 3.
    card = wait_text(drv, ".st-key-hit-1, .st-key-hit-2, .st-key-hit-3", CITE_DU_BI, WAIT, poll=0.05)
    answered = time.monotonic()
    painted_ms = wait_for(drv, lambda d: d.execute_script("return window.__soiAnswerPainted"), 10, "not painted", 0.02)
    painted = painted_ms / 1000 - (time.time() - time.monotonic())  # the browser's clock, as time.monotonic()
    t = ui_server.started
    print(f"\nFIRST ANSWER {painted - t:.1f} s after `soi app` started (painted, by the browser's clock; issue 16 "
          f"goal ≤ 3 s). Server healthy {ui_server.healthy - t:.1f} s, question box {shown - t:.1f} s, question sent "
          f"{asked - t:.1f} s{' while «Đang nạp mô hình…» showed' if loading else ''}, WebDriver saw the answer "
          f"{answered - t:.1f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    assert shown < painted < answered + 1, (shown, painted, answered)  # the two clocks agree
    settle(drv, WAIT)
    card = wait_text(drv, ".st-key-hit-1, .st-key-hit-2, .st-key-hit-3", CITE_DU_BI)
    marks = [m.text for m in card.find_elements(By.CSS_SELECTOR, ".soi-text mark")]
    assert any("đảng viên" in m for m in marks), marks
    assert "Còn hiệu lực, được sửa đổi bởi 264-QĐ/TW" in card.text
    assert "Văn bản chưa đầy đủ" in card.text
    assert "Cơ quan ban hành: Bộ Chính trị" in card.text
    assert "Khoản 2, Điều 35, Điều lệ Đảng Cộng sản Việt Nam (2011)" in drv.find_element(By.TAG_NAME, "body").text
    assert_no_traceback(drv)
    screenshot(drv, "02-hoi-dap-ket-qua")

    copy = card.find_element(By.CSS_SELECTOR, "button.soi-copy")
    copy.click()
    wait_for(drv, lambda d: "Đã sao chép" in copy.text, 10, "copy button did not confirm")
    clip = drv.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "navigator.clipboard.readText().then(done).catch(e => done('ERROR ' + e));"
    )
    # the citation and the verbatim clause, as a report quotes it (issue 16, UI 10)
    assert clip == f"{CITE_DU_BI}:\n«3. Đối với đảng viên dự bị: Khiển trách, cảnh cáo.»"
    assert "nguyên văn" in copy.get_attribute("title")

    link = next(a for a in card.find_elements(By.TAG_NAME, "a") if "Mở trong văn bản" in a.text)
    link.click()
    wait_text(drv, "#soi-target", "Đối với đảng viên dự bị: Khiển trách, cảnh cáo.", WAIT)
    assert "/van-ban?" in drv.current_url and "clause=qd-69-2022%2Fd7%2Fk3" in drv.current_url
    settle(drv)
    assert target_visible_in_pane(drv)
    body = drv.find_element(By.TAG_NAME, "body").text
    assert "Quy định về kỷ luật tổ chức đảng, đảng viên vi phạm" in body
    assert "Đang mở: " + CITE_DU_BI in body
    assert "Mục lục" in body and "Điều 7. Hình thức kỷ luật" in body
    assert "<!--" not in body
    assert_no_traceback(drv)
    screenshot(drv, "03-van-ban-mo-dieu-khoan")

    drv.get(ui_server.url + "/")  # the front page as a visitor first sees it (the first visit did not wait for it)
    wait_text(drv, "h1", "Hỏi đáp", WAIT)
    settle(drv, WAIT)
    assert "Thử một câu hỏi mẫu" in drv.find_element(By.TAG_NAME, "body").text
    screenshot(drv, "01-hoi-dap")


def test_deep_links_and_outline(ui_server, browser) -> None:
    By = by()
    drv = browser
    clause = "dieu-le-dang-2011/d35/k2"
    drv.get(f"{ui_server.url}/van-ban?doc=dieu-le-dang-2011&clause={quote(clause, safe='')}")
    wait_text(drv, "#soi-target", "Hình thức kỷ luật", WAIT)
    settle(drv)
    assert target_visible_in_pane(drv)
    body = drv.find_element(By.TAG_NAME, "body").text
    assert "Điều lệ Đảng Cộng sản Việt Nam" in body and "Đang mở: Khoản 2, Điều 35, Điều lệ Đảng" in body
    assert "Chương I" in body and "ĐẢNG VIÊN" in body
    assert_no_traceback(drv)
    screenshot(drv, "04-deep-link-dieu-le")

    outline = drv.find_element(By.CSS_SELECTOR, ".st-key-outline")
    link = next(a for a in outline.find_elements(By.TAG_NAME, "a") if a.text.strip().endswith("Điều 3"))
    drv.execute_script("arguments[0].scrollIntoView({block: 'center'});", link)
    link.click()
    wait_text(drv, "#soi-target", "Đảng viên dự bị có các quyền trên đây", WAIT)
    assert "clause=dieu-le-dang-2011%2Fd3" in drv.current_url
    settle(drv)
    assert target_visible_in_pane(drv)

    # A deep link given on the front page opens the reader too.
    drv.get(f"{ui_server.url}/?doc=qd-69-2022&clause={quote('qd-69-2022/d4', safe='')}")
    wait_text(drv, "#soi-target", "Thời hiệu kỷ luật", WAIT)
    assert "/van-ban" in drv.current_url
    assert_no_traceback(drv)


def test_document_list(ui_server, browser) -> None:
    By = by()
    drv = browser
    drv.get(f"{ui_server.url}/van-ban")
    wait_text(drv, "h1", "Văn bản", WAIT)
    wait_for(drv, lambda d: d.find_elements(By.CSS_SELECTOR, "table.soi-doc-table"), WAIT)
    settle(drv)
    body = drv.find_element(By.TAG_NAME, "body").text
    assert re.search(r"Kho có \d+ văn bản, \d+ điều khoản", body), body[:500]
    assert_no_traceback(drv)
    screenshot(drv, "05-danh-sach-van-ban")

    assert len(drv.find_elements(By.CSS_SELECTOR, "table.soi-doc-table tbody tr")) >= 19
    assert not drv.find_elements(By.CSS_SELECTOR, '[data-testid="stDataFrame"]')  # no canvas, no English menu
    # Open a document with the select box, as a keyboard user would (the table's links are plain links).
    from selenium.webdriver.common.keys import Keys

    pick = drv.find_element(By.CSS_SELECTOR, 'input[aria-label^="Mở văn bản"]')
    pick.click()
    pick.send_keys("37-QĐ/TW")
    wait_text(drv, '[role="option"]', "37-QĐ/TW")
    pick.send_keys(Keys.ENTER)
    wait_text(drv, "h2", "Quy định về những điều đảng viên không được làm", WAIT)
    assert "doc=qd-37-2021" in drv.current_url
    settle(drv)
    body = drv.find_element(By.TAG_NAME, "body").text
    assert "Đã được thay thế bởi 207-QĐ/TW" in body and "Văn bản chưa đầy đủ" in body
    assert_no_traceback(drv)
    screenshot(drv, "06-van-ban-da-thay-the")


def test_question_without_diacritics(ui_server, browser) -> None:
    drv = browser
    drv.get(f"{ui_server.url}/?q={quote('thoi hieu xu ly ky luat dang vien')}")
    understood = "Đã hiểu câu hỏi là: «thời hiệu xử lý kỷ luật đảng viên»"
    wait_text(drv, '[data-testid="stCaptionContainer"]', understood, WAIT)
    wait_text(drv, ".st-key-hit-1", "Mở trong văn bản", WAIT)
    settle(drv)
    assert "Điều 4, Quy định số 69-QĐ/TW" in drv.find_element(by().TAG_NAME, "body").text
    assert_no_traceback(drv)
    screenshot(drv, "07-hoi-dap-khong-dau")


# ---- issue 16: English, internet fonts, markers, highlights, screenshots -----------------------------------

def test_no_english_menu_and_nothing_fetched_from_the_internet(ui_server, browser) -> None:
    """Issue 16, UI 2 and 8: no ⋮ menu (System/Light/Dark/Print/Record screen/Made with Streamlit), no «Select all»
    in the multiselects, a Vietnamese «skip to content» link, and the tab icon ships with the app instead of coming
    from fonts.gstatic.com."""
    By = by()
    drv = browser
    drv.get(ui_server.url + "/")
    wait_text(drv, "h1", "Hỏi đáp", WAIT)
    settle(drv, WAIT)
    assert not drv.find_elements(By.CSS_SELECTOR, '[data-testid="stMainMenu"]')
    icons = drv.execute_script("return [...document.querySelectorAll('link[rel*=icon]')].map(l => l.href)")
    assert icons and all(h.startswith(("data:", ui_server.url)) for h in icons), icons
    assert "gstatic" not in " ".join(icons)
    fetched = drv.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    outside = [u for u in fetched if not u.startswith((ui_server.url, "data:", "blob:"))]
    assert not outside, outside
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    # Streamlit's «Skip to main content» link, shown to keyboard users on the first Tab, reads in Vietnamese.
    ActionChains(drv).send_keys(Keys.TAB).perform()
    skip = drv.switch_to.active_element
    assert skip.get_attribute("data-testid") == "stSkipToContent"
    shown = drv.execute_script(
        "const e = arguments[0]; return [getComputedStyle(e).fontSize, getComputedStyle(e, '::after').content]", skip
    )
    assert shown == ["0px", '"Chuyển đến nội dung chính"'], shown
    box = drv.find_element(By.CSS_SELECTOR, '[data-testid="stSidebar"] [data-testid="stMultiSelect"] input')
    box.click()
    options = wait_for(drv, lambda d: d.find_elements(By.CSS_SELECTOR, '[role="option"]'), 10)
    labels = [o.text for o in options]
    assert labels and not any("Select" in x for x in labels), labels
    assert any(x.startswith("69-QĐ/TW — Quy định về kỷ luật tổ chức đảng, đảng viên vi phạm") for x in labels)
    assert not visible_english(drv), visible_english(drv)
    box.send_keys(Keys.ESCAPE)
    for path in ("/van-ban", "/on-tap", "/kho-du-lieu", "/kiem-tra"):
        drv.get(ui_server.url + path)
        wait_for(drv, lambda d: d.find_elements(By.TAG_NAME, "h1"), WAIT)
        settle(drv, WAIT)
        assert not drv.find_elements(By.CSS_SELECTOR, '[data-testid="stMainMenu"]'), path
        assert not visible_english(drv), (path, visible_english(drv))
        assert_no_traceback(drv)


def test_answer_marks_whole_words_and_dates_are_vietnamese(ui_server, browser) -> None:
    """Issue 16, UI 5 and 9, as a trainee asks it: «đảng viên có được kinh doanh không». Marked: «đảng viên» (never
    the «viên» of «thành viên», never «đang»); every date on the page dd/mm/yyyy. Screenshot of the page."""
    By = by()
    drv = browser
    drv.get(f"{ui_server.url}/?q={quote('đảng viên có được kinh doanh không')}")
    wait_text(drv, ".st-key-hit-1", "Mở trong văn bản", WAIT)
    settle(drv)
    marks = [m.text.strip().lower() for m in drv.find_elements(By.CSS_SELECTOR, ".soi-text mark")]
    assert marks and "đảng viên" in marks, marks
    allowed = {"đảng viên", "được kinh doanh", "kinh doanh", "đảng viên được kinh doanh"}
    assert set(marks) <= allowed, marks
    body = drv.find_element(By.TAG_NAME, "body").text
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", body), re.findall(r"\b\d{4}-\d{2}-\d{2}\b", body)
    assert "Ngày ban hành: 19/01/2011" in body
    assert "Không văn bản nào trong kho có từ: «kinh doanh»" in body  # no collected text speaks of business
    assert_no_traceback(drv)
    screenshot(drv, "10-hoi-dap-kinh-doanh")
    drv.get(f"{ui_server.url}/van-ban?doc=qd-69-2022")
    wait_text(drv, "h2", "Quy định về kỷ luật tổ chức đảng, đảng viên vi phạm", WAIT)
    settle(drv)
    body = drv.find_element(By.TAG_NAME, "body").text
    assert "Còn hiệu lực, được sửa đổi bởi 264-QĐ/TW ngày 14/02/2025" in body
    assert "2025-02-14" not in body


def test_on_tap_page_screenshot(ui_server, browser) -> None:
    """The «Ôn tập» page with a generated quiz: markers drawn with the icon font (no empty ✅ box)."""
    from selenium.webdriver.common.keys import Keys

    By = by()
    drv = browser
    drv.get(f"{ui_server.url}/on-tap")
    wait_text(drv, "h1", "Ôn tập", WAIT)
    settle(drv, WAIT)
    pick = wait_for(drv, lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="stMultiSelect"] input'), WAIT)
    settle(drv, WAIT)
    pick.click()
    pick.send_keys("Điều lệ")
    wait_text(drv, '[role="option"]', "Điều lệ Đảng")
    pick.send_keys(Keys.ENTER)
    pick.send_keys(Keys.ESCAPE)
    settle(drv)
    next(b for b in drv.find_elements(By.TAG_NAME, "button") if "Tạo bộ câu hỏi" in b.text).click()
    wait_text(drv, "body", "Câu 1", WAIT)
    settle(drv)
    assert "✅" not in drv.find_element(By.TAG_NAME, "body").text
    icons = drv.execute_script(
        "const sel = '[data-testid=\"stMarkdownContainer\"] span[role=\"img\"][translate=\"no\"]';"
        "return [...document.querySelectorAll(sel)].map(e => [e.textContent, getComputedStyle(e).fontFamily])")
    names = {name for name, _ in icons}
    assert {"check_circle", "radio_button_unchecked"} <= names, icons
    assert all("Material Symbols" in font for _, font in icons), icons  # the font Streamlit ships, no emoji
    assert not visible_english(drv), visible_english(drv)
    assert_no_traceback(drv)
    drv.execute_script("document.querySelector('[role=\"tabpanel\"]').scrollIntoView({block: 'start'});")
    time.sleep(0.3)
    screenshot(drv, "11-on-tap")
