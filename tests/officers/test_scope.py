"""An officer outside the account's scope answers 404 to every page and action, and nothing changes."""
import io

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from portal.officers.models import Officer
from tests.factories import image_bytes
from tests.officers import page
from tests.officers.helpers import audit_entries, count, officer_form, photo_of


def snapshot(officer) -> dict:
    db.session.expire_all()
    o = db.session.get(Officer, officer.id)
    return {c: getattr(o, c) for c in ("name", "post", "region", "mobile", "status", "agency_id", "version",
                                        "has_photo", "id_number")} | {"categories": o.categories}


@pytest.fixture
def photographed(client, auth, world):
    """world.officer with a photo, uploaded by their own HR."""
    auth.login("hr")
    response = client.post(f"/officers/{world.officer.id}/photo",
                           data={"photo": (io.BytesIO(image_bytes("JPEG", size=(300, 400))), "a.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    auth.logout()
    return world


@pytest.mark.parametrize("login, target", [
    ("hr_other", "officer"),        # another district's HR
    ("hr", "officer2"),             # a sibling agency
    ("hr", "other_officer"),
])
def test_hr_outside_scope_gets_404_everywhere_and_changes_nothing(client, auth, photographed, login, target):
    world = photographed
    officer = getattr(world, target)
    before = snapshot(officer)
    photo_before = photo_of(officer)
    photo_before = photo_before.data if photo_before else None
    accounts_before = count(User)
    had_account = db.session.scalar(sa.select(User.id).where(User.officer_id == officer.id))
    auth.login(login)
    audit_before = len(audit_entries())  # signing in is audited too
    base = f"/officers/{officer.id}"
    own_agency = world.dept if login == "hr" else world.other_dept

    responses = {
        "detail": client.get(base),
        "reveal": client.get(f"{base}?show=id_number"),
        "edit form": client.get(f"{base}/edit"),
        "edit": client.post(f"{base}/edit", data=officer_form(
            own_agency, id_number=officer.id_number, birth_date=officer.birth_date.isoformat(),
            gender=officer.gender, post="被越权修改", version=str(officer.version))),
        "photo": client.get(f"{base}/photo"),
        "upload": client.post(f"{base}/photo", data={"photo": (io.BytesIO(image_bytes("PNG")), "b.png")},
                              content_type="multipart/form-data"),
        "account": client.post(f"{base}/account"),
    }
    for what, response in responses.items():
        assert response.status_code == 404, what
        html = response.get_data(as_text=True)
        assert officer.id_number not in html and officer.name not in html and officer.mobile not in html, what

    assert snapshot(officer) == before
    after = photo_of(officer)
    assert (after.data if after else None) == photo_before
    assert len(audit_entries()) == audit_before
    assert count(User) == accounts_before
    assert db.session.scalar(sa.select(User.id).where(User.officer_id == officer.id)) == had_account


def test_in_scope_hr_may_open_an_account_for_comparison(client, auth, world):
    auth.login("hr")
    response = client.post(f"/officers/{world.officer.id}/account")
    assert response.status_code == 200
    assert "一次性密码" in page.text(response)


def test_legal_outside_scope_gets_404(client, auth, world):
    auth.login("legal_district")
    for path in (f"/officers/{world.other_officer.id}", f"/officers/{world.other_officer.id}?show=id_number",
                 f"/officers/{world.other_officer.id}/photo"):
        assert client.get(path).status_code == 404, path
    assert audit_entries("officer.id_number_viewed") == []


def test_legal_in_scope_reads_but_may_not_change(client, auth, world):
    auth.login("legal_district")
    assert client.get(f"/officers/{world.officer2.id}").status_code == 200
    for path in (f"/officers/{world.officer2.id}/edit", f"/officers/{world.officer2.id}/photo",
                 f"/officers/{world.officer2.id}/account"):
        assert client.post(path, data={}).status_code == 403, path


def test_an_unknown_officer_is_404(client, auth, world):
    auth.login("legal_city")
    assert client.get("/officers/987654").status_code == 404
