"""Validation is set-based: a file of 500 rows costs the same number of SELECT statements as one of 50."""
from portal import policy
from tests.imports.helpers import alert_text, rows_of, upload, xlsx_bytes
from tests.sql import statements


def selects(app):
    return statements(app, selects_only=True)


def _upload_counting(app, client, rows) -> tuple[int, str]:
    with selects(app) as seen:
        response = upload(client, xlsx_bytes(rows))
    assert response.status_code == 200, alert_text(response)
    return len(seen), alert_text(response)


def test_new_rows_cost_no_query_each(app, client, hr):
    few, text = _upload_counting(app, client, rows_of(50, hr.dept.name))
    assert "新增 50 条" in text
    many, text = _upload_counting(app, client, rows_of(500, hr.dept.name, start=1000))
    assert "新增 500 条" in text
    assert many == few


def test_rows_already_stored_cost_no_query_each(app, client, hr):
    small, large = rows_of(50, hr.dept.name), rows_of(500, hr.dept.name, start=1000)
    upload(client, xlsx_bytes(small))
    upload(client, xlsx_bytes(large))
    few, text = _upload_counting(app, client, small)
    assert "50 条与已有记录相同" in text
    many, text = _upload_counting(app, client, large)
    assert "500 条与已有记录相同" in text
    assert many == few

    changed = [dict(r, 岗位="执法科长") for r in small]
    few, text = _upload_counting(app, client, changed)
    assert "更新 50 条" in text
    many, text = _upload_counting(app, client, [dict(r, 岗位="执法科长") for r in large])
    assert "更新 500 条" in text
    assert many == few


def test_a_dry_run_of_the_cli_costs_the_same_for_50_and_500_rows(app, runner, world, tmp_path):
    policy.get("ui.page_size")  # the settings are read once per app context: read them before counting
    counts = []
    for size in (50, 500):
        path = tmp_path / f"{size}.xlsx"
        path.write_bytes(xlsx_bytes(rows_of(size, world.dept.name)))
        with selects(app) as statements:
            result = runner.invoke(args=["import", "officers", str(path), "--dry-run"])
        assert result.exit_code == 0, result.output
        counts.append(len(statements))
    assert counts[0] == counts[1]
