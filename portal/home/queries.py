"""The read queries of the home pages: what each role's home page counts and lists, within the user's scope
(the officer's certificates; officers, certificates, bodies, exams and complaints for HR and legal; accounts, the
audit log, the scheduler, jobs and the outbox for admin). Reads only: the views call these and render.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from certificates import due
from certificates.applications.models import Application
from certificates.cycle_models import Review
from certificates.models import Certificate
from certificates.proposal_models import Proposal
from certificates.reviews import listing as reviews
from exams.papers.models import Exam
from portal import audit, background, clock, notify
from portal.auth.access import scope_condition, scoped_agencies
from portal.auth.models import User
from portal.complaints import rules as complaint_rules
from portal.complaints.models import CLOSED, Complaint
from portal.extensions import db
from portal.officers.models import Officer
from portal.orgs.models import Agency


def officer_certificates(officer_id: int, today):
    """The officer's live certificates with their due dates (a presider's follow the enforcement certificate)."""
    live = db.session.scalars(sa.select(Certificate).where(
        Certificate.officer_id == officer_id, Certificate.status != "revoked").order_by(Certificate.type)).all()
    enforcement = next((c for c in live if c.type == "enforcement"), None)
    return [(c, due.dues(c, today, enforcement)) for c in live]


def proposals_to_answer(officer_id: int, today: dt.date) -> list[Proposal]:
    """The officer's proposed revocations still open to their statement (SPEC §2.7)."""
    return list(db.session.scalars(sa.select(Proposal).join(Certificate, Certificate.id == Proposal.certificate_id)
                                   .where(Certificate.officer_id == officer_id, Proposal.status == "open",
                                          ~Proposal.heard_condition(today))))


def certificate_counts(user) -> dict:
    """Pending applications, suspended certificates, proposed revocations (open, and ready for a decision) and
    reviews in scope."""
    pending = db.session.scalar(sa.select(sa.func.count()).select_from(Application).where(
        Application.status == "pending", scope_condition(user, Application.agency_id)))
    suspended = db.session.scalar(sa.select(sa.func.count()).select_from(Certificate).where(
        Certificate.status == "suspended", scope_condition(user, Certificate.agency_id)))
    lines = reviews.due_list(user, clock.today())
    proposals = db.session.execute(sa.select(
        sa.func.count(), sa.func.count().filter(Proposal.heard_condition(clock.today())))
        .select_from(Proposal).join(Certificate, Certificate.id == Proposal.certificate_id)
        .where(Proposal.status == "open", scope_condition(user, Certificate.agency_id))).one()
    return {"pending_applications": pending, "suspended": suspended,
            "proposals_open": proposals[0], "proposals_to_decide": proposals[1],
            "reviews_to_submit": sum(line.state in ("none", "rejected") for line in lines),
            "reviews_to_decide": db.session.scalar(sa.select(sa.func.count()).select_from(Review).join(
                Certificate, Certificate.id == Review.certificate_id).where(
                Review.status == "submitted", Certificate.status != "revoked",
                scope_condition(user, Review.agency_id)))}


def officer_counts(condition):
    on_duty = Officer.status == "on_duty"
    has_account = sa.exists().where(User.officer_id == Officer.id)
    row = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(on_duty),
            sa.func.count().filter(on_duty, Officer.has_photo.is_(False)),
            sa.func.count().filter(on_duty, ~has_account),
        ).select_from(Officer).where(condition)
    ).one()
    return {"total": row[0], "on_duty": row[1], "no_photo": row[2], "no_account": row[3]}


def recent_officers(condition, limit: int = 8) -> list[Officer]:
    """The officers matching ``condition`` most recently changed, newest first."""
    return db.session.scalars(
        sa.select(Officer).where(condition).order_by(Officer.updated_at.desc()).limit(limit)
    ).all()


def officers_per_agency(condition) -> list:
    """On-duty officers per agency, largest first: rows of (short name, count)."""
    return db.session.execute(
        sa.select(Agency.short_name, sa.func.count(Officer.id))
        .join(Officer, Officer.agency_id == Agency.id)
        .where(condition, Officer.status == "on_duty")
        .group_by(Agency.id, Agency.short_name)
        .order_by(sa.func.count(Officer.id).desc(), Agency.short_name)
    ).all()


def body_counts(user, today: dt.date) -> tuple[dict[str, int], int]:
    """The enforcement bodies in scope by qualification status, and how many of them are valid ``today``."""
    agencies = scoped_agencies(user)
    bodies = {"confirmed": 0, "pending": 0, "cancelled": 0}
    valid = 0
    for agency in agencies:
        if agency.kind in ("government", "authorized", "township"):
            bodies[agency.qualification_status] += 1
            valid += agency.is_valid_body(today)
    return bodies, valid


def open_exam_count(user, now: dt.datetime) -> int:
    """Published exams in scope open at ``now``."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Exam).where(
        scope_condition(user, Exam.agency_id), Exam.status == "published", Exam.opens_at <= now,
        Exam.closes_at > now))


def open_complaint_counts(user, today: dt.date) -> tuple[int, int]:
    """Complaints, praise and reports the account handles not closed yet, and how many of them are past their
    deadline (one aggregate)."""
    return tuple(db.session.execute(sa.select(
        sa.func.count(), sa.func.count().filter(Complaint.due_on < today)).where(
        complaint_rules.visible_condition(user), Complaint.status.not_in(CLOSED))).one())


def accounts_per_role() -> dict[str, int]:
    """How many accounts each role has."""
    return dict(db.session.execute(sa.select(User.role, sa.func.count()).group_by(User.role)).all())


def locked_accounts(now: dt.datetime) -> list[User]:
    """Accounts locked out at ``now``, the first to unlock first."""
    return db.session.scalars(
        sa.select(User).where(User.locked_until > now).order_by(User.locked_until)
    ).all()


def recent_audit_entries(limit: int = 10) -> list[audit.AuditEntry]:
    """The last entries of the audit log, newest first."""
    return db.session.scalars(sa.select(audit.AuditEntry).order_by(audit.AuditEntry.id.desc()).limit(limit)).all()


def agency_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Agency))


def scheduler_states() -> dict:
    """Each scheduled job's (and the heartbeat's) state row, by name."""
    return {s.name: s for s in db.session.scalars(sa.select(background.SchedulerState)).all()}


def recent_jobs(limit: int = 8) -> list[background.Job]:
    """The last background jobs, newest first."""
    return db.session.scalars(sa.select(background.Job).order_by(background.Job.id.desc()).limit(limit)).all()


def outbox_counts() -> dict[str, int]:
    """Mail not delivered yet, by its state (pending, sending, failed)."""
    return dict(db.session.execute(
        sa.select(notify.Notification.email_status, sa.func.count())
        .where(notify.Notification.email_status.in_(("pending", "sending", "failed")))
        .group_by(notify.Notification.email_status)).all())
