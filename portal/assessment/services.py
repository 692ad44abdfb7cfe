"""Routine assessment (平时考核, SPEC §2.5): indicator templates and which one a quarter uses.

Services take the actor and the time, validate, change, audit and flush; the caller commits or rolls back.

* **Templates** — three groups of indicators whose weights add up to each group's weight (policy). A template
  that scores refer to is never changed: make a new one and deactivate the old.
* **Templates belong to a jurisdiction** (the agency node of the legal office that set it); a legal account
  keeps only templates of its scope, and reads those of the jurisdictions above it, which apply to its agencies.
* **Which template a quarter uses** (:func:`quarter_template`) — for an agency, the template its quarter's scores
  already belong to: the nearest of the jurisdictions over the agency whose template has scores in that quarter
  (so the agencies under one jurisdiction are graded alike within a quarter); before any, the newest active
  template of the nearest jurisdiction that has one.

The score grid lives in :mod:`portal.assessment.scores`; quarters, totals and grades in
:mod:`portal.assessment.results`.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from portal import audit
from portal.assessment import grading
from portal.assessment.models import GROUPS, AssessmentScore, Indicator, IndicatorTemplate
from portal.errors import DomainError
from portal.extensions import db
from portal.orgs.models import Agency

TEMPLATE_NAME_MAX = 80
INDICATOR_NAME_MAX = 60


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
