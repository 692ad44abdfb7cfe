"""Officers short of the annual training requirement (培训未达标): the list, its export (XLSX/CSV) and the
background job that exports a large list.

The hours come from :func:`portal.training.requirements.check_many` — one grouped query for the whole scope; the
officers from one more. Sorting and paging happen on the computed list (shortfall is not a column).
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import openpyxl
import sqlalchemy as sa

from portal import exports
from portal.auth.access import scope_condition, scoped_agencies
from portal.extensions import db
from portal.officers import idcard
from portal.officers.models import Officer
from portal.orgs.models import Agency
from portal.training import requirements
from portal.training.models import CATEGORIES

#: a list longer than this is exported by a background job (the page then offers the file)
SYNC_MAX_ROWS = 2000
JOB_KIND = "training_shortfall_export"
FORMATS = {"xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
           "csv": ("text/csv; charset=utf-8", "csv")}
SORTS = ("shortfall", "name", "agency")
SHORTS = ("total", *CATEGORIES)
WIDTHS = [6, 10, 22, 22, 16, 20, 20, 16, 10, 48]


@dataclass(frozen=True)
class Filters:
    """The list's filters as they appear in the URL (and in an export job's parameters)."""

    q: str = ""
    agency: str = ""
    short: str = ""
    sort: str = "shortfall"

    @classmethod
    def from_args(cls, args) -> Filters:
        sort = args.get("sort", "shortfall")
        short = args.get("short", "")
        return cls(q=(args.get("q") or "").strip()[:40], agency=args.get("agency", "") or "",
                   short=short if short in SHORTS else "", sort=sort if sort in SORTS else "shortfall")

    def as_dict(self) -> dict:
        return {"q": self.q, "agency": self.agency, "short": self.short, "sort": self.sort}


@dataclass(frozen=True)
class Line:
    """One officer short of the requirement."""

    officer_id: int
    name: str
    masked_id_number: str
    agency_id: int
    agency: str
    result: requirements.Result


def name_key(name: str) -> bytes:
    # GB 2312's first level orders the common characters by pinyin: names sort as a Chinese reader expects
    return name.encode("gb18030", errors="replace")


def compute(user, today: dt.date, filters: Filters) -> tuple[list[Line], list[Agency]]:
    """The on-duty officers in the user's scope short of this year's requirement, filtered and sorted; and the
    agencies in scope (tree order) for the filter. Four queries, whatever the number of officers."""
    agencies = scoped_agencies(user)
    order = {a.id: position for position, a in enumerate(agencies)}
    condition = sa.and_(scope_condition(user, Officer.agency_id), Officer.status == "on_duty")
    chosen = next((a for a in agencies if str(a.id) == filters.agency), None)
    if chosen is not None:
        condition = sa.and_(condition, Officer.agency_id.in_(
            sa.select(Agency.id).where(Agency.path.startswith(chosen.path, autoescape=True))))
    q = filters.q
    if q:
        if idcard.looks_like(q):
            condition = sa.and_(condition, Officer.id_number == idcard.normalize(q))
        else:
            condition = sa.and_(condition, Officer.name.contains(q, autoescape=True))
    people = db.session.execute(
        sa.select(Officer.id, Officer.name, Officer.id_number, Officer.agency_id, Agency.short_name)
        .join(Agency, Agency.id == Officer.agency_id).where(condition)).all()
    results = requirements.check_many(sa.select(Officer.id).where(condition), "annual", today)
    lines = []
    for person in people:
        result = results[person.id]
        if result.met:
            continue
        if filters.short and next(p for p in result.parts if p.code == filters.short).met:
            continue
        lines.append(Line(person.id, person.name, idcard.mask(person.id_number), person.agency_id,
                          person.short_name, result))
    if filters.sort == "name":
        lines.sort(key=lambda line: (name_key(line.name), line.officer_id))
    elif filters.sort == "agency":
        lines.sort(key=lambda line: (order.get(line.agency_id, 0), name_key(line.name), line.officer_id))
    else:
        lines.sort(key=lambda line: (-line.result.shortfall, order.get(line.agency_id, 0), name_key(line.name),
                                     line.officer_id))
    return lines, agencies


def count_short(user, today: dt.date) -> int:
    """How many on-duty officers in the user's scope are short of this year's requirement."""
    ids = sa.select(Officer.id).where(scope_condition(user, Officer.agency_id), Officer.status == "on_duty")
    return sum(1 for result in requirements.check_many(ids, "annual", today).values() if not result.met)


def summary(lines: list[Line]) -> dict:
    """For the chart and the table beside it: officers short per category, and per agency."""
    per_part = {code: 0 for code in ("total", *CATEGORIES)}
    per_agency: dict[str, int] = {}
    for line in lines:
        for part in line.result.unmet:
            per_part[part.code] += 1
        per_agency[line.agency] = per_agency.get(line.agency, 0) + 1
    labels = {"total": "合计学时", **CATEGORIES}
    return {"per_part": [(labels[code], n) for code, n in per_part.items()],
            "per_agency": sorted(per_agency.items(), key=lambda item: (-item[1], item[0]))}


# --- export ---------------------------------------------------------------------------------------------------

def _headers() -> list[str]:
    need = requirements.minimums("annual")
    return ["序号", "姓名", "身份证号（脱敏）", "单位", f"合计学时（要求{need['total']}）",
            *(f"{label}（要求{need[code]}）" for code, label in CATEGORIES.items()), "尚差学时", "未达标项"]


def _values(position: int, line: Line) -> list:
    result = line.result
    return [position, line.name, line.masked_id_number, line.agency, result.total.have,
            *(part.have for part in result.categories), result.shortfall, result.describe_unmet()]


def export_file(lines: list[Line], fmt: str, today: dt.date, progress=None) -> tuple[bytes, str, str]:
    """The list as a file: ``(bytes, mime type, file name)``."""
    progress = progress or (lambda done, total, message=None: None)
    mime, extension = FORMATS[fmt]
    filename = f"培训未达标人员-{today.year}年-截至{today.isoformat()}.{extension}"
    if fmt == "csv":
        rows = (_values(position, line) for position, line in enumerate(lines, start=1))
        return exports.csv_file(_headers(), rows), mime, filename
    workbook = openpyxl.Workbook(write_only=True)
    sheet = exports.xlsx_sheet(workbook, f"{today.year}年培训未达标", _headers(), WIDTHS)
    for position, line in enumerate(lines, start=1):
        sheet.append(_values(position, line))
        if position % 1000 == 0:
            progress(position, len(lines), f"已写入 {position} 行，共 {len(lines)} 行")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), mime, filename
