"""Hostile spreadsheets are refused with a clear message, store nothing, and cost bounded memory and time — on the
upload page and in a background job alike (issue 13: a 60 KB XLSX with one row of 15,000,000 empty cells took a web
worker to 1.4 GB and the scheduler to 4.9 GB).

Memory is measured with ``tracemalloc`` around the engine's read: the Python heap is where a parsed sheet lives.
"""
from __future__ import annotations

import io
import os
import tracemalloc
import zipfile

import openpyxl
import pytest

from portal import background, policy
from portal.errors import DomainError
from portal.extensions import db
from portal.imports import hostile, reading
from tests.factories import SYSTEM
from tests.imports.helpers import HEADERS, alert_text, error_table, snapshot, upload, xlsx_bytes
from tests.imports.test_background import queued_job

SHEET = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#: what reading a refused file may cost at most (the whole file as parsed rows would be gigabytes)
PEAK_BYTES = 16 * 1024 * 1024


def with_sheet(sheet_xml: str | bytes, extra: dict[str, bytes] | None = None) -> bytes:
    """A real workbook (openpyxl's parts) whose first sheet's XML is replaced by ``sheet_xml``, plus ``extra``
    parts; deflated as Excel does."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in source.infolist():
            archive.writestr(part.filename, sheet_xml if part.filename == SHEET else source.read(part))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def sheet(rows_xml: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>{rows_xml}</sheetData></worksheet>'


def header_row() -> str:
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(HEADERS))
    return f'<row r="1">{cells}</row>'


def zip_bomb() -> bytes:
    """The probe's file: a header, then one row of 15,000,000 empty cells — about 60 KB deflated."""
    return with_sheet(sheet(header_row() + '<row r="2">' + "<c/>" * 15_000_000 + "</row>"))


def read_measured(data: bytes, filename: str = "人员.xlsx"):
    """``reading.read_table`` under tracemalloc: (the error it raised, peak bytes)."""
    tracemalloc.start()
    try:
        with pytest.raises(DomainError) as raised:
            reading.read_table(filename, data)
        return raised.value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def refused(client, data: bytes, filename: str = "人员.xlsx") -> str:
    """Upload ``data``: 422, nothing stored; the alert's text."""
    before = snapshot()
    response = upload(client, data, filename)
    assert response.status_code == 422, alert_text(response)
    assert snapshot() == before
    return alert_text(response)


def test_a_row_of_fifteen_million_empty_cells_is_refused_at_once_in_bounded_memory(client, hr):
    data = zip_bomb()
    assert len(data) < 100 * 1024  # a few tens of kilobytes on the wire
    error, peak = read_measured(data)
    assert error.code == "import_too_large" and "第 2 行有超过 64 个单元格" in error.message
    assert peak < PEAK_BYTES, f"reading the refused file took {peak / 1e6:.0f} MB"
    assert "第 2 行有超过 64 个单元格，无法导入" in refused(client, data)


def test_the_same_bomb_as_a_background_job_fails_with_the_same_reason(client, hr):
    padding = os.urandom(80 * 1024)  # incompressible: the upload is over the synchronous limit and becomes a job
    data = with_sheet(sheet(header_row() + '<row r="2">' + "<c/>" * 15_000_000 + "</row>"),
                      {"docProps/padding.bin": padding})
    before = snapshot()
    job_id = queued_job(upload(client, data))
    background.run_pending()
    state = client.get(f"/jobs/{job_id}.json").get_json()
    assert state["status"] == "failed" and "第 2 行有超过 64 个单元格" in state["error"]
    after = snapshot()
    assert after["audit"] == before["audit"] + 1  # the job.enqueue entry only
    assert {k: v for k, v in after.items() if k != "audit"} == {k: v for k, v in before.items() if k != "audit"}


