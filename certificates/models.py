"""Certificates 证件 (SPEC §2.7): the certificate, its editions, holds (暂扣) and events, the serial counters, the
officer's written answers, the per-day verification counter and the cached status list. HR's applications live in
:mod:`certificates.applications.models`, the records of the review and update-test cycles in
:mod:`certificates.cycle_models`.

A certificate is ``active``, ``suspended`` (one or more open holds) or ``revoked`` (terminal, with a kind whose
public word is 注销 / 吊销 / 撤销). Constraints make the impossible unstorable: a revocation without its time and
kind (or either without a revocation), a number whose type digit or length is wrong, two live certificates of
one type for one officer, two open holds of one reason on one certificate, two current editions of one
certificate, a cycle count on a hearing-presider certificate (it has no cycles of its own).

Due dates: :mod:`certificates.due` computes them from ``first_issued_on`` and the cycles done; a copy is stored.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certificates import due
from portal.columns import LocalDateTime
from portal.extensions import db

TYPES = {"enforcement": "行政执法证", "hearing_presider": "听证主持人资格证"}
STATUSES = {"active": "有效", "suspended": "暂扣", "revoked": "已失效"}
#: allowed status changes; ``revoked`` is terminal
TRANSITIONS = {("active", "suspended"), ("suspended", "active"), ("active", "revoked"), ("suspended", "revoked")}

#: revocation kinds and what each is called
REVOCATION_KINDS = {
    "left_post": "调离执法岗位",
    "retired": "退休",
    "deceased": "死亡",
    "update_test_failed_twice": "法律知识更新测试两次未通过",
    "update_test_makeup_missed": "法律知识更新测试未参加补考",
    "review_rejected_final": "审核确认未通过",
    "misconduct": "违法违纪",
    "fraud": "以欺骗等不正当手段取得",
}
#: the public word of each revocation kind (SPEC §2.7; 撤销 cf. 行政许可法第六十九条)
REVOCATION_WORDS = {
    "left_post": "注销",
    "retired": "注销",
    "deceased": "注销",
    "update_test_failed_twice": "注销",
    "update_test_makeup_missed": "注销",
    "review_rejected_final": "注销",
    "misconduct": "吊销",
    "fraud": "撤销",
}

#: hold reasons. System holds are lifted only by their cause being cured. SPEC §2.7 says "the first seven":
#: ``enforcement_certificate_inactive`` is placed and lifted by the holder's enforcement certificate changing status
#: — were ``reinstate`` able to lift it, a presider whose enforcement certificate is suspended would verify as 有效;
#: ``staff_kind_ineligible`` by the holder's 人员类别 (SPEC §2.3, :mod:`certificates.holder`).
HOLD_REASONS = {
    "review_overdue": "审核确认逾期",
    "update_test_overdue": "法律知识更新测试逾期",
    "review_rejected": "审核确认未通过",
    "update_test_failed": "法律知识更新测试未通过（补考期内）",
    "body_invalid": "执法主体资格失效",
    "entrustment_ended": "委托终止",
    "enforcement_certificate_inactive": "所持执法证非有效状态",
    "staff_kind_ineligible": "人员类别不可持证",
    "under_investigation": "立案调查",
    "disciplinary": "纪律处分",
    "other": "其他原因",
}
SYSTEM_HOLD_REASONS = ("review_overdue", "update_test_overdue", "review_rejected", "update_test_failed",
                       "body_invalid", "entrustment_ended", "enforcement_certificate_inactive", "staff_kind_ineligible")
MANUAL_HOLD_REASONS = tuple(reason for reason in HOLD_REASONS if reason not in SYSTEM_HOLD_REASONS)
#: what the public verification page says of each hold (SPEC §3); manual holds never show their reason
HOLD_PUBLIC_WORDING = {
    "review_overdue": "审核确认逾期",
    "update_test_overdue": "法律知识更新测试逾期",
    "review_rejected": "审核确认未通过",
    "update_test_failed": "法律知识更新测试未通过",
    "body_invalid": "执法主体资格失效",
    "entrustment_ended": "委托终止",
    "enforcement_certificate_inactive": "依主持人所持执法证状态",
    "staff_kind_ineligible": "其他原因暂扣",  # an officer's 人员类别 is theirs, not the public's (SPEC §3's list)
    "under_investigation": "其他原因暂扣",
    "disciplinary": "其他原因暂扣",
    "other": "其他原因暂扣",
}
#: what legal may choose to tell the public of a manual hold: the neutral wording (the default: an investigation or a
#: discipline named publicly harms an officer before any finding), or the reason itself
MANUAL_PUBLIC_WORDINGS = {
    "under_investigation": ("其他原因暂扣", "因立案调查暂扣"),
    "disciplinary": ("其他原因暂扣", "因纪律处分暂扣"),
    "other": ("其他原因暂扣",),
}

#: why an edition was issued: 首次发证; 补发 (a lost card); 换发 (a damaged card, a new agency or scope)
EDITION_REASONS = {"first_issue": "首次发证", "reissue": "补发", "renewal": "换发"}


def _in(column: str, values) -> str:
    return f"{column} IN ({','.join(repr(value) for value in values)})"


class Certificate(db.Model):
    """One certificate of one officer; its number stays the same across editions."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(15), unique=True)
    type: Mapped[str] = mapped_column(sa.String(20))
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"), index=True)
    #: the agency at issue (of the current edition)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    #: scope: enforcement categories (a JSON list of names) and region
    categories: Mapped[list] = mapped_column(sa.JSON, default=list)
    region: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(sa.String(10), default="active", index=True)
    #: when the status last changed (the "since" of 暂扣 and of the status list)
    status_since: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    edition: Mapped[int] = mapped_column(sa.Integer, default=1)
    #: the issue date of the current edition
    issued_on: Mapped[dt.date] = mapped_column(sa.Date)
    #: the issue date of the first edition: the anchor of the review and update-test cycles
    first_issued_on: Mapped[dt.date] = mapped_column(sa.Date)
    #: two-year reviews confirmed so far (each moves the next review due date by one cycle)
    reviews_done: Mapped[int] = mapped_column(sa.Integer, default=0)
    #: four-year update tests passed so far
    update_tests_done: Mapped[int] = mapped_column(sa.Integer, default=0)
    #: the next review / update-test due dates of an enforcement certificate, kept in step by :func:`_keep_due_dates`
    #: for lists to filter and sort by in SQL; ``NULL`` for a presider (its holder's enforcement certificate's apply)
    review_due_on: Mapped[dt.date | None] = mapped_column(sa.Date, index=True)
    update_test_due_on: Mapped[dt.date | None] = mapped_column(sa.Date, index=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    revocation_kind: Mapped[str | None] = mapped_column(sa.String(30))
    created_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    #: every change moves it: the optimistic-concurrency stamp of forms and the status list's freshness
    updated_at: Mapped[dt.datetime] = mapped_column(LocalDateTime, index=True)

    officer = relationship("Officer", lazy="joined", innerjoin=True)
    agency = relationship("Agency", lazy="joined", innerjoin=True)
    holds: Mapped[list[Hold]] = relationship(back_populates="certificate", order_by="Hold.placed_at",
                                             cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (
        # the register's order (newest issue first): its first page is read off the index, not sorted
        sa.Index("ix_certificate_issued_on_id", "issued_on", "id"),
        # counts by status and agency (the public roster's units, the register's tabs) read the index alone
        sa.Index("ix_certificate_status_agency_type", "status", "agency_id", "type"),
        sa.Index("uq_certificate_live", "officer_id", "type", unique=True,
                 sqlite_where=sa.text("status <> 'revoked'"), postgresql_where=sa.text("status <> 'revoked'")),
        sa.CheckConstraint(_in("type", TYPES), name="type"),
        sa.CheckConstraint(_in("status", STATUSES), name="status"),
        sa.CheckConstraint("length(number) = 15", name="number_length"),
        sa.CheckConstraint(
            "(type = 'enforcement' AND substr(number, 7, 1) = '1')"
            " OR (type = 'hearing_presider' AND substr(number, 7, 1) = '2')", name="number_type"),
        sa.CheckConstraint("edition >= 1", name="edition"),
        sa.CheckConstraint("issued_on >= first_issued_on", name="issued_on"),
        sa.CheckConstraint("reviews_done >= 0 AND update_tests_done >= 0", name="cycles"),
        sa.CheckConstraint("type = 'enforcement' OR (reviews_done = 0 AND update_tests_done = 0)",
                           name="presider_cycles"),
        sa.CheckConstraint("(status = 'revoked') = (revoked_at IS NOT NULL AND revocation_kind IS NOT NULL)",
                           name="revoked"),
        sa.CheckConstraint("(revoked_at IS NULL) = (revocation_kind IS NULL)", name="revocation_pair"),
        sa.CheckConstraint("revocation_kind IS NULL OR " + _in("revocation_kind", REVOCATION_KINDS),
                           name="revocation_kind"),
    )

    @property
    def type_label(self) -> str:
        return TYPES.get(self.type, self.type)

    @property
    def status_label(self) -> str:
        """有效 / 暂扣 / 已注销 · 已吊销 · 已撤销."""
        if self.status == "revoked" and self.revocation_kind:
            return "已" + REVOCATION_WORDS[self.revocation_kind]
        return STATUSES.get(self.status, self.status)

    @property
    def revocation_word(self) -> str | None:
        """注销 / 吊销 / 撤销 for a revoked certificate, else ``None``."""
        return REVOCATION_WORDS.get(self.revocation_kind or "")

    @property
    def revocation_label(self) -> str:
        return REVOCATION_KINDS.get(self.revocation_kind or "", "")

    @property
    def open_holds(self) -> list[Hold]:
        return [hold for hold in self.holds if hold.lifted_at is None]


@sa.event.listens_for(Certificate, "before_insert")
@sa.event.listens_for(Certificate, "before_update")
def _keep_due_dates(_mapper, _connection, certificate: Certificate) -> None:
    """Stored due dates follow the anchor and the cycles done on every write (a negative count: see ``cycles``)."""
    if (certificate.type == "enforcement" and certificate.first_issued_on is not None
            and (certificate.reviews_done or 0) >= 0 and (certificate.update_tests_done or 0) >= 0):
        certificate.review_due_on = due.review_due(certificate.first_issued_on, certificate.reviews_done or 0)
        certificate.update_test_due_on = due.update_test_due(certificate.first_issued_on,
                                                             certificate.update_tests_done or 0)
    else:
        certificate.review_due_on = certificate.update_test_due_on = None


class Edition(db.Model):
    """One edition of a certificate: a card printed and a QR signed. Only the newest is current; a QR of an
    older edition verifies as 已换发."""

    __tablename__ = "certificate_edition"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id", ondelete="CASCADE"))
    edition: Mapped[int] = mapped_column(sa.Integer)
    issued_on: Mapped[dt.date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.String(12))
    #: the agency and scope printed on this edition
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    categories: Mapped[list] = mapped_column(sa.JSON, default=list)
    region: Mapped[str] = mapped_column(sa.String(100))
    #: the signing key and the token's ``iat`` of this edition's QR
    kid: Mapped[str] = mapped_column(sa.String(40), index=True)
    signed_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    issued_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    #: when the next edition replaced this one; ``None`` for the current edition
    superseded_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    #: the compact JWS printed as this edition's QR (public; kept so a reprint shows the same code)
    token: Mapped[str] = mapped_column(sa.Text)

    certificate: Mapped[Certificate] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("certificate_id", "edition", name="uq_certificate_edition_number"),
        sa.Index("uq_certificate_edition_current", "certificate_id", unique=True,
                 sqlite_where=sa.text("superseded_at IS NULL"), postgresql_where=sa.text("superseded_at IS NULL")),
        sa.CheckConstraint("edition >= 1", name="edition"),
        sa.CheckConstraint(_in("reason", EDITION_REASONS), name="reason"),
        sa.CheckConstraint("(edition = 1) = (reason = 'first_issue')", name="first_issue"),
    )

    @property
    def reason_label(self) -> str:
        return EDITION_REASONS.get(self.reason, self.reason)

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None


class Hold(db.Model):
    """A hold 暂扣 on a certificate: the certificate is suspended while any hold is open."""

    __tablename__ = "certificate_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(40))
    legal_basis: Mapped[str] = mapped_column(sa.String(200), default="")
    #: private: never shown on a public page or in a public API
    note: Mapped[str | None] = mapped_column(sa.Text)
    placed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    #: the public wording legal chose for a manual hold (None: the reason's default, SPEC §3)
    public_text: Mapped[str | None] = mapped_column(sa.String(40))
    placed_by_label: Mapped[str] = mapped_column(sa.String(80))
    placed_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    lifted_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    lifted_by_label: Mapped[str | None] = mapped_column(sa.String(80))
    lifted_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    lift_note: Mapped[str | None] = mapped_column(sa.Text)

    certificate: Mapped[Certificate] = relationship(back_populates="holds")

    __table_args__ = (
        sa.Index("uq_certificate_hold_open", "certificate_id", "reason", unique=True,
                 sqlite_where=sa.text("lifted_at IS NULL"), postgresql_where=sa.text("lifted_at IS NULL")),
        sa.CheckConstraint(_in("reason", HOLD_REASONS), name="reason"),
        sa.CheckConstraint(_in("reason", SYSTEM_HOLD_REASONS) + " OR legal_basis <> ''", name="manual_legal_basis"),
        sa.CheckConstraint("(lifted_at IS NULL) = (lifted_by_label IS NULL)", name="lifted"),
        sa.CheckConstraint("lifted_at IS NOT NULL OR (lifted_by IS NULL AND lift_note IS NULL)", name="lift_fields"),
        sa.CheckConstraint("lifted_at IS NULL OR lifted_at >= placed_at", name="lifted_after_placed"),
    )

    @property
    def is_system(self) -> bool:
        """A system hold is lifted only by its cause being cured, never by ``reinstate``."""
        return self.reason in SYSTEM_HOLD_REASONS

    @property
    def is_open(self) -> bool:
        return self.lifted_at is None

    @property
    def reason_label(self) -> str:
        return HOLD_REASONS.get(self.reason, self.reason)

    @property
    def public_wording(self) -> str:
        """What a member of the public is told (SPEC §3): never the note; a manual hold's reason only when legal
        chose to say it (:data:`MANUAL_PUBLIC_WORDINGS`)."""
        return self.public_text or HOLD_PUBLIC_WORDING[self.reason]


class CertificateEvent(db.Model):
    """One change of a certificate: issue, reissue, hold placed or lifted, revocation, cycle completed."""

    __tablename__ = "certificate_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(sa.String(80))
    #: ``None`` for the issuing event
    from_status: Mapped[str | None] = mapped_column(sa.String(10))
    to_status: Mapped[str] = mapped_column(sa.String(10))
    action: Mapped[str] = mapped_column(sa.String(40))
    reason: Mapped[str | None] = mapped_column(sa.String(40))
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (
        sa.Index("ix_certificate_event_certificate", "certificate_id", "at"),
        sa.CheckConstraint("from_status IS NULL OR " + _in("from_status", STATUSES), name="from_status"),
        sa.CheckConstraint(_in("to_status", STATUSES), name="to_status"),
        # revoked is terminal, except where a revocation taken on a wrong fact is set aside (撤销原决定)
        sa.CheckConstraint("from_status IS NULL OR from_status <> 'revoked' OR to_status = 'revoked' "
                           "OR action = 'set_aside'", name="revoked_terminal"),
    )

    @property
    def from_label(self) -> str:
        return STATUSES.get(self.from_status or "", "")

    @property
    def to_label(self) -> str:
        return STATUSES.get(self.to_status, self.to_status)


class CertificateSerial(db.Model):
    """The last serial used per region, type digit and year of issue (see :func:`numbering.allocate`)."""

    __tablename__ = "certificate_serial"

    region: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    type_digit: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(sa.Integer)

    __table_args__ = (
        sa.CheckConstraint("length(region) = 6", name="region"),
        sa.CheckConstraint("type_digit IN (1,2)", name="type_digit"),
        sa.CheckConstraint("year >= 2000 AND year <= 2099", name="year"),
        sa.CheckConstraint("last >= 1 AND last <= 99999", name="last"),
    )


class Answer(db.Model):
    """The officer's written answer 陈述申辩 (seed 三(二)1) to a hold or to a revocation (its event)."""

    __tablename__ = "certificate_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id", ondelete="CASCADE"), index=True)
    hold_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate_hold.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate_event.id", ondelete="CASCADE"),
                                                 index=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    submitted_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    read_by_label: Mapped[str | None] = mapped_column(sa.String(80))
    read_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)

    __table_args__ = (
        sa.CheckConstraint("(hold_id IS NULL) <> (event_id IS NULL)", name="subject"),
        sa.CheckConstraint("length(body) > 0", name="body"),
    )


class VerificationCount(db.Model):
    """Verifications of a certificate per day, for abuse monitoring: a counter, not an audited write."""

    __tablename__ = "certificate_verification_day"

    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id", ondelete="CASCADE"),
                                                primary_key=True, autoincrement=False)
    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    count: Mapped[int] = mapped_column(sa.Integer, default=0)


class StatusList(db.Model):
    """The signed status list last generated (one row), served until a certificate or a key changes."""

    __tablename__ = "certificate_status_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.Text)
    generated_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    #: the newest ``Certificate.updated_at`` it reflects, and the signing and retired keys it was made with
    source_stamp: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    keys_stamp: Mapped[str] = mapped_column(sa.String(200))
