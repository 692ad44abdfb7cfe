"""Helpers of the training tests: records stored directly (so the requirement service's edges can be set up on any
date), officers in bulk, training import files, and reading the pages."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import sqlalchemy as sa

from portal import clock
from portal.audit import AuditEntry
from portal.extensions import db
from portal.officers.models import Officer
from portal.training.models import TrainingRecord
from tests.factories import make_id_number

#: the training headers exactly as SPEC §3 *Imports* lists them
HEADERS = ["身份证号", "课程名称", "类别", "学时", "完成日期", "培训机构", "外部编号"]
LABELS = {"public_law": "公共法律知识", "professional_law": "专业法律知识", "ethics": "职业素养"}


def add(officer, category: str, hours: float, on: dt.date, title: str | None = None, **extra) -> TrainingRecord:
    """Store a record as it is (no validation), committed: for setting up the requirement service's edges."""
    record = TrainingRecord(officer_id=officer.id if hasattr(officer, "id") else officer,
                            title=title or f"{LABELS[category]}培训 {on.isoformat()} {hours:g}",
                            category=category, half_hours=int(hours * 2), completed_on=on, provider="威海市司法局",
                            source=extra.pop("source", "manual"), created_at=clock.now(), **extra)
    db.session.add(record)
    db.session.commit()
    return record


def meet_annual(officer, year: int, public=16, professional=16, ethics=8, on: dt.date | None = None) -> None:
    """Records giving ``officer`` these hours in ``year`` (default: exactly the annual minimums)."""
    day = on or dt.date(year, 3, 1)
    for category, hours in (("public_law", public), ("professional_law", professional), ("ethics", ethics)):
        if hours:
            add(officer, category, hours, day)


def bulk_officers(agency, count: int, start: int = 0, region: str = "371083", name_prefix: str = "批量") -> list[int]:
    """``count`` on-duty officers in ``agency`` inserted in one statement (ids returned); valid ID numbers."""
    now = clock.now()
    rows = []
    for n in range(start, start + count):
        born = dt.date(1970, 1, 1) + dt.timedelta(days=n % 9000)
        rows.append({"name": f"{name_prefix}{n:05d}", "gender": "M", "birth_date": born,
                     "id_number": make_id_number(born, n // 9000, region=region), "agency_id": agency.id,
                     "post": "执法队员", "region": "全域", "mobile": f"137{n:08d}", "email": None,
                     "status": "on_duty", "status_changed_on": None, "hired_on": dt.date(2010, 7, 1),
                     "has_photo": False, "created_at": now, "updated_at": now, "version": 1})
    db.session.execute(sa.insert(Officer), rows)
    db.session.commit()
    numbers = [r["id_number"] for r in rows]
    ids = dict(db.session.execute(sa.select(Officer.id_number, Officer.id).where(Officer.id_number.in_(numbers))).all())
    return [ids[number] for number in numbers]


def records(*where) -> list[TrainingRecord]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(TrainingRecord).where(*where).order_by(TrainingRecord.id)))


def record_count(*where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(TrainingRecord).where(*where))


def audits(prefix: str = "training.") -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action.startswith(prefix))
                                   .order_by(AuditEntry.id)))


def assert_no_id_numbers(entries) -> None:
    """No audit entry holds a full ID number (SPEC §2.3: the log cannot be erased)."""
    for entry in entries:
        # a file's SHA-256 is hex and may hold 18 digits in a row by chance: it is not personal data
        change = {k: v for k, v in entry.change.items() if k != "sha256"} if isinstance(entry.change, dict) \
            else entry.change
        text = str(change)
        assert not re.search(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])", text), text


def row(officer_or_number, title="《行政处罚法》专题培训", category="公共法律知识", hours=4, on="2026-03-15",
        provider="威海市司法局", external_id=None) -> dict:
    number = officer_or_number.id_number if hasattr(officer_or_number, "id_number") else officer_or_number
    return {"身份证号": number, "课程名称": title, "类别": category, "学时": hours, "完成日期": on,
            "培训机构": provider, "外部编号": external_id}


def xlsx_bytes(rows, headers=HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for values in rows:
        sheet.append([values.get(h) for h in headers] if isinstance(values, dict) else list(values))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows, headers=HEADERS, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for values in rows:
        writer.writerow(["" if values.get(h) is None else str(values.get(h)) for h in headers])
    return out.getvalue().encode(encoding)


def upload(client, data: bytes, filename: str = "培训记录.xlsx"):
    return client.post("/imports/training", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def text(response) -> str:
    """The page's visible text, whitespace collapsed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
