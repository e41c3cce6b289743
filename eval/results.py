"""The records an evaluation run produces, apart from the code that produces (runner) or shows (report) them.

Kept in their own module so that report, regression and stats depend on the data only, not on the runner.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eval.dataset import KINDS
from eval.gold import GoldLoc

LEVELS = ("article", "clause", "document")
SCOPES = ("answerable", "all")
DOC_GROUP = "doc:"  # prefix of the per-document groups ("doc:qd-22-2021"): the first gold item's document

PerQuestion = dict[str, dict[str, dict[str, float] | None]]  # scope -> level -> metrics (None = left out)


@dataclass
class Scores:
    """Mean metrics over `n` questions (keys from `metrics.metric_names(k)`), with 95% bootstrap intervals."""

    n: int
    values: dict[str, float]
    ci: dict[str, tuple[float, float]] = field(default_factory=dict)  # metric -> (lo, hi)


@dataclass
class Returned:
    """A returned clause as shown for a miss: id, citation, first characters of its text."""

    clause_id: str
    citation: str
    snippet: str


@dataclass
class QuestionResult:
    """One question's outcome for one system (answerable gold only for the ranks)."""

    id: str
    kind: str
    generated: bool
    ranked: list[str]  # Hit.clause ids, best first
    article_rank: int | None  # first position whose article is a gold article (in-corpus gold), within k
    clause_rank: int | None
    latency_ms: float
    top: list[Returned] = field(default_factory=list)  # first 3 hits
    document_rank: int | None = None
    groups: tuple[str, ...] = ()  # the report groups the question counts in ("overall", its kind, "doc:...")
    scores: PerQuestion = field(default_factory=dict)  # kept so intervals and paired tests need no re-run


@dataclass
class Miss:
    """An answerable question whose gold article is not in the system's top `miss_k`."""

    id: str
    kind: str
    question: str
    gold: list[str]  # in-corpus gold clause ids
    article_rank: int | None  # where the gold article did come, if within k
    top: list[Returned]


@dataclass
class SystemResult:
    name: str
    scores: dict[str, dict[str, dict[str, Scores]]]  # scope -> group -> level -> Scores
    latency_ms: dict[str, float]  # p50, p95, mean, n; plus mean of each component the searcher times
    questions: list[QuestionResult]
    misses: list[Miss]


@dataclass
class GoldReport:
    """A question's gold locations as resolved, for the "not in corpus" listing."""

    id: str
    kind: str
    locations: list[GoldLoc]

    @property
    def status(self) -> str:
        """Whether the gold is in corpus, partly in corpus (some unit missing at its own level) or not in corpus."""
        inside = [g.present for g in self.locations]
        if all(inside):
            return "in corpus"
        return "partly in corpus" if any(inside) else "not in corpus"


@dataclass
class EvalReport:
    dataset: str
    k: int
    miss_k: int
    metrics: list[str]
    n_questions: int  # from the file
    n_generated: int  # nodiacritics copies
    systems: dict[str, SystemResult]
    gold: list[GoldReport]  # one per file question, in file order
    answerable: dict[str, int]  # level -> number of file questions answerable at that level

    def score(
        self, system: str, level: str, metric: str, scope: str = "answerable", group: str = "overall"
    ) -> float | None:
        """One number of the report, or None when that system/group was not measured."""
        sr = self.systems.get(system)
        if sr is None:
            return None
        sc = sr.scores.get(scope, {}).get(group, {}).get(level)
        return sc.values.get(metric) if sc else None

    def groups(self) -> list[str]:
        """Group names in display order: overall, then kinds as DESIGN.md lists them."""
        present = {g for sr in self.systems.values() for scope in sr.scores.values() for g in scope}
        return [g for g in ("overall", *KINDS) if g in present]

    def document_groups(self) -> list[str]:
        """The per-document groups ("doc:<id>"), sorted by document."""
        present = {g for sr in self.systems.values() for scope in sr.scores.values() for g in scope}
        return sorted(g for g in present if g.startswith(DOC_GROUP))
