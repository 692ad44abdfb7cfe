"""Sign-in attempts are limited per client address (LOGIN_RATE_LIMIT)."""
from __future__ import annotations

import pytest

from portal.extensions import limiter
from tests.auth.helpers import audit_actions, path_of, text
from tests.conftest import PASSWORD


@pytest.fixture
def three_per_minute(app):
    saved = app.config["LOGIN_RATE_LIMIT"]
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    limiter.reset()
    try:
        yield
    finally:
        app.config["LOGIN_RATE_LIMIT"] = saved
        limiter.reset()


def test_fourth_sign_in_attempt_in_a_minute_answers_429_in_chinese(app, client, world, three_per_minute):
    for _ in range(3):
        assert client.post("/login", data={"login": "hr", "password": "wrong-password-1"}).status_code == 401
    fourth = client.post("/login", data={"login": "hr", "password": PASSWORD})
    assert fourth.status_code == 429
    page = text(fourth)
    assert "请求过于频繁，请稍后再试" in page
    assert '<html lang="zh-CN">' in page
    # the refused attempt did not sign anyone in nor count as a failure
    assert path_of(client.get("/home")) == "/login"
    assert len(audit_actions("auth.login_failed")) == 3
    assert audit_actions("auth.login") == []
    # the form itself still loads
    assert client.get("/login").status_code == 200


def test_successful_sign_ins_count_too(app, world, three_per_minute):
    browser = app.test_client()
    for _ in range(3):
        assert path_of(browser.post("/login", data={"login": "hr", "password": PASSWORD})) == "/home"
        browser.post("/logout")
    assert browser.post("/login", data={"login": "hr", "password": PASSWORD}).status_code == 429


def test_limit_is_per_client_address(app, world, three_per_minute):
    browser = app.test_client()
    for _ in range(3):
        browser.post("/login", data={"login": "hr", "password": "wrong-password-1"},
                     environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert browser.post("/login", data={"login": "hr", "password": "wrong-password-1"},
                        environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 429
    other = app.test_client()
    response = other.post("/login", data={"login": "hr", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert path_of(response) == "/home"
