"""Broken files are refused as a whole: the page answers 422, every bad row is listed with its row number as the
spreadsheet numbers it (header = row 1), its column and a reason in Chinese — and nothing is stored."""
import datetime as dt
import io
import re
import zipfile

import openpyxl
import pytest

from portal import policy
from portal.extensions import db
from tests.factories import SYSTEM, make_id_number
from tests.imports.helpers import (
    HEADERS,
    REGION,
    alert_text,
    csv_bytes,
    error_table,
    id_of,
    import_audits,
    officer,
    officer_row,
    rows_of,
    snapshot,
    upload,
    xlsx_bytes,
)
from tests.officers import page

CJK = re.compile(r"[\u4e00-\u9fff]")


def refused(client, data: bytes, filename: str = "人员.xlsx"):
    """Upload ``data``; check the page refuses it with 422 and stores nothing; return the response."""
    before, audits = snapshot(), import_audits()
    response = upload(client, data, filename)
    assert response.status_code == 422, alert_text(response)
    assert snapshot() == before  # no officer, category or audit entry added, no version moved
    assert import_audits() == audits
    text = alert_text(response)
    assert "未导入" in text or error_table(response) == [], text  # the summary says nothing was imported
    for _, _, reason in error_table(response):
        assert CJK.search(reason), reason
    return response


def only_error(response) -> tuple[int, str, str]:
    errors = error_table(response)
    assert len(errors) == 1, errors
    return errors[0]


def bad_check_character(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:17] + last


# --- one bad row ------------------------------------------------------------------------------------------


def test_a_wrong_check_character_names_its_row_and_column(client, hr):
    rows = rows_of(3, hr.dept.name)
    rows[1]["身份证号"] = bad_check_character(rows[1]["身份证号"])
    row, column, reason = only_error(refused(client, xlsx_bytes(rows)))
    assert (row, column) == (3, "身份证号")
    assert "校验位" in reason


@pytest.mark.parametrize("as_number", [int, float], ids=["int", "float"])
def test_an_id_number_stored_as_a_number_is_refused(client, hr, as_number):
    number = id_of(0)
    assert number[-1] != "X"
    cells = list(officer_row(0, hr.dept.name).values())
    cells[HEADERS.index("身份证号")] = as_number(int(number))
    row, column, reason = only_error(refused(client, xlsx_bytes([cells])))
    assert (row, column) == (2, "身份证号")
    assert "数字" in reason and "文本" in reason


@pytest.mark.parametrize("number, words", [
    ("37108119700101", "18位"),
    ("3710811970010100AB", "前17位"),
    (make_id_number(dt.date(1970, 1, 1), 1, region=REGION)[:10] + "0231" + "0011", "出生日期"),
    (make_id_number(dt.date(2030, 1, 1), 1, region=REGION), "出生日期"),
])
def test_id_numbers_that_cannot_be_right_are_refused(client, hr, number, words):
    row, column, reason = only_error(refused(client, csv_bytes([officer_row(0, hr.dept.name, 身份证号=number)]),
                                             "人员.csv"))
    assert (row, column) == (2, "身份证号") and words in reason


def test_an_unknown_agency_is_named(client, hr):
    rows = rows_of(2, hr.dept.name)
    rows[1]["单位"] = "火星市综合行政执法局"
    row, column, reason = only_error(refused(client, xlsx_bytes(rows)))
    assert (row, column) == (3, "单位")
    assert "火星市综合行政执法局" in reason


@pytest.mark.parametrize("agency", ["other_dept", "dept2", "district"])
@pytest.mark.parametrize("by", ["name", "uscc"])
def test_an_agency_outside_the_scope_is_refused_by_name_and_by_uscc(client, hr, agency, by):
    unit = getattr(getattr(hr, agency), by)
    row, column, reason = only_error(refused(client, xlsx_bytes([officer_row(0, unit)])))
    assert (row, column) == (2, "单位")
    assert unit in reason and "管辖范围" in reason


def test_a_missing_agency_is_refused(client, hr):
    row, column, reason = only_error(refused(client, xlsx_bytes([officer_row(0, None)])))
    assert (row, column) == (2, "单位") and "单位" in reason


def test_the_same_id_number_twice_names_the_first_row(client, hr):
    rows = rows_of(4, hr.dept.name)
    assert rows[3]["身份证号"].endswith("X")
    rows[2] = dict(rows[3], 身份证号=rows[3]["身份证号"].lower(), 姓名="另一人")  # lower-case x is the same number
    row, column, reason = only_error(refused(client, xlsx_bytes(rows)))
    assert (row, column) == (5, "身份证号")
    assert "第 4 行" in reason and "重复" in reason


