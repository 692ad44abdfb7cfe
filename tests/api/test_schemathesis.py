"""The OpenAPI document and the server agree, both ways (issue 13): schemathesis draws requests from the document
— valid ones, which the server must accept (2xx, or 401/403/404/409 for who and what they name), and invalid
ones, which it must refuse — for every operation, with a token of each staff role, and checks every answer
against the document (status, headers, content type, body). 0 server errors, 0 mismatches.

Bounded and repeatable: a fixed number of examples per operation, drawn deterministically (``derandomize``).
"""
from __future__ import annotations

import contextvars

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from certificates import lifecycle
from portal import clock
from portal.extensions import db
from tests.api.helpers import issue_token
from tests.certificates.conftest import key_dir  # noqa: F401 - the signing keys a certificate needs
from tests.factories import SYSTEM

EXAMPLES = int(__import__("os").environ.get("SCHEMATHESIS_EXAMPLES", "25"))
#: rules of the training records that no schema can state — the ID number's check character, an officer in the
#: token's scope, a date not in the future, one record per officer, title and day, an external id already used for
#: other content. The document states them in words; a schema-valid record that breaks one is refused with 422
#: naming its index and field.
RULES_IN_WORDS = {("POST", "/training-records"): {"id_number", "completed_on", "title", "external_id"}}


@pytest.fixture
def unlimited(app, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "100000 per minute")


def _driven(check, label: str, rules: set[str], strategy):
    """A hypothesis test that runs ``check(label, rules, case)`` on cases drawn from ``strategy``."""

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        check(label, rules, case)

    return run


def _failures(schema, token: str) -> dict[str, str]:
    """Every distinct failure of every operation in both modes: ``{"<operation> <mode>: <first line>": detail}``."""
    found: dict[str, str] = {}

    def check(label: str, rules: set[str], case) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
        # each request in a context of its own, as the suite's test client does (its own g and session)
        response = contextvars.Context().run(case.call)
        excluded = []
        if rules and response.status_code == 422:
            fields = {item.get("field") for item in response.json()["error"].get("items", [])}
            if fields and fields <= rules:  # only rules stated in words: the records and fields are named
                excluded = [positive_data_acceptance]
        try:
            contextvars.Context().run(case.validate_response, response, headers=case.headers,
                                      excluded_checks=excluded)
        except BaseException as failure:  # schemathesis raises a FailureGroup (a BaseExceptionGroup)
            text = str(failure).strip()
            found.setdefault(f"{label}: {text.splitlines()[0]}", text[:1500])

    for result in schema.get_all_operations():
        operation = result.ok()
        rules = RULES_IN_WORDS.get((operation.method.upper(), operation.path), set())
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _driven(check, f"{operation.label} {mode.value}", rules, operation.as_strategy(generation_mode=mode))()
            except Unsatisfiable:  # nothing to make invalid (an operation without parameters or body)
                assert mode is GenerationMode.NEGATIVE
    return found


@pytest.mark.parametrize("login", ["hr", "legal_city", "admin"])
def test_the_document_and_the_server_agree(app, runner, world, key_dir, frozen, unlimited, login):  # noqa: F811
    lifecycle.issue(world.officer, "enforcement", ["城市管理"], "环翠区全域", actor=SYSTEM, now=clock.now())
    db.session.commit()  # a real certificate among the numbers drawn at random
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = _failures(schema, issue_token(runner, login, "契约测试"))
    assert not failures, "\n\n".join(f"{key}\n{value}" for key, value in failures.items())


def test_the_largest_finite_number_of_hours_is_refused_not_a_server_error(client, runner, world):
    """Found by the test above: ``multipleOf`` divided 1.7976931348623157e308 by 0.5 — infinity — and round()
    raised OverflowError (a 500)."""
    token = issue_token(runner, "hr", "大数测试")
    record = {"id_number": world.officer.id_number, "title": "行政处罚法", "category": "public_law",
              "hours": 1.7976931348623157e308, "completed_on": "2026-11-01", "provider": "市司法局"}
    response = client.post("/api/v1/training-records", json={"records": [record]},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    assert response.get_json()["error"]["items"] == [{"field": "hours", "index": 0, "message": "“学时”不能大于24"}]
