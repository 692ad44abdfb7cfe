"""Reading an uploaded table and running an import kind over it.

A *kind* (officers, training, questions…) declares its columns and two functions: ``check(rows, context)``
returns a plan or row errors, ``apply(plan, context)`` stores the plan. The engine handles everything the kinds
share: size and row limits, XLSX and CSV (UTF-8, UTF-8 with BOM, GBK), headers, blank rows, formula cells,
errors numbered as the spreadsheet numbers rows (header = row 1), the template, all-or-nothing.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError, iterparse

import openpyxl
from openpyxl.cell.read_only import EMPTY_CELL
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from portal import audit, policy
from portal.errors import DomainError

policy.define("imports.max_rows", "导入文件最多数据行数", "int", 20000, "导入", minimum=100, maximum=200000, unit="行")
#: the web server accepts uploads up to ``MAX_CONTENT_LENGTH`` (12 MB): a larger setting would promise what the
#: upload page cannot take, so the setting stops below it
policy.define("imports.max_mb", "导入文件最大体积", "int", 10, "导入", minimum=1, maximum=11, unit="MB",
              help="上传页面受服务器上传上限（12 MB）约束，最大可设为 11 MB")

MAX_ERRORS_SHOWN = 500
#: an XLSX is a zip of XML parts; one whose parts would unpack to more than this is refused before anything is
#: unpacked (a 20,000-row officers file unpacks to about 14 MB; a 60 KB zip bomb can declare gigabytes)
MAX_UNPACKED_MB = 100
MAX_PARTS = 1000
#: the columns a row may use (the widest import kind has 17); a row with more cells, or a value further right,
#: is refused before the row is parsed, so one row of millions of empty cells costs no memory
MAX_COLUMNS = 64
#: Excel's own limit of rows in a sheet
EXCEL_MAX_ROW = 1_048_576
#: characters a cell may hold: twice the longest field of any kind (a question's explanation, 2,000)
MAX_CELL_CHARS = 4_000
#: characters a whole file may hold: a cell's text is copied for each cell that refers to it, so a few kilobytes
#: of XLSX (one long shared string in every cell) would otherwise grow to gigabytes
MAX_TEXT_CHARS = 5_000_000


@dataclass(frozen=True)
class Column:
    """A column of an import kind: its header as users see it, whether it must be filled, an example."""

    header: str
    required: bool = True
    example: str = ""
    help: str = ""
    text: bool = False  # keep as text in the template (ID numbers, phone numbers)


@dataclass
class Row:
    """One data row: its spreadsheet number and its values by header (text, date, number or ``None``)."""

    number: int
    values: dict


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


def error(row: int, column: str | None, message: str) -> dict:
    """A row error as the engine reports it."""
    return {"row": row, "field": column, "message": message}


def _fail(items: list[dict], message: str = "导入文件有误，未导入任何数据") -> DomainError:
    shown = sorted(items, key=lambda e: (e.get("row") or 0))[:MAX_ERRORS_SHOWN]
    if len(items) > len(shown):
        message += f"（共 {len(items)} 处错误，仅列出前 {len(shown)} 处）"
    return DomainError("import_invalid", message, status=422, items=shown)


def _cell_value(value):
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        value = value.replace("\u3000", " ").strip()
        return value or None
    return value


def _unreadable_xlsx() -> DomainError:
    return DomainError("import_unreadable", "无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式，"
                                            "请在 Excel 中打开后另存为 .xlsx 再导入", status=422)


def _header_name(headers: list, index: int) -> str:
    """The header of the 0-based column ``index`` as the file has it, else the column's letter."""
    if index < len(headers) and headers[index] not in (None, ""):
        return str(headers[index]).strip()
    return f"{get_column_letter(index + 1)}列"


def _too_big(message: str) -> DomainError:
    return DomainError("import_too_large", message + "，无法导入；请检查文件，或删去多余的行列后另存再导入", status=422)


def _column_of(reference: str | None) -> int:
    """The 1-based column of a cell reference such as ``AB12`` (0 when there is none)."""
    column = 0
    for char in reference or "":
        if not "A" <= char <= "Z":
            break
        column = column * 26 + ord(char) - 64
    return column


def _inspect_archive(data: bytes) -> None:
    """Refuse an XLSX whose parts would unpack to more than :data:`MAX_UNPACKED_MB` — read from the archive's
    directory, before anything is unpacked. (``zipfile`` never unpacks more than a part declares.)"""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _unreadable_xlsx() from None
    if len(parts) > MAX_PARTS:
        raise _too_big(f"该 Excel 文件由 {len(parts):,} 个部分组成，超过 {MAX_PARTS:,} 个")
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED_MB * 1024 * 1024:
        raise _too_big(f"该 Excel 文件解压后超过 {MAX_UNPACKED_MB} MB（{unpacked / 1024 / 1024:,.0f} MB）")


