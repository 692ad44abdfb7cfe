"""The qualification page 资格状态 (issue 7): "may this person enforce today / preside a hearing today", and if not
why, first and in large type; then certificates with holds and written answers, history, due dates, training,
exams, grades and the cycle work under way. Legal and the officer's HR within scope; others 403; out of scope 404.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest

from certificates import answers, lifecycle, qualification
from certificates.cycle_models import Review, UpdateTestRound
from portal import audit, clock
from portal.extensions import db
from tests.assessment.helpers import make_template, store
from tests.certificates.helpers import revoke_heard
from tests.exams.papers.helpers import raw_exam, sit
from tests.sql import statements

SYSTEM = audit.Actor.system("test")
BASIS = "《行政处罚法》第四十四条"


def issue(officer, type_="enforcement", days_ago=100):
    made = lifecycle.issue(officer, type_, ["城市管理"], "环翠区全域", actor=SYSTEM,
                           now=clock.now() - dt.timedelta(days=days_ago))
    db.session.commit()
    return made


def page(client, officer, status=200) -> str:
    response = client.get(f"/officers/{officer.id}/qualification")
    assert response.status_code == status
    return response.get_data(as_text=True)


def answer_of(html: str, which: str) -> str:
    found = re.search(rf'data-answer="{which}" data-value="(yes|no)"', html)
    assert found, which
    return found.group(1)


def reasons_of(html: str) -> list[str]:
    block = re.search(r'<ul class="qualification-reasons mb-0">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", block.group(1)) if block else []


@pytest.fixture
def ready(app, world, key_dir, frozen):
    return world


def test_an_active_certificate_may_enforce(client, auth, ready):
    cert = issue(ready.officer)
    auth.login("legal_city")
    html = page(client, ready.officer)
    assert answer_of(html, "enforce") == "yes" and "可以执法" in html
    assert answer_of(html, "preside") == "no" and "不能主持听证" in html
    assert reasons_of(html) == ["未持有听证主持人资格证"]
    assert cert.number in html and f'href="/certificates/{cert.number}"' in html
    assert "暂扣、解除暂扣、恢复、注销或补发" in html  # legal's actions live on the certificate page
    # the answer comes first, before the certificates
    assert html.index('data-answer="enforce"') < html.index('data-certificate="')
    assert "下次审核确认" in html and "2028年8月18日" in html  # issued 2026-08-18


def test_the_officer_page_and_the_certificate_page_link_here(client, auth, ready):
    cert = issue(ready.officer)
    auth.login("hr")
    link = f'href="/officers/{ready.officer.id}/qualification"'
    assert link in client.get(f"/officers/{ready.officer.id}").get_data(as_text=True)
    assert link in client.get(f"/certificates/{cert.number}").get_data(as_text=True)
    html = page(client, ready.officer)
    assert answer_of(html, "enforce") == "yes"
    assert "暂扣、解除暂扣、恢复、注销或补发" not in html  # HR reads; the actions are legal's
    assert "申请听证主持人资格证" in html and "申请行政执法证" not in html


def test_a_suspended_certificate_says_why_with_the_hold_and_the_answer(client, auth, ready):
    cert = issue(ready.officer)
    hold = lifecycle.place_hold(cert, "under_investigation", actor=SYSTEM, now=clock.now(), legal_basis=BASIS,
                                note="举报线索待核")
    answers.answer(cert, ready.officer, "本人对举报内容有异议，已提交材料。", actor=SYSTEM, now=clock.now(),
                   hold_id=hold.id)
    db.session.commit()
    auth.login("legal_city")
    html = page(client, ready.officer)
    assert answer_of(html, "enforce") == "no" and "不能执法" in html
    assert reasons_of(html) == ["行政执法证暂扣：立案调查", "未持有听证主持人资格证"]
    assert f'data-hold="{hold.reason}"' in html and "人工暂扣" in html and BASIS in html
    assert "本人对举报内容有异议，已提交材料。" in html and "举报线索待核" in html
    assert 'data-action="hold"' in html  # the history
    auth.logout()
    auth.login("hr")
    html = page(client, ready.officer)
    assert "本人对举报内容有异议" in html and "举报线索待核" not in html  # the private note is legal's only


def test_no_certificate(client, auth, ready):
    auth.login("hr")
    html = page(client, ready.officer)
    assert (answer_of(html, "enforce"), answer_of(html, "preside")) == ("no", "no")
    assert reasons_of(html) == ["未持有行政执法证", "未持有听证主持人资格证"]
    assert "尚未持有任何证件" in html and "申请行政执法证" in html


def test_a_retired_officer(client, auth, ready):
    cert = issue(ready.officer, days_ago=400)
    revoke_heard(cert, "retired", actor=SYSTEM, now=clock.now() - dt.timedelta(days=3))
    ready.officer.status, ready.officer.status_changed_on = "retired", clock.today() - dt.timedelta(days=3)
    db.session.commit()
    auth.login("legal_district")
    html = page(client, ready.officer)
    assert (answer_of(html, "enforce"), answer_of(html, "preside")) == ("no", "no")
    assert reasons_of(html) == ["人员状态为退休", "行政执法证已注销：退休", "未持有听证主持人资格证"]
    assert 'data-status="revoked"' in html and "注销于" in html
    assert "暂扣、解除暂扣、恢复、注销或补发" not in html  # nothing to act on


def test_a_presider_whose_enforcement_certificate_is_suspended(client, auth, ready):
    enforcement = issue(ready.officer, days_ago=300)
    presider = issue(ready.officer, "hearing_presider", days_ago=200)
    auth.login("legal_city")
    html = page(client, ready.officer)
    assert (answer_of(html, "enforce"), answer_of(html, "preside")) == ("yes", "yes")
    assert reasons_of(html) == [] and "可以主持听证" in html
    lifecycle.place_hold(enforcement, "disciplinary", actor=SYSTEM, now=clock.now(), legal_basis=BASIS)
    db.session.commit()
    html = page(client, ready.officer)
    assert (answer_of(html, "enforce"), answer_of(html, "preside")) == ("no", "no")
    assert reasons_of(html) == ["行政执法证暂扣：纪律处分", "听证主持人资格证暂扣：所持执法证非有效状态"]
    assert html.count('data-status="suspended"') == 2
    assert 'data-hold="enforcement_certificate_inactive"' in html and "系统暂扣" in html
    assert presider.number in html


def test_due_dates_are_coloured(client, auth, ready):
    issue(ready.officer, days_ago=700)  # the review falls due in 30 days
    auth.login("legal_city")
    html = page(client, ready.officer)
    assert "status-due" in html and "30 天后到期" in html
    assert "status-overdue" not in html


def test_pending_review_and_makeup_window(client, auth, ready):
    cert = issue(ready.officer, days_ago=800)
    now = clock.now()
    db.session.add(Review(certificate_id=cert.id, officer_id=ready.officer.id, agency_id=ready.officer.agency_id,
                          due_on=dt.date(2026, 11, 1), period_start=dt.date(2024, 11, 1),
                          period_end=dt.date(2026, 10, 31), status="submitted", facts={}, recommendation="pass",
                          criteria=[], submitted_by_label="hr", submitted_at=now))
    db.session.add(UpdateTestRound(certificate_id=cert.id, due_on=dt.date(2026, 11, 1), failed_at=now,
                                   makeup_until=dt.date(2027, 1, 10), status="makeup"))
    db.session.commit()
    auth.login("legal_city")
    html = page(client, ready.officer)
    assert 'data-work="review"' in html and "待法制机构确认" in html
    assert 'data-work="makeup"' in html and "补考期至" in html and "2027年1月10日" in html


def test_training_exams_and_grades(client, auth, ready):
    issue(ready.officer)
    exam = raw_exam(ready.dept, clock.now() - dt.timedelta(days=30), clock.now() - dt.timedelta(days=29),
                    purpose="qualification", title="2026年行政执法资格考试")
    sit(exam, ready.officer, passed=True, started=clock.now() - dt.timedelta(days=30))
    template = make_template()
    store(ready.officer, template, 2026, 2, [950, 900, 880])
    auth.login("hr")
    html = page(client, ready.officer)
    assert "2026年行政执法资格考试" in html and "资格考试" in html and "合格" in html
    assert "8<span" in html  # the score out of 10
    assert "2026年第二季度" in html and 'class="grade grade-good"' in html  # 0.3×95 + 0.5×90 + 0.2×88 = 91.1
    assert 'data-rule="annual"' in html and 'data-rule="period"' in html and "资格考试前培训要求" in html


def test_scope_and_roles(client, auth, ready):
    issue(ready.officer)
    auth.login("hr_other")
    page(client, ready.officer, 404)
    auth.logout()
    auth.login("legal_district")
    page(client, ready.other_officer, 404)
    page(client, ready.officer, 200)
    assert client.get("/officers/999999/qualification").status_code == 404
    auth.logout()
    auth.login(ready.officer.id_number)
    page(client, ready.officer, 403)
    auth.logout()
    auth.login("admin")
    page(client, ready.officer, 403)


def test_the_page_costs_a_fixed_number_of_statements(app, client, auth, ready):
    cert = issue(ready.officer, days_ago=500)
    auth.login("legal_city")
    with statements(app) as few:
        page(client, ready.officer)
    for day in range(6):
        hold = lifecycle.place_hold(cert, "other", actor=SYSTEM, now=clock.now() - dt.timedelta(days=20 - day),
                                    legal_basis=BASIS)
        answers.answer(cert, ready.officer, f"说明{day}", actor=SYSTEM, now=clock.now(), hold_id=hold.id)
        lifecycle.lift_hold(cert, hold.id, actor=SYSTEM, now=clock.now() - dt.timedelta(days=19 - day))
    issue(ready.officer, "hearing_presider", days_ago=50)
    exam = raw_exam(ready.dept, clock.now() - dt.timedelta(days=10), clock.now() - dt.timedelta(days=9))
    for number in (1, 2):
        sit(exam, ready.officer, number=number, started=clock.now() - dt.timedelta(days=10, minutes=number * 90))
    db.session.commit()
    with statements(app) as many:
        html = page(client, ready.officer)
    assert "说明5" in html  # answers to lifted holds stay beside their history
    assert len(many) == len(few)


def test_qualification_module_matches_the_api_rules(ready):
    cert = issue(ready.officer)
    found = qualification.of(ready.officer)
    assert (found.can_enforce, found.can_preside_hearing, found.reasons) == (True, False, ["未持有听证主持人资格证"])
    assert found.enforcement is cert and found.presider is None and found.with_open_holds == []
    assert found.next_review_due == dt.date(2028, 8, 18)
    assert found.next_update_test_due == dt.date(2030, 8, 18)
