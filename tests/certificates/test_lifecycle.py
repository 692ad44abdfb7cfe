"""The life of a certificate (SPEC §2.7, issue 6): issue, reissue, every allowed and forbidden status change,
every combination of manual and system holds, reinstatement's 409, revocation kinds, the presider's hold that
follows the enforcement certificate, events, audit entries, notices and the officer's written answer."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from certificates import answers, lifecycle, numbering, revocation, tokens
from certificates.models import (
    HOLD_REASONS,
    MANUAL_HOLD_REASONS,
    REVOCATION_KINDS,
    SYSTEM_HOLD_REASONS,
    Answer,
    CertificateEvent,
    Edition,
    Hold,
)
from portal import audit, clock, policy
from portal.audit import AuditEntry
from portal.errors import DomainError
from portal.extensions import db
from portal.notify import Notification
from tests.certificates.helpers import revocation_grounds, revoke_heard
from tests.race import at_once

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=clock.TZ)
LATER = NOW + dt.timedelta(hours=1)
ACTOR = audit.Actor.system("test")
BASIS = "威政办发〔2016〕3号 四（二）3"


@pytest.fixture
def issued(app, world, key_dir):
    cert = lifecycle.issue(world.officer, "enforcement", ["城市管理"], "环翠区全域", actor=ACTOR, now=NOW)
    db.session.commit()
    return cert


def events(cert) -> list[tuple]:
    return [(e.action, e.from_status, e.to_status, e.reason) for e in db.session.scalars(
        sa.select(CertificateEvent).where(CertificateEvent.certificate_id == cert.id).order_by(CertificateEvent.id))]


def notices(user) -> list[str]:
    return list(db.session.scalars(sa.select(Notification.title).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def code_of(excinfo) -> tuple[str, int]:
    return excinfo.value.code, excinfo.value.status


def test_issue_numbers_signs_and_records(issued, world):
    assert issued.number == numbering.compose("371000", 1, 2026, 1)
    assert (issued.status, issued.edition, issued.issued_on, issued.first_issued_on) == (
        "active", 1, NOW.date(), NOW.date())
    edition = db.session.scalar(sa.select(Edition).where(Edition.certificate_id == issued.id))
    check = tokens.verify(edition.token)
    assert check.valid and check.claims["sub"] == issued.number and check.claims["ed"] == 1
    assert check.claims["name"] == "王建国" and check.claims["org"] == "环翠执法局"
    assert edition.kid == check.kid and edition.reason == "first_issue"
    assert events(issued) == [("issue", None, "active", None)]
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "certificate.issue")).one()
    assert entry.object_id == str(issued.id) and entry.agency_id == world.dept.id


def test_a_second_live_certificate_of_one_type_is_refused(issued, world):
    with pytest.raises(DomainError) as excinfo:
        lifecycle.issue(world.officer, "enforcement", ["城市管理"], "环翠区", actor=ACTOR, now=NOW)
    assert code_of(excinfo) == ("certificate_exists", 409) and issued.number in excinfo.value.message


def test_numbers_count_per_year_and_type(app, world, key_dir):
    first = lifecycle.issue(world.officer, "enforcement", [], "环翠区", actor=ACTOR, now=NOW)
    second = lifecycle.issue(world.officer2, "enforcement", [], "环翠区", actor=ACTOR, now=NOW)
    next_year = lifecycle.issue(world.other_officer, "enforcement", [], "文登区", actor=ACTOR,
                                now=dt.datetime(2027, 1, 1, 0, 0, tzinfo=clock.TZ))
    assert [c.number[:13] for c in (first, second, next_year)] == [
        "3710001260000", "3710001260000", "3710001270000"]
    assert [c.number[13] for c in (first, second)] == ["1", "2"] and next_year.number[13] == "1"


def test_reissue_keeps_the_number_and_supersedes_the_old_edition(issued, world):
    old = lifecycle.current_edition(issued)
    edition = lifecycle.reissue(issued, "renewal", actor=ACTOR, now=LATER, agency=world.dept2,
                                categories=["市场监管"], note="调入市场监督管理局")
    db.session.commit()
    assert (issued.number, issued.edition, issued.agency_id, issued.categories) == (
        issued.number, 2, world.dept2.id, ["市场监管"])
    assert issued.first_issued_on == NOW.date() and issued.issued_on == LATER.date()
    db.session.refresh(old)
    assert old.superseded_at == LATER and edition.superseded_at is None
    assert tokens.verify(edition.token).claims["ed"] == 2
    assert tokens.verify(edition.token).claims["org"] == "环翠市监局"
    assert events(issued)[-1] == ("renewal", "active", "active", "renewal")
    with pytest.raises(DomainError) as excinfo:
        lifecycle.reissue(issued, "lost", actor=ACTOR, now=LATER)
    assert excinfo.value.code == "invalid_reason"


@pytest.mark.parametrize("reason", MANUAL_HOLD_REASONS)
def test_a_manual_hold_suspends_notifies_and_reinstate_lifts_it(issued, world, reason):
    hold = lifecycle.place_hold(issued, reason, actor=ACTOR, now=NOW, legal_basis=BASIS, note="内部")
    db.session.commit()
    assert issued.status == "suspended" and issued.status_since == NOW and hold.is_open
    assert notices(world.officer_user) == ["您的行政执法证已暂扣"]
    lifecycle.reinstate(issued, actor=ACTOR, now=LATER, note="调查结束")
    db.session.commit()
    assert issued.status == "active" and issued.status_since == LATER
    db.session.refresh(hold)
    assert hold.lifted_at == LATER and hold.lift_note == "调查结束"
    assert events(issued)[1:] == [("hold", "active", "suspended", reason), ("lift", "suspended", "active", reason)]
    assert notices(world.officer_user)[-1] == "您的行政执法证已恢复有效"


def test_a_manual_hold_needs_a_legal_basis_and_a_manual_reason(issued):
    with pytest.raises(DomainError) as excinfo:
        lifecycle.place_hold(issued, "other", actor=ACTOR, now=NOW, legal_basis="  ")
    assert excinfo.value.code == "legal_basis_required" and excinfo.value.items[0]["field"] == "legal_basis"
    for reason in SYSTEM_HOLD_REASONS:
        with pytest.raises(DomainError) as excinfo:
            lifecycle.place_hold(issued, reason, actor=ACTOR, now=NOW, legal_basis=BASIS)
        assert excinfo.value.code == "system_hold"
    with pytest.raises(DomainError):
        lifecycle.place_hold(issued, "sleeping", actor=ACTOR, now=NOW, legal_basis=BASIS)
    assert issued.status == "active" and not issued.holds


def test_the_same_hold_twice_is_a_conflict(issued):
    lifecycle.place_hold(issued, "other", actor=ACTOR, now=NOW, legal_basis=BASIS)
    with pytest.raises(DomainError) as excinfo:
        lifecycle.place_hold(issued, "other", actor=ACTOR, now=NOW, legal_basis=BASIS)
    assert code_of(excinfo) == ("hold_exists", 409)


@pytest.mark.parametrize("system_reason", SYSTEM_HOLD_REASONS)
def test_reinstate_answers_409_naming_the_system_holds_and_changes_nothing(issued, system_reason):
    lifecycle.ensure_hold(issued, system_reason, actor=ACTOR, now=NOW)
    lifecycle.place_hold(issued, "disciplinary", actor=ACTOR, now=NOW, legal_basis=BASIS)
    db.session.commit()
    with pytest.raises(DomainError) as excinfo:
        lifecycle.reinstate(issued, actor=ACTOR, now=LATER)
    assert code_of(excinfo) == ("system_holds_remain", 409)
    assert HOLD_REASONS[system_reason] in excinfo.value.message
    db.session.rollback()
    assert issued.status == "suspended" and len(issued.open_holds) == 2


def test_lifting_one_hold_of_two_keeps_the_certificate_suspended(issued):
    manual = lifecycle.place_hold(issued, "other", actor=ACTOR, now=NOW, legal_basis=BASIS)
    lifecycle.ensure_hold(issued, "review_overdue", actor=ACTOR, now=NOW)
    lifecycle.lift_hold(issued, manual.id, actor=ACTOR, now=LATER)
    assert issued.status == "suspended" and [h.reason for h in issued.open_holds] == ["review_overdue"]
    assert lifecycle.cure(issued, "review_overdue", actor=ACTOR, now=LATER)
    assert issued.status == "active" and not issued.open_holds
    assert not lifecycle.cure(issued, "review_overdue", actor=ACTOR, now=LATER)


def test_a_system_hold_cannot_be_lifted_by_hand(issued):
    hold = lifecycle.ensure_hold(issued, "update_test_overdue", actor=ACTOR, now=NOW)
    with pytest.raises(DomainError) as excinfo:
        lifecycle.lift_hold(issued, hold.id, actor=ACTOR, now=LATER)
    assert code_of(excinfo) == ("system_hold", 409)
    assert lifecycle.ensure_hold(issued, "update_test_overdue", actor=ACTOR, now=NOW) is None  # idempotent


def test_reinstating_an_active_certificate_is_a_conflict(issued):
    with pytest.raises(DomainError) as excinfo:
        lifecycle.reinstate(issued, actor=ACTOR, now=NOW)
    assert code_of(excinfo) == ("not_suspended", 409)


@pytest.mark.parametrize("kind", REVOCATION_KINDS)
@pytest.mark.parametrize("from_suspended", [False, True])
def test_revocation_from_active_or_suspended_is_terminal(issued, world, kind, from_suspended):
    if from_suspended:
        lifecycle.place_hold(issued, "under_investigation", actor=ACTOR, now=NOW, legal_basis=BASIS)
    proposal = revocation_grounds(issued, kind, NOW)  # a rejected review holds the certificate
    revocation.revoke(issued, kind, actor=ACTOR, now=LATER, legal_basis=BASIS, proposal=proposal)
    db.session.commit()
    assert (issued.status, issued.revocation_kind, issued.revoked_at) == ("revoked", kind, LATER)
    assert not issued.open_holds
    held = from_suspended or kind == "review_rejected_final"
    assert events(issued)[-1] == ("revoke", "suspended" if held else "active", "revoked", kind)
    assert notices(world.officer_user)[-1].startswith("您的行政执法证已") and "暂扣" not in notices(
        world.officer_user)[-1]
    for attempt in (
        lambda: revocation.revoke(issued, "fraud", actor=ACTOR, now=LATER, legal_basis=BASIS),
        lambda: lifecycle.place_hold(issued, "other", actor=ACTOR, now=LATER, legal_basis=BASIS),
        lambda: lifecycle.reinstate(issued, actor=ACTOR, now=LATER),
        lambda: lifecycle.reissue(issued, "reissue", actor=ACTOR, now=LATER),
    ):
        with pytest.raises(DomainError) as excinfo:
            attempt()
        assert excinfo.value.status == 409
    assert lifecycle.ensure_hold(issued, "review_overdue", actor=ACTOR, now=LATER) is None


def test_a_revoked_officer_may_be_issued_a_new_certificate(issued, world):
    revoke_heard(issued, "misconduct", actor=ACTOR, now=NOW)
    again = lifecycle.issue(world.officer, "enforcement", [], "环翠区", actor=ACTOR, now=LATER)
    assert again.number != issued.number and again.status == "active"


def test_misconduct_and_fraud_need_a_legal_basis(issued):
    for kind in ("misconduct", "fraud", "review_rejected_final"):
        with pytest.raises(DomainError) as excinfo:
            revocation.revoke(issued, kind, actor=ACTOR, now=NOW)
        assert excinfo.value.code == "legal_basis_required"
    with pytest.raises(DomainError):
        revocation.revoke(issued, "expired", actor=ACTOR, now=NOW)
    assert issued.status == "active"


def test_a_stale_form_is_told_the_certificate_changed(issued):
    seen = lifecycle.parse_stamp(lifecycle.stamp(issued))
    lifecycle.place_hold(issued, "other", actor=ACTOR, now=LATER, legal_basis=BASIS, expected=seen)
    db.session.commit()
    with pytest.raises(DomainError) as excinfo:
        revocation.revoke(issued, "deceased", actor=ACTOR, now=LATER + dt.timedelta(minutes=1), expected=seen)
    assert code_of(excinfo) == ("certificate_changed", 409)
    assert lifecycle.parse_stamp("not a date") is None and lifecycle.parse_stamp("") is None


def presider_of(world, now=NOW):
    return lifecycle.issue(world.officer, "hearing_presider", ["城市管理"], "环翠区全域", actor=ACTOR, now=now)


def test_the_presider_certificate_follows_the_enforcement_certificate(issued, world):
    presider = presider_of(world)
    assert presider.status == "active" and presider.number[6] == "2"
    lifecycle.place_hold(issued, "disciplinary", actor=ACTOR, now=LATER, legal_basis=BASIS)
    db.session.refresh(presider)
    assert presider.status == "suspended"
    assert [h.reason for h in presider.open_holds] == ["enforcement_certificate_inactive"]
    with pytest.raises(DomainError) as excinfo:  # a system hold: reinstate cannot lift it
        lifecycle.reinstate(presider, actor=ACTOR, now=LATER)
    assert excinfo.value.code == "system_holds_remain"
    lifecycle.reinstate(issued, actor=ACTOR, now=LATER)
    db.session.refresh(presider)
    assert presider.status == "active"
    revoke_heard(issued, "misconduct", actor=ACTOR, now=LATER, legal_basis=BASIS)
    db.session.refresh(presider)
    assert presider.status == "suspended"


def test_a_presider_without_an_enforcement_certificate_is_held_unless_the_policy_says_otherwise(app, world,
                                                                                              key_dir):
    presider = presider_of(world)
    assert presider.status == "suspended"
    policy.update(ACTOR, {"certificates.presider_needs_certificate": 0})
    other = lifecycle.issue(world.officer2, "hearing_presider", [], "环翠区", actor=ACTOR, now=NOW)
    assert other.status == "active"


def test_the_officer_answers_a_hold_and_a_revocation(issued, world):
    hold = lifecycle.place_hold(issued, "other", actor=ACTOR, now=NOW, legal_basis=BASIS)
    row = answers.answer(issued, world.officer, " 我已按期参加培训。 ", actor=ACTOR, now=LATER, hold_id=hold.id)
    assert row.body == "我已按期参加培训。" and row.hold_id == hold.id and row.event_id is None
    revoke_heard(issued, "misconduct", actor=ACTOR, now=LATER, legal_basis=BASIS)
    event = db.session.scalar(sa.select(CertificateEvent).where(CertificateEvent.action == "revoke"))
    answers.answer(issued, world.officer, "申辩", actor=ACTOR, now=LATER, event_id=event.id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 2
    for bad, code in (("", "answer_empty"), ("字" * 2001, "answer_too_long")):
        with pytest.raises(DomainError) as excinfo:
            answers.answer(issued, world.officer, bad, actor=ACTOR, now=LATER, hold_id=hold.id)
        assert excinfo.value.code == code
    with pytest.raises(DomainError) as excinfo:  # not their certificate
        answers.answer(issued, world.officer2, "申辩", actor=ACTOR, now=LATER, hold_id=hold.id)
    assert excinfo.value.status == 404
    first_event = db.session.scalar(sa.select(CertificateEvent).where(CertificateEvent.action == "issue"))
    with pytest.raises(DomainError):  # only a revocation event may be answered
        answers.answer(issued, world.officer, "申辩", actor=ACTOR, now=LATER, event_id=first_event.id)


def test_every_hold_has_its_event_and_audit_entry(issued):
    lifecycle.place_hold(issued, "other", actor=ACTOR, now=NOW, legal_basis=BASIS, note="私密备注")
    actions = list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-1] == "certificate.hold"
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "certificate.hold")).one()
    assert "私密备注" not in str(entry.change) and entry.change["reason"] == "other"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Hold)) == 1


def change_at_once(app, cert_id: int, *operations) -> list:
    """Each ``operation(certificate)`` run at once by another person (:func:`tests.race.at_once`)."""
    from certificates.models import Certificate

    return at_once(app, *(lambda op=op: op(db.session.get(Certificate, cert_id)) for op in operations))


def test_two_concurrent_suspensions_one_wins_the_other_gets_a_conflict(app, issued):
    def suspend(cert):
        lifecycle.place_hold(cert, "under_investigation", actor=ACTOR, now=LATER, legal_basis=BASIS)

    outcomes = change_at_once(app, issued.id, suspend, suspend)
    assert sorted(outcomes) == ["hold_exists", "ok"]
    db.session.expire_all()
    assert issued.status == "suspended" and len(issued.open_holds) == 1


def test_two_concurrent_changes_from_one_page_one_wins(app, issued):
    seen = lifecycle.parse_stamp(lifecycle.stamp(issued))

    def suspend(cert):
        lifecycle.place_hold(cert, "disciplinary", actor=ACTOR, now=LATER, legal_basis=BASIS, expected=seen)

    def revoke(cert):
        revocation.revoke(cert, "deceased", actor=ACTOR, now=LATER, expected=seen)

    outcomes = change_at_once(app, issued.id, suspend, revoke)
    assert sorted(outcomes) == ["certificate_changed", "ok"]
    db.session.expire_all()
    assert issued.status in ("suspended", "revoked")
    assert len(events(issued)) == 2
