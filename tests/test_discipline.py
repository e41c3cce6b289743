"""Rule → discipline on real clauses: curated, text and similarity links, penalty forms with exact spans, what the
partial QĐ 69 lacks, and the reviewed data file citing ids only."""

from __future__ import annotations

import re

import pytest

from indexer.rules.checks import all_checks
from indexer.rules.discipline import (
    CURATED,
    LOW_SCORE,
    MEMBER,
    ORGANISATION,
    PENALTY_FORMS,
    SIMILARITY,
    TEXT,
    case_who,
    discipline_for,
    link_stats,
    linker_for,
    load_links,
    missing_for_question,
    missing_note,
    named_who,
    opening_who,
    penalty_forms,
    provision_text,
    restored_reading,
)
from indexer.text.normalize import fold


def _text(searcher, cid: str) -> str:
    c = searcher.clauses[cid]
    return provision_text(c, searcher.documents[c.doc_id])


def test_qd37_prohibition_links_to_qd69_articles_of_that_kind(searcher) -> None:
    rd = discipline_for("qd-37-2021/d2", searcher)  # nguyên tắc tổ chức; tự ứng cử, đề cử
    by_id = {x.clause: x for x in rd.links}
    assert by_id["qd-69-2022/d27/k1"].provenance == CURATED and by_id["qd-69-2022/d27/k1"].forms == ["khiển trách"]
    assert [x.provenance for x in rd.links] == sorted((x.provenance for x in rd.links), key=[CURATED, TEXT].index)
    assert "qd-69-2022/d27" not in by_id  # the article around the curated khoản is not listed twice
    # the kind «nguyên tắc tổ chức» is named, but QĐ 69 Điều 10 binds organisations and QĐ 37 members: not linked;
    # the members' article on that kind (Điều 26, known from a source) is not collected: named, «chưa có trong kho»
    assert "qd-69-2022/d10" not in by_id
    d26 = by_id["qd-69-2022/d26"]
    assert d26.absent and d26.text == "" and d26.who == {MEMBER} and "chưa có trong kho" in d26.note
    # an organisation's rule of the same kind reaches Điều 10 by its title
    [d10] = [x for x in discipline_for("dieu-le-dang-2011/d22/k6", searcher).links if x.clause == "qd-69-2022/d10"]
    assert d10.provenance == TEXT and d10.kind == "nguyên tắc tổ chức, hoạt động của Đảng"
    assert "tiêu đề điều" in d10.note and d10.forms == ["giải tán"] and d10.who == {ORGANISATION}
    # a member's prohibition on asset declaration: the corruption article for organisations (Điều 17) is not
    # theirs; the members' one is not collected, so it is named, «chưa có trong kho», never replaced
    [named] = discipline_for("qd-37-2021/d9", searcher).links
    assert named.absent and named.provenance == TEXT and named.who == {MEMBER} and named.text == ""
    assert "«kê khai tài sản»" in named.note and "chưa có trong kho" in named.note
    assert named.citation.startswith("Điều về đảng viên vi phạm quy định phòng, chống tham nhũng")
    # Điều 17 itself: verbatim, both pieces around the provenance comment, for an organisation's rule
    org = linker_for(searcher).kind_links("kê khai tài sản", "", "", {ORGANISATION}, "tình huống")[0]
    d17 = next(x for x in org if x.clause == "qd-69-2022/d17")
    assert d17.text == _text(searcher, "qd-69-2022/d17") and d17.forms == ["khiển trách", "cảnh cáo"]


