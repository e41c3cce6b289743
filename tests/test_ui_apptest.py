"""Page logic of the Streamlit UI through Streamlit's AppTest, on the session's real index (real model).

Expected answers were checked by hand against the corpus:
- corpus/qd-69-2022.md, Điều 7 khoản 3: "Đối với đảng viên dự bị: Khiển trách, cảnh cáo."
- corpus/dieu-le-dang-2011.md, Điều 35 khoản 2 lists the same forms of discipline;
  Điều 3 (quyền của đảng viên) ends "Đảng viên dự bị có các quyền trên đây, trừ quyền biểu quyết, ứng cử ...".
- corpus/qd-69-2022.md, Điều 4: thời hiệu kỷ luật.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from ui_support import Q_DU_BI, ask, assert_clean, open_page

Q_UNG_CU = "đảng viên dự bị có được ứng cử vào cấp ủy không"
Q_PLAIN = "thoi hieu xu ly ky luat dang vien"
CITE_69 = "Khoản 3, Điều 7, Quy định số 69-QĐ/TW ngày 06/07/2022 của Bộ Chính trị"
CITE_DL = "Khoản 2, Điều 35, Điều lệ Đảng Cộng sản Việt Nam (2011)"


def _unescape(md: str) -> str:
    return re.sub(r"\\(.)", r"\1", md)


def citations(at: AppTest) -> list[str]:
    """Citation lines of the result cards, in rank order ("Khoản 3, Điều 7, Quy định số 69-QĐ/TW ...")."""
    out = []
    for m in at.markdown:
        found = re.fullmatch(r"\*\*(\d+)\. (.*)\*\*", m.value, re.S)
        if found:
            out.append(_unescape(found.group(2)))
    return out


def test_front_page_in_vietnamese(app: AppTest) -> None:
    at = app.run()
    assert_clean(at)
    assert at.title[0].value == "Hỏi đáp"
    box = at.text_input(key="q")
    assert box.label == "Câu hỏi" and "Ví dụ" in box.placeholder
    labels = {w.label for w in at.sidebar.multiselect}
    assert labels == {"Văn bản", "Loại văn bản", "Cơ quan ban hành"}
    assert at.sidebar.toggle[0].label == "Chỉ văn bản còn hiệu lực"
    assert at.sidebar.slider[0].label == "Năm ban hành"
    assert any("câu hỏi mẫu" in c.value for c in at.caption)


def test_question_gives_cards_with_expected_citation(app: AppTest) -> None:
    at = ask(app.run(), Q_DU_BI)
    assert_clean(at)
    cites = citations(at)
    assert len(cites) == 10
    # Both answers are correct; their order is the library's ranking, so only the top 3 is asserted.
    assert CITE_69 in cites[:3], cites[:3]
    i = cites.index(CITE_69)
    assert any(c == CITE_DL for c in cites[:3]), cites[:3]
    texts = [h.value for h in at.html if h.value.startswith('<div class="soi-text">')]
    links = [p for p in at.get("page_link") if p.value == "Mở trong văn bản"]
    copies = [h.value for h in at.html if h.value.startswith("<button")]
    assert len(texts) == len(links) == len(copies) == 10
    marked = re.findall(r"<mark>(.*?)</mark>", texts[i])
    assert any("đảng viên" in m for m in marked), texts[i]
    plain = re.sub(r"</?mark>", "", texts[i])
    assert plain == '<div class="soi-text">3. Đối với đảng viên dự bị: Khiển trách, cảnh cáo.</div>'
    assert links[i].proto.query_string == "doc=qd-69-2022&clause=qd-69-2022%2Fd7%2Fk3"
    # «Sao chép trích dẫn» copies the citation and the clause verbatim (issue 16, UI 10), and its tooltip says so
    assert f'data-copy="{CITE_69}:\n«3. Đối với đảng viên dự bị: Khiển trách, cảnh cáo.»"' in copies[i], copies[i]
    assert 'title="Sao chép trích dẫn kèm nguyên văn điều khoản' in copies[i]
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    assert any("Còn hiệu lực, được sửa đổi bởi 264-QĐ/TW" in b for b in badges)
    assert any("Văn bản chưa đầy đủ" in b for b in badges)
    metas = [h.value for h in at.html if "Cơ quan ban hành: Bộ Chính trị" in h.value]
    assert metas and "Ngày ban hành: 06/07/2022" in metas[0]
    assert at.query_params["q"] == Q_DU_BI


def test_eligibility_question_finds_article_3_of_the_charter(app: AppTest) -> None:
    at = ask(app.run(), Q_UNG_CU)
    assert_clean(at)
    cites = citations(at)[:5]
    assert any("Điều 3, Điều lệ Đảng Cộng sản Việt Nam (2011)" in c for c in cites), cites


def test_question_without_diacritics(app: AppTest) -> None:
    at = ask(app.run(), Q_PLAIN)
    assert_clean(at)
    assert any("Đã hiểu câu hỏi là: «thời hiệu xử lý kỷ luật đảng viên»" in c.value for c in at.caption)
    cites = citations(at)[:3]
    assert any("Điều 4, Quy định số 69-QĐ/TW" in c for c in cites), cites
    assert any("<mark>" in h.value and "Thời hiệu" in h.value for h in at.html)


def test_words_no_text_contains_are_named(app: AppTest) -> None:
    at = ask(app.run(), "Đảng viên có được kinh doanh không?")
    assert_clean(at)
    notes = [_unescape(i.value) for i in at.info]
    assert any(n.startswith("Không văn bản nào trong kho có từ: «kinh doanh»") for n in notes), notes
    assert len(citations(at)) == 10  # the nearest clauses are still shown
    at = ask(at, Q_DU_BI)
    assert not any("Không văn bản nào" in i.value for i in at.info)


def test_discipline_article_the_corpus_lacks_is_named(app: AppTest) -> None:
    at = ask(app.run(), "Đảng viên làm lộ bí mật nhà nước bị xử lý ra sao?")
    assert_clean(at)
    notes = [_unescape(i.value) for i in at.info]
    assert any(n.startswith("Quy định kỷ luật về việc này chưa có trong kho: Điều 33, Quy định số 69-QĐ/TW")
               for n in notes), notes
    assert citations(at)  # the nearest clauses are still shown


def test_question_from_url(app: AppTest) -> None:
    app.query_params["q"] = Q_DU_BI
    at = app.run()
    assert_clean(at)
    assert at.text_input(key="q").value == Q_DU_BI
    assert CITE_69 in citations(at)[:3]


def test_filter_by_document_type_issuer_and_year(app: AppTest) -> None:
    at = app.run()
    at.sidebar.multiselect(key="f_docs").set_value(["dieu-le-dang-2011"])
    at = ask(at, Q_DU_BI)
    assert_clean(at)
    cites = citations(at)
    assert cites and all("Điều lệ Đảng Cộng sản Việt Nam" in c for c in cites)

    at.sidebar.multiselect(key="f_docs").set_value([])
    at.sidebar.multiselect(key="f_types").set_value(["quy-dinh"])
    at.sidebar.multiselect(key="f_issuers").set_value(["Bộ Chính trị"])
    at = at.run()
    cites = citations(at)
    assert cites and all("Quy định số" in c and "của Bộ Chính trị" in c for c in cites), cites

    at.sidebar.multiselect(key="f_types").set_value([])
    at.sidebar.multiselect(key="f_issuers").set_value([])
    at.sidebar.slider(key="f_years").set_value((2021, 2021))
    at = at.run()
    cites = citations(at)
    assert cites and all("2021" in c for c in cites), cites

    at.sidebar.slider(key="f_years").set_value((2011, 2011))
    at.sidebar.multiselect(key="f_types").set_value(["quy-dinh"])
    at = at.run()
    assert not citations(at)
    assert "Không có văn bản nào thỏa mãn bộ lọc" in at.warning[0].value
    assert not at.exception


def test_in_force_only_hides_replaced_documents(app: AppTest) -> None:
    q = "những điều đảng viên không được làm"
    at = ask(app.run(), q)
    assert any("37-QĐ/TW" in c for c in citations(at)), citations(at)
    assert any("Đã được thay thế bởi 207-QĐ/TW" in m.value for m in at.markdown)
    at.sidebar.toggle(key="f_in_force").set_value(True)
    at = at.run()
    assert_clean(at)
    assert citations(at) and not any("37-QĐ/TW" in c for c in citations(at))
    assert not any("Đã được thay thế" in m.value for m in at.markdown)


def test_reader_deep_link_opens_clause(app: AppTest) -> None:
    at = app.run()
    at.query_params.update({"doc": "qd-69-2022", "clause": "qd-69-2022/d7/k3"})
    at = at.switch_page("views/van_ban.py").run()
    assert_clean(at)
    assert at.header[0].value == "Quy định về kỷ luật tổ chức đảng, đảng viên vi phạm"
    opened = [_unescape(m.value) for m in at.markdown if m.value.startswith("**Đang mở:**")]
    assert opened == ["**Đang mở:** Khoản 3, Điều 7, Quy định số 69-QĐ/TW ngày 06/07/2022 của Bộ Chính trị"]
    body = next(h.value for h in at.html if 'id="soi-target"' in h.value)
    target = body.split('data-clause="qd-69-2022/d7/k3">', 1)[1].split("</div>", 1)[0]
    assert target == '<span id="soi-qd-69-2022-d7-k3"></span>3. Đối với đảng viên dự bị: Khiển trách, cảnh cáo.'

    assert "<!--" not in body and "source:" not in body
    outline = [p.value for p in at.get("page_link")]
    assert any("Điều 7. Hình thức kỷ luật" in v for v in outline), outline
    assert any(v.startswith(":material/arrow_right:") and "Điều 7" in v for v in outline)
    assert any("Văn bản chưa đầy đủ" in m.value for m in at.markdown)


def test_deep_link_on_front_page_switches_to_reader(app: AppTest) -> None:
    app.query_params.update({"doc": "dieu-le-dang-2011", "clause": "dieu-le-dang-2011/d3"})
    at = app.run()
    assert_clean(at)
    assert at.header[0].value == "Điều lệ Đảng Cộng sản Việt Nam"
    body = next(h.value for h in at.html if 'id="soi-target"' in h.value)
    assert "Đảng viên dự bị có các quyền trên đây" in body
    outline = [p.value for p in at.get("page_link")]
    assert "**Chương I ĐẢNG VIÊN**" in outline[1:3] or any("Chương I" in v for v in outline)


def test_reader_unknown_clause_and_document(app: AppTest) -> None:
    at = app.run()
    at.query_params.update({"doc": "qd-69-2022", "clause": "qd-69-2022/d999"})
    at = at.switch_page("views/van_ban.py").run()
    assert not at.exception
    assert at.warning[0].value.startswith("Không tìm thấy điều khoản được chỉ dẫn trong văn bản này")
    assert "d999" not in at.warning[0].value
    at.query_params.clear()
    at.query_params["doc"] = "khong-co"
    at = at.run()
    assert not at.exception
    assert at.error[0].value == "Không có văn bản «khong-co» trong kho."


def test_document_list_and_picking_a_document(app: AppTest) -> None:
    at = app.run()
    at = at.switch_page("views/van_ban.py").run()
    assert_clean(at)
    assert at.title[0].value == "Văn bản"
    # a plain HTML table (no canvas, no English column menu): one row a document, number and title link to the reader
    assert not at.dataframe
    table = next(h.value for h in at.html if "soi-doc-table" in h.value)
    heads = re.findall(r"<th>(.*?)</th>", table)
    assert heads[:4] == ["Số hiệu", "Tên văn bản", "Ngày ban hành", "Cơ quan ban hành"]
    assert {"Tình trạng", "Nguồn", "Toàn văn"} <= set(heads)
    rows = [re.findall(r"<td>(.*?)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", table)[1:]]
    assert len(rows) == 19  # every document of the bundled corpus
    row = dict(zip(heads, next(r for r in rows if ">37-QĐ/TW</a>" in r[0]), strict=True))
    assert 'href="van-ban?doc=qd-37-2021"' in row["Số hiệu"] and 'href="van-ban?doc=qd-37-2021"' in row["Tên văn bản"]
    assert row["Tình trạng"] == "Đã được thay thế bởi 207-QĐ/TW" and row["Ngày ban hành"] == "25/10/2021"
    at.selectbox(key="doc_pick").select("dieu-le-dang-2011")
    at = at.run()
    assert_clean(at)
    assert at.query_params.get("doc") == "dieu-le-dang-2011"
    assert at.header[0].value == "Điều lệ Đảng Cộng sản Việt Nam"
    assert any(p.value.endswith("Điều 35") for p in at.get("page_link"))


def test_unbuildable_index_shows_message_not_traceback(
    app: AppTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    monkeypatch.setenv("SOI_INDEX_DIR", str(blocker / "index"))
    at = app.run()
    assert not at.exception
    # an index folder below a file is a configuration error, named with its variable, before any build starts
    assert at.error and at.error[0].value.startswith("Lỗi cấu hình của máy chủ: biến môi trường SOI_INDEX_DIR")
    assert str(blocker) in at.error[0].value
    assert "Traceback" not in at.error[0].value


def test_first_run_builds_index_with_progress(
    app: AppTest, ui_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing index is built on first use; the build is faked by copying the session index (no 2-minute
    embedding), but it goes through the UI's progress callback."""
    import indexer.index.build
    from indexer.index import store

    calls: list[tuple[str, int, int]] = []

    def fake_build(settings, embedder=None, progress=None, dense_kind="auto"):
        for stage in ("segment", "embed"):
            for done in (0, 5, 10):
                progress(stage, done, 10)
                calls.append((stage, done, 10))
        src = store.current_version(Path(ui_env["SOI_INDEX_DIR"]))
        work = store.new_version_dir(Path(settings.index_dir))
        shutil.rmtree(work)
        shutil.copytree(src, work)
        manifest = store.read_manifest(work)
        store.publish(Path(settings.index_dir), work, manifest)
        return {**manifest, "build_seconds": 1.5}

    monkeypatch.setattr(indexer.index.build, "build_index", fake_build)
    monkeypatch.setenv("SOI_INDEX_DIR", str(tmp_path / "fresh" / "index"))
    at = app.run()
    assert_clean(at)
    assert calls[-1] == ("embed", 10, 10)
    assert re.match(r"Đã tạo chỉ mục: \d+ văn bản, \d+ điều khoản \(1\.5 giây\)\.", at.success[0].value)
    assert at.text_input(key="q").label == "Câu hỏi"


