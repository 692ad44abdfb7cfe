"""The exam form (legal): a new exam is a draft with its blueprint, window, duration, pass mark and attempts;
every rule with a number is tested at its edges, every refusal names its field in Chinese, keeps what was typed
and stores nothing; the change is audited."""
from __future__ import annotations

import datetime as dt

import pytest

from portal import clock, policy
from tests.exams.papers.helpers import audits, exams, field_errors, form, questions, text, value_of
from tests.factories import SYSTEM


@pytest.fixture
def bank(legal):
    questions(legal.city, 20)
    questions(legal.city, 10, "行政许可法", kind="true_false")
    return legal


def post(client, agency, **fields):
    return client.post("/exams/new", data=form(agency, **fields))


def test_legal_creates_a_draft_exam_audited(bank, client):
    page = client.get("/exams/new")
    assert page.status_code == 200 and "增加一行" in text(page)
    response = post(client, bank.city, title="  2026年 资格考试 ", purpose="qualification", rows=[
        {"title": "处罚", "category": "行政处罚法", "count": "10", "points": "5"},
        {"category": "行政许可法", "kind": "true_false", "count": "5", "points": "2"}])
    assert response.status_code == 302
    [exam] = exams()
    assert response.headers["Location"].endswith(f"/exams/{exam.id}")
    assert (exam.title, exam.purpose, exam.status, exam.agency_id, exam.duration_minutes, exam.max_attempts,
            exam.audience, exam.created_by) == ("2026年 资格考试", "qualification", "draft", bank.city.id, 60, 2,
                                                "everyone", bank.legal_city.id)
    assert exam.opens_at == dt.datetime(2026, 11, 27, 9, 0, tzinfo=clock.TZ)
    assert [(s.position, s.title, s.category, s.kind, s.count, s.points) for s in exam.sections] == [
        (1, "处罚", "行政处罚法", None, 10, 5), (2, "行政许可法", "行政许可法", "true_false", 5, 2)]
    assert exam.total_points == 60 and exam.pass_mark == 36
    [entry] = audits()
    assert entry.action == "exam.create" and entry.actor_id == bank.legal_city.id
    assert entry.agency_id == bank.city.id and entry.change["pass_mark"] == 36


@pytest.mark.parametrize(("count", "points", "percent", "expected"), [
    (5, 2, 60, 6),     # 60 % of 10
    (7, 1, 60, 5),     # 4.2 rounds up
    (1, 1, 60, 1),     # 0.6 rounds up to 1
    (3, 3, 100, 9),    # the whole total
    (10, 1, 1, 1),     # 0.1 → 1
])
def test_the_pass_mark_defaults_to_the_policy_share_of_the_total_rounded_up(bank, client, count, points, percent,
                                                                            expected):
    policy.update(SYSTEM, {"exams.pass_percent": percent})
    from portal.extensions import db
    db.session.commit()
    assert post(client, bank.city, rows=[{"category": "行政处罚法", "count": str(count),
                                          "points": str(points)}]).status_code == 302
    assert exams()[0].pass_mark == expected


@pytest.mark.parametrize(("typed", "error"), [("10", None), ("1", None), ("１０", None),
                                              ("11", "及格分不能高于总分（10 分）"), ("0", "及格分至少为 1 分"),
                                              ("六", "及格分须为整数"), ("-1", "及格分须为整数")])
def test_a_typed_pass_mark_is_between_1_and_the_total(bank, client, typed, error):
    response = post(client, bank.city, pass_mark=typed)  # the default blueprint: 5 × 2 = 10 points
    if error is None:
        assert response.status_code == 302 and exams()[0].pass_mark == int(typed.replace("１０", "10"))
    else:
        assert response.status_code == 422 and exams() == []
        assert field_errors(response)["pass_mark"] == error


@pytest.mark.parametrize(("opens", "closes", "error"), [
    ("2026-11-27T09:00", "2026-11-27T09:00", "结束时间须晚于开考时间"),
    ("2026-11-27T09:00", "2026-11-27T08:59:59", "结束时间须晚于开考时间"),
    ("2026-11-27T09:00", "2026-11-27T09:00:01", None),   # a window shorter than the duration is allowed
    ("2026-11-20T09:00", "2026-11-26T09:00", "结束时间（2026-11-26 09:00）已过，请设定将来的时间"),  # = now
    ("2026-11-20T09:00", "2026-11-26T09:00:01", None),
    ("2026/11/27", "2026-11-28T09:00", "开考时间不是有效的时间，请写成 2026-12-01 09:00 的形式"),
    ("", "2026-11-28T09:00", "请填写开考时间"),
    ("2026-11-27 09:00", "2026-11-28 18:30:00", None),
])
def test_the_window_opens_before_it_closes_and_closes_in_the_future(bank, client, opens, closes, error):
    response = post(client, bank.city, opens_at=opens, closes_at=closes)
    if error is None:
        assert response.status_code == 302, field_errors(response)
    else:
        assert response.status_code == 422
        assert error in field_errors(response).values()
        assert exams() == []


