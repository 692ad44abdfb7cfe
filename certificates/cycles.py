"""What moves a certificate through its cycles (SPEC §2.8): a confirmed review, an update test passed or failed,
the makeup window, and an officer leaving the post — each with the hold it lifts or places.

The certificates package listens: to ``exams.signals.attempt_graded`` (an update-test attempt graded) and to
``portal.officers.signals.status_changed`` (an officer marked ``left_post`` or ``retired``). Both receivers run
inside the sender's transaction, so a refusal here rolls the sender's change back too.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from certificates import due, grounds, lifecycle, revocation
from certificates.cycle_models import UpdateTestRound
from certificates.models import Certificate, Hold
from exams import signals as exam_signals
from exams.attempts.models import Attempt
from exams.papers.models import Exam
from portal import audit, clock, notify, policy
from portal.auth.access import legal_covering
from portal.extensions import db
from portal.locks import lock
from portal.officers import signals as officer_signals
from portal.templating import cn_date

SECTION = lifecycle.SECTION
policy.define("certificates.update_test_enrol_months", "提前报名法律知识更新测试（月）", "int", 6, SECTION,
              minimum=1, maximum=24, unit="月", help="更新测试到期前此期限内的人员，由每日巡检自动报名下一场更新测试。")
policy.define("certificates.makeup_days", "更新测试补考期（天）", "int", 90, SECTION, minimum=7, maximum=365,
              unit="天", help="首次未通过法律知识更新测试后，须在此期限内补考通过；补考仍未通过，或已安排补考而未参加的，注销证件。"
                              "期内没有安排补考场次的，补考期按此天数延长，并提醒法制机构安排。")
BASIS = "威政办发〔2016〕3号 四（二）3"


def live_enforcement(officer_id: int) -> Certificate | None:
    """The officer's enforcement certificate that is not revoked (at most one)."""
    return db.session.scalar(sa.select(Certificate).where(
        Certificate.officer_id == officer_id, Certificate.type == "enforcement", Certificate.status != "revoked"))


def open_round(certificate_id: int) -> UpdateTestRound | None:
    """The certificate's update-test round in its makeup window, if any."""
    return db.session.scalar(sa.select(UpdateTestRound).where(
        UpdateTestRound.certificate_id == certificate_id, UpdateTestRound.status == "makeup"))


def enrol_window_start(due_on: dt.date) -> dt.date:
    """The first day an officer is due for the update test: ``months`` before its due date."""
    months = policy.get("certificates.update_test_enrol_months")
    year, month = divmod(due_on.month - 1 - months, 12)
    first = dt.date(due_on.year + year, month + 1, 1)
    last_day = ((first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)).day
    return first.replace(day=min(due_on.day, last_day))


def complete_review(certificate: Certificate, *, actor: audit.Actor, now: dt.datetime) -> dt.date:
    """A review confirmed: the next review due date moves one cycle on (from the due date, never from today); a
    ``review_rejected`` hold is lifted, and a ``review_overdue`` one unless the next cycle is overdue too. Returns
    the new due date."""
    certificate = lifecycle.lock_certificate(certificate)
    certificate.reviews_done += 1
    certificate.updated_at = now
    db.session.flush()
    next_due = due.review_due(certificate.first_issued_on, certificate.reviews_done)
    lifecycle.cure(certificate, "review_rejected", actor=actor, now=now, note="审核确认已通过")
    if not due.is_overdue(next_due, now.date()):  # a certificate two cycles behind stays held for the next one
        lifecycle.cure(certificate, "review_overdue", actor=actor, now=now, note="审核确认已通过")
    return next_due


