"""Certificates stored directly (the issuing service comes later): enough to exercise the models."""
from __future__ import annotations

import datetime as dt

from certificates import numbering
from certificates.models import Certificate, Edition, Hold
from portal import clock
from portal.extensions import db

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=clock.TZ)
_serials = iter(range(1, 99_999))


def certificate(officer, *, type: str = "enforcement", status: str = "active", number: str | None = None,  # noqa: A002
                first_issued_on: dt.date = dt.date(2024, 3, 1), commit: bool = True, **fields) -> Certificate:
    """A certificate of ``officer`` with a fresh number; ``fields`` override any column."""
    values = dict(
        number=number or numbering.compose("371000", numbering.TYPE_DIGITS[type], 2024, next(_serials)),
        type=type, officer_id=officer.id, agency_id=officer.agency_id, categories=["城市管理"], region="环翠区全域",
        status=status, status_since=NOW, edition=1, issued_on=first_issued_on, first_issued_on=first_issued_on,
        created_at=NOW, updated_at=NOW)
    values.update(fields)
    cert = Certificate(**values)
    db.session.add(cert)
    db.session.flush()
    if commit:
        db.session.commit()
    return cert


def hold(cert, reason: str = "other", *, legal_basis: str = "威政办发〔2016〕3号 四（二）3", **fields) -> Hold:
    """An open hold on ``cert`` (flushed, not committed)."""
    values = dict(certificate_id=cert.id, reason=reason, legal_basis=legal_basis, note="内部备注",
                  placed_by_label="test", placed_at=NOW)
    values.update(fields)
    row = Hold(**values)
    db.session.add(row)
    db.session.flush()
    return row


def edition(cert, number: int = 1, *, reason: str = "first_issue", **fields) -> Edition:
    """An edition of ``cert`` (flushed, not committed)."""
    values = dict(certificate_id=cert.id, edition=number, issued_on=cert.issued_on, reason=reason,
                  agency_id=cert.agency_id, categories=list(cert.categories), region=cert.region,
                  kid="k2026-11-26-ab12", signed_at=NOW, token="h.p.s")
    values.update(fields)
    row = Edition(**values)
    db.session.add(row)
    db.session.flush()
    return row


def revocation_grounds(certificate, kind: str, now: dt.datetime):
    """Record what a revocation of ``kind`` stands on (``certificates.grounds``), flushed, and return the proposal to
    decide it with (or ``None``): the officer recorded as gone for ``left_post`` / ``retired``; an open rejected
    review for ``review_rejected_final``; a makeup window closed failed — with a second failed sitting, or with one
    offered and not taken — for the update-test kinds; for the kinds proposed first (``review_rejected_final``,
    ``misconduct``, ``fraud``) a proposal told to the officer, who waived their answer (``certificates.proposals``)."""
    from certificates import lifecycle, proposals
    from certificates.cycle_models import UpdateTestRound
    from certificates.proposal_models import PROPOSED_KINDS
    from portal import audit
    from tests.exams.papers.helpers import raw_exam, sit

    actor = audit.Actor.system("test")
    officer = certificate.officer
    if kind in ("left_post", "retired"):
        officer.status, officer.status_changed_on = kind, now.date()
        db.session.flush()
    elif kind == "review_rejected_final":
        lifecycle.ensure_hold(certificate, "review_rejected", actor=actor, now=now,
                              legal_basis="威政办发〔2016〕3号 四（二）3")
    elif kind in ("update_test_failed_twice", "update_test_makeup_missed"):
        begun = now - dt.timedelta(days=120)
        exam = raw_exam(officer.agency, begun, begun + dt.timedelta(days=30), purpose="update_test",
                        audience="everyone")
        first = sit(exam, officer, started=begun + dt.timedelta(hours=1))
        if kind == "update_test_failed_twice":
            sit(exam, officer, number=2, started=begun + dt.timedelta(days=3))
        db.session.add(UpdateTestRound(certificate_id=certificate.id, due_on=begun.date(), failed_attempt_id=first.id,
                                       failed_at=first.finished_at, makeup_until=begun.date() + dt.timedelta(days=90),
                                       status="failed", closed_at=now))
        db.session.flush()
    if kind not in PROPOSED_KINDS:
        return None
    proposal = proposals.propose(certificate, kind, facts="经调查核实的事实", reasons="依规定作出的理由",
                                 legal_basis="威政办发〔2016〕3号 四（二）3", actor=actor, now=now)
    return proposals.waive(proposal, officer, actor=actor, now=now)


def revoke_heard(certificate, kind: str, *, actor, now: dt.datetime, legal_basis: str = "威政办发〔2016〕3号 四（二）3",
                 note: str = ""):
    """Revoke as the rules allow: on the fact or the heard proposal ``kind`` needs (:func:`revocation_grounds`)."""
    from certificates import revocation

    proposal = revocation_grounds(certificate, kind, now)
    return revocation.revoke(certificate, kind, actor=actor, now=now, legal_basis=legal_basis, note=note,
                             proposal=proposal)
