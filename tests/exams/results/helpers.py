"""Helpers of the results tests: questions, exams and graded attempts stored directly with the models (the attempt
services are not needed to set up a registry or an item analysis), officers in bulk, and reading XLSX files."""
from __future__ import annotations

import datetime as dt
import io
import itertools

import openpyxl
import sqlalchemy as sa

from exams.attempts.models import Attempt, AttemptItem
from exams.bank.models import Question, QuestionVersion, fingerprint
from exams.papers.models import Exam, ExamSection
from portal import background, clock, exports
from portal.audit import Actor
from portal.extensions import db
from tests.officers.page import parse

_serial = itertools.count(1)

#: a closed window (the frozen clock stands at 2026-11-26 09:00)
OPENS = dt.datetime(2026, 11, 1, 9, 0)
CLOSES = dt.datetime(2026, 11, 20, 17, 0)


def make_questions(agency, count: int, category: str = "行政处罚法", kind: str = "single") -> list[Question]:
    """``count`` active questions of ``category`` (version 1), committed."""
    now = clock.now()
    questions = []
    for _ in range(count):
        n = next(_serial)
        stem = f"第{n}题：依照《行政处罚法》，下列说法正确的是哪一项？（测试题{n}）"
        options = [f"选项{letter}{n}" for letter in "ABCD"]
        question = Question(kind=kind, category=category, tag=None, difficulty=3, status="active", version=1,
                            fingerprint=fingerprint(stem, options), agency_id=agency.id, created_at=now,
                            updated_at=now)
        db.session.add(question)
        db.session.flush()
        db.session.add(QuestionVersion(question_id=question.id, version=1, kind=kind, stem=stem, options=options,
                                       answer="B", legal_basis="《行政处罚法》第三十二条", explanation="",
                                       created_at=now))
        questions.append(question)
    db.session.commit()
    return questions


