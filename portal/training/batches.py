"""Batches of training records from outside: the ``training`` import kind and ``POST /api/v1/training-records``.

:func:`validate_records` checks a whole batch set-based (one query for the officers by ID number, one for what
is stored, per chunk) and :func:`store_records` inserts it all or nothing, one audit entry per agency. Values are
read as in :mod:`portal.training.services` (hours by :func:`~portal.training.services.parse_hours`). Audit
entries name officers by their internal id, never by ID number.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.auth.access import scope_condition
from portal.errors import DomainError, problem
from portal.extensions import db
from portal.imports.values import as_text
from portal.officers import idcard
from portal.officers.models import Officer
from portal.training.models import TrainingRecord
from portal.training.services import (
    CATEGORY_CHOICES_TEXT,
    MAX_EXTERNAL_ID,
    MAX_PROVIDER,
    MAX_TITLE,
    _completed_on,
    _text,
    parse_category,
    parse_hours,
)

CHUNK = 1000


#: the fields of an incoming record, in the order an import file has its columns
FIELDS = ("id_number", "title", "category", "hours", "completed_on", "provider", "external_id")
FIELD_LABELS = {"id_number": "身份证号", "title": "课程名称", "category": "类别", "hours": "学时",
                "completed_on": "完成日期", "provider": "培训机构", "external_id": "外部编号"}


@dataclass
class Incoming:
    """One record of a batch as received; ``ref`` is its row number (import) or index (API)."""

    ref: int
    id_number: object = None
    title: object = None
    category: object = None
    hours: object = None
    completed_on: object = None
    provider: object = None
    external_id: object = None


@dataclass
class Batch:
    """What :func:`store_records` will insert: the new records' values and the officers' agencies."""

    new: list[dict] = field(default_factory=list)
    unchanged: int = 0
    agency_of: dict[int, int] = field(default_factory=dict)


def _officers_by_id_number(numbers: list[str], user) -> dict[str, tuple[int, int]]:
    """``{id_number: (officer id, agency id)}`` for the numbers that belong to officers in the user's scope."""
    found: dict[str, tuple[int, int]] = {}
    for start in range(0, len(numbers), CHUNK * 2):
        query = sa.select(Officer.id_number, Officer.id, Officer.agency_id).where(
            Officer.id_number.in_(numbers[start:start + CHUNK * 2]))
        if user is not None:
            query = query.where(scope_condition(user, Officer.agency_id))
        for number, officer_id, agency_id in db.session.execute(query):
            found[number] = (officer_id, agency_id)
    return found


def _stored(external_ids: list[str], keys: list[tuple]) -> tuple[dict[str, TrainingRecord], dict[tuple, TrainingRecord]]:
    """Records already stored under any of the external ids or (officer, title, date) keys (one query a chunk)."""
    by_external: dict[str, TrainingRecord] = {}
    by_key: dict[tuple, TrainingRecord] = {}
    columns = (TrainingRecord.id, TrainingRecord.officer_id, TrainingRecord.title, TrainingRecord.category,
               TrainingRecord.half_hours, TrainingRecord.completed_on, TrainingRecord.provider,
               TrainingRecord.external_id)
    for start in range(0, max(len(external_ids), len(keys)), CHUNK):
        some_external, some_keys = external_ids[start:start + CHUNK], keys[start:start + CHUNK]
        conditions = []
        if some_external:
            conditions.append(TrainingRecord.external_id.in_(some_external))
        if some_keys:
            conditions.append(sa.tuple_(TrainingRecord.officer_id, TrainingRecord.title,
                                        TrainingRecord.completed_on).in_(some_keys))
        for row in db.session.execute(sa.select(*columns).where(sa.or_(*conditions))):
            if row.external_id:
                by_external[row.external_id] = row
            by_key[(row.officer_id, row.title, row.completed_on)] = row
    return by_external, by_key


_COMPARED = (("officer_id", "人员"), ("title", "课程名称"), ("category", "类别"), ("half_hours", "学时"),
             ("completed_on", "完成日期"), ("provider", "培训机构"))


def _differences(stored, values: dict) -> list[str]:
    return [label for name, label in _COMPARED if getattr(stored, name) != values[name]]


