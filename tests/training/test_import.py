"""The training import (SPEC §3 *Imports*): the exact headers, officers matched by ID number within the importer's
scope, all or nothing with every bad row named by row and column, duplicates by 外部编号 or by (身份证号, 课程名称,
完成日期) within the file and against what is stored, the same file twice adding nothing, GBK CSV, the CLI."""
from __future__ import annotations

import datetime as dt

import openpyxl

from portal.imports import engine
from portal.training.models import TrainingRecord
from tests.factories import make_id_number
from tests.imports.helpers import alert_text, error_table
from tests.training.helpers import (
    HEADERS,
    add,
    assert_no_id_numbers,
    audits,
    bulk_officers,
    csv_bytes,
    record_count,
    records,
    row,
    upload,
    xlsx_bytes,
)

NOT_IN_SCOPE = "找不到该身份证号的执法人员，或其不在您的管辖范围内"


def test_the_kind_has_exactly_the_spec_headers_and_a_template(client, hr):
    assert engine.KINDS["training"].headers == HEADERS
    response = client.get("/imports/training/template.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(__import__("io").BytesIO(response.data)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADERS
    page = client.get("/imports/training")
    assert page.status_code == 200 and "批量导入培训记录" in page.get_data(as_text=True)


def test_a_good_file_is_imported_and_the_same_file_again_adds_nothing(client, hr):
    ids = bulk_officers(hr.dept, 3)
    from portal.extensions import db
    from portal.officers.models import Officer

    people = [db.session.get(Officer, i) for i in ids]
    rows = [row(people[0], hours=4, external_id="EXT-1"),
            row(people[1], title="职业道德", category="职业素养", hours=1.5, on="2026/3/16"),
            row(people[2], title="市场监管专业知识", category="专业法律知识", hours="2.5", on="2026年3月17日",
                external_id="EXT-3"),
            row(hr.officer, hours=0.5, on=dt.date(2026, 11, 26))]
    data = xlsx_bytes(rows)
    response = upload(client, data)
    assert response.status_code == 200, alert_text(response)
    assert "共 4 行，新增 4 条" in alert_text(response)
    stored = records()
    assert [(r.officer_id, r.category, r.half_hours, r.completed_on, r.source, r.external_id, r.recorded_by)
            for r in stored] == [
        (ids[0], "public_law", 8, dt.date(2026, 3, 15), "import", "EXT-1", hr.hr.id),
        (ids[1], "ethics", 3, dt.date(2026, 3, 16), "import", None, hr.hr.id),
        (ids[2], "professional_law", 5, dt.date(2026, 3, 17), "import", "EXT-3", hr.hr.id),
        (hr.officer.id, "public_law", 1, dt.date(2026, 11, 26), "import", None, hr.hr.id)]
    [entry] = audits()
    assert entry.action == "training.import" and entry.change["created"] == 4 and entry.agency_id == hr.dept.id
    assert entry.change["file"] == "培训记录.xlsx" and len(entry.change["record_ids"]) == 4
    assert_no_id_numbers([entry])

    again = upload(client, data)
    assert again.status_code == 200
    assert "新增 0 条" in alert_text(again) and "4 条与已有记录相同" in alert_text(again)
    assert record_count() == 4 and len(audits()) == 1
    # the same rows as CSV in GBK are the same records too
    gbk = upload(client, csv_bytes([dict(r, 完成日期=str(r["完成日期"])) for r in rows], encoding="gbk"), "培训.csv")
    assert "新增 0 条" in alert_text(gbk) and record_count() == 4


def test_a_gbk_csv_is_read(client, hr):
    data = csv_bytes([row(hr.officer, title="《行政复议法》解读", category="公共法律知识", hours="3")], encoding="gbk")
    response = upload(client, data, "培训.csv")
    assert "新增 1 条" in alert_text(response), alert_text(response)
    [record] = records()
    assert record.title == "《行政复议法》解读" and record.half_hours == 6


def test_one_bad_row_stores_nothing_and_is_named_by_row_and_column(client, hr):
    rows = [row(hr.officer, title=f"课程{n}") for n in range(4)]
    rows[2]["学时"] = 0.25
    response = upload(client, xlsx_bytes(rows))
    assert response.status_code == 422
    assert "未导入任何数据" in alert_text(response)
    assert error_table(response) == [(4, "学时", "学时须以 0.5 为单位（如 1、1.5、2），不能是 0.25")]
    assert record_count() == 0 and audits() == []


def test_every_bad_value_is_reported_with_its_column(client, hr):
    future = "2026-11-27"
    rows = [
        row(hr.officer, hours=0),
        row(hr.officer, hours=-1, title="b"),
        row(hr.officer, category="法律", title="c"),
        row(hr.officer, on=future, title="d"),
        row(hr.officer, on="2026-02-30", title="e"),
        row("371002199003071234", title="f"),          # wrong check character
        row(make_id_number(dt.date(1990, 1, 1), 5), title="g"),  # valid, but nobody has it
        row(hr.other_officer, title="h"),               # another district's officer
        row(hr.officer, title="", provider=""),
        row(hr.officer, title="i", hours=30),
    ]
    rows.append({**row(hr.officer, title="j"), "身份证号": 371002199003071233})
    response = upload(client, xlsx_bytes(rows))
    assert response.status_code == 422
    found = error_table(response)
    assert (2, "学时", "学时须大于 0") in found
    assert (3, "学时", "学时须大于 0") in found
    assert (4, "类别", "类别须为公共法律知识、专业法律知识、职业素养之一") in found
    assert (5, "完成日期", "完成日期（2026年11月27日）晚于今天，不能登记尚未完成的培训") in found
    assert (6, "完成日期", "完成日期不是有效日期，请写成 2026-03-15 的形式") in found
    assert (7, "身份证号", "身份证号校验位不正确，请核对是否输错") in found
    # an unknown number and one outside the scope get the same answer: the file says nothing about other agencies
    assert (8, "身份证号", NOT_IN_SCOPE) in found
    assert (9, "身份证号", NOT_IN_SCOPE) in found
    assert (10, "课程名称", "请填写课程名称") in found and (10, "培训机构", "请填写培训机构") in found
    assert (11, "学时", "每条记录最多 24 学时（多日培训请按天分别登记）") in found
    assert any(r == 12 and c == "身份证号" and "存成了数字" in m for r, c, m in found)
    assert record_count() == 0


def test_duplicates_within_the_file_name_the_first_row(client, hr):
    rows = [row(hr.officer, title="甲", external_id="X-1"),
            row(hr.officer, title="乙", external_id="X-1"),            # same external id as row 2
            row(hr.officer, title="丙"),
            row(hr.officer, title="丙", hours=2),                      # same officer, title and date as row 4
            row(hr.officer, title="丁", external_id="X-4"),
            row(hr.officer, title="丁", external_id="X-5")]           # different ids, but the same training
    response = upload(client, xlsx_bytes(rows))
    assert response.status_code == 422
    assert error_table(response) == [
        (3, "外部编号", "外部编号与第 2 行重复"),
        (5, "课程名称", "与第 4 行重复（同一人员、同一课程名称、同一完成日期）"),
        (7, "课程名称", "与第 6 行重复（同一人员、同一课程名称、同一完成日期）"),
    ]
    assert record_count() == 0


def test_rows_already_stored_add_nothing_by_either_key(client, hr):
    add(hr.officer, "public_law", 4, dt.date(2026, 3, 15), title="已登记A", external_id="S-1")
    add(hr.officer, "ethics", 2, dt.date(2026, 3, 15), title="已登记B")
    rows = [row(hr.officer, title="已登记A", external_id="S-1"),                  # by external id
            row(hr.officer, title="已登记B", category="职业素养", hours=2),       # by ID number + title + date
            row(hr.officer, title="新课程", external_id="S-2")]
    response = upload(client, xlsx_bytes(rows))
    assert response.status_code == 200, error_table(response)
    assert "新增 1 条" in alert_text(response) and "2 条与已有记录相同" in alert_text(response)
    assert record_count() == 3


def test_rows_that_clash_with_stored_records_are_errors(client, hr):
    add(hr.officer, "public_law", 4, dt.date(2026, 3, 15), title="已登记A", external_id="S-1")
    add(hr.officer, "ethics", 2, dt.date(2026, 3, 15), title="已登记B")
    add(hr.officer, "ethics", 2, dt.date(2026, 3, 15), title="已登记C")
    rows = [row(hr.officer, title="已登记A", hours=5, external_id="S-1"),          # same id, other hours
            row(hr.officer, title="已登记B", category="职业素养", hours=3),       # same key, other hours
            row(hr.officer, title="已登记C", category="职业素养", hours=2, external_id="S-9")]  # key taken
    response = upload(client, xlsx_bytes(rows))
    assert response.status_code == 422
    assert error_table(response) == [
        (2, "外部编号", "外部编号“S-1”已登记为另一条培训记录，与本条的学时不同"),
        (3, "课程名称", "该人员在 2026-03-15 已有“已登记B”的培训记录，但学时不同，请核对"),
        (4, "课程名称", "该人员在 2026-03-15 已有“已登记C”的培训记录（未填外部编号），与本条外部编号不同，请核对是否重复"),
    ]
    assert record_count() == 3


def test_the_cli_imports_for_any_agency(runner, world, tmp_path, frozen):
    path = tmp_path / "培训.xlsx"
    path.write_bytes(xlsx_bytes([row(world.officer), row(world.other_officer)]))
    result = runner.invoke(args=["import", "training", str(path)])
    assert result.exit_code == 0, result.output
    assert "导入完成：2 行，新增 2，更新 0，未变 0" in result.output
    again = runner.invoke(args=["import", "training", str(path)])
    assert "新增 0，更新 0，未变 2" in again.output
    assert record_count() == 2
    assert {e.agency_id for e in audits()} == {world.dept.id, world.other_dept.id}  # one entry per agency

    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(xlsx_bytes([row(world.officer, title="新", hours=0.25)]))
    failed = runner.invoke(args=["import", "training", str(bad)])
    assert failed.exit_code != 0
    assert "第2行，学时列：学时须以 0.5 为单位" in failed.output
    assert record_count() == 2


def test_a_5000_row_file_is_imported_by_a_background_job_with_progress(client, hr):
    from portal import background
    from portal.extensions import db
    from portal.officers.models import Officer

    ids = bulk_officers(hr.dept, 1000)
    numbers = dict(db.session.execute(db.select(Officer.id, Officer.id_number).where(Officer.id.in_(ids))).all())
    rows = [row(numbers[ids[n % 1000]], title=f"课程{n // 1000}", hours=0.5 + n % 3, external_id=f"BIG-{n}")
            for n in range(5000)]
    response = upload(client, xlsx_bytes(rows))
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    assert background.run_pending() == 1
    job = db.session.scalar(db.select(background.Job))
    assert job.status == "succeeded", job.error
    assert job.result["created"] == 5000 and job.progress == 100
    assert record_count(TrainingRecord.source == "import") == 5000
    page = client.get(response.headers["Location"])
    assert "已完成" in page.get_data(as_text=True)


def test_an_import_that_meets_a_concurrent_one_stores_nothing_and_says_so(client, hr, monkeypatch):
    from portal.training import batches

    upload(client, xlsx_bytes([row(hr.officer, external_id="C-1")]))
    monkeypatch.setattr(batches, "_stored", lambda external_ids, keys: ({}, {}))
    response = upload(client, xlsx_bytes([row(hr.officer, title="新"), row(hr.officer, external_id="C-1")]))
    assert response.status_code == 409
    assert "另一操作同时登记了其中的培训记录，未保存任何记录" in alert_text(response)
    assert record_count() == 1
