"""Known-item questions from article headings: a second check set that needs no hand-written regulation text.

Every article whose heading the corpus quotes ("Điều 4. Thời hiệu kỷ luật") gives one question: the heading
without "Điều N." as the query, that article as the gold (every article with the same heading when several
documents share one, e.g. "Phạm vi điều chỉnh và đối tượng áp dụng"). The file is in the dev-set format
(DESIGN.md, "Evaluation format"; kind "qa"), so the ordinary command scores it, with the no-diacritics copies:

    python -m eval.known_items --out /tmp/known_items.jsonl
    soi eval /tmp/known_items.jsonl --out /tmp/known_items.md

Why: 14 answerable dev questions are too few to choose a ranking on; this set is independent of their wording.
What it measures: the heading is part of the indexed text of its clauses, so it asks "does the ranking keep an
exact topical match on top" (and, without diacritics, the same typed plainly), not understanding. A feature
that matches headings directly would be judged unfairly well by it. Two more sets: the quiz builder's questions
(`quiz_known_items`) and the titles of the Q&A pages the corpus quotes articles from (`page_title_items`), the
one set in askers' own words.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import unquote

from eval.dataset import GoldRef
from eval.gold import GoldResolver
from indexer.corpus.models import Clause, Document
from indexer.text.normalize import fold, nfc
from indexer.text.tokens import plain_tokens

MIN_WORDS = 2  # a one-word heading ("Hiệu lực") names no topic of its own


def heading_query(title: str) -> str:
    """The heading as a user would type it: one line, no trailing punctuation."""
    return re.sub(r"\s+", " ", nfc(title)).strip().rstrip(".:;,").strip()


def _article_ref(c: Clause, documents: Mapping[str, Document], resolver: GoldResolver) -> GoldRef | None:
    """The dev-format gold naming article `c`, or None where that gold would not resolve back to it (a decision
    and its attached regulation both have a "Điều 1": such an item would always count as a miss)."""
    doc = documents[c.doc_id]
    if doc.year is None:
        return None
    ref = GoldRef(doc=doc.code, year=doc.year, article=c.label)
    return ref if resolver.resolve(ref).article_id == c.id else None


def known_items(documents: Mapping[str, Document], clauses: Mapping[str, Clause]) -> list[dict]:
    """One question per distinct article heading (>= MIN_WORDS words) whose gold resolves back to that article."""
    resolver = GoldResolver(documents, clauses)
    by_heading: dict[str, list[tuple[str, GoldRef]]] = {}
    first_text: dict[str, str] = {}
    for c in clauses.values():
        if c.level != "article" or not c.title.strip():
            continue
        query = heading_query(c.title)
        if len(query.split()) < MIN_WORDS:
            continue
        ref = _article_ref(c, documents, resolver)
        if ref is None:
            continue
        key = fold(query)
        by_heading.setdefault(key, []).append((c.id, ref))
        first_text.setdefault(key, query)
    out = []
    for n, (key, golds) in enumerate(by_heading.items(), start=1):
        out.append(
            {
                "id": f"ki{n:03d}",
                "question": first_text[key],
                "gold": [{"doc": r.doc, "year": r.year, "article": r.article, "clause": None, "point": None}
                         for _, r in golds],
                "kind": "qa",
                "source": [cid for cid, _ in golds],
            }
        )
    return out


_URL = re.compile(r"https?://[^\s\"'()<>]+")
_SLUG_ID = re.compile(r"(?:[-_]?(?:post|a)?\d+)+$")  # "-12015", "-629402-48439", "-post543621", "can-bo9631"
MIN_SLUG_WORDS = 4


def slug_query(url: str) -> str:
    """A page address's last segment as the words of its title ("thoi-han-dinh-chi-sinh-hoat-dang-la-bao-lau")."""
    slug = unquote(url.rstrip("/").rsplit("/", 1)[-1])
    slug = re.sub(r"\.(?:html?|aspx|php)$", "", slug)
    slug = _SLUG_ID.sub("", slug)
    words = [w for w in re.split(r"[-_]+", slug) if w]
    if not all(w.isalnum() for w in words):
        return ""
    words = [w for w in words if not any(ch.isdigit() for ch in w)]  # ids and numbers ("83A1A70", "205")
    query = nfc(" ".join(words))
    if len(words) < MIN_SLUG_WORDS or "toan van" in fold(query):  # a full-text page names no article
        return ""
    return query


