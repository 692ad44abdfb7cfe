"""Set-based reading: the registry, its export, an exam's results page and its item analysis cost the same number
of statements for 5 attempts as for 50 (no query per attempt, per candidate or per question)."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.exams.results.helpers import bulk_attempts, make_exam, make_questions
from tests.sql import statements
from tests.training.helpers import bulk_officers


def count(app, call) -> int:
    with statements(app) as seen:
        response = call()
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return len(seen)


@pytest.fixture
def grow(world, frozen):
    """Add ``n`` candidates' first attempts at a closed city exam of 6 questions, and as many
    makeups; returns the exam."""
    questions = make_questions(world.city, 6)
    exam = make_exam(world.city, questions=6)
    added = {"n": 0}

    def more(n: int):
        officers = bulk_officers(world.dept, n, start=added["n"])
        added["n"] += n
        bulk_attempts(exam, officers, questions, lambda i: [(i + q) % 2 for q in range(6)])
        bulk_attempts(exam, officers, questions, lambda i: [1] * 6, number=2,
                      finished_at=exam.closes_at - dt.timedelta(hours=1))
        return exam

    return more


@pytest.mark.parametrize("path", ["/exams/results", "/exams/results?result=passed&q=批量",
                                  "/exams/{exam}/results", "/exams/{exam}/analysis",
                                  "/exams/{exam}/analysis?sort=-discrimination"])
def test_pages_cost_the_same_for_5_and_50_attempts(app, client, auth, grow, path):
    exam = grow(5)
    auth.login("legal_city")
    url = path.format(exam=exam.id)
    few = count(app, lambda: client.get(url))
    grow(45)
    many = count(app, lambda: client.get(url))
    assert many == few, (few, many)


def test_the_export_costs_the_same_for_5_and_50_attempts(app, client, auth, grow):
    exam = grow(5)
    auth.login("legal_city")
    few = count(app, lambda: client.post("/exams/results/export"))
    grow(45)
    assert count(app, lambda: client.post("/exams/results/export")) == few
    few = count(app, lambda: client.post(f"/exams/{exam.id}/analysis/export"))
    grow(10)
    assert count(app, lambda: client.post(f"/exams/{exam.id}/analysis/export")) == few
