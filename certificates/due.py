"""Due dates of the two-year review 审核确认 and the four-year update test 法律知识更新测试 (SPEC §2.7, §2.8).

The one module that computes them. The review is due 2 years after the first issue, then every 2 years after
the previous due date; the update test 4 years after the first issue, then every 4 years after the previous due
date. Completing one — late or early — moves the next due date by one cycle from the previous *due date*, never
from the completion date, so the cadence never shifts. The n-th due date is therefore the first issue date's
anniversary ``n × cycle`` years on, counted from the issue date itself (not by repeatedly adding to the previous
due date, which would carry a 28 February forward from a 29 February issue for ever): an issue on 29 February
falls due on 28 February in a common year and on 29 February in a leap year (民法典第二百零二条 — a period in
years ends on the corresponding day, or the month's last day when there is none).

A certificate records its first issue date and how many cycles of each kind were completed
(:attr:`Certificate.reviews_done`, :attr:`Certificate.update_tests_done`); the workflows that confirm a review
or pass an update test add one. The dates these give are also stored on the certificate
(``review_due_on``, ``update_test_due_on``, indexed), recomputed here on every write of it, so that lists and the
sweep filter and sort by them in SQL. A reissue (补发/换发) keeps ``first_issued_on``, so it moves nothing.
Hearing-presider certificates have no cycles of their own *(default)*: they show the dates of the holder's
enforcement certificate. A revoked certificate has no due dates.

A date is overdue when today is after it (the due day itself is not overdue). Lists colour what is due within
60 days dark red and what is overdue bright red (SPEC §2.8): :func:`css_class`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.dates import anniversary

REVIEW_YEARS = 2
UPDATE_TEST_YEARS = 4
#: lists colour a due date this many days away or fewer (the first reminder, SPEC §2.8)
SOON_DAYS = 60
#: CSS classes of ``static/css/app.css`` (``--due`` dark red, ``--overdue`` bright red)
CSS_DUE_SOON = "status-due"
CSS_OVERDUE = "status-overdue"


def nth_due(anchor: dt.date, years: int, n: int) -> dt.date:
    """The ``n``-th due date (``n`` ≥ 1) of a cycle of ``years`` years anchored on ``anchor`` (the first issue)."""
    if n < 1:
        raise ValueError("n counts from 1")
    return anniversary(anchor, years * n)


def review_due(first_issued_on: dt.date, reviews_done: int) -> dt.date:
    """The next review due date after ``reviews_done`` confirmed reviews."""
    return nth_due(first_issued_on, REVIEW_YEARS, reviews_done + 1)


def update_test_due(first_issued_on: dt.date, update_tests_done: int) -> dt.date:
    """The next update-test due date after ``update_tests_done`` passed update tests."""
    return nth_due(first_issued_on, UPDATE_TEST_YEARS, update_tests_done + 1)


def _cycle_holder(certificate, enforcement=None):
    """The certificate whose cycles apply: itself, or for a presider the holder's enforcement certificate."""
    if certificate is None or certificate.status == "revoked":
        return None
    if certificate.type == "hearing_presider":
        if enforcement is None or enforcement.type != "enforcement" or enforcement.status == "revoked":
            return None
        if enforcement.officer_id != certificate.officer_id:
            raise ValueError("the enforcement certificate must be the presider's own")
        return enforcement
    return certificate


def next_review_due(certificate, enforcement=None) -> dt.date | None:
    """The next review due date of ``certificate`` (``None`` when revoked, or for a presider whose enforcement
    certificate — passed as ``enforcement`` — is missing or revoked)."""
    holder = _cycle_holder(certificate, enforcement)
    return None if holder is None else review_due(holder.first_issued_on, holder.reviews_done)


def next_update_test_due(certificate, enforcement=None) -> dt.date | None:
    """The next update-test due date of ``certificate`` (``None`` as for :func:`next_review_due`)."""
    holder = _cycle_holder(certificate, enforcement)
    return None if holder is None else update_test_due(holder.first_issued_on, holder.update_tests_done)


def is_overdue(due: dt.date | None, today: dt.date) -> bool:
    """True when ``today`` is after ``due`` (the due day itself is not overdue); never for no date."""
    return due is not None and today > due


def is_due_soon(due: dt.date | None, today: dt.date, days: int = SOON_DAYS) -> bool:
    """True when ``due`` is today or within the next ``days`` days (and so not overdue)."""
    return due is not None and today <= due <= today + dt.timedelta(days=days)


def css_class(due: dt.date | None, today: dt.date) -> str:
    """``status-overdue`` (bright red), ``status-due`` (dark red, due within 60 days) or ``""``."""
    if is_overdue(due, today):
        return CSS_OVERDUE
    if is_due_soon(due, today):
        return CSS_DUE_SOON
    return ""


def describe(due: dt.date | None, today: dt.date) -> str:
    """A short Chinese note beside a due date: 已逾期 N 天 / 今日到期 / N 天后到期 (within 60 days) / ``""``."""
    if due is None:
        return ""
    days = (due - today).days
    if days < 0:
        return f"已逾期 {-days} 天"
    if days == 0:
        return "今日到期"
    if days <= SOON_DAYS:
        return f"{days} 天后到期"
    return ""


@dataclass(frozen=True)
class Dues:
    """A certificate's two due dates, judged on ``today``."""

    review: dt.date | None
    update_test: dt.date | None
    today: dt.date

    @property
    def review_overdue(self) -> bool:
        return is_overdue(self.review, self.today)

    @property
    def update_test_overdue(self) -> bool:
        return is_overdue(self.update_test, self.today)

    @property
    def review_class(self) -> str:
        return css_class(self.review, self.today)

    @property
    def update_test_class(self) -> str:
        return css_class(self.update_test, self.today)


def dues(certificate, today: dt.date, enforcement=None) -> Dues:
    """Both due dates of ``certificate`` on ``today`` (``enforcement``: a presider's enforcement certificate)."""
    return Dues(next_review_due(certificate, enforcement), next_update_test_due(certificate, enforcement), today)
