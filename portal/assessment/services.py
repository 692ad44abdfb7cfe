"""Routine assessment (平时考核, SPEC §2.5): indicator templates, the quarterly score grid, totals and grades.

Services take the actor and the time, validate, change, audit and flush; the caller commits or rolls back.

* **Templates** — three groups of indicators whose weights add up to each group's weight (policy). A template
  that scores refer to is never changed: make a new one and deactivate the old.
* **Templates belong to a jurisdiction** (the agency node of the legal office that set it); a legal account
  keeps only templates of its scope, and reads those of the jurisdictions above it, which apply to its agencies.
* **Which template a quarter uses** (:func:`quarter_template`) — for an agency, the template its quarter's scores
  already belong to: the nearest of the jurisdictions over the agency whose template has scores in that quarter
  (so the agencies under one jurisdiction are graded alike within a quarter); before any, the newest active
  template of the nearest jurisdiction that has one.
* **Scores** — a whole grid (one agency, one quarter) is saved all or nothing; blank cells are allowed, and an
  officer with a blank cell has no total for the quarter.
* **Results** — :func:`quarter_results` answers for any set of officers and quarters with one grouped query;
  the two-year review and every page here use it, and :mod:`portal.assessment.grading` rounds and grades.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from portal import audit, clock
from portal.assessment import grading
from portal.assessment.models import GROUPS, AssessmentScore, Indicator, IndicatorTemplate
from portal.errors import DomainError
from portal.extensions import db
from portal.officers.models import Officer
from portal.orgs.models import Agency

QUARTER_NAMES = "一二三四"
FIRST_YEAR = 2016  # 威政办发〔2016〕3号: no routine assessment is recorded before it
TEMPLATE_NAME_MAX = 80
INDICATOR_NAME_MAX = 60


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


# --------------------------------------------------------------------------------------------------- templates

@dataclass(frozen=True)
class IndicatorRow:
    """One row of the template form as typed: ``position`` is its place in its group (for error fields)."""

    group: str
    position: int
    name: str
    weight: str

    @property
    def blank(self) -> bool:
        return not (self.name or "").strip() and not (self.weight or "").strip()

    @property
    def field(self) -> str:
        return f"{self.group}-{self.position}"


_WEIGHT = re.compile(r"[0-9]{1,3}", re.ASCII)


def _checked_template(name: str, rows: Iterable[IndicatorRow], agency_id: int, exclude_id: int | None = None):
    """Validate a template as typed; returns ``(name, {group: [(indicator name, weight)]})`` or raises
    :class:`DomainError` whose items name each bad field (``name``, ``general-2-weight``, ``external``…)."""
    items: list[dict] = []
    name = " ".join((name or "").split())
    if not name:
        items.append({"field": "name", "message": "请填写模板名称"})
    elif len(name) > TEMPLATE_NAME_MAX:
        items.append({"field": "name", "message": f"模板名称不能超过 {TEMPLATE_NAME_MAX} 个字"})
    else:
        taken = db.session.scalar(sa.select(IndicatorTemplate.id).where(
            IndicatorTemplate.agency_id == agency_id, IndicatorTemplate.name == name,
            IndicatorTemplate.id != (exclude_id or -1)))
        if taken is not None:
            items.append({"field": "name", "message": f"本辖区已有名为“{name}”的指标模板，请换一个名称"})

    parsed: dict[str, list[tuple[str, int]]] = {group: [] for group in GROUPS}
    weights_known = {group: True for group in GROUPS}
    seen: dict[str, str] = {}
    for row in rows:
        if row.blank:
            continue
        if row.group not in GROUPS:
            items.append({"field": row.field, "message": f"未知的指标组：{row.group}"})
            continue
        where = f"{GROUPS[row.group]}第 {row.position + 1} 行"
        indicator = " ".join((row.name or "").split())
        raw = unicodedata.normalize("NFKC", row.weight or "").strip()
        if not indicator:
            items.append({"field": f"{row.field}-name", "message": f"{where}：请填写指标名称"})
        elif len(indicator) > INDICATOR_NAME_MAX:
            items.append({"field": f"{row.field}-name",
                          "message": f"{where}：指标名称不能超过 {INDICATOR_NAME_MAX} 个字"})
        elif indicator in seen:
            items.append({"field": f"{row.field}-name",
                          "message": f"{where}：指标“{indicator}”与{seen[indicator]}重复"})
        else:
            seen[indicator] = where
        if not _WEIGHT.fullmatch(raw) or not 1 <= int(raw) <= 100:
            items.append({"field": f"{row.field}-weight",
                          "message": f"{where}（{indicator or '未命名'}）：权重须为 1 至 100 的整数"})
            weights_known[row.group] = False
            continue
        parsed[row.group].append((indicator, int(raw)))

    for group, expected in grading.group_weights().items():
        label = GROUPS[group]
        if not parsed[group] and weights_known[group]:
            items.append({"field": group, "message": f"{label}组至少需要一项指标（该组权重为 {expected}）"})
        elif weights_known[group]:
            total = sum(weight for _, weight in parsed[group])
            if total != expected:
                items.append({"field": group,
                              "message": f"{label}组各指标权重之和为 {total}，须等于该组权重 {expected}"})
    if items:
        raise DomainError("invalid_template", f"指标模板未保存：有 {len(items)} 处需要修改。", items=items)
    return name, parsed


def _describe(template: IndicatorTemplate) -> dict:
    """The template's indicators for the audit log: ``{group: [[name, weight], …]}``."""
    out: dict[str, list] = {group: [] for group in GROUPS}
    for indicator in template.indicators:
        out[indicator.group].append([indicator.name, indicator.weight])
    return out


