"""Exports as background jobs: a list too long to build in the request becomes a job whose file waits in the job's
result for its owner, kept :data:`KEEP_FILES`.

A feature keeps its own part — which rows, which columns, the page around them — and uses this module for the
rest:

* :func:`register` declares the job kind's handler (like :func:`portal.background.handler`) and makes it an export
  kind: the daily :func:`expire` drops its old files with every other kind's, in one pass.
* The handler returns :func:`file_result` (the file packed with :func:`pack`, its name, type, row count, size).
* The job's page and its download look the job up with :func:`owned_job_or_404` (404 for anyone but its owner,
  and for a job of another kind); :func:`download` answers the file — 404 once it has expired, the page then
  says so.
* :func:`file_response` answers any file with a Chinese name (the synchronous exports use it too).
* Every export file is written here: :func:`xlsx_sheet` starts a sheet (the header row, then rows through
  :meth:`Sheet.append`) and :func:`csv_file` writes a CSV. Typed text that a spreadsheet program would run as a
  formula (``=…``, ``+…``, ``-…``, ``@…``, a leading tab or line break) never becomes one: in XLSX it is stored as
  text (a string cell with Excel's quote prefix: the reader sees exactly what was typed), in CSV it is prefixed
  with ``'``.
"""
from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import zlib
from collections.abc import Callable
from urllib.parse import quote

import sqlalchemy as sa
from flask import abort, make_response
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from portal import audit, background
from portal.extensions import db

#: how long an export job keeps its file (names of people: not kept for ever)
KEEP_FILES = dt.timedelta(days=7)
#: the export job kinds, each with the ASCII stem of its file name (for clients that ignore ``filename*``)
KINDS: dict[str, str] = {}
EXPIRE_JOB = "exports_expire"


def pack(data: bytes) -> str:
    """A file as text for the job's result (compressed, base64)."""
    return base64.b64encode(zlib.compress(data, 6)).decode("ascii")


def unpack(text: str) -> bytes:
    return zlib.decompress(base64.b64decode(text))


def file_result(data: bytes, mime: str, filename: str, count: int) -> dict:
    """An export job's result: the file (packed) with its name, type, row count and size."""
    return {"filename": filename, "mime": mime, "count": count, "size": len(data), "file": pack(data)}


def register(kind: str, ascii_stem: str):
    """Register the handler of export jobs of ``kind`` (``fn(job, progress) -> file_result(...)``); their files
    are downloaded as ``<ascii_stem>.<extension>`` by old clients and expire after :data:`KEEP_FILES`."""

    def decorate(fn: Callable[[background.Job, background.Progress], dict]):
        KINDS[kind] = ascii_stem
        return background.handler(kind)(fn)

    return decorate


def owned_job_or_404(job_id: int, kind: str, user) -> background.Job:
    """The export job ``job_id`` of ``kind`` when ``user`` asked for it; 404 otherwise (whoever else asks)."""
    job = db.session.get(background.Job, job_id)
    if job is None or job.kind != kind or user is None or job.created_by != user.id:
        abort(404)
    return job


#: leads that make a spreadsheet program read a cell as a formula (OWASP "CSV injection"), a tab and line breaks
#: included
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_LEADS)


class Sheet:
    """A sheet of a write-only workbook whose rows go through :meth:`append`: text that would read as a formula is
    stored as text. Make cells with a number format with :meth:`cell`."""

    def __init__(self, sheet):
        self._sheet = sheet

    def cell(self, value, number_format: str | None = None) -> Cell:
        cell = WriteOnlyCell(self._sheet, value=value)
        if number_format:
            cell.number_format = number_format
        return cell

    def _safe(self, value):
        cell = value if isinstance(value, Cell) else None
        if not _formula_like(cell.value if cell is not None else value):
            return value
        cell = cell or WriteOnlyCell(self._sheet, value=value)
        cell.data_type = "s"  # openpyxl makes any string starting with "=" a formula
        cell.quotePrefix = True
        return cell

    def append(self, values) -> None:
        self._sheet.append([self._safe(value) for value in values])


def xlsx_sheet(workbook, title: str, headers: list[str], widths: list[int]) -> Sheet:
    """A new sheet of a write-only ``workbook``: the column widths, and the header row (white on dark blue,
    frozen)."""
    sheet = workbook.create_sheet(title)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    row = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F3A5F")
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
        row.append(cell)
    sheet.append(row)
    return Sheet(sheet)


def csv_file(headers: list[str], rows) -> bytes:
    """A CSV file (UTF-8 with a BOM, so that Excel reads it as such; CRLF): ``headers``, then ``rows``; whole
    floats without ``.0``; text that would read as a formula prefixed with ``'``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["'" + value if _formula_like(value) else f"{value:g}" if isinstance(value, float) else value
                         for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def file_response(data: bytes, mime: str, filename: str, ascii_name: str):
    """A file download; ``filename*`` carries the Chinese name, ``filename`` an ASCII one for old clients."""
    response = make_response(data)
    response.headers["Content-Type"] = mime
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def download(job: background.Job):
    """The file of a finished export job (look the job up with :func:`owned_job_or_404`); 404 while it runs, when
    it failed and once its file has expired."""
    result = job.result or {}
    if job.status != "succeeded" or not result.get("file"):
        abort(404)
    filename = result["filename"]
    ascii_name = f"{KINDS.get(job.kind, 'export')}.{filename.rsplit('.', 1)[-1]}"
    return file_response(unpack(result["file"]), result["mime"], filename, ascii_name)


def expire(now: dt.datetime) -> str:
    """Daily: drop the files of export jobs (every registered kind) finished more than :data:`KEEP_FILES` ago;
    the job stays, marked expired, so its page can say so. One audit entry for the lot."""
    if not KINDS:
        return "清理 0 个导出文件"
    jobs = db.session.scalars(sa.select(background.Job).where(
        background.Job.kind.in_(sorted(KINDS)), background.Job.status == "succeeded",
        background.Job.finished_at < now - KEEP_FILES).order_by(background.Job.id)).all()
    expired = []
    for job in jobs:
        if (job.result or {}).get("file"):
            job.result = {**{k: v for k, v in job.result.items() if k != "file"}, "expired": True}
            expired.append(job.id)
    if expired:
        audit.record(audit.Actor.system(f"job:{EXPIRE_JOB}"), "job.export_expired",
                     change={"job_ids": expired}, object_type="background_job", now=now)
    return f"清理 {len(expired)} 个导出文件"
