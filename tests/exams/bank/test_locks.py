"""Editing a question while a paper is drawn (review issue 4): the edit locks the question's row before it looks
up whether the version is used, and the draw locks the questions it picked before reading their options, so a
version a paper shows is never changed in place. Real threads, each with its own connection: on PostgreSQL
(``TEST_DATABASE_URL``) the row locks decide, on SQLite the database's write lock."""
from __future__ import annotations

import random
import threading
import time

import sqlalchemy as sa

from exams.attempts import services as attempts
from exams.attempts.models import Attempt, AttemptItem
from exams.bank import services
from exams.bank.models import Question, QuestionVersion
from exams.papers.models import Exam
from portal import clock
from portal.extensions import db
from portal.officers.models import Officer
from tests.exams.attempts.helpers import make_exam
from tests.exams.bank.helpers import actor_of, data, make_question
from tests.factories import SYSTEM
from tests.sql import statements


def locks_questions(statement: str, shared: bool = False) -> bool:
    """Whether ``statement`` locks question rows: ``SELECT … FOR UPDATE`` (``FOR KEY SHARE`` when ``shared``) on
    PostgreSQL, the write that changes nothing on SQLite."""
    text = " ".join(statement.split())
    if text.startswith("UPDATE question SET id=question.id WHERE question.id IN"):
        return True
    return text.startswith("SELECT question.id FROM question WHERE question.id IN") and text.endswith(
        "FOR KEY SHARE" if shared else "FOR UPDATE")


def first(seen: list[str], test) -> int:
    return next(i for i, statement in enumerate(seen) if test(statement))


def three_options(**overrides):
    return data(options=["要求听证", "申请复议", "提起诉讼", "", "", ""], **overrides)


def test_an_edit_locks_the_question_before_asking_whether_its_version_is_used(app, world, frozen):
    user = world.legal_city
    question = make_question(user)
    with statements(app) as seen:
        edit = services.update_question(actor_of(user), user, question.id, three_options(), clock.now())
    db.session.commit()
    assert first(seen, locks_questions) < first(seen, lambda s: "FROM exam_attempt_item" in s)
    assert not edit.new_version and len(question.current.options) == 3


def test_a_draw_locks_the_questions_it_picked_before_reading_them(app, world, frozen):
    make_question(world.legal_city)
    exam = make_exam(world.city, (("单选", "single", 1, 1),))
    with statements(app) as seen:
        attempts.draw(exam, random.Random(1))
    db.session.rollback()
    assert first(seen, lambda s: locks_questions(s, shared=True)) < first(seen, lambda s: "FROM question_version" in s
                                                                        and "JOIN" not in s)


def test_an_edit_and_a_draw_at_once_never_leave_a_paper_on_a_changed_version(app, world, frozen, monkeypatch):
    """The edit finds the version unused, then dawdles; the start, sent meanwhile, waits for the edit and shows the
    edited version as it now is (three options) — without the locks the paper kept four option letters for a
    version the edit then cut to three."""
    user = world.legal_city
    question_id = make_question(user).id
    exam_id = make_exam(world.city, (("单选", "single", 1, 1),)).id
    user_id, officer_id = user.id, world.officer.id
    looked, errors = threading.Event(), []
    is_used = services.version_is_used

    def looking_slowly(version_id):
        used = is_used(version_id)
        looked.set()
        time.sleep(0.5)
        return used

    monkeypatch.setattr(services, "version_is_used", looking_slowly)

    def edit():
        editor = db.session.get(type(user), user_id)
        services.update_question(actor_of(editor), editor, question_id, three_options(), clock.now())

    def start():
        assert looked.wait(10)
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
    item = db.session.scalar(sa.select(AttemptItem).join(Attempt))
    version = db.session.get(QuestionVersion, item.version_id)
    assert item.question_id == question_id
    assert len(item.option_order) == len(version.options) == 3
    assert db.session.get(Question, question_id).version == 1  # the edit came first: in place, then drawn
