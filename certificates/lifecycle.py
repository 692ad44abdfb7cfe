"""The life of a certificate (SPEC §2.7): issue, reissue, holds 暂扣, reinstatement, and the hearing presider's hold
that follows the enforcement certificate; revocation 注销/吊销/撤销 is :mod:`certificates.revocation`.

Every operation locks the certificate row first (``SELECT … FOR UPDATE`` on PostgreSQL), re-reads it, checks the
transition, and records an event, an audit entry and — for holds and revocations — a notice to the officer.
Operations flush; the caller (a view, the API, a job) commits once. Two people changing one certificate at once:
the second waits for the first's lock and then either finds the change already made (a clear 409) or, when it
carries the stamp of the state it saw (``expected``), is told the certificate changed meanwhile.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from certificates import numbering, tokens
from certificates.models import (
    HOLD_REASONS,
    MANUAL_HOLD_REASONS,
    MANUAL_PUBLIC_WORDINGS,
    SYSTEM_HOLD_REASONS,
    TRANSITIONS,
    Certificate,
    CertificateEvent,
    Edition,
    Hold,
)
from portal import audit, notify, policy
from portal.errors import DomainError
from portal.extensions import db
from portal.locks import lock
from portal.officers.models import Officer

SECTION = "证件"
policy.define("certificates.presider_needs_certificate",
              "听证主持人资格证须以有效执法证为前提（1 = 须持有，0 = 不要求）", "int", 1, SECTION, minimum=0, maximum=1,
              help="为 1 时，申领听证主持人资格证须持有有效执法证，执法证非有效状态时主持人资格证随之暂扣。这是本市的政策选择："
                   "行政处罚法第六十四条（四）、行政许可法第四十八条（三）只要求主持人为非本案调查（审查）人员，威政办发〔2016〕3号"
                   " 三（二）4 要求其“经统一考试合格取得行政执法听证主持人资格”，均未要求持有执法证。")

NOTE_MAX = 1000
BASIS_MAX = 200


def lock_certificate(certificate: Certificate, expected: dt.datetime | None = None) -> Certificate:
    """Lock ``certificate``'s row, re-read it, and check it is still the state the caller saw."""
    lock(Certificate, [certificate.id])
    db.session.refresh(certificate)
    db.session.expire(certificate, ["holds"])
    if expected is not None and certificate.updated_at != expected:
        raise DomainError.conflict("certificate_changed", "证件状态已被他人更改，请刷新页面查看最新状态后再操作")
    return certificate


def stamp(certificate: Certificate) -> str:
    """The concurrency stamp a form carries: the ``updated_at`` it showed, to the microsecond."""
    return certificate.updated_at.isoformat(timespec="microseconds")


def parse_stamp(text: str | None) -> dt.datetime | None:
    """The stamp of :func:`stamp`; ``None`` when absent or unreadable (the views refuse a form without one)."""
    try:
        moment = dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return moment if moment is None or moment.tzinfo is not None else None


def _event(certificate: Certificate, actor: audit.Actor, now: dt.datetime, action: str, from_status: str | None,
           reason: str | None = None, **detail) -> CertificateEvent:
    event = CertificateEvent(certificate_id=certificate.id, at=now, actor_id=actor.user_id, actor=actor.shown,
                             from_status=from_status, to_status=certificate.status, action=action, reason=reason,
                             detail=detail)
    db.session.add(event)
    db.session.flush()
    audit.record(actor, f"certificate.{action}", certificate,
                 {"number": certificate.number, "status": [from_status, certificate.status], "reason": reason,
                  **{k: v for k, v in detail.items() if k != "note"}}, now=now)
    return event


def _set_status(certificate: Certificate, status: str, now: dt.datetime) -> str:
    before = certificate.status
    if before != status:
        if (before, status) not in TRANSITIONS:
            raise DomainError.conflict("transition_not_allowed", f"证件不能由“{certificate.status_label}”变为该状态")
        certificate.status = status
        certificate.status_since = now
    certificate.updated_at = now
    return before


def notify_officer(certificate: Certificate, title: str, body: str, now: dt.datetime, *,
                   hr: bool = False) -> None:
    """Tell the holder (their account's inbox and e-mail) — and, with ``hr``, their agency's HR, who can pass it on."""
    notify.officer(certificate.officer_id, title, body, "/me/certificates", now=now)
    if hr:
        notify.agency_hr(certificate.officer.agency_id, f"{certificate.officer.name}：{title}", body, now=now)


def _clean(text: str | None, limit: int, field: str) -> str:
    value = (text or "").strip()
    if len(value) > limit:
        raise DomainError("too_long", f"{field}不能超过 {limit} 个字", status=422)
    return value


# ---------------------------------------------------------------- issue and reissue

