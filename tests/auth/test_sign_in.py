"""Sign-in: staff by user name, officers by ID number; failures say nothing about which part was wrong;
inactive accounts are refused; ``next`` never leads off-site; password hashes."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from tests.auth.helpers import audit_actions, one_time_password, path_of, text
from tests.conftest import PASSWORD
from tests.factories import make_officer, make_officer_account

GENERIC = "用户名（身份证号）或密码不正确"


def _signed_in(client) -> bool:
    response = client.get("/home")
    if response.status_code == 200:
        return True
    assert path_of(response) == "/login"
    return False


def test_staff_signs_in_by_user_name(client, auth, world):
    response = auth.login("hr")
    assert response.status_code == 302
    assert path_of(response) == "/home"
    page = client.get("/home")
    assert page.status_code == 200
    assert "人事工作台" in text(page)
    assert [e.actor for e in audit_actions("auth.login")] == ["hr"]


def test_staff_user_name_is_case_insensitive_and_trimmed(client, auth, world):
    assert path_of(auth.login("  HR ")) == "/home"
    assert _signed_in(client)


def test_officer_signs_in_by_id_number(client, auth, world):
    response = auth.login(world.officer.id_number)
    assert path_of(response) == "/home"
    assert "王建国，您好" in text(client.get("/home"))


def test_officer_id_number_with_lower_case_x(client, auth, world):
    officer = make_officer(world.dept, name="李晓梅", seq=_seq_with_x())
    assert officer.id_number.endswith("X")
    make_officer_account(officer)
    response = auth.login(officer.id_number[:-1] + "x")
    assert path_of(response) == "/home"
    assert "李晓梅" in text(client.get("/home"))


def _seq_with_x() -> int:
    """A factory sequence number whose synthetic ID number ends in the check character X."""
    from tests.factories import OfficerDataFactory

    for seq in range(1000, 1400):
        if OfficerDataFactory.build(seq=seq).id_number.endswith("X"):
            return seq
    raise AssertionError("no sequence number gives an ID number ending in X")


def test_officer_cannot_sign_in_by_display_name(client, auth, world):
    response = auth.login("王建国")
    assert response.status_code == 401
    assert GENERIC in text(response)


@pytest.mark.parametrize("who", ["hr", "officer"])
def test_wrong_password_is_refused_with_generic_message(client, auth, world, who):
    login = "hr" if who == "hr" else world.officer.id_number
    response = auth.login(login, "wrong-password-1")
    assert response.status_code == 401
    assert GENERIC in text(response)
    assert "portal_session" not in response.headers.get("Set-Cookie", "")
    assert not _signed_in(client)
    assert len(audit_actions("auth.login_failed")) == 1
    assert audit_actions("auth.login") == []


def test_unknown_user_gets_the_same_message(client, auth, world):
    known = auth.login("hr", "wrong-password-1")
    unknown = auth.login("nobody", "wrong-password-1")
    unknown_id = auth.login("110101199003070000", "wrong-password-1")
    for response in (unknown, unknown_id):
        assert response.status_code == 401
        assert GENERIC in text(response)
    # the pages differ in nothing but the echoed sign-in name
    assert text(known).replace('value="hr"', "") == text(unknown).replace('value="nobody"', "")
    assert not _signed_in(client)


def test_empty_fields_are_refused_in_chinese(client, world):
    response = client.post("/login", data={"login": "", "password": ""})
    assert response.status_code == 200
    assert "请输入用户名或身份证号" in text(response)
    assert "请输入密码" in text(response)
    assert not _signed_in(client)


def test_inactive_account_is_refused(client, auth, world):
    world.hr.active = False
    db.session.commit()
    response = auth.login("hr")
    assert response.status_code == 401
    assert "该账户已停用" in text(response)
    assert not _signed_in(client)
    assert audit_actions("auth.login") == []


def test_signed_in_user_visiting_login_goes_home(client, auth, world):
    auth.login("hr")
    assert path_of(client.get("/login")) == "/home"


def test_logout_ends_the_session(client, auth, world):
    auth.login("hr")
    response = auth.logout()
    assert path_of(response) == "/login"
    assert "您已安全退出" in text(client.get("/login"))
    assert not _signed_in(client)


def test_page_needing_sign_in_sends_to_login_with_next(client, auth, world):
    response = client.get("/admin/users?q=hr")
    assert path_of(response) == "/login"
    assert "next=" in response.headers["Location"]
    follow = client.post(response.headers["Location"], data={"login": "admin", "password": PASSWORD})
    assert follow.headers["Location"] == "/admin/users?q=hr"


# ---------------------------------------------------------------------------------------------- open redirect

@pytest.mark.parametrize("target", [
    "https://evil.example",
    "https://evil.example/home",
    "//evil.example",
    "//evil.example/home",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "evil.example",
])
def test_next_never_leads_off_site(client, world, target):
    response = client.post("/login", query_string={"next": target}, data={"login": "hr", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"


def test_next_within_the_site_is_followed(client, world):
    response = client.post("/login", query_string={"next": "/admin/users?role=hr"},
                           data={"login": "admin", "password": PASSWORD})
    assert response.headers["Location"] == "/admin/users?role=hr"


# ---------------------------------------------------------------------------------------------- hashes

def test_password_hashes_are_scrypt_and_never_hold_the_password(client, auth, world):
    admin = client
    auth.login("admin")
    created = admin.post("/admin/users/new", data={"username": "clerk", "display_name": "书记员", "role": "admin"})
    assert created.status_code == 200
    hashes = dict(db.session.execute(sa.select(User.username, User.password_hash)).all())
    assert set(hashes) >= {"hr", "hr_other", "legal_city", "legal_district", "admin", "clerk"}
    for username, password_hash in hashes.items():
        assert password_hash.startswith("scrypt:"), username
        assert PASSWORD not in password_hash, username
    officer_hash = db.session.scalar(sa.select(User.password_hash).where(User.officer_id == world.officer.id))
    assert officer_hash.startswith("scrypt:") and PASSWORD not in officer_hash
    one_time = one_time_password(created)
    assert one_time not in hashes["clerk"]
    assert one_time.replace("-", "") not in hashes["clerk"]


def test_a_copied_session_cookie_is_dead_after_logout(app, client, auth, world):
    """Signing out ends the session on the server too: a cookie captured before cannot be replayed."""
    auth.login(world.officer.id_number)
    cookie = client.get_cookie("portal_session")
    assert cookie is not None
    assert path_of(auth.logout()) == "/login"
    replay = app.test_client()
    replay.set_cookie("portal_session", cookie.value)
    assert path_of(replay.get("/me")) == "/login"
    # signing in again works
    assert path_of(auth.login(world.officer.id_number)) == "/home"
