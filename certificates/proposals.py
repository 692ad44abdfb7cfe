"""Notice and a hearing before a certificate is lost (SPEC §2.7; seed 三(二)1: 保障行政管理相对人的陈述权、申辩权;
行政处罚法第四十四条 告知, 第四十五条 听取陈述申辩, 第六十二条 未告知或拒绝听取的不得作出 — by analogy).

A revocation that does not follow from a recorded fact — 注销 for a finally rejected review, 吊销 for misconduct,
撤销 for a certificate obtained by deception — is first **proposed** (拟注销 / 拟吊销 / 拟撤销) with its facts,
reasons and basis. The officer is told (inbox and e-mail; their agency's HR too, who can pass it on) and may state
their case, or waive it, within ``certificates.hearing_days`` working days *(default 5)*. Legal decides only after
the answer or the deadline: to revoke — :func:`certificates.revocation.revoke` with the proposal, the answer beside
the decision and the decision notice saying how to seek review — or not to. A 暂扣 is unaffected: it is provisional
and may take effect at once (the officer answers afterwards, :mod:`certificates.answers`).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from certificates import grounds, lifecycle, revocation
from certificates.models import REVOCATION_KINDS, Certificate
from certificates.proposal_models import DECISIONS, PROPOSED_KINDS, Proposal
from portal import audit, notify, policy, workdays
from portal.auth.access import legal_covering
from portal.errors import DomainError
from portal.extensions import db
from portal.locks import lock
from portal.officers.models import Officer
from portal.templating import cn_date

policy.define("certificates.hearing_days", "拟注销、拟吊销、拟撤销的陈述申辩期限（工作日）", "int", 5, lifecycle.SECTION,
              minimum=3, maximum=30, unit="个工作日",
              help="法制机构拟注销、吊销或撤销证件时，告知本人后其可在此期限内陈述申辩或放弃；期限届满或本人陈述申辩（放弃）后"
                   "方可作出决定（威政办发〔2016〕3号 三（二）1；参照行政处罚法第四十四、四十五、六十二条）。")
ANSWER_MAX = 2000


def open_for(certificate_id: int) -> Proposal | None:
    """The certificate's open proposal, if any."""
    return db.session.scalar(sa.select(Proposal).where(Proposal.certificate_id == certificate_id,
                                                       Proposal.status == "open"))


