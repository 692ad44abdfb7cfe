"""The two-year review 审核确认 (SPEC §2.8): the period and its facts, each criterion of the recommendation at its
edge, HR's submission (one open review per certificate), the legal office's confirmation (the due date moves one
cycle from the previous due date; ``review_overdue`` lifted, other holds kept) and rejection (a reason; the
``review_rejected`` hold), scope and roles, the due list's colours, and the batch decision job."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from certificates import due, lifecycle, revocation
from certificates.cycle_models import Review
from certificates.models import Certificate, Hold
from certificates.reviews import period, services
from portal import audit, background, clock, policy
from portal.audit import AuditEntry
from portal.complaints import handling as complaint_handling
from portal.complaints import services as complaint_services
from portal.dates import anniversary
from portal.errors import DomainError
from portal.extensions import db
from portal.notify import Notification
from tests.assessment.helpers import SIMPLE, make_template, store
from tests.certificates.helpers import revoke_heard
from tests.race import at_once
from tests.training.helpers import add, text

TODAY = dt.date(2026, 11, 26)
SYSTEM = audit.Actor.system("test")
SOON = dt.date(2026, 12, 15)  # 19 days away
OVERDUE = dt.date(2026, 11, 1)  # 25 days late


@pytest.fixture(autouse=True)
def _keys(key_dir, frozen):
    return key_dir


def issued(officer, due_on: dt.date, reviews_done: int = 0) -> Certificate:
    """A live enforcement certificate of ``officer`` whose next review falls due on ``due_on``."""
    cert = lifecycle.issue(officer, "enforcement", ["城市管理"], "环翠区全域", actor=SYSTEM, now=clock.now())
    cert.first_issued_on = anniversary(due_on, -2 * (reviews_done + 1))
    cert.reviews_done = reviews_done
    db.session.commit()
    assert due.review_due(cert.first_issued_on, cert.reviews_done) == due_on
    return cert


def meet_period(officer, public=32.0, professional=32.0, ethics=16.0, on=dt.date(2025, 6, 1)) -> None:
    for category, hours in (("public_law", public), ("professional_law", professional), ("ethics", ethics)):
        if hours:
            add(officer, category, hours, on)


def criteria(cert, today=TODAY) -> dict[str, bool]:
    return {rule.code: rule.ok for rule in period.assess(cert, today).criteria}


def submitted(cert, user, note: str = "") -> Review:
    row = services.submit(SYSTEM, user, cert, note, clock.now())
    db.session.commit()
    return row


def open_holds(cert) -> set[str]:
    db.session.expire_all()
    return {hold.reason for hold in db.session.scalars(sa.select(Hold).where(
        Hold.certificate_id == cert.id, Hold.lifted_at.is_(None)))}


# ---------------------------------------------------------------- the period and the criteria

def test_the_period_is_the_two_years_before_the_due_date():
    assert period.period_of(SOON, TODAY) == (dt.date(2024, 12, 15), TODAY)  # early: facts to date
    assert period.period_of(OVERDUE, TODAY) == (dt.date(2024, 11, 1), dt.date(2026, 10, 31))
    assert period.period_of(dt.date(2028, 2, 29), dt.date(2028, 3, 1))[0] == dt.date(2026, 2, 28)
    quarters = period._quarters_ending_within(dt.date(2024, 12, 15), dt.date(2026, 12, 14))
    assert quarters == [(2024, 4), (2025, 1), (2025, 2), (2025, 3), (2025, 4), (2026, 1), (2026, 2), (2026, 3)]


def test_training_exactly_met_passes_and_half_an_hour_short_fails(world):
    cert = issued(world.officer, SOON)
    meet_period(world.officer, ethics=15.5)
    add(world.officer, "ethics", 8, dt.date(2024, 12, 14))  # the day before the period: does not count
    judged = period.assess(cert, TODAY)
    rule = next(r for r in judged.criteria if r.code == "training")
    assert not rule.ok and "合计差 0.5 学时" in rule.why and "职业素养差 0.5 学时" in rule.why
    assert judged.recommendation == "fail"
    add(world.officer, "ethics", 0.5, dt.date(2024, 12, 15))  # the period's first day counts
    judged = period.assess(cert, TODAY)
    assert criteria(cert)["training"] and judged.recommendation == "pass"
    assert judged.facts["training"]["parts"][0] == {"code": "total", "label": "合计", "have": 80.0, "need": 80,
                                                   "met": True}


def test_a_poor_grade_in_the_period_fails_and_one_outside_it_does_not(world):
    cert = issued(world.officer, SOON)
    meet_period(world.officer)
    template = make_template(SIMPLE)
    store(world.officer, template, 2024, 3, [100, 100, 100])  # ends 2024-09-30: the previous period
    store(world.officer, template, 2026, 3, [600, 600, 600])  # 60.0 一般
    assert criteria(cert)["grades"]
    store(world.officer, template, 2026, 2, [599, 599, 599])  # 59.9 较差
    judged = period.assess(cert, TODAY)
    rule = next(r for r in judged.criteria if r.code == "grades")
    assert not rule.ok and "2026年第二季度为“较差”（59.9 分）" in rule.why
    assert judged.recommendation == "fail"
    assert [g["grade"] for g in judged.facts["grades"]][-2:] == ["poor", "average"]
    assert len(judged.facts["grades"]) == 8


def test_an_open_disciplinary_hold_fails_and_other_holds_do_not(world):
    cert = issued(world.officer, SOON)
    meet_period(world.officer)
    lifecycle.place_hold(cert, "other", actor=SYSTEM, now=clock.now(), legal_basis="依据")
    db.session.commit()
    assert criteria(cert)["disciplinary"]
    hold = lifecycle.place_hold(cert, "disciplinary", actor=SYSTEM, now=clock.now(), legal_basis="处分决定")
    db.session.commit()
    judged = period.assess(cert, TODAY)
    assert not criteria(cert)["disciplinary"] and judged.recommendation == "fail"
    assert {h["reason"] for h in judged.facts["holds"]} == {"other", "disciplinary"}
    lifecycle.lift_hold(cert, hold.id, actor=SYSTEM, now=clock.now())
    db.session.commit()
    assert criteria(cert)["disciplinary"]


def _complaint(officer, cert, happened_on: dt.date, *steps: str, kind: str = "complaint"):
    """A complaint about ``officer`` taken through ``steps`` of the legal office's triage (a 查实 after the officer
    was told and waived their answer)."""
    row = complaint_services.submit(
        complaint_services.Submission(kind, happened_on, "环翠区某路口", "执法时态度粗暴，推搡当事人。", ""),
        officer_id=officer.id, agency_id=cert.agency_id, certificate_number=cert.number, actor=SYSTEM,
        now=clock.now())
    for step in steps:
        if step == "substantiate":
            complaint_handling.tell(row, actor=SYSTEM, now=clock.now())
            complaint_handling.answer(row, None, waive=True, actor=SYSTEM, now=clock.now())
        complaint_services.decide(row, step, reply="经调查核实，已作处理。", actor=SYSTEM, now=clock.now())
    db.session.commit()
    return row


def test_substantiated_complaints_of_the_period_count_against_the_recommendation(world):
    cert = issued(world.officer, SOON)  # period: 2024-12-15 … today
    meet_period(world.officer)
    start = dt.date(2024, 12, 15)
    rule = next(r for r in period.assess(cert, TODAY).criteria if r.code == "complaints")
    assert rule.ok and rule.label == "查实投诉少于 2 件" and "投诉 0 件" in rule.why
    # what does not count: unsubstantiated, declined, still open, praise, before the period, another officer
    _complaint(world.officer, cert, TODAY, "accept", "unsubstantiate")
    _complaint(world.officer, cert, TODAY, "not_accept")
    _complaint(world.officer, cert, TODAY, "accept")
    _complaint(world.officer, cert, TODAY, "acknowledge", kind="praise")
    _complaint(world.officer, cert, start - dt.timedelta(days=1), "accept", "substantiate")
    _complaint(world.officer2, cert, TODAY, "accept", "substantiate")
    _complaint(world.officer, cert, start, "accept", "substantiate")  # the first day of the period counts
    judged = period.assess(cert, TODAY)
    assert judged.facts["complaints"] == {"substantiated": 1, "limit": 2, "counted": True}
    assert judged.recommendation == "pass"
    _complaint(world.officer, cert, TODAY, "accept", "substantiate")
    judged = period.assess(cert, TODAY)
    rule = next(r for r in judged.criteria if r.code == "complaints")
    assert not rule.ok and "投诉 2 件" in rule.why and judged.recommendation == "fail"
    policy.update(SYSTEM, {"certificates.review_max_complaints": 3})
    db.session.commit()
    assert period.assess(cert, TODAY).recommendation == "pass"
    assert [r.code for r in period.assess(cert, TODAY).criteria] == [
        "training", "grades", "complaints", "disciplinary"]


# ---------------------------------------------------------------- submission

def test_hr_sees_the_facts_and_submits(client, auth, world):
    cert = issued(world.officer, SOON)
    meet_period(world.officer)
    auth.login("hr")
    page = client.get(f"/reviews/new?certificate={cert.number}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count('data-ok="yes"') == 4
    assert "系统建议：通过" in html and "发生、经查实的投诉 0 件" in html and world.officer.id_number not in html
    response = client.post(f"/reviews/new?certificate={cert.number}", data={"note": "已核实"})
    assert response.status_code == 302
    row = db.session.scalars(sa.select(Review)).one()
    assert (row.status, row.recommendation, row.due_on, row.note) == ("submitted", "pass", SOON, "已核实")
    assert (row.period_start, row.period_end, row.agency_id) == (dt.date(2024, 12, 15), TODAY, world.dept.id)
    assert [c["code"] for c in row.criteria] == ["training", "grades", "complaints", "disciplinary"]
    assert row.facts["training"]["met"] is True
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "certificate_review.submit")).one()
    assert entry.change["recommendation"] == "pass"
    again = client.post(f"/reviews/new?certificate={cert.number}", data={"note": ""})
    assert again.status_code == 409 and "已有待法制机构确认的审核" in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 1


def test_the_partial_unique_index_backs_the_one_open_review_rule(world, monkeypatch):
    cert = issued(world.officer, SOON)
    submitted(cert, world.hr)
    monkeypatch.setattr(services, "open_review", lambda certificate_id: None)  # as if two submitted at once
    with pytest.raises(DomainError) as excinfo:
        services.submit(SYSTEM, world.hr, cert, "", clock.now())
    assert (excinfo.value.code, excinfo.value.status) == ("review_open", 409)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 1


def test_a_review_not_yet_due_or_of_a_revoked_certificate_is_refused(client, auth, world):
    cert = issued(world.officer, TODAY + dt.timedelta(days=61))
    with pytest.raises(DomainError) as excinfo:
        services.submit(SYSTEM, world.hr, cert, "", clock.now())
    assert excinfo.value.code == "not_due"
    db.session.rollback()
    auth.login("hr")
    assert client.post(f"/reviews/new?certificate={cert.number}", data={}).status_code == 409
    revoke_heard(cert, "left_post", actor=SYSTEM, now=clock.now())
    db.session.commit()
    assert client.post(f"/reviews/new?certificate={cert.number}", data={}).status_code == 409
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0
    assert client.get("/reviews/new?certificate=371000126000018").status_code == 404  # bad check character
    assert client.get("/reviews/new").status_code == 302


# ---------------------------------------------------------------- decisions

def test_confirm_moves_the_due_date_two_years_from_the_previous_due_date(client, auth, world):
    cert = issued(world.officer, OVERDUE)
    meet_period(world.officer)
    lifecycle.ensure_hold(cert, "review_overdue", actor=SYSTEM, now=clock.now())
    lifecycle.place_hold(cert, "other", actor=SYSTEM, now=clock.now(), legal_basis="另案处理")
    db.session.commit()
    auth.login("hr")
    assert client.post(f"/reviews/new?certificate={cert.number}", data={"note": ""}).status_code == 302
    review = db.session.scalars(sa.select(Review)).one()
    assert review.period_end == dt.date(2026, 10, 31)
    assert client.post(f"/reviews/{review.id}/confirm").status_code == 403  # HR cannot decide
    auth.logout()
    auth.login("legal_city")
    page = client.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert "确认通过" in page and "不予确认" in page
    assert client.post(f"/reviews/{review.id}/confirm").status_code == 302
    db.session.expire_all()
    assert (review.status, review.decided_by_label) == ("confirmed", "legal_city")
    assert due.review_due(cert.first_issued_on, cert.reviews_done) == dt.date(2028, 11, 1)  # not 2028-11-26
    assert open_holds(cert) == {"other"} and cert.status == "suspended"
    titles = [n.title for n in db.session.scalars(sa.select(Notification))]
    assert titles.count("王建国的审核确认已通过") == 2  # the officer and HR
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "certificate_review.confirm")) == 1
    response = client.post(f"/reviews/{review.id}/confirm", follow_redirects=True)  # decided: a message
    assert "不能再处理" in response.get_data(as_text=True)
    assert due.review_due(cert.first_issued_on, cert.reviews_done) == dt.date(2028, 11, 1)


def test_reject_needs_a_reason_then_holds_the_certificate(client, auth, world):
    cert = issued(world.officer, SOON)
    review = submitted(cert, world.hr)
    auth.login("legal_district")
    response = client.post(f"/reviews/{review.id}/reject", data={"reason": "   "})
    assert response.status_code == 422 and "不予确认须写明理由" in response.get_data(as_text=True)
    db.session.expire_all()
    assert review.status == "submitted" and open_holds(cert) == set() and cert.status == "active"
    assert client.post(f"/reviews/{review.id}/reject", data={"reason": "培训学时不足"}).status_code == 302
    db.session.expire_all()
    assert (review.status, review.decision_reason) == ("rejected", "培训学时不足")
    assert open_holds(cert) == {"review_rejected"} and cert.status == "suspended"
    hold = db.session.scalars(sa.select(Hold).where(Hold.certificate_id == cert.id)).one()
    assert hold.legal_basis == "威政办发〔2016〕3号 四（二）3"
    certificate_page = client.get(f"/certificates/{cert.number}").get_data(as_text=True)
    assert 'data-hold="review_rejected"' in certificate_page and "审核确认未通过" in certificate_page
    detail = client.get(f"/reviews/{review.id}").get_data(as_text=True)
    assert "前往证件页办理注销" in detail and f"/certificates/{cert.number}" in detail
    bodies = [n.body for n in db.session.scalars(sa.select(Notification).where(
        Notification.title == "王建国的审核确认未通过"))]
    assert len(bodies) == 2 and all("理由：培训学时不足" in body for body in bodies)
    # HR may submit again for the same cycle; its confirmation lifts the review_rejected hold
    again = submitted(cert, world.hr)
    services.confirm(SYSTEM, world.legal_city, again, clock.now())
    db.session.commit()
    assert open_holds(cert) == set() and cert.status == "active"
    # the revocation itself is the certificate page's — and stands only on a rejection not since cured
    with pytest.raises(DomainError, match="没有未通过且未纠正的审核确认"):
        revocation.revoke(cert, "review_rejected_final", actor=SYSTEM, now=clock.now(), legal_basis=services.BASIS)
    db.session.rollback()
    assert cert.status_label == "有效"


def test_scope_and_roles(client, auth, world):
    outside = issued(world.other_officer, SOON)
    inside = issued(world.officer, SOON)
    review = submitted(outside, world.legal_city)
    auth.login("hr")
    assert client.get(f"/reviews/new?certificate={outside.number}").status_code == 404
    assert client.post(f"/reviews/new?certificate={outside.number}", data={}).status_code == 404
    assert client.get(f"/reviews/{review.id}").status_code == 404
    assert client.post(f"/reviews/{review.id}/reject", data={"reason": "x"}).status_code == 403
    listing = client.get("/reviews").get_data(as_text=True)
    assert inside.number in listing and outside.number not in listing
    auth.logout()
    auth.login("hr_other")
    assert client.get(f"/reviews/new?certificate={inside.number}").status_code == 404
    assert client.get(f"/reviews/{review.id}").status_code == 200
    auth.logout()
    auth.login("legal_district")
    assert client.get(f"/reviews/{review.id}").status_code == 404
    assert client.post(f"/reviews/{review.id}/confirm").status_code == 404
    assert client.post(f"/reviews/{review.id}/reject", data={"reason": "理由"}).status_code == 404
    assert client.get(f"/reviews/new?certificate={inside.number}").status_code == 403  # legal does not submit
    db.session.expire_all()
    assert review.status == "submitted"
    auth.logout()
    auth.login(world.officer.id_number)
    assert client.get("/reviews").status_code == 403


# ---------------------------------------------------------------- the due list

def test_the_due_list_colours_due_and_overdue_and_leaves_out_61_days(client, auth, world):
    from tests.factories import make_officer

    soon = issued(world.officer, TODAY + dt.timedelta(days=60))
    late = issued(world.officer2, OVERDUE)
    later = issued(make_officer(world.dept, name="钱未到"), TODAY + dt.timedelta(days=61))
    today_due = issued(make_officer(world.dept, name="李今日"), TODAY, reviews_done=1)
    review = submitted(late, world.legal_city)
    auth.login("legal_city")
    response = client.get("/reviews")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'data-certificate="{soon.number}" data-state="none" data-due="status-due"' in html
    assert f'data-certificate="{late.number}" data-state="submitted" data-due="status-overdue"' in html
    assert f'data-certificate="{today_due.number}" data-state="none" data-due="status-due"' in html
    assert later.number not in html
    assert html.index(late.number) < html.index(today_due.number) < html.index(soon.number)  # most overdue first
    assert f'value="{review.id}"' in html  # legal may tick the submitted one
    assert "60 天后到期" in text(response) and "已逾期 25 天" in text(response)
    filtered = client.get(f"/reviews?agency={world.dept2.id}").get_data(as_text=True)
    assert late.number in filtered and soon.number not in filtered
    only = client.get("/reviews?state=submitted").get_data(as_text=True)
    assert late.number in only and soon.number not in only
    auth.logout()
    auth.login("hr")
    html = client.get("/reviews").get_data(as_text=True)
    assert f"/reviews/new?certificate={soon.number}" in html and late.number not in html  # dept2 is not HR's
    services.reject(SYSTEM, world.legal_city, review, "材料不全", clock.now())
    db.session.commit()
    auth.logout()
    auth.login("legal_district")
    html = client.get("/reviews").get_data(as_text=True)
    assert f'data-certificate="{late.number}" data-state="rejected"' in html


def test_the_due_list_costs_the_same_queries_whatever_its_length(app, client, auth, world):
    from tests.factories import make_officer
    from tests.sql import statements

    issued(world.officer, SOON)
    auth.login("legal_city")
    with statements(app, selects_only=True) as few:
        client.get("/reviews")
    for n in range(5):
        cert = issued(make_officer(world.dept, name=f"周{'一二三四五'[n]}"), OVERDUE)
        submitted(cert, world.hr)
    with statements(app, selects_only=True) as many:
        client.get("/reviews")
    assert len(many) == len(few)


# ---------------------------------------------------------------- the batch job

def test_the_batch_confirmation_runs_as_a_job_and_reports_failures(client, auth, world):
    good = issued(world.officer, SOON)
    meet_period(world.officer)
    weak = issued(world.officer2, OVERDUE)  # no training: recommended to fail
    outside = issued(world.other_officer, SOON)
    good_review, weak_review = submitted(good, world.hr), submitted(weak, world.legal_city)
    outside_review = submitted(outside, world.legal_city)
    assert (good_review.recommendation, weak_review.recommendation) == ("pass", "fail")
    auth.login("legal_district")
    response = client.post("/reviews/batch", data={"ids": [good_review.id, outside_review.id], "decision": "confirm"})
    assert response.status_code == 302 and db.session.scalar(sa.select(sa.func.count()).select_from(
        background.Job)) == 0  # outside scope: refused before anything is queued
    response = client.post("/reviews/batch", data={"ids": [good_review.id, weak_review.id], "decision": "confirm"})
    assert response.status_code == 302
    job_url = response.headers["Location"]
    assert "等待后台调度进程" in client.get(job_url).get_data(as_text=True)
    assert background.run_pending() == 1
    page = client.get(job_url).get_data(as_text=True)
    assert "共 2 项：确认通过 1 项，1 项未能处理" in page and "赵敏华" in page and "逐项确认" in page
    db.session.expire_all()
    assert (good_review.status, weak_review.status) == ("confirmed", "submitted")
    assert due.review_due(good.first_issued_on, good.reviews_done) == anniversary(SOON, 2)
    job = db.session.scalars(sa.select(background.Job)).one()
    assert job.progress == 100 and job.result["done"] == 1
    auth.logout()
    auth.login("legal_city")  # another user's job is not theirs to see
    assert client.get(job_url).status_code == 404


def test_a_batch_rejection_needs_a_reason_and_holds_each(client, auth, world):
    first, second = issued(world.officer, SOON), issued(world.officer2, OVERDUE)
    reviews = [submitted(first, world.hr), submitted(second, world.legal_city)]
    auth.login("legal_city")
    response = client.post("/reviews/batch", data={"ids": [r.id for r in reviews], "decision": "reject"},
                           follow_redirects=True)
    assert "不予确认须写明理由" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(background.Job)) == 0
    client.post("/reviews/batch", data={"ids": [r.id for r in reviews], "decision": "reject", "reason": "材料不全"})
    background.run_pending()
    db.session.expire_all()
    assert [(r.status, r.decision_reason) for r in reviews] == [("rejected", "材料不全")] * 2
    assert open_holds(first) == open_holds(second) == {"review_rejected"}


# ---------------------------------------------------------------- two people at once

def _at_once(app, work) -> list[str]:
    return sorted(at_once(app, *work))


def test_two_clerks_submitting_at_once_get_one_review_and_a_clear_conflict(app, world):
    cert_id, hr_id = issued(world.officer, SOON).id, world.hr.id

    def submit():
        services.submit(SYSTEM, db.session.get(type(world.hr), hr_id), db.session.get(Certificate, cert_id), "",
                        clock.now())

    assert _at_once(app, [submit, submit]) == ["ok", "review_open"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 1


def test_a_confirmation_and_a_rejection_at_once_cannot_both_win(app, world):
    cert = issued(world.officer, SOON)
    review_id, legal_id, first_due = submitted(cert, world.hr).id, world.legal_city.id, SOON

    def confirm():
        services.confirm(SYSTEM, db.session.get(type(world.hr), legal_id), db.session.get(Review, review_id),
                         clock.now())

    def reject():
        services.reject(SYSTEM, db.session.get(type(world.hr), legal_id), db.session.get(Review, review_id), "理由",
                        clock.now())

    assert _at_once(app, [confirm, reject]) == ["ok", "review_decided"]
    db.session.expire_all()
    review = db.session.get(Review, review_id)
    moved = due.review_due(cert.first_issued_on, cert.reviews_done) != first_due
    assert (review.status == "confirmed") == moved
    assert (review.status == "rejected") == (open_holds(cert) == {"review_rejected"})


def test_a_review_of_a_certificate_revoked_meanwhile_is_neither_decided_nor_counted(client, auth, world):
    cert = issued(world.officer, TODAY + dt.timedelta(days=20))
    review = submitted(cert, world.hr)
    revoke_heard(cert, "left_post", actor=SYSTEM, now=clock.now())
    db.session.commit()
    for decide in (lambda: services.confirm(SYSTEM, world.legal_city, review, clock.now()),
                   lambda: services.reject(SYSTEM, world.legal_city, review, "不符合", clock.now())):
        with pytest.raises(DomainError) as excinfo:
            decide()
        assert excinfo.value.code == "certificate_revoked" and excinfo.value.status == 409
        db.session.rollback()
    auth.login("legal_city")
    assert 'data-count="reviews_to_decide">0<' in client.get("/home").get_data(as_text=True)
