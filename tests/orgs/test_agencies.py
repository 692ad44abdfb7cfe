"""Admin keeps the agency tree (/admin/agencies): codes, kinds, moves. A body's standing is the legal office's
decision (tests/orgs/test_bodies.py): the admin form neither shows nor changes it."""

import pytest
import sqlalchemy as sa

from portal.audit import AuditEntry
from portal.extensions import db
from portal.orgs.agencies import uscc
from portal.orgs.models import Agency
from tests.factories import make_agency, make_officer, make_staff, make_uscc
from tests.officers import page
from tests.officers.helpers import is_chinese_message

VALID_USCC = "11371002MB1234567" + uscc.check_character("11371002MB1234567")


def agency_form(parent, **overrides) -> dict:
    data = {
        "name": "环翠区交通运输局",
        "short_name": "环翠交通局",
        "uscc": VALID_USCC,
        "region_code": "371002",
        "kind": "government",
        "parent_id": str(parent.id) if parent is not None else "0",
        "sort_order": "0",
    }
    data.update(overrides)
    return data


def agencies() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Agency))


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def reload(agency) -> Agency:
    db.session.expire_all()
    return db.session.get(Agency, agency.id)


@pytest.fixture
def admin(client, auth, world, frozen):
    auth.login("admin")
    return world


def test_create_with_a_valid_code(client, admin):
    typed = agency_form(admin.district, uscc=" " + VALID_USCC.lower() + " ")
    response = client.post("/admin/agencies/new", data=typed)
    assert response.status_code == 302, page.all_field_errors(response)
    assert response.headers["Location"].endswith("/admin/agencies")
    agency = db.session.scalar(sa.select(Agency).where(Agency.name == "环翠区交通运输局"))
    assert agency.uscc == VALID_USCC
    assert agency.parent_id == admin.district.id
    assert agency.path == f"{admin.district.path}{agency.id}/"
    assert (agency.kind, agency.qualification_status, agency.announced_on) == ("government", "pending", None)
    [entry] = [e for e in audit("agency.create") if e.object_id == str(agency.id)]
    assert entry.actor_id == admin.admin.id
    listing = client.get("/admin/agencies")
    assert "环翠区交通运输局" in page.text(listing)
    assert VALID_USCC in page.text(listing)


def test_create_without_a_code(client, admin):
    response = client.post("/admin/agencies/new", data=agency_form(admin.district, uscc=""))
    assert response.status_code == 302, page.all_field_errors(response)
    agency = db.session.scalar(sa.select(Agency).where(Agency.name == "环翠区交通运输局"))
    assert agency.uscc is None and agency.qualification_status == "pending"


def test_standing_posted_to_the_admin_form_is_ignored(client, admin):
    """Confirming a body is the legal office's decision with its history: a crafted post cannot do it here."""
    response = client.post("/admin/agencies/new", data=agency_form(
        admin.district, qualification_status="confirmed", qualification_decided_on="2026-10-01",
        qualification_basis="某依据", announcement_text="公告", announced_on="2026-10-15"))
    assert response.status_code == 302, page.all_field_errors(response)
    agency = db.session.scalar(sa.select(Agency).where(Agency.name == "环翠区交通运输局"))
    assert (agency.qualification_status, agency.announced_on) == ("pending", None)
    edited = _edit(client, admin.dept, qualification_status="cancelled", qualification_decided_on="2026-11-01",
                   qualification_basis="某依据", announcement_text="公告", announced_on="2026-11-02")
    assert edited.status_code == 302, page.all_field_errors(edited)
    assert reload(admin.dept).qualification_status == "confirmed"
    assert "执法主体资格" not in page.text(client.get("/admin/agencies/new"))


def test_full_width_region_code_is_stored_as_ascii(client, admin):
    response = client.post("/admin/agencies/new", data=agency_form(admin.district, region_code="３７１００２"))
    assert response.status_code == 302, page.all_field_errors(response)
    assert db.session.scalar(sa.select(Agency.region_code).where(Agency.name == "环翠区交通运输局")) == "371002"


