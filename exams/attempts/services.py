"""Attempts (SPEC §2.6): start (draw the paper), save an answer, submit, finalize and grade.

Services take the actor and ``now``, change, audit and flush; the caller commits once. Two exceptions: a
finalization caused by the deadline must be kept even though the request is refused — :class:`TimeUp` tells
the caller to commit before answering.
"""
from __future__ import annotations

import datetime as dt
import logging
import random
import re
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from exams import signals
from exams.attempts import admission, grading
from exams.attempts.models import Attempt, AttemptItem
from exams.bank.models import LETTERS, TRUE_FALSE, Question, QuestionVersion
from exams.bank.pool import allocate, pool
from exams.papers.models import Exam
from portal import audit, locks, notify, policy, transaction
from portal.audit import Actor
from portal.auth.models import User
from portal.errors import DomainError
from portal.extensions import db
from portal.officers.models import Officer

log = logging.getLogger(__name__)

SYSTEM = Actor.system("job:exam_attempts_finalize")


class TimeUp(DomainError):
    """The deadline has passed: the attempt was finalized (commit it), and what was asked was not done."""

    def __init__(self, attempt: Attempt, unsaved: bool = True):
        moment = f"{attempt.deadline:%H:%M:%S}"
        message = (f"考试时间已到（截止 {moment}），本题答案未保存，试卷已按截止前保存的答案交卷" if unsaved
                   else f"考试时间已到（截止 {moment}），试卷已按截止前保存的答案交卷")
        super().__init__("time_up", message, status=409)
        self.attempt_id = attempt.id


def result_path(attempt_id: int) -> str:
    """The officer's result page of an attempt (a path: notifications are also written outside requests)."""
    return f"/attempts/{attempt_id}/result"


# --- start ----------------------------------------------------------------------------------------------------

def draw(exam: Exam, rng: random.Random) -> list[dict]:
    """The paper of one candidate: per section ``count`` questions, never one twice in the paper (sections in
    blueprint order, shuffled within each), option order shuffled per question.

    The sections of one category share its active questions: :func:`~exams.bank.pool.allocate` says how many each
    takes from every (tag, kind) group — the allocation the blueprint check accepted, so a broad section never
    leaves a narrower one short — and each takes a random sample of its groups' questions not yet drawn.

    The questions drawn are locked (shared) until the paper is stored: an edit of one waits, then sees the
    version used and makes a new one instead of changing what this paper shows (see ``bank.services``)."""
    by_category: dict[str, list] = defaultdict(list)
    for section in exam.sections:
        by_category[section.category].append(section)
    chosen: dict[int, list[tuple[int, int]]] = {}
    for category, sections in by_category.items():
        groups: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
        for row in db.session.execute(pool(category).add_columns(Question.tag, Question.kind).order_by(Question.id)):
            groups[(row.tag, row.kind)].append((row.question_id, row.version_id))
        allocation = allocate(sections, {cell: len(rows) for cell, rows in groups.items()}, rng)
        for section, takes in zip(sections, allocation, strict=True):
            if sum(takes.values()) < section.count:
                raise DomainError(
                    "pool_short", f"题库中“{section.title}”部分的可用试题不足（需要 {section.count} 道，现有 "
                                  f"{sum(takes.values())} 道），暂时无法开考，请联系组织考试的法制机构", status=409)
            picks = []
            for cell, n in takes.items():
                sample = rng.sample(groups[cell], n)
                drawn = set(sample)
                groups[cell] = [row for row in groups[cell] if row not in drawn]
                picks += sample
            rng.shuffle(picks)
            chosen[section.id] = picks
    picked = [(section, question_id, version_id)
              for section in exam.sections for question_id, version_id in chosen[section.id]]
    locks.lock(Question, [question_id for _, question_id, _ in picked], shared=True)
    sizes = dict(db.session.execute(
        sa.select(QuestionVersion.id, QuestionVersion.options)
        .where(QuestionVersion.id.in_([version_id for _, _, version_id in picked]))).all())
    paper = []
    for position, (section, question_id, version_id) in enumerate(picked, start=1):
        letters = LETTERS[:len(sizes[version_id] or [])]
        paper.append({"position": position, "section_id": section.id, "question_id": question_id,
                      "version_id": version_id, "points": section.points,
                      "option_order": "".join(rng.sample(letters, len(letters)))})
    return paper


