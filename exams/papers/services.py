"""Writing exams: create, change, publish; who may sit them (audience agencies, enrolment by name).

Services take the actor, the acting account (for scope; ``None`` = everything, the CLI and the sweep) and
``now``; they validate, change, audit and flush — the caller commits or rolls back. Refusals are
:class:`DomainError` with per-field ``items`` (a section's fields are ``sections-<row>-<name>``, rows from 0).

**The blueprint check** runs on every save and at publish: each section's pool (active questions of its
category, tag and kind) must hold its count, and the sections of one category together must be fillable at once
— their counts are matched against the category's questions grouped by (tag, kind) as a small flow problem, so
two sections drawing from overlapping pools are refused when the bank cannot give both their questions. The draw
fills them with the same allocation (:func:`exams.bank.pool.allocate`), so a blueprint accepted here can be drawn.

**After publishing** an exam may change entirely while nobody has started it (everything re-checked); once an
attempt exists only the close (later, and not in the past), a widening of the audience and the enrolments — and
once such an exam has closed, not even the close: its answers are shown to the candidates from then on.
"""
from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from exams.attempts.models import Attempt
from exams.bank.models import KINDS, Question
from exams.bank.pool import allocate, pool
from exams.papers import eligibility
from exams.papers.models import AUDIENCES, PURPOSES, Enrolment, Exam, ExamAgency, ExamSection
from portal import audit, clock, locks, notify, policy
from portal.auth.access import in_scope
from portal.auth.models import User
from portal.errors import DomainError, problem
from portal.extensions import db
from portal.officers import idcard
from portal.officers.models import Officer
from portal.orgs.models import Agency

MAX_TITLE, MAX_SECTION_TITLE, MAX_INSTRUCTIONS = 120, 60, 2000
MAX_SECTIONS = 20
MAX_COUNT, MAX_POINTS, MAX_DURATION, MAX_ATTEMPTS = 200, 100, 600, 10
MAX_ENROL_LINES = 2000
#: the officer's exam list (the link of enrolment and opening notices)
MINE_PATH = "/me/exams"
#: the question categories when the bank has not declared its setting (SPEC §3, the demo's laws)
FALLBACK_CATEGORIES = ["行政处罚法", "行政许可法", "行政强制法", "行政复议法", "行政诉讼法", "国家赔偿法",
                       "政府信息公开条例", "执法礼仪与职业道德", "听证程序"]
#: how long a closed exam stays on the officer's list
RECENT_DAYS = 90
LOCKED_MESSAGE = "已有人员参加本考试，只能延后结束时间、扩大考试范围和调整报名人员"
#: the results show the answers and explanations from the close on: a closed exam with attempts stays closed
CLOSED_MESSAGE = "考试已结束且已有人作答，答案解析已向考生公开，不能延长或重新开放"


def question_categories() -> list[str]:
    """The bank's question categories (policy ``exams.categories``, declared by the bank)."""
    try:
        return list(policy.get("exams.categories"))
    except KeyError:
        return list(FALLBACK_CATEGORIES)


def officer_categories() -> list[str]:
    """The enforcement categories (执法类别) a section's tag may name."""
    return list(policy.get("officers.categories"))


def default_max_attempts() -> int:
    return int(policy.get("exams.max_attempts"))


def default_pass_mark(total_points: int) -> int:
    """``exams.pass_percent`` % of the total, rounded up (at least 1)."""
    return max(1, math.ceil(total_points * int(policy.get("exams.pass_percent")) / 100))


# --- values ---------------------------------------------------------------------------------------------------

def _plain(value) -> str:
    return unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()


def _whole(value, label: str, lowest: int, highest: int, field_name: str, items: list,
           required: bool = True) -> int | None:
    """A whole number typed (full-width digits too) within bounds, else a problem naming the field."""
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    else:
        text = _plain(value)
    if not text:
        if required:
            items.append(problem(field_name, f"请填写{label}"))
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        items.append(problem(field_name, f"{label}须为整数"))
        return None
    number = int(text)
    if not lowest <= number <= highest:
        items.append(problem(field_name, f"{label}须在 {lowest} 至 {highest} 之间"))
        return None
    return number


def parse_moment(value) -> dt.datetime | None:
    """A moment typed as ``2026-12-01T09:00``, ``2026-12-01 09:00[:00]`` (Shanghai time), or a datetime."""
    if isinstance(value, dt.datetime):
        return clock.local(value)
    text = _plain(value).replace(" ", "T", 1)
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        return None
    return moment.replace(tzinfo=clock.TZ, microsecond=0)


def _moment(value, label: str, field_name: str, items: list) -> dt.datetime | None:
    if value is None or _plain(value) == "":
        items.append(problem(field_name, f"请填写{label}"))
        return None
    moment = parse_moment(value)
    if moment is None:
        items.append(problem(field_name, f"{label}不是有效的时间，请写成 2026-12-01 09:00 的形式"))
    return moment


