"""Item analysis (SPEC §2.6): the three figures against a small example computed by hand, the "—" and flag rules at
their edges, first final attempts only, and the page's access and timing."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from exams.results import analysis
from tests.exams.results.helpers import (
    CLOSES,
    analysis_table,
    make_exam,
    make_questions,
    sit,
    xlsx_rows,
)
from tests.officers.page import text
from tests.training.helpers import bulk_officers

# The hand example: five candidates, three questions (Q1, Q2 one point each, Q3 two points).
#
#            Q1  Q2  Q3   total
#   A         1   1   2     4
#   B         1   0   2     3
#   C         0   1   0     1
#   D         1   1   0     2
#   E         0   0   0     0
#
# Q2 by hand. item x = [1, 0, 1, 1, 0]; rest y = total − x = [3, 3, 0, 1, 0].
#   mean x = 3/5 = 0.6; mean y = 7/5 = 1.4
#   x − x̄ = [0.4, −0.6, 0.4, 0.4, −0.6];  y − ȳ = [1.6, 1.6, −1.4, −0.4, −1.4]
#   var x = (3·0.16 + 2·0.36) / 4 = 1.2 / 4 = 0.3
#   var y = (2.56 + 2.56 + 1.96 + 0.16 + 1.96) / 4 = 9.2 / 4 = 2.3
#   cov   = (0.64 − 0.96 − 0.56 − 0.16 + 0.84) / 4 = −0.2 / 4 = −0.05
#   sorted x = [0, 0, 1, 1, 1]; sorted y = [0, 0, 1, 3, 3]
#   cov_max = ((−0.6)(−1.4) + (−0.6)(−1.4) + (0.4)(−0.4) + (0.4)(1.6) + (0.4)(1.6)) / 4 = 2.8 / 4 = 0.7
#   facility = 0.6 / 1 = 60.00 %
#   discrimination = 100 × −0.05 / √(0.3 × 2.3) = −5 / √0.69 = −5 / 0.830662… = −6.019… → −6.02
#   efficiency = 100 × −0.05 / 0.7 = −7.142… → −7.14; negative discrimination → dubious
#
# Q3 by hand. x = [2, 2, 0, 0, 0] (of 2 points); y = [2, 1, 1, 2, 0]
#   mean x = 0.8, mean y = 1.2; var x = 4.8 / 4 = 1.2; var y = 2.8 / 4 = 0.7; cov = 1.2 / 4 = 0.3
#   sorted y = [0, 1, 1, 2, 2]: cov_max = 3.2 / 4 = 0.8
#   facility = 0.8 / 2 = 40.00 %; discrimination = 30 / √0.84 = 32.7326… → 32.73; efficiency = 30 / 0.8 = 37.50
#
# Q1: x = [1, 1, 0, 1, 0], y = [3, 2, 1, 1, 0]: var x 0.3, var y 1.3, cov 0.45, cov_max 0.45
#   facility 60.00; discrimination = 45 / √0.39 = 72.0576… → 72.06; efficiency 100.00
MARKS = [[1, 1, 2], [1, 0, 2], [0, 1, 0], [1, 1, 0], [0, 0, 0]]
POINTS = [1, 1, 2]
EXPECTED = {
    0: {"n": "5", "facility": "60.00%", "discrimination": "72.06%", "efficiency": "100.00%", "flag": ""},
    1: {"n": "5", "facility": "60.00%", "discrimination": "-6.02%", "efficiency": "-7.14%", "flag": "存疑"},
    2: {"n": "5", "facility": "40.00%", "discrimination": "32.73%", "efficiency": "37.50%", "flag": ""},
}
#: an item whose efficiency is exactly 15 % (item marks, rest scores), and one just below (14.975… %)
AT_15 = ([1, 0, 1, 0, 0, 0, 1, 1, 1, 0, 1, 0], [3, 6, 7, 1, 1, 9, 9, 1, 9, 7, 1, 0])
BELOW_15 = ([1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0], [8, 3, 1, 10, 4, 0, 4, 10, 10, 1, 0])


def test_the_figures_of_the_hand_example_exactly():
    columns = list(zip(*MARKS, strict=True))
    totals = [sum(row) for row in MARKS]
    q2 = analysis.item_stats(columns[1], [1] * 5, totals)
    assert analysis.mean(columns[1]) == Fraction(3, 5)
    rest = [t - m for t, m in zip(totals, columns[1], strict=True)]
    assert (analysis.variance(columns[1]), analysis.variance(rest)) == (Fraction(3, 10), Fraction(23, 10))
    assert analysis.covariance(columns[1], rest) == Fraction(-1, 20)
    assert analysis.covariance(sorted(columns[1]), sorted(rest)) == Fraction(7, 10)
    assert q2.facility == 60 and q2.efficiency == Fraction(-50, 7)
    assert q2.discrimination == pytest.approx(-5 / 0.69 ** 0.5)
    assert q2.dubious
    q3 = analysis.item_stats(columns[2], [2] * 5, totals)
    assert (q3.facility, q3.efficiency, q3.dubious) == (40, Fraction(75, 2), False)
    assert analysis.figure(q3.discrimination) == "32.73"


def test_figure_rounds_half_up_and_shows_a_dash_for_none():
    assert analysis.figure(Fraction(1, 200)) == "0.01"
    assert analysis.figure(Fraction(-50, 7)) == "-7.14"
    assert analysis.figure(None) == "—"


@pytest.fixture
def example(world, frozen):
    """The hand example as an exam of the city, closed, with the five candidates' first attempts."""
    questions = make_questions(world.city, 3)
    exam = make_exam(world.city, questions=4)
    officers = bulk_officers(world.dept, 5)
    for officer_id, marks in zip(officers, MARKS, strict=True):
        sit(exam, officer_id, marks, questions, points=POINTS)
    return exam, questions, officers


