"""Helpers of the attempt tests: a small bank of every kind, an open exam drawing from it, and the officer's
started attempt (through the service)."""
from __future__ import annotations

import datetime as dt
import itertools
import random

import sqlalchemy as sa

from exams.attempts import services
from exams.attempts.models import Attempt, AttemptItem
from exams.bank.models import LETTERS, Question, QuestionVersion, fingerprint
from exams.papers.models import Exam, ExamSection
from portal import clock
from portal.audit import Actor
from portal.extensions import db

_serial = itertools.count(1)

#: the default window when the ``frozen`` clock stands at 2026-11-26 09:00
OPENS = dt.datetime(2026, 11, 26, 8, 0)
CLOSES = dt.datetime(2026, 11, 26, 17, 0)
ACTOR = Actor.system("test")

EXPLANATION = "解析文字：本题考查"
BASIS = "法律依据文字：《行政处罚法》第"

#: the bank keys by kind (letters of the bank order)
KEYS = {"single": "B", "multiple": "ACD", "true_false": "T"}


def make_questions(agency, count: int, kind: str = "single", category: str = "行政处罚法", tag: str | None = None,
                   status: str = "active", options: int = 4) -> list[Question]:
    """``count`` questions of one kind (version 1) with recognisable explanation and legal-basis texts, committed."""
    now = clock.now()
    made = []
    for _ in range(count):
        n = next(_serial)
        stem = f"测试题{n}（{kind}）：依照《行政处罚法》，下列说法正确的是？"
        texts = [] if kind == "true_false" else [f"选项{letter}-{n}" for letter in LETTERS[:options]]
        question = Question(kind=kind, category=category, tag=tag, difficulty=3, status=status, version=1,
                            fingerprint=fingerprint(stem, texts), agency_id=agency.id, created_at=now, updated_at=now)
        db.session.add(question)
        db.session.flush()
        db.session.add(QuestionVersion(question_id=question.id, version=1, kind=kind, stem=stem, options=texts,
                                       answer=KEYS[kind], legal_basis=f"{BASIS}{n}条",
                                       explanation=f"{EXPLANATION}{n}", created_at=now))
        made.append(question)
    db.session.commit()
    return made


def make_exam(agency, sections=(("单选题", "single", 3, 2), ("多选题", "multiple", 2, 3), ("判断题", "true_false", 2, 1)),
              *, pass_mark: int | None = None, opens=None, closes=None, duration: int = 60,
              purpose: str = "practice", max_attempts: int = 2, category: str = "行政处罚法") -> Exam:
    """A published exam of ``agency`` (audience: everyone below it); ``sections`` are (title, kind, count, points),
    committed. The pass mark defaults to 60 % of the total, rounded up; the window runs from an hour ago to eight
    hours ahead (:data:`OPENS` … :data:`CLOSES` under the ``frozen`` clock)."""
    now = clock.now()
    total = sum(count * points for _, _, count, points in sections)
    opens = opens or (now - dt.timedelta(hours=1)).replace(tzinfo=None, microsecond=0)
    closes = closes or opens + dt.timedelta(hours=9)
    exam = Exam(title=f"测试考试{next(_serial)}", purpose=purpose, status="published", agency_id=agency.id,
                audience="everyone", duration_minutes=duration, pass_mark=pass_mark or -(-total * 6 // 10),
                opens_at=opens, closes_at=closes, max_attempts=max_attempts, created_at=now, updated_at=now,
                published_at=now)
    exam.sections = [ExamSection(position=i, title=title, category=category, kind=kind, count=count, points=points)
                     for i, (title, kind, count, points) in enumerate(sections, start=1)]
    db.session.add(exam)
    db.session.commit()
    return exam


def bank_for(agency, exam_sections=None, spare: int = 2) -> None:
    """Enough active questions of each kind for the default exam, with ``spare`` more of each."""
    for kind, count in (("single", 3), ("multiple", 2), ("true_false", 2)):
        make_questions(agency, count + spare, kind)


def open_exam(world, **kwargs) -> Exam:
    """A bank and an open practice exam of the city (every officer of the world may sit it), committed."""
    bank_for(world.city)
    return make_exam(world.city, **kwargs)


def start(world, exam, officer=None, seed: int | None = 1) -> Attempt:
    """Start ``officer``'s (default: the world's officer) attempt through the service, committed."""
    attempt = services.start(ACTOR, officer or world.officer, exam, clock.now(),
                             rng=random.Random(seed) if seed is not None else None)
    db.session.commit()
    return attempt


def items(attempt) -> list[AttemptItem]:
    """The attempt's items, fresh from the database, in paper order."""
    return db.session.scalars(sa.select(AttemptItem).where(AttemptItem.attempt_id == attempt.id)
                              .order_by(AttemptItem.position).execution_options(populate_existing=True)).all()


def correct_choice(item) -> list[str]:
    """The displayed choice that answers ``item`` correctly (what a candidate who knows would post)."""
    key = item.version.answer
    if item.version.kind == "true_false":
        return [key]
    return [str(i) for i, letter in enumerate(item.option_order) if letter in key]


def wrong_choice(item) -> list[str]:
    """A displayed choice that is wrong."""
    key = item.version.answer
    if item.version.kind == "true_false":
        return ["F" if key == "T" else "T"]
    return [str(next(i for i, letter in enumerate(item.option_order) if letter not in key))]
