"""What the attempts tell the packages below them, which do not read them (:mod:`exams.usage`): which versions of a
question candidates were shown (the bank never changes those in place) and how often an exam was sat (its terms are
then fixed). Registered when the ``exams.attempts`` package is imported.
"""
from __future__ import annotations

import sqlalchemy as sa

from exams import usage
from exams.attempts.models import Attempt, AttemptItem
from portal.extensions import db


@usage.answered_by
def used_versions(question_id: int) -> dict[int, int]:
    """``{version id: number of attempt items showing it}`` for one question (one grouped query)."""
    return dict(db.session.execute(
        sa.select(AttemptItem.version_id, sa.func.count()).where(AttemptItem.question_id == question_id)
        .group_by(AttemptItem.version_id)).all())


@usage.answered_by
def version_is_used(version_id: int) -> bool:
    """True when an attempt has shown this version (editing it must then make a new version)."""
    return db.session.scalar(sa.select(sa.exists().where(AttemptItem.version_id == version_id)))


@usage.answered_by
def attempt_count(exam_id: int, officer_id: int | None = None) -> int:
    """How many attempts (open or final) the exam has — of one officer when ``officer_id`` is given."""
    query = sa.select(sa.func.count()).select_from(Attempt).where(Attempt.exam_id == exam_id)
    if officer_id is not None:
        query = query.where(Attempt.officer_id == officer_id)
    return db.session.scalar(query) or 0
