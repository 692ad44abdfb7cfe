"""Writing exams: create, change, publish — the form's values checked, the blueprint checked against the bank
(:mod:`exams.papers.blueprint`), the audience's agencies within the jurisdiction.

Services take the actor, the acting account (for scope; ``None`` = everything, the CLI and the sweep) and
``now``; they validate, change, audit and flush — the caller commits or rolls back. Refusals are
:class:`DomainError` with per-field ``items`` (a section's fields are ``sections-<row>-<name>``, rows from 0).

**After publishing** an exam may change entirely while nobody has started it (everything re-checked); once an
attempt exists only the close (later, and not in the past), a widening of the audience and the enrolments — and
once such an exam has closed, not even the close: its answers are shown to the candidates from then on.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import sqlalchemy as sa

from exams.bank.rules import HEARING
from exams.papers import eligibility  # noqa: F401 - declares exams.pass_percent and exams.max_attempts
from exams.papers.blueprint import Section, _sections, check_blueprint
from exams.papers.enrolment import _notify_enrolled
from exams.papers.models import AUDIENCES, PURPOSES, Enrolment, Exam, ExamAgency, ExamSection
from exams.papers.values import _moment, _plain, _whole
from exams.usage import attempt_count
from portal import audit, locks, policy
from portal.auth.access import in_scope
from portal.errors import DomainError, problem
from portal.extensions import db
from portal.orgs.models import Agency

MAX_TITLE, MAX_INSTRUCTIONS = 120, 2000
MAX_DURATION, MAX_ATTEMPTS = 600, 10
LOCKED_MESSAGE = "已有人员参加本考试，只能延后结束时间、扩大考试范围和调整报名人员"
#: the results show the answers and explanations from the close on: a closed exam with attempts stays closed
CLOSED_MESSAGE = "考试已结束且已有人作答，答案解析已向考生公开，不能延长或重新开放"


def default_max_attempts() -> int:
    return int(policy.get("exams.max_attempts"))


def default_pass_mark(total_points: int) -> int:
    """``exams.pass_percent`` % of the total, rounded up (at least 1)."""
    return max(1, math.ceil(total_points * int(policy.get("exams.pass_percent")) / 100))


def window_state(exam: Exam, now: dt.datetime) -> str:
    """``upcoming``, ``open`` or ``closed`` by the window alone."""
    if now < exam.opens_at:
        return "upcoming"
    return "open" if now < exam.closes_at else "closed"


# --- the exam -------------------------------------------------------------------------------------------------

@dataclass
class ExamData:
    """An exam as typed. ``pass_mark`` and ``max_attempts`` left blank take their defaults."""

    title: str = ""
    purpose: str = ""
    instructions: str = ""
    duration_minutes: object = None
    opens_at: object = None
    closes_at: object = None
    pass_mark: object = None
    max_attempts: object = None
    audience: str = "everyone"
    agency_ids: list = field(default_factory=list)
    sections: list = field(default_factory=list)  # SectionRow
    #: the owning legal office's jurisdiction (on creation only)
    agency_id: int | None = None


@dataclass
class _Checked:
    title: str
    purpose: str
    instructions: str
    duration_minutes: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    pass_mark: int
    max_attempts: int
    audience: str
    agencies: list[Agency]
    sections: list[Section]


def _checked(data: ExamData, jurisdiction: Agency | None, now: dt.datetime, items: list,
             check_pool: bool = True) -> _Checked | None:
    title = " ".join(_plain(data.title).split())
    if not title:
        items.append(problem("title", "请填写考试名称"))
    elif len(title) > MAX_TITLE:
        items.append(problem("title", f"考试名称最多 {MAX_TITLE} 个字，当前 {len(title)} 个字"))
    purpose = _plain(data.purpose)
    if purpose not in PURPOSES:
        items.append(problem("purpose", "请选择考试类型"))
    instructions = (data.instructions or "").strip()
    if len(instructions) > MAX_INSTRUCTIONS:
        items.append(problem("instructions", f"考试说明最多 {MAX_INSTRUCTIONS} 个字"))
    duration = _whole(data.duration_minutes, "考试时长", 1, MAX_DURATION, "duration_minutes", items)
    opens_at = _moment(data.opens_at, "开考时间", "opens_at", items)
    closes_at = _moment(data.closes_at, "结束时间", "closes_at", items)
    if opens_at and closes_at:
        if closes_at <= opens_at:
            items.append(problem("closes_at", "结束时间须晚于开考时间"))
        elif closes_at <= now:
            items.append(problem("closes_at", f"结束时间（{closes_at:%Y-%m-%d %H:%M}）已过，请设定将来的时间"))
    sections = _sections(list(data.sections), items)
    if purpose == "hearing_presider":
        for section in sections:
            if section.category != HEARING:
                items.append(problem(f"sections-{section.row}-category",
                                     f"听证主持人资格考试只从“{HEARING}”类试题（行政处罚、行政许可的听证）中抽题"))
    total = sum(s.count * s.points for s in sections)
    pass_mark = None
    if _plain(data.pass_mark):
        pass_mark = _whole(data.pass_mark, "及格分", 0, 10**6, "pass_mark", items)
        if pass_mark == 0:
            items.append(problem("pass_mark", "及格分至少为 1 分"))
        elif pass_mark is not None and sections and pass_mark > total:
            items.append(problem("pass_mark", f"及格分不能高于总分（{total} 分）"))
    elif sections:
        pass_mark = default_pass_mark(total)
    max_attempts = (_whole(data.max_attempts, "考试次数", 1, MAX_ATTEMPTS, "max_attempts", items)
                    if _plain(data.max_attempts) else default_max_attempts())
    audience = _plain(data.audience)
    agencies: list[Agency] = []
    if audience not in AUDIENCES:
        items.append(problem("audience", "请选择考试范围"))
    elif audience == "agencies":
        ids = {i for i in (_as_id(v) for v in data.agency_ids or []) if i}
        if not ids:
            items.append(problem("agency_ids", "请至少选择一个单位"))
        else:
            agencies = list(db.session.scalars(sa.select(Agency).where(Agency.id.in_(ids)).order_by(Agency.path)))
            if jurisdiction is not None and (len(agencies) != len(ids) or any(
                    not a.path.startswith(jurisdiction.path) for a in agencies)):
                items.append(problem("agency_ids", f"只能选择“{jurisdiction.name}”辖区内的单位"))
    if sections and check_pool and not any(i["field"].startswith("sections") for i in items):
        items.extend(check_blueprint(sections))
    if items or not sections:
        return None
    return _Checked(title, purpose, instructions, duration, opens_at, closes_at, pass_mark, max_attempts,
                    audience, agencies, sections)


def _as_id(value) -> int | None:
    text = _plain(value)
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) <= 2**31 - 1 else None


def _apply(exam: Exam, checked: _Checked, now: dt.datetime) -> None:
    exam.title, exam.purpose, exam.instructions = checked.title, checked.purpose, checked.instructions
    exam.duration_minutes, exam.opens_at, exam.closes_at = checked.duration_minutes, checked.opens_at, checked.closes_at
    exam.pass_mark, exam.max_attempts, exam.audience = checked.pass_mark, checked.max_attempts, checked.audience
    exam.updated_at = now


def _set_sections(exam: Exam, sections: list[Section]) -> None:
    exam.sections.clear()
    db.session.flush()
    for position, s in enumerate(sections, start=1):
        exam.sections.append(ExamSection(position=position, title=s.title, category=s.category, tag=s.tag,
                                         kind=s.kind, count=s.count, points=s.points))


def _set_agencies(exam: Exam, agencies: list[Agency]) -> None:
    db.session.execute(sa.delete(ExamAgency).where(ExamAgency.exam_id == exam.id))
    if agencies:
        db.session.execute(sa.insert(ExamAgency), [{"exam_id": exam.id, "agency_id": a.id} for a in agencies])


def audience_agencies(exam: Exam) -> list[Agency]:
    """The agencies chosen for an ``agencies`` exam, in tree order."""
    return list(db.session.scalars(sa.select(Agency).join(ExamAgency, ExamAgency.agency_id == Agency.id)
                                   .where(ExamAgency.exam_id == exam.id).order_by(Agency.path)))


def describe(exam: Exam) -> dict:
    """What an exam is, for the audit log."""
    return {
        "title": exam.title, "purpose": exam.purpose, "duration_minutes": exam.duration_minutes,
        "opens_at": f"{exam.opens_at:%Y-%m-%d %H:%M:%S}", "closes_at": f"{exam.closes_at:%Y-%m-%d %H:%M:%S}", "pass_mark": exam.pass_mark,
        "max_attempts": exam.max_attempts, "audience": exam.audience,
        "agencies": [a.id for a in audience_agencies(exam)] if exam.id else [],
        "sections": [[s.title, s.category, s.tag, s.kind, s.count, s.points] for s in exam.sections],
    }


def _changes(before: dict, after: dict) -> dict:
    return {key: [before[key], after[key]] for key in after if before.get(key) != after[key]}


def create_exam(actor: audit.Actor, user, data: ExamData, now: dt.datetime) -> Exam:
    """A new draft exam of a jurisdiction in the account's scope (``data.agency_id``)."""
    items: list[dict] = []
    jurisdiction = db.session.get(Agency, data.agency_id) if data.agency_id else None
    if jurisdiction is None or (user is not None and not in_scope(user, jurisdiction.id)):
        items.append(problem("agency_id", "请选择您管辖范围内的主办辖区"))
        jurisdiction = None
    checked = _checked(data, jurisdiction, now, items)
    if items or checked is None:
        raise DomainError.invalid(items)
    exam = Exam(agency_id=jurisdiction.id, status="draft", created_by=actor.user_id, created_at=now,
                title=checked.title, purpose=checked.purpose, duration_minutes=checked.duration_minutes,
                pass_mark=checked.pass_mark, opens_at=checked.opens_at, closes_at=checked.closes_at,
                max_attempts=checked.max_attempts, audience=checked.audience, updated_at=now)
    _apply(exam, checked, now)
    db.session.add(exam)
    db.session.flush()
    _set_sections(exam, checked.sections)
    _set_agencies(exam, checked.agencies if checked.audience == "agencies" else [])
    db.session.flush()
    audit.record(actor, "exam.create", exam, describe(exam), now=now)
    return exam


