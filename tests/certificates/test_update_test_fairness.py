"""A fair update test (seed 四(二)3: 每四年进行一次法律知识更新测试; SPEC §2.8).

* A first fail during early enrolment, before the four-year due date, opens the makeup window but holds nothing
  before the due date: the ``update_test_failed`` hold comes on the due date (the day before: none; the day of and
  after: held).
* When the window ends without a pass, the certificate is cancelled only if a makeup sitting was actually offered
  within the window — and then as 未参加补考 (``update_test_makeup_missed``), never as 两次未通过. With none offered,
  the window is extended by the makeup period and the legal office covering the officer is told to schedule one.
* A second fail in the window is 两次未通过 (``update_test_failed_twice``), never 未参加补考.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from certificates import lifecycle, revocation
from certificates.cycle_models import UpdateTestRound
from certificates.models import Certificate, CertificateEvent
from exams.papers.models import Enrolment
from exams.signals import attempt_graded
from portal import audit, clock
from portal.extensions import db
from portal.notify import Notification
from tests.certificates.helpers import revoke_heard
from tests.certificates.test_sweep import graded, open_reasons, run, update_exam
from tests.exams.papers.helpers import raw_exam, sit

ACTOR = audit.Actor.system("test")


@pytest.fixture
def cert(app, world, key_dir, frozen):
    """王建国's certificate with its update test due 60 days from today (reviews done, so only the test matters)."""
    target = clock.today() + dt.timedelta(days=60)
    made = lifecycle.issue(world.officer, "enforcement", ["城市管理"], "环翠区全域", actor=ACTOR,
                           now=clock.now() - dt.timedelta(days=30))
    made.first_issued_on = made.issued_on = target.replace(year=target.year - 4)
    made.reviews_done = 2
    db.session.commit()
    made.due_on = target
    return made


def the_round() -> UpdateTestRound:
    db.session.expire_all()
    return db.session.scalars(sa.select(UpdateTestRound)).one()


def last_note(certificate) -> str:
    detail = db.session.scalars(sa.select(CertificateEvent.detail).where(
        CertificateEvent.certificate_id == certificate.id).order_by(CertificateEvent.id.desc())).first()
    return detail.get("note") or ""


def revoked_as(certificate) -> tuple[str, str | None]:
    db.session.expire_all()
    fresh = db.session.get(Certificate, certificate.id)
    return fresh.status, fresh.revocation_kind


def test_an_early_first_fail_opens_the_window_but_holds_only_from_the_due_date(cert, world):
    exam = update_exam(world, clock.now() - dt.timedelta(days=1))
    graded(exam, world.officer, passed=False)
    round_ = the_round()
    assert round_.status == "makeup" and round_.makeup_until == clock.today() + dt.timedelta(days=90)
    assert open_reasons(cert) == [] and revoked_as(cert) == ("active", None)
    notice = db.session.scalars(sa.select(Notification.body).where(
        Notification.user_id == world.officer_user.id).order_by(Notification.id.desc())).first()
    assert "前不受影响" in notice and "暂扣。" not in notice

    run(cert.due_on - dt.timedelta(days=1))          # the day before the due date: still valid
    assert open_reasons(cert) == []
    report = run(cert.due_on)                        # the due date itself: held, in the makeup window
    assert open_reasons(cert) == ["update_test_failed"] and report.counts["held"] == 1
    run(cert.due_on + dt.timedelta(days=1))          # after: held once, no overdue hold beside it
    assert open_reasons(cert) == ["update_test_failed"]


def test_a_makeup_passed_before_the_due_date_never_holds(cert, world):
    exam = update_exam(world, clock.now() - dt.timedelta(days=1))
    graded(exam, world.officer, passed=False)
    graded(exam, world.officer, passed=True, number=2)
    assert the_round().status == "passed"
    run(cert.due_on + dt.timedelta(days=1))
    assert open_reasons(cert) == [] and revoked_as(cert) == ("active", None)


def test_a_first_fail_on_or_after_the_due_date_holds_at_once(cert, world, frozen):
    exam = update_exam(world, clock.now() - dt.timedelta(days=1))
    on_due = dt.datetime.combine(cert.due_on, dt.time(9, 0), tzinfo=clock.TZ)
    frozen(on_due.replace(tzinfo=None))
    graded(exam, world.officer, passed=False, now=on_due)
    assert open_reasons(cert) == ["update_test_failed"]


