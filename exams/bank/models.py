"""The question bank: a question and its versions.

A question's content (stem, options, key, legal basis, explanation) lives in :class:`QuestionVersion` rows;
``Question.version`` names the current one. Editing a question no attempt has shown changes the current version
in place; editing one an attempt has shown adds a new version, and the attempt keeps pointing at the old one.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.columns import LocalDateTime
from portal.extensions import db

KINDS = {"single": "单选", "multiple": "多选", "true_false": "判断"}
KIND_CODES = {label: code for code, label in KINDS.items()}
STATUSES = {"draft": "草稿", "active": "启用", "retired": "停用"}
#: the option letters, in order; a question has 2–6 options (true/false questions have none)
LETTERS = "ABCDEF"
#: the stored key of a true/false question
TRUE_FALSE = {"T": "对", "F": "错"}


def fingerprint(stem: str, options: list[str]) -> str:
    """Identity for duplicates (SPEC §3: identical 题干 and options), whitespace-insensitive."""
    def norm(text: str) -> str:
        return "".join(text.split())
    payload = json.dumps([norm(stem), [norm(o) for o in options]], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class Question(db.Model):
    """A question of the bank: what it is about (category, tag, difficulty) and its status."""

    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    category: Mapped[str] = mapped_column(sa.String(30))
    tag: Mapped[str | None] = mapped_column(sa.String(30))
    difficulty: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(8), default="draft")
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    #: fingerprint of the current version's stem and options (duplicates are refused)
    fingerprint: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: the legal office whose bank it is (its legal staff may edit it; every legal account may use it)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agency.id"), index=True)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)

    current: Mapped[QuestionVersion] = relationship(
        primaryjoin="and_(QuestionVersion.question_id == Question.id, QuestionVersion.version == Question.version)",
        viewonly=True, uselist=False, lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("kind IN ('single','multiple','true_false')", name="kind"),
        sa.CheckConstraint("status IN ('draft','active','retired')", name="status"),
        sa.CheckConstraint("difficulty BETWEEN 1 AND 5", name="difficulty"),
        sa.CheckConstraint("version >= 1", name="version"),
        sa.Index("ix_question_pool", "status", "category", "tag"),
    )

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)


class QuestionVersion(db.Model):
    """The content of a question as it was at one version; never changed once an attempt has shown it."""

    __tablename__ = "question_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(sa.Integer)
    kind: Mapped[str] = mapped_column(sa.String(12))
    stem: Mapped[str] = mapped_column(sa.Text)
    #: option texts in their bank order (A, B, …); empty for true/false
    options: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: the key: letters in order (``B``, ``ACD``) or ``T`` / ``F``
    answer: Mapped[str] = mapped_column(sa.String(6))
    legal_basis: Mapped[str] = mapped_column(sa.String(200))
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(LocalDateTime)

    question: Mapped[Question] = relationship(foreign_keys=[question_id], lazy="joined", viewonly=True)

    __table_args__ = (
        sa.UniqueConstraint("question_id", "version", name="uq_question_version"),
        sa.CheckConstraint("kind IN ('single','multiple','true_false')", name="kind"),
    )

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    def answer_label(self) -> str:
        """The key as people write it (``ACD``, ``对``)."""
        return TRUE_FALSE.get(self.answer, self.answer)
