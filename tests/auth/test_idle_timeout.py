"""Staff sessions end after 30 minutes idle (policy default); officers' do not."""
from __future__ import annotations

from urllib.parse import quote

from tests.auth.helpers import form_values, path_of, query_of, text
from tests.conftest import PASSWORD


def test_staff_request_thirty_minutes_after_the_last_still_works(client, auth, world, frozen):
    auth.login("hr")
    frozen("2026-11-26T09:30:00")
    assert client.get("/home").status_code == 200
    # the clock restarts at every request
    frozen("2026-11-26T10:00:00")
    assert client.get("/officers").status_code == 200


def test_staff_signed_out_thirty_minutes_and_one_second_after_the_last_request(client, auth, world, frozen):
    auth.login("hr")
    frozen("2026-11-26T09:20:00")
    assert client.get("/home").status_code == 200
    frozen("2026-11-26T09:50:01")
    response = client.get("/officers?q=王")
    assert path_of(response) == "/login"
    assert query_of(response)["next"] == ["/officers?q=王"]
    login_page = client.get(response.headers["Location"])
    assert login_page.status_code == 200
    assert "30分钟未操作" in text(login_page)
    assert "自动退出" in text(login_page)
    # signed out for good, not just for one request
    assert path_of(client.get("/home")) == "/login"
    # signing in again works and goes back where the user was
    again = client.post(response.headers["Location"], data={"login": "hr", "password": PASSWORD})
    assert again.headers["Location"] == "/officers?q=" + quote("王")


def test_every_staff_role_times_out(app, world, frozen):
    for login in ("hr", "legal_city", "admin"):
        frozen("2026-11-26T09:00")
        browser = app.test_client()
        browser.post("/login", data={"login": login, "password": PASSWORD})
        frozen("2026-11-26T09:30:01")
        assert path_of(browser.get("/home")) == "/login", login


def test_a_timed_out_post_changes_nothing(client, auth, world, frozen):
    auth.login("admin")
    frozen("2026-11-26T09:31")
    response = client.post("/admin/users/new", data={"username": "late", "display_name": "迟到", "role": "admin"})
    assert path_of(response) == "/login"
    frozen("2026-11-26T09:32")
    auth.login("admin")
    assert "late" not in text(client.get("/admin/users"))


def test_officers_are_not_timed_out(client, auth, world, frozen):
    auth.login(world.officer.id_number)
    frozen("2026-11-26T17:00")
    assert client.get("/home").status_code == 200
    frozen("2026-11-28T09:00")
    assert client.get("/me").status_code == 200


def test_idle_minutes_follow_the_policy_setting(app, client, auth, world, frozen):
    admin = app.test_client()
    admin.post("/login", data={"login": "admin", "password": PASSWORD})
    values = form_values(admin.get("/admin/settings"))
    values["auth.staff_idle_minutes"] = "10"
    assert path_of(admin.post("/admin/settings", data=values)) == "/admin/settings"

    auth.login("hr")
    frozen("2026-11-26T09:10:00")
    assert client.get("/home").status_code == 200
    frozen("2026-11-26T09:20:01")
    response = client.get("/home")
    assert path_of(response) == "/login"
    assert "10分钟未操作" in text(client.get(response.headers["Location"]))
