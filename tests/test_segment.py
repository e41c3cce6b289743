"""Word segmentation on real corpus text, the segment cache, and long clauses."""

from __future__ import annotations

import json
import os
import re
import time
import unicodedata
from pathlib import Path

import pytest
from support import corpus_body_lines

from indexer.text import segment as seg
from indexer.text.segment import SegmentCache, segment, segment_many, stripped_tokens, syllables


def _corpus_lines() -> list[str]:
    """Non-empty body lines of the corpus files, stripped."""
    return [ln.strip() for lines in corpus_body_lines() for ln in lines if ln.strip()]


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return _corpus_lines()


def test_tone_placement_and_case_do_not_change_words() -> None:
    # underthesea's CRF only joins "uỷ ban" in the spelling it was trained on; segment() must join both.
    expected = ["ủy_ban", "kiểm_tra", "trung_ương"]
    assert segment("Uỷ ban Kiểm tra Trung ương") == expected
    assert segment("ủy ban kiểm tra trung ương") == expected
    assert segment("UỶ BAN KIỂM TRA TRUNG ƯƠNG") == expected
    assert segment(unicodedata.normalize("NFD", "Ủy ban Kiểm tra Trung ương")) == expected
    assert segment("cấp uỷ viên, tỉnh ủy, hoà bình") == ["cấp", "ủy_viên", "tỉnh_ủy", "hòa_bình"]


def test_real_clause(lines: list[str]) -> None:
    clause = next(ln for ln in lines if "Uỷ ban Kiểm tra Trung ương" in ln)
    words = segment(clause)
    assert "ủy_ban" in words and "kiểm_tra" in words and "trung_ương" in words
    assert all(any(ch.isalnum() for ch in w) for w in words)  # punctuation-only tokens dropped
    assert all(w == w.lower() and " " not in w for w in words)
    joined = segment("Đảng viên vi phạm phải thi hành kỷ luật.")
    assert joined == ["đảng_viên", "vi_phạm", "phải", "thi_hành", "kỷ_luật"]


def test_line_wraps_inside_sentences_are_spaces() -> None:
    # Crawled texts wrap mid-sentence; a blank line is a boundary.
    assert segment("xử lý kỷ\nluật đảng viên") == ["xử_lý", "kỷ_luật", "đảng_viên"]
    assert segment("Điều lệ\n\nĐảng viên") == ["điều_lệ", "đảng_viên"]


def test_empty_and_punctuation_only() -> None:
    assert segment("") == []
    assert segment(" ,.;(…) “” - ") == []
    assert syllables("") == []
    assert stripped_tokens("") == []


def test_long_clauses_are_linear(lines: list[str]) -> None:
    text = " ".join(lines)
    short, long = text[:2500], text[:10000]
    segment(short)  # warm the model
    t0 = time.perf_counter()
    n_short = len(segment(short))
    t1 = time.perf_counter()
    n_long = len(segment(long))
    t2 = time.perf_counter()
    assert n_long > 3 * n_short
    assert (t2 - t1) < 8 * (t1 - t0) + 0.2  # ~4x the text, not ~16x the time
    # a 10k-character run with no punctuation at all is cut at spaces and still segmented whole
    bare = " ".join(w for w in long.replace(".", " ").replace(",", " ").replace(";", " ").split())[:10000]
    words = segment(bare)
    assert [s for w in words for s in re.findall(r"[^\W_]+", w)] == syllables(bare)


def test_chunks_cover_text_without_overlong_pieces() -> None:
    text = ("đảng viên " * 2000).strip()
    chunks = seg._chunks(text)
    assert all(len(c) <= seg._MAX_CHUNK for c in chunks)
    assert " ".join(chunks).split() == text.split()


def test_syllables_and_stripped_tokens() -> None:
    assert syllables("Uỷ ban Kiểm tra, 34-KL/TW") == ["ủy", "ban", "kiểm", "tra", "34", "kl", "tw"]
    toks = stripped_tokens("Kỷ luật, Đảng viên")
    assert toks == ["ky", "luat", "ky_luat", "dang", "vien", "dang_vien"]  # no bigram across the comma


def test_cache_hit_miss_and_roundtrip(tmp_path: Path) -> None:
    texts = ["Ủy ban Kiểm tra Trung ương", "thi hành kỷ luật đảng viên", "Ủy ban Kiểm tra Trung ương"]
    cache = SegmentCache.load(tmp_path)  # no file yet: empty
    assert len(cache) == 0
    seen: list[tuple[int, int]] = []
    first = segment_many(texts, cache=cache, progress=lambda i, n: seen.append((i, n)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert (cache.misses, cache.hits) == (2, 1)  # the repeated text hits
    path = cache.save()
    assert path == tmp_path / seg.CACHE_FILE and path.is_file()

    again = SegmentCache.load(tmp_path)
    assert len(again) == 2
    assert segment_many(texts, cache=again) == first
    assert (again.misses, again.hits) == (0, 3)
    segment_many(["thi hành kỷ luật đảng viên."], cache=again)  # edited text: new key
    assert again.misses == 1
    assert first == [segment(t) for t in texts]


def test_cache_only_used_and_stale_files(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path)
    segment_many(["kỷ luật", "đảng viên"], cache=cache)
    cache.save()
    fresh = SegmentCache.load(tmp_path)
    segment_many(["kỷ luật"], cache=fresh)
    fresh.save(only_used=True)  # drops clauses no longer in the corpus
    assert len(SegmentCache.load(tmp_path)) == 1

    data = json.loads((tmp_path / seg.CACHE_FILE).read_text(encoding="utf-8"))
    data["version"] = "0/other"
    (tmp_path / seg.CACHE_FILE).write_text(json.dumps(data), encoding="utf-8")
    assert len(SegmentCache.load(tmp_path)) == 0  # another segmenter's output is ignored
    (tmp_path / seg.CACHE_FILE).write_text("{not json", encoding="utf-8")
    assert len(SegmentCache.load(tmp_path)) == 0


def test_cache_save_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = SegmentCache(tmp_path)
    segment_many(["kỷ luật"], cache=cache)
    path = cache.save()
    before = path.read_bytes()
    segment_many(["đảng viên"], cache=cache)

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        cache.save()
    monkeypatch.undo()
    assert path.read_bytes() == before  # the old file is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == [seg.CACHE_FILE]  # no temp file left behind