def _inspect_sheets(data: bytes, max_rows: int) -> None:
    """Stream the workbook's XML (memory stays flat: each row is dropped once read) and refuse, before openpyxl
    builds a single row, a sheet with a row of more than :data:`MAX_COLUMNS` cells or a value further right, a row
    beyond Excel's last, a cell longer than :data:`MAX_CELL_CHARS`, or more shared strings than the rows and
    columns allowed could hold. Parts are recognised by what they are (their root element), not by their names:
    a workbook may keep its sheets anywhere its relationships point."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for part in archive.infolist():
            root = _root(archive, part)
            if root == "sst":
                _inspect_strings(archive, part, (max_rows + 1) * MAX_COLUMNS)
            elif root in ("worksheet", "chartsheet", "dialogsheet"):
                _inspect_sheet(archive, part)


def _root(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> str | None:
    """The local name of a part's root element; ``None`` for a part that is not XML (an image)."""
    if part.is_dir():
        return None
    try:
        with archive.open(part) as stream:
            for _, element in iterparse(stream, events=("start",)):
                return _local(element.tag)
    except (ParseError, UnicodeError, ValueError):
        return None
    return None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _inspect_strings(archive: zipfile.ZipFile, part: zipfile.ZipInfo, most: int) -> None:
    count, length = 0, 0
    with archive.open(part) as stream:
        for _, element in iterparse(stream, events=("end",)):
            tag = _local(element.tag)
            if tag == "t" and element.text:
                length += len(element.text)
                if length > MAX_CELL_CHARS:
                    raise _too_big(f"该 Excel 文件第 {count + 1} 个文本超过 {MAX_CELL_CHARS:,} 个字")
            elif tag == "si":
                count, length = count + 1, 0
                if count > most:
                    raise _too_big(f"该 Excel 文件的文本单元格超过 {most:,} 个")
                element.clear()


def _inspect_sheet(archive: zipfile.ZipFile, part: zipfile.ZipInfo) -> None:
    parents, cells, row_number = [], 0, 0
    with archive.open(part) as stream:
        for event, element in iterparse(stream, events=("start", "end")):
            tag = _local(element.tag)
            if event == "start":
                parents.append(element)
                if tag == "row":
                    cells = 0
                    row_number = int(element.get("r") or row_number + 1)
                    if not 0 < row_number <= EXCEL_MAX_ROW:
                        raise _too_big(f"该 Excel 文件有第 {row_number:,} 行，超出 Excel 的行数")
                elif tag == "c":
                    cells += 1
                    if cells > MAX_COLUMNS:
                        raise _too_big(f"第 {row_number} 行有超过 {MAX_COLUMNS} 个单元格")
                continue
            parents.pop()
            if tag in ("v", "t", "f") and element.text and len(element.text) > MAX_CELL_CHARS:
                raise _too_big(f"第 {row_number} 行有超过 {MAX_CELL_CHARS:,} 个字的单元格")
            if tag == "c" and _column_of(element.get("r")) > MAX_COLUMNS and len(element):
                raise _too_big(f"第 {row_number} 行第 {_column_of(element.get('r'))} 列有内容，超过 {MAX_COLUMNS} 列")
            if tag in ("row", "c") and parents:
                parents[-1].remove(element)  # what has been checked is dropped: memory stays flat


class _Collector:
    """Rows as they are read, with the row limit applied while reading: the header row, then every non-blank row
    (its spreadsheet number kept); blank rows are only counted, so a sheet of a million empty rows costs nothing."""

    def __init__(self, max_rows: int):
        self.max_rows = max_rows
        self.rows: list[tuple[int, list]] = []
        self.data_rows = 0
        self.text = 0

    def spend(self, value, number: int):
        """Count a cell's text against :data:`MAX_TEXT_CHARS` before it is copied; returns the value."""
        if isinstance(value, str):
            self.text += len(value)
            if len(value) > MAX_CELL_CHARS:
                raise _too_big(f"第 {number} 行有超过 {MAX_CELL_CHARS:,} 个字的单元格")
            if self.text > MAX_TEXT_CHARS:
                raise _too_big(f"文件中的文字超过 {MAX_TEXT_CHARS // 10000:,} 万字（读到第 {number} 行时停止），"
                               "请拆分后导入")
        return value

    def add(self, number: int, values: list) -> None:
        while values and values[-1] is None:
            values.pop()
        if number == 1:
            self.rows.append((number, values))
        elif values:
            self.data_rows += 1
            if self.data_rows > self.max_rows:
                raise DomainError("import_too_many_rows", f"文件的数据超过上限 {self.max_rows} 行"
                                  f"（读到第 {number} 行时停止），请拆分后导入", status=422)
            self.rows.append((number, values))


