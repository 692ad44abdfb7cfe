"""Indicator templates belong to a jurisdiction (issue 13: 环翠区's legal office created a template that then scored
an agency outside 环翠区, and deactivated the city's template — the pages checked the role only).

A template is kept by the legal offices whose scope holds its jurisdiction; those below read it (it applies to their
agencies) but cannot change it; anyone else gets 404. An agency's quarter uses the template of its nearest
jurisdiction; a quarter already scored keeps, for every agency under that jurisdiction, the template it was scored
with.
"""
from __future__ import annotations

import re

import sqlalchemy as sa

from portal.assessment import services
from portal.assessment.models import IndicatorTemplate
from portal.extensions import db
from tests.assessment.helpers import SIMPLE, grid_url, make_template, store, template_form
from tests.officers import page


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(IndicatorTemplate))


def test_a_district_reads_the_citys_template_but_cannot_change_it(client, auth, world, frozen):
    city = make_template(SIMPLE, name="市级指标")
    other = make_template(SIMPLE, name="文登区指标", agency=world.other_district)
    auth.login("legal_district")
    listing = client.get("/assessment/templates")
    assert "市级指标" in page.text(listing) and "上级模板" in page.text(listing)
    assert "文登区指标" not in page.text(listing)  # another jurisdiction's
    assert f"/assessment/templates/{city.id}/active" not in listing.get_data(as_text=True)
    assert client.get(f"/assessment/templates/{city.id}").status_code == 200
    assert client.post(f"/assessment/templates/{city.id}/active", data={"active": "0"}).status_code == 404
    assert client.get(f"/assessment/templates/{city.id}/edit").status_code == 404
    assert client.post(f"/assessment/templates/{city.id}/edit", data=template_form("改名", SIMPLE)).status_code == 404
    for path in (f"/assessment/templates/{other.id}", f"/assessment/templates/{other.id}/edit",
                 f"/assessment/templates/new?from={other.id}"):
        assert client.get(path).status_code == 404, path
    db.session.expire_all()
    assert db.session.get(IndicatorTemplate, city.id).active is True
    assert db.session.get(IndicatorTemplate, city.id).name == "市级指标"


def test_a_new_template_belongs_to_a_jurisdiction_in_the_accounts_scope(client, auth, world, frozen):
    auth.login("legal_district")
    refused = client.post("/assessment/templates/new",
                          data={**template_form("越权模板", SIMPLE), "agency": str(world.other_district.id)})
    assert refused.status_code == 404 and _count() == 0
    response = client.post("/assessment/templates/new",
                           data={**template_form("环翠区指标", SIMPLE), "agency": str(world.district.id)})
    assert response.status_code == 302
    saved = db.session.scalar(sa.select(IndicatorTemplate))
    assert saved.agency_id == world.district.id
    options = re.findall(r'<option value="(\d+)"', client.get("/assessment/templates/new").get_data(as_text=True))
    assert options[0] == str(world.district.id)  # the scope node first: the default
    assert sorted(options) == sorted(str(a.id) for a in (world.district, world.dept, world.dept2))


def test_the_same_name_may_be_used_by_two_jurisdictions(world):
    make_template(SIMPLE, name="年度指标")
    make_template(SIMPLE, name="年度指标", agency=world.district)
    assert _count() == 2


def test_an_agency_uses_the_template_of_its_nearest_jurisdiction(client, auth, world, frozen):
    city = make_template(SIMPLE, name="市级指标")
    district = make_template(SIMPLE, name="环翠区指标", agency=world.district)
    assert services.quarter_template(world.dept, 2026, 3).id == district.id
    assert services.quarter_template(world.other_dept, 2026, 3).id == city.id  # outside 环翠区: the city's
    auth.login("hr")
    assert "指标模板：环翠区指标" in page.text(client.get(grid_url(world.dept)))
    auth.logout()
    auth.login("hr_other")
    assert "指标模板：市级指标" in page.text(client.get(grid_url(world.other_dept)))

    district.active = False
    db.session.commit()
    assert services.quarter_template(world.dept, 2026, 3).id == city.id


def test_a_scored_quarter_keeps_its_template_for_every_agency_of_the_jurisdiction(world, frozen):
    city = make_template(SIMPLE, name="市级指标")
    store(world.officer, city, 2026, 3, [800, 800, 800])  # 环翠执法局 scored the third quarter with the city's
    district = make_template(SIMPLE, name="环翠区指标", agency=world.district)
    # the rest of 环翠区 is graded alike in that quarter; the next quarter takes the district's own
    assert services.quarter_template(world.dept2, 2026, 3).id == city.id
    assert services.quarter_template(world.dept2, 2026, 4).id == district.id
    store(world.officer2, district, 2026, 4, [700, 700, 700])
    assert services.quarter_template(world.dept, 2026, 4).id == district.id
    assert services.quarter_template(world.other_dept, 2026, 4).id == city.id
