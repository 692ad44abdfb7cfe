"""The authority a certificate is held under (SPEC §2.1, §2.2): the body named on it must be valid, or — for an
entrusted party — an entrustment agreement must be in force.

A certificate of an agency that is not a valid body (never confirmed, cancelled, or confirmed but not yet
announced) carries the ``body_invalid`` system hold; one of an entrusted party (an ``entrusted`` organisation, or a
township that is the entrusted party of an agreement) carries ``entrustment_ended`` while no agreement of its is in
force (announced, within its term, not terminated, its entrusting body valid). Each hold is lifted when its cause
is cured. The orgs registry sends ``body_changed`` and ``entrustment_changed`` and this module follows them at once;
the daily sweep calls :func:`reconcile` to catch what dates alone change (an announcement dated ahead, a term
ending) with a handful of set reads.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from certificates import lifecycle
from certificates.models import Certificate, Hold
from portal import audit, notify, policy
from portal.auth.access import legal_covering
from portal.extensions import db
from portal.orgs import signals as org_signals
from portal.orgs.bodies import services as bodies
from portal.orgs.entrustment import services as entrustment
from portal.orgs.models import Agency, Agreement, BodyReminder

BASIS = "威政办发〔2016〕3号 四（一）"
ENTRUSTMENT_BASIS = "威政办发〔2016〕3号 四（三）"
HOLD = "body_invalid"
ENDED = "entrustment_ended"


valid_body = bodies.valid_condition  # the SQL twin of Agency.is_valid_body


def entrusted_parties():
    """A SELECT of the ids of agencies that may act by an entrustment alone: ``entrusted`` organisations and every
    township that is the entrusted party of a filed agreement (seed 二(三)). A department or authorised organisation
    entrusted with some matters is not one: its certificates need its own standing (``body_invalid`` otherwise)."""
    return sa.union(sa.select(Agreement.entrusted_id).join(Agency, Agency.id == Agreement.entrusted_id).where(
        Agreement.filed_on.is_not(None), Agency.kind.in_(entrustment.BY_ENTRUSTMENT_KINDS)),
        sa.select(Agency.id).where(Agency.kind == "entrusted"))


def parties_in_force(today: dt.date):
    """A SELECT of the ids of entrusted parties with an agreement in force today (its entrusting body valid)."""
    return sa.select(Agreement.entrusted_id).where(entrustment.in_force_condition(today))


def wanted(agency_id: int, valid: set[int], parties: set[int], in_force: set[int]) -> set[str]:
    """The authority holds a live certificate of ``agency_id`` should carry: none under a valid body; under an
    entrusted party, ``entrustment_ended`` unless an agreement is in force; otherwise ``body_invalid``."""
    if agency_id in valid:
        return set()
    if agency_id in parties:
        return set() if agency_id in in_force else {ENDED}
    return {HOLD}


@entrustment.certified_staff
def has_certified_staff(agency_id: int, on: dt.date) -> bool:
    """行政处罚法第二十一条第二项 for an agreement announced on ``on``: one of ``agency_id``'s certificates is an
    enforcement certificate first issued by then, not revoked and held by nothing but ``entrustment_ended`` (the hold
    a certificate issued under an agreement not yet in force carries until it is announced)."""
    other_hold = sa.select(Hold.id).where(Hold.certificate_id == Certificate.id, Hold.lifted_at.is_(None),
                                          Hold.reason != ENDED)
    return db.session.scalar(sa.select(Certificate.id).where(
        Certificate.agency_id == agency_id, Certificate.type == "enforcement", Certificate.status != "revoked",
        Certificate.first_issued_on <= on, ~sa.exists(other_hold)).limit(1)) is not None


def _apply(certificate: Certificate, want: set[str], have: set[str], *, actor: audit.Actor,
           now: dt.datetime) -> list[tuple[str, bool]]:
    """Place the holds wanted and not open, cure those open and not wanted; returns (reason, placed) pairs."""
    changes = []
    for reason in sorted(want - have):
        basis = BASIS if reason == HOLD else ENTRUSTMENT_BASIS
        if lifecycle.ensure_hold(certificate, reason, actor=actor, now=now, legal_basis=basis) is not None:
            changes.append((reason, True))
    for reason in sorted(have - want):
        note = "执法主体资格已确认并公告" if reason == HOLD else "委托协议在有效期内"
        if lifecycle.cure(certificate, reason, actor=actor, now=now, note=note):
            changes.append((reason, False))
    return changes


def _facts(today: dt.date, agency_ids=None) -> tuple[set[int], set[int], set[int]]:
    valid_q = sa.select(Agency.id).where(valid_body(today))
    if agency_ids is not None:
        valid_q = valid_q.where(Agency.id.in_(agency_ids))
    valid = set(db.session.scalars(valid_q))
    parties = set(db.session.scalars(entrusted_parties()))
    in_force = set(db.session.scalars(parties_in_force(today)))
    return valid, parties, in_force


def follow(agency_ids: list[int], *, actor: audit.Actor, now: dt.datetime) -> None:
    """Bring the live certificates of ``agency_ids`` in line with their authority today."""
    live = db.session.scalars(sa.select(Certificate).where(
        Certificate.agency_id.in_(agency_ids or [-1]), Certificate.status != "revoked")
        .order_by(Certificate.type, Certificate.number)).all()
    _follow_all(live, agency_ids, actor=actor, now=now)


def follow_certificate(certificate: Certificate, *, actor: audit.Actor, now: dt.datetime) -> None:
    """Bring one live certificate in line with its authority today (a revocation set aside)."""
    _follow_all([certificate], [certificate.agency_id], actor=actor, now=now)


def _follow_all(live: list[Certificate], agency_ids: list[int], *, actor: audit.Actor, now: dt.datetime) -> None:
    valid, parties, in_force = _facts(now.date(), agency_ids)
    for certificate in live:
        have = {h.reason for h in certificate.open_holds if h.reason in (HOLD, ENDED)}
        _apply(certificate, wanted(certificate.agency_id, valid, parties, in_force), have, actor=actor, now=now)


@org_signals.body_changed.connect
def on_body_changed(agency: Agency, actor: audit.Actor, now: dt.datetime, **_) -> None:
    """A decision on a body: its live certificates follow its validity at once, and so do those of the parties
    it entrusted (an agreement is in force only while its entrusting body is valid)."""
    entrusted = db.session.scalars(sa.select(Agreement.entrusted_id).where(Agreement.entrusting_id == agency.id))
    follow([agency.id, *entrusted], actor=actor, now=now)


@org_signals.entrustment_changed.connect
def on_entrustment_changed(agreement: Agreement, actor: audit.Actor, now: dt.datetime, **_) -> None:
    """An agreement recorded, filed, announced or terminated: the entrusted party's certificates follow."""
    follow([agreement.entrusted_id], actor=actor, now=now)


