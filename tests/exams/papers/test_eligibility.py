"""Who may start an exam (SPEC §2.6, issue 5): every refusal at its edge — the window to the second, duty, the
audience of each kind, attempts used, a pass, the pre-exam training requirement measured at the opening day, the
hearing-presider certificate check — and an open attempt is resumed. ``decide_many`` costs the same for 3 exams
as for 30."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from exams.attempts import admission
from exams.papers import eligibility, enrolment
from exams.papers.models import Exam, ExamAgency
from portal import clock, policy
from portal.extensions import db
from tests.exams.papers.helpers import raw_exam, sit
from tests.factories import SYSTEM
from tests.sql import statements
from tests.training.helpers import add

OPENS = dt.datetime(2026, 11, 26, 9, 0, 0)
CLOSES = dt.datetime(2026, 11, 26, 17, 0, 0)


def decide(officer, exam):
    db.session.expire_all()
    return admission.decide(officer, exam, clock.now())


@pytest.fixture
def exam(world, frozen):
    return raw_exam(world.city, OPENS, CLOSES)


@pytest.mark.parametrize(("moment", "ok", "reason"), [
    ("2026-11-26T08:59:59", False, "考试尚未开始，开考时间 2026年11月26日 09:00"),
    ("2026-11-26T09:00:00", True, ""),
    ("2026-11-26T16:59:59", True, ""),
    ("2026-11-26T17:00:00", False, "考试已于 2026年11月26日 17:00 结束"),
])
def test_the_window_to_the_second(world, frozen, exam, moment, ok, reason):
    frozen(moment)
    decision = decide(world.officer, exam)
    assert (decision.ok, decision.reason) == (ok, reason)


def test_a_draft_cannot_be_started(world, frozen):
    draft = raw_exam(world.city, OPENS, CLOSES, status="draft")
    assert decide(world.officer, draft).reason == "考试尚未发布"


def test_an_officer_not_on_duty_cannot_start(world, frozen, exam):
    world.officer.status, world.officer.status_changed_on = "left_post", dt.date(2026, 11, 1)
    db.session.commit()
    assert decide(world.officer, exam).reason == "您的在岗状态为“调离执法岗位”，不能参加考试"


def test_everyone_means_the_owning_offices_jurisdiction(world, frozen):
    district_exam = raw_exam(world.district, OPENS, CLOSES)
    assert decide(world.officer, district_exam).ok
    assert decide(world.other_officer, district_exam).reason == "您不在本次考试的报名范围内"
    assert decide(world.other_officer, raw_exam(world.city, OPENS, CLOSES)).ok


def test_agencies_admit_their_sub_agencies_but_not_a_sibling(world, frozen):
    exam = raw_exam(world.city, OPENS, CLOSES, audience="agencies")
    db.session.add(ExamAgency(exam_id=exam.id, agency_id=world.district.id))
    db.session.commit()
    assert decide(world.officer, exam).ok                      # 环翠执法局 is below 环翠区
    assert not decide(world.other_officer, exam).ok            # 文登 is not
    sibling = raw_exam(world.city, OPENS, CLOSES, audience="agencies")
    db.session.add(ExamAgency(exam_id=sibling.id, agency_id=world.dept2.id))
    db.session.commit()
    assert decide(world.officer, sibling).reason == "您不在本次考试的报名范围内"
    assert decide(world.officer2, sibling).ok


def test_officers_means_only_those_enrolled(world, frozen):
    exam = raw_exam(world.city, OPENS, CLOSES, audience="officers")
    assert decide(world.officer, exam).reason == "您不在本次考试的报名范围内"
    enrolment.enrol(SYSTEM, exam, [world.officer.id], "manual", clock.now())
    db.session.commit()
    assert decide(world.officer, exam).ok
    assert not decide(world.officer2, exam).ok


def test_enrolment_admits_beyond_a_chosen_agency(world, frozen):
    exam = raw_exam(world.city, OPENS, CLOSES, audience="agencies")
    db.session.add(ExamAgency(exam_id=exam.id, agency_id=world.dept2.id))
    db.session.commit()
    enrolment.enrol(SYSTEM, exam, [world.other_officer.id], "sweep", clock.now())
    db.session.commit()
    assert decide(world.other_officer, exam).ok


def test_two_final_attempts_use_up_a_max_of_two(world, frozen, exam):
    sit(exam, world.officer, 1)
    decision = decide(world.officer, exam)
    assert decision.ok and decision.attempts_used == 1
    sit(exam, world.officer, 2)
    decision = decide(world.officer, exam)
    assert (decision.ok, decision.reason, decision.attempts_used) == (
        False, "本次考试最多可考 2 次，您的考试机会已用完", 2)


def test_a_passed_exam_is_not_sat_again(world, frozen, exam):
    sit(exam, world.officer, 1, passed=True)
    assert decide(world.officer, exam).reason == "您已通过本次考试"


def test_a_pass_on_the_last_allowed_attempt_is_told_as_a_pass(world, frozen, exam):
    """Both refusals apply: the pass is what the officer hears, not that the attempts are used up."""
    sit(exam, world.officer, 1)
    sit(exam, world.officer, 2, passed=True)
    decision = decide(world.officer, exam)
    assert exam.max_attempts == decision.attempts_used == 2
    assert (decision.ok, decision.reason) == (False, "您已通过本次考试")


def test_an_open_attempt_before_its_deadline_is_resumed(world, frozen, exam):
    attempt = sit(exam, world.officer, 1, status="open", started=clock.now() - dt.timedelta(minutes=59))
    decision = decide(world.officer, exam)
    assert decision.ok and decision.resume_attempt_id == attempt.id and decision.resumes
    frozen(clock.now() + dt.timedelta(minutes=1))  # the deadline itself: no longer resumable, and it counts
    decision = decide(world.officer, exam)
    assert decision.ok and not decision.resumes and decision.attempts_used == 1


def qualification_training(officer, ethics: float):
    """Training in the 365 days before 2026-11-26 (2025-11-26 … 2026-11-25): 16 + 16 + ``ethics`` hours."""
    add(officer, "public_law", 16, dt.date(2025, 11, 26))
    add(officer, "professional_law", 16, dt.date(2026, 11, 25))
    add(officer, "ethics", ethics, dt.date(2026, 6, 1))


def test_qualification_needs_the_pre_exam_training_exactly_met(world, frozen):
    exam = raw_exam(world.city, OPENS, CLOSES, purpose="qualification")
    qualification_training(world.officer, 8)
    assert decide(world.officer, exam).ok
    qualification_training(world.officer2, 7.5)
    decision = decide(world.officer2, exam)
    assert not decision.ok
    assert decision.reason == ("资格考试前须完成培训要求（2025年11月26日至2026年11月25日）："
                               "合计差 0.5 学时；职业素养差 0.5 学时")


def test_training_is_measured_at_the_day_the_window_opens(world, frozen):
    exam = raw_exam(world.city, dt.datetime(2026, 11, 20, 9, 0), CLOSES, purpose="qualification")
    qualification_training(world.officer, 8)  # 2026-11-25's 16 h fall after 2025-11-20 … 2026-11-19
    assert decide(world.officer, exam).reason == ("资格考试前须完成培训要求（2025年11月20日至2026年11月19日）："
                                                  "合计差 16 学时；专业法律知识差 16 学时")


@pytest.fixture
def checks(monkeypatch):
    """The presider checks registered during the test only."""
    registered = []
    monkeypatch.setattr(eligibility, "_PRESIDER_CHECKS", registered)
    return registered


def test_hearing_presider_needs_a_certificate_until_a_check_says_so(world, frozen, checks):
    exam = raw_exam(world.city, OPENS, CLOSES, purpose="hearing_presider")
    decision = decide(world.officer, exam)
    assert not decision.ok and "须持有有效的行政执法证" in decision.reason
    asked = []

    @eligibility.presider_prerequisite
    def holds(officer_id, on):
        asked.append((officer_id, on))
        return None if officer_id == world.officer.id else "您的行政执法证已暂扣"

    assert decide(world.officer, exam).ok
    assert decide(world.officer2, exam).reason == "您的行政执法证已暂扣"
    assert asked == [(world.officer.id, dt.date(2026, 11, 26)), (world.officer2.id, dt.date(2026, 11, 26))]


def test_the_presider_certificate_requirement_can_be_lifted(world, frozen, checks):
    exam = raw_exam(world.city, OPENS, CLOSES, purpose="hearing_presider")
    policy.update(SYSTEM, {"exams.presider_needs_certificate": 0})
    db.session.commit()
    assert decide(world.officer, exam).ok


def test_practice_and_update_tests_have_no_prerequisite(world, frozen, checks):
    for purpose in ("practice", "update_test"):
        assert decide(world.officer, raw_exam(world.city, OPENS, CLOSES, purpose=purpose)).ok


def test_decide_many_costs_the_same_for_3_and_30_exams(app, world, frozen, checks):
    def make(n):
        made = []
        for i in range(n):
            purpose = ("practice", "qualification", "hearing_presider", "update_test")[i % 4]
            exam = raw_exam(world.city, OPENS, CLOSES, purpose=purpose, audience=("everyone", "agencies")[i % 2])
            sit(exam, world.officer, 1)
            made.append(exam)
        return made

    few, many = make(3), make(30)
    db.session.expire_all()
    officer = world.officer
    officer.agency  # noqa: B018 - loaded before counting, as the pages have them
    few = db.session.scalars(sa.select(Exam).where(Exam.id.in_([e.id for e in few]))).all()
    many = db.session.scalars(sa.select(Exam).where(Exam.id.in_([e.id for e in many]))).all()
    policy.get("ui.page_size")  # the settings are read once per app context: read them before counting
    with statements(app, selects_only=True) as seen_few:
        admission.decide_many(officer, few, clock.now())
    with statements(app, selects_only=True) as seen_many:
        decisions = admission.decide_many(officer, many, clock.now())
    assert len(seen_many) == len(seen_few)
    assert len(decisions) == 30
