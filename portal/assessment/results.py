"""Routine assessment results (平时考核, SPEC §2.5): quarters, and what officers got in them.

* **Quarters** — :func:`quarter_of`, :func:`quarter_label`, :func:`quarter_started`; none before :data:`FIRST_YEAR`.
* **Results** — :func:`quarter_results` answers for any set of officers and quarters with one grouped query;
  the two-year review and every assessment page use it, and :mod:`portal.assessment.grading` rounds and grades.
  :func:`agency_summary` counts grades per agency and quarter, :func:`officer_history` lists one officer's quarters
  with the scores behind each total.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from portal.assessment import grading
from portal.assessment.models import GROUPS, AssessmentScore, Indicator
from portal.extensions import db
from portal.officers.models import Officer

QUARTER_NAMES = "一二三四"
FIRST_YEAR = 2016  # 威政办发〔2016〕3号: no routine assessment is recorded before it


# ---------------------------------------------------------------------------------------------------- quarters

def quarter_of(day: dt.date) -> tuple[int, int]:
    """The ``(year, quarter)`` a day falls in."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_label(year: int, quarter: int) -> str:
    """``2026年第四季度``."""
    return f"{year}年第{QUARTER_NAMES[quarter - 1]}季度"


def quarter_started(year: int, quarter: int, today: dt.date) -> bool:
    """True when the quarter has begun by ``today`` (scores are not entered for a quarter still to come)."""
    return (year, quarter) <= quarter_of(today)


# ----------------------------------------------------------------------------------------------------- results

@dataclass(frozen=True)
class QuarterResult:
    """One officer's quarter: how many indicators are scored, and — when all are — the total and grade."""

    officer_id: int
    year: int
    quarter: int
    template_id: int | None
    scored: int
    expected: int
    total: Decimal | None
    grade: str | None

    @property
    def complete(self) -> bool:
        return self.total is not None

    @property
    def label(self) -> str:
        return quarter_label(self.year, self.quarter)

    @property
    def grade_label(self) -> str:
        return grading.grade_label(self.grade)


def _sums(*conditions, by_agency: bool = False):
    """One grouped query: per officer and quarter, Σ tenths × weight, the number of scores and the number of
    indicators of the template they belong to (and the officer's agency when ``by_agency``)."""
    per_template = (sa.select(Indicator.template_id, sa.func.count().label("expected"))
                    .group_by(Indicator.template_id).subquery())
    columns = [AssessmentScore.officer_id, AssessmentScore.year, AssessmentScore.quarter, Indicator.template_id,
               sa.func.sum(AssessmentScore.tenths * Indicator.weight), sa.func.count(), per_template.c.expected]
    group_by = [AssessmentScore.officer_id, AssessmentScore.year, AssessmentScore.quarter, Indicator.template_id,
                per_template.c.expected]
    query = (sa.select(*columns)
             .join(Indicator, Indicator.id == AssessmentScore.indicator_id)
             .join(per_template, per_template.c.template_id == Indicator.template_id))
    if by_agency:
        query = query.add_columns(Officer.agency_id).join(Officer, Officer.id == AssessmentScore.officer_id)
        group_by.append(Officer.agency_id)
    return query.where(*conditions).group_by(*group_by)


def _result(row, limits) -> QuarterResult:
    officer_id, year, quarter, template_id, weighted, scored, expected = row[:7]
    total = grading.total_from_sum(int(weighted)) if scored == expected else None
    return QuarterResult(officer_id, year, quarter, template_id, scored, expected, total,
                         grading.grade(total, limits) if total is not None else None)


def _collect(rows, limits) -> dict[tuple[int, int, int], tuple[QuarterResult, tuple]]:
    out: dict[tuple[int, int, int], tuple[QuarterResult, tuple]] = {}
    for row in rows:
        result = _result(row, limits)
        key = (result.officer_id, result.year, result.quarter)
        if key in out:  # scores under two templates in one quarter: no total can be given
            first = out[key][0]
            result = QuarterResult(first.officer_id, first.year, first.quarter, None, first.scored + result.scored,
                                   max(first.expected, result.expected), None, None)
        out[key] = (result, tuple(row[7:]))
    return out


