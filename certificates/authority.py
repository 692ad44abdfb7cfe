"""The authority a certificate is held under: the body named on it must be valid (SPEC §2.1, seed 四(一)).

A certificate whose agency is not a valid body — never confirmed, cancelled, or confirmed but not yet announced —
carries the ``body_invalid`` system hold; when the body is valid again the hold is lifted. The orgs registry sends
``body_changed`` on every decision and this module follows it at once; the daily sweep calls :func:`reconcile`
to catch the rest (an announcement dated ahead, a certificate moved between agencies) with a couple of queries.
Entrusted organisations are not bodies: their officers' standing follows their agreement, not this rule.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from certificates import lifecycle
from certificates.models import Certificate, Hold
from portal import audit, notify, policy
from portal.auth.access import users_covering
from portal.auth.models import User
from portal.extensions import db
from portal.orgs import bodies
from portal.orgs import signals as org_signals
from portal.orgs.models import Agency, BodyReminder

BASIS = "威政办发〔2016〕3号 四（一）"
HOLD = "body_invalid"


def valid_body(today: dt.date):
    """The SQL twin of :meth:`Agency.is_valid_body`."""
    return sa.and_(Agency.qualification_status == "confirmed", Agency.announced_on.is_not(None),
                   Agency.announced_on <= today)


def _follow(certificate: Certificate, valid: bool, *, actor: audit.Actor, now: dt.datetime) -> bool:
    """Place or lift the hold so it matches the body's validity; True when something changed."""
    if valid:
        return lifecycle.cure(certificate, HOLD, actor=actor, now=now, note="执法主体资格已确认并公告")
    return lifecycle.ensure_hold(certificate, HOLD, actor=actor, now=now, legal_basis=BASIS) is not None


@org_signals.body_changed.connect
def on_body_changed(agency: Agency, actor: audit.Actor, now: dt.datetime, **_) -> None:
    """A decision on a body: its live certificates follow its validity at once."""
    valid = agency.is_valid_body(now.date())
    live = db.session.scalars(sa.select(Certificate).where(
        Certificate.agency_id == agency.id, Certificate.status != "revoked").order_by(Certificate.type)).all()
    for certificate in live:
        _follow(certificate, valid, actor=actor, now=now)


def reconcile(today: dt.date, *, actor: audit.Actor, now: dt.datetime) -> list[tuple[Certificate, bool]]:
    """Hold every live certificate of an invalid body and lift the hold of every certificate whose body is valid
    again; returns each certificate changed with True when held, False when lifted."""
    held = sa.select(Hold.certificate_id).where(Hold.reason == HOLD, Hold.lifted_at.is_(None))
    to_hold = sa.select(Certificate.id).join(Agency, Agency.id == Certificate.agency_id).where(
        Certificate.status != "revoked", Agency.kind != "entrusted", sa.not_(valid_body(today)),
        Certificate.id.not_in(held))
    to_lift = sa.select(Certificate.id).join(Agency, Agency.id == Certificate.agency_id).where(
        valid_body(today), Certificate.id.in_(held))
    changed = []
    for ids, valid in ((to_hold, False), (to_lift, True)):
        for certificate in db.session.scalars(sa.select(Certificate).where(Certificate.id.in_(ids))
                                              .order_by(Certificate.type, Certificate.number)).all():
            if _follow(certificate, valid, actor=actor, now=now):
                changed.append((certificate, not valid))
    return changed


def remind_reconfirmation(today: dt.date, *, now: dt.datetime) -> list[Agency]:
    """Tell the legal offices covering each body whose re-confirmation falls due within the reminder window
    (once per due date); returns the bodies reminded."""
    days = int(policy.get("orgs.reconfirm_reminder_days"))
    confirmed = db.session.scalars(sa.select(Agency).where(Agency.qualification_status == "confirmed")).all()
    sent = set(db.session.execute(sa.select(BodyReminder.agency_id, BodyReminder.due_on)).all())
    reminded = []
    for agency in confirmed:
        day = bodies.reconfirm_due(agency)
        if day is None or (agency.id, day) in sent or not 0 <= (day - today).days <= days:
            continue
        db.session.add(BodyReminder(agency_id=agency.id, due_on=day, sent_at=now))
        recipients = db.session.scalars(sa.select(User).where(
            User.role == "legal", User.active.is_(True), User.id.in_(users_covering(agency.id)))).all()
        for user in recipients:
            notify.user(user, f"{agency.name}执法主体资格复核确认即将到期",
                        f"{agency.name}的执法主体资格于 {agency.qualification_decided_on:%Y-%m-%d} 确认，"
                        f"应于 {day:%Y-%m-%d} 前复核确认并公告。", f"/bodies/{agency.id}", now=now)
        reminded.append(agency)
    db.session.flush()
    return reminded
