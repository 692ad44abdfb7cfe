"""The score grid: a whole agency × quarter saved all or nothing; each score 0–100 with at most one decimal;
blank cells allowed; only on-duty officers of the agency; one audit entry per save."""
import datetime as dt

import pytest

from portal import clock
from portal.assessment import results, scores
from portal.errors import DomainError
from portal.extensions import db
from portal.officers import services as officer_services
from tests.assessment.helpers import (
    FULL,
    SIMPLE,
    audit_entries,
    grid_form,
    grid_rows,
    grid_url,
    make_template,
    stored,
)
from tests.factories import SYSTEM, make_officer
from tests.officers import page


@pytest.mark.parametrize(("typed", "tenths"), [
    ("100", 1000), ("0", 0), ("99.9", 999), ("85.50", 855), ("100.0", 1000), (" 7 ", 70), ("９０.５", 905),
    ("90。5", 905), ("", None), ("   ", None), (None, None), (".5", 5), ("-0", 0),
])
def test_scores_accepted(typed, tenths):
    assert scores.parse_score(typed) == tenths


@pytest.mark.parametrize(("typed", "reason"), [
    ("101", "分数须在 0 至 100 之间"), ("-0.1", "分数须在 0 至 100 之间"), ("-1", "分数须在 0 至 100 之间"),
    ("100.05", "分数须在 0 至 100 之间"), ("100.1", "分数须在 0 至 100 之间"),
    ("85.55", "分数最多保留一位小数"), ("0.05", "分数最多保留一位小数"),
    ("abc", "须填写 0 至 100 之间的数字"), ("1e2", "须填写 0 至 100 之间的数字"), ("85,5", "须填写 0 至 100 之间的数字"),
    ("NaN", "须填写 0 至 100 之间的数字"), ("9" * 20, "须填写 0 至 100 之间的数字"), ("八十", "须填写 0 至 100 之间的数字"),
])
def test_scores_refused(typed, reason):
    with pytest.raises(scores.ScoreError) as caught:
        scores.parse_score(typed)
    assert caught.value.reason == reason


@pytest.fixture
def graded(world, frozen):
    """A template of one indicator per group and a second officer in HR's agency."""
    template = make_template(SIMPLE)
    second = make_officer(world.dept, name="李晓梅")
    return template, second


@pytest.mark.parametrize(("bad", "reason"), [
    ("101", "分数须在 0 至 100 之间"), ("-0.1", "分数须在 0 至 100 之间"), ("100.05", "分数须在 0 至 100 之间"),
    ("85.55", "分数最多保留一位小数"), ("优秀", "须填写 0 至 100 之间的数字"),
])
def test_a_bad_score_refuses_the_whole_grid_naming_officer_and_indicator(client, auth, world, graded, bad, reason):
    template, second = graded
    auth.login("hr")
    typed = {world.officer: ["100", "0", "99.9"], second: ["88", bad, "90"]}
    response = client.post(grid_url(world.dept), data=grid_form(template, typed))
    assert response.status_code == 422
    assert stored() == {}  # not even the good cells
    assert audit_entries("assessment.scores_save") == []
    alert = page.alerts(response)[-1]
    assert "有 1 处填写有误，本表未保存" in alert
    assert f"李晓梅 · 专项工作：{reason}（填写的是“{bad}”）" in alert
    rows = grid_rows(response)
    cell = f"s-{second.id}-{template.indicators[1].id}"
    # every typed value is kept; only the bad cell is marked, with its reason
    assert rows[world.officer.id]["values"] == {
        f"s-{world.officer.id}-{i.id}": v for i, v in zip(template.indicators, ["100", "0", "99.9"], strict=True)}
    assert rows[second.id]["values"][cell] == bad
    assert rows[second.id]["errors"] == {cell: reason}
    assert rows[world.officer.id]["errors"] == {}
    doc = page.parse(response.get_data(as_text=True))
    assert doc.find("input", id=cell).attrs.get("aria-invalid") == "true"
    assert "autofocus" in doc.find("input", id=cell).attrs


