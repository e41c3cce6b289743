"""`soi serve` under load: N clients, each with its own unique queries, against a real server process on 2 cores.

    python -m benchmarks.serve_load [--clients 8] [--queries 50] [--port 0] [--cores 2] [--data-dir DIR] [--json]

Starts `soi serve` as a child process (pinned to `--cores` CPUs with sched_setaffinity where the OS has it, so the
figure is "on 2 cores"; the clients run in this process, on the same machine), waits for /health, sends a few
warm-up queries that are not counted, then runs the clients at once: each sends its own `--queries` questions one
after another, a new connection each (the server closes every connection). No query is sent twice (the server
restores diacritics before embedding, so a copy without them can still find its original's embedding in the cache:
the figures count those answers). Queries: the dev questions (eval/dev.jsonl), the same without diacritics, then
article headings and clause openings of the bundled corpus (corpus/*.md) and their copies without diacritics.

Latency is measured by the client, from connecting to the last byte of the answer; an error is anything but a
200 with a JSON body (an exception, a timeout, a 503). The server's own `timings_ms.total` is reported beside it
(the difference is queueing, HTTP and the GIL). Then a slow-client check: a socket sends half a request line and
nothing more; the server must close it within `--request-timeout` seconds (2 s of slack), and a normal request
sent meanwhile must be answered: if not, the exit status is 1. Finally the server is stopped with SIGINT (as
Ctrl-C) and its exit code reported.

Benchmarks print numbers; no latency is asserted. Only light helpers of the project are imported here (the
dev-set loader, the diacritics stripper, the front-matter splitter); the index lives in the server process.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import numpy as np

from eval.dataset import load_questions
from indexer.corpus.frontmatter import split_front_matter
from indexer.text.normalize import strip_diacritics

ROOT = Path(__file__).resolve().parents[1]
DEV_SET = ROOT / "eval" / "dev.jsonl"
CORPUS = ROOT / "corpus"
WARMUP = 5
SEED = 15  # issue 15


# ---- queries ---------------------------------------------------------------------------------------------------


def _dev_questions() -> list[str]:
    return [" ".join(q.question.split()) for q in load_questions(DEV_SET)]


_HEADING = re.compile(r"^Điều\s+\d+[a-z]?\.\s*(.+)$")
_CLAUSE = re.compile(r"^(?:\d+(?:\.\d+)*\.|[a-zđ]\)|[-–•])\s+(.+)$")


def _corpus_phrases(words: int = 10) -> list[str]:
    """Article headings and the first `words` words of clauses, in file order (front matter and comments out)."""
    out = []
    for path in sorted(CORPUS.glob("*.md")):
        if path.name == "README.md":
            continue
        text = path.read_text(encoding="utf-8")
        text = text[split_front_matter(text, path)[1]:]
        text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
        for raw in text.splitlines():
            line = " ".join(raw.split())
            m = _HEADING.match(line) or _CLAUSE.match(line)
            if not m:
                continue
            body = m.group(1).strip(" .;:…()")
            tokens = body.split()
            if len(tokens) >= 4 and not body.startswith("(…"):
                out.append(" ".join(tokens[:words]).rstrip(",;:"))
    return out


def unique_queries(n: int) -> list[str]:
    """`n` distinct queries (compared case- and space-insensitively): dev questions first, then the same without
    diacritics, then corpus headings/clause openings (shuffled, seeded) and their copies without diacritics."""
    dev = _dev_questions()
    extra = _corpus_phrases()
    random.Random(SEED).shuffle(extra)
    pool = dev + [strip_diacritics(q) for q in dev] + extra + [strip_diacritics(q) for q in extra]
    seen: set[str] = set()
    out = []
    for q in pool:
        key = " ".join(q.lower().split())
        if key in seen:
            continue
        seen.add(key)
        out.append(q)
        if len(out) == n:
            return out
    raise SystemExit(f"only {len(out)} unique queries available, {n} needed")


# ---- the server ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pick_cores(n: int) -> list[int] | None:
    """The first `n` CPUs this process may use; None where the OS cannot pin processes."""
    if not hasattr(os, "sched_setaffinity") or n <= 0:
        return None
    return sorted(os.sched_getaffinity(0))[:n]


def start_server(port: int, cores: list[int] | None, data_dir: str | None, request_timeout: float,
                 log_path: Path, extra: list[str] | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    if data_dir:
        env["SOI_DATA_DIR"] = str(data_dir)
    soi = shutil.which("soi", path=str(Path(sys.executable).parent))
    cmd = [soi] if soi else [sys.executable, "-m", "app.cli"]
    cmd += ["serve", "--port", str(port), "--request-timeout", str(request_timeout), *(extra or [])]

    def child_setup() -> None:
        # A shell's background job ignores SIGINT, and the server would inherit that: restore it so that SIGINT
        # stops the server as Ctrl-C does (closing its socket). Then pin it to `cores`.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if cores:
            os.sched_setaffinity(0, cores)

    with log_path.open("w", encoding="utf-8") as log:  # the child keeps its own descriptor
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, preexec_fn=child_setup)


def get(port: int, path: str, timeout: float = 60.0) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        return r.status, json.loads(body) if body else {}
    finally:
        conn.close()


def wait_for_health(proc: subprocess.Popen, port: int, log_path: Path, limit: float = 300.0) -> tuple[float, dict]:
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if proc.poll() is not None:
            raise SystemExit(f"soi serve exited with {proc.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            status, body = get(port, "/health", timeout=5)
            if status == 200:
                return time.monotonic() - t0, body
        except (OSError, ValueError):  # not listening yet
            pass
        time.sleep(0.2)
    raise SystemExit(f"soi serve did not answer /health within {limit:.0f} s")


def stop_server(proc: subprocess.Popen) -> tuple[int | None, float]:
    """SIGINT (the server closes its socket and exits), then SIGTERM/SIGKILL if it does not; (code, seconds)."""
    t0 = time.monotonic()
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return proc.returncode, time.monotonic() - t0


# ---- the load --------------------------------------------------------------------------------------------------


def search_path(query: str, k: int = 5) -> str:
    return "/search?" + urllib.parse.urlencode({"q": query, "k": k})


def run_clients(port: int, per_client: list[list[str]], timeout: float) -> dict:
    n = len(per_client)
    results: list[list[tuple[float, bool, dict, str | None]]] = [[] for _ in range(n)]
    barrier = threading.Barrier(n + 1)

    def client(i: int) -> None:
        barrier.wait()
        for q in per_client[i]:
            t = time.perf_counter()
            ok, timings, why = False, {}, None
            try:
                status, body = get(port, search_path(q), timeout=timeout)
                ok = status == 200 and "hits" in body
                timings = body.get("timings_ms") or {}
                why = None if ok else f"HTTP {status}: {body.get('error', '')}"
            except Exception as e:  # noqa: BLE001 — every failure is counted, none stops the client
                why = f"{type(e).__name__}: {e}"
            results[i].append((time.perf_counter() - t, ok, timings, why))

    threads = [threading.Thread(target=client, args=(i,), name=f"client-{i}") for i in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    flat = [r for rs in results for r in rs]
    lat = [r[0] * 1000 for r in flat]
    server = [r[2]["total"] for r in flat if "total" in r[2]]
    # A question typed without diacritics is restored before it is embedded; when the restored text is one already
    # asked, the server's query-embedding cache answers (embed 0 ms). Counted, not hidden.
    cached = sum(1 for r in flat if r[2].get("embed") == 0)
    errors = [r[3] for r in flat if not r[1]]
    return {"clients": n, "requests": len(flat), "errors": len(errors), "error_examples": sorted(set(errors))[:5],
            "embedding_cached": cached,
            "wall_s": round(wall, 2), "req_per_s": round(len(flat) / wall, 1),
            "p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "p99_ms": pct(lat, 99), "max_ms": round(max(lat), 1),
            "server_p50_ms": pct(server, 50), "server_p95_ms": pct(server, 95)}


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far, from /proc (None where there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def pct(values: list[float], p: float) -> float | None:
    return round(float(np.percentile(values, p)), 1) if values else None


def _loadavg() -> float | None:
    """The machine's 1-minute load average before the load (other work on the same cores shows here)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


