"""Set-based pages: the bank's list (with its per-category counts) and a question's page cost the same number of
statements for a few questions or versions as for many."""
from __future__ import annotations

import pytest

from tests.exams.bank.helpers import make_question, mark_used, versions
from tests.sql import statements


def count(app, client, path: str) -> int:
    with statements(app) as seen:
        response = client.get(path)
    assert response.status_code == 200
    return len(seen)


@pytest.mark.parametrize("path", ["/exams/questions", "/exams/questions?q=题&status=active&category=行政处罚法"])
def test_the_list_costs_the_same_for_few_and_many_questions(app, client, legal, path):
    for n in range(3):
        make_question(legal.legal_city, stem=f"少量题{n}")
    few = count(app, client, path)
    for n in range(30):
        make_question(legal.legal_city, stem=f"大量题{n}", tag="城市管理" if n % 2 else "", kind="multiple",
                      answer="AB", category="听证程序" if n % 3 else "行政处罚法")
    assert count(app, client, path) == few


def test_a_question_page_costs_the_same_for_one_and_many_versions(app, client, legal):
    question = make_question(legal.legal_city)
    path = f"/exams/questions/{question.id}"
    few = count(app, client, path)
    for n in range(4):
        mark_used(question)
        client.post(f"{path}/edit", data={"kind": "single", "stem": f"第{n + 2}版", "option_a": "甲", "option_b": "乙",
                                          "answer": ["A"], "category": "行政处罚法", "difficulty": "3",
                                          "legal_basis": "《行政处罚法》第六十三条"})
    assert len(versions(question.id)) == 5
    assert count(app, client, path) == few
