"""The two-year review 审核确认 (SPEC §2.8): HR's submission, and the legal office's decision (one by one, or as the
batch job ``certificate_reviews``). The period, its facts and the recommendation are judged in
:mod:`certificates.reviews.period`; who is due is listed by :mod:`certificates.reviews.listing`.

A review may be submitted from 60 days before its due date (the list's horizon) and any time after it. One open
(``submitted``) review per certificate: a partial unique index backs the check under concurrency.

Confirm → :func:`certificates.cycles.complete_review` (the next due date one cycle on from the previous due date;
``review_overdue`` and ``review_rejected`` holds lifted). Reject (a reason required) → the ``review_rejected``
hold; the legal office may later revoke with ``review_rejected_final`` on the certificate page. Each decision
notifies the officer and the agency's HR; every submission and decision is audited; the review row is locked so
two decisions cannot both win.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from certificates import batch, cycles, due, lifecycle, numbering
from certificates.cycle_models import Review
from certificates.models import Certificate
from certificates.reviews.period import assess
from portal import audit, notify, transaction
from portal.auth.access import in_scope
from portal.auth.models import User
from portal.errors import DomainError
from portal.extensions import db
from portal.templating import cn_date

JOB_KIND = "certificate_reviews"
#: the legal basis of the review and of the ``review_rejected`` hold
BASIS = "威政办发〔2016〕3号 四（二）3"
NOTE_MAX = 500
REASON_MAX = batch.REASON_MAX


# ---------------------------------------------------------------- submission

def certificate_by_number(user: User, text: str) -> Certificate | None:
    """The certificate of ``text`` if the number is well formed, exists and lies in ``user``'s scope."""
    try:
        number = numbering.parse(text or "")
    except DomainError:
        return None
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
    if certificate is None or not in_scope(user, certificate.agency_id):
        return None
    return certificate


def open_review(certificate_id: int) -> Review | None:
    """The certificate's submitted review awaiting the legal office, if any."""
    return db.session.scalar(sa.select(Review).where(Review.certificate_id == certificate_id,
                                                     Review.status == "submitted"))


def history(certificate_id: int) -> list[Review]:
    """Every review of a certificate, newest first."""
    return list(db.session.scalars(sa.select(Review).where(Review.certificate_id == certificate_id)
                                   .order_by(Review.submitted_at.desc(), Review.id.desc())))


def refusal(certificate: Certificate, today: dt.date) -> DomainError | None:
    """Why no review may be submitted for ``certificate`` now (``None`` when one may)."""
    if certificate.type != "enforcement":
        return DomainError.conflict("no_cycles", "听证主持人资格证没有单独的审核确认，随所持行政执法证办理")
    if certificate.status == "revoked":
        return DomainError.conflict("certificate_revoked", f"证件已{certificate.revocation_word}，无需审核确认")
    due_on = due.review_due(certificate.first_issued_on, certificate.reviews_done)
    if not due.is_overdue(due_on, today) and not due.is_due_soon(due_on, today):
        return DomainError.conflict("not_due", f"审核确认于 {cn_date(due_on)} 到期，到期前 {due.SOON_DAYS} 天内方可提交")
    current = open_review(certificate.id)
    if current is not None:
        return DomainError.conflict("review_open", f"该证件已有待法制机构确认的审核（{cn_date(current.submitted_at)} 提交），"
                                        "不能重复提交")
    return None


def submit(actor: audit.Actor, user: User, certificate: Certificate, note: str, now: dt.datetime) -> Review:
    """HR submits the review of ``certificate``'s next due date with the facts gathered now (not as typed).

    :param user: the submitting account; the certificate must lie in its scope (404).
    :param note: HR's note to the legal office (optional, ≤ 500 characters).
    Refuses (409) a presider or revoked certificate, a due date more than 60 days away, and a second open review.
    """
    if not in_scope(user, certificate.agency_id):
        raise DomainError("not_found", "未找到该证件", status=404)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError.invalid_field("note", f"说明不能超过 {NOTE_MAX} 个字")
    certificate = lifecycle.lock_certificate(certificate)
    today = now.date()
    refused = refusal(certificate, today)
    if refused is not None:
        raise refused
    judged = assess(certificate, today)
    row = Review(certificate_id=certificate.id, officer_id=certificate.officer_id, agency_id=certificate.agency_id,
                 due_on=judged.due_on, period_start=judged.period_start, period_end=judged.period_end,
                 status="submitted", facts=judged.facts, recommendation=judged.recommendation,
                 criteria=[rule.as_dict() for rule in judged.criteria], note=note or None,
                 submitted_by=actor.user_id, submitted_by_label=actor.shown, submitted_at=now)
    try:
        with transaction.savepoint():
            db.session.add(row)
    except sa.exc.IntegrityError:
        raise DomainError.conflict("review_open", "该证件已有待法制机构确认的审核，不能重复提交") from None
    audit.record(actor, "certificate_review.submit", row,
                 {"number": certificate.number, "due_on": judged.due_on, "recommendation": judged.recommendation,
                  "failed": [rule.code for rule in judged.failed]}, now=now)
    return row


# ---------------------------------------------------------------- decisions

