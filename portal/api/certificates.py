"""Certificates through the API (SPEC §2.7, §3): ``GET /api/v1/certificates/<number>``, its ``suspend``,
``reinstate`` and ``revoke`` operations, and ``GET /api/v1/officers/<id>/qualification`` — the case system's
question "may this officer enforce, may they preside over a hearing, and if not, why not?".

The number is parsed (check character included) before anything is looked up; a certificate or officer outside
the token's scope answers 404. The changes go through :mod:`certificates.lifecycle` with the token's account as
the actor (client address recorded); the request commits once on success and rolls back on any error.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify, request

from certificates import due, lifecycle, numbering, revocation
from certificates import qualification as qualification_rules
from certificates.models import (
    HOLD_REASONS,
    MANUAL_HOLD_REASONS,
    REVOCATION_KINDS,
    REVOCATION_WORDS,
    STATUSES,
    TYPES,
    Certificate,
)
from portal import audit, clock
from portal.api.officers import AGENCY
from portal.api.schema import Field, Obj
from portal.api.spec import endpoint
from portal.auth.access import in_scope
from portal.errors import DomainError
from portal.extensions import db
from portal.officers.models import Officer

MOMENT = "ISO 8601 date-time with its offset (Asia/Shanghai), e.g. 2026-11-26T09:00:00+08:00"
ROLES_READ = ("hr", "legal")
ROLES_CHANGE = ("legal",)

HOLD = Obj("CertificateHold", (
    Field("reason", "string", "暂扣原因", required=True, enum=tuple(HOLD_REASONS)),
    Field("label", "string", "暂扣原因（中文）", required=True),
    Field("legal_basis", "string", "法律依据", required=True, nullable=True,
          description="null for a system hold placed without one"),
    Field("placed_at", "string", "暂扣时间", required=True, description=MOMENT),
    Field("placed_by", "string", "暂扣人", required=True, description="the account, or the system rule, that placed it"),
    Field("is_system", "boolean", "系统暂扣", required=True,
          description="lifted only by its cause being cured, never by reinstate"),
    Field("note", "string", "内部备注", nullable=True, description="present for legal accounts only, never for hr"),
), description="一项未解除的暂扣")
REVOCATION = Obj("CertificateRevocation", (
    Field("kind", "string", "原因", required=True, enum=tuple(REVOCATION_KINDS)),
    Field("label", "string", "原因（中文）", required=True),
    Field("word", "string", "处理方式", required=True, enum=tuple(dict.fromkeys(REVOCATION_WORDS.values())),
          description="注销, 吊销 or 撤销 — what the public verification shows"),
    Field("at", "string", "时间", required=True, description=MOMENT),
), description="注销、吊销或撤销")
OFFICER_REF = Obj("OfficerRef", (
    Field("id", "integer", "内部编号", required=True, description="never the ID number"),
    Field("name", "string", "姓名", required=True),
))
CERTIFICATE = Obj("Certificate", (
    Field("number", "string", "证号", required=True, description="15 characters, check character included"),
    Field("type", "string", "证件类型", required=True, enum=tuple(TYPES),
          description="enforcement 行政执法证, hearing_presider 听证主持人资格证"),
    Field("status", "string", "状态", required=True, enum=tuple(STATUSES),
          description="active 有效, suspended 暂扣 (one or more open holds), revoked (terminal; see revocation)"),
    Field("status_since", "string", "状态起始时间", required=True, description=MOMENT),
    Field("edition", "integer", "版次", required=True, minimum=1,
          description="a reissue keeps the number and adds one; a QR of an older edition verifies as superseded"),
    Field("issued_on", "date", "本版发证日期", required=True),
    Field("first_issued_on", "date", "首次发证日期", required=True, description="the anchor of the review cycles"),
    Field("agency", "object", "发证时所在单位", required=True, obj=AGENCY),
    Field("officer", "object", "持证人", required=True, obj=OFFICER_REF),
    Field("categories", "array", "执法类别", required=True, items=Field("category", "string")),
    Field("region", "string", "执法区域", required=True),
    Field("holds", "array", "未解除的暂扣", required=True, items=HOLD, description="oldest first; empty unless suspended"),
    Field("revocation", "object", "注销、吊销或撤销", required=True, obj=REVOCATION, nullable=True,
          description="null unless revoked"),
    Field("next_review_due", "date", "下次审核确认日期", required=True, nullable=True,
          description="null when revoked; a presider's follow the holder's enforcement certificate"),
    Field("next_update_test_due", "date", "下次法律知识更新测试日期", required=True, nullable=True,
          description="as next_review_due"),
), description="证件（不含持证人身份证号）")

NUMBER = Field("number", "string", "证号", required=True, pattern=r"^[0-9]{14}[0-9X]$",
               hint="证号应为 15 位：14 位数字加 1 位校验位（数字或大写 X），不含空格或连字符",
               description="15 characters as printed: 14 digits and a check character (a digit or X); a number whose "
                           "check character does not match cannot exist and answers 404")
NOTE = Field("note", "string", "备注", max_length=lifecycle.NOTE_MAX, nullable=True,
             description="private: never shown publicly")
SUSPEND = Obj("CertificateSuspendRequest", (
    Field("reason", "string", "暂扣原因", required=True, enum=MANUAL_HOLD_REASONS,
          description="a manual hold reason: under_investigation 立案调查, disciplinary 纪律处分, other 其他原因 "
                      "(system holds are placed and lifted by the rules only)"),
    Field("legal_basis", "string", "法律依据", required=True, max_length=lifecycle.BASIS_MAX),
    NOTE,
))
REINSTATE = Obj("CertificateReinstateRequest", (NOTE,),
                description="lifts every manual hold; 409 while a system hold is open (the error names them)")
REVOKE = Obj("CertificateRevokeRequest", (
    Field("reason", "string", "原因", required=True, enum=tuple(REVOCATION_KINDS),
          description="注销 on a recorded fact: left_post, retired, deceased, update_test_failed_twice and "
                      "update_test_makeup_missed (the last two only where the failed makeup window is on record). "
                      "review_rejected_final (注销), misconduct (吊销) and fraud (撤销) are first proposed to the officer "
                      "on the certificate page and decided there once they were heard: here they answer 422 "
                      "proposal_required"),
    Field("legal_basis", "string", "法律依据", max_length=lifecycle.BASIS_MAX, nullable=True,
          description="optional for the 注销 on a recorded fact"),
    NOTE,
))

QUALIFICATION_HOLD = Obj("QualificationHold", (
    Field("reason", "string", "暂扣原因", required=True, enum=tuple(HOLD_REASONS)),
    Field("label", "string", "暂扣原因（中文）", required=True),
    Field("since", "string", "暂扣时间", required=True, description=MOMENT),
), description="一项未解除的暂扣")
QUALIFICATION_CERTIFICATE = Obj("QualificationCertificate", (
    Field("number", "string", "证号", required=True),
    Field("type", "string", "证件类型", required=True, enum=tuple(TYPES)),
    Field("status", "string", "状态", required=True, enum=tuple(STATUSES)),
    Field("edition", "integer", "版次", required=True, minimum=1),
    Field("holds", "array", "未解除的暂扣", required=True, items=QUALIFICATION_HOLD),
    Field("issued_on", "date", "本版发证日期", required=True),
))
QUALIFICATION = Obj("Qualification", (
    Field("can_enforce", "boolean", "可执法", required=True,
          description="on duty and holding an active enforcement certificate"),
    Field("can_preside_hearing", "boolean", "可主持听证", required=True,
          description="on duty, holding an active hearing-presider certificate and — when the policy "
                      "certificates.presider_needs_certificate is 1 (default) — able to enforce"),
    Field("reasons", "array", "不能执法或主持听证的原因", required=True, items=Field("reason", "string"),
          description="plain Chinese sentences, e.g. 行政执法证暂扣：审核确认逾期; empty when both are true"),
    Field("certificates", "array", "证件", required=True, items=QUALIFICATION_CERTIFICATE,
          description="every certificate of the officer, revoked ones included, newest first"),
    Field("next_review_due", "date", "下次审核确认日期", required=True, nullable=True,
          description="of the live enforcement certificate; null without one"),
    Field("next_update_test_due", "date", "下次法律知识更新测试日期", required=True, nullable=True,
          description="as next_review_due"),
), description="执法资格（是否为本案非调查人员由办案系统判断，行政处罚法第六十四条（四））")


def _moment(value) -> str:
    return clock.local(value).isoformat(timespec="seconds")


def _date(value) -> str | None:
    return value.isoformat() if value is not None else None


def hold_json(hold, *, with_note: bool) -> dict:
    """An open hold as the certificate answer shows it; the private note for legal accounts only."""
    found = {"reason": hold.reason, "label": hold.reason_label, "legal_basis": hold.legal_basis or None,
             "placed_at": _moment(hold.placed_at), "placed_by": hold.placed_by_label, "is_system": hold.is_system}
    if with_note:
        found["note"] = hold.note
    return found


def certificate_json(certificate: Certificate, user) -> dict:
    """A certificate as the API shows it to ``user`` (hr or legal in scope)."""
    enforcement = None
    if certificate.type == "hearing_presider" and certificate.status != "revoked":
        enforcement = db.session.scalar(sa.select(Certificate).where(
            Certificate.officer_id == certificate.officer_id, Certificate.type == "enforcement",
            Certificate.status != "revoked"))
    revoked = None
    if certificate.status == "revoked":
        revoked = {"kind": certificate.revocation_kind, "label": certificate.revocation_label,
                      "word": certificate.revocation_word, "at": _moment(certificate.revoked_at)}
    agency = certificate.agency
    return {
        "number": certificate.number, "type": certificate.type, "status": certificate.status,
        "status_since": _moment(certificate.status_since), "edition": certificate.edition,
        "issued_on": certificate.issued_on.isoformat(), "first_issued_on": certificate.first_issued_on.isoformat(),
        "agency": {"id": agency.id, "name": agency.name, "short_name": agency.short_name},
        "officer": {"id": certificate.officer.id, "name": certificate.officer.name},
        "categories": list(certificate.categories), "region": certificate.region,
        "holds": [hold_json(hold, with_note=user.role == "legal") for hold in certificate.open_holds],
        "revocation": revoked,
        "next_review_due": _date(due.next_review_due(certificate, enforcement)),
        "next_update_test_due": _date(due.next_update_test_due(certificate, enforcement)),
    }


def _certificate_in_scope(user, number: str) -> Certificate:
    """The certificate of ``number`` (its form already checked against :data:`NUMBER`'s pattern) — a check
    character that does not match answers 404 before any lookup, as a number that cannot exist — or 404 when there
    is none or it lies outside the account's scope."""
    try:
        number = numbering.parse(number)
    except DomainError as err:
        raise DomainError(err.code, err.message, status=404) from None
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
    if certificate is None or not in_scope(user, certificate.agency_id):
        raise DomainError("not_found", "证件不存在或不在您的管辖范围内", status=404)
    return certificate


def _change(user, number: str, operation):
    """Run one lifecycle operation on the certificate as the token's account (the request is its unit of work:
    committed when the answer is ready, rolled back on any error)."""
    certificate = _certificate_in_scope(user, number)
    actor = audit.Actor(user.id, f"{user.username}（接口）", request.remote_addr, name=f"{user.display_name}（接口）")
    operation(certificate, actor, clock.now())
    db.session.flush()
    db.session.expire(certificate)  # the answer shows the certificate as the operation left it (holds, editions)
    return jsonify(certificate_json(certificate, user))


@endpoint("GET", "/certificates/<number>", summary="证件详情", roles=ROLES_READ, response=CERTIFICATE, path=(NUMBER,))
def get_certificate(user, args, body, number):
    """One certificate by its number: status, open holds (their private notes for legal accounts only),
    revocation and next due dates. A number whose check character is wrong answers 404 without a lookup."""
    return jsonify(certificate_json(_certificate_in_scope(user, number), user))


@endpoint("POST", "/certificates/<number>/suspend", summary="暂扣证件", roles=ROLES_CHANGE, body=SUSPEND,
          response=CERTIFICATE, errors=(409,), path=(NUMBER,))
def suspend_certificate(user, args, body, number):
    """Place a manual hold (立案调查, 纪律处分, 其他原因) with its legal basis; the certificate becomes 暂扣 and
    the officer is notified. 409 when revoked or already held for the same reason."""
    return _change(user, number, lambda certificate, actor, now: lifecycle.place_hold(
        certificate, body["reason"], actor=actor, now=now, legal_basis=body["legal_basis"], note=body["note"] or ""))


@endpoint("POST", "/certificates/<number>/reinstate", summary="恢复证件（解除人工暂扣）", roles=ROLES_CHANGE,
          body=REINSTATE, response=CERTIFICATE, errors=(409,), path=(NUMBER,))
def reinstate_certificate(user, args, body, number):
    """Lift every manual hold of a suspended certificate. 409 when it is not suspended, or while a system hold is
    open — the error names those holds (``items``: ``{"field": "holds", "message": <reason code>}``)."""
    return _change(user, number, lambda certificate, actor, now: lifecycle.reinstate(
        certificate, actor=actor, now=now, note=body["note"] or ""))


@endpoint("POST", "/certificates/<number>/revoke", summary="注销、吊销或撤销证件", roles=ROLES_CHANGE, body=REVOKE,
          response=CERTIFICATE, errors=(409,), path=(NUMBER,))
def revoke_certificate(user, args, body, number):
    """Revoke a certificate (terminal): 注销, 吊销 or 撤销 by the reason; open holds end with it and the officer is
    notified. 409 when it is already revoked."""
    return _change(user, number, lambda certificate, actor, now: revocation.revoke(
        certificate, body["reason"], actor=actor, now=now, legal_basis=body["legal_basis"] or "",
        note=body["note"] or ""))


def qualification(officer: Officer, certificates: list[Certificate]) -> dict:
    """Whether ``officer`` may enforce and preside over hearings, why not, and their certificates (newest first,
    holds loaded) — :func:`certificates.qualification.assess` as JSON."""
    found = qualification_rules.assess(officer, certificates)
    return {
        "can_enforce": found.can_enforce, "can_preside_hearing": found.can_preside_hearing,
        "reasons": list(found.reasons),
        "certificates": [{
            "number": c.number, "type": c.type, "status": c.status, "edition": c.edition,
            "holds": [{"reason": h.reason, "label": h.reason_label, "since": _moment(h.placed_at)}
                      for h in c.open_holds],
            "issued_on": c.issued_on.isoformat(),
        } for c in found.certificates],
        "next_review_due": _date(found.next_review_due),
        "next_update_test_due": _date(found.next_update_test_due),
    }


@endpoint("GET", "/officers/<int:officer_id>/qualification", summary="执法资格查询", roles=ROLES_READ,
          response=QUALIFICATION)
def officer_qualification(user, args, body, officer_id):
    """May the officer enforce and preside over hearings now, and if not, why not (``reasons``); their
    certificates with open holds, and the next due dates. ``<officer_id>`` is the internal id, never the ID number;
    an officer outside the scope answers 404."""
    officer = db.session.get(Officer, officer_id)  # the int converter keeps ids within the column's range
    if officer is None or not in_scope(user, officer.agency_id):
        raise DomainError("not_found", "人员不存在或不在您的管辖范围内", status=404)
    return jsonify(qualification(officer, qualification_rules.certificates_of(officer.id)))
