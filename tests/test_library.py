"""Adding users' files: metadata guessed then confirmed, duplicates refused, bad files named, the index kept.

Test documents are made from real corpus articles under a header this file writes (a test fixture, never shipped:
the header names an invented number so it cannot be mistaken for a real regulation).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from support import articles, body, header, run, small_settings, use_config, write

from indexer.config import Settings
from indexer.index import store
from indexer.index.build import build_index
from indexer.index.freshness import load_documents
from indexer.ingest.errors import IngestError
from indexer.ingest.library import commit, list_added, prepare, reconsider, remove, safe_upload_path, text_hash
from indexer.search.searcher import Searcher

ROOT = Path(__file__).resolve().parent.parent
# ---- prepare / commit ----------------------------------------------------------------------------------------


def test_guess_confirm_commit_and_search(tmp_path, embedder):
    s = small_settings(tmp_path)
    build_index(s, embedder=embedder)
    text = header("901-QĐ/TW", 5, 3, 2024) + articles("dieu-le-dang-2011.md", 35, 36)
    src = write(tmp_path / "quy-dinh-901.txt", text)
    cand = prepare(src, s)
    assert cand.fields["code"] == "901-QĐ/TW"
    assert cand.fields["issued"] == "2024-03-05"
    assert cand.fields["type"] == "quy-dinh"
    assert cand.doc_id == "qd-901-2024"
    assert cand.extracted.articles == 2 and cand.duplicates == []
    # The person corrects the title before it is written.
    reconsider(cand, {**cand.fields, "title": "Quy định thử nghiệm"}, s)
    added = commit(cand, s)
    assert added.path == s.library_dir / "qd-901-2024.md"
    assert added.original.read_bytes() == src.read_bytes()
    doc = load_documents(s)["qd-901-2024"]
    assert doc.title == "Quy định thử nghiệm" and doc.code == "901-QĐ/TW" and doc.issued == "2024-03-05"
    assert doc.text[doc.body_start:].rstrip() == src.read_text(encoding="utf-8").rstrip()  # verbatim
    manifest = build_index(s, embedder=embedder)
    assert manifest["counts"]["embedded_now"] < manifest["counts"]["units"] / 2  # only the new document
    searcher = Searcher.open(s, embedder=embedder)
    hits = searcher.search("đảng viên dự bị bị kỷ luật bằng hình thức nào", k=3)
    assert hits[0].document.id == "qd-901-2024"
    assert [d.id for d in list_added(s)] == ["qd-901-2024"]
    remove("qd-901-2024", s)
    assert "qd-901-2024" not in load_documents(s) and not list((s.library_dir / "originals").iterdir())


def test_duplicates_same_text_same_code_and_other_year(tmp_path):
    s = small_settings(tmp_path)
    text = header("902-QĐ/TW", 1, 2, 2023) + articles("dieu-le-dang-2011.md", 35, 36)
    commit(prepare(write(tmp_path / "a.txt", text), s), s)
    # The same words with other line breaks and spacing: still the same text.
    again = prepare(write(tmp_path / "b.md", "  " + text.replace("\n", "\n\n")), s)
    assert again.blocking is not None and again.blocking.reason == "same-text"
    with pytest.raises(IngestError) as e:
        commit(again, s)
    assert e.value.code == "duplicate" and "qd-902-2023" in e.value.en
    # Same code and year, other text: refused.
    same_code = prepare(write(tmp_path / "c.txt", header("902-QĐ/TW", 1, 2, 2023) + articles(
        "dieu-le-dang-2011.md", 33, 34)), s)
    assert same_code.blocking is not None and same_code.blocking.reason == "same-code-year"
    # Same number in another term (year): a note, and a separate document.
    other_year = prepare(write(tmp_path / "d.txt", header("902-QĐ/TW", 9, 9, 2019) + articles(
        "dieu-le-dang-2011.md", 33, 34)), s)
    assert other_year.blocking is None
    assert [d.reason for d in other_year.duplicates] == ["same-code-other-year"]
    assert "another year" in other_year.duplicates[0].message("en")
    assert commit(other_year, s).doc_id == "qd-902-2019"
    assert {"qd-902-2023", "qd-902-2019"} <= set(load_documents(s))


def test_full_text_stands_in_for_a_partial_bundled_document(tmp_path):
    """QĐ 69 ships in part; a user's text with the same code and year replaces it in search, under the same id."""
    s = Settings(index_dir=tmp_path / "index", library_dir=tmp_path / "library")
    src = write(tmp_path / "qd69.txt", header("69-QĐ/TW", 6, 7, 2022, about="về kỷ luật tổ chức đảng, đảng viên vi "
                                                "phạm") + articles("dieu-le-dang-2011.md", 35, 36))
    cand = prepare(src, s)
    assert cand.doc_id == "qd-69-2022"
    assert [(d.reason, d.replaceable, d.blocking) for d in cand.duplicates] == [("same-code-year", True, False)]
    added = commit(cand, s)
    assert added.stands_in_for == "qd-69-2022"
    docs = load_documents(s)
    assert Path(docs["qd-69-2022"].path) == s.library_dir / "qd-69-2022.md"
    # A full bundled document (Điều lệ) is never replaced that way.
    dl = prepare(write(tmp_path / "dl.txt", body("dieu-le-dang-2011.md")), s)
    assert dl.blocking is not None


