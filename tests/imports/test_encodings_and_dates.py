"""The same rows import the same from XLSX and from CSV in UTF-8, UTF-8 with BOM or GBK; dates as people type
them, and real spreadsheet dates, all work."""
import datetime as dt
import io

import openpyxl
import pytest

from tests.imports.helpers import (
    HEADERS,
    alert_text,
    csv_bytes,
    csv_text,
    error_table,
    id_of,
    officer,
    officer_count,
    officer_row,
    rows_of,
    upload,
    xlsx_bytes,
)

ROWS_KW = {"执法类别": "生态环境、城市管理", "执法区域": "环翠区鲸园街道、竹岛街道"}


def expected(hr):
    return [(id_of(n), row["姓名"], hr.dept.id, ["城市管理", "生态环境"], "环翠区鲸园街道、竹岛街道")
            for n, row in enumerate(rows_of(4, hr.dept.name))]


def stored(hr):
    result = []
    for n in range(4):
        found = officer(id_of(n))
        assert found is not None, n
        result.append((found.id_number, found.name, found.agency_id, found.categories, found.region))
    return result


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_accepted_encoding_imports_the_same(client, hr, encoding):
    data = csv_bytes(rows_of(4, hr.dept.name, **ROWS_KW), encoding=encoding)
    if encoding == "utf-8-sig":
        assert data.startswith(b"\xef\xbb\xbf")
    if encoding == "gbk":
        data.decode("gbk")
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
    response = upload(client, data, "人员.csv")
    assert response.status_code == 200, error_table(response) or alert_text(response)
    assert "新增 4 条" in alert_text(response)
    assert stored(hr) == expected(hr)


def test_the_same_rows_in_any_encoding_or_format_are_the_same_file(client, hr):
    rows = rows_of(4, hr.dept.name, **ROWS_KW)
    assert "新增 4 条" in alert_text(upload(client, xlsx_bytes(rows)))
    total = officer_count()
    for data, name in [(csv_bytes(rows), "a.csv"), (csv_bytes(rows, encoding="utf-8-sig"), "b.csv"),
                       (csv_bytes(rows, encoding="gbk"), "c.csv"),
                       (csv_text(rows).replace(",", "\t").encode("gbk"), "d.txt")]:
        response = upload(client, data, name)
        assert response.status_code == 200, (name, error_table(response))
        assert "新增 0 条，更新 0 条，4 条与已有记录相同未作改动" in alert_text(response), name
    assert officer_count() == total


def test_a_gbk_file_reports_its_errors_in_readable_chinese(client, hr):
    rows = rows_of(2, hr.dept.name)
    rows[1]["单位"] = "威海市火炬高技术产业开发区管理委员会"
    response = upload(client, csv_bytes(rows, encoding="gbk"), "人员.csv")
    assert response.status_code == 422
    [(row, column, reason)] = error_table(response)
    assert (row, column) == (3, "单位") and "威海市火炬高技术产业开发区管理委员会" in reason


@pytest.mark.parametrize("hired", [
    "2015-08-01", "2015/8/1", "2015/08/01", "2015.8.1", "2015年8月1日", "2015年08月01日", "20150801", " 2015-8-1 ",
    "２０１５－０８－０１".replace("－", "-"),
])
def test_dates_as_people_type_them_in_csv(client, hr, hired):
    response = upload(client, csv_bytes([officer_row(0, hr.dept.name, 入职日期=hired)]), "人员.csv")
    assert response.status_code == 200, error_table(response)
    assert officer(id_of(0)).hired_on == dt.date(2015, 8, 1)


@pytest.mark.parametrize("hired", [
    dt.date(2015, 8, 1), dt.datetime(2015, 8, 1), dt.datetime(2015, 8, 1, 0, 0, 0), 20150801, "2015年8月1日",
    "2015/8/1",
], ids=["date", "datetime", "midnight", "number", "chinese", "slashes"])
def test_real_spreadsheet_dates_and_typed_dates_in_xlsx(client, hr, hired):
    response = upload(client, xlsx_bytes([officer_row(0, hr.dept.name, 入职日期=hired)]))
    assert response.status_code == 200, error_table(response)
    assert officer(id_of(0)).hired_on == dt.date(2015, 8, 1)


def test_a_spreadsheet_date_with_a_time_of_day_counts_as_that_day(client, hr):
    response = upload(client, xlsx_bytes([officer_row(0, hr.dept.name, 入职日期=dt.datetime(2015, 8, 1, 14, 30))]))
    assert response.status_code == 200, error_table(response)
    assert officer(id_of(0)).hired_on == dt.date(2015, 8, 1)


def test_an_xlsx_as_excel_users_fill_it(client, hr):
    """Columns in another order, the optional 邮箱 column left out, a phone number stored as a number, full-width
    spaces around values, a second sheet that is ignored."""
    headers = ["身份证号", "姓名", "入职日期", "单位", "手机", "岗位", "执法区域", "执法类别", "人员类别"]
    assert sorted(headers) == sorted(h for h in HEADERS if h != "邮箱")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    row = officer_row(0, hr.dept.name, 姓名="\u3000刘洋 ", 手机=13906310000, 入职日期=dt.date(2015, 8, 1))
    sheet.append([row[h] for h in headers])
    workbook.create_sheet("说明").append(["这一页不导入"])
    out = io.BytesIO()
    workbook.save(out)
    response = upload(client, out.getvalue())
    assert response.status_code == 200, error_table(response)
    stored_officer = officer(id_of(0))
    assert (stored_officer.name, stored_officer.mobile, stored_officer.email) == ("刘洋", "13906310000", None)


def test_csv_with_quoted_commas_and_line_breaks(client, hr):
    rows = rows_of(3, hr.dept.name)
    rows[0]["执法区域"] = "环翠区全域,高区\n经区"
    rows[2]["单位"] = "不存在的局"
    response = upload(client, csv_bytes(rows), "人员.csv")
    # a line break inside a quoted cell does not shift the numbering: the bad record is the spreadsheet's row 4
    assert response.status_code == 422
    assert [(r, c) for r, c, _ in error_table(response)] == [(4, "单位")]
