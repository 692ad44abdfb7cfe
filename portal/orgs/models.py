"""The agency tree and each agency's standing as an enforcement body (执法主体)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.columns import LocalDateTime
from portal.extensions import db

KINDS = {
    "government": "行政机关",
    "authorized": "法律法规授权的组织",
    "township": "乡镇人民政府/街道办事处",
    "entrusted": "受委托组织",
    "other": "其他",
}
#: kinds that may be confirmed as an enforcement body in their own name (SPEC §2.1)
BODY_KINDS = ("government", "authorized", "township")

QUALIFICATION = {"pending": "待确认", "confirmed": "已确认", "cancelled": "已取消"}


class Agency(db.Model):
    """A node of the organisation tree; ``path`` is ``/root-id/…/own-id/`` for subtree queries."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    short_name: Mapped[str] = mapped_column(sa.String(40))
    uscc: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    region_code: Mapped[str] = mapped_column(sa.String(6))
    kind: Mapped[str] = mapped_column(sa.String(20))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    path: Mapped[str] = mapped_column(sa.String(400), index=True, default="")
    sort_order: Mapped[int] = mapped_column(sa.Integer, default=0)

    qualification_status: Mapped[str] = mapped_column(sa.String(12), default="pending")
    qualification_basis: Mapped[str | None] = mapped_column(sa.Text)
    qualification_decided_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    announcement_text: Mapped[str | None] = mapped_column(sa.Text)
    announced_on: Mapped[dt.date | None] = mapped_column(sa.Date)

    created_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)

    parent: Mapped[Agency | None] = relationship(remote_side=[id], lazy="joined", innerjoin=False)

    __table_args__ = (
        sa.CheckConstraint("kind IN ('government','authorized','township','entrusted','other')", name="kind"),
        sa.CheckConstraint("qualification_status IN ('pending','confirmed','cancelled')", name="qualification"),
        sa.CheckConstraint(
            "qualification_status = 'pending' OR kind IN ('government','authorized','township')",
            name="only_bodies_qualify",
        ),
        sa.CheckConstraint(
            "qualification_status = 'pending' OR qualification_decided_on IS NOT NULL", name="decided_on"
        ),
        sa.CheckConstraint("announced_on IS NULL OR qualification_status <> 'pending'", name="announce_decided"),
        sa.CheckConstraint("length(region_code) = 6", name="region_code"),
    )

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def qualification_label(self) -> str:
        return QUALIFICATION.get(self.qualification_status, self.qualification_status)

    def is_valid_body(self, today: dt.date) -> bool:
        """A body may enforce only when confirmed and announced (seed 四(一))."""
        return (
            self.qualification_status == "confirmed"
            and self.announced_on is not None
            and self.announced_on <= today
        )

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)

    def __repr__(self) -> str:
        return f"<Agency {self.id} {self.short_name}>"


def _agency_id(self) -> int:
    """An agency belongs to itself for scope checks and audit scoping."""
    return self.id


Agency.agency_id = property(_agency_id)


BODY_ACTIONS = {"confirm": "确认", "reconfirm": "复核确认", "cancel": "取消", "announce": "公告"}


class BodyDecision(db.Model):
    """One step in a body's standing (SPEC §2.1): confirmed, re-confirmed, cancelled — each with its legal basis
    and announcement text — or announced. The agency row holds the current state; these rows are its history,
    and what the public registry shows of it."""

    __tablename__ = "body_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(sa.String(10))
    decided_on: Mapped[dt.date] = mapped_column(sa.Date)
    legal_basis: Mapped[str | None] = mapped_column(sa.Text)
    announcement_text: Mapped[str | None] = mapped_column(sa.Text)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)

    __table_args__ = (
        sa.CheckConstraint("action IN ('confirm','reconfirm','cancel','announce')", name="action"),
        sa.CheckConstraint("action = 'announce' OR (legal_basis IS NOT NULL AND announcement_text IS NOT NULL)",
                           name="basis_and_text"),
    )

    @property
    def action_label(self) -> str:
        return BODY_ACTIONS.get(self.action, self.action)


