"""Totals and grades: Σ score × weight / 100 computed exactly, rounded half-up to one decimal, graded by the
policy thresholds — every boundary on both sides, through the real grid page."""
from decimal import Decimal

import pytest

from portal import clock, policy
from portal.assessment import grading
from portal.assessment import results as assessment_results
from portal.assessment import scores as assessment_scores
from portal.extensions import db
from tests.assessment.helpers import SIMPLE, cn_name, grid_form, grid_rows, grid_url, make_template
from tests.factories import SYSTEM, make_officer

#: (scores typed for 综合表现 30 / 专项工作 50 / 群众评价 20, exact weighted total, shown total, grade)
BOUNDARIES = [
    (("90", "90", "90"), "90", "90.0", "好"),
    (("90", "89.9", "90"), "89.95", "90.0", "好"),        # rounds up into 好
    (("89.8", "90", "90"), "89.94", "89.9", "较好"),      # rounds down: stays 较好
    (("89.9", "89.9", "89.9"), "89.9", "89.9", "较好"),
    (("75", "75", "75"), "75", "75.0", "较好"),
    (("75", "74.9", "75"), "74.95", "75.0", "较好"),      # 74.95 → 75.0
    (("74.8", "75", "75"), "74.94", "74.9", "一般"),
    (("74.9", "74.9", "74.9"), "74.9", "74.9", "一般"),
    (("60", "60", "60"), "60", "60.0", "一般"),
    (("60", "59.9", "60"), "59.95", "60.0", "一般"),      # 59.95 → 60.0
    (("59.8", "60", "60"), "59.94", "59.9", "较差"),
    (("59.9", "59.9", "59.9"), "59.9", "59.9", "较差"),
    (("100", "100", "100"), "100", "100.0", "好"),
    (("0", "0", "0"), "0", "0.0", "较差"),
]


def test_the_exact_totals_are_what_the_cases_say():
    """The cases themselves: 0.3 a + 0.5 b + 0.2 c is the exact total each case names."""
    for scores, exact, _, _ in BOUNDARIES:
        a, b, c = (Decimal(s) for s in scores)
        assert a * Decimal("0.3") + b * Decimal("0.5") + c * Decimal("0.2") == Decimal(exact), scores


@pytest.mark.parametrize(("weighted", "total"), [
    (89_950, "90.0"), (89_949, "89.9"), (89_940, "89.9"), (74_950, "75.0"), (59_950, "60.0"), (59_949, "59.9"),
    (100_000, "100.0"), (0, "0.0"), (50, "0.1"), (49, "0.0"),
])
def test_rounding_is_half_up_on_exact_thousandths(weighted, total):
    assert str(grading.total_from_sum(weighted)) == total


@pytest.mark.parametrize(("total", "grade"), [
    ("90.0", "good"), ("89.9", "fairly_good"), ("75.0", "fairly_good"), ("74.9", "average"),
    ("60.0", "average"), ("59.9", "poor"), ("100.0", "good"), ("0.0", "poor"),
])
def test_grade_thresholds_by_default(total, grade):
    assert grading.grade(Decimal(total)) == grade


def test_every_boundary_through_the_grid_page(client, auth, world, frozen):
    template = make_template(SIMPLE)
    officers = [make_officer(world.dept, name=cn_name(i)) for i in range(len(BOUNDARIES))]
    typed = {officer: list(case[0]) for officer, case in zip(officers, BOUNDARIES, strict=True)}
    auth.login("hr")
    saved = client.post(grid_url(world.dept), data=grid_form(template, typed))
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    rows = grid_rows(client.get(grid_url(world.dept)))
    for officer, (scores, exact, shown, grade) in zip(officers, BOUNDARIES, strict=True):
        row = rows[officer.id]
        assert (row["total"], row["grade"]) == (shown, grade), f"{scores} (exact {exact})"
    # quarter_results (what the two-year review reads) agrees with the page
    results = assessment_results.quarter_results([o.id for o in officers], [(2026, 3)])
    for officer, (_, _, shown, grade) in zip(officers, BOUNDARIES, strict=True):
        result = results[officer.id][(2026, 3)]
        assert (str(result.total), result.grade_label, result.complete) == (shown, grade, True)


def test_thresholds_changed_in_settings_change_the_grades(client, auth, world, frozen):
    template = make_template(SIMPLE)
    a = make_officer(world.dept, name="甲某")
    b = make_officer(world.dept, name="乙某")
    auth.login("hr")
    assert client.post(grid_url(world.dept), data=grid_form(
        template, {a: ["86", "86", "86"], b: ["70", "70", "70"]})).status_code == 302
    before = grid_rows(client.get(grid_url(world.dept)))
    assert (before[a.id]["grade"], before[b.id]["grade"]) == ("较好", "一般")

    # the admin lowers the thresholds on the settings page
    auth.logout()
    auth.login("admin")
    from tests.officers.page import form_values
    settings = {k: v[0] for k, v in form_values(client.get("/admin/settings")).items()}
    settings.update({"assessment.grade.good": "85", "assessment.grade.fairly_good": "70",
                     "assessment.grade.average": "50"})
    assert client.post("/admin/settings", data=settings).status_code == 302
    auth.logout()

    auth.login("hr")
    after = grid_rows(client.get(grid_url(world.dept)))
    assert (after[a.id]["total"], after[a.id]["grade"]) == ("86.0", "好")
    assert (after[b.id]["total"], after[b.id]["grade"]) == ("70.0", "较好")
    history = client.get(f"/officers/{b.id}/assessment").get_data(as_text=True)
    assert "较好" in history and "好 ≥ 85" in history


def test_a_grade_is_read_at_the_current_thresholds_not_stored(world, frozen):
    template = make_template(SIMPLE)
    officer = make_officer(world.dept, name="丙某")
    assessment_scores.save_grid(SYSTEM, world.dept, 2026, 3, template.id, {officer.id: {
        i.id: "59.9" for i in template.indicators}}, clock.now())
    db.session.commit()
    assert assessment_results.quarter_results([officer.id])[officer.id][(2026, 3)].grade == "poor"
    policy.update(SYSTEM, {"assessment.grade.average": 59}, clock.now())
    db.session.commit()
    assert assessment_results.quarter_results([officer.id])[officer.id][(2026, 3)].grade == "average"
