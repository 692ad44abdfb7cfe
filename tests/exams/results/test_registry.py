"""The result registry (考试结果登记): who sees which results, the filters at their edges, masking, and the XLSX
export — in the request up to 2,000 rows, beyond that a background job whose file only its owner fetches."""
from __future__ import annotations

import datetime as dt

import pytest

from exams.results import export
from portal import background
from portal.extensions import db
from portal.officers import idcard
from tests.exams.results.helpers import (
    bulk_attempts,
    filter_errors,
    make_exam,
    make_questions,
    registry_attempts,
    registry_rows,
    sit,
    xlsx_rows,
)
from tests.officers.page import text
from tests.training.helpers import bulk_officers


def at(day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute)


@pytest.fixture
def results(world, frozen):
    """A qualification exam of the city and an update test of the district, with final attempts of officers in
    dept (王建国: failed, then passed the makeup), dept2 (赵敏华) and the other district (孙丽明); and an open one."""
    questions = make_questions(world.city, 10)
    city_exam = make_exam(world.city, questions=10, title="2026年度执法资格考试")
    district_exam = make_exam(world.district, questions=10, title="环翠区法律知识更新测试", purpose="update_test")
    attempts = {
        "first": sit(city_exam, world.officer, [1] * 5 + [0] * 5, questions, finished_at=at(2, 10)),
        "makeup": sit(city_exam, world.officer, [1] * 8 + [0] * 2, questions, number=2, finished_at=at(10, 10)),
        "dept2": sit(district_exam, world.officer2, [1] * 9 + [0], questions, finished_at=at(5, 23, 59),
                     finish="deadline"),
        "other": sit(city_exam, world.other_officer, [1] * 6 + [0] * 4, questions, finished_at=at(3, 9)),
    }
    sit(city_exam, world.officer2, [0] * 10, questions, status="open")
    return city_exam, district_exam, {name: attempt.id for name, attempt in attempts.items()}


def ids(results, *names):
    return [results[2][name] for name in names]


@pytest.mark.parametrize(("account", "seen"), [
    ("legal_city", ["makeup", "dept2", "other", "first"]),
    ("legal_district", ["makeup", "dept2", "first"]),
    ("hr", ["makeup", "first"]),
    ("hr_other", ["other"]),
])
def test_each_account_sees_the_final_attempts_of_its_officers_newest_first(client, auth, results, account, seen):
    auth.login(account)
    assert registry_attempts(client.get("/exams/results")) == ids(results, *seen)


def test_officers_and_admin_may_not_read_the_registry(client, auth, world, results):
    auth.login(world.officer.id_number)
    assert client.get("/exams/results").status_code == 403
    assert client.post("/exams/results/export").status_code == 403
    auth.logout()
    auth.login("admin")
    assert client.get("/exams/results").status_code == 403


def test_a_row_shows_the_result_with_the_id_number_masked(client, auth, world, results):
    auth.login("legal_city")
    response = client.get("/exams/results")
    rows = registry_rows(response)
    assert rows[0] == ["王建国", "2026年度执法资格考试 第2次 · 2026年11月10日 10:00", "8/10", "合格", "2（补考）",
                       "2026年11月10日 10:00", idcard.mask(world.officer.id_number), "环翠区综合行政执法局", "资格考试",
                       "6", "本人交卷"]
    assert (rows[1][3], rows[1][-1]) == ("合格", "到时自动交卷")
    assert (rows[3][3], rows[3][-1]) == ("不合格", "本人交卷")
    html = response.get_data(as_text=True)
    for officer in (world.officer, world.officer2, world.other_officer):
        assert officer.id_number not in html


def test_exam_links_only_where_the_exam_is_in_scope(client, auth, results):
    city_exam, district_exam, _ = results
    auth.login("legal_district")
    html = client.get("/exams/results").get_data(as_text=True)
    assert f"/exams/{district_exam.id}/results" in html
    assert f"/exams/{city_exam.id}/results" not in html


