"""Exams: purpose, blueprint (sections drawn from the bank), duration, pass mark, window, attempts, audience.

Who may sit an exam (its audience) is one of: every officer in the owning legal office's jurisdiction
(``everyone``), the officers of chosen agencies and everything below them (``agencies``), or chosen officers
(``officers``). An :class:`Enrolment` row admits an officer whatever the audience (the four-yearly update test
enrols the officers who are due).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.columns import LocalDateTime
from portal.extensions import db

PURPOSES = {"qualification": "资格考试", "update_test": "法律知识更新测试",
            "hearing_presider": "听证主持人资格考试", "practice": "练习"}
STATUSES = {"draft": "草稿", "published": "已发布"}
AUDIENCES = {"everyone": "辖区内全部执法人员", "agencies": "指定单位的执法人员", "officers": "指定人员"}
ENROLMENT_SOURCES = {"manual": "手工报名", "sweep": "到期自动报名"}


class Exam(db.Model):
    """One exam: its blueprint, its window and who may sit it."""

    __tablename__ = "exam"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    purpose: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(10), default="draft")
    #: the legal office running it: its jurisdiction is the exam's scope (and the ``everyone`` audience)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    audience: Mapped[str] = mapped_column(sa.String(10), default="everyone")
    duration_minutes: Mapped[int] = mapped_column(sa.Integer)
    #: points needed to pass (default 60 % of the blueprint's total, rounded up)
    pass_mark: Mapped[int] = mapped_column(sa.Integer)
    opens_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    closes_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    max_attempts: Mapped[int] = mapped_column(sa.Integer, default=2)
    instructions: Mapped[str] = mapped_column(sa.Text, default="")
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    published_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    #: when the audience was told the window opened (the scheduled job sends it once)
    opening_notified_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)

    agency = relationship("Agency", lazy="joined")
    sections: Mapped[list[ExamSection]] = relationship(
        back_populates="exam", lazy="selectin", order_by="ExamSection.position", cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint("purpose IN ('qualification','update_test','hearing_presider','practice')",
                           name="purpose"),
        sa.CheckConstraint("status IN ('draft','published')", name="status"),
        sa.CheckConstraint("audience IN ('everyone','agencies','officers')", name="audience"),
        sa.CheckConstraint("duration_minutes BETWEEN 1 AND 600", name="duration"),
        sa.CheckConstraint("pass_mark >= 1", name="pass_mark"),
        sa.CheckConstraint("max_attempts BETWEEN 1 AND 10", name="max_attempts"),
        sa.CheckConstraint("closes_at > opens_at", name="window"),
        sa.CheckConstraint("(status = 'published') = (published_at IS NOT NULL)", name="published"),
        sa.Index("ix_exam_window", "status", "closes_at"),
        sa.Index("ix_exam_agency_opens", "agency_id", "opens_at"),
    )

    @property
    def purpose_label(self) -> str:
        return PURPOSES.get(self.purpose, self.purpose)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def audience_label(self) -> str:
        return AUDIENCES.get(self.audience, self.audience)

    @property
    def question_count(self) -> int:
        return sum(s.count for s in self.sections)

    @property
    def total_points(self) -> int:
        return sum(s.count * s.points for s in self.sections)

    def is_open(self, now: dt.datetime) -> bool:
        """Published and ``opens_at <= now < closes_at``."""
        return self.status == "published" and self.opens_at <= now < self.closes_at

    def has_closed(self, now: dt.datetime) -> bool:
        return now >= self.closes_at


class ExamSection(db.Model):
    """A blueprint section: ``count`` active questions of a category (and tag), ``points`` each."""

    __tablename__ = "exam_section"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(sa.ForeignKey("exam.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(sa.Integer)
    title: Mapped[str] = mapped_column(sa.String(60))
    category: Mapped[str] = mapped_column(sa.String(30))
    #: an enforcement category (执法类别) the questions must carry; ``None`` = any
    tag: Mapped[str | None] = mapped_column(sa.String(30))
    #: only questions of this kind; ``None`` = any kind
    kind: Mapped[str | None] = mapped_column(sa.String(12))
    count: Mapped[int] = mapped_column(sa.Integer)
    points: Mapped[int] = mapped_column(sa.Integer)

    exam: Mapped[Exam] = relationship(back_populates="sections")

    __table_args__ = (
        sa.UniqueConstraint("exam_id", "position", name="uq_exam_section_position"),
        sa.CheckConstraint("count BETWEEN 1 AND 200", name="count"),
        sa.CheckConstraint("points BETWEEN 1 AND 100", name="points"),
        sa.CheckConstraint("kind IS NULL OR kind IN ('single','multiple','true_false')", name="kind"),
    )


class ExamAgency(db.Model):
    """An agency (with everything below it) whose officers may sit an ``agencies`` exam."""

    __tablename__ = "exam_agency"

    exam_id: Mapped[int] = mapped_column(sa.ForeignKey("exam.id", ondelete="CASCADE"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), primary_key=True)


class Enrolment(db.Model):
    """An officer admitted to an exam by name (an ``officers`` exam, or enrolled by the update-test sweep)."""

    __tablename__ = "exam_enrolment"

    exam_id: Mapped[int] = mapped_column(sa.ForeignKey("exam.id", ondelete="CASCADE"), primary_key=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    source: Mapped[str] = mapped_column(sa.String(10), default="manual")
    enrolled_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    enrolled_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)

    __table_args__ = (sa.CheckConstraint("source IN ('manual','sweep')", name="source"),)
