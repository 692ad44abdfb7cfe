"""Bearer-token authentication: only ``Authorization: Bearer <token>`` of an active account opens the API; a session
cookie never does (so CSRF does not apply); every refusal is the JSON error shape with ``WWW-Authenticate``."""
from __future__ import annotations

import pytest

from portal import clock
from portal.auth import services as auth_services
from portal.auth.models import ApiToken
from portal.extensions import db
from tests.api.helpers import bearer, error_of
from tests.auth.helpers import audit_actions, csrf_token
from tests.conftest import PASSWORD
from tests.factories import SYSTEM


def assert_401(response, token_sent: bool = True):
    """RFC 6750: ``WWW-Authenticate: Bearer``, with ``error="invalid_token"`` when a bearer token was sent."""
    assert response.status_code == 401, response.get_data(as_text=True)[:300]
    expected = 'Bearer realm="api", error="invalid_token"' if token_sent else 'Bearer realm="api"'
    assert response.headers["WWW-Authenticate"] == expected
    error = error_of(response)
    assert error["code"] == "unauthorized" and "令牌" in error["message"]
    assert "items" not in error


def test_a_valid_token_answers_200(api, issue, world):
    body = api.json("/officers", issue("hr"))
    assert body["total"] == 1


def test_missing_header_is_401(api, world):
    response = api.get("/officers")
    assert_401(response, token_sent=False)
    assert response.headers.get("Set-Cookie") is None  # the API never starts a session


@pytest.mark.parametrize(("header", "token_sent"), [
    ("Basic aHI6Y29ycmVjdC1ob3JzZS00Mg==", False),  # another scheme
    ("Token {raw}", False),
    ("{raw}", False),  # no scheme at all
    ("Bearer", False),
    ("Bearer ", False),
    ("Bearer    ", False),
    ("Bearer zf_", True),
    ("Bearer zf_unknown-token-unknown-token-unknown-token-000", True),
    ("Bearer {raw}x", True),  # one character too many
    ("Bearer {raw_cut}", True),  # one too few
    ("Bearer not-a-portal-token", True),
    ("Bearer zf_" + "a" * 5000, True),  # very long
])
def test_wrong_scheme_or_unknown_token_is_401(api, issue, world, header, token_sent):
    raw = issue("hr")
    response = api.get("/officers", headers={"Authorization": header.format(raw=raw, raw_cut=raw[:-1])})
    assert_401(response, token_sent)


def test_the_scheme_is_case_insensitive_and_spaces_around_the_token_are_ignored(api, issue, world):
    """RFC 7235: the auth scheme is case-insensitive."""
    raw = issue("hr")
    for header in (f"bearer {raw}", f"BEARER {raw}", f"Bearer  {raw} "):
        api.get("/officers", headers={"Authorization": header}, expect=200)


def test_token_revoked_on_the_admin_page_stops_at_once(api, client, auth, issue, world):
    raw = issue("hr")
    api.get("/officers", raw, expect=200)
    [token] = db.session.scalars(db.select(ApiToken)).all()
    auth.login("admin")
    assert client.post(f"/admin/tokens/{token.id}/revoke").status_code == 302
    auth.logout()
    assert_401(api.get("/officers", raw))
    [entry] = audit_actions("token.revoke")
    assert entry.actor == "admin" and entry.object_id == str(token.id)


def test_token_revoked_by_the_service_stops_and_revoking_again_changes_nothing(api, issue, world):
    raw = issue("legal_city")
    other = issue("legal_city")
    api.get("/officers", raw, expect=200)
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.prefix == raw[:10]))
    auth_services.revoke_token(SYSTEM, token, clock.now())
    db.session.commit()
    assert_401(api.get("/officers", raw))
    revoked_at = token.revoked_at
    auth_services.revoke_token(SYSTEM, token, clock.now())
    db.session.commit()
    assert token.revoked_at == revoked_at and len(audit_actions("token.revoke")) == 1
    api.get("/officers", other, expect=200)  # the account's other token still works


