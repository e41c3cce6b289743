"""Legacy Vietnamese encodings -> Unicode NFC, on the real text of the bundled corpus.

The tables are checked twice: against hand-copied code points of the published definitions (TCVN 5712:1993
VN3, the VNI-Windows key table) and by round trips of every corpus body through the module's own encoders.
"""

from __future__ import annotations

import random
import unicodedata

import pytest
from support import corpus_body_lines

from indexer.corpus.frontmatter import split_front_matter
from indexer.corpus.load import bundled_corpus_dir
from indexer.ingest.encoding import (
    TCVN3_TO_UNICODE,
    UNICODE_TO_VNI,
    Decoded,
    decode_bytes,
    detect_legacy,
    encode_tcvn3,
    encode_vni,
    fix_legacy_text,
    is_vietnamese_syllable,
    tcvn3_to_unicode,
    vni_to_unicode,
)
from indexer.ingest.errors import IngestError

TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
TCVN3_CAPITALS = "ĂÂÊÔƠƯĐ"  # the only capitals outside ASCII that TCVN3 (VN3) has codes for


def _qd69_lines() -> list[str]:
    """Every non-blank body line of Quy định 69-QĐ/TW (clauses, points, headings), without source comments."""
    path = bundled_corpus_dir() / "qd-69-2022.md"
    text = path.read_text(encoding="utf-8")
    _, start = split_front_matter(text, path)
    return [ln for ln in text[start:].splitlines() if ln.strip() and not ln.strip().startswith("<!--")]


QD69 = _qd69_lines()
BODIES = ["\n".join(lines) for lines in corpus_body_lines() if "".join(lines).strip()]