def reconcile(today: dt.date, *, actor: audit.Actor, now: dt.datetime) -> list[tuple[Certificate, str, bool]]:
    """The daily catch-up: every live certificate's authority holds brought in line (an announcement dated ahead,
    an agreement's term ending, a certificate moved). Reads a handful of sets, writes only the changes; returns
    (certificate, reason, placed) for each."""
    valid, parties, in_force = _facts(today)
    live = db.session.execute(sa.select(Certificate.id, Certificate.agency_id).where(
        Certificate.status != "revoked")).all()
    open_holds: dict[int, set[str]] = {}
    for certificate_id, reason in db.session.execute(sa.select(Hold.certificate_id, Hold.reason).where(
            Hold.lifted_at.is_(None), Hold.reason.in_((HOLD, ENDED)))):
        open_holds.setdefault(certificate_id, set()).add(reason)
    todo = [cid for cid, agency_id in live
            if wanted(agency_id, valid, parties, in_force) != open_holds.get(cid, set())]
    changed = []
    for certificate in db.session.scalars(sa.select(Certificate).where(Certificate.id.in_(todo or [-1]))
                                          .order_by(Certificate.type, Certificate.number)).all():
        have = {h.reason for h in certificate.open_holds if h.reason in (HOLD, ENDED)}
        want = wanted(certificate.agency_id, valid, parties, in_force)
        for reason, placed in _apply(certificate, want, have, actor=actor, now=now):
            changed.append((certificate, reason, placed))
    return changed


def remind_entrustment_ends(today: dt.date, *, now: dt.datetime) -> list[Agreement]:
    """Tell the legal offices covering the entrusting body of each announced agreement whose term ends within
    ``orgs.entrustment_reminder_days`` (once per agreement); returns the agreements reminded."""
    days = int(policy.get("orgs.entrustment_reminder_days"))
    rows = db.session.scalars(sa.select(Agreement).where(
        Agreement.announced_on.is_not(None), Agreement.terminated_on.is_(None), Agreement.ends_on >= today,
        Agreement.ends_on <= today + dt.timedelta(days=days), Agreement.end_reminded_on.is_(None))).all()
    for agreement in rows:
        agreement.end_reminded_on = today
        recipients = legal_covering(agreement.entrusting_id)
        for user in recipients:
            notify.user(user, f"委托协议将于 {agreement.ends_on:%Y-%m-%d} 到期",
                        f"{agreement.entrusting.name}委托{agreement.entrusted.name}的协议将于 "
                        f"{agreement.ends_on:%Y-%m-%d} 期满；需继续委托的，请及时续签、备案并公告。",
                        f"/entrustments/{agreement.id}", now=now)
    db.session.flush()
    return list(rows)


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
        recipients = legal_covering(agency.id)
        for user in recipients:
            notify.user(user, f"{agency.name}执法主体资格复核确认即将到期",
                        f"{agency.name}的执法主体资格于 {agency.qualification_decided_on:%Y-%m-%d} 确认，"
                        f"应于 {day:%Y-%m-%d} 前复核确认并公告。", f"/bodies/{agency.id}", now=now)
        reminded.append(agency)
    db.session.flush()
    return reminded