def make_exam(agency, questions: int = 3, points: int = 1, pass_mark: int | None = None, *,
              opens: dt.datetime = OPENS, closes: dt.datetime = CLOSES, purpose: str = "qualification",
              title: str | None = None, category: str = "行政处罚法") -> Exam:
    """A published exam of ``agency`` with one section of ``questions`` × ``points``, committed."""
    now = clock.now()
    total = questions * points
    exam = Exam(title=title or f"测试考试{next(_serial)}", purpose=purpose, status="published", agency_id=agency.id,
                audience="everyone", duration_minutes=60, pass_mark=pass_mark or -(-total * 6 // 10),
                opens_at=opens, closes_at=closes, max_attempts=2, created_at=now, updated_at=now,
                published_at=opens - dt.timedelta(days=1))
    exam.sections = [ExamSection(position=1, title="单选题", category=category, count=questions, points=points)]
    db.session.add(exam)
    db.session.commit()
    return exam


def sit(exam, officer, marks, questions=None, *, points: int | list[int] = 1, number: int = 1,
        status: str = "final", finished_at: dt.datetime | None = None, finish: str = "submitted") -> Attempt:
    """An attempt of ``officer`` at ``exam`` whose items carry ``marks`` (``None`` = no item for that question:
    the paper did not draw it), committed. Score, maximum and pass/fail follow from the marks."""
    questions = questions or []
    officer_id = officer if isinstance(officer, int) else officer.id
    point_list = points if isinstance(points, list) else [points] * len(marks)
    finished_at = finished_at or exam.opens_at + dt.timedelta(hours=1)
    started = finished_at - dt.timedelta(minutes=30)
    drawn = [(q, p, m) for q, p, m in zip(questions, point_list, marks, strict=True) if m is not None]
    score = sum(m for _, _, m in drawn)
    maximum = sum(p for _, p, _ in drawn) or 1
    final = status == "final"
    attempt = Attempt(exam_id=exam.id, officer_id=officer_id, number=number, status=status, started_at=started,
                      deadline=started + dt.timedelta(minutes=exam.duration_minutes),
                      finished_at=finished_at if final else None, finish=finish if final else None,
                      score=score if final else None, max_score=maximum,
                      passed=(score >= exam.pass_mark) if final else None)
    attempt.items = [AttemptItem(position=position, question_id=q.id, version_id=_version_id(q), points=p,
                                 option_order="ABCD", response="B", mark=m if final else None)
                     for position, (q, p, m) in enumerate(drawn, start=1)]
    db.session.add(attempt)
    db.session.commit()
    return attempt


def _version_id(question) -> int:
    return db.session.scalar(sa.select(QuestionVersion.id).where(
        QuestionVersion.question_id == question.id, QuestionVersion.version == question.version))


def bulk_attempts(exam, officer_ids: list[int], questions, marks_of, *, number: int = 1,
                  finished_at: dt.datetime | None = None) -> None:
    """Final attempts for many officers in a few statements: ``marks_of(i)`` gives the i-th officer's marks
    (1 point per question)."""
    finished_at = finished_at or exam.opens_at + dt.timedelta(hours=1)
    versions = {q.id: _version_id(q) for q in questions}
    rows = []
    for i, officer_id in enumerate(officer_ids):
        score = sum(marks_of(i))
        rows.append({"exam_id": exam.id, "officer_id": officer_id, "number": number, "status": "final",
                     "started_at": finished_at - dt.timedelta(minutes=30),
                     "deadline": finished_at + dt.timedelta(minutes=30), "finished_at": finished_at,
                     "finish": "submitted", "score": score, "max_score": len(questions),
                     "passed": score >= exam.pass_mark})
    db.session.execute(sa.insert(Attempt), rows)
    ids = dict(db.session.execute(sa.select(Attempt.officer_id, Attempt.id).where(
        Attempt.exam_id == exam.id, Attempt.number == number, Attempt.officer_id.in_(officer_ids))).all())
    items = []
    for i, officer_id in enumerate(officer_ids):
        for position, (question, mark) in enumerate(zip(questions, marks_of(i), strict=True), start=1):
            items.append({"attempt_id": ids[officer_id], "position": position, "section_id": None,
                          "question_id": question.id, "version_id": versions[question.id], "points": 1,
                          "option_order": "ABCD", "response": "B", "mark": mark})
    if items:
        db.session.execute(sa.insert(AttemptItem), items)
    db.session.commit()


def xlsx_rows(data: bytes) -> list[list]:
    """The first sheet of an XLSX file as lists of cell values."""
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def finished_export(owner, rows: list[list] | None = None) -> background.Job:
    """A succeeded registry export job of ``owner`` holding a small XLSX file, committed."""
    from exams.results import export

    workbook = openpyxl.Workbook()
    for row in rows or [export.HEADERS]:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    now = clock.now()
    job = background.enqueue(Actor(owner.id, owner.login_name), export.JOB_KIND, "导出考试结果登记（测试）",
                             {"filters": {}, "at": now.isoformat()}, now=now)
    job.status, job.progress, job.finished_at = "succeeded", 100, now
    job.result = {"filename": "考试结果登记-测试.xlsx", "mime": export.MIME, "count": 0, "size": len(out.getvalue()),
                  "file": exports.pack(out.getvalue())}
    db.session.commit()
    return job


def _cell(row, cls: str) -> str:
    node = next((n for n in row.walk() if cls in n.classes), None)
    return " ".join(node.text().split()) if node is not None else ""


def analysis_table(response) -> dict[int, dict[str, str]]:
    """The item-analysis page's rows by question id: n, facility, discrimination, efficiency, flag (as shown),
    in page order."""
    assert response.status_code == 200, response.status_code
    doc = parse(response.get_data(as_text=True))
    table = next(n for n in doc.walk() if "item-analysis" in n.classes)
    return {int(tr.attrs["data-question"]): {key: _cell(tr, key) for key in
                                              ("n", "facility", "discrimination", "efficiency", "flag")}
            for tr in table.find_all("tr") if "data-question" in tr.attrs}


def registry_rows(response) -> list[list[str]]:
    """The registry's table as text cells (one list per attempt)."""
    assert response.status_code == 200, response.status_code
    doc = parse(response.get_data(as_text=True))
    table = next(n for n in doc.walk() if "exam-results-registry" in n.classes)
    return [[" ".join(td.text().split()) for td in tr.find_all("td")] for tr in table.find_all("tr")
            if "data-attempt" in tr.attrs]


def registry_attempts(response) -> list[int]:
    """The attempt ids the registry page lists, in order."""
    doc = parse(response.get_data(as_text=True))
    return [int(tr.attrs["data-attempt"]) for tr in doc.walk() if tr.tag == "tr" and "data-attempt" in tr.attrs]


def filter_errors(response) -> dict[str, list[str]]:
    """The messages shown beside the registry's filter fields, by field name."""
    doc = parse(response.get_data(as_text=True))
    errors: dict[str, list[str]] = {}
    for group in doc.walk():
        if group.tag != "div":
            continue
        field = next((n for n in group.children if not isinstance(n, str) and n.tag in ("input", "select")), None)
        if field is None:
            continue
        messages = [n.text().strip() for n in group.walk() if "invalid-feedback" in n.classes]
        if messages:
            errors[field.attrs["name"]] = messages
    return errors
