"""Helpers of the exam tests: bank questions stored directly, exams made through the service (so the blueprint
check and the audit run), attempts stored directly, and reading the pages."""
from __future__ import annotations

import datetime as dt
import itertools
import re

import sqlalchemy as sa

from exams.attempts.models import Attempt
from exams.bank.models import LETTERS, Question, QuestionVersion, fingerprint
from exams.papers import blueprint, services
from exams.papers.models import Exam
from portal import clock
from portal.audit import AuditEntry
from portal.extensions import db
from portal.notify import Notification
from tests.factories import SYSTEM
from tests.officers import page

_serial = itertools.count(1)



def default_window() -> tuple[str, str]:
    """The window an exam gets unless a test says otherwise: tomorrow 09:00 … 17:00 by the clock, as a form
    writes it (``2026-11-27T09:00``)."""
    tomorrow = clock.today() + dt.timedelta(days=1)
    return f"{tomorrow.isoformat()}T09:00", f"{tomorrow.isoformat()}T17:00"


def questions(agency, count: int, category: str = "行政处罚法", kind: str = "single", tag: str | None = None,
              status: str = "active") -> list[int]:
    """``count`` questions (version 1) of one category, kind and tag, committed; their ids."""
    now = clock.now()
    ids = []
    for _ in range(count):
        n = next(_serial)
        stem = f"试题{n}：依照《{category}》，下列说法正确的是？"
        texts = [] if kind == "true_false" else [f"选项{letter}{n}" for letter in LETTERS[:4]]
        question = Question(kind=kind, category=category, tag=tag, difficulty=3, status=status, version=1,
                            fingerprint=fingerprint(stem, texts), agency_id=agency.id, created_at=now,
                            updated_at=now)
        db.session.add(question)
        db.session.flush()
        db.session.add(QuestionVersion(question_id=question.id, version=1, kind=kind, stem=stem, options=texts,
                                       answer="T" if kind == "true_false" else "AB" if kind == "multiple" else "B",
                                       legal_basis=f"《{category}》第{n}条", explanation="", created_at=now))
        ids.append(question.id)
    db.session.commit()
    return ids


def section(row: int = 0, title: str = "", category: str = "行政处罚法", count=5, points=2, tag: str = "",
            kind: str = "") -> blueprint.SectionRow:
    return blueprint.SectionRow(row, title, category, tag, kind, str(count), str(points))


def exam_data(agency, sections=None, **fields) -> services.ExamData:
    opens, closes = default_window()
    data = services.ExamData(title="2026年行政执法资格考试", purpose="practice", duration_minutes="60",
                             opens_at=opens, closes_at=closes, audience="everyone", agency_id=agency.id,
                             sections=sections if sections is not None else [section()])
    for key, value in fields.items():
        setattr(data, key, value)
    return data


def make_exam(agency, sections=None, publish: bool = True, **fields) -> Exam:
    """An exam through the service (draft, or published), committed; the bank must hold its questions."""
    exam = services.create_exam(SYSTEM, None, exam_data(agency, sections, **fields), clock.now())
    if publish:
        services.publish(SYSTEM, exam, clock.now())
    db.session.commit()
    return exam


def raw_exam(agency, opens: dt.datetime, closes: dt.datetime, purpose: str = "practice", audience: str = "everyone",
             max_attempts: int = 2, status: str = "published", title: str | None = None) -> Exam:
    """An exam stored directly (any window, past ones included), with one section, committed."""
    from exams.papers.models import ExamSection

    now = clock.now()
    exam = Exam(title=title or f"考试{next(_serial)}", purpose=purpose, status=status, agency_id=agency.id,
                audience=audience, duration_minutes=60, pass_mark=6, opens_at=opens, closes_at=closes,
                max_attempts=max_attempts, created_at=now, updated_at=now,
                published_at=now if status == "published" else None)
    exam.sections = [ExamSection(position=1, title="行政处罚法", category="行政处罚法", count=5, points=2)]
    db.session.add(exam)
    db.session.commit()
    return exam


def sit(exam, officer, number: int = 1, status: str = "final", passed: bool = False,
        started: dt.datetime | None = None, minutes: int = 60) -> Attempt:
    """An attempt stored directly (no items), committed."""
    started = started or clock.now() - dt.timedelta(minutes=5)
    final = status == "final"
    attempt = Attempt(exam_id=exam.id, officer_id=officer.id, number=number, status=status, started_at=started,
                      deadline=started + dt.timedelta(minutes=minutes), max_score=10,
                      finished_at=started + dt.timedelta(minutes=1) if final else None,
                      finish="submitted" if final else None, score=(8 if passed else 2) if final else None,
                      passed=passed if final else None)
    db.session.add(attempt)
    db.session.commit()
    return attempt


def form(agency=None, rows=None, **fields) -> dict:
    """The exam form as posted: ``rows`` are dicts of a section's fields."""
    opens, closes = default_window()
    data = {"title": "2026年行政执法资格考试", "purpose": "practice", "duration_minutes": "60", "opens_at": opens,
            "closes_at": closes, "pass_mark": "", "max_attempts": "", "audience": "everyone", "instructions": ""}
    if agency is not None:
        data["agency_id"] = str(agency.id)
    rows = rows if rows is not None else [{"category": "行政处罚法", "count": "5", "points": "2"}]
    data["rows"] = str(len(rows))
    for i, row in enumerate(rows):
        for key in ("title", "category", "tag", "kind", "count", "points"):
            data[f"sections-{i}-{key}"] = row.get(key, "")
    data.update(fields)
    return data


def exams() -> list[Exam]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Exam).order_by(Exam.id)))


def audits(prefix: str = "exam.") -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action.startswith(prefix))
                                   .order_by(AuditEntry.id)))


def inbox(user) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def field_errors(response) -> dict[str, str]:
    """The error shown beside each field, by the field's name (``sections-0-count``…)."""
    doc = page.parse(response.get_data(as_text=True))
    found = {}
    for node in doc.walk():
        if "invalid-feedback" in node.classes and node.attrs.get("id", "").endswith("-error"):
            found[node.attrs["id"].removesuffix("-error")] = " ".join(node.text().split())
    return found


def value_of(response, name: str) -> str | None:
    """The value a re-rendered form keeps in the input ``name``."""
    node = page.parse(response.get_data(as_text=True)).find("input", name=name)
    return node.attrs.get("value") if node is not None else None


def text(response) -> str:
    """The page's visible text, whitespace collapsed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
