"""Who may start an exam now, and if not, why (SPEC §2.6) — the one place the officer's exam list and the start
action ask.

Refusals, in the order an officer would want to hear them: an open attempt is resumed rather than refused; the
exam is not published or the window is not open; the officer is not on duty or not in the exam's audience;
the attempts are used up or the exam was passed; the purpose's prerequisite is not met — for ``qualification``
no enforcement certificate already held (the exam leads to one; an officer who holds one is not invited) and the
pre-exam training requirement (measured at the day the window opens), an active enforcement certificate for
``hearing_presider``.

Who an exam admits — its audience, and its purpose's prerequisite with the certificate checks that certificates
registers — is :mod:`exams.papers.eligibility`'s; this module adds the window, duty and the officer's attempts.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from exams.attempts.models import Attempt
from exams.papers import eligibility
from exams.papers.models import Exam
from exams.papers.services import window_state
from portal.extensions import db
from portal.officers.models import Officer
from portal.templating import cn_datetime

#: how long a closed exam stays on the officer's list
RECENT_DAYS = 90


@dataclass(frozen=True)
class Decision:
    """Whether the officer may start (or resume) the exam now; ``reason`` says why not."""

    ok: bool
    reason: str = ""
    #: an open attempt to resume (``ok`` is then true)
    resume_attempt_id: int | None = None
    attempts_used: int = 0

    @property
    def resumes(self) -> bool:
        return self.resume_attempt_id is not None


def decide_many(officer: Officer, exams, now: dt.datetime) -> dict[int, Decision]:
    """:func:`decide` for many exams at once (exam id → decision), with a fixed number of queries: the officer's
    attempts, enrolments and chosen agencies once each, and the training requirement once per opening day of the
    open ``qualification`` exams it has to be measured for."""
    exams = list(exams)
    if not exams:
        return {}
    rows = db.session.execute(sa.select(Attempt.exam_id, Attempt.id, Attempt.status, Attempt.passed, Attempt.deadline)
                              .where(Attempt.officer_id == officer.id, Attempt.exam_id.in_([e.id for e in exams]))
                              .order_by(Attempt.number)).all()
    attempts: dict[int, list] = {}
    for row in rows:
        attempts.setdefault(row.exam_id, []).append(row)
    audience = eligibility.audience_of(officer, exams)
    prerequisites = eligibility.Prerequisites(officer, now)
    return {exam.id: _decide(officer, exam, now, attempts.get(exam.id, []), exam.id in audience, prerequisites)
            for exam in exams}


def _decide(officer: Officer, exam: Exam, now: dt.datetime, attempts: list, admitted: bool,
            prerequisites: eligibility.Prerequisites) -> Decision:
    used = len(attempts)
    open_attempt = next((a for a in attempts if a.status == "open" and a.deadline > now), None)
    if open_attempt is not None:
        return Decision(True, resume_attempt_id=open_attempt.id, attempts_used=used)
    if exam.status != "published":
        return Decision(False, "考试尚未发布", attempts_used=used)
    if now < exam.opens_at:
        return Decision(False, f"考试尚未开始，开考时间 {cn_datetime(exam.opens_at)}", attempts_used=used)
    if now >= exam.closes_at:
        return Decision(False, f"考试已于 {cn_datetime(exam.closes_at)} 结束", attempts_used=used)
    if officer.status != "on_duty":
        return Decision(False, f"您的在岗状态为“{officer.status_label}”，不能参加考试", attempts_used=used)
    if not admitted:
        return Decision(False, "您不在本次考试的报名范围内", attempts_used=used)
    if any(a.passed for a in attempts):
        return Decision(False, "您已通过本次考试", attempts_used=used)
    if used >= exam.max_attempts:
        return Decision(False, f"本次考试最多可考 {exam.max_attempts} 次，您的考试机会已用完", attempts_used=used)
    reason = prerequisites.refusal(exam)
    if reason:
        return Decision(False, reason, attempts_used=used)
    return Decision(True, attempts_used=used)


def decide(officer: Officer, exam: Exam, now: dt.datetime) -> Decision:
    """May ``officer`` start ``exam`` at ``now``? (An open attempt is always resumable until its deadline.)"""
    return decide_many(officer, [exam], now)[exam.id]


def officer_exams(officer: Officer, now: dt.datetime) -> list[tuple[Exam, Decision, str]]:
    """The published exams whose audience includes ``officer`` — open, upcoming and closed within the last
    :data:`RECENT_DAYS` days — each with the officer's decision and its window state: open ones first, then
    upcoming by opening, then closed ones latest first."""
    exams = db.session.scalars(sa.select(Exam).where(
        Exam.status == "published", Exam.closes_at > now - dt.timedelta(days=RECENT_DAYS),
        eligibility.audience_condition(officer)).order_by(Exam.opens_at, Exam.id)).all()
    decisions = decide_many(officer, exams, now)
    order = {"open": 0, "upcoming": 1, "closed": 2}
    listed = [(exam, decisions[exam.id], window_state(exam, now)) for exam in exams]
    listed.sort(key=lambda x: (order[x[2]], -x[0].closes_at.timestamp() if x[2] == "closed" else 0))
    return listed