class BodyReminder(db.Model):
    """A re-confirmation reminder sent for one body's due date: the key that keeps the daily sweep from sending
    it twice."""

    __tablename__ = "body_reminder"

    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id", ondelete="CASCADE"), primary_key=True,
                                           autoincrement=False)
    due_on: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    sent_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)


#: the kinds of power an agreement may entrust (SPEC §2.2); 行政强制措施 is listed so that asking for it is refused
#: with its legal basis rather than impossible to express
POWERS = {"penalty": "行政处罚", "licensing": "行政许可", "inspection": "行政检查", "levy": "行政征收",
          "other": "其他", "coercion": "行政强制措施"}
AGREEMENT_STATES = {"signed": "待备案", "filed": "已备案·待公告", "announced": "已公告", "terminated": "已终止"}


class Agreement(db.Model):
    """An entrustment agreement (委托执法协议, SPEC §2.2, seed 四(三)): a valid government body entrusts another
    行政机关 (a department, a township under seed 二(三)) or an organisation with public-affairs functions with
    matters and powers for a term. It is public and in
    force only once filed with the legal office, announced, within its term and not terminated. A renewal is a new
    agreement naming the one it renews."""

    __tablename__ = "entrustment_agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    entrusting_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    entrusted_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    renews_id: Mapped[int | None] = mapped_column(sa.ForeignKey("entrustment_agreement.id"))
    legal_basis: Mapped[str] = mapped_column(sa.Text)
    matters: Mapped[str] = mapped_column(sa.Text)
    powers: Mapped[list] = mapped_column(sa.JSON)
    meets_article_21: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date] = mapped_column(sa.Date)
    rights_obligations: Mapped[str] = mapped_column(sa.Text)
    liability: Mapped[str] = mapped_column(sa.Text)
    signed_on: Mapped[dt.date] = mapped_column(sa.Date)
    filed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    #: the entrusting body's announcement, from which the agreement is in force
    announced_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    #: the entrusted party's own announcement (行政处罚法第二十条第二款: 委托行政机关和受委托组织应当将委托书向社会公布)
    entrusted_announced_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    terminated_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    termination_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: the day the legal office was reminded that the term ends soon (the sweep reminds once)
    end_reminded_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    document: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    document_name: Mapped[str] = mapped_column(sa.String(120))
    created_by_label: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)

    entrusting = relationship("Agency", foreign_keys=[entrusting_id], lazy="joined")
    entrusted = relationship("Agency", foreign_keys=[entrusted_id], lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("entrusting_id <> entrusted_id", name="two_parties"),
        sa.CheckConstraint("ends_on >= starts_on", name="term"),
        sa.CheckConstraint("filed_on IS NULL OR filed_on >= signed_on", name="filed_after_signing"),
        sa.CheckConstraint("announced_on IS NULL OR (filed_on IS NOT NULL AND announced_on >= filed_on)",
                           name="announced_after_filing"),
        sa.CheckConstraint("entrusted_announced_on IS NULL OR (filed_on IS NOT NULL AND entrusted_announced_on >= "
                           "filed_on)", name="entrusted_announced_after_filing"),
        sa.CheckConstraint("(terminated_on IS NULL) = (termination_reason IS NULL)", name="termination_reason"),
    )

    @property
    def agency_id(self) -> int:
        """Scope: the entrusting body's legal office handles it."""
        return self.entrusting_id

    @property
    def state(self) -> str:
        if self.terminated_on is not None:
            return "terminated"
        if self.announced_on is not None:
            return "announced"
        return "filed" if self.filed_on is not None else "signed"

    @property
    def state_label(self) -> str:
        return AGREEMENT_STATES[self.state]

    @property
    def power_labels(self) -> list[str]:
        return [POWERS.get(p, p) for p in self.powers]

    def in_force(self, today: dt.date) -> bool:
        """Public and in force: announced, within its term, not terminated, and its entrusting body valid."""
        return (self.announced_on is not None and self.announced_on <= today
                and self.starts_on <= today <= self.ends_on
                and (self.terminated_on is None or self.terminated_on > today)
                and self.entrusting.is_valid_body(today))

    def filing_days(self) -> int | None:
        return None if self.filed_on is None else (self.filed_on - self.signed_on).days
