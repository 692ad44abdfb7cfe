"""One-time passwords: HR opens and resets officers' accounts, admin creates and resets staff accounts; the
password must be changed at first sign-in, under the password rule."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from tests.auth.helpers import audit_actions, count, one_time_password, path_of, text
from tests.conftest import PASSWORD
from tests.factories import make_officer

NEW_PASSWORD = "my-own-secret-2026"


@pytest.fixture
def hr(app, world):
    browser = app.test_client()
    assert path_of(browser.post("/login", data={"login": "hr", "password": PASSWORD})) == "/home"
    return browser


@pytest.fixture
def admin(app, world):
    browser = app.test_client()
    assert path_of(browser.post("/login", data={"login": "admin", "password": PASSWORD})) == "/home"
    return browser


@pytest.fixture
def newcomer(world):
    """An officer in HR's agency without a sign-in account."""
    return make_officer(world.dept, name="刘新华")


def _change(client, current, new, confirm=None):
    return client.post("/password", data={"current": current, "new": new,
                                          "confirm": new if confirm is None else confirm})


def test_hr_opens_an_officer_account_and_the_password_is_shown_once(client, auth, hr, newcomer):
    assert count(User) == 6
    response = hr.post(f"/officers/{newcomer.id}/account")
    assert response.status_code == 200
    one_time = one_time_password(response)
    assert len(one_time) == 14
    assert "只显示这一次" in text(response)
    assert count(User) == 7
    assert [e.action for e in audit_actions()][-2:] == ["user.create", "auth.password_reset"]
    # nowhere else: the officer's page does not show it
    assert one_time not in text(hr.get(f"/officers/{newcomer.id}"))
    assert one_time not in text(hr.get("/officers"))

    signed_in = auth.login(newcomer.id_number, one_time)
    assert path_of(signed_in) == "/password"
    assert "设置新密码" in text(client.get("/password"))


def test_officer_with_one_time_password_is_sent_to_password_for_every_page(client, auth, hr, newcomer):
    one_time = one_time_password(hr.post(f"/officers/{newcomer.id}/account"))
    auth.login(newcomer.id_number, one_time)
    for page in ("/home", "/me", "/me/photo", "/officers", "/admin/users", "/audit"):
        response = client.get(page)
        assert response.status_code == 302, page
        assert path_of(response) == "/password", page
    # the public front page and signing out stay open
    assert client.get("/").status_code == 200
    assert path_of(auth.logout()) == "/login"


@pytest.mark.parametrize("new, confirm, message", [
    ("short-1", None, "密码至少需要10个字符"),
    ("", None, "请输入新密码"),
    ("a-long-enough-one", "a-long-enough-two", "两次输入的新密码不一致"),
])
def test_password_rule_for_officers(client, auth, hr, newcomer, new, confirm, message):
    one_time = one_time_password(hr.post(f"/officers/{newcomer.id}/account"))
    auth.login(newcomer.id_number, one_time)
    response = _change(client, one_time, new, confirm)
    assert response.status_code == 200
    assert message in text(response)
    assert path_of(client.get("/home")) == "/password"


def test_password_must_not_contain_the_id_number(client, auth, hr, newcomer):
    one_time = one_time_password(hr.post(f"/officers/{newcomer.id}/account"))
    auth.login(newcomer.id_number, one_time)
    for new in (f"pw-{newcomer.id_number}-1", f"{newcomer.id_number.lower()}!!"):
        response = _change(client, one_time, new)
        assert "密码不能包含用户名或身份证号" in text(response)
    assert path_of(client.get("/me")) == "/password"


def test_wrong_current_password_is_refused(client, auth, hr, newcomer):
    one_time = one_time_password(hr.post(f"/officers/{newcomer.id}/account"))
    auth.login(newcomer.id_number, one_time)
    response = _change(client, "not-the-one-time", NEW_PASSWORD)
    assert "当前密码不正确" in text(response)
    assert path_of(client.get("/me")) == "/password"


def test_new_password_must_differ_from_the_one_time_one(client, auth, hr, newcomer):
    one_time = one_time_password(hr.post(f"/officers/{newcomer.id}/account"))
    auth.login(newcomer.id_number, one_time)
    response = _change(client, one_time, one_time)
    assert "新密码不能与当前密码相同" in text(response)
    assert path_of(client.get("/me")) == "/password"


def test_after_the_change_the_new_password_works_and_the_one_time_one_does_not(client, auth, hr, newcomer):
    changes_before = len(audit_actions("auth.password_change"))
    one_time = one_time_password(hr.post(f"/officers/{newcomer.id}/account"))
    auth.login(newcomer.id_number, one_time)
    response = _change(client, one_time, NEW_PASSWORD)
    assert path_of(response) == "/home"
    assert "密码已修改" in text(client.get("/home"))
    assert client.get("/me").status_code == 200
    assert "刘新华" in text(client.get("/me"))
    [entry] = audit_actions("auth.password_change")[changes_before:]
    assert entry.change == {"one_time": False} and entry.actor == f"officer:{newcomer.id}"

    auth.logout()
    refused = auth.login(newcomer.id_number, one_time)
    assert refused.status_code == 401
    assert path_of(auth.login(newcomer.id_number, NEW_PASSWORD)) == "/home"