def test_text_without_structure_is_added_with_a_warning(tmp_path):
    s = small_settings(tmp_path)
    plain = " ".join(body("tin-qt-giam-sat.md").split())[:1500]  # a news text, flattened: no article lines
    cand = prepare(write(tmp_path / "ghi-chep.txt", plain), s)
    assert cand.units == 0
    assert [n.code for n in cand.notices] == ["no-structure"]
    assert commit(cand, s).doc_id == "ghi-chep"


def test_text_hash_ignores_layout_only():
    a = articles("qd-37-2021.md", 1, 3)
    assert text_hash(a) == text_hash("\n\n" + a.replace(" ", "  ").replace("\n", " \n"))
    assert text_hash(a) != text_hash(a.replace("Đảng", "Nhà nước", 1))


# ---- upload names ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../ngoai.txt", "/etc/passwd", "a/b.txt", "..", ".an.txt", "x\x00.txt",
                                  "..\\..\\win.ini", ""])
def test_upload_names_with_paths_are_refused(tmp_path, name):
    with pytest.raises(IngestError) as e:
        safe_upload_path(tmp_path, name)
    assert e.value.code == "bad-name"


def test_upload_name_is_kept_inside_the_folder(tmp_path):
    p = safe_upload_path(tmp_path, "Quy định 69 (bản chính thức).pdf")
    assert p.parent == tmp_path.resolve() and p.name == "Quy định 69 (bản chính thức).pdf"


# ---- bad input through `soi add`: named, refused, index untouched -----------------------------------------------


