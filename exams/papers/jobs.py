"""The opening notice: once an exam's window opens, its audience hears about it (once)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from exams.papers.eligibility import audience_officers
from exams.papers.enrolment import MINE_PATH
from exams.papers.models import Exam
from portal import audit, background, notify
from portal.auth.models import User
from portal.extensions import db

SYSTEM = audit.Actor.system("exam_openings")


def opening_notice(exam: Exam) -> tuple[str, str]:
    """The title and body of an exam's opening notice."""
    return (f"考试已开始：{exam.title}",
            f"“{exam.title}”（{exam.purpose_label}）已开考，截止时间 {exam.closes_at:%Y-%m-%d %H:%M}，每次作答限时 "
            f"{exam.duration_minutes} 分钟。请在“我的考试”中开始作答。")


def notify_opening(exam: Exam, now: dt.datetime) -> int:
    """Tell every officer account in the exam's audience that it opened; one query for the recipients."""
    users = db.session.scalars(sa.select(User).where(
        User.role == "officer", User.active.is_(True), User.officer_id.in_(audience_officers(exam)))).all()
    title, body = opening_notice(exam)
    for user in users:
        notify.user(user, title, body, MINE_PATH, now=now)
    exam.opening_notified_at = now
    db.session.flush()  # the exam row before the audit chain's lock, the order every exam change takes them in
    audit.record(SYSTEM, "exam.opening_notified", exam, {"notified": len(users)}, now=now)
    return len(users)


@background.scheduled("exam_openings", "考试开考通知", minute="*/5")
def send_opening_notices(now: dt.datetime) -> str:
    """Scheduled every five minutes: published exams whose window is open and whose audience was not yet told."""
    exams = db.session.scalars(sa.select(Exam).where(
        Exam.status == "published", Exam.opens_at <= now, Exam.closes_at > now,
        Exam.opening_notified_at.is_(None)).order_by(Exam.opens_at, Exam.id)).all()
    sent = sum(notify_opening(exam, now) for exam in exams)
    db.session.flush()
    return f"{len(exams)} 场考试开考，通知 {sent} 人"