BAD = [
    ("wrong USCC check character", {"uscc": VALID_USCC[:17] + ("0" if VALID_USCC[17] != "0" else "1")},
     "uscc", "校验位"),
    ("USCC with the letter O", {"uscc": "91350100M0001O0Y43"}, "uscc", "字符"),
    ("USCC too short", {"uscc": "91350100M000100Y4"}, "uscc", "18位"),
    ("USCC of another agency", lambda w: {"uscc": w.dept.uscc}, "uscc", "已被"),
    ("duplicate name", lambda w: {"name": w.dept.name}, "name", "已有"),
    ("duplicate name with spaces around it", lambda w: {"name": f" {w.dept.name} "}, "name", "已有"),
    ("region code of 5 digits", {"region_code": "37100"}, "region_code", "6位"),
    ("region code with a letter", {"region_code": "37100A"}, "region_code", "6位"),
    ("region code of 7 digits", {"region_code": "3710021"}, "region_code", ""),
    ("region code in Arabic-Indic digits", {"region_code": "٣٧١٠٠٢"}, "region_code", "6位"),
]


@pytest.mark.parametrize("case, overrides, field, words", BAD, ids=[b[0] for b in BAD])
def test_bad_agency_is_refused_beside_its_field_and_nothing_stored(client, admin, case, overrides, field, words):
    if callable(overrides):
        overrides = overrides(admin)
    typed = agency_form(admin.district, **overrides)
    before, creates = agencies(), len(audit("agency.create"))
    response = client.post("/admin/agencies/new", data=typed)
    assert response.status_code in (200, 422), case
    errors = page.field_errors(response, field)
    assert errors and any(words in e for e in errors), (case, page.all_field_errors(response))
    assert all(is_chinese_message(e) for e in page.all_field_errors(response)), page.all_field_errors(response)
    assert page.input_value(response, "short_name") == typed["short_name"]
    assert page.input_value(response, "uscc") == typed["uscc"].strip()
    db.session.expire_all()
    assert agencies() == before
    assert len(audit("agency.create")) == creates


def test_a_body_cannot_be_turned_into_an_entrusted_organisation(client, auth, world, frozen):
    """An entrusted organisation is never a body (seed 四(三)): a confirmed body keeps a kind that may be one."""
    auth.login("admin")
    response = _edit(client, world.dept, kind="entrusted")
    errors = page.field_errors(response, "kind")
    assert errors and "执法主体" in errors[0]
    assert reload(world.dept).kind == "government"


def _edit(client, agency, **changes):
    values = page.form_values(client.get(f"/admin/agencies/{agency.id}/edit"))
    for key, value in changes.items():
        values[key] = [value]
    return client.post(f"/admin/agencies/{agency.id}/edit", data=values)


def test_moving_an_agency_moves_its_subtree_and_the_scopes_follow(client, auth, world, frozen):
    squad = make_agency(world.dept, name="环翠区综合行政执法局第一中队", short_name="一中队", region_code="371002")
    team = make_agency(squad, name="环翠区综合行政执法局第一中队一组", short_name="一组", region_code="371002")
    make_officer(squad, name="周一中")
    make_officer(team, name="吴一组")
    make_staff("legal_wendeng", "legal", [world.other_district])

    auth.login("legal_wendeng")
    assert {r[0] for r in page.table_rows(client.get("/officers"))} == {"孙丽明"}
    auth.logout()

    auth.login("admin")
    response = _edit(client, world.dept, parent_id=str(world.other_district.id))
    assert response.status_code == 302, page.all_field_errors(response)
    auth.logout()

    dept, squad, team = reload(world.dept), reload(squad), reload(team)
    other_district = reload(world.other_district)
    assert dept.parent_id == other_district.id
    assert dept.path == f"{other_district.path}{dept.id}/"
    assert squad.path == f"{dept.path}{squad.id}/" and squad.parent_id == dept.id
    assert team.path == f"{squad.path}{team.id}/"
    assert reload(world.dept2).path == f"{reload(world.district).path}{world.dept2.id}/"  # the sibling stays
    [entry] = audit("agency.update")
    assert entry.change["parent_id"] == [world.district.id, world.other_district.id]

    auth.login("legal_wendeng")
    assert {r[0] for r in page.table_rows(client.get("/officers"))} == {"孙丽明", "王建国", "周一中", "吴一组"}
    assert client.get(f"/officers/{world.officer.id}").status_code == 200
    auth.logout()

    auth.login("legal_district")
    assert {r[0] for r in page.table_rows(client.get("/officers"))} == {"赵敏华"}
    assert client.get(f"/officers/{world.officer.id}").status_code == 404
    auth.logout()

    auth.login("hr")  # the HR's scope node moved with its subtree
    assert {r[0] for r in page.table_rows(client.get("/officers"))} == {"王建国", "周一中", "吴一组"}


