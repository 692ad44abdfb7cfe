"""``/public/presiders`` (SPEC §3, issue 6): officers holding an active hearing-presider certificate and their
agencies, without signing in; suspended or revoked presiders are not listed; no personal data."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from certificates import lifecycle
from certificates.models import Certificate
from portal import audit, clock
from portal.extensions import db
from tests.certificates.helpers import revoke_heard

SYSTEM = audit.Actor.system("test")


@pytest.fixture
def presiders(app, world, key_dir, frozen):
    made = {}
    for officer in (world.officer, world.officer2, world.other_officer):
        lifecycle.issue(officer, "enforcement", ["城市管理"], "全域", actor=SYSTEM, now=clock.now())
        made[officer.name] = lifecycle.issue(officer, "hearing_presider", ["城市管理"], "全域", actor=SYSTEM,
                                             now=clock.now())
    db.session.commit()
    return made


def test_active_presiders_are_listed_with_their_agency(client, world, presiders):
    page = client.get("/public/presiders").get_data(as_text=True)
    for officer in (world.officer, world.officer2, world.other_officer):
        assert officer.name in page and presiders[officer.name].number in page
        assert officer.id_number not in page and officer.mobile not in page
    assert "环翠区综合行政执法局" in page and "共 3 人" in page


def test_a_presider_whose_enforcement_certificate_is_suspended_drops_off(client, world, presiders):
    cert = db.session.scalar(sa.select(Certificate).where(Certificate.officer_id == world.officer.id,
                                                          Certificate.type == "enforcement"))
    lifecycle.place_hold(cert, "other", actor=SYSTEM, now=clock.now(), legal_basis="依据")
    revoke_heard(presiders["赵敏华"], "retired", actor=SYSTEM, now=clock.now())
    db.session.commit()
    page = client.get("/public/presiders").get_data(as_text=True)
    assert "王建国" not in page and "赵敏华" not in page and "孙丽明" in page and "共 1 人" in page


def test_filters_by_agency_and_name(client, world, presiders):
    page = client.get(f"/public/presiders?agency={world.other_dept.id}").get_data(as_text=True)
    assert "孙丽明" in page and "王建国" not in page
    page = client.get("/public/presiders?q=建国").get_data(as_text=True)
    assert "王建国" in page and "孙丽明" not in page
    assert client.get("/public/presiders?agency=abc&page=99999999999").status_code == 200


def test_a_signed_in_visitor_gets_a_private_page(client, auth, world, presiders):
    assert client.get("/public/presiders").headers["Cache-Control"] == "public, max-age=300"
    auth.login(world.officer.id_number)
    assert "public" not in client.get("/public/presiders").headers["Cache-Control"]