def quarter_results(officers, quarters: Iterable[tuple[int, int]] | None = None,
                    ) -> dict[int, dict[tuple[int, int], QuarterResult]]:
    """Totals and grades for many officers and quarters, with one grouped query (no query per officer).

    :param officers: officer ids, or a SELECT of officer ids (e.g. every officer of an agency subtree).
    :param quarters: ``(year, quarter)`` pairs to answer for; ``None`` means every quarter.
    :returns: ``{officer_id: {(year, quarter): QuarterResult}}`` for the quarters in which the officer has at
        least one score; a quarter absent from it was not assessed. ``complete`` is False (and ``total`` and
        ``grade`` are ``None``) while any indicator of the quarter's template has no score.
    """
    conditions = [AssessmentScore.officer_id.in_(officers if isinstance(officers, sa.Select) else list(officers))]
    if quarters is not None:
        quarters = sorted(set(quarters))
        if not quarters:
            return {}
        conditions.append(sa.tuple_(AssessmentScore.year, AssessmentScore.quarter).in_(quarters))
    limits = grading.thresholds()
    out: dict[int, dict[tuple[int, int], QuarterResult]] = {}
    for result, _ in _collect(db.session.execute(_sums(*conditions)).all(), limits).values():
        out.setdefault(result.officer_id, {})[(result.year, result.quarter)] = result
    return out


@dataclass
class SummaryCell:
    """Counts of grades of one agency in one quarter."""

    good: int = 0
    fairly_good: int = 0
    average: int = 0
    poor: int = 0
    incomplete: int = 0

    @property
    def graded(self) -> int:
        return self.good + self.fairly_good + self.average + self.poor

    @property
    def assessed(self) -> int:
        return self.graded + self.incomplete

    def add(self, other: SummaryCell) -> None:
        for name in ("good", "fairly_good", "average", "poor", "incomplete"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def agency_summary(agency_ids, year: int) -> dict[int, dict[int, SummaryCell]]:
    """Per agency and quarter of ``year``, how many officers got each grade (and how many are incomplete).

    Officers are counted under their current agency; one grouped query.

    :param agency_ids: agency ids, or a SELECT of them (e.g. :func:`portal.auth.access.agencies_in_scope`).
    :returns: ``{agency_id: {quarter: SummaryCell}}`` for the agencies with scores in the year.
    """
    ids = agency_ids if isinstance(agency_ids, sa.Select) else list(agency_ids)
    rows = db.session.execute(_sums(Officer.agency_id.in_(ids), AssessmentScore.year == year,
                                    by_agency=True)).all()
    out: dict[int, dict[int, SummaryCell]] = {}
    for result, (agency_id,) in _collect(rows, grading.thresholds()).values():
        cell = out.setdefault(agency_id, {}).setdefault(result.quarter, SummaryCell())
        if result.grade is None:
            cell.incomplete += 1
        else:
            setattr(cell, result.grade, getattr(cell, result.grade) + 1)
    return out


@dataclass(frozen=True)
class HistoryEntry:
    """One quarter of an officer's history, with the scores behind the total."""

    result: QuarterResult
    scores: list[tuple[Indicator, int]]

    @property
    def groups(self) -> list[tuple[str, str, list[tuple[Indicator, str]]]]:
        by_group: dict[str, list] = {group: [] for group in GROUPS}
        for indicator, tenths in self.scores:
            by_group[indicator.group].append((indicator, grading.format_tenths(tenths)))
        return [(group, GROUPS[group], items) for group, items in by_group.items() if items]


def officer_history(officer_id: int) -> list[HistoryEntry]:
    """Every assessed quarter of one officer, newest first (two queries whatever the number of quarters)."""
    results = quarter_results([officer_id]).get(officer_id, {})
    scores: dict[tuple[int, int], list[tuple[Indicator, int]]] = {}
    for year, quarter, tenths, indicator in db.session.execute(
            sa.select(AssessmentScore.year, AssessmentScore.quarter, AssessmentScore.tenths, Indicator)
            .join(Indicator, Indicator.id == AssessmentScore.indicator_id)
            .where(AssessmentScore.officer_id == officer_id)
            .order_by(Indicator.group_order, Indicator.position)):
        scores.setdefault((year, quarter), []).append((indicator, tenths))
    return [HistoryEntry(results[key], scores.get(key, [])) for key in sorted(results, reverse=True)]
