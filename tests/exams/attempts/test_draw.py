"""Starting an attempt: the paper drawn per candidate from the blueprint, the deadline, the attempt number, one open
attempt per officer per exam (the database enforces it), and a concurrent second start."""
from __future__ import annotations

import datetime as dt
import random

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from exams.attempts import admission, services
from exams.attempts.models import Attempt, AttemptItem
from exams.bank.models import LETTERS, Question, QuestionVersion
from exams.papers import blueprint as papers
from portal import clock
from portal.audit import AuditEntry
from portal.errors import DomainError
from portal.extensions import db
from portal.templating import cn_datetime
from tests.exams.attempts.helpers import ACTOR, CLOSES, items, make_exam, make_questions, open_exam, start


def attempts_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Attempt))


def test_paper_follows_the_blueprint_without_repeating_a_question(world, frozen):
    make_questions(world.city, 6, "single")
    make_questions(world.city, 3, "multiple", options=5)
    make_questions(world.city, 2, "true_false")
    make_questions(world.city, 4, "single", status="draft")
    make_questions(world.city, 4, "single", status="retired")
    make_questions(world.city, 4, "single", category="行政许可法")
    exam = make_exam(world.city, (("一、单选", "single", 3, 2), ("二、单选续", "single", 3, 1),
                                  ("三、多选", "multiple", 3, 4), ("四、判断", "true_false", 2, 1)))
    attempt = start(world, exam)
    drawn = items(attempt)
    sections = [s.id for s in exam.sections]
    assert [i.section_id for i in drawn] == [sections[0]] * 3 + [sections[1]] * 3 + [sections[2]] * 3 + [sections[3]] * 2
    assert [i.position for i in drawn] == list(range(1, 12))
    assert [i.points for i in drawn] == [2, 2, 2, 1, 1, 1, 4, 4, 4, 1, 1]
    assert len({i.question_id for i in drawn}) == 11  # the two single sections share a pool of six: all six drawn
    questions = {q.id: q for q in db.session.scalars(sa.select(Question).where(
        Question.id.in_([i.question_id for i in drawn])))}
    assert {q.status for q in questions.values()} == {"active"}
    assert {q.category for q in questions.values()} == {"行政处罚法"}
    assert [questions[i.question_id].kind for i in drawn] == ["single"] * 6 + ["multiple"] * 3 + ["true_false"] * 2
    for item in drawn:
        letters = LETTERS[:len(item.version.options)]
        assert sorted(item.option_order) == list(letters)  # a permutation of the question's own options
        assert item.response is None and item.mark is None
    assert {len(i.option_order) for i in drawn[6:9]} == {5}
    assert [i.option_order for i in drawn[9:]] == ["", ""]
    assert attempt.max_score == 6 + 3 + 12 + 2
    assert attempt.number == 1 and attempt.status == "open"


def test_a_broad_section_first_never_leaves_a_narrower_later_one_short(world, frozen):
    """2 single + 2 multiple: 综合 takes any 2, 单选 takes 2 singles. The blueprint check accepts it, so the draw
    must fill it whatever the seed (drawing 综合 at random first would take a single three times in four)."""
    make_questions(world.city, 2, "single")
    make_questions(world.city, 2, "multiple")
    exam = make_exam(world.city, (("综合", None, 2, 1), ("单选", "single", 2, 1)))
    blueprint = [papers.Section(s.title, s.category, s.tag, s.kind, s.count, s.points) for s in exam.sections]
    assert papers.check_blueprint(blueprint) == []
    kinds = dict(db.session.execute(sa.select(Question.id, Question.kind)).all())
    for seed in range(50):
        paper = services.draw(exam, random.Random(seed))
        assert [item["section_id"] for item in paper] == [exam.sections[0].id] * 2 + [exam.sections[1].id] * 2
        assert len({item["question_id"] for item in paper}) == 4
        assert [kinds[item["question_id"]] for item in paper[2:]] == ["single", "single"]
    db.session.rollback()
    assert len(items(start(world, exam, seed=5))) == 4


def test_overlapping_sections_still_vary_between_seeds(world, frozen):
    """The allocation only steers the draw: a broad section still mixes kinds at random, papers differ."""
    make_questions(world.city, 6, "single")
    make_questions(world.city, 6, "multiple")
    exam = make_exam(world.city, (("综合", None, 4, 1), ("单选", "single", 3, 1)))
    kinds = dict(db.session.execute(sa.select(Question.id, Question.kind)).all())
    papers_drawn, mixes = set(), set()
    for seed in range(50):
        paper = services.draw(exam, random.Random(seed))
        assert len({item["question_id"] for item in paper}) == 7
        assert [kinds[item["question_id"]] for item in paper[4:]] == ["single"] * 3
        papers_drawn.add(tuple(item["question_id"] for item in paper))
        mixes.add(sum(kinds[item["question_id"]] == "single" for item in paper[:4]))
    db.session.rollback()
    assert len(papers_drawn) == 50
    assert len(mixes) >= 3  # 综合 takes 0 … 3 singles, as drawing from its pool at random would


