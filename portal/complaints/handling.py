"""The steps of handling a complaint beside the decisions of :mod:`portal.complaints.services` (seed 三(一)4 —
办理、移交和答复; SPEC §2.10):

* :func:`tell` — before a complaint is found 查实, the officer is told its substance (what happened, when and where;
  never who sent it) and may answer within ``complaints.answer_days`` working days; :func:`answer` records their
  陈述, or that they waive it;
* :func:`transfer` — 移交 to another body (the receiving body recorded, the sender told by the reply they read);
* :func:`extend` — the 办结 deadline extended once, with a reason;
* :func:`remind_due` — the daily sweep tells the legal office once of each deadline near or past.
Every step locks the row and is audited. Callers commit.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal import audit, locks, notify, policy, workdays
from portal.complaints import rules
from portal.complaints.models import CLOSED, Complaint
from portal.complaints.services import BODY_MAX, REPLY_MAX, checked_text
from portal.errors import DomainError
from portal.extensions import db
from portal.templating import cn_date

ANSWER_MAX = 2000
REASON_MAX = 500


def _wrong_state(complaint: Complaint, what: str) -> DomainError:
    return DomainError.conflict("complaint_state", f"该{complaint.kind_label}现为“{complaint.status_label}”，不能{what}；"
                                "请刷新页面查看最新状态")


def tell(complaint: Complaint, *, actor: audit.Actor, now: dt.datetime) -> Complaint:
    """Tell the officer an accepted complaint's substance and the day by which they may answer."""
    complaint = locks.relock(complaint)
    if complaint.status != "accepted" or complaint.officer_id is None:
        raise _wrong_state(complaint, "告知本人")
    if complaint.told_at is not None:
        raise DomainError.conflict("already_told", f"已于 {cn_date(complaint.told_at.date())} 告知本人")
    days = int(policy.get("complaints.answer_days"))
    complaint.told_at, complaint.answer_due_on = now, workdays.add(now.date(), days)
    db.session.flush()
    audit.record(actor, "complaint.tell", complaint, {"answer_due_on": str(complaint.answer_due_on)}, now=now)
    rules.tell_officer(complaint, "有一件针对您的投诉，请在期限内陈述",
                       f"{cn_date(complaint.happened_on)}在{complaint.place}：{complaint.what[:200]}\n"
                       f"您可在 {cn_date(complaint.answer_due_on)} 前（{days} 个工作日内）陈述意见，或放弃陈述；期限届满后"
                       "法制机构将作出调查结论。", now)
    return complaint


def answer(complaint: Complaint, text: str | None, *, waive: bool, actor: audit.Actor, now: dt.datetime) -> Complaint:
    """The officer's 陈述 (``text``), or their waiving it: once, within the deadline, while the complaint is open."""
    complaint = locks.relock(complaint)
    if complaint.told_at is None or complaint.status != "accepted":
        raise _wrong_state(complaint, "陈述")
    if complaint.answered_at is not None:
        raise DomainError.conflict("already_answered", "您已陈述（或放弃陈述），不能重复提交")
    if now.date() > complaint.answer_due_on:
        raise DomainError.conflict("answer_late", f"陈述期限已于 {cn_date(complaint.answer_due_on)} 届满")
    text = None if waive else checked_text(text, ANSWER_MAX, "answer", "陈述意见", True)
    complaint.answer, complaint.answered_at = text, now
    db.session.flush()
    audit.record(actor, "complaint.answer", complaint, {"waived": waive}, now=now)
    for user in rules.handlers(complaint):
        notify.user(user, f"{complaint.officer.name}已{'放弃陈述' if waive else '陈述意见'}（{complaint.reference}）",
                    "可以作出调查结论。", f"/complaints/{complaint.id}", email=False, now=now)
    return complaint


