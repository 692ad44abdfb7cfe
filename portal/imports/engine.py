"""Running an import kind over an uploaded table.

A *kind* (officers, training, questions…) declares its columns and two functions: ``check(rows, context)``
returns a plan or row errors, ``apply(plan, context)`` stores the plan. The engine handles everything the kinds
share: the header row, progress, all-or-nothing, the templates; reading the file (size and row limits, XLSX and
CSV, blank rows, formula cells) is :mod:`portal.imports.reading`, row errors :mod:`portal.imports.rows`.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from portal import audit
from portal.imports.reading import read_table
from portal.imports.rows import Row, error, fail


@dataclass(frozen=True)
class Column:
    """A column of an import kind: its header as users see it, whether it must be filled, an example."""

    header: str
    required: bool = True
    example: str = ""
    help: str = ""
    text: bool = False  # keep as text in the template (ID numbers, phone numbers)


@dataclass
class Context:
    """What a kind needs besides the rows: who imports (for scope; ``None`` = everything), when, progress."""

    actor: audit.Actor
    user: object | None
    now: dt.datetime
    filename: str
    sha256: str = ""
    progress: Callable[[int, int, str | None], None] = lambda done, total, message=None: None


@dataclass(frozen=True)
class Kind:
    """An import kind, registered with :func:`register`."""

    name: str
    label: str
    roles: tuple
    columns: tuple[Column, ...]
    check: Callable[[list[Row], Context], tuple[object, list[dict]]]
    apply: Callable[[object, Context], dict]
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: filled rows for the sample file, as they would be typed (one text per column)
    samples: tuple[tuple[str, ...], ...] = field(default_factory=tuple)
    #: what an uploader must change in the sample before it imports (when it is not importable as it is)
    sample_note: str = ""

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Make a kind available to the upload page, the CLI and the job runner."""
    KINDS[kind.name] = kind
    return kind


def check_headers(kind: Kind, headers: list[str]) -> None:
    """Refuse a file whose header row does not match the kind's columns (naming what is missing or unknown)."""
    problems = []
    seen = set()
    for header in headers:
        if header in seen and header:
            problems.append(error(1, header, f"表头“{header}”重复"))
        seen.add(header)
    for column in kind.columns:
        if column.required and column.header not in seen:
            problems.append(error(1, column.header, f"缺少列“{column.header}”（请使用下载的模板）"))
    for header in dict.fromkeys(h for h in headers if h and h not in kind.headers):
        problems.append(error(1, header, f"无法识别的列“{header}”；应为：{'、'.join(kind.headers)}"))
    for index, header in enumerate(headers):
        if header == "":
            problems.append(error(1, f"{get_column_letter(index + 1)}列", "表头中有空白列名，请填写列名或删除该列"))
    if problems:
        raise fail(problems, "表头与模板不一致，未导入任何数据")


def _phase(report: Callable, start: int, end: int) -> Callable[[int, int, str | None], None]:
    """Progress within one phase of an import, mapped onto ``start``–``end`` per cent of the whole job — so the bar
    only moves forward as reading, checking and saving follow each other."""

    def progress(done: int, total: int, message: str | None = None) -> None:
        fraction = min(1.0, done / total) if total > 0 else 1.0
        report(round((start + (end - start) * fraction) * 100), 100 * 100, message)

    return progress


def run(kind: Kind, filename: str, data: bytes, context: Context, *, dry_run: bool = False) -> dict:
    """Read, check every row, and (unless ``dry_run``) store everything — or raise with every row error.

    Flushes only; the caller commits. Idempotence is the kind's job: rows already stored as they are change
    nothing. Returns the kind's counts plus ``rows``. Progress: reading 0–5 %, checking 5–40 %, saving 40–99 %.
    """
    report = context.progress
    context.sha256 = hashlib.sha256(data).hexdigest()
    report(0, 100, "正在读取文件……")
    headers, rows = read_table(filename, data)
    check_headers(kind, headers)
    try:
        context.progress = _phase(report, 5, 40)
        context.progress(0, len(rows), f"正在校验 {len(rows)} 行……")
        plan, errors = kind.check(rows, context)
        if errors:
            raise fail(errors)
        if dry_run:
            return {"rows": len(rows), "dry_run": True}
        context.progress = _phase(report, 40, 99)
        context.progress(0, len(rows), "校验通过，正在保存……")
        result = kind.apply(plan, context)
    finally:
        context.progress = report
    result["rows"] = len(rows)
    return result


def template_xlsx(kind: Kind, *, sample: bool = False) -> bytes:
    """The downloadable XLSX template: the header row (text columns formatted as text) and a sheet of notes; with
    ``sample``, the kind's filled sample rows under the header."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = kind.label[:31]
    sheet.append(kind.headers)
    for row in kind.samples if sample else ():
        sheet.append([value or None for value in row])
    for index, column in enumerate(kind.columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="FFFFFF" if column.required else "1F3A5F")
        cell.fill = PatternFill("solid", fgColor="1F3A5F" if column.required else "DDE3EC")
        cell.alignment = Alignment(horizontal="center")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4, len(column.example) + 4)
        if column.text:
            for row in range(2, 2002):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    notes.append(["列", "必填", "说明", "示例"])
    for column in kind.columns:
        notes.append([column.header, "是" if column.required else "否", column.help, column.example])
    notes.append([])
    if sample:
        notes.append(["这是填好的示例，供参照格式；请把示例行换成您自己的数据后再导入。"])
    for line in (*kind.notes, "只导入第一个工作表；表头须与模板一致（第1行）。",
                 "先校验全部行：任何一行有错都不会导入，错误按行号（表头为第1行）列出。", "同一文件重复导入不会重复添加。"):
        notes.append([line])
    notes.column_dimensions["C"].width = 60
    notes.column_dimensions["D"].width = 24
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_csv(kind: Kind, *, sample: bool = False) -> bytes:
    """The CSV template: the header row (and with ``sample`` the filled sample rows), UTF-8 with BOM so Excel opens
    it correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(kind.headers)
    for row in kind.samples if sample else ():
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
