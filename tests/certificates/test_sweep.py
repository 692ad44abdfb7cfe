"""The daily sweep and the cycle rules (SPEC §2.8, issue 7): overdue holds at the edges of each due date (the day
before, of and after), idempotency (two runs, one set of changes and notices), makeup windows (no overdue hold
inside one; revocation the day after it ends), left post revoked at once and caught when missed, update-test
enrolment at the window's edge, reminders at 60 / 30 / 7 days, the update-test listener (pass, first fail, pass
in the makeup, second fail, an early sitting) and a hold lifted by curing exactly its cause."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from certificates import cycles, due, lifecycle, sweep
from certificates.cycle_models import Reminder, UpdateTestRound
from certificates.models import Certificate, Hold
from exams.papers.models import Enrolment
from exams.signals import attempt_graded
from portal import audit, clock
from portal.audit import AuditEntry
from portal.extensions import db
from portal.notify import Notification
from portal.officers import services as officer_services
from tests.exams.papers.helpers import raw_exam, sit

ACTOR = audit.Actor.system("test")
BASIS = "威政办发〔2016〕3号 四（二）3"


@pytest.fixture
def cert(app, world, key_dir, frozen):
    """王建国's certificate, first issued 2024-12-01: review due 2026-12-01, update test due 2028-12-01."""
    made = lifecycle.issue(world.officer, "enforcement", ["城市管理"], "环翠区全域", actor=ACTOR,
                           now=dt.datetime(2024, 12, 1, 9, 0, tzinfo=clock.TZ))
    db.session.commit()
    return made


def run(day: dt.date, *, commit: bool = True) -> sweep.Report:
    report = sweep.run(day, actor=audit.Actor.system("job:sweep"))
    if commit:
        db.session.commit()
    else:
        db.session.rollback()
    return report


def open_reasons(certificate) -> list[str]:
    db.session.expire_all()
    return sorted(h.reason for h in db.session.get(Certificate, certificate.id).open_holds)


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


REVIEW_DUE = dt.date(2026, 12, 1)


def test_the_review_is_not_overdue_on_its_due_day_but_the_day_after(cert):
    assert due.review_due(cert.first_issued_on, cert.reviews_done) == REVIEW_DUE
    run(REVIEW_DUE - dt.timedelta(days=1))
    run(REVIEW_DUE)
    assert open_reasons(cert) == []
    report = run(REVIEW_DUE + dt.timedelta(days=1))
    assert open_reasons(cert) == ["review_overdue"] and report.counts["held"] == 1
    assert cert.status == "suspended"
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "certificate.hold")).one()
    assert entry.actor == "job:sweep"


def test_the_update_test_overdue_edge(cert):
    cert.reviews_done = 2  # reviews done: only the update test falls due on 2028-12-01
    db.session.commit()
    update_due = dt.date(2028, 12, 1)
    run(update_due)
    assert open_reasons(cert) == []
    run(update_due + dt.timedelta(days=1))
    assert open_reasons(cert) == ["update_test_overdue"]


def test_a_second_run_changes_and_sends_nothing(cert, world):
    day = REVIEW_DUE + dt.timedelta(days=1)
    first = run(day)
    notes, entries, holds = count(Notification), count(AuditEntry), count(Hold)
    second = run(day)
    assert first.lines and second.lines == []
    assert (count(Notification), count(AuditEntry), count(Hold)) == (notes, entries, holds)


