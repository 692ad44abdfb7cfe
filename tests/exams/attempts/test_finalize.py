"""Attempts not handed in by their deadline are finalized with what was saved: by the scheduled job every
minute (one query finds them) and by the next request touching them."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from exams import signals
from exams.attempts import services
from exams.attempts.models import Attempt
from portal import background, clock, policy
from portal.extensions import db
from portal.scheduler import run_scheduled
from tests.exams.attempts.helpers import (
    ACTOR,
    correct_choice,
    items,
    make_exam,
    make_questions,
    open_exam,
    start,
)
from tests.sql import statements


def test_the_job_is_declared_every_minute():
    job = background.SCHEDULED["exam_attempts_finalize"]
    assert job.label == "考试到时自动交卷" and job.cron == {"minute": "*"}


def test_the_job_finalizes_what_is_due_with_the_saved_answers(world, frozen):
    exam = open_exam(world, duration=30)
    early = start(world, exam)
    first = items(early)[0]
    services.save_answer(ACTOR, early, 1, correct_choice(first), clock.now())
    db.session.commit()
    frozen(clock.now() + dt.timedelta(minutes=10))
    late = start(world, exam, officer=world.officer2)
    frozen(early.deadline)  # due now; ``late`` has 10 minutes left
    run_scheduled("exam_attempts_finalize", clock.now())
    db.session.expire_all()
    assert (early.status, early.finish, early.score, early.finished_at) == ("final", "deadline", 2, early.deadline)
    assert late.status == "open"
    frozen(late.deadline - dt.timedelta(seconds=1))
    run_scheduled("exam_attempts_finalize", clock.now())
    db.session.expire_all()
    assert late.status == "open"
    frozen(late.deadline + dt.timedelta(minutes=5))  # the scheduler was down: the deadline still counts
    run_scheduled("exam_attempts_finalize", clock.now())
    db.session.expire_all()
    assert late.status == "final" and late.finished_at == late.deadline and late.score == 0


def test_one_query_finds_the_due_attempts(app, world, frozen):
    exam = open_exam(world, duration=30)
    start(world, exam)
    with statements(app, selects_only=True) as seen:
        assert services.finalize_due(clock.now()) == 0
    assert len(seen) == 1 and "exam_attempt" in seen[0]
    frozen(clock.now() + dt.timedelta(minutes=30))
    with statements(app, selects_only=True) as due:
        assert services.finalize_due(clock.now()) == 1
    assert sum("FROM exam_attempt " in s and "deadline <=" in s for s in due) == 1


def test_grading_costs_the_same_statements_whatever_the_papers_length(app, world, frozen):
    make_questions(world.city, 12, "single")
    policy.get("ui.page_size")  # the settings are read once per app context: read them before counting
    counts = []
    for size in (3, 12):
        attempt = start(world, make_exam(world.city, (("单选", "single", size, 1),), duration=30))
        for item in items(attempt):
            services.save_answer(ACTOR, attempt, item.position, correct_choice(item), clock.now())
        db.session.commit()
        with statements(app) as seen:
            services.submit(ACTOR, attempt, clock.now())
            db.session.commit()
        assert attempt.score == size
        counts.append(len(seen))
    assert counts[0] == counts[1]


def test_a_failing_attempt_does_not_hold_back_the_others(world, frozen):
    exam = open_exam(world, duration=30)
    first = start(world, exam)
    second = start(world, exam, officer=world.officer2)

    def refuse_first(sender, now):
        if sender.id == first.id:
            raise RuntimeError("refused")

    signals.attempt_graded.connect(refuse_first)
    try:
        frozen(clock.now() + dt.timedelta(minutes=31))
        run_scheduled("exam_attempts_finalize", clock.now())
    finally:
        signals.attempt_graded.disconnect(refuse_first)
    db.session.expire_all()
    assert first.status == "open" and second.status == "final"
    run_scheduled("exam_attempts_finalize", clock.now())
    db.session.expire_all()
    assert first.status == "final"


def test_a_request_touching_an_overdue_attempt_finalizes_it_first(officer, client, frozen):
    exam = open_exam(officer, duration=30)
    attempt = start(officer, exam)
    frozen(attempt.deadline + dt.timedelta(seconds=1))
    response = client.get(f"/attempts/{attempt.id}/result")
    assert response.status_code == 302 and response.headers["Location"] == f"/attempts/{attempt.id}/result"
    final = db.session.get(Attempt, attempt.id)
    assert final.status == "final" and final.finish == "deadline"
    page = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert f"考试时间已到（截止 {attempt.deadline:%H:%M:%S}），试卷已按截止前保存的答案交卷" in page
    assert "到时自动交卷" in page


def test_the_confirmation_page_after_the_deadline_hands_it_in(officer, client, frozen):
    attempt = start(officer, open_exam(officer, duration=30))
    frozen(attempt.deadline)
    assert client.get(f"/attempts/{attempt.id}/submit").headers["Location"] == f"/attempts/{attempt.id}/result"
    assert db.session.scalar(sa.select(Attempt.status)) == "final"