def start(actor: Actor, officer: Officer, exam: Exam, now: dt.datetime, rng: random.Random | None = None) -> Attempt:
    """Start (or resume) ``officer``'s attempt at ``exam``: the paper is drawn and stored, the deadline fixed.

    Refused with admission's reason. A concurrent second start loses on the unique constraints and returns
    the attempt that won. The exam's row is locked (shared: starts do not wait for each other) and read again
    first, so an edit of the exam (:func:`exams.papers.services.update_exam`, which locks it exclusively) either
    comes before — and the paper follows the new blueprint — or waits and then sees this attempt.
    """
    locks.lock(Exam, [exam.id], shared=True)
    db.session.expire(exam)
    finalize_due(now, exam_id=exam.id, officer_id=officer.id)
    decision = admission.decide(officer, exam, now)
    if decision.resumes:
        return db.session.get(Attempt, decision.resume_attempt_id)
    if not decision.ok:
        raise DomainError("not_eligible", decision.reason, status=409)
    paper = draw(exam, rng or random.SystemRandom())
    if not paper:
        raise DomainError("empty_paper", "本次考试尚未设置试题，暂时无法开考，请联系组织考试的法制机构", status=409)
    deadline = min(now + dt.timedelta(minutes=exam.duration_minutes), exam.closes_at)
    attempt = Attempt(exam_id=exam.id, officer_id=officer.id, number=decision.attempts_used + 1, status="open",
                      started_at=now, deadline=deadline, max_score=sum(item["points"] for item in paper))
    try:
        with transaction.savepoint():
            db.session.add(attempt)
            db.session.flush()
            db.session.execute(sa.insert(AttemptItem), [{**item, "attempt_id": attempt.id} for item in paper])
    except IntegrityError:
        winner = db.session.scalar(sa.select(Attempt).where(
            Attempt.exam_id == exam.id, Attempt.officer_id == officer.id, Attempt.status == "open"))
        if winner is None:
            raise DomainError("conflict", "考试正在开始，请刷新页面后重试", status=409) from None
        return winner
    audit.record(actor, "exam_attempt.start", attempt,
                 {"exam_id": exam.id, "number": attempt.number, "questions": len(paper),
                  "deadline": deadline.replace(tzinfo=None).isoformat(timespec="seconds")},
                 agency_id=officer.agency_id, now=now)
    return attempt


# --- answering ------------------------------------------------------------------------------------------------

def number(value) -> int | None:
    """A question number or option index as posted (``3``, ``"3"``), else ``None`` (no other digits, no sign)."""
    text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    return int(text) if re.fullmatch(r"[0-9]{1,5}", text) else None


def to_letters(item: AttemptItem, chosen: list) -> str | None:
    """Displayed choices (0-based option indices as shown, or ``T``/``F``) as the stored answer: bank letters,
    sorted; ``None`` when nothing is chosen."""
    values = [str(value).strip() for value in chosen if str(value).strip()]
    if not values:
        return None
    kind = item.version.kind
    if kind == "true_false":
        if len(values) != 1 or values[0] not in TRUE_FALSE:
            raise DomainError.invalid([("choice", "判断题请选择“对”或“错”中的一项")], "判断题请选择“对”或“错”中的一项", code="invalid_answer")
        return values[0]
    indices = set()
    for value in values:
        index = number(value)
        if index is None or index >= len(item.option_order):
            raise DomainError.invalid([("choice", "所选选项不存在，请刷新页面后重新作答")], "所选选项不存在，请刷新页面后重新作答", code="invalid_answer")
        indices.add(index)
    if kind == "single" and len(indices) != 1:
        raise DomainError.invalid([("choice", "单选题只能选择一个选项")], "单选题只能选择一个选项", code="invalid_answer")
    return "".join(sorted(item.option_order[i] for i in indices))


def _lock(attempt: Attempt) -> str | None:
    """Lock the attempt's row (:func:`portal.locks.lock`) and read its current status."""
    locks.lock(Attempt, [attempt.id])
    return db.session.execute(sa.select(Attempt.status).where(Attempt.id == attempt.id)).scalar()


def item_at(attempt: Attempt, position) -> AttemptItem:
    """The attempt's question at ``position`` (1-based), or a 422 naming the question number."""
    wanted = number(position)
    item = next((i for i in attempt.items if i.position == wanted), None)
    if item is None:
        raise DomainError("invalid_position", "题号无效，请刷新页面后重试", status=422,
                          items=[{"field": "position", "message": "题号无效"}])
    return item


def save_answer(actor: Actor, attempt: Attempt, position, chosen: list, now: dt.datetime) -> AttemptItem:
    """Save the answer to one question; the same answer again changes nothing. Single choice takes exactly one
    option, multiple at least one; an empty choice clears the answer. After the deadline the answer is refused
    and the attempt finalized with what was saved (:class:`TimeUp`)."""
    if _lock(attempt) != "open":
        db.session.refresh(attempt)
        raise DomainError("attempt_final", "本次考试已交卷，答案不能再修改", status=409)
    if now >= attempt.deadline:
        finalize(attempt, now, "deadline", actor)
        raise TimeUp(attempt)
    item = item_at(attempt, position)
    response = to_letters(item, chosen)
    if response != item.response:
        item.response = response
        item.answered_at = now
        db.session.flush()
    return item


