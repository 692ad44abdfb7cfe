"""Enrolment (报名): officers admitted to an exam by name — chosen one by one, pasted one per line by ID number or
name, or enrolled by the update-test sweep — told once the exam is published, and taken off its list again until
they have sat it."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa

from exams.papers.models import Enrolment, Exam
from exams.papers.values import _plain
from exams.usage import attempt_count
from portal import audit, notify
from portal.auth.models import User
from portal.errors import DomainError
from portal.extensions import db
from portal.officers import idcard
from portal.officers.models import Officer
from portal.orgs.models import Agency

MAX_ENROL_LINES = 2000
#: the officer's exam list (the link of enrolment and opening notices)
MINE_PATH = "/me/exams"


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
    sat = attempt_count(exam.id, officer_id)
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
