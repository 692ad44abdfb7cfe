"""The requirement service (SPEC §2.4) at its edges: half-hour steps, the windows' first and last days (31 December,
1 January; the 365 days before an exam; two years before a review due on 29 February), a category exactly at its
minimum and half an hour below, policy changes, and the one grouped query."""
from __future__ import annotations

import datetime as dt

import pytest

from portal import audit, policy
from portal.errors import DomainError
from portal.training import requirements
from portal.training.services import parse_hours
from tests.sql import statements
from tests.training.helpers import add, meet_annual

D = dt.date
ADMIN = audit.Actor.system("test")


def hours(result, code="total"):
    return next(p for p in result.parts if p.code == code).have


# --- half-hour steps ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "half_hours"), [
    (0.5, 1), ("0.5", 1), (1, 2), ("1.5", 3), ("１．５", 3), ("2学时", 4), (24, 48), ("24.0", 48),
])
def test_hours_in_half_hour_steps_are_accepted(value, half_hours):
    assert parse_hours(value) == (half_hours, None)


@pytest.mark.parametrize(("value", "reason"), [
    (0.25, "0.5 为单位"), ("0.25", "0.5 为单位"), ("1.3", "0.5 为单位"), (0, "大于 0"), ("0", "大于 0"),
    (-1, "大于 0"), ("-0.5", "大于 0"), (24.5, "最多 24 学时"), ("", "请填写学时"), (None, "请填写学时"),
    ("两小时", "须为数字"), (float("nan"), "须为数字"), (True, "须为数字"),
])
def test_other_hours_are_refused_with_the_reason(value, reason):
    half_hours, why = parse_hours(value)
    assert half_hours is None
    assert reason in why


def test_half_hours_add_up_exactly(world):
    for _ in range(3):
        add(world.officer, "ethics", 0.5, D(2026, 5, 1) + dt.timedelta(days=_))
    result = requirements.check(world.officer.id, "annual", D(2026, 11, 26))
    assert hours(result, "ethics") == 1.5
    assert hours(result) == 1.5


# --- the annual window: 31 December and 1 January ---------------------------------------------------------------

def test_31_december_counts_for_its_year_and_1_january_for_the_next(world):
    add(world.officer, "public_law", 4, D(2025, 12, 31))
    add(world.officer, "public_law", 2, D(2026, 1, 1))
    last_year = requirements.check(world.officer.id, "annual", D(2025, 12, 31))
    assert (last_year.start, last_year.end) == (D(2025, 1, 1), D(2025, 12, 31))
    assert hours(last_year, "public_law") == 4
    this_year = requirements.check(world.officer.id, "annual", D(2026, 1, 1))
    assert (this_year.start, this_year.end) == (D(2026, 1, 1), D(2026, 12, 31))
    assert hours(this_year, "public_law") == 2
    # the rule looks at the whole calendar year of the date asked about
    assert hours(requirements.check(world.officer.id, "annual", D(2025, 1, 1)), "public_law") == 4


# --- a category exactly at its minimum, and half an hour below ------------------------------------------------

def test_a_category_exactly_at_its_minimum_is_met(world):
    meet_annual(world.officer, 2026)
    result = requirements.check(world.officer.id, "annual", D(2026, 11, 26))
    assert result.met
    assert [(p.code, p.have, p.need, p.met, p.short) for p in result.parts] == [
        ("total", 40, 40, True, 0), ("public_law", 16, 16, True, 0), ("professional_law", 16, 16, True, 0),
        ("ethics", 8, 8, True, 0)]
    assert result.unmet == [] and result.shortfall == 0 and result.describe_unmet() == ""


def test_half_an_hour_below_a_category_minimum_is_not_met_even_when_the_total_is(world):
    meet_annual(world.officer, 2026, public=15.5, professional=16.5, ethics=8)
    result = requirements.check(world.officer.id, "annual", D(2026, 11, 26))
    assert result.total.met and hours(result) == 40
    assert not result.met
    assert [p.code for p in result.unmet] == ["public_law"]
    assert result.unmet[0].short == 0.5
    assert result.shortfall == 0.5
    assert result.describe_unmet() == "公共法律知识差 0.5 学时"


def test_the_shortfall_is_the_larger_of_the_total_and_the_categories(world):
    add(world.officer, "public_law", 30, D(2026, 2, 1), title="a")  # stored directly: the 24-hour cap is the form's
    result = requirements.check(world.officer.id, "annual", D(2026, 11, 26))
    # total short 10; categories short 16 + 8 = 24 → 24 hours are still needed
    assert result.total.short == 10
    assert result.shortfall == 24
    assert result.describe_unmet() == "合计差 10 学时；专业法律知识差 16 学时；职业素养差 8 学时"


# --- the pre-exam window: the 365 days before the exam opens ----------------------------------------------------