def test_who_violated(searcher) -> None:
    assert named_who("Đồng chí là cấp ủy viên") == {MEMBER}  # a committee member is a person, not the committee
    assert named_who("Chi bộ họp thường lệ") == {ORGANISATION}
    assert case_who("Đảng viên là cấp ủy viên chi bộ bị khởi tố về tội tham ô tài sản") == {MEMBER}
    assert case_who("Chi bộ không tổ chức sinh hoạt định kỳ trong 6 tháng") == {ORGANISATION}
    assert case_who("Bí thư chi bộ không triệu tập họp") == {MEMBER}
    assert case_who("Xử lý vi phạm về bầu cử") == {MEMBER, ORGANISATION}  # names neither: both
    # a person named first is the one who violated, whatever body the case names after («… Chi bộ xử lý thế nào?»)
    assert case_who("Đồng chí Nguyễn Văn B, bí thư chi bộ, nhận tiền của dân. Chi bộ xử lý thế nào?") == {MEMBER}
    assert case_who("Ông A, trưởng phòng, nhận tiền để bổ nhiệm người thân vào chi bộ") == {MEMBER}
    assert case_who("Bà con phản ánh chi bộ không họp") == {ORGANISATION}
    # a committee by its level, a congress, a Party agency or a committee's office opening a case is an organisation
    for text in ("Tỉnh ủy không tổ chức hội nghị thường lệ", "Huyện ủy nhận đơn khiếu nại", "Đại hội đảng bộ cơ sở bầu "
                 "cấp ủy bằng giơ tay", "Cơ quan đảng chia sẻ dữ liệu đảng viên", "Văn phòng tỉnh ủy chậm nộp hồ sơ"):
        assert case_who(text) == {ORGANISATION}, text
    assert opening_who("Tổ chức đảng và đảng viên vi phạm kỷ luật phải xử lý") == {MEMBER, ORGANISATION}
    assert opening_who("a) Đảng viên bỏ sinh hoạt") == {MEMBER} and opening_who("Khi hết thời kỳ dự bị") == set()


def test_about_discipline(searcher) -> None:
    linker = linker_for(searcher)
    assert linker.about_discipline("dieu-le-dang-2011/d36/k1")  # competence (Chương VIII)
    assert linker.about_discipline("qd-69-2022/d28/k1")
    assert not linker.about_discipline("dieu-le-dang-2011/d22/k6")
    assert not linker.about_discipline("qd-37-2021/d19")


def test_embezzlement_is_corruption_not_political_ideology(searcher) -> None:
    links, _ = linker_for(searcher).for_text("Đảng viên là cấp ủy viên chi bộ bị cơ quan công an khởi tố về tội tham ô "
                                             "tài sản", dense=False)
    shown = [x for x in links if x.provenance != SIMILARITY]
    assert shown and all(x.kind == "phòng, chống tham nhũng, tiêu cực" and x.who == {MEMBER} for x in shown)
    assert not any(x.clause.startswith("qd-69-2022/d25") for x in shown)


def test_a_rule_about_discipline_itself_is_not_linked_by_the_kinds_it_lists(searcher) -> None:
    # «Chi bộ quyết định khiển trách, cảnh cáo đảng viên … vi phạm phẩm chất chính trị, … "tự diễn biến" …»
    rd = discipline_for("qd-22-2021/d11/p1", searcher)
    assert rd.is_discipline and not rd.links


def test_a_schools_own_sanctions_are_not_party_discipline(searcher) -> None:
    lk = linker_for(searcher)
    assert not lk.party_sanction(searcher.clauses["qd-1147-btgdvtw-2025/quy-che/d16"])  # «buộc thôi học»
    assert lk.party_sanction(searcher.clauses["qd-384-2025/d19"])
    rd = discipline_for("qd-1147-btgdvtw-2025/quy-che/d14/k1", searcher)  # a trainee's duty
    assert not any(x.clause.startswith("qd-1147") for x in rd.links)


def test_general_provisions_follow_whom_the_rule_binds(searcher) -> None:
    general = [x.clause for x in discipline_for("qd-37-2021/d1", searcher).general]
    assert "dieu-le-dang-2011/d36" in general and "dieu-le-dang-2011/d37" not in general  # members, not organisations
    assert all(x.general for x in discipline_for("qd-37-2021/d1", searcher).general)
    org = [x.clause for x in discipline_for("dieu-le-dang-2011/d23/k2", searcher).general]
    assert "dieu-le-dang-2011/d37" in org and "qd-69-2022/d3/k1" in org