@pytest.mark.parametrize(("duration", "ok"), [("0", False), ("1", True), ("600", True), ("601", False),
                                              ("", False), ("1.5", False)])
def test_the_duration_is_1_to_600_minutes(bank, client, duration, ok):
    response = post(client, bank.city, duration_minutes=duration)
    assert (response.status_code == 302) is ok
    if not ok:
        assert "duration_minutes" in field_errors(response)


@pytest.mark.parametrize(("attempts", "expected"), [("", 2), ("1", 1), ("10", 10), ("0", None), ("11", None)])
def test_max_attempts_default_to_the_policy_and_are_1_to_10(bank, client, attempts, expected):
    response = post(client, bank.city, max_attempts=attempts)
    if expected is None:
        assert response.status_code == 422 and field_errors(response)["max_attempts"] == "考试次数须在 1 至 10 之间"
    else:
        assert response.status_code == 302 and exams()[0].max_attempts == expected


def test_a_refused_form_keeps_what_was_typed_and_shows_each_problem_beside_its_row(bank, client):
    response = post(client, bank.city, title="", purpose="exam", rows=[
        {"title": "第一部分", "category": "行政处罚法", "count": "0", "points": "2"},
        {"category": "民法典", "count": "3", "points": "101"},
        {},
        {"category": "行政处罚法", "tag": "不存在的类别", "kind": "essay", "count": "abc", "points": "1"}])
    assert response.status_code == 422
    errors = field_errors(response)
    assert errors == {
        "title": "请填写考试名称", "purpose": "请选择考试类型",
        "sections-0-count": "题量须在 1 至 200 之间",
        "sections-1-category": "请从列表中选择试题类别", "sections-1-points": "每题分值须在 1 至 100 之间",
        "sections-3-tag": "执法类别须从列表中选择（可不选）", "sections-3-kind": "题型须为单选、多选或判断（可不选）",
        "sections-3-count": "题量须为整数"}
    assert value_of(response, "sections-0-title") == "第一部分"
    assert value_of(response, "sections-3-count") == "abc"
    assert value_of(response, "opens_at") == "2026-11-27T09:00"
    assert exams() == [] and audits() == []


def test_a_blueprint_needs_1_to_20_sections(bank, client):
    response = post(client, bank.city, rows=[{}, {}])
    assert field_errors(response)["sections"] == "请至少填写一个试题部分（类别、题量和每题分值）"
    rows = [{"category": "行政处罚法", "count": "1", "points": "1"}] * 20
    assert post(client, bank.city, rows=rows).status_code == 302
    response = post(client, bank.city, rows=rows + [{"category": "行政处罚法", "count": "1", "points": "1"}])
    assert response.status_code == 422
    assert field_errors(response)["sections"] == "试题部分最多 20 个，当前 21 个"


def test_adding_a_row_keeps_the_typed_rows_and_saves_nothing(bank, client):
    response = client.post("/exams/new", data=form(bank.city, more="1", title="草拟中"))
    assert response.status_code == 200 and exams() == []
    assert value_of(response, "title") == "草拟中"
    assert value_of(response, "sections-0-count") == "5"
    assert value_of(response, "rows") == "4"
    assert value_of(response, "sections-3-count") == ""


def test_the_jurisdiction_must_be_in_the_accounts_scope(client, auth, world, frozen):
    questions(world.city, 5)
    auth.login("legal_district")
    response = post(client, world.city)
    assert response.status_code == 422 and field_errors(response)["agency_id"] == "请选择您管辖范围内的主办辖区"
    assert post(client, world.district).status_code == 302
    assert exams()[0].agency_id == world.district.id


def test_an_agencies_audience_names_agencies_within_the_jurisdiction(client, auth, world, frozen):
    questions(world.city, 5)
    auth.login("legal_district")
    response = post(client, world.district, audience="agencies")
    assert field_errors(response)["agency_ids"] == "请至少选择一个单位"
    response = post(client, world.district, audience="agencies", agency_ids=[str(world.other_dept.id)])
    assert field_errors(response)["agency_ids"] == "只能选择“环翠区人民政府”辖区内的单位"
    assert post(client, world.district, audience="agencies", agency_ids=[str(world.dept.id)]).status_code == 302
    from exams.papers.services import audience_agencies
    assert [a.id for a in audience_agencies(exams()[0])] == [world.dept.id]