def _indicators(parsed: dict[str, list[tuple[str, int]]]) -> list[Indicator]:
    return [Indicator(group=group, group_order=order, position=position, name=name, weight=weight)
            for order, group in enumerate(GROUPS)
            for position, (name, weight) in enumerate(parsed[group])]


def create_template(actor: audit.Actor, agency: Agency, name: str, rows: Iterable[IndicatorRow],
                    now: dt.datetime) -> IndicatorTemplate:
    """A new active template of the jurisdiction ``agency`` (the caller checks it is the actor's to set); new
    quarters of the agencies under it use it, unless a nearer jurisdiction has one of its own."""
    name, parsed = _checked_template(name, list(rows), agency.id)
    template = IndicatorTemplate(agency_id=agency.id, name=name, active=True, created_by=actor.user_id,
                                 created_at=now, indicators=_indicators(parsed))
    db.session.add(template)
    db.session.flush()
    audit.record(actor, "assessment.template_create", template,
                 change={"name": name, "jurisdiction": agency.name, **_describe(template)}, now=now)
    return template


def template_in_use(template_id: int) -> bool:
    """True when any score belongs to one of the template's indicators."""
    return db.session.scalar(sa.select(sa.exists().where(
        AssessmentScore.indicator_id == Indicator.id, Indicator.template_id == template_id)))


def in_use_message(template: IndicatorTemplate) -> str:
    return (f"指标模板“{template.name}”已有考核分数使用，不能修改。"
            "如需调整指标，请以它为基础新建模板，并停用本模板。")


def update_template(actor: audit.Actor, template: IndicatorTemplate, name: str, rows: Iterable[IndicatorRow],
                    now: dt.datetime) -> IndicatorTemplate:
    """Change a template that no score uses yet (409 once one does)."""
    if template_in_use(template.id):
        raise DomainError("template_in_use", in_use_message(template), status=409)
    name, parsed = _checked_template(name, list(rows), template.agency_id, exclude_id=template.id)
    before = {"name": template.name, **_describe(template)}
    template.indicators.clear()
    db.session.flush()
    template.name = name
    template.indicators.extend(_indicators(parsed))
    db.session.flush()
    after = {"name": name, **_describe(template)}
    if before != after:
        audit.record(actor, "assessment.template_update", template,
                     change={key: [before[key], after[key]] for key in after if before[key] != after[key]}, now=now)
    return template