def test_100_0_and_99_9_are_stored_and_the_totals_and_grades_shown_after_saving(client, auth, world, graded):
    template, second = graded
    auth.login("hr")
    typed = {world.officer: ["100", "0", "99.9"], second: ["100", "100", "100"]}
    response = client.post(grid_url(world.dept), data=grid_form(template, typed))
    assert response.status_code == 302
    assert response.headers["Location"] == grid_url(world.dept)
    ids = [i.id for i in template.indicators]
    scores = stored()
    assert [scores[(world.officer.id, 2026, 3, i)] for i in ids] == [1000, 0, 999]
    shown = client.get(response.headers["Location"])
    assert "新增 6 项，修改 0 项，清除 0 项" in page.text(shown)
    rows = grid_rows(shown)
    assert (rows[world.officer.id]["total"], rows[world.officer.id]["grade"]) == ("50.0", "较差")  # 30 + 0 + 19.98
    assert (rows[second.id]["total"], rows[second.id]["grade"]) == ("100.0", "好")
    assert rows[world.officer.id]["values"][f"s-{world.officer.id}-{ids[2]}"] == "99.9"


def test_several_errors_are_all_listed_and_the_other_rows_kept(client, auth, world, frozen):
    template = make_template(FULL)
    second = make_officer(world.dept, name="李晓梅")
    auth.login("hr")
    typed = {world.officer: ["90", "101", "85", "90", "88", "92", "95", "-1"],
             second: ["70", "", "", "", "", "", "", "85.55"]}
    response = client.post(grid_url(world.dept), data=grid_form(template, typed))
    assert response.status_code == 422
    text = page.text(response)
    for message in ("王建国 · 依法履职：分数须在 0 至 100 之间（填写的是“101”）",
                    "王建国 · 投诉处理：分数须在 0 至 100 之间（填写的是“-1”）",
                    "李晓梅 · 投诉处理：分数最多保留一位小数（填写的是“85.55”）"):
        assert message in text
    rows = grid_rows(response)
    assert len(rows[world.officer.id]["errors"]) == 2 and len(rows[second.id]["errors"]) == 1
    assert list(rows[second.id]["values"].values()) == typed[second]
    assert stored() == {}


def test_blank_cells_are_allowed_and_an_incomplete_officer_has_no_total(client, auth, world, graded):
    template, second = graded
    auth.login("hr")
    typed = {world.officer: ["90", "", "90"], second: ["", "", ""]}
    assert client.post(grid_url(world.dept), data=grid_form(template, typed)).status_code == 302
    assert len(stored()) == 2
    rows = grid_rows(client.get(grid_url(world.dept)))
    assert rows[world.officer.id]["total"] == "未填完（2/3）" and rows[world.officer.id]["grade"] == ""
    assert rows[second.id]["total"] == "—"
    result = results.quarter_results([world.officer.id, second.id])
    assert result[world.officer.id][(2026, 3)].complete is False
    assert result[world.officer.id][(2026, 3)].total is None and result[world.officer.id][(2026, 3)].grade is None
    assert second.id not in result


def test_a_saved_grid_replaces_the_stored_one_and_each_save_is_audited_once(client, auth, world, graded):
    template, second = graded
    auth.login("hr")
    url = grid_url(world.dept)
    client.post(url, data=grid_form(template, {world.officer: ["90", "80", "70"], second: ["60", "", ""]}))
    response = client.post(url, data=grid_form(template, {world.officer: ["90", "85", ""], second: ["60", "50", ""]}))
    assert response.status_code == 302
    ids = [i.id for i in template.indicators]
    assert stored() == {(world.officer.id, 2026, 3, ids[0]): 900, (world.officer.id, 2026, 3, ids[1]): 850,
                        (second.id, 2026, 3, ids[0]): 600, (second.id, 2026, 3, ids[1]): 500}
    first, again = audit_entries("assessment.scores_save")
    assert first.change == {"year": 2026, "quarter": 3, "template_id": template.id, "officers": 2, "added": 4,
                            "changed": 0, "removed": 0}
    assert again.change == {"year": 2026, "quarter": 3, "template_id": template.id, "officers": 2, "added": 1,
                                 "changed": 1, "removed": 1}
    assert again.agency_id == world.dept.id and again.actor_id == world.hr.id
    # saving the same grid again changes nothing and writes nothing
    shown = client.post(url, data=grid_form(template, {world.officer: ["90", "85", ""], second: ["60", "50", ""]}))
    assert "没有修改任何分数" in page.text(client.get(shown.headers["Location"]))
    assert len(audit_entries("assessment.scores_save")) == 2