def test_a_dry_run_reports_what_it_would_do_and_changes_nothing(cert, runner, frozen):
    result = runner.invoke(args=["sweep", "--today", "2026-12-02", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "（试运行）暂扣 " + cert.number in result.output and "未写入" in result.output
    assert open_reasons(cert) == [] and count(Notification) == 0
    refused = runner.invoke(args=["sweep", "--today", "2026-12-02"])  # a real run dated in the future
    assert refused.exit_code != 0 and "未来日期" in refused.output and open_reasons(cert) == []
    frozen(dt.datetime(2026, 12, 2, 8, 0))
    result = runner.invoke(args=["sweep", "--today", "2026-12-02"])
    assert "暂扣 " + cert.number in result.output and open_reasons(cert) == ["review_overdue"]
    assert runner.invoke(args=["sweep", "--today", "2026-12-32"]).exit_code != 0


def test_curing_the_review_lifts_exactly_its_hold(cert, frozen):
    run(REVIEW_DUE + dt.timedelta(days=1))
    frozen(dt.datetime(2026, 12, 2, 9, 0))
    lifecycle.place_hold(cert, "other", actor=ACTOR, now=clock.now(), legal_basis=BASIS)
    new_due = cycles.complete_review(cert, actor=ACTOR, now=clock.now())
    db.session.commit()
    assert new_due == dt.date(2028, 12, 1)  # from the due date, not from today
    assert open_reasons(cert) == ["other"] and cert.status == "suspended"
    run(REVIEW_DUE + dt.timedelta(days=2))
    assert open_reasons(cert) == ["other"]


@pytest.mark.parametrize("status", ["left_post", "retired"])
def test_marking_an_officer_left_post_revokes_at_once(cert, world, status):
    presider = lifecycle.issue(world.officer, "hearing_presider", ["城市管理"], "环翠区", actor=ACTOR,
                               now=clock.now())
    data = officer_services.OfficerData(
        name=world.officer.name, gender=world.officer.gender, birth_date=world.officer.birth_date,
        id_number=world.officer.id_number, agency_id=world.officer.agency_id, post=world.officer.post,
        categories=world.officer.categories, region=world.officer.region, mobile=world.officer.mobile,
        email=world.officer.email, hired_on=world.officer.hired_on, status=status,
        staff_kind=world.officer.staff_kind)
    officer_services.update_officer(ACTOR, world.officer, data, clock.now())
    db.session.commit()
    db.session.expire_all()
    assert {(c.type, c.status, c.revocation_kind) for c in (cert, presider)} == {
        ("enforcement", "revoked", status), ("hearing_presider", "revoked", status)}
    assert not presider.open_holds  # revoked before the enforcement certificate, so never held


def test_the_sweep_revokes_a_departure_that_was_missed(cert, world):
    world.officer.status, world.officer.status_changed_on = "retired", clock.today()
    db.session.commit()  # stored directly: no signal, as if an older import had set it
    report = run(clock.today())
    assert report.counts["revoked"] == 1
    db.session.expire_all()
    assert (cert.status, cert.revocation_kind) == ("revoked", "retired")
    assert run(clock.today()).lines == []


def update_exam(world, opens: dt.datetime):
    return raw_exam(world.city, opens, opens + dt.timedelta(days=30), purpose="update_test", audience="officers")


def graded(exam, officer, passed: bool, number: int = 1, now: dt.datetime | None = None):
    attempt = sit(exam, officer, number=number, passed=passed)
    attempt_graded.send(attempt, now=now or clock.now())
    db.session.commit()
    return attempt


def due_in(cert, days: int) -> dt.date:
    """Move the certificate's first issue so its update test falls due ``days`` from today (reviews done)."""
    target = clock.today() + dt.timedelta(days=days)
    cert.first_issued_on = cert.issued_on = target.replace(year=target.year - 4)
    cert.reviews_done = 2
    db.session.commit()
    return target


def test_officers_due_within_six_months_are_enrolled_in_the_next_update_test(cert, world):
    update_exam(world, clock.now() + dt.timedelta(days=10))
    target = due_in(cert, 0)
    start = cycles.enrol_window_start(target)
    assert start == dt.date(2026, 5, 26)
    run(start - dt.timedelta(days=1))
    assert count(Enrolment) == 0
    report = run(start)
    assert report.counts["enrolled"] == 1 and count(Enrolment, Enrolment.source == "sweep") == 1
    assert run(start).counts.get("enrolled", 0) == 0


def test_no_update_test_no_enrolment(cert):
    due_in(cert, 30)
    assert run(clock.today()).counts.get("enrolled", 0) == 0


@pytest.mark.parametrize(("days", "threshold"), [(61, None), (60, 60), (31, 60), (30, 30), (7, 7), (0, 7)])
def test_reminders_at_60_30_and_7_days(cert, world, days, threshold):
    target = REVIEW_DUE
    day = target - dt.timedelta(days=days)
    report = run(day)
    reminded = [line for line in report.lines if line.startswith("提醒")]
    if threshold is None:
        assert reminded == []
        return
    assert len(reminded) == 1 and f"还有 {days} 天" in reminded[0]
    assert count(Reminder, Reminder.days == threshold) == 1
    assert count(Notification, Notification.user_id == world.officer_user.id) == 1
    assert count(Notification, Notification.user_id == world.hr.id) == 1
    assert [line for line in run(day).lines if line.startswith("提醒")] == []


def test_a_missed_day_sends_one_reminder_not_several(cert):
    run(REVIEW_DUE - dt.timedelta(days=5))  # the 60- and 30-day reminders were never sent
    assert count(Reminder) == 3 and count(Notification) == 2  # one for the officer, one digest for HR


def test_passing_the_update_test_advances_the_cycle_and_lifts_the_overdue_hold(cert, world):
    exam = update_exam(world, clock.now() - dt.timedelta(days=1))
    target = due_in(cert, -3)
    run(clock.today())
    assert open_reasons(cert) == ["update_test_overdue"]
    graded(exam, world.officer, passed=True)
    db.session.expire_all()
    assert cert.update_tests_done == 1 and open_reasons(cert) == []
    assert due.update_test_due(cert.first_issued_on, cert.update_tests_done) == target.replace(year=target.year + 4)


def test_an_early_sitting_counts_for_nothing(cert, world):
    exam = update_exam(world, clock.now() - dt.timedelta(days=1))
    due_in(cert, 400)
    graded(exam, world.officer, passed=True)
    graded(exam, world.officer, passed=False, number=2)
    db.session.expire_all()
    assert cert.update_tests_done == 0 and cert.status == "active" and count(UpdateTestRound) == 0


def test_a_first_fail_opens_the_makeup_window_and_a_pass_in_it_lifts_the_hold(cert, world, frozen):
    exam = update_exam(world, clock.now() - dt.timedelta(days=1))
    due_in(cert, 20)
    graded(exam, world.officer, passed=False)
    assert open_reasons(cert) == []  # held only from the due date on (test_update_test_fairness)
    round_ = db.session.scalars(sa.select(UpdateTestRound)).one()
    assert round_.makeup_until == clock.today() + dt.timedelta(days=90) and round_.status == "makeup"
    assert "补考" in db.session.scalars(sa.select(Notification.title).where(
        Notification.user_id == world.officer_user.id)).all()[-1]
    # inside the window and past the due date: the failed test's hold, no update_test_overdue hold
    later = clock.today() + dt.timedelta(days=40)
    run(later)
    assert open_reasons(cert) == ["update_test_failed"]
    frozen(dt.datetime.combine(later, dt.time(10, 0)))
    graded(exam, world.officer, passed=True, number=2)
    assert open_reasons(cert) == [] and db.session.get(UpdateTestRound, round_.id).status == "passed"


def test_a_second_fail_revokes(cert, world):
    exam = update_exam(world, clock.now() - dt.timedelta(days=1))
    due_in(cert, 20)
    graded(exam, world.officer, passed=False)
    graded(exam, world.officer, passed=False, number=2)
    db.session.expire_all()
    assert (cert.status, cert.revocation_kind) == ("revoked", "update_test_failed_twice")


def test_the_makeup_window_ending_without_a_pass_revokes_the_day_after(cert, world):
    exam = update_exam(world, clock.now() - dt.timedelta(days=1))  # a makeup sitting offered: an attempt is left
    due_in(cert, 20)
    graded(exam, world.officer, passed=False)
    until = db.session.scalars(sa.select(UpdateTestRound.makeup_until)).one()
    run(until)
    db.session.expire_all()
    assert cert.status == "suspended"
    report = run(until + dt.timedelta(days=1))
    db.session.expire_all()
    assert (cert.status, cert.revocation_kind) == ("revoked", "update_test_makeup_missed")
    assert report.counts["revoked"] == 1 and run(until + dt.timedelta(days=2)).lines == []


def test_the_scheduler_runs_the_sweep_at_one_in_the_morning(cert):
    from portal import background, scheduler

    job = background.SCHEDULED["sweep"]
    assert job.cron == {"hour": 1, "minute": 0}
    moment = dt.datetime(2026, 12, 2, 1, 0, tzinfo=clock.TZ)
    scheduler.run_scheduled("sweep", moment)
    assert open_reasons(cert) == ["review_overdue"]
    state = db.session.scalars(sa.select(background.SchedulerState).where(
        background.SchedulerState.name == "sweep")).one()
    assert state.last_error is None and "暂扣 1" in state.last_summary


# ---------------------------------------------------------------- found in review


def test_a_certificate_two_cycles_behind_stays_held_after_one_review(cert, frozen):
    cert.first_issued_on = cert.issued_on = dt.date(2020, 1, 10)
    cert.update_tests_done = 2  # only the reviews are behind
    db.session.commit()
    run(clock.today())
    assert open_reasons(cert) == ["review_overdue"]
    assert cycles.complete_review(cert, actor=ACTOR, now=clock.now()) == dt.date(2024, 1, 10)
    db.session.commit()
    assert open_reasons(cert) == ["review_overdue"]  # the next cycle is overdue too: no flip-flop
    assert cycles.complete_review(cert, actor=ACTOR, now=clock.now()) == dt.date(2026, 1, 10)
    assert cycles.complete_review(cert, actor=ACTOR, now=clock.now()) == dt.date(2028, 1, 10)
    db.session.commit()
    assert open_reasons(cert) == []


def test_the_sweep_rereads_under_the_lock_before_holding(cert, monkeypatch, frozen):
    day = REVIEW_DUE + dt.timedelta(days=1)
    frozen(dt.datetime(2026, 12, 2, 9, 0))
    stale = sweep._live_enforcement_rows(clock.today())  # read before the review is confirmed …
    cycles.complete_review(cert, actor=ACTOR, now=clock.now())
    db.session.commit()
    monkeypatch.setattr(sweep, "_live_enforcement_rows", lambda today: stale)  # … and used after
    report = run(day)
    assert report.counts.get("held", 0) == 0 and open_reasons(cert) == []


def test_enrolment_respects_the_exams_jurisdiction_and_a_withdrawal(cert, world):
    from exams.papers import enrolment as papers

    elsewhere = raw_exam(world.other_district, clock.now() + dt.timedelta(days=5),
                         clock.now() + dt.timedelta(days=30), purpose="update_test", audience="officers")
    due_in(cert, 30)
    assert run(clock.today()).counts.get("enrolled", 0) == 0  # 文登区's test is not for a 环翠区 officer
    city = update_exam(world, clock.now() + dt.timedelta(days=10))
    assert run(clock.today()).counts["enrolled"] == 1
    assert {e.exam_id for e in db.session.scalars(sa.select(Enrolment))} == {city.id}
    papers.unenrol(ACTOR, city, world.officer.id, clock.now())
    db.session.commit()
    assert run(clock.today() + dt.timedelta(days=1)).counts.get("enrolled", 0) == 0
    assert elsewhere.id != city.id


def test_a_pass_after_the_makeup_window_ended_does_not_save_the_certificate(cert, world, frozen):
    exam = update_exam(world, clock.now() - dt.timedelta(days=1))
    due_in(cert, 20)
    graded(exam, world.officer, passed=False)
    until = db.session.scalars(sa.select(UpdateTestRound.makeup_until)).one()
    late = dt.datetime.combine(until + dt.timedelta(days=2), dt.time(0, 30), tzinfo=clock.TZ)
    frozen(late.replace(tzinfo=None))
    graded(exam, world.officer, passed=True, number=2, now=late)  # the sweep had not run yet
    db.session.expire_all()
    assert (cert.status, cert.revocation_kind) == ("revoked", "update_test_makeup_missed")


def test_a_first_fail_while_overdue_never_tells_the_officer_the_certificate_is_valid(cert, world):
    exam = update_exam(world, clock.now() - dt.timedelta(days=1))
    due_in(cert, -3)
    run(clock.today())
    graded(exam, world.officer, passed=False)
    titles = db.session.scalars(sa.select(Notification.title).where(Notification.user_id == world.officer_user.id))
    assert not any("恢复有效" in title for title in titles)
    assert open_reasons(cert) == ["update_test_failed"]


def test_no_reminder_for_a_review_already_submitted(cert, world):
    from certificates.reviews import services as reviews

    reviews.submit(ACTOR, world.hr, cert, "", clock.now())
    db.session.commit()
    report = run(REVIEW_DUE - dt.timedelta(days=7))
    assert not [line for line in report.lines if line.startswith("提醒") and "审核确认" in line]


@pytest.mark.parametrize("typed", ["60,30,7²", "60,30,abc", "60,0", "400", " , "])
def test_reminder_days_that_are_not_days_are_refused_when_saved(client, auth, world, typed):
    """The setting is checked when saved (it passed, then the daily sweep raised ValueError on "7²")."""
    from tests.auth.helpers import form_values

    auth.login("admin")
    current = form_values(client.get("/admin/settings"))
    response = client.post("/admin/settings", data={**current, "certificates.reminder_days": typed})
    assert response.status_code == 422 and "到期提醒" in response.get_data(as_text=True)
    db.session.expire_all()
    assert sweep.reminder_days() == [60, 30, 7]
    assert client.post("/admin/settings", data={**current, "certificates.reminder_days": "90，14"}).status_code == 302
    from portal import policy

    policy.forget_cache()
    assert sweep.reminder_days() == [90, 14]


def test_a_stored_malformed_reminder_setting_falls_back_to_60_30_7(world):
    from portal.policy import PolicySetting

    db.session.add(PolicySetting(key="certificates.reminder_days", value="60,30,7²", updated_at=clock.now()))
    db.session.commit()
    assert sweep.reminder_days() == [60, 30, 7]
