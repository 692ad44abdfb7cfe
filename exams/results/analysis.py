"""Item analysis (SPEC §2.6), after an exam's window has closed, over first attempts only.

Per question, over the first final attempts whose paper drew it:

* facility = mean mark / max mark, as a percentage;
* discrimination index = 100 × cov(item, rest) / √(var item × var rest), sample (n − 1) variances and covariance,
  where *rest* is the attempt's total score minus this item's mark;
* discriminative efficiency = 100 × cov(item, rest) / cov_max, where cov_max is the covariance of the same two
  columns each sorted ascending;
* when the item's or the rest's variance is zero (or fewer than two attempts drew it) neither figure exists ("—")
  and the question is not flagged; otherwise it is dubious when efficiency < 15 or discrimination < 0
  (Moodle's rules).

The statistics are pure functions over lists of numbers, computed with exact fractions (so an edge such as an
efficiency of exactly 15 % is decided exactly); :func:`gather` reads the columns of one exam with two queries.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import sqlalchemy as sa

from exams.attempts.models import Attempt, AttemptItem
from exams.bank.models import KINDS, Question, QuestionVersion
from portal.extensions import db

#: Moodle's thresholds: a question is dubious below this efficiency (%) or with a negative discrimination
EFFICIENCY_FLOOR = 15
STEM_LENGTH = 60
SORTS = ("question", "n", "facility", "discrimination", "efficiency")


def mean(values: Sequence) -> Fraction:
    """The arithmetic mean, exact."""
    return Fraction(sum(Fraction(v) for v in values), len(values))


def covariance(xs: Sequence, ys: Sequence) -> Fraction:
    """The sample covariance Σ(x − x̄)(y − ȳ) / (n − 1), exact; needs n ≥ 2."""
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError("covariance needs two columns of the same length, at least 2")
    mx, my = mean(xs), mean(ys)
    return sum(((Fraction(x) - mx) * (Fraction(y) - my) for x, y in zip(xs, ys, strict=True)),
               Fraction(0)) / (len(xs) - 1)


def variance(xs: Sequence) -> Fraction:
    """The sample variance (n − 1), exact."""
    return covariance(xs, xs)


@dataclass(frozen=True)
class ItemStats:
    """The three figures of one question (``None`` where a figure does not exist: shown as "—")."""

    n: int
    facility: Fraction | None
    discrimination: float | None
    efficiency: Fraction | None
    dubious: bool


def item_stats(marks: Sequence[int], points: Sequence[int], totals: Sequence[int]) -> ItemStats:
    """The figures of one question from its column: each attempt's mark on it, the item's maximum on that paper,
    and the attempt's total score."""
    n = len(marks)
    if n == 0:
        return ItemStats(0, None, None, None, False)
    facility = 100 * Fraction(sum(marks), sum(points)) if sum(points) else None
    if n < 2:
        return ItemStats(n, facility, None, None, False)
    rest = [total - mark for total, mark in zip(totals, marks, strict=True)]
    var_item, var_rest = variance(marks), variance(rest)
    if var_item == 0 or var_rest == 0:
        return ItemStats(n, facility, None, None, False)
    cov = covariance(marks, rest)
    discrimination = 100 * float(cov) / math.sqrt(var_item * var_rest)
    cov_max = covariance(sorted(marks), sorted(rest))
    efficiency = 100 * cov / cov_max if cov_max > 0 else None
    dubious = cov < 0 or (efficiency is not None and efficiency < EFFICIENCY_FLOOR)
    return ItemStats(n, facility, discrimination, efficiency, dubious)


def figure(value) -> str:
    """A percentage as the page shows it: two decimals, rounded half up; "—" when it does not exist."""
    if value is None:
        return "—"
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) \
        else Decimal(repr(value))
    return str(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# --- the columns of one exam ----------------------------------------------------------------------------------

@dataclass
class Column:
    """One question's column over the first attempts that drew it."""

    question_id: int
    marks: list[int] = field(default_factory=list)
    points: list[int] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Line:
    """One row of the analysis page."""

    question_id: int
    kind: str
    category: str
    stem: str
    stats: ItemStats

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def short_stem(self) -> str:
        return self.stem if len(self.stem) <= STEM_LENGTH else self.stem[:STEM_LENGTH] + "…"


def first_attempts(exam_id: int):
    """The condition selecting an exam's first attempts that are final."""
    return sa.and_(Attempt.exam_id == exam_id, Attempt.status == "final", Attempt.number == 1)


def gather(exam_id: int) -> tuple[list[Line], int]:
    """Every question drawn in the exam's first final attempts with its figures, in bank order; and the number
    of first attempts. Two queries, whatever the number of questions and attempts."""
    columns: dict[int, Column] = {}
    attempts: set[int] = set()
    rows = db.session.execute(
        sa.select(AttemptItem.question_id, AttemptItem.attempt_id, AttemptItem.mark, AttemptItem.points,
                  Attempt.score)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(first_attempts(exam_id))
        .order_by(AttemptItem.question_id, AttemptItem.attempt_id))
    for question_id, attempt_id, mark, points, score in rows:
        column = columns.setdefault(question_id, Column(question_id))
        column.marks.append(mark or 0)
        column.points.append(points)
        column.totals.append(score)
        attempts.add(attempt_id)
    if not columns:
        return [], 0
    questions = {row.id: row for row in db.session.execute(
        sa.select(Question.id, Question.kind, Question.category, QuestionVersion.stem)
        .join(QuestionVersion, sa.and_(QuestionVersion.question_id == Question.id,
                                       QuestionVersion.version == Question.version))
        .where(Question.id.in_(list(columns))))}
    lines = []
    for question_id, column in columns.items():
        info = questions.get(question_id)
        lines.append(Line(question_id, info.kind if info else "", info.category if info else "",
                          info.stem if info else "", item_stats(column.marks, column.points, column.totals)))
    return lines, len(attempts)


def sort_lines(lines: list[Line], sort: str) -> list[Line]:
    """Sort by a figure (``facility``, ``-facility`` for descending, …), ties in bank order; a missing figure
    ("—") always last."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORTS or key == "question":
        return sorted(lines, key=lambda line: line.question_id, reverse=descending)
    present = [line for line in lines if getattr(line.stats, key) is not None]
    missing = [line for line in lines if getattr(line.stats, key) is None]
    sign = -1 if descending else 1
    present.sort(key=lambda line: (sign * getattr(line.stats, key), line.question_id))
    return present + sorted(missing, key=lambda line: line.question_id)
