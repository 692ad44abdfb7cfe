"""Shared helpers for the officer tests: a valid officer form, counts of what is stored."""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from portal.audit import AuditEntry
from portal.extensions import db
from portal.officers.models import Officer, OfficerPhoto
from tests.factories import make_id_number

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")

NEW_BIRTH = dt.date(1988, 5, 12)
NEW_ID = make_id_number(NEW_BIRTH, 47, male=False)  # a woman born 12 May 1988


def officer_form(agency, **overrides) -> dict:
    """What HR types into 新增执法人员 for a valid new officer, with ``overrides``."""
    data = {
        "name": "李晓梅",
        "id_number": NEW_ID,
        "gender": "F",
        "birth_date": NEW_BIRTH.isoformat(),
        "agency_id": str(agency.id),
        "post": "执法中队长",
        "categories": ["城市管理", "市场监管"],
        "region": "环翠区全域",
        "mobile": "13806311234",
        "email": "",
        "hired_on": "2012-07-01",
        "status": "on_duty",
        "staff_kind": "civil_servant",
    }
    data.update(overrides)
    return data


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def audit_entries(action: str | None = None) -> list[AuditEntry]:
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


def officer_by_id_number(number: str) -> Officer | None:
    return db.session.scalar(sa.select(Officer).where(Officer.id_number == number))


def photo_of(officer) -> OfficerPhoto | None:
    db.session.expire_all()
    return db.session.get(OfficerPhoto, officer.id)


def is_chinese_message(message: str) -> bool:
    """A message a Chinese user can read: Chinese characters and no English words."""
    return bool(CJK.search(message)) and not ENGLISH_WORD.search(message)