def _read_xlsx(data: bytes, max_rows: int) -> list[tuple[int, list]]:
    _inspect_archive(data)
    try:
        _inspect_sheets(data, max_rows)
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except DomainError:
        raise
    except Exception:  # noqa: BLE001 - zip, XML and openpyxl errors alike: the file is not a readable workbook
        raise _unreadable_xlsx() from None
    collected = _Collector(max_rows)
    try:
        if not workbook.worksheets:
            raise DomainError("import_empty", "文件是空的", status=422)
        sheet = workbook.worksheets[0]
        # the <dimension> a program wrote may be wrong; trusting it would silently drop rows or columns
        sheet.reset_dimensions()
        formulas, headers, gap = [], [], None
        for number, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
            if number > 1 and (cells is gap or all(cell is EMPTY_CELL for cell in cells)):
                gap = cells  # openpyxl yields one shared tuple for every row missing from the file: O(1) after this
                continue
            values = []
            for index, cell in enumerate(cells):
                if getattr(cell, "data_type", None) == "f":
                    letter = get_column_letter(index + 1)
                    formulas.append(error(number, _header_name(headers, index) if number > 1 else None,
                                          f"单元格 {letter}{number} 是公式，请复制后“粘贴为数值”再导入"))
                    values.append(None)
                else:
                    values.append(_cell_value(collected.spend(cell.value, number)))
            if number == 1:
                headers = values
            collected.add(number, values)
    except DomainError:
        raise
    except Exception:  # noqa: BLE001 - a damaged sheet inside a readable archive
        raise _unreadable_xlsx() from None
    finally:
        workbook.close()
    if formulas:
        raise _fail(formulas)
    return collected.rows


def decode_text(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without BOM), else GBK (GB 18030, its superset)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise DomainError("import_encoding", "无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码的 CSV", status=422) from None


def _read_csv(data: bytes, max_rows: int) -> list[tuple[int, list]]:
    text = decode_text(data)
    if "\x00" in text:
        raise DomainError("import_unreadable", "文件内容不是文本表格，请上传 .xlsx 或 CSV 文件", status=422)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    collected, formulas, headers = _Collector(max_rows), [], []
    try:
        for number, cells in enumerate(reader, start=1):
            values = [_cell_value(collected.spend(c, number)) for c in cells]
            while values and values[-1] is None:
                values.pop()
            if len(values) > MAX_COLUMNS:
                raise _too_big(f"第 {number} 行有 {len(values)} 列，超过 {MAX_COLUMNS} 列")
            if number == 1:
                headers = values
            for index, value in enumerate(values):
                if number > 1 and isinstance(value, str) and value.startswith("=") and len(value) > 1:
                    formulas.append(error(number, _header_name(headers, index),
                                          f"第 {index + 1} 列是公式（以“=”开头），请填写数值或文本"))
            collected.add(number, values)
    except csv.Error as problem:
        if "field larger than field limit" in str(problem):
            raise _too_big(f"第 {reader.line_num} 行有超过 {MAX_CELL_CHARS:,} 个字的单元格") from None
        raise DomainError("import_unreadable", "CSV 文件格式有误（引号不配对等），请在 Excel 中另存为 CSV 后再导入",
                          status=422) from None
    if formulas:
        raise _fail(formulas)
    return collected.rows


def precheck(data: bytes) -> None:
    """The checks that need no parsing — size, emptiness, the old .xls format — so the upload page can refuse such a
    file at once instead of queueing it."""
    limit_mb = policy.get("imports.max_mb")
    if len(data) > limit_mb * 1024 * 1024:
        raise DomainError("import_too_large", f"文件超过 {limit_mb} MB（当前 {len(data) / 1024 / 1024:.1f} MB），请拆分后导入",
                          status=422)
    if not data.strip():
        raise DomainError("import_empty", "文件是空的", status=422)
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise DomainError("import_format", "不支持旧版 .xls 格式，请在 Excel 中另存为 .xlsx 或 CSV", status=422)
    if _is_xlsx(data):
        _inspect_archive(data)


def _is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def read_table(filename: str, data: bytes) -> tuple[list[str], list[Row]]:
    """Read an uploaded file into headers and rows, enforcing the size, shape and row limits as it reads."""
    precheck(data)
    max_rows = policy.get("imports.max_rows")
    raw = _read_xlsx(data, max_rows) if _is_xlsx(data) else _read_csv(data, max_rows)
    if not raw or (len(raw) == 1 and not raw[0][1]):
        raise DomainError("import_empty", "文件是空的", status=422)
    header_number, header_cells = raw[0]
    headers = [str(h).strip() if h is not None else "" for h in header_cells]
    while headers and headers[-1] == "":
        headers.pop()
    rows = [Row(number, dict(zip(headers, values, strict=False))) for number, values in raw[1:]
            if any(v is not None for v in values)]
    if not rows:
        raise DomainError("import_empty", "文件中只有表头，没有数据行", status=422)
    return headers, rows


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
        raise _fail(problems, "表头与模板不一致，未导入任何数据")


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
            raise _fail(errors)
        if dry_run:
            return {"rows": len(rows), "dry_run": True}
        context.progress = _phase(report, 40, 99)
        context.progress(0, len(rows), "校验通过，正在保存……")
        result = kind.apply(plan, context)
    finally:
        context.progress = report
    result["rows"] = len(rows)
    return result


# --- values -------------------------------------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def as_text(value) -> str:
    """A cell as text ('' for empty); whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def as_date(value) -> dt.date | None:
    """A cell as a date: a spreadsheet date, or text such as 2015-08-01, 2015/8/1, 2015年8月1日, 20150801."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = as_text(value)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(*map(int, match.groups()))
            except ValueError:
                return None
    return None


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