def test_a_duplicated_row_is_reported_once_on_its_second_occurrence(client, hr):
    rows = rows_of(3, hr.dept.name)
    rows.append(dict(rows[0]))
    row, column, reason = only_error(refused(client, csv_bytes(rows), "人员.csv"))
    assert (row, column) == (5, "身份证号") and "第 2 行" in reason


def test_an_id_number_registered_outside_the_scope_is_refused(client, hr):
    outsider = hr.other_officer
    row = officer_row(0, hr.dept.name, 身份证号=outsider.id_number, 姓名="冒名者")
    got = only_error(refused(client, xlsx_bytes([row])))
    assert got[:2] == (2, "身份证号") and "管辖范围" in got[2]
    assert officer(outsider.id_number).name == outsider.name and officer(outsider.id_number).agency_id == hr.other_dept.id


@pytest.mark.parametrize("column, value, words", [
    ("姓名", "", "姓名"),
    ("姓名", "X", "姓名"),
    ("岗位", "", "岗位"),
    ("执法类别", "", "执法类别"),
    ("执法类别", "城市管理、飞行管理", "飞行管理"),
    ("执法区域", None, "执法区域"),
    ("手机", "0631-5201234", "手机"),
    ("邮箱", "not-an-address", "邮箱"),
    ("入职日期", None, "入职日期"),
])
def test_a_bad_or_missing_value_names_its_column(client, hr, column, value, words):
    rows = rows_of(2, hr.dept.name)
    rows[0][column] = value
    row, got_column, reason = only_error(refused(client, xlsx_bytes(rows)))
    assert (row, got_column) == (2, column)
    assert words in reason


@pytest.mark.parametrize("column, value, limit", [
    ("岗位", "执" * 61, 60),
    ("执法区域", "区" * 101, 100),
    ("邮箱", "a" * 110 + "@example.cn", 120),
])
def test_a_value_longer_than_the_record_holds_is_refused(client, hr, column, value, limit):
    row, got_column, reason = only_error(refused(client, xlsx_bytes([officer_row(0, hr.dept.name, **{column: value})])))
    assert (row, got_column) == (2, column) and str(limit) in reason


def test_a_category_removed_from_the_settings_is_refused(client, hr):
    categories = [c for c in policy.get("officers.categories") if c != "市场监管"]
    policy.update(SYSTEM, {"officers.categories": categories})
    db.session.commit()
    row, column, reason = only_error(refused(client, xlsx_bytes([officer_row(0, hr.dept.name)])))
    assert (row, column) == (2, "执法类别") and "市场监管" in reason and "不在设置的类别中" in reason


@pytest.mark.parametrize("hired, words", [
    ("1985-12-31", "16周岁"),           # person 0 was born on 1 January 1970
    (dt.date(1985, 12, 31), "16周岁"),
    ("2026-11-27", "晚于今天"),          # the clock stands at 26 November 2026
    ("2015-13-01", "不是有效日期"),
    ("2015-02-30", "不是有效日期"),
    ("去年八月", "不是有效日期"),
    ("08/01/2015", "不是有效日期"),
])
def test_a_hire_date_problem_is_named(client, hr, hired, words):
    row, column, reason = only_error(refused(client, xlsx_bytes([officer_row(0, hr.dept.name, 入职日期=hired)])))
    assert (row, column) == (2, "入职日期") and words in reason


def test_one_bad_row_among_many_stores_nothing_and_names_exactly_that_row(client, hr):
    rows = rows_of(300, hr.dept.name)
    rows[197]["手机"] = "1390000"
    assert len(xlsx_bytes(rows)) < 64 * 1024  # small enough to be checked during the request
    response = refused(client, xlsx_bytes(rows))
    assert error_table(response) == [(199, "手机", "手机号应为11位数字，以1开头")]
    assert "未导入任何数据" in alert_text(response)
    assert officer(id_of(0)) is None


def test_blank_rows_in_between_still_count_as_the_spreadsheet_numbers_them(client, hr):
    good, bad = officer_row(0, hr.dept.name), officer_row(1, hr.dept.name, 单位="不存在的局")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append([good[h] for h in HEADERS])  # row 2
    for column, header in enumerate(HEADERS, start=1):  # rows 3 and 4 left empty, row 5 is the bad one
        sheet.cell(row=5, column=column, value=bad[header])
    out = io.BytesIO()
    workbook.save(out)
    assert only_error(refused(client, out.getvalue()))[:2] == (5, "单位")

    text = csv_bytes([good, None, [""] * len(HEADERS), bad])
    assert only_error(refused(client, text, "人员.csv"))[:2] == (5, "单位")


