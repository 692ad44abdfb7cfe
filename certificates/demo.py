"""The certificates of the Weihai demo (SPEC §3 demo data, issue 6).

Most on-duty officers hold an enforcement certificate issued some time in the last seven years, with the
reviews and update tests of the past done; officer ``371002199003071233`` holds an active one. Beside them, one
certificate of every kind a verifier can meet: suspended by each manual hold and by an overdue review, revoked by
every revocation kind (注销 / 吊销 / 撤销), a reissued card whose first edition now verifies as 已换发, a card
signed by a key since retired (密钥已停用), hearing presiders (one following a suspended enforcement
certificate), a holder re-recorded as 劳务派遣 whose certificate that put on hold, and applications waiting for the
legal office — eligible ones and one that is not.

Everything goes through :mod:`certificates.lifecycle`, so events, audit entries and tokens are those of real use;
only the history's dates are set in the past. Loaded once: a database that has certificates is left alone.
"""
from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from certificates import cycles, demo_cycles, due, eligibility, keys, lifecycle, proposals, revocation
from certificates.applications import services as applications
from certificates.demo_cycles import ACTOR
from certificates.demo_cycles import issue as _issue
from certificates.demo_cycles import moment as _moment
from certificates.models import Certificate
from portal import audit
from portal.auth.models import User
from portal.dates import anniversary
from portal.extensions import db
from portal.officers import signals as officer_signals
from portal.officers.models import Officer
from portal.orgs.entrustment import services as entrustment
from portal.orgs.models import Agency, Agreement

HOLDER = "371002199003071233"
#: officers who must not get a certificate here (李晓梅 is about to sit the qualification exam)
NO_CERTIFICATE = {"371002198805120047"}
SHARE = 0.75
BASIS_REVIEW = "威政办发〔2016〕3号 四（二）3"
MANUAL_HOLDS = [("under_investigation", "《行政处罚法》第四十二条", "群众投诉执法态度粗暴，正在核查"),
                ("disciplinary", "《公职人员政务处分法》第七条", "受到警告处分，处分期内暂扣"),
                ("other", "威政办发〔2016〕3号 四（二）3", "未按要求参加年度执法案卷评查")]
REVOCATIONS = [("left_post", ""), ("retired", ""), ("deceased", ""),
               ("review_rejected_final", "威政办发〔2016〕3号 四（二）3"),
               ("misconduct", "《行政处罚法》第四十二条；威政办发〔2016〕3号 四（二）3"),
               ("fraud", "《行政许可法》第六十九条第二款")]
PRESIDERS = 8
#: the facts and reasons of the revocations that were proposed first (SPEC §2.7)
HEARD = {
    "review_rejected_final": ("两年审核确认未通过：审核期内培训学时不足且平时考核两个季度为“较差”，限期整改后复核仍不合格。",
                              "审核确认经复核仍不合格，不再具备继续持证的条件。"),
    "misconduct": ("在查处占道经营时辱骂、推搡当事人，造成恶劣影响，经调查属实并受到政务处分。",
                   "严重违反执法纪律，不宜继续从事行政执法工作。"),
    "fraud": ("申领证件时提交的培训证明系伪造，经培训机构书面确认未参加该期培训。",
              "以欺骗手段取得行政执法证件。"),
}


def _retired_key_card(officer: Officer, today: dt.date, now: dt.datetime) -> Certificate:
    """A card signed by a key that is then retired (as if compromised): it verifies as 密钥已停用."""
    old = keys.rotate(now)
    certificate = _issue(officer, today - dt.timedelta(days=400), today)
    keys.rotate(now)
    keys.retire(old.kid, now)
    return certificate


