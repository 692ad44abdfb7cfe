"""Who may be issued a certificate, rule by rule, with why (SPEC §2.7 issuance).

Each rule answers pass or fail with the facts behind it, so the application page shows HR and the legal office the
same list and nobody has to look anything up elsewhere. The rules, in the order a clerk checks a file:
on duty; an 人员类别 that may hold a certificate (SPEC §2.3: 行政处罚法第四十二条, 行政强制法第十七条第三款); photo on file; the agency a valid enforcement body (confirmed and announced, seed 四(一)) — an
entrusted party only under an agreement in force (seed 四(三)); a ``qualification`` exam passed within the last
12 months *(default)*; the pre-exam training requirement met (measured, as the exam was, on the day that exam
opened); for a hearing presider also a passed ``hearing_presider`` exam and an active enforcement certificate
*(default)*; and no live certificate of the type already.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import sqlalchemy as sa

from certificates import lifecycle
from certificates.models import Certificate
from exams.attempts.models import Attempt
from exams.papers import eligibility as exam_eligibility
from exams.papers.models import Exam
from portal import policy
from portal.dates import anniversary
from portal.extensions import db
from portal.officers import services as officers
from portal.officers.models import Officer
from portal.orgs.entrustment import services as entrustment
from portal.training import requirements

policy.define("certificates.exam_valid_months", "资格考试成绩有效期（月）", "int", 12, lifecycle.SECTION,
              minimum=1, maximum=60, unit="月", help="申领执法证时，须在此期限内通过资格考试。")


@dataclass(frozen=True)
class Rule:
    """One eligibility rule: its code, its name, whether it is met, and the facts."""

    code: str
    label: str
    ok: bool
    why: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Eligibility:
    officer_id: int
    type: str
    rules: tuple[Rule, ...]

    @property
    def ok(self) -> bool:
        return all(rule.ok for rule in self.rules)

    @property
    def failed(self) -> list[Rule]:
        return [rule for rule in self.rules if not rule.ok]

    def summary(self) -> str:
        """``符合全部条件`` or the failed rules' reasons, for messages and the job's report."""
        if self.ok:
            return "符合全部申领条件"
        return "；".join(f"{rule.label}：{rule.why}" for rule in self.failed)


def _months_back(day: dt.date, months: int) -> dt.date:
    years, rest = divmod(months, 12)
    first = anniversary(day, -years) if years else day
    if not rest:
        return first
    month = first.month - rest
    year = first.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for candidate in range(first.day, 0, -1):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _last_pass(officer_id: int, purpose: str):
    """The officer's latest passed attempt of an exam of ``purpose``: (finished_at, exam title, opens_at)."""
    return db.session.execute(
        sa.select(Attempt.finished_at, Exam.title, Exam.opens_at)
        .join(Exam, Exam.id == Attempt.exam_id)
        .where(Attempt.officer_id == officer_id, Attempt.status == "final", Attempt.passed.is_(True),
               Exam.purpose == purpose)
        .order_by(Attempt.finished_at.desc()).limit(1)
    ).first()