def test_parts_declaring_more_than_the_unpacked_limit_are_refused_before_anything_is_unpacked(client, hr):
    data = with_sheet(sheet(header_row()), {"xl/media/filler.bin": bytes(101 * 1024 * 1024)})
    assert len(data) < 200 * 1024
    error, peak = read_measured(data)
    assert "解压后超过 100 MB（101 MB）" in error.message
    assert peak < PEAK_BYTES
    assert "解压后超过 100 MB" in refused(client, data)


def test_a_value_beyond_the_sixty_fourth_column_is_refused(client, hr):
    far = header_row() + '<row r="2"><c r="BM2" t="inlineStr"><is><t>x</t></is></c></row>'
    assert "第 2 行第 65 列有内容，超过 64 列" in refused(client, with_sheet(sheet(far)))


def test_empty_formatted_cells_far_right_are_not_read(hr):
    """A styled but empty cell at Excel's last column (a program's stray formatting) is ignored, not expanded
    into 16,384 cells per row."""
    row = header_row().replace("</row>", '<c r="XFD1" s="0"/></row>')
    headers, rows = reading.read_table("人员.xlsx", with_sheet(sheet(row + '<row r="2"><c r="A2" t="inlineStr">'
                                                                          '<is><t>王伟</t></is></c></row>')))
    assert headers == HEADERS and [r.values["姓名"] for r in rows] == ["王伟"]


def test_a_row_beyond_excels_last_row_is_refused(client, hr):
    beyond = header_row() + '<row r="1048577"><c r="A1048577" t="inlineStr"><is><t>x</t></is></c></row>'
    assert "有第 1,048,577 行，超出 Excel 的行数" in refused(client, with_sheet(sheet(beyond)))


