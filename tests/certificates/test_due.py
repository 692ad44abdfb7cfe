"""Due dates (SPEC §2.7, §2.8): review 2 years after the first issue then every 2 years after the previous due
date, update test 4 then every 4; completing late or early keeps the cadence; 29 February falls on 28 February in
a common year; overdue means after the date."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from certificates import due
from certificates.models import Certificate
from portal.dates import anniversary

D = dt.date
ISSUED = dt.date(2024, 3, 1)


def cert(first_issued_on=ISSUED, reviews_done=0, update_tests_done=0, *, type="enforcement",  # noqa: A002
         status="active", officer_id=1, issued_on=None):
    return Certificate(type=type, status=status, officer_id=officer_id, first_issued_on=first_issued_on,
                       issued_on=issued_on or first_issued_on, reviews_done=reviews_done,
                       update_tests_done=update_tests_done)


def test_first_due_dates_are_two_and_four_years_after_the_first_issue():
    c = cert(D(2024, 3, 1))
    assert due.next_review_due(c) == D(2026, 3, 1)
    assert due.next_update_test_due(c) == D(2028, 3, 1)
    found = due.dues(c, D(2026, 1, 1))
    assert (found.review, found.update_test) == (D(2026, 3, 1), D(2028, 3, 1))


@pytest.mark.parametrize("today, overdue", [
    (D(2026, 2, 28), False),   # the day before
    (D(2026, 3, 1), False),    # the due day itself is not overdue
    (D(2026, 3, 2), True),     # the day after
])
def test_overdue_means_after_the_date(today, overdue):
    c = cert(D(2024, 3, 1))
    assert due.is_overdue(due.next_review_due(c), today) is overdue
    assert due.dues(c, today).review_overdue is overdue
    assert due.dues(c, today).update_test_overdue is False


@pytest.mark.parametrize("today, overdue", [(D(2028, 2, 29), False), (D(2028, 3, 1), False), (D(2028, 3, 2), True)])
def test_the_update_test_is_overdue_the_day_after_its_date(today, overdue):
    assert due.dues(cert(D(2024, 3, 1)), today).update_test_overdue is overdue


def test_no_date_is_never_overdue():
    assert due.is_overdue(None, D(2099, 1, 1)) is False
    assert due.css_class(None, D(2099, 1, 1)) == ""
    assert due.describe(None, D(2099, 1, 1)) == ""


def test_cadence_is_kept_after_a_late_completion():
    c = cert(D(2024, 3, 1))
    assert due.next_review_due(c) == D(2026, 3, 1)
    # confirmed on 2026-06-15, three months late: the next review is due 2028-03-01, not 2028-06-15
    c.reviews_done = 1
    assert due.next_review_due(c) == D(2028, 3, 1)
    # update test passed 2028-09-30, seven months late: next due 2032-03-01, not 2032-09-30
    c.update_tests_done = 1
    assert due.next_update_test_due(c) == D(2032, 3, 1)


def test_an_early_completion_also_moves_the_date_by_one_cycle_from_the_previous_due_date():
    # SPEC §2.7: "then every 2 years after the previous due date" — whenever it was completed
    c = cert(D(2024, 3, 1))
    c.reviews_done = 1  # confirmed 2025-12-01, three months early
    assert due.next_review_due(c) == D(2028, 3, 1)  # not 2027-12-01
    c.update_tests_done = 1  # passed 2027-10-08, ahead of the 2028-03-01 due date
    assert due.next_update_test_due(c) == D(2032, 3, 1)


def test_a_completion_that_is_more_than_a_cycle_late_leaves_the_certificate_overdue():
    c = cert(D(2024, 3, 1), reviews_done=1)  # the 2026 review confirmed only in 2028-05
    assert due.next_review_due(c) == D(2028, 3, 1)
    assert due.dues(c, D(2028, 5, 1)).review_overdue


def test_29_february_falls_on_28_february_in_a_common_year_and_stays_29_in_a_leap_year():
    leap = D(2024, 2, 29)
    assert [due.next_review_due(cert(leap, n)) for n in range(5)] == [
        D(2026, 2, 28), D(2028, 2, 29), D(2030, 2, 28), D(2032, 2, 29), D(2034, 2, 28)]
    assert [due.next_update_test_due(cert(leap, 0, n)) for n in range(3)] == [
        D(2028, 2, 29), D(2032, 2, 29), D(2036, 2, 29)]
    # the first review of a 29 February issue: overdue from 1 March
    assert not due.is_overdue(D(2026, 2, 28), D(2026, 2, 28))
    assert due.is_overdue(D(2026, 2, 28), D(2026, 3, 1))
    # 28 February and 1 March issues are untouched by the rule
    assert due.next_review_due(cert(D(2024, 2, 28))) == D(2026, 2, 28)
    assert due.next_review_due(cert(D(2024, 3, 1))) == D(2026, 3, 1)
    assert due.next_update_test_due(cert(D(2023, 2, 28))) == D(2027, 2, 28)


def test_each_due_date_is_the_previous_one_plus_the_cycle_for_every_issue_day_of_a_year():
    """For every day but 29 February, "n cycles after the issue" and "one cycle after the previous due date"
    are the same date, so the spec's wording and this module agree."""
    day, checked = D(2023, 1, 1), 0
    while day < D(2025, 1, 1):
        if (day.month, day.day) != (2, 29):
            for done in range(4):
                assert due.next_review_due(cert(day, done + 1)) == anniversary(due.next_review_due(cert(day, done)), 2)
                assert due.next_update_test_due(cert(day, 0, done + 1)) == anniversary(
                    due.next_update_test_due(cert(day, 0, done)), 4)
                checked += 1
        day += dt.timedelta(days=1)
    assert checked == 730 * 4


