"""Revocation 注销 / 吊销 / 撤销 and its correction 撤销原决定 (SPEC §2.7).

A revocation is terminal and has a kind whose public word is 注销, 吊销 or 撤销. The kinds that name a cycle's
outcome stand only on that outcome (:mod:`certificates.grounds`); the kinds that do not follow from a recorded fact
are decided only on a proposal the officer was told of and heard on (:mod:`certificates.proposals`). The decision
notice says how to seek review.

A measure taken on a wrong fact is **set aside** by legal, with reasons (:func:`set_aside`): the certificate returns
to the state it would have had — same number and edition, the holds the revocation closed open again — so the
public page and the status list show it as before, and its history shows both acts. A 注销 that followed an officer
marked 调离执法岗位 or 退休 by mistake is set aside only when HR corrected the record within
``certificates.correction_days`` *(default 30)* of it, and legal confirms (:func:`on_status_corrected` tells them).
Like every change of a certificate these lock the row first, record an event, an audit entry and a notice, and flush.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from certificates import authority, grounds, holder, lifecycle
from certificates.models import REVOCATION_KINDS, REVOCATION_WORDS, Certificate, CertificateEvent, Hold
from certificates.proposal_models import PROPOSED_KINDS, Proposal
from portal import audit, notify, policy
from portal.auth.access import legal_covering
from portal.errors import DomainError
from portal.extensions import db
from portal.officers import signals as officer_signals
from portal.templating import cn_date

policy.define("certificates.review_notice", "注销、吊销、撤销决定告知的救济途径", "text",
              "如不服本决定，可以自知道本决定之日起六十日内依法申请行政复议，或者自知道本决定之日起六个月内依法提起行政诉讼。",
              lifecycle.SECTION, help="写入每一份注销、吊销、撤销决定通知（参照行政复议法第二十条、行政诉讼法第四十六条）。")
policy.define("certificates.correction_days", "误登记调离或退休的更正期限（天）", "int", 30, lifecycle.SECTION,
              minimum=1, maximum=365, unit="天",
              help="人事管理员误将人员登记为调离执法岗位或退休、证件随之注销的，在注销后此期限内更正人员状态，经法制机构确认，"
                   "撤销原注销决定，证件恢复，无须重新参加资格考试。")
#: the 注销 kinds that follow HR's record of the officer
STATUS_KINDS = ("left_post", "retired")


def _heard(proposal: Proposal | None, certificate: Certificate, kind: str, today: dt.date) -> None:
    """A revocation that does not follow from a recorded fact needs a heard proposal of its kind."""
    if kind not in PROPOSED_KINDS:
        return
    word = REVOCATION_WORDS[kind]
    if proposal is None or proposal.certificate_id != certificate.id or proposal.kind != kind \
            or proposal.status != "open" or not proposal.heard(today):
        message = f"{word}须先拟{word}：告知本人事实、理由和依据，听取其陈述申辩（或期限届满）后再作决定"
        raise DomainError("proposal_required", message, status=422, items=[{"field": "reason", "message": message}])


def _heard_words(proposal: Proposal) -> str:
    if proposal.statement is not None:
        return "经告知并听取您的陈述申辩"
    if proposal.waived_at is not None:
        return "经告知，您已声明放弃陈述申辩"
    return f"经告知，您未在 {cn_date(proposal.answer_by)} 前陈述申辩"


def revoke(certificate: Certificate, kind: str, *, actor: audit.Actor, now: dt.datetime, legal_basis: str = "",
           note: str = "", expected: dt.datetime | None = None, proposal: Proposal | None = None) -> Certificate:
    """Revoke (terminal): 注销, 吊销 or 撤销 by ``kind``; open holds and any open proposal end with it.

    :param kind: a revocation kind of :data:`REVOCATION_KINDS`.
    :param legal_basis: required except for the 注销 kinds that record a fact (left post, retired, deceased).
    :param proposal: for a kind of :data:`PROPOSED_KINDS`, the proposal heard (required) — its decision.
    """
    if kind not in REVOCATION_KINDS:
        raise DomainError("invalid_reason", "注销、吊销或撤销的原因无效", status=422,
                          items=[{"field": "reason", "message": "请选择列出的原因"}])
    legal_basis = lifecycle._clean(legal_basis, lifecycle.BASIS_MAX, "法律依据")
    note = lifecycle._clean(note, lifecycle.NOTE_MAX, "备注")
    word = REVOCATION_WORDS[kind]
    if kind in PROPOSED_KINDS and not legal_basis:
        raise DomainError("legal_basis_required", f"{word}须写明法律依据", status=422,
                          items=[{"field": "legal_basis", "message": "请填写法律依据"}])
    certificate = lifecycle.lock_certificate(certificate, expected)
    if certificate.status == "revoked":
        raise DomainError.conflict("already_revoked", f"证件已于 {certificate.revoked_at:%Y-%m-%d} {certificate.revocation_word}")
    missing = grounds.missing_fact(certificate, kind)
    if missing:
        raise DomainError("revocation_fact_missing", missing, status=422,
                          items=[{"field": "reason", "message": missing}])
    _heard(proposal, certificate, kind, now.date())
    for hold in certificate.open_holds:
        hold.lifted_at, hold.lifted_by, hold.lifted_by_label = now, actor.user_id, actor.shown
        hold.lift_note = f"证件已{word}"
    certificate.revoked_at, certificate.revocation_kind = now, kind
    before = lifecycle._set_status(certificate, "revoked", now)
    _close_proposals(certificate, proposal, actor, now, note)
    db.session.flush()
    lifecycle._event(certificate, actor, now, "revoke", before, kind, word=word, legal_basis=legal_basis, note=note,
                     proposal_id=proposal.id if proposal is not None else None)
    basis = f"依据：{legal_basis}。" if legal_basis else ""
    heard = f"{_heard_words(proposal)}，决定" if proposal is not None else ""
    # a decision on a proposal states its reasons to the officer (参照行政处罚法第五十九条); a note elsewhere is internal
    reasons = f"理由：{note}。" if proposal is not None and note else ""
    reply = ("" if proposal is not None else "您可以在“我的证件”中提交书面陈述申辩；")
    lifecycle.notify_officer(certificate, f"您的{certificate.type_label}已{word}",
                              f"{heard}证号 {certificate.number} 因“{REVOCATION_KINDS[kind]}”{word}。{reasons}{basis}"
                              f"{reply}{policy.get('certificates.review_notice')}", now)
    if certificate.type == "enforcement":
        lifecycle.sync_presider(certificate.officer_id, actor=actor, now=now)
    return certificate


def _close_proposals(certificate: Certificate, decided: Proposal | None, actor: audit.Actor, now: dt.datetime,
                     note: str) -> None:
    """The proposal decided is marked so; any other still open ends with the certificate."""
    for proposal in db.session.scalars(sa.select(Proposal).where(Proposal.certificate_id == certificate.id,
                                                                 Proposal.status == "open")):
        mine = decided is not None and proposal.id == decided.id
        proposal.status, proposal.decided_at = ("revoked" if mine else "closed"), now
        proposal.decided_by, proposal.decided_by_label = actor.user_id, actor.shown
        proposal.decision_note = note if mine else f"证件已{certificate.revocation_word}"


# ---------------------------------------------------------------- correction 撤销原决定

def correction_refusal(certificate: Certificate, today: dt.date) -> str | None:
    """``None`` when legal may set the revocation aside now, else why not (in Chinese)."""
    if certificate.status != "revoked":
        return "证件未被注销、吊销或撤销"
    officer = certificate.officer
    if officer.status != "on_duty" and certificate.revocation_kind not in STATUS_KINDS:
        return f"人员现登记为“{officer.status_label}”，证件即使撤销原决定也应注销，不能恢复"
    if certificate.revocation_kind in STATUS_KINDS:
        days = policy.get("certificates.correction_days")
        if officer.status != "on_duty":
            return f"人员仍登记为“{officer.status_label}”：须由人事管理员先更正人员状态"
        corrected = _corrected_on(certificate)
        if corrected is None or (corrected - certificate.revoked_at.date()).days > days:
            return (f"人事管理员未在注销后 {days} 天内更正人员状态，原注销决定不能撤销；"
                    "该人员须重新参加资格考试后申领证件")
    live = db.session.scalar(sa.select(Certificate.number).where(
        Certificate.officer_id == certificate.officer_id, Certificate.type == certificate.type,
        Certificate.status != "revoked"))
    if live is not None:
        return f"该人员已持有同类证件（证号 {live}），原决定不能撤销"
    return None


def _corrected_on(certificate: Certificate) -> dt.date | None:
    """The day HR put the officer back on duty after this revocation (its ``correction`` event)."""
    at = db.session.scalar(sa.select(sa.func.min(CertificateEvent.at)).where(
        CertificateEvent.certificate_id == certificate.id, CertificateEvent.action == "correction",
        CertificateEvent.at >= certificate.revoked_at))
    return at.date() if at is not None else None


def set_aside(certificate: Certificate, *, reasons: str, actor: audit.Actor, now: dt.datetime,
              expected: dt.datetime | None = None) -> Certificate:
    """Set aside a revocation taken on a wrong fact (撤销原决定): the certificate returns to the state it would have had
    — the holds the revocation closed placed again, active when there were none — keeping its number and edition."""
    reasons = (reasons or "").strip()
    if not reasons:
        raise DomainError("required", "请写明撤销原决定的理由", status=422,
                          items=[{"field": "reasons", "message": "请写明撤销原决定的理由"}])
    reasons = lifecycle._clean(reasons, lifecycle.NOTE_MAX, "理由")
    certificate = lifecycle.lock_certificate(certificate, expected)
    refusal = correction_refusal(certificate, now.date())
    if refusal:
        raise DomainError.conflict("cannot_set_aside", refusal)
    kind, revoked_at, word = certificate.revocation_kind, certificate.revoked_at, certificate.revocation_word
    closed = db.session.scalars(sa.select(Hold).where(
        Hold.certificate_id == certificate.id, Hold.lifted_at == revoked_at, Hold.lift_note == f"证件已{word}")
        .order_by(Hold.id)).all()
    for hold in closed:
        db.session.add(Hold(certificate_id=certificate.id, reason=hold.reason, legal_basis=hold.legal_basis,
                            note=hold.note, public_text=hold.public_text, placed_by=actor.user_id,
                            placed_by_label=actor.shown, placed_at=now))
    certificate.revoked_at = certificate.revocation_kind = None
    certificate.status, certificate.status_since, certificate.updated_at = (
        "suspended" if closed else "active"), now, now
    db.session.flush()
    lifecycle._event(certificate, actor, now, "set_aside", "revoked", kind, word=word, note=reasons,
                     revoked_at=revoked_at.isoformat(), holds=[hold.reason for hold in closed])
    lifecycle.notify_officer(certificate, f"原{word}决定已撤销，您的{certificate.type_label}已恢复",
                              f"证号 {certificate.number} 于 {cn_date(revoked_at.date())} 作出的{word}决定"
                              f"（{REVOCATION_KINDS[kind]}）已撤销，证件恢复为“{certificate.status_label}”。理由：{reasons}",
                              now)
    # what has changed since the revocation holds it now, as it would have: its authority, the holder's 人员类别,
    # and — for either type — the presider's dependence on the enforcement certificate
    authority.follow_certificate(certificate, actor=actor, now=now)
    holder.follow(certificate, actor=actor, now=now)
    lifecycle.sync_presider(certificate.officer_id, actor=actor, now=now)
    return certificate


@officer_signals.status_changed.connect
def on_status_corrected(officer, actor: audit.Actor, now: dt.datetime, before: str | None = None, **_) -> None:
    """HR put an officer marked 调离 or 退休 back on duty: each certificate that marking revoked within
    ``certificates.correction_days`` records the correction and the legal offices covering the officer are asked to
    confirm setting the 注销 aside (SPEC §2.8)."""
    if officer.status != "on_duty" or before not in STATUS_KINDS:
        return
    # counted in calendar days: a revocation on day 0 is corrected in time until the end of day 30 (民法典第二百零一条)
    first_day = now.date() - dt.timedelta(days=policy.get("certificates.correction_days"))
    since = dt.datetime.combine(first_day, dt.time(0), tzinfo=now.tzinfo)
    revoked = db.session.scalars(sa.select(Certificate).where(
        Certificate.officer_id == officer.id, Certificate.status == "revoked",
        Certificate.revocation_kind.in_(STATUS_KINDS), Certificate.revoked_at >= since)
        .order_by(Certificate.type)).all()
    if not revoked:
        return
    for certificate in revoked:
        lifecycle._event(certificate, actor, now, "correction", "revoked", certificate.revocation_kind,
                         status="on_duty")
    recipients = legal_covering(officer.agency_id)
    numbers = "、".join(c.number for c in revoked)
    for user in recipients:
        notify.user(user, f"请确认撤销原注销决定：{officer.name}",
                    f"人事管理员已将{officer.name}的在岗状态由“{REVOCATION_KINDS[before]}”更正为“在岗”。其证件（{numbers}）"
                    f"因此被注销；确认属误登记的，请在证件页撤销原注销决定，证件即恢复。",
                    f"/certificates/{revoked[0].number}", now=now)
