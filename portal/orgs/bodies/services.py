"""A body's standing as an enforcement body (SPEC §2.1, seed 四(一)): confirmed, re-confirmed, cancelled and
announced by the legal office.

The rules:
* only a ``government``, ``authorized`` or ``township`` agency can be a body; an ``entrusted`` organisation acts in
  an entrusting body's name (seed 四(三)) and is never one;
* confirming or cancelling needs a legal basis, a date (not in the future, not before the previous decision) and the
  text to announce; a first confirmation, or one after a cancellation, makes the body valid only once announced;
  a re-confirmation of a valid body keeps it valid and restarts the two-year clock *(default)*;
* a cancellation takes effect at once; announcing it publishes it;
* announcing needs a decision not yet announced, dated on or after that decision and not in the future.

Every step is a :class:`BodyDecision` row, an audit entry and the ``body_changed`` signal, on which the certificates
package places or lifts the ``body_invalid`` hold of the body's certificates. Callers commit.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from portal import audit, locks, policy
from portal.dates import anniversary
from portal.errors import DomainError
from portal.extensions import db
from portal.orgs import signals
from portal.orgs.models import BODY_KINDS, Agency, BodyDecision

SECTION = "执法主体"
BASIS_MAX = 500
TEXT_MAX = 4000
SEED = "威政办发〔2016〕3号 四（一）"

policy.define("orgs.reconfirm_years", "执法主体资格复核确认周期（年）", "int", 2, SECTION, minimum=1, maximum=10,
              unit="年", help="执法主体资格确认后，每隔此年数须复核确认一次。")
policy.define("orgs.reconfirm_reminder_days", "执法主体复核确认提前提醒（天）", "int", 60, SECTION, minimum=1,
              maximum=366, unit="天", help="复核确认到期前此天数，提醒辖区法制机构。")


def valid_condition(today: dt.date):
    """The SQL twin of :meth:`Agency.is_valid_body`: confirmed and announced on or before ``today``."""
    return sa.and_(Agency.qualification_status == "confirmed", Agency.announced_on.is_not(None),
                   Agency.announced_on <= today)


def reconfirm_due(agency: Agency) -> dt.date | None:
    """When a confirmed body is due to be re-confirmed (its last decision + the cycle), else ``None``."""
    if agency.qualification_status != "confirmed" or agency.qualification_decided_on is None:
        return None
    return anniversary(agency.qualification_decided_on, int(policy.get("orgs.reconfirm_years")))


def announcement_pending(agency: Agency) -> bool:
    """True when the latest decision has not been announced yet."""
    return agency.qualification_status != "pending" and (
        agency.announced_on is None or agency.announced_on < agency.qualification_decided_on)


@dataclass(frozen=True)
class Decision:
    """What the legal office typed: the date, the legal basis and the text to announce."""

    decided_on: dt.date | None
    legal_basis: str
    announcement_text: str


def _check(agency: Agency, decision: Decision, today: dt.date) -> Decision:
    basis, text = (decision.legal_basis or "").strip(), (decision.announcement_text or "").strip()
    errors = []
    if decision.decided_on is None:
        errors.append(("decided_on", "请填写决定日期"))
    elif decision.decided_on > today:
        errors.append(("decided_on", "决定日期不能晚于今天"))
    elif agency.qualification_decided_on and decision.decided_on < agency.qualification_decided_on:
        errors.append(("decided_on", f"决定日期不能早于上一次决定（{agency.qualification_decided_on:%Y-%m-%d}）"))
    elif agency.announced_on and decision.decided_on <= agency.announced_on:
        errors.append(("decided_on", f"决定日期应晚于上一次公告（{agency.announced_on:%Y-%m-%d}），以便公告本次决定"))
    if not basis:
        errors.append(("legal_basis", "请写明法律依据"))
    elif len(basis) > BASIS_MAX:
        errors.append(("legal_basis", f"法律依据不能超过 {BASIS_MAX} 个字"))
    if not text:
        errors.append(("announcement_text", "请填写向社会公告的内容"))
    elif len(text) > TEXT_MAX:
        errors.append(("announcement_text", f"公告内容不能超过 {TEXT_MAX} 个字"))
    if errors:
        raise DomainError.invalid(errors, "执法主体资格信息有误", code="invalid_body_decision")
    return Decision(decision.decided_on, basis, text)


def _record(agency: Agency, action: str, actor: audit.Actor, now: dt.datetime, before: dict, decided_on: dt.date,
            basis: str | None = None, text: str | None = None) -> BodyDecision:
    row = BodyDecision(agency_id=agency.id, action=action, decided_on=decided_on, legal_basis=basis,
                       announcement_text=text, actor_id=actor.user_id, actor_label=actor.shown, created_at=now)
    db.session.add(row)
    agency.updated_at = now
    db.session.flush()
    change = {key: [before[key], value] for key, value in _state(agency).items() if before[key] != value}
    audit.record(actor, f"body.{action}", agency, change | {"decided_on": decided_on, "legal_basis": basis}, now=now)
    signals.body_changed.send(agency, actor=actor, now=now)
    return row


def _state(agency: Agency) -> dict:
    return {"qualification_status": agency.qualification_status, "announced_on": agency.announced_on,
            "qualification_decided_on": agency.qualification_decided_on}


def confirm(agency: Agency, decision: Decision, *, actor: audit.Actor, now: dt.datetime) -> BodyDecision:
    """Confirm ``agency`` as an enforcement body, or re-confirm a confirmed one (SPEC §2.1).

    :param decision: the decision's date, legal basis and announcement text.
    A first confirmation (or one after a cancellation) is valid only once announced; a re-confirmation keeps the
    body valid on its earlier announcement until the new one is announced, and restarts the cycle.
    """
    agency = locks.relock(agency)
    if agency.kind not in BODY_KINDS:
        raise DomainError("not_a_body", f"{agency.name}是{agency.kind_label}，不能确认为执法主体：受委托组织只能以委托"
                          "机关的名义实施行政执法（威政办发〔2016〕3号 四（三））", status=422,
                          items=[{"field": "kind", "message": "只有行政机关、法律法规授权的组织和乡镇街道可以确认为执法主体"}])
    decision = _check(agency, decision, now.date())
    before = _state(agency)
    again = agency.qualification_status == "confirmed"
    agency.qualification_status = "confirmed"
    agency.qualification_decided_on = decision.decided_on
    agency.qualification_basis = decision.legal_basis
    agency.announcement_text = decision.announcement_text
    if not again:
        agency.announced_on = None
    return _record(agency, "reconfirm" if again else "confirm", actor, now, before, decision.decided_on,
                   decision.legal_basis, decision.announcement_text)


def cancel(agency: Agency, decision: Decision, *, actor: audit.Actor, now: dt.datetime) -> BodyDecision:
    """Cancel a confirmed body's qualification; it may not enforce from this moment, and its certificates are held
    (``body_invalid``) until it is confirmed and announced again."""
    agency = locks.relock(agency)
    if agency.qualification_status != "confirmed":
        raise DomainError("not_confirmed", f"{agency.name}的执法主体资格为“{agency.qualification_label}”，"
                          "只有已确认的执法主体才能取消", status=409)
    decision = _check(agency, decision, now.date())
    before = _state(agency)
    agency.qualification_status = "cancelled"
    agency.qualification_decided_on = decision.decided_on
    agency.qualification_basis = decision.legal_basis
    agency.announcement_text = decision.announcement_text
    agency.announced_on = None
    return _record(agency, "cancel", actor, now, before, decision.decided_on, decision.legal_basis,
                   decision.announcement_text)


def announce(agency: Agency, announced_on: dt.date | None, *, actor: audit.Actor,
             now: dt.datetime) -> BodyDecision:
    """Record that the latest decision was announced to the public on ``announced_on`` (seed 四(一):
    未经审核确认并向社会公布的行政执法主体不得开展行政执法活动)."""
    agency = locks.relock(agency)
    if not announcement_pending(agency):
        raise DomainError("nothing_to_announce", "没有待公告的确认或取消决定", status=409)
    errors = []
    if announced_on is None:
        errors.append(("announced_on", "请填写公告日期"))
    elif announced_on > now.date():
        errors.append(("announced_on", "公告日期不能晚于今天：请在公告发布后登记"))
    elif announced_on < agency.qualification_decided_on:
        errors.append(("announced_on", f"公告日期不能早于决定日期（{agency.qualification_decided_on:%Y-%m-%d}）"))
    if errors:
        raise DomainError.invalid(errors, "执法主体资格信息有误", code="invalid_body_decision")
    before = _state(agency)
    agency.announced_on = announced_on
    return _record(agency, "announce", actor, now, before, announced_on)


@dataclass(frozen=True)
class Announced:
    """The decision the public knows: its action, date, basis and text, and the day it was announced."""

    action: str
    decided_on: dt.date
    legal_basis: str | None
    announcement_text: str | None
    announced_on: dt.date


def announced_decisions(agency_ids: list[int]) -> dict[int, Announced]:
    """For each agency, the latest decision that has been announced (a re-confirmation not yet announced leaves
    the previous one in place), from the history in one SELECT."""
    rows = db.session.scalars(sa.select(BodyDecision).where(BodyDecision.agency_id.in_(agency_ids or [-1]))
                              .order_by(BodyDecision.agency_id, BodyDecision.id)).all()
    pending: dict[int, BodyDecision] = {}
    result: dict[int, Announced] = {}
    for row in rows:
        if row.action != "announce":
            pending[row.agency_id] = row
        elif row.agency_id in pending:
            decided = pending.pop(row.agency_id)
            result[row.agency_id] = Announced(decided.action, decided.decided_on, decided.legal_basis,
                                              decided.announcement_text, row.decided_on)
    return result


def history(agency_id: int) -> list[BodyDecision]:
    """Every decision on a body, the latest recorded first."""
    return list(db.session.scalars(sa.select(BodyDecision).where(BodyDecision.agency_id == agency_id)
                                   .order_by(BodyDecision.id.desc())))


def reconfirm_css(agency: Agency, today: dt.date) -> str:
    """The house colours for a re-confirmation date: ``status-overdue`` once past it, ``status-due`` within the
    reminder window, else ``""``."""
    day = reconfirm_due(agency)
    if day is None:
        return ""
    if today > day:
        return "status-overdue"
    return "status-due" if (day - today).days <= int(policy.get("orgs.reconfirm_reminder_days")) else ""


def standing(agency: Agency, today: dt.date) -> str:
    """One phrase for lists: 有效 / 已确认·待公告 / 待确认 / 已取消."""
    if agency.is_valid_body(today):
        return "有效（已确认并公告）"
    if agency.qualification_status == "confirmed":
        return "已确认·待公告（不得执法）"
    if agency.qualification_status == "cancelled":
        return "已取消"
    return "待确认（不得执法）"