@exam_signals.attempt_graded.connect
def on_attempt_graded(attempt, now: dt.datetime, **_) -> None:
    """An update-test attempt graded (seed 四(二)3; SPEC §2.8): count a pass for the cycle that is due (within the
    enrolment window, overdue or in a makeup window); a first fail opens the makeup window — with the
    ``update_test_failed`` hold only from the due date on, never before it (:func:`hold_due_makeups`); a second fail
    in the window revokes (注销, ``update_test_failed_twice``). Attempts of officers not due change nothing."""
    exam = db.session.get(Exam, attempt.exam_id)
    if exam is None or exam.purpose != "update_test":
        return
    certificate = live_enforcement(attempt.officer_id)
    if certificate is None:
        return
    actor = audit.Actor.system("exam:update_test")
    today = now.date()
    due_on = due.update_test_due(certificate.first_issued_on, certificate.update_tests_done)
    current = open_round(certificate.id)
    if current is None and today < enrol_window_start(due_on):
        return  # not yet due: an early sitting counts for nothing
    started_on = clock.local(attempt.started_at).date()
    if current is not None and current.makeup_until < started_on:
        expire_round(current, actor=actor, now=now)  # the window had ended before this attempt began
        if current.status != "makeup":
            return  # too late: a makeup was offered in the window and not taken
        # no makeup had been offered: the window was extended, and this attempt counts in it
    if attempt.passed:
        certificate = lifecycle.lock_certificate(certificate)
        certificate.update_tests_done += 1
        certificate.updated_at = now
        if current is not None:
            current.status, current.closed_at = "passed", now
        db.session.flush()
        lifecycle.cure(certificate, "update_test_failed", actor=actor, now=now, note="补考已通过")
        next_due = due.update_test_due(certificate.first_issued_on, certificate.update_tests_done)
        if not due.is_overdue(next_due, today):
            lifecycle.cure(certificate, "update_test_overdue", actor=actor, now=now, note="更新测试已通过")
        audit.record(actor, "certificate.update_test_passed", certificate,
                     {"number": certificate.number, "due_on": due_on, "attempt_id": attempt.id}, now=now)
        return
    if current is not None:
        current.status, current.closed_at = "failed", now
        db.session.flush()
        revocation.revoke(certificate, "update_test_failed_twice", actor=actor, now=now, legal_basis=BASIS,
                         note=f"补考（{exam.title}）仍未通过")
        return
    until = today + dt.timedelta(days=policy.get("certificates.makeup_days"))
    db.session.add(UpdateTestRound(certificate_id=certificate.id, due_on=due_on, failed_attempt_id=attempt.id,
                                   failed_at=now, makeup_until=until, status="makeup"))
    db.session.flush()
    if today >= due_on:  # held first: curing the overdue hold alone would tell the officer the card is valid again
        lifecycle.ensure_hold(certificate, "update_test_failed", actor=actor, now=now, legal_basis=BASIS)
        held = "证件暂扣。"
    else:
        held = f"证件在 {cn_date(due_on)}（更新测试到期日）前不受影响，届时仍在补考期内的，证件暂扣至补考通过。"
    lifecycle.cure(certificate, "update_test_overdue", actor=actor, now=now, note="补考期内")
    lifecycle.notify_officer(certificate, "法律知识更新测试未通过，请在补考期内补考",
                             f"证号 {certificate.number} 的法律知识更新测试未通过。请于 {cn_date(until)} 前补考；{held}"
                             "补考仍未通过，或已安排补考而未参加的，证件将予注销。", now, hr=True)


def hold_due_makeups(today: dt.date, *, actor: audit.Actor, now: dt.datetime) -> list[Certificate]:
    """The ``update_test_failed`` hold placed on certificates in a makeup window whose due date has come (a first
    fail during early enrolment holds nothing before the due date, SPEC §2.8); returns those held."""
    held = sa.exists().where(Hold.certificate_id == UpdateTestRound.certificate_id,
                             Hold.reason == "update_test_failed", Hold.lifted_at.is_(None))
    rows = db.session.scalars(sa.select(Certificate).join(UpdateTestRound,
                                                          UpdateTestRound.certificate_id == Certificate.id)
                              .where(UpdateTestRound.status == "makeup", UpdateTestRound.due_on <= today, ~held,
                                     Certificate.status != "revoked")
                              .order_by(Certificate.number)).all()
    return [certificate for certificate in rows
            if lifecycle.ensure_hold(certificate, "update_test_failed", actor=actor, now=now, legal_basis=BASIS)]