def test_the_page_shows_the_hand_computed_figures(client, auth, example):
    exam, questions, _ = example
    auth.login("legal_city")
    table = analysis_table(client.get(f"/exams/{exam.id}/analysis"))
    assert table == {questions[i].id: expected for i, expected in EXPECTED.items()}


def test_each_question_links_to_its_bank_entry(client, auth, example):
    exam, questions, _ = example
    auth.login("legal_city")
    html = client.get(f"/exams/{exam.id}/analysis").get_data(as_text=True)
    for question in questions:
        assert f'href="/exams/questions/{question.id}"' in html
    assert "行政处罚法" in html


def test_an_item_everyone_answered_alike_shows_dashes_and_no_flag(client, auth, world, frozen):
    same, varied = make_questions(world.city, 2)
    exam = make_exam(world.city, questions=2)
    for officer_id, mark in zip(bulk_officers(world.dept, 4), [1, 0, 1, 0], strict=True):
        sit(exam, officer_id, [1, mark], [same, varied])
    auth.login("legal_city")
    table = analysis_table(client.get(f"/exams/{exam.id}/analysis"))
    # the item's variance is zero …
    assert table[same.id] == {"n": "4", "facility": "100.00%", "discrimination": "—", "efficiency": "—", "flag": ""}
    # … and so is the rest's for the other one (its rest is the constant mark of the first)
    assert table[varied.id] == {"n": "4", "facility": "50.00%", "discrimination": "—", "efficiency": "—", "flag": ""}


def test_one_attempt_gives_no_figures(client, auth, world, frozen):
    questions = make_questions(world.city, 2)
    exam = make_exam(world.city, questions=2)
    sit(exam, world.officer, [1, 0], questions)
    auth.login("legal_city")
    table = analysis_table(client.get(f"/exams/{exam.id}/analysis"))
    assert table[questions[0].id]["discrimination"] == "—" and table[questions[0].id]["flag"] == ""


@pytest.mark.parametrize(("column", "shown", "flag"), [(AT_15, "15.00%", ""), (BELOW_15, "14.98%", "存疑")])
def test_efficiency_of_15_is_not_flagged_and_just_below_is(client, auth, world, frozen, column, shown, flag):
    marks, rest = column
    item, filler = make_questions(world.city, 2)
    exam = make_exam(world.city, questions=2)
    for officer_id, mark, other in zip(bulk_officers(world.dept, len(marks)), marks, rest, strict=True):
        sit(exam, officer_id, [mark, other], [item, filler], points=[1, 10])
    auth.login("legal_city")
    row = analysis_table(client.get(f"/exams/{exam.id}/analysis"))[item.id]
    assert (row["efficiency"], row["flag"]) == (shown, flag)
    assert not row["discrimination"].startswith("-")  # flagged for its efficiency alone


