"""``POST /api/v1/training-records`` exactly as SPEC §3: 201 ``{"created": n}``, all or nothing, per-item errors with
their index, idempotent by external id, at most 1,000 records, role hr only, the token's scope — every answer held to
the OpenAPI document."""
from __future__ import annotations

import datetime as dt

import pytest
from openapi_spec_validator import validate

from portal.api.spec import openapi_document
from portal.training.models import TrainingRecord
from tests.api.helpers import bearer, check_documented, issue_token
from tests.factories import make_id_number
from tests.training.helpers import assert_no_id_numbers, audits, bulk_officers, record_count, records

URL = "/api/v1/training-records"


@pytest.fixture
def post(client):
    def call(token, body, expect=None):
        response = client.post(URL, json=body, headers=bearer(token) if token else {})
        check_documented(URL, "POST", response)
        if expect is not None:
            assert response.status_code == expect, response.get_data(as_text=True)[:800]
        return response
    return call


@pytest.fixture
def hr_token(runner, world, frozen):
    return issue_token(runner, "hr")


def item(officer_or_number, n=1, **overrides) -> dict:
    number = getattr(officer_or_number, "id_number", officer_or_number)
    data = {"external_id": f"PX-{n}", "id_number": number, "title": f"《行政处罚法》第{n}讲",
            "category": "public_law", "hours": 2.5, "completed_on": "2026-11-20", "provider": "山东省司法厅网络学院"}
    data.update(overrides)
    return data


def test_a_batch_is_created_and_answers_201_with_the_count(post, hr_token, world):
    body = {"records": [item(world.officer, 1), item(world.officer, 2, category="ethics", hours=0.5),
                        item(world.officer, 3, category="professional_law", hours=24, external_id=None)]}
    response = post(hr_token, body, expect=201)
    assert response.get_json() == {"created": 3}
    stored = records()
    assert [(r.external_id, r.category, r.half_hours, r.source, r.completed_on, r.recorded_by) for r in stored] == [
        ("PX-1", "public_law", 5, "api", dt.date(2026, 11, 20), world.hr.id),
        ("PX-2", "ethics", 1, "api", dt.date(2026, 11, 20), world.hr.id),
        (None, "professional_law", 48, "api", dt.date(2026, 11, 20), world.hr.id)]
    [entry] = audits()
    assert entry.action == "training.api" and entry.actor_id == world.hr.id and entry.change["created"] == 3
    assert_no_id_numbers([entry])


def test_the_same_batch_twice_creates_nothing_the_second_time(post, hr_token, world):
    body = {"records": [item(world.officer, n) for n in range(5)] + [item(world.officer, 9, external_id=None)]}
    assert post(hr_token, body, expect=201).get_json() == {"created": 6}
    assert post(hr_token, body, expect=201).get_json() == {"created": 0}
    assert record_count() == 6 and len(audits()) == 1
    # a batch with one new record creates just that one
    body["records"].append(item(world.officer, 6))
    assert post(hr_token, body, expect=201).get_json() == {"created": 1}


def test_one_bad_item_fails_the_batch_with_its_index_and_field(post, hr_token, world):
    body = {"records": [item(world.officer, n) for n in range(4)]}
    body["records"][2]["hours"] = 0.25
    response = post(hr_token, body, expect=422)
    error = response.get_json()["error"]
    assert error["items"] == [{"index": 2, "field": "hours", "message": "“学时”须为0.5的整数倍"}]
    assert record_count() == 0 and audits() == []


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"hours": 0}, "hours", "不能小于0.5"),
    ({"hours": -1}, "hours", "不能小于0.5"),
    ({"hours": 24.5}, "hours", "不能大于24"),
    ({"hours": "2"}, "hours", "应为数字"),
    ({"category": "公共法律知识"}, "category", "须为以下之一"),
    ({"completed_on": "2026/11/20"}, "completed_on", "格式 YYYY-MM-DD"),
    ({"completed_on": "2026-11-27"}, "completed_on", "晚于今天"),
    ({"id_number": "371002199003071234"}, "id_number", "校验位不正确"),
    ({"title": ""}, "title", "不能为空"),
    ({"provider": None}, "provider", "缺少必填项"),
    ({"colour": "red"}, "colour", "未知字段"),
])
def test_each_kind_of_bad_item_is_named(post, hr_token, world, change, field, message):
    body = {"records": [item(world.officer, 0), {**item(world.officer, 1), **change}]}
    errors = post(hr_token, body, expect=422).get_json()["error"]["items"]
    assert [(e["index"], e["field"]) for e in errors] == [(1, field)]
    assert message in errors[0]["message"]
    assert record_count() == 0


