"""`soi serve`: a small JSON API on localhost, for agency tools that want answers without the UI.

It answers from a `LiveSearcher`, so an index rebuilt by `soi add`/`soi build` (or the admin page) is picked up
without a restart and searches never wait for, or see half of, a rebuild.

Bounded work, whatever clients do: a fixed pool of worker threads takes connections from a bounded queue (beyond it
a JSON 503 at once), and at most SEARCHES of them search at once (two a CPU); each request must arrive whole within
`request_timeout` seconds (a half-open or trickling client is cut off, not waited for); only GET is answered (JSON
405 otherwise, every error is JSON); the `Host` header must name this machine (localhost, 127.0.0.1, ::1) or a host
given with `--allow-host`, against DNS rebinding from a web page; `k` outside 1…50, a query longer than
MAX_QUERY_CHARS or not UTF-8 is a 400 that says so.
"""

from __future__ import annotations

import io
import json
import logging
import os
import queue
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

from indexer.rules.discipline import missing_for_question, missing_to_dict
from indexer.search.live import LiveSearcher

log = logging.getLogger("soi.serve")
MAX_K = 50
MAX_QUERY_CHARS = 1000
WORKERS = 16  # threads taking connections: reading a request, answering; a slow client holds only one of them


def _cpus() -> int:
    """CPUs this process may run on (its affinity, e.g. under taskset), else all of the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# Searches running at once. They are CPU-bound (ONNX Runtime for the query embedding, then Python under the GIL):
# 16 at once on 2 cores only share the cores, each answer stretched by all the others; two a core keep the cores
# busy (one search in ONNX Runtime while another holds the GIL) and the rest wait their turn.
SEARCHES = 2 * _cpus()
PENDING = 256  # accepted connections waiting for a worker; beyond that a 503 at once
BACKLOG = 128  # connections the kernel queues before accept
REQUEST_TIMEOUT = 10.0  # seconds for a whole request to arrive
SEND_TIMEOUT = 10.0  # seconds a client may take to read each part of the answer
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class _DeadlineReader(io.RawIOBase):
    """The connection's input, refusing to wait past `deadline` in total (a per-read timeout alone lets a client
    that sends one byte every few seconds hold a worker for ever)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.deadline: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001 — a writable buffer
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("request not received in time")
            self.sock.settimeout(left)
        return self.sock.recv_into(buffer)


def _host_name(header: str) -> str:
    """The host of a `Host` header without its port, lower-cased ("[::1]:8765" → "::1")."""
    h = header.strip().lower()
    if h.startswith("["):
        return h[1:].split("]", 1)[0]
    return h.rsplit(":", 1)[0] if h.count(":") == 1 else h