def _cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def check(officer: Officer, type: str, today: dt.date) -> Eligibility:  # noqa: A002
    """Every rule for issuing a certificate of ``type`` to ``officer`` on ``today``."""
    rules: list[Rule] = []
    rules.append(Rule("on_duty", "在岗", officer.status == "on_duty",
                      "在岗" if officer.status == "on_duty" else f"人员状态为“{officer.status_label}”"))
    staff_refusal = officers.staff_kind_refusal(officer.staff_kind)
    rules.append(Rule("staff_kind", "人员类别可持证", staff_refusal is None,
                      staff_refusal or f"人员类别为“{officer.staff_kind_label}”"))
    rules.append(Rule("photo", "照片已上传", bool(officer.has_photo),
                      "已上传证件照片" if officer.has_photo else "尚未上传证件照片"))
    agency = officer.agency
    valid = agency.is_valid_body(today)
    by_entrustment = not valid and agency.kind in entrustment.BY_ENTRUSTMENT_KINDS
    agreement = entrustment.in_force_for(agency.id, today) if by_entrustment else None
    pending = entrustment.pending_for(agency.id, today) if by_entrustment and agreement is None else None
    if agreement is not None:
        rules.append(Rule("body", "受委托组织有有效委托协议", True,
                          f"{agency.name}依{agreement.entrusting.name}的委托协议（{_cn(agreement.starts_on)}至"
                          f"{_cn(agreement.ends_on)}，{_cn(agreement.announced_on)} 公告）以其名义实施行政执法"))
    elif pending is not None:
        # 行政处罚法第二十一条第二项: the party's staff hold certificates before the agreement is announced
        rules.append(Rule("body", "受委托组织有有效委托协议", True,
                          f"{agency.name}与{pending.entrusting.name}的委托协议已于 {_cn(pending.filed_on)} 备案，尚待公告："
                          "可先申领执法证（《行政处罚法》第二十一条第二项），协议公告生效后方可以委托机关名义执法"))
    elif entrustment.acts_in_entrusting_name(agency, today):
        rules.append(Rule("body", "受委托组织有有效委托协议", False,
                          f"{agency.name}为受委托组织，须有已备案、在有效期内的委托协议"))
    else:
        if valid:
            why = f"{agency.name}执法主体资格已确认并于 {_cn(agency.announced_on)} 公告"
        elif agency.qualification_status == "confirmed":
            why = f"{agency.name}执法主体资格已确认，但尚未公告"
        else:
            why = f"{agency.name}执法主体资格为“{agency.qualification_label}”"
        rules.append(Rule("body", "所在单位为合法执法主体", valid, why))

    months = policy.get("certificates.exam_valid_months")
    since = _months_back(today, months)
    passed = _last_pass(officer.id, "qualification")
    if passed is None:
        rules.append(Rule("qualification_exam", f"{months} 个月内通过资格考试", False, "没有通过资格考试的记录"))
    else:
        on = passed.finished_at.date()
        ok = on >= since
        rules.append(Rule("qualification_exam", f"{months} 个月内通过资格考试", ok,
                          f"{_cn(on)}通过“{passed.title}”" + ("" if ok else f"，已超过 {months} 个月")))
    measured_on = passed.opens_at.date() if passed is not None else today
    training = requirements.check(officer.id, "pre_exam", measured_on)
    first, last = training.start, training.end
    rules.append(Rule("training", "完成考前培训要求", training.met,
                      f"{_cn(first)}至{_cn(last)}共 {training.total.have:g} 学时"
                      + ("，符合要求" if training.met else f"：{training.describe_unmet()}")))

    if type == "hearing_presider":
        presider = _last_pass(officer.id, "hearing_presider")
        rules.append(Rule("presider_exam", "通过听证主持人资格考试", presider is not None,
                          f"{_cn(presider.finished_at.date())}通过“{presider.title}”" if presider is not None
                          else "没有通过听证主持人资格考试的记录"))
        if policy.get("certificates.presider_needs_certificate"):
            refusal = lifecycle.enforcement_refusal(officer.id)
            rules.append(Rule("enforcement_certificate", "持有有效执法证", refusal is None, refusal or "持有有效执法证"))

    live = db.session.scalar(sa.select(Certificate.number).where(
        Certificate.officer_id == officer.id, Certificate.type == type, Certificate.status != "revoked"))
    rules.append(Rule("no_live_certificate", "未持有同类有效证件", live is None,
                      "未持有同类证件" if live is None else f"已持有证号 {live}，请办理补发或换发"))
    return Eligibility(officer.id, type, tuple(rules))


@exam_eligibility.qualification_prerequisite
def _qualification_exam_prerequisite(officer_id: int, on: dt.date) -> str | None:
    """What the exams package asks before a qualification exam: the officer holds no live enforcement certificate —
    the exam leads to one, and one held (active or suspended) is reissued or reinstated, never issued again (the
    issuance rule ``no_live_certificate``). After a revocation the officer sits it again."""
    live = db.session.scalar(sa.select(Certificate.number).where(
        Certificate.officer_id == officer_id, Certificate.type == "enforcement", Certificate.status != "revoked"))
    return None if live is None else f"您已持有行政执法证（证号 {live}），无需参加资格考试"


@exam_eligibility.presider_prerequisite
def _presider_exam_prerequisite(officer_id: int, on: dt.date) -> str | None:
    """What the exams package asks before a hearing-presider exam: an active enforcement certificate."""
    refusal = lifecycle.enforcement_refusal(officer_id)
    return None if refusal is None else f"听证主持人资格考试须持有有效的行政执法证：{refusal}"