def test_makeups_and_open_attempts_are_left_out(client, auth, example, world):
    exam, questions, officers = example
    # makeups that would change every figure, and open first attempts (no marks yet) of other officers
    for officer_id in officers[2:]:
        sit(exam, officer_id, [1, 1, 2], questions, points=POINTS, number=2,
            finished_at=exam.opens_at + dt.timedelta(days=2))
    for officer_id in bulk_officers(world.dept, 2, start=50):
        sit(exam, officer_id, [0, 1, 2], questions, points=POINTS, status="open")
    auth.login("legal_city")
    response = client.get(f"/exams/{exam.id}/analysis")
    assert analysis_table(response) == {questions[i].id: expected for i, expected in EXPECTED.items()}
    assert "依据 5 份首次考试答卷" in " ".join(text(response).split())


def test_a_question_drawn_in_some_papers_uses_those_attempts(client, auth, example, world):
    exam, questions, officers = example
    extra = make_questions(world.city, 1)[0]
    # a further question drawn only for three more candidates
    for officer_id, mark in zip(bulk_officers(world.dept, 3, start=20), [1, 0, 1], strict=True):
        sit(exam, officer_id, [1, 0, None, mark], [*questions, extra], points=[1, 1, 2, 1])
    auth.login("legal_city")
    table = analysis_table(client.get(f"/exams/{exam.id}/analysis"))
    assert table[extra.id]["n"] == "3" and table[extra.id]["facility"] == "66.67%"
    assert table[questions[2].id]["n"] == "5" and table[questions[0].id]["n"] == "8"


def test_before_the_window_closes_only_a_note(client, auth, example, frozen):
    exam, _, _ = example
    auth.login("legal_city")
    frozen(CLOSES - dt.timedelta(seconds=1))
    response = client.get(f"/exams/{exam.id}/analysis")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2026年11月20日 17:00" in html and "结束后方可进行试题分析" in html
    assert "item-analysis" not in html and "72.06" not in html
    assert client.post(f"/exams/{exam.id}/analysis/export").status_code == 302
    frozen(CLOSES)
    assert len(analysis_table(client.get(f"/exams/{exam.id}/analysis"))) == 3


def test_a_closed_exam_nobody_sat_says_so(client, auth, world, frozen):
    exam = make_exam(world.city, questions=1)
    auth.login("legal_city")
    assert "没有首次考试的已交卷答卷" in text(client.get(f"/exams/{exam.id}/analysis"))


@pytest.mark.parametrize(("sort", "order"), [
    ("facility", [2, 0, 1]), ("-facility", [0, 1, 2]), ("discrimination", [1, 2, 0]),
    ("-discrimination", [0, 2, 1]), ("efficiency", [1, 2, 0]), ("question", [0, 1, 2]), ("nonsense", [0, 1, 2]),
])
def test_sortable_by_each_figure(client, auth, example, sort, order):
    exam, questions, _ = example
    auth.login("legal_city")
    table = analysis_table(client.get(f"/exams/{exam.id}/analysis?sort={sort}"))
    assert list(table) == [questions[i].id for i in order]


def test_missing_figures_sort_last_both_ways():
    def line(qid, value):
        return analysis.Line(qid, "single", "c", "s", analysis.ItemStats(2, Fraction(50), value, None, False))

    lines = [line(1, None), line(2, 10.0), line(3, -5.0)]
    assert [x.question_id for x in analysis.sort_lines(lines, "discrimination")] == [3, 2, 1]
    assert [x.question_id for x in analysis.sort_lines(lines, "-discrimination")] == [2, 3, 1]


def test_the_analysis_exports_as_xlsx(client, auth, example):
    exam, questions, _ = example
    auth.login("legal_city")
    response = client.post(f"/exams/{exam.id}/analysis/export")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = xlsx_rows(response.data)
    assert rows[0][:5] == ["题号", "题型", "类别", "题干", "作答人数"]
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id[questions[1].id][4:] == [5, "60.00", "-6.02", "-7.14", "存疑"]


def test_scope_of_the_analysis(client, auth, world, frozen, example):
    exam, _, _ = example
    auth.login("legal_district")  # the city's exam is not in the district's scope
    assert client.get(f"/exams/{exam.id}/analysis").status_code == 404
    assert client.post(f"/exams/{exam.id}/analysis/export").status_code == 404
    assert client.get("/exams/999999/analysis").status_code == 404
    own = make_exam(world.district, questions=1)
    assert client.get(f"/exams/{own.id}/analysis").status_code == 200
    auth.logout()
    auth.login("hr")
    assert client.get(f"/exams/{own.id}/analysis").status_code == 403