def test_clause_without_counterpart_gets_only_low_similarity(searcher) -> None:
    rd = discipline_for("dieu-le-dang-2011/d5/k1", searcher)  # thời kỳ dự bị: no discipline provision answers it
    assert rd.links and rd.only_similarity
    assert all(x.low and x.score < LOW_SCORE and "gợi ý yếu" in x.note and "cosine" in x.detail for x in rd.links)
    assert len({searcher.article_of(x.clause) for x in rd.links}) == len(rd.links)  # one per article
    # a rule with a text link gets no similarity at all: similarity is the last resort
    assert all(x.provenance != SIMILARITY for x in discipline_for("qd-37-2021/d9", searcher).links)


def test_penalty_forms_are_exact_spans_of_the_text(searcher) -> None:
    text = _text(searcher, "qd-69-2022/d7")
    marks = penalty_forms(text)
    assert [m.form for m in marks] == ["khiển trách", "cảnh cáo", "giải tán", "khiển trách", "cảnh cáo", "cách chức",
                                      "khai trừ", "khiển trách", "cảnh cáo"]
    assert text[marks[0].start:marks[0].end] == "Khiển trách"  # as written, capital included
    for cid in ("qd-69-2022/d7", "qd-69-2022/d52/k2", "dieu-le-dang-2011/d36", "qd-69-2022/d10/k3"):
        t = _text(searcher, cid)
        assert all(t[m.start:m.end].lower() == m.form for m in penalty_forms(t)), cid
    assert [m.form for m in penalty_forms(_text(searcher, "qd-69-2022/d52/k3"))] == ["khai trừ"]
    assert [m.form for m in penalty_forms(_text(searcher, "qd-69-2022/d52/k2"))] == ["cảnh cáo", "cách chức"]
    assert penalty_forms(_text(searcher, "qd-69-2022/d3/k2")) == []  # a definition states no form


def test_partial_qd69_is_said_not_hidden(searcher) -> None:
    rd = discipline_for("qd-37-2021/d19", searcher)  # mê tín: QĐ 69's article on it (Điều 55) was not collected
    [d55] = [x for x in rd.links if x.clause == "qd-69-2022/d55"]
    assert d55.absent and d55.text == "" and "chưa có trong kho" in d55.note and "mê tín" in d55.note
    assert d55.citation.startswith("Điều 55, Quy định số 69-QĐ/TW")
    absent = next(x for x in discipline_for("dieu-le-dang-2011/d39/k8", searcher).links
                  if x.clause == "qd-69-2022/d16")
    assert absent.absent and absent.text == "" and absent.citation.startswith("Điều 16, Quy định số 69-QĐ/TW")
    assert "chưa có trong kho" in absent.note


# QĐ 69's chapters as a published source gives them (vksbacgiang.gov.vn): Chương II (organisations) is Điều 8–24,
# Chương III (members) Điều 25–56, of 58 articles
CHAPTER_OF_SIDE = {ORGANISATION: range(8, 25), MEMBER: range(25, 57)}


def test_known_absent_articles_bind_the_side_their_chapter_treats(searcher) -> None:
    for k in load_links().kinds:
        for a in k.absent:
            n = int(a.rsplit("/d", 1)[1])
            assert not k.absent_who or n in CHAPTER_OF_SIDE[k.absent_who], (k.id, a)
    linker = linker_for(searcher)
    for a in linker.articles:  # the collected articles agree with the chapters too
        n = int(a.id.rsplit("/d", 1)[1])
        assert a.who == {w for w, r in CHAPTER_OF_SIDE.items() if n in r}, (a.id, a.who)


@pytest.mark.parametrize(("case", "article", "word"), [
    ("Đảng viên tổ chức đánh bạc ăn tiền tại nhà", "qd-69-2022/d49", "đánh bạc"),
    ("Đảng viên làm lộ tài liệu mật của cơ quan", "qd-69-2022/d33", "tài liệu mật"),
    ("Đảng viên là giám đốc nhà máy cho xả thải chưa qua xử lý ra sông", "qd-69-2022/d45", "xả thải"),
    ("Chi bộ tổ chức bầu chi uỷ không đúng nguyên tắc bỏ phiếu kín", "qd-69-2022/d12", "bầu chi uỷ"),
])
def test_a_case_of_a_kind_whose_article_is_missing_names_it(searcher, case, article, word) -> None:
    """The field of violation is named by the case's own words; the article for that side is named as absent."""
    links, _ = linker_for(searcher).for_text(case, dense=False)
    [x] = [x for x in links if x.clause == article]
    assert x.absent and x.text == "" and fold(f"«{word}»") in fold(x.note) and "chưa có trong kho" in x.note


