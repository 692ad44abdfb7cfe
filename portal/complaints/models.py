"""A complaint or praise sent by a member of the public about one officer's certificate, and its triage."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.columns import LocalDateTime
from portal.extensions import db

KINDS = {"complaint": "投诉", "praise": "表扬"}
STATUSES = {
    "received": "待受理",
    "accepted": "已受理，调查核实中",
    "not_accepted": "不予受理",
    "substantiated": "查实",
    "unsubstantiated": "未查实",
    "acknowledged": "已登记",
}
#: states that end a complaint (a reply to the sender is then required)
CLOSED = ("not_accepted", "substantiated", "unsubstantiated", "acknowledged")


class Complaint(db.Model):
    """What happened, when and where, an optional contact; the reference the sender keeps to look up the outcome;
    the legal office's triage (受理 / 不予受理, then 查实 / 未查实; praise is 已登记) with the reply the sender
    sees. ``agency_id`` is the agency printed on the certificate, which decides whose legal office handles it."""

    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(24), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"))
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"))
    certificate_number: Mapped[str] = mapped_column(sa.String(15))
    happened_on: Mapped[dt.date] = mapped_column(sa.Date)
    place: Mapped[str] = mapped_column(sa.String(100))
    what: Mapped[str] = mapped_column(sa.Text)
    contact: Mapped[str | None] = mapped_column(sa.String(60))
    status: Mapped[str] = mapped_column(sa.String(16), default="received")
    submitted_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    handled_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    handled_by_label: Mapped[str | None] = mapped_column(sa.String(80))
    reply: Mapped[str | None] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.Text)

    officer = relationship("Officer", lazy="joined")
    agency = relationship("Agency", lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("kind IN ('complaint','praise')", name="kind"),
        sa.CheckConstraint("status IN ('received','accepted','not_accepted','substantiated','unsubstantiated',"
                           "'acknowledged')", name="status"),
        sa.CheckConstraint("(status IN ('not_accepted','substantiated','unsubstantiated','acknowledged'))"
                           " = (closed_at IS NOT NULL)", name="closed_at"),
        sa.CheckConstraint("closed_at IS NULL OR reply IS NOT NULL", name="closed_with_reply"),
        sa.CheckConstraint("status NOT IN ('accepted','substantiated','unsubstantiated') OR accepted_at IS NOT NULL",
                           name="accepted_at"),
        sa.CheckConstraint("kind = 'complaint' OR status IN ('received','acknowledged')", name="praise_states"),
        sa.CheckConstraint("kind = 'praise' OR status <> 'acknowledged'", name="complaint_states"),
        sa.Index("ix_complaint_agency_status", "agency_id", "status"),
        sa.Index("ix_complaint_officer_status", "officer_id", "status", "happened_on"),
    )

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
