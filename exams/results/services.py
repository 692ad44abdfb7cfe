"""The result registry (考试结果登记, seed 四(二)2) and an exam's results: read-only queries over final attempts.

The registry lists the final attempts of the officers in the account's scope (legal: its jurisdiction; HR: its
agencies), whatever legal office ran the exam; an exam's results page belongs to the legal office whose scope
holds the exam. Everything here is a fixed number of queries, whatever the number of attempts.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from exams.attempts.models import FINISHES, Attempt
from exams.papers.models import PURPOSES, Exam
from portal.auth.access import scope_condition, scoped_agencies
from portal.extensions import db
from portal.officers import idcard
from portal.officers.models import Officer
from portal.orgs.models import Agency
from portal.templating import cn_date

RESULTS = {"passed": "合格", "failed": "不合格"}
#: the exam filter offers at most this many exams (the newest windows)
EXAM_CHOICES = 300
MAX_Q = 40


@dataclass(frozen=True)
class Filters:
    """The registry's filters as they appear in the URL (and in an export job's parameters)."""

    exam: str = ""
    purpose: str = ""
    agency: str = ""
    result: str = ""
    date_from: str = ""
    date_to: str = ""
    q: str = ""

    @classmethod
    def from_args(cls, args) -> Filters:
        """Read the filters from a query string or form, keeping only values that can mean something."""
        exam = (args.get("exam") or "").strip()
        agency = (args.get("agency") or "").strip()
        purpose = args.get("purpose") or ""
        result = args.get("result") or ""
        return cls(exam=exam if exam.isascii() and exam.isdigit() and len(exam) <= 9 else "",
                   purpose=purpose if purpose in PURPOSES else "",
                   agency=agency if agency.isascii() and agency.isdigit() and len(agency) <= 9 else "",
                   result=result if result in RESULTS else "",
                   date_from=(args.get("date_from") or "").strip()[:10],
                   date_to=(args.get("date_to") or "").strip()[:10],
                   q=(args.get("q") or "").strip()[:MAX_Q])

    def as_dict(self) -> dict:
        return {"exam": self.exam, "purpose": self.purpose, "agency": self.agency, "result": self.result,
                "date_from": self.date_from, "date_to": self.date_to, "q": self.q}

    def dates(self) -> tuple[dt.date | None, dt.date | None, list[dict]]:
        """The finish-date bounds, and a problem per field that is not a date (that bound is then ignored)."""
        problems, bounds = [], []
        for name, label, text in (("date_from", "交卷日期（起）", self.date_from),
                                  ("date_to", "交卷日期（止）", self.date_to)):
            value = None
            if text:
                try:
                    value = dt.date.fromisoformat(text)
                except ValueError:
                    problems.append({"field": name, "message": f"{label}不是有效日期，请按 2026-01-31 的格式填写"})
            bounds.append(value)
        start, end = bounds
        if start and end and start > end:
            problems.append({"field": "date_to", "message": "交卷日期（止）不能早于交卷日期（起）"})
            start = end = None
        return start, end, problems


@dataclass(frozen=True)
class Row:
    """One final attempt in the registry."""

    attempt_id: int
    exam_id: int
    exam_title: str
    purpose: str
    pass_mark: int
    officer_id: int
    name: str
    id_number: str
    agency: str
    number: int
    finished_at: dt.datetime
    finish: str
    score: int
    max_score: int
    passed: bool
    exam_in_scope: bool

    @property
    def masked_id_number(self) -> str:
        return idcard.mask(self.id_number)

    @property
    def purpose_label(self) -> str:
        return PURPOSES.get(self.purpose, self.purpose)

    @property
    def finish_label(self) -> str:
        return FINISHES.get(self.finish, self.finish)

    @property
    def result_label(self) -> str:
        return RESULTS["passed" if self.passed else "failed"]


def _columns(user):
    return (Attempt.id, Attempt.exam_id, Exam.title, Exam.purpose, Exam.pass_mark, Attempt.officer_id, Officer.name,
            Officer.id_number, Agency.name, Attempt.number, Attempt.finished_at, Attempt.finish, Attempt.score,
            Attempt.max_score, Attempt.passed, scope_condition(user, Exam.agency_id).label("exam_in_scope"))


def registry_query(user, filters: Filters):
    """The SELECT of the registry's rows (newest first) for ``user`` with ``filters``; its problems with the
    filters (shown beside the fields; a bad filter is ignored)."""
    start, end, problems = filters.dates()
    query = (sa.select(*_columns(user))
             .join(Exam, Exam.id == Attempt.exam_id)
             .join(Officer, Officer.id == Attempt.officer_id)
             .join(Agency, Agency.id == Officer.agency_id)
             .where(Attempt.status == "final", scope_condition(user, Officer.agency_id)))
    if filters.exam:
        query = query.where(Attempt.exam_id == int(filters.exam))
    if filters.purpose:
        query = query.where(Exam.purpose == filters.purpose)
    if filters.agency:
        chosen = db.session.get(Agency, int(filters.agency))
        if chosen is None:
            query = query.where(sa.false())
        else:
            query = query.where(Officer.agency_id.in_(
                sa.select(Agency.id).where(Agency.path.startswith(chosen.path, autoescape=True))))
    if filters.result:
        query = query.where(Attempt.passed.is_(filters.result == "passed"))
    if start:
        query = query.where(Attempt.finished_at >= dt.datetime.combine(start, dt.time()))
    if end:
        query = query.where(Attempt.finished_at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    if filters.q:
        if idcard.looks_like(filters.q):
            query = query.where(Officer.id_number == idcard.normalize(filters.q))
        else:
            query = query.where(Officer.name.contains(filters.q, autoescape=True))
    return query.order_by(Attempt.finished_at.desc(), Attempt.id.desc()), problems


def rows_of(result) -> list[Row]:
    """Rows of an executed registry query."""
    return [Row(*values) for values in result]


class QueryPagination(Pagination):
    """One page of a SELECT of plain rows (two queries: the page and the count) for the pager macro."""

    def _query_items(self) -> list:
        query = self._query_args["query"]
        return rows_of(db.session.execute(query.limit(self.per_page).offset((self.page - 1) * self.per_page)))

    def _query_count(self) -> int:
        query = self._query_args["query"].order_by(None)
        return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def count(query) -> int:
    """How many rows a registry query selects."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))