def page_title_items(documents: Mapping[str, Document], clauses: Mapping[str, Clause]) -> list[dict]:
    """Known items in real askers' words: the Q&A pages the corpus quotes an article from, by their titles.

    The corpus notes name the page each article was copied from; such a page's address carries its title
    («Thời hạn đình chỉ sinh hoạt đảng là bao lâu», mostly without diacritics), and its gold is every article
    quoted from that page. Page titles that repeat the document's own title (a full-text page) say nothing of
    an article and are left out."""
    resolver = GoldResolver(documents, clauses)
    by_query: dict[str, list[tuple[str, GoldRef]]] = {}
    for c in clauses.values():
        if c.level != "article" or not c.source_note:
            continue
        ref = _article_ref(c, documents, resolver)
        if ref is None:
            continue
        title_words = set(plain_tokens(documents[c.doc_id].title))
        for url in _URL.findall(c.source_note):
            query = slug_query(url)
            words = plain_tokens(query)
            if not query or sum(w in title_words for w in words) >= 0.8 * len(words):
                continue
            golds = by_query.setdefault(query, [])
            if all(cid != c.id for cid, _ in golds):
                golds.append((c.id, ref))
    return [
        {
            "id": f"kp{n:03d}",
            "question": query,
            "gold": [{"doc": r.doc, "year": r.year, "article": r.article, "clause": None, "point": None}
                     for _, r in golds],
            "kind": "qa",
            "source": [cid for cid, _ in golds],
        }
        for n, (query, golds) in enumerate(by_query.items(), start=1)
    ]


def quiz_known_items(searcher, n: int = 120, seed: int = 101) -> list[dict]:
    """The quiz builder's own questions (stem with its blank, or a true/false statement) with their source clause.

    A second known-item set that needs no hand labels: the answer is the clause the question was made from.
    Like the heading set it rewards exact wording more than real questions do (the stem is the clause's sentence).
    """
    from indexer.quiz import generate_quiz

    resolver = GoldResolver(searcher.documents, searcher.clauses)
    out = []
    for item in generate_quiz(searcher, n=n, seed=seed):
        clause = searcher.clauses[item.clause_id]
        doc = searcher.documents[clause.doc_id]
        article = clause.part("article")
        if not article or doc.year is None:
            continue
        ref = GoldRef(doc=doc.code, year=doc.year, article=article, clause=clause.part("clause"))
        loc = resolver.resolve(ref)
        if not loc.in_corpus or not item.clause_id.startswith(loc.article_id):
            continue
        stem = item.stem.replace("_____", "…")
        if item.type == "mc":
            stem += " " + " / ".join(item.options)
        out.append({
            "id": f"kq{len(out) + 1:03d}",
            "question": stem,
            "gold": [{"doc": ref.doc, "year": ref.year, "article": ref.article, "clause": ref.clause, "point": None}],
            "kind": "quiz",
            "source": item.clause_id,
        })
    return out


def write_jsonl(items: Iterable[dict], path: Path) -> Path:
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    return path


def load_bundled() -> tuple[dict[str, Document], dict[str, Clause]]:
    """Documents and clauses of the bundled corpus, parsed directly (no index needed)."""
    from indexer.corpus.load import bundled_corpus_dir, load_corpus
    from indexer.corpus.parse import parse_document

    documents = {d.id: d for d in load_corpus(bundled_corpus_dir())}
    clauses = {c.id: c for d in documents.values() for c in parse_document(d)}
    return documents, clauses


def main(argv: list[str] | None = None) -> int:
    """`python -m eval.known_items [--set headings|quiz|pages] --out FILE`: write a known-item set as JSONL."""
    ap = argparse.ArgumentParser(prog="python -m eval.known_items", description=main.__doc__)
    ap.add_argument("--out", type=Path, help="JSONL file to write (default: stdout)")
    ap.add_argument("--set", choices=("headings", "quiz", "pages"), default="headings",
                    help="article headings or quoted pages' titles (no index needed), or the quiz builder's "
                         "questions (needs the index)")
    ap.add_argument("-n", type=int, default=120, help="quiz questions to generate (--set quiz)")
    args = ap.parse_args(argv)
    if args.set == "quiz":
        from indexer.search.searcher import Searcher

        items = quiz_known_items(Searcher.open(load_model=False), n=args.n)
    elif args.set == "pages":
        items = page_title_items(*load_bundled())
    else:
        items = known_items(*load_bundled())
    if args.out:
        write_jsonl(items, args.out)
        print(f"wrote {len(items)} questions to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
