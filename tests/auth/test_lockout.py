"""Lockout after repeated failures (policy: 5 failures, 15 minutes), admin unlock, and the policy settings
page that changes those numbers."""
from __future__ import annotations

import threading

import pytest

from portal.policy import PolicySetting
from tests.auth.helpers import audit_actions, count, form_values, path_of, text
from tests.conftest import PASSWORD

WRONG = "wrong-password-1"
GENERIC = "用户名（身份证号）或密码不正确"


def _fail(auth, login, times):
    for _ in range(times):
        response = auth.login(login, WRONG)
        assert response.status_code == 401


def test_four_failures_then_the_right_password_works_and_resets_the_count(client, auth, world, frozen):
    _fail(auth, "hr", 4)
    assert path_of(auth.login("hr")) == "/home"
    auth.logout()
    # the count started again: four more failures still do not lock
    _fail(auth, "hr", 4)
    assert path_of(auth.login("hr")) == "/home"


def test_five_failures_lock_until_the_time_named(client, auth, world, frozen):
    _fail(auth, "hr", 4)
    fifth = auth.login("hr", WRONG)
    assert fifth.status_code == 401
    assert "账户已锁定" in text(fifth)
    assert "09:15" in text(fifth)

    refused = auth.login("hr")  # the right password, while locked
    assert refused.status_code == 401
    assert "账户已锁定" in text(refused)
    assert "09:15" in text(refused)
    assert path_of(client.get("/home")) == "/login"
    assert len(audit_actions("auth.login_failed")) == 5

    frozen("2026-11-26T09:14:59")
    still = auth.login("hr")
    assert still.status_code == 401
    assert "09:15" in text(still)

    frozen("2026-11-26T09:15:00")
    assert path_of(auth.login("hr")) == "/home"
    assert client.get("/home").status_code == 200


