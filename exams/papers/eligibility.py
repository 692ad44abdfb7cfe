"""Who an exam admits (SPEC §2.6): its audience — enrolled by name, the jurisdiction, chosen agencies — and its
purpose's prerequisite: for ``qualification`` an 人员类别 that may hold a certificate (SPEC §2.3; 行政处罚法第四十二条,
行政强制法第十七条第三款), no enforcement certificate already held (the exam leads to one; an officer who holds one
is not invited) and the pre-exam training requirement (measured at the day the window
opens), an active enforcement certificate for ``hearing_presider``. Whether an officer may start an exam now —
these with the window, duty and their attempts — is decided by :mod:`exams.attempts.admission`.

The certificate checks belong to ``certificates``, which sits above this package: it registers them with
:func:`presider_prerequisite` and :func:`qualification_prerequisite`. Until one is registered, nobody holds a
certificate: the presider check refuses and the qualification check passes.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from exams.papers.models import Enrolment, Exam, ExamAgency
from portal import policy
from portal.extensions import db
from portal.officers import services as officers
from portal.officers.models import Officer
from portal.orgs.models import Agency
from portal.templating import cn_date
from portal.training import requirements

SECTION = "考试"

policy.define("exams.pass_percent", "默认及格线（占总分的百分比）", "int", 60, SECTION, minimum=1, maximum=100, unit="%",
              help="新建考试时按蓝图总分计算默认及格分（向上取整），每场考试可另行设定。")
policy.define("exams.max_attempts", "默认考试次数（含补考）", "int", 2, SECTION, minimum=1, maximum=10, unit="次")
policy.define("exams.presider_needs_certificate", "听证主持人资格考试须持有有效执法证（1 = 须持有，0 = 不要求）",
              "int", 1, SECTION, minimum=0, maximum=1,
              help="政策选择，并非法律要求：行政处罚法第六十四条（四）、行政许可法第四十八条（三）只要求听证主持人为非本案"
                   "调查（审查）人员；威政办发〔2016〕3号 三（二）4 要求其经统一考试取得听证主持人资格。")

#: ``fn(officer_id, on) -> None`` when the officer holds an active enforcement certificate on ``on``, else the
#: reason in Chinese; registered by the certificates package
_PRESIDER_CHECKS: list[Callable[[int, dt.date], str | None]] = []
NO_CERTIFICATE = "听证主持人资格考试须持有有效的行政执法证，您目前没有有效的执法证"


def presider_prerequisite(fn: Callable[[int, dt.date], str | None]):
    """Register the enforcement-certificate check of ``hearing_presider`` exams (used as a decorator)."""
    if fn not in _PRESIDER_CHECKS:
        _PRESIDER_CHECKS.append(fn)
    return fn


#: ``fn(officer_id, on) -> None`` when the officer holds no enforcement certificate that a qualification exam would
#: lead to, else why the exam is not for them; registered by the certificates package
_QUALIFICATION_CHECKS: list[Callable[[int, dt.date], str | None]] = []


def qualification_prerequisite(fn: Callable[[int, dt.date], str | None]):
    """Register the already-certified check of ``qualification`` exams (used as a decorator)."""
    if fn not in _QUALIFICATION_CHECKS:
        _QUALIFICATION_CHECKS.append(fn)
    return fn


def ancestor_ids(path: str) -> list[int]:
    """The ids on a tree path (``/1/2/5/`` → ``[1, 2, 5]``): the agency and everything above it."""
    return [int(part) for part in path.strip("/").split("/") if part]


def audience_condition(officer: Officer):
    """A SQL condition on :class:`Exam` true when ``officer`` is among those who may sit it: enrolled by name,
    within the jurisdiction of an ``everyone`` exam, or within a chosen agency of an ``agencies`` exam."""
    above = ancestor_ids(officer.agency.path)
    enrolled = sa.exists().where(Enrolment.exam_id == Exam.id, Enrolment.officer_id == officer.id)
    chosen = sa.exists().where(ExamAgency.exam_id == Exam.id, ExamAgency.agency_id.in_(above or [-1]))
    return sa.or_(enrolled,
                  sa.and_(Exam.audience == "everyone", Exam.agency_id.in_(above or [-1])),
                  sa.and_(Exam.audience == "agencies", chosen))


def audience_officers(exam: Exam):
    """A SELECT of the ids of the on-duty officers ``exam``'s audience includes (enrolled ones too)."""
    enrolled = sa.select(Enrolment.officer_id).where(Enrolment.exam_id == exam.id)
    if exam.audience == "everyone":
        agencies = sa.select(Agency.id).where(Agency.path.startswith(exam.agency.path, autoescape=True))
    elif exam.audience == "agencies":
        chosen = aliased(Agency)
        agencies = (sa.select(Agency.id).join(ExamAgency, ExamAgency.exam_id == exam.id)
                    .join(chosen, chosen.id == ExamAgency.agency_id)
                    .where(Agency.path.startswith(chosen.path)))
    else:
        agencies = None
    admitted = Officer.id.in_(enrolled)
    if agencies is not None:
        admitted = sa.or_(admitted, Officer.agency_id.in_(agencies))
    return sa.select(Officer.id).where(Officer.status == "on_duty", admitted)


