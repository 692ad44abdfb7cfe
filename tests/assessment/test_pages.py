"""The officer's history (staff in scope, the officer themself), the agency summary, and scope everywhere:
an agency or officer outside the account's scope answers 404 and nothing is stored."""
import json

import pytest

from portal.assessment import services
from tests.assessment.helpers import SIMPLE, grid_form, grid_url, make_template, store, stored
from tests.conftest import PASSWORD
from tests.factories import make_officer
from tests.officers import page


@pytest.fixture
def scored(world, frozen):
    """Three quarters for world.officer (好, 较好, incomplete) and one for officer2 (较差) and other_officer (一般)."""
    template = make_template(SIMPLE)
    store(world.officer, template, 2026, 1, [950, 900, 880])   # 28.5 + 45 + 17.6 = 91.1 好
    store(world.officer, template, 2026, 2, [900, 899, 880])   # 27 + 44.95 + 17.6 = 89.55 → 89.6 较好
    store(world.officer, template, 2026, 3, [900, None, 900])  # incomplete
    store(world.officer2, template, 2026, 2, [500, 500, 500])  # 50.0 较差
    store(world.other_officer, template, 2026, 2, [700, 700, 700])  # 70.0 一般
    return template


def _history_rows(response):
    return [row[:3] for row in page.table_rows(response)]


def test_hr_and_legal_in_scope_see_an_officers_history(client, auth, world, scored):
    for login in ("hr", "legal_district", "legal_city"):
        auth.login(login)
        response = client.get(f"/officers/{world.officer.id}/assessment")
        assert response.status_code == 200, login
        doc = page.parse(response.get_data(as_text=True))
        rows = [[" ".join(c.text().split()) for c in tr.find_all() if c.tag in ("th", "td")][:3]
                for tr in doc.find("tbody").find_all("tr")]
        assert rows == [["2026年第三季度", "未评完（2/3 项）", "—"], ["2026年第二季度", "89.6", "较好"],
                        ["2026年第一季度", "91.1", "好"]], login
        assert f"/officers/{world.officer.id}" in page.links(response)
        chart = json.loads(doc.find("canvas").attrs["data-chart"])
        assert chart["data"]["labels"] == ["2026年第一季度", "2026年第二季度"]
        assert chart["data"]["datasets"][0]["data"] == [91.1, 89.6]
        auth.logout()


@pytest.mark.parametrize(("login", "target"), [
    ("hr_other", "officer"), ("hr", "officer2"), ("hr", "other_officer"), ("legal_district", "other_officer"),
])
def test_a_history_outside_the_scope_is_404(client, auth, world, scored, login, target):
    auth.login(login)
    response = client.get(f"/officers/{getattr(world, target).id}/assessment")
    assert response.status_code == 404
    assert getattr(world, target).name not in page.text(response)


def test_the_officer_sees_their_own_history_only(client, auth, world, scored):
    auth.login(world.officer.id_number, PASSWORD)
    response = client.get("/me/assessment")
    assert response.status_code == 200
    text = page.text(response)
    assert "我的平时考核" in text and "91.1" in text and "89.6" in text
    assert "50.0" not in text  # officer2's quarter
    assert client.get(f"/officers/{world.officer.id}/assessment").status_code == 403
    assert "/me/assessment" in page.links(client.get("/home"))  # 我的考核 in the navigation


def test_an_officer_without_scores_sees_an_empty_history(client, auth, world, frozen):
    auth.login(world.officer.id_number, PASSWORD)
    assert "尚无平时考核记录" in page.text(client.get("/me/assessment"))


def _summary(response) -> dict[int, dict[str, list[int]]]:
    """``{quarter: {agency name: [好, 较好, 一般, 较差, 未评完, 已考核, 在岗]}}`` as the summary's tables show."""
    doc = page.parse(response.get_data(as_text=True))
    out = {}
    for table in doc.find_all("table"):
        if "summary-table" not in table.classes:
            continue
        rows = {}
        for tr in table.find("tbody").find_all("tr"):
            rows[" ".join(tr.find("th").text().split())] = [int(td.text()) for td in tr.find_all("td")]
        out[int(table.attrs["data-quarter"])] = rows
    return out


