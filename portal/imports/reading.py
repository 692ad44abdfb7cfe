"""Reading an uploaded table: the checks that need no parsing (size, emptiness, the old .xls format), XLSX
(formula cells refused) and CSV (UTF-8 ± BOM, else GB 18030, delimiter sniffed), the row limit applied while
reading, blank rows skipped, values normalised; returns the headers and the numbered rows.
"""
from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
from openpyxl.cell.read_only import EMPTY_CELL
from openpyxl.utils import get_column_letter

from portal import policy
from portal.errors import DomainError
from portal.imports.hostile import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_TEXT_CHARS,
    inspect_archive,
    inspect_sheets,
    too_big,
    unreadable_xlsx,
)
from portal.imports.rows import Row, error, fail

policy.define("imports.max_rows", "导入文件最多数据行数", "int", 20000, "导入", minimum=100, maximum=200000, unit="行")
#: the web server accepts uploads up to ``MAX_CONTENT_LENGTH`` (12 MB): a larger setting would promise what the
#: upload page cannot take, so the setting stops below it
policy.define("imports.max_mb", "导入文件最大体积", "int", 10, "导入", minimum=1, maximum=11, unit="MB",
              help="上传页面受服务器上传上限（12 MB）约束，最大可设为 11 MB")


def _cell_value(value):
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        value = value.replace("\u3000", " ").strip()
        return value or None
    return value


def _header_name(headers: list, index: int) -> str:
    """The header of the 0-based column ``index`` as the file has it, else the column's letter."""
    if index < len(headers) and headers[index] not in (None, ""):
        return str(headers[index]).strip()
    return f"{get_column_letter(index + 1)}列"


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
                raise too_big(f"第 {number} 行有超过 {MAX_CELL_CHARS:,} 个字的单元格")
            if self.text > MAX_TEXT_CHARS:
                raise too_big(f"文件中的文字超过 {MAX_TEXT_CHARS // 10000:,} 万字（读到第 {number} 行时停止），"
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
    inspect_archive(data)
    try:
        inspect_sheets(data, max_rows)
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except DomainError:
        raise
    except Exception:  # noqa: BLE001 - zip, XML and openpyxl errors alike: the file is not a readable workbook
        raise unreadable_xlsx() from None
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
        raise unreadable_xlsx() from None
    finally:
        workbook.close()
    if formulas:
        raise fail(formulas)
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
                raise too_big(f"第 {number} 行有 {len(values)} 列，超过 {MAX_COLUMNS} 列")
            if number == 1:
                headers = values
            for index, value in enumerate(values):
                if number > 1 and isinstance(value, str) and value.startswith("=") and len(value) > 1:
                    formulas.append(error(number, _header_name(headers, index),
                                          f"第 {index + 1} 列是公式（以“=”开头），请填写数值或文本"))
            collected.add(number, values)
    except csv.Error as problem:
        if "field larger than field limit" in str(problem):
            raise too_big(f"第 {reader.line_num} 行有超过 {MAX_CELL_CHARS:,} 个字的单元格") from None
        raise DomainError("import_unreadable", "CSV 文件格式有误（引号不配对等），请在 Excel 中另存为 CSV 后再导入",
                          status=422) from None
    if formulas:
        raise fail(formulas)
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
        inspect_archive(data)


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
