"""The ID number is masked everywhere; showing it in full to staff is on request only and audited."""
import pytest

from tests.officers import page
from tests.officers.helpers import audit_entries


def masked(number: str) -> str:
    return number[:4] + "*" * 10 + number[-4:]


@pytest.mark.parametrize("login", ["hr", "legal_district", "legal_city"])
def test_list_and_detail_show_only_the_masked_number(client, auth, world, login):
    auth.login(login)
    listing = client.get("/officers").get_data(as_text=True)
    assert world.officer.id_number not in listing
    assert masked(world.officer.id_number) in listing
    assert world.officer.id_number[4:14] not in listing

    detail = client.get(f"/officers/{world.officer.id}")
    assert detail.status_code == 200
    html = detail.get_data(as_text=True)
    assert world.officer.id_number not in html
    assert world.officer.id_number[4:14] not in html
    assert masked(world.officer.id_number) in html
    assert f"/officers/{world.officer.id}?show=id_number" in page.links(detail)
    assert audit_entries("officer.id_number_viewed") == []


@pytest.mark.parametrize("login", ["hr", "legal_district"])
def test_showing_the_full_number_on_request_is_audited_once(client, auth, world, login):
    auth.login(login)
    response = client.get(f"/officers/{world.officer.id}?show=id_number")
    assert response.status_code == 200
    assert world.officer.id_number in response.get_data(as_text=True)
    [entry] = audit_entries("officer.id_number_viewed")
    assert entry.object_type == "officer" and entry.object_id == str(world.officer.id)
    assert entry.actor_id == getattr(world, login).id
    assert entry.agency_id == world.dept.id
    assert world.officer.id_number not in str(entry.change)

    # the next plain view neither shows nor audits
    again = client.get(f"/officers/{world.officer.id}")
    assert world.officer.id_number not in again.get_data(as_text=True)
    assert len(audit_entries("officer.id_number_viewed")) == 1


def test_each_showing_is_audited(client, auth, world):
    auth.login("hr")
    for _ in range(3):
        client.get(f"/officers/{world.officer.id}?show=id_number")
    assert len(audit_entries("officer.id_number_viewed")) == 3


def test_opening_the_edit_form_shows_the_number_and_audits_it(client, auth, world):
    auth.login("hr")
    response = client.get(f"/officers/{world.officer.id}/edit")
    assert response.status_code == 200
    assert page.input_value(response, "id_number") == world.officer.id_number
    [entry] = audit_entries("officer.id_number_viewed")
    assert entry.object_id == str(world.officer.id) and entry.actor_id == world.hr.id
    assert entry.change.get("context") == "edit"


def test_searching_by_the_full_number_does_not_put_it_in_the_result_rows(client, auth, world):
    auth.login("hr")
    response = client.get("/officers", query_string={"q": world.officer.id_number})
    rows = page.table_rows(response)
    assert len(rows) == 1 and rows[0][0] == "王建国"
    assert all(world.officer.id_number not in cell for cell in rows[0])


def test_officer_sees_own_number_masked_on_me(client, auth, world):
    auth.login(world.officer.id_number)
    response = client.get("/me")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "王建国" in html
    assert world.officer.id_number not in html
    assert masked(world.officer.id_number) in html
    assert audit_entries("officer.id_number_viewed") == []


def test_officers_and_anonymous_users_cannot_reach_staff_pages(client, auth, world):
    assert client.get(f"/officers/{world.officer.id}?show=id_number").status_code == 302  # to sign-in
    auth.login(world.officer.id_number)
    assert client.get("/officers").status_code == 403
    assert client.get(f"/officers/{world.officer.id}?show=id_number").status_code == 403
    assert audit_entries("officer.id_number_viewed") == []


def test_the_audit_log_page_never_shows_full_numbers(client, auth, world):
    auth.login("hr")
    client.get(f"/officers/{world.officer.id}?show=id_number")
    auth.logout()
    auth.login("admin")
    log = client.get("/audit")
    assert log.status_code == 200
    html = log.get_data(as_text=True)
    for officer in (world.officer, world.officer2, world.other_officer):
        assert officer.id_number not in html
        assert officer.mobile not in html
