"""HR's application for a certificate 申领 (SPEC §2.7), decided by the legal office: the ``Application`` row and
its statuses. Constraints keep one pending application per officer and type, a reason on every rejection, and the
certificate issued on every approval (and only then).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certificates.models import TYPES, Certificate, _in
from portal.columns import LocalDateTime
from portal.extensions import db

APPLICATION_STATUSES = {"pending": "待审核", "approved": "已批准", "rejected": "未批准", "withdrawn": "已撤回"}


class Application(db.Model):
    """HR's application for a certificate for one officer, decided by the legal office (SPEC §2.7)."""

    __tablename__ = "certificate_application"

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"), index=True)
    type: Mapped[str] = mapped_column(sa.String(20))
    #: the officer's agency when applied (scope checks use it)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    categories: Mapped[list] = mapped_column(sa.JSON, default=list)
    region: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(sa.String(10), default="pending", index=True)
    applied_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    applied_by_label: Mapped[str] = mapped_column(sa.String(80))
    applied_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    note: Mapped[str | None] = mapped_column(sa.Text)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_by_label: Mapped[str | None] = mapped_column(sa.String(80))
    decided_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: the eligibility rules as they stood at the decision (rule, ok, why)
    eligibility: Mapped[list | None] = mapped_column(sa.JSON)
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id"))

    officer = relationship("Officer", lazy="joined", innerjoin=True)
    agency = relationship("Agency", lazy="joined", innerjoin=True)
    certificate: Mapped[Certificate | None] = relationship()

    __table_args__ = (
        sa.Index("uq_certificate_application_pending", "officer_id", "type", unique=True,
                 sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'")),
        sa.CheckConstraint(_in("type", TYPES), name="type"),
        sa.CheckConstraint(_in("status", APPLICATION_STATUSES), name="status"),
        sa.CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name="decided"),
        sa.CheckConstraint("status <> 'rejected' OR coalesce(decision_reason, '') <> ''", name="reject_reason"),
        sa.CheckConstraint("(status = 'approved') = (certificate_id IS NOT NULL)", name="approved_certificate"),
    )

    @property
    def type_label(self) -> str:
        return TYPES.get(self.type, self.type)

    @property
    def status_label(self) -> str:
        return APPLICATION_STATUSES.get(self.status, self.status)