def exam_choices(user) -> list[tuple[str, str]]:
    """The exams whose results the account can see in the registry: run in its scope, or sat by its officers
    (newest window first). One query."""
    taken = (sa.select(Attempt.exam_id).join(Officer, Officer.id == Attempt.officer_id)
             .where(Attempt.status == "final", scope_condition(user, Officer.agency_id)))
    own = scope_condition(user, Exam.agency_id) if user.role == "legal" else sa.false()
    exams = db.session.execute(
        sa.select(Exam.id, Exam.title, Exam.opens_at).where(sa.or_(own, Exam.id.in_(taken)))
        .order_by(Exam.opens_at.desc(), Exam.id.desc()).limit(EXAM_CHOICES)).all()
    return [(str(e.id), f"{e.title}（{cn_date(e.opens_at)}）") for e in exams]


def agency_choices(user) -> list[tuple[str, str]]:
    """The agencies in scope, indented in tree order, for the filter."""
    agencies = scoped_agencies(user)
    base = min((a.depth for a in agencies), default=0)
    return [(str(a.id), "\u3000" * (a.depth - base) + a.short_name) for a in agencies]


# --- one exam's results ---------------------------------------------------------------------------------------

@dataclass
class Candidate:
    """One officer's final attempts at an exam: the best and the last result."""

    officer_id: int
    name: str
    id_number: str
    agency: str
    attempts: int = 0
    best: int = -1
    best_max: int = 0
    last: int = 0
    last_max: int = 0
    last_at: dt.datetime | None = None
    last_finish: str = ""
    passed: bool = False

    @property
    def masked_id_number(self) -> str:
        return idcard.mask(self.id_number)

    @property
    def last_finish_label(self) -> str:
        return FINISHES.get(self.last_finish, self.last_finish)


@dataclass
class ExamSummary:
    """Counts, the score distribution (each candidate's best result) and the candidates of one exam."""

    candidates: list[Candidate]
    first_sat: int = 0
    first_passed: int = 0
    makeup_sat: int = 0
    makeup_passed: int = 0
    bins: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def sat(self) -> int:
        return len(self.candidates)

    @property
    def passed(self) -> int:
        return sum(1 for c in self.candidates if c.passed)

    @staticmethod
    def rate(passed: int, sat: int) -> str:
        return f"{100 * passed / sat:.1f}%" if sat else "—"


def bin_labels(total: int) -> list[tuple[str, str]]:
    """The ten bins of 10 % of the total: a percentage label and the points each covers."""
    labels = []
    for i in range(10):
        low = -(-i * total // 10)
        high = total if i == 9 else -(-(i + 1) * total // 10) - 1
        points = f"{low}–{high}分" if high > low else (f"{low}分" if high == low else "—")
        labels.append((f"{10 * i}%–{10 * (i + 1)}%" if i < 9 else "90%–100%", points))
    return labels


def bin_of(score: int, maximum: int) -> int:
    """Which 10 % bin a score falls in (a full score in the last one)."""
    return min(9, 10 * score // maximum) if maximum else 0


def exam_summary(exam: Exam) -> ExamSummary:
    """The exam's final attempts, summed per candidate. One query."""
    rows = db.session.execute(
        sa.select(Attempt.officer_id, Officer.name, Officer.id_number, Agency.short_name, Attempt.number,
                  Attempt.score, Attempt.max_score, Attempt.passed, Attempt.finished_at, Attempt.finish)
        .join(Officer, Officer.id == Attempt.officer_id).join(Agency, Agency.id == Officer.agency_id)
        .where(Attempt.exam_id == exam.id, Attempt.status == "final")
        .order_by(Attempt.officer_id, Attempt.number)).all()
    people: dict[int, Candidate] = {}
    summary = ExamSummary([])
    for row in rows:
        person = people.setdefault(row.officer_id, Candidate(row.officer_id, row.name, row.id_number,
                                                             row.short_name))
        person.attempts += 1
        if row.score * max(person.best_max, 1) > person.best * max(row.max_score, 1) or person.best < 0:
            person.best, person.best_max = row.score, row.max_score
        person.last, person.last_max, person.last_at, person.last_finish = (
            row.score, row.max_score, row.finished_at, row.finish)
        person.passed = person.passed or row.passed
        if row.number == 1:
            summary.first_sat += 1
            summary.first_passed += int(row.passed)
        else:
            summary.makeup_sat += 1
            summary.makeup_passed += int(row.passed)
    counts = [0] * 10
    for person in people.values():
        counts[bin_of(person.best, person.best_max)] += 1
    summary.bins = [(label, points, n) for (label, points), n in zip(bin_labels(exam.total_points), counts,
                                                                      strict=True)]
    summary.candidates = sorted(people.values(), key=lambda c: (c.agency, c.name.encode("gb18030", "replace"),
                                                               c.officer_id))
    return summary
