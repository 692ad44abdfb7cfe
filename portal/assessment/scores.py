"""The quarterly score grid of routine assessment (平时考核, SPEC §2.5): one agency × one quarter.

Services take the actor and the time, validate, change, audit and flush; the caller commits or rolls back.

* **Scores** — :func:`parse_score` reads a typed score (tenths); :func:`save_grid` stores a whole grid all or
  nothing; blank cells are allowed, and an officer with a blank cell has no total for the quarter.
* **The grid** — :func:`load_grid` gathers what the page shows: the on-duty officers, the quarter's template
  (:func:`portal.assessment.services.quarter_template`), stored scores and results.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from portal import audit, clock
from portal.assessment import grading
from portal.assessment.models import AssessmentScore, Indicator, IndicatorTemplate
from portal.assessment.results import (
    FIRST_YEAR,
    QuarterResult,
    quarter_label,
    quarter_results,
    quarter_started,
)
from portal.assessment.services import grouped, quarter_template
from portal.errors import DomainError
from portal.extensions import db
from portal.officers.models import Officer

# ------------------------------------------------------------------------------------------------------ scores

class ScoreError(ValueError):
    """A typed score that cannot be stored; ``reason`` says why, in Chinese."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)


def parse_score(raw: str | None) -> int | None:
    """A typed score in tenths (``"85.5"`` → 855), ``None`` for a blank cell; raises :class:`ScoreError`.

    Full-width digits and the full-width full stop typed with a Chinese input method count.
    """
    text = unicodedata.normalize("NFKC", raw or "").strip().replace("。", ".")
    if not text:
        return None
    if len(text) > 12 or not _NUMBER.fullmatch(text):
        raise ScoreError("须填写 0 至 100 之间的数字")
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
        raise ScoreError("须填写 0 至 100 之间的数字") from None
    if value < 0 or value > 100:
        raise ScoreError("分数须在 0 至 100 之间")
    tenths = value * 10
    if tenths != tenths.to_integral_value():
        raise ScoreError("分数最多保留一位小数")
    return int(tenths)


@dataclass(frozen=True)
class SaveResult:
    """What a grid save changed."""

    officers: int
    added: int
    changed: int
    removed: int

    @property
    def changes(self) -> int:
        return self.added + self.changed + self.removed


def _shown(raw: str) -> str:
    raw = (raw or "").strip()
    return raw if len(raw) <= 12 else raw[:12] + "…"


