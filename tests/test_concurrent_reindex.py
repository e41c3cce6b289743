"""Searches keep answering from the old index while `soi add` rebuilds, then move to the new one atomically.

Real processes on localhost: `soi serve` (the JSON API) answers concurrent requests from several threads while a
separate `soi add` process adds a document and publishes a new index version. Bounded in time and count.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from support import articles, header, small_settings, wait_for_port, write

from indexer.index import store
from indexer.index.build import build_index

ROOT = Path(__file__).resolve().parent.parent
QUERY = "hình thức kỷ luật đối với đảng viên dự bị"
WORKERS = 4
MAX_REQUESTS = 2000


def _get(port: int, path: str) -> tuple[int, dict]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
        return r.status, json.loads(r.read().decode("utf-8"))


def test_searches_during_reindex_answer_from_old_then_new(tmp_path, embedder):
    s = small_settings(tmp_path)
    build_index(s, embedder=embedder)
    old_version = store.current_version(s.index_dir).name
    cfg = tmp_path / "soi.toml"
    cfg.write_text(f'index_dir = "{s.index_dir}"\nlibrary_dir = "{s.library_dir}"\ninclude_bundled = false\n'
                   f'corpus_dirs = ["{s.corpus_dirs[0]}"]\n', encoding="utf-8")
    env = {**os.environ, "SOI_CONFIG": str(cfg), "PYTHONPATH": str(ROOT)}
    env.pop("SOI_LIBRARY_DIR", None)
    env.pop("SOI_INDEX_DIR", None)
    server = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", "0"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        port = wait_for_port(server)
        assert _get(port, "/health")[1]["version"] == old_version

        stop = threading.Event()
        seen: list[list[tuple[int, str, str]]] = [[] for _ in range(WORKERS)]
        errors: list[str] = []
        q = "/search?" + urllib.parse.urlencode({"q": QUERY, "k": 3})

        def worker(i: int) -> None:
            while not stop.is_set() and sum(map(len, seen)) < MAX_REQUESTS:
                try:
                    status, data = _get(port, q)
                    seen[i].append((status, data["version"], data["hits"][0]["document"]["id"] if data["hits"] else ""))
                except Exception as e:  # noqa: BLE001 — recorded and asserted on below
                    errors.append(repr(e))
                time.sleep(0.05)

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(WORKERS)]
        for t in threads:
            t.start()
        src = write(tmp_path / "them.txt", header("905-QĐ/TW", 3, 3, 2024) + articles("dieu-le-dang-2011.md", 35, 36))
        add = subprocess.run([sys.executable, "-m", "app.cli", "add", "--yes", str(src)], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=400)
        assert add.returncode == 0, add.stdout + add.stderr
        new_version = store.current_version(s.index_dir).name
        assert new_version != old_version
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any(v == new_version for r in seen for _, v, _ in r):
            time.sleep(0.2)
        time.sleep(1.0)  # a few more answers from the new version
        stop.set()
        for t in threads:
            t.join(timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert not errors, errors[:3]
    answers = [a for r in seen for a in r]
    assert len(answers) >= 20
    assert all(status == 200 for status, _, _ in answers)
    assert {v for _, v, _ in answers} == {old_version, new_version}
    for r in seen:  # per client: old answers, then new ones, never back
        versions = [v for _, v, _ in r]
        if new_version in versions:
            first_new = versions.index(new_version)
            assert all(v == new_version for v in versions[first_new:])
    # Old answers come from the old corpus; new answers find the added document.
    assert all(doc != "qd-905-2024" for _, v, doc in answers if v == old_version)
    assert any(doc == "qd-905-2024" for _, v, doc in answers if v == new_version)
