"""Courses and training records. Hours are stored as whole half-hours (hours come in 0.5 steps)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.columns import LocalDateTime
from portal.extensions import db

CATEGORIES = {"public_law": "公共法律知识", "professional_law": "专业法律知识", "ethics": "职业素养"}
CATEGORY_CODES = {label: code for code, label in CATEGORIES.items()}
SOURCES = {"manual": "手工录入", "import": "批量导入", "api": "接口"}
MODES = {"classroom": "面授", "online": "网络"}


class Course(db.Model):
    """A course in the catalogue; a class of it is recorded for many officers at once."""

    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    category: Mapped[str] = mapped_column(sa.String(20))
    half_hours: Mapped[int] = mapped_column(sa.Integer)
    provider: Mapped[str] = mapped_column(sa.String(100))
    mode: Mapped[str] = mapped_column(sa.String(10))
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date] = mapped_column(sa.Date)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)

    agency = relationship("Agency", lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("category IN ('public_law','professional_law','ethics')", name="category"),
        sa.CheckConstraint("mode IN ('classroom','online')", name="mode"),
        sa.CheckConstraint("half_hours > 0", name="hours"),
        sa.CheckConstraint("ends_on >= starts_on", name="dates"),
    )

    @property
    def hours(self) -> float:
        return self.half_hours / 2

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def mode_label(self) -> str:
        return MODES.get(self.mode, self.mode)


class TrainingRecord(db.Model):
    """Hours of training one officer completed."""

    __tablename__ = "training_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id", ondelete="CASCADE"))
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("course.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    category: Mapped[str] = mapped_column(sa.String(20))
    half_hours: Mapped[int] = mapped_column(sa.Integer)
    completed_on: Mapped[dt.date] = mapped_column(sa.Date)
    provider: Mapped[str] = mapped_column(sa.String(100))
    source: Mapped[str] = mapped_column(sa.String(10))
    external_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    recorded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)

    officer = relationship("Officer", lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("category IN ('public_law','professional_law','ethics')", name="category"),
        sa.CheckConstraint("source IN ('manual','import','api')", name="source"),
        sa.CheckConstraint("half_hours > 0", name="hours"),
        sa.UniqueConstraint("officer_id", "title", "completed_on", name="uq_training_record_same_day"),
        sa.Index("ix_training_record_officer_date", "officer_id", "completed_on"),
    )

    @property
    def hours(self) -> float:
        return self.half_hours / 2

    @property
    def agency_id(self) -> int:
        return self.officer.agency_id

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def source_label(self) -> str:
        return SOURCES.get(self.source, self.source)