def _widens(exam: Exam, checked: _Checked) -> bool:
    """Whether the new audience includes everyone the old one did (enrolments admit whatever the audience)."""
    if exam.audience == "officers" or checked.audience == "everyone":
        return True
    if exam.audience == "everyone" or checked.audience == "officers":
        return False
    new_paths = [a.path for a in checked.agencies]
    return all(any(old.path.startswith(p) for p in new_paths) for old in audience_agencies(exam))


def _locked_fields(exam: Exam, checked: _Checked) -> list[str]:
    current = (exam.title, exam.purpose, exam.instructions, exam.duration_minutes, exam.opens_at, exam.pass_mark,
               exam.max_attempts, [(s.title, s.category, s.tag, s.kind, s.count, s.points) for s in exam.sections])
    typed = (checked.title, checked.purpose, checked.instructions, checked.duration_minutes, checked.opens_at,
             checked.pass_mark, checked.max_attempts,
             [(s.title, s.category, s.tag, s.kind, s.count, s.points) for s in checked.sections])
    names = ("title", "purpose", "instructions", "duration_minutes", "opens_at", "pass_mark", "max_attempts",
             "sections")
    return [name for name, old, new in zip(names, current, typed, strict=True) if old != new]


def update_exam(actor: audit.Actor, user, exam: Exam, data: ExamData, now: dt.datetime) -> dict:
    """Change an exam (see the module's rules for what may change after the first attempt); returns the changes.

    The exam's row is locked first and read again, and only then are its attempts counted: a concurrent start
    (:func:`exams.attempts.services.start`, which locks it too) either came before — the exam is then locked —
    or waits for this change and draws from the new blueprint."""
    locks.lock(Exam, [exam.id])
    db.session.expire(exam)
    items: list[dict] = []
    locked = attempt_count(exam.id) > 0
    # the blueprint of a started exam cannot change, so the bank (which may have changed since) is not asked
    checked = _checked(data, exam.agency, now, items, check_pool=not locked)
    if items or checked is None:
        raise DomainError.invalid(items)
    if locked:
        changed = _locked_fields(exam, checked)
        if changed:
            raise DomainError.invalid([problem(name, LOCKED_MESSAGE) for name in changed])
        if checked.closes_at != exam.closes_at and now >= exam.closes_at:
            raise DomainError.invalid([problem("closes_at", CLOSED_MESSAGE)])
        if checked.closes_at < exam.closes_at:
            raise DomainError.invalid([problem("closes_at", f"已有人员参加本考试，结束时间只能延后，不能早于原定的 "
                                               f"{exam.closes_at:%Y-%m-%d %H:%M}")])
        if not _widens(exam, checked):
            raise DomainError.invalid([problem("audience", "已有人员参加本考试，考试范围只能扩大，不能缩小")])
    before = describe(exam)
    _apply(exam, checked, now)
    if not locked:
        _set_sections(exam, checked.sections)
    _set_agencies(exam, checked.agencies if checked.audience == "agencies" else [])
    db.session.flush()
    db.session.expire(exam, ["sections"])
    changes = _changes(before, describe(exam))
    if changes:
        audit.record(actor, "exam.update", exam, changes, now=now)
    return changes


