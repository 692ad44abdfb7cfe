"""Complaints and praise (SPEC §2.10, seed 三(一)4 — 办理、移交和答复): what the public sends, and the legal office's
handling.

A complaint (or a report of someone enforcing without a certificate, ``unlicensed``) moves ``received`` →
``accepted`` (受理), ``not_accepted`` (不予受理, closed) or ``transferred`` (移交 to another body, recorded, closed);
an accepted one → ``transferred``, ``substantiated`` (查实) or ``unsubstantiated`` (未查实), closed. Praise moves
``received`` → ``acknowledged`` (已登记). Closing needs a reply, which the sender reads by the reference number.
Before a complaint about a holder is found 查实, the officer is told its substance and heard (:mod:`.handling`).
Each open complaint carries the deadline of the step awaited (``due_on``: 受理/移交 within ``complaints.accept_days``
of receipt, 办结 within ``complaints.conclude_days`` of acceptance, extendable once). Every step locks the row, so
two clerks deciding one complaint at once get one decision and a clear conflict. Substantiated complaints are
counted in the officer's two-year review (:func:`substantiated_count`). Nothing limits how long ago a thing may have
happened: no rule gives a basis for one. Callers commit.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from portal import audit, locks, notify, policy
from portal.complaints import rules
from portal.complaints.models import KINDS, STATUSES, Complaint
from portal.errors import DomainError
from portal.extensions import db
from portal.templating import cn_date

WHAT_MIN, WHAT_MAX = 10, 1000
PLACE_MAX, CONTACT_MAX, REPLY_MAX, NOTE_MAX, NAME_MAX, BODY_MAX = 100, 60, 1000, 1000, 40, 100
#: no 0/O or 1/I/L: the reference is read out over the phone
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class Submission:
    """What the sender typed; ``reported_name`` and ``happened_time`` for a report of someone enforcing without a
    certificate (the name as far as known, the time of day as HH:MM)."""

    kind: str
    happened_on: dt.date | None
    place: str
    what: str
    contact: str
    reported_name: str = ""
    happened_time: str = ""


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


#: the reference's first letters say what was sent: TS 投诉, BY 表扬, JB 举报 (无证执法)
REFERENCE_PREFIXES = {"complaint": "TS", "praise": "BY", "unlicensed": "JB"}


def new_reference(today: dt.date, kind: str = "complaint") -> str:
    """``TS`` (a complaint), ``BY`` (praise) or ``JB`` (a report) + the date + 8 random characters: unguessable, since it shows the
    outcome and the reply."""
    return f"{REFERENCE_PREFIXES[kind]}{today:%Y%m%d}" + "".join(secrets.choice(ALPHABET) for _ in range(8))


def problems(submission: Submission, today: dt.date, kinds) -> list[tuple[str, str]]:
    """Every problem of a submission, as (field, message) pairs (the forms show them all at once)."""
    place, what, contact = _clean(submission.place), (submission.what or "").strip(), _clean(submission.contact)
    errors = []
    if submission.kind not in kinds:
        errors.append(("kind", "请选择投诉或表扬"))
    if submission.happened_on is None:
        errors.append(("happened_on", "请填写事情发生的日期"))
    elif submission.happened_on > today:
        errors.append(("happened_on", "发生日期不能晚于今天"))
    if submission.happened_time and not _is_time(submission.happened_time):
        errors.append(("happened_time", "时间请写成“时:分”，如 09:30"))
    if len(_clean(submission.reported_name)) > NAME_MAX:
        errors.append(("reported_name", f"姓名不能超过 {NAME_MAX} 个字"))
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
    return errors


def _is_time(text: str) -> bool:
    """HH:MM on a 24-hour clock, ASCII digits only (09:30, 16:05)."""
    return re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", text) is not None


def submit(submission: Submission, *, officer_id: int | None, agency_id: int, certificate_number: str | None,
           actor: audit.Actor, now: dt.datetime) -> Complaint:
    """Record a complaint or praise about the holder of ``certificate_number`` — or, with ``kind="unlicensed"`` and
    no certificate, a report of someone enforcing without one in ``agency_id`` — and tell the legal offices that
    handle it (:func:`rules.handlers`).

    :param submission: validated here; every problem is refused with its field.
    """
    today = now.date()
    kinds = ("unlicensed",) if certificate_number is None else ("complaint", "praise")
    errors = problems(submission, today, kinds)
    if errors:
        raise DomainError.invalid(errors, "提交的内容有误，请按提示修改", code="invalid_complaint")
    row = Complaint(reference=new_reference(today, submission.kind), kind=submission.kind, officer_id=officer_id,
                    agency_id=agency_id, certificate_number=certificate_number, happened_on=submission.happened_on,
                    happened_time=submission.happened_time or None,
                    reported_name=_clean(submission.reported_name) or None, place=_clean(submission.place),
                    what=(submission.what or "").strip(), contact=_clean(submission.contact) or None,
                    status="received", submitted_at=now)
    if row.kind != "praise":
        row.due_on = today + dt.timedelta(days=int(policy.get("complaints.accept_days")))
    db.session.add(row)
    db.session.flush()
    audit.record(actor, f"{submission.kind}.submit", row, {"reference": row.reference,
                                                            "certificate": certificate_number}, now=now)
    about = f"证号 {certificate_number}" if certificate_number else f"{row.agency.name}（无证执法）"
    for user in rules.handlers(row):
        notify.user(user, f"收到一件新的{KINDS[submission.kind]}（{row.reference}）",
                    f"{about}，{cn_date(today)} 收到" + (f"，请于 {cn_date(row.due_on)} 前决定是否受理或移交。"
                                                         if row.due_on else "，请及时处理。"),
                    f"/complaints/{row.id}", email=False, now=now)
    return row


def by_reference(reference: str) -> Complaint | None:
    """The complaint a sender looks up (case and spaces forgiven)."""
    text = "".join((reference or "").split()).upper()[:24]
    if not text:
        return None
    return db.session.scalar(sa.select(Complaint).where(Complaint.reference == text))


def checked_text(value: str | None, limit: int, field: str, label: str, required: bool) -> str:
    """``value`` stripped, or refused (422, beside ``field``) when required and empty, or over ``limit``."""
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
    """Move a complaint one step (:data:`DECISIONS`; 移交 is :func:`portal.complaints.handling.transfer`).

    :param reply: what the sender reads; required when the step closes the complaint.
    :param note: the legal office's own note, never shown to the sender.
    Refuses (409) a step that does not follow from the current state — e.g. a second clerk deciding a complaint
    another one has just decided — and praise any step but ``acknowledge`` (and a complaint that one); refuses (422)
    a 查实 of a complaint about a holder who has not been told its substance and heard (seed 三(一)4; the officer
    answers within ``complaints.answer_days`` working days, :mod:`portal.complaints.handling`).
    """
    if decision not in DECISIONS:
        raise DomainError("invalid_decision", "处理方式无效", status=422)
    allowed, target, closes = DECISIONS[decision]
    reply = checked_text(reply, REPLY_MAX, "reply", "答复", closes)
    note = checked_text(note, NOTE_MAX, "note", "内部备注", False)
    complaint = locks.relock(complaint)
    if (complaint.kind == "praise") != (decision == "acknowledge"):
        raise DomainError("invalid_decision", f"{complaint.kind_label}不能“{STATUSES[target]}”", status=422)
    if complaint.status not in allowed:
        raise DomainError("complaint_state", f"该{complaint.kind_label}现为“{complaint.status_label}”，"
                          "不能这样处理；请刷新页面查看最新状态", status=409)
    if target == "substantiated" and complaint.officer_id is not None and not complaint.heard_on(now.date()):
        raise DomainError("not_heard", rules.not_heard_message(complaint), status=422)
    before = complaint.status
    complaint.status = target
    complaint.handled_by, complaint.handled_by_label = actor.user_id, actor.shown
    if target == "accepted":
        complaint.accepted_at = now
        # a new deadline, reminded afresh (even one falling on the day of the last)
        complaint.due_on = now.date() + dt.timedelta(days=int(policy.get("complaints.conclude_days")))
        complaint.reminded_for = None
    if closes:
        complaint.closed_at, complaint.reply, complaint.due_on = now, reply, None
    if note:
        complaint.note = note
    db.session.flush()
    audit.record(actor, f"complaint.{decision}", complaint, {"status": [before, target]}, now=now)
    if target == "substantiated" and complaint.officer_id is not None:
        rules.tell_officer(complaint, "有一件针对您的投诉经调查查实",
                               f"{cn_date(complaint.happened_on)}在{complaint.place}发生的事项经调查查实。"
                               "查实的投诉将计入两年一次的审核确认。", now)
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
