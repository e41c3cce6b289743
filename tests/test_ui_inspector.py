"""Inspector views of the UI on the real index: the reference graph and relation lists of «Văn bản», the
«Dẫn chiếu» line of result cards (AppTest), and the graph and discipline badges as drawn in Chromium (screenshots)."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest
from ui_support import screenshot

from app.ui import render
from indexer.rules.refs import graph_for

WAIT = 120


def _clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _dots(at: AppTest) -> list[str]:
    return [g.proto.spec for g in at.get("graphviz_chart")]


def test_document_list_shows_the_corpus_graph(app: AppTest) -> None:
    at = app.run().switch_page("views/van_ban.py").run()
    _clean(at)
    assert at.title[0].value == "Văn bản"
    [dot] = _dots(at)
    assert '"qd-296-2025" -> "qd-22-2021" [label="thay thế"' in dot  # the replacement, drawn
    assert '"qd-22-2021" [label="22-QĐ/TW (2021)\\nđã được thay thế"' in dot  # the replaced one, marked
    assert '"hd-02-2021" -> "qd-22-2021" [label="trích dẫn"' in dot
    assert '"?264-QĐ/TW" -> "qd-69-2022" [label="sửa đổi"' in dot and "ngoài kho" in dot
    assert '"qd-1147-btgdvtw-2025"' in dot  # every regulation is a node, even one citing only outside documents
    assert not re.search(r'-> "(?:\d+-CT/TW|05-CT/TW)"', dot)  # outside citations stay on each document's page


def test_reader_lists_what_cites_and_replaces_a_document(app: AppTest) -> None:
    at = app.run()
    at.query_params.update({"doc": "qd-22-2021"})
    at = at.switch_page("views/van_ban.py").run()
    _clean(at)
    [dot] = _dots(at)
    assert 'penwidth="2.5"' in dot and '"qd-296-2025" -> "qd-22-2021"' in dot and "qd-383-2025" not in dot
    html = "\n".join(h.value for h in at.html)
    assert "đã được thay thế bởi" in html and 'href="van-ban?doc=qd-296-2025"' in html
    md = [m.value for m in at.markdown]
    for title in ("**Văn bản này trích dẫn**", "**Được trích dẫn bởi**", "**Được thay thế bởi**"):
        assert title in md
    assert 'href="van-ban?doc=hd-02-2021' in html  # cited by the guidance that implements it
    assert "ghi ở thông tin văn bản" in html  # where the replacement is known from


def test_reader_shows_an_opened_clause_references(app: AppTest) -> None:
    at = app.run()
    at.query_params.update({"doc": "ctr-qn-kl34-2022", "clause": "ctr-qn-kl34-2022/III/2/2.1/p5/i1"})
    at = at.switch_page("views/van_ban.py").run()
    _clean(at)
    html = "\n".join(h.value for h in at.html)
    assert "Quy định số 109-QĐ/TW, ngày 03/01/2018</a> → 109-QĐ/TW" in html  # resolved, linked to the reader
    assert re.search(r"Chỉ thị 05-\s?CT/TW .*\(ngoài kho\)", html)  # unresolved, kept as written
    assert any(m.value.startswith("**Dẫn chiếu của") for m in at.markdown)


def test_result_card_has_a_refs_line(app: AppTest) -> None:
    at = app.run()
    at.text_input(key="q").set_value("nguyên tắc công tác kiểm tra giám sát của Đảng quy định 22")
    at.form_submit_button[0].click()
    at = at.run()
    _clean(at)
    lines = [h.value for h in at.html if "soi-refs" in h.value]
    assert any("Được thay thế bởi: " in v and 'href="van-ban?doc=qd-296-2025"' in v for v in lines), lines


def test_refs_line_links_resolved_and_keeps_unresolved(searcher) -> None:
    g = graph_for(searcher)
    line = render.refs_line_html(g, searcher.clauses["qd-69-2022/d27/k2"], searcher.documents)
    assert 'href="van-ban?doc=qd-69-2022&amp;clause=qd-69-2022%2Fd27%2Fk1"' in line  # «Khoản 1 Điều này»
    assert "Được sửa đổi bởi: 264-QĐ/TW" in line and "chưa có trong kho" in line
    assert render.refs_line_html(g, searcher.clauses["dieu-le-dang-2011/d31/k1"], searcher.documents) == ""


# ---- in the browser ------------------------------------------------------------------------------------------


def _wait(drv, cond, timeout: float = WAIT):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(drv, timeout, poll_frequency=0.3).until(cond)


def _svg_text(drv) -> str:
    return drv.execute_script(
        "return Array.from(document.querySelectorAll('[data-testid=\"stGraphVizChart\"] svg text'))"
        ".map(t => t.textContent).join(' | ');"
    )


@pytest.mark.browser
def test_graph_drawn_in_the_browser(ui_server, browser) -> None:
    from selenium.webdriver.common.by import By

    drv = browser
    drv.get(f"{ui_server.url}/van-ban")
    _wait(drv, lambda d: "đã được thay thế" in _svg_text(d))  # drawn client-side: no `dot` binary on the server
    text = _svg_text(drv)
    assert "22-QĐ/TW (2021)" in text and "296-QĐ/TW (2025)" in text and "thay thế" in text
    hrefs = drv.execute_script(
        "return Array.from(document.querySelectorAll('[data-testid=\"stGraphVizChart\"] svg a'))"
        ".map(a => a.getAttribute('href') || a.getAttribute('xlink:href'));"
    )
    assert "van-ban?doc=qd-296-2025" in hrefs  # a node opens its document
    el = drv.find_element(By.CSS_SELECTOR, '[data-testid="stGraphVizChart"]')
    drv.execute_script("arguments[0].scrollIntoView({block: 'start'});", el)
    screenshot(drv, "08-van-ban-so-do-quan-he")

    drv.get(f"{ui_server.url}/van-ban?doc=qd-22-2021")
    _wait(drv, lambda d: "296-QĐ/TW" in _svg_text(d))
    heading = _wait(drv, lambda d: next((h for h in d.find_elements(By.CSS_SELECTOR, "h3")
                                         if "Quan hệ với các văn bản khác" in h.text), False))
    drv.execute_script("arguments[0].scrollIntoView({block: 'start'});", heading)
    body = drv.find_element(By.TAG_NAME, "body").text
    assert "Được trích dẫn bởi" in body and "02-HD/TW" in body
    screenshot(drv, "09-van-ban-quan-he")


@pytest.mark.browser
def test_kiem_tra_penalty_forms_in_the_browser(ui_server, browser) -> None:
    from selenium.webdriver.common.by import By

    drv = browser
    drv.get(f"{ui_server.url}/kiem-tra")
    box = _wait(drv, lambda d: d.find_elements(By.CSS_SELECTOR, "textarea") or False)[0]
    box.send_keys("Đảng viên đăng bài trên mạng xã hội, phát ngôn trái quan điểm của Đảng thì bị kỷ luật thế nào")
    drv.find_element(By.XPATH, "//button[contains(., 'Phân tích')]").click()
    mark = _wait(drv, lambda d: next((m for m in d.find_elements(By.CSS_SELECTOR, ".soi-penalty")
                                      if m.text.strip()), False))
    assert mark.text.lower() == "khiển trách"
    heading = next(h for h in drv.find_elements(By.CSS_SELECTOR, "h3") if "kỷ luật có thể áp dụng" in h.text)
    drv.execute_script("arguments[0].scrollIntoView({block: 'start'});", heading)
    def page_done(d) -> str | bool:
        text = d.find_element(By.TAG_NAME, "body").text
        return text if "Báo cáo (PDF)" in text else False  # the download buttons come last

    body = _wait(drv, page_done)
    assert "theo loại vi phạm" in body and "Điều 28, Quy định số 69-QĐ/TW" in body
    assert "cosine" not in body and "BM25" not in body  # no scoring internals on the page
    screenshot(drv, "10-kiem-tra-ky-luat")


@pytest.mark.browser
def test_result_card_refs_line_in_the_browser(ui_server, browser) -> None:
    from urllib.parse import quote

    from selenium.webdriver.common.by import By

    drv = browser
    drv.get(f"{ui_server.url}/?q={quote('nguyên tắc công tác kiểm tra giám sát của Đảng quy định 22')}")
    line = _wait(drv, lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, ".soi-refs")
                                      if "Được thay thế bởi" in e.text), False))
    link = line.find_element(By.CSS_SELECTOR, "a")
    assert link.text == "296-QĐ/TW" and link.get_attribute("href").endswith("van-ban?doc=qd-296-2025")
    card = line.find_element(By.XPATH, "./ancestor::div[contains(@class, 'st-key-hit-')]")
    drv.execute_script("arguments[0].scrollIntoView({block: 'start'});", card)
    screenshot(drv, "11-hoi-dap-dan-chieu")
