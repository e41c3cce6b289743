"""Issue 15: nothing a user adds or does stops the program — bounded reading, safe UI defaults, per-file errors,
no text lost to running-footer removal. Every file is generated here (nothing large is committed).
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pytest
from fpdf import FPDF
from support import articles, header, run, write

from app.cli.ui import streamlit_argv
from app.ui.login import LoginLimiter, lockout_message
from indexer.corpus.frontmatter import split_front_matter
from indexer.corpus.models import Document
from indexer.corpus.parse import parse
from indexer.export.printable import _font_dir
from indexer.ingest.errors import IngestError
from indexer.ingest.readers import DEFAULT_MAX_CHARS, read_file

LIMIT = 200 * 2**20
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


@pytest.fixture
def soi_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`soi` run in-process against a private data dir and library (never the user's), no config file."""
    data = tmp_path / "data"
    monkeypatch.setenv("SOI_DATA_DIR", str(data))
    monkeypatch.setenv("SOI_LIBRARY_DIR", str(data / "library"))
    monkeypatch.delenv("SOI_INDEX_DIR", raising=False)
    empty = tmp_path / "soi.toml"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("SOI_CONFIG", str(empty))
    return data / "library"


def paragraphs_docx(path: Path, paragraph: str, repeat: int) -> Path:
    """A minimal Word package whose body is `paragraph` `repeat` times: DEFLATE packs it to almost nothing."""
    para = f"<w:p><w:r><w:t>{paragraph}</w:t></w:r></w:p>"
    body = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W_NS}><w:body>'
            + para * repeat + "</w:body></w:document>")
    types = ('<?xml version="1.0" encoding="UTF-8"?>'
             '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
             'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="word/document.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            '</Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", rels)
        z.writestr("word/document.xml", body)
    return path


# ---- 1. a tiny .docx holding megabytes of text ----------------------------------------------------------------
BOMB_PARAGRAPH = "Điều 1. Đảng viên phải chấp hành nghiêm Điều lệ Đảng."


def test_small_docx_with_10_mb_of_text_is_refused_by_soi_add_with_the_file_named(tmp_path, soi_env):
    """The probe's file: ~36 KB on disk, 10 MB of "Điều 1." paragraphs inside (it ran > 300 s before)."""
    repeat = 10 * 2**20 // len(f"<w:p><w:r><w:t>{BOMB_PARAGRAPH}</w:t></w:r></w:p>".encode())
    bomb = paragraphs_docx(tmp_path / "bom-chu.docx", BOMB_PARAGRAPH, repeat)
    assert bomb.stat().st_size < 64 * 2**10
    code, out, err = run("add", "--yes", "--no-build", str(bomb))
    assert code == 5, (out, err)
    assert "bom-chu.docx: văn bản trong tệp dài hơn giới hạn 2.000.000 ký tự" in err
    assert "SOI_MAX_TEXT_CHARS" in err and "Traceback" not in err
    assert not soi_env.exists() or not list(soi_env.glob("*.md"))


def test_text_limit_is_a_setting(tmp_path, soi_env, monkeypatch):
    text = header("911-QĐ/TW", 1, 2, 2024) + articles("dieu-le-dang-2011.md", 35, 36)
    src = write(tmp_path / "quy-dinh-911.txt", text)
    monkeypatch.setenv("SOI_MAX_TEXT_CHARS", str(len(text) // 2))
    code, out, err = run("add", "--yes", "--no-build", str(src))
    assert code == 5 and "quy-dinh-911.txt: văn bản trong tệp dài hơn giới hạn" in err
    monkeypatch.setenv("SOI_MAX_TEXT_CHARS", str(len(text) * 2))
    code, out, err = run("add", "--yes", "--no-build", str(src))
    assert code == 0, err
    monkeypatch.setenv("SOI_MAX_TEXT_CHARS", "0")
    code, out, err = run("add", "--yes", "--no-build", str(src))
    assert code == 6 and "SOI_MAX_TEXT_CHARS" in err and "Lỗi cấu hình" in err  # a configuration error, named


def test_every_reader_stops_at_the_text_limit(tmp_path):
    """HTML, text and PDF are bounded like .docx (code "too-long", the file named in both languages)."""
    sentence = "Đảng viên phải gương mẫu chấp hành Điều lệ Đảng và pháp luật của Nhà nước. "
    html = tmp_path / "trang.html"
    html.write_text("<html><body>" + "".join(f"<p>{sentence * 3}</p>" for _ in range(400)) + "</body></html>",
                    encoding="utf-8")
    txt = write(tmp_path / "van-ban.txt", (sentence * 3 + "\n") * 400)
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(_font_dir() / "DejaVuSans.ttf"))
    pdf.set_font("DejaVu", "", 10)
    for _ in range(6):
        pdf.add_page()
        pdf.multi_cell(0, 5, sentence * 25)
    pdf_path = tmp_path / "tai-lieu.pdf"
    pdf_path.write_bytes(bytes(pdf.output()))
    for path in (html, txt, pdf_path):
        read_file(path, LIMIT)  # within the default limit
        with pytest.raises(IngestError) as info:
            read_file(path, LIMIT, max_chars=3000)
        err = info.value
        assert err.code == "too-long", (path.name, err.en)
        assert path.name in err.message("vi") and "3.000 ký tự" in err.vi and "3,000-character" in err.en


def test_reading_past_the_time_limit_is_refused_with_the_file_named(tmp_path):
    """`max_seconds` is checked as the text comes out (here a limit every reader is already past)."""
    docx_path = paragraphs_docx(tmp_path / "cham.docx", BOMB_PARAGRAPH, 50)
    html = tmp_path / "cham.html"
    html.write_text("<p>Điều 1. Đảng viên phải gương mẫu.</p>", encoding="utf-8")
    txt = write(tmp_path / "cham.txt", "Điều 1. Đảng viên phải gương mẫu.\n")
    for path in (docx_path, html, txt):
        with pytest.raises(IngestError) as info:
            read_file(path, LIMIT, max_seconds=1e-9)
        assert info.value.code == "too-slow" and f"{path.name}: đọc tệp mất hơn" in info.value.message("vi")


def test_docx_whose_body_xml_is_far_beyond_the_text_limit_is_refused_unparsed(tmp_path):
    bomb = paragraphs_docx(tmp_path / "rong.docx", "", 3 * 2**20)  # 96 MB of empty paragraphs, ~100 KB packed
    with pytest.raises(IngestError) as info:
        read_file(bomb, LIMIT)
    assert info.value.code == "too-long" and "rong.docx" in info.value.message("vi")


def test_many_repeated_articles_are_read_with_every_unit_kept(tmp_path):
    """A long text (under the limit) that repeats "Điều 1." 30,000 times: read, every unit kept with the ids the
    parser always gave (d1, d1~2, d1~3 …); renaming repeats tried ~2, ~3 … one at a time (minutes here)."""
    repeat = 30_000
    path = paragraphs_docx(tmp_path / "lap-lai.docx", BOMB_PARAGRAPH, repeat)
    ex = read_file(path, LIMIT)
    assert len(ex.text) < DEFAULT_MAX_CHARS
    assert ex.articles == repeat


def test_repeated_unit_ids_keep_their_numbering():
    """Repeats interleaved at several levels: the ids the linear renaming gives are those of the old one."""
    text = "\n".join([
        "Điều 1. Một", "1. Khoản", "1. Khoản lặp", "Điều 2. Hai", "Điều 1. Lặp lần hai", "1. Khoản",
        "Điều 1. Lặp lần ba", "Điều 2. Hai lặp", "1. Khoản", "1. Khoản", "1. Khoản",
    ])
    doc = Document(id="x", code="", type="", title="", issuer="", issued="", status="in-force", text=text)
    result = parse(doc)
    assert [c.id for c in result.clauses] == [
        "x/d1", "x/d1/k1", "x/d1/k1~2", "x/d2", "x/d1~2", "x/d1~2/k1", "x/d1~3", "x/d2~2", "x/d2~2/k1",
        "x/d2~2/k1~2", "x/d2~2/k1~3",
    ]
    assert result.issues == [
        "repeated unit 'x/d1/k1' renamed x/d1/k1~2", "repeated unit 'x/d1' renamed x/d1~2",
        "repeated unit 'x/d1' renamed x/d1~3", "repeated unit 'x/d2' renamed x/d2~2",
        "repeated unit 'x/d2~2/k1' renamed x/d2~2/k1~2", "repeated unit 'x/d2~2/k1' renamed x/d2~2/k1~3",
    ]


# ---- 2. the UI: this machine only unless asked; admin password attempts limited --------------------------------
def _app_argv(monkeypatch: pytest.MonkeyPatch, *argv: str) -> tuple[list[str], str]:
    """What `soi app …` hands to Streamlit (the exec into `python -m streamlit` is replaced, nothing is served)."""
    seen: list[list[str]] = []
    monkeypatch.setattr(os, "execv", lambda exe, args: seen.append(["streamlit", *args[3:]]))  # [python, -m, app.ui, …]
    code, _out, err = run("app", *argv)
    assert code == 0, err
    return seen[0], err


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_soi_app_listens_on_this_machine_only_by_default(soi_env, monkeypatch):
    monkeypatch.delenv("SOI_APP_HOST", raising=False)
    argv, err = _app_argv(monkeypatch, "--port", "8601")
    assert _option(argv, "--server.address") == "127.0.0.1" and _option(argv, "--server.port") == "8601"
    assert not err


def test_soi_app_serves_the_lan_only_when_asked(soi_env, monkeypatch):
    argv, err = _app_argv(monkeypatch, "--host", "0.0.0.0")
    assert _option(argv, "--server.address") == "0.0.0.0"
    assert "giao diện mở cho mạng" in err
    monkeypatch.setenv("SOI_APP_HOST", "192.168.1.5")
    argv, _ = _app_argv(monkeypatch)
    assert _option(argv, "--server.address") == "192.168.1.5"


def test_streamlit_argv_always_names_the_address():
    argv = streamlit_argv(Path("x.py"), "127.0.0.1", 8501, 200)
    assert argv[:3] == ["streamlit", "run", "x.py"]
    assert _option(argv, "--server.address") == "127.0.0.1" and _option(argv, "--server.maxUploadSize") == "200"


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_wrong_admin_passwords_slow_down_then_lock_out():
    clock = _Clock()
    guard = LoginLimiter(clock=clock)
    assert guard.locked_for() == 0
    waits = [guard.failed() for _ in range(4)]
    assert waits == [0.0, 0.0, 1.0, 2.0]  # two free tries, then slower
    assert guard.locked_for() == 0
    assert guard.failed() == 0.0  # the fifth wrong try locks
    assert guard.locked_for() == 300
    clock.now += 299
    assert guard.locked_for() == pytest.approx(1)
    assert "thử lại sau 1 phút" in lockout_message(guard.locked_for())
    clock.now += 2
    assert guard.locked_for() == 0
    assert guard.failed() == 0.0  # the count started again after the lock
    guard.succeeded()
    assert [guard.failed() for _ in range(3)] == [0.0, 0.0, 1.0]


def test_the_admin_page_locks_after_repeated_wrong_passwords(soi_env, monkeypatch):
    """The page itself (AppTest, no index needed): four wrong tries answer «Mật khẩu không đúng.», the fifth locks
    the login (no password box at all), and after the lock the right password opens the tools."""
    from streamlit.testing.v1 import AppTest

    import app.ui.login as login

    guard = LoginLimiter(base_delay=0.01)
    monkeypatch.setattr(login, "ADMIN_LOGIN", guard)
    monkeypatch.setenv("SOI_ADMIN_PASSWORD", "mat-khau-dung")
    page = Path(__file__).resolve().parent.parent / "app" / "ui" / "views" / "kho_du_lieu.py"
    at = AppTest.from_file(str(page), default_timeout=120).run()
    for attempt in range(5):
        box = next(t for t in at.text_input if t.label == "Mật khẩu quản trị")
        box.set_value("sai")
        at.form_submit_button[0].click()
        at = at.run()
        assert not at.exception
        if attempt < 4:
            assert [e.value for e in at.error] == ["Mật khẩu không đúng."]
    assert at.error[0].value.startswith("Đã nhập sai mật khẩu quá nhiều lần")
    at = at.run()
    assert not [t for t in at.text_input if t.label == "Mật khẩu quản trị"]
    assert "thử lại sau 5 phút" in at.error[0].value
    guard.clock = lambda: login.time.monotonic() + 301  # the lock has run out
    at = at.run()
    box = next(t for t in at.text_input if t.label == "Mật khẩu quản trị")
    box.set_value("mat-khau-dung")
    at.form_submit_button[0].click()
    at = at.run()
    assert not at.error and [b for b in at.button if b.label == "Tạo lại chỉ mục"]


def test_lockout_message_is_vietnamese():
    msg = lockout_message(300)
    assert msg.startswith("Đã nhập sai mật khẩu quá nhiều lần") and "5 phút" in msg


# ---- 6. one bad file name does not abort the others ------------------------------------------------------------
def _good(tmp_path: Path, number: str) -> Path:
    return write(tmp_path / "tot.txt", header(f"{number}-QĐ/TW", 2, 2, 2024) + articles("dieu-le-dang-2011.md", 35, 36))


def test_a_250_character_file_name_is_added_beside_the_good_file(tmp_path, soi_env):
    long_name = tmp_path / ("quy-dinh-thu-nghiem-" + "rat-dai-" * 28 + ".txt")
    assert len(long_name.name) >= 245
    write(long_name, "Điều 1. Phạm vi\nĐảng viên phải gương mẫu chấp hành Điều lệ Đảng.\n")
    good = _good(tmp_path, "912")
    code, out, err = run("add", "--yes", "--no-build", str(long_name), str(good))
    assert code == 0, err
    added = sorted(p.name for p in soi_env.glob("*.md"))
    assert "qd-912-2024.md" in added and len(added) == 2
    long_id = next(n for n in added if n.startswith("quy-dinh-thu-nghiem"))
    assert len(long_id) <= 80 + len(".md")
    assert not [p for p in soi_env.rglob(".*") if ".tmp-" in p.name]


def test_an_os_error_on_one_file_stays_with_that_file_in_vietnamese(tmp_path, soi_env):
    too_long = tmp_path / ("x" * 300 + ".txt")  # a name no file system takes: [Errno 36]
    good = _good(tmp_path, "913")
    code, out, err = run("add", "--yes", "--no-build", str(too_long), str(good))
    assert code == 5, (out, err)
    assert f"{too_long.name}: không đọc được tệp (tên tệp hoặc đường dẫn quá dài)" in err
    assert "Errno" not in err and "Traceback" not in err
    assert (soi_env / "qd-913-2024.md").is_file()


def test_a_library_that_cannot_be_written_names_each_file(tmp_path, soi_env, monkeypatch):
    library = tmp_path / "library"
    library.mkdir()
    blocker = write(library / "originals", "x")  # where the originals go is a file: every write into it fails
    monkeypatch.setenv("SOI_LIBRARY_DIR", str(library))
    good = _good(tmp_path, "914")
    other = write(tmp_path / "khac.txt", header("915-QĐ/TW", 3, 3, 2024) + articles("qd-37-2021.md", 1, 2))
    code, out, err = run("add", "--yes", "--no-build", str(good), str(other))
    assert code == 5, (out, err)
    for name in ("tot.txt", "khac.txt"):
        assert f"{name}: không ghi được vào kho văn bản {library}" in err
    assert "Errno" not in err and "Traceback" not in err
    assert blocker.read_text() == "x" and not list(library.glob("*.md"))  # nothing half-added


def test_a_library_folder_below_a_file_is_a_configuration_error(tmp_path, soi_env, monkeypatch):
    blocker = write(tmp_path / "khong-phai-thu-muc", "x")
    monkeypatch.setenv("SOI_LIBRARY_DIR", str(blocker / "library"))
    code, out, err = run("add", "--yes", "--no-build", str(_good(tmp_path, "917")))
    assert code == 6 and "SOI_LIBRARY_DIR" in err and "Traceback" not in err


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores folder permissions")
def test_a_read_only_library_names_each_file(tmp_path, soi_env):
    soi_env.mkdir(parents=True)
    soi_env.chmod(0o555)
    try:
        code, out, err = run("add", "--yes", "--no-build", str(_good(tmp_path, "916")))
    finally:
        soi_env.chmod(0o755)
    assert code == 5 and "tot.txt: không ghi được vào kho văn bản" in err and "Errno" not in err


# ---- 7. PDF: only verbatim, short, margin lines are running heads/feet -----------------------------------------
class _Paged(FPDF):
    """A running head repeated verbatim on every page, and a page number at the foot."""

    def header(self) -> None:
        self.set_font("DejaVu", "", 8)
        self.cell(0, 5, "Quy định thử nghiệm 901 - bản in thử", new_x="LMARGIN", new_y="NEXT")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 5, f"- {self.page_no()} -", align="C")


def _pdf_with_page_final_lines(path: Path) -> list[str]:
    """Five pages, each ending (before its page number) with a line that differs from page to page only in its
    numbers; returns those lines."""
    pdf = _Paged(format="A4")
    pdf.add_font("DejaVu", "", str(_font_dir() / "DejaVuSans.ttf"))
    finals = []
    for n in range(1, 6):  # one article of the Điều lệ a page
        pdf.add_page()
        pdf.set_font("DejaVu", "", 10.5)
        for p in articles("dieu-le-dang-2011.md", n, n).split("\n"):
            if p.strip():
                pdf.multi_cell(0, 5.2, p.strip(), new_x="LMARGIN", new_y="NEXT")
        final = f"Thời hạn giải quyết chậm nhất 30 ngày (điều {n}, văn bản 901)."
        pdf.multi_cell(0, 5.2, final, new_x="LMARGIN", new_y="NEXT")
        finals.append(final)
    path.write_bytes(bytes(pdf.output()))
    return finals


def test_pdf_page_final_lines_that_differ_in_numbers_are_kept_and_what_is_dropped_is_said(tmp_path):
    path = tmp_path / "quy-dinh-901.pdf"
    finals = _pdf_with_page_final_lines(path)
    ex = read_file(path, LIMIT)
    assert ex.pages == 5
    lines = ex.text.splitlines()
    for final in finals:
        assert ex.text.count(final) == 1, final
    assert "Quy định thử nghiệm 901 - bản in thử" not in ex.text
    assert not any(re.fullmatch(r"- \d+ -", ln) for ln in lines)
    assert ex.dropped == ["Quy định thử nghiệm 901 - bản in thử"]
    notice = next(n for n in ex.notices if n.code == "pdf-running-lines")
    assert "«Quy định thử nghiệm 901 - bản in thử» (5 trang)" in notice.vi and "5 số trang" in notice.vi


def test_soi_add_prints_the_dropped_lines_and_the_record_keeps_them(tmp_path, soi_env):
    path = tmp_path / "quy-dinh-901.pdf"
    finals = _pdf_with_page_final_lines(path)
    code, out, err = run("add", "--yes", "--no-build", str(path))
    assert code == 0, err
    assert "Cảnh báo (warning): đã bỏ khỏi văn bản dòng lặp lại ở đầu/cuối trang" in out
    assert "«Quy định thử nghiệm 901 - bản in thử»" in out
    (record,) = soi_env.glob("*.md")
    text = record.read_text(encoding="utf-8")
    meta_end = split_front_matter(text, record)[1]
    assert "Quy định thử nghiệm 901 - bản in thử" in text[:meta_end]  # notes: what was removed
    assert all(final in text[meta_end:] for final in finals)


def test_long_or_inner_repeated_lines_are_never_running_lines():
    """A verbatim repeat longer than a running head, or deeper than two lines into the page, stays text."""
    from indexer.ingest.readers import pdf_text_to_lines

    long_line = "Đảng viên vi phạm phải kiểm điểm, tự phê bình và phê bình nghiêm túc trước chi bộ nơi sinh hoạt " \
                "theo quy định"
    pages = [f"Điều {n}. Nội dung {n}\nVăn bản thân {n} kết thúc.\nCâu lặp giữa trang.\nDòng {n} cuối.\n{long_line}"
             for n in range(1, 5)]
    lines = pdf_text_to_lines(pages).splitlines()
    assert lines.count(long_line) == 4 and lines.count("Câu lặp giữa trang.") == 4
