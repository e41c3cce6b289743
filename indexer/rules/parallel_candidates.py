"""Candidate parallel provisions for review: `python -m indexer.rules.parallel_candidates [--all]`.

For each article of the detailing regulations (QĐ 22/296, QĐ 69, QĐ 37) and each Điều lệ article, three signals
propose pairs, and the reviewer reads both articles (`soi doc ID`) before keeping or rejecting each one in
`indexer/search/data/parallels.yaml`:

- reference: the detailing article cites a Điều lệ article («Điều 32 Điều lệ Đảng», resolved by
  `indexer.rules.refs`), or a Điều lệ khoản names a detailing regulation by its subject («Chấp hành quy định của Ban
  Chấp hành Trung ương về những điều đảng viên không được làm»: every article of that regulation); a mention of the
  Điều lệ without an article is printed as a hint, never a candidate;
- title: the two articles' heading words overlap (the article's own title, its lead-in, or the corpus compiler's
  «subject:» note; for a Điều lệ article without a title, its lead-in or the first sentence of each khoản, and its
  chapter), scored by
  idf-weighted overlap of content words;
- similarity: cosine of the articles' mean passage vectors (each Điều lệ article's 3 nearest detailing articles and
  each detailing article's 3 nearest Điều lệ articles, at cosine ≥ 0.92); and, for each Điều lệ khoản that leaves
  a matter to the Central Committee («theo quy định của Ban Chấp hành Trung ương», «do Ban Chấp hành Trung ương quy
  định»), the 3 detailing articles nearest to that khoản's own passage (marked «delegates»).

Prints one line per candidate with its signals and what the reviewed file already says of it (kept / rejected /
new); `--all` lists reviewed ones too. Nothing is written: the reviewed file is edited by hand.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

import numpy as np

from indexer.rules.refs import RefGraph
from indexer.search.parallels import DETAILING_DOCS, PARENT_DOC, REFERENCE, SIMILARITY, TITLE, load_parallels
from indexer.text.highlight import STOPWORDS
from indexer.text.normalize import fold

if TYPE_CHECKING:
    from indexer.search.searcher import Searcher

NEAREST = 3  # similarity candidates per article, each way
TITLE_MIN = 0.34  # idf-weighted share of the smaller heading's content words found in the other

_SUBJECT = re.compile(r"subject(?: of Điều \d+)?\s*:\s*([^;()\n]+)", re.IGNORECASE)
_QUOTED = re.compile(r"\(\"([^\"]{10,200})")
_LEAD = re.compile(r"^\s*Điều\s+\d+[a-z]?\s*\.?\s*(?:\d+\.\s+)?", re.IGNORECASE)
_WORD = re.compile(r"\w+")
# words every article of these texts uses, and the words of a source note's citing formula («Căn cứ theo Điều 2
# Quy định 22-QĐ/TW năm 2021 quy định … như sau»): they say nothing about a subject
_COMMON = {"đảng", "viên", "tổ", "chức", "quy", "định", "điều", "khoản", "cấp", "các", "và", "của", "được", "theo",
           "căn", "cứ", "năm", "như", "sau", "qđ", "tw", "tại", "về", "ngày", "cụ", "thể", "đó", "là", "có", "một",
           "mục", "tiết", "tiểu", "điểm", "này", "trên", "dựa", "hợp", "trường", "đối", "với", "vn", "com", "per"}
COSINE_MIN = 0.92  # similarity candidates below this are not listed (unrelated articles of these texts reach 0.9)


# A Điều lệ provision that leaves the matter to a Central Committee regulation.
_DELEGATES = re.compile(r"(?:quy định|hướng dẫn)\s+của\s+Ban\s+Chấp\s+hành\s+Trung\s+ương"
                        r"|Ban\s+Chấp\s+hành\s+Trung\s+ương\s+quy\s+định", re.IGNORECASE)


def _articles(searcher: Searcher, doc_id: str) -> list[str]:
    return [c.id for c in searcher.clauses.values() if c.doc_id == doc_id and c.level == "article"]


def heading_text(searcher: Searcher, article_id: str) -> str:
    """What names an article's subject: its title, lead-in, the compiler's subject note (and the quoted question
    of its source note), else the first sentence of each of its khoản; a Điều lệ article adds its chapter."""
    c = searcher.clauses[article_id]
    parts = [c.title]
    intro = _LEAD.sub("", c.intro or "").strip()
    if intro and intro not in ("(…)", "(...)"):
        parts.append(intro)
    for note in (c.source_note, c.text[:400]):
        parts += [m.group(1) for m in _SUBJECT.finditer(note or "")]
    if c.doc_id != PARENT_DOC:
        parts += [m.group(1) for m in _QUOTED.finditer(c.source_note or "")]
    if not any(p.strip() for p in parts):
        # no title: the first sentence of each khoản (a Điều lệ article's khoản are short and each on one matter)
        kids = [searcher.clauses[k] for k in c.children if k in searcher.clauses] or [c]
        parts += [_first_sentence(k.text) for k in kids]
    if c.doc_id == PARENT_DOC and c.heading:
        parts.append(re.sub(r"^Chương\s+[IVXLC]+\.?\s*", "", c.heading[0]))
    return " ".join(p for p in parts if p)


def _terms(text: str) -> set[str]:
    """Content words and word pairs of a heading, folded (accents and case kept apart from spelling variants)."""
    words = [w for w in _WORD.findall(fold(text)) if not w.isdigit() and w not in _COMMON]
    keep = [w for w in words if w not in STOPWORDS]
    return set(keep) | {f"{a} {b}" for a, b in zip(keep, keep[1:], strict=False)}


def _first_sentence(text: str) -> str:
    first = _LEAD.sub("", text).replace("(…)", " ").strip()
    first = re.sub(r"^\(?\d+(?:\.\d+)*[.)]\s*", "", first)
    return re.split(r"(?<=[.:;])\s", first, maxsplit=1)[0][:200]


def parent_units(searcher: Searcher, parents: list[str]) -> dict[str, str]:
    """Heading text of each Điều lệ article, and of each khoản of an article with neither title nor lead-in (its
    first sentence: such an article treats one matter per khoản, so a khoản can match on its own)."""
    out = {}
    for a in parents:
        out[a] = heading_text(searcher, a)
        c = searcher.clauses[a]
        if not c.title and not (c.intro or "").strip():
            for k in c.children:
                if k in searcher.clauses and searcher.clauses[k].level == "clause":
                    out[k] = _first_sentence(searcher.clauses[k].text)
    return out


def title_scores(searcher: Searcher, parents: list[str], details: list[str]) -> dict[tuple[str, str], float]:
    """(Điều lệ article or khoản, detailing article) -> idf-weighted share of the smaller heading's terms shared."""
    texts = parent_units(searcher, parents) | {d: heading_text(searcher, d) for d in details}
    terms = {u: _terms(t) for u, t in texts.items()}
    df = Counter(t for u in terms for t in terms[u])
    n = len(terms)

    def idf(t: str) -> float:
        return math.log(1 + n / df[t])

    out = {}
    for p in terms:
        if p in details:
            continue
        for d in details:
            common = terms[p] & terms[d]
            if not common:
                continue
            small = min(sum(idf(t) for t in terms[p]), sum(idf(t) for t in terms[d])) or 1.0
            out[(p, d)] = sum(idf(t) for t in common) / small
    return out