def test_duplicates_within_the_batch_name_the_first(post, hr_token, world):
    body = {"records": [item(world.officer, 1), item(world.officer, 2, external_id="PX-1"),
                        item(world.officer, 3, external_id=None, title="同一课程"),
                        item(world.officer, 4, external_id=None, title="同一课程")]}
    errors = post(hr_token, body, expect=422).get_json()["error"]["items"]
    assert errors == [
        {"index": 1, "field": "external_id", "message": "外部编号与第 1 条（index 0）重复"},
        {"index": 3, "field": "title", "message": "与第 3 条（index 2）重复（同一人员、同一课程名称、同一完成日期）"}]
    assert record_count() == 0


def test_the_same_external_id_with_different_content_is_an_item_error(post, hr_token, world):
    post(hr_token, {"records": [item(world.officer, 1)]}, expect=201)
    changed = {"records": [item(world.officer, 2), item(world.officer, 1, hours=3, provider="另一机构")]}
    errors = post(hr_token, changed, expect=422).get_json()["error"]["items"]
    assert errors == [{"index": 1, "field": "external_id",
                       "message": "外部编号“PX-1”已登记为另一条培训记录，与本条的学时、培训机构不同"}]
    assert record_count() == 1


def test_officers_outside_the_tokens_scope_are_item_errors_that_reveal_nothing(post, hr_token, world):
    unknown = make_id_number(dt.date(1990, 1, 1), 7)
    body = {"records": [item(world.officer, 1), item(world.other_officer, 2), item(world.officer2, 3),
                        item(unknown, 4)]}
    errors = post(hr_token, body, expect=422).get_json()["error"]["items"]
    assert [(e["index"], e["field"]) for e in errors] == [(1, "id_number"), (2, "id_number"), (3, "id_number")]
    assert len({e["message"] for e in errors}) == 1  # the same words whether the number exists elsewhere or not
    assert world.other_officer.name not in str(errors)
    assert record_count() == 0


def test_more_than_1000_records_are_refused(post, hr_token, world):
    body = {"records": [item(world.officer, n) for n in range(1001)]}
    error = post(hr_token, body, expect=422).get_json()["error"]
    assert error["items"] == [{"field": "records", "message": "“培训记录”最多1000项"}]
    assert record_count() == 0


def test_1000_records_are_accepted_in_one_call(post, hr_token, world):
    ids = bulk_officers(world.dept, 250)
    from portal.extensions import db
    from portal.officers.models import Officer

    numbers = dict(db.session.execute(db.select(Officer.id, Officer.id_number).where(Officer.id.in_(ids))).all())
    body = {"records": [item(numbers[ids[n % 250]], n, title=f"第{n // 250}课") for n in range(1000)]}
    assert post(hr_token, body, expect=201).get_json() == {"created": 1000}
    assert record_count(TrainingRecord.source == "api") == 1000


@pytest.mark.parametrize("username", ["legal_city", "admin"])
def test_only_hr_may_register_training(post, runner, world, frozen, username):
    token = issue_token(runner, username)
    error = post(token, {"records": [item(world.officer)]}, expect=403).get_json()["error"]
    assert error["code"] == "forbidden"
    assert record_count() == 0


def test_without_a_token_the_answer_is_401_and_a_body_that_is_not_json_is_400(client, post, hr_token, world):
    post(None, {"records": [item(world.officer)]}, expect=401)
    response = client.post(URL, data="records", headers=bearer(hr_token), content_type="text/plain")
    check_documented(URL, "POST", response)
    assert response.status_code == 400
    post(hr_token, {"records": []}, expect=422)
    post(hr_token, {}, expect=422)


def test_the_operation_is_in_a_valid_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    validate(doc)
    operation = doc["paths"]["/training-records"]["post"]
    assert operation["x-roles"] == ["hr"]
    assert set(operation["responses"]) >= {"201", "400", "401", "403", "409", "422", "429"}
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TrainingRecordsRequest"}
    records_schema = doc["components"]["schemas"]["TrainingRecordsRequest"]["properties"]["records"]
    assert records_schema["maxItems"] == 1000
    item_schema = doc["components"]["schemas"]["TrainingRecordInput"]
    assert set(item_schema["properties"]) == {"external_id", "id_number", "title", "category", "hours",
                                              "completed_on", "provider"}
    assert item_schema["properties"]["category"]["enum"] == ["public_law", "professional_law", "ethics"]
    assert item_schema["properties"]["hours"]["multipleOf"] == 0.5
    assert doc["components"]["schemas"]["TrainingRecordsCreated"]["required"] == ["created"]
    assert doc == openapi_document()


def test_a_concurrent_call_that_stored_a_record_first_gives_409_and_stores_nothing(post, hr_token, world,
                                                                                   monkeypatch):
    from portal.training import batches

    post(hr_token, {"records": [item(world.officer, 1)]}, expect=201)
    # as if another call committed PX-1 between this call's check and its insert
    monkeypatch.setattr(batches, "_stored", lambda external_ids, keys: ({}, {}))
    error = post(hr_token, {"records": [item(world.officer, 2), item(world.officer, 1)]}, expect=409)
    assert error.get_json()["error"]["code"] == "conflict"
    assert record_count() == 1
