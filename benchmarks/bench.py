"""soi bench: what an index costs to build and what a query costs, at the real corpus size and at 10k/100k clauses.

Each phase runs in a fresh child process so its peak RSS is its own. The synthetic corpora recombine real
clause sentences (seeded) into documents with Điều/khoản structure and go through the real parser, segmenter,
lexical index, faiss and Searcher. Only their passage vectors are synthetic (normalised mixes of real clause
embeddings): embedding 100k texts on 2 cores would take hours, and search cost does not depend on what the
vectors mean. Queries are the dev questions and the same questions without diacritics, embedded by the real model.
"Serving RSS" is what a process that only answers (UI, `soi serve`) holds after 100 of them: a fresh process that
opens the index as they do (ONNX query encoder, no PyTorch).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEV_SET = ROOT / "eval" / "dev.jsonl"
RECORD = ROOT / "eval" / "bench.yaml"
TARGETS = {"p50_ms": 30.0, "p95_ms": 80.0, "p95_100k_ms": 150.0, "serving_rss_mib": 1000.0}
STAGES = ("embed", "lexical", "dense", "fusion", "answer")  # "answer": answerability and the words no text contains
COMPONENTS = (*STAGES, "total")
UNITS_PER_DOC = 50  # 10 articles x 5 clauses, about the size of a real regulation
ARTICLES_PER_DOC = 10


# ---- helpers run in the children -------------------------------------------------------------------------------


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _rss_mb() -> float:
    """Resident memory now (Linux /proc; the peak where it is unavailable)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return _peak_rss_mb()


def _limit_threads(threads: int) -> None:
    import faiss
    import torch

    torch.set_num_threads(threads)
    faiss.omp_set_num_threads(threads)


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _queries() -> list[str]:
    from eval.dataset import load_questions
    from indexer.text.normalize import strip_diacritics

    items = load_questions(DEV_SET)
    plain = [strip_diacritics(q.question) for q in items]
    return [q.question for q in items] + plain


