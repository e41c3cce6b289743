"""Trang «Kho dữ liệu»: which documents are indexed, and (for the administrator) adding files and reindexing.

Without an admin password configured the page is read-only. Uploads are size-limited, saved only inside the
library folder under their bare name, read and shown for confirmation before anything is written; the index is
rebuilt into a new version and swapped in, so other sessions keep searching meanwhile.
"""

from __future__ import annotations

import hmac
import time
from pathlib import Path

import streamlit as st

from app.ui import core
from app.ui.login import ADMIN_LOGIN, lockout_message
from indexer.corpus.citation import format_date, parse_date, status_label
from indexer.corpus.filters import type_label
from indexer.index.freshness import load_documents
from indexer.ingest.errors import IngestError
from indexer.ingest.library import commit, list_added, prepare, reconsider, remove, safe_upload_path
from indexer.ingest.readers import SUPPORTED

FIELD_LABELS = {
    "code": "Số hiệu",
    "type": "Loại văn bản (mã: quy-dinh, ket-luan, huong-dan, …)",
    "title": "Tên văn bản",
    "issuer": "Cơ quan ban hành",
    "issued": "Ngày ban hành (dd/mm/yyyy)",
    "status": "Tình trạng (in-force, replaced, …)",
    "completeness": "Mức đầy đủ (full: đầy đủ, partial: một phần)",
}
UPLOADS = ".uploads"


def _is_admin(password: str) -> bool:
    if not password:
        return False
    if st.session_state.get("admin_ok"):
        return True
    locked = ADMIN_LOGIN.locked_for()
    if locked:
        st.error(lockout_message(locked), icon=":material/lock:")
        return False
    with st.form("admin_login", border=True):
        typed = st.text_input("Mật khẩu quản trị", type="password", key="admin_password_input")
        ok = st.form_submit_button("Đăng nhập", icon=":material/lock_open:")
    if ok:
        if hmac.compare_digest(typed.encode(), password.encode()):
            ADMIN_LOGIN.succeeded()
            st.session_state["admin_ok"] = True
            st.rerun()
        time.sleep(ADMIN_LOGIN.failed())  # slower after a few wrong tries, locked after more
        locked = ADMIN_LOGIN.locked_for()
        st.error(lockout_message(locked) if locked else "Mật khẩu không đúng.", icon=":material/error:")
    return False


def _documents_table(admin: bool = False) -> None:
    """The library: every document, newest first (dates as dd/mm/yyyy). Only an administrator is told where the
    added files are kept on the server."""
    s = core.current_settings()
    library = Path(s.library_dir).resolve()
    docs = sorted(load_documents(s).values(), key=lambda d: (d.issued or "", d.id), reverse=True)
    rows = [{
        "Số hiệu": d.code,
        "Tên": d.title,
        "Loại": type_label(d.type),
        "Ngày ban hành": format_date(d.issued) or "không rõ",
        "Tình trạng": status_label(d),
        "Đầy đủ": "một phần" if d.is_partial else "đầy đủ",
        "Nguồn": "bạn thêm" if Path(d.path).resolve().parent == library else "có sẵn",
    } for d in docs]
    # a static table: long titles wrap (nothing cut), and no toolbar with English tooltips
    st.table(rows, border="horizontal", hide_index=True)
    where = f"; văn bản bạn thêm nằm trong {s.library_dir}" if admin else ""
    st.caption(f"{len(docs)} văn bản{where}.")


def _save_upload(upload, directory: Path, limit_mb: int) -> Path:
    target = safe_upload_path(directory, upload.name)
    if upload.size > limit_mb * 2**20:
        raise IngestError(Path(upload.name), "too-large",
                          f"tệp quá lớn ({upload.size / 2**20:.0f} MB; giới hạn {limit_mb} MB)",
                          f"file too large ({upload.size / 2**20:.0f} MB; limit {limit_mb} MB)")
    directory.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.part")
    tmp.write_bytes(upload.getbuffer())
    tmp.replace(target)
    return target


