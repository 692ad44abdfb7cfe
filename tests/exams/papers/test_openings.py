"""The opening notice (issue 5): the scheduled job tells every officer account in an open exam's audience once
(a second run sends nothing); not before the window opens nor after it closes; the recipients are found with one
query whatever their number."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from exams.papers import jobs
from exams.papers.models import ExamAgency
from portal import background, clock
from portal.auth.models import User
from portal.extensions import db
from portal.notify import Notification
from tests.exams.papers.helpers import inbox, raw_exam
from tests.factories import make_officer_account
from tests.sql import statements
from tests.training.helpers import bulk_officers

OPENS = dt.datetime(2026, 11, 26, 9, 0)
CLOSES = dt.datetime(2026, 11, 26, 17, 0)


def run(moment=None) -> str:
    summary = jobs.send_opening_notices(moment or clock.now())
    db.session.commit()
    return summary


def notes() -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).order_by(Notification.id)))


def test_the_job_is_scheduled_every_five_minutes():
    job = background.SCHEDULED["exam_openings"]
    assert job.label == "考试开考通知" and job.cron == {"minute": "*/5"}


def test_the_audience_hears_once_when_the_window_opens(world, frozen):
    exam = raw_exam(world.district, OPENS, CLOSES, title="年度更新测试")
    other = make_officer_account(world.other_officer)  # outside 环翠区
    frozen("2026-11-26T08:59:59")
    assert run() == "0 场考试开考，通知 0 人"
    frozen("2026-11-26T09:00:00")
    assert run() == "1 场考试开考，通知 1 人"
    [note] = inbox(world.officer_user)
    assert note.title == "考试已开始：年度更新测试" and note.link == "/me/exams"
    assert "截止时间 2026-11-26 17:00" in note.body
    assert inbox(other) == []
    db.session.expire_all()
    assert db.session.get(type(exam), exam.id).opening_notified_at == clock.now()
    assert run() == "0 场考试开考，通知 0 人"
    assert len(notes()) == 1


def test_drafts_and_closed_exams_are_not_announced(world, frozen):
    raw_exam(world.city, OPENS, CLOSES, status="draft")
    raw_exam(world.city, dt.datetime(2026, 11, 25, 9, 0), OPENS)  # closed at 09:00 today
    assert run() == "0 场考试开考，通知 0 人"


def test_agencies_and_enrolled_officers_hear_but_not_inactive_accounts(world, frozen):
    from exams.papers import enrolment as services
    from tests.factories import SYSTEM, make_officer

    exam = raw_exam(world.city, OPENS, CLOSES, audience="agencies")
    db.session.add(ExamAgency(exam_id=exam.id, agency_id=world.dept2.id))
    db.session.commit()
    second = make_officer_account(world.officer2)
    other = make_officer_account(world.other_officer)
    services.enrol(SYSTEM, exam, [world.other_officer.id], "manual", clock.now())
    inactive = make_officer_account(make_officer(world.dept2, name="钱进"))
    inactive.active = False
    db.session.commit()
    run()
    opened = [n.user_id for n in notes() if n.title.startswith("考试已开始")]
    assert sorted(opened) == sorted([second.id, other.id])  # 王建国 works in dept, not dept2


def test_recipients_cost_the_same_for_3_and_30(app, world, frozen):
    def accounts(n, start):
        now = clock.now()
        ids = bulk_officers(world.dept, n, start=start)
        db.session.execute(sa.insert(User), [
            {"role": "officer", "officer_id": i, "display_name": f"批量{i}", "password_hash": "x", "active": True,
             "must_change_password": False, "failed_logins": 0, "session_key": f"k{i}", "created_at": now}
            for i in ids])
        db.session.commit()

    accounts(2, 0)  # with 王建国: 3
    raw_exam(world.city, OPENS, CLOSES)
    with statements(app, selects_only=True) as few:
        run()
    accounts(30, 100)
    frozen("2026-11-26T09:05")
    raw_exam(world.city, OPENS, CLOSES)
    with statements(app, selects_only=True) as many:
        run()
    assert len(notes()) == 3 + 33
    assert len(many) == len(few)