def _answers(client, auth, login: str, times: int) -> list[tuple[int, str]]:
    """Status and alert of ``times`` sign-ins with a wrong password, then one with the right one."""
    import re

    answers = []
    for password in [WRONG] * times + [PASSWORD]:
        response = auth.login(login, password)
        alert = re.search(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', text(response), re.S)
        answers.append((response.status_code, alert.group(1).strip() if alert else ""))
    return answers


@pytest.mark.parametrize(("known", "unknown"), [("hr", "nobody_here"), ("officer", "id_without_account")])
def test_a_name_without_an_account_answers_as_an_account_does_and_at_its_pace(client, auth, world, frozen,
                                                                                monkeypatch, known, unknown):
    """Issue 13: after five failures a real account answered 账户已锁定 (at once, with no password check) while an
    unknown name kept the generic message — which told an attacker which ID numbers have accounts. Now both are
    counted and locked alike, and every answer costs exactly one password check."""
    import datetime as dt

    from portal.auth import passwords
    from tests.factories import make_id_number

    if known == "officer":
        known, unknown = world.officer.id_number, make_id_number(dt.date(1991, 2, 3), 7)
    checks = []
    real_check = passwords.check_password_hash
    monkeypatch.setattr(passwords, "check_password_hash", lambda *a: checks.append(1) or real_check(*a))

    unknown_answers = _answers(client, auth, unknown, 6)
    unknown_checks, checks[:] = len(checks), []
    known_answers = _answers(client, auth, known, 6)
    assert unknown_checks == len(checks) == 7  # one password check per answer, locked or not
    assert unknown_answers[:4] == [(401, GENERIC)] * 4
    assert "账户已锁定" in unknown_answers[4][1] and "09:15" in unknown_answers[4][1]
    assert known_answers == unknown_answers  # the right password of the real account is refused while locked too

    frozen("2026-11-26T09:15:00")  # both locks end at the same moment
    assert auth.login(unknown, WRONG).status_code == 401 and GENERIC in text(auth.login(unknown, WRONG))


def test_names_without_an_account_are_kept_by_digest_and_forgotten_after_a_day(client, auth, world, frozen):
    import sqlalchemy as sa

    from portal.auth.models import SignInThrottle
    from portal.extensions import db

    auth.login("371002199102030077", WRONG)
    keys = db.session.scalars(sa.select(SignInThrottle.key)).all()
    assert len(keys) == 1 and "371002199102030077" not in keys[0] and len(keys[0]) == 64
    frozen("2026-11-27T09:00:01")
    auth.login("another_name", WRONG)
    assert len(db.session.scalars(sa.select(SignInThrottle.key)).all()) == 1  # the day-old row is gone


def test_lock_does_not_spill_over_to_other_accounts(client, auth, world, frozen):
    _fail(auth, "hr", 5)
    assert path_of(auth.login("hr_other")) == "/home"


def test_officer_accounts_lock_too(client, auth, world, frozen):
    _fail(auth, world.officer.id_number, 5)
    response = auth.login(world.officer.id_number)
    assert response.status_code == 401
    assert "账户已锁定" in text(response)


def test_after_a_lock_expires_the_count_starts_again(client, auth, world, frozen):
    _fail(auth, "hr", 5)
    frozen("2026-11-26T09:15")
    _fail(auth, "hr", 4)
    assert path_of(auth.login("hr")) == "/home"


def test_unlock_time_named_is_never_before_the_lock_ends(client, auth, world, frozen):
    frozen("2026-11-26T09:00:30")
    _fail(auth, "hr", 5)  # locked until 09:15:30
    frozen("2026-11-26T09:15:10")
    response = auth.login("hr")
    assert response.status_code == 401
    assert "09:15 后" not in text(response)
    assert "09:16" in text(response)
    frozen("2026-11-26T09:16")
    assert path_of(auth.login("hr")) == "/home"


def test_admin_unlock_lifts_the_lock(app, client, auth, world, frozen):
    _fail(auth, "hr", 5)
    admin = app.test_client()
    admin.post("/login", data={"login": "admin", "password": PASSWORD})
    edit = admin.get(f"/admin/users/{world.hr.id}/edit")
    assert "解除锁定" in text(edit)
    assert "已锁定" in text(admin.get("/admin/users"))

    response = admin.post(f"/admin/users/{world.hr.id}/unlock")
    assert response.status_code == 302
    assert "已解锁" in text(admin.get(path_of(response)))
    assert [e.object_id for e in audit_actions("user.unlock")] == [str(world.hr.id)]

    assert path_of(auth.login("hr")) == "/home"


def test_only_admin_may_unlock(app, client, auth, world, frozen):
    _fail(auth, "hr_other", 5)
    auth.login("hr")
    assert client.post(f"/admin/users/{world.hr_other.id}/unlock").status_code == 403
    assert audit_actions("user.unlock") == []
    anonymous = app.test_client()
    assert path_of(anonymous.post(f"/admin/users/{world.hr_other.id}/unlock")) == "/login"
    assert auth.logout().status_code == 302
    assert auth.login("hr_other").status_code == 401


# ---------------------------------------------------------------------------------------------- settings

def _settings(admin, **changes):
    """Submit the settings page as shown, with some fields changed."""
    values = form_values(admin.get("/admin/settings"))
    assert "auth.lockout_attempts" in values
    values.update(changes)
    return admin.post("/admin/settings", data=values)


@pytest.fixture
def admin(app, world):
    browser = app.test_client()
    assert path_of(browser.post("/login", data={"login": "admin", "password": PASSWORD})) == "/home"
    return browser


def test_settings_page_shows_the_defaults(admin):
    values = form_values(admin.get("/admin/settings"))
    assert values["auth.lockout_attempts"] == "5"
    assert values["auth.lockout_minutes"] == "15"
    assert values["auth.staff_idle_minutes"] == "30"


def test_lowering_lockout_attempts_to_three_locks_after_three(client, auth, admin, frozen):
    response = _settings(admin, **{"auth.lockout_attempts": "3"})
    assert path_of(response) == "/admin/settings"
    assert "已保存 1 项设置" in text(admin.get("/admin/settings"))
    assert form_values(admin.get("/admin/settings"))["auth.lockout_attempts"] == "3"
    [entry] = audit_actions("policy.update")
    assert entry.change == {"auth.lockout_attempts": [5, 3]}

    _fail(auth, "hr", 2)
    assert path_of(auth.login("hr")) == "/home"
    auth.logout()
    _fail(auth, "hr", 3)
    locked = auth.login("hr")
    assert locked.status_code == 401
    assert "账户已锁定" in text(locked)


def test_lock_minutes_setting_is_used(client, auth, admin, frozen):
    _settings(admin, **{"auth.lockout_minutes": "60"})
    _fail(auth, "hr", 5)
    frozen("2026-11-26T09:59:59")
    assert "10:00" in text(auth.login("hr"))
    frozen("2026-11-26T10:00")
    assert path_of(auth.login("hr")) == "/home"


@pytest.mark.parametrize("raw, message", [
    ("abc", "“连续登录失败多少次后锁定账户”须为整数"),
    ("2", "“连续登录失败多少次后锁定账户”不得小于 3"),
    ("21", "“连续登录失败多少次后锁定账户”不得大于 20"),
    ("", "“连续登录失败多少次后锁定账户”须为整数"),
    ("3.5", "“连续登录失败多少次后锁定账户”须为整数"),
    ("1_0", "“连续登录失败多少次后锁定账户”须为整数"),
    ("五", "“连续登录失败多少次后锁定账户”须为整数"),
])
def test_invalid_setting_is_refused_beside_the_field_and_nothing_is_stored(client, auth, admin, frozen, raw,
                                                                          message):
    before = len(audit_actions())
    # a valid change to another field in the same submission is not stored either
    response = _settings(admin, **{"auth.lockout_attempts": raw, "auth.staff_idle_minutes": "60"})
    assert response.status_code == 422
    html = text(response)
    field_start = html.index('name="auth.lockout_attempts"')
    next_field = html.index('name="auth.lockout_minutes"')
    assert message in html[field_start:next_field], "the error is not shown beside the field"
    assert "is-invalid" in html[html.rindex("<input", 0, field_start):field_start + 80]
    assert "均未保存" in html
    # what the admin typed is kept in the form
    assert form_values(response)["auth.lockout_attempts"] == raw
    assert count(PolicySetting) == 0
    assert len(audit_actions()) == before
    assert form_values(admin.get("/admin/settings"))["auth.staff_idle_minutes"] == "30"
    # the default still applies
    _fail(auth, "hr", 4)
    assert path_of(auth.login("hr")) == "/home"


def test_only_admin_sees_settings(client, auth, world):
    auth.login("legal_city")
    assert client.get("/admin/settings").status_code == 403
    assert client.post("/admin/settings", data={"auth.lockout_attempts": "3"}).status_code == 403
    assert count(PolicySetting) == 0


def test_lock_past_midnight_names_the_date(client, auth, admin, frozen):
    _settings(admin, **{"auth.lockout_minutes": "60"})
    frozen("2026-11-26T23:30")
    _fail(auth, "hr", 5)
    response = auth.login("hr")
    assert "2026年11月27日 00:30" in text(response)


def test_full_width_digits_are_read_as_numbers(client, auth, admin, frozen):
    response = _settings(admin, **{"auth.lockout_attempts": "\uff13"})  # "３" as typed with a Chinese IME
    assert path_of(response) == "/admin/settings"
    assert form_values(admin.get("/admin/settings"))["auth.lockout_attempts"] == "3"
    _fail(auth, "hr", 3)
    assert "账户已锁定" in text(auth.login("hr"))


def test_concurrent_failures_are_all_counted(app, runner, world, frozen):
    """Attempts arriving at the same moment each count: none is lost to another's write."""
    attempts = 4
    barrier = threading.Barrier(attempts)
    statuses = []

    def attempt():
        with app.app_context():
            browser = app.test_client()
            barrier.wait()
            statuses.append(browser.post("/login", data={"login": "hr", "password": WRONG}).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses == [401] * attempts
    browser = app.test_client()
    fifth = browser.post("/login", data={"login": "hr", "password": WRONG})
    assert "账户已锁定" in text(fifth)
    assert "账户已锁定" in text(browser.post("/login", data={"login": "hr", "password": PASSWORD}))
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_right_and_wrong_passwords_at_the_same_moment_never_fail_the_server(app, runner, world):
    """A failure and a success on one account arriving together both get their answer (no deadlock between
    the account's row and the audit chain on PostgreSQL), and the audit chain stays whole.

    (The real clock: with a frozen one two sign-ins write identical audit entries, and on SQLite
    ``audit.record`` reads the last hash before taking the write lock when nothing else is written.)"""
    answers = []

    def attempt(barrier, password):
        with app.app_context():
            browser = app.test_client()
            barrier.wait()
            answers.append((password, browser.post("/login", data={"login": "hr", "password": password}
                                                   ).status_code))

    rounds = 20
    for _ in range(rounds):
        barrier = threading.Barrier(4)
        threads = [threading.Thread(target=attempt, args=(barrier, password))
                   for password in (WRONG, PASSWORD, WRONG, PASSWORD)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert len(answers) == 4 * rounds
    assert {status for password, status in answers if password == WRONG} == {401}
    assert {status for password, status in answers if password == PASSWORD} == {302}
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