def _sitting_under_way(round_: UpdateTestRound, officer_id: int) -> bool:
    """Whether the officer began an update-test attempt inside the window that is not finished yet."""
    return db.session.scalar(sa.select(Attempt.id).join(Exam, Exam.id == Attempt.exam_id).where(
        Attempt.officer_id == officer_id, Attempt.status == "open", grounds.after_first_fail(round_)).limit(1)) is not None


def expire_round(round_: UpdateTestRound, *, actor: audit.Actor, now: dt.datetime) -> Certificate | None:
    """The makeup window ended without a pass. When a makeup sitting was offered within it and not taken, close
    the round and revoke (注销, ``update_test_makeup_missed`` — 未参加补考, never 两次未通过); when none was offered,
    the officer is not to blame: the window is extended by ``certificates.makeup_days`` and the legal offices covering
    the officer's agency are told to schedule one. Returns the certificate revoked, ``None`` otherwise."""
    lock(UpdateTestRound, [round_.id])
    db.session.refresh(round_)
    if round_.status != "makeup":
        return None  # passed (or closed) meanwhile
    certificate = db.session.get(Certificate, round_.certificate_id)
    if _sitting_under_way(round_, certificate.officer_id):
        return None  # a makeup begun inside the window is judged when it is graded
    if certificate.status == "revoked":
        round_.status, round_.closed_at = "failed", now
        db.session.flush()
        return None
    offered = grounds.makeup_offered(round_)
    if offered is None:
        extend_round(round_, certificate, actor=actor, now=now)
        return None
    round_.status, round_.closed_at = "failed", now
    db.session.flush()
    return revocation.revoke(certificate, "update_test_makeup_missed", actor=actor, now=now, legal_basis=BASIS,
                            note=f"补考期至 {cn_date(round_.makeup_until)} 届满，已安排补考“{offered.title}”"
                                 f"（{offered.opens_at:%Y-%m-%d %H:%M} 至 {offered.closes_at:%Y-%m-%d %H:%M}）而未参加")


def extend_round(round_: UpdateTestRound, certificate: Certificate, *, actor: audit.Actor, now: dt.datetime) -> None:
    """No makeup sitting was offered in the window: extend it and ask the legal office for one."""
    before = round_.makeup_until
    round_.makeup_until = now.date() + dt.timedelta(days=policy.get("certificates.makeup_days"))
    round_.extensions += 1
    db.session.flush()
    officer = certificate.officer
    audit.record(actor, "certificate.makeup_extended", certificate,
                 {"number": certificate.number, "extended_from": before, "until": round_.makeup_until}, now=now)
    text = (f"{officer.name}（证号 {certificate.number}）的法律知识更新测试补考期至 {cn_date(before)} 届满，"
            f"期间没有可参加的补考场次，补考期已延长至 {cn_date(round_.makeup_until)}。")
    for user in legal_covering(officer.agency_id):
        notify.user(user, "请安排法律知识更新测试补考", text + "请在此期间安排一场更新测试并为其报名。", "/exams", now=now)
    lifecycle.notify_officer(certificate, "更新测试补考期已延长", text + "补考场次安排后将另行通知。", now,
                             hr=True)


@officer_signals.status_changed.connect
def on_status_changed(officer, actor: audit.Actor, now: dt.datetime, **_) -> None:
    """An officer marked ``left_post`` or ``retired``: their certificates are revoked at once with that reason."""
    if officer.status not in ("left_post", "retired"):
        return
    revoke_for_status(officer.id, officer.status, actor=actor, now=now)


def revoke_for_status(officer_id: int, kind: str, *, actor: audit.Actor, now: dt.datetime) -> list[Certificate]:
    """Revoke the officer's live certificates (enforcement last, so the presider's hold is not placed first)."""
    live = db.session.scalars(sa.select(Certificate).where(
        Certificate.officer_id == officer_id, Certificate.status != "revoked")
        .order_by(Certificate.type.desc())).all()
    return [revocation.revoke(certificate, kind, actor=actor, now=now) for certificate in live]