def _sign(certificate: Certificate, officer: Officer, agency, edition: int, now: dt.datetime) -> tuple[str, str]:
    token = tokens.sign(tokens.claims_for(certificate.number, edition, officer.name, agency.short_name, now))
    return token, tokens.verify(token).kid


def issue(officer: Officer, type: str, categories: list[str], region: str, *, actor: audit.Actor,  # noqa: A002
          now: dt.datetime, agency=None) -> Certificate:
    """Issue a new certificate (edition 1) with the next number of this year, and sign its QR.

    :param officer: the holder (eligibility is the caller's check: :mod:`certificates.eligibility`).
    :param type: ``enforcement`` or ``hearing_presider``.
    :param categories: the enforcement categories of its scope; ``region`` the area.
    :param agency: the agency printed on it (defaults to the officer's).
    Refuses (409) when the officer already holds a live certificate of the type.
    """
    agency = agency or officer.agency
    live = db.session.scalar(sa.select(Certificate.number).where(
        Certificate.officer_id == officer.id, Certificate.type == type, Certificate.status != "revoked"))
    if live:
        raise DomainError.conflict("certificate_exists", f"该人员已持有{type == 'enforcement' and '执法证' or '听证主持人资格证'}"
                                              f"（{live}），如需补发或换发请在证件页办理")
    number = numbering.allocate(policy.get("certificates.region_code"), type, now.year)
    today = now.date()
    certificate = Certificate(number=number, type=type, officer_id=officer.id, agency_id=agency.id,
                              categories=list(categories), region=region, status="active", status_since=now,
                              edition=1, issued_on=today, first_issued_on=today, reviews_done=0,
                              update_tests_done=0, created_at=now, updated_at=now)
    db.session.add(certificate)
    db.session.flush()
    token, kid = _sign(certificate, officer, agency, 1, now)
    db.session.add(Edition(certificate_id=certificate.id, edition=1, issued_on=today, reason="first_issue",
                           agency_id=agency.id, categories=list(categories), region=region, kid=kid,
                           signed_at=now, issued_by=actor.user_id, token=token))
    _event(certificate, actor, now, "issue", None, edition=1, categories=list(categories), region=region)
    sync_presider(officer.id, actor=actor, now=now)
    return certificate


def reissue(certificate: Certificate, reason: str, *, actor: audit.Actor, now: dt.datetime, note: str = "",
            agency=None, categories: list[str] | None = None, region: str | None = None,
            expected: dt.datetime | None = None) -> Edition:
    """补发 (``reissue``: a lost card) or 换发 (``renewal``: a damaged card, a new agency or scope): the same
    number, edition + 1, a new QR; the old edition's QR then verifies as 已换发.

    The cycles keep their anchor (``first_issued_on``); the status and holds are unchanged.
    """
    if reason not in ("reissue", "renewal"):
        raise DomainError("invalid_reason", "补发或换发的原因须为补发（遗失）或换发（损坏、单位或范围变更）", status=422)
    certificate = lock_certificate(certificate, expected)
    if certificate.status == "revoked":
        raise DomainError.conflict("certificate_revoked", f"证件已{certificate.revocation_word}，不能补发或换发")
    note = _clean(note, NOTE_MAX, "说明")
    agency = agency or certificate.agency
    if agency.id != certificate.agency_id and (agency.kind == "entrusted" or not agency.is_valid_body(now.date())):
        raise DomainError("agency_not_valid_body", f"{agency.name}不是已确认并公告的执法主体，不能换发到该单位", status=422,
                          items=[{"field": "agency_id", "message": "须为已确认并公告的执法主体"}])
    categories = list(categories) if categories is not None else list(certificate.categories)
    region = region if region is not None else certificate.region
    current = db.session.scalar(sa.select(Edition).where(Edition.certificate_id == certificate.id,
                                                         Edition.superseded_at.is_(None)))
    if current is not None:
        current.superseded_at = now
        db.session.flush()
    edition = certificate.edition + 1
    officer = certificate.officer
    token, kid = _sign(certificate, officer, agency, edition, now)
    row = Edition(certificate_id=certificate.id, edition=edition, issued_on=now.date(), reason=reason,
                  agency_id=agency.id, categories=categories, region=region, kid=kid, signed_at=now,
                  issued_by=actor.user_id, token=token)
    db.session.add(row)
    changed = {}
    if agency.id != certificate.agency_id:
        changed["agency"] = [certificate.agency.short_name, agency.short_name]
    if categories != list(certificate.categories):
        changed["categories"] = [list(certificate.categories), categories]
    if region != certificate.region:
        changed["region"] = [certificate.region, region]
    certificate.edition, certificate.issued_on = edition, now.date()
    certificate.agency_id, certificate.categories, certificate.region = agency.id, categories, region
    before = _set_status(certificate, certificate.status, now)
    _event(certificate, actor, now, reason, before, reason, edition=edition, note=note, **changed)
    db.session.flush()
    return row


