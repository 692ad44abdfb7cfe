"""Writing the question bank: one question (create, edit, status), checked by :func:`exams.bank.rules.validate`.

Editing a question whose current version an attempt has shown adds version n+1 (the attempt keeps pointing at
the old row); otherwise the current version changes in place (under a row lock that a paper being drawn also
takes, so the two cannot cross). Category, tag, difficulty and status live on the
question and never make a version. Whether an attempt has shown a version is :mod:`exams.usage`'s answer.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from exams.bank.models import STATUSES, TRUE_FALSE, Question, QuestionVersion
from exams.bank.rules import FIELD_LABELS, Clean, QuestionData, validate
from exams.usage import version_is_used
from portal import audit, locks
from portal.auth.access import in_scope
from portal.errors import DomainError, problem
from portal.extensions import db
from portal.orgs.models import Agency

REFUSED = "试题内容有误，未保存"
#: a question that does not exist, or that the account may not change: the same answer for both
NOT_FOUND = "试题不存在，或不属于您可以修改的题库"


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def describe(question_id: int, stem: str) -> str:
    """How a message names a stored question: 试题 #12（“题干前三十字…”）."""
    return f"试题 #{question_id}（“{_short(stem, 20)}”）"


def duplicate_of(print_: str, exclude_id: int | None = None) -> tuple[int, str] | None:
    """``(id, stem)`` of the stored question with this fingerprint (other than ``exclude_id``), if any."""
    query = (sa.select(Question.id, QuestionVersion.stem)
             .join(QuestionVersion, sa.and_(QuestionVersion.question_id == Question.id,
                                            QuestionVersion.version == Question.version))
             .where(Question.fingerprint == print_))
    if exclude_id is not None:
        query = query.where(Question.id != exclude_id)
    row = db.session.execute(query).first()
    return (row.id, row.stem) if row else None


def owner_agency(user) -> int:
    """The legal office a new question belongs to: the account's highest scope node (the CLI, with no account:
    the root of the agency tree)."""
    if user is not None:
        scopes = sorted(user.scopes, key=lambda a: (a.path.count("/"), a.path))
        if not scopes:
            raise DomainError("no_scope", "您的账号尚未设置管辖范围，不能添加试题，请联系系统管理员", status=403)
        return scopes[0].id
    root = db.session.scalar(sa.select(Agency.id).where(Agency.parent_id.is_(None)).order_by(Agency.id).limit(1))
    if root is None:
        raise DomainError("no_agency", "尚未建立单位，无法确定题库归属", status=409)
    return root


def can_edit(user, question: Question) -> bool:
    """True when the account may edit the question or change its status (its scope covers the owner)."""
    return user is None or in_scope(user, question.agency_id)


def editable(user, question_id) -> Question:
    """The question, or a 404 :class:`DomainError` when it does not exist or the account may not edit it."""
    question = db.session.get(Question, question_id) if question_id else None
    if question is None or not can_edit(user, question):
        raise DomainError.not_found(NOT_FOUND)
    return question


def _audit_content(clean: Clean) -> dict:
    return {"kind": clean.kind, "stem": _short(clean.stem, 40), "options": len(clean.options),
            "answer": clean.answer, "category": clean.category, "tag": clean.tag,
            "difficulty": clean.difficulty, "legal_basis": _short(clean.legal_basis, 60)}


def _check_duplicate(clean: Clean, exclude_id: int | None = None) -> None:
    existing = duplicate_of(clean.fingerprint, exclude_id)
    if existing is not None:
        raise DomainError.invalid([problem("stem", f"与已有的{describe(*existing)}题干和选项相同，不能重复添加")],
                     "题库中已有相同的试题，未保存")


