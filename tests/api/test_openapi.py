"""``/api/v1/openapi.json``: a valid OpenAPI 3 document describing every API route that exists and nothing else,
whose parameters are the ones the endpoints enforce and whose schemas every real answer matches."""
from __future__ import annotations

import re

import pytest
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate
from werkzeug.exceptions import MethodNotAllowed, NotFound

from portal.api.schema import conforms
from portal.api.spec import ENDPOINTS, ERROR, openapi_document
from tests.api.helpers import BASE, error_of


@pytest.fixture
def doc(api):
    return api.json("/openapi.json")


def api_routes(app) -> set[tuple[str, str]]:
    """(documented path, method) of every /api/v1 route the app serves."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(BASE + "/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule.rule[len(BASE):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((path, method.lower()))
    return found


def documented(doc) -> set[tuple[str, str]]:
    return {(path, method) for path, item in doc["paths"].items() for method in item
            if method in ("get", "put", "post", "delete", "patch")}


def schema_errors(doc, schema: dict, instance) -> list[str]:
    """Errors of ``instance`` against a schema of the document (its $refs resolved in the document)."""
    validator = OAS30Validator({**schema, "components": doc["components"]}, format_checker=oas30_format_checker)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def test_the_document_is_valid_openapi_3(doc):
    assert doc["openapi"].startswith("3.0.")
    validate(doc)


def test_the_served_document_is_the_generated_one(doc):
    assert doc == openapi_document()


def test_every_api_route_is_documented_and_every_documented_operation_exists(app, doc):
    assert doc["servers"] == [{"url": BASE}]
    routes = api_routes(app)
    assert routes, "no API routes found"
    assert routes - documented(doc) == set(), "routes missing from the OpenAPI document"
    assert documented(doc) - routes == set(), "documented operations that do not exist"
    adapter = app.url_map.bind("localhost")
    for path, method in documented(doc):
        concrete = re.sub(r"\{\w+\}", "1", path)
        try:
            endpoint, _ = adapter.match(BASE + concrete, method=method.upper())
        except (NotFound, MethodNotAllowed):  # pragma: no cover - reported by the assertion
            pytest.fail(f"documented {method.upper()} {path} is not served")
        assert endpoint == f"api.{doc['paths'][path][method]['operationId']}"


def test_every_api_view_is_defined_by_the_endpoint_decorator(app):
    """A route added to the blueprint by hand would escape the document and the validation."""
    served = {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.startswith(BASE + "/")}
    assert served == {f"api.{e.name}" for e in ENDPOINTS}


def test_every_reference_resolves(doc):
    text = repr(doc)
    for name in re.findall(r"#/components/schemas/(\w+)", text):
        assert name in doc["components"]["schemas"], name


def test_security_and_roles_are_documented(doc):
    assert doc["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    for (path, method) in documented(doc):
        op = doc["paths"][path][method]
        secured = bool(op["security"])
        assert ("401" in op["responses"]) == secured, (path, method)
        assert ("403" in op["responses"]) == secured, (path, method)
        assert ("x-roles" in op) == secured, (path, method)
        assert "429" in op["responses"] and "422" in op["responses"]
        for status, answer in op["responses"].items():
            if int(status) >= 400:
                assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        if secured:
            assert "WWW-Authenticate" in op["responses"]["401"]["headers"]
        assert "Retry-After" in op["responses"]["429"]["headers"]


def test_officers_list_is_documented_as_the_spec_says(doc):
    op = doc["paths"]["/officers"]["get"]
    assert op["x-roles"] == ["hr", "legal"]
    params = {p["name"]: p for p in op["parameters"]}
    assert set(params) == {"agency", "status", "category", "q", "page", "per_page"}
    assert all(p["in"] == "query" and p["required"] is False for p in params.values())
    assert params["per_page"]["schema"]["maximum"] == 100
    assert params["per_page"]["schema"]["default"] == 20 and params["page"]["schema"]["default"] == 1
    assert params["page"]["schema"]["minimum"] == 1 and params["per_page"]["schema"]["minimum"] == 1
    assert params["status"]["schema"]["enum"] == ["on_duty", "left_post", "retired"]
    assert set(op["responses"]) == {"200", "401", "403", "404", "422", "429"}
    page = doc["components"]["schemas"]["OfficerPage"]
    assert set(page["required"]) == {"items", "page", "per_page", "total"}
    officer = doc["components"]["schemas"]["Officer"]
    assert not {"id_number", "mobile", "email"} & set(officer["properties"])
    assert officer["additionalProperties"] is False


def _secured_list_operations(doc):
    for path, item in sorted(doc["paths"].items()):
        op = item.get("get")
        if op and op["security"] and "{" not in path:
            yield path, op


@pytest.mark.parametrize("role", ["hr", "legal_city", "admin"])
def test_documented_roles_are_the_roles_let_in(api, doc, issue, world, role):
    raw = issue(role)
    for path, op in _secured_list_operations(doc):
        allowed = getattr(world, role).role in op["x-roles"]
        api.get(path, raw, expect=200 if allowed else 403)


def _refused_values(schema: dict) -> list[str]:
    """Values the schema forbids, written as a query string would carry them."""
    values = []
    if schema.get("type") == "integer":
        values += ["abc", "1.5"]
    if "minimum" in schema:
        values.append(str(int(schema["minimum"]) - 1))
    if "maximum" in schema:
        values.append(str(int(schema["maximum"]) + 1))
    if "enum" in schema:
        values.append("not-in-the-enum")
    if "maxLength" in schema:
        values.append("字" * (schema["maxLength"] + 1))
    return values


def _accepted_values(schema: dict) -> list[str]:
    values = [str(v) for v in schema.get("enum", [])]
    if "maximum" in schema:
        values.append(str(int(schema["maximum"])))
    if "minimum" in schema:
        values.append(str(int(schema["minimum"])))
    return values


def test_documented_query_parameters_are_what_the_endpoints_enforce(api, doc, issue, world):
    """Driven by the document alone: each value a parameter's schema forbids is refused with 422 naming that
    parameter; each boundary value it allows is not refused on that parameter's account."""
    raw = issue("legal_city")
    checked = 0
    for path, op in _secured_list_operations(doc):
        for param in op["parameters"]:
            name, schema = param["name"], param["schema"]
            for value in _refused_values(schema):
                response = api.get(path, raw, query={name: value}, expect=422)
                assert name in [item["field"] for item in error_of(response)["items"]], (name, value)
                checked += 1
            for value in _accepted_values(schema):
                response = api.get(path, raw, query={name: value})
                if response.status_code == 422:
                    assert name not in [i["field"] for i in error_of(response)["items"]], (name, value)
                checked += 1
    assert checked >= 15


