"""The exams part of the demo (``flask demo load``): the question bank, the exams, and past attempts.

* the bank: every question of ``exams/data/demo_questions.csv`` (written from the statute texts in
  ``exams/data/laws/``, each citing its article), active, in the city's bank (the city legal office's jurisdiction);
* a ``qualification`` exam open now, an ``update_test`` opening soon, a ``hearing_presider`` exam open now;
* two closed exams with graded attempts (first attempts and makeups), so results and item analysis have content.

Idempotent: a question already in the bank (same stem and options) and an exam already there (same title) are
left alone, and an officer who already sat a closed exam sits it no more. Attempts are simulated from each
candidate's ability and each question's difficulty, drawn by the attempt service's own draw, marked by
:func:`exams.attempts.grading.mark`, and inserted in bulk — they are history, so no ``attempt_graded`` signal is
sent for them (what listens to it, the certificates of a later issue, brings its own demo records).
"""
from __future__ import annotations

import csv
import datetime as dt
import math
import random
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from exams.attempts import grading
from exams.attempts.models import Attempt, AttemptItem
from exams.attempts.services import draw
from exams.bank.models import KIND_CODES, LETTERS, Question, QuestionVersion, fingerprint
from exams.papers.blueprint import exam_pool_sizes
from exams.papers.models import Enrolment, Exam, ExamSection
from portal.extensions import db
from portal.officers.models import Officer

QUESTIONS_FILE = Path(__file__).resolve().parent / "data" / "demo_questions.csv"
CHUNK = 2000

#: (title, count, points) — the qualification blueprint: 50 questions, 100 points
QUALIFICATION = [("行政处罚法", 15, 2), ("行政许可法", 6, 2), ("行政强制法", 6, 2), ("行政复议法", 5, 2),
                 ("行政诉讼法", 4, 2), ("国家赔偿法", 3, 2), ("政府信息公开条例", 3, 2), ("听证程序", 4, 2),
                 ("执法礼仪与职业道德", 4, 2)]
UPDATE_TEST = [("行政处罚法", 10, 3), ("行政许可法", 5, 2), ("行政强制法", 5, 2), ("行政复议法", 5, 2),
               ("行政诉讼法", 3, 2), ("国家赔偿法", 3, 2), ("政府信息公开条例", 3, 2)]
#: the presider's exam draws only hearings of 行政处罚 and 行政许可 (exams.bank.rules.HEARING): 25 questions, 100 points
PRESIDER = [("听证程序", 25, 4)]


@dataclass(frozen=True)
class DemoExam:
    title: str
    purpose: str
    sections: list
    duration: int
    #: window relative to the load date: (days, hour) of opening and of closing
    opens: tuple[int, int]
    closes: tuple[int, int]
    audience: str = "everyone"
    #: closed exams: the share of on-duty officers who sat it
    candidates: float = 0.0


EXAMS = [
    DemoExam("2026年度行政执法资格考试（第四期）", "qualification", QUALIFICATION, 90, (-7, 9), (21, 18)),
    DemoExam("2026年度听证主持人资格考试", "hearing_presider", PRESIDER, 60, (-3, 9), (25, 18)),
    DemoExam("2027年度法律知识更新测试（第一批）", "update_test", UPDATE_TEST, 60, (10, 9), (40, 18),
             audience="officers"),
    DemoExam("2026年度行政执法资格考试（第三期）", "qualification", QUALIFICATION, 90, (-75, 9), (-61, 18),
             candidates=0.4),
    DemoExam("2026年法律知识更新测试", "update_test", UPDATE_TEST, 60, (-60, 9), (-30, 18),
             candidates=0.25),
    # an older sitting, kept for the history of the update-test cycles (certificates.demo_cycles)
    DemoExam("2026年法律知识更新测试（上半年）", "update_test", UPDATE_TEST, 60, (-200, 9), (-170, 18),
             candidates=0.5),
]


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(model.__table__), rows[start:start + CHUNK])


def read_questions() -> list[dict]:
    """The demo bank's rows, as question fields (``kind``, ``stem``, ``options``, ``answer`` …)."""
    questions = []
    with QUESTIONS_FILE.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            options = [row[f"选项{letter}"].strip() for letter in LETTERS if row.get(f"选项{letter}", "").strip()]
            kind = KIND_CODES[row["题型"].strip()]
            answer = row["答案"].strip()
            if kind == "true_false":
                answer = {"对": "T", "错": "F"}[answer]
            questions.append({"kind": kind, "stem": row["题干"].strip(), "options": options, "answer": answer,
                              "category": row["类别"].strip(), "tag": row["执法类别"].strip() or None,
                              "difficulty": int(row["难度"]), "legal_basis": row["法律依据"].strip(),
                              "explanation": row["解析"].strip()})
    return questions


