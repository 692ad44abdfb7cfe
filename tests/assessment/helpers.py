"""Shared helpers for the routine assessment tests: templates, grid forms, reading the grid page."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal import clock
from portal.assessment import services
from portal.assessment.models import AssessmentScore, IndicatorTemplate
from portal.audit import AuditEntry
from portal.extensions import db
from portal.orgs.models import Agency
from tests.factories import SYSTEM
from tests.officers import page

#: one indicator per group: the weighted total is 0.3 a + 0.5 b + 0.2 c
SIMPLE = {"general": [("综合表现", 30)], "specialised": [("专项工作", 50)], "external": [("群众评价", 20)]}
#: a realistic template: several indicators per group
FULL = {
    "general": [("政治素质", 10), ("依法履职", 10), ("廉洁自律", 10)],
    "specialised": [("执法规范", 20), ("案卷质量", 15), ("执法效能", 15)],
    "external": [("群众评议", 10), ("投诉处理", 10)],
}


def rows(spec: dict) -> list[services.IndicatorRow]:
    return [services.IndicatorRow(group, i, name, str(weight))
            for group, items in spec.items() for i, (name, weight) in enumerate(items)]


def root_agency() -> Agency:
    """The tree's root: the jurisdiction whose templates apply to every agency."""
    return db.session.scalar(sa.select(Agency).where(Agency.parent_id.is_(None)).order_by(Agency.id))


def make_template(spec: dict = SIMPLE, name: str = "平时考核指标（2026）", now: dt.datetime | None = None,
                  agency: Agency | None = None) -> IndicatorTemplate:
    """A template of ``agency`` (the tree's root by default), through the service, committed."""
    template = services.create_template(SYSTEM, agency or root_agency(), name, rows(spec), now or clock.now())
    db.session.commit()
    return template


def template_form(name: str, spec: dict, blank: int = 2) -> dict:
    """What legal types into 新建指标模板: ``spec``'s rows then ``blank`` empty rows per group."""
    data = {"name": name}
    for group in ("general", "specialised", "external"):
        items = spec.get(group, [])
        data[f"{group}-rows"] = str(len(items) + blank)
        for i, (indicator, weight) in enumerate(items):
            data[f"{group}-{i}-name"] = indicator
            data[f"{group}-{i}-weight"] = str(weight)
        for i in range(len(items), len(items) + blank):
            data[f"{group}-{i}-name"] = ""
            data[f"{group}-{i}-weight"] = ""
    return data


def grid_url(agency, year: int = 2026, quarter: int = 3) -> str:
    return f"/assessment/grid?agency={agency.id}&year={year}&quarter={quarter}"


def grid_form(template: IndicatorTemplate, typed: dict) -> dict:
    """The grid as posted: ``typed`` = ``{officer: [text per indicator, in the template's order]}``."""
    data: dict = {"template": str(template.id), "officer": [str(o.id) for o in typed]}
    for officer, values in typed.items():
        for indicator, value in zip(template.indicators, values, strict=True):
            data[f"s-{officer.id}-{indicator.id}"] = value
    return data


def store(officer, template: IndicatorTemplate, year: int, quarter: int, tenths: list[int | None]) -> None:
    """Scores written straight to the table (for tests about reading them)."""
    for indicator, value in zip(template.indicators, tenths, strict=True):
        if value is not None:
            db.session.add(AssessmentScore(officer_id=officer.id, year=year, quarter=quarter,
                                           indicator_id=indicator.id, tenths=value, updated_at=clock.now()))
    db.session.commit()


def stored() -> dict[tuple[int, int, int, int], int]:
    """Every stored score: ``{(officer, year, quarter, indicator): tenths}``."""
    db.session.expire_all()
    return {(s.officer_id, s.year, s.quarter, s.indicator_id): s.tenths
            for s in db.session.scalars(sa.select(AssessmentScore))}


def audit_entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def grid_rows(response) -> dict[int, dict]:
    """The grid page's rows: ``{officer_id: {"name", "total", "grade", "values": {field: value}, "errors": {…}}}``."""
    doc = page._doc(response)
    out = {}
    body = doc.find("tbody")
    if body is None:
        return out
    for tr in body.find_all("tr"):
        head = tr.find("th")
        officer_id = int(head.attrs["id"].split("-")[1])
        total = next(td for td in tr.find_all("td") if "total" in td.classes)
        grade = next((n for n in tr.walk() if "grade" in n.classes), None)
        values, errors = {}, {}
        for node in tr.find_all("input"):
            name = node.attrs.get("name", "")
            if name.startswith("s-"):
                values[name] = node.attrs.get("value", "")
                if "is-invalid" in node.classes:
                    error = tr.find(id=f"{name}-error")
                    errors[name] = error.text().strip() if error is not None else ""
        out[officer_id] = {"name": " ".join(head.find("a").text().split()), "total": " ".join(total.text().split()),
                           "grade": grade.text().strip() if grade is not None else "", "values": values,
                           "errors": errors}
    return out


def cn_name(i: int, prefix: str = "考核") -> str:
    """A distinct Chinese name for the ``i``-th test officer (names are 2–40 汉字)."""
    return prefix + "甲乙丙丁戊己庚辛壬癸"[i % 10] + "子丑寅卯辰巳午未申酉戌亥"[i // 10 % 12] + "一二三四五"[i // 120 % 5]


def matrix_template() -> IndicatorTemplate:
    """The template whose id the route × role matrix puts in ``/assessment/templates/<template_id>…``."""
    return make_template(SIMPLE, name="权限矩阵测试指标")
