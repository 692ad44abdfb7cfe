"""Grading (SPEC §2.6): single and true/false all or nothing, multiple choice full marks only for the exact set
(a policy setting may give a share for a correct incomplete one); pass at the pass mark; one result, one signal
and one notification per attempt."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from exams import signals
from exams.attempts import grading, services
from portal import clock, policy
from portal.extensions import db
from portal.notify import Notification
from tests.exams.attempts.helpers import ACTOR, correct_choice, items, open_exam, start, wrong_choice
from tests.factories import make_officer_account


@pytest.mark.parametrize(("kind", "key", "response", "expected"), [
    ("single", "B", "B", 2), ("single", "B", "A", 0), ("single", "B", None, 0), ("single", "B", "", 0),
    ("true_false", "T", "T", 2), ("true_false", "T", "F", 0), ("true_false", "F", None, 0),
    ("multiple", "ACD", "ACD", 2),  # the exact set
    ("multiple", "ACD", "AC", 0),   # a subset
    ("multiple", "ACD", "ABCD", 0),  # a superset
    ("multiple", "ACD", "B", 0), ("multiple", "ACD", "AB", 0), ("multiple", "ACD", None, 0),
])
def test_marks_by_kind(kind, key, response, expected):
    assert grading.mark(kind, key, response, 2) == expected


@pytest.mark.parametrize(("response", "expected"), [("ACD", 5), ("AC", 2), ("A", 2), ("ABCD", 0), ("AB", 0)])
def test_a_share_for_a_correct_incomplete_multiple_choice_when_the_setting_says_so(response, expected):
    assert grading.mark("multiple", "ACD", response, 5, subset_percent=50) == expected


def test_displayed_letters_follow_the_candidates_order():
    assert grading.displayed("CADB", "AC") == "AB"
    assert grading.displayed("CADB", "B") == "D"
    assert grading.displayed("", "T") == "对" and grading.displayed("", "F") == "错"
    assert grading.displayed("CADB", None) == ""


def answer(attempt, plan):
    """Save ``plan[position] = 'right' | 'wrong' | 'subset' | 'superset' | None`` through the service."""
    for item in items(attempt):
        how = plan.get(item.position)
        if how is None:
            continue
        right = correct_choice(item)
        chosen = {"right": right, "wrong": wrong_choice(item), "subset": right[:1],
                  "superset": sorted(set(right) | set(wrong_choice(item)))}[how]
        services.save_answer(ACTOR, attempt, item.position, chosen, clock.now())
    db.session.commit()


def test_a_paper_is_graded_item_by_item(world, frozen):
    attempt = start(world, open_exam(world))
    answer(attempt, {1: "right", 2: "wrong", 4: "right", 5: "subset", 6: "right", 7: "wrong"})
    services.submit(ACTOR, attempt, clock.now())
    db.session.commit()
    assert [i.mark for i in items(attempt)] == [2, 0, 0, 3, 0, 1, 0]
    assert attempt.score == 6 and attempt.max_score == 14


def test_superset_and_subset_of_a_multiple_choice_earn_nothing(world, frozen):
    attempt = start(world, open_exam(world))
    answer(attempt, {4: "superset", 5: "subset"})
    services.submit(ACTOR, attempt, clock.now())
    assert [i.mark for i in items(attempt)][3:5] == [0, 0]


def test_the_setting_gives_a_share_for_a_correct_incomplete_selection(world, frozen):
    policy.update(ACTOR, {"exams.multiple_subset_percent": 50})
    db.session.commit()
    attempt = start(world, open_exam(world))
    answer(attempt, {4: "subset", 5: "superset"})
    services.submit(ACTOR, attempt, clock.now())
    assert [i.mark for i in items(attempt)][3:5] == [1, 0]  # 3 points × 50 %, rounded down


@pytest.mark.parametrize(("plan", "passed"), [
    ({1: "right", 2: "right", 4: "right"}, True),              # 2 + 2 + 3 = 7 = the pass mark
    ({1: "right", 2: "right", 4: "right", 6: "right"}, True),  # 8
    ({1: "right", 2: "right", 6: "right", 7: "right"}, False),  # 6: one below
])
def test_pass_at_exactly_the_pass_mark_and_not_one_below(officer, client, frozen, plan, passed):
    exam = open_exam(officer, pass_mark=7)
    attempt = start(officer, exam)
    answer(attempt, plan)
    client.post(f"/attempts/{attempt.id}/submit")
    db.session.refresh(attempt)
    assert attempt.passed is passed
    page = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert f'<div class="stat" id="score">{attempt.score} ' in page and "及格分</dt><dd class=\"col-7 col-sm-9\">7 分" in page
    assert ('id="verdict">合格<' in page) is passed and ('id="verdict">不合格<' in page) is not passed


def test_the_signal_is_sent_once_with_the_graded_attempt(world, frozen):
    received = []

    def listener(sender, now):
        received.append((sender.id, sender.status, sender.score, sender.passed, now))

    signals.attempt_graded.connect(listener)
    try:
        attempt = start(world, open_exam(world))
        answer(attempt, {1: "right"})
        assert services.submit(ACTOR, attempt, clock.now()) is True
        assert services.submit(ACTOR, attempt, clock.now()) is False
        assert services.finalize(attempt, clock.now(), "deadline") is False
        db.session.commit()
    finally:
        signals.attempt_graded.disconnect(listener)
    assert received == [(attempt.id, "final", 2, False, clock.now())]


def test_a_receiver_that_raises_rolls_the_finalization_back(world, frozen):
    def refuse(sender, now):
        raise RuntimeError("certificates unavailable")

    attempt = start(world, open_exam(world))
    signals.attempt_graded.connect(refuse)
    try:
        with pytest.raises(RuntimeError):
            services.submit(ACTOR, attempt, clock.now())
        db.session.rollback()
    finally:
        signals.attempt_graded.disconnect(refuse)
    db.session.refresh(attempt)
    assert attempt.status == "open" and attempt.score is None


def test_the_officer_is_told_the_result(world, frozen):
    exam = open_exam(world)
    attempt = start(world, exam)
    answer(attempt, {1: "right", 4: "right"})
    services.submit(ACTOR, attempt, clock.now())
    db.session.commit()
    notes = db.session.scalars(sa.select(Notification).where(Notification.user_id == world.officer_user.id)).all()
    assert len(notes) == 1
    assert notes[0].title == f"考试成绩：{exam.title}"
    assert notes[0].body.startswith(f"您第 1 次参加“{exam.title}”，得分 5 分（满分 14 分，及格 9 分），不合格。")
    assert notes[0].link == f"/attempts/{attempt.id}/result"
    services.submit(ACTOR, attempt, clock.now())
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1


def test_the_message_says_when_the_corrections_can_be_read(world, frozen):
    exam = open_exam(world, duration=600)
    before = start(world, exam)
    services.submit(ACTOR, before, clock.now())
    after = start(world, exam, officer=world.officer2)
    account = make_officer_account(world.officer2)
    frozen(exam.closes_at)
    services.finalize_due(clock.now())
    db.session.commit()
    bodies = dict(db.session.execute(sa.select(Notification.user_id, Notification.body)).all())
    assert bodies[world.officer_user.id].endswith(f"答案与解析将在考试结束（{exam.closes_at:%Y-%m-%d %H:%M}）后公布。")
    assert "（到时自动交卷）" in bodies[account.id]
    assert bodies[account.id].endswith("答案与解析已公布，可在成绩页查看。")
    assert after.id != before.id
