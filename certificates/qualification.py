"""May this officer enforce today, may they preside over a hearing today — and if not, why not (SPEC §2.7, §3).

The one place that answers it: the API's ``GET /api/v1/officers/<id>/qualification`` and the qualification page
(:mod:`certificates.compliance`) both read :func:`assess`. It costs a constant number of statements: the officer's
certificates (newest first) and their holds (:func:`certificates_of`), and the policy settings (cached for the
request). Whether a presider is 非本案调查人员 for a given case (行政处罚法第六十四条（四）) is the case system's check,
not ours.

* **can_enforce** — the officer is on duty and holds an active enforcement certificate.
* **can_preside_hearing** — on duty, an active hearing-presider certificate and, when the policy
  ``certificates.presider_needs_certificate`` is on (default), able to enforce.
* **reasons** — plain Chinese sentences (人员状态为退休, 行政执法证暂扣：审核确认逾期, 未持有听证主持人资格证…);
  empty when both answers are yes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from certificates import due
from certificates.models import TYPES, Certificate
from portal import policy
from portal.extensions import db


@dataclass(frozen=True)
class Qualification:
    """The answer for one officer on one day."""

    can_enforce: bool
    can_preside_hearing: bool
    #: why not, as sentences; empty when both answers are yes
    reasons: list[str]
    #: every certificate of the officer, revoked ones included, newest first (holds loaded)
    certificates: list[Certificate]
    #: the live (not revoked) certificate of each type, if any
    live: dict[str, Certificate]
    #: of the live enforcement certificate; ``None`` without one
    next_review_due: dt.date | None
    next_update_test_due: dt.date | None

    @property
    def enforcement(self) -> Certificate | None:
        return self.live.get("enforcement")

    @property
    def presider(self) -> Certificate | None:
        return self.live.get("hearing_presider")

    @property
    def with_open_holds(self) -> list[Certificate]:
        """The certificates that have an open hold (the suspended ones)."""
        return [c for c in self.certificates if c.open_holds]

    def dues(self, certificate: Certificate, today: dt.date) -> due.Dues:
        """The due dates of one of the officer's certificates (a presider's follow the enforcement certificate)."""
        return due.dues(certificate, today, self.enforcement if certificate.type == "hearing_presider" else None)


def certificates_of(officer_id: int) -> list[Certificate]:
    """Every certificate of the officer, newest first, with their holds (two statements)."""
    return list(db.session.scalars(
        sa.select(Certificate).where(Certificate.officer_id == officer_id)
        .options(selectinload(Certificate.holds)).order_by(Certificate.created_at.desc(), Certificate.id.desc())))


def why_not(type_: str, live: Certificate | None, revoked: list[Certificate]) -> str | None:
    """Why the officer's certificate of ``type_`` is not active, as a sentence; ``None`` when it is.

    :param live: the officer's certificate of the type that is not revoked, if any.
    :param revoked: their revoked certificates of the type, newest first.
    """
    name = TYPES[type_]
    if live is not None:
        if live.status == "active":
            return None
        return f"{name}暂扣：{'、'.join(hold.reason_label for hold in live.open_holds)}"
    if revoked:
        newest = revoked[0]
        return f"{name}已{newest.revocation_word}：{newest.revocation_label}"
    return f"未持有{name}"


def assess(officer, certificates: list[Certificate]) -> Qualification:
    """Whether ``officer`` may enforce and preside over hearings, and why not.

    :param certificates: all of the officer's certificates, newest first, holds loaded (:func:`certificates_of`).
    """
    live = {c.type: c for c in certificates if c.status != "revoked"}
    reasons = []
    on_duty = officer.status == "on_duty"
    if not on_duty:
        reasons.append(f"人员状态为{officer.status_label}")
    found = {}
    for type_ in TYPES:
        why = why_not(type_, live.get(type_), [c for c in certificates if c.type == type_ and c.status == "revoked"])
        found[type_] = why is None
        if why:
            reasons.append(why)
    can_enforce = on_duty and found["enforcement"]
    needs_enforcement = bool(policy.get("certificates.presider_needs_certificate"))
    can_preside = on_duty and found["hearing_presider"] and (can_enforce or not needs_enforcement)
    if found["hearing_presider"] and needs_enforcement and not found["enforcement"]:
        reasons.append("主持听证须持有有效的行政执法证")
    enforcement = live.get("enforcement")
    return Qualification(
        can_enforce=can_enforce, can_preside_hearing=can_preside, reasons=reasons, certificates=list(certificates),
        live=live, next_review_due=due.next_review_due(enforcement),
        next_update_test_due=due.next_update_test_due(enforcement))


def of(officer) -> Qualification:
    """:func:`assess` for ``officer`` with their certificates loaded."""
    return assess(officer, certificates_of(officer.id))
