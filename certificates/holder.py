"""Who may hold a certificate (SPEC §2.3): an officer of an eligible 人员类别 — 公务员, 参照公务员法管理, 事业编制
*(default, the setting ``officers.eligible_staff_kinds``)*. 行政处罚法第四十二条: 行政处罚应当由具有行政执法资格的执法人员
实施; 行政强制法第十七条第三款: 行政强制措施应当由行政机关具备资格的行政执法人员实施，其他人员不得实施; seed 四(二)4
(清理占用执法编制).

A holder whose 人员类别 is changed to one that may not hold a certificate keeps it, on hold (the
``staff_kind_ineligible`` system hold, with the reason): losing it outright would need a proposal and a hearing
(SPEC §2.7), and the change may be a clerk's mistake. The hold is lifted when the kind is eligible again — by
the record being corrected, or the setting being changed. A record whose kind was never recorded (kept before the
field existed) is not held: nothing about the officer changed, and HR is asked for it on the next edit.

The officers registry sends ``staff_kind_changed`` and :func:`on_staff_kind_changed` follows it at once; the daily
sweep calls :func:`reconcile` for what a changed setting moves, with two set reads.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from certificates import lifecycle
from certificates.models import Certificate, Hold
from portal import audit
from portal.extensions import db
from portal.officers import services as officers
from portal.officers import signals as officer_signals
from portal.officers.models import STAFF_KINDS, Officer

HOLD = "staff_kind_ineligible"
BASIS = officers.STAFF_KIND_BASIS


def _wanted(staff_kind: str | None) -> bool:
    """Whether a live certificate of a holder of ``staff_kind`` should carry the hold."""
    return bool(staff_kind) and staff_kind not in officers.eligible_staff_kinds()


def _follow(certificate: Certificate, staff_kind: str | None, *, actor: audit.Actor, now: dt.datetime) -> bool | None:
    """Place or lift the hold on one certificate of either type (a presider's too: whether it also follows the
    enforcement certificate is a setting); ``True`` placed, ``False`` lifted, ``None`` nothing changed."""
    if _wanted(staff_kind):
        hold = lifecycle.ensure_hold(certificate, HOLD, actor=actor, now=now, legal_basis=BASIS)
        return True if hold is not None else None
    label = STAFF_KINDS.get(staff_kind or "", "未登记")
    return False if lifecycle.cure(certificate, HOLD, actor=actor, now=now, note=f"人员类别为“{label}”") else None


def follow(certificate: Certificate, *, actor: audit.Actor, now: dt.datetime) -> bool | None:
    """Bring one live certificate's hold in line with its holder's 人员类别 now."""
    return _follow(certificate, certificate.officer.staff_kind, actor=actor, now=now)


@officer_signals.staff_kind_changed.connect
def on_staff_kind_changed(officer, actor: audit.Actor, now: dt.datetime, **_) -> None:
    """The officer's 人员类别 changed: hold or release their live certificates."""
    live = db.session.scalars(sa.select(Certificate).where(
        Certificate.officer_id == officer.id, Certificate.status != "revoked")).all()
    for certificate in live:
        _follow(certificate, officer.staff_kind, actor=actor, now=now)


def reconcile(*, actor: audit.Actor, now: dt.datetime) -> list[tuple[Certificate, bool]]:
    """The sweep's catch-up after the setting changed: live certificates whose hold disagrees with the holder's
    kind, brought in line; returns (certificate, placed) for each change."""
    eligible = officers.eligible_staff_kinds()
    held = sa.exists().where(Hold.certificate_id == Certificate.id, Hold.reason == HOLD, Hold.lifted_at.is_(None))
    ineligible = sa.and_(Officer.staff_kind.is_not(None), Officer.staff_kind.not_in(eligible or [""]))
    rows = db.session.execute(
        sa.select(Certificate, Officer.staff_kind).join(Officer, Officer.id == Certificate.officer_id)
        .where(Certificate.status != "revoked",
               sa.or_(sa.and_(ineligible, ~held), sa.and_(~ineligible, held)))
        .order_by(Certificate.number)).all()
    changed = []
    for certificate, staff_kind in rows:
        placed = _follow(certificate, staff_kind, actor=actor, now=now)
        if placed is not None:
            changed.append((certificate, placed))
    return changed
