"""Set-based work: starting, the question page, a save, the confirmation, a submission and the result cost the
same number of statements for a short paper as for a long one (no query per question)."""
from __future__ import annotations

import pytest

from tests.exams.attempts.helpers import make_exam, make_questions
from tests.sql import statements


def count(app, call) -> tuple[int, object]:
    with statements(app) as seen:
        response = call()
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
    return len(seen), response


def walk(app, client, exam, frozen, closed: bool) -> list[int]:
    """Statements of each step of one candidate's attempt at ``exam``; the result read after the close (with the
    corrections) when ``closed``."""
    frozen(exam.opens_at)
    started, response = count(app, lambda: client.post(f"/exams/{exam.id}/start"))
    base = response.headers["Location"]
    steps = [started]
    steps.append(count(app, lambda: client.get(f"{base}?n=2"))[0])
    steps.append(count(app, lambda: client.post(f"{base}/save", json={"position": 2, "choice": ["1"]}))[0])
    steps.append(count(app, lambda: client.post(f"{base}/answer", data={"position": "3", "choice": "0",
                                                                         "go": "next"}))[0])
    steps.append(count(app, lambda: client.get(f"{base}/submit"))[0])
    steps.append(count(app, lambda: client.post(f"{base}/submit"))[0])
    if closed:
        frozen(exam.closes_at)
    shown, result = count(app, lambda: client.get(f"{base}/result"))
    assert ("答案与解析</h2>" in result.get_data(as_text=True)) is closed
    return [*steps, shown]


@pytest.mark.parametrize("closed", [False, True])
def test_an_attempt_costs_the_same_for_few_and_many_questions(app, client, officer, frozen, closed):
    make_questions(officer.city, 40, "single")
    short = make_exam(officer.city, (("单选", "single", 4, 1),))
    long = make_exam(officer.city, (("单选", "single", 30, 1),))
    assert walk(app, client, short, frozen, closed) == walk(app, client, long, frozen, closed)