def test_the_current_version_is_drawn(world, frozen):
    question, = make_questions(world.city, 1, "single")
    first = db.session.scalar(sa.select(QuestionVersion).where(QuestionVersion.question_id == question.id))
    db.session.add(QuestionVersion(question_id=question.id, version=2, kind="single", stem="新版题干",
                                   options=first.options, answer="A", legal_basis="x", explanation="", created_at=first.created_at))
    question.version = 2
    db.session.commit()
    exam = make_exam(world.city, (("单选", "single", 1, 1),))
    item, = items(start(world, exam))
    assert item.version.version == 2 and item.version.stem == "新版题干"


def test_two_candidates_get_their_own_draw_and_option_orders(world, frozen):
    make_questions(world.city, 20, "single", options=6)
    exam = make_exam(world.city, (("单选", "single", 10, 1),))
    mine = items(start(world, exam, seed=1))
    theirs = items(start(world, exam, officer=world.officer2, seed=2))
    assert [i.question_id for i in mine] != [i.question_id for i in theirs]
    orders = {i.question_id: i.option_order for i in mine}
    shared = [i for i in theirs if i.question_id in orders]
    assert [i.option_order for i in shared] != [orders[i.question_id] for i in shared] or not shared
    assert [i.option_order for i in mine] != [i.option_order for i in theirs]
    assert len({i.option_order for i in mine}) > 1  # shuffled per question, not one order for the paper


def test_same_seed_same_paper(world, frozen):
    """The draw is the rng's: with a seeded one it is reproducible (and without one, SystemRandom)."""
    make_questions(world.city, 12, "single")
    exam = make_exam(world.city, (("单选", "single", 5, 1),))
    one = [(i.question_id, i.option_order) for i in items(start(world, exam, seed=7))]
    other = [(i.question_id, i.option_order) for i in items(start(world, exam, officer=world.officer2, seed=7))]
    assert one == other
    third = items(start(world, exam, officer=world.other_officer, seed=None))
    assert len(third) == 5


def test_deadline_is_start_plus_duration(world, frozen):
    exam = open_exam(world, duration=45)
    attempt = start(world, exam)
    assert attempt.started_at == clock.now()
    assert attempt.deadline == clock.now() + dt.timedelta(minutes=45)


def test_deadline_is_the_window_close_when_it_comes_first(world, frozen):
    exam = open_exam(world, duration=60)
    frozen(CLOSES - dt.timedelta(minutes=20))
    attempt = start(world, exam)
    assert attempt.deadline == CLOSES.replace(tzinfo=clock.TZ)
    frozen(CLOSES - dt.timedelta(minutes=60))
    other = start(world, exam, officer=world.officer2)
    assert other.deadline == CLOSES.replace(tzinfo=clock.TZ)  # exactly the duration: both the same
    frozen(CLOSES - dt.timedelta(minutes=61))
    third = start(world, exam, officer=world.other_officer)
    assert third.deadline == CLOSES.replace(tzinfo=clock.TZ) - dt.timedelta(minutes=1)


def test_starting_again_resumes_the_open_attempt(world, frozen):
    exam = open_exam(world)
    first = start(world, exam)
    frozen(clock.now() + dt.timedelta(minutes=10))
    again = start(world, exam)
    assert again.id == first.id and attempts_count() == 1


def test_second_attempt_is_numbered_2_after_the_first_is_final(world, frozen):
    exam = open_exam(world, duration=30)
    first = start(world, exam)
    services.submit(ACTOR, first, clock.now())
    db.session.commit()
    assert first.passed is False
    second = start(world, exam)
    assert second.id != first.id and second.number == 2


def test_an_open_attempt_past_its_deadline_is_finalized_before_the_next_start(world, frozen):
    exam = open_exam(world, duration=30)
    first = start(world, exam)
    frozen(clock.now() + dt.timedelta(minutes=31))
    second = start(world, exam)
    db.session.refresh(first)
    assert first.status == "final" and first.finish == "deadline"
    assert first.finished_at == first.deadline
    assert second.number == 2 and second.status == "open"


def test_refusal_carries_eligibility_reason_and_stores_nothing(world, frozen):
    exam = open_exam(world)
    frozen(exam.closes_at)
    with pytest.raises(DomainError) as refused:
        services.start(ACTOR, world.officer, exam, clock.now())
    assert refused.value.message == f"考试已于 {cn_datetime(exam.closes_at)} 结束"
    db.session.rollback()
    assert attempts_count() == 0