@pytest.mark.parametrize(("query", "seen"), [
    ("exam={city}", ["makeup", "other", "first"]),
    ("exam={district}", ["dept2"]),
    ("purpose=update_test", ["dept2"]),
    ("purpose=qualification", ["makeup", "other", "first"]),
    ("agency={dept2}", ["dept2"]),
    ("agency={district_agency}", ["makeup", "dept2", "first"]),
    ("result=failed", ["first"]),
    ("result=passed", ["makeup", "dept2", "other"]),
    # date edges: a whole day, both bounds included
    ("date_from=2026-11-05", ["makeup", "dept2"]),
    ("date_from=2026-11-06", ["makeup"]),
    ("date_to=2026-11-05", ["dept2", "other", "first"]),
    ("date_to=2026-11-04", ["other", "first"]),
    ("date_from=2026-11-05&date_to=2026-11-05", ["dept2"]),
    ("q=赵敏", ["dept2"]),
    ("q={officer_id_number}", ["makeup", "first"]),
    ("q=no-such-person", []),
    ("exam={city}&result=passed&agency={dept}", ["makeup"]),
])
def test_filters(client, auth, world, results, query, seen):
    city_exam, district_exam, _ = results
    auth.login("legal_city")
    response = client.get("/exams/results?" + query.format(
        city=city_exam.id, district=district_exam.id, dept=world.dept.id, dept2=world.dept2.id,
        district_agency=world.district.id, officer_id_number=world.officer.id_number.lower()))
    assert registry_attempts(response) == ids(results, *seen)
    assert filter_errors(response) == {}


def test_a_masked_id_number_finds_nobody(client, auth, world, results):
    auth.login("legal_city")
    assert registry_attempts(client.get("/exams/results?q=" + idcard.mask(world.officer.id_number))) == []


def test_an_agency_outside_the_scope_filters_to_nothing(client, auth, world, results):
    auth.login("legal_district")
    response = client.get(f"/exams/results?agency={world.other_dept.id}")
    assert registry_attempts(response) == []
    assert "孙丽明" not in text(response)
    exported = xlsx_rows(client.post("/exams/results/export", data={"agency": str(world.other_dept.id)}).data)
    assert exported == [export.HEADERS]


@pytest.mark.parametrize(("query", "field", "message"), [
    ("date_from=2026-13-01", "date_from", "交卷日期（起）不是有效日期"),
    ("date_to=yesterday", "date_to", "交卷日期（止）不是有效日期"),
    ("date_from=2026-11-06&date_to=2026-11-05", "date_to", "交卷日期（止）不能早于交卷日期（起）"),
])
def test_a_bad_date_is_named_beside_its_field_and_ignored(client, auth, results, query, field, message):
    auth.login("legal_city")
    response = client.get("/exams/results?" + query)
    assert response.status_code == 200
    errors = filter_errors(response)
    assert list(errors) == [field] and errors[field][0].startswith(message)
    assert len(registry_attempts(response)) == 4


def test_nonsense_filters_are_ignored(client, auth, results):
    auth.login("legal_city")
    response = client.get("/exams/results?exam=abc&purpose=x&result=maybe&agency=-1&page=99999999999")
    assert response.status_code == 200
    assert registry_attempts(client.get("/exams/results?exam=abc&purpose=x&result=maybe&agency=-1")) == ids(
        results, "makeup", "dept2", "other", "first")


def test_the_exam_filter_offers_exams_in_scope_or_sat_by_its_officers(client, auth, world, results):
    city_exam, district_exam, _ = results
    elsewhere = make_exam(world.other_district, questions=1, title="文登区专项考试")
    auth.login("legal_district")
    html = client.get("/exams/results").get_data(as_text=True)
    assert city_exam.title in html and district_exam.title in html and elsewhere.title not in html


def test_pages_of_thirty(client, auth, world, frozen):
    questions = make_questions(world.city, 2)
    exam = make_exam(world.city, questions=2)
    officers = bulk_officers(world.dept, 31)
    for n, officer_id in enumerate(officers):
        sit(exam, officer_id, [1, 0], questions, finished_at=at(2) + dt.timedelta(minutes=n))
    auth.login("legal_city")
    first = registry_attempts(client.get("/exams/results"))
    second = registry_attempts(client.get("/exams/results?page=2"))
    assert len(first) == 30 and len(second) == 1
    assert len(set(first) | set(second)) == 31


# --- export ---------------------------------------------------------------------------------------------------

