"""A proposed revocation 拟注销 / 拟吊销 / 拟撤销 (SPEC §2.7; seed 三(二)1; 行政处罚法第四十四、四十五、六十二条 by
analogy): the facts, reasons and basis the officer is told, the deadline of their 陈述申辩, what they said (or that
they waived it), and legal's decision. One open proposal per certificate (a partial unique index).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certificates.models import REVOCATION_KINDS, REVOCATION_WORDS, Certificate, _in
from portal.columns import LocalDateTime
from portal.extensions import db

#: the revocations that are proposed first: every one that does not follow from a recorded fact (left post,
#: retired, deceased, the failed update tests)
PROPOSED_KINDS = ("review_rejected_final", "misconduct", "fraud")
PROPOSAL_STATUSES = {"open": "待陈述申辩或决定", "revoked": "已决定", "dropped": "不予作出", "closed": "已终结"}
DECISIONS = ("revoke", "drop")


class Proposal(db.Model):
    """A revocation proposed to the officer, waiting for their answer or the deadline, then decided."""

    __tablename__ = "certificate_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    facts: Mapped[str] = mapped_column(sa.Text)
    reasons: Mapped[str] = mapped_column(sa.Text)
    legal_basis: Mapped[str] = mapped_column(sa.String(200))
    proposed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    proposed_by_label: Mapped[str] = mapped_column(sa.String(80))
    proposed_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    #: the last day the officer may state their case (5 working days after the notice *(default)*)
    answer_by: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    statement: Mapped[str | None] = mapped_column(sa.Text)
    stated_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    waived_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    status: Mapped[str] = mapped_column(sa.String(8), default="open", index=True)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_by_label: Mapped[str | None] = mapped_column(sa.String(80))
    decided_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    #: when the legal office was reminded that the deadline had passed with no decision
    reminded_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)

    certificate: Mapped[Certificate] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        sa.Index("uq_certificate_proposal_open", "certificate_id", unique=True,
                 sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'")),
        sa.CheckConstraint(_in("kind", PROPOSED_KINDS), name="kind"),
        sa.CheckConstraint(_in("status", PROPOSAL_STATUSES), name="status"),
        sa.CheckConstraint("(status = 'open') = (decided_at IS NULL)", name="decided"),
        sa.CheckConstraint("statement IS NULL OR waived_at IS NULL", name="stated_or_waived"),
        sa.CheckConstraint("(statement IS NULL) = (stated_at IS NULL)", name="stated_at"),
        sa.CheckConstraint("length(facts) > 0 AND length(reasons) > 0 AND length(legal_basis) > 0",
                           name="grounds"),
    )

    @property
    def word(self) -> str:
        """注销, 吊销 or 撤销."""
        return REVOCATION_WORDS[self.kind]

    @property
    def kind_label(self) -> str:
        return REVOCATION_KINDS[self.kind]

    @property
    def status_label(self) -> str:
        return PROPOSAL_STATUSES.get(self.status, self.status)

    def heard(self, today: dt.date) -> bool:
        """Whether legal may decide: the officer stated their case or waived it, or the deadline has passed."""
        return self.statement is not None or self.waived_at is not None or today > self.answer_by

    @classmethod
    def heard_condition(cls, today: dt.date):
        """:meth:`heard` as a SQL condition (for counts and lists)."""
        return sa.or_(cls.statement.is_not(None), cls.waived_at.is_not(None), cls.answer_by < today)