# ---- issue 16: what a user reads ---------------------------------------------------------------------------

ID_PATTERN = re.compile(r"(?<![\w-])(?:[a-z]+-[\w-]+/)?(?:d\d+[a-z]?|preamble|signature|ch[IVX]+)(?:/[\w.()-]+)+")


def _marks(at: AppTest) -> list[str]:
    cards = [h.value for h in at.html if h.value.startswith('<div class="soi-text">')]
    return [m for c in cards for m in re.findall(r"<mark>(.*?)</mark>", c, re.S)]


def test_highlights_mark_whole_words_of_the_query(app: AppTest) -> None:
    """Issue 16, UI 5: «quản» is not marked for «quan», nor the «cơ» of «cơ sở» for «cơ quan»; every mark is a run
    of whole words of the question (accents included)."""
    from indexer.text.normalize import fold

    at = ask(app.run(), "cơ quan nào có thẩm quyền quyết định kỷ luật đảng viên")
    assert_clean(at)
    cards = [h.value for h in at.html if h.value.startswith('<div class="soi-text">')]
    assert any("quản" in fold(c) for c in cards)  # e.g. "cấp uỷ quản lý" in the answers: never marked
    words = set(fold("cơ quan nào có thẩm quyền quyết định kỷ luật đảng viên").split())
    for m in _marks(at):
        assert set(fold(m).split()) <= words, m
    at = ask(at, "đảng ủy cơ quan kiểm tra đảng viên")
    assert_clean(at)
    cards = [h.value for h in at.html if h.value.startswith('<div class="soi-text">')]
    assert any("cơ sở" in fold(c) for c in cards)
    marks = [fold(m).split() for m in _marks(at)]
    assert marks and not any(m[-1] == "cơ" or m[0] in ("quan", "sở") for m in marks), marks