def transfer(complaint: Complaint, body: str, reply: str, *, actor: audit.Actor, now: dt.datetime) -> Complaint:
    """移交: a complaint not for this office goes to ``body``; the reply tells the sender where it went."""
    errors = []
    body = " ".join((body or "").split())
    if not body:
        errors.append(("transferred_to", "请填写接收移交的机关"))
    elif len(body) > BODY_MAX:
        errors.append(("transferred_to", f"机关名称不能超过 {BODY_MAX} 个字"))
    reply = (reply or "").strip()
    if not reply:
        errors.append(("reply", "请填写答复：告诉投诉人已移交何处"))
    elif len(reply) > REPLY_MAX:
        errors.append(("reply", f"答复不能超过 {REPLY_MAX} 个字"))
    if errors:
        raise DomainError.invalid(errors, "提交的内容有误，请按提示修改", code="invalid_complaint")
    complaint = locks.relock(complaint)
    if complaint.kind == "praise" or complaint.status not in ("received", "accepted"):
        raise _wrong_state(complaint, "移交")
    before = complaint.status
    complaint.status, complaint.transferred_to = "transferred", body
    complaint.closed_at, complaint.reply, complaint.due_on = now, reply, None
    complaint.handled_by, complaint.handled_by_label = actor.user_id, actor.shown
    db.session.flush()
    audit.record(actor, "complaint.transfer", complaint, {"status": [before, "transferred"], "to": body}, now=now)
    return complaint


def extend(complaint: Complaint, reason: str, *, actor: audit.Actor, now: dt.datetime) -> Complaint:
    """Extend the 办结 deadline once by ``complaints.extension_days``, with a reason."""
    reason = checked_text(reason, REASON_MAX, "extension_reason", "延长理由", True)
    complaint = locks.relock(complaint)
    if complaint.status != "accepted":
        raise _wrong_state(complaint, "延长办结期限")
    if complaint.extended_at is not None:
        raise DomainError.conflict("already_extended", f"办结期限已于 {cn_date(complaint.extended_at.date())} 延长过一次，"
                                   "不能再延长")
    days = int(policy.get("complaints.extension_days"))
    before = complaint.due_on
    complaint.due_on, complaint.reminded_for = before + dt.timedelta(days=days), None
    complaint.extended_at, complaint.extension_reason = now, reason
    db.session.flush()
    audit.record(actor, "complaint.extend", complaint, {"due_on": [str(before), str(complaint.due_on)],
                                                         "reason": reason}, now=now)
    return complaint


def remind_due(today: dt.date, *, now: dt.datetime) -> list[Complaint]:
    """Tell the legal offices handling each open complaint whose deadline is within ``complaints.remind_days`` (or
    past) — once per deadline: a new deadline (accepted, extended) is reminded again. One indexed read."""
    ahead = today + dt.timedelta(days=int(policy.get("complaints.remind_days")))
    due = db.session.scalars(sa.select(Complaint).where(
        Complaint.due_on.is_not(None), Complaint.due_on <= ahead, Complaint.status.not_in(CLOSED),
        sa.or_(Complaint.reminded_for.is_(None), Complaint.reminded_for != Complaint.due_on))
        .order_by(Complaint.due_on, Complaint.id)).all()
    recipients: dict[tuple, list] = {}
    for complaint in due:
        step = "受理或移交" if complaint.status == "received" else "办结"
        late = "已逾期" if complaint.due_on < today else "即将到期"
        key = (complaint.agency_id, complaint.happened_on)
        if key not in recipients:
            recipients[key] = rules.handlers(complaint)
        users = recipients[key]
        for user in users:
            notify.user(user, f"{complaint.kind_label}{complaint.reference}的{step}期限{late}",
                        f"{step}期限为 {cn_date(complaint.due_on)}。", f"/complaints/{complaint.id}", now=now)
        complaint.reminded_for = complaint.due_on
    db.session.flush()
    return due


def told_to(officer_id: int) -> list[Complaint]:
    """The complaints an officer has been told of, newest first (their page to answer)."""
    return list(db.session.scalars(sa.select(Complaint).where(
        Complaint.officer_id == officer_id, Complaint.told_at.is_not(None))
        .order_by(Complaint.told_at.desc(), Complaint.id.desc())))


def awaiting(officer_id: int, today: dt.date) -> list[Complaint]:
    """The complaints the officer may still answer (their to-do)."""
    return list(db.session.scalars(sa.select(Complaint).where(
        Complaint.officer_id == officer_id, Complaint.told_at.is_not(None), Complaint.answered_at.is_(None),
        Complaint.status == "accepted", Complaint.answer_due_on >= today).order_by(Complaint.answer_due_on)))
