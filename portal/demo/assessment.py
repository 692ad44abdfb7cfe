"""Routine assessment in the Weihai demo (SPEC §2.5): the city's indicator template and eight quarters of scores
for the on-duty officers (mostly 好 and 较好, some 一般, now and then a 较差 quarter).
"""
from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from portal.assessment.models import GROUPS, AssessmentScore, Indicator, IndicatorTemplate
from portal.demo._common import insert, seeded
from portal.demo.officers import DEMO_OFFICERS
from portal.extensions import db
from portal.officers.models import Officer
from portal.orgs.models import Agency

TEMPLATE_NAME = "2025年度执法人员平时考核指标"
# (group, indicator, weight, how far this indicator's scores lean from the officer's level)
INDICATORS = [
    ("general", "政治素质", 10, 2.0),
    ("general", "工作作风", 10, 0.0),
    ("general", "廉洁自律", 10, 3.0),
    ("specialised", "执法办案质量", 20, -1.5),
    ("specialised", "执法程序规范", 15, 0.0),
    ("specialised", "执法文书制作", 15, -2.0),
    ("external", "群众满意度", 10, 0.5),
    ("external", "投诉处理", 10, 1.0),
]
_LEAN = {name: lean for _group, name, _weight, lean in INDICATORS}
QUARTERS = 8
# an officer's usual level: (share of officers, lowest, highest) — mostly 好 and 较好, some 一般
LEVELS = [(0.55, 89.0, 96.0), (0.33, 78.0, 89.0), (0.12, 63.0, 75.0)]
POOR_QUARTER = 0.005  # chance of a 较差 quarter: some 2–3 % of officers have one in eight quarters


def demo_quarters(today: dt.date, count: int = QUARTERS) -> list[tuple[int, int]]:
    """The ``count`` quarters ending with the last one completed before ``today``, oldest first."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    quarters = []
    for _ in range(count):
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        quarters.append((year, quarter))
    return quarters[::-1]


def _quarter_end(year: int, quarter: int) -> dt.date:
    return dt.date(year + (quarter == 4), quarter * 3 % 12 + 1, 1) - dt.timedelta(days=1)


def load_template(city: Agency, now: dt.datetime) -> tuple[IndicatorTemplate, int]:
    """The city's template (the tree's root is its jurisdiction: every agency uses it)."""
    template = db.session.scalar(sa.select(IndicatorTemplate).where(IndicatorTemplate.agency_id == city.id,
                                                                    IndicatorTemplate.name == TEMPLATE_NAME))
    if template is not None:
        return template, 0
    order = list(GROUPS)
    positions: dict[str, int] = {}
    indicators = []
    for group, name, weight, _lean in INDICATORS:
        positions[group] = positions.get(group, 0) + 1
        indicators.append(Indicator(group=group, group_order=order.index(group), position=positions[group],
                                    name=name, weight=weight))
    template = IndicatorTemplate(agency_id=city.id, name=TEMPLATE_NAME, active=True, created_at=now,
                                 indicators=indicators)
    db.session.add(template)
    db.session.flush()
    return template, 1


def _officer_quarter(rng: random.Random, level: float, indicators: list[Indicator]) -> list[int]:
    """Scores in tenths (half points) for one quarter; now and then a 较差 quarter."""
    base = rng.uniform(47.0, 57.0) if rng.random() < POOR_QUARTER else level + rng.gauss(0, 2.0)
    scores = []
    for indicator in indicators:
        score = base + _LEAN.get(indicator.name, 0.0) + rng.gauss(0, 3.0)
        scores.append(int(round(min(100.0, max(0.0, score)) * 2)) * 5)
    return scores


def load_assessments(seed: int, numbers: list[str], template: IndicatorTemplate, now: dt.datetime) -> int:
    """Eight quarters of scores for the on-duty demo officers (from the quarter they joined)."""
    quarters = demo_quarters(now.date())
    indicators = list(template.indicators)
    officers = {o.id_number: o for o in db.session.execute(sa.select(
        Officer.id, Officer.id_number, Officer.status, Officer.hired_on)).all()}
    existing = set(db.session.execute(sa.select(
        AssessmentScore.officer_id, AssessmentScore.year, AssessmentScore.quarter,
        AssessmentScore.indicator_id).where(AssessmentScore.indicator_id.in_([i.id for i in indicators]),
               AssessmentScore.year >= quarters[0][0])).all())
    new = []
    for number in sorted(set(numbers)):
        officer = officers[number]
        if officer.status != "on_duty":
            continue
        rng = seeded(seed, number, "assessment")
        low, high = rng.choices([(low, high) for _share, low, high in LEVELS],
                                weights=[share for share, *_ in LEVELS])[0]
        level = 93.0 if number in DEMO_OFFICERS else rng.uniform(low, high)
        for year, quarter in quarters:
            end = _quarter_end(year, quarter)
            scores = _officer_quarter(seeded(seed, number, year, quarter), level, indicators)
            if end < officer.hired_on:
                continue
            if number in DEMO_OFFICERS:
                scores = [max(tenths, 800) for tenths in scores]
            entered = min(now, dt.datetime.combine(end + dt.timedelta(days=8), dt.time(16, 30), now.tzinfo))
            for indicator, tenths in zip(indicators, scores, strict=True):
                if (officer.id, year, quarter, indicator.id) in existing:
                    continue
                new.append({"officer_id": officer.id, "year": year, "quarter": quarter,
                            "indicator_id": indicator.id, "tenths": tenths, "entered_by": None,
                            "updated_at": entered})
    insert(AssessmentScore, new)
    return len(new)
