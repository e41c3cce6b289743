"""Case → rules end to end: library, CLI (in-process) and the «Kiểm tra» page through AppTest."""

from __future__ import annotations

import csv
import io

from ui_support import ENTRY, ui_env  # noqa: F401 — ui_env is a fixture

from app.cli import main
from indexer.case import analyze_case, checks_csv, to_markdown

TIMEOUT = 180

CASE = "Đảng viên vi phạm không đồng ý với quyết định kỷ luật thì khiếu nại trong thời hạn bao lâu"


def test_case_finds_rule_checks_and_discipline(searcher) -> None:
    r = analyze_case(CASE, searcher, k=5)
    ids = [x.hit.clause.id for x in r.rules]
    assert any(i.startswith("dieu-le-dang-2011/d39") for i in ids), ids
    assert r.checks and all(c.rule for c in r.checks)
    assert any("khai trừ" in d.penalties for d in r.discipline)
    replaced = [x.replaced for x in r.rules]
    assert replaced == sorted(replaced)  # rules in force first, replaced ones after, flagged
    md = to_markdown(r)
    assert md.startswith("# Kiểm tra:") and "Quy định về kỷ luật" in md
    rows = list(csv.DictReader(io.StringIO(checks_csv(r))))
    assert len(rows) == len(r.checks) and rows[0]["citation"]


def test_cli_case(built_index, index_settings, capsys, tmp_path) -> None:
    md = tmp_path / "k.md"
    assert main(["case", CASE, "-k", "3", "--index", str(index_settings.index_dir), "--markdown", str(md)]) == 0
    out = capsys.readouterr().out
    assert "QUY ĐỊNH ÁP DỤNG" in out and "QUY ĐỊNH KỶ LUẬT" in out and "☐" in out
    assert md.read_text(encoding="utf-8").startswith("# Kiểm tra")


def test_kiem_tra_page(ui_env, monkeypatch) -> None:  # noqa: F811
    from streamlit.testing.v1 import AppTest

    for k, v in ui_env.items():
        monkeypatch.setenv(k, v)
    at = AppTest.from_file(str(ENTRY.parent / "views" / "kiem_tra.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception and at.title[0].value == "Kiểm tra"
    at.text_area(key="case").input(CASE)
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert any("Điều 39" in m.value for m in at.markdown)
    assert len(at.get("download_button")) == 2