def load(seed: int, now: dt.datetime) -> dict:
    """Load the certificates demo unless certificates exist; returns counts of what was added."""
    if db.session.scalar(sa.select(Certificate.id).limit(1)) is not None:
        return {"certificates": 0, "applications": 0, "reviews": 0, "complaints": 0}
    today = now.date()
    rng = random.Random(f"{seed}:certificates")
    officers = db.session.scalars(sa.select(Officer).order_by(Officer.id_number)).all()
    # only officers of a valid body, or of an entrusted party under an agreement in force or filed and awaiting its
    # announcement (the demo announces the agreements once their staff hold certificates), hold a certificate
    acting = {a for a in {o.agency_id for o in officers}
              if db.session.get(Agency, a).is_valid_body(today) or entrustment.in_force_for(a, today)
              or entrustment.pending_for(a, today)}
    on_duty = [o for o in officers if o.status == "on_duty" and o.id_number not in NO_CERTIFICATE
               and o.agency_id in acting]
    off_duty = [o for o in officers if o.status != "on_duty"]
    holder = next(o for o in on_duty if o.id_number == HOLDER)
    # officers of an entrusted party hold certificates only from their agreement on (see the bulk below)
    party = [o for o in on_duty if entrustment.acts_in_entrusting_name(o.agency, today)]
    others = [o for o in on_duty if o is not holder and o not in party]
    rng.shuffle(others)

    # cards of special kinds first, so each lands on its own officer
    specials, rest = others[:20], others[20:]
    retired_key = _retired_key_card(specials.pop(), today, now)
    made = [retired_key, _issue(holder, today - dt.timedelta(days=1290), today)]

    reissued = _issue(specials.pop(), today - dt.timedelta(days=1800), today)
    lifecycle.reissue(reissued, "reissue", actor=ACTOR, now=_moment(today - dt.timedelta(days=200)),
                      note="证件遗失，本人申请补发")
    made.append(reissued)

    for reason, basis, note in MANUAL_HOLDS:
        certificate = _issue(specials.pop(), today - dt.timedelta(days=rng.randint(400, 2000)), today)
        lifecycle.place_hold(certificate, reason, actor=ACTOR, now=_moment(today - dt.timedelta(days=12)),
                             legal_basis=basis, note=note)
        made.append(certificate)

    # a review due 20 days ago and not done: held by the rule that finds it overdue
    overdue = _issue(specials.pop(), anniversary(today - dt.timedelta(days=20), -due.REVIEW_YEARS), today)
    overdue.reviews_done -= 1
    lifecycle.ensure_hold(overdue, "review_overdue", actor=ACTOR, now=_moment(today - dt.timedelta(days=19), 1),
                          legal_basis=BASIS_REVIEW)
    made.append(overdue)

    for kind, basis in REVOCATIONS:
        # a 注销 for leaving or retiring stands on HR's record of it (certificates.grounds)
        owner = next((o for o in reversed(off_duty) if o.status == kind), None) or specials.pop()
        if owner in off_duty:
            off_duty.remove(owner)
        certificate = _issue(owner, today - dt.timedelta(days=rng.randint(800, 2400)), today)
        when = _moment(today - dt.timedelta(days=rng.randint(5, 90)))
        _revocation_fact(certificate, kind, when)
        if kind in HEARD:  # told, heard (the deadline passed unanswered), then decided
            facts, reasons = HEARD[kind]
            proposal = proposals.propose(certificate, kind, facts=facts, reasons=reasons, legal_basis=basis,
                                         actor=ACTOR, now=when - dt.timedelta(days=20))
            proposals.decide(proposal, "revoke", note="本人未在期限内陈述申辩，事实清楚，依据充分。", actor=ACTOR, now=when)
        else:
            revocation.revoke(certificate, kind, actor=ACTOR, now=when, legal_basis=basis)
        made.append(certificate)

    rest = demo_cycles.makeup_window(rest, today)
    rest = demo_cycles.extended_makeup(rest, today)
    taken, failed = demo_cycles.failed_update_tests(rest, today)
    made += failed
    rest = [o for o in rest if o not in taken]
    made += _due_process(rest[:2], today)
    rest = rest[2:]
    # kept without a certificate for the applications HR has made: three eligible officers and one who is not
    applicants = _applicants(rest, today)
    rest = [o for o in rest if o not in applicants]
    # two of the city's enforcement bureau whose review falls due within 60 days: HR submits theirs (below)
    soon = [o for o in rest if o.agency.name == "威海市综合行政执法局"][:2]
    for officer, days in zip(soon, (30, 45), strict=False):
        made.append(_issue(officer, anniversary(today + dt.timedelta(days=days), -due.REVIEW_YEARS), today))
    rest = [o for o in rest if o not in soon]
    # the bulk: three in four of the rest, issued over the last seven years — and always the first officer of
    # each entrusted party (so a QR shows the chain of authority), issued the day after its first agreement was
    # filed (行政处罚法第二十一条第二项: the agreement is announced once one of its staff holds a certificate)
    waiting = []
    for officer in party:
        if not any(c.officer.agency_id == officer.agency_id for c in made):
            filed = db.session.scalar(sa.select(sa.func.min(Agreement.filed_on)).where(
                Agreement.entrusted_id == officer.agency_id))
            made.append(_issue(officer, filed + dt.timedelta(days=1), today))
        else:
            waiting.append(officer)
    for officer in rest:
        if rng.random() < SHARE:
            made.append(_issue(officer, today - dt.timedelta(days=rng.randint(40, 7 * 365)), today))
        else:
            waiting.append(officer)

    # hearing presiders among the active holders; the first one's enforcement certificate is then suspended
    active = [c for c in made[1:] if c.status == "active" and c.officer.status == "on_duty"]
    for certificate in active[-PRESIDERS:]:
        lifecycle.issue(certificate.officer, "hearing_presider", certificate.categories, certificate.region,
                        actor=ACTOR, now=_moment(today - dt.timedelta(days=rng.randint(30, 600))))
    lifecycle.place_hold(active[-1], "under_investigation", actor=ACTOR, now=_moment(today - dt.timedelta(days=3)),
                         legal_basis="《行政处罚法》第四十二条", note="当事人投诉，正在核查")

    _staff_kinds(waiting, active[len(COMPLAINTS) + 1], now)
    added_complaints = _complaints(active, today, now)
    added_applications = _applications(applicants, now)
    added_reviews = _reviews_waiting(today, now)
    db.session.flush()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Certificate))
    return {"certificates": total, "applications": added_applications, "reviews": added_reviews,
            "complaints": added_complaints}


