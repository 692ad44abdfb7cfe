"""The records of the review and update-test cycles (SPEC §2.8): a two-year review 审核确认 (``Review``), a failed
update test's makeup window (``UpdateTestRound``) and each reminder sent for a due date (``Reminder``).

The due dates themselves are not stored: :mod:`certificates.due` computes them from the certificate's
``first_issued_on`` and the cycles it has completed.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certificates.models import Certificate, _in
from portal.columns import LocalDateTime
from portal.extensions import db

REVIEW_STATUSES = {"submitted": "待法制机构确认", "confirmed": "已确认", "rejected": "未通过"}


class Review(db.Model):
    """A two-year review 审核确认 of one certificate for one due date: HR submits it with the facts of the period
    and the system's recommendation; the legal office confirms or rejects it."""

    __tablename__ = "certificate_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id", ondelete="CASCADE"), index=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"), index=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    #: the review due date this review answers (the cycle), and the period it looks back on
    due_on: Mapped[dt.date] = mapped_column(sa.Date)
    period_start: Mapped[dt.date] = mapped_column(sa.Date)
    period_end: Mapped[dt.date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(10), default="submitted", index=True)
    #: the facts of the period as pre-filled at submission, and the recommendation's criteria
    facts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    recommendation: Mapped[str] = mapped_column(sa.String(4))
    criteria: Mapped[list] = mapped_column(sa.JSON, default=list)
    note: Mapped[str | None] = mapped_column(sa.Text)
    submitted_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    submitted_by_label: Mapped[str] = mapped_column(sa.String(80))
    submitted_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_by_label: Mapped[str | None] = mapped_column(sa.String(80))
    decided_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)

    certificate: Mapped[Certificate] = relationship()
    officer = relationship("Officer", lazy="joined", innerjoin=True)
    agency = relationship("Agency", lazy="joined", innerjoin=True)

    __table_args__ = (
        sa.Index("uq_certificate_review_open", "certificate_id", unique=True,
                 sqlite_where=sa.text("status = 'submitted'"), postgresql_where=sa.text("status = 'submitted'")),
        sa.Index("uq_certificate_review_confirmed", "certificate_id", "due_on", unique=True,
                 sqlite_where=sa.text("status = 'confirmed'"), postgresql_where=sa.text("status = 'confirmed'")),
        sa.CheckConstraint(_in("status", REVIEW_STATUSES), name="status"),
        sa.CheckConstraint("recommendation IN ('pass','fail')", name="recommendation"),
        sa.CheckConstraint("(status = 'submitted') = (decided_at IS NULL)", name="decided"),
        sa.CheckConstraint("status <> 'rejected' OR coalesce(decision_reason, '') <> ''", name="reject_reason"),
        sa.CheckConstraint("period_start <= period_end", name="period"),
    )

    @property
    def status_label(self) -> str:
        return REVIEW_STATUSES.get(self.status, self.status)


UPDATE_ROUND_STATUSES = {"makeup": "补考期内", "passed": "补考通过", "failed": "补考未通过"}


class UpdateTestRound(db.Model):
    """A failed four-year update test and its makeup window (SPEC §2.8): while ``makeup``, the certificate holds
    ``update_test_failed`` and gets no ``update_test_overdue`` hold; a pass closes it (``passed``); a second fail
    or the window's end revokes the certificate (``failed``)."""

    __tablename__ = "certificate_update_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id", ondelete="CASCADE"), index=True)
    #: the update-test due date of the cycle failed
    due_on: Mapped[dt.date] = mapped_column(sa.Date)
    failed_attempt_id: Mapped[int | None] = mapped_column(sa.ForeignKey("exam_attempt.id", ondelete="SET NULL"))
    failed_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    #: the last day of the makeup window (moved on when it ended with no makeup sitting offered: ``extensions``)
    makeup_until: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    #: how many times the window was extended because no makeup sitting was offered within it
    extensions: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(sa.String(8), default="makeup", index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)

    __table_args__ = (
        sa.Index("uq_certificate_update_round_open", "certificate_id", unique=True,
                 sqlite_where=sa.text("status = 'makeup'"), postgresql_where=sa.text("status = 'makeup'")),
        sa.CheckConstraint(_in("status", UPDATE_ROUND_STATUSES), name="status"),
        sa.CheckConstraint("(status = 'makeup') = (closed_at IS NULL)", name="closed"),
    )

    @property
    def status_label(self) -> str:
        return UPDATE_ROUND_STATUSES.get(self.status, self.status)


class Reminder(db.Model):
    """A reminder sent for one due date at one threshold (60 / 30 / 7 days): the key that keeps the daily sweep
    from sending it twice."""

    __tablename__ = "certificate_reminder"

    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id", ondelete="CASCADE"),
                                                primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    due_on: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    days: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    sent_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)

    __table_args__ = (sa.CheckConstraint("kind IN ('review','update_test')", name="kind"),)