def create_question(actor: audit.Actor, user, data: QuestionData, now: dt.datetime, status: str = "draft") -> Question:
    """Add a question (version 1) to the bank of the account's legal office."""
    if status not in STATUSES:
        raise DomainError.invalid([problem("status", "状态须为草稿、启用或停用")], REFUSED)
    clean, items = validate(data)
    if items:
        raise DomainError.invalid(items, REFUSED)
    _check_duplicate(clean)
    question = Question(kind=clean.kind, category=clean.category, tag=clean.tag, difficulty=clean.difficulty,
                        status=status, version=1, fingerprint=clean.fingerprint, agency_id=owner_agency(user),
                        created_by=actor.user_id, created_at=now, updated_at=now)
    db.session.add(question)
    db.session.flush()
    db.session.add(QuestionVersion(question_id=question.id, version=1, **clean.content(),
                                   created_by=actor.user_id, created_at=now))
    db.session.flush()
    audit.record(actor, "question.create", question, {**_audit_content(clean), "status": status}, now=now)
    return question


_CONTENT_LABELS = {"kind": "题型", "stem": "题干", "options": "选项", "answer": "答案", "legal_basis": "法律依据",
                   "explanation": "解析"}
_META = ("category", "tag", "difficulty")


@dataclass
class Edit:
    """What :func:`update_question` did: the fields changed and whether a new version was made."""

    question: Question
    changed: list[str]
    new_version: bool


def update_question(actor: audit.Actor, user, question_id, data: QuestionData, now: dt.datetime) -> Edit:
    """Edit a question the account may edit: content changes make version n+1 when an attempt has shown the current
    version, else change it in place; labels change on the question.

    The question's row is locked first and read again, and only then is the version's use looked up: a paper being
    drawn locks the questions it picked until it is stored (:func:`exams.attempts.services.draw`), so an edit
    either comes before the paper reads the version, or waits and then sees it used — a version a paper shows is
    never changed in place."""
    question = editable(user, question_id)
    locks.lock(Question, [question.id])
    db.session.expire(question)
    clean, items = validate(data)
    if items:
        raise DomainError.invalid(items, REFUSED)
    current = question.current
    content = clean.content()
    content_changed = [name for name in _CONTENT_LABELS if getattr(current, name) != content[name]]
    meta_changed = [name for name in _META if getattr(question, name) != getattr(clean, name)]
    if not content_changed and not meta_changed:
        return Edit(question, [], False)
    if clean.fingerprint != question.fingerprint:
        _check_duplicate(clean, exclude_id=question.id)
    change: dict = {name: [getattr(question, name), getattr(clean, name)] for name in meta_changed}
    for name in content_changed:
        old, new = getattr(current, name), content[name]
        if name in ("stem", "explanation", "legal_basis"):
            old, new = _short(old or "", 40), _short(new or "", 40)
        elif name == "options":
            old, new = [_short(o, 20) for o in old], [_short(o, 20) for o in new]
        change[name] = [old, new]
    new_version = bool(content_changed) and version_is_used(current.id)
    if new_version:
        number = question.version + 1
        db.session.add(QuestionVersion(question_id=question.id, version=number, **content,
                                       created_by=actor.user_id, created_at=now))
        question.version = number
        change["version"] = [number - 1, number]
    elif content_changed:
        for name, value in content.items():
            setattr(current, name, value)
    question.kind = clean.kind
    for name in _META:
        setattr(question, name, getattr(clean, name))
    question.fingerprint = clean.fingerprint
    question.updated_at = now
    db.session.flush()
    db.session.expire(question, ["current"])
    audit.record(actor, "question.update", question, change, now=now)
    return Edit(question, [_CONTENT_LABELS.get(n) or FIELD_LABELS[n] for n in content_changed + meta_changed],
                new_version)


def set_status(actor: audit.Actor, user, question_id, status: str, now: dt.datetime) -> Question:
    """Mark a question draft, active or retired (only active questions are drawn into papers)."""
    question = editable(user, question_id)
    if status not in STATUSES:
        raise DomainError.invalid([problem("status", "状态须为草稿、启用或停用")], "状态须为草稿、启用或停用")
    if question.status == status:
        return question
    old = question.status
    question.status = status
    question.updated_at = now
    db.session.flush()
    audit.record(actor, "question.status", question, {"status": [old, status]}, now=now)
    return question


def answer_text(kind: str, answer: str) -> str:
    """The key as people write it: ``ACD``, ``对``."""
    return TRUE_FALSE.get(answer, answer) if kind == "true_false" else answer
