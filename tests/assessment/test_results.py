"""quarter_results: totals, grades and completeness for any set of officers and quarters, with one grouped
query — the two-year review calls it."""
import sqlalchemy as sa

from portal.assessment import results as assessment_results
from portal.officers.models import Officer
from tests.assessment.helpers import FULL, SIMPLE, cn_name, make_template, store
from tests.factories import make_officer
from tests.sql import statements

EIGHT_QUARTERS = [(2025, q) for q in range(1, 5)] + [(2026, q) for q in range(1, 5)]


def _officers_with_eight_quarters(agency, template, n: int, start: int = 0) -> list:
    officers = [make_officer(agency, name=cn_name(start + i, "统计")) for i in range(n)]
    for i, officer in enumerate(officers):
        for k, (year, quarter) in enumerate(EIGHT_QUARTERS):
            base = 550 + (i * 37 + k * 53) % 450
            store(officer, template, year, quarter, [base, min(base + 10, 1000), None if (i + k) % 7 == 0 else base])
    return officers


def test_same_number_of_statements_for_5_and_50_officers(app, world, frozen):
    template = make_template(SIMPLE)
    few = _officers_with_eight_quarters(world.dept, template, 5)
    many = few + _officers_with_eight_quarters(world.dept2, template, 45, start=5)

    few_ids, many_ids = [o.id for o in few], [o.id for o in many]
    with statements(app) as for_few:
        small = assessment_results.quarter_results(few_ids, EIGHT_QUARTERS)
    with statements(app) as for_many:
        large = assessment_results.quarter_results(many_ids, EIGHT_QUARTERS)
    assert len(for_few) == len(for_many) == 1
    assert len(small) == 5 and len(large) == 50
    assert sum(len(by_quarter) for by_quarter in large.values()) == 400

    # a SELECT of officer ids works the same, still one statement
    district = sa.select(Officer.id).where(Officer.agency_id.in_([world.dept.id, world.dept2.id]))
    with statements(app) as for_select:
        selected = assessment_results.quarter_results(district, EIGHT_QUARTERS)
    assert len(for_select) == 1
    assert selected == large


def test_the_agency_summary_is_one_statement_too(app, world, frozen):
    template = make_template(SIMPLE)
    _officers_with_eight_quarters(world.dept, template, 3)
    agencies = [world.dept.id, world.dept2.id]
    with statements(app) as few:
        assessment_results.agency_summary(agencies, 2026)
    _officers_with_eight_quarters(world.dept2, template, 30, start=3)
    with statements(app) as many:
        summary = assessment_results.agency_summary(agencies, 2026)
    assert len(few) == len(many) == 1
    assert sum(cell.assessed for cell in summary[world.dept2.id].values()) == 120


def test_results_per_quarter_complete_or_not(world, frozen):
    simple = make_template(SIMPLE, name="简版")
    full = make_template(FULL, name="完整版")
    officer, other = world.officer, world.officer2
    store(officer, simple, 2025, 4, [900, 899, 900])                        # 89.95 → 90.0 好
    store(officer, full, 2026, 1, [900] * 7 + [None])                       # one indicator left blank
    store(officer, full, 2026, 2, [700, 700, 700, 800, 800, 800, 600, 600])  # 21 + 40 + 12 = 73.0 一般
    store(other, full, 2026, 2, [590] * 8)                                  # 59.0 较差
    results = assessment_results.quarter_results([officer.id, other.id, world.other_officer.id])
    assert set(results) == {officer.id, other.id}  # no scores at all: absent
    q4 = results[officer.id][(2025, 4)]
    assert (str(q4.total), q4.grade, q4.grade_label, q4.complete, q4.template_id) == ("90.0", "good", "好", True,
                                                                                      simple.id)
    q1 = results[officer.id][(2026, 1)]
    assert (q1.total, q1.grade, q1.complete, q1.scored, q1.expected) == (None, None, False, 7, 8)
    q2 = results[officer.id][(2026, 2)]
    assert (str(q2.total), q2.grade_label, q2.label) == ("73.0", "一般", "2026年第二季度")
    assert str(results[other.id][(2026, 2)].total) == "59.0"
    assert results[other.id][(2026, 2)].grade_label == "较差"

    only = assessment_results.quarter_results([officer.id], [(2026, 2), (2024, 1)])
    assert list(only[officer.id]) == [(2026, 2)]
    assert assessment_results.quarter_results([officer.id], []) == {}
    assert assessment_results.quarter_results([], None) == {}


def test_history_lists_quarters_newest_first_with_their_scores(world, frozen):
    template = make_template(FULL)
    store(world.officer, template, 2025, 3, [800] * 8)
    store(world.officer, template, 2026, 1, [900, 950, 1000, 900, 850, 800, 700, 600])
    history = assessment_results.officer_history(world.officer.id)
    assert [entry.result.label for entry in history] == ["2026年第一季度", "2025年第三季度"]
    assert str(history[0].result.total) == "84.3"  # 9 + 9.5 + 10 + 18 + 12.75 + 12 + 7 + 6 = 84.25, half-up
    assert [(i.name, t) for i, t in history[0].scores][:4] == [("政治素质", 900), ("依法履职", 950), ("廉洁自律", 1000),
                                                               ("执法规范", 900)]
    assert history[0].groups[2][2][1][1] == "60"  # 投诉处理, shown without a trailing .0
