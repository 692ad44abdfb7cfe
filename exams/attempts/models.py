"""Attempts: the paper drawn for one candidate, their saved answers, and the graded result.

An attempt is ``open`` until it is submitted or its deadline passes, then ``final`` with its score. At most one
open attempt per officer per exam (a partial unique index), and attempt numbers are unique per officer and exam
(two "start" clicks cannot both create the first attempt).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.columns import LocalDateTime
from portal.extensions import db

STATUSES = {"open": "作答中", "final": "已交卷"}
FINISHES = {"submitted": "本人交卷", "deadline": "到时自动交卷"}


class Attempt(db.Model):
    """One sitting of an exam by one officer."""

    __tablename__ = "exam_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(sa.ForeignKey("exam.id", ondelete="CASCADE"))
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("officer.id", ondelete="CASCADE"), index=True)
    #: 1 for the first attempt, 2 for the makeup, …
    number: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(6), default="open")
    started_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    #: min(start + duration, window close), fixed at the start by the server's clock
    deadline: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    finish: Mapped[str | None] = mapped_column(sa.String(10))
    score: Mapped[int | None] = mapped_column(sa.Integer)
    max_score: Mapped[int] = mapped_column(sa.Integer)
    passed: Mapped[bool | None] = mapped_column(sa.Boolean)

    exam = relationship("Exam", lazy="joined")
    officer = relationship("Officer", lazy="joined")
    items: Mapped[list[AttemptItem]] = relationship(
        back_populates="attempt", lazy="selectin", order_by="AttemptItem.position", cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("exam_id", "officer_id", "number", name="uq_exam_attempt_number"),
        sa.Index("uq_exam_attempt_open", "exam_id", "officer_id", unique=True,
                 sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'")),
        sa.Index("ix_exam_attempt_deadline", "status", "deadline"),
        sa.Index("ix_exam_attempt_finished", "status", "finished_at"),
        sa.CheckConstraint("status IN ('open','final')", name="status"),
        sa.CheckConstraint("finish IS NULL OR finish IN ('submitted','deadline')", name="finish"),
        sa.CheckConstraint("number >= 1", name="number"),
        sa.CheckConstraint("deadline > started_at", name="deadline"),
        sa.CheckConstraint(
            "(status = 'final') = (finished_at IS NOT NULL AND finish IS NOT NULL AND score IS NOT NULL"
            " AND passed IS NOT NULL)", name="final"),
        sa.CheckConstraint("score IS NULL OR (score >= 0 AND score <= max_score)", name="score"),
    )

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def finish_label(self) -> str:
        return FINISHES.get(self.finish or "", "")

    @property
    def is_final(self) -> bool:
        return self.status == "final"


class AttemptItem(db.Model):
    """One question of a drawn paper: the version shown, the option order shown, the answer saved, the mark."""

    __tablename__ = "exam_attempt_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_attempt.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(sa.Integer)
    section_id: Mapped[int | None] = mapped_column(sa.ForeignKey("exam_section.id", ondelete="SET NULL"))
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("question_version.id"), index=True)
    points: Mapped[int] = mapped_column(sa.Integer)
    #: the bank letters in the order they are shown (``CADB``); empty for true/false
    option_order: Mapped[str] = mapped_column(sa.String(6), default="")
    #: the answer saved, in bank letters, sorted (``AC``), or ``T`` / ``F``; ``None`` = unanswered
    response: Mapped[str | None] = mapped_column(sa.String(6))
    answered_at: Mapped[dt.datetime | None] = mapped_column(LocalDateTime)
    #: points earned, set when the attempt is graded
    mark: Mapped[int | None] = mapped_column(sa.Integer)

    attempt: Mapped[Attempt] = relationship(back_populates="items")
    version = relationship("QuestionVersion", lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("attempt_id", "position", name="uq_exam_attempt_item_position"),
        sa.CheckConstraint("points >= 1", name="points"),
        sa.CheckConstraint("mark IS NULL OR (mark >= 0 AND mark <= points)", name="mark"),
    )