def current_edition(certificate: Certificate) -> Edition | None:
    """The edition whose QR is valid now."""
    return db.session.scalar(sa.select(Edition).where(Edition.certificate_id == certificate.id,
                                                      Edition.superseded_at.is_(None)))


# ---------------------------------------------------------------- holds

def place_hold(certificate: Certificate, reason: str, *, actor: audit.Actor, now: dt.datetime,
               legal_basis: str = "", note: str = "", expected: dt.datetime | None = None,
               system: bool = False, public_text: str | None = None) -> Hold:
    """Place a hold; the certificate becomes (or stays) 暂扣.

    :param reason: a manual reason (``under_investigation``, ``disciplinary``, ``other``) — or, with
        ``system=True``, a system reason placed by the rule that detects its cause.
    :param legal_basis: required for a manual hold.
    :param public_text: what the public verification says of a manual hold, one of
        :data:`MANUAL_PUBLIC_WORDINGS` for its reason (the neutral 其他原因暂扣 when not given).
    Refuses a revoked certificate, and a second open hold of the same reason (409).
    """
    if reason not in HOLD_REASONS:
        raise DomainError("invalid_reason", "暂扣原因无效", status=422,
                          items=[{"field": "reason", "message": "请选择列出的暂扣原因"}])
    if not system and reason not in MANUAL_HOLD_REASONS:
        raise DomainError("system_hold", f"“{HOLD_REASONS[reason]}”由系统依规则自动暂扣与解除，不能人工设置",
                          status=422, items=[{"field": "reason", "message": "请选择人工暂扣原因"}])
    legal_basis = _clean(legal_basis, BASIS_MAX, "法律依据")
    note = _clean(note, NOTE_MAX, "备注")
    if not system and not legal_basis:
        raise DomainError("legal_basis_required", "暂扣须写明法律依据", status=422,
                          items=[{"field": "legal_basis", "message": "请填写法律依据"}])
    if public_text and (system or public_text not in MANUAL_PUBLIC_WORDINGS.get(reason, ())):
        choices = "、".join(MANUAL_PUBLIC_WORDINGS.get(reason, ()))
        raise DomainError("invalid_public_wording", "公开表述与暂扣原因不符", status=422,
                          items=[{"field": "public_text", "message": f"“{HOLD_REASONS[reason]}”可选的公开表述：{choices}"}])
    certificate = lock_certificate(certificate, expected)
    if certificate.status == "revoked":
        raise DomainError.conflict("certificate_revoked", f"证件已{certificate.revocation_word}，不能暂扣")
    if any(hold.reason == reason for hold in certificate.open_holds):
        raise DomainError.conflict("hold_exists", f"该证件已因“{HOLD_REASONS[reason]}”暂扣")
    hold = Hold(certificate_id=certificate.id, reason=reason, legal_basis=legal_basis, note=note or None,
                public_text=public_text or None, placed_by=actor.user_id, placed_by_label=actor.shown, placed_at=now)
    db.session.add(hold)
    before = _set_status(certificate, "suspended", now)
    db.session.flush()
    _event(certificate, actor, now, "hold", before, reason, hold_id=hold.id, legal_basis=legal_basis)
    basis = f"依据：{legal_basis}。" if legal_basis else ""
    notify_officer(certificate, f"您的{certificate.type_label}已暂扣",
                    f"证号 {certificate.number} 因“{HOLD_REASONS[reason]}”暂扣。{basis}"
                    "您可以在“我的证件”中提交书面陈述申辩。", now)
    if certificate.type == "enforcement":
        sync_presider(certificate.officer_id, actor=actor, now=now)
    return hold


def _lift(certificate: Certificate, holds: list[Hold], actor: audit.Actor, now: dt.datetime, note: str) -> None:
    for hold in holds:
        hold.lifted_at, hold.lifted_by, hold.lifted_by_label = now, actor.user_id, actor.shown
        hold.lift_note = note or None
    db.session.flush()
    db.session.expire(certificate, ["holds"])
    remaining = certificate.open_holds
    before = _set_status(certificate, "suspended" if remaining else "active", now)
    for hold in holds:
        _event(certificate, actor, now, "lift", before, hold.reason, hold_id=hold.id)
        before = certificate.status
    if not remaining:
        notify_officer(certificate, f"您的{certificate.type_label}已恢复有效",
                        f"证号 {certificate.number} 的暂扣已全部解除，证件恢复有效。", now)
    if certificate.type == "enforcement":
        sync_presider(certificate.officer_id, actor=actor, now=now)


