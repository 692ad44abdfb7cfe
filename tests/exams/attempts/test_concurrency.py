"""Two requests at the same moment: two submissions of one attempt give one result, one signal and one
notification; two starts give one attempt. Real threads, each with its own connection — on PostgreSQL
(``TEST_DATABASE_URL``) the attempt's row lock decides, on SQLite the database's write lock."""
from __future__ import annotations

import threading

import sqlalchemy as sa

from exams import signals
from exams.attempts import services
from exams.attempts.models import Attempt, AttemptItem
from portal import clock
from portal.audit import AuditEntry
from portal.extensions import db
from portal.notify import Notification
from tests.conftest import PASSWORD
from tests.exams.attempts.helpers import ACTOR, correct_choice, items, open_exam, start

ROUNDS = 3


def at_once(app, world, requests) -> list:
    """Run each ``request(client)`` in its own thread and signed-in client, released together."""
    barrier = threading.Barrier(len(requests), timeout=30)
    answers = []
    login = world.officer.id_number  # read here: the test's session is not for threads

    def run(request):
        with app.app_context():
            browser = app.test_client()
            assert browser.post("/login", data={"login": login, "password": PASSWORD}).status_code == 302
            barrier.wait()
            answers.append(request(browser))

    threads = [threading.Thread(target=run, args=(request,)) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_two_submissions_at_once_give_one_result_and_one_signal(app, world, frozen):
    signalled = []
    lock = threading.Lock()

    def listener(sender, now):
        with lock:
            signalled.append(sender.id)

    signals.attempt_graded.connect(listener)
    try:
        for officer in (world.officer,):
            exam = open_exam(world)
            for _ in range(ROUNDS):
                attempt = start(world, exam, officer=officer)
                first = items(attempt)[0]
                services.save_answer(ACTOR, attempt, 1, correct_choice(first), clock.now())
                db.session.commit()
                submit = lambda browser, a=attempt: browser.post(f"/attempts/{a.id}/submit")  # noqa: E731
                answers = at_once(app, world, [submit, submit])
                assert [r.status_code for r in answers] == [302, 302]
                assert {r.headers["Location"] for r in answers} == {f"/attempts/{attempt.id}/result"}
                db.session.expire_all()
                final = db.session.get(Attempt, attempt.id)
                assert (final.status, final.finish, final.score) == ("final", "submitted", 2)
                assert signalled.count(attempt.id) == 1
                assert count(AuditEntry, AuditEntry.action == "exam_attempt.finalize",
                             AuditEntry.object_id == str(attempt.id)) == 1
                exam.max_attempts = 10
                db.session.commit()
    finally:
        signals.attempt_graded.disconnect(listener)
    assert count(Notification, Notification.user_id == world.officer_user.id) == ROUNDS


def test_a_save_and_the_submission_at_once_never_leave_an_ungraded_answer(app, world, frozen):
    """Whichever comes first, the stored answers are exactly those graded."""
    exam = open_exam(world)
    for _ in range(ROUNDS):
        attempt = start(world, exam)
        first = items(attempt)[0]
        choice = correct_choice(first)
        answers = at_once(app, world, [
            lambda browser, a=attempt: browser.post(f"/attempts/{a.id}/submit"),
            lambda browser, a=attempt, c=choice: browser.post(f"/attempts/{a.id}/save", json={"position": 1,
                                                                                             "choice": c})])
        assert sorted(r.status_code for r in answers) in ([200, 302], [302, 409])
        db.session.expire_all()
        final = db.session.get(Attempt, attempt.id)
        item = db.session.scalar(sa.select(AttemptItem).where(AttemptItem.attempt_id == attempt.id,
                                                              AttemptItem.position == 1))
        assert final.status == "final"
        assert (item.response is not None) == (item.mark == first.points) == (final.score == first.points)
        exam.max_attempts = 10
        db.session.commit()


def test_two_starts_at_once_give_one_attempt(app, world, frozen):
    exam = open_exam(world)
    starting = lambda browser: browser.post(f"/exams/{exam.id}/start")  # noqa: E731
    answers = at_once(app, world, [starting, starting, starting])
    db.session.expire_all()
    attempt = db.session.scalar(sa.select(Attempt))
    assert count(Attempt) == 1
    assert [r.headers["Location"] for r in answers] == [f"/attempts/{attempt.id}"] * 3
    assert count(AttemptItem) == exam.question_count
    assert count(AuditEntry, AuditEntry.action == "exam_attempt.start") == 1