# ---- a slow client ---------------------------------------------------------------------------------------------


def slow_client_check(port: int, request_timeout: float, probe: str) -> dict:
    """Half a request line and nothing more: how long until the server closes the connection, and whether a normal
    request sent meanwhile is answered."""
    s = socket.create_connection(("127.0.0.1", port), timeout=request_timeout + 30)
    t0 = time.monotonic()
    s.sendall(b"GET /search?q=ki%E1%BB%83m+tra")  # no end of line, no headers
    time.sleep(0.2)
    t = time.perf_counter()
    try:
        status, body = get(port, search_path(probe), timeout=30)
        normal_ok = status == 200 and "hits" in body
    except Exception:  # noqa: BLE001
        normal_ok = False
    normal_ms = round((time.perf_counter() - t) * 1000, 1)
    closed, reply = False, b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                closed = True
                break
            reply += chunk
    except ConnectionResetError:
        closed = True
    except TimeoutError:
        closed = False
    finally:
        s.close()
    return {"request_timeout_s": request_timeout, "closed": closed, "closed_after_s": round(time.monotonic() - t0, 2),
            "closed_in_time": closed and time.monotonic() - t0 <= request_timeout + 2.0,
            "bytes_sent_back": len(reply), "normal_request_ok": normal_ok, "normal_request_ms": normal_ms}


