"""The two-year review 审核确认 (SPEC §2.8): who is due, the facts of the period and the recommendation, HR's
submission, and the legal office's decision (one by one, or as the batch job ``certificate_reviews``).

**The period** of a review is the two years before its due date: ``anniversary(due_on, -2)`` … ``due_on − 1``
(29 February → 28 February, as everywhere). The facts are gathered on the day of submission, so the stored
``period_end`` is the day before the due date or, for a review submitted early, today.

**Facts and criteria** (each criterion listed with pass/fail and its facts, as the issuance rules are):

* *training* — the period requirement (``requirements.check(officer, "period", due_on)``). It is measured on the
  due date itself, so its window is exactly the review period whether the review is submitted early or late:
  records cannot be dated in the future, so an early submission counts the hours to date; training made up
  after the due date belongs to the next period and does not count here (legal may still confirm).
* *grades* — the routine-assessment grades of the quarters that end within the period (eight quarters a
  period; a quarter is never counted in two periods); none may be 较差. A quarter not fully scored is listed
  as such and fails nothing.
* *complaints* — complaints substantiated by the legal office about things that happened in the period, fewer
  than ``certificates.review_max_complaints`` *(default 2)* (SPEC §2.10).
* *disciplinary* — no open ``disciplinary`` hold on the certificate.

The recommendation is ``pass`` when every criterion passes, else ``fail``; it advises, the legal office decides.
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
from dataclasses import dataclass

import sqlalchemy as sa

from certificates import batch, cycles, due, lifecycle, numbering
from certificates.eligibility import Rule
from certificates.models import Certificate, Hold, Review
from portal import audit, notify, policy
from portal.assessment import grading
from portal.assessment import services as assessment
from portal.auth.access import in_scope, scope_condition
from portal.auth.models import User
from portal.complaints import services as complaint_services
from portal.dates import anniversary
from portal.errors import DomainError
from portal.extensions import db
from portal.officers import idcard
from portal.officers.models import Officer
from portal.orgs.models import Agency
from portal.templating import cn_date
from portal.training import requirements

policy.define("certificates.review_max_complaints", "审核确认：查实投诉件数上限（少于此数方可建议通过）", "int", 2,
              lifecycle.SECTION, minimum=1, maximum=100, unit="件",
              help="两年审核周期内查实的投诉少于此数，方可建议审核确认通过。")

JOB_KIND = "certificate_reviews"
#: the legal basis of the review and of the ``review_rejected`` hold
BASIS = "威政办发〔2016〕3号 四（二）3"
NOTE_MAX = 500
REASON_MAX = batch.REASON_MAX
#: what the list calls the state of the current cycle's review
STATES = {"none": "未提交", "submitted": "已提交，待法制机构确认", "rejected": "未通过"}


# ---------------------------------------------------------------- the period, its facts and the recommendation

def period_of(due_on: dt.date, today: dt.date) -> tuple[dt.date, dt.date]:
    """The review period of ``due_on`` as far as it has run on ``today``: its first day and ``min(due − 1, today)``."""
    start = anniversary(due_on, -2)
    return start, max(start, min(due_on - dt.timedelta(days=1), today))


def _quarters_ending_within(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    """The ``(year, quarter)`` pairs whose last day lies in ``start`` … ``end``."""
    out = []
    for year in range(start.year, end.year + 1):
        for quarter in range(1, 5):
            last = (dt.date(year + (quarter == 4), quarter * 3 % 12 + 1, 1) - dt.timedelta(days=1))
            if start <= last <= end:
                out.append((year, quarter))
    return out


@dataclass(frozen=True)
class Assessment:
    """The facts of a certificate's review period, judged: what HR submits and legal reads."""

    certificate_id: int
    due_on: dt.date
    period_start: dt.date
    period_end: dt.date
    facts: dict
    criteria: tuple[Rule, ...]

    @property
    def recommendation(self) -> str:
        return "pass" if all(rule.ok for rule in self.criteria) else "fail"

    @property
    def running(self) -> bool:
        """True while the period has not run its full course (submitted before the due date's eve)."""
        return self.period_end < self.due_on - dt.timedelta(days=1)

    @property
    def failed(self) -> list[Rule]:
        return [rule for rule in self.criteria if not rule.ok]