def _percentiles(samples: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    return {
        k: {f"p{p}": round(float(np.percentile(v, p)), 2) for p in (50, 95, 99)}
        for k, v in samples.items()
        if v
    }


def _time_queries(searcher, queries: list[str], rounds: int) -> dict[str, dict[str, float]]:
    """Every query `rounds` times, query-embedding cache cleared each time, timings split by component."""
    samples: dict[str, list[float]] = {k: [] for k in COMPONENTS}
    for _ in range(rounds):
        for q in queries:
            searcher.clear_caches()
            timings = searcher.ask(q, k=10).timings  # what a user waits for: hits, answerability, absent words
            for k in COMPONENTS:
                samples[k].append(timings.get(k, 0.0))
    return _percentiles(samples)


def _settings(index_dir: Path, corpus_dir: Path):
    from indexer.config import load_settings

    return replace(load_settings(), index_dir=index_dir, corpus_dirs=[corpus_dir], include_bundled=False)


# ---- phases ----------------------------------------------------------------------------------------------------


def phase_real(work: str, threads: int, rounds: int) -> dict:
    """Full build of the bundled corpus, incremental rebuild after one document changes, query latency."""
    _limit_threads(threads)
    from indexer.corpus.load import bundled_corpus_dir
    from indexer.embed.embedder import Embedder
    from indexer.index.build import build_index
    from indexer.search.searcher import Searcher

    work_dir = Path(work)
    corpus_dir = work_dir / "corpus"
    shutil.copytree(bundled_corpus_dir(), corpus_dir)
    s = _settings(work_dir / "index", corpus_dir)
    t = time.perf_counter()
    embedder = Embedder(s.model, s.query_prefix, s.passage_prefix)
    model_load = time.perf_counter() - t

    full = build_index(s, embedder=embedder)
    rss_build = _peak_rss_mb()
    version = Path(s.index_dir) / "current"
    size = _dir_size(version.resolve())

    # One document changes: a clause of QĐ 69 gets a word more (a user correcting a typo in their copy).
    doc = corpus_dir / "qd-69-2022.md"
    text = doc.read_text(encoding="utf-8")
    target = "3. Đối với đảng viên dự bị: Khiển trách, cảnh cáo."
    if target not in text:
        raise RuntimeError(f"{doc}: the clause the benchmark edits is gone; pick another")
    doc.write_text(text.replace(target, target[:-1] + " (bản sao thử).", 1), encoding="utf-8")
    incremental = build_index(s, embedder=embedder)

    searcher = Searcher.open(s, embedder=embedder)
    latency = _time_queries(searcher, _queries(), rounds)
    counts = full["counts"]
    return {
        "name": "corpus",
        "documents": counts["documents"],
        "clauses": counts["clauses"],
        "units": counts["units"],
        "model_load_s": round(model_load, 2),
        "build_full_s": full["build_seconds"],
        "build_incremental_s": incremental["build_seconds"],
        "incremental_embedded": incremental["counts"]["embedded_now"],
        "index_bytes": size,
        "dense_index": full["dense_index"],
        "peak_rss_build_mb": round(rss_build, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "latency_ms": latency,
        "query_engine": embedder.query_engine,
        "embeddings": str(version.resolve() / "embeddings.npy"),
    }


SERVING_QUERIES = 100


def phase_serving(work: str, threads: int) -> dict:
    """What a process that only answers holds (`soi app`/`serve`/`ask`): a fresh process opens the index the way
    they do (ONNX query encoder, no PyTorch, arrays memory-mapped) and answers 100 mixed dev questions (with and
    without diacritics, alternating); its resident memory after them is the serving RSS."""
    import faiss

    faiss.omp_set_num_threads(threads)
    from indexer.search.searcher import Searcher

    work_dir = Path(work)
    s = replace(_settings(work_dir / "index", work_dir / "corpus"), threads=threads)
    t = time.perf_counter()
    searcher = Searcher.open(s, check_corpus=False)
    open_s = time.perf_counter() - t
    items = _queries()
    half = len(items) // 2
    mixed = [q for pair in zip(items[:half], items[half:], strict=True) for q in pair][:SERVING_QUERIES]
    t = time.perf_counter()
    searcher.ask(mixed[0], k=10)
    first_ms = (time.perf_counter() - t) * 1000
    for q in mixed[1:]:
        searcher.ask(q, k=10)
    return {
        "serving_rss_mib": round(_rss_mb(), 1),
        "serving_peak_rss_mib": round(_peak_rss_mb(), 1),
        "serving_open_s": round(open_s, 2),
        "serving_first_query_ms": round(first_ms, 1),
        "serving_queries": len(mixed),
        "serving_query_engine": getattr(searcher.embedder, "query_engine", "?"),
        "serving_imports_torch": "torch" in sys.modules,
    }


@dataclass
class MixedPassages:
    """Stands in for the model on the passage side only: normalised mixes of real clause vectors, seeded by text.

    It reports the real model's identity, so the index it builds opens with the real model for queries.
    """

    real: object
    basis: np.ndarray
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("model_id", "checksum", "dim", "query_prefix", "passage_prefix"):
            setattr(self, name, getattr(self.real, name))

    def encode_passages(self, texts: list[str], batch_size: int = 32, progress=None) -> np.ndarray:
        import zlib

        out = np.empty((len(texts), self.basis.shape[1]), dtype=np.float32)
        for i, t in enumerate(texts):
            rng = np.random.default_rng(zlib.crc32(t.encode("utf-8")) ^ self.seed)
            picks = rng.choice(len(self.basis), size=3, replace=False)
            v = self.basis[picks].T @ rng.dirichlet(np.ones(3)) + rng.normal(0, 0.01, self.basis.shape[1])
            out[i] = v / np.linalg.norm(v)
        if progress:
            progress(len(texts))
        return out

    encode_queries = encode_passages  # the questions clauses answer (indexer.corpus.questions): same stand-in


def _sentence_pool() -> tuple[list[str], list[str]]:
    """Real sentences of normative clauses and real article titles, to recombine."""
    from indexer.config import load_settings
    from indexer.corpus.parse import parse_document
    from indexer.index.freshness import load_documents

    sentences: set[str] = set()
    titles: set[str] = set()
    for doc in load_documents(replace(load_settings(), corpus_dirs=[])).values():
        if not doc.normative:
            continue
        for c in parse_document(doc):
            if c.level == "article" and c.title:
                titles.add(" ".join(c.title.split()))
            for s in re.split(r"(?<=[.;:])\s+", " ".join(c.text.split())):
                # skip list markers so that the synthetic clause's own "1." starts the line
                s = re.sub(r"^(\d+(\.\d+)*\.|[a-zđ]\)|-|\+)\s*", "", s)
                if 20 <= len(s) <= 400 and not s.startswith(("Điều ", "Chương ")):
                    sentences.add(s)
    return sorted(sentences), sorted(titles)


def write_synthetic_corpus(directory: Path, units: int, seed: int = 13) -> int:
    """Documents of 10 articles x 5 clauses of recombined real sentences; returns the number of documents."""
    sentences, titles = _sentence_pool()
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    n_docs = max(1, units // UNITS_PER_DOC)
    per_article = UNITS_PER_DOC // ARTICLES_PER_DOC
    for d in range(n_docs):
        lines = [
            "---",
            f"code: {d + 1}-TH/BENCH",
            "type: quy-dinh",
            f"title: Văn bản tổng hợp số {d + 1} để đo hiệu năng",
            "issuer: soi bench",
            f"issued: {2000 + d % 25}-01-01",
            "status: in-force",
            "normative: true",
            "completeness: full",
            "sources:",
            "  - synthetic: recombined sentences of the bundled corpus (benchmarks/bench.py)",
            "---",
            "",
        ]
        for a in range(ARTICLES_PER_DOC):
            lines += [f"Điều {a + 1}. {rng.choice(titles)}", ""]
            for k in range(per_article):
                body = " ".join(rng.choice(sentences) for _ in range(rng.randint(1, 3)))
                lines += [f"{k + 1}. {body}", ""]
        (directory / f"bench-{d + 1:05d}.md").write_text("\n".join(lines), encoding="utf-8")
    return n_docs


def phase_synthetic(work: str, units: int, threads: int, rounds: int, embeddings: str, hnsw: bool) -> dict:
    """Build an index of `units` synthetic clauses and time queries on it (and, if asked, flat vs HNSW)."""
    _limit_threads(threads)
    from indexer.embed.embedder import Embedder
    from indexer.index.build import build_index
    from indexer.index.dense import DenseIndex
    from indexer.search.searcher import Searcher

    work_dir = Path(work)
    corpus_dir = work_dir / "corpus"
    t = time.perf_counter()
    n_docs = write_synthetic_corpus(corpus_dir, units)
    generate_s = time.perf_counter() - t
    s = _settings(work_dir / "index", corpus_dir)
    real = Embedder(s.model, s.query_prefix, s.passage_prefix)
    passages = MixedPassages(real, np.load(embeddings))
    manifest = build_index(s, embedder=passages, dense_kind="flat")
    rss_build = _peak_rss_mb()
    size = _dir_size((Path(s.index_dir) / "current").resolve())

    searcher = Searcher.open(s, embedder=real, check_corpus=False)
    queries = _queries()
    out = {
        "name": f"synthetic {units // 1000}k",
        "documents": n_docs,
        "clauses": manifest["counts"]["clauses"],
        "units": manifest["counts"]["units"],
        "generate_s": round(generate_s, 2),
        "build_full_s": manifest["build_seconds"],
        "index_bytes": size,
        "dense_index": manifest["dense_index"],
        "peak_rss_build_mb": round(rss_build, 1),
        "latency_ms": _time_queries(searcher, queries, rounds),
    }
    if hnsw:
        flat = searcher.dense
        t = time.perf_counter()
        graph = DenseIndex.build(np.asarray(searcher.embeddings), kind="hnsw")
        out["hnsw_build_s"] = round(time.perf_counter() - t, 2)
        vecs = [real.encode_query(q) for q in queries]
        depth = searcher.params.depth
        found = []
        for v in vecs:
            a, _ = flat.search(v, depth)
            b, _ = graph.search(v, depth)
            found.append(len(set(a[:10].tolist()) & set(b[:10].tolist())) / 10)
        out["hnsw_recall_at_10"] = round(float(np.mean(found)), 3)
        searcher.dense = graph
        out["name_hnsw"] = f"synthetic {units // 1000}k, HNSW"
        out["latency_ms_hnsw"] = _time_queries(searcher, queries, rounds)
    out["peak_rss_mb"] = round(_peak_rss_mb(), 1)
    return out


# ---- driver ----------------------------------------------------------------------------------------------------


def _child(fn, kwargs: dict, queue) -> None:
    try:
        queue.put(("ok", fn(**kwargs)))
    except BaseException as e:  # noqa: BLE001 - reported by the parent with the phase name
        import traceback

        queue.put(("error", f"{type(e).__name__}: {e}\n{traceback.format_exc()}"))


def run_phase(fn, **kwargs) -> dict:
    """Run one phase in a spawned process (its own peak RSS, no state shared with other phases)."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, kwargs, queue))
    proc.start()
    status, payload = queue.get()
    proc.join()
    if status != "ok":
        raise RuntimeError(f"benchmark phase {fn.__name__} failed: {payload}")
    return payload


def _rows(results: list[dict]) -> list[list[str]]:
    rows = []
    for r in results:
        variants = [(r["name"], r["latency_ms"])]
        if "latency_ms_hnsw" in r:
            variants.append((r["name_hnsw"], r["latency_ms_hnsw"]))
        for name, lat in variants:
            rows.append([
                name,
                f"{r['units']:,}",
                f"{r['build_full_s']:.0f}",
                f"{r['build_incremental_s']:.0f}" if "build_incremental_s" in r else "–",
                f"{r['index_bytes'] / 2**20:.1f}",
                f"{r['peak_rss_mb']:.0f}",
                f"{r['serving_rss_mib']:.0f}" if "serving_rss_mib" in r else "–",
                *(f"{lat[c]['p50']:.1f}" if c in lat else "–" for c in STAGES),
                f"{lat['total']['p50']:.1f}",
                f"{lat['total']['p95']:.1f}",
                f"{lat['total']['p99']:.1f}",
            ])
    return rows


HEADER = [
    "index", "units", "build s", "incr. s", "size MiB", "peak RSS MiB", "serving RSS MiB",
    "embed p50", "lexical p50", "dense p50", "fusion p50", "answer p50", "total p50", "total p95", "total p99",
]


def markdown_table(results: list[dict]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in _rows(results)]
    return "\n".join(lines)


def text_table(results: list[dict]) -> str:
    rows = [HEADER, *_rows(results)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    return "\n".join("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
                     for r in rows)


def verdict(results: list[dict]) -> list[str]:
    """The targets of the product, each with the measured figure beside it."""
    out = []
    for r in results:
        lat = r["latency_ms"]["total"]
        if r["name"] == "corpus":
            out.append(f"corpus: p50 {lat['p50']:.1f} ms (target ≤ {TARGETS['p50_ms']:.0f}), "
                       f"p95 {lat['p95']:.1f} ms (target ≤ {TARGETS['p95_ms']:.0f})")
            if "serving_rss_mib" in r:
                torch = "yes" if r["serving_imports_torch"] else "no"
                out.append(f"corpus: serving RSS {r['serving_rss_mib']:.0f} MiB after {r['serving_queries']} "
                           f"questions (target ≤ {TARGETS['serving_rss_mib']:.0f}), query engine "
                           f"{r['serving_query_engine']}, PyTorch loaded: {torch}")
        elif r["units"] >= 90_000:
            best = min(lat["p95"], r.get("latency_ms_hnsw", {}).get("total", {}).get("p95", float("inf")))
            out.append(f"{r['name']}: p95 {best:.1f} ms (target ≤ {TARGETS['p95_100k_ms']:.0f})")
    return out


def record(report: dict) -> None:
    """Keep the figures of the current version beside the eval code (informational: speed is not a test)."""
    import yaml

    from indexer.atomic import atomic_write_text

    header = (
        "# Bench figures of the current version, written by `soi bench --record` (benchmarks/bench.py).\n"
        "# Speed is measured, never asserted by a test; compare a new run with these before changing them.\n"
    )
    data = {"measured_at": time.strftime("%Y-%m-%d"), **report, "table": markdown_table(report["results"])}
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=200)
    atomic_write_text(RECORD, header + body, mode=0o644)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def build_parser() -> argparse.ArgumentParser:
    """The options of `soi bench`, apart from `main` so that tests/test_docs.py can check the README lists them."""
    ap = argparse.ArgumentParser(prog="soi bench", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000", help="synthetic index sizes in clauses, comma-separated "
                    "('' for none)")
    ap.add_argument("--threads", type=int, default=2, help="torch/faiss threads (the target machine has 2 cores)")
    ap.add_argument("--rounds", type=int, default=3, help="times each query is run")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--out", type=Path, help="also write the results as JSON to this file")
    ap.add_argument("--record", action="store_true", help=f"record the figures in {RECORD.relative_to(ROOT)} "
                    "(the figures of the current version, shown in the README)")
    ap.add_argument("--work", type=Path, help="working directory (default: a temporary one, removed afterwards)")
    return ap


def _fresh(path: Path) -> str:
    """A phase's own folder, emptied: a full build timed over a previous run's index (a reused `--work`) would
    be an incremental one, and copying the corpus over the last copy fails."""
    shutil.rmtree(path, ignore_errors=True)
    return str(path)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    work = args.work or Path(tempfile.mkdtemp(prefix="soi-bench-"))
    results = []
    try:
        log(f"soi bench: bundled corpus (full build, incremental build, {args.rounds} rounds of queries) …")
        real = run_phase(phase_real, work=_fresh(work / "corpus"), threads=args.threads, rounds=args.rounds)
        log(f"soi bench: serving process ({SERVING_QUERIES} questions) …")
        real.update(run_phase(phase_serving, work=str(work / "corpus"), threads=args.threads))
        results.append(real)
        for size in [int(x) for x in args.sizes.split(",") if x.strip()]:
            log(f"soi bench: {size:,} synthetic clauses …")
            syn = run_phase(
                phase_synthetic, work=_fresh(work / f"syn-{size}"), units=size, threads=args.threads,
                rounds=args.rounds, embeddings=real["embeddings"], hnsw=size >= 100_000,
            )
            syn.update(run_phase(phase_serving, work=str(work / f"syn-{size}"), threads=args.threads))
            results.append(syn)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    for r in results:
        r.pop("embeddings", None)
    report = {
        "machine": {"cpus": os.cpu_count(), "threads": args.threads, "python": sys.version.split()[0]},
        "targets": TARGETS,
        "results": results,
    }
    if args.record:
        record(report)
    if args.out:
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(text_table(results))
        print()
        for r in results:
            if "hnsw_recall_at_10" in r:
                print(f"{r['name']}: HNSW recall@10 vs flat {r['hnsw_recall_at_10']:.3f}, "
                      f"HNSW build {r['hnsw_build_s']:.0f} s")
        for line in verdict(results):
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
