"""Revocation 注销 / 吊销 / 撤销 (SPEC §2.7): terminal, with a kind whose public word is 注销, 吊销 or 撤销; the
kinds that name a cycle's outcome stand only on that outcome (:mod:`certificates.grounds`). Like every change of a
certificate it locks the row first, records an event, an audit entry and a notice to the officer, and flushes.
"""
from __future__ import annotations

import datetime as dt

from certificates import grounds, lifecycle
from certificates.models import REVOCATION_KINDS, REVOCATION_WORDS, Certificate
from portal import audit
from portal.errors import DomainError
from portal.extensions import db


def revoke(certificate: Certificate, kind: str, *, actor: audit.Actor, now: dt.datetime, legal_basis: str = "",
           note: str = "", expected: dt.datetime | None = None) -> Certificate:
    """Revoke (terminal): 注销, 吊销 or 撤销 by ``kind``; open holds end with it.

    :param kind: a revocation kind of :data:`REVOCATION_KINDS`.
    :param legal_basis: required except for the 注销 kinds that record a fact (left post, retired, deceased).
    """
    if kind not in REVOCATION_KINDS:
        raise DomainError("invalid_reason", "注销、吊销或撤销的原因无效", status=422,
                          items=[{"field": "reason", "message": "请选择列出的原因"}])
    legal_basis = lifecycle._clean(legal_basis, lifecycle.BASIS_MAX, "法律依据")
    note = lifecycle._clean(note, lifecycle.NOTE_MAX, "备注")
    if kind in ("misconduct", "fraud", "review_rejected_final") and not legal_basis:
        raise DomainError("legal_basis_required", f"{REVOCATION_WORDS[kind]}须写明法律依据", status=422,
                          items=[{"field": "legal_basis", "message": "请填写法律依据"}])
    certificate = lifecycle.lock_certificate(certificate, expected)
    if certificate.status == "revoked":
        raise DomainError.conflict("already_revoked", f"证件已于 {certificate.revoked_at:%Y-%m-%d} {certificate.revocation_word}")
    missing = grounds.missing_fact(certificate, kind)
    if missing:
        raise DomainError("revocation_fact_missing", missing, status=422,
                          items=[{"field": "reason", "message": missing}])
    open_holds = certificate.open_holds
    for hold in open_holds:
        hold.lifted_at, hold.lifted_by, hold.lifted_by_label = now, actor.user_id, actor.shown
        hold.lift_note = f"证件已{REVOCATION_WORDS[kind]}"
    certificate.revoked_at, certificate.revocation_kind = now, kind
    before = lifecycle._set_status(certificate, "revoked", now)
    db.session.flush()
    lifecycle._event(certificate, actor, now, "revoke", before, kind, word=REVOCATION_WORDS[kind], legal_basis=legal_basis,
           note=note)
    basis = f"依据：{legal_basis}。" if legal_basis else ""
    lifecycle._notify_officer(certificate, f"您的{certificate.type_label}已{REVOCATION_WORDS[kind]}",
                    f"证号 {certificate.number} 因“{REVOCATION_KINDS[kind]}”{REVOCATION_WORDS[kind]}。{basis}"
                    "您可以在“我的证件”中提交书面陈述申辩。", now)
    if certificate.type == "enforcement":
        lifecycle.sync_presider(certificate.officer_id, actor=actor, now=now)
    return certificate