def _hours(value: float) -> str:
    return f"{value:g}"


def assess(certificate: Certificate, today: dt.date) -> Assessment:
    """The facts of the period of ``certificate``'s next review due date, and each criterion of the recommendation
    with pass/fail and why (a handful of queries)."""
    due_on = due.review_due(certificate.first_issued_on, certificate.reviews_done)
    start, end = period_of(due_on, today)
    training = requirements.check(certificate.officer_id, "period", due_on)
    quarters = _quarters_ending_within(start, due_on - dt.timedelta(days=1))
    results = assessment.quarter_results([certificate.officer_id], quarters).get(certificate.officer_id, {})
    grades = []
    for key in quarters:
        result = results.get(key)
        grades.append({"year": key[0], "quarter": key[1], "label": assessment.quarter_label(*key),
                       "total": None if result is None or result.total is None else str(result.total),
                       "grade": None if result is None else result.grade,
                       "grade_label": "" if result is None else result.grade_label,
                       "state": "none" if result is None else ("graded" if result.complete else "incomplete")})
    holds = db.session.scalars(sa.select(Hold).where(Hold.certificate_id == certificate.id, Hold.lifted_at.is_(None))
                               .order_by(Hold.placed_at, Hold.id)).all()
    limit = policy.get("certificates.review_max_complaints")
    complaints = complaint_services.substantiated_count(certificate.officer_id, start, end)
    facts = {
        "as_of": today.isoformat(),
        "training": {"start": training.start.isoformat(), "end": training.end.isoformat(), "met": training.met,
                     "parts": [{"code": p.code, "label": p.label, "have": p.have, "need": p.need, "met": p.met}
                               for p in training.parts]},
        "grades": grades,
        "complaints": {"substantiated": complaints, "limit": limit, "counted": True},
        "holds": [{"id": h.id, "reason": h.reason, "label": h.reason_label, "placed_on": h.placed_at.date().isoformat(),
                   "legal_basis": h.legal_basis, "system": h.is_system} for h in holds],
    }

    criteria = []
    window = f"{cn_date(training.start)}至{cn_date(training.end)}"
    if training.met:
        why = f"{window}共 {_hours(training.total.have)} 学时（" + "，".join(
            f"{p.label} {_hours(p.have)}/{_hours(p.need)}" for p in training.categories) + "），符合要求"
    else:
        why = f"{window}共 {_hours(training.total.have)} 学时：{training.describe_unmet()}"
    criteria.append(Rule("training", "完成审核周期培训要求", training.met, why))

    poor = [g for g in grades if g["grade"] == "poor"]
    graded = [g for g in grades if g["state"] == "graded"]
    if poor:
        why = "、".join(f"{g['label']}为“{grading.grade_label('poor')}”（{g['total']} 分）" for g in poor)
    elif graded:
        why = f"{len(graded)} 个季度有考核等次，无“较差”" + (
            f"；{len(grades) - len(graded)} 个季度未考核或未评完" if len(graded) < len(grades) else "")
    else:
        why = "本周期内没有已评定的平时考核等次"
    criteria.append(Rule("grades", "平时考核无“较差”等次", not poor, why))

    criteria.append(Rule("complaints", f"查实投诉少于 {limit} 件", complaints < limit,
                         f"{cn_date(start)}至{cn_date(end)}发生、经查实的投诉 {complaints} 件"))

    disciplinary = [h for h in holds if h.reason == "disciplinary"]
    criteria.append(Rule("disciplinary", "无未解除的纪律处分暂扣", not disciplinary,
                         "无纪律处分暂扣" if not disciplinary else
                         "；".join(f"{cn_date(h.placed_at)}因纪律处分暂扣（{h.legal_basis}）" for h in disciplinary)))
    return Assessment(certificate.id, due_on, start, end, facts, tuple(criteria))


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
        with db.session.begin_nested():
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
    account = db.session.scalar(sa.select(User).where(User.officer_id == review.officer_id, User.active.is_(True)))
    if account is not None:
        notify.user(account, title, body, "/me/certificates", now=now)


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


