"""Applying for a certificate and deciding applications, one by one or as a batch job (SPEC §2.7, §2.9).

HR applies for an officer in its scope; the legal office decides applications in its scope. Approval checks the
eligibility rules again on the day of the decision (a rule may have changed since the application) and issues
the certificate; rejection needs a reason. Each decision notifies the applicant's HR and the officer.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from certificates import authority, batch, eligibility, lifecycle
from certificates.applications.models import Application
from certificates.models import TYPES, Certificate
from portal import audit, notify, transaction
from portal.auth.access import in_scope, scope_condition
from portal.auth.models import User
from portal.errors import DomainError
from portal.extensions import db
from portal.officers.models import Officer

JOB_KIND = "certificate_decisions"
REASON_MAX = batch.REASON_MAX
REGION_MAX = 100


def apply(actor: audit.Actor, user: User, officer: Officer, type: str, categories: list[str],  # noqa: A002
          region: str, note: str, now: dt.datetime) -> Application:
    """HR's application for ``officer`` (in ``user``'s scope); refuses a second pending one of the type.

    :param categories: the enforcement categories of the scope asked for (each one of the officer's).
    :param region: the area of enforcement (default: the officer's region).
    """
    if not in_scope(user, officer.agency_id):
        raise DomainError("not_found", "未找到该执法人员", status=404)
    if type not in TYPES:
        raise DomainError.invalid_field("type", "请选择证件类型")
    categories = [c for c in dict.fromkeys(c.strip() for c in categories) if c]
    if not categories:
        raise DomainError.invalid_field("categories", "请至少选择一个执法类别")
    unknown = [c for c in categories if c not in officer.categories]
    if unknown:
        raise DomainError.invalid_field("categories", f"执法类别“{'、'.join(unknown)}”不在该人员的执法类别中，请先更新人员信息")
    region = (region or "").strip() or officer.region
    if len(region) > REGION_MAX:
        raise DomainError.invalid_field("region", f"执法区域不能超过 {REGION_MAX} 个字")
    note = (note or "").strip()
    if len(note) > REASON_MAX:
        raise DomainError.invalid_field("note", f"说明不能超过 {REASON_MAX} 个字")
    pending = db.session.scalar(sa.select(Application.id).where(
        Application.officer_id == officer.id, Application.type == type, Application.status == "pending"))
    if pending:
        raise DomainError("application_pending", f"{officer.name}已有待审核的{TYPES[type]}申请", status=409)
    row = Application(officer_id=officer.id, type=type, agency_id=officer.agency_id, categories=categories,
                      region=region, status="pending", applied_by=actor.user_id, applied_by_label=actor.shown,
                      applied_at=now, note=note or None)
    try:
        with transaction.savepoint():  # two clerks at once: the partial unique index decides
            db.session.add(row)
    except IntegrityError:
        raise DomainError("application_pending", f"{officer.name}已有待审核的{TYPES[type]}申请", status=409) from None
    audit.record(actor, "certificate_application.create", row,
                 {"officer_id": officer.id, "type": type, "categories": categories, "region": region}, now=now)
    return row


def _pending(application: Application) -> None:
    if application.status != "pending":
        raise DomainError("application_decided", f"该申请{application.status_label}，不能再处理", status=409)


def _lock(application: Application) -> Application:
    from portal.locks import lock

    lock(Application, [application.id])
    db.session.refresh(application)
    return application


def _tell(application: Application, title: str, body: str, now: dt.datetime) -> None:
    notify.agency_hr(application.agency_id, title, body, f"/certificates/applications/{application.id}", now=now)
    notify.officer(application.officer_id, title, body, "/me/certificates", now=now)


def approve(actor: audit.Actor, user: User, application: Application, now: dt.datetime) -> Certificate:
    """Approve: the rules are checked again on ``now``'s date; every one must pass (422 names those that fail);
    the certificate is issued with the scope applied for."""
    if not in_scope(user, application.agency_id):
        raise DomainError("not_found", "未找到该申请", status=404)
    application = _lock(application)
    _pending(application)
    officer = application.officer
    if officer.agency_id != application.agency_id:
        raise DomainError("officer_moved", f"{officer.name}已调至{officer.agency.name}，请由新单位重新申请", status=409)
    result = eligibility.check(officer, application.type, now.date())
    if not result.ok:
        raise DomainError("not_eligible", f"不符合申领条件：{result.summary()}", status=422,
                          items=[{"field": rule.code, "message": f"{rule.label}：{rule.why}"}
                                 for rule in result.failed])
    certificate = lifecycle.issue(officer, application.type, application.categories, application.region,
                                  actor=actor, now=now)
    # issued under an agreement filed and not yet announced: held (委托终止) until it is in force
    authority.follow_certificate(certificate, actor=actor, now=now)
    application.status, application.certificate_id = "approved", certificate.id
    application.decided_by, application.decided_by_label, application.decided_at = (
        actor.user_id, actor.shown, now)
    application.eligibility = [rule.as_dict() for rule in result.rules]
    db.session.flush()
    audit.record(actor, "certificate_application.approve", application,
                 {"officer_id": officer.id, "number": certificate.number}, now=now)
    _tell(application, f"{officer.name}的{application.type_label}申请已批准",
          f"证号 {certificate.number}，发证日期 {now:%Y-%m-%d}。", now)
    return certificate


def reject(actor: audit.Actor, user: User, application: Application, reason: str, now: dt.datetime) -> Application:
    """Reject with a reason (required), which HR and the officer are told."""
    if not in_scope(user, application.agency_id):
        raise DomainError("not_found", "未找到该申请", status=404)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError.invalid_field("reason", "不予批准须写明理由")
    if len(reason) > REASON_MAX:
        raise DomainError.invalid_field("reason", f"理由不能超过 {REASON_MAX} 个字")
    application = _lock(application)
    _pending(application)
    result = eligibility.check(application.officer, application.type, now.date())
    application.status, application.decision_reason = "rejected", reason
    application.decided_by, application.decided_by_label, application.decided_at = (
        actor.user_id, actor.shown, now)
    application.eligibility = [rule.as_dict() for rule in result.rules]
    db.session.flush()
    audit.record(actor, "certificate_application.reject", application,
                 {"officer_id": application.officer_id, "reason": reason}, now=now)
    _tell(application, f"{application.officer.name}的{application.type_label}申请未获批准", f"理由：{reason}", now)
    return application


def withdraw(actor: audit.Actor, user: User, application: Application, now: dt.datetime) -> Application:
    """HR withdraws a pending application of its own scope."""
    if not in_scope(user, application.agency_id):
        raise DomainError("not_found", "未找到该申请", status=404)
    application = _lock(application)
    _pending(application)
    application.status = "withdrawn"
    application.decided_by, application.decided_by_label, application.decided_at = (
        actor.user_id, actor.shown, now)
    db.session.flush()
    audit.record(actor, "certificate_application.withdraw", application, {"officer_id": application.officer_id},
                 now=now)
    return application


def pending_in_scope(user):
    """A SELECT of the pending applications in ``user``'s scope, oldest first."""
    return (sa.select(Application).where(Application.status == "pending",
                                         scope_condition(user, Application.agency_id))
            .order_by(Application.applied_at, Application.id))


def _decide(actor: audit.Actor, user: User, application: Application, decision: str, reason: str,
            now: dt.datetime) -> str | None:
    if decision == "approve":
        return approve(actor, user, application, now).number
    reject(actor, user, application, reason, now)
    return None


#: legal's batch decision of pending applications (:mod:`certificates.batch`; registered by ``certificates.jobs``)
BATCH = batch.Batch(
    kind=JOB_KIND, model=Application, open_status="pending", noun="申请", title="证件申请",
    yes=("approve", "批准"), no=("reject", "不予批准"), decide=_decide,
    detail=("applications.detail", "application_id"), listing=("applications.index", {}),
    job_endpoint="applications.batch_job")
