"""Editing an exam while an officer starts it (review issue 3): both lock the exam's row before deciding anything —
the start shared (starts do not wait for each other), the edit exclusively — so the edit counts the attempts and
the start draws the blueprint as the other left them. Real threads, each with its own connection: on PostgreSQL
(``TEST_DATABASE_URL``) the row lock decides, on SQLite the database's write lock."""
from __future__ import annotations

import random
import threading
import time

import sqlalchemy as sa

from exams.attempts import services as attempts
from exams.attempts.models import Attempt, AttemptItem
from exams.papers import services
from exams.papers.models import Exam
from portal import clock
from portal.extensions import db
from portal.officers.models import Officer
from tests.exams.papers.helpers import exam_data, make_exam, questions, section
from tests.factories import SYSTEM
from tests.sql import statements


def locks_exam(statement: str, shared: bool = False) -> bool:
    """Whether ``statement`` is the lock on the exam's row: ``SELECT … FOR UPDATE`` (``FOR KEY SHARE`` when
    ``shared``) on PostgreSQL, the write that changes nothing on SQLite."""
    text = " ".join(statement.split())
    if text.startswith("UPDATE exam SET id=exam.id WHERE exam.id IN"):
        return True
    return text.startswith("SELECT exam.id FROM exam WHERE exam.id IN") and text.endswith(
        "FOR KEY SHARE" if shared else "FOR UPDATE")


def first(seen: list[str], test) -> int:
    return next(i for i, statement in enumerate(seen) if test(statement))


def open_exam(world) -> Exam:
    questions(world.city, 8)
    return make_exam(world.city, opens_at="2026-11-26T08:00", closes_at="2026-11-26T17:00")


def test_an_edit_locks_the_exam_before_counting_its_attempts(app, world, frozen):
    exam = open_exam(world)
    with statements(app) as seen:
        services.update_exam(SYSTEM, None, exam, exam_data(world.city, [section(count=8)], opens_at="2026-11-26T08:00",
                                                           closes_at="2026-11-26T17:00"), clock.now())
    db.session.commit()
    assert first(seen, locks_exam) < first(seen, lambda s: "FROM exam_attempt" in s)
    assert exam.question_count == 8


def test_a_start_locks_the_exam_shared_before_deciding_and_drawing(app, world, frozen):
    exam = open_exam(world)
    with statements(app) as seen:
        attempts.start(SYSTEM, world.officer, exam, clock.now(), rng=random.Random(1))
    db.session.commit()
    lock = first(seen, lambda s: locks_exam(s, shared=True))
    assert lock < first(seen, lambda s: "FROM exam_attempt" in s)
    assert lock < first(seen, lambda s: "FROM question JOIN question_version" in s)


def test_an_edit_and_a_start_at_once_never_draw_from_the_replaced_blueprint(app, world, frozen, monkeypatch):
    """The edit counts no attempt, then dawdles; the start, sent meanwhile, waits for the edit and draws its 8
    questions — without the locks it drew the old 5 and the edit then replaced the sections under it."""
    exam = open_exam(world)
    exam_id, officer_id = exam.id, world.officer.id
    counted, errors = threading.Event(), []
    count = services.attempt_count

    def counting_slowly(exam):
        n = count(exam)
        counted.set()
        time.sleep(0.5)
        return n

    monkeypatch.setattr(services, "attempt_count", counting_slowly)

    def edit():
        data = exam_data(world.city, [section(count=8)], opens_at="2026-11-26T08:00", closes_at="2026-11-26T17:00")
        services.update_exam(SYSTEM, None, db.session.get(Exam, exam_id), data, clock.now())

    def start():
        assert counted.wait(10)
        attempts.start(SYSTEM, db.session.get(Officer, officer_id), db.session.get(Exam, exam_id), clock.now())

    def run(work):
        with app.app_context():
            try:
                work()
                db.session.commit()
            except Exception as err:  # noqa: BLE001 - reported by the test
                db.session.rollback()
                errors.append(err)

    threads = [threading.Thread(target=run, args=(work,)) for work in (edit, start)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    db.session.expire_all()
    exam = db.session.get(Exam, exam_id)
    attempt = db.session.scalar(sa.select(Attempt))
    drawn = db.session.scalars(sa.select(AttemptItem.section_id).where(AttemptItem.attempt_id == attempt.id)).all()
    assert exam.question_count == 8
    assert drawn == [exam.sections[0].id] * 8
    assert attempt.max_score == exam.total_points