def test_a_pool_emptied_since_the_blueprint_was_saved_is_refused_naming_the_section(world, frozen):
    make_questions(world.city, 2, "single")
    exam = make_exam(world.city, (("第一部分 单选题", "single", 3, 1),))
    with pytest.raises(DomainError) as refused:
        services.start(ACTOR, world.officer, exam, clock.now())
    assert "“第一部分 单选题”" in refused.value.message and "需要 3 道，现有 2 道" in refused.value.message
    db.session.rollback()
    assert attempts_count() == 0


def test_start_is_audited_once(world, frozen):
    exam = open_exam(world)
    attempt = start(world, exam)
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "exam_attempt.start")).all()
    assert len(entries) == 1 and entries[0].object_id == str(attempt.id)
    assert entries[0].agency_id == world.officer.agency_id


def test_the_database_allows_one_open_attempt_per_officer_and_exam(world, frozen):
    exam = open_exam(world)
    attempt = start(world, exam)
    db.session.add(Attempt(exam_id=exam.id, officer_id=world.officer.id, number=2, status="open",
                           started_at=attempt.started_at, deadline=attempt.deadline, max_score=10))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(Attempt(exam_id=exam.id, officer_id=world.officer.id, number=1, status="final",
                           started_at=attempt.started_at, deadline=attempt.deadline, max_score=10,
                           finished_at=attempt.started_at, finish="submitted", score=0, passed=False))
    with pytest.raises(IntegrityError):  # attempt numbers are unique too
        db.session.flush()
    db.session.rollback()


def test_a_concurrent_second_start_returns_the_attempt_that_won(world, frozen, monkeypatch):
    """The loser read "no attempt yet" before the winner committed: its insert hits the unique index, its savepoint
    is rolled back, and it answers with the winner's attempt — the transaction goes on."""
    exam = open_exam(world)
    winner = start(world, exam, seed=3)
    monkeypatch.setattr(admission, "decide", lambda officer, exam, now: admission.Decision(True, attempts_used=0))
    loser = services.start(ACTOR, world.officer, exam, clock.now(), rng=random.Random(4))
    db.session.commit()
    assert loser.id == winner.id
    assert attempts_count() == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttemptItem)) == exam.question_count
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "exam_attempt.start")) == 1


def test_start_through_the_page(officer, client, frozen):
    exam = open_exam(officer)
    response = client.post(f"/exams/{exam.id}/start")
    attempt = db.session.scalar(sa.select(Attempt))
    assert response.status_code == 302 and response.headers["Location"] == f"/attempts/{attempt.id}"
    again = client.post(f"/exams/{exam.id}/start")
    assert again.headers["Location"] == f"/attempts/{attempt.id}" and attempts_count() == 1


def test_a_refused_start_says_why_on_the_exam_list(officer, client, frozen):
    exam = open_exam(officer, max_attempts=1)
    frozen(exam.opens_at - dt.timedelta(seconds=1))
    response = client.post(f"/exams/{exam.id}/start")
    assert response.status_code == 302 and response.headers["Location"] == "/me/exams"
    with client.session_transaction() as session:
        assert session["_flashes"] == [("error", f"考试尚未开始，开考时间 {cn_datetime(exam.opens_at)}")]
    assert attempts_count() == 0


def test_unknown_or_draft_exam_is_404(officer, client, frozen):
    exam = open_exam(officer)
    exam.status, exam.published_at = "draft", None
    db.session.commit()
    assert client.post(f"/exams/{exam.id}/start").status_code == 404
    assert client.post("/exams/999999/start").status_code == 404


def test_an_overdue_attempt_is_handed_in_even_when_the_new_start_is_refused(officer, client, frozen):
    exam = open_exam(officer, max_attempts=1, duration=30)
    attempt = start(officer, exam)
    frozen(attempt.deadline + dt.timedelta(minutes=1))
    response = client.post(f"/exams/{exam.id}/start")
    assert response.headers["Location"] == "/me/exams"
    with client.session_transaction() as session:
        assert session["_flashes"] == [("error", "本次考试最多可考 1 次，您的考试机会已用完")]
    final = db.session.get(Attempt, attempt.id)
    assert final.status == "final" and final.finish == "deadline" and attempts_count() == 1


def test_an_exam_without_sections_is_refused(world, frozen):
    exam = make_exam(world.city, (), pass_mark=1)
    with pytest.raises(DomainError) as refused:
        services.start(ACTOR, world.officer, exam, clock.now())
    assert refused.value.message == "本次考试尚未设置试题，暂时无法开考，请联系组织考试的法制机构"
    db.session.rollback()
    assert attempts_count() == 0