#: (kind, days ago it happened, what, the legal office's steps with the reply of the last)
#: (kind, days ago it happened, what, steps as (step, days after it happened), reply): every state; ``tell`` tells
#: the officer the substance, ``answer`` is their 陈述 — a 查实 follows both (SPEC §2.10)
COMPLAINTS = [
    ("complaint", 9, "扣押三轮车时没有开具任何单据，也没有告知如何领回。", (("accept", 2), ("tell", 7)), ""),
    ("complaint", 2, "在菜市场门口检查时没有出示执法证件，态度生硬。", (), ""),
    ("complaint", 20, "查处占道经营时把摊主的秤摔坏了，没有任何说法。", (), ""),  # past its 15 days to accept
    ("complaint", 40, "执法人员在检查时推搡摊主，言语粗暴。",
     (("accept", 2), ("tell", 3), ("answer", 6), ("substantiate", 14)),
     "经调查，反映情况属实。已责令该执法人员作出书面检查，并在本单位通报批评。"),
    ("complaint", 60, "认为罚款数额过高，执法人员故意刁难。", (("accept", 2), ("unsubstantiate", 20)),
     "经调查，罚款数额在法定幅度内，处罚程序合法，未发现故意刁难情形。如对处罚决定不服，可依法申请行政复议或提起行政诉讼。"),
    ("complaint", 25, "希望执法局把我家门口的公共停车位划给我家专用。", (("not_accept", 3),),
     "您反映的是停车位使用诉求，不属于对执法人员执法行为的投诉，不予受理。"),
    ("complaint", 20, "邻居家装修噪音扰民，执法人员接到反映后说不归他们管。", (("transfer", 4),),
     "您反映的装修噪音问题依法由属地街道办事处处理，已移交环翠区鲸园街道办事处，请向其查询办理结果。"),
    ("praise", 15, "执法人员耐心讲解占道经营的规定，帮我们联系了临时摊位。", (), ""),
    ("praise", 30, "暴雨夜里执法人员帮助商户转移物资，非常感谢。", (("acknowledge", 2),), "感谢您的肯定，我们已转达本人并予以表扬。"),
]
ANSWER = "当时摊主拒不配合检查并阻拦执法记录仪拍摄，我在劝离过程中有拉扯动作，言语也有不当之处，愿意作出检查。"
TRANSFERRED_TO = "环翠区鲸园街道办事处"