def lift_hold(certificate: Certificate, hold_id: int, *, actor: audit.Actor, now: dt.datetime, note: str = "",
              expected: dt.datetime | None = None) -> Hold:
    """Lift one manual hold (legal); the certificate is active again when no hold is left open."""
    note = _clean(note, NOTE_MAX, "说明")
    certificate = lock_certificate(certificate, expected)
    hold = next((h for h in certificate.open_holds if h.id == hold_id), None)
    if hold is None:
        raise DomainError.conflict("hold_not_open", "该暂扣已解除或不存在，请刷新页面")
    if hold.is_system:
        raise DomainError.conflict("system_hold", f"“{hold.reason_label}”是系统暂扣，须消除其原因后由系统解除")
    _lift(certificate, [hold], actor, now, note)
    return hold


def reinstate(certificate: Certificate, *, actor: audit.Actor, now: dt.datetime, note: str = "",
              expected: dt.datetime | None = None) -> Certificate:
    """Make a suspended certificate active again by lifting its manual holds.

    Only when no system hold is open: otherwise nothing changes and the 409 names the system holds left (they
    are lifted only by their cause being cured).
    """
    note = _clean(note, NOTE_MAX, "说明")
    certificate = lock_certificate(certificate, expected)
    if certificate.status == "revoked":
        raise DomainError.conflict("certificate_revoked", f"证件已{certificate.revocation_word}，不能恢复")
    if certificate.status == "active":
        raise DomainError.conflict("not_suspended", "证件现为有效状态，无需恢复")
    system = [hold for hold in certificate.open_holds if hold.is_system]
    if system:
        names = "、".join(hold.reason_label for hold in system)
        raise DomainError("system_holds_remain", f"仍有系统暂扣：{names}；须消除其原因后由系统解除",
                          status=409, items=[{"field": "holds", "message": hold.reason} for hold in system])
    _lift(certificate, certificate.open_holds, actor, now, note)
    return certificate


def cure(certificate: Certificate, reason: str, *, actor: audit.Actor, now: dt.datetime, note: str = "") -> bool:
    """Lift the open system hold of ``reason`` because its cause is cured (the rules that detect it call this);
    ``False`` when there was none."""
    if reason not in SYSTEM_HOLD_REASONS:
        raise ValueError(f"{reason} is not a system hold")
    certificate = lock_certificate(certificate)
    hold = next((h for h in certificate.open_holds if h.reason == reason), None)
    if hold is None:
        return False
    _lift(certificate, [hold], actor, now, note)
    return True


def ensure_hold(certificate: Certificate, reason: str, *, actor: audit.Actor, now: dt.datetime,
                legal_basis: str = "") -> Hold | None:
    """Place the system hold of ``reason`` unless it is already open (idempotent); ``None`` when nothing
    changed (already held, or revoked)."""
    certificate = lock_certificate(certificate)
    if certificate.status == "revoked" or any(h.reason == reason for h in certificate.open_holds):
        return None
    return place_hold(certificate, reason, actor=actor, now=now, legal_basis=legal_basis, system=True)


# ---------------------------------------------------------------- the hearing presider

def enforcement_refusal(officer_id: int) -> str | None:
    """``None`` when the officer holds an active enforcement certificate, else why not (in Chinese)."""
    status = db.session.scalar(sa.select(Certificate.status).where(
        Certificate.officer_id == officer_id, Certificate.type == "enforcement", Certificate.status != "revoked"))
    if status == "active":
        return None
    if status == "suspended":
        return "所持行政执法证处于暂扣状态"
    return "未持有有效的行政执法证"


def sync_presider(officer_id: int, *, actor: audit.Actor, now: dt.datetime) -> None:
    """Place or lift the ``enforcement_certificate_inactive`` hold on the officer's presider certificate so it
    follows the enforcement certificate (when the policy makes one the prerequisite of the other)."""
    presider = db.session.scalar(sa.select(Certificate).where(
        Certificate.officer_id == officer_id, Certificate.type == "hearing_presider",
        Certificate.status != "revoked"))
    if presider is None:
        return
    # the enforcement certificate is read under a shared lock: a suspension committing meanwhile is waited for,
    # so a presider issued at the same moment cannot stay active beside it
    lock(Certificate, db.session.scalars(sa.select(Certificate.id).where(
        Certificate.officer_id == officer_id, Certificate.type == "enforcement")).all(), shared=True)
    inactive = bool(policy.get("certificates.presider_needs_certificate")) and enforcement_refusal(officer_id)
    if inactive:
        ensure_hold(presider, "enforcement_certificate_inactive", actor=actor, now=now,
                    legal_basis="威政办发〔2016〕3号 三（二）4")
    else:
        cure(presider, "enforcement_certificate_inactive", actor=actor, now=now, note="执法证已恢复有效")
