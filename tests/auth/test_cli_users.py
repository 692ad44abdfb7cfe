"""``flask --app wsgi users create``: staff accounts from the command line."""
from __future__ import annotations

import re

import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from tests.auth.helpers import audit_actions, count, path_of
from tests.conftest import PASSWORD

OTP_LINE = re.compile(r"^一次性密码（首次登录须修改）：(\S{4}-\S{4}-\S{4})$", re.M)


def _user(username):
    return db.session.scalar(sa.select(User).where(User.username == username))


def test_create_prints_a_one_time_password_to_change_at_first_sign_in(app, runner, world):
    result = runner.invoke(args=["users", "create", "--username", "clerk", "--role", "hr", "--scope", "环翠执法局"])
    assert result.exit_code == 0, result.output
    assert "已创建账户 clerk（人事/培训管理员，范围：环翠执法局）" in result.output
    [one_time] = OTP_LINE.findall(result.output)
    [entry] = audit_actions("user.create")[-1:]
    assert entry.actor == "cli" and entry.change["scopes"] == ["环翠执法局"]

    browser = app.test_client()
    assert browser.post("/login", data={"login": "clerk", "password": PASSWORD}).status_code == 401
    assert path_of(browser.post("/login", data={"login": "clerk", "password": one_time})) == "/password"
    assert path_of(browser.get("/officers")) == "/password"
    changed = browser.post("/password", data={"current": one_time, "new": "clerk-secret-2026x",
                                              "confirm": "clerk-secret-2026x"})
    assert changed.status_code == 200  # contains the user name: refused
    changed = browser.post("/password", data={"current": one_time, "new": "a-new-secret-123",
                                              "confirm": "a-new-secret-123"})
    assert path_of(changed) == "/home"
    page = browser.get("/officers").get_data(as_text=True)
    assert world.officer.name in page and world.other_officer.name not in page


def test_scope_by_several_names_and_codes(runner, world):
    result = runner.invoke(args=["users", "create", "--username", "auditor", "--role", "legal",
                                 "--scope", f"环翠区,{world.other_district.uscc}", "--scope", "文登执法局"])
    assert result.exit_code == 0, result.output
    assert sorted(a.short_name for a in _user("auditor").scopes) == ["文登区", "文登执法局", "环翠区"]


def test_unknown_scope_exits_non_zero_with_one_line(runner, world):
    users = count(User)
    result = runner.invoke(args=["users", "create", "--username", "clerk", "--role", "hr", "--scope", "不存在的局"])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "找不到唯一的单位“不存在的局”" in lines[0]
    assert "Traceback" not in result.output
    assert count(User) == users and _user("clerk") is None


def test_hr_without_scope_is_refused(runner, world):
    users = count(User)
    result = runner.invoke(args=["users", "create", "--username", "clerk", "--role", "hr"])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "至少需要一个管辖范围" in lines[0], result.output
    assert count(User) == users


def test_duplicate_user_name_is_refused(runner, world):
    result = runner.invoke(args=["users", "create", "--username", "admin", "--role", "admin"])
    assert result.exit_code != 0
    assert "用户名“admin”已被使用" in result.output
    assert "一次性密码" not in result.output


def test_password_stdin_sets_a_password_without_forced_change(app, runner, world):
    result = runner.invoke(args=["users", "create", "--username", "root2", "--role", "admin", "--password-stdin"],
                           input="a-chosen-secret-77\n")
    assert result.exit_code == 0, result.output
    assert "一次性密码" not in result.output
    assert "a-chosen-secret-77" not in result.output
    browser = app.test_client()
    assert path_of(browser.post("/login", data={"login": "root2", "password": "a-chosen-secret-77"})) == "/home"
    assert browser.get("/admin/users").status_code == 200
    assert _user("root2").password_hash.startswith("scrypt:")


def test_password_stdin_follows_the_rule(runner, world):
    for password in ("short", "root2-password-1"):
        result = runner.invoke(args=["users", "create", "--username", "root2", "--role", "admin",
                                     "--password-stdin"], input=password + "\n")
        assert result.exit_code != 0
        assert "密码" in result.output
        assert _user("root2") is None


def test_unknown_role_is_refused(runner, world):
    result = runner.invoke(args=["users", "create", "--username", "x1", "--role", "officer"])
    assert result.exit_code != 0
    assert _user("x1") is None


def test_an_all_digit_credit_code_is_not_taken_for_an_id(runner, world):
    from portal.orgs.agencies import uscc as uscc_module

    first17 = "11371002000000001"
    while not uscc_module.check_character(first17).isdigit():
        first17 = str(int(first17) + 1)
    code = first17 + uscc_module.check_character(first17)
    world.dept.uscc = code
    db.session.commit()
    result = runner.invoke(args=["users", "create", "--username", "digits", "--role", "hr", "--scope", code])
    assert result.exit_code == 0, result.output
    assert [a.id for a in _user("digits").scopes] == [world.dept.id]
