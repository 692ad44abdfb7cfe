"""Writing training data: courses, one officer's record, a whole class (batches from an import or the API are
in :mod:`portal.training.batches`).

Services take the actor, the acting account (for scope; ``None`` = everything, the CLI) and ``now``; they
validate, change, audit and flush — the caller commits or rolls back. Refusals are :class:`DomainError` with
per-field ``items``. Audit entries name officers by their internal id, never by ID number.

Hours are whole half-hours: :func:`parse_hours` is the one place a typed or imported number becomes them.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from portal import audit, clock
from portal.auth.access import in_scope, scope_condition
from portal.errors import DomainError, problem
from portal.extensions import db
from portal.imports.values import as_date, as_text
from portal.officers.models import Officer
from portal.templating import cn_date
from portal.training.models import CATEGORIES, CATEGORY_CODES, MODES, Course, TrainingRecord

#: one record is at most one day's training (three full days of a course make three records)
MAX_HOURS_PER_RECORD = 24
#: a completion date before this is a typing error (e.g. an empty spreadsheet date read as 1900-01-01)
EARLIEST = dt.date(2000, 1, 1)
MAX_TITLE, MAX_PROVIDER, MAX_NOTE, MAX_EXTERNAL_ID = 120, 100, 500, 64

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def today_of(now: dt.datetime) -> dt.date:
    return clock.local(now).date()


# --- values -------------------------------------------------------------------------------------------------

def parse_hours(value, maximum: int = MAX_HOURS_PER_RECORD) -> tuple[int | None, str | None]:
    """Hours (a number, or text such as ``1.5``, ``１．５``, ``2学时``) as whole half-hours, or why they are refused:
    more than 0, in steps of 0.5, at most ``maximum``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "请填写学时"
    if isinstance(value, bool):
        return None, "学时须为数字，如 2 或 1.5"
    if isinstance(value, int | float | Decimal):
        if isinstance(value, float) and not math.isfinite(value):
            return None, "学时须为数字，如 2 或 1.5"
        number = Decimal(str(value))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().removesuffix("学时").strip()
        if not _NUMBER.match(text):
            return None, "学时须为数字，如 2 或 1.5"
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None, "学时须为数字，如 2 或 1.5"
    if number <= 0:
        return None, "学时须大于 0"
    if (number * 2) % 1 != 0:
        return None, "学时须以 0.5 为单位（如 1、1.5、2），不能是 " + format(number.normalize(), "f")
    if number > maximum:
        return None, f"每条记录最多 {maximum} 学时（多日培训请按天分别登记）"
    return int(number * 2), None


def format_hours(half_hours: int) -> str:
    """``3`` → ``'1.5'``, ``4`` → ``'2'``."""
    return f"{half_hours / 2:g}"


def parse_category(value) -> str | None:
    """A category code from its Chinese name or its code; ``None`` when it is neither."""
    text = as_text(value)
    if text in CATEGORIES:
        return text
    return CATEGORY_CODES.get(text)


NOT_FOUND = "执法人员不存在或不在您的管辖范围内"
CATEGORY_CHOICES_TEXT = "、".join(CATEGORIES.values())


def _text(value, label: str, limit: int, field_name: str, items: list, required: bool = True) -> str:
    text = as_text(value)
    if required and not text:
        items.append(problem(field_name, f"请填写{label}"))
    elif len(text) > limit:
        items.append(problem(field_name, f"{label}最多 {limit} 个字，当前 {len(text)} 个字"))
    return text


def _date(value, label: str, field_name: str, items: list) -> dt.date | None:
    """A date typed or imported (a date, or text such as 2026-03-15, 2026/3/15, 2026年3月15日)."""
    if value is None or as_text(value) == "":
        items.append(problem(field_name, f"请填写{label}"))
        return None
    day = value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else as_date(value)
    if day is None:
        items.append(problem(field_name, f"{label}不是有效日期，请写成 2026-03-15 的形式"))
    return day


def _completed_on(value, today: dt.date, field_name: str, items: list) -> dt.date | None:
    day = _date(value, "完成日期", field_name, items)
    if day is None:
        return None
    if day > today:
        items.append(problem(field_name, f"完成日期（{cn_date(day)}）晚于今天，不能登记尚未完成的培训"))
        return None
    if day < EARLIEST:
        items.append(problem(field_name, f"完成日期（{cn_date(day)}）早于 {EARLIEST.year} 年，请核对"))
        return None
    return day