def test_a_second_fail_is_failed_twice(cert, world):
    exam = update_exam(world, clock.now() - dt.timedelta(days=1))
    graded(exam, world.officer, passed=False)
    graded(exam, world.officer, passed=False, number=2)
    assert revoked_as(cert) == ("revoked", "update_test_failed_twice")
    assert the_round().status == "failed"


def test_a_makeup_offered_and_not_taken_is_cancelled_as_missed_the_day_after_the_window(cert, world):
    # the exam failed in has an attempt left and is open inside the window: a makeup sitting was offered
    exam = update_exam(world, clock.now() - dt.timedelta(days=1))
    graded(exam, world.officer, passed=False)
    until = the_round().makeup_until
    run(until)                                       # the window's last day: still only held
    assert revoked_as(cert) == ("suspended", None)
    report = run(until + dt.timedelta(days=1))
    assert revoked_as(cert) == ("revoked", "update_test_makeup_missed")
    assert any("已安排补考而未参加" in line for line in report.lines)
    assert "未参加" in last_note(cert) and exam.title in last_note(cert)


def test_no_makeup_offered_extends_the_window_and_tells_the_legal_office(cert, world):
    # the only sitting allowed one attempt: after the fail, nothing was offered within the window
    exam = raw_exam(world.city, clock.now() - dt.timedelta(days=1), clock.now() + dt.timedelta(days=10),
                    purpose="update_test", audience="officers", max_attempts=1)
    db.session.add(Enrolment(exam_id=exam.id, officer_id=world.officer.id, source="manual", enrolled_at=clock.now()))
    db.session.commit()
    graded(exam, world.officer, passed=False)
    until = the_round().makeup_until
    report = run(until + dt.timedelta(days=1))
    round_ = the_round()
    assert revoked_as(cert) == ("suspended", None)
    assert round_.status == "makeup" and round_.extensions == 1
    assert round_.makeup_until == until + dt.timedelta(days=1) + dt.timedelta(days=90)
    assert report.counts["extended"] == 1 and report.counts["revoked"] == 0
    told = db.session.scalars(sa.select(Notification.user_id).where(Notification.title == "请安排法律知识更新测试补考"))
    assert set(told) == {world.legal_city.id, world.legal_district.id}

    # a sitting is then offered inside the extended window, and not taken: now it is 未参加补考
    later = dt.datetime.combine(until + dt.timedelta(days=20), dt.time(9), tzinfo=clock.TZ)
    offered = raw_exam(world.city, later, later + dt.timedelta(days=5), purpose="update_test", audience="everyone")
    run(round_.makeup_until)
    assert revoked_as(cert) == ("suspended", None)
    run(round_.makeup_until + dt.timedelta(days=1))
    assert revoked_as(cert) == ("revoked", "update_test_makeup_missed")
    assert offered.title in last_note(cert)


def test_a_sitting_outside_the_window_or_for_others_is_not_an_offer(cert, world):
    exam = raw_exam(world.city, clock.now() - dt.timedelta(days=1), clock.now() + dt.timedelta(days=2),
                    purpose="update_test", audience="officers", max_attempts=1)
    graded(exam, world.officer, passed=False)
    until = the_round().makeup_until
    after = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(0), tzinfo=clock.TZ)
    raw_exam(world.city, after, after + dt.timedelta(days=5), purpose="update_test")            # opens after it
    raw_exam(world.other_district, clock.now(), clock.now() + dt.timedelta(days=9), purpose="update_test")  # elsewhere
    raw_exam(world.city, clock.now(), clock.now() + dt.timedelta(days=9), purpose="update_test",
             status="draft")                                                                      # never published
    run(until + dt.timedelta(days=1))
    assert revoked_as(cert) == ("suspended", None) and the_round().extensions == 1


@pytest.mark.parametrize("kind", ["update_test_failed_twice", "update_test_makeup_missed", "review_rejected_final"])
def test_the_cycle_kinds_of_cancellation_need_their_fact(cert, kind):
    with pytest.raises(Exception) as refused:
        revocation.revoke(cert, kind, actor=ACTOR, now=clock.now(), legal_basis="威政办发〔2016〕3号 四（二）3")
    assert getattr(refused.value, "code", "") == "revocation_fact_missing"
    db.session.rollback()
    assert revoked_as(cert) == ("active", None)