def test_deactivated_account_token_is_401_and_works_again_when_reactivated(api, client, auth, issue, world):
    raw = issue("hr")
    auth.login("admin")
    form = {"username": "hr", "display_name": "hr", "role": "hr", "scopes": [world.dept.id]}
    assert client.post(f"/admin/users/{world.hr.id}/edit", data=form).status_code == 302  # 允许登录 unticked
    assert_401(api.get("/officers", raw))
    assert client.post(f"/admin/users/{world.hr.id}/edit", data={**form, "active": "y"}).status_code == 302
    api.get("/officers", raw, expect=200)


def test_role_and_scope_changes_apply_to_existing_tokens_at_once(api, client, auth, issue, world):
    raw = issue("hr")
    assert {i["id"] for i in api.json("/officers", raw)["items"]} == {world.officer.id}
    auth.login("admin")
    form = {"username": "hr", "display_name": "hr", "role": "hr", "scopes": [world.other_dept.id], "active": "y"}
    assert client.post(f"/admin/users/{world.hr.id}/edit", data=form).status_code == 302
    assert {i["id"] for i in api.json("/officers", raw)["items"]} == {world.other_officer.id}
    form["role"] = "admin"
    form["scopes"] = []
    assert client.post(f"/admin/users/{world.hr.id}/edit", data=form).status_code == 302
    assert error_of(api.get("/officers", raw, expect=403))["code"] == "forbidden"


@pytest.mark.parametrize("login", ["hr", "legal_city", "admin", "officer"])
def test_a_session_cookie_alone_never_authenticates(api, client, auth, world, login):
    name = world.officer.id_number if login == "officer" else login
    assert auth.login(name).status_code == 302
    assert client.get("/home").status_code == 200  # signed in for the pages
    assert_401(api.get("/officers"), token_sent=False)


def test_with_a_session_cookie_and_a_token_the_token_decides(api, auth, issue, world):
    raw = issue("hr")
    assert auth.login("legal_city").status_code == 302  # would see all three officers on the pages
    body = api.json("/officers", raw)
    assert {i["id"] for i in body["items"]} == {world.officer.id}


def test_csrf_is_not_required_and_the_session_cookie_is_ignored(app, api, client, issue, world):
    raw = issue("hr")
    app.config["WTF_CSRF_ENABLED"] = True  # conftest switches it off again after the test
    sign_in = client.get("/login")
    assert client.post("/login", data={"login": "legal_city", "password": PASSWORD,
                                       "csrf_token": csrf_token(sign_in)}).status_code == 302
    assert client.post("/logout").status_code == 400  # CSRF is on for the pages
    body = api.json("/officers", raw)  # no CSRF token needed
    assert {i["id"] for i in body["items"]} == {world.officer.id}  # hr's scope, not legal_city's
    assert_401(api.get("/officers"), token_sent=False)  # the signed-in session alone: refused
    # a write without a CSRF token is answered by the API (JSON 405 here), never the CSRF page
    response = client.post("/api/v1/officers", headers=bearer(raw), json={})
    assert response.status_code == 405 and error_of(response)["code"] == "method_not_allowed"


def test_admin_token_is_403_json(api, issue, world):
    response = api.get("/officers", issue("admin"), expect=403)
    error = error_of(response)
    assert error["code"] == "forbidden" and "系统管理员" in error["message"]


def test_use_is_noted_on_the_token(api, issue, frozen, world):
    raw = issue("hr")
    token = db.session.scalar(db.select(ApiToken))
    assert token.last_used_at is None
    api.get("/officers", raw, expect=200)
    db.session.expire_all()
    assert token.last_used_at == clock.now()


def test_a_refused_call_is_noted_as_a_use_too(api, issue, frozen, world):
    """A token probing what it may not read (404 outside scope, 403) is seen as used: the stamp is kept even though
    the call's own unit of work is rolled back."""
    raw = issue("hr")
    token = db.session.scalar(db.select(ApiToken))
    api.get("/certificates/371000999999999", raw, expect=404)
    db.session.expire_all()
    assert token.last_used_at == clock.now()


def test_responses_with_personal_data_are_not_cached(api, issue, world):
    response = api.get("/officers", issue("hr"), expect=200)
    assert "no-store" in response.headers.get("Cache-Control", "")
