"""Building officer import files in memory (XLSX with openpyxl, CSV in any encoding), posting them to the upload
page, and reading what the page says: the errors table, the counts, what is stored."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import sqlalchemy as sa

from portal.audit import AuditEntry
from portal.extensions import db
from portal.officers.models import Officer, OfficerCategory
from tests.factories import make_id_number
from tests.officers import page

#: the officer headers exactly as SPEC §3 *Imports* lists them
HEADERS = ["姓名", "身份证号", "单位", "岗位", "执法类别", "执法区域", "手机", "邮箱", "入职日期", "人员类别"]
#: ID numbers of imported people use this region code, so they never meet the officers the factories make
REGION = "371081"
SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = "伟芳娜敏静丽强磊军洋"


def birth_of(n: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=n % 9000)


def id_of(n: int) -> str:
    """A valid synthetic ID number, distinct for every ``n`` below 900,000."""
    return make_id_number(birth_of(n), n // 9000, male=n % 2 == 0, region=REGION)


def officer_row(n: int, unit: str, **overrides) -> dict:
    """The values of one valid data row for person ``n`` in ``unit`` (by header), with ``overrides``."""
    values = {
        "姓名": SURNAMES[n % 10] + GIVEN[n // 10 % 10] + "明华"[n // 100 % 2],
        "身份证号": id_of(n),
        "单位": unit,
        "岗位": "执法队员",
        "执法类别": "城市管理、市场监管",
        "执法区域": "环翠区全域",
        "手机": f"139{n:08d}",
        "邮箱": None,
        "入职日期": "2015-08-01",
        "人员类别": "公务员",
    }
    values.update(overrides)
    return values


def rows_of(count: int, unit: str, start: int = 0, **overrides) -> list[dict]:
    return [officer_row(n, unit, **overrides) for n in range(start, start + count)]


def xlsx_bytes(rows, headers=HEADERS, *, write_only: bool = False) -> bytes:
    """A workbook whose first sheet has ``headers`` in row 1 and then ``rows``: a dict (values by header), a list
    (cells as given) or ``None`` (a blank row, which still takes its row number)."""
    workbook = openpyxl.Workbook(write_only=write_only)
    sheet = workbook.create_sheet("人员") if write_only else workbook.active
    sheet.append(list(headers))
    for row in rows:
        if row is None:
            sheet.append([])
        elif isinstance(row, dict):
            sheet.append([row.get(h) for h in headers])
        else:
            sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_text(rows, headers=HEADERS) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        if row is None:
            writer.writerow([])
        elif isinstance(row, dict):
            writer.writerow(["" if row.get(h) is None else _text(row.get(h)) for h in headers])
        else:
            writer.writerow(row)
    return out.getvalue()


def _text(value) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def csv_bytes(rows, headers=HEADERS, encoding: str = "utf-8") -> bytes:
    """A CSV file; ``encoding`` 'utf-8', 'utf-8-sig' (with BOM) or 'gbk'."""
    return csv_text(rows, headers).encode(encoding)


def upload(client, data: bytes, filename: str = "人员.xlsx", kind: str = "officers"):
    """Post a file to the upload page as the signed-in user."""
    return client.post(f"/imports/{kind}", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def error_table(response) -> list[tuple[int, str, str]]:
    """The rows of the errors table on a page: (row number, column or '—', reason)."""
    doc = page.parse(response.get_data(as_text=True))
    tables = [n for n in doc.walk() if n.tag == "table" and "import-errors" in n.classes]
    if not tables:
        return []
    found = []
    for tr in tables[0].find("tbody").find_all("tr"):
        cells = [" ".join(td.text().split()) for td in tr.find_all("td")]
        match = re.fullmatch(r"第 (\d+) 行", cells[0])
        assert match, f"row cell {cells[0]!r} does not name a row number"
        found.append((int(match.group(1)), cells[1], cells[2]))
    return found


def alert_text(response) -> str:
    return " ".join(page.alerts(response))


def officer_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Officer))


def import_audits() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "officer.import"))


def snapshot() -> dict:
    """Row counts of what an import may touch, and the officers' versions (unchanged rows stay untouched)."""
    db.session.expire_all()
    return {
        "officers": officer_count(),
        "categories": db.session.scalar(sa.select(sa.func.count()).select_from(OfficerCategory)),
        "audit": db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)),
        "versions": dict(db.session.execute(sa.select(Officer.id_number, Officer.version)).all()),
        "updated_at": dict(db.session.execute(sa.select(Officer.id_number, Officer.updated_at)).all()),
    }


def officer(id_number: str) -> Officer | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Officer).where(Officer.id_number == id_number))
