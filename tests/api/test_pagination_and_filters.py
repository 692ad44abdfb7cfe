"""``GET /api/v1/officers``: the list envelope and its pages, the filters, and the 422 error shape of a bad query —
as SPEC §3 says: ``?page=N&per_page=M`` (M ≤ 100) answering ``{"items", "page", "per_page", "total"}``."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from tests.api.helpers import error_of
from tests.factories import make_officer

MASKED = re.compile(r"^\d{4}\*{10}[\dX]{4}$")


@pytest.fixture
def crowd(world):
    """26 officers in hr's agency: the world's one plus 25, some retired, some 市场监管."""
    world.crowd = [world.officer]
    for n in range(25):
        world.crowd.append(make_officer(
            world.dept, name=f"李{'甲乙丙丁戊'[n % 5]}{'一二三四五'[n // 5]}", status="retired" if n % 5 == 0 else "on_duty",
            categories=["城市管理", "市场监管"] if n % 4 == 0 else ["城市管理"]))
    return world


def invalid(response, *fields):
    """The 422 error of a bad query, naming exactly ``fields``."""
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    error = error_of(response)
    assert error["code"] == "invalid"
    assert sorted(item["field"] for item in error["items"]) == sorted(fields)
    assert all(item["message"] for item in error["items"])
    return error


def test_defaults_are_page_1_of_20(api, issue, crowd):
    body = api.json("/officers", issue("hr"))
    assert (body["page"], body["per_page"], body["total"], len(body["items"])) == (1, 20, 26, 20)


def test_pages_are_disjoint_ordered_and_cover_everyone(api, issue, crowd):
    raw = issue("hr")
    first = api.json("/officers", raw)["items"]
    second = api.json("/officers", raw, query={"page": 2})
    assert second["page"] == 2 and second["total"] == 26 and len(second["items"]) == 6
    seen = [i["id"] for i in first + second["items"]]
    assert len(seen) == len(set(seen)) == 26
    assert set(seen) == {o.id for o in crowd.crowd}
    everyone = api.json("/officers", raw, query={"per_page": 100})
    assert [i["id"] for i in everyone["items"]] == seen  # the same order whatever the page size


def test_per_page_100_is_allowed(api, issue, crowd):
    body = api.json("/officers", issue("hr"), query={"per_page": 100})
    assert (body["per_page"], len(body["items"]), body["total"]) == (100, 26, 26)


def test_per_page_101_is_422_naming_per_page(api, issue, crowd):
    error = invalid(api.get("/officers", issue("hr"), query={"per_page": 101}), "per_page")
    assert "100" in error["items"][0]["message"]


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "20x", "１０"])
def test_bad_per_page_is_422(api, issue, crowd, value):
    invalid(api.get("/officers", issue("hr"), query={"per_page": value}), "per_page")


@pytest.mark.parametrize("value", ["0", "-1", "abc", "2.0", "1e3", "100001", str(10 ** 20)])
def test_bad_page_is_422(api, issue, crowd, value):
    """Also a page number too large for the database's OFFSET: refused, never a 500."""
    invalid(api.get("/officers", issue("hr"), query={"page": value}), "page")


def test_empty_page_and_per_page_mean_the_defaults(api, issue, crowd):
    body = api.json("/officers", issue("hr"), query={"page": "", "per_page": ""})
    assert (body["page"], body["per_page"]) == (1, 20)


@pytest.mark.parametrize(("page", "per_page"), [(3, 20), (2, 100), (100_000, 100), (27, 1)])
def test_a_page_past_the_end_is_empty_with_the_right_total(api, issue, crowd, page, per_page):
    body = api.json("/officers", issue("hr"), query={"page": page, "per_page": per_page})
    assert body == {"items": [], "page": page, "per_page": per_page, "total": 26}


def test_last_page_is_partly_filled(api, issue, crowd):
    body = api.json("/officers", issue("hr"), query={"page": 6, "per_page": 5})
    assert len(body["items"]) == 1 and body["total"] == 26


def test_several_bad_parameters_are_reported_together(api, issue, crowd):
    response = api.get("/officers", issue("hr"), query={"page": 0, "per_page": 101, "status": "dead",
                                                        "agency": "x"})
    invalid(response, "page", "per_page", "status", "agency")


def test_status_filter(api, issue, crowd):
    raw = issue("hr")
    retired = api.json("/officers", raw, query={"status": "retired", "per_page": 100})
    assert {i["id"] for i in retired["items"]} == {o.id for o in crowd.crowd if o.status == "retired"}
    assert retired["total"] == 5 and {i["status"] for i in retired["items"]} == {"retired"}
    assert api.json("/officers", raw, query={"status": "on_duty"})["total"] == 21
    assert api.json("/officers", raw, query={"status": "left_post"})["total"] == 0
    invalid(api.get("/officers", raw, query={"status": "在岗"}), "status")