# --- courses ------------------------------------------------------------------------------------------------

@dataclass
class CourseData:
    title: str = ""
    category: str = ""
    hours: object = None
    provider: str = ""
    mode: str = "classroom"
    starts_on: object = None  # a date or its text
    ends_on: object = None
    agency_id: int | None = None


def create_course(actor: audit.Actor, user, data: CourseData, now: dt.datetime) -> Course:
    """Add a course to the catalogue of an agency in the user's scope."""
    items: list[dict] = []
    title = _text(data.title, "课程名称", MAX_TITLE, "title", items)
    provider = _text(data.provider, "培训机构", MAX_PROVIDER, "provider", items)
    if data.category not in CATEGORIES:
        items.append(problem("category", f"类别须为{CATEGORY_CHOICES_TEXT}之一"))
    half_hours, why = parse_hours(data.hours)
    if why:
        items.append(problem("hours", why))
    if data.mode not in MODES:
        items.append(problem("mode", "培训方式须为面授或网络"))
    starts_on = _date(data.starts_on, "开始日期", "starts_on", items)
    ends_on = _date(data.ends_on, "结束日期", "ends_on", items)
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        items.append(problem("ends_on", "结束日期不能早于开始日期"))
    if not data.agency_id or (user is not None and not in_scope(user, data.agency_id)):
        items.append(problem("agency_id", "请选择您管辖范围内的单位"))
    if items:
        raise DomainError.invalid(items)
    course = Course(title=title, category=data.category, half_hours=half_hours, provider=provider, mode=data.mode,
                    starts_on=starts_on, ends_on=ends_on, agency_id=data.agency_id,
                    created_by=actor.user_id, created_at=now)
    db.session.add(course)
    db.session.flush()
    audit.record(actor, "course.create", course, {
        "title": title, "category": data.category, "hours": format_hours(half_hours), "provider": provider,
        "mode": data.mode, "starts_on": starts_on, "ends_on": ends_on}, now=now)
    return course


def course_in_scope(user, course_id) -> Course:
    """The course, or a 404 :class:`DomainError` when it does not exist or lies outside the user's scope."""
    course = db.session.get(Course, course_id) if course_id else None
    if course is None or (user is not None and not in_scope(user, course.agency_id)):
        raise DomainError("not_found", "课程不存在或不在您的管辖范围内", status=404)
    return course


# --- one officer ----------------------------------------------------------------------------------------------

@dataclass
class RecordData:
    """One officer's training as typed: a catalogue course (its title, category and provider are used; hours
    default to the course's) or a free title with its own category, hours and provider."""

    officer_id: int | None = None
    course_id: int | None = None
    title: str = ""
    category: str = ""
    hours: object = None
    completed_on: object = None  # a date or its text
    provider: str = ""
    note: str = ""


def officer_in_scope(user, officer_id) -> Officer:
    officer = db.session.get(Officer, officer_id) if officer_id else None
    if officer is None or (user is not None and not in_scope(user, officer.agency_id)):
        raise DomainError.not_found(NOT_FOUND)
    return officer


def _audit_record(record: TrainingRecord) -> dict:
    return {"officer_id": record.officer_id, "course_id": record.course_id, "title": record.title,
            "category": record.category, "hours": format_hours(record.half_hours),
            "completed_on": record.completed_on, "provider": record.provider, "source": record.source}


