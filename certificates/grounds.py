"""What a revocation stands on (SPEC §2.7, §2.8; seed 四(二)3): the 注销 kinds that name a recorded fact stand only
on that fact being on record — the officer recorded 调离 or 退休, a rejected review, a makeup window that ended
failed (with a second fail, or with a makeup offered and not taken). :func:`certificates.revocation.revoke` asks
before it writes; the kinds that follow no recorded fact are heard first (:mod:`certificates.proposals`)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from certificates.cycle_models import UpdateTestRound
from certificates.models import REVOCATION_KINDS, Certificate
from exams.attempts.models import Attempt
from exams.papers import eligibility as exam_eligibility
from exams.papers.models import Exam
from portal import clock
from portal.extensions import db

#: the least time a sitting must stay open after the first fail to count as a makeup offered (SPEC §2.8)
OFFER_MIN = dt.timedelta(days=1)


def missing_fact(certificate: Certificate, kind: str) -> str | None:
    """``None`` when the fact ``kind`` names is on record for ``certificate``, else why not (in Chinese):
    ``left_post`` / ``retired`` on the officer's recorded status; ``review_rejected_final`` on a rejected review whose
    hold is still open; ``update_test_failed_twice`` on a failed makeup window with an attempt failed inside it;
    ``update_test_makeup_missed`` on a failed makeup window without one, in which a makeup was offered."""
    if kind in ("left_post", "retired"):
        officer = certificate.officer
        if officer.status == kind:
            return None
        return (f"人员登记为“{officer.status_label}”，不能以“{REVOCATION_KINDS[kind]}”注销：请先由人事管理员登记人员状态"
                "（登记后证件随即注销）")
    if kind == "review_rejected_final":
        if any(hold.reason == "review_rejected" for hold in certificate.open_holds):
            return None
        return "该证件没有未通过且未纠正的审核确认，不能以“审核确认未通过”注销"
    if kind in ("update_test_failed_twice", "update_test_makeup_missed"):
        for round_ in db.session.scalars(sa.select(UpdateTestRound).where(
                UpdateTestRound.certificate_id == certificate.id, UpdateTestRound.status == "failed")):
            second = second_fail(round_, certificate.officer_id)
            if kind == "update_test_failed_twice" and second:
                return None
            if kind == "update_test_makeup_missed" and not second and makeup_offered(round_) is not None:
                return None
        what = "补考仍未通过" if kind == "update_test_failed_twice" else "已安排补考而未参加"
        return f"该证件没有法律知识更新测试{what}的记录，不能以“{REVOCATION_KINDS[kind]}”注销"
    return None


def _window_end(round_: UpdateTestRound) -> dt.datetime:
    """The moment the makeup window closes: the end of its last day."""
    return dt.datetime.combine(round_.makeup_until + dt.timedelta(days=1), dt.time(0), tzinfo=clock.TZ)


def makeup_offered(round_: UpdateTestRound) -> Exam | None:
    """The update-test sitting offered to the officer within the makeup window, if any (SPEC §2.8): a published
    ``update_test`` exam open for at least a day after the first fail (the last minutes of the exam just failed are
    no offer) and before the window's last day ends, whose audience includes the officer (or which they have sat),
    with an attempt left for them."""
    certificate = db.session.get(Certificate, round_.certificate_id)
    officer = certificate.officer
    window_end = _window_end(round_)
    # attempts used up to the fail: any later one inside the window would have closed the round
    used = (sa.select(sa.func.count()).select_from(Attempt)
            .where(Attempt.exam_id == Exam.id, Attempt.officer_id == officer.id,
                   Attempt.started_at <= round_.failed_at).scalar_subquery())
    candidates = db.session.scalars(sa.select(Exam).where(
        Exam.purpose == "update_test", Exam.status == "published", Exam.opens_at < window_end,
        Exam.closes_at >= round_.failed_at + OFFER_MIN, used < Exam.max_attempts)
        .order_by(Exam.opens_at, Exam.id)).all()
    admitted = exam_eligibility.audience_of(officer, candidates)
    sat = set(db.session.scalars(sa.select(Attempt.exam_id).where(
        Attempt.officer_id == officer.id, Attempt.exam_id.in_([exam.id for exam in candidates] or [-1]))))
    return next((exam for exam in candidates if exam.id in admitted or exam.id in sat), None)


def after_first_fail(round_: UpdateTestRound):
    """A condition on :class:`Attempt`: another update-test attempt than the one first failed, begun after it (or,
    where that attempt is not known, after the fail) and before the window's last day ended."""
    window_end = _window_end(round_)
    first = db.session.get(Attempt, round_.failed_attempt_id) if round_.failed_attempt_id else None
    return sa.and_(Exam.purpose == "update_test", Attempt.started_at < window_end,
                   Attempt.id != first.id if first is not None else sa.true(),
                   Attempt.started_at >= first.started_at if first is not None
                   else Attempt.started_at > round_.failed_at)


def second_fail(round_: UpdateTestRound, officer_id: int) -> bool:
    """Whether the officer failed a makeup: an update-test attempt begun inside the window after the first fail."""
    return db.session.scalar(sa.select(Attempt.id).join(Exam, Exam.id == Attempt.exam_id).where(
        Attempt.officer_id == officer_id, Attempt.status == "final", Attempt.passed.is_(False),
        after_first_fail(round_)).limit(1)) is not None
