"""Scope (SPEC §1): legal sees and changes only the exams of jurisdictions in its scope — another jurisdiction's
exam answers 404 on every page and action, changing nothing; HR, admin and officers get 403. The list filters
by type, status and window, counts per state, and costs the same for 3 exams as for 30."""
from __future__ import annotations

import datetime as dt

import pytest

from exams.papers.models import Enrolment
from portal.extensions import db
from tests.exams.papers.helpers import exams, form, make_exam, questions, raw_exam, text
from tests.sql import statements


@pytest.fixture
def city_exam(world, frozen):
    questions(world.city, 5)
    return make_exam(world.city, publish=False, title="市级考试")


@pytest.mark.parametrize(("method", "path", "data"), [
    ("get", "/exams/{id}", None),
    ("get", "/exams/{id}/edit", None),
    ("post", "/exams/{id}/edit", "form"),
    ("post", "/exams/{id}/publish", {}),
    ("get", "/exams/{id}/enrolments", None),
    ("post", "/exams/{id}/enrolments", "lines"),
])
def test_a_district_legal_office_cannot_reach_a_city_exam(client, auth, world, city_exam, method, path, data):
    auth.login("legal_district")
    if data == "form":
        data = form(title="篡改")
    elif data == "lines":
        data = {"lines": world.officer.id_number}
    response = getattr(client, method)(path.format(id=city_exam.id), data=data)
    assert response.status_code == 404
    assert "市级考试" not in response.get_data(as_text=True)
    [exam] = exams()
    assert (exam.title, exam.status) == ("市级考试", "draft")
    assert db.session.scalars(db.select(Enrolment)).all() == []


def test_the_list_shows_the_exams_in_scope_only(client, auth, world, frozen):
    questions(world.city, 5)
    make_exam(world.city, title="市级考试")
    make_exam(world.district, title="环翠区考试")
    make_exam(world.other_district, title="文登区考试")
    auth.login("legal_district")
    page = text(client.get("/exams"))
    assert "环翠区考试" in page and "市级考试" not in page and "文登区考试" not in page
    auth.logout()
    auth.login("legal_city")
    page = text(client.get("/exams"))
    assert all(title in page for title in ("市级考试", "环翠区考试", "文登区考试"))


@pytest.mark.parametrize("login", ["hr", "admin"])
def test_hr_and_admin_may_not_use_the_exam_pages(client, auth, world, city_exam, login):
    auth.login(login)
    for path in ("/exams", "/exams/new", f"/exams/{city_exam.id}", f"/exams/{city_exam.id}/enrolments"):
        assert client.get(path).status_code == 403
    assert client.get("/me/exams").status_code == 403


def test_an_officer_may_not_use_the_exam_pages(client, auth, world, city_exam):
    auth.login(world.officer.id_number)
    assert client.get(f"/exams/{city_exam.id}").status_code == 403
    assert client.post(f"/exams/{city_exam.id}/publish").status_code == 403
    assert exams()[0].status == "draft"


def test_filters_and_counts(legal, client, frozen):
    raw_exam(legal.city, dt.datetime(2026, 11, 26, 8, 0), dt.datetime(2026, 11, 26, 17, 0), title="进行中甲",
             purpose="qualification")
    raw_exam(legal.city, dt.datetime(2026, 12, 1, 8, 0), dt.datetime(2026, 12, 1, 17, 0), title="未开始乙")
    raw_exam(legal.city, dt.datetime(2026, 11, 1, 8, 0), dt.datetime(2026, 11, 1, 17, 0), title="已结束丙")
    raw_exam(legal.city, dt.datetime(2026, 12, 1, 8, 0), dt.datetime(2026, 12, 1, 17, 0), title="草稿丁",
             status="draft")
    response = client.get("/exams")
    html = response.get_data(as_text=True)
    for key, n in (("open", 1), ("upcoming", 1), ("closed", 1), ("draft", 1)):
        assert f'data-count="{key}">{n}<' in html
    assert "进行中甲" in text(client.get("/exams?state=open")) and "未开始乙" not in text(client.get("/exams?state=open"))
    page = text(client.get("/exams?purpose=qualification"))
    assert "进行中甲" in page and "已结束丙" not in page
    page = text(client.get("/exams?status=draft"))
    assert "草稿丁" in page and "进行中甲" not in page
    assert "没有符合条件的考试" in text(client.get("/exams?state=closed&purpose=hearing_presider"))
    home = client.get("/home").get_data(as_text=True)
    assert 'data-count="open_exams">1<' in home


def test_the_list_costs_the_same_for_3_and_30_exams(app, legal, client, frozen):
    def make(n):
        for _ in range(n):
            raw_exam(legal.city, dt.datetime(2026, 11, 26, 8, 0), dt.datetime(2026, 11, 26, 17, 0))

    make(3)
    with statements(app, selects_only=True) as few:
        assert client.get("/exams").status_code == 200
    make(17)
    with statements(app, selects_only=True) as many:
        assert client.get("/exams").status_code == 200
    assert len(many) == len(few)
