"""Provisions named in free text ("khoản 2 Điều 29 Quy định 22"), resolved on the bundled corpus."""

from __future__ import annotations

import pytest

from eval.known_items import load_bundled
from indexer.corpus.unitref import UnitResolver, cited_units


@pytest.fixture(scope="module")
def resolver() -> UnitResolver:
    return UnitResolver(*load_bundled())


@pytest.mark.parametrize(("text", "named", "clause_id", "exact"), [
    ("Điều 36 Điều lệ Đảng", "Điều 36 Điều lệ Đảng", "dieu-le-dang-2011/d36", True),
    ("Khoản 2, Điều 36, Điều lệ Đảng quy định gì?", "Khoản 2, Điều 36, Điều lệ Đảng", "dieu-le-dang-2011/d36/k2",
     True),
    ("khoan 2 dieu 29 quy dinh 22", "khoan 2 dieu 29 quy dinh 22", "qd-22-2021/d29/k2", True),  # typed plainly
    ("điểm a khoản 1 Điều 27 QĐ 69-QĐ/TW", "điểm a khoản 1 Điều 27 QĐ 69-QĐ/TW", "qd-69-2022/d27/k1/a", True),
    ("Điều 9 của Quy định 37-QĐ/TW", "Điều 9 của Quy định 37-QĐ/TW", "qd-37-2021/d9", True),
    # QĐ 69 is partial: khoản 5 of Điều 2 is not held, so the article is what can be shown; Điều 15 not at all
    ("khoản 5 Điều 2 Quy định 69", "khoản 5 Điều 2 Quy định 69", "qd-69-2022/d2", False),
    ("Điều 15 Quy định 69", "Điều 15 Quy định 69", None, False),
])
def test_a_provision_named_with_its_document(resolver, text, named, clause_id, exact) -> None:
    [c] = cited_units(text, resolver)
    assert (c.text, c.clause_id, c.exact) == (named, clause_id, exact)


def test_no_document_no_citation(resolver) -> None:
    # "Điều 36" alone names no document; "Điều này" is a text's own article; an unknown document resolves to none
    assert cited_units("Điều 36 quy định những gì?", resolver) == []
    assert cited_units("theo khoản 2 Điều này", resolver) == []
    assert cited_units("Điều 5 Quy định 999-QĐ/TW", resolver) == []