def record_training(actor: audit.Actor, user, data: RecordData, now: dt.datetime) -> TrainingRecord:
    """Record one officer's training (source ``manual``)."""
    officer = officer_in_scope(user, data.officer_id)
    today = today_of(now)
    items: list[dict] = []
    course = course_in_scope(user, data.course_id) if data.course_id else None
    if course is not None:
        title, category, provider = course.title, course.category, course.provider
        hours = data.hours if as_text(data.hours) else course.hours
    else:
        title = _text(data.title, "课程名称", MAX_TITLE, "title", items)
        provider = _text(data.provider, "培训机构", MAX_PROVIDER, "provider", items)
        category = data.category
        if category not in CATEGORIES:
            items.append(problem("category", f"类别须为{CATEGORY_CHOICES_TEXT}之一"))
        hours = data.hours
    half_hours, why = parse_hours(hours)
    if why:
        items.append(problem("hours", why))
    completed_on = _completed_on(data.completed_on, today, "completed_on", items)
    if course is not None and completed_on is not None and completed_on < course.starts_on:
        items.append(problem("completed_on", f"完成日期早于课程开始日期（{cn_date(course.starts_on)}）"))
    note = _text(data.note, "备注", MAX_NOTE, "note", items, required=False)
    if title and completed_on and not items and db.session.scalar(sa.select(TrainingRecord.id).where(
            TrainingRecord.officer_id == officer.id, TrainingRecord.title == title,
            TrainingRecord.completed_on == completed_on)):
        items.append(problem("completed_on", f"{officer.name}在 {completed_on.isoformat()} 已有“{title}”的培训记录"))
    if items:
        raise DomainError.invalid(items)
    record = TrainingRecord(officer=officer, officer_id=officer.id, course_id=course.id if course else None,
                            title=title, category=category, half_hours=half_hours, completed_on=completed_on,
                            provider=provider, source="manual", external_id=None, recorded_by=actor.user_id,
                            note=note or None, created_at=now)
    db.session.add(record)
    db.session.flush()
    audit.record(actor, "training.record", record, _audit_record(record), agency_id=officer.agency_id, now=now)
    return record


# --- a class --------------------------------------------------------------------------------------------------

def recorded_for(course: Course, officer_ids, day: dt.date | None = None) -> dict[int, dt.date]:
    """Which of ``officer_ids`` already have the course — a record of it on any day, or of its title on ``day`` —
    and when (one query)."""
    same = TrainingRecord.course_id == course.id
    if day is not None:
        same = sa.or_(same, sa.and_(TrainingRecord.title == course.title, TrainingRecord.completed_on == day))
    rows = db.session.execute(sa.select(TrainingRecord.officer_id, sa.func.min(TrainingRecord.completed_on))
                              .where(TrainingRecord.officer_id.in_(list(officer_ids)), same)
                              .group_by(TrainingRecord.officer_id)).all()
    return dict(rows)


def record_class(actor: audit.Actor, user, course_id, officer_ids, completed_on, now: dt.datetime,
                 note: str = "") -> list[TrainingRecord]:
    """Record a course for every attendee at once (one record each, source ``manual``) — all or nothing.

    An officer outside the user's scope refuses the whole class (404); an attendee who already has a record of the
    course (on any day), or of its title on that day, is named: a course is completed once.
    """
    course = course_in_scope(user, course_id)
    ids = list(dict.fromkeys(int(i) for i in officer_ids or []))
    today = today_of(now)
    items: list[dict] = []
    if not ids:
        items.append(problem("officer_ids", "请至少选择一名参训人员"))
    day = _completed_on(completed_on, today, "completed_on", items)
    if day is not None and day < course.starts_on:
        items.append(problem("completed_on", f"完成日期早于课程开始日期（{cn_date(course.starts_on)}）"))
    note = _text(note, "备注", MAX_NOTE, "note", items, required=False)
    officers = []
    if ids:
        query = sa.select(Officer).where(Officer.id.in_(ids))
        if user is not None:
            query = query.where(scope_condition(user, Officer.agency_id))
        officers = db.session.scalars(query).unique().all()
        if len(officers) != len(ids):
            raise DomainError.not_found(NOT_FOUND)
    if officers:
        already = recorded_for(course, ids, day)
        if already:
            names = "、".join(f"{o.name}（{cn_date(already[o.id])}）"
                             for o in sorted(officers, key=lambda o: ids.index(o.id)) if o.id in already)
            items.append(problem("officer_ids", f"以下人员已登记过“{course.title}”，请取消勾选后再提交：{names}"))
    if items:
        raise DomainError.invalid(items)
    records = [TrainingRecord(officer=o, officer_id=o.id, course_id=course.id, title=course.title,
                              category=course.category, half_hours=course.half_hours, completed_on=day,
                              provider=course.provider, source="manual", recorded_by=actor.user_id,
                              note=note or None, created_at=now) for o in officers]
    db.session.add_all(records)
    db.session.flush()
    by_agency: dict[int, list[TrainingRecord]] = {}
    for record in records:
        by_agency.setdefault(record.officer.agency_id, []).append(record)
    for agency_id, group in sorted(by_agency.items()):
        audit.record(actor, "training.class", course, {
            "course_id": course.id, "title": course.title, "completed_on": day,
            "hours": format_hours(course.half_hours), "officer_ids": [r.officer_id for r in group],
            "record_ids": [r.id for r in group], "count": len(group)}, agency_id=agency_id, now=now)
    return records
