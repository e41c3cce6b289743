"""`soi serve` under hostile clients (issue 15, item 10), against a real server process on 127.0.0.1.

Each failed before: POST answered an HTML 501, any Host accepted, k=-1/100000 silently clamped, invalid UTF-8
in q accepted, half-open and trickling connections held for ever with one thread each."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import small_settings, wait_for_port

from indexer.index.build import build_index

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 1.0  # --request-timeout given to the server


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder):
    tmp = tmp_path_factory.mktemp("serve")
    s = small_settings(tmp)
    build_index(s, embedder=embedder)
    cfg = tmp / "soi.toml"
    cfg.write_text(f'index_dir = "{s.index_dir}"\nlibrary_dir = "{s.library_dir}"\ninclude_bundled = false\n'
                   f'corpus_dirs = ["{s.corpus_dirs[0]}"]\n', encoding="utf-8")
    env = {**os.environ, "SOI_CONFIG": str(cfg), "PYTHONPATH": str(ROOT)}
    for name in ("SOI_LIBRARY_DIR", "SOI_INDEX_DIR"):
        env.pop(name, None)
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", "0", "--request-timeout",
                             str(TIMEOUT)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        yield proc, wait_for_port(proc)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _request(port: int, method: str, path: str, host: str | None = None) -> tuple[int, dict, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest(method, path, skip_host=host is not None)
    if host is not None:
        conn.putheader("Host", host)
    conn.endheaders()
    r = conn.getresponse()
    body = r.read()
    conn.close()
    assert r.getheader("Content-Type", "").startswith("application/json"), body[:200]
    return r.status, (json.loads(body) if body else {}), dict(r.getheaders())


def test_other_methods_get_json_405(server):
    _, port = server
    for method in ("POST", "PUT", "DELETE", "PATCH", "BREW"):
        status, body, headers = _request(port, method, "/search?q=x")
        assert status == 405 and "GET" in headers["Allow"] and "GET" in body["error_vi"]


def test_only_local_host_names(server):
    _, port = server
    assert _request(port, "GET", "/health", host="evil.example:80")[0] == 403
    assert _request(port, "GET", "/health", host="attacker.localhost.evil")[0] == 403
    for ok in (f"localhost:{port}", f"127.0.0.1:{port}", "[::1]"):
        assert _request(port, "GET", "/health", host=ok)[0] == 200


@pytest.mark.parametrize("query", ["q=x&k=-1", "q=x&k=100000", "q=x&k=abc", "q=%FF%FE", "q=" + "a" * 1001])
def test_bad_parameters_are_refused_saying_why(server, query):
    _, port = server
    status, body, _ = _request(port, "GET", "/search?" + query)
    assert status == 400 and body["error"] and body["error_vi"]


def test_good_query_still_answers(server):
    _, port = server
    status, body, _ = _request(port, "GET", "/search?q=k%E1%BB%B7+lu%E1%BA%ADt&k=50&mode=lexical")
    assert status == 200 and body["hits"]
    assert body["understood"]["absent_words"] == []  # words no text of the corpus contains (none here)
    assert body["understood"]["missing_discipline"] == []  # no kind of violation named
    # each hit says which provisions detail it and which it details (ids; empty lists in this small corpus)
    assert all(set(h["parallels"]) == {"details", "parents"} for h in body["hits"])


def test_serves_with_the_int8_query_encoder_by_default(server):
    """`query_precision = "auto"`: `soi serve` embeds questions with the verified int8 copy the build made (a third
    less CPU a question under load), and says so; a /search still answers from it."""
    _, port = server
    status, body, _ = _request(port, "GET", "/health")
    assert status == 200 and body["query_precision"] == "int8"
    status, body, _ = _request(port, "GET", "/search?q=k%E1%BB%B7+lu%E1%BA%ADt&k=3&mode=dense")
    assert status == 200 and len(body["hits"]) == 3


def _threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no thread count")


def test_half_open_and_slow_clients_time_out_with_bounded_threads(server):
    proc, port = server
    before = _threads(proc.pid)
    socks = []
    for i in range(60):  # silent, half a request line, headers never finished
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall([b"", b"GET /sea", b"GET /health HTTP/1.1\r\nHost: localhost\r\n"][i % 3])
        socks.append(s)
    trickle = socket.create_connection(("127.0.0.1", port), timeout=10)
    time.sleep(0.3)
    assert _threads(proc.pid) - before <= 20  # a fixed pool, not one thread per connection (was +60)
    t0 = time.monotonic()
    closed = False
    for ch in b"GET /health HTTP/1.0\r\nHost: localhost\r\n":  # one byte every 0.2 s: cut at the deadline
        try:
            trickle.sendall(bytes([ch]))
        except OSError:
            closed = True
            break
        time.sleep(0.2)
        if time.monotonic() - t0 > 4 * TIMEOUT:
            break
    try:
        trickle.settimeout(5)
        data = trickle.recv(100)
    except OSError:
        data = b""
    assert closed or not data.startswith(b"HTTP/1.0 200"), "a trickling client was waited for past the deadline"
    # every silent or half-sent connection is closed by the server (recv returns b"" or the peer reset it)
    deadline = time.monotonic() + 60 * TIMEOUT / 16 + 10
    for s in socks:
        s.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            s.recv(100)  # a socket.timeout here means the server kept the connection open
        except ConnectionResetError:
            pass
        s.close()
    trickle.close()
    assert _request(port, "GET", "/health")[0] == 200  # and the server still answers
