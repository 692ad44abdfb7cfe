"""Helpers of the question-bank tests: questions made through the service, the form's fields, import files in
memory, a version marked as used by an attempt, and reading what is stored."""
from __future__ import annotations

import csv
import datetime as dt
import io
import itertools

import openpyxl
import sqlalchemy as sa

from exams.attempts.models import Attempt, AttemptItem
from exams.bank import rules, services
from exams.bank.models import Question, QuestionVersion
from exams.papers.models import Exam
from portal import clock
from portal.audit import Actor, AuditEntry
from portal.extensions import db

#: the question headers exactly as SPEC §3 *Imports* lists them
HEADERS = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "类别", "执法类别", "难度",
           "法律依据", "解析"]
_numbers = itertools.count(1)


def actor_of(user) -> Actor:
    return Actor(user.id, user.username)


def data(**overrides) -> rules.QuestionData:
    """A valid single-choice question (a fresh stem each call), with ``overrides``."""
    values = {"kind": "single", "stem": f"依照行政处罚法，较大数额罚款前应当告知当事人什么权利？（{next(_numbers)}）",
              "options": ["要求听证", "申请复议", "提起诉讼", "申请调解", "", ""], "answer": "A",
              "category": "行政处罚法", "tag": "", "difficulty": 3, "legal_basis": "《行政处罚法》第六十三条",
              "explanation": "较大数额罚款属于听证范围。"}
    values.update(overrides)
    return rules.QuestionData(**values)


def make_question(user, status: str = "active", **overrides) -> Question:
    """A question created by ``user`` through the service, committed."""
    question = services.create_question(actor_of(user), user, data(**overrides), clock.now(), status=status)
    db.session.commit()
    return question


def form(**overrides) -> dict:
    """The fields the question form posts for a valid single-choice question, with ``overrides``."""
    values = {"kind": "single", "stem": "行政机关作出较大数额罚款决定前，应当告知当事人有权要求什么？",
              "option_a": "举行听证", "option_b": "申请复议", "option_c": "提起诉讼", "option_d": "", "option_e": "",
              "option_f": "", "answer": ["A"], "answer_tf": "", "category": "行政处罚法", "tag": "",
              "difficulty": "3", "legal_basis": "《行政处罚法》第六十三条", "explanation": "较大数额罚款属于听证范围。",
              "status": "active"}
    values.update(overrides)
    return values


def mark_used(question: Question) -> AttemptItem:
    """Make an attempt show the question's current version (an exam, an attempt and one item, stored directly)."""
    now = clock.now()
    officer_id = db.session.execute(sa.text("SELECT id FROM officer ORDER BY id LIMIT 1")).scalar()
    exam = Exam(title="测试考试", purpose="practice", status="draft", agency_id=question.agency_id,
                audience="everyone", duration_minutes=60, pass_mark=1, opens_at=now - dt.timedelta(days=1),
                closes_at=now + dt.timedelta(days=1), max_attempts=2, instructions="", created_at=now, updated_at=now)
    db.session.add(exam)
    db.session.flush()
    attempt = Attempt(exam_id=exam.id, officer_id=officer_id, number=1, status="open", started_at=now,
                      deadline=now + dt.timedelta(hours=1), max_score=2)
    db.session.add(attempt)
    db.session.flush()
    item = AttemptItem(attempt_id=attempt.id, position=1, question_id=question.id, version_id=question.current.id,
                       points=2, option_order="")
    db.session.add(item)
    db.session.commit()
    return item


def questions(*where) -> list[Question]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Question).where(*where).order_by(Question.id)))


def question_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Question))


def versions(question_id: int) -> list[QuestionVersion]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(QuestionVersion).where(QuestionVersion.question_id == question_id)
                                   .order_by(QuestionVersion.version)))


def audits(prefix: str = "question.") -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action.startswith(prefix))
                                   .order_by(AuditEntry.id)))


def row(**overrides) -> dict:
    """One valid import row (by header), with ``overrides``."""
    values = {"题型": "单选", "题干": "行政机关作出较大数额罚款决定前，应当告知当事人有权要求什么？", "选项A": "举行听证",
              "选项B": "申请复议", "选项C": "提起诉讼", "选项D": "申请调解", "选项E": None, "选项F": None, "答案": "A",
              "类别": "行政处罚法", "执法类别": None, "难度": 3, "法律依据": "《行政处罚法》第六十三条", "解析": None}
    values.update(overrides)
    return values


def rows(count: int, start: int = 0) -> list[dict]:
    """``count`` distinct valid rows of every kind."""
    found = []
    for n in range(start, start + count):
        if n % 3 == 0:
            found.append(row(题干=f"第{n}题：较大数额罚款前应当告知当事人有权要求什么？"))
        elif n % 3 == 1:
            found.append(row(题型="多选", 题干=f"第{n}题：下列哪些属于行政处罚的种类？", 选项A="警告", 选项B="罚款",
                             选项C="行政拘留", 选项D="记过", 答案="ABC", 法律依据="《行政处罚法》第九条"))
        else:
            found.append(row(题型="判断", 题干=f"第{n}题：行政处罚的设定和实施，应当以事实为依据。", 选项A=None,
                             选项B=None, 选项C=None, 选项D=None, 答案="对", 法律依据="《行政处罚法》第五条"))
    return found


def xlsx_bytes(values, headers=HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for item in values:
        sheet.append([item.get(h) for h in headers] if isinstance(item, dict) else list(item))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(values, headers=HEADERS, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for item in values:
        writer.writerow(["" if item.get(h) is None else str(item.get(h)) for h in headers])
    return out.getvalue().encode(encoding)


def upload(client, payload: bytes, filename: str = "试题.xlsx"):
    return client.post("/imports/questions", data={"file": (io.BytesIO(payload), filename)},
                       content_type="multipart/form-data")