def test_reader_names_citing_clauses_in_words(app: AppTest) -> None:
    """Issue 16, UI 3: «Được trích dẫn bởi» and «Văn bản này trích dẫn» say «Đoạn 5, phần mở đầu», «Khoản 4, Điều 3»,
    never «preamble/p5» or «d3/k4»."""
    at = app.run()
    at.query_params.update({"doc": "dieu-le-dang-2011"})
    at = at.switch_page("views/van_ban.py").run()
    assert_clean(at)
    lists = [h.value for h in at.html if 'class="soi-refs"' in h.value]
    assert lists, [h.value[:80] for h in at.html]
    cited_by = " ".join(lists)
    # QĐ 22-QĐ/TW cites the Charter in Điều 2 (đoạn 6) and Điều 3 (khoản 4); HD 02 in its preamble
    assert ">Khoản 4, Điều 3</a>" in cited_by and ">Đoạn 5, phần mở đầu</a>" in cited_by, cited_by
    for h in lists:
        text = re.sub(r'href="[^"]*"', "", h)
        assert not ID_PATTERN.search(text), ID_PATTERN.search(text)
    at.query_params.clear()
    at.query_params.update({"doc": "qd-69-2022", "clause": "qd-69-2022/preamble/p8"})
    at = at.run()
    assert_clean(at)
    shown = " ".join(re.sub(r'href="[^"]*"', "", h.value) for h in at.html if "soi-refs" in h.value)
    assert "lần: Đoạn 5, phần mở đầu" in shown and not ID_PATTERN.search(shown), shown


