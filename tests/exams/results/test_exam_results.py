"""One exam's results page: counts (first attempts and makeups), the score distribution in bins of 10 % of the
total (chart and table with the same numbers), each candidate's best and last result, and its scope."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from exams.results import services
from tests.exams.results.helpers import make_exam, make_questions, sit
from tests.officers.page import parse, text
from tests.training.helpers import bulk_officers


def marks(score: int, total: int = 10) -> list[int]:
    return [1] * score + [0] * (total - score)


@pytest.fixture
def exam(world, frozen):
    """A city exam of ten 1-point questions (pass mark 6). Five candidates' first attempts score 0, 5, 6, 9, 10; the
    one with 5 passes the makeup with 7, the one with 0 fails the makeup with 3; an open attempt is ignored."""
    questions = make_questions(world.city, 10)
    exam = make_exam(world.city, questions=10)
    officers = bulk_officers(world.dept, 6)
    for officer_id, score in zip(officers[:5], [0, 5, 6, 9, 10], strict=True):
        sit(exam, officer_id, marks(score), questions, finished_at=exam.opens_at + dt.timedelta(hours=1))
    later = exam.opens_at + dt.timedelta(days=3)
    sit(exam, officers[1], marks(7), questions, number=2, finished_at=later)
    sit(exam, officers[0], marks(3), questions, number=2, finished_at=later)
    sit(exam, officers[5], marks(10), questions, status="open")
    return exam, officers


def page_of(client, exam):
    response = client.get(f"/exams/{exam.id}/results")
    assert response.status_code == 200
    return parse(response.get_data(as_text=True))


def cell_texts(doc, table_class):
    table = next(n for n in doc.walk() if table_class in n.classes)
    return [[" ".join(c.text().split()) for c in tr.children if not isinstance(c, str) and c.tag in ("td", "th")]
            for tr in table.find("tbody").find_all("tr")]


def test_counts_of_candidates_first_attempts_and_makeups(client, auth, exam):
    auth.login("legal_city")
    doc = page_of(client, exam[0])
    counts = {cls: next(n for n in doc.walk() if cls in n.classes).text() for cls in
              ("count-sat", "count-passed", "count-rate")}
    # five candidates; passed: 6, 9, 10 first time and 5 → 7 in the makeup
    assert counts == {"count-sat": "5", "count-passed": "4", "count-rate": "80.0%"}
    assert cell_texts(doc, "attempt-counts") == [["首次考试", "5", "3", "60.0%"], ["补考", "2", "1", "50.0%"]]


def test_the_distribution_of_best_results_in_chart_and_table_alike(client, auth, exam):
    auth.login("legal_city")
    doc = page_of(client, exam[0])
    table = cell_texts(doc, "score-distribution")
    # best results: 3 (0 then 3), 7 (5 then 7), 6, 9, 10 — a full score falls in the last bin
    assert [row[2] for row in table] == ["0", "0", "0", "1", "0", "0", "1", "1", "0", "2"]
    assert table[0][:2] == ["0%–10%", "0分"] and table[6][:2] == ["60%–70%", "6分"]
    assert table[9][:2] == ["90%–100%", "9–10分"]
    chart = json.loads(next(n for n in doc.walk() if "js-chart" in n.classes).attrs["data-chart"])
    assert chart["data"]["labels"] == [row[0] for row in table]
    assert chart["data"]["datasets"][0]["data"] == [int(row[2]) for row in table]


def test_each_candidate_with_best_and_last_result(client, auth, exam):
    auth.login("legal_city")
    doc = page_of(client, exam[0])
    rows = {tr.attrs["data-officer"]: tr for tr in doc.walk() if tr.tag == "tr" and "data-officer" in tr.attrs}
    first, second = (rows[str(officer_id)] for officer_id in exam[1][:2])

    def cell(tr, cls):
        return " ".join(next(n for n in tr.walk() if cls in n.classes).text().split())

    assert (cell(first, "best"), cell(first, "last")) == ("3/10", "3/10")
    assert (cell(second, "best"), cell(second, "last")) == ("7/10", "7/10")
    assert "不合格" in first.text() and "合格" in second.text() and "不合格" not in second.text()
    assert len(rows) == 5  # the open attempt's officer is no candidate yet
    assert "*" in cell(first, "font-monospace")


def test_the_bins_at_their_edges():
    assert [services.bin_of(s, 10) for s in (0, 1, 5, 6, 9, 10)] == [0, 1, 5, 6, 9, 9]
    assert services.bin_of(59, 100) == 5 and services.bin_of(60, 100) == 6 and services.bin_of(99, 100) == 9
    labels = services.bin_labels(100)
    assert labels[0] == ("0%–10%", "0–9分") and labels[9] == ("90%–100%", "90–100分")
    # five points: a bin of half a point may hold no whole score
    assert services.bin_labels(5)[:3] == [("0%–10%", "0分"), ("10%–20%", "—"), ("20%–30%", "1分")]
    assert services.bin_of(1, 5) == 2


def test_an_exam_nobody_sat(client, auth, world, frozen):
    exam = make_exam(world.city, questions=1)
    auth.login("legal_city")
    response = client.get(f"/exams/{exam.id}/results")
    assert "还没有考生交卷" in text(response) and "js-chart" not in response.get_data(as_text=True)


def test_scope(client, auth, world, exam):
    auth.login("legal_district")  # the city's exam: outside the district's scope
    assert client.get(f"/exams/{exam[0].id}/results").status_code == 404
    assert client.get("/exams/999999/results").status_code == 404
    own = make_exam(world.district, questions=1)
    assert client.get(f"/exams/{own.id}/results").status_code == 200
    auth.logout()
    auth.login("hr")
    assert client.get(f"/exams/{own.id}/results").status_code == 403


def test_more_candidates_than_a_page_are_paged_with_links_that_keep_the_exam(client, auth, world, frozen):
    """Regression: the pager of a page whose URL has an id (``/exams/<id>/results``) keeps that id."""
    from portal.forms import page_size
    from tests.exams.results.helpers import bulk_attempts

    questions = make_questions(world.city, 2)
    exam = make_exam(world.city, questions=2)
    officers = bulk_officers(world.dept, page_size() + 1)
    bulk_attempts(exam, officers, questions, lambda i: [1, i % 2])
    auth.login("legal_city")
    first = client.get(f"/exams/{exam.id}/results")
    assert first.status_code == 200
    assert f'href="/exams/{exam.id}/results?page=2"' in first.get_data(as_text=True)
    second = client.get(f"/exams/{exam.id}/results?page=2")
    assert second.status_code == 200
