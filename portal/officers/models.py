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
    status_changed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    hired_on: Mapped[dt.date] = mapped_column(sa.Date)
    has_photo: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    agency = relationship("Agency", lazy="joined", innerjoin=True)
    category_rows: Mapped[list[OfficerCategory]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="OfficerCategory.name"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("gender IN ('M','F')", name="gender"),
        sa.CheckConstraint("status IN ('on_duty','left_post','retired')", name="status"),
        sa.CheckConstraint("length(id_number) = 18", name="id_number_length"),
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