def _bad_files(tmp: Path) -> dict[str, Path]:
    from pypdf import PdfWriter

    from indexer.export.printable import Block, to_pdf

    files: dict[str, Path] = {}
    files["empty"] = write(tmp / "trong.txt", "")
    files["zero-pdf"] = tmp / "rong.pdf"
    files["zero-pdf"].write_bytes(b"")
    pdf = to_pdf([Block("paragraph", articles("qd-37-2021.md", 1, 3))], "t")
    files["truncated-pdf"] = tmp / "hong.pdf"
    files["truncated-pdf"].write_bytes(pdf[: len(pdf) // 2])
    w = PdfWriter(clone_from=io.BytesIO(pdf))
    w.encrypt(user_password="mat-khau", owner_password="chu")
    buf = io.BytesIO()
    w.write(buf)
    files["encrypted-pdf"] = tmp / "khoa.pdf"
    files["encrypted-pdf"].write_bytes(buf.getvalue())
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as z:
        z.writestr("ghi-chu.txt", "không phải tài liệu Word")
    files["fake-docx"] = tmp / "gia.docx"
    files["fake-docx"].write_bytes(zbuf.getvalue())
    files["junk-txt"] = tmp / "rac.txt"
    files["junk-txt"].write_bytes(bytes(range(256)) * 64)
    files["huge"] = tmp / "qua-lon.txt"
    with open(files["huge"], "wb") as fh:
        fh.truncate(201 * 2**20)  # sparse: 201 MB on paper, nothing on disk
    files["unsupported"] = write(tmp / "bang.xlsx", "x")
    return files


EXPECTED_CODES = {
    "empty": "empty", "zero-pdf": "empty", "truncated-pdf": "corrupt", "encrypted-pdf": "encrypted",
    "fake-docx": "not-docx", "junk-txt": "binary", "huge": "too-large", "unsupported": "unsupported",
}


def test_each_bad_file_is_named_refused_and_the_index_stays(tmp_path, embedder, monkeypatch):
    s = small_settings(tmp_path)
    build_index(s, embedder=embedder)
    before = store.current_version(s.index_dir)
    use_config(s, tmp_path, monkeypatch)
    files = _bad_files(tmp_path)
    for kind, path in files.items():
        with pytest.raises(IngestError) as e:
            prepare(path, s)
        assert e.value.code == EXPECTED_CODES[kind], (kind, e.value.en)
        assert path.name in e.value.message("vi") and path.name in e.value.message("en")
        code, out, err = run("add", "--yes", str(path))
        assert code == 5, (kind, out, err)
        assert path.name in err and "Lỗi" in err
    # One good file among bad ones: the good one is added, the bad ones listed, one rebuild.
    good = write(tmp_path / "tot.txt", header("903-QĐ/TW", 2, 2, 2024) + articles("dieu-le-dang-2011.md", 35, 36))
    code, out, err = run("add", "--yes", str(files["junk-txt"]), str(good))
    assert code == 5 and "rac.txt" in err and "qd-903-2024" in out
    assert store.current_version(s.index_dir) != before
    assert Searcher.open(s, embedder=embedder).search("hình thức kỷ luật đảng viên dự bị", k=1)[0].document.id \
        == "qd-903-2024"
    # Nothing half-written was left in the library.
    assert sorted(p.name for p in s.library_dir.iterdir()) == ["originals", "qd-903-2024.md"]


def test_add_without_a_terminal_asks_for_explicit_confirmation(tmp_path, monkeypatch):
    s = small_settings(tmp_path)
    use_config(s, tmp_path, monkeypatch)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    src = write(tmp_path / "x.txt", header("904-QĐ/TW", 2, 2, 2024) + articles("dieu-le-dang-2011.md", 35, 36))
    code, out, err = run("add", "--no-build", str(src))
    assert code != 0 and "--yes" in err
    assert not (s.library_dir / "qd-904-2024.md").exists()
    code, out, err = run("add", "--no-build", "--yes", "--title", "Tên đã sửa", str(src))
    assert code == 0, err
    assert "title: Tên đã sửa" in (s.library_dir / "qd-904-2024.md").read_text(encoding="utf-8")


def test_markdown_with_its_own_front_matter_keeps_its_fields_out_of_the_body(tmp_path):
    s = small_settings(tmp_path)
    src = write(tmp_path / "rieng.md", "---\ncode: 906-QĐ/TW\ntype: quy-dinh\nissued: 2024-06-01\n"
                "title: Văn bản thử\n---\n" + articles("dieu-le-dang-2011.md", 35, 36))
    cand = prepare(src, s)
    assert (cand.fields["code"], cand.fields["issued"], cand.fields["title"]) == ("906-QĐ/TW", "2024-06-01",
                                                                                 "Văn bản thử")
    assert cand.extracted.text.startswith("Điều 35.")
    added = commit(cand, s)
    text = added.path.read_text(encoding="utf-8")
    assert text.count("---\n") == 2 and "code: 906-QĐ/TW" in text


def test_mixed_encodings_file_is_converted_and_says_so(tmp_path):
    """Lines typed in Unicode and lines in TCVN3 bytes in one file: every line comes out as the Unicode text."""
    from indexer.ingest.encoding import encode_tcvn3

    lines = articles("qd-37-2021.md", 1, 3).splitlines()
    data = b"".join(
        (ln + "\n").encode("utf-8") if i % 2 == 0 else encode_tcvn3(ln + "\n") for i, ln in enumerate(lines)
    )
    src = tmp_path / "tron-ma.txt"
    src.write_bytes(data)
    cand = prepare(src, small_settings(tmp_path))
    assert cand.extracted.encoding.startswith("mixed:") and "tcvn3" in cand.extracted.encoding
    assert [n.code for n in cand.notices if n.code == "encoding"]
    assert cand.extracted.text.splitlines() == lines
