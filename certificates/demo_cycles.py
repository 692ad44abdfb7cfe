"""The update-test cycles of the demo (SPEC §2.8), each through the code real use runs: a makeup window open now,
one extended because no makeup was offered in it, and the two ways a window ends in 注销 — a makeup failed too
(两次未通过) and a makeup offered and not taken (未参加补考). Also the helpers the certificates demo issues with."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from certificates import cycles, due, grounds, lifecycle
from certificates.cycle_models import UpdateTestRound
from certificates.models import Certificate
from exams.attempts.models import Attempt
from exams.papers.models import Exam
from exams.signals import attempt_graded
from portal import audit, clock
from portal.dates import anniversary
from portal.extensions import db
from portal.officers.models import Officer

ACTOR = audit.Actor.system("cli:demo")


def moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=clock.TZ)


def cycles_done(certificate: Certificate, today: dt.date) -> None:
    """Count every review and update test whose due date is before ``today`` as done."""
    certificate.reviews_done = 0
    while due.review_due(certificate.first_issued_on, certificate.reviews_done) < today:
        certificate.reviews_done += 1
    certificate.update_tests_done = 0
    while due.update_test_due(certificate.first_issued_on, certificate.update_tests_done) < today:
        certificate.update_tests_done += 1


def issue(officer: Officer, issued: dt.date, today: dt.date) -> Certificate:
    """An enforcement certificate issued on ``issued``, the cycles due before ``today`` done."""
    certificate = lifecycle.issue(officer, "enforcement", officer.categories or ["综合执法"], officer.region,
                                  actor=ACTOR, now=moment(issued))
    cycles_done(certificate, today)
    return certificate


def _update_exam(title: str) -> Exam | None:
    return db.session.scalar(sa.select(Exam).where(Exam.purpose == "update_test", Exam.title == title))


def _untested(candidates: list[Officer]) -> list[Officer]:
    """The candidates who never sat an update test (the exams demo drew some at random)."""
    sat = set(db.session.scalars(sa.select(Attempt.officer_id).join(Exam, Exam.id == Attempt.exam_id).where(
        Exam.purpose == "update_test")))
    return [o for o in candidates if o.id not in sat]


def _due_at(officer: Officer, due_on: dt.date, today: dt.date) -> Certificate:
    """A certificate whose update test fell (or falls) due on ``due_on``, not done."""
    certificate = issue(officer, anniversary(due_on, -due.UPDATE_TEST_YEARS), today)
    if due_on < today:
        certificate.update_tests_done -= 1
    return certificate


def _sittings(exam: Exam, officer_ids) -> dict[int, list[Attempt]]:
    """Each officer's attempts in ``exam`` (the exams demo's, marked item by item), in order."""
    found: dict[int, list[Attempt]] = {}
    for attempt in db.session.scalars(sa.select(Attempt).where(
            Attempt.exam_id == exam.id, Attempt.officer_id.in_(list(officer_ids) or [-1])).order_by(Attempt.number)):
        found.setdefault(attempt.officer_id, []).append(attempt)
    return found


def _graded(certificate_of: Officer, attempts: list[Attempt], today: dt.date) -> Certificate:
    """The officer's certificate, due for the update test 30 days after their first sitting, and their attempts
    graded as the exam graded them (``exams.signals.attempt_graded``)."""
    certificate = _due_at(certificate_of, attempts[0].started_at.date() + dt.timedelta(days=30), today)
    for attempt in attempts:
        attempt_graded.send(attempt, now=attempt.finished_at)
    return certificate


def failed_update_tests(candidates: list[Officer], today: dt.date) -> tuple[list[Officer], list[Certificate]]:
    """Two certificates an update test cancelled (注销), from the exams demo's sittings: a holder who failed the last
    sitting and its makeup (两次未通过), and one who failed the earlier sitting and did not take the makeup it still
    offered for weeks (未参加补考, revoked by the sweep the day after the window). Returns the officers used and
    their certificates."""
    recent = _update_exam("2026年法律知识更新测试")
    earlier = _update_exam("2026年法律知识更新测试（上半年）")
    if recent is None or earlier is None:
        return [], []
    ids = {o.id: o for o in candidates}
    in_recent, in_earlier = _sittings(recent, ids), _sittings(earlier, ids)
    twice = next((ids[i] for i, sat in in_recent.items() if i not in in_earlier and len(sat) == 2
                  and not any(a.passed for a in sat)), None)
    missed = next((ids[i] for i, sat in in_earlier.items() if i not in in_recent and len(sat) == 1
                   and not sat[0].passed and sat[0].finished_at + grounds.OFFER_MIN <= earlier.closes_at), None)
    if twice is None or missed is None:
        return [], []
    failed_twice = _graded(twice, in_recent[twice.id], today)
    makeup_missed = _graded(missed, in_earlier[missed.id], today)
    round_ = db.session.scalar(sa.select(UpdateTestRound).where(UpdateTestRound.certificate_id == makeup_missed.id))
    cycles.expire_round(round_, actor=audit.Actor.system("job:sweep"),
                        now=moment(round_.makeup_until + dt.timedelta(days=1), 1))
    return [twice, missed], [failed_twice, makeup_missed]


def makeup_window(candidates: list[Officer], today: dt.date) -> list[Officer]:
    """An officer who failed the last update test (a real attempt of the exams demo) with the test due in 20 days:
    graded as it was, the attempt opened the makeup window and its hold. Returns the other candidates."""
    exam = db.session.scalar(sa.select(Exam).where(Exam.purpose == "update_test", Exam.closes_at < moment(today))
                             .order_by(Exam.closes_at.desc()).limit(1))
    if exam is None:
        return candidates
    by_id = {officer.id: officer for officer in candidates}
    passed = set(db.session.scalars(sa.select(Attempt.officer_id).where(
        Attempt.exam_id == exam.id, Attempt.passed.is_(True))))
    attempt = db.session.scalar(sa.select(Attempt).where(
        Attempt.exam_id == exam.id, Attempt.passed.is_(False), Attempt.officer_id.in_(list(by_id)),
        Attempt.officer_id.notin_(passed or {-1})).order_by(Attempt.finished_at.desc(), Attempt.id).limit(1))
    if attempt is None:
        return candidates
    officer = by_id[attempt.officer_id]
    target = today + dt.timedelta(days=20)
    issue(officer, anniversary(target, -due.UPDATE_TEST_YEARS), today)
    attempt_graded.send(attempt, now=attempt.finished_at)
    return [o for o in candidates if o is not officer]


def extended_makeup(candidates: list[Officer], today: dt.date) -> list[Officer]:
    """An officer who failed an update test 152 days ago, a month after it fell due, and was offered no makeup
    sitting in the 90 days that followed (the next sitting opened two days after the window): the sweep extended the
    window, told the legal office to schedule one, and the certificate is held in the meantime (SPEC §2.8).
    Returns the other candidates."""
    officer = _untested(candidates)[0]
    failed_at = moment(today - dt.timedelta(days=152))
    due_on = failed_at.date() - dt.timedelta(days=30)
    certificate = _due_at(officer, due_on, today)
    round_ = UpdateTestRound(certificate_id=certificate.id, due_on=due_on, failed_at=failed_at,
                             makeup_until=failed_at.date() + dt.timedelta(days=90), status="makeup")
    db.session.add(round_)
    db.session.flush()
    lifecycle.ensure_hold(certificate, "update_test_failed", actor=ACTOR, now=failed_at, legal_basis=cycles.BASIS)
    cycles.expire_round(round_, actor=audit.Actor.system("job:sweep"),
                        now=moment(round_.makeup_until + dt.timedelta(days=1), 1))
    return [o for o in candidates if o is not officer]