def test_resetting_again_ends_the_officers_session(app, client, auth, hr, newcomer):
    one_time = one_time_password(hr.post(f"/officers/{newcomer.id}/account"))
    auth.login(newcomer.id_number, one_time)
    _change(client, one_time, NEW_PASSWORD)
    assert client.get("/me").status_code == 200

    second = one_time_password(hr.post(f"/officers/{newcomer.id}/account"))
    assert second != one_time
    assert count(User) == 7  # the same account, reset

    ended = client.get("/me")
    assert path_of(ended) == "/login"
    assert auth.login(newcomer.id_number, NEW_PASSWORD).status_code == 401
    assert path_of(auth.login(newcomer.id_number, second)) == "/password"


def test_reset_lifts_a_lock(client, auth, hr, world, frozen):
    for _ in range(5):
        auth.login(world.officer.id_number, "wrong-password-1")
    one_time = one_time_password(hr.post(f"/officers/{world.officer.id}/account"))
    assert path_of(auth.login(world.officer.id_number, one_time)) == "/password"


def test_hr_cannot_open_accounts_outside_scope_or_as_another_role(app, client, auth, hr, world):
    resets = len(audit_actions("auth.password_reset"))
    assert hr.post(f"/officers/{world.other_officer.id}/account").status_code == 404
    assert hr.post(f"/officers/{world.officer2.id}/account").status_code == 404
    auth.login("legal_city")
    assert client.post(f"/officers/{world.officer.id}/account").status_code == 403
    assert count(User) == 6
    assert len(audit_actions("auth.password_reset")) == resets


# ---------------------------------------------------------------------------------------------- staff

def test_admin_creates_a_staff_user_with_a_one_time_password(client, auth, admin, world):
    response = admin.post("/admin/users/new", data={"username": "clerk", "display_name": "书记员", "role": "hr",
                                                    "scopes": [world.dept.id]})
    assert response.status_code == 200
    one_time = one_time_password(response)
    assert "clerk" in text(response)
    user = db.session.scalar(sa.select(User).where(User.username == "clerk"))
    assert user.role == "hr" and [a.id for a in user.scopes] == [world.dept.id]
    assert "待改密码" in text(admin.get("/admin/users"))

    assert path_of(auth.login("clerk", one_time)) == "/password"
    assert path_of(client.get("/officers")) == "/password"
    refused = _change(client, one_time, "clerk-2026-password")
    assert "密码不能包含用户名或身份证号" in text(refused)
    refused = _change(client, one_time, "CLERK-2026-password")
    assert "密码不能包含用户名或身份证号" in text(refused)
    assert path_of(_change(client, one_time, NEW_PASSWORD)) == "/home"
    assert client.get("/officers").status_code == 200


def test_admin_reset_gives_a_new_one_time_password_and_ends_the_session(app, client, auth, admin, world):
    resets = len(audit_actions("auth.password_reset"))
    auth.login("hr")
    assert client.get("/home").status_code == 200

    response = admin.post(f"/admin/users/{world.hr.id}/reset")
    assert response.status_code == 200
    one_time = one_time_password(response)
    [entry] = audit_actions("auth.password_reset")[resets:]
    assert entry.object_id == str(world.hr.id) and entry.actor == "admin"

    assert path_of(client.get("/home")) == "/login"
    assert auth.login("hr", PASSWORD).status_code == 401
    assert path_of(auth.login("hr", one_time)) == "/password"
    assert path_of(_change(client, one_time, NEW_PASSWORD)) == "/home"


def test_admin_reset_is_for_staff_only_and_admin_only(client, auth, admin, world):
    resets = len(audit_actions("auth.password_reset"))
    assert admin.post(f"/admin/users/{world.officer_user.id}/reset").status_code == 404
    assert admin.post("/admin/users/9999/reset").status_code == 404
    auth.login("hr")
    assert client.post(f"/admin/users/{world.hr_other.id}/reset").status_code == 403
    assert len(audit_actions("auth.password_reset")) == resets


def test_staff_may_change_their_own_password_any_time(client, auth, world):
    auth.login("legal_city")
    assert client.get("/password").status_code == 200
    assert "修改密码" in text(client.get("/password"))
    assert path_of(_change(client, PASSWORD, NEW_PASSWORD)) == "/home"
    # the session that changed it goes on
    assert client.get("/home").status_code == 200
    auth.logout()
    assert auth.login("legal_city", PASSWORD).status_code == 401
    assert path_of(auth.login("legal_city", NEW_PASSWORD)) == "/home"


def test_changing_the_password_ends_other_sessions(app, client, auth, world):
    other = app.test_client()
    other.post("/login", data={"login": "legal_city", "password": PASSWORD})
    auth.login("legal_city")
    _change(client, PASSWORD, NEW_PASSWORD)
    assert client.get("/home").status_code == 200
    assert path_of(other.get("/home")) == "/login"