def test_a_reissue_moves_nothing():
    c = cert(D(2024, 3, 1))
    c.edition, c.issued_on = 2, D(2025, 6, 1)  # 换发 for a new agency
    assert due.next_review_due(c) == D(2026, 3, 1)
    assert due.next_update_test_due(c) == D(2028, 3, 1)


def test_a_presider_follows_the_holders_enforcement_certificate():
    enforcement = cert(D(2024, 3, 1), reviews_done=1, officer_id=7)
    presider = cert(D(2025, 5, 5), type="hearing_presider", officer_id=7)
    assert due.next_review_due(presider, enforcement) == D(2028, 3, 1)
    assert due.next_update_test_due(presider, enforcement) == D(2028, 3, 1)
    # without an enforcement certificate, or with a revoked one, it has none
    assert due.dues(presider, D(2026, 1, 1)) == due.Dues(None, None, D(2026, 1, 1))
    enforcement.status = "revoked"
    assert due.next_review_due(presider, enforcement) is None
    enforcement.status = "suspended"  # a suspended one still has its dates (its holds are what matter)
    assert due.next_review_due(presider, enforcement) == D(2028, 3, 1)
    with pytest.raises(ValueError):
        due.next_review_due(presider, cert(D(2024, 3, 1), officer_id=8))


def test_a_revoked_certificate_has_no_due_dates():
    c = cert(D(2024, 3, 1), status="revoked")
    assert due.next_review_due(c) is None and due.next_update_test_due(c) is None
    assert due.next_review_due(cert(status="suspended")) == D(2026, 3, 1)


@pytest.mark.parametrize("days_before, css, text", [
    (61, "", ""),
    (60, "status-due", "60 天后到期"),      # due within 60 days: dark red
    (1, "status-due", "1 天后到期"),
    (0, "status-due", "今日到期"),           # the due day: still dark red, not overdue
    (-1, "status-overdue", "已逾期 1 天"),   # after the date: bright red
    (-400, "status-overdue", "已逾期 400 天"),
])
def test_lists_colour_due_soon_dark_red_and_overdue_bright_red(days_before, css, text):
    date = D(2026, 3, 1)
    today = date - dt.timedelta(days=days_before)
    assert due.css_class(date, today) == css
    assert due.describe(date, today) == text
    assert due.is_due_soon(date, today) is (css == "status-due")
    c = cert(D(2024, 3, 1))
    assert due.dues(c, today).review_class == css


def test_the_colour_classes_exist_in_the_stylesheet():
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "app.css").read_text(encoding="utf-8")
    assert ".badge.status-due { background: var(--due); }" in css
    assert ".badge.status-overdue { background: var(--overdue); }" in css


def test_a_certificate_like_object_will_do():
    row = SimpleNamespace(type="enforcement", status="active", officer_id=1, first_issued_on=D(2020, 2, 29),
                          reviews_done=3, update_tests_done=1)
    assert due.next_review_due(row) == D(2028, 2, 29)
    assert due.next_update_test_due(row) == D(2028, 2, 29)
    with pytest.raises(ValueError):
        due.nth_due(D(2020, 1, 1), 2, 0)