def _bank(agency_id: int, now: dt.datetime) -> int:
    """Add the demo questions that are not in the bank yet (by stem and options)."""
    stored = set(db.session.scalars(sa.select(Question.fingerprint)).all())
    new = []
    for question in read_questions():
        key = fingerprint(question["stem"], question["options"])
        if key not in stored:
            stored.add(key)
            new.append((key, question))
    if not new:
        return 0
    _insert(Question, [{"kind": q["kind"], "category": q["category"], "tag": q["tag"],
                        "difficulty": q["difficulty"], "status": "active", "version": 1, "fingerprint": key,
                        "agency_id": agency_id, "created_by": None, "created_at": now, "updated_at": now}
                       for key, q in new])
    ids = dict(db.session.execute(sa.select(Question.fingerprint, Question.id)
                                  .where(Question.fingerprint.in_([key for key, _ in new]))).all())
    _insert(QuestionVersion, [{"question_id": ids[key], "version": 1, "kind": q["kind"], "stem": q["stem"],
                               "options": q["options"], "answer": q["answer"], "legal_basis": q["legal_basis"],
                               "explanation": q["explanation"], "created_by": None, "created_at": now}
                              for key, q in new])
    return len(new)


def _at(today: dt.date, days: int, hour: int, tz) -> dt.datetime:
    return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour), tz)


def _exams(agency_id: int, now: dt.datetime) -> tuple[list[Exam], int]:
    existing = {e.title: e for e in db.session.scalars(sa.select(Exam)).all()}
    exams, added = [], 0
    for spec in EXAMS:
        exam = existing.get(spec.title)
        if exam is None:
            total = sum(count * points for _title, count, points in spec.sections)
            opens = _at(now.date(), *spec.opens, now.tzinfo)
            exam = Exam(title=spec.title, purpose=spec.purpose, status="published", agency_id=agency_id,
                        audience=spec.audience, duration_minutes=spec.duration, pass_mark=math.ceil(total * 0.6),
                        opens_at=opens, closes_at=_at(now.date(), *spec.closes, now.tzinfo), max_attempts=2,
                        instructions="考试期间请勿离开页面过久；答案随选随存，可在其他设备上继续作答。",
                        created_at=now, updated_at=now, published_at=min(now, opens - dt.timedelta(days=7)),
                        opening_notified_at=opens if opens <= now else None,
                        sections=[ExamSection(position=n, title=title, category=title, count=count, points=points)
                                  for n, (title, count, points) in enumerate(spec.sections, start=1)])
            db.session.add(exam)
            added += 1
        exams.append(exam)
    db.session.flush()
    return exams, added


def _versions() -> dict[int, tuple[str, str, int, int]]:
    """Every question version: (kind, key, option count, difficulty)."""
    rows = db.session.execute(sa.select(QuestionVersion.id, QuestionVersion.kind, QuestionVersion.answer,
                                        QuestionVersion.options, Question.difficulty)
                              .join(Question, Question.id == QuestionVersion.question_id)).all()
    return {vid: (kind, key, len(options or []), difficulty) for vid, kind, key, options, difficulty in rows}


def _answers(rng: random.Random, kind: str, n_options: int, key: str, correct: bool) -> str:
    if kind == "true_false":
        return key if correct else ("F" if key == "T" else "T")
    letters = LETTERS[:n_options]
    if correct:
        return key
    if kind == "single":
        return rng.choice([letter for letter in letters if letter != key])
    while True:
        chosen = "".join(sorted(rng.sample(letters, rng.randint(1, n_options))))
        if chosen != key:
            return chosen


