"""Officers, their enforcement categories and photos."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.columns import LocalDateTime
from portal.extensions import db
from portal.officers import idcard

STATUSES = {"on_duty": "在岗", "left_post": "调离执法岗位", "retired": "退休"}
GENDERS = {"M": "男", "F": "女"}
#: 人员类别 (SPEC §2.3): only some may hold a certificate — 行政处罚法第四十二条 (处罚由具有行政执法资格的执法人员实施),
#: 行政强制法第十七条第三款; which ones is the setting ``officers.eligible_staff_kinds``
STAFF_KINDS = {"civil_servant": "公务员", "civil_servant_managed": "参照公务员法管理", "public_institution": "事业编制",
               "worker": "工勤", "dispatched": "劳务派遣", "contract": "劳动合同制", "other": "其他"}
STAFF_KIND_CODES = {label: code for code, label in STAFF_KINDS.items()}


class Officer(db.Model):
    """An administrative law-enforcement officer (执法人员)."""

    __tablename__ = "officer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), index=True)
    gender: Mapped[str] = mapped_column(sa.String(1))
    birth_date: Mapped[dt.date] = mapped_column(sa.Date)
    id_number: Mapped[str] = mapped_column(sa.String(18), unique=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    post: Mapped[str] = mapped_column(sa.String(60))
    region: Mapped[str] = mapped_column(sa.String(100))
    mobile: Mapped[str] = mapped_column(sa.String(11))
    email: Mapped[str | None] = mapped_column(sa.String(120))
    status: Mapped[str] = mapped_column(sa.String(10), default="on_duty", index=True)
    #: 人员类别, one of :data:`STAFF_KINDS`; ``None`` for a record kept before it was asked (未登记)
    staff_kind: Mapped[str | None] = mapped_column(sa.String(24))
    status_changed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    hired_on: Mapped[dt.date] = mapped_column(sa.Date)
    has_photo: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    # "unnested": an outer join to officer keeps its inner join to agency flat (SQLite would otherwise materialise
    # the nested join over every officer when a user is loaded with their officer)
    agency = relationship("Agency", lazy="joined", innerjoin="unnested")
    category_rows: Mapped[list[OfficerCategory]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="OfficerCategory.name"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("gender IN ('M','F')", name="gender"),
        sa.CheckConstraint("status IN ('on_duty','left_post','retired')", name="status"),
        sa.CheckConstraint("length(id_number) = 18", name="id_number_length"),
        sa.CheckConstraint("staff_kind IS NULL OR staff_kind IN (" + ",".join(repr(k) for k in STAFF_KINDS) + ")",
                           name="staff_kind"),
        sa.CheckConstraint("status = 'on_duty' OR status_changed_on IS NOT NULL", name="status_changed_on"),
    )

    @property
    def categories(self) -> list[str]:
        return [row.name for row in self.category_rows]

    @property
    def masked_id_number(self) -> str:
        return idcard.mask(self.id_number)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def staff_kind_label(self) -> str:
        return STAFF_KINDS.get(self.staff_kind or "", "未登记")

    @property
    def gender_label(self) -> str:
        return GENDERS.get(self.gender, self.gender)

    def __repr__(self) -> str:
        return f"<Officer {self.id} {self.name}>"


class OfficerCategory(db.Model):
    """One enforcement category (执法类别) an officer works in."""

    __tablename__ = "officer_category"

    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(30), primary_key=True, index=True)


class OfficerPhoto(db.Model):
    """The officer's photo, re-encoded as JPEG; kept apart so lists never load it."""

    __tablename__ = "officer_photo"

    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    width: Mapped[int] = mapped_column(sa.Integer)
    height: Mapped[int] = mapped_column(sa.Integer)
    uploaded_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
