"""Admins see a banner when the scheduler's heartbeat is missing or older than two hours; nobody else does."""
from __future__ import annotations

import datetime as dt

import pytest

from portal import scheduler
from tests.officers import page

NOON = dt.datetime(2026, 11, 26, 12, 0)


def banner(response) -> str | None:
    """The scheduler banner's text on a page, or None."""
    doc = page.parse(response.get_data(as_text=True))
    for node in doc.find_all("div", role="alert"):
        if "后台调度进程" in node.text():
            return node.text().strip()
    return None


@pytest.fixture
def admin(client, auth, world, frozen):
    """Signs the admin in — call it once the clock shows the moment to look (sessions end when idle)."""

    def sign_in():
        assert auth.login("admin").status_code == 302
        return client

    return sign_in


def get(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.headers.get("Location"))
    return response


def test_admin_sees_a_banner_when_the_scheduler_never_ran(admin):
    text = banner(get(admin(), "/home"))
    assert text is not None and "从未运行" in text and "flask --app wsgi scheduler" in text


def test_a_fresh_heartbeat_shows_no_banner(admin, frozen):
    scheduler.beat(frozen(NOON))
    client = admin()
    assert banner(get(client, "/home")) is None
    assert banner(get(client, "/admin/users")) is None


@pytest.mark.parametrize(("age", "shown"), [
    (dt.timedelta(hours=1, minutes=59, seconds=59), False),
    (dt.timedelta(hours=2), False),
    (dt.timedelta(hours=2, seconds=1), True),
    (dt.timedelta(days=1), True),
])
def test_the_banner_appears_once_the_heartbeat_is_older_than_two_hours(admin, frozen, age, shown):
    scheduler.beat(frozen(NOON))
    frozen(NOON + age)
    text = banner(get(admin(), "/home"))
    assert (text is not None) is shown
    if shown:
        assert f"{age.total_seconds() / 3600:.1f} 小时没有心跳" in text


def test_the_banner_is_on_every_admin_page(admin, frozen):
    scheduler.beat(frozen(NOON - dt.timedelta(hours=3)))
    frozen(NOON)
    client = admin()
    for path in ("/home", "/admin/users", "/inbox"):
        assert banner(get(client, path)) is not None, path


@pytest.mark.parametrize("login", ["hr", "legal_city", "officer"])
def test_other_roles_never_see_it(client, auth, world, frozen, login):
    auth.login(world.officer.id_number if login == "officer" else login)
    assert banner(get(client, "/home")) is None  # never ran
    scheduler.beat(frozen(NOON - dt.timedelta(days=2)))
    frozen(NOON)
    auth.logout()
    auth.login(world.officer.id_number if login == "officer" else login)
    assert banner(get(client, "/home")) is None
    assert banner(get(client, "/inbox")) is None


def test_signed_out_visitors_never_see_it(client):
    assert banner(get(client, "/")) is None
