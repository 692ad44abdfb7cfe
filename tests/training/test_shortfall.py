"""培训未达标: the on-duty officers in scope short of this year's requirement — hours per category against the
minimums, sortable, filters in the URL, paginated, exported as XLSX and CSV (through a background job when more
than 2,000 rows, the file offered to its owner only), counted on the HR home page."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import sqlalchemy as sa

from portal import background, policy
from portal.extensions import db
from portal.training import shortfall
from tests.factories import SYSTEM, make_officer
from tests.training.helpers import add, bulk_officers, meet_annual, text

D = dt.date


def listed(client, **query) -> list[str]:
    """The names in the list's rows, in order."""
    response = client.get("/training/shortfall", query_string=query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return re.findall(r'<a href="/officers/\d+">([^<]+)</a>', body)


def setup_agency(world):
    """In 环翠执法局: 王建国 20 h of public law (short 24), 艾青 short 0.5 of ethics, 赵钱 nothing (short 40),
    钱满 meeting everything, 孙离 left post with nothing. In 环翠市监局: 赵敏华 with nothing."""
    add(world.officer, "public_law", 20, D(2026, 2, 1))
    ai = make_officer(world.dept, name="艾青")
    meet_annual(ai, 2026, ethics=7.5)
    make_officer(world.dept, name="赵钱")
    full = make_officer(world.dept, name="钱满")
    meet_annual(full, 2026, public=20, professional=16, ethics=8)
    gone = make_officer(world.dept, name="孙离", status="left_post")
    gone.status_changed_on = D(2026, 5, 1)
    add(full, "ethics", 40, D(2025, 6, 1))  # last year's hours do not count this year
    db.session.commit()


def test_the_list_shows_who_is_short_and_by_how_much(client, hr):
    setup_agency(hr)
    assert listed(client) == ["赵钱", "王建国", "艾青"]  # by shortfall, largest first
    page = text(client.get("/training/shortfall"))
    assert "3 名在岗人员未达到2026年度培训要求" in page
    assert "合计 40 学时，其中公共法律知识不少于 16、专业法律知识不少于 16、职业素养不少于 8 学时" in page
    html = client.get("/training/shortfall").get_data(as_text=True)
    row = re.search(rf'<tr data-officer="{hr.officer.id}">(.*?)</tr>', html, re.S).group(1)
    cells = [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[3:] == ["20", "20", "0", "0", "24", "合计差 20 学时；专业法律知识差 16 学时；职业素养差 8 学时"]


def test_sorting_by_name_follows_pinyin_and_by_agency_follows_the_tree(client, auth, hr):
    setup_agency(hr)
    assert listed(client, sort="name") == ["艾青", "王建国", "赵钱"]  # ai, wang, zhao (not code-point order)
    auth.logout()
    auth.login("legal_district")
    # the tree's order: siblings by sort order, then full name — 环翠区市场监督管理局 before 环翠区综合行政执法局
    assert listed(client, sort="agency") == ["赵敏华", "艾青", "王建国", "赵钱"]
    assert listed(client) == ["赵敏华", "赵钱", "王建国", "艾青"]  # equal shortfalls (40) in the tree's order


def test_filters_live_in_the_url(client, auth, hr):
    setup_agency(hr)
    assert listed(client, short="ethics") == ["赵钱", "王建国", "艾青"]
    assert listed(client, short="public_law") == ["赵钱"]
    assert listed(client, q="王建") == ["王建国"]
    assert listed(client, q=hr.officer.id_number) == ["王建国"]
    auth.logout()
    auth.login("legal_city")
    assert listed(client, agency=str(hr.dept2.id)) == ["赵敏华"]
    assert listed(client, agency=str(hr.other_district.id)) == ["孙丽明"]
    html = client.get("/training/shortfall", query_string={"short": "public_law", "sort": "name", "page": 1})
    assert 'name="short" value="public_law"' in html.get_data(as_text=True)  # carried into the export form


def test_the_list_is_paginated(client, hr):
    policy.update(SYSTEM, {"ui.page_size": 50})  # the portal's one page size
    bulk_officers(hr.dept, 60)
    first, second = listed(client, sort="name"), listed(client, sort="name", page=2)
    assert len(first) == 50 and len(second) == 11
    assert "共 61 条，第 1/2 页" in text(client.get("/training/shortfall", query_string={"sort": "name"}))
    assert not set(first) & set(second)


def test_the_page_has_a_chart_with_the_same_numbers_in_a_table(client, auth, hr):
    setup_agency(hr)
    auth.logout()
    auth.login("legal_district")
    html = client.get("/training/shortfall").get_data(as_text=True)
    assert html.count('class="js-chart"') == 2
    assert "vendor/chartjs/chart.umd.min.js" in html and "js/charts.js" in html
    per_part = dict(shortfall.summary(shortfall.compute(hr.legal_district, D(2026, 11, 26),
                                                        shortfall.Filters())[0])["per_part"])
    # 艾青's 39.5 hours are half an hour short of the total too
    assert per_part == {"合计学时": 4, "公共法律知识": 2, "专业法律知识": 3, "职业素养": 4}
    assert '"data": [4, 2, 3, 4]' in html.replace("&#34;", '"')
    assert re.search(r"<td>环翠市监局</td><td class=\"text-end\">1</td>", html)


def export(client, fmt, **filters):
    return client.post("/training/shortfall/export", data={"format": fmt, **filters})


def test_the_export_as_xlsx_holds_the_list_with_its_filters(client, hr):
    setup_agency(hr)
    response = export(client, "xlsx", sort="name")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == ["序号", "姓名", "身份证号（脱敏）", "单位", "合计学时（要求40）", "公共法律知识（要求16）",
                       "专业法律知识（要求16）", "职业素养（要求8）", "尚差学时", "未达标项"]
    assert [r[1] for r in rows[1:]] == ["艾青", "王建国", "赵钱"]
    assert rows[2] == [2, "王建国", hr.officer.masked_id_number, "环翠执法局", 20, 20, 0, 0, 24,
                       "合计差 20 学时；专业法律知识差 16 学时；职业素养差 8 学时"]
    assert rows[1][4:9] == [39.5, 16, 16, 7.5, 0.5]
    assert hr.officer.id_number not in str(rows)  # masked
    only = export(client, "xlsx", short="public_law")
    assert [r[1].value for r in list(openpyxl.load_workbook(io.BytesIO(only.data)).worksheets[0].iter_rows())[1:]] == ["赵钱"]


def test_the_export_as_csv_is_utf8_with_a_bom(client, hr):
    setup_agency(hr)
    response = export(client, "csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][1] == "姓名" and len(rows) == 4
    assert rows[1] == ["1", "赵钱", rows[1][2], "环翠执法局", "0", "0", "0", "0", "40",
                       "合计差 40 学时；公共法律知识差 16 学时；专业法律知识差 16 学时；职业素养差 8 学时"]
    assert rows[3][4:9] == ["39.5", "16", "16", "7.5", "0.5"]
    assert export(client, "pdf").status_code == 400


def test_a_large_export_runs_as_a_job_and_only_its_owner_gets_the_file(client, auth, hr):
    bulk_officers(hr.dept, shortfall.SYNC_MAX_ROWS)  # with 王建国: 2,001 rows
    response = export(client, "xlsx", sort="name")
    assert response.status_code == 302
    job_page = response.headers["Location"]
    job_id = int(job_page.rsplit("/", 1)[1])
    waiting = client.get(job_page)
    assert waiting.status_code == 200 and "排队中" in text(waiting) and "export-download" not in waiting.get_data(as_text=True)
    assert client.get(f"{job_page}/file").status_code == 404  # not ready
    assert background.run_pending() == 1
    job = db.session.get(background.Job, job_id)
    assert job.status == "succeeded", job.error
    assert job.created_by == hr.hr.id and job.result["count"] == 2001
    done = client.get(job_page)
    assert "export-download" in done.get_data(as_text=True) and "共 2001 名人员" in text(done)
    download = client.get(f"{job_page}/file")
    assert download.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(download.data)).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2002 and rows[1][1] == "批量00000" and rows[-1][1] == "王建国"
    # the generic job page knows it finished, too
    assert "已完成" in text(client.get(f"/jobs/{job_id}"))
    # the polling JSON never carries the file, to the owner or to an admin who watches every job (issue 13)
    mine = client.get(f"/jobs/{job_id}.json").get_json()
    assert mine["status"] == "succeeded" and mine["result"]["count"] == 2001 and "file" not in mine["result"]
    auth.logout()
    auth.login("legal_city")  # sees the agency, but the file is not theirs
    assert client.get(job_page).status_code == 404
    assert client.get(f"{job_page}/file").status_code == 404
    auth.logout()
    auth.login("admin")
    state = client.get(f"/jobs/{job_id}.json")
    assert state.status_code == 200 and "file" not in state.get_json()["result"]
    assert "批量00000" not in state.get_data(as_text=True) and len(state.data) < 2000
    assert client.get(f"{job_page}/file").status_code in (403, 404)


def test_a_csv_export_job_yields_the_csv(client, hr):
    bulk_officers(hr.dept, shortfall.SYNC_MAX_ROWS + 5)
    response = export(client, "csv")
    assert response.status_code == 302
    background.run_pending()
    download = client.get(response.headers["Location"] + "/file")
    assert download.headers["Content-Type"].startswith("text/csv")
    assert len(download.data.decode("utf-8-sig").splitlines()) == 1 + 2006


def test_2000_rows_are_exported_at_once(client, hr):
    bulk_officers(hr.dept, shortfall.SYNC_MAX_ROWS - 1)
    response = export(client, "csv")
    assert response.status_code == 200
    assert len(response.data.decode("utf-8-sig").splitlines()) == 2001
    assert db.session.scalar(sa.select(sa.func.count()).select_from(background.Job)) == 0


def test_the_hr_home_counts_who_is_short_and_links_to_the_list(client, hr):
    setup_agency(hr)
    html = client.get("/home").get_data(as_text=True)
    assert re.search(r'class="stat training-short-count">3<', html)
    assert 'href="/training/shortfall"' in html


def test_export_files_are_kept_seven_days(client, auth, hr, frozen):
    from portal import scheduler

    bulk_officers(hr.dept, shortfall.SYNC_MAX_ROWS)
    job_page = export(client, "csv").headers["Location"]
    background.run_pending()
    scheduler.run_scheduled("exports_expire", frozen("2026-12-03 08:59"))
    auth.logout()
    auth.login("hr")  # a week later: the idle session has ended
    assert client.get(f"{job_page}/file").status_code == 200
    scheduler.run_scheduled("exports_expire", frozen("2026-12-03 09:01"))
    assert client.get(f"{job_page}/file").status_code == 404
    assert "已过期删除，请重新导出" in text(client.get(job_page))
    state = db.session.get(background.SchedulerState, "exports_expire")
    assert state.last_summary == "清理 1 个导出文件" and state.last_error is None
