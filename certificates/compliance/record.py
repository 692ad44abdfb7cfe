"""What the qualification page 资格状态 shows of one officer, gathered with a fixed number of statements:

the answer of :mod:`certificates.qualification` (may they enforce / preside today, and why not), each certificate
with its due dates, open holds and the officer's written answers, the certificate history, training progress by
category (:func:`portal.training.progress.progress_of`), exam attempts, routine-assessment grades, and the cycle
work under way — a review submitted and waiting for the legal office, an update test failed and its makeup window.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from certificates import due, qualification
from certificates.cycle_models import Review, UpdateTestRound
from certificates.models import Answer, CertificateEvent
from exams.attempts.models import Attempt
from exams.papers.models import PURPOSES, Exam
from portal.assessment.results import QuarterResult, quarter_results
from portal.complaints import services as complaint_services
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.training import requirements
from portal.training.progress import progress_of

#: how many exam attempts and assessed quarters the page lists (newest first)
ATTEMPTS_SHOWN = 30
QUARTERS_SHOWN = 12


@dataclass(frozen=True)
class AttemptLine:
    """One exam attempt as the page lists it."""

    exam_title: str
    purpose: str
    number: int
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    score: int | None
    max_score: int
    passed: bool | None

    @property
    def purpose_label(self) -> str:
        return PURPOSES.get(self.purpose, self.purpose)

    @property
    def is_final(self) -> bool:
        return self.status == "final"


@dataclass(frozen=True)
class Record:
    """Everything the qualification page shows of one officer on ``today``."""

    officer: object
    today: dt.date
    answer: qualification.Qualification
    #: per certificate id: its due dates (a presider's follow the enforcement certificate)
    dues: dict[int, due.Dues]
    #: per certificate id: its events, oldest first
    events: dict[int, list[CertificateEvent]]
    #: ``("hold", hold_id)`` or ``("event", event_id)`` → the officer's written answers, oldest first
    answers: dict[tuple[str, int], list[Answer]]
    training: dict[str, requirements.Result]
    attempts: list[AttemptLine]
    grades: list[QuarterResult]
    #: reviews submitted by HR and waiting for the legal office's decision
    reviews: list[Review]
    #: failed update tests whose makeup window is open
    makeups: list[UpdateTestRound]
    #: complaints and praise about the officer, newest first
    complaints: list[Complaint]

    @property
    def numbers(self) -> dict[int, str]:
        """Certificate id → number (for the cycle work, which names certificates by id)."""
        return {c.id: c.number for c in self.answer.certificates}


def build(officer, today: dt.date) -> Record:
    """Gather the page's facts for ``officer`` (a constant number of statements, whatever their history)."""
    answer = qualification.of(officer)
    ids = [c.id for c in answer.certificates] or [-1]
    events: dict[int, list[CertificateEvent]] = defaultdict(list)
    for event in db.session.scalars(sa.select(CertificateEvent).where(CertificateEvent.certificate_id.in_(ids))
                                    .order_by(CertificateEvent.at, CertificateEvent.id)):
        events[event.certificate_id].append(event)
    answers: dict[tuple[str, int], list[Answer]] = defaultdict(list)
    for row in db.session.scalars(sa.select(Answer).where(Answer.certificate_id.in_(ids))
                                  .order_by(Answer.submitted_at, Answer.id)):
        answers[("hold", row.hold_id) if row.hold_id else ("event", row.event_id)].append(row)
    attempts = [AttemptLine(*row) for row in db.session.execute(
        sa.select(Exam.title, Exam.purpose, Attempt.number, Attempt.status, Attempt.started_at, Attempt.finished_at,
                  Attempt.score, Attempt.max_score, Attempt.passed)
        .join(Exam, Exam.id == Attempt.exam_id).where(Attempt.officer_id == officer.id)
        .order_by(Attempt.started_at.desc(), Attempt.id.desc()).limit(ATTEMPTS_SHOWN))]
    results = quarter_results([officer.id]).get(officer.id, {})
    grades = [results[key] for key in sorted(results, reverse=True)[:QUARTERS_SHOWN]]
    reviews = list(db.session.scalars(sa.select(Review).where(
        Review.certificate_id.in_(ids), Review.status == "submitted").order_by(Review.due_on)))
    makeups = list(db.session.scalars(sa.select(UpdateTestRound).where(
        UpdateTestRound.certificate_id.in_(ids), UpdateTestRound.status == "makeup")
        .order_by(UpdateTestRound.makeup_until)))
    return Record(
        officer=officer, today=today, answer=answer,
        dues={c.id: answer.dues(c, today) for c in answer.certificates},
        events=dict(events), answers=dict(answers), training=progress_of(officer.id, today), attempts=attempts,
        grades=grades, reviews=reviews, makeups=makeups, complaints=complaint_services.of_officer(officer.id))