def make_handler(live: LiveSearcher, allowed_hosts: frozenset[str] = LOCAL_HOSTS,
                 request_timeout: float = REQUEST_TIMEOUT, searches: int = SEARCHES) -> type[BaseHTTPRequestHandler]:
    searching = threading.BoundedSemaphore(searches)
    class Handler(BaseHTTPRequestHandler):
        server_version = "soi"
        timeout = SEND_TIMEOUT

        def setup(self) -> None:
            super().setup()
            self._reader = _DeadlineReader(self.connection)
            self.rfile = io.BufferedReader(self._reader)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 — the base class's name
            log.debug("%s " + format, self.address_string(), *args)

        def _send(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _error(self, status: int, vi: str, en: str, headers: dict[str, str] | None = None) -> None:
            self._send(status, {"error": en, "error_vi": vi}, headers)

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            """Errors found while parsing the request (bad request line, headers too long …): JSON too."""
            self.close_connection = True
            phrase = message or HTTPStatus(code).phrase
            self._error(code, f"yêu cầu không hợp lệ: {phrase}", phrase)

        def handle_one_request(self) -> None:
            """The standard loop step with a deadline on receiving the request and GET only."""
            self._reader.deadline = time.monotonic() + request_timeout
            try:
                self.raw_requestline = self.rfile.readline(65537)
                if len(self.raw_requestline) > 65536:
                    self.requestline, self.request_version, self.command = "", "", ""
                    self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
                    return
                if not self.raw_requestline:
                    self.close_connection = True
                    return
                if not self.parse_request():
                    return
                self._reader.deadline = None
                self.connection.settimeout(SEND_TIMEOUT)
                if self.command not in ("GET", "HEAD"):
                    self.close_connection = True  # a body we do not read must not be taken for the next request
                    self._error(HTTPStatus.METHOD_NOT_ALLOWED, f"chỉ nhận GET, không nhận {self.command}",
                                f"only GET is answered, not {self.command}", {"Allow": "GET, HEAD"})
                else:
                    self.do_GET()
                self.wfile.flush()
            except TimeoutError:
                log.debug("request from %s timed out", self.address_string())
                self.close_connection = True

        def do_GET(self) -> None:  # noqa: N802 — the http.server protocol
            host = self.headers.get("Host")
            if host is not None and _host_name(host) not in allowed_hosts:
                names = ", ".join(sorted(allowed_hosts))
                self._error(HTTPStatus.FORBIDDEN, f"tên máy «{host}» không được phép (chỉ {names}; thêm bằng "
                            "soi serve --allow-host)",
                            f"host {host!r} not allowed (use --allow-host to serve it)")
                return
            url = urlparse(self.path)
            try:
                params = {k: v[-1] for k, v in parse_qs(url.query, errors="strict").items()}
            except UnicodeDecodeError:
                self._error(HTTPStatus.BAD_REQUEST, "chuỗi truy vấn không phải UTF-8 hợp lệ",
                            "the query string is not valid UTF-8")
                return
            try:
                if url.path == "/health":
                    s = live.searcher
                    self._send(HTTPStatus.OK, {"status": "ok", "version": s.version_dir.name,
                                               "documents": len(s.documents), "clauses": len(s.clauses),
                                               "reload_error": live.last_error, "index_note": live.index_note(),
                                               "query_precision": getattr(s.embedder, "precision", "fp32")})
                elif url.path == "/search":
                    self._search(params)
                else:
                    self._error(HTTPStatus.NOT_FOUND, f"không có đường dẫn {url.path}; dùng /search?q=… hoặc /health",
                                f"unknown path {url.path}; use /search?q=… or /health")
            except Exception as e:  # noqa: BLE001 — a JSON error, never a dropped connection
                log.exception("request failed: %s", self.path)
                self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"lỗi máy chủ: {e}", str(e))

        def _search(self, params: dict[str, str]) -> None:
            query = params.get("q", "").strip()
            if not query:
                self._error(HTTPStatus.BAD_REQUEST, "thiếu câu hỏi: /search?q=…", "missing query: /search?q=…")
                return
            if len(query) > MAX_QUERY_CHARS:
                self._error(HTTPStatus.BAD_REQUEST, f"câu hỏi dài quá {MAX_QUERY_CHARS} ký tự",
                            f"query longer than {MAX_QUERY_CHARS} characters")
                return
            raw_k = params.get("k", "5").strip()
            if not raw_k.isdigit() or not 1 <= int(raw_k) <= MAX_K:
                self._error(HTTPStatus.BAD_REQUEST, f"k phải là số nguyên từ 1 đến {MAX_K}; nhận được «{raw_k}»",
                            f"k must be a whole number from 1 to {MAX_K}; got {raw_k!r}")
                return
            k = int(raw_k)
            mode = params.get("mode", "fused")
            if mode not in ("fused", "lexical", "dense"):
                self._error(HTTPStatus.BAD_REQUEST, "mode phải là fused, lexical hoặc dense",
                            "mode must be fused, lexical or dense")
                return
            doc_ids = None
            if params.get("doc"):
                docs = live.searcher.match_documents(params["doc"])
                if not docs:
                    self._error(HTTPStatus.NOT_FOUND, f"không có văn bản khớp với «{params['doc']}»",
                                f"no document matches {params['doc']!r}")
                    return
                doc_ids = [d.id for d in docs]
            with searching:  # at most `searches` at once; the others wait here
                answer = live.search(query, k=k, mode=mode, doc_ids=doc_ids,
                                     in_force_only=params.get("in_force") in ("1", "true"),
                                     exact=params.get("exact") in ("1", "true"))
                # the discipline articles the corpus lacks for the kind of violation a question asks about
                missing = missing_for_question(query, live.searcher)
            understood = {**answer.understood, "missing_discipline": [missing_to_dict(x) for x in missing]}
            self._send(HTTPStatus.OK, {"query": query, "version": answer.version, "understood": understood,
                                       "answerability": answer.answerability, "index_note": answer.index_note,
                                       "timings_ms": answer.timings_ms,
                                       "hits": [h.to_dict() for h in answer.hits]})

    return Handler


_BUSY = json.dumps({"error": "server busy, try again", "error_vi": "máy chủ đang bận, hãy thử lại"},
                   ensure_ascii=False).encode("utf-8")


class BoundedHTTPServer(HTTPServer):
    """`workers` threads serve connections from a queue of at most `pending`; a connection beyond is answered
    503 at once (instead of one new thread per connection, which 500 half-open sockets turned into 500 threads)."""

    request_queue_size = BACKLOG
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], workers: int = WORKERS,
                 pending: int = PENDING) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)
        self._queue: queue.Queue = queue.Queue(maxsize=pending)
        for i in range(workers):
            threading.Thread(target=self._work, name=f"soi-serve-{i}", daemon=True).start()

    def process_request(self, request: socket.socket, client_address: object) -> None:
        try:
            self._queue.put_nowait((request, client_address))
        except queue.Full:
            try:
                request.settimeout(1.0)
                request.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8"
                                b"\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: "
                                + str(len(_BUSY)).encode() + b"\r\n\r\n" + _BUSY)
            except OSError:
                pass
            self.shutdown_request(request)

    def _work(self) -> None:
        while True:
            request, client_address = self._queue.get()
            try:
                self.finish_request(request, client_address)
            except Exception:  # noqa: BLE001 — a client that resets its connection is not the server's failure
                log.debug("connection from %s ended with an error", client_address, exc_info=True)
            finally:
                self.shutdown_request(request)

    def handle_error(self, request: object, client_address: object) -> None:
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


def serve(live: LiveSearcher, host: str = "127.0.0.1", port: int = 8765, allow_hosts: list[str] | None = None,
          request_timeout: float = REQUEST_TIMEOUT) -> None:
    """Serve until interrupted; prints the address once it is listening (tests wait for that line)."""
    allowed = LOCAL_HOSTS | {_host_name(h) for h in (allow_hosts or [])}
    httpd = BoundedHTTPServer((host, port), make_handler(live, frozenset(allowed), request_timeout))
    print(f"soi serve: http://{host}:{httpd.server_address[1]}/search?q=… (index {live.version})", flush=True)
    try:
        httpd.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
        sys.stdout.flush()
