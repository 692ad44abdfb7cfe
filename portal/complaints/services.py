"""Complaints and praise (SPEC §2.10): what the public sends, and the legal office's triage.

A complaint moves ``received`` → ``accepted`` (受理) or ``not_accepted`` (不予受理, closed); an accepted one →
``substantiated`` (查实) or ``unsubstantiated`` (未查实), closed. Praise moves ``received`` → ``acknowledged``
(已登记). Closing needs a reply, which the sender reads by the reference number. Every step locks the row, so two
clerks deciding one complaint at once get one decision and a clear conflict. Substantiated complaints are counted
in the officer's two-year review (:func:`substantiated_count`). Callers commit.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from portal import audit, locks, notify
from portal.auth.access import legal_covering
from portal.auth.models import User
from portal.complaints.models import KINDS, STATUSES, Complaint
from portal.errors import DomainError
from portal.extensions import db

WHAT_MIN, WHAT_MAX = 10, 1000
PLACE_MAX, CONTACT_MAX, REPLY_MAX, NOTE_MAX = 100, 60, 1000, 1000
#: how far back a complaint may reach: the review period is two years, nothing older can count
OLDEST_DAYS = 730
#: no 0/O or 1/I/L: the reference is read out over the phone
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class Submission:
    """What the sender typed."""

    kind: str
    happened_on: dt.date | None
    place: str
    what: str
    contact: str


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


#: the reference's first letters say what was sent: TS 投诉, BY 表扬
REFERENCE_PREFIXES = {"complaint": "TS", "praise": "BY"}


def new_reference(today: dt.date, kind: str = "complaint") -> str:
    """``TS`` (a complaint) or ``BY`` (praise) + the date + 8 random characters: unguessable, since it shows the
    outcome and the reply."""
    return f"{REFERENCE_PREFIXES[kind]}{today:%Y%m%d}" + "".join(secrets.choice(ALPHABET) for _ in range(8))


def submit(submission: Submission, *, officer_id: int, agency_id: int, certificate_number: str,
           actor: audit.Actor, now: dt.datetime) -> Complaint:
    """Record a complaint or praise about the holder of ``certificate_number`` and tell the legal offices whose
    scope covers the certificate's agency.

    :param submission: validated here; every problem is refused with its field.
    """
    today = now.date()
    place, what, contact = _clean(submission.place), (submission.what or "").strip(), _clean(submission.contact)
    errors = []
    if submission.kind not in KINDS:
        errors.append(("kind", "请选择投诉或表扬"))
    if submission.happened_on is None:
        errors.append(("happened_on", "请填写事情发生的日期"))
    elif submission.happened_on > today:
        errors.append(("happened_on", "发生日期不能晚于今天"))
    elif (today - submission.happened_on).days > OLDEST_DAYS:
        errors.append(("happened_on", "只受理两年以内发生的事情"))
    if not place:
        errors.append(("place", "请填写事情发生的地点"))
    elif len(place) > PLACE_MAX:
        errors.append(("place", f"地点不能超过 {PLACE_MAX} 个字"))
    if len(what) < WHAT_MIN:
        errors.append(("what", f"请写明发生了什么（至少 {WHAT_MIN} 个字）"))
    elif len(what) > WHAT_MAX:
        errors.append(("what", f"内容不能超过 {WHAT_MAX} 个字（现有 {len(what)} 个字）"))
    if len(contact) > CONTACT_MAX:
        errors.append(("contact", f"联系方式不能超过 {CONTACT_MAX} 个字"))
    if errors:
        raise DomainError.invalid(errors, "提交的内容有误，请按提示修改", code="invalid_complaint")
    row = Complaint(reference=new_reference(today, submission.kind), kind=submission.kind, officer_id=officer_id, agency_id=agency_id,
                    certificate_number=certificate_number, happened_on=submission.happened_on, place=place,
                    what=what, contact=contact or None, status="received", submitted_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, f"{submission.kind}.submit", row, {"reference": row.reference,
                                                            "certificate": certificate_number}, now=now)
    legal = legal_covering(agency_id)
    for user in legal:
        notify.user(user, f"收到一件新的{KINDS[submission.kind]}（{row.reference}）",
                    f"证号 {certificate_number}，{today:%Y-%m-%d} 收到，请及时处理。", f"/complaints/{row.id}",
                    email=False, now=now)
    return row


def by_reference(reference: str) -> Complaint | None:
    """The complaint a sender looks up (case and spaces forgiven)."""
    text = "".join((reference or "").split()).upper()[:24]
    if not text:
        return None
    return db.session.scalar(sa.select(Complaint).where(Complaint.reference == text))


def _text(value: str | None, limit: int, field: str, label: str, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError.invalid([(field, f"请填写{label}")], "提交的内容有误，请按提示修改", code="invalid_complaint")
    if len(text) > limit:
        raise DomainError.invalid([(field, f"{label}不能超过 {limit} 个字")], "提交的内容有误，请按提示修改", code="invalid_complaint")
    return text


#: decision → (the states it may follow, the state it leads to, whether it closes and so needs a reply)
DECISIONS = {
    "accept": (("received",), "accepted", False),
    "not_accept": (("received",), "not_accepted", True),
    "substantiate": (("accepted",), "substantiated", True),
    "unsubstantiate": (("accepted",), "unsubstantiated", True),
    "acknowledge": (("received",), "acknowledged", True),
}


def decide(complaint: Complaint, decision: str, *, reply: str = "", note: str = "", actor: audit.Actor,
           now: dt.datetime) -> Complaint:
    """Move a complaint one step (:data:`DECISIONS`).

    :param reply: what the sender reads; required when the step closes the complaint.
    :param note: the legal office's own note, never shown to the sender.
    Refuses (409) a step that does not follow from the current state — e.g. a second clerk deciding a complaint
    another one has just decided — and praise any step but ``acknowledge`` (and a complaint that one).
    """
    if decision not in DECISIONS:
        raise DomainError("invalid_decision", "处理方式无效", status=422)
    allowed, target, closes = DECISIONS[decision]
    reply = _text(reply, REPLY_MAX, "reply", "答复", closes)
    note = _text(note, NOTE_MAX, "note", "内部备注", False)
    complaint = locks.relock(complaint)
    if (complaint.kind == "praise") != (decision == "acknowledge"):
        raise DomainError("invalid_decision", f"{complaint.kind_label}不能“{STATUSES[target]}”", status=422)
    if complaint.status not in allowed:
        raise DomainError("complaint_state", f"该{complaint.kind_label}现为“{complaint.status_label}”，"
                          "不能这样处理；请刷新页面查看最新状态", status=409)
    before = complaint.status
    complaint.status = target
    complaint.handled_by, complaint.handled_by_label = actor.user_id, actor.shown
    if target == "accepted":
        complaint.accepted_at = now
    if closes:
        complaint.closed_at, complaint.reply = now, reply
    if note:
        complaint.note = note
    db.session.flush()
    audit.record(actor, f"complaint.{decision}", complaint, {"status": [before, target]}, now=now)
    if target == "substantiated":
        account = db.session.scalar(sa.select(User).where(User.officer_id == complaint.officer_id,
                                                          User.active.is_(True)))
        if account is not None:
            notify.user(account, "有一件针对您的投诉经调查查实",
                        f"{complaint.happened_on:%Y-%m-%d}在{complaint.place}发生的事项经调查查实。"
                        "查实的投诉将计入两年一次的审核确认。", now=now)
    return complaint


def substantiated_count(officer_id: int, start: dt.date, end: dt.date) -> int:
    """Substantiated complaints about the officer for things that happened from ``start`` to ``end`` (both
    included): what the two-year review counts (SPEC §2.8)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Complaint).where(
        Complaint.officer_id == officer_id, Complaint.status == "substantiated",
        Complaint.happened_on >= start, Complaint.happened_on <= end)) or 0


def of_officer(officer_id: int) -> list[Complaint]:
    """Every complaint and praise about an officer, newest first."""
    return list(db.session.scalars(sa.select(Complaint).where(Complaint.officer_id == officer_id)
                                   .order_by(Complaint.submitted_at.desc(), Complaint.id.desc())))