def _lock(review: Review) -> Review:
    from portal.locks import lock

    lock(Review, [review.id])
    db.session.refresh(review)
    return review


def _pending(review: Review) -> None:
    if review.status != "submitted":
        raise DomainError.conflict("review_decided", f"该审核已{review.status_label}（{review.decided_by_label}，"
                                          f"{cn_date(review.decided_at)}），不能再处理")


def _tell(review: Review, title: str, body: str, now: dt.datetime) -> None:
    notify.agency_hr(review.agency_id, title, body, f"/reviews/{review.id}", now=now)
    notify.officer(review.officer_id, title, body, "/me/certificates", now=now)


def _decided(review: Review, actor: audit.Actor, now: dt.datetime, status: str, reason: str | None = None) -> None:
    review.status, review.decision_reason = status, reason
    review.decided_by, review.decided_by_label, review.decided_at = actor.user_id, actor.shown, now


def confirm(actor: audit.Actor, user: User, review: Review, now: dt.datetime, *,
            only_recommended: bool = False) -> dt.date:
    """The legal office confirms: the next due date moves one cycle on from the review's due date and the
    ``review_overdue`` / ``review_rejected`` holds are lifted. Returns the new due date.

    :param only_recommended: refuse a review the system recommended failing (the batch job's rule: such a
        review is confirmed one by one, after reading it).
    """
    if not in_scope(user, review.agency_id):
        raise DomainError("not_found", "未找到该审核", status=404)
    review = _lock(review)
    _pending(review)
    if only_recommended and review.recommendation != "pass":
        raise DomainError.conflict("not_recommended", "系统建议不通过的审核须在审核页面逐项确认，不能批量确认")
    certificate = lifecycle.lock_certificate(review.certificate)
    if certificate.status == "revoked":
        raise DomainError.conflict("certificate_revoked", f"证件已{certificate.revocation_word}，不能确认审核")
    current = due.review_due(certificate.first_issued_on, certificate.reviews_done)
    if current != review.due_on:
        raise DomainError.conflict("cycle_moved", f"该证件的审核确认到期日已变为 {cn_date(current)}，本审核不再适用，请重新提交")
    next_due = cycles.complete_review(certificate, actor=actor, now=now)
    _decided(review, actor, now, "confirmed")
    db.session.flush()
    audit.record(actor, "certificate_review.confirm", review,
                 {"number": certificate.number, "due_on": review.due_on, "next_due_on": next_due,
                  "recommendation": review.recommendation}, now=now)
    _tell(review, f"{review.officer.name}的审核确认已通过",
          f"证号 {certificate.number} 的审核确认（{cn_date(review.due_on)} 到期）已由法制机构确认通过；"
          f"下次审核确认于 {cn_date(next_due)} 到期。", now)
    return next_due


def reject(actor: audit.Actor, user: User, review: Review, reason: str, now: dt.datetime) -> Review:
    """The legal office rejects with a reason (required): the certificate gets the ``review_rejected`` hold, lifted
    only when a later review of the cycle is confirmed; revocation (``review_rejected_final``) is a separate step on
    the certificate page."""
    if not in_scope(user, review.agency_id):
        raise DomainError("not_found", "未找到该审核", status=404)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError.invalid_field("reason", "不予确认须写明理由")
    if len(reason) > REASON_MAX:
        raise DomainError.invalid_field("reason", f"理由不能超过 {REASON_MAX} 个字")
    review = _lock(review)
    _pending(review)
    certificate = lifecycle.lock_certificate(review.certificate)
    if certificate.status == "revoked":
        raise DomainError.conflict("certificate_revoked", f"证件已{certificate.revocation_word}，无需再作审核决定")
    _decided(review, actor, now, "rejected", reason)
    db.session.flush()
    held = lifecycle.ensure_hold(certificate, "review_rejected", actor=actor, now=now, legal_basis=BASIS)
    audit.record(actor, "certificate_review.reject", review,
                 {"number": certificate.number, "due_on": review.due_on, "reason": reason,
                  "hold_id": held.id if held is not None else None}, now=now)
    _tell(review, f"{review.officer.name}的审核确认未通过",
          f"证号 {certificate.number} 的审核确认（{cn_date(review.due_on)} 到期）未获法制机构确认，证件暂扣。"
          f"理由：{reason}。依据：{BASIS}。本人可在“我的证件”中提交书面陈述申辩。", now)
    return review


# ---------------------------------------------------------------- the batch job

def _decide(actor: audit.Actor, user: User, review: Review, decision: str, reason: str,
            now: dt.datetime) -> None:
    """One review of a batch: a review the system recommends failing is confirmed one by one, never in a batch."""
    if decision == "confirm":
        confirm(actor, user, review, now, only_recommended=True)
    else:
        reject(actor, user, review, reason, now)


#: legal's batch decision of submitted reviews (:mod:`certificates.batch`; registered by ``certificates.jobs``)
BATCH = batch.Batch(
    kind=JOB_KIND, model=Review, open_status="submitted", noun="审核", title="审核确认",
    yes=("confirm", "确认通过"), no=("reject", "不予确认"), decide=_decide,
    detail=("reviews.detail", "review_id"), listing=("reviews.index", {"state": "submitted"}),
    job_endpoint="reviews.batch_job")