def _complaints(active: list[Certificate], today: dt.date, now: dt.datetime) -> int:
    """Complaints and praise in every state about active holders — one transferred (移交), one told to its officer
    and awaiting their answer, one substantiated after the officer's 陈述 — and a report of someone enforcing without
    a certificate; the officer whose certificate is held under investigation has the accepted complaint behind that
    hold."""
    from portal.complaints import handling
    from portal.complaints import services as complaints

    holders = [active[-1]] + active[:len(COMPLAINTS) - 1]
    public = audit.Actor(None, "public")
    for certificate, (kind, days, what, steps, reply) in zip(holders, COMPLAINTS, strict=False):
        happened = today - dt.timedelta(days=days)
        row = complaints.submit(complaints.Submission(kind, happened, f"{certificate.region}", what, ""),
                                officer_id=certificate.officer_id, agency_id=certificate.agency_id,
                                certificate_number=certificate.number, actor=public,
                                now=_moment(happened + dt.timedelta(days=1)))
        for step, after in steps:
            when = _moment(happened + dt.timedelta(days=after))
            if step == "tell":
                handling.tell(row, actor=ACTOR, now=when)
            elif step == "answer":
                handling.answer(row, ANSWER, waive=False, now=when,
                                actor=audit.Actor(None, "demo", name=certificate.officer.name))
            elif step == "transfer":
                handling.transfer(row, TRANSFERRED_TO, reply, actor=ACTOR, now=when)
            else:
                complaints.decide(row, step, reply=reply, actor=ACTOR, now=when)
    party = db.session.scalar(sa.select(Agency).where(Agency.kind == "entrusted").order_by(Agency.id))
    complaints.submit(complaints.Submission(
        "unlicensed", today - dt.timedelta(days=3), "新威路与青岛路路口", "两名穿制服的人员检查流动摊贩并收走一把遮阳伞，"
        "要求其出示执法证件时说“没带”，未出示任何证件。", "", reported_name="", happened_time="16:30"),
        officer_id=None, agency_id=party.id, certificate_number=None, actor=public,
        now=_moment(today - dt.timedelta(days=2)))
    return min(len(holders), len(COMPLAINTS)) + 1


def _revocation_fact(certificate: Certificate, kind: str, when: dt.datetime) -> None:
    """The rejected review a 注销 for a finally rejected review stands on, recorded before it (``revocation.revoke``
    refuses that kind without it); the update-test kinds have their own history (:mod:`certificates.demo_cycles`)."""
    if kind == "review_rejected_final":
        lifecycle.ensure_hold(certificate, "review_rejected", actor=ACTOR, now=when - dt.timedelta(days=45),
                              legal_basis=BASIS_REVIEW)


def _staff_kinds(waiting: list[Officer], holder: Certificate, now: dt.datetime) -> None:
    """人员类别 that may not hold a certificate (SPEC §2.3): two officers without one recorded as 工勤 and 劳动合同制,
    and one holder HR re-recorded as 劳务派遣 last week — whose certificate the change put on hold."""
    for officer, kind in zip(waiting[:2], ("worker", "contract"), strict=False):
        officer.staff_kind = kind
    officer = holder.officer
    before, officer.staff_kind = officer.staff_kind, "dispatched"
    db.session.flush()
    officer_signals.staff_kind_changed.send(officer, actor=ACTOR, now=now - dt.timedelta(days=6), before=before)