def test_corpus_graph_shows_every_document(app: AppTest) -> None:
    """Issue 16, UI 11: the news items are nodes of the reference graph too (grey), and the legend says so."""
    at = open_page(app, "views/van_ban.py")
    spec = at.get("graphviz_chart")[0].proto.spec
    for news in ("Tin: cán bộ KTGS Đảng ủy Khối", "Tin: KTGS Đảng ủy Khối", "Tin: KL 34-KL/TW",
                 "Tin: giám sát Quảng Trị"):
        assert f'label="{news}' in spec, news
    assert any("ô xám: tin bài" in c.value for c in at.caption)


def test_result_card_draws_a_table_as_a_table(app: AppTest) -> None:
    """Issue 16, UI 6: the appendix of QĐ 384 (one cell a paragraph in the source) is a table in its card, every
    cell verbatim, with the rows of a group spanned by its number and its group name."""
    at = ask(app.run(), "Dữ liệu đảng phí")
    assert_clean(at)
    tables = [h.value for h in at.html if '<table class="soi-table">' in h.value]
    assert tables, citations(at)
    t = re.sub(r"</?mark>", "", tables[0])
    assert "<th>STT</th>" in t and '<td rowspan="10">Ban Tổ chức Trung ương</td>' in t
    # eight groups of data, numbered 1 to 8, each number spanning its group's rows
    assert re.findall(r'<tr><td(?: rowspan="\d+")?>(\d+)</td>', t) == [str(n) for n in range(1, 9)]
    assert "<td>Dữ liệu đảng phí</td>" in t and "Học viện Chính trị quốc gia Hồ Chí Minh</td>" in t
    assert "<mark>" in tables[0]  # the question's words are still marked inside the cells