def test_the_export_holds_the_filtered_list_with_the_registry_columns(client, auth, world, results):
    auth.login("legal_district")
    response = client.post("/exams/results/export", data={"result": "passed"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == export.MIME
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    rows = xlsx_rows(response.data)
    assert rows[0] == ["考试", "类别", "姓名", "身份证号（脱敏）", "单位", "第几次", "交卷时间", "交卷方式", "得分",
                       "满分", "及格分", "结果"]
    assert rows[1:] == [
        ["2026年度执法资格考试", "资格考试", "王建国", idcard.mask(world.officer.id_number), "环翠区综合行政执法局", 2,
         dt.datetime(2026, 11, 10, 10, 0), "本人交卷", 8, 10, 6, "合格"],
        ["环翠区法律知识更新测试", "法律知识更新测试", "赵敏华", idcard.mask(world.officer2.id_number),
         "环翠区市场监督管理局", 1, dt.datetime(2026, 11, 5, 23, 59), "到时自动交卷", 9, 10, 6, "合格"],
    ]


def test_hr_exports_only_its_officers(client, auth, results):
    auth.login("hr")
    rows = xlsx_rows(client.post("/exams/results/export").data)
    assert [row[2] for row in rows[1:]] == ["王建国", "王建国"]


@pytest.fixture
def many(world, frozen):
    """2,001 officers of dept; the first 2,000 have a final attempt at a city exam."""
    exam = make_exam(world.city, questions=1)
    officers = bulk_officers(world.dept, 2001)
    bulk_attempts(exam, officers[:2000], [], lambda i: [])
    return exam, officers


def test_2000_rows_export_in_the_request_and_2001_through_a_job(client, auth, world, many, frozen):
    exam, officers = many
    auth.login("legal_city")
    response = client.post("/exams/results/export", data={"exam": str(exam.id)})
    assert response.status_code == 200 and len(xlsx_rows(response.data)) == 2001
    bulk_attempts(exam, officers[2000:], [], lambda i: [])
    response = client.post("/exams/results/export", data={"exam": str(exam.id)})
    assert response.status_code == 302
    job_url = response.headers["Location"]
    job = db.session.get(background.Job, int(job_url.rstrip("/").rsplit("/", 1)[-1]))
    assert job.kind == export.JOB_KIND and job.created_by == world.legal_city.id and job.status == "queued"
    page = client.get(job_url)
    assert page.status_code == 200 and "等待后台调度进程开始处理" in text(page)
    assert client.get(job_url + "/file").status_code == 404  # not finished yet
    assert background.run_pending() == 1
    db.session.expire_all()
    page = client.get(job_url)
    assert "文件已生成：共 2001 条考试结果" in " ".join(text(page).split())
    download = client.get(job_url + "/file")
    assert download.status_code == 200 and download.headers["Content-Type"] == export.MIME
    rows = xlsx_rows(download.data)
    assert len(rows) == 2002 and rows[0] == export.HEADERS
    assert all(row[3].count("*") == 10 for row in rows[1:])


def test_only_the_owner_fetches_an_export(client, auth, world, frozen):
    from tests.exams.results.helpers import finished_export

    job = finished_export(world.legal_city)
    for account in ("legal_district", "hr"):
        auth.login(account)
        assert client.get(f"/exams/results/exports/{job.id}").status_code == 404
        assert client.get(f"/exams/results/exports/{job.id}/file").status_code == 404
        auth.logout()
    auth.login("legal_city")
    assert client.get(f"/exams/results/exports/{job.id}/file").status_code == 200
    # a job of another kind is not an export, even the owner's
    other = background.enqueue(background_actor(world.legal_city), "import", "导入")
    db.session.commit()
    assert client.get(f"/exams/results/exports/{other.id}").status_code == 404


def background_actor(user):
    from portal.audit import Actor

    return Actor(user.id, user.login_name)


def test_an_export_file_is_kept_seven_days(client, auth, world, frozen):
    from portal import scheduler
    from tests.exams.results.helpers import finished_export

    job = finished_export(world.legal_city)  # finished at the frozen 2026-11-26 09:00
    scheduler.run_scheduled("exports_expire", frozen("2026-12-03 09:00"))
    auth.login("legal_city")
    assert client.get(f"/exams/results/exports/{job.id}/file").status_code == 200
    scheduler.run_scheduled("exports_expire", frozen("2026-12-03 09:00:01"))
    assert client.get(f"/exams/results/exports/{job.id}/file").status_code == 404
    assert "已过期删除，请重新导出" in text(client.get(f"/exams/results/exports/{job.id}"))
    state = db.session.get(background.SchedulerState, "exports_expire")
    assert state.last_summary == "清理 1 个导出文件" and state.last_error is None