def test_the_pre_exam_window_is_the_365_days_before_the_exam_opens(world):
    opens = D(2026, 12, 1)
    first, last = opens - dt.timedelta(days=365), opens - dt.timedelta(days=1)
    assert requirements.window("pre_exam", opens) == (first, last)
    add(world.officer, "public_law", 1, first)                               # counts
    add(world.officer, "professional_law", 2, last)                          # counts
    add(world.officer, "ethics", 4, opens)                                   # the opening day: does not
    add(world.officer, "ethics", 8, opens - dt.timedelta(days=366))          # one day too early: does not
    result = requirements.check(world.officer.id, "pre_exam", opens)
    assert (hours(result, "public_law"), hours(result, "professional_law"), hours(result, "ethics")) == (1, 2, 0)
    assert hours(result) == 3


def test_the_pre_exam_rule_is_met_with_exactly_the_minimums_on_the_windows_edges(world):
    opens = D(2026, 12, 1)
    meet_annual(world.officer, 0, public=16, professional=16, ethics=0, on=opens - dt.timedelta(days=365))
    add(world.officer, "ethics", 8, opens - dt.timedelta(days=1))
    assert requirements.check(world.officer.id, "pre_exam", opens).met
    # a day later the first day's records fall out of the window
    later = requirements.check(world.officer.id, "pre_exam", opens + dt.timedelta(days=1))
    assert not later.met and [p.code for p in later.unmet] == ["total", "public_law", "professional_law"]


# --- the review period: two years before the due date, 29 February ---------------------------------------------

def test_a_review_due_on_29_february_counts_from_28_february_two_years_earlier(world):
    due = D(2028, 2, 29)
    assert requirements.window("period", due) == (D(2026, 2, 28), D(2028, 2, 28))
    add(world.officer, "public_law", 2, D(2026, 2, 27))  # a day before the window
    add(world.officer, "public_law", 4, D(2026, 2, 28))  # its first day
    add(world.officer, "ethics", 8, D(2028, 2, 28))      # its last day
    add(world.officer, "ethics", 1, D(2028, 2, 29))      # the due date itself
    result = requirements.check(world.officer.id, "period", due)
    assert (hours(result, "public_law"), hours(result, "ethics"), hours(result)) == (4, 8, 12)
    assert [p.need for p in result.parts] == [80, 32, 32, 16]


def test_a_record_on_29_february_counts_in_a_period_that_contains_it(world):
    add(world.officer, "professional_law", 3, D(2028, 2, 29))
    assert hours(requirements.check(world.officer.id, "period", D(2028, 3, 1)), "professional_law") == 3
    assert requirements.window("period", D(2030, 3, 1)) == (D(2028, 3, 1), D(2030, 2, 28))
    assert hours(requirements.check(world.officer.id, "period", D(2030, 3, 1)), "professional_law") == 0
    assert hours(requirements.check(world.officer.id, "period", D(2030, 2, 28)), "professional_law") == 3


# --- policy -----------------------------------------------------------------------------------------------------

def test_changed_minimums_apply_at_once(world):
    meet_annual(world.officer, 2026)
    assert requirements.check(world.officer.id, "annual", D(2026, 11, 26)).met
    policy.update(ADMIN, {"training.annual.ethics": 10, "training.annual.total": 42})
    result = requirements.check(world.officer.id, "annual", D(2026, 11, 26))
    assert [p.need for p in result.parts] == [42, 16, 16, 10]
    assert [(p.code, p.short) for p in result.unmet] == [("total", 2), ("ethics", 2)]
    # the other rules keep their own settings
    assert requirements.minimums("pre_exam") == {"total": 40, "public_law": 16, "professional_law": 16, "ethics": 8}


def test_minimums_whose_parts_exceed_the_total_are_refused(world):
    with pytest.raises(DomainError) as refused:
        policy.update(ADMIN, {"training.period.public_law": 50})
    assert "两年审核周期培训要求" in refused.value.message and "超过了合计最少学时" in refused.value.message
    assert requirements.minimums("period")["public_law"] == 32
    # raising the total with it is accepted
    policy.update(ADMIN, {"training.period.public_law": 50, "training.period.total": 98})
    assert requirements.minimums("period") == {"total": 98, "public_law": 50, "professional_law": 32, "ethics": 16}


# --- many officers at once -------------------------------------------------------------------------------------

def test_check_many_answers_every_officer_with_one_grouped_query(app, world):
    meet_annual(world.officer, 2026)
    add(world.officer2, "ethics", 2.5, D(2026, 6, 1))
    ids = [world.officer.id, world.officer2.id, world.other_officer.id]
    with statements(app, selects_only=True) as seen:
        results = requirements.check_many(ids, "annual", D(2026, 11, 26))
    assert len([s for s in seen if "training_record" in s]) == 1
    assert results[world.officer.id].met
    assert hours(results[world.officer2.id], "ethics") == 2.5
    assert hours(results[world.other_officer.id]) == 0 and not results[world.other_officer.id].met
    import sqlalchemy as sa

    from portal.officers.models import Officer

    by_select = requirements.check_many(sa.select(Officer.id).where(Officer.id.in_(ids)), "annual", D(2026, 11, 26))
    assert by_select == results