# --- the blueprint --------------------------------------------------------------------------------------------

@dataclass
class SectionRow:
    """One row of the sections editor as typed (``position``: its row on the form, from 0)."""

    position: int
    title: str = ""
    category: str = ""
    tag: str = ""
    kind: str = ""
    count: object = ""
    points: object = ""

    @property
    def blank(self) -> bool:
        return not any(_plain(v) for v in (self.title, self.category, self.tag, self.kind, self.count, self.points))


@dataclass(frozen=True)
class Section:
    """A checked blueprint section."""

    title: str
    category: str
    tag: str | None
    kind: str | None
    count: int
    points: int
    row: int = 0  # the form row it came from, for error fields


def _sections(rows: list[SectionRow], items: list) -> list[Section]:
    categories, tags = question_categories(), officer_categories()
    typed = [row for row in rows if not row.blank]
    if not typed:
        items.append(problem("sections", "请至少填写一个试题部分（类别、题量和每题分值）"))
        return []
    if len(typed) > MAX_SECTIONS:
        items.append(problem("sections", f"试题部分最多 {MAX_SECTIONS} 个，当前 {len(typed)} 个"))
        return []
    sections = []
    for row in typed:
        name = f"sections-{row.position}-"
        before = len(items)
        category = _plain(row.category)
        if category not in categories:
            items.append(problem(name + "category", "请从列表中选择试题类别"))
        title = " ".join(_plain(row.title).split()) or category
        if len(title) > MAX_SECTION_TITLE:
            items.append(problem(name + "title", f"部分名称最多 {MAX_SECTION_TITLE} 个字，当前 {len(title)} 个字"))
        tag = _plain(row.tag) or None
        if tag is not None and tag not in tags:
            items.append(problem(name + "tag", "执法类别须从列表中选择（可不选）"))
        kind = _plain(row.kind) or None
        if kind is not None and kind not in KINDS:
            items.append(problem(name + "kind", "题型须为单选、多选或判断（可不选）"))
        count = _whole(row.count, "题量", 1, MAX_COUNT, name + "count", items)
        points = _whole(row.points, "每题分值", 1, MAX_POINTS, name + "points", items)
        if len(items) == before:
            sections.append(Section(title, category, tag, kind, count, points, row.position))
    return sections


def pool_cells(categories) -> dict[str, dict[tuple[str | None, str], int]]:
    """Active questions per category, grouped by (tag, kind): one query for every category asked."""
    categories = sorted(set(categories))
    cells: dict[str, dict[tuple[str | None, str], int]] = {c: {} for c in categories}
    if not categories:
        return cells
    offered = sa.union_all(*(pool(c) for c in categories)).subquery()
    rows = db.session.execute(
        sa.select(Question.category, Question.tag, Question.kind, sa.func.count())
        .join(offered, offered.c.question_id == Question.id)
        .group_by(Question.category, Question.tag, Question.kind)).all()
    for category, tag, kind, n in rows:
        cells[category][(tag, kind)] = n
    return cells


def section_pool(cells: dict[tuple[str | None, str], int], tag: str | None, kind: str | None) -> int:
    """How many of a category's active questions a section with this tag and kind filter may draw."""
    return sum(n for (t, k), n in cells.items() if (tag is None or t == tag) and (kind is None or k == kind))


def check_blueprint(sections: list[Section]) -> list[dict]:
    """Problems with filling ``sections`` from the bank (empty when it can), each naming its section."""
    items: list[dict] = []
    cells = pool_cells(s.category for s in sections)
    for number, section in enumerate(sections, start=1):
        have = section_pool(cells[section.category], section.tag, section.kind)
        if have < section.count:
            items.append(problem(f"sections-{section.row}-count",
                                 f"第 {number} 部分“{section.title}”：题库中符合条件的启用试题仅 {have} 道，"
                                 f"本部分需要 {section.count} 道"))
    if items:
        return items
    by_category: dict[str, list[tuple[int, Section]]] = defaultdict(list)
    for number, section in enumerate(sections, start=1):
        by_category[section.category].append((number, section))
    for category, numbered in by_category.items():
        if len(numbered) < 2:
            continue
        group = [s for _, s in numbered]
        names = "、".join(str(n) for n, _ in numbered)
        need = sum(s.count for s in group)
        have = sum(cells[category].values())
        if have < need:
            items.append(problem("sections", f"第 {names} 部分都从“{category}”类试题中抽取，共需 {need} 道，"
                                             f"题库中该类别的启用试题仅 {have} 道"))
            continue
        most = sum(sum(took.values()) for took in allocate(group, cells[category]))
        if most < need:
            items.append(problem("sections", f"第 {names} 部分抽取的“{category}”类试题相互重叠，共需 {need} 道，"
                                             f"题库中符合各部分条件的启用试题最多只能同时抽出 {most} 道"))
    return items