def test_review_rejected_final_stands_on_an_open_rejected_review(cert):
    revoke_heard(cert, "review_rejected_final", actor=ACTOR, now=clock.now())
    db.session.commit()
    assert revoked_as(cert) == ("revoked", "review_rejected_final")


def test_a_pass_graded_after_a_window_that_offered_nothing_counts_in_its_extension(cert, world, frozen):
    first = raw_exam(world.city, clock.now() - dt.timedelta(days=1), clock.now() + dt.timedelta(days=2),
                     purpose="update_test", audience="officers", max_attempts=1)
    graded(first, world.officer, passed=False)
    until = the_round().makeup_until
    late = dt.datetime.combine(until + dt.timedelta(days=3), dt.time(10), tzinfo=clock.TZ)
    second = raw_exam(world.city, late - dt.timedelta(days=1), late + dt.timedelta(days=5), purpose="update_test")
    frozen(late.replace(tzinfo=None))
    graded(second, world.officer, passed=True, now=late)  # before the sweep saw the window end
    round_ = the_round()
    assert (round_.status, round_.extensions) == ("passed", 1)
    assert revoked_as(cert) == ("active", None) and open_reasons(cert) == []
    assert db.session.get(Certificate, cert.id).update_tests_done == 1


@pytest.mark.parametrize(("passed", "expected"), [(True, ("active", None)),
                                                  (False, ("revoked", "update_test_failed_twice"))])
def test_a_makeup_begun_on_the_windows_last_day_counts_whenever_it_is_graded(cert, world, frozen, passed, expected):
    exam = update_exam(world, clock.now() - dt.timedelta(days=1))
    graded(exam, world.officer, passed=False)
    until = the_round().makeup_until
    late_exam = raw_exam(world.city, clock.now(), dt.datetime.combine(until + dt.timedelta(days=5), dt.time(18),
                                                                      tzinfo=clock.TZ), purpose="update_test")
    started = dt.datetime.combine(until, dt.time(23, 30), tzinfo=clock.TZ)
    under_way = sit(late_exam, world.officer, status="open", started=started, minutes=90)
    frozen(dt.datetime.combine(until + dt.timedelta(days=1), dt.time(1, 0)))
    run(until + dt.timedelta(days=1))          # the 01:00 sweep while the makeup is still being written
    assert the_round().status == "makeup" and revoked_as(cert)[0] != "revoked"
    under_way.status, under_way.finished_at, under_way.finish = "final", started + dt.timedelta(minutes=70), "submitted"
    under_way.score, under_way.passed = (8 if passed else 2), passed
    db.session.commit()
    attempt_graded.send(under_way, now=clock.now())
    db.session.commit()
    assert revoked_as(cert) == expected


def test_the_last_minutes_of_the_exam_just_failed_are_no_makeup_offered(cert, world, frozen):
    closes = clock.now() + dt.timedelta(minutes=30)
    exam = raw_exam(world.city, clock.now() - dt.timedelta(days=2), closes, purpose="update_test")
    graded(exam, world.officer, passed=False)          # graded 30 minutes before the exam closes: no time to retake
    until = the_round().makeup_until
    run(until + dt.timedelta(days=1))
    assert revoked_as(cert)[0] != "revoked" and the_round().extensions == 1


def test_each_update_test_kind_of_cancellation_needs_its_own_outcome(cert, world):
    exam = update_exam(world, clock.now() - dt.timedelta(days=1))
    graded(exam, world.officer, passed=False)
    round_ = the_round()
    round_.status, round_.closed_at = "failed", clock.now()  # a window closed with one fail and a sitting offered
    db.session.commit()
    with pytest.raises(Exception, match="补考仍未通过"):
        revocation.revoke(cert, "update_test_failed_twice", actor=ACTOR, now=clock.now())
    db.session.rollback()
    revocation.revoke(cert, "update_test_makeup_missed", actor=ACTOR, now=clock.now())
    db.session.commit()
    assert revoked_as(cert) == ("revoked", "update_test_makeup_missed")