def test_long_outline_entry_has_its_whole_heading_as_tooltip(app: AppTest) -> None:
    """Issue 16, UI 4: an outline entry shortened to fit (a programme item is a whole paragraph) keeps its whole
    text in a tooltip; the breadcrumb of a card is never cut."""
    at = app.run()
    at.query_params.update({"doc": "ctr-qn-kl34-2022"})
    at = at.switch_page("views/van_ban.py").run()
    assert_clean(at)
    links = [p for p in at.get("page_link") if "Triển khai thực hiện có hiệu quả Kết luận 34" in p.proto.label]
    assert len(links) == 1
    label, tip = links[0].proto.label, links[0].proto.help
    assert label.rstrip().endswith("…") and tip.endswith("tham nhũng, tiêu cực trong Đảng và hệ thống chính trị.")
    whole = [p for p in at.get("page_link") if "…" not in p.proto.label and p.proto.query_string]
    assert whole and all(not p.proto.help for p in whole)  # an entry shown whole needs no tooltip


def test_named_provision_first_and_a_missing_one_said(app: AppTest) -> None:
    at = ask(app.run(), "khoản 2 Điều 29 Quy định 22")
    assert_clean(at)
    assert citations(at)[0].startswith("Khoản 2, Điều 29, Quy định số 22-QĐ/TW"), citations(at)[:2]
    at = ask(app.run(), "Điều 15 Quy định 69")
    assert_clean(at)
    assert any("«Điều 15 Quy định 69» chưa có trong kho" in i.value for i in at.info), [i.value for i in at.info]