def exam_pool_sizes(exam: Exam) -> dict[int, int]:
    """Each section's pool size now (section id → active questions it may draw), with one query."""
    cells = pool_cells(s.category for s in exam.sections)
    return {s.id: section_pool(cells[s.category], s.tag, s.kind) for s in exam.sections}


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


def attempt_count(exam: Exam) -> int:
    """How many attempts (open or final) the exam has."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Attempt).where(Attempt.exam_id == exam.id)) or 0


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
    locked = attempt_count(exam) > 0
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


# --- enrolment ------------------------------------------------------------------------------------------------

def _enrolment_notice(exam: Exam) -> tuple[str, str]:
    title = f"考试报名通知：{exam.title}"
    body = (f"您已报名参加“{exam.title}”（{exam.purpose_label}）。考试时间：{exam.opens_at:%Y-%m-%d %H:%M} 至 "
            f"{exam.closes_at:%Y-%m-%d %H:%M}，每次作答限时 {exam.duration_minutes} 分钟。请在“我的考试”中查看。")
    return title, body


def _notify_enrolled(exam: Exam, officer_ids: list[int], now: dt.datetime) -> int:
    """Tell the officers (those with an active account) that they were enrolled; one query for the accounts."""
    if not officer_ids or exam.status != "published":
        return 0
    users = db.session.scalars(sa.select(User).where(User.officer_id.in_(officer_ids), User.active.is_(True),
                                                     User.role == "officer")).all()
    title, body = _enrolment_notice(exam)
    for user in users:
        notify.user(user, title, body, MINE_PATH, now=now)
    return len(users)


def enrol(actor: audit.Actor, exam: Exam, officer_ids, source: str, now: dt.datetime) -> list[int]:
    """Admit officers to ``exam`` by name (idempotent: those already enrolled are left as they are).

    Every officer must exist, be on duty and work within the exam's jurisdiction; otherwise nothing is enrolled
    and each refusal names its ``index`` in ``officer_ids``. Newly enrolled officers with an account are told
    (once the exam is published). Returns the ids newly enrolled.
    """
    if source not in ("manual", "sweep"):
        raise DomainError("invalid_source", f"未知的报名来源：{source}")
    wanted = list(dict.fromkeys(int(i) for i in officer_ids))
    found = {row.id: row for row in db.session.execute(
        sa.select(Officer.id, Officer.name, Officer.status, Agency.path)
        .join(Agency, Agency.id == Officer.agency_id).where(Officer.id.in_(wanted or [-1])))}
    items = []
    for index, officer_id in enumerate(wanted):
        row = found.get(officer_id)
        if row is None or not row.path.startswith(exam.agency.path):
            items.append({"index": index, "field": "officer_ids",
                          "message": f"执法人员（编号 {officer_id}）不存在或不在本考试的辖区内"})
        elif row.status != "on_duty":
            items.append({"index": index, "field": "officer_ids", "message": f"{row.name}目前不在岗，不能报名"})
    if items:
        raise DomainError.invalid(items, "报名未保存，请修改以下问题")
    already = set(db.session.scalars(sa.select(Enrolment.officer_id).where(
        Enrolment.exam_id == exam.id, Enrolment.officer_id.in_(wanted or [-1]))))
    new = [i for i in wanted if i not in already]
    if new:
        db.session.execute(sa.insert(Enrolment), [
            {"exam_id": exam.id, "officer_id": i, "source": source, "enrolled_by": actor.user_id,
             "enrolled_at": now} for i in new])
        told = _notify_enrolled(exam, new, now)
        audit.record(actor, "exam.enrol", exam, {"officers": new, "source": source, "notified": told}, now=now)
    return new


def unenrol(actor: audit.Actor, exam: Exam, officer_id: int, now: dt.datetime) -> None:
    """Take an officer off the exam's list; refused once they have sat it (their attempts rest on it)."""
    enrolment = db.session.get(Enrolment, (exam.id, officer_id))
    if enrolment is None:
        raise DomainError("not_found", "该人员未报名本考试", status=404)
    sat = db.session.scalar(sa.select(sa.func.count()).select_from(Attempt).where(
        Attempt.exam_id == exam.id, Attempt.officer_id == officer_id))
    if sat:
        raise DomainError("has_attempts", "该人员已参加本考试，不能取消报名", status=409)
    db.session.delete(enrolment)
    db.session.flush()
    audit.record(actor, "exam.unenrol", exam, {"officer": officer_id}, now=now)