def test_category_filter_and_unknown_category(api, issue, crowd):
    raw = issue("hr")
    body = api.json("/officers", raw, query={"category": "市场监管", "per_page": 100})
    assert {i["id"] for i in body["items"]} == {o.id for o in crowd.crowd if "市场监管" in o.categories}
    assert body["total"] == 7 and all("市场监管" in i["categories"] for i in body["items"])
    assert api.json("/officers", raw, query={"category": "海洋渔业"})["total"] == 0  # a known one nobody has
    error = invalid(api.get("/officers", raw, query={"category": "不存在的类别"}), "category")
    assert error["items"][0]["message"].startswith("“执法类别”须为以下之一：城市管理、市场监管")
    invalid(api.get("/officers", raw, query={"category": "类" * 31}), "category")
    # the document's enum is the categories set on 政策设置, read when it is asked for
    parameters = api.json("/openapi.json", raw)["paths"]["/officers"]["get"]["parameters"]
    schema = next(p["schema"] for p in parameters if p["name"] == "category")
    assert "市场监管" in schema["enum"] and "不存在的类别" not in schema["enum"]


def test_q_by_name_full_id_number_and_mobile(api, issue, crowd):
    raw = issue("hr")

    def found(q):
        return {i["id"] for i in api.json("/officers", raw, query={"q": q, "per_page": 100})["items"]}

    assert found("王建国") == {crowd.officer.id}
    assert found("甲") == {o.id for o in crowd.crowd if "甲" in o.name}
    assert len(found("甲")) == 5
    target = crowd.crowd[7]
    assert found(target.id_number) == {target.id}
    assert found(target.mobile) == {target.id}
    assert found(f" {target.mobile} ") == {target.id}
    assert found(target.id_number[:10]) == set()  # part of an ID number finds nobody
    assert found(target.mobile[:7]) == set()
    assert found("查无此人") == set()
    invalid(api.get("/officers", raw, query={"q": "王" * 41}), "q")


def test_q_by_id_number_with_a_lower_case_x(api, issue, crowd):
    officer = make_officer(crowd.dept, name="钱小红", birth_date=dt.date(1949, 12, 31), male=False,
                           id_number="11010519491231002X", hired_on=dt.date(1970, 1, 1))
    body = api.json("/officers", issue("hr"), query={"q": "11010519491231002x"})
    assert [i["id"] for i in body["items"]] == [officer.id]


@pytest.mark.parametrize("value", ["abc", "0", "-3", "1.0", str(2 ** 31), str(10 ** 20)])
def test_bad_agency_is_422(api, issue, crowd, value):
    """An agency number that is not a positive 32-bit integer is refused, never passed on to the database."""
    invalid(api.get("/officers", issue("legal_city"), query={"agency": value}), "agency")


def test_the_largest_agency_number_is_simply_not_found(api, issue, crowd):
    api.get("/officers", issue("legal_city"), query={"agency": 2 ** 31 - 1}, expect=404)


def test_filters_combine(api, issue, crowd):
    body = api.json("/officers", issue("legal_city"), query={
        "agency": crowd.district.id, "status": "retired", "category": "市场监管", "q": "甲", "per_page": 100})
    expected = {o.id for o in crowd.crowd if o.status == "retired" and "市场监管" in o.categories and "甲" in o.name}
    assert expected and {i["id"] for i in body["items"]} == expected


def test_unknown_query_parameters_are_ignored(api, issue, crowd):
    """Documented behaviour: a parameter the endpoint does not define is ignored, not an error — integrators may
    send extra ones (a cache-buster, ``sort``…) and get the unfiltered answer. ``missing`` is a filter of the
    HTML page only; the API does not know it."""
    raw = issue("hr")
    plain = api.json("/officers", raw)
    for extra in ({"foo": "bar"}, {"sort": "-name"}, {"_": "1700000000"}, {"missing": "photo"},
                  {"PAGE": "0", "Per_Page": "1000"}):
        assert api.json("/officers", raw, query=extra) == plain, extra


def test_items_never_carry_a_full_id_number_or_mobile(api, issue, crowd):
    response = api.get("/officers", issue("hr"), query={"per_page": 100}, expect=200)
    text = response.get_data(as_text=True)
    items = response.get_json()["items"]
    assert len(items) == 26
    for officer in crowd.crowd:
        assert officer.id_number not in text and officer.id_number[:-1] not in text
        assert officer.mobile not in text
    by_id = {o.id: o for o in crowd.crowd}
    for item in items:
        assert MASKED.match(item["id_number_masked"]), item
        officer = by_id[item["id"]]
        assert item["id_number_masked"][:4] == officer.id_number[:4]
        assert item["id_number_masked"][-4:] == officer.id_number[-4:]
        assert not {"id_number", "mobile", "email", "birth_date"} & set(item)
    assert not re.search(r"\d{11}", json.dumps(items, ensure_ascii=False))  # no run of 11 digits at all


def test_an_item_shows_the_officer(api, issue, world):
    [item] = api.json("/officers", issue("hr"))["items"]
    officer = world.officer
    assert item == {
        "id": officer.id, "name": "王建国", "gender": officer.gender, "id_number_masked": officer.masked_id_number,
        "agency": {"id": world.dept.id, "name": "环翠区综合行政执法局", "short_name": "环翠执法局"},
        "post": officer.post, "categories": officer.categories, "region": officer.region, "status": "on_duty",
        "hired_on": officer.hired_on.isoformat(), "staff_kind": "civil_servant", "staff_kind_label": "公务员",
        "has_photo": False,
    }