def set_active(actor: audit.Actor, template: IndicatorTemplate, active: bool, now: dt.datetime) -> bool:
    """Activate or deactivate a template; returns whether anything changed. A quarter already scored keeps its
    template whatever its state; a deactivated template is never chosen for a new quarter."""
    if template.active == active:
        return False
    template.active = active
    db.session.flush()
    audit.record(actor, "assessment.template_activate" if active else "assessment.template_deactivate", template,
                 change={"active": [not active, active]}, now=now)
    return True


def jurisdictions(agency: Agency) -> list[int]:
    """The ids of the agency and every node above it: the jurisdictions whose templates may apply to it."""
    return [int(part) for part in agency.path.strip("/").split("/") if part]


def _nearest_first(query, agency: Agency):
    """``query`` over templates limited to the jurisdictions over ``agency``, the nearest first, then the newest."""
    return (query.join(Agency, Agency.id == IndicatorTemplate.agency_id)
            .where(IndicatorTemplate.agency_id.in_(jurisdictions(agency)))
            .order_by(sa.func.length(Agency.path).desc(), IndicatorTemplate.created_at.desc(),
                      IndicatorTemplate.id.desc()).limit(1))


def newest_active(agency: Agency) -> IndicatorTemplate | None:
    """The template a quarter of ``agency`` with no scores yet will use: the newest active template of the
    nearest jurisdiction over it that has one."""
    return db.session.scalar(_nearest_first(
        sa.select(IndicatorTemplate).where(IndicatorTemplate.active.is_(True)), agency))


def current_of(agency_ids: Iterable[int]) -> dict[int, int]:
    """For each jurisdiction, the id of its newest active template (the one new quarters under it use)."""
    rows = db.session.execute(
        sa.select(IndicatorTemplate.agency_id, IndicatorTemplate.id)
        .where(IndicatorTemplate.active.is_(True), IndicatorTemplate.agency_id.in_(list(agency_ids)))
        .order_by(IndicatorTemplate.created_at, IndicatorTemplate.id)).all()
    return dict(rows)  # the newest last: it wins


def quarter_template(agency: Agency, year: int, quarter: int) -> IndicatorTemplate | None:
    """The template of ``agency``'s quarter: the nearest template over it that the quarter's scores already use
    (anyone's under that jurisdiction, so its agencies are graded alike), else :func:`newest_active`."""
    scored = sa.exists().where(AssessmentScore.indicator_id == Indicator.id,
                               Indicator.template_id == IndicatorTemplate.id,
                               AssessmentScore.year == year, AssessmentScore.quarter == quarter)
    used = db.session.scalar(_nearest_first(sa.select(IndicatorTemplate).where(scored), agency))
    return used or newest_active(agency)


def template_usage() -> dict[int, list[tuple[int, int]]]:
    """The quarters each template has scores in: ``{template_id: [(year, quarter), …]}`` (one query)."""
    rows = db.session.execute(
        sa.select(Indicator.template_id, AssessmentScore.year, AssessmentScore.quarter)
        .join(AssessmentScore, AssessmentScore.indicator_id == Indicator.id)
        .group_by(Indicator.template_id, AssessmentScore.year, AssessmentScore.quarter)
        .order_by(AssessmentScore.year, AssessmentScore.quarter)).all()
    usage: dict[int, list[tuple[int, int]]] = {}
    for template_id, year, quarter in rows:
        usage.setdefault(template_id, []).append((year, quarter))
    return usage


def grouped(indicators: Iterable[Indicator]) -> list[tuple[str, str, int, list[Indicator]]]:
    """Indicators by group, in group order: ``[(group, label, sum of weights, [indicators])]``."""
    by_group: dict[str, list[Indicator]] = {group: [] for group in GROUPS}
    for indicator in indicators:
        by_group[indicator.group].append(indicator)
    return [(group, GROUPS[group], sum(i.weight for i in items), items) for group, items in by_group.items()]


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