def _sit(rng: random.Random, exam: Exam, officer_id: int, number: int, ability: float, versions,
         started: dt.datetime) -> tuple[dict, list[dict]]:
    """One simulated final attempt: the paper drawn as the attempt service draws it, answers, marks."""
    items, score = draw(exam, rng), 0
    for item in items:
        kind, key, n_options, difficulty = versions[item["version_id"]]
        guess = {"true_false": 0.5, "single": 1 / max(n_options, 1)}.get(kind, 0.05)
        chance = guess + (1 - guess) / (1 + math.exp(-(1.5 * ability - 0.8 * (difficulty - 2))))
        skipped = rng.random() < 0.02
        response = None if skipped else _answers(rng, kind, n_options, key, rng.random() < chance)
        item["response"] = response
        item["answered_at"] = None if skipped else started + dt.timedelta(seconds=40 * item["position"])
        item["mark"] = grading.mark(kind, key, response, item["points"])
        score += item["mark"]
    position = len(items)
    deadline = started + dt.timedelta(minutes=exam.duration_minutes)
    timed_out = rng.random() < 0.05
    finished = deadline if timed_out else started + dt.timedelta(
        seconds=min(exam.duration_minutes * 60 - 30, 40 * position + rng.randint(60, 900)))
    attempt = {"exam_id": exam.id, "officer_id": officer_id, "number": number, "status": "final",
               "started_at": started, "deadline": deadline,
               "finished_at": finished, "finish": "deadline" if timed_out else "submitted",
               "score": score, "max_score": exam.total_points, "passed": score >= exam.pass_mark}
    return attempt, items


def _attempts(seed: int, exams: list[Exam], protected: set[str]) -> int:
    """Attempts for the closed demo exams: a first attempt for a share of the on-duty officers, and a makeup for
    most who failed. Decided per officer (the same officer sits the same paper on every run), and an officer who
    already has attempts in the exam gets none."""
    versions = _versions()
    officers = db.session.execute(sa.select(Officer.id, Officer.id_number).where(Officer.status == "on_duty")
                                  .order_by(Officer.id_number)).all()
    sat = set(db.session.execute(sa.select(Attempt.exam_id, Attempt.officer_id)).all())
    added = 0
    for exam, spec in zip(exams, EXAMS, strict=True):
        sizes = exam_pool_sizes(exam)
        if not spec.candidates or any(sizes[section.id] < section.count for section in exam.sections):
            continue
        attempts, items = [], []
        span = int((exam.closes_at - exam.opens_at).total_seconds()) - exam.duration_minutes * 60 * 2
        for officer in officers:
            rng = random.Random(f"{seed}:{exam.title}:{officer.id_number}")
            if (officer.id_number in protected or (exam.id, officer.id) in sat
                    or rng.random() >= spec.candidates):
                continue
            ability = rng.gauss(0.8, 0.8)
            first = exam.opens_at + dt.timedelta(seconds=rng.randrange(span // 2))
            attempt, paper = _sit(rng, exam, officer.id, 1, ability, versions, first)
            attempts.append(attempt)
            items.append(paper)
            if not attempt["passed"] and rng.random() < 0.8:
                again = first + dt.timedelta(seconds=rng.randrange(span // 3, span // 2))
                attempt, paper = _sit(rng, exam, officer.id, 2, ability + 0.4, versions, again)
                attempts.append(attempt)
                items.append(paper)
        if not attempts:
            continue
        _insert(Attempt, attempts)
        ids = {(a.officer_id, a.number): a.id for a in db.session.execute(
            sa.select(Attempt.id, Attempt.officer_id, Attempt.number).where(
                Attempt.exam_id == exam.id, Attempt.officer_id.in_({a["officer_id"] for a in attempts}))).all()}
        _insert(AttemptItem, [{"attempt_id": ids[(a["officer_id"], a["number"])], **item}
                              for a, paper in zip(attempts, items, strict=True) for item in paper])
        added += len(attempts)
    return added


def _enrol(exams: list[Exam], numbers: list[str], now: dt.datetime) -> None:
    """The update test (audience: named officers) enrols a few demo officers."""
    for exam, spec in zip(exams, EXAMS, strict=True):
        if spec.audience != "officers":
            continue
        officer_ids = db.session.scalars(sa.select(Officer.id).where(Officer.id_number.in_(numbers))).all()
        enrolled = set(db.session.scalars(sa.select(Enrolment.officer_id).where(Enrolment.exam_id == exam.id)).all())
        _insert(Enrolment, [{"exam_id": exam.id, "officer_id": officer_id, "source": "manual", "enrolled_by": None,
                             "enrolled_at": now} for officer_id in officer_ids if officer_id not in enrolled])


def load(agency_id: int, seed: int, protected: set[str], enrolled: list[str], now: dt.datetime) -> dict:
    """Load (or complete) the exams demo; ``protected`` ID numbers get no past attempts (a demo officer who
    should sit the open exam fresh). Returns counts of what was added."""
    questions = _bank(agency_id, now)
    exams, added_exams = _exams(agency_id, now)
    _enrol(exams, enrolled, now)
    attempts = _attempts(seed, exams, protected)
    return {"questions": questions, "exams": added_exams, "attempts": attempts}
