"""The downloadable templates: what they contain, and that an unchanged template imports nothing while a filled one
imports its rows."""
import csv
import io

import openpyxl

from tests.imports.helpers import (
    HEADERS,
    alert_text,
    error_table,
    id_of,
    officer,
    officer_count,
    rows_of,
    snapshot,
    upload,
)


def test_the_xlsx_template_has_the_officer_headers_and_text_id_numbers(client, hr):
    response = client.get("/imports/officers/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    assert ".xlsx" in response.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    id_column = HEADERS.index("身份证号") + 1
    phone_column = HEADERS.index("手机") + 1
    for row in (2, 3, 500, 1000):
        assert sheet.cell(row=row, column=id_column).number_format == "@"
        assert sheet.cell(row=row, column=phone_column).number_format == "@"
    assert sheet.cell(row=2, column=1).number_format != "@"  # only the number-like text columns
    notes = [" ".join(str(v) for v in row if v) for row in workbook.worksheets[1].iter_rows(values_only=True)]
    assert any("身份证号" in line for line in notes)


def test_the_csv_template_is_utf8_with_a_bom(client, hr):
    response = client.get("/imports/officers/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    [header] = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert header == HEADERS


def test_an_unchanged_template_has_no_data_rows(client, hr):
    before = snapshot()
    for fmt in ("xlsx", "csv"):
        template = client.get(f"/imports/officers/template.{fmt}").data
        response = upload(client, template, f"模板.{fmt}")
        assert response.status_code == 422, fmt
        assert "没有数据行" in alert_text(response), fmt
    assert snapshot() == before


def test_a_filled_xlsx_template_imports_its_rows(client, hr):
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/imports/officers/template.xlsx").data))
    sheet = workbook.worksheets[0]
    rows = rows_of(3, hr.dept.name)
    for number, row in enumerate(rows, start=2):
        for column, header in enumerate(HEADERS, start=1):
            sheet.cell(row=number, column=column, value=row[header])
    out = io.BytesIO()
    workbook.save(out)
    before = officer_count()
    response = upload(client, out.getvalue(), "模板.xlsx")
    assert response.status_code == 200, error_table(response)
    assert "共 3 行，新增 3 条" in alert_text(response)
    assert officer_count() == before + 3
    assert officer(id_of(2)).agency_id == hr.dept.id


def test_a_filled_csv_template_imports_its_rows(client, hr):
    text = client.get("/imports/officers/template.csv").data.decode("utf-8")
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows_of(2, hr.dept.name):
        writer.writerow(["" if row[h] is None else row[h] for h in HEADERS])
    response = upload(client, (text + out.getvalue()).encode("utf-8"), "模板.csv")
    assert response.status_code == 200, error_table(response)
    assert "共 2 行，新增 2 条" in alert_text(response)


def _sample_rows(client, kind: str, fmt: str) -> list[list]:
    response = client.get(f"/imports/{kind}/sample.{fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    rows = [[cell if cell is not None else "" for cell in row] for row in
            openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0].iter_rows(values_only=True)]
    return [row for row in rows if any(row)]  # the text-formatted empty rows below the samples


def test_each_kind_offers_a_filled_sample_that_passes_every_check_but_the_sites_own_facts(client, auth, world):
    """Issue 13: the templates were empty headers. Each kind offers a filled sample (XLSX and CSV, the same rows);
    uploaded, its rows fail only on what depends on the site — the agency, or an officer it does not have — never on
    their form (ID check characters, dates in three writings, categories, hours, answers)."""
    from portal.imports import engine

    for login, kind, allowed in (("hr", "officers", {"单位"}), ("hr", "training", {"身份证号"}),
                                 ("legal_city", "questions", set())):
        auth.login(login)
        page = client.get(f"/imports/{kind}").get_data(as_text=True)
        assert f"/imports/{kind}/sample.xlsx" in page and f"/imports/{kind}/sample.csv" in page
        # the page says what stops a sample as it is, where it stops (a new user read "填好的示例" and was refused)
        assert all(column in page for column in allowed) and (("sample-note" in page) == bool(allowed))
        xlsx, text = _sample_rows(client, kind, "xlsx"), _sample_rows(client, kind, "csv")
        assert xlsx[0] == text[0] == engine.KINDS[kind].headers and len(xlsx) == len(text) == 4
        assert [[str(v) for v in row] for row in xlsx[1:]] == text[1:]
        before = snapshot()
        response = client.post(f"/imports/{kind}", data={"file": (io.BytesIO(client.get(
            f"/imports/{kind}/sample.xlsx").data), "示例.xlsx")}, content_type="multipart/form-data")
        columns = {column for _, column, _ in error_table(response)}
        assert columns == allowed, (kind, error_table(response), alert_text(response))
        if not allowed:
            assert response.status_code == 200 and "新增 3" in alert_text(response)
        else:
            assert snapshot() == before
        auth.logout()