def _text(value: str | None, label: str, field: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError("required", f"请填写{label}", status=422, items=[{"field": field, "message": f"请填写{label}"}])
    if len(text) > limit:
        message = f"{label}不能超过 {limit} 个字"
        raise DomainError("too_long", message, status=422, items=[{"field": field, "message": message}])
    return text


def propose(certificate: Certificate, kind: str, *, facts: str, reasons: str, legal_basis: str, actor: audit.Actor,
            now: dt.datetime, expected: dt.datetime | None = None) -> Proposal:
    """Propose a revocation of ``kind`` (one of :data:`PROPOSED_KINDS`) and tell the officer; refuses a certificate
    already revoked or with an open proposal (409), and a kind whose fact is not on record."""
    if kind not in PROPOSED_KINDS:
        raise DomainError("invalid_reason", "请选择须先告知的原因（审核确认未通过、违法违纪、以欺骗等不正当手段取得）",
                          status=422, items=[{"field": "kind", "message": "请选择列出的原因"}])
    facts = _text(facts, "事实", "facts", ANSWER_MAX)
    reasons = _text(reasons, "理由", "reasons", ANSWER_MAX)
    legal_basis = _text(legal_basis, "法律依据", "legal_basis", lifecycle.BASIS_MAX)
    certificate = lifecycle.lock_certificate(certificate, expected)
    if certificate.status == "revoked":
        raise DomainError.conflict("already_revoked", f"证件已{certificate.revocation_word}")
    if open_for(certificate.id) is not None:
        raise DomainError.conflict("proposal_open", "该证件已有待决定的拟注销（吊销、撤销）告知，请先作出决定")
    missing = grounds.missing_fact(certificate, kind)
    if missing:
        raise DomainError("revocation_fact_missing", missing, status=422, items=[{"field": "kind", "message": missing}])
    answer_by = workdays.add(now.date(), policy.get("certificates.hearing_days"))
    proposal = Proposal(certificate_id=certificate.id, kind=kind, facts=facts, reasons=reasons,
                        legal_basis=legal_basis, proposed_by=actor.user_id, proposed_by_label=actor.shown,
                        proposed_at=now, answer_by=answer_by, status="open")
    db.session.add(proposal)
    db.session.flush()
    word = proposal.word
    certificate.updated_at = now
    lifecycle._event(certificate, actor, now, "propose", certificate.status, kind, word=word,
                     legal_basis=legal_basis, proposal_id=proposal.id, answer_by=answer_by.isoformat())
    lifecycle.notify_officer(
        certificate, f"拟{word}您的{certificate.type_label}：请于 {cn_date(answer_by)} 前陈述申辩",
        f"法制机构拟以“{REVOCATION_KINDS[kind]}”{word}证号 {certificate.number} 的{certificate.type_label}。\n"
        f"事实：{facts}\n理由：{reasons}\n依据：{legal_basis}\n"
        f"您有权陈述、申辩：请于 {cn_date(answer_by)} 前在“我的证件”中提交书面陈述申辩，或声明放弃。"
        "期限届满前，法制机构不会作出决定。", now, hr=True)
    return proposal


def _own(proposal: Proposal, officer: Officer, today: dt.date) -> Proposal:
    lock(Proposal, [proposal.id])
    db.session.refresh(proposal)
    if proposal.certificate.officer_id != officer.id:
        raise DomainError("not_found", "未找到该告知", status=404)
    if proposal.status != "open":
        raise DomainError.conflict("proposal_closed", "该告知已作出决定，不能再陈述申辩")
    if proposal.statement is not None or proposal.waived_at is not None:
        raise DomainError.conflict("already_answered", "您已就该告知陈述申辩或声明放弃")
    if today > proposal.answer_by:
        raise DomainError.conflict("answer_late", f"陈述申辩期限已于 {cn_date(proposal.answer_by)} 届满")
    return proposal


def state(proposal: Proposal, officer: Officer, statement: str, *, actor: audit.Actor, now: dt.datetime) -> Proposal:
    """The officer's written statement 陈述申辩 on the proposal, within its deadline (once)."""
    statement = _text(statement, "陈述申辩的内容", "body", ANSWER_MAX)
    proposal = _own(proposal, officer, now.date())
    proposal.statement, proposal.stated_at = statement, now
    db.session.flush()
    audit.record(actor, "certificate.answer", proposal.certificate,
                 {"number": proposal.certificate.number, "proposal_id": proposal.id, "length": len(statement)}, now=now)
    return proposal


def waive(proposal: Proposal, officer: Officer, *, actor: audit.Actor, now: dt.datetime) -> Proposal:
    """The officer declares they will not state their case: legal may decide at once."""
    proposal = _own(proposal, officer, now.date())
    proposal.waived_at = now
    db.session.flush()
    audit.record(actor, "certificate.waive", proposal.certificate,
                 {"number": proposal.certificate.number, "proposal_id": proposal.id}, now=now)
    return proposal


def decide(proposal: Proposal, decision: str, *, note: str, actor: audit.Actor, now: dt.datetime,
           expected: dt.datetime | None = None) -> Proposal:
    """Legal's decision: ``revoke`` (with the proposal's kind and basis) once the officer was heard, or ``drop`` —
    at any time, since withdrawing a proposal only spares the officer."""
    if decision not in DECISIONS:
        raise DomainError("invalid_decision", "请选择决定", status=422,
                          items=[{"field": "decision", "message": "请选择决定"}])
    note = _text(note, "决定理由", "note", ANSWER_MAX)
    lock(Proposal, [proposal.id])
    db.session.refresh(proposal)
    if proposal.status != "open":
        raise DomainError.conflict("proposal_closed", "该告知已作出决定")
    if decision == "revoke" and not proposal.heard(now.date()):  # not to revoke may be decided at any time
        raise DomainError.conflict(
            "not_heard", f"本人尚未陈述申辩或声明放弃，陈述申辩期限至 {cn_date(proposal.answer_by)}，届满后方可作出决定")
    certificate = proposal.certificate
    if decision == "revoke":
        revocation.revoke(certificate, proposal.kind, actor=actor, now=now, legal_basis=proposal.legal_basis,
                          note=note, expected=expected, proposal=proposal)
        return proposal
    certificate = lifecycle.lock_certificate(certificate, expected)
    proposal.status, proposal.decided_at = "dropped", now
    proposal.decided_by, proposal.decided_by_label, proposal.decision_note = actor.user_id, actor.shown, note
    certificate.updated_at = now
    db.session.flush()
    lifecycle._event(certificate, actor, now, "drop", certificate.status, proposal.kind, word=proposal.word,
                     proposal_id=proposal.id, note=note)
    lifecycle.notify_officer(
        certificate, f"决定不予{proposal.word}您的{certificate.type_label}",
        f"经听取陈述申辩，法制机构决定不予{proposal.word}证号 {certificate.number} 的{certificate.type_label}。"
        f"理由：{note}", now, hr=True)
    return proposal


def remind_overdue(today: dt.date, *, now: dt.datetime) -> list[Proposal]:
    """Tell the legal offices covering the officer's agency, once, of each open proposal whose answer deadline has
    passed (the sweep calls this daily)."""
    due = db.session.scalars(sa.select(Proposal).where(
        Proposal.status == "open", Proposal.answer_by < today, Proposal.reminded_at.is_(None))
        .order_by(Proposal.answer_by, Proposal.id)).all()
    for proposal in due:
        certificate = proposal.certificate
        proposal.reminded_at = now
        recipients = legal_covering(certificate.officer.agency_id)
        answered = "已陈述申辩" if proposal.statement else ("已放弃陈述申辩" if proposal.waived_at else "未陈述申辩")
        for user in recipients:
            notify.user(user, f"拟{proposal.word}待决定：{certificate.officer.name}（{certificate.number}）",
                        f"陈述申辩期限已于 {cn_date(proposal.answer_by)} 届满（本人{answered}），请作出决定。",
                        f"/certificates/{certificate.number}", now=now)
    db.session.flush()
    return list(due)
