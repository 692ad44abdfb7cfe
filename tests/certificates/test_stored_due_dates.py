"""The next review and update-test due dates stored on each enforcement certificate (issue 16: lists filter and sort
by them in SQL) stay equal to what certificates.due computes, however the cycle moves: issue, a confirmed review, a
passed update test, the demo's histories and the scale data."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from certificates import cycles, due, lifecycle
from certificates.models import Certificate
from portal import audit, clock
from portal.extensions import db
from tests.conftest import PASSWORD

SYSTEM = audit.Actor.system("test")


def out_of_step() -> list[tuple[str, object, object]]:
    """Every certificate whose stored dates differ from the computed ones: (number, stored, computed)."""
    wrong = []
    for c in db.session.scalars(sa.select(Certificate)):
        if c.type == "enforcement":
            computed = (due.review_due(c.first_issued_on, c.reviews_done),
                        due.update_test_due(c.first_issued_on, c.update_tests_done))
        else:
            computed = (None, None)
        if (c.review_due_on, c.update_test_due_on) != computed:
            wrong.append((c.number, (c.review_due_on, c.update_test_due_on), computed))
    return wrong


def test_issue_and_each_cycle_move_the_stored_dates(world, key_dir, frozen):
    certificate = lifecycle.issue(world.officer, "enforcement", ["城市管理"], "环翠区", actor=SYSTEM, now=clock.now())
    db.session.commit()
    today = clock.today()
    assert (certificate.review_due_on, certificate.update_test_due_on) == (
        dt.date(today.year + 2, today.month, today.day), dt.date(today.year + 4, today.month, today.day))
    cycles.complete_review(certificate, actor=SYSTEM, now=clock.now())
    db.session.commit()
    db.session.expire_all()
    moved = db.session.get(Certificate, certificate.id)
    assert moved.review_due_on == dt.date(today.year + 4, today.month, today.day)
    moved.update_tests_done += 1  # as a passed update test does (cycles.on_attempt_graded)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).update_test_due_on == dt.date(today.year + 8, today.month,
                                                                                     today.day)
    presider = lifecycle.issue(world.officer, "hearing_presider", ["城市管理"], "环翠区", actor=SYSTEM, now=clock.now())
    db.session.commit()
    assert (presider.review_due_on, presider.update_test_due_on) == (None, None)
    assert out_of_step() == []


def test_the_demo_and_the_scale_data_keep_them_in_step(app, runner, monkeypatch, frozen, load_demo):
    monkeypatch.setitem(app.config, "DEMO_PASSWORD", PASSWORD)
    load_demo()
    assert out_of_step() == []
    assert runner.invoke(args=["bench-data", "--officers", "200"]).exit_code == 0
    db.session.expire_all()
    assert out_of_step() == []


def test_the_sweep_reads_only_certificates_whose_dates_are_near(world, key_dir, frozen):
    """Through the stored dates the sweep reads what is overdue, within the largest reminder threshold (60 days) or
    within the update-test enrolment window (six months) — not every live certificate (issue 16)."""
    from certificates import sweep
    from tests.certificates.helpers import certificate

    today = clock.today()
    # the first issue two years before a review due in 300 days (and an update test two years after that) …
    far = certificate(world.officer, first_issued_on=today + dt.timedelta(days=300 - 730))
    # … and before one due in 59 days, within the first reminder's reach
    near = certificate(world.officer2, first_issued_on=today + dt.timedelta(days=59 - 730))
    read = {row.id for row in sweep._live_enforcement_rows(today)}
    assert near.id in read and far.id not in read
