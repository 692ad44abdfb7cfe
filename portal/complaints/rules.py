"""Who handles a complaint, and its deadlines (SPEC §2.10, seed 三(一)4 — 办理、移交和答复).

* **Who**: the legal offices whose scope covers the agency the complaint is about — and, for the officer of a party
  acting by entrustment, those covering the body in whose name it acted that day (an agreement announced by then,
  covering the day, not terminated before it) (行政处罚法第二十条第三款: 委托行政机关对受委托组织实施行政处罚的行为
  应当负责监督; seed 四(三): 委托机关……对受委托主体行使受委托行政执法权的行为进行指导、监督).
* **Deadlines** *(defaults, 政策设置)*: accepted (受理) or transferred (移交) within 15 days of receipt, concluded
  within 60 days of acceptance, extendable once by 30 days with a reason; the officer answers within 5 working days
  of being told the substance, before any 查实.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal import clock, notify, policy
from portal.auth.access import agencies_in_scope, legal_covering
from portal.auth.models import User
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.orgs.bodies import services as bodies
from portal.orgs.entrustment import services as entrustment
from portal.orgs.models import Agency, Agreement
from portal.templating import cn_date

SECTION = "投诉与举报"
policy.define("complaints.accept_days", "投诉受理或移交期限（收到后天数）", "int", 15, SECTION, minimum=1, maximum=60,
              unit="天", help="收到投诉或无证执法举报后，法制机构应在此期限内决定受理、不予受理或移交（威政办发〔2016〕3号 三（一）4）。")
policy.define("complaints.conclude_days", "投诉办结期限（受理后天数）", "int", 60, SECTION, minimum=10, maximum=180,
              unit="天", help="受理后应在此期限内查实或未查实并答复投诉人；情况复杂的可延长一次。")
policy.define("complaints.extension_days", "投诉办结期限可延长（天，限一次）", "int", 30, SECTION, minimum=1, maximum=90,
              unit="天", help="延长须写明理由，只能延长一次。")
policy.define("complaints.answer_days", "被投诉人员陈述期限（工作日）", "int", 5, SECTION, minimum=3, maximum=30,
              unit="个工作日", help="认定投诉查实前，告知被投诉的执法人员投诉的主要内容，其可在此期限内陈述或放弃陈述；"
                                   "期限届满或其陈述（放弃）后方可认定查实。")
policy.define("complaints.remind_days", "投诉期限届满前提醒（天）", "int", 3, SECTION, minimum=0, maximum=30, unit="天",
              help="受理、移交或办结期限届满前此天数，每日巡检提醒法制机构一次。")


def _agreement_covering(agency_id, happened_on):
    """The conditions of an agreement under which the agency acted on ``happened_on`` in its entrusting body's name:
    the party is an organisation or township acting by entrustment (no valid body in its own right), and the
    agreement was announced by then, its term covers the day and it had not been terminated."""
    today = clock.today()
    return sa.and_(
        Agreement.entrusted_id == agency_id, Agreement.announced_on.is_not(None),
        Agreement.announced_on <= happened_on, Agreement.starts_on <= happened_on, Agreement.ends_on >= happened_on,
        sa.or_(Agreement.terminated_on.is_(None), Agreement.terminated_on > happened_on),
        Agreement.entrusted_id.in_(sa.select(Agency.id).where(
            Agency.kind.in_(entrustment.BY_ENTRUSTMENT_KINDS), ~bodies.valid_condition(today))))


def handlers(complaint: Complaint) -> list[User]:
    """The legal-office accounts told of ``complaint``: those covering its agency, and those covering the body in
    whose name the agency acted that day (行政处罚法第二十条第三款)."""
    found = {user.id: user for user in legal_covering(complaint.agency_id)}
    bodies_ids = db.session.scalars(sa.select(Agreement.entrusting_id).where(
        _agreement_covering(complaint.agency_id, complaint.happened_on))).all()
    for body_id in set(bodies_ids):
        found.update({user.id: user for user in legal_covering(body_id)})
    return [found[key] for key in sorted(found)]


def visible_condition(user):
    """A SQL condition for the complaints ``user`` handles: about agencies in scope, or about a party acting that
    day in the name of a body in scope."""
    if user.role == "admin":
        return sa.true()
    mine = agencies_in_scope(user)
    entrusted_by_mine = sa.exists(sa.select(Agreement.id).where(
        Agreement.entrusting_id.in_(mine), _agreement_covering(Complaint.agency_id, Complaint.happened_on)))
    return sa.or_(Complaint.agency_id.in_(mine), entrusted_by_mine)


def visible_or_none(user, complaint_id: int) -> Complaint | None:
    """The complaint if ``user`` handles it (else ``None``, which the pages answer with 404)."""
    return db.session.scalar(sa.select(Complaint).where(Complaint.id == complaint_id, visible_condition(user)))


def tell_officer(complaint: Complaint, title: str, body: str, now: dt.datetime) -> None:
    """Tell the officer a complaint is about (their inbox and e-mail) and their agency's HR, who can pass it on."""
    notify.officer(complaint.officer_id, title, body, "/me/complaints", now=now)
    notify.agency_hr(complaint.officer.agency_id, f"{complaint.officer.name}：{title}", body, now=now)


def not_heard_message(complaint: Complaint) -> str:
    """Why a complaint cannot be found 查实 yet."""
    if complaint.told_at is None:
        return (f"认定查实前，须先告知{complaint.officer.name}投诉的主要内容，听取其陈述（威政办发〔2016〕3号 三（一）4）："
                "请先点“告知本人”")
    return (f"{complaint.officer.name}的陈述期限至 {cn_date(complaint.answer_due_on)} 届满；届满或本人陈述（放弃）后"
            "方可认定查实")
