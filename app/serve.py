"""`soi serve`: a small JSON API on localhost, for agency tools that want answers without the UI.

It answers from a `LiveSearcher`, so an index rebuilt by `soi add`/`soi build` (or the admin page) is picked up
without a restart and searches never wait for, or see half of, a rebuild.
"""

from __future__ import annotations

import json
import logging
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from indexer.live import LiveSearcher

log = logging.getLogger("soi.serve")
MAX_K = 50


def make_handler(live: LiveSearcher) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "soi"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 — the base class's name
            log.debug("%s " + format, self.address_string(), *args)

        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 — the http.server protocol
            url = urlparse(self.path)
            params = {k: v[-1] for k, v in parse_qs(url.query).items()}
            try:
                if url.path == "/health":
                    s = live.searcher
                    self._send(HTTPStatus.OK, {"status": "ok", "version": s.version_dir.name,
                                               "documents": len(s.documents), "clauses": len(s.clauses),
                                               "reload_error": live.last_error, "index_note": live.index_note()})
                elif url.path == "/search":
                    self._search(params)
                else:
                    self._send(HTTPStatus.NOT_FOUND, {"error": f"unknown path {url.path}; use /search?q=… or /health"})
            except Exception as e:  # noqa: BLE001 — a JSON error, never a dropped connection
                log.exception("request failed: %s", self.path)
                self._send(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": str(e)})

        def _search(self, params: dict[str, str]) -> None:
            query = params.get("q", "").strip()
            if not query:
                self._send(HTTPStatus.BAD_REQUEST, {"error": "missing query: /search?q=…"})
                return
            try:
                k = max(1, min(MAX_K, int(params.get("k", "5"))))
            except ValueError:
                self._send(HTTPStatus.BAD_REQUEST, {"error": "k must be a whole number"})
                return
            mode = params.get("mode", "fused")
            if mode not in ("fused", "lexical", "dense"):
                self._send(HTTPStatus.BAD_REQUEST, {"error": "mode must be fused, lexical or dense"})
                return
            doc_ids = None
            if params.get("doc"):
                docs = live.searcher.match_documents(params["doc"])
                if not docs:
                    self._send(HTTPStatus.NOT_FOUND, {"error": f"no document matches {params['doc']!r}"})
                    return
                doc_ids = [d.id for d in docs]
            answer = live.search(query, k=k, mode=mode, doc_ids=doc_ids,
                                 in_force_only=params.get("in_force") in ("1", "true"),
                                 exact=params.get("exact") in ("1", "true"))
            self._send(HTTPStatus.OK, {"query": query, "version": answer.version, "understood": answer.understood,
                                       "answerability": answer.answerability, "index_note": answer.index_note,
                                       "timings_ms": answer.timings_ms, "hits": [h.to_dict() for h in answer.hits]})

    return Handler


def serve(live: LiveSearcher, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve until interrupted; prints the address once it is listening (tests wait for that line)."""
    httpd = ThreadingHTTPServer((host, port), make_handler(live))
    httpd.daemon_threads = True
    print(f"soi serve: http://{host}:{httpd.server_address[1]}/search?q=… (index {live.version})", flush=True)
    try:
        httpd.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
        sys.stdout.flush()