def publish(actor: audit.Actor, exam: Exam, now: dt.datetime) -> Exam:
    """Publish a draft: the blueprint is checked again and the window must not be over; officers enrolled while
    it was a draft are told now."""
    if exam.status == "published":
        raise DomainError("already_published", "该考试已发布", status=409)
    sections = [Section(s.title, s.category, s.tag, s.kind, s.count, s.points, i)
                for i, s in enumerate(exam.sections)]
    items = [] if sections else [problem("sections", "考试还没有试题部分，不能发布")]
    items += check_blueprint(sections) if sections else []
    if exam.closes_at <= now:
        items.append(problem("closes_at", f"考试结束时间（{exam.closes_at:%Y-%m-%d %H:%M}）已过，请先修改考试时间"))
    if exam.pass_mark > exam.total_points:
        items.append(problem("pass_mark", f"及格分（{exam.pass_mark}）高于总分（{exam.total_points}），请先修改"))
    if items:
        raise DomainError.invalid(items, "考试未发布，请先处理以下问题")
    # only one of two simultaneous publishers wins (the other is told it is published already)
    won = db.session.execute(sa.update(Exam).where(Exam.id == exam.id, Exam.status == "draft")
                             .values(status="published", published_at=now, updated_at=now)).rowcount
    if won != 1:
        raise DomainError("already_published", "该考试已发布", status=409)
    db.session.refresh(exam)
    enrolled = db.session.scalars(sa.select(Enrolment.officer_id).where(Enrolment.exam_id == exam.id)).all()
    told = _notify_enrolled(exam, list(enrolled), now)
    audit.record(actor, "exam.publish", exam, {"title": exam.title, "notified": told}, now=now)
    return exam