def _due_process(officers: list[Officer], today: dt.date) -> list[Certificate]:
    """SPEC §2.7's due process: a 拟吊销 told to the officer two days ago, awaiting their answer; and a 注销 that
    followed an officer marked 调离执法岗位 by mistake, set aside once HR corrected the record."""
    accused, mistaken = officers
    proposed = _issue(accused, today - dt.timedelta(days=900), today)
    proposals.propose(proposed, "misconduct", actor=ACTOR, now=_moment(today - dt.timedelta(days=2)),
                      facts="2026年11月在环翠区某农贸市场检查时，推搡摊主并扣押其电子秤，未开具任何凭证，经调取执法记录仪视频查实。",
                      reasons="违反法定程序实施扣押并对当事人使用暴力，情节严重，不宜继续从事行政执法工作。",
                      legal_basis="《行政强制法》第十八条、第二十四条；威政办发〔2016〕3号 四（二）3")
    corrected = _issue(mistaken, today - dt.timedelta(days=1500), today)
    marked = _moment(today - dt.timedelta(days=12))
    mistaken.status, mistaken.status_changed_on = "left_post", marked.date()
    cycles.revoke_for_status(mistaken.id, "left_post", actor=ACTOR, now=marked)
    mistaken.status, mistaken.status_changed_on = "on_duty", None
    db.session.flush()
    officer_signals.status_changed.send(mistaken, actor=ACTOR, now=marked + dt.timedelta(days=2), before="left_post")
    revocation.set_aside(corrected, reasons="人事管理员误将该人员登记为调离执法岗位，已于两日后更正；其一直在岗从事执法工作。",
                         actor=ACTOR, now=marked + dt.timedelta(days=3))
    return [proposed, corrected]


def _reviews_waiting(today: dt.date, now: dt.datetime) -> int:
    """Two reviews HR of 威海市综合行政执法局 submitted yesterday for certificates due within 60 days: they wait
    for the legal office's decision."""
    from certificates.reviews import services as reviews

    hr = db.session.scalar(sa.select(User).where(User.username == "hr"))
    if hr is None:
        return 0
    due_soon = [c for c in db.session.scalars(sa.select(Certificate).join(Officer).where(
        Certificate.type == "enforcement", Certificate.status == "active", Officer.status == "on_duty",
        Officer.agency.has(name="威海市综合行政执法局")).order_by(Certificate.number))
        # submitted yesterday: due within 60 days of yesterday, so the submission window was open then
        if due.is_due_soon(due.review_due(c.first_issued_on, c.reviews_done), today - dt.timedelta(days=1))]
    for certificate in due_soon[:2]:
        reviews.submit(audit.Actor(hr.id, hr.username, name=hr.display_name), hr, certificate, "本周期培训、考核情况已核实", now - dt.timedelta(days=1))
    return min(len(due_soon), 2)


def _applicants(candidates: list[Officer], today: dt.date) -> list[Officer]:
    """Three officers of 威海市综合行政执法局 who meet every issuance rule, then one who does not."""
    eligible, other = [], None
    for officer in candidates:
        if officer.agency.name != "威海市综合行政执法局":
            continue
        if len(eligible) < 3 and eligibility.check(officer, "enforcement", today).ok:
            eligible.append(officer)
        elif other is None and not eligibility.check(officer, "enforcement", today).ok:
            other = officer
        if len(eligible) == 3 and other is not None:
            break
    return eligible + ([other] if other is not None else [])


def _applications(waiting: list[Officer], now: dt.datetime) -> int:
    """Applications by HR of 威海市综合行政执法局 for officers without a certificate: every eligible one there
    (up to three), and one that is not, so both kinds of rule list can be seen."""
    hr = db.session.scalar(sa.select(User).where(User.username == "hr"))
    if hr is None:
        return 0
    hr_actor = audit.Actor(hr.id, hr.username, name=hr.display_name)
    eligible, other = [], None
    for officer in waiting:
        if officer.agency.name != "威海市综合行政执法局":
            continue
        if eligibility.check(officer, "enforcement", now.date()).ok:
            eligible.append(officer)
        elif other is None:
            other = officer
    chosen = eligible[:3] + ([other] if other is not None else [])
    for officer in chosen:
        applications.apply(hr_actor, hr, officer, "enforcement", officer.categories or ["综合执法"],
                           officer.region, "新入职执法人员，已通过资格考试" if officer in eligible else "",
                           now - dt.timedelta(days=2))
    return len(chosen)