def test_a_kind_with_its_article_for_that_side_present_links_it(searcher) -> None:
    # members' elections: Điều 27 is in the corpus; the organisations' article (Điều 12) is not for a member
    links, _ = linker_for(searcher).for_text("Đảng viên vận động người khác bỏ phiếu cho mình", dense=False)
    ids = [x.clause for x in links]
    assert any(i.startswith("qd-69-2022/d27") for i in ids) and "qd-69-2022/d12" not in ids
    # a kind with no number known for a member: said in the notes, no provision invented
    links, missing = linker_for(searcher).for_text("Đảng viên giữ chức vụ lãnh đạo độc đoán, gia trưởng", dense=False)
    assert not [x for x in links if x.absent]
    assert any("«đạo đức, lối sống»" in m and "chưa có trong kho" in m for m in missing)


def test_a_question_on_discipline_for_a_missing_kind(searcher) -> None:
    [x] = missing_for_question("Đảng viên đánh bạc bị kỷ luật thế nào?", searcher)
    assert x.clause == "qd-69-2022/d49" and x.absent
    # typed without diacritics: the corpus lacks «đánh bạc», so the index's restorer alone read «dành bác»; the rules
    # read it with the kinds' words too
    assert "đánh bạc" not in fold(searcher.analyze("Dang vien danh bac bi ky luat the nao").dense_text)
    assert restored_reading("Dang vien danh bac bi ky luat the nao", searcher).startswith("Đảng viên đánh bạc")
    assert [y.clause for y in missing_for_question("Dang vien danh bac bi ky luat the nao", searcher)] == [x.clause]
    assert restored_reading("Đảng viên đánh bạc", searcher) == "Đảng viên đánh bạc"  # typed with accents: as is
    assert restored_reading("Đảng vien danh bac", searcher) == "Đảng vien danh bac"  # any accent: as the search does
    # everyday words the regulations lack, learnt from the questions the clauses answer (the corpus alone reads
    # «xạ … giao đạt … người thắn»): the search and the rules read them alike
    plain = "Dang vien la chu tich xa ky quyet dinh giao dat trai tham quyen cho nguoi than"
    assert restored_reading(plain, searcher) == ("Đảng viên là chủ tịch xã ký quyết định giao đất trái thẩm quyền cho "
                                                 "người thân")
    assert searcher.analyze(plain).dense_text == restored_reading(plain, searcher)
    assert missing_note([x]).startswith("Quy định kỷ luật về việc này chưa có trong kho: Điều 49, Quy định số 69-QĐ/TW")
    # not about discipline, or no kind named, or the article present: nothing is said missing
    assert missing_for_question("Đảng viên đánh bạc có phải báo cáo chi bộ không?", searcher) == []
    assert missing_for_question("Thời hạn xoá kỷ luật đảng viên là bao lâu?", searcher) == []
    assert missing_for_question("Tổ chức đảng vi phạm về đất đai bị kỷ luật thế nào?", searcher) == []  # Điều 22
    # the field's own name is no kind of violation, and a complaint about a discipline decision is a procedure
    assert missing_for_question("Việc kiểm tra, giám sát và kỷ luật Đảng được thực hiện như thế nào?", searcher) == []
    assert missing_for_question("Theo Quy định 296 về công tác kiểm tra, giám sát và kỷ luật của Đảng, có những hình "
                                "thức kỷ luật nào đối với tổ chức đảng?", searcher) == []
    assert missing_for_question("Không giải quyết khiếu nại kỷ luật đối với những trường hợp nào?", searcher) == []


