"""A body may enforce only when confirmed and announced (seed 四(一)): Agency.is_valid_body and the tree page."""
import datetime as dt

import pytest

from portal import clock
from portal.extensions import db
from portal.orgs.models import Agency
from tests.factories import make_agency
from tests.officers import page

ANNOUNCED = dt.date(2026, 11, 26)


@pytest.fixture
def body(app, world, frozen):
    frozen("2026-11-20 09:00")
    return make_agency(world.city, name="威海市交通运输局", short_name="市交通局", qualification_decided_on=dt.date(2026, 11, 20),
                       announced_on=ANNOUNCED)


@pytest.mark.parametrize("today, valid", [
    (ANNOUNCED - dt.timedelta(days=1), False),
    (ANNOUNCED, True),
    (ANNOUNCED + dt.timedelta(days=1), True),
])
def test_valid_only_from_the_day_of_announcement(body, today, valid):
    assert body.is_valid_body(today) is valid


def _standing(client, name: str) -> str:
    rows = page.table_rows(client.get("/admin/agencies"))
    [row] = [r for r in rows if r[0].startswith(name)]
    return row[4]


@pytest.mark.parametrize("moment, shown", [
    ("2026-11-25 23:59", "已确认 · 未公告"),
    ("2026-11-26 00:00", "已确认 · 已公告"),
    ("2026-11-27 08:00", "已确认 · 已公告"),
])
def test_the_tree_page_follows_the_clock(client, auth, world, body, frozen, moment, shown):
    frozen(moment)
    auth.login("admin")
    assert _standing(client, "威海市交通运输局") == shown


def test_the_tree_page_uses_the_beijing_date(client, auth, world, body, frozen):
    # 25 November 16:30 UTC is already 26 November 00:30 in Beijing
    frozen(dt.datetime(2026, 11, 25, 16, 30, tzinfo=dt.UTC).astimezone(clock.TZ))
    auth.login("admin")
    assert _standing(client, "威海市交通运输局") == "已确认 · 已公告"


def _agency(**kwargs) -> Agency:
    return Agency(name="x", short_name="x", region_code="371000", kind=kwargs.pop("kind", "government"), **kwargs)


@pytest.mark.parametrize("fields", [
    {"qualification_status": "confirmed", "qualification_decided_on": dt.date(2026, 1, 1), "announced_on": None},
    {"qualification_status": "cancelled", "qualification_decided_on": dt.date(2026, 1, 1),
     "announced_on": dt.date(2026, 1, 2)},
    {"qualification_status": "pending", "announced_on": None},
], ids=["confirmed, never announced", "cancelled and announced", "pending"])
def test_never_valid_unless_confirmed_and_announced(app, fields):
    agency = _agency(**fields)
    for today in (dt.date(2020, 1, 1), dt.date(2026, 1, 2), dt.date(2030, 1, 1)):
        assert agency.is_valid_body(today) is False


def test_a_cancelled_body_is_invalid_from_its_cancellation(client, auth, world, body, frozen):
    frozen("2026-12-01 09:00")
    auth.login("legal_city")
    response = client.post(f"/bodies/{body.id}/cancel", data={
        "cancel-decided_on": "2026-12-01", "cancel-legal_basis": "机构改革，职能划转",
        "cancel-announcement_text": "现予公告取消。"})
    assert response.status_code == 302, page.all_field_errors(response)
    db.session.expire_all()
    agency = db.session.get(Agency, body.id)
    assert agency.qualification_status == "cancelled"
    assert not agency.is_valid_body(dt.date(2026, 12, 1))
    auth.logout()
    auth.login("admin")
    assert _standing(client, "威海市交通运输局") == "已取消"