def test_only_on_duty_officers_of_the_agency_can_be_scored(client, auth, world, graded):
    template, second = graded
    officer_services.update_officer(SYSTEM, second, officer_services.OfficerData(
        name=second.name, gender=second.gender, birth_date=second.birth_date, id_number=second.id_number,
        agency_id=second.agency_id, post=second.post, categories=second.categories, region=second.region,
        mobile=second.mobile, email=second.email, hired_on=second.hired_on, status="left_post",
        staff_kind=second.staff_kind),
        clock.now(), expected_version=second.version)
    db.session.commit()
    auth.login("hr")
    page_rows = grid_rows(client.get(grid_url(world.dept)))
    assert set(page_rows) == {world.officer.id}  # the grid lists on-duty officers only
    # a sibling agency's officer, and an officer who left their post, posted into the grid
    typed = {world.officer: ["90", "90", "90"], second: ["90", "90", "90"], world.officer2: ["90", "90", "90"]}
    response = client.post(grid_url(world.dept), data=grid_form(template, typed))
    assert response.status_code == 422
    text = page.text(response)
    assert "李晓梅的状态为“调离执法岗位”，只能为在岗执法人员录入分数" in text
    assert f"编号 {world.officer2.id} 的人员不是环翠区综合行政执法局的执法人员，不能录入其分数" in text
    assert "赵敏华" not in text  # an officer outside the agency is not named
    assert stored() == {}


def test_a_quarter_still_to_come_cannot_be_scored(client, auth, world, graded):
    template, _ = graded
    auth.login("hr")
    future = client.get(grid_url(world.dept, 2027, 1))
    assert future.status_code == 404  # beyond this year: no such page
    new_years_eve = dt.datetime(2026, 12, 31, 23, 59)
    assert client.get(grid_url(world.dept, 2026, 4)).status_code == 200
    with pytest.raises(DomainError) as caught:
        scores.save_grid(SYSTEM, world.dept, 2027, 1, template.id, {world.officer.id: {}}, new_years_eve)
    assert caught.value.message == "2027年第一季度尚未开始，不能录入考核分数。"
    assert stored() == {}


def test_the_grid_page_is_keyboard_and_screen_reader_friendly(client, auth, world, frozen):
    template = make_template(FULL)
    second = make_officer(world.dept, name="李晓梅")
    auth.login("hr")
    response = client.get(grid_url(world.dept))
    assert response.status_code == 200
    doc = page.parse(response.get_data(as_text=True))
    inputs = [n for n in doc.find_all("input") if n.attrs.get("name", "").startswith("s-")]
    order = [int(th.attrs["id"].split("-")[1]) for th in doc.find("tbody").find_all("th")]
    assert sorted(order) == sorted([world.officer.id, second.id])
    # inputs in row order (the tab order): officer by officer, indicators in the template's order
    assert [n.attrs["name"] for n in inputs] == [
        f"s-{officer_id}-{i.id}" for officer_id in order for i in template.indicators]
    for node in inputs:
        assert node.attrs["inputmode"] == "decimal"
        assert "tabindex" not in node.attrs
        label = doc.find("label", **{"for": node.attrs["id"]})
        assert label is not None
    label = doc.find("label", **{"for": f"s-{second.id}-{template.indicators[3].id}"}).text()
    assert label == "李晓梅：专项指标 · 执法规范（权重 20）"
    head = page.text(response)
    assert "通用指标权重 30" in head and "专项指标权重 50" in head and "外部评价权重 20" in head
    assert doc.find("th", id=f"ind-{template.indicators[4].id}").text() == "案卷质量15"
