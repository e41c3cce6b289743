"""Page «Kho dữ liệu»: read-only without an admin password; with one, log in, upload, confirm, reindex.

AppTest covers the page logic on the session index; the upload itself runs in real Chromium against a real
`soi app` that has its own copy of the index and its own library (so the session index is never changed).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from support import articles, header
from ui_support import (
    ENTRY,
    WAIT,
    assert_no_traceback,
    by,
    open_page,
    running_app,
    screenshot,
    settle,
    type_into,
    visible_english,
    wait_for,
    wait_text,
)

PAGE = "views/kho_du_lieu.py"
PASSWORD = "mat-khau-thu-nghiem"


def page(app: AppTest, monkeypatch: pytest.MonkeyPatch, password: str | None) -> AppTest:
    if password is None:
        monkeypatch.delenv("SOI_ADMIN_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("SOI_ADMIN_PASSWORD", password)
    return open_page(app, PAGE)


def test_read_only_without_admin_password(app, monkeypatch):
    """Issue 16, UI 7 and 9: a non-admin sees the library table only (no server folder, no set-up instructions, no
    internal ids), with dates as dd/mm/yyyy like the rest of the UI."""
    at = page(app, monkeypatch, None)
    assert not at.exception
    assert at.title[0].value == "Kho dữ liệu"
    assert not at.info and not at.warning and not at.expander
    table = at.table[0].value  # a static table: titles wrap, no toolbar
    assert len(table) == len(list(Path(ENTRY).parents[2].joinpath("corpus").glob("*.md"))) - 1  # minus README
    assert set(table["Nguồn"]) == {"có sẵn"}
    assert "id" not in table.columns and "qd-69-2022" not in table.to_string()
    row = table[table["Số hiệu"] == "69-QĐ/TW"].iloc[0]
    assert row["Ngày ban hành"] == "06/07/2022"
    assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4}|\d{4}|không rõ", d) for d in table["Ngày ban hành"])
    shown = " ".join([c.value for c in at.caption] + [m.value for m in at.markdown])
    library = os.environ["SOI_LIBRARY_DIR"]
    assert library not in shown and "SOI_ADMIN_PASSWORD" not in shown and "soi add" not in shown
    assert shown.strip().endswith("văn bản."), shown
    assert not at.button and not [t for t in at.text_input if t.label == "Mật khẩu quản trị"]


def test_admin_login_refuses_a_wrong_password_then_opens_the_tools(app, monkeypatch):
    at = page(app, monkeypatch, PASSWORD)
    box = next(t for t in at.text_input if t.label == "Mật khẩu quản trị")
    box.set_value("sai")
    at.form_submit_button[0].click()
    at = at.run()
    assert [e.value for e in at.error] == ["Mật khẩu không đúng."]
    assert not [b for b in at.button if b.label == "Tạo lại chỉ mục"]
    box = next(t for t in at.text_input if t.label == "Mật khẩu quản trị")
    box.set_value(PASSWORD)
    at.form_submit_button[0].click()
    at = at.run()
    assert not at.error and not at.exception
    assert [b for b in at.button if b.label == "Tạo lại chỉ mục"]
    assert any(s.value == "Thêm văn bản" for s in at.subheader)


@pytest.mark.browser
def test_upload_confirm_and_find_the_new_document(ui_env, browser, tmp_path):
    By = by()
    index = tmp_path / "index"
    shutil.copytree(ui_env["SOI_INDEX_DIR"], index, symlinks=True)
    library = tmp_path / "library"
    src = tmp_path / "Quy định 907 (bản chụp).txt"
    src.write_text(header("907-QĐ/TW", 4, 4, 2024) + articles("dieu-le-dang-2011.md", 35, 36), encoding="utf-8")
    env = {**ui_env, "SOI_INDEX_DIR": str(index), "SOI_LIBRARY_DIR": str(library), "SOI_ADMIN_PASSWORD": PASSWORD}
    with running_app(env, tmp_path / "server.log") as server:
        drv = browser
        drv.get(server.url + "/kho-du-lieu")
        wait_text(drv, "h1", "Kho dữ liệu", WAIT)
        wait_text(drv, '[data-testid="stExpander"] summary', "Quản trị", WAIT).click()
        type_into(drv, 'input[type="password"]', PASSWORD, WAIT)
        next(b for b in drv.find_elements(By.TAG_NAME, "button") if "Đăng nhập" in b.text).click()
        upload = wait_for(drv, lambda d: d.find_element(By.CSS_SELECTOR, 'input[type="file"]'), WAIT)
        settle(drv)
        # Streamlit's uploader says "Upload" and "200MB per file • PDF, …": shown in Vietnamese (issue 16, UI 2)
        shown = drv.execute_script(
            "const z = document.querySelector('[data-testid=\"stFileUploaderDropzone\"]');"
            "const p = z.querySelector('button p');"
            "const i = z.querySelector('[data-testid=\"stFileUploaderDropzoneInstructions\"]');"
            "return [getComputedStyle(p, '::after').content, getComputedStyle(p).fontSize, i.offsetParent === null];")
        assert shown == ['"Tải tệp lên"', "0px", True], shown
        assert not visible_english(drv), visible_english(drv)
        junk = tmp_path / "rac.txt"
        junk.write_bytes(bytes(range(256)) * 64)  # binary data named .txt: named, refused, nothing kept
        upload.send_keys(str(junk))
        wait_text(drv, "body", "rac.txt: tệp không phải văn bản (có vẻ là dữ liệu nhị phân)", WAIT)
        assert_no_traceback(drv)
        screenshot(drv, "07-kho-du-lieu-tep-hong")
        assert not list((library / ".uploads").iterdir())
        upload = drv.find_element(By.CSS_SELECTOR, 'input[type="file"]')
        upload.send_keys(str(src))
        try:
            wait_for(drv, lambda d: d.find_element(By.CSS_SELECTOR, 'input[aria-label="Số hiệu"]'), WAIT)
        finally:
            screenshot(drv, "08-kho-du-lieu-xac-nhan")
        settle(drv)
        code = drv.find_element(By.CSS_SELECTOR, 'input[aria-label="Số hiệu"]')
        assert code.get_attribute("value") == "907-QĐ/TW"
        assert drv.find_element(By.CSS_SELECTOR, 'input[aria-label="Ngày ban hành (dd/mm/yyyy)"]') \
            .get_attribute("value") == "04/04/2024"
        next(b for b in drv.find_elements(By.TAG_NAME, "button") if "Thêm và cập nhật chỉ mục" in b.text).click()
        wait_text(drv, "body", "Đã thêm «907-QĐ/TW»", 300)
        settle(drv)
        assert_no_traceback(drv)
        screenshot(drv, "09-kho-du-lieu-da-them")
        assert (library / "qd-907-2024.md").is_file()
        assert not list((library / ".uploads").iterdir())  # the upload was consumed
        # The same browser asks on the front page: the new document answers (new index version swapped in).
        drv.get(server.url + "/?q=" + "hình thức kỷ luật đối với đảng viên dự bị")
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and "907-QĐ/TW" not in drv.find_element(By.TAG_NAME, "body").text:
            time.sleep(0.5)
        assert "907-QĐ/TW" in drv.find_element(By.TAG_NAME, "body").text
        assert_no_traceback(drv)