# ---- main ------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.serve_load", description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--queries", type=int, default=50, help="unique queries per client (none repeats)")
    ap.add_argument("--port", type=int, default=0, help="port for the server (0: a free one)")
    ap.add_argument("--cores", type=int, default=2, help="CPUs the server is pinned to (0: not pinned)")
    ap.add_argument("--data-dir", help="SOI_DATA_DIR for the server (default: the usual configuration)")
    ap.add_argument("--request-timeout", type=float, default=10.0, help="the server's --request-timeout")
    ap.add_argument("--client-timeout", type=float, default=60.0, help="seconds a client waits for an answer")
    ap.add_argument("--serve-arg", action="append", default=[], metavar="ARG",
                    help="one more argument for `soi serve` (repeatable), e.g. --serve-arg=--threads=1")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)

    queries = unique_queries(args.clients * args.queries + WARMUP + 1)
    warmup, probe, measured = queries[:WARMUP], queries[WARMUP], queries[WARMUP + 1:]
    per_client = [measured[i * args.queries:(i + 1) * args.queries] for i in range(args.clients)]
    cores = pick_cores(args.cores)
    port = args.port or free_port()
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"soi-serve-load-{port}.log"
    say = (lambda *a: None) if args.json else (lambda *a: print(*a, file=sys.stderr, flush=True))

    say(f"starting soi serve on port {port}" + (f", pinned to CPUs {cores}" if cores else ", not pinned"))
    proc = start_server(port, cores, args.data_dir, args.request_timeout, log_path, args.serve_arg)
    try:
        ready_s, health = wait_for_health(proc, port, log_path)
        say(f"/health after {ready_s:.1f} s: index {health.get('version')}, {health.get('clauses')} clauses")
        for q in warmup:
            get(port, search_path(q))
        say(f"{args.clients} clients × {args.queries} unique queries …")
        cpu0, load_before = cpu_seconds(proc.pid), _loadavg()
        load = run_clients(port, per_client, args.client_timeout)
        cpu1 = cpu_seconds(proc.pid)
        if cpu0 is not None and cpu1 is not None:
            load["server_cpu_s"] = round(cpu1 - cpu0, 2)
            load["server_cpu_ms_per_request"] = round((cpu1 - cpu0) * 1000 / max(load["requests"], 1), 1)
        load["loadavg_1min_before"] = load_before
        say(f"slow-client check (request timeout {args.request_timeout:g} s) …")
        slow = slow_client_check(port, args.request_timeout, probe)
    finally:
        code, stop_s = stop_server(proc)
    out = {"machine": {"cpus_total": os.cpu_count(), "server_cpus": cores, "python": sys.version.split()[0]},
           "serve_args": args.serve_arg,
           "server_ready_s": round(ready_s, 1), "index_version": health.get("version"), "warmup_queries": WARMUP,
           "load": load, "slow_client": slow, "server_exit_code": code, "server_stop_s": round(stop_s, 2),
           "server_log": str(log_path)}
    slow_ok = slow["closed_in_time"] and slow["normal_request_ok"]
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0 if slow_ok else 1
    cols = ("clients", "requests", "errors", "req_per_s", "p50_ms", "p95_ms", "p99_ms", "max_ms", "server_p50_ms",
            "server_p95_ms")
    heads = ("clients", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "server p50",
             "server p95")
    widths = [max(len(h), len(str(load[c]))) for h, c in zip(heads, cols, strict=True)]
    print("  ".join(h.rjust(w) for h, w in zip(heads, widths, strict=True)))
    print("  ".join(str(load[c]).rjust(w) for c, w in zip(cols, widths, strict=True)))
    if load["error_examples"]:
        print("errors:", "; ".join(load["error_examples"]))
    print(f"server on CPUs {cores if cores else 'all'} of {os.cpu_count()}; {WARMUP} warm-up queries not counted; "
          f"wall {load['wall_s']} s; server CPU {load.get('server_cpu_s')} s "
          f"({load.get('server_cpu_ms_per_request')} ms a request); load average before {load['loadavg_1min_before']}; "
          f"{load['embedding_cached']} answers from the embedding cache")
    print(f"slow client (half a request line): closed={slow['closed']} after {slow['closed_after_s']} s "
          f"(request timeout {slow['request_timeout_s']:g} s); a normal request meanwhile: "
          f"{'200' if slow['normal_request_ok'] else 'FAILED'} in {slow['normal_request_ms']} ms")
    print(f"server stopped with exit code {code} in {stop_s:.1f} s (log: {log_path})")
    if not slow_ok:
        print("FAILED: the slow client was not cut off in time, or the normal request meanwhile failed")
    return 0 if slow_ok else 1


if __name__ == "__main__":
    sys.exit(main())