def test_the_summary_counts_grades_per_agency_and_quarter_within_the_scope(client, auth, world, scored):
    make_officer(world.dept, name="李晓梅")  # on duty, not assessed
    auth.login("legal_city")
    response = client.get("/assessment/summary?year=2026")
    assert response.status_code == 200
    assert _summary(response) == {
        1: {"环翠区综合行政执法局": [1, 0, 0, 0, 0, 1, 2]},
        2: {"环翠区综合行政执法局": [0, 1, 0, 0, 0, 1, 2], "环翠区市场监督管理局": [0, 0, 0, 1, 0, 1, 1],
            "文登区综合行政执法局": [0, 0, 1, 0, 0, 1, 1]},
        3: {"环翠区综合行政执法局": [0, 0, 0, 0, 1, 1, 2]},
    }
    chart = json.loads(page.parse(response.get_data(as_text=True)).find("canvas").attrs["data-chart"])
    assert {d["label"]: d["data"] for d in chart["data"]["datasets"]} == {
        "好": [1, 0, 0, 0], "较好": [0, 1, 0, 0], "一般": [0, 1, 0, 0], "较差": [0, 1, 0, 0]}
    auth.logout()

    auth.login("legal_district")  # 环翠区 only
    assert set(_summary(client.get("/assessment/summary?year=2026"))[2]) == {"环翠区综合行政执法局",
                                                                             "环翠区市场监督管理局"}
    only_dept2 = _summary(client.get(f"/assessment/summary?year=2026&agency={world.dept2.id}"))
    assert only_dept2 == {2: {"环翠区市场监督管理局": [0, 0, 0, 1, 0, 1, 1]}}
    assert client.get(f"/assessment/summary?agency={world.other_dept.id}").status_code == 404
    auth.logout()

    auth.login("hr")  # 环翠执法局 only
    assert set(_summary(client.get("/assessment/summary?year=2026"))[2]) == {"环翠区综合行政执法局"}
    auth.logout()
    auth.login("hr_other")
    mine = _summary(client.get("/assessment/summary?year=2026"))
    assert mine == {2: {"文登区综合行政执法局": [0, 0, 1, 0, 0, 1, 1]}}
    assert _summary(client.get("/assessment/summary?year=2025")) == {}


def test_the_summary_follows_the_thresholds(client, auth, world, scored):
    from portal import clock, policy
    from portal.extensions import db
    from tests.factories import SYSTEM

    policy.update(SYSTEM, {"assessment.grade.average": 50}, clock.now())
    db.session.commit()
    auth.login("legal_city")
    assert _summary(client.get("/assessment/summary?year=2026"))[2]["环翠区市场监督管理局"][:4] == [0, 0, 1, 0]


def test_hr_of_another_agency_gets_404_for_the_grid_and_stores_nothing(client, auth, world, frozen):
    template = make_template(SIMPLE)
    auth.login("hr_other")
    assert client.get(grid_url(world.dept)).status_code == 404
    response = client.post(grid_url(world.dept), data=grid_form(template, {world.officer: ["90", "90", "90"]}))
    assert response.status_code == 404
    assert stored() == {}
    # in their own agency's grid they cannot slip in an officer of another agency
    response = client.post(grid_url(world.other_dept), data=grid_form(
        template, {world.other_officer: ["80", "80", "80"], world.officer: ["90", "90", "90"]}))
    assert response.status_code == 422
    assert "王建国" not in page.text(response)
    assert stored() == {}
    # HR of the agency sees only its own agency to choose from; a sibling agency is outside the scope
    auth.logout()
    auth.login("hr")
    options = page.parse(client.get("/assessment/grid").get_data(as_text=True)).find("select", id="agency")
    assert [o.attrs["value"] for o in options.find_all("option")] == [str(world.dept.id)]
    assert client.get(grid_url(world.dept2)).status_code == 404


@pytest.mark.parametrize("query", ["agency=abc", "agency=99999999999", "year=2015", "year=2027", "quarter=5",
                                   "quarter=0", "year=２０２６", "year=" + "9" * 5000, "agency=" + "1" * 5000])
def test_bad_grid_parameters_are_404(client, auth, world, frozen, query):
    auth.login("hr")
    assert client.get(f"/assessment/grid?{query}").status_code == 404


@pytest.mark.parametrize("data", [
    {"officer": ["1"]},                                     # no template
    {"template": "x", "officer": ["1"]},
    {"template": "1", "officer": ["9" * 5000]},
    {"template": "1", "officer": ["-1"]},
    {"template": "9" * 5000},
])
def test_a_malformed_grid_post_is_400_and_stores_nothing(client, auth, world, frozen, data):
    make_template(SIMPLE)
    auth.login("hr")
    assert client.post(grid_url(world.dept), data=data).status_code == 400
    assert stored() == {}


@pytest.mark.parametrize("source", ["abc", "0", "99999", "9" * 5000])
def test_copying_a_template_that_does_not_exist_is_404(client, auth, world, frozen, source):
    auth.login("legal_city")
    assert client.get(f"/assessment/templates/new?from={source}").status_code == 404


def test_the_grid_defaults_to_the_first_agency_and_the_current_quarter(client, auth, world, frozen):
    make_template(SIMPLE)
    auth.login("hr")
    response = client.get("/assessment/grid")
    assert response.status_code == 200
    assert "环翠区综合行政执法局 · 2026年第四季度" in page.text(response)
    assert page.selected_value(response, "quarter") == "4"
    assert "/assessment/grid" in page.links(client.get("/home"))  # 平时考核 in the navigation


def test_legal_navigation_and_template_pages(client, auth, world, frozen):
    auth.login("legal_city")
    assert "/assessment/summary" in page.links(client.get("/home"))
    assert "/assessment/templates" in page.links(client.get("/assessment/summary"))  # the templates sit under 考核
    assert services.newest_active(world.dept) is None
    assert "尚无指标模板" in page.text(client.get("/assessment/templates"))
