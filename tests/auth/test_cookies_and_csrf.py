"""Session cookie flags, and CSRF protection on every form (every POST route of the app)."""
from __future__ import annotations

import io
import re

from portal.auth.models import User
from portal.config import from_environment
from portal.officers.models import Officer
from portal.orgs.models import Agency
from portal.policy import PolicySetting
from tests.auth.helpers import audit_actions, count, csrf_token, form_values, one_time_password, path_of, text
from tests.conftest import PASSWORD
from tests.factories import image_bytes


def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("portal_session=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def test_session_cookie_is_httponly_and_samesite_lax(client, auth, world):
    cookie = _session_cookie(auth.login("hr"))
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


def test_production_config_makes_the_session_cookie_secure():
    production = from_environment({"SECRET_KEY": "x", "WEB_CONCURRENCY": "1"})
    assert production["APP_ENV"] == "production"
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert from_environment({"SECRET_KEY": "x", "APP_ENV": "development"})["SESSION_COOKIE_SECURE"] is False


def test_secure_flag_reaches_the_cookie(app, world):
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        browser = app.test_client()
        response = browser.post("/login", data={"login": "hr", "password": PASSWORD},
                                base_url="https://localhost")
        attributes = [part.strip().lower() for part in _session_cookie(response).split(";")]
        assert "secure" in attributes
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False


# ---------------------------------------------------------------------------------------------- CSRF

def _post_routes(app):
    """Every (rule, endpoint) of the app that takes POST, except a JSON API's (which uses tokens)."""
    rules = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods
             and not rule.rule.startswith("/api/")]
    assert len(rules) >= 14, [r.rule for r in rules]
    return rules


def _url(rule, world) -> str:
    """The rule with real ids filled in (any other argument gets 1: the token is checked before the view)."""
    values = {"user_id": world.hr_other.id, "officer_id": world.officer.id, "agency_id": world.dept.id}
    return re.sub(r"<(?:[^:>]+:)?([a-z_]+)>", lambda m: str(values.get(m.group(1), 1)), rule.rule)


def _payload(path: str, world) -> dict:
    """Data that would be accepted if the token were not needed, so a route without CSRF would change things."""
    payloads = {
        "/login": {"login": "hr", "password": PASSWORD},
        "/password": {"current": PASSWORD, "new": "brand-new-secret-1", "confirm": "brand-new-secret-1"},
        "/admin/users/new": {"username": "intruder", "display_name": "入侵者", "role": "admin"},
        f"/admin/users/{world.hr_other.id}/edit": {"username": "hr_other", "display_name": "改名", "role": "admin",
                                                   "active": "y"},
        "/admin/settings": {"auth.lockout_attempts": "20", "auth.lockout_minutes": "1",
                            "auth.staff_idle_minutes": "480", "officers.categories": "城市管理"},
        "/admin/agencies/new": {"name": "伪造局", "short_name": "伪造", "region_code": "371000", "kind": "other",
                                "parent_id": "0", "qualification_status": "pending"},
        f"/officers/{world.officer.id}/photo": {"photo": (io.BytesIO(image_bytes()), "p.png")},
    }
    return payloads.get(path, {})


def _state():
    return (len(audit_actions()), count(User), count(Agency), count(Officer), count(PolicySetting))


def test_every_post_route_refuses_a_request_without_token(app, world):
    browsers = {"anonymous": app.test_client()}
    for login in ("admin", "hr", "legal_city", world.officer.id_number):
        browser = app.test_client()
        assert path_of(browser.post("/login", data={"login": login, "password": PASSWORD})) == "/home"
        browsers[login] = browser
    before = _state()
    app.config["WTF_CSRF_ENABLED"] = True
    checked = []
    for rule in _post_routes(app):
        for who, browser in browsers.items():
            path = _url(rule, world)
            response = browser.post(path, data=_payload(path, world))
            assert response.status_code == 400, (rule.rule, who, response.status_code)
            assert "CSRF" in text(response), (rule.rule, who)
            checked.append(rule.endpoint)
    assert {"auth.login", "auth.logout", "auth.change_password", "admin.create_user", "admin.edit_user",
            "admin.reset_user", "admin.unlock_user", "admin.settings", "admin.verify_audit",
            "officers.account", "officers.create", "officers.edit", "officers.upload_photo",
            "orgs.create", "orgs.edit"} <= set(checked)
    assert _state() == before
    # nobody was signed out by the refused /logout, nor had a password changed
    app.config["WTF_CSRF_ENABLED"] = False
    for who, browser in browsers.items():
        if who != "anonymous":
            assert browser.get("/home").status_code == 200, who


def test_token_from_a_wrong_session_is_refused(app, world):
    app.config["WTF_CSRF_ENABLED"] = True
    first, second = app.test_client(), app.test_client()
    token = csrf_token(first.get("/login"))
    second.get("/login")
    response = second.post("/login", data={"login": "hr", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 400
    assert audit_actions("auth.login") == []


def test_login_form_carries_a_token_that_works(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    token = csrf_token(client.get("/login"))
    response = client.post("/login", data={"login": "hr", "password": PASSWORD, "csrf_token": token})
    assert path_of(response) == "/home"
    assert client.get("/home").status_code == 200


def test_every_form_page_carries_a_token_and_a_post_with_it_succeeds(app, client, auth, world):
    auth.login("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    for page in ("/password", "/admin/users/new", f"/admin/users/{world.hr.id}/edit", "/admin/settings",
                 "/admin/agencies/new", f"/admin/agencies/{world.dept.id}/edit", "/admin/users", "/audit"):
        response = client.get(page)
        assert response.status_code == 200, page
        csrf_token(response)

    token = csrf_token(client.get("/admin/users/new"))
    created = client.post("/admin/users/new", data={"username": "clerk", "display_name": "书记员", "role": "admin",
                                                    "csrf_token": token})
    assert created.status_code == 200
    one_time_password(created)

    settings = form_values(client.get("/admin/settings"))
    assert settings["csrf_token"]
    settings["auth.lockout_attempts"] = "4"
    assert path_of(client.post("/admin/settings", data=settings)) == "/admin/settings"
    assert count(PolicySetting) == 1

    # the buttons on the edit page (reset, sign-out) carry tokens that work too
    edit = client.get(f"/admin/users/{world.hr.id}/edit")
    reset = client.post(f"/admin/users/{world.hr.id}/reset", data={"csrf_token": csrf_token(edit)})
    assert reset.status_code == 200
    one_time_password(reset)
    assert path_of(client.post("/logout", data={"csrf_token": csrf_token(client.get("/home"))})) == "/login"


def test_hr_and_officer_pages_carry_tokens(app, client, auth, world):
    auth.login("hr")
    app.config["WTF_CSRF_ENABLED"] = True
    for page in ("/officers/new", f"/officers/{world.officer.id}", f"/officers/{world.officer.id}/edit"):
        response = client.get(page)
        assert response.status_code == 200, page
        csrf_token(response)
    account = client.post(f"/officers/{world.officer.id}/account",
                          data={"csrf_token": csrf_token(client.get(f"/officers/{world.officer.id}"))})
    assert account.status_code == 200
    one_time_password(account)
