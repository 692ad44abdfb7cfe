"""A complaint or praise sent by a member of the public about one officer's certificate — or a report of someone
enforcing without a certificate — and its handling (办理、移交和答复, seed 三(一)4)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.columns import LocalDateTime
from portal.extensions import db

KINDS = {"complaint": "投诉", "praise": "表扬", "unlicensed": "举报无证执法"}
STATUSES = {
    "received": "待受理",
    "accepted": "已受理，调查核实中",
    "not_accepted": "不予受理",
    "transferred": "已移交",
    "substantiated": "查实",
    "unsubstantiated": "未查实",
    "acknowledged": "已登记",
}
#: states that end a complaint (a reply to the sender is then required)
CLOSED = ("not_accepted", "transferred", "substantiated", "unsubstantiated", "acknowledged")


class Complaint(db.Model):
    """What happened, when and where, an optional contact; the reference the sender keeps to look up the outcome;
    the legal office's handling (受理 / 不予受理 / 移交, then 查实 / 未查实; praise is 已登记) with the reply the
    sender sees. ``agency_id`` is the agency printed on the certificate (or, for a report of someone enforcing
    without one, the agency named), which decides whose legal office handles it.

    ``due_on`` is the deadline of the step awaited — 受理 or 移交 while ``received``, 办结 while ``accepted`` — kept
    here (and indexed) so that lists sort by it and the sweep finds what is due without computing it per row;
    ``reminded_for`` is the deadline the legal office was last reminded of. ``told_at`` … ``answer`` record the
    officer being told the substance and answering before a 查实."""

    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(24), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("officer.id"))
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"))
    certificate_number: Mapped[str | None] = mapped_column(sa.String(15))
    #: for a report of someone enforcing without a certificate: the name the sender gave (may be unknown)
    reported_name: Mapped[str | None] = mapped_column(sa.String(40))
    happened_on: Mapped[dt.date] = mapped_column(sa.Date)
    #: the time of day, where the sender gave it (HH:MM)
    happened_time: Mapped[str | None] = mapped_column(sa.String(5))
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
    transferred_to: Mapped[str | None] = mapped_column(sa.String(100))
    due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    reminded_for: Mapped[dt.date | None] = mapped_column(sa.Date)
    extended_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    extension_reason: Mapped[str | None] = mapped_column(sa.Text)
    told_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    answer_due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    answered_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    #: the officer's 陈述 (``None`` with ``answered_at`` set: they waived it)
    answer: Mapped[str | None] = mapped_column(sa.Text)

    officer = relationship("Officer", lazy="joined")
    agency = relationship("Agency", lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("kind IN ('complaint','praise','unlicensed')", name="kind"),
        sa.CheckConstraint("status IN ('received','accepted','not_accepted','transferred','substantiated',"
                           "'unsubstantiated','acknowledged')", name="status"),
        sa.CheckConstraint("(status IN ('not_accepted','transferred','substantiated','unsubstantiated',"
                           "'acknowledged')) = (closed_at IS NOT NULL)", name="closed_at"),
        sa.CheckConstraint("closed_at IS NULL OR reply IS NOT NULL", name="closed_with_reply"),
        sa.CheckConstraint("status NOT IN ('accepted','substantiated','unsubstantiated') OR accepted_at IS NOT NULL",
                           name="accepted_at"),
        sa.CheckConstraint("kind = 'praise' OR status <> 'acknowledged'", name="complaint_states"),
        sa.CheckConstraint("kind <> 'praise' OR status IN ('received','acknowledged')", name="praise_states"),
        sa.CheckConstraint("kind = 'unlicensed' OR (officer_id IS NOT NULL AND certificate_number IS NOT NULL)",
                           name="about_a_holder"),
        sa.CheckConstraint("(status = 'transferred') = (transferred_to IS NOT NULL)", name="transferred_to"),
        sa.CheckConstraint("told_at IS NULL OR answer_due_on IS NOT NULL", name="told_with_deadline"),
        sa.Index("ix_complaint_agency_status", "agency_id", "status"),
        sa.Index("ix_complaint_officer_status", "officer_id", "status", "happened_on"),
        sa.Index("ix_complaint_due_on", "due_on"),
    )

    @property
    def subject(self) -> str:
        """Who it is about, as shown: the holder's name, or the name the sender gave (未知姓名)."""
        if self.officer is not None:
            return self.officer.name
        return self.reported_name or "姓名不详"

    def heard_on(self, today: dt.date) -> bool:
        """Told, and answered, waived, or the deadline to answer past on ``today``."""
        return self.told_at is not None and (self.answered_at is not None or today > self.answer_due_on)

    def overdue(self, today: dt.date) -> bool:
        return self.due_on is not None and today > self.due_on

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