def submit(actor: Actor, attempt: Attempt, now: dt.datetime) -> bool:
    """The officer hands in the paper; a second submission changes nothing. After the deadline the paper is
    finalized as timed out (:class:`TimeUp`). Returns whether this call finalized it."""
    if now >= attempt.deadline and attempt.status == "open":
        finalize(attempt, now, "deadline", actor)
        raise TimeUp(attempt, unsaved=False)
    return finalize(attempt, now, "submitted", actor)


# --- finalizing -----------------------------------------------------------------------------------------------

def finalize(attempt: Attempt, now: dt.datetime, finish: str, actor: Actor | None = None) -> bool:
    """Grade the saved answers, set the score and pass/fail, notify the officer and send ``attempt_graded``.

    Locks the attempt's row first and does nothing when it is already final, so two concurrent submissions give
    one result and one signal. Returns whether this call finalized it."""
    if _lock(attempt) != "open":
        db.session.refresh(attempt)
        return False
    items = db.session.scalars(sa.select(AttemptItem).where(AttemptItem.attempt_id == attempt.id)
                               .order_by(AttemptItem.position)
                               .execution_options(populate_existing=True)).all()
    subset_percent = policy.get("exams.multiple_subset_percent")
    for item in items:
        item.mark = grading.mark(item.version.kind, item.version.answer, item.response, item.points, subset_percent)
    db.session.refresh(attempt, ["status", "score", "passed", "finish", "finished_at"])
    exam = attempt.exam
    attempt.score = sum(item.mark for item in items)
    attempt.passed = attempt.score >= exam.pass_mark
    attempt.status, attempt.finish = "final", finish
    # a deadline finalization ends the attempt at its deadline, whenever the request or job noticed it
    attempt.finished_at = min(now, attempt.deadline) if finish == "deadline" else now
    db.session.flush()
    audit.record(actor or SYSTEM, "exam_attempt.finalize", attempt,
                 {"exam_id": exam.id, "number": attempt.number, "finish": finish, "score": attempt.score,
                  "max_score": attempt.max_score, "passed": attempt.passed},
                 agency_id=attempt.officer.agency_id, now=now)
    account = db.session.scalar(sa.select(User).where(User.officer_id == attempt.officer_id, User.active.is_(True)))
    if account is not None:
        verdict = "合格" if attempt.passed else "不合格"
        how = "（到时自动交卷）" if finish == "deadline" else ""
        notify.user(account, f"考试成绩：{exam.title}",
                    f"您第 {attempt.number} 次参加“{exam.title}”{how}，得分 {attempt.score} 分（满分 "
                    f"{attempt.max_score} 分，及格 {exam.pass_mark} 分），{verdict}。"
                    + ("答案与解析已公布，可在成绩页查看。" if exam.has_closed(now) else
                       f"答案与解析将在考试结束（{exam.closes_at:%Y-%m-%d %H:%M}）后公布。"),
                    result_path(attempt.id), now=now)
    signals.attempt_graded.send(attempt, now=now)
    return True


def finalize_if_due(attempt: Attempt, now: dt.datetime, actor: Actor | None = None) -> bool:
    """Finalize an open attempt whose deadline has passed (the lazy path of any request touching it)."""
    if attempt.status == "open" and now >= attempt.deadline:
        return finalize(attempt, now, "deadline", actor)
    return False


def finalize_due(now: dt.datetime, *, exam_id: int | None = None, officer_id: int | None = None) -> int:
    """Finalize every open attempt past its deadline (one query finds them); returns how many were finalized.

    Each attempt is finalized in its own savepoint: one that fails (a signal receiver refusing) is logged and left
    open for the next run, without holding back the others."""
    query = sa.select(Attempt.id).where(Attempt.status == "open", Attempt.deadline <= now)
    if exam_id is not None:
        query = query.where(Attempt.exam_id == exam_id)
    if officer_id is not None:
        query = query.where(Attempt.officer_id == officer_id)
    done = 0
    for attempt_id in db.session.scalars(query.order_by(Attempt.deadline, Attempt.id)).all():
        attempt = db.session.get(Attempt, attempt_id)
        try:
            with transaction.savepoint():
                finished = finalize(attempt, now, "deadline")
        except Exception:  # noqa: BLE001 - one failing attempt must not keep the others open
            log.warning("could not finalize exam attempt %s", attempt_id, exc_info=True)
            continue
        done += finished
    return done