def resolve_lines(exam: Exam, text: str) -> tuple[list[int], list[dict]]:
    """Officers named one per line by ID number or by name, within the exam's jurisdiction.

    Returns the officer ids and the refused lines (``row`` = the line number, from 1), with two queries.
    """
    lines = [(number, _plain(line)) for number, line in enumerate((text or "").splitlines(), start=1)]
    lines = [(number, line) for number, line in lines if line]
    if not lines:
        return [], [{"row": 0, "field": "lines", "message": "请填写要报名人员的身份证号或姓名，每行一个"}]
    if len(lines) > MAX_ENROL_LINES:
        return [], [{"row": 0, "field": "lines", "message": f"一次最多 {MAX_ENROL_LINES} 行"}]
    within = Officer.agency_id.in_(sa.select(Agency.id).where(Agency.path.startswith(exam.agency.path)))
    numbers = {idcard.normalize(line) for _, line in lines if idcard.looks_like(line)}
    names = {line for _, line in lines if not idcard.looks_like(line)}
    by_number = dict(db.session.execute(sa.select(Officer.id_number, Officer.id).where(
        Officer.id_number.in_(numbers or {""}), within)).all())
    by_name: dict[str, list] = defaultdict(list)
    for row in db.session.execute(sa.select(Officer.name, Officer.id, Officer.id_number).where(
            Officer.name.in_(names or {""}), within, Officer.status == "on_duty")):
        by_name[row.name].append(row)
    ids, items = [], []
    for number, line in lines:
        if idcard.looks_like(line):
            why = idcard.problem(line)
            officer_id = by_number.get(idcard.normalize(line))
            if why:
                items.append({"row": number, "field": "lines", "message": f"第 {number} 行：{why}"})
            elif officer_id is None:
                items.append({"row": number, "field": "lines",
                              "message": f"第 {number} 行：本考试辖区内没有身份证号为 {idcard.mask(line)} 的执法人员"})
            else:
                ids.append(officer_id)
        elif len(line) > 40 or any(ch.isdigit() for ch in line):
            items.append({"row": number, "field": "lines",
                          "message": f"第 {number} 行：“{line[:20]}”既不是有效的身份证号，也不像姓名"})
        else:
            matches = by_name.get(line, [])
            if not matches:
                items.append({"row": number, "field": "lines",
                              "message": f"第 {number} 行：本考试辖区内没有名为“{line}”的在岗执法人员"})
            elif len(matches) > 1:
                numbers_text = "、".join(idcard.mask(m.id_number) for m in matches[:5])
                items.append({"row": number, "field": "lines",
                              "message": f"第 {number} 行：辖区内有 {len(matches)} 名“{line}”（{numbers_text}），"
                                         f"请改填身份证号"})
            else:
                ids.append(matches[0].id)
    return list(dict.fromkeys(ids)), items


def enrol_lines(actor: audit.Actor, exam: Exam, text: str, now: dt.datetime) -> tuple[list[int], int]:
    """Enrol the officers named in ``text`` (all or nothing); returns (newly enrolled ids, lines already on)."""
    ids, items = resolve_lines(exam, text)
    if items:
        raise DomainError.invalid(items, "报名未保存，请修改以下各行")
    try:
        new = enrol(actor, exam, ids, "manual", now)
    except DomainError as err:
        # an officer found by name or number but not on duty: name the line again
        raise DomainError.invalid([{"row": 0, "field": "lines", "message": item["message"]} for item in err.items],
                     err.message) from None
    return new, len(ids) - len(new)


# --- the officer's list ---------------------------------------------------------------------------------------

def window_state(exam: Exam, now: dt.datetime) -> str:
    """``upcoming``, ``open`` or ``closed`` by the window alone."""
    if now < exam.opens_at:
        return "upcoming"
    return "open" if now < exam.closes_at else "closed"


def officer_exams(officer: Officer, now: dt.datetime) -> list[tuple[Exam, eligibility.Decision, str]]:
    """The published exams whose audience includes ``officer`` — open, upcoming and closed within the last
    :data:`RECENT_DAYS` days — each with the officer's decision and its window state: open ones first, then
    upcoming by opening, then closed ones latest first."""
    exams = db.session.scalars(sa.select(Exam).where(
        Exam.status == "published", Exam.closes_at > now - dt.timedelta(days=RECENT_DAYS),
        eligibility.audience_condition(officer)).order_by(Exam.opens_at, Exam.id)).all()
    decisions = eligibility.decide_many(officer, exams, now)
    order = {"open": 0, "upcoming": 1, "closed": 2}
    listed = [(exam, decisions[exam.id], window_state(exam, now)) for exam in exams]
    listed.sort(key=lambda x: (order[x[2]], -x[0].closes_at.timestamp() if x[2] == "closed" else 0))
    return listed