def in_audience(officer: Officer, exam: Exam) -> bool:
    """Whether ``officer`` is among those who may sit ``exam``: enrolled by name, or in its audience."""
    return exam.id in audience_of(officer, [exam])


def audience_of(officer: Officer, exams: list[Exam]) -> set[int]:
    """The ids of ``exams`` whose audience includes ``officer`` (two queries whatever their number)."""
    ids = [e.id for e in exams]
    if not ids:
        return set()
    above = set(ancestor_ids(officer.agency.path))
    enrolled = set(db.session.scalars(sa.select(Enrolment.exam_id).where(
        Enrolment.officer_id == officer.id, Enrolment.exam_id.in_(ids))))
    chosen = set(db.session.scalars(sa.select(ExamAgency.exam_id).where(
        ExamAgency.exam_id.in_([e.id for e in exams if e.audience == "agencies"] or [-1]),
        ExamAgency.agency_id.in_(above or {-1}))))
    return {e.id for e in exams if e.id in enrolled or e.id in chosen
            or (e.audience == "everyone" and e.agency_id in above)}


class Prerequisites:
    """The purposes' prerequisites for one officer, each asked once per day it is measured on."""

    def __init__(self, officer: Officer, now: dt.datetime):
        self.officer, self.now = officer, now
        self._training: dict[dt.date, requirements.Result] = {}
        self._certificate: str | None | bool = False  # False: not asked yet
        self._certified: str | None | bool = False

    def refusal(self, exam: Exam) -> str | None:
        if exam.purpose == "qualification":
            staff_refusal = officers.staff_kind_refusal(self.officer.staff_kind)
            if staff_refusal:
                return f"资格考试仅限可持证的人员类别参加：{staff_refusal}"
            if self._certified is False:
                self._certified = next(filter(None, (check(self.officer.id, self.now.date())
                                                     for check in _QUALIFICATION_CHECKS)), None)
            if self._certified:
                return self._certified
            opens_on = exam.opens_at.date()
            if opens_on not in self._training:
                self._training[opens_on] = requirements.check(self.officer.id, "pre_exam", opens_on)
            result = self._training[opens_on]
            if not result.met:
                first, last = requirements.window("pre_exam", opens_on)
                return (f"资格考试前须完成培训要求（{cn_date(first)}至{cn_date(last)}）："
                        f"{result.describe_unmet()}")
        if exam.purpose == "hearing_presider" and policy.get("exams.presider_needs_certificate"):
            if self._certificate is False:
                self._certificate = self._presider()
            return self._certificate
        return None

    def _presider(self) -> str | None:
        if not _PRESIDER_CHECKS:
            return NO_CERTIFICATE
        for check in _PRESIDER_CHECKS:
            reason = check(self.officer.id, self.now.date())
            if reason:
                return reason
        return None


def purpose_refusal(officer: Officer, exam: Exam, now: dt.datetime) -> str | None:
    """The purpose's prerequisite: ``None`` when met, else the reason."""
    return Prerequisites(officer, now).refusal(exam)
