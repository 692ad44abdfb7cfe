"""``flask --app wsgi import officers FILE [--dry-run]``: the same engine as the upload page, with no scope limit."""
import re

from tests.imports.helpers import (
    csv_bytes,
    id_of,
    import_audits,
    officer,
    officer_row,
    rows_of,
    snapshot,
    xlsx_bytes,
)


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_the_cli_imports_every_row_in_any_agency(runner, world, tmp_path):
    rows = [*rows_of(2, world.dept.name), *rows_of(2, world.other_dept.uscc, start=2),
            officer_row(4, world.city.name)]
    before = snapshot()
    result = runner.invoke(args=["import", "officers", write(tmp_path, "人员.xlsx", xlsx_bytes(rows))])
    assert result.exit_code == 0, result.output
    assert "导入完成：5 行，新增 5，更新 0，未变 0" in result.output
    assert snapshot()["officers"] == before["officers"] + 5
    assert officer(id_of(3)).agency_id == world.other_dept.id
    assert officer(id_of(4)).agency_id == world.city.id
    assert import_audits() == 1

    again = runner.invoke(args=["import", "officers", write(tmp_path, "人员.csv", csv_bytes(rows, encoding="gbk"))])
    assert again.exit_code == 0, again.output
    assert "新增 0，更新 0，未变 5" in again.output
    assert import_audits() == 1


def test_a_bad_row_fails_the_command_naming_row_column_and_reason(runner, world, tmp_path):
    rows = rows_of(4, world.dept.name)
    rows[1]["单位"] = "不存在的局"
    rows[3]["入职日期"] = "2015-13-01"
    before = snapshot()
    result = runner.invoke(args=["import", "officers", write(tmp_path, "人员.xlsx", xlsx_bytes(rows))])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if re.match(r"第\d+行", line)]
    assert lines == [
        "第3行，单位列：找不到单位“不存在的局”，或它不在您的管辖范围内",
        "第5行，入职日期列：入职日期不是有效日期，请写成 2015-08-01 的形式",
    ]
    assert "未导入任何数据" in result.output
    assert snapshot() == before


def test_a_file_level_problem_fails_with_one_line(runner, world, tmp_path):
    before = snapshot()
    result = runner.invoke(args=["import", "officers", write(tmp_path, "旧.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 600)])
    assert result.exit_code != 0
    assert ".xls" in result.output and "Traceback" not in result.output
    missing = runner.invoke(args=["import", "officers", str(tmp_path / "不存在.xlsx")])
    assert missing.exit_code != 0
    assert snapshot() == before


def test_dry_run_checks_without_storing(runner, world, tmp_path):
    path = write(tmp_path, "人员.xlsx", xlsx_bytes(rows_of(3, world.dept.name)))
    before = snapshot()
    result = runner.invoke(args=["import", "officers", path, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "校验通过：3 行（未保存）" in result.output
    assert snapshot() == before

    rows = rows_of(3, world.dept.name)
    rows[2]["手机"] = "123"
    bad = runner.invoke(args=["import", "officers", write(tmp_path, "坏.xlsx", xlsx_bytes(rows)), "--dry-run"])
    assert bad.exit_code != 0
    assert "第4行，手机列：手机号应为11位数字，以1开头" in bad.output
    assert snapshot() == before
