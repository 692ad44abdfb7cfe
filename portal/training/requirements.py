"""The training requirements (SPEC §2.4) — the only code that sums training hours.

Three rules, each a window of dates and minimum hours (policy settings):

* ``annual`` — the calendar year of the date: 40 hours, at least 16 public law, 16 professional law, 8 ethics;
* ``pre_exam`` — the 365 days before the exam opens (from ``opens − 365 days`` to the day before it opens):
  the same minimums;
* ``period`` — the two years before a review's due date (from the due date two years earlier — 29 February
  becoming 28 February — to the day before the due date): 80 hours, at least 32 / 32 / 16.

:func:`check` answers for one officer; :func:`check_many` for many with one grouped query.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from portal import policy
from portal.dates import anniversary
from portal.extensions import db
from portal.training.models import CATEGORIES, TrainingRecord

RULES = {"annual": "年度培训要求", "pre_exam": "资格考试前培训要求", "period": "两年审核周期培训要求"}
_DEFAULTS = {"annual": (40, 16, 16, 8), "pre_exam": (40, 16, 16, 8), "period": (80, 32, 32, 16)}
_PARTS = ("total", "public_law", "professional_law", "ethics")
_PART_LABELS = {"total": "合计", **CATEGORIES}

for _rule, _values in _DEFAULTS.items():
    for _part, _value in zip(_PARTS, _values, strict=True):
        policy.define(f"training.{_rule}.{_part}", f"{RULES[_rule]}：{_PART_LABELS[_part]}最少学时", "int", _value,
                      "培训学时要求", minimum=0, maximum=400, unit="学时")


@policy.constraint
def _parts_fit_total(values: dict) -> str | None:
    for rule, label in RULES.items():
        parts = sum(values[f"training.{rule}.{c}"] for c in CATEGORIES)
        if parts > values[f"training.{rule}.total"]:
            return f"{label}：各类别最少学时之和（{parts}）超过了合计最少学时（{values[f'training.{rule}.total']}）"
    return None


def window(rule: str, on: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day (both included) whose training counts for ``rule`` on ``on``."""
    if rule == "annual":
        return dt.date(on.year, 1, 1), dt.date(on.year, 12, 31)
    if rule == "pre_exam":
        return on - dt.timedelta(days=365), on - dt.timedelta(days=1)
    if rule == "period":
        return anniversary(on, -2), on - dt.timedelta(days=1)
    raise ValueError(f"unknown rule {rule}")


@dataclass(frozen=True)
class Part:
    """Hours had against hours needed, for one category or the total."""

    code: str
    label: str
    have: float
    need: float

    @property
    def short(self) -> float:
        return max(0.0, self.need - self.have)

    @property
    def met(self) -> bool:
        return self.have >= self.need

    @property
    def percent(self) -> int:
        return 100 if self.need <= 0 else min(100, int(self.have * 100 / self.need))


@dataclass(frozen=True)
class Result:
    """Which minimums of a rule an officer meets on a date, and by how much."""

    rule: str
    start: dt.date
    end: dt.date
    parts: tuple[Part, ...]  # the total first, then the three categories

    @property
    def label(self) -> str:
        return RULES[self.rule]

    @property
    def total(self) -> Part:
        return self.parts[0]

    @property
    def categories(self) -> tuple[Part, ...]:
        return self.parts[1:]

    @property
    def met(self) -> bool:
        return all(part.met for part in self.parts)

    @property
    def unmet(self) -> list[Part]:
        return [part for part in self.parts if not part.met]

    @property
    def shortfall(self) -> float:
        """Hours still needed to meet every minimum (the larger of the total's and the categories' sum)."""
        return max(self.total.short, sum(part.short for part in self.categories))

    def describe_unmet(self) -> str:
        """E.g. ``合计差 4 学时；职业素养差 2 学时`` (empty when met)."""
        return "；".join(f"{p.label}差 {p.short:g} 学时" for p in self.unmet)


def minimums(rule: str) -> dict[str, int]:
    """The rule's minimum hours by part (``total`` and each category)."""
    return {part: policy.get(f"training.{rule}.{part}") for part in _PARTS}


def check_many(officer_ids, rule: str, on: dt.date) -> dict[int, Result]:
    """Results for many officers with one grouped query.

    :param officer_ids: a list of ids, or a SELECT of ids (e.g. the officers in a user's scope).
    """
    start, end = window(rule, on)
    if isinstance(officer_ids, list | tuple | set):
        ids = list(officer_ids)
        condition = TrainingRecord.officer_id.in_(ids or [-1])
    else:
        ids = None
        condition = TrainingRecord.officer_id.in_(officer_ids)
    rows = db.session.execute(
        sa.select(TrainingRecord.officer_id, TrainingRecord.category, sa.func.sum(TrainingRecord.half_hours))
        .where(condition, TrainingRecord.completed_on >= start, TrainingRecord.completed_on <= end)
        .group_by(TrainingRecord.officer_id, TrainingRecord.category)
    ).all()
    if ids is None:
        ids = db.session.scalars(officer_ids).all() if hasattr(officer_ids, "compile") else []
    hours: dict[int, dict[str, float]] = {officer_id: {} for officer_id in ids}
    for officer_id, category, half_hours in rows:
        hours.setdefault(officer_id, {})[category] = (half_hours or 0) / 2
    need = minimums(rule)
    results = {}
    for officer_id, had in hours.items():
        parts = [Part("total", "合计", sum(had.values()), need["total"])]
        parts += [Part(code, label, had.get(code, 0.0), need[code]) for code, label in CATEGORIES.items()]
        results[officer_id] = Result(rule, start, end, tuple(parts))
    return results


def check(officer_id: int, rule: str, on: dt.date) -> Result:
    """Which minimums of ``rule`` the officer meets on ``on``, and by how much."""
    return check_many([officer_id], rule, on)[officer_id]