def _add_section() -> None:
    s = core.current_settings()
    st.subheader("Thêm văn bản", anchor=False)
    st.caption(f"Nhận tệp {', '.join(SUPPORTED)} (tối đa {s.max_file_mb} MB). PDF phải có lớp chữ; bản scan cần "
               "nhận dạng chữ (OCR) trước. Văn bản gõ bằng phông TCVN3 (.VnTime) hoặc VNI được tự chuyển sang Unicode.")
    flash = st.session_state.pop("kho_flash", None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    n = st.session_state.setdefault("upload_round", 0)
    upload = st.file_uploader("Chọn tệp", type=[x.lstrip(".") for x in SUPPORTED], key=f"upload-{n}")
    if upload is None:
        st.session_state.pop("candidate", None)
        return
    cand = st.session_state.get("candidate")
    if cand is None or st.session_state.get("candidate_name") != (upload.name, upload.size):
        path = None
        try:
            path = _save_upload(upload, Path(s.library_dir) / UPLOADS, s.max_file_mb)
            cand = prepare(path, s)
        except IngestError as e:
            if path is not None:
                path.unlink(missing_ok=True)  # a refused file is not kept
            st.error(e.message("vi"), icon=":material/error:")
            return
        st.session_state["candidate"] = cand
        st.session_state["candidate_name"] = (upload.name, upload.size)
    x = cand.extracted
    pages = f", {x.pages} trang" if x.pages else ""
    chars = f"{len(x.text):,}".replace(",", ".")  # Vietnamese thousands: 2.753
    st.markdown(f"**{cand.source.name}**: {x.format.upper()}{pages}, mã hoá {x.encoding}, {chars} ký tự, "
                f"{cand.units} đơn vị cấu trúc (chương, điều, khoản, mục).")
    for n in cand.notices:
        st.warning(n.vi, icon=":material/warning:")
    with st.form("confirm_meta"):
        st.markdown("Kiểm tra và sửa thông tin đoán được từ trang đầu trước khi thêm:")
        values = {}
        for key, label in FIELD_LABELS.items():
            evidence = getattr(cand.guessed, "evidence", {}).get(key, "")
            value = cand.fields.get(key, "")
            if key == "issued":
                value = format_date(value)
            values[key] = st.text_input(label, value=value, key=f"meta_{key}",
                                        help=f"Lấy từ dòng: «{evidence}»" if evidence else None)
        submitted = st.form_submit_button("Thêm và cập nhật chỉ mục", type="primary", icon=":material/add:")
    with st.expander("Xem trước nội dung đã trích"):
        st.text(x.text[:3000] + ("…" if len(x.text) > 3000 else ""))
    if not submitted:
        for d in cand.duplicates:
            (st.error if d.blocking else st.info)(d.message("vi"))
        return
    values["issued"] = parse_date(values.get("issued", ""))  # typed as dd/mm/yyyy, stored as ISO
    reconsider(cand, values, s)
    if cand.blocking is not None:
        st.error(f"Không thêm: {cand.blocking.message('vi')}.", icon=":material/content_copy:")
        return
    try:
        added = commit(cand, s)
    except IngestError as e:
        st.error(e.message("vi"), icon=":material/error:")
        return
    cand.source.unlink(missing_ok=True)
    st.session_state.pop("candidate", None)
    name = values.get("code") or values.get("title") or added.doc_id
    manifest = core.build_with_progress(s, f"Đã thêm «{name}». Đang cập nhật chỉ mục; các phiên khác vẫn "
                                           "tra cứu trên chỉ mục cũ cho đến khi xong…")
    note = f" (thay bản chưa đầy đủ «{added.stands_in_for}» có sẵn)" if added.stands_in_for else ""
    done = (f"chỉ mục đã cập nhật trong {manifest['build_seconds']} giây" if manifest
            else "chỉ mục được một phiên khác cập nhật")
    st.session_state["kho_flash"] = f"Đã thêm «{name}»{note}; {done}. Có thể tra cứu ngay."
    st.session_state["upload_round"] = n + 1  # a fresh, empty uploader
    st.rerun()


def _manage_section() -> None:
    s = core.current_settings()
    added = list_added(s)
    st.subheader("Văn bản bạn đã thêm", anchor=False)
    if not added:
        st.caption("Chưa có.")
    else:
        choice = st.selectbox("Văn bản", [d.id for d in added], key="remove_id",
                              format_func=lambda i: next(f"{d.code or d.id} — {d.title}" for d in added if d.id == i))
        if st.button("Xoá văn bản này và cập nhật chỉ mục", icon=":material/delete:"):
            try:
                remove(choice, s)
            except IngestError as e:
                st.error(e.message("vi"), icon=":material/error:")
                return
            gone = next((d.code or d.title for d in added if d.id == choice), choice)
            core.build_with_progress(s, f"Đã xoá «{gone}». Đang cập nhật chỉ mục…")
    st.subheader("Chỉ mục", anchor=False)
    if st.button("Tạo lại chỉ mục", icon=":material/refresh:"):
        core.build_with_progress(s, "Đang tạo lại chỉ mục…")


def main() -> None:
    """Everyone sees the library table; the administrator's tools (and the server's folders) only after logging in.
    Without an admin password configured there is no login at all: the page is the table."""
    st.title("Kho dữ liệu", anchor=False)
    s = core.current_settings()
    admin = bool(s.admin_password) and bool(st.session_state.get("admin_ok"))
    _documents_table(admin)
    if not s.admin_password:
        return
    if not admin:
        with st.expander("Quản trị", icon=":material/lock:"):
            _is_admin(s.admin_password)
        return
    _add_section()
    _manage_section()


with core.guard():
    main()