def save_grid(actor: audit.Actor, agency, year: int, quarter: int, template_id: int | None,
              cells: dict[int, dict[int, str]], now: dt.datetime) -> SaveResult:
    """Store a whole grid of one agency and quarter, all or nothing.

    :param template_id: the template the form was drawn with; a different one (the quarter's template changed
        meanwhile) is a 409 and nothing is stored.
    :param cells: ``{officer_id: {indicator_id: typed text}}`` for every row of the form; a blank or missing
        cell means "no score" (an existing score there is removed).
    :raises DomainError: with an item per bad cell or officer (``field`` = ``s-<officer>-<indicator>`` or
        ``officer-<id>``), naming the officer and the indicator.
    """
    label = quarter_label(year, quarter)
    if year < FIRST_YEAR or not quarter_started(year, quarter, clock.local(now).date()):
        raise DomainError("quarter_not_open", f"{label}尚未开始，不能录入考核分数。")
    template = quarter_template(agency, year, quarter)
    if template is None:
        raise DomainError("no_template", "尚无启用的考核指标模板，暂不能录入分数。请联系法制机构设置考核指标。",
                          status=409)
    if template.id != template_id:
        raise DomainError("template_changed", f"{label}使用的考核指标已变为“{template.name}”，本次填写未保存。"
                          "请重新打开本页再录入。", status=409)
    indicators = {indicator.id: indicator for indicator in template.indicators}
    officers = {officer.id: officer for officer in db.session.scalars(
        sa.select(Officer).where(Officer.id.in_(list(cells))))} if cells else {}

    items: list[dict] = []
    typed: dict[tuple[int, int], int] = {}
    for officer_id, row in cells.items():
        officer = officers.get(officer_id)
        if officer is None or officer.agency_id != agency.id:
            items.append({"field": f"officer-{officer_id}", "officer_id": officer_id,
                          "message": f"编号 {officer_id} 的人员不是{agency.name}的执法人员，不能录入其分数"})
            continue
        if officer.status != "on_duty":
            items.append({"field": f"officer-{officer_id}", "officer_id": officer_id,
                          "message": f"{officer.name}的状态为“{officer.status_label}”，只能为在岗执法人员录入分数"})
            continue
        for indicator_id, raw in row.items():
            field = f"s-{officer_id}-{indicator_id}"
            indicator = indicators.get(indicator_id)
            if indicator is None:
                items.append({"field": field, "officer_id": officer_id, "indicator_id": indicator_id,
                              "reason": "不是本季度使用的指标",
                              "message": f"{officer.name}：编号 {indicator_id} 的指标不属于{label}使用的"
                                         f"指标模板“{template.name}”"})
                continue
            try:
                tenths = parse_score(raw)
            except ScoreError as err:
                items.append({"field": field, "officer_id": officer_id, "indicator_id": indicator_id,
                              "reason": err.reason,
                              "message": f"{officer.name} · {indicator.name}：{err.reason}（填写的是“{_shown(raw)}”）"})
                continue
            if tenths is not None:
                typed[(officer_id, indicator_id)] = tenths
    if items:
        raise DomainError("invalid_scores", f"有 {len(items)} 处填写有误，本表未保存，请按提示修改后重新提交。",
                          items=items)

    existing = {(score.officer_id, score.indicator_id): score for score in db.session.scalars(
        sa.select(AssessmentScore).where(AssessmentScore.officer_id.in_(list(cells)),
                                         AssessmentScore.year == year, AssessmentScore.quarter == quarter))}
    added = changed = removed = 0
    for officer_id in cells:
        for indicator_id in indicators:
            key = (officer_id, indicator_id)
            new, old = typed.get(key), existing.get(key)
            if old is None and new is not None:
                db.session.add(AssessmentScore(officer_id=officer_id, year=year, quarter=quarter,
                                               indicator_id=indicator_id, tenths=new, entered_by=actor.user_id,
                                               updated_at=now))
                added += 1
            elif old is not None and new is None:
                db.session.delete(old)
                removed += 1
            elif old is not None and old.tenths != new:
                old.tenths, old.entered_by, old.updated_at = new, actor.user_id, now
                changed += 1
    db.session.flush()
    templates = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Indicator.template_id)))
        .join(AssessmentScore, AssessmentScore.indicator_id == Indicator.id)
        .where(AssessmentScore.year == year, AssessmentScore.quarter == quarter))
    if templates > 1:  # a new template became the newest between another agency's first save and ours
        raise DomainError("template_changed", f"{label}的考核指标刚刚发生变化，本次填写未保存。请重新打开本页再录入。",
                          status=409)
    result = SaveResult(len(cells), added, changed, removed)
    if result.changes:
        audit.record(actor, "assessment.scores_save", agency_id=agency.id, object_type="agency",
                     object_id=agency.id, now=now,
                     change={"year": year, "quarter": quarter, "template_id": template.id, "officers": len(cells),
                             "added": added, "changed": changed, "removed": removed})
    return result


# -------------------------------------------------------------------------------------------------------- grid

@dataclass
class Grid:
    """What the score grid of one agency and quarter shows."""

    agency: object
    year: int
    quarter: int
    template: IndicatorTemplate | None
    officers: list[Officer]
    values: dict[str, str]  # field name → shown text (stored, or as typed after an error)
    results: dict[int, QuarterResult]
    open: bool  # the quarter has begun, so scores may be entered

    @property
    def label(self) -> str:
        return quarter_label(self.year, self.quarter)

    @property
    def groups(self):
        return grouped(self.template.indicators) if self.template else []

    @property
    def indicators(self) -> list[Indicator]:
        return list(self.template.indicators) if self.template else []


def load_grid(agency, year: int, quarter: int, today: dt.date) -> Grid:
    """The on-duty officers of one agency (not its sub-agencies), the quarter's template and stored scores."""
    officers = list(db.session.scalars(
        sa.select(Officer).where(Officer.agency_id == agency.id, Officer.status == "on_duty")
        .order_by(Officer.name, Officer.id)))
    template = quarter_template(agency, year, quarter)
    ids = [officer.id for officer in officers]
    values: dict[str, str] = {}
    results: dict[int, QuarterResult] = {}
    if ids:
        for officer_id, indicator_id, tenths in db.session.execute(
                sa.select(AssessmentScore.officer_id, AssessmentScore.indicator_id, AssessmentScore.tenths)
                .where(AssessmentScore.officer_id.in_(ids), AssessmentScore.year == year,
                       AssessmentScore.quarter == quarter)):
            values[f"s-{officer_id}-{indicator_id}"] = grading.format_tenths(tenths)
        results = {officer_id: by_quarter[(year, quarter)]
                   for officer_id, by_quarter in quarter_results(ids, [(year, quarter)]).items()}
    return Grid(agency, year, quarter, template, officers, values, results,
                year >= FIRST_YEAR and quarter_started(year, quarter, today))
