"""The officer's written answer 陈述申辩 (seed 三(二)1) to a hold or to a revocation of their own certificate: kept
beside the hold or the revocation event it answers, and audited (its length, never its text).
"""
from __future__ import annotations

import datetime as dt

from certificates.models import Answer, Certificate, CertificateEvent, Hold
from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.officers.models import Officer

#: the most a written answer 陈述申辩 may hold
ANSWER_MAX = 2000


def answer(certificate: Certificate, officer: Officer, body: str, *, actor: audit.Actor, now: dt.datetime,
           hold_id: int | None = None, event_id: int | None = None) -> Answer:
    """The officer's written answer to a hold or a revocation of their own certificate (seed 三(二)1)."""
    if certificate.officer_id != officer.id:
        raise DomainError("not_found", "未找到该证件", status=404)
    body = (body or "").strip()
    if not body:
        raise DomainError("answer_empty", "请填写陈述申辩的内容", status=422,
                          items=[{"field": "body", "message": "请填写陈述申辩的内容"}])
    if len(body) > ANSWER_MAX:
        raise DomainError("answer_too_long", f"陈述申辩不能超过 {ANSWER_MAX} 个字", status=422,
                          items=[{"field": "body", "message": f"不能超过 {ANSWER_MAX} 个字"}])
    if hold_id is not None:
        subject = db.session.get(Hold, hold_id)
        if subject is None or subject.certificate_id != certificate.id:
            raise DomainError("not_found", "未找到该暂扣记录", status=404)
    else:
        subject = db.session.get(CertificateEvent, event_id or 0)
        if subject is None or subject.certificate_id != certificate.id or subject.action != "revoke":
            raise DomainError("not_found", "未找到该注销记录", status=404)
    row = Answer(certificate_id=certificate.id, hold_id=hold_id, event_id=event_id if hold_id is None else None,
                 officer_id=officer.id, body=body, submitted_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "certificate.answer", certificate,
                 {"number": certificate.number, "hold_id": hold_id, "event_id": event_id, "length": len(body)},
                 now=now)
    return row
