"""The limits an uploaded file must keep, and the checks of an XLSX made before openpyxl builds anything from it:
the archive's directory (parts, unpacked size) and a streamed read of its XML (cells per row, rows, cell length,
shared strings), so a zip bomb or a sheet of millions of cells is refused at a flat memory cost.
"""
from __future__ import annotations

import io
import zipfile
from xml.etree.ElementTree import ParseError, iterparse

from portal.errors import DomainError

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


def unreadable_xlsx() -> DomainError:
    return DomainError("import_unreadable", "无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式，"
                                            "请在 Excel 中打开后另存为 .xlsx 再导入", status=422)


def too_big(message: str) -> DomainError:
    return DomainError("import_too_large", message + "，无法导入；请检查文件，或删去多余的行列后另存再导入", status=422)


def _column_of(reference: str | None) -> int:
    """The 1-based column of a cell reference such as ``AB12`` (0 when there is none)."""
    column = 0
    for char in reference or "":
        if not "A" <= char <= "Z":
            break
        column = column * 26 + ord(char) - 64
    return column


def inspect_archive(data: bytes) -> None:
    """Refuse an XLSX whose parts would unpack to more than :data:`MAX_UNPACKED_MB` — read from the archive's
    directory, before anything is unpacked. (``zipfile`` never unpacks more than a part declares.)"""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise unreadable_xlsx() from None
    if len(parts) > MAX_PARTS:
        raise too_big(f"该 Excel 文件由 {len(parts):,} 个部分组成，超过 {MAX_PARTS:,} 个")
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED_MB * 1024 * 1024:
        raise too_big(f"该 Excel 文件解压后超过 {MAX_UNPACKED_MB} MB（{unpacked / 1024 / 1024:,.0f} MB）")


def inspect_sheets(data: bytes, max_rows: int) -> None:
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
                    raise too_big(f"该 Excel 文件第 {count + 1} 个文本超过 {MAX_CELL_CHARS:,} 个字")
            elif tag == "si":
                count, length = count + 1, 0
                if count > most:
                    raise too_big(f"该 Excel 文件的文本单元格超过 {most:,} 个")
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
                        raise too_big(f"该 Excel 文件有第 {row_number:,} 行，超出 Excel 的行数")
                elif tag == "c":
                    cells += 1
                    if cells > MAX_COLUMNS:
                        raise too_big(f"第 {row_number} 行有超过 {MAX_COLUMNS} 个单元格")
                continue
            parents.pop()
            if tag in ("v", "t", "f") and element.text and len(element.text) > MAX_CELL_CHARS:
                raise too_big(f"第 {row_number} 行有超过 {MAX_CELL_CHARS:,} 个字的单元格")
            if tag == "c" and _column_of(element.get("r")) > MAX_COLUMNS and len(element):
                raise too_big(f"第 {row_number} 行第 {_column_of(element.get('r'))} 列有内容，超过 {MAX_COLUMNS} 列")
            if tag in ("row", "c") and parents:
                parents[-1].remove(element)  # what has been checked is dropped: memory stays flat