def test_every_bad_row_is_listed_in_row_order(client, hr):
    rows = rows_of(6, hr.dept.name)
    rows[4]["单位"] = "不存在的局"
    rows[1]["身份证号"] = bad_check_character(rows[1]["身份证号"])
    rows[1]["手机"] = "12"
    rows[5]["入职日期"] = "昨天"
    errors = error_table(refused(client, xlsx_bytes(rows)))
    assert [(row, column) for row, column, _ in errors] == [(3, "身份证号"), (3, "手机"), (6, "单位"), (7, "入职日期")]


# --- the file as a whole -----------------------------------------------------------------------------------


def test_a_missing_column_is_named(client, hr):
    headers = [h for h in HEADERS if h != "身份证号"]
    response = refused(client, xlsx_bytes(rows_of(2, hr.dept.name), headers=headers))
    errors = error_table(response)
    assert [(row, column) for row, column, _ in errors] == [(1, "身份证号")]
    assert "缺少" in errors[0][2]
    assert "表头" in alert_text(response)


def test_an_unknown_column_is_named(client, hr):
    headers = [*HEADERS, "备注"]
    rows = [dict(r, 备注="无") for r in rows_of(2, hr.dept.name)]
    errors = error_table(refused(client, csv_bytes(rows, headers=headers), "人员.csv"))
    assert [(row, column) for row, column, _ in errors] == [(1, "备注")]
    assert "无法识别" in errors[0][2]


def test_a_misspelt_column_is_both_missing_and_unknown(client, hr):
    headers = ["身份证" if h == "身份证号" else h for h in HEADERS]
    errors = error_table(refused(client, xlsx_bytes(rows_of(1, hr.dept.name), headers=headers)))
    assert {(row, column) for row, column, _ in errors} == {(1, "身份证号"), (1, "身份证")}


def test_a_duplicate_header_is_named(client, hr):
    headers = [*HEADERS, "手机"]
    rows = [[*officer_row(0, hr.dept.name).values(), "13900000009"]]
    errors = error_table(refused(client, xlsx_bytes(rows, headers=headers)))
    assert [(row, column) for row, column, _ in errors] == [(1, "手机")]
    assert "重复" in errors[0][2]


def test_a_blank_header_between_columns_is_refused(client, hr):
    headers = [*HEADERS[:3], "", *HEADERS[3:]]
    rows = [[*list(officer_row(0, hr.dept.name).values())[:3], "?", *list(officer_row(0, hr.dept.name).values())[3:]]]
    errors = error_table(refused(client, xlsx_bytes(rows, headers=headers)))
    assert [row for row, _, _ in errors] == [1] and "空白" in errors[0][2]


@pytest.mark.parametrize("data, filename", [
    (b"", "人员.csv"),
    (b"   \r\n \r\n", "人员.csv"),
    (b"\xef\xbb\xbf", "人员.csv"),
    (b",,,,\r\n,,,\r\n", "人员.csv"),
    (xlsx_bytes([], headers=[]), "人员.xlsx"),
])
def test_an_empty_file_is_refused(client, hr, data, filename):
    response = refused(client, data, filename)
    assert "空" in alert_text(response)