def test_per_page_maximum_of_the_document_is_the_limit(api, doc, issue, world):
    raw = issue("hr")
    limit = {p["name"]: p for p in doc["paths"]["/officers"]["get"]["parameters"]}["per_page"]["schema"]["maximum"]
    api.get("/officers", raw, query={"per_page": limit}, expect=200)
    api.get("/officers", raw, query={"per_page": limit + 1}, expect=422)


def test_every_documented_status_of_the_list_matches_its_schema(app, api, doc, issue, world):
    """One real answer of every status the document lists for the officers list, each valid against the
    document's JSON Schema and against the definitions (``conforms``)."""
    raw = issue("hr")
    [endpoint] = [e for e in ENDPOINTS if e.name == "list_officers"]
    answers = {
        200: api.get("/officers", raw, query={"per_page": 5}),
        401: api.get("/officers"),
        403: api.get("/officers", issue("admin")),
        404: api.get("/officers", raw, query={"agency": world.other_dept.id}),
        422: api.get("/officers", raw, query={"page": 0}),
    }
    limited = issue("hr")
    old, app.config["API_RATE_LIMIT"] = app.config["API_RATE_LIMIT"], "1 per minute"
    try:
        api.get("/officers", limited, expect=200)
        answers[429] = api.get("/officers", limited)
    finally:
        app.config["API_RATE_LIMIT"] = old
    responses = doc["paths"]["/officers"]["get"]["responses"]
    assert set(map(str, answers)) == set(responses)
    for status, response in answers.items():
        assert response.status_code == status, response.get_data(as_text=True)[:200]
        for header in responses[str(status)].get("headers", {}):
            assert response.headers.get(header), (status, header)
        schema = responses[str(status)]["content"]["application/json"]["schema"]
        body = response.get_json()
        assert schema_errors(doc, schema, body) == [], status
        assert conforms(endpoint.response if status == 200 else ERROR, body) == [], status


def test_the_error_schema_covers_item_errors(api, doc, issue, world):
    response = api.get("/officers", issue("hr"), query={"per_page": 101, "status": "x"}, expect=422)
    body = response.get_json()
    assert len(body["error"]["items"]) == 2
    assert schema_errors(doc, {"$ref": "#/components/schemas/Error"}, body) == []
    assert conforms(ERROR, body) == []


def test_an_undocumented_property_would_be_caught(doc):
    """The checks above can fail: an extra property (say, a leaked ``id_number``) breaks both."""
    [endpoint] = [e for e in ENDPOINTS if e.name == "list_officers"]
    item = {"id": 1, "name": "王建国", "gender": "M", "id_number_masked": "3710**********1233",
            "agency": {"id": 1, "name": "局", "short_name": "局"}, "post": "队员", "categories": ["城市管理"],
            "region": "环翠区", "status": "on_duty", "hired_on": "2010-07-01", "staff_kind": None,
            "staff_kind_label": "未登记", "has_photo": False}
    good = {"items": [item], "page": 1, "per_page": 20, "total": 1}
    bad = {"items": [{**item, "id_number": "371002199003071233"}], "page": 1, "per_page": 20, "total": 1}
    ref = {"$ref": "#/components/schemas/OfficerPage"}
    assert schema_errors(doc, ref, good) == [] and conforms(endpoint.response, good) == []
    assert schema_errors(doc, ref, bad) != [] and conforms(endpoint.response, bad) != []


def test_answers_outside_any_operation_are_json_errors_too(client, world):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert conforms(ERROR, response.get_json()) == []
    response = client.post("/api/v1/openapi.json")
    assert response.status_code == 405 and response.headers["Allow"] and response.mimetype == "application/json"
    assert conforms(ERROR, response.get_json()) == []