def _encode_cp1258(text: str) -> bytes:
    """Windows-1258 bytes the way Windows writes them: precomposed where the code page has the letter, else
    base letter + combining tone mark (the code page has ă â ê ô ơ ư đ but only five tone marks)."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", char)
        tone = "".join(c for c in decomposed if c in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
        out += base.encode("cp1258") + tone.encode("cp1258")
    return bytes(out)


def _is_toned_capital(char: str) -> bool:
    return not char.isascii() and char.isupper() and char not in TCVN3_CAPITALS


def _assert_tcvn3_round_trip(decoded: str, original: str) -> None:
    """Exact, except that a toned capital may come back lower-case (TCVN3 has no code for it) unless its line is
    an upper-case heading of two words or more (typed in the capital font, which the decoder restores)."""
    assert len(decoded) == len(original)
    for got_line, want_line in zip(decoded.split("\n"), original.split("\n"), strict=True):
        heading = want_line == want_line.upper() and len(want_line.split()) >= 2
        if heading or not any(_is_toned_capital(c) for c in want_line):
            assert got_line == want_line
        else:
            for got, want in zip(got_line, want_line, strict=True):
                assert got == want or (_is_toned_capital(want) and got == want.lower()), (got_line, want_line)


# ------------------------------------------------------------------------------------ the published tables


@pytest.mark.parametrize(
    ("code", "letter"),
    [
        (0xAE, "đ"), (0xAD, "ư"), (0xAC, "ơ"), (0xA9, "â"), (0xA8, "ă"), (0xA7, "Đ"), (0xA1, "Ă"), (0xA6, "Ư"),
        (0xB5, "à"), (0xB8, "á"), (0xB9, "ạ"), (0xBE, "ắ"), (0xCA, "ấ"), (0xD0, "é"), (0xD5, "ế"), (0xDC, "ĩ"),
        (0xE3, "ó"), (0xE8, "ố"), (0xED, "ớ"), (0xF3, "ú"), (0xF8, "ứ"), (0xF9, "ự"), (0xFD, "ý"), (0xFE, "ỵ"),
    ],
)  # fmt: skip
def test_tcvn3_code_points_match_tcvn_5712(code: int, letter: str) -> None:
    """Hand-copied from TCVN 5712:1993 (VN3) as published in code charts (libiconv TCVN, vietunicode tables)."""
    assert TCVN3_TO_UNICODE[code] == letter
    assert encode_tcvn3(letter) == bytes([code])
    assert tcvn3_to_unicode(bytes([code]).decode("cp1252")) == letter


def test_tcvn3_has_exactly_the_vn3_repertoire() -> None:
    """VN3: 67 lower-case letters, 7 capitals and the no-break space, nothing in C0/C1."""
    letters = [c for c in TCVN3_TO_UNICODE.values() if c != "\u00a0"]
    assert len(TCVN3_TO_UNICODE) == 75
    assert sum(c.islower() for c in letters) == 67 and "".join(c for c in letters if c.isupper()) == TCVN3_CAPITALS
    assert min(TCVN3_TO_UNICODE) == 0xA0 and max(TCVN3_TO_UNICODE) == 0xFE
    assert len(set(TCVN3_TO_UNICODE.values())) == 75


@pytest.mark.parametrize(
    ("vni", "letter"),
    [
        ("ñ", "đ"), ("Ñ", "Đ"), ("ô", "ơ"), ("ö", "ư"), ("aù", "á"), ("aø", "à"), ("aâ", "â"), ("aê", "ă"),
        ("aá", "ấ"), ("aé", "ắ"), ("eá", "ế"), ("eä", "ệ"), ("oä", "ộ"), ("ôù", "ớ"), ("öï", "ự"), ("í", "í"),
        ("æ", "ỉ"), ("ó", "ĩ"), ("ò", "ị"), ("î", "ỵ"), ("AÙ", "Á"), ("EÁ", "Ế"), ("ÖØ", "Ừ"), ("Î", "Ỵ"),
    ],
)  # fmt: skip
def test_vni_sequences_match_the_vni_windows_table(vni: str, letter: str) -> None:
    """Hand-copied from the VNI-Windows key table (as in xvnkb's vni.h and the vietunicode comparison chart)."""
    assert UNICODE_TO_VNI[letter] == vni
    assert encode_vni(letter) == vni.encode("cp1252")
    assert vni_to_unicode(vni) == letter


def test_known_phrases_from_public_converters() -> None:
    """Sample strings printed by open-source converters' READMEs and comments, decoded to what they print."""
    assert fix_legacy_text("Xin chaøo caùc baïn", "VNI-Times")[0] == "Xin chào các bạn"
    assert fix_legacy_text("Ninh B×nh, B¶o Th¾ng, B¸t X¸t", ".VnTime")[0] == "Ninh Bình, Bảo Thắng, Bát Xát"
    assert encode_vni("Xin chào các bạn") == "Xin chaøo caùc baïn".encode("cp1252")


def test_vni_table_covers_every_vietnamese_letter_both_cases() -> None:
    """12 vowels x 6 tones + đ, both cases, less the 6 plain ASCII vowels: 134 letters, all spelled differently."""
    assert len(UNICODE_TO_VNI) == 2 * (12 * 6 + 1 - 6) == 134
    assert len(set(UNICODE_TO_VNI.values())) == len(UNICODE_TO_VNI)


def test_unencodable_characters_are_refused() -> None:
    with pytest.raises(ValueError, match="TCVN3"):
        encode_tcvn3("ß")  # 0xDF is ò in TCVN3
    with pytest.raises(ValueError, match="VNI"):
        encode_vni("ø")  # 0xF8 is the huyền mark in VNI
    with pytest.raises(ValueError):
        encode_tcvn3("中")


# ------------------------------------------------------------------------------------ syllables


@pytest.mark.parametrize(
    "word",
    ["được", "Đảng", "quyết", "khoá", "giữa", "gì", "nghĩa", "người", "Nguyễn", "thuở", "khuỷu", "huỳnh", "ĐIỀU",
     "việc", "hoạch", "kiểm", "xuyên", "ủy", "yêu", "ở", "boong"],
)  # fmt: skip
def test_syllable_validator_accepts_vietnamese(word: str) -> None:
    assert is_vietnamese_syllable(word)


@pytest.mark.parametrize(
    "word",
    ["cỏc", "vÒ", "lµ", "Ch\xad¬ng", "§iÒu", "chØnh", "Ñieàu", "buơn", "cé", "ghá", "ngé", "café", "QĐ", "hello"],
)
def test_syllable_validator_rejects_mojibake_and_foreign_words(word: str) -> None:
    assert not is_vietnamese_syllable(word)


def test_every_corpus_word_with_a_vietnamese_letter_is_a_syllable_except_abbreviations() -> None:
    """The validator is the scorer: on real Unicode text it must accept practically everything."""
    words = [w.strip(".,;:()[]“”\"'…-–/*!?«»") for body in BODIES for w in body.split()]
    words = [w for w in words if w and not w.isascii() and w.isalpha()]
    rejected = {w for w in words if not is_vietnamese_syllable(w)}
    assert len(words) > 30000
    assert all(w.isupper() or w == "Lênin" or not w[1:].islower() for w in rejected), rejected  # QĐ, HĐND, ĐUK...


# ------------------------------------------------------------------------------------ round trips on real text


def test_tcvn3_round_trip_of_every_clause_of_qd_69() -> None:
    for line in QD69:
        decoded = decode_bytes(encode_tcvn3(line), "qd69-tcvn3.txt")
        _assert_tcvn3_round_trip(decoded.text, line)


def test_vni_round_trip_of_every_clause_of_qd_69() -> None:
    for line in QD69:
        assert decode_bytes(encode_vni(line), "qd69-vni.txt").text == line


@pytest.mark.parametrize("body", BODIES, ids=lambda b: b.split("\n", 1)[0][:30])
def test_whole_corpus_bodies_round_trip_through_each_legacy_encoding(body: str) -> None:
    tcvn3 = decode_bytes(encode_tcvn3(body), "tcvn3.txt")
    assert tcvn3.encoding == "tcvn3" and tcvn3.notes[0].startswith("converted from TCVN3 (ABC): ")
    _assert_tcvn3_round_trip(tcvn3.text, body)
    vni = decode_bytes(encode_vni(body), "vni.txt")
    assert (vni.text, vni.encoding) == (body, "vni")
    cp1258 = decode_bytes(_encode_cp1258(body), "cp1258.txt")
    assert (cp1258.text, cp1258.encoding) == (body, "cp1258")


def test_cp1258_bytes_are_really_combining_marks() -> None:
    """The test encoder writes "ấ" as â + combining acute (0xEC), which Python decodes to two code points."""
    data = _encode_cp1258("ấ")
    assert data == b"\xe2\xec" and len(data.decode("cp1258")) == 2
    assert decode_bytes(_encode_cp1258("Kiểm tra, giám sát"), "x.txt").text == "Kiểm tra, giám sát"


def test_upper_case_tcvn3_in_a_capital_font_round_trips() -> None:
    """.VnTimeH draws lower-case codes as capitals: the run is upper-cased, so ALL-CAPS text round-trips."""
    for line in QD69:
        upper = line.upper()
        assert fix_legacy_text(encode_tcvn3(upper).decode("cp1252"), ".VnTimeH")[0] == upper


def test_all_caps_headings_are_restored_without_a_font() -> None:
    """In a plain file a capital-font heading reads "TµI CHÝNH"; its shape shows it meant "TÀI CHÍNH"."""
    data = encode_tcvn3("QUY ĐỊNH VỀ KỶ LUẬT TỔ CHỨC ĐẢNG, ĐẢNG VIÊN VI PHẠM\nỦy ban Kiểm tra")
    assert decode_bytes(data, "h.txt").text == "QUY ĐỊNH VỀ KỶ LUẬT TỔ CHỨC ĐẢNG, ĐẢNG VIÊN VI PHẠM\nủy ban Kiểm tra"


@pytest.mark.parametrize(
    ("data", "encoding", "note"),
    [
        (lambda t: t.encode("utf-16"), "utf-16", None),
        (lambda t: b"\xfe\xff" + t.encode("utf-16-be"), "utf-16", None),
        (lambda t: t.encode("utf-16-le"), "utf-16", "UTF-16 without a byte order mark"),
        (lambda t: t.encode("utf-8-sig"), "utf-8", None),
        (lambda t: unicodedata.normalize("NFD", t).encode("utf-8"), "utf-8", "decomposed Unicode"),
    ],
    ids=["utf-16-le-bom", "utf-16-be-bom", "utf-16-no-bom", "utf-8-bom", "nfd"],
)
def test_unicode_forms_decode_to_the_same_nfc_text(data, encoding: str, note: str | None) -> None:
    body = "\n".join(QD69)
    decoded = decode_bytes(data(body), "u.txt")
    assert decoded.text == body and decoded.encoding == encoding
    assert unicodedata.is_normalized("NFC", decoded.text)
    if note:
        assert any(n.startswith(note) for n in decoded.notes)


def test_mixed_file_of_utf8_and_tcvn3_lines() -> None:
    """Half the lines UTF-8, half TCVN3 bytes (a file assembled from two sources): each line decoded alone."""
    lines = QD69
    data = b"\n".join(encode_tcvn3(ln) if i % 2 else ln.encode("utf-8") for i, ln in enumerate(lines))
    decoded = decode_bytes(data, "mixed.txt")
    assert decoded.encoding == "mixed:utf-8+tcvn3"
    legacy = sum(1 for i, ln in enumerate(lines) if i % 2 and not ln.isascii())
    assert f"converted from TCVN3 (ABC): {legacy} of {len(lines)} lines" in decoded.notes
    _assert_tcvn3_round_trip(decoded.text, "\n".join(lines))


def test_mixed_file_of_utf8_and_vni_lines() -> None:
    lines = QD69
    data = b"\r\n".join(encode_vni(ln) if i % 3 == 0 else ln.encode("utf-8") for i, ln in enumerate(lines))
    decoded = decode_bytes(data, "mixed.txt")
    assert decoded.encoding == "mixed:utf-8+vni"
    assert decoded.text == "\r\n".join(lines)


@pytest.mark.parametrize("encoder", [encode_tcvn3, encode_vni], ids=["tcvn3", "vni"])
def test_utf8_that_is_really_legacy_font_codes(encoder) -> None:
    """A legacy document re-saved as Unicode without conversion: UTF-8 of the cp1252 characters."""
    body = "\n".join(QD69)
    resaved = encoder(body).decode("cp1252").encode("utf-8")
    decoded = decode_bytes(resaved, "resaved.txt")
    name = encoder.__name__.removeprefix("encode_")
    assert decoded.encoding == name
    assert "re-saved without conversion" in decoded.notes[0]
    if name == "vni":
        assert decoded.text == body
    else:
        _assert_tcvn3_round_trip(decoded.text, body)


def test_utf8_file_with_some_lines_of_resaved_tcvn3() -> None:
    lines = QD69
    text = "\n".join(encode_tcvn3(ln).decode("cp1252") if i % 2 else ln for i, ln in enumerate(lines))
    decoded = decode_bytes(text.encode("utf-8"), "half.txt")
    assert decoded.encoding == "mixed:utf-8+tcvn3"
    _assert_tcvn3_round_trip(decoded.text, "\n".join(lines))


def test_latin1_reading_of_c1_bytes_is_accepted_like_cp1252() -> None:
    """PDF tools may give TCVN3's “ ” – … as U+0093/U+0094/U+0096/U+0085 (Latin-1) instead of cp1252."""
    line = "“Kỷ luật” – thi hành… đúng quy định"
    data = encode_tcvn3(line)
    assert fix_legacy_text(data.decode("latin-1"), ".VnTime") == fix_legacy_text(data.decode("cp1252"), ".VnTime")
    assert fix_legacy_text(data.decode("latin-1"), ".VnTime")[0] == line


# ------------------------------------------------------------------------------------ no false conversions


@pytest.mark.parametrize("body", BODIES, ids=lambda b: b.split("\n", 1)[0][:30])
def test_unicode_corpus_is_never_taken_for_legacy(body: str) -> None:
    assert detect_legacy(body) is None
    assert all(detect_legacy(line) is None for line in body.split("\n"))
    assert decode_bytes(body.encode("utf-8"), "u.md") == Decoded(body, "utf-8", [])


def test_plain_english_stays_as_is() -> None:
    text = "The Central Inspection Commission met on 5 May.\nIt reviewed 12 cases; none was closed.\n"
    assert decode_bytes(text.encode("ascii"), "en.txt") == Decoded(text, "utf-8", [])
    assert detect_legacy(text) is None and fix_legacy_text(text) == (text, None)


def test_western_cp1252_text_with_a_few_accents_is_read_as_cp1252() -> None:
    """No Vietnamese in any reading and almost every letter ASCII: read as Windows-1252, not converted."""
    text = (
        "The committee’s minutes were signed on 5 May by the secretary, who read them aloud to “all members”.\n" * 6
        + "Coffee was served in the café next door; José closed the meeting – nothing else was decided.\n"
    )
    decoded = decode_bytes(text.encode("cp1252"), "en.txt")
    assert (decoded.text, decoded.encoding) == (text, "cp1252")


def test_unicode_run_in_a_legacy_font_is_left_alone() -> None:
    """Unicode typed into a paragraph still styled .VnTime: letters no font code stands for prove it."""
    assert fix_legacy_text("Điều lệ Đảng", ".VnTime") == ("Điều lệ Đảng", None)
    assert fix_legacy_text("các", ".VnTime") == ("các", None)  # as TCVN3 it would read "cỏc": not a syllable


def test_detection_without_a_font_needs_two_repaired_words() -> None:
    assert detect_legacy("§iÒu 5. Ph¹m vi ®iÒu chØnh") == "tcvn3"
    assert detect_legacy("Ñieàu 5. Phaïm vi ñieàu chænh") == "vni"
    assert fix_legacy_text("§iÒu 5. Ph¹m vi ®iÒu chØnh") == ("Điều 5. Phạm vi điều chỉnh", "tcvn3")
    assert fix_legacy_text("§iÒu") == ("§iÒu", None)  # one word: only a font name may decide
    assert fix_legacy_text("§iÒu", ".VnTime") == ("Điều", "tcvn3")
    assert detect_legacy("« Trích dẫn » © 2024 – 30°C") is None


# ------------------------------------------------------------------------------------ what is not text


@pytest.mark.parametrize(
    "data",
    [
        random.Random(7).randbytes(4096),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(8).randbytes(2048),
        bytes(random.Random(9).randrange(0x80, 0x100) for _ in range(4096)),
        bytes(random.Random(10).randrange(0x01, 0x20) for _ in range(512)),
    ],
    ids=["random", "png", "high-bytes", "controls"],
)
def test_binary_junk_is_refused(data: bytes) -> None:
    with pytest.raises(IngestError) as info:
        decode_bytes(data, "junk.txt")
    assert info.value.code == "binary"
    assert "không phải văn bản" in info.value.vi and "not a text file" in info.value.en
    assert info.value.message().startswith("junk.txt: ")


@pytest.mark.parametrize("data", [b"", b"  \r\n\t\n", b"\xef\xbb\xbf", b"\xff\xfe \x00\n\x00", b"\xa0\xa0"])
def test_empty_files_are_refused(data: bytes) -> None:
    with pytest.raises(IngestError) as info:
        decode_bytes(data, "empty.txt")
    assert info.value.code == "empty"


def test_text_in_an_unknown_encoding_names_what_was_tried() -> None:
    data = ("Устав партии определяет порядок проверки и дисциплины. " * 20).encode("cp1251")
    with pytest.raises(IngestError) as info:
        decode_bytes(data, "ru.txt")
    assert info.value.code == "encoding"
    for name in ("UTF-8", "UTF-16", "TCVN3", "VNI", "Windows-1258"):
        assert name in info.value.en and name in info.value.vi


def test_bad_utf16_after_a_bom_is_an_encoding_error() -> None:
    with pytest.raises(IngestError) as info:
        decode_bytes(b"\xff\xfe" + "Điều".encode("utf-16-le") + b"\x00\xd8", "bad.txt")  # lone surrogate
    assert info.value.code == "encoding"


def test_utf8_file_with_a_stray_cp1252_byte_is_not_refused() -> None:
    """An otherwise UTF-8 file with a Windows-1252 quote pasted in: that line keeps its UTF-8, the byte is ’."""
    line = QD69[5]
    data = "\n".join(QD69[:5]).encode("utf-8") + b"\n" + line.encode("utf-8") + b" \x92ok\x92\n"
    decoded = decode_bytes(data, "stray.txt")
    assert decoded.text == "\n".join(QD69[:5]) + "\n" + line + " ’ok’\n"
    assert decoded.encoding == "mixed:utf-8+cp1252"
    assert decoded.notes == ["read as UTF-8 with stray Windows-1252 bytes: 1 of 6 lines"]
    english = decode_bytes(QD69[0].encode("utf-8") + b"\nIt\x92s fine\n", "stray.txt")
    assert (english.text, english.encoding) == (QD69[0] + "\nIt’s fine\n", "mixed:utf-8+cp1252")


def test_text_mixing_unicode_and_legacy_lines_is_converted_line_by_line() -> None:
    """A PDF text layer or DOCX body where some paragraphs kept the legacy codes under a Unicode font name."""
    lines = QD69[:40]
    mixed = "\n".join(encode_tcvn3(ln).decode("cp1252") if i % 2 else ln for i, ln in enumerate(lines))
    assert detect_legacy(mixed) == "tcvn3"
    fixed, enc = fix_legacy_text(mixed)
    assert enc == "tcvn3"
    _assert_tcvn3_round_trip(fixed, "\n".join(lines))
