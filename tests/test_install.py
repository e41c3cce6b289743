"""The package works installed, not only from a checkout: a wheel built from this tree and installed (not editable)
into an empty folder answers `soi ask` from another directory, with the bundled corpus and the reviewed data files
it ships, byte for byte."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_installed_elsewhere_answers(tmp_path: Path, index_dir: str) -> None:
    wheels, target, elsewhere = tmp_path / "wheels", tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(ROOT)], check=True,
                   cwd=elsewhere, timeout=300)
    wheel = next(wheels.glob("soi-*.whl"))
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run(
        [sys.executable, "-c", "import indexer; from indexer.corpus.load import bundled_corpus_dir as b; "
         "from indexer.rules.discipline import LINKS_PATH; print(indexer.__file__); print(b()); print(LINKS_PATH)"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True).stdout.split("\n")
    assert where[0].startswith(str(target)), where  # the installed copy, not this checkout
    bundled, links = Path(where[1]), Path(where[2])
    assert bundled.parent == target and links.is_file()
    shipped = sorted(p.name for p in (ROOT / "corpus").glob("*.md"))
    assert sorted(p.name for p in bundled.glob("*.md")) == shipped
    assert all((bundled / n).read_bytes() == (ROOT / "corpus" / n).read_bytes() for n in shipped)
    out = subprocess.run([str(target / "bin" / "soi"), "ask", "thời hiệu kỷ luật đảng viên", "-k", "3", "--index",
                          index_dir], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "Quy định số 69-QĐ/TW" in out.stdout and "Traceback" not in out.stderr
    assert "soi build" not in out.stderr  # the installed corpus is the one the index was built from: no stale note
    as_json = subprocess.run([str(target / "bin" / "soi"), "ask", "thời hiệu kỷ luật đảng viên", "--json", "--index",
                              index_dir], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["answerability"] is not None  # the calibration shipped as package data