def validate_records(items: list[Incoming], user, today: dt.date, *,
                     describe: Callable[[int], str] = lambda ref: f"第 {ref} 项",
                     progress: Callable[[int, int, str | None], None] | None = None) -> tuple[Batch, list[dict]]:
    """Check a batch of records set-based — one query for the officers by ID number, one for what is stored (per
    chunk of 1,000–2,000 records), none per record.

    Officers are matched by ID number within the user's scope (an unknown number and one outside the scope get
    the same answer). Duplicates: by external id, or without one by (ID number, title, completion date). A record
    already stored with the same content adds nothing; the same key with different content is an error; a
    duplicate within the batch is an error naming the first. Returns the batch to store and the errors
    ``[{"ref", "field", "message"}]`` (``field`` one of :data:`FIELDS`).
    """
    progress = progress or (lambda done, total, message=None: None)
    errors: list[dict] = []
    parsed: list[tuple[Incoming, dict, list]] = []
    for position, item in enumerate(items):
        if position % 500 == 0:
            progress(position, len(items) * 2,
                     f"正在校验第 {position + 1}–{min(position + 500, len(items))} 条，共 {len(items)} 条")
        found: list[dict] = []
        raw_id = item.id_number
        number = idcard.normalize(as_text(raw_id))
        if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
            found.append(problem("id_number", "身份证号被存成了数字（Excel 会丢失末几位），请把该列设为文本后重新填写"))
        elif not number:
            found.append(problem("id_number", "请填写身份证号"))
        elif idcard.problem(number) is not None:
            found.append(problem("id_number", idcard.problem(number)))
        title = _text(item.title, "课程名称", MAX_TITLE, "title", found)
        category = parse_category(item.category)
        if category is None:
            found.append(problem("category", f"类别须为{CATEGORY_CHOICES_TEXT}之一" if as_text(item.category)
                                 else "请填写类别"))
        half_hours, why = parse_hours(item.hours)
        if why:
            found.append(problem("hours", why))
        completed_on = _completed_on(item.completed_on, today, "completed_on", found)
        provider = _text(item.provider, "培训机构", MAX_PROVIDER, "provider", found)
        external_id = _text(item.external_id, "外部编号", MAX_EXTERNAL_ID, "external_id", found, required=False)
        values = {"id_number": number, "title": title, "category": category, "half_hours": half_hours,
                  "completed_on": completed_on, "provider": provider, "external_id": external_id or None}
        parsed.append((item, values, found))

    numbers = list(dict.fromkeys(v["id_number"] for _, v, found in parsed
                                 if v["id_number"] and not any(f["field"] == "id_number" for f in found)))
    officers = _officers_by_id_number(numbers, user)
    for _, values, found in parsed:
        if values["id_number"] and not any(f["field"] == "id_number" for f in found):
            match = officers.get(values["id_number"])
            if match is None:
                found.append(problem("id_number", "找不到该身份证号的执法人员，或其不在您的管辖范围内"))
            else:
                values["officer_id"], values["agency_id"] = match
    external_ids = list(dict.fromkeys(v["external_id"] for _, v, _ in parsed if v["external_id"]))
    keys = list(dict.fromkeys((v["officer_id"], v["title"], v["completed_on"]) for _, v, _ in parsed
                              if v.get("officer_id") and v["title"] and v["completed_on"]))
    by_external, by_key = _stored(external_ids, keys)

    batch = Batch()
    first_external: dict[str, int] = {}
    first_key: dict[tuple, int] = {}
    for position, (item, values, found) in enumerate(parsed):
        if position % 500 == 0:
            progress(len(items) + position, len(items) * 2, None)
        external_id = values["external_id"]
        key = (values.get("officer_id"), values["title"], values["completed_on"])
        complete = not found
        if external_id:
            if external_id in first_external:
                found.append(problem("external_id", f"外部编号与{describe(first_external[external_id])}重复"))
            first_external.setdefault(external_id, item.ref)
        if key[0] and key[1] and key[2]:
            if key in first_key:
                found.append(problem("title", f"与{describe(first_key[key])}重复（同一人员、同一课程名称、同一完成日期）"))
            first_key.setdefault(key, item.ref)
        if complete and not found:
            stored = by_external.get(external_id) if external_id else None
            if stored is not None:
                differs = _differences(stored, values)
                if differs:
                    found.append(problem("external_id", f"外部编号“{external_id}”已登记为另一条培训记录，"
                                                        f"与本条的{'、'.join(differs)}不同"))
                else:
                    batch.unchanged += 1
                    continue
            elif key in by_key:
                stored = by_key[key]
                differs = [d for d in _differences(stored, values) if d not in ("人员", "课程名称", "完成日期")]
                if external_id:
                    had = f"外部编号为“{stored.external_id}”" if stored.external_id else "未填外部编号"
                    found.append(problem("title", f"该人员在 {key[2].isoformat()} 已有“{key[1]}”的培训记录（{had}），"
                                                  f"与本条外部编号不同，请核对是否重复"))
                elif differs:
                    found.append(problem("title", f"该人员在 {key[2].isoformat()} 已有“{key[1]}”的培训记录，"
                                                  f"但{'、'.join(differs)}不同，请核对"))
                else:
                    batch.unchanged += 1
                    continue
        if found:
            errors.extend({"ref": item.ref, **f} for f in found)
            continue
        batch.new.append({name: values[name] for name in
                          ("officer_id", "title", "category", "half_hours", "completed_on", "provider", "external_id")})
        batch.agency_of[values["officer_id"]] = values["agency_id"]
    return batch, errors


def store_records(actor: audit.Actor, batch: Batch, source: str, now: dt.datetime, *, change: dict | None = None,
                  progress: Callable[[int, int, str | None], None] | None = None) -> int:
    """Insert a validated batch (source ``import`` or ``api``); one audit entry per agency. Returns how many."""
    progress = progress or (lambda done, total, message=None: None)
    created: list[TrainingRecord] = []
    for start in range(0, len(batch.new), CHUNK):
        chunk = [TrainingRecord(**values, source=source, recorded_by=actor.user_id, created_at=now)
                 for values in batch.new[start:start + CHUNK]]
        db.session.add_all(chunk)
        try:
            db.session.flush()
        except IntegrityError:
            # another import or API call stored one of these records after we checked: the caller rolls back
            raise DomainError("conflict", "另一操作同时登记了其中的培训记录，未保存任何记录；请重试（已登记的记录不会重复添加）",
                              status=409) from None
        created.extend(chunk)
        progress(len(created), len(batch.new), f"已保存 {len(created)} 条培训记录")
    by_agency: dict[int, list[TrainingRecord]] = {}
    for record in created:
        by_agency.setdefault(batch.agency_of[record.officer_id], []).append(record)
    for agency_id, group in sorted(by_agency.items()):
        audit.record(actor, f"training.{source}", change={
            **(change or {}), "created": len(group), "unchanged_in_batch": batch.unchanged,
            "officer_ids": sorted({r.officer_id for r in group}), "record_ids": [r.id for r in group]},
            object_type="training_record", agency_id=agency_id, now=now)
    return len(created)