def test_no_file_at_all_is_refused(client, hr):
    before = snapshot()
    response = client.post("/imports/officers", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "请选择要导入的文件" in alert_text(response)
    assert snapshot() == before


@pytest.mark.parametrize("make", [
    lambda: xlsx_bytes([]),
    lambda: xlsx_bytes([None, None]),
    lambda: csv_bytes([]),
    lambda: csv_bytes([None, [""] * 9]),
], ids=["xlsx", "xlsx-blank-rows", "csv", "csv-blank-rows"])
def test_a_header_without_data_rows_is_refused(client, hr, make):
    data = make()
    response = refused(client, data, "人员.csv" if data[:2] != b"PK" else "人员.xlsx")
    assert "只有表头" in alert_text(response)


def test_a_formula_cell_names_its_row_and_column(client, hr):
    rows = rows_of(3, hr.dept.name)
    rows[2]["姓名"] = "=A1"
    rows[0]["手机"] = '=CONCATENATE("139","00000000")'
    errors = error_table(refused(client, xlsx_bytes(rows)))
    assert [(row, column) for row, column, _ in errors] == [(2, "手机"), (4, "姓名")]
    assert "G2" in errors[0][2] and "A4" in errors[1][2]
    assert all("公式" in reason for _, _, reason in errors)


def test_a_formula_in_a_csv_is_refused(client, hr):
    rows = rows_of(3, hr.dept.name)
    rows[1]["执法区域"] = "=HYPERLINK(\"http://example.com\")"
    rows[2]["姓名"] = "=1+1"
    errors = error_table(refused(client, csv_bytes(rows), "人员.csv"))
    assert [(row, column) for row, column, _ in errors] == [(3, "执法区域"), (4, "姓名")]
    assert all("公式" in reason for _, _, reason in errors)


def test_a_file_over_the_size_limit_is_refused_before_it_is_queued(client, hr):
    policy.update(SYSTEM, {"imports.max_mb": 1})
    db.session.commit()
    rows = rows_of(8000, hr.dept.name)
    data = csv_bytes(rows)
    assert len(data) > 1024 * 1024
    response = refused(client, data, "人员.csv")
    assert "1 MB" in alert_text(response) and "拆分" in alert_text(response)
    from portal.background import Job
    assert db.session.query(Job).count() == 0


def test_a_file_over_the_default_10_mb_is_refused(client, hr):
    filler = officer_row(0, hr.dept.name, 执法区域="环翠区全域" * 60)
    data = csv_bytes([filler] * 10500)
    assert 10 * 1024 * 1024 < len(data) < 12 * 1024 * 1024
    response = refused(client, data, "人员.csv")
    assert "10 MB" in alert_text(response)


def test_a_file_beyond_what_the_server_accepts_is_refused_in_chinese(client, hr):
    before = snapshot()
    response = upload(client, b"x" * (13 * 1024 * 1024), "人员.csv")
    assert response.status_code == 413
    assert "上传内容过大" in page.text(response)
    assert snapshot() == before


def test_the_size_setting_cannot_promise_more_than_the_server_accepts(client, auth, world):
    auth.login("admin")
    values = page.form_values(client.get("/admin/settings"))
    assert values["imports.max_mb"] == ["10"]
    values["imports.max_mb"] = ["50"]
    response = client.post("/admin/settings", data=values)
    assert response.status_code == 422
    assert policy.get("imports.max_mb") == 10
    values["imports.max_mb"] = ["11"]
    assert client.post("/admin/settings", data=values).status_code == 302
    policy.forget_cache()
    assert policy.get("imports.max_mb") == 11


def test_more_rows_than_the_limit_are_refused(client, hr):
    policy.update(SYSTEM, {"imports.max_rows": 100})
    db.session.commit()
    assert upload(client, xlsx_bytes(rows_of(100, hr.dept.name))).status_code == 200  # exactly at the limit
    response = refused(client, xlsx_bytes(rows_of(101, hr.dept.name, start=100)))
    assert "文件的数据超过上限 100 行（读到第 102 行时停止）" in alert_text(response)


def test_an_old_xls_file_is_refused(client, hr):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096
    response = refused(client, data, "人员.xls")
    assert ".xls" in alert_text(response) and ".xlsx" in alert_text(response)


@pytest.mark.parametrize("kind", ["truncated", "other-zip", "binary"])
def test_an_unreadable_file_is_refused_in_chinese(client, hr, kind):
    if kind == "truncated":
        data = xlsx_bytes(rows_of(3, hr.dept.name))
        data = data[: len(data) // 2]
    elif kind == "other-zip":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("word/document.xml", "<w:document/>")
        data = out.getvalue()
    else:
        data = bytes(range(256)) * 8
    response = refused(client, data, "人员.xlsx")
    text = alert_text(response)
    assert CJK.search(text)
    assert not re.search(r"[A-Z][a-z]+(Error|File|Exception)", text), text  # no Python exception names


def test_a_workbook_whose_stated_size_is_wrong_is_read_in_full(client, hr):
    """Some programs write a wrong <dimension> into the sheet: every row must still be read, never dropped."""
    rows = rows_of(3, hr.dept.name)
    rows[2]["单位"] = "不存在的局"
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(rows)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content, replaced = re.subn(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:B2"/>', content)
                assert replaced == 1
            target.writestr(item, content)
    assert only_error(refused(client, out.getvalue()))[:2] == (4, "单位")


def test_a_file_with_more_errors_than_can_be_shown_says_how_many_there_are(client, hr):
    rows = rows_of(600, hr.dept.name, 单位="不存在的局")
    response = refused(client, xlsx_bytes(rows))
    errors = error_table(response)
    assert len(errors) == 500
    assert [row for row, _, _ in errors] == list(range(2, 502))
    assert "共 600 处错误，仅列出前 500 处" in alert_text(response)