def test_the_index_restorer_learnt_the_questions_and_an_older_index_still_reads_them(searcher) -> None:
    """Since session 11 the build fits the accent restorer on the questions the clauses answer too; an index built
    before it (no `restorer_questions` in its manifest) gets them in the rules' reading only, as before."""
    import copy
    from types import SimpleNamespace

    from indexer.rules.discipline import _rules_restorer
    from indexer.text.diacritics import DiacriticRestorer

    assert searcher.manifest["counts"]["restorer_questions"] > 2000
    plain = "Dang vien la chu tich xa ky quyet dinh giao dat trai tham quyen cho nguoi than"
    assert searcher.analyze(plain).dense_text.endswith("chủ tịch xã ký quyết định giao đất trái thẩm quyền cho "
                                                       "người thân")
    corpus_only = DiacriticRestorer().fit(c.text for c in searcher.clauses.values())
    assert "người thắn" in corpus_only.restore(plain)  # what the search read before
    manifest = copy.deepcopy(searcher.manifest)
    del manifest["counts"]["restorer_questions"]
    old = SimpleNamespace(restorer=corpus_only, manifest=manifest, clauses=searcher.clauses)
    assert "người thân" in _rules_restorer(old).restore(plain)


def test_own_sanction_article_and_discipline_clauses(searcher) -> None:
    [own] = discipline_for("qd-384-2025/d5", searcher).links  # Điều 19. Xử lý vi phạm of the same regulation
    assert own.clause == "qd-384-2025/d19" and own.provenance == TEXT and "Xử lý vi phạm" in own.note
    assert discipline_for("qd-69-2022/d28/k1", searcher).is_discipline
    assert discipline_for("dieu-le-dang-2011/d36/k1", searcher).is_discipline


def test_reviewed_file_cites_ids_and_copies_no_text(searcher) -> None:
    data = load_links()
    doc69 = searcher.documents["qd-69-2022"]
    ids = [d for e in data.links for d in e.discipline] + [g.clause for g in data.general]
    assert ids and all(i in searcher.clauses for i in ids), [i for i in ids if i not in searcher.clauses]
    for k in data.kinds:
        for a in k.absent:  # an absent article must really be absent, and from QĐ 69
            assert a.startswith("qd-69-2022/d") and a not in searcher.clauses
            assert a.rsplit("/d", 1)[1] not in doc69.articles_present
        assert k.absent_who in ("", "đảng viên", "tổ chức đảng")
        assert all(n.who in ("đảng viên", "tổ chức đảng") and n.name for n in k.named)
    assert all(any(searcher.clauses[c].id.startswith(e.rule) or e.rule.startswith(c) for c in searcher.clauses)
               for e in data.links)
    # no note repeats 7 consecutive words of any clause: links are described, never copied
    grams = set()
    for c in searcher.clauses.values():
        w = re.findall(r"\w+", c.text.lower())
        grams.update(tuple(w[i:i + 7]) for i in range(len(w) - 6))
    notes = [e.note for e in data.links] + [g.note for g in data.general]
    notes += [k.label for k in data.kinds] + [k.absent_note for k in data.kinds]
    notes += [n.name for k in data.kinds for n in k.named] + [n.source for k in data.kinds for n in k.named]
    for n in notes:
        w = re.findall(r"\w+", n.lower())
        assert not any(tuple(w[i:i + 7]) in grams for i in range(len(w) - 6)), n


def test_link_stats_over_the_rules(searcher) -> None:
    rules = sorted({c.rule for c in all_checks(searcher.documents, searcher.clauses)})
    st = link_stats(searcher, rules)
    assert st[CURATED] >= 8 and st[TEXT] >= 50 and st[SIMILARITY] > 0
    assert st["rules_curated"] >= 8 and st["rules_text"] >= 50 and st["rules_only_similarity"] > 0
    assert st["rules_text"] + st["rules_only_similarity"] <= st["rules"] + st["rules_curated"]


@pytest.mark.parametrize("form", PENALTY_FORMS)
def test_each_form_is_found_somewhere_in_the_discipline_texts(searcher, form) -> None:
    lk = linker_for(searcher)
    texts = [_text(searcher, a.id) for a in lk.articles] + [_text(searcher, "dieu-le-dang-2011/d35/k2")]
    assert any(form in [m.form for m in penalty_forms(t)] for t in texts)