def test_a_row_at_the_bottom_of_the_sheet_keeps_its_number_and_costs_little(client, hr):
    """A million missing rows between the header and the only data row are skipped, not built; the row's error
    names its number as Excel shows it."""
    bottom = header_row() + '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>王伟</t></is></c></row>'
    tracemalloc.start()
    try:
        headers, rows = reading.read_table("人员.xlsx", with_sheet(sheet(bottom)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [r.number for r in rows] == [1_048_576] and peak < PEAK_BYTES
    refused(client, with_sheet(sheet(bottom)))
    assert any(row == 1_048_576 for row, _, _ in error_table(upload(client, with_sheet(sheet(bottom)))))


def test_a_cell_longer_than_any_field_is_refused(client, hr):
    long = header_row() + f'<row r="2"><c r="A2" t="inlineStr"><is><t>{"字" * 40_000}</t></is></c></row>'
    assert "第 2 行有超过 4,000 个字的单元格" in refused(client, with_sheet(sheet(long)))


def shared(text: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}"><si><t xml:space="preserve">{text}</t></si>'
            "</sst>").encode()


def amplified(text: str, rows: int) -> bytes:
    """The probe's file: one shared string, referred to by every cell of ``rows`` rows of 64 cells — rows
    without positions are identical and deflate to almost nothing."""
    row = "<row>" + '<c t="s"><v>0</v></c>' * 64 + "</row>"
    return with_sheet(sheet(row * rows), {"xl/sharedStrings.xml": shared(text)})


def test_a_long_shared_string_is_refused_before_any_cell_copies_it(client, hr):
    """A 10 KB file of 2,000 rows whose cells all point at one 32,001-character string took 4 GB."""
    data = amplified(" " + "x" * 32_000, 2_000)
    assert len(data) < 64 * 1024  # small enough to be read inside the request
    error, peak = read_measured(data)
    assert "超过 4,000 个字" in error.message and peak < PEAK_BYTES
    assert "超过 4,000 个字" in refused(client, data)


def test_the_text_of_a_whole_file_is_bounded(client, hr):
    """Cells within the limit, one string copied into every cell: reading stops at the file's text budget, and
    what it held until then is bounded by it."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet_ = workbook.create_sheet()
    sheet_.append(HEADERS)
    for _ in range(60):  # 60 × 64 × 3,991 characters: three times the budget, in one shared string
        sheet_.append([" " + "x" * 3_990] * 64)
    out = io.BytesIO()
    workbook.save(out)
    data = out.getvalue()
    assert len(data) < 64 * 1024
    error, peak = read_measured(data)
    assert f"文件中的文字超过 {hostile.MAX_TEXT_CHARS // 10000:,} 万字" in error.message
    assert peak < 2 * hostile.MAX_TEXT_CHARS + PEAK_BYTES, f"{peak / 1e6:.0f} MB"
    assert "万字" in refused(client, data)


def test_a_sheet_kept_outside_the_worksheets_folder_is_inspected_all_the_same(client, hr):
    """The workbook's relationships may point anywhere: a sheet at ``xl/elsewhere.xml`` with a row of 2.5 million
    cells was read (50 s, 1.9 GB) because only ``xl/worksheets/`` was inspected."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([])))
    wide = sheet(header_row() + '<row r="2">' + "<c/>" * 1_000_000 + "</row>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in source.infolist():
            if part.filename == SHEET:
                archive.writestr("xl/elsewhere.xml", wide)
            elif part.filename == "xl/_rels/workbook.xml.rels":
                archive.writestr(part.filename, source.read(part).replace(b"worksheets/sheet1.xml", b"elsewhere.xml")
                                 .replace(b"/xl/worksheets/sheet1.xml", b"/xl/elsewhere.xml"))
            elif part.filename == "[Content_Types].xml":
                archive.writestr(part.filename, source.read(part).replace(b"/xl/worksheets/sheet1.xml",
                                                                          b"/xl/elsewhere.xml"))
            else:
                archive.writestr(part.filename, source.read(part))
    error, peak = read_measured(out.getvalue())
    assert "第 2 行有超过 64 个单元格" in error.message and peak < PEAK_BYTES


def test_more_shared_strings_than_the_rows_allowed_could_hold_are_refused(client, hr):
    policy.update(SYSTEM, {"imports.max_rows": 100})
    db.session.commit()
    strings = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'
               + "<si><t>x</t></si>" * (101 * 64 + 1) + "</sst>")
    assert "文本单元格超过 6,464 个" in refused(client, with_sheet(sheet(header_row()),
                                                                {"xl/sharedStrings.xml": strings}))


def test_the_row_limit_stops_the_reading_of_a_long_file(client, hr):
    """The limit applies while reading: the message says where reading stopped, not how long the file was."""
    policy.update(SYSTEM, {"imports.max_rows": 100})
    db.session.commit()
    workbook = openpyxl.Workbook(write_only=True)
    sheet_ = workbook.create_sheet()
    sheet_.append(HEADERS)
    for n in range(50_000):
        sheet_.append([f"人{n}"])
    out = io.BytesIO()
    workbook.save(out)
    error, _ = read_measured(out.getvalue())
    assert error.code == "import_too_many_rows"
    assert error.message == "文件的数据超过上限 100 行（读到第 102 行时停止），请拆分后导入"


@pytest.mark.parametrize("length", [5_000, 200_000])
def test_a_csv_cell_longer_than_any_field_is_refused_as_such(client, hr, length):
    """Past 128 KB the csv module refused the field, and the message blamed unpaired quotes."""
    data = ("\ufeff" + ",".join(HEADERS) + "\r\n" + "张三," + "x" * length + "\r\n").encode()
    error, _ = read_measured(data, "人员.csv")
    assert "第 2 行有超过 4,000 个字的单元格" in error.message


def test_a_csv_row_of_ten_thousand_columns_is_refused(client, hr):
    data = ("\ufeff" + ",".join(HEADERS) + "\r\n" + "x," * 10_000 + "x\r\n").encode()
    assert "第 2 行有 10001 列，超过 64 列" in refused(client, data, "人员.csv")
