"""Set-based work: the shortfall list, its export, the HR home count, the records list, the import, the API and a
class cost the same number of statements for a few rows as for many (no query per row)."""
from __future__ import annotations

import datetime as dt

import pytest

from portal.extensions import db
from portal.officers.models import Officer
from tests.api.helpers import bearer, issue_token
from tests.sql import statements
from tests.training.helpers import add, bulk_officers, row, upload, xlsx_bytes


def count(app, call, selects_only=False) -> int:
    with statements(app, selects_only=selects_only) as seen:
        response = call()
    assert response.status_code in (200, 201, 302), response.get_data(as_text=True)[:500]
    return len(seen)


def numbers_of(ids) -> list[str]:
    found = dict(db.session.execute(db.select(Officer.id, Officer.id_number).where(Officer.id.in_(ids))).all())
    return [found[i] for i in ids]


@pytest.mark.parametrize("path", ["/training/shortfall", "/training/shortfall?sort=name&short=ethics",
                                  "/training/records", "/home", "/training/courses"])
def test_pages_cost_the_same_for_few_and_many_officers(app, client, auth, world, frozen, path):
    auth.login("hr")
    few_ids = bulk_officers(world.dept, 3)
    for officer_id in few_ids:
        add(officer_id, "ethics", 2, dt.date(2026, 4, 1))
    few = count(app, lambda: client.get(path))
    many_ids = bulk_officers(world.dept, 60, start=100)
    for officer_id in many_ids:
        add(officer_id, "public_law", 1.5, dt.date(2026, 5, 1))
    many = count(app, lambda: client.get(path))
    assert many == few


def test_the_export_costs_the_same_for_few_and_many_rows(app, client, auth, world, frozen):
    auth.login("hr")
    bulk_officers(world.dept, 3)
    few = count(app, lambda: client.post("/training/shortfall/export", data={"format": "xlsx"}))
    bulk_officers(world.dept, 300, start=100)
    many = count(app, lambda: client.post("/training/shortfall/export", data={"format": "xlsx"}))
    assert many == few


def test_an_import_costs_the_same_selects_for_50_and_500_rows(app, client, auth, world, frozen):
    auth.login("hr")
    numbers = numbers_of(bulk_officers(world.dept, 500))
    few = count(app, lambda: upload(client, xlsx_bytes([row(n, external_id=f"A-{i}") for i, n in enumerate(numbers[:50])])),
                selects_only=True)
    many = count(app, lambda: upload(client, xlsx_bytes([row(n, title="第二课") for n in numbers])),
                 selects_only=True)
    assert many == few
    # checking rows already stored costs the same too
    again = count(app, lambda: upload(client, xlsx_bytes([row(n, title="第二课") for n in numbers])),
                  selects_only=True)
    assert again <= few


def test_the_api_costs_the_same_selects_for_20_and_500_records(app, client, runner, world, frozen):
    token = issue_token(runner, "hr")
    numbers = numbers_of(bulk_officers(world.dept, 500))

    def body(some, prefix):
        return {"records": [{"external_id": f"{prefix}-{i}", "id_number": n, "title": "课", "category": "ethics",
                             "hours": 1, "completed_on": "2026-11-01", "provider": "p"} for i, n in enumerate(some)]}

    few = count(app, lambda: client.post("/api/v1/training-records", json=body(numbers[:20], "F"),
                                         headers=bearer(token)), selects_only=True)
    many = count(app, lambda: client.post("/api/v1/training-records", json=body(numbers[20:], "M"),
                                          headers=bearer(token)), selects_only=True)
    assert many == few


def test_a_class_costs_the_same_selects_for_3_and_30_attendees(app, client, auth, world, frozen):
    from tests.training.test_record_pages import class_form, make_course

    auth.login("hr")
    course = make_course(world.dept)
    ids = bulk_officers(world.dept, 33)
    few = count(app, lambda: client.post("/training/classes/new", data=class_form(course, ids[:3])),
                selects_only=True)
    many = count(app, lambda: client.post("/training/classes/new", data=class_form(course, ids[3:])),
                 selects_only=True)
    assert many == few
