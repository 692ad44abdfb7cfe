"""The two-year review 审核确认 (SPEC §2.8): the period of a review, the facts of the period and each criterion of
the recommendation (:func:`assess`), which HR's submission stores and the legal office reads.

**The period** of a review is the two years before its due date: ``anniversary(due_on, -2)`` … ``due_on − 1``
(29 February → 28 February, as everywhere). The facts are gathered on the day of submission, so the stored
``period_end`` is the day before the due date or, for a review submitted early, today.

**Facts and criteria** (each criterion listed with pass/fail and its facts, as the issuance rules are):

* *training* — the period requirement (``requirements.check(officer, "period", due_on)``). It is measured on the
  due date itself, so its window is exactly the review period whether the review is submitted early or late:
  records cannot be dated in the future, so an early submission counts the hours to date; training made up
  after the due date belongs to the next period and does not count here (legal may still confirm).
* *grades* — the routine-assessment grades of the quarters that end within the period (eight quarters a
  period; a quarter is never counted in two periods); none may be 较差. A quarter not fully scored is listed
  as such and fails nothing.
* *complaints* — complaints substantiated by the legal office about things that happened in the period, fewer
  than ``certificates.review_max_complaints`` *(default 2)* (SPEC §2.10).
* *disciplinary* — no open ``disciplinary`` hold on the certificate.

The recommendation is ``pass`` when every criterion passes, else ``fail``; it advises, the legal office decides.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from certificates import due, lifecycle
from certificates.eligibility import Rule
from certificates.models import Certificate, Hold
from portal import policy
from portal.assessment import grading
from portal.assessment import results as assessment
from portal.complaints import services as complaint_services
from portal.dates import anniversary
from portal.extensions import db
from portal.templating import cn_date
from portal.training import requirements

policy.define("certificates.review_max_complaints", "审核确认：查实投诉件数上限（少于此数方可建议通过）", "int", 2,
              lifecycle.SECTION, minimum=1, maximum=100, unit="件",
              help="两年审核周期内查实的投诉少于此数，方可建议审核确认通过。")


def period_of(due_on: dt.date, today: dt.date) -> tuple[dt.date, dt.date]:
    """The review period of ``due_on`` as far as it has run on ``today``: its first day and ``min(due − 1, today)``."""
    start = anniversary(due_on, -2)
    return start, max(start, min(due_on - dt.timedelta(days=1), today))


def _quarters_ending_within(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    """The ``(year, quarter)`` pairs whose last day lies in ``start`` … ``end``."""
    out = []
    for year in range(start.year, end.year + 1):
        for quarter in range(1, 5):
            last = (dt.date(year + (quarter == 4), quarter * 3 % 12 + 1, 1) - dt.timedelta(days=1))
            if start <= last <= end:
                out.append((year, quarter))
    return out


@dataclass(frozen=True)
class Assessment:
    """The facts of a certificate's review period, judged: what HR submits and legal reads."""

    certificate_id: int
    due_on: dt.date
    period_start: dt.date
    period_end: dt.date
    facts: dict
    criteria: tuple[Rule, ...]

    @property
    def recommendation(self) -> str:
        return "pass" if all(rule.ok for rule in self.criteria) else "fail"

    @property
    def running(self) -> bool:
        """True while the period has not run its full course (submitted before the due date's eve)."""
        return self.period_end < self.due_on - dt.timedelta(days=1)

    @property
    def failed(self) -> list[Rule]:
        return [rule for rule in self.criteria if not rule.ok]


def _hours(value: float) -> str:
    return f"{value:g}"


def assess(certificate: Certificate, today: dt.date) -> Assessment:
    """The facts of the period of ``certificate``'s next review due date, and each criterion of the recommendation
    with pass/fail and why (a handful of queries)."""
    due_on = due.review_due(certificate.first_issued_on, certificate.reviews_done)
    start, end = period_of(due_on, today)
    training = requirements.check(certificate.officer_id, "period", due_on)
    quarters = _quarters_ending_within(start, due_on - dt.timedelta(days=1))
    results = assessment.quarter_results([certificate.officer_id], quarters).get(certificate.officer_id, {})
    grades = []
    for key in quarters:
        result = results.get(key)
        grades.append({"year": key[0], "quarter": key[1], "label": assessment.quarter_label(*key),
                       "total": None if result is None or result.total is None else str(result.total),
                       "grade": None if result is None else result.grade,
                       "grade_label": "" if result is None else result.grade_label,
                       "state": "none" if result is None else ("graded" if result.complete else "incomplete")})
    holds = db.session.scalars(sa.select(Hold).where(Hold.certificate_id == certificate.id, Hold.lifted_at.is_(None))
                               .order_by(Hold.placed_at, Hold.id)).all()
    limit = policy.get("certificates.review_max_complaints")
    complaints = complaint_services.substantiated_count(certificate.officer_id, start, end)
    facts = {
        "as_of": today.isoformat(),
        "training": {"start": training.start.isoformat(), "end": training.end.isoformat(), "met": training.met,
                     "parts": [{"code": p.code, "label": p.label, "have": p.have, "need": p.need, "met": p.met}
                               for p in training.parts]},
        "grades": grades,
        "complaints": {"substantiated": complaints, "limit": limit, "counted": True},
        "holds": [{"id": h.id, "reason": h.reason, "label": h.reason_label, "placed_on": h.placed_at.date().isoformat(),
                   "legal_basis": h.legal_basis, "system": h.is_system} for h in holds],
    }

    criteria = []
    window = f"{cn_date(training.start)}至{cn_date(training.end)}"
    if training.met:
        why = f"{window}共 {_hours(training.total.have)} 学时（" + "，".join(
            f"{p.label} {_hours(p.have)}/{_hours(p.need)}" for p in training.categories) + "），符合要求"
    else:
        why = f"{window}共 {_hours(training.total.have)} 学时：{training.describe_unmet()}"
    criteria.append(Rule("training", "完成审核周期培训要求", training.met, why))

    poor = [g for g in grades if g["grade"] == "poor"]
    graded = [g for g in grades if g["state"] == "graded"]
    if poor:
        why = "、".join(f"{g['label']}为“{grading.grade_label('poor')}”（{g['total']} 分）" for g in poor)
    elif graded:
        why = f"{len(graded)} 个季度有考核等次，无“较差”" + (
            f"；{len(grades) - len(graded)} 个季度未考核或未评完" if len(graded) < len(grades) else "")
    else:
        why = "本周期内没有已评定的平时考核等次"
    criteria.append(Rule("grades", "平时考核无“较差”等次", not poor, why))

    criteria.append(Rule("complaints", f"查实投诉少于 {limit} 件", complaints < limit,
                         f"{cn_date(start)}至{cn_date(end)}发生、经查实的投诉 {complaints} 件"))

    disciplinary = [h for h in holds if h.reason == "disciplinary"]
    criteria.append(Rule("disciplinary", "无未解除的纪律处分暂扣", not disciplinary,
                         "无纪律处分暂扣" if not disciplinary else
                         "；".join(f"{cn_date(h.placed_at)}因纪律处分暂扣（{h.legal_basis}）" for h in disciplinary)))
    return Assessment(certificate.id, due_on, start, end, facts, tuple(criteria))
