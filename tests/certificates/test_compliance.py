"""The compliance board 合规看板 (issue 7): reviews and update tests due within 60 days (dark red) and overdue
(bright red), suspended certificates with their holds, revocations of the last 90 days, by agency and within the
legal office's scope; every row links to the officer's qualification page; a chart per agency; an XLSX export; a
fixed number of statements whatever the number of certificates.

The clock is frozen at 2026-11-26 09:00; due dates are set through ``first_issued_on`` and the cycle counts."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
from html import unescape

import openpyxl
import pytest

from certificates import answers, lifecycle
from certificates.compliance import board as boards
from certificates.cycle_models import Review, UpdateTestRound
from portal import audit, clock
from portal.extensions import db
from tests.certificates.helpers import revoke_heard
from tests.factories import make_officer
from tests.sql import statements

SYSTEM = audit.Actor.system("test")
BASIS = "《行政处罚法》第四十四条"
TODAY = dt.date(2026, 11, 26)


def years_before(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year - years)


def issue(officer, *, review_due: dt.date | None = None, update_test_due: dt.date | None = None,
          type_="enforcement", days_ago: int = 100):
    """A certificate whose next review (or update test) falls on the given day; the other date far away."""
    cert = lifecycle.issue(officer, type_, ["城市管理"], "环翠区全域", actor=SYSTEM,
                           now=clock.now() - dt.timedelta(days=days_ago))
    if review_due is not None:  # the first review: two years after the first issue; the update test 4 years
        cert.first_issued_on = years_before(review_due, 2)
    elif update_test_due is not None:  # the first update test, two reviews done: the next review 2 years later
        cert.first_issued_on, cert.reviews_done = years_before(update_test_due, 4), 2
    db.session.commit()
    return cert


def rows_of(html: str, name: str) -> list[str]:
    """The certificate numbers of the rows of one list of the board page."""
    table = re.search(rf'data-list="{name}">(.*?)</table>', html, re.S).group(1)
    return re.findall(r'<tr data-certificate="(\d{14}[\dX])"', table)


def count_of(html: str, key: str) -> int:
    return int(re.search(rf'data-count="{key}">(\d+)<', html).group(1))


@pytest.fixture
def edges(app, world, key_dir, frozen):
    """Four officers of ``dept`` with the review due in 60 days, 61 days, today, and yesterday; one of
    ``other_dept`` (文登区) with the update test overdue by 10 days."""
    people = {name: make_officer(world.dept, name=name) for name in ("六十天", "六十一天", "今天", "昨天")}
    certs = {
        "60": issue(people["六十天"], review_due=TODAY + dt.timedelta(days=60)),
        "61": issue(people["六十一天"], review_due=TODAY + dt.timedelta(days=61)),
        "today": issue(people["今天"], review_due=TODAY),
        "yesterday": issue(people["昨天"], review_due=TODAY - dt.timedelta(days=1)),
        "other": issue(world.other_officer, update_test_due=TODAY - dt.timedelta(days=10)),
    }
    return world, people, certs


def test_the_edges_of_due_and_overdue(edges):
    world, _, certs = edges
    found = boards.compute(world.legal_city, TODAY)
    due = {(line.number, line.kind): line for line in found.due_soon}
    overdue = {(line.number, line.kind): line for line in found.overdue}
    assert set(due) == {(certs["60"].number, "review"), (certs["today"].number, "review")}
    assert set(overdue) == {(certs["yesterday"].number, "review"), (certs["other"].number, "update_test")}
    assert due[(certs["60"].number, "review")].css == "status-due"
    assert due[(certs["today"].number, "review")].note == "今日到期"
    assert overdue[(certs["yesterday"].number, "review")].css == "status-overdue"
    assert overdue[(certs["other"].number, "update_test")].note == "已逾期 10 天"
    assert found.counts == {"review_due": 2, "review_overdue": 1, "update_test_due": 0, "update_test_overdue": 1,
                            "suspended": 0, "revoked": 0}


def test_the_page_lists_and_colours_them_and_links_each_row(client, auth, edges):
    world, people, certs = edges
    auth.login("legal_city")
    html = client.get("/compliance").get_data(as_text=True)
    assert rows_of(html, "due") == [certs["today"].number, certs["60"].number]  # soonest first
    assert rows_of(html, "overdue") == [certs["other"].number, certs["yesterday"].number]
    assert certs["61"].number not in html
    assert (count_of(html, "review_due"), count_of(html, "review_overdue"), count_of(html, "update_test_overdue")) \
        == (2, 1, 1)
    due_table = re.search(r'data-list="due">(.*?)</table>', html, re.S).group(1)
    overdue_table = re.search(r'data-list="overdue">(.*?)</table>', html, re.S).group(1)
    assert "status-due" in due_table and "status-overdue" not in due_table and "今日到期" in due_table
    assert "status-overdue" in overdue_table and "已逾期 1 天" in overdue_table
    assert f'href="/officers/{people["六十天"].id}/qualification"' in due_table
    assert f'href="/officers/{world.other_officer.id}/qualification"' in overdue_table
    assert "法律知识更新测试" in overdue_table


def test_scope_and_the_agency_filter(client, auth, edges):
    world, _, certs = edges
    auth.login("legal_district")  # 环翠区: not 文登区's officer
    html = client.get("/compliance").get_data(as_text=True)
    assert certs["other"].number not in html and certs["yesterday"].number in html
    # an agency outside the scope is no filter at all: still only the district
    html = client.get(f"/compliance?agency={world.other_dept.id}").get_data(as_text=True)
    assert certs["other"].number not in html and certs["yesterday"].number in html
    auth.logout()
    auth.login("legal_city")
    html = client.get(f"/compliance?agency={world.other_dept.id}").get_data(as_text=True)
    assert rows_of(html, "overdue") == [certs["other"].number] and rows_of(html, "due") == []
    assert f'href="/compliance/export.xlsx?agency={world.other_dept.id}"' in html  # the export keeps the filter
    html = client.get(f"/compliance?agency={world.district.id}").get_data(as_text=True)
    assert certs["other"].number not in html and len(rows_of(html, "due")) == 2
    for login in ("hr", "admin", world.officer.id_number):
        auth.logout()
        auth.login(login)
        assert client.get("/compliance").status_code == 403
        assert client.get("/compliance/export.xlsx").status_code == 403


def test_the_chart_per_agency_is_in_a_data_attribute(client, auth, edges):
    world, _, certs = edges
    lifecycle.place_hold(certs["61"], "under_investigation", actor=SYSTEM, now=clock.now(), legal_basis=BASIS)
    db.session.commit()
    auth.login("legal_city")
    html = client.get("/compliance").get_data(as_text=True)
    chart = json.loads(unescape(re.search(r"data-chart='([^']*)'", html).group(1)))
    assert chart["type"] == "bar"
    labels = chart["data"]["labels"]
    assert labels == ["文登执法局", "环翠执法局"]  # tree order: siblings by name (文登区 before 环翠区)
    per_agency = {label: [d["data"][i] for d in chart["data"]["datasets"]] for i, label in enumerate(labels)}
    assert per_agency == {"环翠执法局": [2, 1, 1], "文登执法局": [0, 1, 0]}  # due, overdue, suspended
    assert [d["label"] for d in chart["data"]["datasets"]] == ["60天内到期", "已逾期", "暂扣"]
    table = re.search(r'class="table table-sm bg-white per-agency">(.*?)</table>', html, re.S).group(1)
    assert "环翠执法局</td><td class=\"text-end\">2</td>" in table  # the numbers in a table beside the chart
    assert "<script>" not in html and "js/charts.js" in html and "chart.umd.min.js" in html


def test_suspended_certificates_with_their_holds(client, auth, world, key_dir, frozen):
    enforcement = issue(world.officer, days_ago=300)
    issue(world.officer, type_="hearing_presider", days_ago=200)
    hold = lifecycle.place_hold(enforcement, "under_investigation", actor=SYSTEM, now=clock.now(),
                                legal_basis=BASIS, note="内部备注")
    answers.answer(enforcement, world.officer, "有异议。", actor=SYSTEM, now=clock.now(), hold_id=hold.id)
    db.session.commit()
    auth.login("legal_city")
    html = client.get("/compliance").get_data(as_text=True)
    assert count_of(html, "suspended") == 2
    table = re.search(r'data-list="suspended">(.*?)</table>', html, re.S).group(1)
    assert 'data-hold="under_investigation"' in table and "立案调查" in table and BASIS in table
    assert 'data-hold="enforcement_certificate_inactive"' in table and "所持执法证非有效状态" in table
    assert "有陈述申辩" in table and "内部备注" not in table
    assert f'href="/officers/{world.officer.id}/qualification"' in table
    assert rows_of(html, "due") == [] and rows_of(html, "overdue") == []  # a presider has no cycles of its own


def test_revocations_of_the_last_90_days(client, auth, world, key_dir, frozen):
    recent = issue(world.officer, days_ago=300)
    revoke_heard(recent, "misconduct", actor=SYSTEM, now=clock.now() - dt.timedelta(days=89),
                     legal_basis=BASIS)
    old = issue(world.officer2, days_ago=300)
    revoke_heard(old, "left_post", actor=SYSTEM, now=clock.now() - dt.timedelta(days=91))
    db.session.commit()
    auth.login("legal_city")
    html = client.get("/compliance").get_data(as_text=True)
    assert rows_of(html, "revoked") == [recent.number] and count_of(html, "revoked") == 1
    table = re.search(r'data-list="revoked">(.*?)</table>', html, re.S).group(1)
    assert "吊销" in table and "违法违纪" in table


def test_pending_work_is_named_beside_the_due_date(edges):
    world, _, certs = edges
    now = clock.now()
    cert = certs["yesterday"]
    db.session.add(Review(certificate_id=cert.id, officer_id=cert.officer_id, agency_id=cert.agency_id,
                          due_on=TODAY - dt.timedelta(days=1), period_start=dt.date(2024, 11, 25),
                          period_end=dt.date(2026, 11, 24), status="submitted", facts={}, recommendation="pass",
                          criteria=[], submitted_by_label="hr", submitted_at=now))
    db.session.add(UpdateTestRound(certificate_id=certs["other"].id, due_on=TODAY - dt.timedelta(days=10),
                                   failed_at=now, makeup_until=dt.date(2027, 2, 1), status="makeup"))
    db.session.commit()
    pending = {line.number: line.pending for line in boards.compute(world.legal_city, TODAY).overdue}
    assert pending[cert.number] == "已于2026年11月26日提交审核确认，待法制机构确认"
    assert pending[certs["other"].number] == "首次未通过，补考期至2027年2月1日"


def test_the_export_has_the_rows(client, auth, edges):
    world, people, certs = edges
    lifecycle.place_hold(certs["61"], "other", actor=SYSTEM, now=clock.now(), legal_basis=BASIS)
    db.session.commit()
    auth.login("legal_city")
    response = client.get("/compliance/export.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response.headers["Content-Disposition"] and "compliance-board.xlsx" in \
        response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["60天内到期", "已逾期", "暂扣", "近90天注销吊销撤销"]
    due = [row for row in book["60天内到期"].iter_rows(values_only=True)]
    assert due[0][:6] == ("序号", "姓名", "单位", "证号", "事项", "到期日期")
    assert [(r[1], r[3], r[4]) for r in due[1:]] == [("今天", certs["today"].number, "审核确认"),
                                                     ("六十天", certs["60"].number, "审核确认")]
    assert due[1][5].date() == TODAY and due[1][6] == "今日到期"
    overdue = list(book["已逾期"].iter_rows(values_only=True))[1:]
    assert [r[3] for r in overdue] == [certs["other"].number, certs["yesterday"].number]
    held = list(book["暂扣"].iter_rows(values_only=True))[1:]
    assert [(r[3], r[5], r[6], r[8]) for r in held] == [(certs["61"].number, "其他原因", "人工暂扣", BASIS)]
    # the filter applies to the file too
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/compliance/export.xlsx?agency={world.other_dept.id}").data))
    assert [r[3] for r in list(book["已逾期"].iter_rows(values_only=True))[1:]] == [certs["other"].number]
    assert list(book["60天内到期"].iter_rows(values_only=True))[1:] == []


def _statements(app, client, path: str) -> int:
    with statements(app) as seen:
        assert client.get(path).status_code == 200
    return len(seen)


def test_the_board_costs_a_fixed_number_of_statements(app, client, auth, edges):
    world, _, certs = edges
    lifecycle.place_hold(certs["61"], "other", actor=SYSTEM, now=clock.now(), legal_basis=BASIS)
    db.session.commit()
    auth.login("legal_city")
    paths = ["/compliance", "/compliance/export.xlsx", f"/compliance?agency={world.district.id}"]
    few = {path: _statements(app, client, path) for path in paths}
    for i in range(15):
        officer = make_officer(world.dept2 if i % 2 else world.dept)
        cert = issue(officer, review_due=TODAY + dt.timedelta(days=i * 5 - 30))
        if i % 3 == 0:
            lifecycle.place_hold(cert, "other", actor=SYSTEM, now=clock.now(), legal_basis=BASIS)
        if i % 4 == 0:
            issue(officer, type_="hearing_presider", days_ago=50)
        if i % 5 == 0:
            revoke_heard(cert, "left_post", actor=SYSTEM, now=clock.now())
        db.session.commit()
    many = {path: _statements(app, client, path) for path in paths}
    assert many == few
    found = boards.compute(world.legal_city, TODAY)
    assert len(found.due_soon) + len(found.overdue) > 10 and found.suspended and found.revoked


def test_typed_text_in_the_export_is_never_a_formula(client, auth, edges):
    world, people, certs = edges
    lifecycle.place_hold(certs["61"], "other", actor=SYSTEM, now=clock.now(), legal_basis='=HYPERLINK("http://x")')
    db.session.commit()
    auth.login("legal_city")
    book = openpyxl.load_workbook(io.BytesIO(client.get("/compliance/export.xlsx").data))
    basis = list(book["暂扣"].iter_rows())[1][8]
    assert (basis.value, basis.data_type, basis.quotePrefix) == ('=HYPERLINK("http://x")', "s", True)
