"""References and validity edges on the real corpus: extraction, resolution by code + year, replacement display."""

from __future__ import annotations

import pytest

from app.cli.main import main
from indexer.rules.refs import REPLACES, RefGraph, extract_refs


@pytest.fixture(scope="module")
def graph(searcher) -> RefGraph:
    return RefGraph.from_searcher(searcher)


def test_document_reference_resolved_by_code_and_year(searcher) -> None:
    c = searcher.clauses["ctr-qn-kl34-2022/III/2/2.1/p5/i1"]
    refs = extract_refs(c, searcher.documents, clauses=searcher.clauses)
    by_code = {r.code: r for r in refs}
    assert by_code["109-QĐ/TW"].year == 2018 and by_code["109-QĐ/TW"].target_doc == "qd-109-2018"
    assert "Quy định số 109-QĐ/TW, ngày 03/01/2018" in by_code["109-QĐ/TW"].text
    # a document outside the corpus is kept, unresolved, with its code as written
    assert by_code["05-CT/TW"].target_doc is None


def test_unresolved_reference_keeps_code_and_date(searcher) -> None:
    refs = extract_refs(searcher.clauses["ctr-qn-kl34-2022/III/2/2.1/p5/i3"], searcher.documents,
                        clauses=searcher.clauses)
    r = next(r for r in refs if r.code == "101-QĐ/TW")
    assert r.year == 2012 and r.target_doc is None and "07/6/2012" in r.text


def test_internal_article_and_clause_references(searcher) -> None:
    refs = extract_refs(searcher.clauses["qd-384-2025/d15/k3"], searcher.documents, clauses=searcher.clauses)
    assert [(r.text, r.internal, r.target_clause) for r in refs] == [
        ("Điểm a, Khoản 1 Điều này", True, "qd-384-2025/d15/k1/a")]
    refs = extract_refs(searcher.clauses["qd-114-2023/d3/k4"], searcher.documents, clauses=searcher.clauses)
    assert any(r.target_clause == "qd-114-2023/d2/k1" and "Quy định này" in r.text for r in refs)


def test_clause_without_references(searcher) -> None:
    assert extract_refs(searcher.clauses["dieu-le-dang-2011/d31/k1"], searcher.documents,
                        clauses=searcher.clauses) == []


def test_replacement_from_text_and_front_matter(graph) -> None:
    assert any(r.relation == REPLACES and r.code == "270-QĐ/TW" for r in graph.replaces("qd-383-2025"))
    assert [r.source_doc for r in graph.replaced_by("qd-22-2021")] == ["qd-296-2025"]
    outside = graph.replaced_by("qd-37-2021")
    assert outside and outside[0].target_doc == "qd-37-2021" and outside[0].code == "207-QĐ/TW"
    assert graph.amended_by("qd-69-2022")[0].code == "264-QĐ/TW"


def test_cited_by_and_stats(graph) -> None:
    citing = {r.source_doc for r in graph.cited_by("qd-22-2021")}
    assert {"hd-02-2021", "qd-69-2022", "ctr-qn-kl34-2022"} <= citing
    st = graph.stats()
    assert st["found"] > 100 and 0 < st["resolved_doc"] < st["external"]


def test_cli_refs_shows_replacement(built_index, index_settings, capsys) -> None:
    assert main(["refs", "qd-22-2021", "--index", str(index_settings.index_dir)]) == 0
    out = capsys.readouterr().out
    assert "Được thay thế bởi" in out and "qd-296-2025" in out and "hd-02-2021" in out
    assert main(["refs", "khong-co-van-ban-nay-xyz", "--index", str(index_settings.index_dir)]) == 2