def test_moving_and_renaming_at_once_keeps_both(client, admin):
    response = _edit(client, admin.dept2, parent_id=str(admin.other_district.id), short_name="环翠市场监管")
    assert response.status_code == 302, page.all_field_errors(response)
    dept2 = reload(admin.dept2)
    assert dept2.short_name == "环翠市场监管"
    assert dept2.path == f"{reload(admin.other_district).path}{dept2.id}/"


def test_an_agency_can_become_a_root(client, admin):
    response = _edit(client, admin.other_district, parent_id="0")
    assert response.status_code == 302, page.all_field_errors(response)
    other = reload(admin.other_district)
    assert other.parent_id is None and other.path == f"/{other.id}/"
    assert reload(admin.other_dept).path == f"/{other.id}/{admin.other_dept.id}/"


@pytest.mark.parametrize("target", ["dept", "district"])
def test_moving_an_agency_under_itself_or_its_descendant_is_refused(client, admin, target):
    squad = make_agency(admin.dept, name="环翠区综合行政执法局第一中队", short_name="一中队", region_code="371002")
    paths = {a.id: a.path for a in db.session.scalars(sa.select(Agency))}
    form = client.get(f"/admin/agencies/{admin.district.id}/edit")
    offered = {o.attrs["value"] for o in page.parse(form.get_data(as_text=True)).find(
        "select", name="parent_id").find_all("option")}
    assert str(admin.district.id) not in offered and str(admin.dept.id) not in offered
    assert str(squad.id) not in offered and str(admin.city.id) in offered

    response = _edit(client, admin.district, parent_id=str(getattr(admin, target).id))
    assert response.status_code in (200, 422)
    errors = page.field_errors(response, "parent_id")
    assert errors and all(is_chinese_message(e) for e in errors), errors
    response = _edit(client, admin.district, parent_id=str(squad.id))
    assert page.field_errors(response, "parent_id")

    db.session.expire_all()
    assert {a.id: a.path for a in db.session.scalars(sa.select(Agency))} == paths
    assert reload(admin.district).parent_id == admin.city.id
    assert audit("agency.update") == []


@pytest.mark.parametrize("login", ["hr", "legal_city"])
def test_only_admin_keeps_agencies(client, auth, world, login):
    auth.login(login)
    assert client.get("/admin/agencies").status_code == 403
    assert client.post("/admin/agencies/new", data=agency_form(world.district)).status_code == 403
    assert client.post(f"/admin/agencies/{world.dept.id}/edit", data=agency_form(world.district)).status_code == 403
    assert db.session.scalar(sa.select(Agency).where(Agency.name == "环翠区交通运输局")) is None


def test_unknown_agency_is_404(client, admin):
    assert client.get("/admin/agencies/99999/edit").status_code == 404


def test_uscc_helper_of_the_factories_makes_valid_codes():
    assert all(uscc.problem(make_uscc(n)) is None for n in range(1, 50))


def test_two_admins_racing_on_one_name_the_second_is_told_why(client, admin, monkeypatch):
    """Another admin adds an agency of the same name after this request checked but before it wrote."""
    from portal import clock
    from portal.orgs.agencies import services

    checked = services.validate
    raced = []

    def validate_then_a_colleague_saves(*args, **kwargs):
        checked(*args, **kwargs)
        if not raced:
            raced.append(True)
            now = clock.now()
            with db.engine.begin() as conn:
                conn.execute(Agency.__table__.insert().values(
                    name="环翠区交通运输局", short_name="同事建的", region_code="371002", kind="government",
                    path="", sort_order=0, qualification_status="pending", created_at=now, updated_at=now))

    monkeypatch.setattr(services, "validate", validate_then_a_colleague_saves)
    response = client.post("/admin/agencies/new", data=agency_form(admin.district))
    assert raced
    assert response.status_code in (200, 422)
    assert any("已有" in e for e in page.field_errors(response, "name"))
    [agency] = db.session.scalars(sa.select(Agency).where(Agency.name == "环翠区交通运输局"))
    assert agency.short_name == "同事建的"
    assert [e for e in audit("agency.create") if e.actor_id == admin.admin.id] == []