def article_vectors(searcher: Searcher, articles: list[str]) -> dict[str, np.ndarray]:
    """Mean of the article's passage vectors, normalised."""
    vecs = {a: searcher.clause_vector(a) for a in articles}
    return {a: v for a, v in vecs.items() if v is not None}


def candidates(searcher: Searcher) -> list[dict]:
    """Candidate pairs with their signals: {parent, detail, found, title, cosine, hint}."""
    parents = _articles(searcher, PARENT_DOC)
    details = [a for d in DETAILING_DOCS for a in _articles(searcher, d)]
    found: dict[tuple[str, str], dict] = {}

    def add(p: str, d: str, how: str, weight: float = 0.0) -> None:
        """One candidate per (Điều lệ article, detailing article); its parent id is the most specific unit seen
        (between two khoản, the one whose heading matched better)."""
        e = found.setdefault((searcher.article_of(p), d), {"parent": p, "detail": d, "found": [], "w": weight})
        if p.count("/") > e["parent"].count("/") or (p.count("/") == e["parent"].count("/") and weight > e["w"]):
            e["parent"], e["w"] = p, weight
        if how not in e["found"]:
            e["found"].append(how)

    graph = RefGraph.from_searcher(searcher)
    hints: dict[str, list[str]] = defaultdict(list)
    for d in details:
        for r in graph.cites(d):
            if r.target_doc != PARENT_DOC:
                continue
            if r.target_clause:
                add(searcher.article_of(r.target_clause), d, REFERENCE)
            else:
                hints[d].append(" ".join(r.text.split()))
    for doc_id in DETAILING_DOCS:  # a Điều lệ khoản naming a detailing regulation by its subject
        doc = searcher.documents.get(doc_id)
        subject = re.sub(r"^Quy định\s+(?:về\s+)?", "", doc.title if doc else "", flags=re.IGNORECASE)
        if not subject or len(subject.split()) < 3:
            continue
        for c in searcher.outline(PARENT_DOC):
            if c.is_leaf and fold(subject) in fold(c.text):
                for d in _articles(searcher, doc_id):
                    add(c.id, d, REFERENCE, 2.0)
    titles = title_scores(searcher, parents, details)
    for (p, d), s in titles.items():
        if s >= TITLE_MIN:
            add(p, d, TITLE, s)
    vecs = article_vectors(searcher, parents + details)
    ps = [p for p in parents if p in vecs]
    ds = [d for d in details if d in vecs]
    sims = np.array([[float(vecs[p] @ vecs[d]) for d in ds] for p in ps]) if ps and ds else np.zeros((0, 0))
    for i, p in enumerate(ps):
        for j in np.argsort(-sims[i])[:NEAREST]:
            if sims[i, j] >= COSINE_MIN:
                add(p, ds[int(j)], SIMILARITY)
    for j, d in enumerate(ds):
        for i in np.argsort(-sims[:, j])[:NEAREST]:
            if sims[i, j] >= COSINE_MIN:
                add(ps[int(i)], d, SIMILARITY)
    delegating: set[str] = set()
    for c in searcher.outline(PARENT_DOC):
        v = searcher.clause_vector(c.id) if c.is_leaf and _DELEGATES.search(c.text) and ds else None
        if v is not None:
            cos = np.array([float(v @ vecs[d]) / (np.linalg.norm(v) or 1.0) for d in ds])
            for j in np.argsort(-cos)[:NEAREST]:
                if cos[j] >= COSINE_MIN:
                    add(c.id, ds[int(j)], SIMILARITY, float(cos[j]))
                    delegating.add(c.id)
    pi, di = {p: i for i, p in enumerate(ps)}, {d: j for j, d in enumerate(ds)}
    for (pa, d), e in found.items():
        e["title"] = round(max([s for (u, x), s in titles.items() if x == d and searcher.article_of(u) == pa],
                               default=0.0), 2)
        e["cosine"] = round(float(sims[pi[pa], di[d]]), 3) if pa in pi and d in di else None
        e["hint"] = "; ".join(dict.fromkeys(hints.get(d, [])))
        e.pop("w", None)
        if e["parent"] in delegating:
            e["hint"] = "; ".join(x for x in ("delegates", e["hint"]) if x)
    return sorted(found.values(), key=lambda e: (e["detail"], -(e["cosine"] or 0)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m indexer.rules.parallel_candidates",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--all", action="store_true", help="also list candidates the reviewed file already decides")
    a = ap.parse_args(argv)
    from indexer.search.searcher import Searcher

    searcher = Searcher.open(load_model=False)
    data = load_parallels()
    kept = {(p.parent, p.detail) for p in data.pairs}
    rejected = {(r.parent, r.detail): r.reason for r in data.rejected}

    def article(x: str) -> str:
        return searcher.article_of(x) if x in searcher.clauses else x

    kept_art = {(article(p), article(d)) for p, d in kept}
    rej_art = {(article(p), article(d)): r for (p, d), r in rejected.items()}
    cands = candidates(searcher)
    counts: Counter = Counter()
    for e in cands:
        key = (article(e["parent"]), e["detail"])
        state = "kept" if key in kept_art else f"rejected:{rej_art[key]}" if key in rej_art else "new"
        counts[state.split(":")[0]] += 1
        for how in e["found"]:
            counts[f"by {how}"] += 1
        if state != "new" and not a.all:
            continue
        hint = f"  [cites: {e['hint']}]" if e["hint"] else ""
        print(f"{state:24s} {e['parent']:24s} {e['detail']:18s} {'+'.join(e['found']):24s} "
              f"title {e['title']:.2f} cos {e['cosine']}{hint}")
    print(f"{len(cands)} candidates: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