# ---------------------------------------------------------------- the due list

@dataclass(frozen=True)
class Line:
    """One certificate of the due list with its review state."""

    certificate_id: int
    number: str
    officer_id: int
    name: str
    masked_id_number: str
    agency_id: int
    agency: str
    status: str
    due_on: dt.date
    css: str
    note: str
    state: str
    review_id: int | None
    recommendation: str | None

    @property
    def state_label(self) -> str:
        return STATES[self.state]


def due_list(user: User, today: dt.date, *, agency: Agency | None = None, state: str = "",
             q: str = "") -> list[Line]:
    """Live enforcement certificates in ``user``'s scope whose next review is due within 60 days or overdue,
    most overdue first, with the state of the current cycle's review. Two queries whatever the scope's size: the
    certificates (the due dates are computed here from ``first_issued_on`` and ``reviews_done``) and the open or
    rejected reviews."""
    horizon = today + dt.timedelta(days=due.SOON_DAYS)
    # the first due date is the second anniversary of the first issue: anything issued later is not due yet
    bound = anniversary(horizon, -due.REVIEW_YEARS) + dt.timedelta(days=1)
    condition = sa.and_(Certificate.type == "enforcement", Certificate.status != "revoked",
                        Certificate.first_issued_on <= bound, scope_condition(user, Certificate.agency_id))
    if agency is not None:
        condition = sa.and_(condition, Certificate.agency_id.in_(
            sa.select(Agency.id).where(Agency.path.startswith(agency.path, autoescape=True))))
    q = (q or "").strip()[:40]
    if q:
        condition = sa.and_(condition, Officer.name.contains(q, autoescape=True))
    rows = db.session.execute(
        sa.select(Certificate.id, Certificate.number, Certificate.first_issued_on, Certificate.reviews_done,
                  Certificate.status, Certificate.officer_id, Officer.name, Officer.id_number, Certificate.agency_id,
                  Agency.short_name)
        .join(Officer, Officer.id == Certificate.officer_id).join(Agency, Agency.id == Certificate.agency_id)
        .where(condition)).all()
    dues = {row.id: due.review_due(row.first_issued_on, row.reviews_done) for row in rows}
    rows = [row for row in rows if dues[row.id] <= horizon]
    if not rows:
        return []
    reviews: dict[int, tuple] = {}
    ids = sa.select(Certificate.id).join(Officer, Officer.id == Certificate.officer_id).where(condition)
    for review in db.session.execute(
            sa.select(Review.id, Review.certificate_id, Review.due_on, Review.status, Review.recommendation)
            .where(Review.certificate_id.in_(ids), Review.status.in_(("submitted", "rejected")))
            .order_by(Review.submitted_at, Review.id)):
        if review.due_on != dues.get(review.certificate_id):
            continue
        known = reviews.get(review.certificate_id)
        if known is None or known.status != "submitted":  # the open one wins, else the latest rejection
            reviews[review.certificate_id] = review
    lines = []
    for row in rows:
        review = reviews.get(row.id)
        line_state = review.status if review is not None else "none"
        if state and line_state != state:
            continue
        lines.append(Line(row.id, row.number, row.officer_id, row.name, idcard.mask(row.id_number), row.agency_id,
                          row.short_name, row.status, dues[row.id], due.css_class(dues[row.id], today),
                          due.describe(dues[row.id], today), line_state,
                          review.id if review is not None else None,
                          review.recommendation if review is not None else None))
    lines.sort(key=lambda line: (line.due_on, line.agency, line.name.encode("gb18030", errors="replace"),
                                 line.certificate_id))
    return lines


def history(certificate_id: int) -> list[Review]:
    """Every review of a certificate, newest first."""
    return list(db.session.scalars(sa.select(Review).where(Review.certificate_id == certificate_id)
                                   .order_by(Review.submitted_at.desc(), Review.id.desc())))


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
