"""Applications and issuance (SPEC §2.7, issue 6): every eligibility rule at its edge, HR's application page,
legal's approval (numbering, the certificate, notices) and rejection (a reason), withdrawal, scope, and the
batch decision as a background job with progress and per-item failures."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from certificates import eligibility, lifecycle
from certificates.applications import services
from certificates.applications.models import Application
from certificates.models import Certificate
from portal import audit, background, clock, policy
from portal.errors import DomainError
from portal.extensions import db
from portal.notify import Notification
from portal.officers.models import STATUSES, Officer
from tests.certificates.helpers import revoke_heard
from tests.exams.papers.helpers import raw_exam, sit
from tests.factories import make_officer
from tests.officers import page
from tests.race import at_once
from tests.training.helpers import add

TODAY = dt.date(2026, 11, 26)
SYSTEM = audit.Actor.system("test")
EXAM_OPENS = dt.datetime(2026, 6, 1, 9, 0, tzinfo=clock.TZ)


@pytest.fixture(autouse=True)
def _keys(key_dir, frozen):
    return key_dir


def make_eligible(world, officer: Officer, *, passed_on: dt.datetime | None = None) -> None:
    """Photo on file, the pre-exam training met before the exam opened, and a passed qualification exam."""
    officer.has_photo = True
    db.session.commit()
    for category, hours in (("public_law", 16), ("professional_law", 16), ("ethics", 8)):
        add(officer, category, hours, dt.date(2026, 3, 1))
    exam = raw_exam(world.city, EXAM_OPENS, EXAM_OPENS + dt.timedelta(days=30), purpose="qualification")
    sit(exam, officer, passed=True, started=passed_on or EXAM_OPENS + dt.timedelta(days=1))


def rules_of(officer, type_="enforcement", today=TODAY) -> dict[str, bool]:
    return {rule.code: rule.ok for rule in eligibility.check(officer, type_, today).rules}


def test_an_eligible_officer_passes_every_rule(world):
    make_eligible(world, world.officer)
    result = eligibility.check(world.officer, "enforcement", TODAY)
    assert result.ok, result.summary()
    assert [rule.code for rule in result.rules] == [
        "on_duty", "staff_kind", "photo", "body", "qualification_exam", "training", "no_live_certificate"]


def test_a_bare_officer_fails_with_the_reasons(world):
    result = eligibility.check(world.officer, "enforcement", TODAY)
    failed = {rule.code: rule.why for rule in result.failed}
    assert failed == {"photo": "尚未上传证件照片", "qualification_exam": "没有通过资格考试的记录",
                      "training": failed["training"]}
    assert "差" in failed["training"]


def test_the_exam_counts_for_12_months_to_the_day(world, frozen):
    passed = dt.datetime(2025, 11, 26, 10, 0, tzinfo=clock.TZ)
    make_eligible(world, world.officer, passed_on=passed - dt.timedelta(minutes=1))
    assert rules_of(world.officer, today=dt.date(2026, 11, 26))["qualification_exam"]
    assert not rules_of(world.officer, today=dt.date(2026, 11, 27))["qualification_exam"]
    policy.update(SYSTEM, {"certificates.exam_valid_months": 13})
    assert rules_of(world.officer, today=dt.date(2026, 12, 26))["qualification_exam"]
    assert not rules_of(world.officer, today=dt.date(2026, 12, 27))["qualification_exam"]


def test_a_failed_or_open_attempt_is_no_pass(world):
    exam = raw_exam(world.city, EXAM_OPENS, EXAM_OPENS + dt.timedelta(days=30), purpose="qualification")
    sit(exam, world.officer, passed=False, started=EXAM_OPENS)
    practice = raw_exam(world.city, EXAM_OPENS, EXAM_OPENS + dt.timedelta(days=30), purpose="practice")
    sit(practice, world.officer, passed=True, started=EXAM_OPENS)
    assert not rules_of(world.officer)["qualification_exam"]


def test_training_is_measured_before_the_passed_exam_opened(world):
    make_eligible(world, world.officer)
    assert rules_of(world.officer)["training"]
    # training done after the exam opened does not count for it
    other = world.officer2
    other.has_photo = True
    for category, hours in (("public_law", 16), ("professional_law", 16), ("ethics", 8)):
        add(other, category, hours, EXAM_OPENS.date())
    exam = raw_exam(world.city, EXAM_OPENS, EXAM_OPENS + dt.timedelta(days=30), purpose="qualification")
    sit(exam, other, passed=True, started=EXAM_OPENS + dt.timedelta(days=1))
    assert not rules_of(other)["training"]


@pytest.mark.parametrize("status", [s for s in STATUSES if s != "on_duty"])
def test_an_officer_not_on_duty_fails(world, status):
    make_eligible(world, world.officer)
    world.officer.status, world.officer.status_changed_on = status, TODAY
    db.session.commit()
    assert not rules_of(world.officer)["on_duty"]


def test_the_agency_must_be_a_confirmed_and_announced_body(world):
    make_eligible(world, world.officer)
    world.dept.announced_on = TODAY
    db.session.commit()
    assert rules_of(world.officer, today=TODAY)["body"]
    assert not rules_of(world.officer, today=TODAY - dt.timedelta(days=1))["body"]
    world.dept.announced_on = None
    db.session.commit()
    result = eligibility.check(world.officer, "enforcement", TODAY)
    assert not result.ok and "尚未公告" in {r.code: r.why for r in result.rules}["body"]


def test_an_entrusted_party_waits_for_its_agreement(world):
    from tests.factories import make_agency, make_officer

    entrusted = make_agency(world.district, name="某受委托组织", short_name="受托", kind="entrusted")
    officer = make_officer(entrusted)
    make_eligible(world, officer)
    assert not rules_of(officer)["body"]


def test_a_presider_needs_the_presider_exam_and_an_active_enforcement_certificate(world):
    make_eligible(world, world.officer)
    rules = rules_of(world.officer, "hearing_presider")
    assert not rules["presider_exam"] and not rules["enforcement_certificate"]
    lifecycle.issue(world.officer, "enforcement", ["城市管理"], "环翠区", actor=SYSTEM, now=clock.now())
    exam = raw_exam(world.city, EXAM_OPENS, EXAM_OPENS + dt.timedelta(days=30), purpose="hearing_presider")
    sit(exam, world.officer, passed=True, started=EXAM_OPENS)
    assert all(rules_of(world.officer, "hearing_presider").values())
    assert not rules_of(world.officer, "enforcement")["no_live_certificate"]
    policy.update(SYSTEM, {"certificates.presider_needs_certificate": 0})
    assert "enforcement_certificate" not in rules_of(world.officer, "hearing_presider")


def test_the_exams_package_asks_the_certificates_package_before_a_presider_exam(world):
    from exams.attempts import admission as exam_rules

    exam = raw_exam(world.city, clock.now() - dt.timedelta(hours=1), clock.now() + dt.timedelta(days=1),
                    purpose="hearing_presider")
    assert "未持有有效的行政执法证" in exam_rules.decide(world.officer, exam, clock.now()).reason
    cert = lifecycle.issue(world.officer, "enforcement", ["城市管理"], "环翠区", actor=SYSTEM, now=clock.now())
    assert exam_rules.decide(world.officer, exam, clock.now()).ok
    lifecycle.place_hold(cert, "other", actor=SYSTEM, now=clock.now(), legal_basis="依据")
    assert "暂扣" in exam_rules.decide(world.officer, exam, clock.now()).reason


def test_an_officer_who_holds_an_enforcement_certificate_is_not_invited_to_the_qualification_exam(client, auth,
                                                                                                   world):
    """Issue 13: 王建国, holding a valid 行政执法证, saw 开始考试 on the qualification exam. The exam leads to a
    certificate he has (issuance refuses a second live one: ``no_live_certificate``); active or suspended, he is not
    invited. Once it is revoked he sits the exam again."""
    from exams.attempts import admission as exam_rules

    for category, hours in (("public_law", 16), ("professional_law", 16), ("ethics", 8)):
        add(world.officer, category, hours, TODAY - dt.timedelta(days=30))
    exam = raw_exam(world.city, clock.now() - dt.timedelta(hours=1), clock.now() + dt.timedelta(days=1),
                    purpose="qualification", title="资格考试")
    assert exam_rules.decide(world.officer, exam, clock.now()).ok
    cert = lifecycle.issue(world.officer, "enforcement", ["城市管理"], "环翠区", actor=SYSTEM, now=clock.now())
    db.session.commit()
    decision = exam_rules.decide(world.officer, exam, clock.now())
    assert not decision.ok and decision.reason == f"您已持有行政执法证（证号 {cert.number}），无需参加资格考试"
    auth.login(world.officer.id_number)
    mine = client.get("/me/exams").get_data(as_text=True)
    assert "资格考试" in mine and "无需参加资格考试" in mine and f"/exams/{exam.id}/start" not in mine
    lifecycle.place_hold(cert, "other", actor=SYSTEM, now=clock.now(), legal_basis="依据")
    assert "无需参加资格考试" in exam_rules.decide(world.officer, exam, clock.now()).reason
    revoke_heard(cert, "misconduct", actor=SYSTEM, now=clock.now())
    db.session.commit()
    assert exam_rules.decide(world.officer, exam, clock.now()).ok


# ---------------------------------------------------------------- the pages

def apply_page(client, officer, **fields):
    data = {"type": "enforcement", "categories": ["城市管理"], "region": "环翠区全域", "note": "", **fields}
    return client.post(f"/certificates/applications/new?officer_id={officer.id}", data=data)


def test_hr_sees_every_rule_then_applies(client, auth, world):
    make_eligible(world, world.officer)
    auth.login("hr")
    page = client.get(f"/certificates/applications/new?officer_id={world.officer.id}").get_data(as_text=True)
    assert page.count('data-ok="yes"') == 7 and 'data-ok="no"' not in page
    assert "人员类别可持证" in page
    assert world.officer.id_number not in page
    response = apply_page(client, world.officer)
    assert response.status_code == 302
    row = db.session.scalars(sa.select(Application)).one()
    assert (row.status, row.categories, row.applied_by_label) == ("pending", ["城市管理"], "hr")
    assert apply_page(client, world.officer).status_code == 409  # one pending per type


def test_hr_may_apply_for_an_ineligible_officer_and_sees_why(client, auth, world):
    auth.login("hr")
    page = client.get(f"/certificates/applications/new?officer_id={world.officer.id}").get_data(as_text=True)
    assert "尚未上传证件照片" in page and "没有通过资格考试的记录" in page
    assert apply_page(client, world.officer).status_code == 302


def test_bad_applications_say_what_is_wrong_and_store_nothing(client, auth, world):
    auth.login("hr")
    response = apply_page(client, world.officer, categories=["市场监管"])
    assert response.status_code == 422 and "不在该人员的执法类别中" in response.get_data(as_text=True)
    response = apply_page(client, world.officer, categories=[])
    assert response.status_code == 422 and "请至少选择一个执法类别" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 0


def test_scope_and_roles_of_the_application_pages(client, auth, world):
    auth.login("hr")
    assert client.get(f"/certificates/applications/new?officer_id={world.other_officer.id}").status_code == 404
    assert apply_page(client, world.other_officer).status_code == 404
    row = services.apply(SYSTEM, world.legal_city, world.other_officer, "enforcement", ["城市管理"], "", "",
                         clock.now())
    db.session.commit()
    assert client.get(f"/certificates/applications/{row.id}").status_code == 404
    assert client.post(f"/certificates/applications/{row.id}/approve").status_code == 403
    auth.logout()
    auth.login("legal_district")
    assert client.get(f"/certificates/applications/{row.id}").status_code == 404
    auth.logout()
    auth.login("legal_city")
    assert client.get(f"/certificates/applications/{row.id}").status_code == 200


def test_legal_approves_and_the_certificate_is_issued(client, auth, world):
    make_eligible(world, world.officer)
    row = services.apply(SYSTEM, world.hr, world.officer, "enforcement", ["城市管理"], "环翠区全域", "", clock.now())
    db.session.commit()
    auth.login("legal_city")
    page = client.get(f"/certificates/applications/{row.id}").get_data(as_text=True)
    assert "批准并发证" in page
    assert client.post(f"/certificates/applications/{row.id}/approve").status_code == 302
    db.session.expire_all()
    cert = db.session.scalars(sa.select(Certificate)).one()
    assert cert.number == "371000126000017" and cert.status == "active" and cert.categories == ["城市管理"]
    assert (row.status, row.certificate_id, row.decided_by_label) == ("approved", cert.id, "legal_city")
    assert all(rule["ok"] for rule in row.eligibility)
    titles = set(db.session.scalars(sa.select(Notification.title)))
    assert "王建国的行政执法证申请已批准" in titles
    assert client.post(f"/certificates/applications/{row.id}/approve").status_code == 302  # decided: a message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1


def test_approval_rechecks_the_rules_on_the_day(client, auth, world):
    row = services.apply(SYSTEM, world.hr, world.officer, "enforcement", ["城市管理"], "", "", clock.now())
    db.session.commit()
    with pytest.raises(DomainError) as excinfo:
        services.approve(SYSTEM, world.legal_city, row, clock.now())
    assert excinfo.value.code == "not_eligible" and excinfo.value.status == 422
    assert {item["field"] for item in excinfo.value.items} == {"photo", "qualification_exam", "training"}
    db.session.rollback()
    assert row.status == "pending"


def test_rejection_needs_a_reason_and_is_told(client, auth, world):
    row = services.apply(SYSTEM, world.hr, world.officer, "enforcement", ["城市管理"], "", "", clock.now())
    db.session.commit()
    auth.login("legal_city")
    response = client.post(f"/certificates/applications/{row.id}/reject", data={"reason": "  "})
    assert response.status_code == 422 and "不予批准须写明理由" in response.get_data(as_text=True)
    response = client.post(f"/certificates/applications/{row.id}/reject", data={"reason": "尚未通过资格考试"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (row.status, row.decision_reason) == ("rejected", "尚未通过资格考试")
    assert "理由：尚未通过资格考试" in set(db.session.scalars(sa.select(Notification.body)))


def test_hr_withdraws_a_pending_application(client, auth, world):
    row = services.apply(SYSTEM, world.hr, world.officer, "enforcement", ["城市管理"], "", "", clock.now())
    db.session.commit()
    auth.login("hr")
    assert client.post(f"/certificates/applications/{row.id}/withdraw").status_code == 302
    db.session.expire_all()
    assert row.status == "withdrawn"
    with pytest.raises(DomainError) as excinfo:
        services.approve(SYSTEM, world.legal_city, row, clock.now())
    assert excinfo.value.code == "application_decided"


def test_the_batch_decision_runs_as_a_job_with_progress_and_reports_failures(client, auth, world):
    make_eligible(world, world.officer)
    good = services.apply(SYSTEM, world.hr, world.officer, "enforcement", ["城市管理"], "", "", clock.now())
    bad = services.apply(SYSTEM, world.legal_city, world.officer2, "enforcement", ["城市管理"], "", "", clock.now())
    outside = services.apply(SYSTEM, world.legal_city, world.other_officer, "enforcement", ["城市管理"], "", "",
                             clock.now())
    db.session.commit()
    auth.login("legal_district")
    listing = client.get("/certificates/applications").get_data(as_text=True)
    assert f'value="{good.id}"' in listing and f'value="{outside.id}"' not in listing
    response = client.post("/certificates/applications/batch",
                           data={"ids": [good.id, outside.id], "decision": "approve"})
    assert response.status_code == 302 and db.session.scalar(sa.select(sa.func.count()).select_from(
        background.Job)) == 0  # outside scope: refused before anything is queued
    response = client.post("/certificates/applications/batch", data={"ids": [good.id, bad.id], "decision": "approve"})
    assert response.status_code == 302
    job_url = response.headers["Location"]
    assert "等待后台调度进程" in client.get(job_url).get_data(as_text=True)
    assert background.run_pending() == 1
    page = client.get(job_url).get_data(as_text=True)
    assert "共 2 项：批准 1 项，1 项未能处理" in page and "赵敏华" in page and "不符合申领条件" in page
    db.session.expire_all()
    assert (good.status, bad.status) == ("approved", "pending")
    job = db.session.scalars(sa.select(background.Job)).one()
    assert job.progress == 100 and job.result["numbers"] == [good.certificate.number]
    auth.logout()
    auth.login("legal_city")  # another user's job is not theirs to see
    assert client.get(job_url).status_code == 404


def test_a_batch_rejection_needs_a_reason(client, auth, world):
    row = services.apply(SYSTEM, world.hr, world.officer, "enforcement", ["城市管理"], "", "", clock.now())
    db.session.commit()
    auth.login("legal_city")
    response = client.post("/certificates/applications/batch", data={"ids": [row.id], "decision": "reject"},
                           follow_redirects=True)
    assert "不予批准须写明理由" in response.get_data(as_text=True)
    client.post("/certificates/applications/batch", data={"ids": [row.id], "decision": "reject", "reason": "材料不全"})
    background.run_pending()
    db.session.expire_all()
    assert (row.status, row.decision_reason) == ("rejected", "材料不全")


def test_a_refused_batch_shows_the_list_again_with_what_was_ticked_chosen_and_typed(client, auth, world):
    """A refusal must not turn into an approval on the next click: no decision is chosen in advance, and after a
    refused batch the ticks, the refusal and the reason come back with the error beside the reason."""
    rows = [services.apply(SYSTEM, world.hr, officer, "enforcement", ["城市管理"], "", "", clock.now())
            for officer in (world.officer, make_officer(world.dept, name="钱立新"))]
    db.session.commit()
    auth.login("legal_city")
    fresh = page.parse(client.get("/certificates/applications").get_data(as_text=True))
    radios = [n for n in fresh.walk() if n.tag == "input" and n.attrs.get("name") == "decision"]
    assert len(radios) == 2 and not any("checked" in n.attrs for n in radios)
    response = client.post("/certificates/applications/batch",
                           data={"ids": [rows[0].id], "decision": "reject", "reason": ""}, follow_redirects=True)
    doc = page.parse(response.get_data(as_text=True))
    ticked = {n.attrs["value"] for n in doc.walk() if n.tag == "input" and n.attrs.get("name") == "ids"
              and "checked" in n.attrs}
    chosen = [n.attrs["value"] for n in doc.walk() if n.tag == "input" and n.attrs.get("name") == "decision"
              and "checked" in n.attrs]
    assert ticked == {str(rows[0].id)} and chosen == ["reject"]
    assert "不予批准须写明理由" in " ".join(n.text() for n in doc.walk() if "invalid-feedback" in n.classes)
    again = page.parse(client.get("/certificates/applications").get_data(as_text=True))
    assert not [n for n in again.walk() if n.tag == "input" and n.attrs.get("name") == "ids" and "checked" in n.attrs]
    undecided = client.post("/certificates/applications/batch", data={"ids": [rows[1].id]}, follow_redirects=True)
    assert "请选择批准或不予批准" in undecided.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(background.Job)) == 0


def test_two_clerks_applying_at_once_get_one_application_and_a_clear_conflict(app, world):
    # read the ids here: the fixture's objects belong to this thread's session, which the threads must not touch
    officer_id, hr_id, user_class = world.officer.id, world.hr.id, type(world.hr)

    def apply():
        services.apply(SYSTEM, db.session.get(user_class, hr_id), db.session.get(Officer, officer_id), "enforcement",
                       ["城市管理"], "", "", clock.now())

    outcomes = at_once(app, apply, apply)
    assert sorted(outcomes) == ["application_pending", "ok"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 1


def test_an_officer_who_moved_is_not_approved_on_the_old_agencys_application(world):
    make_eligible(world, world.officer)
    row = services.apply(SYSTEM, world.hr, world.officer, "enforcement", ["城市管理"], "", "", clock.now())
    world.officer.agency_id = world.dept2.id
    db.session.commit()
    with pytest.raises(DomainError) as excinfo:
        services.approve(SYSTEM, world.legal_city, row, clock.now())
    assert excinfo.value.code == "officer_moved" and excinfo.value.status == 409
